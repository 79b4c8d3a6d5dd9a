//! Lobby HTTP calls: list and create rooms, take a seat (join or matchmake).
//!
//! A [`Lobby`] talks HTTP/1.1 (`http://`, or `https://` verified against
//! [`crate::tls::roots`]; one short connection per call) to the server's JSON API. Every answer is bounded in size and time before it is parsed, and
//! an error status becomes [`ClientError::Lobby`] carrying the server's `error` text.
//!
//! A seat ([`JoinTicket`], see [`crate::seat`]) says where to present the ticket;
//! the QUIC host is the lobby's own host ([`Lobby::quic_addr`]).

use crate::error::{ClientError, Result};
pub use crate::seat::{JoinTicket, QuicInfo};
use crate::tls::Stream;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

/// Default bound on a lobby answer's body.
pub const DEFAULT_MAX_ANSWER_BYTES: usize = 1 << 20;
/// Default time allowed for one lobby call (connect, request and answer).
pub const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(10);

/// A room's id as the server spells it (a JSON string or number).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct RoomId(pub String);

impl fmt::Display for RoomId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for RoomId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Number(u64),
        }
        Ok(match Raw::deserialize(d)? {
            Raw::Text(s) => RoomId(s),
            Raw::Number(n) => RoomId(n.to_string()),
        })
    }
}

/// A room as the lobby lists it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RoomInfo {
    pub id: RoomId,
    pub name: String,
    /// The game the room runs (servers before several games leave it out).
    #[serde(default)]
    pub game: String,
    /// The room's map (absent or null: its game plays on no maps).
    #[serde(default)]
    pub map: Option<String>,
    /// `"waiting"`, `"running"` or `"finished"`.
    pub state: String,
    pub players: u32,
    pub max_players: u32,
    #[serde(default)]
    pub spectators: u32,
    #[serde(default)]
    pub tick: u64,
}

/// Body of `POST /api/rooms`; unset fields take the server's defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CreateRoom {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The game (default: the server's first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub game: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub map: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_players: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drones: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private: Option<bool>,
}

#[derive(Serialize)]
struct JoinBody<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    game: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    map: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    invite: Option<&'a str>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: String,
}

/// A handle on a server's lobby API (cheap to clone).
#[derive(Debug, Clone)]
pub struct Lobby {
    /// `host:port`, for the TCP connection and the `Host` header.
    authority: String,
    /// `https://`: calls go over TLS and the player WebSocket is `wss://`.
    tls: bool,
    timeout: Duration,
    max_answer_bytes: usize,
}

impl Lobby {
    /// A lobby at `server`, written `http://host:port` or `https://host:port` (a
    /// trailing `/` is allowed).
    pub fn new(server: &str) -> Result<Lobby> {
        let invalid = |reason| ClientError::InvalidUrl {
            url: server.to_owned(),
            reason,
        };
        let (tls, rest) = match (
            server.strip_prefix("http://"),
            server.strip_prefix("https://"),
        ) {
            (Some(rest), _) => (false, rest),
            (_, Some(rest)) => (true, rest),
            _ => return Err(invalid("only http:// and https:// URLs are supported")),
        };
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.is_empty() || authority.contains('/') {
            return Err(invalid("expected http(s)://host:port"));
        }
        Ok(Lobby {
            authority: authority.to_owned(),
            tls,
            timeout: DEFAULT_HTTP_TIMEOUT,
            max_answer_bytes: DEFAULT_MAX_ANSWER_BYTES,
        })
    }

    /// Change the time allowed per call and the bound on answer bodies.
    pub fn with_limits(mut self, timeout: Duration, max_answer_bytes: usize) -> Lobby {
        self.timeout = timeout;
        self.max_answer_bytes = max_answer_bytes;
        self
    }

