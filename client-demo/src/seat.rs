//! Taking a seat: a lobby ticket (or a resume token), a connection over the chosen
//! transport, `Hello`, `Welcome`.
//!
//! The lobby's join and matchmake answers give a [`JoinTicket`]: the single-use
//! ticket and where to present it. Over the WebSocket that is `ws_url`; when the
//! server offers QUIC the answer also carries `"quic": {"port": …, "cert_sha256":
//! "<64 lowercase hex>"}` ([`QuicInfo`]): the UDP port on the lobby's own host, and
//! the SHA-256 of the only certificate the client will accept there. Servers without
//! QUIC leave it out.
//!
//! [`Client::connect`] presents a [`JoinTicket`] over [`ClientConfig::transport`]:
//! the WebSocket URL of the ticket, or QUIC at the lobby's host and the announced
//! port with the announced certificate pinned ([`crate::cert_pin`]). A QUIC client
//! facing a server that announces no QUIC gets [`ClientError::NoQuic`]. Every
//! connected client remembers its [`Target`], so [`Client::resume`] can come back to
//! the same place with the `Welcome`'s resume token.
//!
//! On QUIC a snapshot may overtake the `Welcome` (they travel on different streams
//! or as datagrams); such early snapshots are kept (a few) and applied first.

use crate::cert_pin::QuicTrust;
use crate::client::{Client, Welcome};
use crate::config::ClientConfig;
use crate::connection::{Connection, Transport};
use crate::error::{ClientError, Result};
use crate::lobby::{Lobby, RoomId, RoomInfo};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use tickcast_shared::protocol::{ClientMsg, HelloAuth, PROTOCOL_VERSION, ServerMsg};
use tickcast_shared::schema::{Schema, SchemaHash};

/// Snapshots kept when they arrive before `Welcome` (QUIC).
const EARLY_SNAPSHOTS: usize = 8;

/// Where a server takes QUIC connections, as its join answer announces it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct QuicInfo {
    /// The host to reach, when it is not the lobby's (a cluster's owning node).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// UDP port on `host`, else on the lobby's host.
    pub port: u16,
    /// SHA-256 of the server's DER certificate, 64 lowercase hex digits: the only
    /// certificate the client accepts ([`crate::cert_pin`]). Empty when the server
    /// announces none (its QUIC certificate is its HTTPS one, verified normally).
    #[serde(default)]
    pub cert_sha256: String,
}

/// A seat: the single-use ticket and where to present it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct JoinTicket {
    pub ticket: String,
    /// Absolute (`ws://…`) or relative to the server (`/ws?ticket=…`).
    pub ws_url: String,
    pub room: RoomInfo,
    /// Present when the server offers QUIC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quic: Option<QuicInfo>,
}

/// Where a client connects, without credentials: enough to come back with a resume
/// token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The player WebSocket endpoint without its query, e.g. `ws://host:port/ws`.
    WebSocket { url: String },
    /// The QUIC listener and how its certificate is trusted.
    Quic { addr: SocketAddr, trust: QuicTrust },
}

impl Target {
    /// The transport this target is reached by.
    pub fn transport(&self) -> Transport {
        match self {
            Target::WebSocket { .. } => Transport::WebSocket,
            Target::Quic { .. } => Transport::Quic,
        }
    }
}

impl Client {
    /// Quick-join: matchmake on `server` (`http://host:port`) and connect.
    pub async fn matchmake(server: &str, name: &str, config: &ClientConfig) -> Result<Client> {
        let lobby = config.lobby(server)?;
        let ticket = lobby.matchmake_game(name, Some(&config.game), None).await?;
        Client::connect(&lobby, &ticket, name, config).await
    }

    /// Join the room `room` on `server` and connect (a private room with
    /// `config.invite`).
    pub async fn join(
        server: &str,
        room: &RoomId,
        name: &str,
        config: &ClientConfig,
    ) -> Result<Client> {
        let lobby = config.lobby(server)?;
        let ticket = lobby
            .join_invited(room, name, config.invite.as_deref())
            .await?;
        Client::connect(&lobby, &ticket, name, config).await
    }

