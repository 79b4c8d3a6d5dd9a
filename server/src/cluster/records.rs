//! What the Redis directory stores: node records, room records and tickets, as
//! JSON. Room records are the lobby's room objects with `node` and `url` added, so
//! `GET /api/rooms` answers them as they are.

use crate::net::quic::{WebTransportInfo, WebTransportOffer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A node as `GET /api/nodes` shows it (and as its heartbeat key holds it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeRecord {
    pub id: String,
    /// Public URL clients use to reach the node.
    pub url: String,
    /// Rooms that have not finished.
    pub rooms: u32,
    pub players: u32,
    pub spectators: u64,
    /// Leaving placement (SIGTERM): no new rooms, not chosen by matchmaking.
    pub draining: bool,
    /// The node's QUIC announcement (port, certificate hash), when it offers QUIC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quic: Option<Value>,
    /// The node's WebTransport offer for browsers, when it makes one; its
    /// certificate hashes are the current ones at each heartbeat (the development
    /// certificate rotates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webtransport: Option<NodeWebTransport>,
}

/// What a node record says of the node's WebTransport: where and which
/// certificates (the join answer adds the node's host and the ticket's URL).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeWebTransport {
    /// UDP port on the node's host.
    pub port: u16,
    /// SHA-256s (lowercase hex) of the certificates a browser may meet; empty with
    /// a configured (CA-signed) certificate.
    #[serde(default)]
    pub cert_sha256: Vec<String>,
}

impl NodeWebTransport {
    /// The record of `offer` as it stands now.
    pub fn of(offer: &WebTransportOffer) -> NodeWebTransport {
        NodeWebTransport {
            port: offer.port,
            cert_sha256: offer.cert_sha256(),
        }
    }

    /// The join answer's `webtransport` for `ticket` at the node whose host is
    /// `host`.
    pub fn info(&self, host: String, ticket: &str) -> WebTransportInfo {
        WebTransportInfo {
            host: Some(host),
            ..WebTransportInfo::for_ticket(self.port, ticket, self.cert_sha256.clone())
        }
    }
}

/// A ticket as Redis holds it until it is used or expires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketRecord {
    pub room: String,
    pub node: String,
    pub name: String,
    /// The caller's verified identity (JWT `sub`), when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
}

/// The fields of a room record the directory itself reads.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RoomRef {
    pub id: Value,
    pub node: String,
    pub url: String,
    /// The room's game (absent in an older node's record: the default game).
    #[serde(default)]
    pub game: Option<String>,
    /// The room's map (absent: its game plays on no maps).
    #[serde(default)]
    pub map: Option<String>,
    pub max_players: u32,
    #[serde(default)]
    pub private: bool,
    /// Placed by matchmaking on this node but not started there yet.
    #[serde(default)]
    pub provisional: bool,
}

impl RoomRef {
    /// The room id as text (ids may be JSON numbers or strings).
    pub fn id_text(&self) -> String {
        id_text(&self.id)
    }
}