    /// `host:port` of the server.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// The host part of [`Lobby::authority`] (brackets of an IPv6 literal removed).
    pub fn host(&self) -> &str {
        let host = match self.authority.rsplit_once(':') {
            Some((host, port)) if !port.contains(']') => host,
            _ => self.authority.as_str(),
        };
        host.strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host)
    }

    /// The UDP address of the server's QUIC listener: this lobby's host at the
    /// announced port (the first address the host resolves to).
    pub async fn quic_addr(&self, quic: &QuicInfo) -> Result<SocketAddr> {
        let host = quic.host.as_deref().unwrap_or(self.host());
        let unusable = |why: String| ClientError::QuicAnnouncement(format!("{host}: {why}"));
        let lookup = tokio::net::lookup_host((host, quic.port));
        let mut addrs = tokio::time::timeout(self.timeout, lookup)
            .await
            .map_err(|_| unusable("name lookup timed out".to_owned()))?
            .map_err(|e| unusable(e.to_string()))?;
        addrs
            .next()
            .ok_or_else(|| unusable("resolves to no address".to_owned()))
    }

    /// `GET /api/rooms`: the public rooms.
    pub async fn list_rooms(&self) -> Result<Vec<RoomInfo>> {
        self.call(Method::GET, "/api/rooms".to_owned(), None).await
    }

    /// `GET /api/rooms/{id}`.
    pub async fn room(&self, id: &RoomId) -> Result<RoomInfo> {
        self.call(Method::GET, format!("/api/rooms/{id}"), None)
            .await
    }

    /// `POST /api/rooms`: create a room.
    pub async fn create_room(&self, req: &CreateRoom) -> Result<RoomInfo> {
        let body = to_json("/api/rooms", req)?;
        self.call(Method::POST, "/api/rooms".to_owned(), Some(body))
            .await
    }

    /// `POST /api/rooms/{id}/join`: a seat in that room.
    pub async fn join(&self, room: &RoomId, name: &str) -> Result<JoinTicket> {
        self.join_invited(room, name, None).await
    }

    /// `POST /api/rooms/{id}/join` with a private room's `invite` code.
    pub async fn join_invited(
        &self,
        room: &RoomId,
        name: &str,
        invite: Option<&str>,
    ) -> Result<JoinTicket> {
        let path = format!("/api/rooms/{room}/join");
        let body = JoinBody {
            name,
            game: None,
            map: None,
            invite,
        };
        let body = to_json(&path, &body)?;
        self.call(Method::POST, path, Some(body)).await
    }

    /// `POST /api/matchmake`: a seat in the fullest open public room (or a new one)
    /// of the server's default game.
    pub async fn matchmake(&self, name: &str, map: Option<&str>) -> Result<JoinTicket> {
        self.matchmake_game(name, None, map).await
    }

    /// `POST /api/matchmake` for `game` (`None`: the server's default game).
    pub async fn matchmake_game(
        &self,
        name: &str,
        game: Option<&str>,
        map: Option<&str>,
    ) -> Result<JoinTicket> {
        let path = "/api/matchmake".to_owned();
        let body = JoinBody {
            name,
            game,
            map,
            invite: None,
        };
        let body = to_json(&path, &body)?;
        self.call(Method::POST, path, Some(body)).await
    }

    /// `GET /metrics`: the server's Prometheus text.
    pub async fn metrics_text(&self) -> Result<String> {
        let path = "/metrics";
        let (status, bytes) = self.send(Method::GET, path, None).await?;
        if !status.is_success() {
            return Err(lobby_error(path, status, &bytes));
        }
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// The WebSocket URL to present `ticket` at, made absolute against this server
    /// (`wss://` when the lobby is `https://`).
    pub fn ws_url(&self, ticket: &JoinTicket) -> String {
        let url = ticket.ws_url.as_str();
        let ws = if self.tls { "wss" } else { "ws" };
        if url.starts_with("ws://") || url.starts_with("wss://") {
            url.to_owned()
        } else if let Some(rest) = url.strip_prefix("http://") {
            format!("ws://{rest}")
        } else if let Some(rest) = url.strip_prefix("https://") {
            format!("wss://{rest}")
        } else if url.starts_with('/') {
            format!("{ws}://{}{url}", self.authority)
        } else {
            format!("{ws}://{}/{url}", self.authority)
        }
    }

    /// The port of [`Lobby::authority`] (the scheme's default when none is written).
    fn port(&self) -> u16 {
        self.authority
            .rsplit_once(':')
            .filter(|(_, port)| !port.contains(']'))
            .and_then(|(_, port)| port.parse().ok())
            .unwrap_or(if self.tls { 443 } else { 80 })
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: String,
        body: Option<Vec<u8>>,
    ) -> Result<T> {
        let (status, bytes) = self.send(method, &path, body).await?;
        if !status.is_success() {
            return Err(lobby_error(&path, status, &bytes));
        }
        serde_json::from_slice(&bytes).map_err(|source| ClientError::LobbyJson { path, source })
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<(StatusCode, Bytes)> {
        let call = self.send_untimed(method, path, body);
        tokio::time::timeout(self.timeout, call)
            .await
            .map_err(|_| ClientError::Timeout {
                what: "lobby request",
                after: self.timeout,
            })?
    }

    async fn send_untimed(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<(StatusCode, Bytes)> {
        let http = |source: Box<dyn std::error::Error + Send + Sync>| ClientError::Http {
            path: path.to_owned(),
            source,
        };
        let scheme = if self.tls { "https" } else { "http" };
        let stream = Stream::connect(scheme, self.host(), self.port(), self.tls)
            .await
            .map_err(|e| http(e.into()))?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| http(e.into()))?;
        // The connection task ends when the answer is read and `sender` is dropped.
        tokio::spawn(conn);
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(hyper::header::HOST, &self.authority);
        if body.is_some() {
            req = req.header(hyper::header::CONTENT_TYPE, "application/json");
        }
        let req = req
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|e| http(e.into()))?;
        let resp = sender.send_request(req).await.map_err(|e| http(e.into()))?;
        let status = resp.status();
        let collected = Limited::new(resp.into_body(), self.max_answer_bytes)
            .collect()
            .await
            .map_err(|e| {
                if e.is::<http_body_util::LengthLimitError>() {
                    ClientError::LobbyTooLarge {
                        path: path.to_owned(),
                        max: self.max_answer_bytes,
                    }
                } else {
                    http(e)
                }
            })?;
        Ok((status, collected.to_bytes()))
    }
}

fn to_json<T: Serialize>(path: &str, value: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|source| ClientError::LobbyJson {
        path: path.to_owned(),
        source,
    })
}

fn lobby_error(path: &str, status: StatusCode, body: &[u8]) -> ClientError {
    let message = match serde_json::from_slice::<ErrorBody>(body) {
        Ok(e) => e.error,
        Err(_) => String::from_utf8_lossy(body).chars().take(200).collect(),
    };
    ClientError::Lobby {
        path: path.to_owned(),
        status: status.as_u16(),
        message,
    }
}

#[cfg(test)]
#[path = "lobby_tests.rs"]
mod tests;
