//! The client over QUIC against a scripted quinn server on loopback: the certificate
//! pin, snapshots out of order or without their baseline, oversized messages, closes
//! with codes, and `Leave` delivered before the close.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::welcome;
use std::net::SocketAddr;
use std::sync::Arc;
use tickcast_client::{Client, ClientConfig, ClientError, Transport, Update};
use tickcast_shared::codec::{decode_client, encode_server};
use tickcast_shared::protocol::{ClientMsg, HelloAuth, InputSeq, NetId, ServerMsg, Tick};
use tickcast_shared::quic::{ALPN, LEN_PREFIX, cert_sha256, close, frame, frame_len, len_prefix};
use tickcast_shared::sim::PlayerInput;
use tickcast_shared::sim::{Snapshot, encode_delta};

/// Room for a `Welcome` with the arena's schema descriptor (about 4 KiB).
const MAX_FRAME: usize = 16 * 1024;

/// What the scripted server does, step by step, after reading the client's `Hello`.
enum Step {
    Control(ServerMsg),
    Raw(Vec<u8>),
    Datagram(ServerMsg),
    Uni(Vec<u8>),
    /// Read control messages until the next `Input` (the client's acknowledgement).
    AwaitInput,
    Close(u16, &'static str),
}

fn snap(tick: u32, x: i32) -> Snapshot {
    let mut e =
        tickcast_shared::sim::EntityState::new(NetId(1), tickcast_shared::sim::EntityKind::Player);
    e.x = x;
    Snapshot {
        tick: Tick(tick),
        entities: vec![e],
    }
}

fn snapshot(tick: u32, base: Option<&Snapshot>, current: &Snapshot) -> ServerMsg {
    ServerMsg::Snapshot {
        tick: Tick(tick),
        baseline: base.map(|b| b.tick),
        last_input: InputSeq(0),
        input_lead: 0,
        body: encode_delta(base, current),
    }
}

struct Scripted {
    addr: SocketAddr,
    fingerprint: String,
    /// Control messages the client sent after `Hello`, and how the connection ended.
    done: tokio::task::JoinHandle<(Vec<ClientMsg>, quinn::ConnectionError)>,
}

async fn read_msg(recv: &mut quinn::RecvStream) -> Option<ClientMsg> {
    let mut prefix = [0u8; LEN_PREFIX];
    recv.read_exact(&mut prefix).await.ok()?;
    let mut body = vec![0u8; frame_len(prefix, MAX_FRAME).unwrap()];
    recv.read_exact(&mut body).await.ok()?;
    Some(decode_client(&body, MAX_FRAME).unwrap())
}

/// A one-connection QUIC server with a fresh self-signed certificate.
fn serve(script: Vec<Step>) -> Scripted {
    let key = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert = key.cert.der().clone();
    let fingerprint = cert_sha256(&cert);
    let private = rustls::pki_types::PrivatePkcs8KeyDer::from(key.key_pair.serialize_der());
    let mut tls = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(&[&rustls::version::TLS13])
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert], private.into())
    .unwrap();
    tls.alpn_protocols = vec![ALPN.to_vec()];
    let crypto = quinn::crypto::rustls::QuicServerConfig::try_from(tls).unwrap();
    let config = quinn::ServerConfig::with_crypto(Arc::new(crypto));
    let endpoint = quinn::Endpoint::server(config, "127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = endpoint.local_addr().unwrap();
    let done = tokio::spawn(async move {
        let conn = match endpoint.accept().await.unwrap().await {
            Ok(conn) => conn,
            Err(refused) => return (Vec::new(), refused),
        };
        let (mut send, mut recv) = conn.accept_bi().await.unwrap();
        let hello = read_msg(&mut recv).await.unwrap();
        assert!(matches!(hello, ClientMsg::Hello { .. }), "{hello:?}");
        let mut got = Vec::new();
        for step in script {
            match step {
                Step::Control(msg) => {
                    let _ = send.write_all(&frame(&encode_server(&msg))).await;
                }
                Step::Raw(bytes) => {
                    let _ = send.write_all(&bytes).await;
                }
                Step::Datagram(msg) => conn.send_datagram(encode_server(&msg).into()).unwrap(),
                Step::Uni(bytes) => {
                    // The client may stop an oversized stream before it is written.
                    let mut uni = conn.open_uni().await.unwrap();
                    let _ = uni.write_all(&bytes).await;
                    let _ = uni.finish();
                }
                Step::AwaitInput => loop {
                    // Inputs come as datagrams (the newest last) or on the stream.
                    let msg = tokio::select! {
                        msg = read_msg(&mut recv) => msg.expect("an input"),
                        datagram = conn.read_datagram() => {
                            let bytes = datagram.expect("an input datagram");
                            match decode_client(&bytes, MAX_FRAME).unwrap() {
                                ClientMsg::Inputs(cmds) => {
                                    ClientMsg::Input(cmds.last().expect("an input").clone())
                                }
                                other => panic!("a datagram of inputs, got {other:?}"),
                            }
                        }
                    };
                    let input = matches!(msg, ClientMsg::Input(_));
                    got.push(msg);
                    if input {
                        break;
                    }
                },
                Step::Close(code, reason) => conn.close(u32::from(code).into(), reason.as_bytes()),
            }
        }
        while let Some(msg) = read_msg(&mut recv).await {
            got.push(msg);
        }
        (got, conn.closed().await)
    });
    Scripted {
        addr,
        fingerprint,
        done,
    }
}

