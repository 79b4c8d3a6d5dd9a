//! A WebTransport peer for server tests, as a browser page holds its session: the
//! session at `/wt?ticket=T` (with `web-transport-quinn` as the client, trusting the
//! certificate hashes the join answer announced), a bidirectional control stream in
//! the framing of [`tickcast_shared::quic`], snapshots from datagrams (reassembled
//! when fragmented), and the session's close code and reason, which the server sends
//! in a `CloseWebTransportSession` capsule.

use crate::player::{WAIT, join_answer};
use std::net::SocketAddr;
use tickcast_shared::codec::{decode_server, encode_client};
use tickcast_shared::protocol::{ClientMsg, HelloAuth, PROTOCOL_VERSION, ServerMsg};
use tickcast_shared::quic::{LEN_PREFIX, fragments, frame, frame_len};
use web_transport_quinn::{ClientError, Session, SessionError, WebTransportError};

/// A seat whose join answer offers WebTransport.
#[derive(Debug, Clone)]
pub struct WtSeat {
    pub ticket: String,
    /// The host the offer names (cluster mode: the room's node); `None`: the
    /// lobby's (the session goes to `localhost`).
    pub host: Option<String>,
    pub port: u16,
    /// SHA-256 of the certificates the browser may meet (`serverCertificateHashes`).
    pub hashes: Vec<Vec<u8>>,
}

/// Take a seat in `room`; the join answer must offer WebTransport with hashes.
pub async fn wt_seat(addr: SocketAddr, room: &str, name: &str) -> WtSeat {
    wt_seat_of(&join_answer(addr, room, name).await)
}

/// The seat of a join (or matchmaking) answer, which must offer WebTransport with
/// hashes.
pub fn wt_seat_of(answer: &serde_json::Value) -> WtSeat {
    let wt = &answer["webtransport"];
    let ticket = answer["ticket"].as_str().unwrap().to_owned();
    assert_eq!(
        wt["url"].as_str(),
        Some(format!("/wt?ticket={ticket}").as_str()),
        "{answer}"
    );
    let hashes = cert_hashes(wt);
    assert!(!hashes.is_empty(), "{answer}");
    WtSeat {
        ticket,
        host: wt["host"].as_str().map(str::to_owned),
        port: u16::try_from(wt["port"].as_u64().unwrap()).unwrap(),
        hashes,
    }
}

/// The `cert_sha256` of a WebTransport offer (or of a node record's), as bytes.
pub fn cert_hashes(offer: &serde_json::Value) -> Vec<Vec<u8>> {
    offer["cert_sha256"]
        .as_array()
        .unwrap_or_else(|| panic!("no cert_sha256 in {offer}"))
        .iter()
        .map(|h| hex(h.as_str().unwrap()))
        .collect()
}

fn hex(text: &str) -> Vec<u8> {
    assert_eq!(text.len(), 64, "{text}");
    (0..32)
        .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// Open a session at `path` (`/wt?ticket=...`), trusting the announced hashes.
pub async fn connect(seat: &WtSeat, path: &str) -> Result<Session, ClientError> {
    let client = web_transport_quinn::ClientBuilder::new()
        .with_server_certificate_hashes(seat.hashes.clone())
        .expect("client");
    let host = match seat.host.as_deref() {
        Some(h) if h.contains(':') => format!("[{h}]"),
        Some(h) => h.to_owned(),
        None => "localhost".to_owned(),
    };
    let url = url::Url::parse(&format!("https://{host}:{}{path}", seat.port)).unwrap();
    tokio::time::timeout(WAIT, client.connect(url))
        .await
        .expect("connect within the wait")
}

/// A session with its control stream, as the browser page holds it.
pub struct WtPeer {
    pub session: Session,
    pub send: web_transport_quinn::SendStream,
    pub recv: web_transport_quinn::RecvStream,
}

impl WtPeer {
    /// A session at the seat's ticket URL and its control stream (no Hello yet).
    pub async fn open(seat: &WtSeat) -> WtPeer {
        let session = connect(seat, &format!("/wt?ticket={}", seat.ticket))
            .await
            .expect("session accepted");
        let (send, recv) = session.open_bi().await.expect("control stream");
        WtPeer {
            session,
            send,
            recv,
        }
    }

    /// Open, say Hello with the seat's ticket and read the Welcome.
    pub async fn join(seat: &WtSeat, name: &str) -> WtPeer {
        let mut peer = WtPeer::open(seat).await;
        peer.send_msg(&ClientMsg::Hello {
            version: PROTOCOL_VERSION,
            auth: HelloAuth::Ticket(seat.ticket.clone()),
            name: name.to_owned(),
            schema: None,
        })
        .await;
        let welcome = peer.next_control().await.expect("an answer to Hello");
        assert!(matches!(welcome, ServerMsg::Welcome { .. }), "{welcome:?}");
        peer
    }

    /// One control message, framed as on the wire.
    pub async fn send_msg(&mut self, msg: &ClientMsg) {
        self.send
            .write_all(&frame(&encode_client(msg)))
            .await
            .expect("write control");
    }

    /// The next control message; `None` once the stream ended.
    pub async fn next_control(&mut self) -> Option<ServerMsg> {
        let read = async {
            let mut prefix = [0u8; LEN_PREFIX];
            self.recv.read_exact(&mut prefix).await.ok()?;
            let len = frame_len(prefix, 1 << 24).expect("frame length");
            let mut body = vec![0u8; len];
            self.recv.read_exact(&mut body).await.ok()?;
            Some(decode_server(&body, 1 << 24).expect("decode"))
        };
        tokio::time::timeout(WAIT, read)
            .await
            .expect("a control message in time")
    }

    /// The next snapshot from datagrams (reassembled when fragmented).
    pub async fn next_snapshot(&mut self) -> ServerMsg {
        let mut parts = fragments::Reassembler::new(4, 64, 1 << 20);
        tokio::time::timeout(WAIT, async {
            loop {
                let d = self.session.read_datagram().await.expect("a datagram");
                let whole = if fragments::is_fragment(&d) {
                    match parts.push(&d) {
                        Ok(Some(whole)) => whole,
                        _ => continue,
                    }
                } else {
                    d.to_vec()
                };
                let msg = decode_server(&whole, 1 << 20).expect("a snapshot envelope");
                if matches!(msg, ServerMsg::Snapshot { .. }) {
                    return msg;
                }
            }
        })
        .await
        .expect("a snapshot datagram in time")
    }

    /// The session's close code and reason.
    pub async fn expect_close(&mut self) -> (u32, String) {
        while self.next_control().await.is_some() {}
        let closed = tokio::time::timeout(WAIT, self.session.closed())
            .await
            .expect("a close in time");
        close_of(closed)
    }
}

/// The code and reason of a session closed by the server's `CloseWebTransportSession`
/// capsule (panics on any other end: a lost connection carries no reason).
pub fn close_of(e: SessionError) -> (u32, String) {
    match e {
        SessionError::WebTransportError(WebTransportError::Closed(code, reason)) => (code, reason),
        other => panic!("expected a WebTransport close, got {other}"),
    }
}

/// Whether the session was refused with HTTP `status` (the client reports it one
/// of two ways).
pub fn refused_with(e: &ClientError, status: u16) -> bool {
    use web_transport_quinn::ConnectError;
    use web_transport_quinn::proto::ConnectError as Proto;
    match e {
        ClientError::HttpError(ConnectError::ErrorStatus(s)) => s.as_u16() == status,
        ClientError::HttpError(ConnectError::ProtoError(Proto::WrongStatus(Some(s)))) => {
            s.as_u16() == status
        }
        _ => false,
    }
}