/// A JSON room id as text.
pub fn id_text(id: &Value) -> String {
    match id {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A room record: the lobby's room object (any JSON object) with `node` and `url`.
pub fn room_record(info: Value, node: &str, url: &str) -> Value {
    let mut map = match info {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    map.insert("node".into(), Value::String(node.to_owned()));
    map.insert("url".into(), Value::String(url.to_owned()));
    Value::Object(map)
}

/// A room record as clients see it: internal fields removed.
pub fn public_room(mut record: Value) -> Value {
    if let Value::Object(map) = &mut record {
        map.remove("provisional");
        map.remove("invite_sha256");
        map.remove("seated_sha256");
    }
    record
}

/// SHA-256 of an invite code (or of a seated identity), lowercase hex: what room records hold instead of the
/// code, so Redis can check an invite without keeping it.
pub fn invite_hash(code: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(code.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `invite` opens the room of `record` (public rooms need none).
pub fn admits(record: &Value, invite: Option<&str>) -> bool {
    if record.get("private").and_then(Value::as_bool) != Some(true) {
        return true;
    }
    match (record.get("invite_sha256").and_then(Value::as_str), invite) {
        (Some(want), Some(given)) => crate::secrets::same_secret(want, &invite_hash(given)),
        _ => false,
    }
}

/// The WebSocket base of a public URL: `http` becomes `ws`, `https` becomes `wss`.
pub fn ws_base(public_url: &str) -> String {
    let url = public_url.trim_end_matches('/');
    if let Some(rest) = url.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = url.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        url.to_owned()
    }
}

/// The host of a URL (`http://[::1]:8080/x` -> `::1`).
pub fn url_host(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or(rest);
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => host,
        _ => authority,
    };
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned()
}

/// A Redis URL fit to print: any password replaced by `***`.
pub fn redacted(url: &str) -> String {
    match (url.split_once("://"), url.rfind('@')) {
        (Some((scheme, rest)), Some(_)) => match rest.rsplit_once('@') {
            Some((_, host)) => format!("{scheme}://***@{host}"),
            None => url.to_owned(),
        },
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn room_records_add_node_and_url_and_hide_internals() {
        let rec = room_record(json!({"id": 7, "map": "arena"}), "n1", "http://h:1");
        assert_eq!(rec["node"], "n1");
        assert_eq!(rec["url"], "http://h:1");
        let mut prov = rec.clone();
        prov["provisional"] = json!(true);
        assert_eq!(public_room(prov), rec);
    }

    #[test]
    fn private_records_need_their_invite() {
        let open = json!({"private": false});
        assert!(admits(&open, None));
        let hidden = json!({"private": true, "invite_sha256": invite_hash("code")});
        assert!(admits(&hidden, Some("code")));
        assert!(!admits(&hidden, Some("other")));
        assert!(!admits(&hidden, None));
        assert!(!admits(&json!({"private": true}), Some("code")));
        assert!(public_room(hidden).get("invite_sha256").is_none());
    }

    #[test]
    fn ids_as_text() {
        assert_eq!(id_text(&json!(7)), "7");
        assert_eq!(id_text(&json!("ab_C")), "ab_C");
    }

    #[test]
    fn ws_urls_follow_the_scheme() {
        assert_eq!(ws_base("http://h:1/"), "ws://h:1");
        assert_eq!(ws_base("https://h"), "wss://h");
    }

    #[test]
    fn hosts_of_urls() {
        assert_eq!(url_host("http://127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(url_host("https://example.org/x"), "example.org");
        assert_eq!(url_host("http://[::1]:1"), "::1");
    }

    #[test]
    fn passwords_are_not_printed() {
        assert_eq!(redacted("redis://:pw@h:6379/0"), "redis://***@h:6379/0");
        assert_eq!(redacted("redis://h:6379"), "redis://h:6379");
    }

    #[test]
    fn records_roundtrip() {
        let n = NodeRecord {
            id: "a".into(),
            url: "http://h".into(),
            rooms: 1,
            players: 2,
            spectators: 3,
            draining: false,
            quic: None,
            webtransport: Some(NodeWebTransport {
                port: 9,
                cert_sha256: vec!["ab".repeat(32)],
            }),
        };
        let back: NodeRecord = serde_json::from_str(&serde_json::to_string(&n).unwrap()).unwrap();
        assert_eq!(back, n);
        // An older node's record has no offer.
        let old: NodeRecord = serde_json::from_value(json!({
            "id": "a", "url": "u", "rooms": 0, "players": 0, "spectators": 0,
            "draining": false
        }))
        .unwrap();
        assert!(old.webtransport.is_none());
        let r: RoomRef = serde_json::from_value(json!({
            "id": "9", "node": "a", "url": "u", "map": "arena", "max_players": 16,
            "provisional": true
        }))
        .unwrap();
        assert!(r.provisional && !r.private);
    }
}
