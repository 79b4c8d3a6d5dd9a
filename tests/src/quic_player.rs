//! A raw QUIC peer for server tests: it speaks the wire format of
//! [`tickcast_shared::quic`] with quinn and the shared codec directly (no client
//! library connection), so tests can also send what a good client never would:
//! oversized length prefixes, garbage envelopes, bad `Hello`s.
//!
//! Only the certificate pin comes from the client library
//! ([`tickcast_client::cert_pin::quic_client_config`]), so the peer trusts exactly the
//! certificate the lobby announced.

use crate::player::{CloseInfo, WAIT};
use std::net::SocketAddr;
use tickcast_shared::codec::{decode_server, encode_client};
use tickcast_shared::protocol::{ClientMsg, HelloAuth, PROTOCOL_VERSION, ServerMsg};
use tickcast_shared::quic::{LEN_PREFIX, frame, frame_len};

/// Largest control message this peer reads (tests talk to our own server).
const MAX_READ: usize = 1 << 24;

/// A seat whose join answer announced QUIC.
#[derive(Debug, Clone)]
pub struct QuicSeat {
    pub ticket: String,
    pub port: u16,
    pub cert_sha256: String,
}

/// Take a seat in `room`; the join answer must carry `quic`.
pub async fn quic_seat(addr: SocketAddr, room: &str, name: &str) -> QuicSeat {
    let seat = crate::player::join_answer(addr, room, name).await;
    let quic = &seat["quic"];
    let cert_sha256 = quic["cert_sha256"]
        .as_str()
        .unwrap_or_else(|| panic!("no quic.cert_sha256 in the join answer {seat}"))
        .to_owned();
    assert_eq!(cert_sha256.len(), 64, "{seat}");
    assert!(
        cert_sha256
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
        "cert_sha256 is lowercase hex: {seat}"
    );
    QuicSeat {
        ticket: seat["ticket"].as_str().unwrap().to_owned(),
        port: u16::try_from(quic["port"].as_u64().expect("quic.port")).unwrap(),
        cert_sha256,
    }
}

/// One raw QUIC connection with its control stream open (nothing sent yet: the
/// server sees the stream with the first bytes written).
pub struct QuicPeer {
    pub endpoint: quinn::Endpoint,
    pub conn: quinn::Connection,
    pub send: quinn::SendStream,
    pub recv: quinn::RecvStream,
}

impl QuicPeer {
    /// Connect to the QUIC listener of the server whose HTTP address is `http`.
    pub async fn dial(http: SocketAddr, seat: &QuicSeat) -> QuicPeer {
        let config = tickcast_client::cert_pin::quic_client_config(&seat.cert_sha256)
            .expect("client config");
        let mut endpoint =
            quinn::Endpoint::client("127.0.0.1:0".parse().unwrap()).expect("udp socket");
        endpoint.set_default_client_config(config);
        let addr = SocketAddr::new(http.ip(), seat.port);
        let connect = async {
            let conn = endpoint
                .connect(addr, "localhost")
                .expect("connect")
                .await
                .expect("quic handshake");
            let (send, recv) = conn.open_bi().await.expect("open the control stream");
            (conn, send, recv)
        };
        let (conn, send, recv) = tokio::time::timeout(WAIT, connect)
            .await
            .expect("quic connect timeout");
        QuicPeer {
            endpoint,
            conn,
            send,
            recv,
        }
    }

    /// Dial and say `Hello` with `auth` at `version`.
    pub async fn hello(
        http: SocketAddr,
        seat: &QuicSeat,
        version: u16,
        auth: HelloAuth,
        name: &str,
    ) -> QuicPeer {
        let mut peer = QuicPeer::dial(http, seat).await;
        peer.send_msg(&ClientMsg::Hello {
            version,
            auth,
            name: name.to_owned(),
            schema: Some(tickcast_shared::sim::schema::arena_schema().hash()),
        })
        .await;
        peer
    }

    /// Dial, present the seat's ticket and wait for `Welcome`; returns the peer and
    /// the `Welcome`.
    pub async fn join(http: SocketAddr, seat: &QuicSeat, name: &str) -> (QuicPeer, ServerMsg) {
        let auth = HelloAuth::Ticket(seat.ticket.clone());
        let mut peer = QuicPeer::hello(http, seat, PROTOCOL_VERSION, auth, name).await;
        let welcome = peer.next_control().await.expect("an answer to Hello");
        assert!(
            matches!(welcome, ServerMsg::Welcome { .. }),
            "expected Welcome, got {welcome:?}"
        );
        (peer, welcome)
    }

    /// Send one message, framed, on the control stream.
    pub async fn send_msg(&mut self, msg: &ClientMsg) {
        self.send_bytes(&frame(&encode_client(msg))).await;
    }

    /// Write raw bytes on the control stream.
    pub async fn send_bytes(&mut self, bytes: &[u8]) {
        self.send.write_all(bytes).await.expect("write control");
    }

    /// The next control message, or `None` when the stream or the connection ended.
    pub async fn next_control(&mut self) -> Option<ServerMsg> {
        let read = async {
            let mut prefix = [0u8; LEN_PREFIX];
            self.recv.read_exact(&mut prefix).await.ok()?;
            let len = frame_len(prefix, MAX_READ).expect("server frame length");
            let mut body = vec![0u8; len];
            self.recv.read_exact(&mut body).await.ok()?;
            Some(decode_server(&body, MAX_READ).expect("decode server message"))
        };
        tokio::time::timeout(WAIT, read)
            .await
            .expect("no control message within the wait")
    }

    /// Read control messages until the server closes the connection; returns its
    /// application close code and reason, and the messages read before.
    pub async fn expect_close(&mut self) -> (CloseInfo, Vec<ServerMsg>) {
        let mut seen = Vec::new();
        while let Some(msg) = self.next_control().await {
            seen.push(msg);
        }
        let closed = tokio::time::timeout(WAIT, self.conn.closed())
            .await
            .expect("no close within the wait");
        match closed {
            quinn::ConnectionError::ApplicationClosed(close) => (
                CloseInfo {
                    code: u16::try_from(close.error_code.into_inner()).unwrap(),
                    reason: String::from_utf8_lossy(&close.reason).into_owned(),
                },
                seen,
            ),
            other => panic!("expected an application close, got {other} after {seen:?}"),
        }
    }
}
