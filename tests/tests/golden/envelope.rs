//! `tests/browser/golden/envelope.json`: envelope bytes and their messages.
//!
//! The JSON is serde's, except that schema hashes (`u64`, past what a JS number holds
//! exactly) are written as their 16 hex digits, the form the JS codec uses.

use crate::{check_or_bless, hex, pretty};
use serde_json::{Value, json};
use tickcast_shared::codec::{DecodeError, decode_server, encode_client, encode_server};
use tickcast_shared::game::{EventRow, InputValues};
use tickcast_shared::protocol::{
    ClientMsg, ErrorCode, HelloAuth, InputCmd, InputSeq, NetId, PlayerId, PlayerIdentity,
    ServerMsg, Tick,
};
use tickcast_shared::schema::SchemaHash;
use tickcast_shared::sim::map::DEFAULT_MAP;
use tickcast_shared::sim::schema::arena_schema;
use tickcast_shared::sim::{ArenaConfig, WorldConfig};

/// The arena's input values: held buttons (up 1, down 2, left 4, right 8, fire 16),
/// then the aim's `f32` bits.
fn arena_input(buttons: u8, aim: f32) -> InputValues {
    InputValues(vec![i32::from(buttons), aim.to_bits() as i32])
}

/// The arena's events as rows: joined 0, left 1, kill 2, respawn 3.
fn event(event: u8, values: &[u32]) -> EventRow {
    EventRow {
        event,
        values: values.iter().map(|v| *v as i32).collect(),
    }
}

/// The config of an arena room as the `Welcome` carries it (opaque to the codec).
fn arena_config(map: &str) -> String {
    let config = ArenaConfig::new(map.into(), DEFAULT_MAP.into(), WorldConfig::new(60, 0));
    serde_json::to_string(&config).unwrap()
}

fn client_messages() -> Vec<ClientMsg> {
    let input = |seq, ack, input| {
        ClientMsg::Input(InputCmd {
            seq: InputSeq(seq),
            ack,
            input,
            view: ack.map(|t: Tick| Tick(t.0.saturating_sub(6))),
        })
    };
    vec![
        ClientMsg::Hello {
            version: 5,
            auth: HelloAuth::Ticket("t-0123456789abcdef".into()),
            name: "ada".into(),
            schema: Some(arena_schema().hash()),
        },
        ClientMsg::Hello {
            version: 65535,
            auth: HelloAuth::Resume("résumé-token".into()),
            name: String::new(),
            schema: None,
        },
        ClientMsg::Hello {
            version: 1,
            auth: HelloAuth::Ticket("t".into()),
            name: "small".into(),
            schema: Some(SchemaHash(250)),
        },
        ClientMsg::Hello {
            version: 1,
            auth: HelloAuth::Ticket("t".into()),
            name: "u32".into(),
            schema: Some(SchemaHash(0xffff_ffff)),
        },
        input(1, None, arena_input(0, 0.0)),
        input(250, Some(Tick(251)), arena_input(1 | 8, 1.5)),
        input(
            70_000,
            Some(Tick(4_000_000_000)),
            arena_input(31, -2.718_281_7),
        ),
        input(u32::MAX, Some(Tick(65_535)), arena_input(16, 0.1)),
        input(
            2,
            Some(Tick(3)),
            InputValues(vec![i32::MIN, i32::MAX, -1, 0, 125, -126, 32_768]),
        ),
        input(3, None, InputValues(vec![])),
        ClientMsg::Ping { nonce: 0 },
        ClientMsg::Ping { nonce: 123_456 },
        ClientMsg::Leave,
    ]
}

fn server_messages() -> Vec<ServerMsg> {
    vec![
        ServerMsg::Welcome {
            player: PlayerId(3),
            entity: NetId(300),
            tick_rate: 60,
            send_rate: 20,
            resume_token: "r-abcdef".into(),
            game: "arena".into(),
            schema_hash: arena_schema().hash(),
            schema: arena_schema().canonical_json(),
            config: arena_config("arena"),
            tick: Tick(1234),
            sub: None,
            name: "ada".into(),
            players: vec![
                PlayerIdentity {
                    player: PlayerId(1),
                    sub: Some("u-1".into()),
                    name: "Zoë".into(),
                },
                PlayerIdentity {
                    player: PlayerId(3),
                    sub: None,
                    name: "ada".into(),
                },
            ],
        },
        ServerMsg::Snapshot {
            tick: Tick(99),
            baseline: None,
            last_input: InputSeq(0),
            input_lead: -1,
            body: vec![0, 1, 2, 250, 251, 255],
        },
        ServerMsg::Snapshot {
            tick: Tick(100_000),
            baseline: Some(Tick(99_997)),
            last_input: InputSeq(5000),
            input_lead: 70_000,
            body: (0..=255u8).collect(),
        },
        ServerMsg::Pong {
            nonce: u32::MAX,
            tick: Tick(7),
        },
        ServerMsg::Events {
            tick: Tick(61),
            events: vec![
                event(0, &[1, 10]),
                event(1, &[2]),
                event(2, &[1, 300]),
                event(3, &[300, 70_000]),
                event(3, &[u32::MAX, 0x8000_0000]),
            ],
            players: vec![
                PlayerIdentity {
                    player: PlayerId(1),
                    sub: Some("user-1".into()),
                    name: "ada".into(),
                },
                PlayerIdentity {
                    player: PlayerId(300),
                    sub: None,
                    name: "bob".into(),
                },
            ],
        },
        ServerMsg::Events {
            tick: Tick(0),
            events: vec![],
            players: vec![],
        },
        ServerMsg::Error {
            code: ErrorCode::VersionMismatch,
            reason: "client speaks 2, server speaks 1".into(),
        },
        ServerMsg::Error {
            code: ErrorCode::Internal,
            reason: String::new(),
        },
        ServerMsg::Error {
            code: ErrorCode::SchemaMismatch,
            reason: "the room runs arena a347f279f3ca5308".into(),
        },
        ServerMsg::Welcome {
            player: PlayerId(4),
            entity: NetId(70_000),
            tick_rate: 30,
            send_rate: 30,
            resume_token: String::new(),
            game: "arena".into(),
            schema_hash: SchemaHash(7),
            schema: String::new(),
            config: arena_config("duel"),
            tick: Tick(0),
            sub: Some("auth0|user-ü".into()),
            name: String::new(),
            players: vec![],
        },
    ]
}

