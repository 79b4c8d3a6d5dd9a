//! Envelope tests: every variant round-trips; hostile bytes give typed errors, never
//! a panic.

use super::*;
use crate::game::{Game, InputValues};
use crate::protocol::{
    ErrorCode, HelloAuth, InputCmd, InputSeq, NetId, PlayerId, PlayerIdentity, Tick,
};
use crate::schema::SchemaHash;
use crate::sim::{Arena, Buttons, GameEvent, PlayerInput};
use proptest::prelude::*;

const MAX: usize = 4096;

fn every_client_msg() -> Vec<ClientMsg> {
    vec![
        ClientMsg::Hello {
            version: crate::protocol::PROTOCOL_VERSION,
            auth: HelloAuth::Ticket("t-123".into()),
            name: "ünïcode name".into(),
            schema: Some(SchemaHash(u64::MAX)),
        },
        ClientMsg::Hello {
            version: 7,
            auth: HelloAuth::Resume(String::new()),
            name: String::new(),
            schema: None,
        },
        ClientMsg::Input(InputCmd {
            seq: InputSeq(u32::MAX),
            ack: Some(Tick(12345)),
            input: Arena::input_values(&PlayerInput {
                buttons: Buttons(Buttons::UP | Buttons::FIRE),
                aim: -1.25,
            }),
            view: Some(Tick(12339)),
        }),
        ClientMsg::Input(InputCmd {
            seq: InputSeq(0),
            ack: None,
            input: InputValues::default(),
            view: None,
        }),
        ClientMsg::Ping { nonce: 0xDEAD_BEEF },
        ClientMsg::Leave,
    ]
}

fn every_server_msg() -> Vec<ServerMsg> {
    let codes = [
        ErrorCode::VersionMismatch,
        ErrorCode::BadTicket,
        ErrorCode::BadResumeToken,
        ErrorCode::RoomFull,
        ErrorCode::RoomClosed,
        ErrorCode::Malformed,
        ErrorCode::TooLarge,
        ErrorCode::Timeout,
        ErrorCode::ServerShutdown,
        ErrorCode::Internal,
        ErrorCode::SchemaMismatch,
    ];
    let mut msgs = vec![
        ServerMsg::Welcome {
            player: PlayerId(3),
            entity: NetId(77),
            tick_rate: 60,
            send_rate: 20,
            resume_token: "resume".into(),
            game: "arena".into(),
            schema_hash: SchemaHash(7),
            schema: "{}".into(),
            config: "{\"map\":1}".into(),
            tick: Tick(9),
            sub: Some("user-42".into()),
            name: "ada".into(),
            players: vec![PlayerIdentity {
                player: PlayerId(3),
                sub: Some("user-42".into()),
                name: "ada".into(),
            }],
        },
        ServerMsg::Snapshot {
            tick: Tick(100),
            baseline: Some(Tick(97)),
            last_input: InputSeq(41),
            input_lead: 0,
            body: vec![0, 1, 2, 255],
        },
        ServerMsg::Snapshot {
            tick: Tick(0),
            baseline: None,
            last_input: InputSeq(0),
            input_lead: 0,
            body: Vec::new(),
        },
        ServerMsg::Pong {
            nonce: 5,
            tick: Tick(u32::MAX),
        },
        ServerMsg::Events {
            tick: Tick(8),
            events: [
                GameEvent::Joined {
                    player: PlayerId(1),
                    entity: NetId(2),
                },
                GameEvent::Left {
                    player: PlayerId(1),
                },
                GameEvent::Kill {
                    killer: PlayerId(1),
                    victim: PlayerId(2),
                },
                GameEvent::Respawn {
                    player: PlayerId(2),
                    entity: NetId(9),
                },
            ]
            .iter()
            .map(Arena::event_row)
            .collect(),
            players: vec![
                PlayerIdentity {
                    player: PlayerId(1),
                    sub: Some("user-1".into()),
                    name: "ada".into(),
                },
                PlayerIdentity {
                    player: PlayerId(2),
                    sub: None,
                    name: String::new(),
                },
            ],
        },
    ];
    msgs.extend(codes.into_iter().map(|code| ServerMsg::Error {
        code,
        reason: format!("{code:?}"),
    }));
    msgs
}

#[test]
fn every_client_variant_round_trips() {
    for msg in every_client_msg() {
        let bytes = encode_client(&msg);
        assert_eq!(decode_client(&bytes, MAX), Ok(msg));
    }
}

#[test]
fn every_server_variant_round_trips() {
    for msg in every_server_msg() {
        let bytes = encode_server(&msg);
        assert_eq!(decode_server(&bytes, MAX), Ok(msg));
    }
}

