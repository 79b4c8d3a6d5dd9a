//! Spectate anywhere. The owning node hands every spectator event its room's hub
//! renders (the whole [`Entry`]: its id, kind and the bytes of both formats, the
//! same its own viewers get) to Redis once, with its catch-up history, in one script (`XADD` to the room's stream trimmed to the retained
//! window, then `PUBLISH`). A node asked for a room it does not run opens one
//! mirror per room: a local [`Hub`] seeded from the stream and fed by one
//! subscription, which fans out to all its viewers there. The mirror publishes the
//! same entries with the same ids, so `Last-Event-ID` resumes against the mirror's
//! ring exactly as against the owner's (in either format). Catch-up keyframes are
//! the owner's alone: a viewer lagging behind a mirror skips to the next keyframe. While a mirror exists
//! it marks the room as watched, and the owner keeps the room's hub active for it.
//! When the owner dies the mirror ends its viewers' streams with `end`.

use super::directory::DirectoryError;
use super::heartbeat::ClusterNode;
use super::records;
use super::redis_dir::RedisDirectory;
use super::scripts;
use crate::spectators::hub::Tap;
use crate::spectators::{Entry, EntryKind, Hub};
use bytes::Bytes;
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tickcast_shared::protocol::Tick;
use tickcast_shared::spectate::{End, EventId, SpecEvent};
use tokio::sync::mpsc;

/// One local room's event on its way to Redis: the room id and the event.
pub type Tapped = (String, Arc<Entry>);

/// Events queued from all local hubs to the publisher; more are dropped (counted).
pub const PUBLISH_QUEUE: usize = 4096;

/// One letter per event kind, on the wire to Redis.
pub fn kind_code(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Keyframe => "k",
        EntryKind::Delta => "d",
        EntryKind::Game => "g",
        EntryKind::End => "e",
    }
}

fn kind_of(code: &[u8]) -> Option<EntryKind> {
    match code {
        b"k" => Some(EntryKind::Keyframe),
        b"d" => Some(EntryKind::Delta),
        b"g" => Some(EntryKind::Game),
        b"e" => Some(EntryKind::End),
        _ => None,
    }
}

/// The binary text to send for `entry`: empty when it is the JSON text (a `game`
/// or `end` event), so those bytes cross Redis once.
pub fn binary_arg(entry: &Entry) -> &[u8] {
    if entry.binary == entry.text {
        &[]
    } else {
        &entry.binary
    }
}

/// An event from its id, kind, JSON text and binary text (empty: the JSON text).
fn entry_of(id: EventId, kind: EntryKind, text: &[u8], binary: &[u8]) -> Entry {
    let text = Bytes::copy_from_slice(text);
    if binary.is_empty() {
        Entry::same(id, kind, text)
    } else {
        Entry {
            id,
            kind,
            text,
            binary: Bytes::copy_from_slice(binary),
        }
    }
}

fn event_id_of(value: &[u8]) -> Option<EventId> {
    EventId::parse(std::str::from_utf8(value).ok()?)
}

/// An event from a stream entry's fields (`i`, `k`, `x`, `b` in any order).
pub fn entry_of_fields(fields: &[Vec<u8>]) -> Option<Entry> {
    let (mut id, mut kind, mut text, mut binary) = (None, None, None, None);
    for pair in fields.chunks(2) {
        match pair {
            [name, value] if name == b"i" => id = event_id_of(value),
            [name, value] if name == b"k" => kind = kind_of(value),
            [name, value] if name == b"x" => text = Some(value.as_slice()),
            [name, value] if name == b"b" => binary = Some(value.as_slice()),
            _ => {}
        }
    }
    Some(entry_of(id?, kind?, text?, binary?))
}

/// A published message: `<stream id> <event id> <kind> <json len> <json><binary>`
/// (binary empty: the JSON text).
pub fn parse_message(payload: &[u8]) -> Option<(String, Entry)> {
    let mut parts = payload.splitn(5, |b| *b == b' ');
    let sid = std::str::from_utf8(parts.next()?).ok()?.to_owned();
    let id = event_id_of(parts.next()?)?;
    let kind = kind_of(parts.next()?)?;
    let len: usize = std::str::from_utf8(parts.next()?).ok()?.parse().ok()?;
    let rest = parts.next()?;
    let text = rest.get(..len)?;
    let binary = rest.get(len..)?;
    Some((sid, entry_of(id, kind, text, binary)))
}

