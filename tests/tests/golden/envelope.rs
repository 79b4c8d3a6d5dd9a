//! `tests/browser/golden/envelope.json`: envelope bytes and their messages.

use crate::{check_or_bless, hex, pretty};
use serde_json::{Value, json};
use tickcast_shared::codec::{DecodeError, decode_server, encode_client, encode_server};
use tickcast_shared::protocol::{
    Buttons, ClientMsg, ErrorCode, GameEvent, HelloAuth, InputCmd, InputSeq, NetId, PlayerId,
    PlayerIdentity, PlayerInput, ServerMsg, Tick,
};

fn client_messages() -> Vec<ClientMsg> {
    let input = |seq, ack, buttons, aim| {
        ClientMsg::Input(InputCmd {
            seq: InputSeq(seq),
            ack,
            input: PlayerInput {
                buttons: Buttons(buttons),
                aim,
            },
            view: ack.map(|t: Tick| Tick(t.0.saturating_sub(6))),
        })
    };
    vec![
        ClientMsg::Hello {
            version: 1,
            auth: HelloAuth::Ticket("t-0123456789abcdef".into()),
            name: "ada".into(),
        },
        ClientMsg::Hello {
            version: 65535,
            auth: HelloAuth::Resume("résumé-token".into()),
            name: String::new(),
        },
        input(1, None, 0, 0.0),
        input(250, Some(Tick(251)), Buttons::UP | Buttons::RIGHT, 1.5),
        input(
            70_000,
            Some(Tick(4_000_000_000)),
            Buttons::ALL,
            -2.718_281_7,
        ),
        input(u32::MAX, Some(Tick(65_535)), Buttons::FIRE, 0.1),
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
            map: "arena".into(),
            tick: Tick(1234),
            sub: None,
            name: "ada".into(),
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
                GameEvent::Joined {
                    player: PlayerId(1),
                    entity: NetId(10),
                },
                GameEvent::Left {
                    player: PlayerId(2),
                },
                GameEvent::Kill {
                    killer: PlayerId(1),
                    victim: PlayerId(300),
                },
                GameEvent::Respawn {
                    player: PlayerId(300),
                    entity: NetId(70_000),
                },
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
        ServerMsg::Welcome {
            player: PlayerId(4),
            entity: NetId(70_000),
            tick_rate: 30,
            send_rate: 30,
            resume_token: String::new(),
            map: "duel".into(),
            tick: Tick(0),
            sub: Some("auth0|user-ü".into()),
            name: String::new(),
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

fn envelope_json() -> Value {
    let client: Vec<Value> = client_messages()
        .iter()
        .map(|m| json!({ "bytes": hex(&encode_client(m)), "json": m }))
        .collect();
    let server: Vec<Value> = server_messages()
        .iter()
        .map(|m| json!({ "bytes": hex(&encode_server(m)), "json": m }))
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
