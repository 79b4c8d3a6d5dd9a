//! A player session: lobby seat, WebSocket handshake, then snapshots in and inputs out.
//!
//! [`Client`] ties the parts together: it presents a seat ticket in `Hello`, waits for
//! `Welcome`, then on each [`Client::next_update`] reads one server message and folds it
//! into the [`WorldView`] (and the [`Predictor`] when prediction is on). Inputs sent
//! with [`Client::send_input`] acknowledge the newest applied snapshot tick.

use crate::baseline::DEFAULT_BASELINE_RING;
use crate::connection::{Connection, DEFAULT_MAX_FRAME_BYTES};
use crate::error::{ClientError, Result};
use crate::lobby::{DEFAULT_HTTP_TIMEOUT, DEFAULT_MAX_ANSWER_BYTES, JoinTicket, Lobby, RoomId};
use crate::prediction::{DEFAULT_PENDING_INPUTS, Predictor};
use crate::world_view::{ViewCounts, WorldView};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tickcast_shared::codec::{EntityState, Snapshot};
use tickcast_shared::protocol::{
    ClientMsg, GameEvent, HelloAuth, InputCmd, InputSeq, NetId, PROTOCOL_VERSION, PlayerId,
    PlayerInput, ServerMsg, Tick,
};
use tickcast_shared::sim::{Body, Map};

/// Limits and options of a [`Client`]; `Default` gives the documented defaults.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Largest frame accepted from the server (default 1 MiB).
    pub max_frame_bytes: usize,
    /// Snapshots kept as baselines (default 32).
    pub baseline_ring: usize,
    /// Unacknowledged inputs kept for prediction (default 120).
    pub pending_inputs: usize,
    /// Time allowed for the WebSocket connect plus `Welcome` (default 10 s).
    pub connect_timeout: Duration,
    /// Time allowed per lobby call (default 10 s).
    pub http_timeout: Duration,
    /// Largest lobby answer accepted (default 1 MiB).
    pub max_lobby_answer: usize,
    /// Pings awaiting their pong (default 8); older ones are forgotten.
    pub pings_in_flight: usize,
    /// Predict the own player (needs the map). Default on.
    pub predict: bool,
    /// Where `<map>.map` files live, for maps other than the built-in `arena`.
    pub maps_dir: Option<PathBuf>,
}

impl Default for ClientConfig {
    fn default() -> ClientConfig {
        ClientConfig {
            max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
            baseline_ring: DEFAULT_BASELINE_RING,
            pending_inputs: DEFAULT_PENDING_INPUTS,
            connect_timeout: Duration::from_secs(10),
            http_timeout: DEFAULT_HTTP_TIMEOUT,
            max_lobby_answer: DEFAULT_MAX_ANSWER_BYTES,
            pings_in_flight: 8,
            predict: true,
            maps_dir: None,
        }
    }
}

impl ClientConfig {
    /// A [`Lobby`] for `server` with this config's HTTP limits.
    pub fn lobby(&self, server: &str) -> Result<Lobby> {
        Ok(Lobby::new(server)?.with_limits(self.http_timeout, self.max_lobby_answer))
    }
}

/// What the server said in `Welcome`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Welcome {
    pub player: PlayerId,
    pub entity: NetId,
    pub tick_rate: u16,
    pub send_rate: u16,
    pub resume_token: String,
    pub map: String,
    pub tick: Tick,
}

/// What one server message changed.
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    /// A snapshot was applied; [`Client::world`] now shows it.
    Snapshot { tick: Tick, keyframe: bool },
    /// A pong; `rtt` is known when the ping was still remembered.
    Pong { nonce: u32, rtt: Option<Duration> },
    /// Game events of a tick.
    Events { tick: Tick, events: Vec<GameEvent> },
}

/// One connected player.
#[derive(Debug)]
pub struct Client {
    conn: Connection,
    welcome: Welcome,
    view: WorldView,
    predictor: Option<Predictor>,
    next_seq: u32,
    last_input: InputSeq,
    pings: VecDeque<(u32, Instant)>,
    next_nonce: u32,
    pings_in_flight: usize,
}

impl Client {
    /// Quick-join: matchmake on `server` (`http://host:port`) and connect.
    pub async fn matchmake(server: &str, name: &str, config: &ClientConfig) -> Result<Client> {
        let lobby = config.lobby(server)?;
        let ticket = lobby.matchmake(name, None).await?;
        Client::connect(&lobby, &ticket, name, config).await
    }