fn error_kind(e: &DecodeError) -> &'static str {
    match e {
        DecodeError::TooLarge { .. } => "too_large",
        DecodeError::Truncated => "truncated",
        DecodeError::UnknownVariant(_) => "unknown_variant",
        DecodeError::TrailingBytes(_) => "trailing_bytes",
        DecodeError::Malformed(_) => "malformed",
    }
}

/// Broken server frames: what a hostile or buggy peer could send.
fn broken_frames() -> Vec<(&'static str, Vec<u8>)> {
    let welcome = encode_server(&server_messages()[0]);
    let snapshot = encode_server(&server_messages()[1]);
    let mut trailing = welcome.clone();
    trailing.push(0);
    let mut bad_option = snapshot.clone();
    bad_option[2] = 2; // the baseline's Option tag (variant 1, tick 99, then the tag)
    let mut bad_utf8 = encode_server(&ServerMsg::Error {
        code: ErrorCode::Internal,
        reason: "ab".into(),
    });
    let last = bad_utf8.len() - 1;
    bad_utf8[last] = 0xff;
    vec![
        ("empty", vec![]),
        ("truncated welcome", welcome[..welcome.len() - 1].to_vec()),
        ("trailing byte", trailing),
        ("unknown variant", vec![9, 0, 0]),
        ("bad option tag", bad_option),
        ("bad utf-8 in a string", bad_utf8),
        ("unknown error code", vec![4, 42, 0]),
        ("schema hash cut after its u64 marker", {
            // The Welcome up to its game name ("arena", length-prefixed), then the
            // hash's 0xfd marker and 4 of its 8 bytes.
            let bytes = encode_server(&server_messages()[0]);
            let game = bytes
                .windows(6)
                .position(|w| w == b"\x05arena")
                .expect("the game name");
            bytes[..game + 6 + 5].to_vec()
        }),
        (
            "length prefix past the end",
            vec![1, 5, 0, 0, 253, 0, 0, 0, 0, 1, 0, 0, 0],
        ),
        (
            "u32 varint marker in a u16",
            vec![0, 1, 2, 252, 60, 0, 0, 0],
        ),
    ]
}

/// `Hello.schema` and `Welcome.schema_hash` as 16 hex digits (see the module docs).
fn hashes_as_hex(mut msg: Value) -> Value {
    for pointer in ["/Hello/schema", "/Welcome/schema_hash"] {
        if let Some(v) = msg.pointer_mut(pointer)
            && let Some(n) = v.as_u64()
        {
            *v = Value::String(SchemaHash(n).to_string());
        }
    }
    msg
}

fn envelope_json() -> Value {
    let client: Vec<Value> = client_messages()
        .iter()
        .map(|m| json!({ "bytes": hex(&encode_client(m)), "json": hashes_as_hex(json!(m)) }))
        .collect();
    let server: Vec<Value> = server_messages()
        .iter()
        .map(|m| json!({ "bytes": hex(&encode_server(m)), "json": hashes_as_hex(json!(m)) }))
        .collect();
    let broken: Vec<Value> = broken_frames()
        .into_iter()
        .map(|(name, bytes)| {
            let err = decode_server(&bytes, 1 << 20).expect_err(name);
            json!({ "name": name, "bytes": hex(&bytes), "error": error_kind(&err) })
        })
        .collect();
    json!({ "client": client, "server": server, "server_errors": broken })
}

#[test]
fn envelope_vectors_match_the_codec() {
    for m in server_messages() {
        assert_eq!(decode_server(&encode_server(&m), 1 << 20), Ok(m));
    }
    check_or_bless(
        "tests/browser/golden/envelope.json",
        &pretty(&envelope_json()),
    );
}