    /// Present a seat ticket obtained from `lobby`, over `config.transport`.
    ///
    /// The room's game, when the lobby names it, is the game this client plays
    /// there (its schema hash goes in the `Hello`), whatever `config.game` says.
    pub async fn connect(
        lobby: &Lobby,
        ticket: &JoinTicket,
        name: &str,
        config: &ClientConfig,
    ) -> Result<Client> {
        let room_game;
        let config = if ticket.room.game.is_empty() || ticket.room.game == config.game {
            config
        } else {
            room_game = ClientConfig {
                game: ticket.room.game.clone(),
                ..config.clone()
            };
            &room_game
        };
        let auth = HelloAuth::Ticket(ticket.ticket.clone());
        match config.transport {
            Transport::WebSocket => {
                Client::connect_url(&lobby.ws_url(ticket), auth, name, config).await
            }
            Transport::Quic => {
                let quic = ticket.quic.as_ref().ok_or(ClientError::NoQuic)?;
                let addr = lobby.quic_addr(quic).await?;
                let trust = QuicTrust::from_announcement(&quic.cert_sha256, lobby.host());
                Client::connect_quic(addr, trust, auth, name, config).await
            }
        }
    }

    /// Open the WebSocket `ws_url`, say `Hello` with `auth` and wait for `Welcome`.
    pub async fn connect_url(
        ws_url: &str,
        auth: HelloAuth,
        name: &str,
        config: &ClientConfig,
    ) -> Result<Client> {
        let target = Target::WebSocket {
            url: ws_url.split('?').next().unwrap_or(ws_url).to_owned(),
        };
        let open = Connection::open_ws(ws_url, config.max_frame_bytes, config.connect_timeout);
        handshake(open, target, auth, name, config).await
    }

    /// Connect over QUIC to `addr`, trusting its certificate as `trust` says (a
    /// `&str` is a SHA-256 pin), say `Hello` with `auth` and wait for `Welcome`.
    pub async fn connect_quic(
        addr: SocketAddr,
        trust: impl Into<QuicTrust>,
        auth: HelloAuth,
        name: &str,
        config: &ClientConfig,
    ) -> Result<Client> {
        let trust = trust.into();
        let target = Target::Quic {
            addr,
            trust: trust.clone(),
        };
        let open =
            Connection::open_quic(addr, &trust, config.max_frame_bytes, config.connect_timeout);
        handshake(open, target, auth, name, config).await
    }

    /// Come back as the same player after a drop: connect to `target` (see
    /// [`Client::target`]) with the resume token of the earlier `Welcome`. The
    /// transport is the target's, whatever `config.transport` says.
    pub async fn resume(
        target: &Target,
        resume_token: &str,
        name: &str,
        config: &ClientConfig,
    ) -> Result<Client> {
        let auth = HelloAuth::Resume(resume_token.to_owned());
        match target {
            Target::WebSocket { url } => {
                let url = format!("{url}?resume={}", query_escape(resume_token));
                Client::connect_url(&url, auth, name, config).await
            }
            Target::Quic { addr, trust } => {
                Client::connect_quic(*addr, trust.clone(), auth, name, config).await
            }
        }
    }
}

/// Open the connection, say `Hello`, wait for `Welcome`, all within the connect
/// timeout.
async fn handshake(
    open: impl Future<Output = Result<Connection>>,
    target: Target,
    auth: HelloAuth,
    name: &str,
    config: &ClientConfig,
) -> Result<Client> {
    let timeout = config.connect_timeout;
    let exchange = async {
        let mut conn = open.await?;
        if let Some(spec) = config.link {
            conn = conn.conditioned(spec, config.link_seed);
        }
        let expected = crate::games::schema_of(&config.game).map(Schema::hash);
        conn.send(&ClientMsg::Hello {
            version: PROTOCOL_VERSION,
            auth,
            name: name.to_owned(),
            schema: expected,
        })
        .await?;
        let mut early = VecDeque::new();
        let welcome = loop {
            let msg = match conn.recv().await {
                Ok(msg) => msg,
                // A bad snapshot datagram is no reason to refuse the seat.
                Err(e) if e.is_recoverable() && !conn.is_ordered() => continue,
                Err(e) => return Err(e),
            };
            match msg {
                ServerMsg::Welcome {
                    player,
                    entity,
                    tick_rate,
                    send_rate,
                    resume_token,
                    game,
                    schema_hash,
                    schema,
                    config,
                    tick,
                    sub,
                    name,
                    players,
                } => {
                    let (schema, config) = read_game(&game, schema_hash, &schema, &config)?;
                    if let Some(expected) = expected.filter(|h| *h != schema_hash) {
                        return Err(ClientError::SchemaMismatch {
                            game,
                            expected,
                            got: schema_hash,
                        });
                    }
                    break Welcome {
                        player,
                        entity,
                        tick_rate,
                        send_rate,
                        resume_token,
                        map: crate::arena::map_name(&config)
                            .unwrap_or_default()
                            .to_owned(),
                        game,
                        schema_hash,
                        schema: Arc::new(schema),
                        config,
                        tick,
                        sub,
                        name,
                        players,
                    };
                }
                ServerMsg::Error { code, reason } => {
                    return Err(ClientError::Server { code, reason });
                }
                msg @ ServerMsg::Snapshot { .. } if !conn.is_ordered() => {
                    if early.len() >= EARLY_SNAPSHOTS {
                        early.pop_front();
                    }
                    early.push_back(msg);
                }
                other => {
                    return Err(ClientError::Protocol(format!(
                        "expected Welcome, got {}",
                        message_name(&other)
                    )));
                }
            }
        };
        Ok((conn, welcome, early))
    };
    let (conn, welcome, early) =
        tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| ClientError::Timeout {
                what: "handshake",
                after: timeout,
            })??;
    Client::new(conn, welcome, early, target, name, config)
}