    /// Join the room `room` on `server` and connect.
    pub async fn join(
        server: &str,
        room: &RoomId,
        name: &str,
        config: &ClientConfig,
    ) -> Result<Client> {
        let lobby = config.lobby(server)?;
        let ticket = lobby.join(room, name).await?;
        Client::connect(&lobby, &ticket, name, config).await
    }

    /// Present a seat ticket obtained from `lobby`.
    pub async fn connect(
        lobby: &Lobby,
        ticket: &JoinTicket,
        name: &str,
        config: &ClientConfig,
    ) -> Result<Client> {
        let auth = HelloAuth::Ticket(ticket.ticket.clone());
        Client::connect_url(&lobby.ws_url(ticket), auth, name, config).await
    }

    /// Open `ws_url`, say `Hello` with `auth` and wait for `Welcome`.
    pub async fn connect_url(
        ws_url: &str,
        auth: HelloAuth,
        name: &str,
        config: &ClientConfig,
    ) -> Result<Client> {
        let timeout = config.connect_timeout;
        let handshake = async {
            let mut conn = Connection::open(ws_url, config.max_frame_bytes, timeout).await?;
            conn.send(&ClientMsg::Hello {
                version: PROTOCOL_VERSION,
                auth,
                name: name.to_owned(),
            })
            .await?;
            let welcome = match conn.recv().await? {
                ServerMsg::Welcome {
                    player,
                    entity,
                    tick_rate,
                    send_rate,
                    resume_token,
                    map,
                    tick,
                } => Welcome {
                    player,
                    entity,
                    tick_rate,
                    send_rate,
                    resume_token,
                    map,
                    tick,
                },
                ServerMsg::Error { code, reason } => {
                    return Err(ClientError::Server { code, reason });
                }
                other => {
                    return Err(ClientError::Protocol(format!(
                        "expected Welcome, got {}",
                        message_name(&other)
                    )));
                }
            };
            Ok((conn, welcome))
        };
        let (conn, welcome) = tokio::time::timeout(timeout, handshake)
            .await
            .map_err(|_| ClientError::Timeout {
                what: "handshake",
                after: timeout,
            })??;
        let predictor = if config.predict {
            let map = load_map(&welcome.map, config.maps_dir.as_deref())?;
            Some(Predictor::new(
                map,
                welcome.tick_rate,
                config.pending_inputs,
            ))
        } else {
            None
        };
        Ok(Client {
            conn,
            view: WorldView::new(welcome.entity, config.baseline_ring),
            welcome,
            predictor,
            next_seq: 0,
            last_input: InputSeq(0),
            pings: VecDeque::with_capacity(config.pings_in_flight.max(1)),
            next_nonce: 0,
            pings_in_flight: config.pings_in_flight.max(1),
        })
    }

    /// Read one server message and apply it. Cancel-safe.
    ///
    /// Errors for which [`ClientError::is_recoverable`] holds concern that one message;
    /// the caller may count them and call again. Other errors end the session.
    pub async fn next_update(&mut self) -> Result<Update> {
        let msg = self.conn.recv().await?;
        self.handle(msg)
    }

    fn handle(&mut self, msg: ServerMsg) -> Result<Update> {
        match msg {
            ServerMsg::Snapshot {
                tick,
                baseline,
                last_input,
                body,
            } => {
                self.view.apply(tick, baseline, &body)?;
                self.last_input = self.last_input.max(last_input);
                if let Some(p) = self.predictor.as_mut() {
                    p.reconcile(self.view.own(), self.last_input);
                }
                Ok(Update::Snapshot {
                    tick,
                    keyframe: baseline.is_none(),
                })
            }
            ServerMsg::Pong { nonce, .. } => {
                let rtt = self
                    .pings
                    .iter()
                    .position(|(n, _)| *n == nonce)
                    .and_then(|i| self.pings.remove(i))
                    .map(|(_, sent)| sent.elapsed());
                Ok(Update::Pong { nonce, rtt })
            }
            ServerMsg::Events { tick, events } => {
                for event in &events {
                    if let GameEvent::Joined { player, entity }
                    | GameEvent::Respawn { player, entity } = event
                        && *player == self.welcome.player
                    {
                        self.view.set_own_entity(*entity);
                    }
                }
                Ok(Update::Events { tick, events })
            }
            ServerMsg::Error { code, reason } => Err(ClientError::Server { code, reason }),
            ServerMsg::Welcome { .. } => Err(ClientError::Protocol("a second Welcome".to_owned())),
        }
    }

