//! One connection to a tickcast server, over either transport.
//!
//! [`Connection`] knows bytes and messages, not the game. It dispatches to the
//! transport's link:
//!
//! - [`crate::ws_link::WsLink`]: a WebSocket, one binary frame per message; reliable
//!   and ordered.
//! - [`crate::quic_link::QuicLink`]: QUIC ([`tickcast_shared::quic`]); control messages
//!   on a length-prefixed bidirectional stream, snapshots as datagrams or on
//!   one-envelope unidirectional streams, so snapshots may arrive out of order or not
//!   at all ([`Connection::is_ordered`] is false).
//!
//! On both, every incoming message is bounded in size before it is decoded, `recv`
//! is cancel-safe, and a close by the server becomes
//! [`ClientError::Closed`] with the
//! same close codes.

use crate::conditioned_link::ConditionedLink;
use crate::error::{ClientError, Result};
use crate::link_conditioner::{Delivery, LinkSpec};
use crate::quic_link::QuicLink;
use crate::ws_link::WsLink;
use serde::Serialize;
use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;
use tickcast_shared::codec::decode_server;
use tickcast_shared::protocol::{ClientMsg, ServerMsg};

/// Default bound on one message from the server (a keyframe of 10 000 drones fits).
pub const DEFAULT_MAX_FRAME_BYTES: usize = 1 << 20;

/// How a client reaches the server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
pub enum Transport {
    /// `GET /ws?ticket=…` on the HTTP listener (the default).
    #[default]
    #[serde(rename = "ws")]
    WebSocket,
    /// QUIC on the UDP port the lobby announces (`quic` in the join answer).
    #[serde(rename = "quic")]
    Quic,
}

impl Transport {
    /// `"ws"` or `"quic"`, as the command lines and reports spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::WebSocket => "ws",
            Transport::Quic => "quic",
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Transport {
    type Err = String;

    /// `ws` (or `websocket`) and `quic`, in any case.
    fn from_str(s: &str) -> std::result::Result<Transport, String> {
        match s.to_ascii_lowercase().as_str() {
            "ws" | "websocket" => Ok(Transport::WebSocket),
            "quic" => Ok(Transport::Quic),
            _ => Err(format!("unknown transport {s:?} (ws or quic)")),
        }
    }
}

/// One connection to a tickcast server.
#[derive(Debug)]
pub struct Connection {
    link: Link,
}

#[derive(Debug)]
enum Link {
    Ws(WsLink),
    Quic(QuicLink),
    Conditioned {
        link: ConditionedLink,
        transport: Transport,
    },
}

impl Connection {
    /// Open a WebSocket to `url` (`ws://host:port/ws?ticket=…`) within `timeout`,
    /// accepting frames of at most `max_frame` bytes.
    pub async fn open(url: &str, max_frame: usize, timeout: Duration) -> Result<Connection> {
        Connection::open_ws(url, max_frame, timeout).await
    }

    /// Same as [`Connection::open`].
    pub async fn open_ws(url: &str, max_frame: usize, timeout: Duration) -> Result<Connection> {
        Ok(Connection {
            link: Link::Ws(WsLink::open(url, max_frame, timeout).await?),
        })
    }

    /// Connect over QUIC to `addr` within `timeout`, trusting its certificate as
    /// `trust` says, and open the control stream. Messages of more than `max_frame`
    /// bytes are refused.
    pub async fn open_quic(
        addr: SocketAddr,
        trust: &crate::cert_pin::QuicTrust,
        max_frame: usize,
        timeout: Duration,
    ) -> Result<Connection> {
        Ok(Connection {
            link: Link::Quic(QuicLink::open(addr, trust, max_frame, timeout).await?),
        })
    }

    /// This connection behind the link conditioner: every message in either direction
    /// is delayed (and on QUIC's datagrams lost) as `spec` says, with an RNG seeded by
    /// `seed`. See [`crate::link_conditioner`].
    pub fn conditioned(self, spec: LinkSpec, seed: u64) -> Connection {
        let transport = self.transport();
        Connection {
            link: Link::Conditioned {
                link: ConditionedLink::new(self, spec, seed),
                transport,
            },
        }
    }

    /// The link conditioner's spec, when this connection is behind one.
    pub fn link_spec(&self) -> Option<LinkSpec> {
        match &self.link {
            Link::Conditioned { link, .. } => Some(link.spec()),
            _ => None,
        }
    }

    /// The transport of this connection.
    pub fn transport(&self) -> Transport {
        match &self.link {
            Link::Ws(_) => Transport::WebSocket,
            Link::Quic(_) => Transport::Quic,
            Link::Conditioned { transport, .. } => *transport,
        }
    }