#[test]
fn variant_counts_match_the_enums() {
    // The last variant's index is count - 1; a new variant must bump the constant.
    assert_eq!(
        encode_client(&ClientMsg::Inputs(Vec::new())),
        vec![CLIENT_VARIANTS as u8 - 1, 0]
    );
    let err = ServerMsg::Error {
        code: ErrorCode::Internal,
        reason: String::new(),
    };
    assert_eq!(encode_server(&err)[0], SERVER_VARIANTS as u8 - 1);
}

#[test]
fn typed_errors_for_hostile_input() {
    let ping = encode_client(&ClientMsg::Ping { nonce: 1 });
    assert_eq!(decode_client(&[], MAX), Err(DecodeError::Truncated));
    assert_eq!(
        decode_client(&ping, 1),
        Err(DecodeError::TooLarge { len: 2, max: 1 })
    );
    assert_eq!(
        decode_client(&[5], MAX),
        Err(DecodeError::UnknownVariant(5))
    );
    // A u32 varint variant index (251 = u16 follows).
    assert_eq!(
        decode_client(&[251, 0x10, 0x27], MAX),
        Err(DecodeError::UnknownVariant(10_000))
    );
    let mut long = ping.clone();
    long.extend([9, 9, 9]);
    assert_eq!(
        decode_client(&long, MAX),
        Err(DecodeError::TrailingBytes(3))
    );
    // Hello whose name claims 2^32 bytes: refused by the limit, nothing allocated.
    let huge = [0, 1, 0, 0, 253, 0, 0, 0, 0, 1, 0, 0, 0];
    assert!(matches!(
        decode_client(&huge, MAX),
        Err(DecodeError::Malformed(_))
    ));
    // Invalid UTF-8 in the ticket.
    let bad_utf8 = [0, 1, 0, 1, 0xFF, 0];
    assert!(matches!(
        decode_client(&bad_utf8, MAX),
        Err(DecodeError::Malformed(_))
    ));
}

fn arb_string() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..12).prop_map(|c| c.into_iter().collect())
}

fn arb_client() -> impl Strategy<Value = ClientMsg> {
    prop_oneof![
        (any::<u16>(), any::<bool>(), arb_string(), arb_string()).prop_map(
            |(version, ticket, token, name)| ClientMsg::Hello {
                version,
                auth: if ticket {
                    HelloAuth::Ticket(token)
                } else {
                    HelloAuth::Resume(token)
                },
                name,
                schema: ticket.then_some(SchemaHash(7)),
            }
        ),
        (
            any::<u32>(),
            any::<Option<u32>>(),
            any::<u8>(),
            -10.0f32..10.0
        )
            .prop_map(|(seq, ack, b, aim)| ClientMsg::Input(InputCmd {
                seq: InputSeq(seq),
                ack: ack.map(Tick),
                input: Arena::input_values(&PlayerInput {
                    buttons: Buttons(b),
                    aim,
                }),
                view: ack.map(Tick),
            })),
        any::<u32>().prop_map(|nonce| ClientMsg::Ping { nonce }),
        Just(ClientMsg::Leave),
        proptest::collection::vec((any::<u32>(), any::<Option<u32>>(), any::<u8>()), 0..5)
            .prop_map(|cmds| ClientMsg::Inputs(
                cmds.into_iter()
                    .map(|(seq, ack, b)| InputCmd {
                        seq: InputSeq(seq),
                        ack: ack.map(Tick),
                        input: Arena::input_values(&PlayerInput {
                            buttons: Buttons(b),
                            aim: 0.5,
                        }),
                        view: None,
                    })
                    .collect()
            )),
    ]
}

