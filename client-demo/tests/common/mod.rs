//! Fixtures shared by the client's scripted-server tests (WebSocket and QUIC).

use tickcast_shared::protocol::{NetId, PlayerId, ServerMsg, Tick};
use tickcast_shared::sim::schema::arena_schema;

/// The `Welcome` every scripted server sends first.
pub fn welcome() -> ServerMsg {
    ServerMsg::Welcome {
        player: PlayerId(1),
        entity: NetId(1),
        tick_rate: 60,
        send_rate: 20,
        resume_token: "r".into(),
        game: "arena".into(),
        schema_hash: arena_schema().hash(),
        schema: arena_schema().canonical_json(),
        config: r#"{"map":"arena"}"#.into(),
        tick: Tick(0),
        sub: None,
        name: "p".into(),
    }
}
