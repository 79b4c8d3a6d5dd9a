//! A player session: snapshots in, inputs out.
//!
//! [`Client`] ties the parts together. It is made by the handshake
//! ([`crate::seat`]: lobby seat, connect over the chosen transport, `Hello`,
//! `Welcome`); then each [`Client::next_update`] reads server messages and folds them
//! into the [`WorldView`] (and the [`Predictor`] when prediction is on). Inputs sent
//! with [`Client::send_input`] acknowledge the newest applied snapshot tick.
//!
//! Inputs follow the input timeline ([`crate::input_clock`]): a caller asks
//! [`Client::next_input_at`] when the next input is due and [`Client::inputs_due`]
//! how many to send then; each snapshot's `input_lead` tunes that clock. The server's
//! tick is mapped to local time ([`crate::server_clock`]), and [`Client::net_stats`]
//! counts how the game feels: input delay, corrections, extrapolated frames
//! ([`Client::render_frame`]), lost snapshots ([`crate::net_stats`]).
//!
//! On QUIC snapshots may arrive out of order or not at all. A snapshot not newer than
//! the newest applied one is ignored, and so (on QUIC only) is a delta against a
//! baseline this client no longer holds; both are counted in [`ViewCounts`], neither
//! is an error, and the next acknowledgement lets the server catch up.

pub use crate::config::ClientConfig;
use crate::connection::{Connection, Transport};
use crate::error::ClientError;
use crate::error::Result;
use crate::input_clock::InputClock;
use crate::net_stats::NetStats;
use crate::prediction::Predictor;
use crate::reconnect::{Backoff, is_drop};
use crate::row_prediction::RowPredictor;
pub use crate::seat::Target;
use crate::server_clock::ServerClock;
use crate::world_view::{ViewCounts, WorldView};
use outage::Outage;

mod maps;
mod outage;
mod server_messages;
mod timeline;

use crate::games::GameInput;
pub use maps::load_map;
use std::collections::VecDeque;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tickcast_shared::codec::{Row, RowCodec, RowSnapshot};
use tickcast_shared::game::{EventRow, InputValues};
use tickcast_shared::protocol::{
    ClientMsg, InputCmd, InputSeq, NetId, PlayerId, PlayerIdentity, ServerMsg, Tick,
};
use tickcast_shared::schema::{Schema, SchemaHash};
use tickcast_shared::sim::{Body, Map};
use tickcast_shared::sim::{EntityState, Snapshot};

/// What the server said in `Welcome`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Welcome {
    pub player: PlayerId,
    pub entity: NetId,
    pub tick_rate: u16,
    pub send_rate: u16,
    pub resume_token: String,
    /// The game the room runs (its catalog name).
    pub game: String,
    /// The hash of the game's schema (checked against `schema` and, for a game this
    /// client was built for, against its own).
    pub schema_hash: SchemaHash,
    /// The game's schema, read from the `Welcome`'s descriptor: what snapshots and
    /// events are decoded by.
    pub schema: Arc<Schema>,
    /// The room's game config (the arena's names its map and holds its text).
    pub config: serde_json::Value,
    /// The room's map name as its config says (empty for a game without maps).
    pub map: String,
    pub tick: Tick,
    /// This player's verified identity (JWT `sub`); `None` when the server has no auth.
    pub sub: Option<String>,
    /// This player's display name as the server knows it.
    pub name: String,
    /// Who was in the room's world when this player entered (itself included).
    pub players: Vec<PlayerIdentity>,
}

/// What one server message changed.
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    /// A snapshot was applied; [`Client::world`] now shows it.
    Snapshot { tick: Tick, keyframe: bool },
    /// A pong; `rtt` is known when the ping was still remembered.
    Pong { nonce: u32, rtt: Option<Duration> },
    /// Game events of a tick, as rows of the schema's events
    /// ([`crate::games::event_name`]; the arena's typed by [`crate::arena::event`]).
    Events {
        tick: Tick,
        events: Vec<EventRow>,
        /// Who the players named in `events` are.
        players: Vec<PlayerIdentity>,
    },
    /// The connection had dropped and is back, as the same player, after `attempts`
    /// attempts ([`crate::reconnect`]); snapshots start again from a keyframe.
    Reconnected { attempts: u32 },
}

