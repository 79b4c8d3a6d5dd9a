//! Fixtures shared by the client's scripted-server tests (WebSocket and QUIC).

use tickcast_shared::protocol::{NetId, PlayerId, ServerMsg, Tick};
use tickcast_shared::sim::schema::arena_schema;
use tickcast_shared::sim::{ArenaConfig, WorldConfig};

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
        config: serde_json::to_string(&ArenaConfig::new(
            "arena".into(),
            tickcast_shared::sim::map::DEFAULT_MAP.into(),
            WorldConfig::new(60, 0),
        ))
        .unwrap(),
        tick: Tick(0),
        sub: None,
        name: "p".into(),
        players: vec![],
    }
}
