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
//! feed silent for a node TTL, with Redis answering for the settle window after an
//! outage) the mirror ends its viewers' streams with `end`. A mirror whose feed is
//! interrupted, or lost frames after all, does not let a viewer resume exactly
//! across that (`continuity`); while Redis is unavailable a viewer asking for a
//! remote room is told to retry (503), never that the room does not exist.

use super::directory::DirectoryError;
use super::heartbeat::ClusterNode;
use super::records;
use super::spec_redis::parse_message;
use crate::spectators::{Entry, EntryKind, Hub};
use bytes::Bytes;
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tickcast_shared::codec::DeltaLimits;
use tickcast_shared::protocol::Tick;
use tickcast_shared::schema::Schema;
use tickcast_shared::spectate::{End, EventId, RowState, SpecEvent, SseEvent};

mod catchup;
mod continuity;
mod publish;
use catchup::{catchup_keyframe, sse_fields};
use continuity::{Continuity, Verdict};
use publish::Backoff;
pub use publish::{PUBLISH_QUEUE, Tapped, publish_loop, tap};

/// The mirror of a room another node runs, made (and fed) on first use. `Ok(None)`:
/// the directory says there is no such room on a live node (or it is private and
/// `invite` is not its code). `Err`: the directory cannot say now (Redis is
/// unavailable, or has only just come back and the room's owner may not have
/// registered it again yet); the viewer is told to retry (503), never that the
/// room does not exist. A live mirror serves new viewers without asking Redis
/// (unless Redis is marked unavailable).
pub async fn mirror(
    node: &Arc<ClusterNode>,
    id: &str,
    invite: Option<&str>,
) -> Result<Option<Arc<Hub>>, DirectoryError> {
    let Ok(id) = id.parse::<crate::room::RoomId>() else {
        return Ok(None);
    };
    let id = id.to_string();
    // Redis marked unavailable: at once, even with a mirror (its feed is stalled).
    counted(node, node.redis().available())?;
    if let Some(hub) = node.mirror_of(&id, invite) {
        return Ok(Some(hub));
    }
    let Some(record) = counted(node, node.redis().room(&id).await)? else {
        if !node.redis().settled() {
            return counted(node, Err(DirectoryError::Unavailable(
                "redis has just come back; the room's node may not have registered it again yet"
                    .into(),
            )));
        }
        return Ok(None);
    };
    if !records::admits(&record, invite) {
        return Ok(None);
    }
    let Some(owner) = record.get("node").and_then(|n| n.as_str()) else {
        return Ok(None);
    };
    let owner = owner.to_owned();
    if owner == node.redis().node.id {
        return Ok(None);
    }
    let Some(schema) = game_of(node, &record) else {
        return Ok(None); // a game this node does not have
    };
    let config = node.config();
    let hub = Hub::new(
        config.spectators.clone(),
        config.tick_rate,
        node.spectator_counter(),
    );
    let frame_ticks = config.spectators.frame_interval(config.tick_rate);
    let min_silence = Duration::from_millis(node.redis().config.heartbeat_ms());
    let mut relay = Relay {
        node: Arc::clone(node),
        room: id.clone(),
        owner,
        hub: Arc::clone(&hub),
        last: None,
        heard: tokio::time::Instant::now(),
        state: RowState::new(schema, DeltaLimits::default()),
        continuity: Continuity::new(frame_ticks, config.tick_rate, min_silence),
    };
    let pubsub = counted(node, relay.open().await)?;
    let kept = node.keep_mirror(&id, Arc::clone(&hub), record);
    if !Arc::ptr_eq(&kept, &hub) {
        return Ok(Some(kept)); // another viewer's request made the mirror first
    }
    tokio::spawn(relay.run(pubsub));
    Ok(Some(hub))
}

