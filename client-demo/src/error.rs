//! The client library's error type.
//!
//! Errors are split into two families: [`ClientError::is_recoverable`] ones concern a
//! single frame (it was undecodable, or a delta named a baseline we no longer hold) and
//! leave the connection usable; every other error means the connection or the lobby
//! call is over.
//!
//! A connection that ends by a close (WebSocket close frame or QUIC application
//! close) is [`ClientError::Closed`] on both transports, with the same codes.

use std::time::Duration;
use tickcast_shared::codec::{DecodeError, DeltaError};
use tickcast_shared::protocol::{ErrorCode, Tick};
use tickcast_shared::schema::SchemaHash;
use tickcast_shared::sim::MapError;

/// Everything that can go wrong in the client library.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// TLS could not be set up or the server was not trusted.
    #[error("tls: {0}")]
    Tls(String),
    /// The TCP connection to the server could not be opened (refused, unreachable,
    /// name not resolved); `url` names the scheme, host and port tried.
    #[error("connect: {reason} ({url})")]
    Connect { url: String, reason: String },
    /// The server URL given by the caller is not `http(s)://host:port[/]`.
    #[error("invalid server url {url:?}: {reason}")]
    InvalidUrl { url: String, reason: &'static str },
    /// A lobby call could not reach the server or broke off.
    #[error("lobby request {path} failed: {source}")]
    Http {
        path: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The lobby answered with an error status (`{"error": "..."}` body).
    #[error("lobby request {path} answered {status}: {message}")]
    Lobby {
        path: String,
        status: u16,
        message: String,
    },
    /// The lobby's JSON answer did not have the expected shape.
    #[error("lobby request {path} returned unexpected JSON: {source}")]
    LobbyJson {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    /// A lobby answer was larger than the configured limit.
    #[error("lobby answer to {path} exceeds {max} bytes")]
    LobbyTooLarge { path: String, max: usize },
    /// The WebSocket layer failed (connect, handshake, IO, protocol).
    #[error("websocket: {0}")]
    WebSocket(#[from] tokio_tungstenite::tungstenite::Error),
    /// The server sent a frame over the size limit; it was not decoded.
    #[error("frame of {len} bytes exceeds the limit of {max} bytes")]
    FrameTooLarge { len: usize, max: usize },
    /// The server sent a text frame; the protocol is binary only.
    #[error("unexpected text frame from the server")]
    TextFrame,
    /// A binary frame did not decode into a server message.
    #[error("undecodable server message: {0}")]
    Decode(#[from] DecodeError),
    /// A snapshot body did not apply.
    #[error("snapshot for tick {tick:?} did not apply: {source}")]
    Delta {
        tick: Tick,
        #[source]
        source: DeltaError,
    },
    /// A delta named a baseline tick this client does not hold (any more).
    #[error("snapshot for tick {tick:?} needs baseline {baseline:?}, which is not held")]
    UnknownBaseline { tick: Tick, baseline: Tick },
    /// The server sent a message that is out of place (e.g. a second `Welcome`).
    #[error("protocol violation: {0}")]
    Protocol(String),
    /// The server reported an error (and will close the connection).
    #[error("server error {code:?}: {reason}")]
    Server { code: ErrorCode, reason: String },
    /// The connection was closed: a WebSocket close frame, or a QUIC application
    /// close, whose code is the same number ([`tickcast_shared::quic::close`]).
    #[error("connection closed ({code}): {reason}")]
    Closed { code: u16, reason: String },
    /// QUIC was asked for ([`crate::Transport::Quic`]) but the server's join answer
    /// carries no `quic` object: this server offers no QUIC.
    #[error("the server offers no QUIC (its join answer has no \"quic\")")]
    NoQuic,
    /// The lobby's QUIC announcement is unusable (a malformed `cert_sha256`, a host
    /// that does not resolve).
    #[error("unusable QUIC announcement: {0}")]
    QuicAnnouncement(String),
    /// Setting up QUIC on this side failed (UDP socket, TLS configuration).
    #[error("quic setup: {0}")]
    QuicSetup(String),
    /// The QUIC connection failed or was lost other than by an application close
    /// (handshake refused, e.g. a certificate that is not the pinned one; timeout;
    /// reset).
    #[error("quic: {0}")]
    Quic(#[from] quinn::ConnectionError),
    /// No answer in time.
    #[error("{what} timed out after {after:?}")]
    Timeout { what: &'static str, after: Duration },
    /// The room runs a build of the game other than the one this client was built
    /// for: the schema hashes differ (the server refuses such a `Hello` with
    /// `SchemaMismatch`; this is the client's own check of the `Welcome`).
    #[error("the room's {game} schema is {got}, this client was built for {expected}")]
    SchemaMismatch {
        game: String,
        expected: SchemaHash,
        got: SchemaHash,
    },
    /// The `Welcome`'s schema descriptor or game config is unusable.
    #[error("unusable Welcome: {0}")]
    Welcome(String),
    /// The map named by the server could not be loaded.
    #[error("map {name:?}: {reason}")]
    Map { name: String, reason: String },
    /// A map file failed to parse.
    #[error("map {name:?}: {source}")]
    MapParse {
        name: String,
        #[source]
        source: MapError,
    },
}

impl ClientError {
    /// True when the error concerned one frame only and the connection is still usable.
    pub fn is_recoverable(&self) -> bool {
        matches!(
            self,
            ClientError::Decode(_)
                | ClientError::Delta { .. }
                | ClientError::UnknownBaseline { .. }
                | ClientError::FrameTooLarge { .. }
        )
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = ClientError> = std::result::Result<T, E>;