    /// Send `input` for the next tick (acknowledging the newest applied snapshot) and
    /// predict it locally. Returns its sequence number.
    pub async fn send_input(&mut self, input: PlayerInput) -> Result<InputSeq> {
        self.next_seq = self.next_seq.saturating_add(1);
        let seq = InputSeq(self.next_seq);
        let cmd = InputCmd {
            seq,
            ack: self.view.newest_tick(),
            input,
        };
        self.conn.send(&ClientMsg::Input(cmd)).await?;
        if let Some(p) = self.predictor.as_mut() {
            p.input(seq, input);
        }
        Ok(seq)
    }

    /// Send a ping; its [`Update::Pong`] carries the round-trip time.
    pub async fn ping(&mut self) -> Result<u32> {
        self.next_nonce = self.next_nonce.wrapping_add(1);
        let nonce = self.next_nonce;
        if self.pings.len() >= self.pings_in_flight {
            self.pings.pop_front();
        }
        self.pings.push_back((nonce, Instant::now()));
        self.conn.send(&ClientMsg::Ping { nonce }).await?;
        Ok(nonce)
    }

    /// Leave the room for good and close the connection.
    pub async fn leave(mut self) -> Result<()> {
        let sent = self.conn.send(&ClientMsg::Leave).await;
        self.conn.close("leaving").await;
        sent
    }

    /// Close the connection without leaving (the server holds the player for its grace
    /// period; [`Welcome::resume_token`] gets it back).
    pub async fn disconnect(mut self) {
        self.conn.close("bye").await;
    }

    pub fn welcome(&self) -> &Welcome {
        &self.welcome
    }

    /// The newest applied snapshot.
    pub fn world(&self) -> Option<&Snapshot> {
        self.view.world()
    }

    /// The newest applied snapshot, shared (cheap to clone, e.g. for a render thread).
    pub fn world_shared(&self) -> Option<Arc<Snapshot>> {
        self.view.world_shared()
    }

    /// The own player's entity as the server last showed it.
    pub fn own(&self) -> Option<&EntityState> {
        self.view.own()
    }

    /// The own player's predicted body (`None` without prediction or while dead).
    pub fn predicted(&self) -> Option<Body> {
        self.predictor.as_ref().and_then(Predictor::body)
    }

    /// The map, when prediction is on.
    pub fn map(&self) -> Option<&Map> {
        self.predictor.as_ref().map(Predictor::map)
    }

    /// Newest input the server reported consumed.
    pub fn last_input(&self) -> InputSeq {
        self.last_input
    }

    /// Keyframes and deltas applied so far.
    pub fn view_counts(&self) -> ViewCounts {
        self.view.counts()
    }

    /// Payload bytes received on the WebSocket so far.
    pub fn bytes_received(&self) -> u64 {
        self.conn.bytes_received()
    }
}

/// Load the map a server names: `arena` is built in, others are read from
/// `<maps_dir>/<name>.map`. Names are restricted to `[A-Za-z0-9_-]` (they come from
/// the network).
pub fn load_map(name: &str, maps_dir: Option<&Path>) -> Result<Map> {
    if name == "arena" {
        return Ok(Map::default_map());
    }
    let err = |reason: String| ClientError::Map {
        name: name.to_owned(),
        reason,
    };
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid {
        return Err(err("not a valid map name".to_owned()));
    }
    let dir = maps_dir.ok_or_else(|| err("not built in and no maps directory given".into()))?;
    let path = dir.join(format!("{name}.map"));
    let text = std::fs::read_to_string(&path)
        .map_err(|e| err(format!("reading {}: {e}", path.display())))?;
    Map::parse(&text).map_err(|source| ClientError::MapParse {
        name: name.to_owned(),
        source,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_names_from_the_network_cannot_escape_the_maps_dir() {
        let dir = Path::new("/nonexistent");
        for bad in ["../etc/passwd", "a/b", "", "x.map", "é"] {
            let err = load_map(bad, Some(dir)).unwrap_err();
            assert!(
                err.to_string().contains("not a valid map name"),
                "{bad}: {err}"
            );
        }
        assert!(matches!(
            load_map("other", None),
            Err(ClientError::Map { .. })
        ));
    }
}
