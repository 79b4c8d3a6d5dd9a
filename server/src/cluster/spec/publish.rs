//! The owner's side of spectating anywhere: the tap of each local room's hub and
//! the publisher that hands every event to Redis, in order, once (see the parent
//! module); also the backoff both sides use while Redis is away.

use super::super::heartbeat::ClusterNode;
use crate::spectators::Entry;
use crate::spectators::hub::Tap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// One local room's event on its way to Redis: the room id and the event.
pub type Tapped = (String, Arc<Entry>);

/// Events queued from all local hubs to the publisher; more are dropped (counted).
pub const PUBLISH_QUEUE: usize = 4096;

/// The tap of a local room's hub: queue each event for the publisher.
pub fn tap(node: &ClusterNode, room: String) -> Tap {
    let tx = node.spec_sender();
    let stats = node.stats_handle();
    Box::new(move |entry: &Arc<Entry>| {
        if tx.try_send((room.clone(), Arc::clone(entry))).is_err() {
            stats
                .spec_dropped
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    })
}

/// Backoff between attempts while Redis is away: doubling, capped.
pub(super) struct Backoff(Duration);

impl Backoff {
    const FIRST: Duration = Duration::from_millis(50);
    const MAX: Duration = Duration::from_secs(2);

    pub(super) fn new() -> Backoff {
        Backoff(Backoff::FIRST)
    }

    pub(super) fn next(&mut self) -> Duration {
        let now = self.0;
        self.0 = (self.0 * 2).min(Backoff::MAX);
        now
    }
}

/// The publisher: every tapped event to Redis, in order, once. An event Redis did
/// not take (it is away) is tried again with backoff until it is older than the
/// retained window, so mirrors that re-seed from the stream afterwards miss nothing
/// (an attempt that did reach Redis but was not answered leaves a duplicate in the
/// stream; mirrors drop it by its id).
pub async fn publish_loop(node: Arc<ClusterNode>, mut rx: mpsc::Receiver<Tapped>) {
    let config = &node.config().spectators;
    let tick_rate = node.config().tick_rate;
    let frames = config.retain_ticks(tick_rate) / config.frame_interval(tick_rate).max(1);
    let max_entries = (frames as usize).saturating_mul(2).saturating_add(16);
    let keep_ms = u64::from(config.retain_secs) * 1000 + node.redis().config.node_ttl_ms;
    let give_up = Duration::from_secs(u64::from(config.retain_secs));
    let mut failing = false;
    while let Some((room, entry)) = rx.recv().await {
        let first = tokio::time::Instant::now();
        let mut backoff = Backoff::new();
        loop {
            let sent = node
                .redis()
                .publish_spec(&room, &entry, max_entries, keep_ms)
                .await;
            match sent {
                Ok(()) => {
                    if std::mem::take(&mut failing) {
                        tracing::info!("spectator events reach redis again");
                    }
                    break;
                }
                Err(e) => {
                    if !std::mem::replace(&mut failing, true) {
                        tracing::warn!(%room, "spectator events wait for redis: {e}");
                    }
                    if first.elapsed() > give_up {
                        tracing::debug!(%room, id = %entry.id, "spectator event not published");
                        break;
                    }
                    // Redis answering again ends the wait at once.
                    tokio::select! {
                        _ = tokio::time::sleep(backoff.next()) => {}
                        _ = node.redis().recovered() => {}
                    }
                }
            }
        }
    }
}