/// The `Welcome`'s schema descriptor and config, read as the hostile data they are:
/// the descriptor is bounded and validated ([`Schema::from_json`]) and must hash to
/// `schema_hash` and name `game`; the config must be JSON.
fn read_game(
    game: &str,
    schema_hash: SchemaHash,
    descriptor: &str,
    config: &str,
) -> Result<(Schema, serde_json::Value)> {
    // An empty descriptor: the Hello announced this hash, so the schema is the
    // catalog's game's own (the server leaves the descriptor out).
    let known = crate::games::find(game)
        .map(|g| g.schema())
        .filter(|s| descriptor.is_empty() && s.hash() == schema_hash);
    let schema = match known {
        Some(schema) => schema.clone(),
        None => Schema::from_json(descriptor)
            .map_err(|e| ClientError::Welcome(format!("schema descriptor: {e}")))?,
    };
    if schema.hash() != schema_hash {
        return Err(ClientError::Welcome(format!(
            "the schema descriptor hashes to {}, not the announced {schema_hash}",
            schema.hash()
        )));
    }
    if schema.name() != game {
        return Err(ClientError::Welcome(format!(
            "the schema describes {:?}, not the announced game {game:?}",
            schema.name()
        )));
    }
    let config = serde_json::from_str(config)
        .map_err(|e| ClientError::Welcome(format!("game config: {e}")))?;
    Ok((schema, config))
}

fn message_name(msg: &ServerMsg) -> &'static str {
    match msg {
        ServerMsg::Welcome { .. } => "Welcome",
        ServerMsg::Snapshot { .. } => "Snapshot",
        ServerMsg::Pong { .. } => "Pong",
        ServerMsg::Events { .. } => "Events",
        ServerMsg::Error { .. } => "Error",
    }
}

/// Percent-encode everything but URL-unreserved characters.
fn query_escape(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_answers_may_announce_quic() {
        let room =
            r#"{"id":1,"name":"a","map":"arena","state":"waiting","players":0,"max_players":16}"#;
        let without: JoinTicket =
            serde_json::from_str(&format!(r#"{{"ticket":"t","ws_url":"/ws","room":{room}}}"#))
                .unwrap();
        assert_eq!(without.quic, None);
        let fp = "ab".repeat(32);
        let with: JoinTicket = serde_json::from_str(&format!(
            r#"{{"ticket":"t","ws_url":"/ws","room":{room},"quic":{{"port":4433,"cert_sha256":"{fp}"}}}}"#
        ))
        .unwrap();
        assert_eq!(
            with.quic,
            Some(QuicInfo {
                host: None,
                port: 4433,
                cert_sha256: fp
            })
        );
    }

    #[test]
    fn resume_tokens_are_escaped_in_urls() {
        assert_eq!(query_escape("12.ab-C_~"), "12.ab-C_~");
        assert_eq!(query_escape("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
    }

    #[tokio::test]
    async fn quic_without_an_announcement_is_a_typed_error() {
        let lobby = Lobby::new("http://127.0.0.1:9").unwrap();
        let ticket: JoinTicket = serde_json::from_str(
            r#"{"ticket":"t","ws_url":"/ws?ticket=t","room":{"id":1,"name":"a","map":"arena",
                "state":"waiting","players":0,"max_players":16}}"#,
        )
        .unwrap();
        let config = ClientConfig {
            transport: Transport::Quic,
            ..ClientConfig::default()
        };
        let err = Client::connect(&lobby, &ticket, "q", &config)
            .await
            .unwrap_err();
        assert!(matches!(err, ClientError::NoQuic), "{err}");
        assert!(err.to_string().contains("offers no QUIC"), "{err}");
    }
}