/// One connected player.
#[derive(Debug)]
pub struct Client {
    conn: Connection,
    target: Target,
    welcome: Welcome,
    /// Messages read during the handshake, handled before reading more.
    early: VecDeque<ServerMsg>,
    view: WorldView,
    /// The newest snapshot as the arena's `Snapshot`, made when first asked for.
    arena_world: OnceLock<Option<Arc<Snapshot>>>,
    predictor: Option<Predictor>,
    /// Prediction of another catalog game's own row (by its predictor).
    row_predictor: Option<RowPredictor>,
    next_seq: u32,
    last_input: InputSeq,
    pings: VecDeque<(u32, Instant)>,
    next_nonce: u32,
    pings_in_flight: usize,
    input_clock: InputClock,
    server_clock: ServerClock,
    stats: NetStats,
    /// When recent inputs were sent (bounded like the predictor's pending inputs).
    sent: VecDeque<(InputSeq, tokio::time::Instant)>,
    sent_capacity: usize,
    /// The newest inputs, resent with each QUIC input datagram.
    recent: VecDeque<InputCmd>,
    redundancy: usize,
    /// Smoothed round trip from pongs.
    srtt: Option<Duration>,
    keyframe_seen: bool,
    /// For reconnecting: the name and limits of the first connect.
    name: String,
    config: ClientConfig,
    backoff: Backoff,
    /// The connection dropped; reconnecting (the attempt in flight, and when the next
    /// one may start).
    outage: Option<Outage>,
}

impl Client {
    /// A session on an open connection that got `welcome`; `early` are snapshots
    /// that overtook the `Welcome` (QUIC), applied first.
    pub(crate) fn new(
        conn: Connection,
        welcome: Welcome,
        early: VecDeque<ServerMsg>,
        target: Target,
        name: &str,
        config: &ClientConfig,
    ) -> Result<Client> {
        // Prediction is the arena's (its movement and map); other games wait for
        // the server.
        let predictor = if config.predict && crate::arena::is_arena(&welcome.schema) {
            let map = match crate::arena::map(&welcome.config) {
                Ok(map) => map,
                Err(_) => load_map(&welcome.map, config.maps_dir.as_deref())?,
            };
            Some(Predictor::new(
                map,
                welcome.tick_rate,
                config.pending_inputs,
            ))
        } else {
            None
        };
        let row_predictor = match crate::games::of_schema(&welcome.schema) {
            Some(game) if config.predict && predictor.is_none() => {
                let game = (game.predictor)(&welcome.config)
                    .map_err(|e| ClientError::Welcome(format!("game config: {e}")))?;
                Some(RowPredictor::new(
                    game,
                    &welcome.schema,
                    welcome.tick_rate,
                    config.pending_inputs,
                ))
            }
            _ => None,
        };
        let codec = Arc::new(RowCodec::new(&welcome.schema));
        let now = tokio::time::Instant::now();
        Ok(Client {
            input_clock: InputClock::new(welcome.tick_rate, now),
            server_clock: ServerClock::new(welcome.tick_rate, welcome.send_rate, now),
            stats: NetStats::default(),
            sent: VecDeque::with_capacity(config.pending_inputs.max(1)),
            sent_capacity: config.pending_inputs.max(1),
            recent: VecDeque::new(),
            redundancy: config
                .input_redundancy
                .clamp(1, tickcast_shared::protocol::MAX_INPUTS_PER_MESSAGE),
            srtt: None,
            keyframe_seen: false,
            name: name.to_owned(),
            config: config.clone(),
            backoff: Backoff::new(config.reconnect, config.link_seed ^ 0x7e57),
            outage: None,
            conn,
            target,
            view: WorldView::new(codec, welcome.entity, config.baseline_ring),
            arena_world: OnceLock::new(),
            welcome,
            early,
            predictor,
            row_predictor,
            next_seq: 0,
            last_input: InputSeq(0),
            pings: VecDeque::with_capacity(config.pings_in_flight.max(1)),
            next_nonce: 0,
            pings_in_flight: config.pings_in_flight.max(1),
        })
    }

    /// Read server messages until one changes something, and apply it. Cancel-safe:
    /// snapshots that are ignored (stale, or on QUIC against a lost baseline) are
    /// skipped inside; a cancelled call loses nothing.
    ///
    /// Errors for which [`ClientError::is_recoverable`] holds concern that one message;
    /// the caller may count them and call again. Other errors end the session.
    ///
    /// A dropped connection is re-established here ([`crate::reconnect`]) unless
    /// [`ClientConfig::reconnect`] is off; that ends in [`Update::Reconnected`], or in
    /// the error that made it give up.
    ///
    /// [`ClientError::is_recoverable`]: crate::error::ClientError::is_recoverable
    pub async fn next_update(&mut self) -> Result<Update> {
        loop {
            if self.outage.is_some() {
                let attempts = self.reconnect().await?;
                return Ok(Update::Reconnected { attempts });
            }
            let msg = match self.early.pop_front() {
                Some(msg) => msg,
                None => match self.conn.recv().await {
                    Ok(msg) => msg,
                    Err(e) if self.config.reconnect.enabled && is_drop(&e) => {
                        tracing::debug!(error = %e, "connection dropped; reconnecting");
                        self.outage = Some(Outage::default());
                        continue;
                    }
                    Err(e) => return Err(e),
                },
            };
            if let Some(update) = self.handle(msg)? {
                return Ok(update);
            }
        }
    }