    /// True when messages arrive in the order the server sent them, none missing
    /// (WebSocket); false when snapshots may be reordered or lost (QUIC).
    pub fn is_ordered(&self) -> bool {
        match &self.link {
            Link::Ws(_) => true,
            Link::Quic(_) => false,
            Link::Conditioned { link, .. } => link.is_ordered(),
        }
    }

    /// How `msg` from the server travelled: QUIC snapshots come as datagrams.
    pub fn incoming_delivery(&self, msg: &ServerMsg) -> Delivery {
        match (self.transport(), msg) {
            (Transport::Quic, ServerMsg::Snapshot { .. }) => Delivery::Unreliable,
            _ => Delivery::Reliable,
        }
    }

    /// How `msg` to the server travels: on QUIC, `Inputs` as a datagram.
    pub fn outgoing_delivery(&self, msg: &ClientMsg) -> Delivery {
        match (self.transport(), msg) {
            (Transport::Quic, ClientMsg::Inputs(_)) => Delivery::Unreliable,
            _ => Delivery::Reliable,
        }
    }

    /// Send one message (not cancel-safe: call it from a `select!` branch body).
    pub async fn send(&mut self, msg: &ClientMsg) -> Result<()> {
        match &mut self.link {
            Link::Ws(l) => l.send(msg).await,
            Link::Quic(l) => l.send(msg).await,
            Link::Conditioned { link, .. } => link.send(msg).await,
        }
    }

    /// Receive the next server message. Cancel-safe: a cancelled call loses nothing.
    ///
    /// A message that is too large or does not decode returns a recoverable error
    /// ([`crate::ClientError::is_recoverable`]); the connection can go on reading.
    pub async fn recv(&mut self) -> Result<ServerMsg> {
        match &mut self.link {
            Link::Ws(l) => l.recv().await,
            Link::Quic(l) => l.recv().await,
            Link::Conditioned { link, .. } => link.recv().await,
        }
    }

    /// Close the connection with code 1000 and `reason` (errors are ignored: the peer
    /// may already be gone). Whatever was sent before is delivered first, as far as
    /// the peer is still there to take it.
    pub async fn close(&mut self, reason: &str) {
        match &mut self.link {
            Link::Ws(l) => l.close(reason).await,
            Link::Quic(l) => l.close(reason).await,
            Link::Conditioned { link, .. } => link.close(reason).await,
        }
    }

    /// Bytes of server messages received so far (envelopes; no transport framing).
    pub fn bytes_received(&self) -> u64 {
        match &self.link {
            Link::Ws(l) => l.bytes_received(),
            Link::Quic(l) => l.bytes_received(),
            Link::Conditioned { link, .. } => link.bytes_received(),
        }
    }

    /// Server messages received so far (including any dropped or refused later).
    pub fn frames_received(&self) -> u64 {
        match &self.link {
            Link::Ws(l) => l.frames_received(),
            Link::Quic(l) => l.frames_received(),
            Link::Conditioned { link, .. } => link.frames_received(),
        }
    }

    /// Snapshots dropped on arrival because [`Connection::recv`] was not keeping up
    /// (QUIC only; the WebSocket never drops).
    pub fn snapshots_dropped(&self) -> u64 {
        match &self.link {
            Link::Ws(_) => 0,
            Link::Quic(l) => l.snapshots_dropped(),
            Link::Conditioned { link, .. } => link.snapshots_dropped(),
        }
    }

    /// Messages the link conditioner lost on purpose, both directions (0 without one).
    pub fn conditioner_lost(&self) -> u64 {
        match &self.link {
            Link::Conditioned { link, .. } => link.lost(),
            _ => 0,
        }
    }

    /// The message size limit.
    pub fn max_frame(&self) -> usize {
        match &self.link {
            Link::Ws(l) => l.max_frame(),
            Link::Quic(l) => l.max_frame(),
            Link::Conditioned { link, .. } => link.max_frame(),
        }
    }
}

/// One envelope from the server, whatever carried it: over `max` bytes is
/// [`ClientError::FrameTooLarge`] before anything is decoded; then the codec decides.
pub(crate) fn decode_envelope(bytes: &[u8], max: usize) -> Result<ServerMsg> {
    if bytes.len() > max {
        return Err(ClientError::FrameTooLarge {
            len: bytes.len(),
            max,
        });
    }
    Ok(decode_server(bytes, max)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transports_parse_and_print() {
        assert_eq!("ws".parse(), Ok(Transport::WebSocket));
        assert_eq!("WebSocket".parse(), Ok(Transport::WebSocket));
        assert_eq!("quic".parse(), Ok(Transport::Quic));
        assert!("tcp".parse::<Transport>().is_err());
        assert_eq!(Transport::default(), Transport::WebSocket);
        assert_eq!(Transport::Quic.to_string(), "quic");
        assert_eq!(
            serde_json::to_string(&Transport::WebSocket).unwrap(),
            "\"ws\""
        );
    }
}
