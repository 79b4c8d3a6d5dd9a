//! Spectate anywhere. The owning node hands every spectator event its room's hub
//! renders (the whole [`Entry`]: its id, kind and the bytes of both formats, the
//! same its own viewers get) to Redis once, with its catch-up history, in one
//! script (`XADD` to the room's stream trimmed to the retained window, then
//! `PUBLISH`; see [`super::spec_redis`]). While Redis is away the publisher keeps
//! trying each event in order (for up to the retained window). A node asked for a
//! room it does not run opens one mirror per room: a local [`Hub`] seeded from the
//! stream and fed by one subscription, which fans out to all its viewers there. The
//! mirror publishes the same entries with the same ids, so `Last-Event-ID` resumes
//! against the mirror's ring exactly as against the owner's (in either format).
//! When the subscription drops (Redis restarted, the connection broke) the mirror
//! subscribes again with backoff and re-seeds from the stream after the newest id
//! it has: its viewers see no gap and no duplicate. A viewer lagging behind a
//! mirror gets a catch-up keyframe as on the owner: the mirror rebuilds the room
//! from the binary frames it relays and renders the keyframe itself (no request
//! to the owner, no extra bytes through Redis; a keyframe is only the snapshot,
//! the tick rate and the map's name, so the bytes equal the owner's; see `catchup`).
//! While a mirror exists it marks the room as watched, and the owner keeps the
//! room's hub active for it. When the owner is gone (its heartbeat expired and its
//! feed silent for a node TTL) the mirror ends its viewers' streams with `end`.

use super::directory::DirectoryError;
use super::heartbeat::ClusterNode;
use super::records;
use super::spec_redis::parse_message;
use crate::spectators::hub::Tap;
use crate::spectators::{Entry, EntryKind, Hub};
use bytes::Bytes;
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tickcast_shared::protocol::Tick;
use tickcast_shared::spectate::{BinaryState, End, EventId, SpecEvent};
use tokio::sync::mpsc;

mod catchup;
use catchup::{catchup_keyframe, sse_fields};

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
struct Backoff(Duration);

impl Backoff {
    const FIRST: Duration = Duration::from_millis(50);
    const MAX: Duration = Duration::from_secs(2);

    fn new() -> Backoff {
        Backoff(Backoff::FIRST)
    }

    fn next(&mut self) -> Duration {
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
                    tokio::time::sleep(backoff.next()).await;
                }
            }
        }
    }
}

/// The mirror of a room another node runs, made (and fed) on first use. `None`:
/// no such room on a live node, or a private one without its invite.
pub async fn mirror(node: &Arc<ClusterNode>, id: &str, invite: Option<&str>) -> Option<Arc<Hub>> {
    let id = id.parse::<crate::lobby::RoomId>().ok()?.to_string();
    let record = node.redis().room(&id).await.ok()??;
    if !records::admits(&record, invite) {
        return None;
    }
    let owner = record.get("node")?.as_str()?.to_owned();
    if owner == node.redis().node.id {
        return None;
    }
    if let Some(hub) = node.mirror_of(&id) {
        return Some(hub);
    }
    let config = node.config();
    let hub = Hub::new(
        config.spectators.clone(),
        config.tick_rate,
        node.spectator_counter(),
    );
    let mut relay = Relay {
        node: Arc::clone(node),
        room: id.clone(),
        owner,
        hub: Arc::clone(&hub),
        last: None,
        heard: tokio::time::Instant::now(),
        state: BinaryState::default(),
    };
    let pubsub = relay.open().await.ok()?;
    let kept = node.keep_mirror(&id, Arc::clone(&hub));
    if !Arc::ptr_eq(&kept, &hub) {
        return Some(kept); // another viewer's request made the mirror first
    }
    tokio::spawn(relay.run(pubsub));
    Some(hub)
}

/// Why a mirror stops following its room's channel.
enum Stop {
    /// The subscription dropped (Redis went away): open it again.
    Dropped,
    /// The room's `end` was relayed.
    Ended,
    /// The owner is gone: end the viewers' streams with this reason.
    Gone(&'static str),
    /// Nobody watched for the retention window.
    Unwatched,
}

/// One mirror: feeds its hub from the room's channel, in order, each event once.
struct Relay {
    node: Arc<ClusterNode>,
    room: String,
    owner: String,
    hub: Arc<Hub>,
    /// The newest event id published to the hub: older ones are duplicates.
    last: Option<EventId>,
    /// When the owner's feed was last heard (or the subscription last opened).
    heard: tokio::time::Instant,
    /// The room as the relayed binary frames rebuild it: catch-up keyframes for
    /// this node's lagging viewers are rendered from it.
    state: BinaryState,
}

impl Relay {
    /// Subscribe to the room's channel, then publish what the stream holds after
    /// the newest id the hub has (subscribing first: nothing falls between).
    async fn open(&mut self) -> Result<redis::aio::PubSub, DirectoryError> {
        let redis = self.node.redis();
        let pubsub = redis.subscribe(&redis.spec_key(&self.room)).await?;
        let _ = redis.watch(&self.owner, &self.room).await;
        for (_, entry) in redis.spec_history(&self.room, None).await? {
            self.relay(entry);
        }
        self.heard = tokio::time::Instant::now();
        Ok(pubsub)
    }