    /// Send `input` for the next tick (acknowledging the newest applied snapshot,
    /// stamped with the tick drawn now for lag compensation) and predict it locally.
    /// `input` is any game's input values, or a typed input that gives them (the
    /// arena's `PlayerInput`). Returns its sequence number. On QUIC it goes in a
    /// datagram with the inputs before it ([`ClientConfig::input_redundancy`]).
    pub async fn send_input(&mut self, input: impl GameInput) -> Result<InputSeq> {
        self.next_seq = self.next_seq.saturating_add(1);
        let seq = InputSeq(self.next_seq);
        let values = input.input_values();
        let cmd = InputCmd {
            seq,
            ack: self.view.newest_tick(),
            input: values.clone(),
            view: self.view_tick(tokio::time::Instant::now()),
        };
        if self.conn.transport() == Transport::Quic {
            if self.recent.len() >= self.redundancy {
                self.recent.pop_front();
            }
            self.recent.push_back(cmd);
            let cmds = self.recent.iter().cloned().collect();
            self.send_or_drop(&ClientMsg::Inputs(cmds)).await?;
        } else {
            self.send_or_drop(&ClientMsg::Input(cmd)).await?;
        }
        if self.sent.len() >= self.sent_capacity {
            self.sent.pop_front();
        }
        self.sent.push_back((seq, tokio::time::Instant::now()));
        if let Some(p) = self.predictor.as_mut() {
            p.input(seq, &values);
        }
        if let Some(p) = self.row_predictor.as_mut() {
            p.input(seq, &values);
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
        self.send_or_drop(&ClientMsg::Ping { nonce }).await?;
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

    /// Where this client is connected ([`Client::resume`] goes back there).
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The transport of the connection.
    pub fn transport(&self) -> Transport {
        self.conn.transport()
    }

    /// The game's schema (from the `Welcome`).
    pub fn schema(&self) -> &Arc<Schema> {
        &self.welcome.schema
    }

    /// The input that does nothing: every value of the schema's input 0.
    pub fn idle_input(&self) -> InputValues {
        let count = self
            .welcome
            .schema
            .input()
            .iter()
            .map(|f| f.codec.values())
            .sum();
        InputValues(vec![0; count])
    }

    /// The newest applied snapshot, as rows of the game's schema.
    pub fn rows(&self) -> Option<&RowSnapshot> {
        self.view.world()
    }

    /// The newest applied snapshot as rows, shared (cheap to clone).
    pub fn rows_shared(&self) -> Option<Arc<RowSnapshot>> {
        self.view.world_shared()
    }

    /// The own player's entity as the server last showed it, as a row.
    pub fn own_row(&self) -> Option<&Row> {
        self.view.own()
    }

    /// The own player's entity id (it changes on a respawn).
    pub fn own_id(&self) -> NetId {
        self.view.own_entity_id()
    }

    /// The newest applied snapshot as the arena's [`Snapshot`] (`None` before the
    /// first snapshot, or when the room does not run the arena).
    pub fn world(&self) -> Option<&Snapshot> {
        self.arena_world().map(Arc::as_ref)
    }

    /// [`Client::world`], shared (cheap to clone, e.g. for a render thread).
    pub fn world_shared(&self) -> Option<Arc<Snapshot>> {
        self.arena_world().cloned()
    }

    fn arena_world(&self) -> Option<&Arc<Snapshot>> {
        self.arena_world
            .get_or_init(|| {
                let rows = self.view.world()?;
                crate::arena::is_arena(&self.welcome.schema)
                    .then(|| Arc::new(crate::arena::snapshot(rows)))
            })
            .as_ref()
    }

    /// The own player's entity as the server last showed it (arena rooms).
    pub fn own(&self) -> Option<&EntityState> {
        self.world().and_then(|w| w.get(self.view.own_entity_id()))
    }

    /// The own entity's predicted row, for a game other than the arena predicted by
    /// its own predictor (`None` without one, or before a snapshot showed it).
    pub fn predicted_row(&self) -> Option<&Row> {
        self.row_predictor.as_ref().and_then(RowPredictor::own)
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

    /// Keyframes and deltas applied so far, and snapshots ignored.
    pub fn view_counts(&self) -> ViewCounts {
        self.view.counts()
    }

    /// Bytes of server messages received so far (either transport; envelopes only).
    pub fn bytes_received(&self) -> u64 {
        self.conn.bytes_received()
    }

    /// Server messages received so far (either transport).
    pub fn frames_received(&self) -> u64 {
        self.conn.frames_received()
    }

    /// Snapshots dropped on arrival because the client was not reading fast enough
    /// (QUIC only).
    pub fn snapshots_dropped(&self) -> u64 {
        self.conn.snapshots_dropped()
    }
}