/// The schema of the game a room record names (a record without `game`, from an
/// older node, is a room of the default game); `None` when this node does not
/// have that game.
fn game_of(node: &ClusterNode, record: &serde_json::Value) -> Option<&'static Schema> {
    let games = node.lobby().games();
    let game = match record.get("game").and_then(|g| g.as_str()) {
        Some(name) => games.get(name)?,
        None => games.default_game(),
    };
    Some(game.schema())
}

/// `r`, a 503 of a remote room's stream counted.
fn counted<T>(node: &ClusterNode, r: Result<T, DirectoryError>) -> Result<T, DirectoryError> {
    if r.is_err() {
        node.redis()
            .stats
            .spec_unavailable
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    r
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
    /// The room as the relayed binary frames rebuild it (the game's rows):
    /// catch-up keyframes for this node's lagging viewers are rendered from it.
    state: RowState,
    /// Whether the relayed frames follow on and arrive as they happen.
    continuity: Continuity,
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
        match self.continuity.judge(&entry) {
            Verdict::Follows => {}
            Verdict::Breaks => {
                tracing::warn!(room = %self.room, id = %entry.id, "spectator feed lost frames; viewers resuming across them are reset");
                self.node
                    .redis()
                    .stats
                    .spec_gaps
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                self.hub.break_feed();
                self.state.clear();
                if entry.kind == EntryKind::Delta {
                    return false;
                }
            }
            Verdict::Drop => return false,
        }
        let end = entry.kind == EntryKind::End;
        let catchup = self.follow_frame(&entry);
        self.hub.publish_with_catchup(entry, catchup);
        end
    }

    /// Apply a relayed frame to the rebuilt room; when it is a delta and a viewer
    /// here fell behind, the same frame as a catch-up keyframe (same id, both
    /// formats, the bytes the owner would render: a keyframe is the snapshot, the
    /// tick rate, the map's name and the roster).
    fn follow_frame(&mut self, entry: &Entry) -> Option<Entry> {
        if entry.kind == EntryKind::Game {
            // The names it brings keep the roster of catch-up keyframes current.
            if let Some((name, data)) = sse_fields(&entry.binary) {
                let _ = self.state.apply(name, data);
            }
            return None;
        }
        if !entry.is_frame() {
            return None;
        }
        let applied = sse_fields(&entry.binary)
            .ok_or(())
            .and_then(|(name, data)| self.state.apply(name, data).map_err(|_| ()));
        if applied.is_err() {
            // Wait for the next keyframe to rebuild from.
            self.state.clear();
            return None;
        }
        if entry.kind != EntryKind::Delta || !self.hub.take_catchup_request() {
            return None;
        }
        catchup_keyframe(&self.state, entry.id)
    }

    /// The periodic check: is the owner gone (its heartbeat expired and its feed
    /// silent for a node TTL, while Redis has answered long enough to know: a Redis
    /// that just came back, restarted empty or after a freeze that let every
    /// record expire, has not heard the owner's next heartbeat yet), or has nobody
    /// watched for the retention window?
    async fn check(&mut self, unwatched_since: &mut Option<tokio::time::Instant>) -> Option<Stop> {
        self.judge_feed();
        let redis = self.node.redis();
        let ttl = Duration::from_millis(redis.config.node_ttl_ms);
        if matches!(redis.watch(&self.owner, &self.room).await, Ok(false))
            && self.heard.elapsed() >= ttl
        {
            if redis.settled() {
                return Some(Stop::Gone("the room's node is gone"));
            }
            redis
                .stats
                .spec_gone_deferred
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
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

    /// Tell the hub whether its feed is interrupted now (see `continuity`).
    fn judge_feed(&mut self) {
        let down = self.node.redis().marked_unavailable();
        let interrupted = self.continuity.interrupted();
        self.hub.set_feed_interrupted(down || interrupted);
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
                    self.continuity.heard(entry.is_frame().then(|| entry.id.tick()));
                    let ended = self.relay(entry);
                    self.judge_feed();
                    if ended {
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
                        _ = self.node.redis().recovered() => {}
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
                    self.continuity.interrupt();
                    self.judge_feed();
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