/// A stream id (`ms-seq`) as numbers, for ordering.
pub fn stream_order(id: &str) -> (u64, u64) {
    let (ms, seq) = id.split_once('-').unwrap_or((id, "0"));
    (ms.parse().unwrap_or(0), seq.parse().unwrap_or(0))
}

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

/// The publisher: every tapped event to Redis, in order, once.
pub async fn publish_loop(node: Arc<ClusterNode>, mut rx: mpsc::Receiver<Tapped>) {
    let config = &node.config().spectators;
    let tick_rate = node.config().tick_rate;
    let frames = config.retain_ticks(tick_rate) / config.frame_interval(tick_rate).max(1);
    let max_entries = (frames as usize).saturating_mul(2).saturating_add(16);
    let keep_ms = u64::from(config.retain_secs) * 1000 + node.redis().config.node_ttl_ms;
    while let Some((room, entry)) = rx.recv().await {
        if let Err(e) = node
            .redis()
            .publish_spec(&room, &entry, max_entries, keep_ms)
            .await
        {
            tracing::debug!(%room, "spectator event not published: {e}");
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
    let key = node.redis().spec_key(&id);
    // Subscribe first, then read the history: nothing falls between the two.
    let mut pubsub = node.redis().subscribe(&key).await.ok()?;
    let _ = node.redis().watch(&owner, &id).await;
    let mut last = None;
    for (sid, entry) in node.redis().spec_history(&id, None).await.ok()? {
        hub.publish(entry);
        last = Some(sid);
    }
    let kept = node.keep_mirror(&id, Arc::clone(&hub));
    if !Arc::ptr_eq(&kept, &hub) {
        return Some(kept); // another viewer's request made the mirror first
    }
    let relay_hub = Arc::clone(&hub);
    let relay_node = Arc::clone(node);
    tokio::spawn(async move {
        let mut last_tick = Tick(0);
        {
            let mut messages = pubsub.on_message();
            let period = Duration::from_millis(relay_node.redis().config.heartbeat_ms());
            let mut every = tokio::time::interval(period);
            let retain = Duration::from_secs(u64::from(relay_node.config().spectators.retain_secs));
            let mut unwatched_since = None::<tokio::time::Instant>;
            loop {
                tokio::select! {
                    msg = messages.next() => {
                        let Some(msg) = msg else { break };
                        let Some((sid, entry)) = parse_message(msg.get_payload_bytes()) else {
                            continue;
                        };
                        if last.as_deref().is_some_and(|l| stream_order(&sid) <= stream_order(l)) {
                            continue;
                        }
                        last = Some(sid);
                        last_tick = entry.id.tick();
                        let end = entry.kind == EntryKind::End;
                        relay_hub.publish(entry);
                        if end {
                            break;
                        }
                    }
                    _ = every.tick() => {
                        if matches!(relay_node.redis().watch(&owner, &id).await, Ok(false)) {
                            end(&relay_hub, last_tick, "the room's node is gone");
                            break;
                        }
                        if relay_hub.spectators() > 0 {
                            unwatched_since = None;
                        } else if unwatched_since.get_or_insert_with(tokio::time::Instant::now).elapsed() > retain {
                            break;
                        }
                    }
                }
            }
        }
        if !relay_hub.is_finished() && relay_hub.spectators() > 0 {
            end(&relay_hub, last_tick, "lost the room's feed");
        }
        relay_node.drop_mirror(&id, &relay_hub);
    });
    Some(hub)
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

/// The Redis side of spectating anywhere.
impl RedisDirectory {
    /// Append a spectator event of a room of this node to Redis and publish it.
    pub async fn publish_spec(
        &self,
        room: &str,
        entry: &Entry,
        max_entries: usize,
        keep_ms: u64,
    ) -> Result<(), DirectoryError> {
        let _: String = self
            .run(
                scripts::SPEC_PUBLISH
                    .arg(self.prefix())
                    .arg(room)
                    .arg(max_entries)
                    .arg(entry.id.0)
                    .arg(kind_code(entry.kind))
                    .arg(entry.text.as_ref())
                    .arg(binary_arg(entry))
                    .arg(keep_ms),
            )
            .await?;
        Ok(())
    }

    /// This node watches `room` of `owner` (refreshed while it does). False when the
    /// owner is gone.
    pub async fn watch(&self, owner: &str, room: &str) -> Result<bool, DirectoryError> {
        let alive: i64 = self
            .run(
                scripts::WATCH
                    .arg(self.prefix())
                    .arg(owner)
                    .arg(room)
                    .arg(self.config.node_ttl_ms),
            )
            .await?;
        Ok(alive == 1)
    }

    /// Rooms of this node that other nodes watch.
    pub async fn watched(&self) -> Result<Vec<String>, DirectoryError> {
        self.run(&*scripts::WATCHED.arg(self.prefix()).arg(&self.node.id))
            .await
    }

    /// The spectator channel (and stream key) of a room.
    pub fn spec_key(&self, room: &str) -> String {
        format!("{}:spec:{room}", self.prefix())
    }

    /// A room's retained spectator events after stream id `after` (all if none).
    pub async fn spec_history(
        &self,
        room: &str,
        after: Option<&str>,
    ) -> Result<Vec<(String, Entry)>, DirectoryError> {
        let start = after.map_or_else(|| "-".to_owned(), |id| format!("({id}"));
        let raw: Vec<(String, Vec<Vec<u8>>)> = self
            .query(
                redis::cmd("XRANGE")
                    .arg(self.spec_key(room))
                    .arg(start)
                    .arg("+"),
            )
            .await?;
        Ok(raw
            .into_iter()
            .filter_map(|(id, fields)| Some((id, entry_of_fields(&fields)?)))
            .collect())
    }

    /// A pub/sub connection subscribed to `channel`.
    pub async fn subscribe(&self, channel: &str) -> Result<redis::aio::PubSub, DirectoryError> {
        let open = async {
            let mut pubsub = self.client.get_async_pubsub().await?;
            pubsub.subscribe(channel).await?;
            Ok::<_, redis::RedisError>(pubsub)
        };
        match tokio::time::timeout(self.timeout, open).await {
            Ok(Ok(p)) => Ok(p),
            Ok(Err(e)) => Err(self.unavailable(e.to_string())),
            Err(_) => Err(self.unavailable("redis timed out".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_stream_fields_decode() {
        // JSON text "data: x y\n\n" (11 bytes), then the binary text.
        let (sid, e) = parse_message(b"17-2 161 d 11 data: x y\n\nid: 161 bin").unwrap();
        assert_eq!(
            (sid.as_str(), e.id, e.kind),
            ("17-2", EventId(161), EntryKind::Delta)
        );
        assert_eq!(&e.text[..], b"data: x y\n\n");
        assert_eq!(&e.binary[..], b"id: 161 bin");
        // Empty binary: the same bytes in both formats.
        let (_, e) = parse_message(b"17-3 164 g 4 game").unwrap();
        assert_eq!((&e.text[..], &e.binary[..]), (&b"game"[..], &b"game"[..]));
        assert!(parse_message(b"17-2 40 q 1 x").is_none());
        assert!(parse_message(b"17-2 40 d 99 short").is_none());
        assert!(parse_message(b"17-2 4x0 d 1 x").is_none());
        assert!(parse_message(b"garbage").is_none());
        let fields: Vec<Vec<u8>> = ["i", "37", "k", "k", "x", "id: 37", "b", "bin 37"]
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect();
        let e = entry_of_fields(&fields).unwrap();
        assert_eq!((e.id, e.kind), (EventId(37), EntryKind::Keyframe));
        assert_eq!(
            (&e.text[..], &e.binary[..]),
            (&b"id: 37"[..], &b"bin 37"[..])
        );
        assert!(entry_of_fields(&fields[..6]).is_none());
    }

    #[test]
    fn an_entry_round_trips_through_the_wire_format() {
        let e = Entry {
            id: EventId::frame(Tick(9)),
            kind: EntryKind::Delta,
            text: Bytes::from_static(b"event: delta\nid: 37\ndata: {}\n\n"),
            binary: Bytes::from_static(b"event: delta\nid: 37\ndata: AAE\n\n"),
        };
        let mut msg = format!("1-0 {} {} {} ", e.id, kind_code(e.kind), e.text.len()).into_bytes();
        msg.extend_from_slice(&e.text);
        msg.extend_from_slice(binary_arg(&e));
        let (_, back) = parse_message(&msg).unwrap();
        assert_eq!((back.id, back.kind), (e.id, e.kind));
        assert_eq!((back.text, back.binary), (e.text, e.binary));
        let g = Entry::same(
            EventId::game(Tick(9)),
            EntryKind::Game,
            Bytes::from_static(b"g"),
        );
        assert!(binary_arg(&g).is_empty());
    }

    #[test]
    fn stream_ids_order_numerically() {
        assert!(stream_order("9-1") < stream_order("10-0"));
        assert!(stream_order("10-2") < stream_order("10-10"));
    }
}