fn config() -> ClientConfig {
    ClientConfig {
        transport: Transport::Quic,
        max_frame_bytes: MAX_FRAME,
        ..ClientConfig::default()
    }
}

async fn connect(server: &Scripted) -> Result<Client, ClientError> {
    let auth = HelloAuth::Ticket("t".into());
    Client::connect_quic(server.addr, &server.fingerprint, auth, "q", &config()).await
}

/// The next applied snapshot's tick, acknowledged.
async fn applied(client: &mut Client) -> (Tick, bool) {
    loop {
        if let Update::Snapshot { tick, keyframe } = client.next_update().await.unwrap() {
            client.send_input(PlayerInput::default()).await.unwrap();
            return (tick, keyframe);
        }
    }
}

#[tokio::test]
async fn late_snapshots_and_lost_baselines_are_skipped_not_errors() {
    let (a, b, c, d, e) = (
        snap(3, 10),
        snap(6, 11),
        snap(9, 12),
        snap(12, 13),
        snap(15, 14),
    );
    let server = serve(vec![
        Step::Control(welcome()),
        Step::Uni(encode_server(&snapshot(3, None, &a))),
        Step::AwaitInput,
        // 9 overtakes 6; 12 is a delta against 7, which the client never had.
        Step::Datagram(snapshot(9, Some(&a), &c)),
        Step::Datagram(snapshot(6, Some(&a), &b)),
        Step::Datagram(snapshot(12, Some(&snap(7, 0)), &d)),
        Step::Datagram(snapshot(15, Some(&c), &e)),
        Step::AwaitInput,
        Step::AwaitInput,
        Step::Close(close::NORMAL, "room finished"),
    ]);
    let mut client = connect(&server).await.unwrap();
    assert_eq!(applied(&mut client).await, (Tick(3), true));
    assert_eq!(applied(&mut client).await, (Tick(9), false));
    assert_eq!(applied(&mut client).await, (Tick(15), false));
    assert_eq!(client.own().map(|e| e.x), Some(14));
    let counts = client.view_counts();
    assert_eq!(
        (counts.stale, counts.missing_baseline),
        (1, 1),
        "{counts:?}"
    );
    match client.next_update().await {
        Err(ClientError::Closed { code, reason }) => {
            assert_eq!((code, reason.as_str()), (1000, "room finished"));
        }
        other => panic!("expected a close, got {other:?}"),
    }
    // The end stays the end.
    assert!(matches!(
        client.next_update().await,
        Err(ClientError::Closed { code: 1000, .. })
    ));
    let (got, _) = server.done.await.unwrap();
    let acks: Vec<Option<Tick>> = got
        .iter()
        .filter_map(|m| match m {
            ClientMsg::Input(i) => Some(i.ack),
            _ => None,
        })
        .collect();
    assert_eq!(acks, vec![Some(Tick(3)), Some(Tick(9)), Some(Tick(15))]);
    assert!(client.bytes_received() > 0);
}

#[tokio::test]
async fn another_certificate_than_the_pinned_one_is_refused() {
    let server = serve(Vec::new());
    let other = cert_sha256(b"some other certificate");
    let auth = HelloAuth::Ticket("t".into());
    let err = Client::connect_quic(server.addr, &other, auth, "q", &config())
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Quic(_)), "{err}");
    let (got, _) = server.done.await.unwrap();
    assert!(got.is_empty());
}

#[tokio::test]
async fn oversized_messages_are_refused_before_reading() {
    // A snapshot stream over the limit is one bad frame; a control prefix over the
    // limit ends the connection with 1009.
    let server = serve(vec![
        Step::Control(welcome()),
        Step::Uni(vec![0; MAX_FRAME + 100]),
        Step::Datagram(snapshot(3, None, &snap(3, 1))),
        Step::AwaitInput,
        Step::Raw(len_prefix(MAX_FRAME + 1).to_vec()),
    ]);
    let mut client = connect(&server).await.unwrap();
    let mut too_large = 0;
    loop {
        match client.next_update().await {
            Ok(Update::Snapshot { .. }) => {
                client.send_input(PlayerInput::default()).await.unwrap();
            }
            Ok(_) => {}
            Err(ClientError::FrameTooLarge { max, .. }) => {
                assert_eq!(max, MAX_FRAME);
                too_large += 1;
            }
            Err(ClientError::Closed { code, .. }) => {
                assert_eq!(code, close::TOO_BIG);
                break;
            }
            Err(e) => panic!("unexpected error {e}"),
        }
    }
    assert_eq!(too_large, 1);
    assert_eq!(client.world().map(|w| w.tick), Some(Tick(3)));
    let (_, end) = server.done.await.unwrap();
    match end {
        quinn::ConnectionError::ApplicationClosed(c) => {
            assert_eq!(c.error_code.into_inner(), u64::from(close::TOO_BIG));
        }
        other => panic!("expected the client's close, got {other}"),
    }
}

#[tokio::test]
async fn leave_arrives_before_a_normal_close() {
    let server = serve(vec![Step::Control(welcome())]);
    let client = connect(&server).await.unwrap();
    client.leave().await.unwrap();
    let (got, end) = server.done.await.unwrap();
    assert!(matches!(got.last(), Some(ClientMsg::Leave)), "{got:?}");
    match end {
        quinn::ConnectionError::ApplicationClosed(c) => {
            assert_eq!(c.error_code.into_inner(), u64::from(close::NORMAL));
            assert_eq!(&c.reason[..], b"leaving");
        }
        other => panic!("expected a normal close, got {other}"),
    }
}
