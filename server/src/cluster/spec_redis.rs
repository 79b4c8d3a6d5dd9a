//! The Redis side of spectating anywhere: the wire format of a spectator event
//! (stream fields `i`, `k`, `x`, `b`; channel messages
//! `<stream id> <event id> <kind> <json len> <json><binary>`) and the calls the
//! publisher and the mirrors make: publish with history (one script), watch marks,
//! the stream's history, and pub/sub connections.

use super::directory::DirectoryError;
use super::redis_dir::RedisDirectory;
use super::scripts;
use crate::spectators::{Entry, EntryKind};
use bytes::Bytes;
use tickcast_shared::spectate::EventId;

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
        self.outcome(tokio::time::timeout(self.timeout, open).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tickcast_shared::protocol::Tick;

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