    /// Publish `entry` unless the hub has it already. True for the room's `end`.
    fn relay(&mut self, entry: Entry) -> bool {
        if self.last.is_some_and(|last| entry.id <= last) {
            return false;
        }
        self.last = Some(entry.id);
        let end = entry.kind == EntryKind::End;
        let catchup = self.follow_frame(&entry);
        self.hub.publish_with_catchup(entry, catchup);
        end
    }

    /// Apply a relayed frame to the rebuilt room; when it is a delta and a viewer
    /// here fell behind, the same frame as a catch-up keyframe (same id, both
    /// formats, the bytes the owner would render: a keyframe is the snapshot, the
    /// tick rate and the map's name).
    fn follow_frame(&mut self, entry: &Entry) -> Option<Entry> {
        if !entry.is_frame() {
            return None;
        }
        let applied = sse_fields(&entry.binary)
            .ok_or(())
            .and_then(|(name, data)| self.state.apply(name, data).map_err(|_| ()));
        if applied.is_err() {
            // Wait for the next keyframe to rebuild from.
            self.state = BinaryState::default();
            return None;
        }
        if entry.kind != EntryKind::Delta || !self.hub.take_catchup_request() {
            return None;
        }
        catchup_keyframe(&self.state, entry.id)
    }

    /// The periodic check: is the owner gone (its heartbeat expired and its feed
    /// silent for a node TTL: a Redis that just came back does not know it yet), or
    /// has nobody watched for the retention window?
    async fn check(&self, unwatched_since: &mut Option<tokio::time::Instant>) -> Option<Stop> {
        let redis = self.node.redis();
        let ttl = Duration::from_millis(redis.config.node_ttl_ms);
        if matches!(redis.watch(&self.owner, &self.room).await, Ok(false))
            && self.heard.elapsed() >= ttl
        {
            return Some(Stop::Gone("the room's node is gone"));
        }
        let retain = Duration::from_secs(u64::from(self.node.config().spectators.retain_secs));
        if self.hub.spectators() > 0 {
            *unwatched_since = None;
        } else if unwatched_since
            .get_or_insert_with(tokio::time::Instant::now)
            .elapsed()
            > retain
        {
            return Some(Stop::Unwatched);
        }
        None
    }

    /// Relay messages until the subscription drops or the mirror must stop.
    async fn follow(
        &mut self,
        pubsub: &mut redis::aio::PubSub,
        every: &mut tokio::time::Interval,
        unwatched_since: &mut Option<tokio::time::Instant>,
    ) -> Stop {
        let mut messages = pubsub.on_message();
        loop {
            tokio::select! {
                msg = messages.next() => {
                    let Some(msg) = msg else { return Stop::Dropped };
                    let Some((_, entry)) = parse_message(msg.get_payload_bytes()) else {
                        continue;
                    };
                    self.heard = tokio::time::Instant::now();
                    if self.relay(entry) {
                        return Stop::Ended;
                    }
                }
                _ = every.tick() => {
                    if let Some(stop) = self.check(unwatched_since).await {
                        return stop;
                    }
                }
            }
        }
    }

    /// Follow the room until it ends, its owner is gone or nobody watches; a
    /// dropped subscription is opened again (with backoff) and re-seeded from the
    /// stream, so the mirror's viewers see no gap and no duplicate.
    async fn run(mut self, pubsub: redis::aio::PubSub) {
        let period = Duration::from_millis(self.node.redis().config.heartbeat_ms());
        let mut every = tokio::time::interval(period);
        let mut unwatched_since = None;
        let mut pubsub = Some(pubsub);
        let reason = loop {
            let Some(open) = pubsub.as_mut() else {
                let mut backoff = Backoff::new();
                let stop = loop {
                    match self.open().await {
                        Ok(p) => {
                            tracing::info!(room = %self.room, "spectator feed subscribed again");
                            pubsub = Some(p);
                            break None;
                        }
                        Err(e) => tracing::debug!(room = %self.room, "resubscribe: {e}"),
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(backoff.next()) => {}
                        _ = every.tick() => {
                            if let Some(stop) = self.check(&mut unwatched_since).await {
                                break Some(stop);
                            }
                        }
                    }
                };
                match stop {
                    Some(stop) => break stop,
                    None => continue,
                }
            };
            match self.follow(open, &mut every, &mut unwatched_since).await {
                Stop::Dropped => {
                    tracing::warn!(room = %self.room, "spectator feed lost its subscription; subscribing again");
                    pubsub = None;
                }
                stop => break stop,
            }
        };
        let why = match reason {
            Stop::Gone(why) => Some(why),
            Stop::Ended => None,
            Stop::Dropped | Stop::Unwatched => {
                (self.hub.spectators() > 0).then_some("lost the room's feed")
            }
        };
        if let Some(why) = why
            && !self.hub.is_finished()
        {
            end(&self.hub, self.last.map_or(Tick(0), EventId::tick), why);
        }
        self.node.drop_mirror(&self.room, &self.hub);
    }
}

/// End a mirror's viewers' streams (its owner's `end` never came): the id is the
/// `end` slot of the last tick relayed, after every event the mirror published.
fn end(hub: &Hub, tick: Tick, reason: &str) {
    let ev = SpecEvent::End(End {
        tick,
        reason: reason.to_owned(),
    });
    hub.publish(Entry::same(
        EventId::end(tick),
        EntryKind::End,
        Bytes::from(ev.to_sse()),
    ));
}