fn arb_server() -> impl Strategy<Value = ServerMsg> {
    prop_oneof![
        (
            any::<u32>(),
            any::<Option<u32>>(),
            any::<u32>(),
            any::<i32>(),
            proptest::collection::vec(any::<u8>(), 0..64)
        )
            .prop_map(|(tick, baseline, last, lead, body)| ServerMsg::Snapshot {
                tick: Tick(tick),
                baseline: baseline.map(Tick),
                last_input: InputSeq(last),
                input_lead: lead,
                body,
            }),
        (any::<u32>(), arb_string()).prop_map(|(t, reason)| ServerMsg::Error {
            code: if t % 2 == 0 {
                ErrorCode::RoomFull
            } else {
                ErrorCode::Timeout
            },
            reason,
        }),
        (any::<u32>(), any::<u32>()).prop_map(|(nonce, t)| ServerMsg::Pong {
            nonce,
            tick: Tick(t)
        }),
        proptest::collection::vec((any::<u32>(), any::<u32>()), 0..5).prop_map(|ids| {
            ServerMsg::Events {
                tick: Tick(1),
                events: ids
                    .into_iter()
                    .map(|(p, e)| {
                        Arena::event_row(&GameEvent::Respawn {
                            player: PlayerId(p),
                            entity: NetId(e),
                        })
                    })
                    .collect(),
                players: Vec::new(),
            }
        }),
    ]
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = decode_client(&bytes, MAX);
        let _ = decode_server(&bytes, MAX);
    }

    #[test]
    fn client_round_trip_and_damage(msg in arb_client(), cut in any::<prop::sample::Index>(),
                                    garbage in proptest::collection::vec(any::<u8>(), 1..8),
                                    flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4)) {
        let bytes = encode_client(&msg);
        prop_assert_eq!(decode_client(&bytes, MAX), Ok(msg));
        // Every proper prefix is truncated.
        let at = cut.index(bytes.len());
        prop_assert_eq!(decode_client(&bytes[..at], MAX), Err(DecodeError::Truncated));
        // Anything after a complete message is trailing garbage.
        let mut long = bytes.clone();
        long.extend_from_slice(&garbage);
        prop_assert_eq!(decode_client(&long, MAX), Err(DecodeError::TrailingBytes(garbage.len())));
        // One byte under the length is too large.
        prop_assert_eq!(decode_client(&bytes, bytes.len() - 1),
            Err(DecodeError::TooLarge { len: bytes.len(), max: bytes.len() - 1 }));
        // An out-of-range first byte (single-byte varint) is an unknown variant.
        let mut unknown = bytes.clone();
        unknown[0] = CLIENT_VARIANTS as u8 + garbage[0] % 200;
        prop_assert_eq!(decode_client(&unknown, MAX),
            Err(DecodeError::UnknownVariant(u32::from(unknown[0]))));
        // Random byte changes: any result, but no panic.
        let mut mutated = bytes;
        for (i, v) in flips {
            let i = i.index(mutated.len());
            mutated[i] = v;
        }
        let _ = decode_client(&mutated, MAX);
    }

    #[test]
    fn server_round_trip_and_damage(msg in arb_server(), cut in any::<prop::sample::Index>(),
                                    garbage in proptest::collection::vec(any::<u8>(), 1..8),
                                    flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4)) {
        let bytes = encode_server(&msg);
        prop_assert_eq!(decode_server(&bytes, MAX), Ok(msg));
        let at = cut.index(bytes.len());
        prop_assert_eq!(decode_server(&bytes[..at], MAX), Err(DecodeError::Truncated));
        let mut long = bytes.clone();
        long.extend_from_slice(&garbage);
        prop_assert_eq!(decode_server(&long, MAX), Err(DecodeError::TrailingBytes(garbage.len())));
        let mut mutated = bytes;
        for (i, v) in flips {
            let i = i.index(mutated.len());
            mutated[i] = v;
        }
        let _ = decode_server(&mutated, MAX);
    }

    #[test]
    fn snapshot_head_and_body_are_the_encoded_message(
        tick in any::<u32>(), baseline in any::<Option<u32>>(), last in any::<u32>(),
        lead in any::<i32>(), fill in any::<u8>(),
        len in prop_oneof![0..300usize, Just(65_535usize), Just(65_536usize), 65_537..70_000usize],
    ) {
        let head = SnapshotHead {
            tick: Tick(tick),
            baseline: baseline.map(Tick),
            last_input: InputSeq(last),
            input_lead: lead,
        };
        let body = vec![fill; len];
        let mut split = snapshot_head(&head, body.len());
        split.extend_from_slice(&body);
        let whole = encode_server(&ServerMsg::Snapshot {
            tick: head.tick,
            baseline: head.baseline,
            last_input: head.last_input,
            input_lead: head.input_lead,
            body,
        });
        prop_assert_eq!(split, whole);
    }
}

#[test]
fn game_events_stay_tagged_in_json() {
    // Spectators read events as JSON with a "type" tag; the binary envelope uses
    // variant indexes (bincode cannot decode internally tagged enums).
    let kill = GameEvent::Kill {
        killer: PlayerId(1),
        victim: PlayerId(2),
    };
    let json = serde_json::to_string(&kill).unwrap();
    assert_eq!(json, r#"{"type":"kill","killer":1,"victim":2}"#);
    assert_eq!(serde_json::from_str::<GameEvent>(&json).unwrap(), kill);
}
