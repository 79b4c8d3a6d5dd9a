//! The player table of one room: seats, resume tokens, which connection currently
//! carries each player, and players held for a grace period after their connection
//! dropped. Plain data: connections are ids, time comes in as an argument.

use super::JoinRefused;
use super::inputs::{InputBuffer, InputRules, rewind};
use bytes::Bytes;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tickcast_shared::codec::encode_server;
use tickcast_shared::game::{DynGame, EventRow, InputValues, StepCommands};
use tickcast_shared::protocol::{ErrorCode, NetId, PlayerId, PlayerIdentity, ServerMsg, Tick};
use tickcast_shared::schema::{Schema, SchemaHash};
use tickcast_shared::spectate::PlayerName;

/// One connection of a session to the room (a resumed player gets a new one).
pub type ConnId = u64;

/// Names one join request until it is answered.
pub type RequestId = u64;

impl Player {
    /// The client has (or will have, on a reliable transport) the snapshot of `tick`;
    /// ticks newer than the world's `newest` are ignored (a lying client gets
    /// keyframes, nothing worse).
    pub fn acknowledge(&mut self, tick: Option<Tick>, newest: Tick) {
        if let Some(t) = tick.filter(|t| *t <= newest) {
            self.acked = self.acked.max(Some(t));
        }
    }
}

/// One seated player.
pub struct Player {
    pub id: PlayerId,
    pub name: String,
    /// The verified identity (JWT `sub`) that took the seat, if any.
    pub sub: Option<String>,
    pub token: String,
    pub entity: Option<NetId>,
    pub inputs: InputBuffer,
    /// Newest snapshot tick the client says it applied.
    pub acked: Option<Tick>,
    /// The first snapshot sent on this connection: the oldest it may acknowledge.
    pub first_sent: Option<Tick>,
    /// The connection carrying the player now (`None`: held for resume).
    pub conn: Option<ConnId>,
    /// When the connection dropped (held for resume until the grace period ends).
    pub dropped_at: Option<Instant>,
}

/// One seated player and its connection, for `GET /api/admin/rooms/{id}/sessions`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SessionInfo {
    pub player: PlayerId,
    pub name: String,
    /// The verified identity (JWT `sub`), if the seat was taken with one.
    pub sub: Option<String>,
    /// `None` until the step that seats the player.
    pub entity: Option<NetId>,
    /// The connection carrying the player (`None`: dropped, held for resume).
    pub conn: Option<ConnId>,
    pub connected: bool,
    /// Newest snapshot tick the client acknowledged.
    pub acked: Option<Tick>,
}

/// Fixed facts a Welcome carries.
#[derive(Debug, Clone)]
pub struct WelcomeInfo {
    pub tick_rate: u16,
    pub send_rate: u16,
    /// The game's catalog name.
    pub game: String,
    pub schema_hash: SchemaHash,
    /// The schema's canonical JSON descriptor.
    pub schema: String,
    /// The room's game config as JSON.
    pub config: String,
    pub room: super::RoomId,
}

/// The answer to a join or resume: the player, its connection and the Welcome.
#[derive(Debug, Clone)]
pub struct Welcomed {
    pub player: PlayerId,
    pub entity: NetId,
    pub conn: ConnId,
    /// The encoded `Welcome`.
    pub welcome: Bytes,
}

/// A resume that took a player over.
#[derive(Debug, Clone)]
pub struct Resumed {
    pub welcomed: Welcomed,
    /// The connection it replaced, if the player was still connected.
    pub replaced: Option<ConnId>,
}

/// All players of a room.
pub struct PlayerTable {
    pub players: BTreeMap<PlayerId, Player>,
    pending: Vec<(RequestId, PlayerId)>,
    next_id: u32,
    next_conn: ConnId,
    rules: InputRules,
    info: WelcomeInfo,
    /// Identities of players removed since the last step (their `Left` event
    /// still names them).
    departed: Vec<PlayerIdentity>,
}

impl PlayerTable {
    /// An empty table whose players' inputs follow `rules`.
    pub fn new(info: WelcomeInfo, rules: InputRules) -> PlayerTable {
        PlayerTable {
            players: BTreeMap::new(),
            pending: Vec::new(),
            next_id: 1,
            next_conn: 1,
            rules,
            info,
            departed: Vec::new(),
        }
    }

    fn new_conn(&mut self) -> ConnId {
        let conn = self.next_conn;
        self.next_conn += 1;
        conn
    }

    /// Seat a new player; it enters the world on the next step, and `request` is
    /// answered after that step (the Welcome names its entity). Returns its id.
    pub fn join(&mut self, name: String, sub: Option<String>, request: RequestId) -> PlayerId {
        let id = PlayerId(self.next_id);
        self.next_id += 1;
        let token = crate::secrets::resume_token(self.info.room);
        let conn = self.new_conn();
        self.players.insert(
            id,
            Player {
                id,
                name,
                sub,
                token,
                entity: None,
                inputs: InputBuffer::new(self.rules.buffer, self.rules.repeat_ticks),
                acked: None,
                first_sent: None,
                conn: Some(conn),
                dropped_at: None,
            },
        );
        self.pending.push((request, id));
        id
    }

    /// The answers for players who entered the world at `tick`.
    pub fn welcome_joined(
        &mut self,
        tick: Tick,
        entity_of: impl Fn(PlayerId) -> Option<NetId>,
    ) -> Vec<(RequestId, Welcomed)> {
        if self.pending.is_empty() {
            // Every step asks; the roster is only worth making for a join.
            return Vec::new();
        }
        let pending = std::mem::take(&mut self.pending);
        for (_, id) in &pending {
            if let Some(player) = self.players.get_mut(id) {
                player.entity = entity_of(*id);
            }
        }
        let roster = self.welcome_roster();
        pending
            .into_iter()
            .filter_map(|(request, id)| {
                let player = self.players.get(&id)?;
                Some((request, welcome(&self.info, player, &roster, tick)))
            })
            .collect()
    }

    /// Give a held (or still connected) player to a new connection.
    pub fn resume(&mut self, token: &str, tick: Tick) -> Result<Resumed, JoinRefused> {
        let Some(id) = self
            .players
            .values()
            .find(|p| p.token == token && p.entity.is_some())
            .map(|p| p.id)
        else {
            return Err(JoinRefused {
                code: ErrorCode::BadResumeToken,
                reason: "unknown or expired resume token".into(),
            });
        };
        let conn = self.new_conn();
        let info = self.info.clone();
        let roster = self.welcome_roster();
        let Some(player) = self.players.get_mut(&id) else {
            return Err(JoinRefused {
                code: ErrorCode::BadResumeToken,
                reason: "unknown or expired resume token".into(),
            });
        };
        let replaced = player.conn.replace(conn);
        player.dropped_at = None;
        player.acked = None;
        player.first_sent = None;
        Ok(Resumed {
            welcomed: welcome(&info, player, &roster, tick),
            replaced,
        })
    }

    /// Who is in the world now (joined in a step and not gone; held players
    /// count), by player id: the `Welcome`'s roster, so a newcomer names the
    /// players who joined before it.
    fn welcome_roster(&self) -> Vec<PlayerIdentity> {
        let mut roster: Vec<PlayerIdentity> = self
            .players
            .values()
            .filter(|p| !self.pending.iter().any(|(_, id)| *id == p.id))
            .map(identity)
            .collect();
        roster.sort_by_key(|p| p.player);
        roster
    }

    /// `player`, if `conn` is its current connection.
    pub fn connected(&mut self, player: PlayerId, conn: ConnId) -> Option<&mut Player> {
        self.players
            .get_mut(&player)
            .filter(|p| p.conn == Some(conn))
    }

    /// The connection `conn` of `player` dropped at `now`; true when it was current.
    pub fn disconnect(&mut self, player: PlayerId, conn: ConnId, now: Instant) -> bool {
        match self.connected(player, conn) {
            Some(p) => {
                p.conn = None;
                p.dropped_at = Some(now);
                true
            }
            None => false,
        }
    }

    /// Remove `player` if `conn` is its current connection; true when removed.
    pub fn leave(&mut self, player: PlayerId, conn: ConnId) -> bool {
        self.connected(player, conn).is_some() && self.take_out(player).is_some()
    }

    /// Remove `player`, keeping its identity for the next step's events.
    fn take_out(&mut self, player: PlayerId) -> Option<Player> {
        let gone = self.players.remove(&player)?;
        self.departed.push(identity(&gone));
        Some(gone)
    }

    /// Who the players named in `events` are (each once; the values of the
    /// schema's player-reference fields), from the seated players and those
    /// removed since the last call, which forgets the latter.
    pub fn identities(&mut self, events: &[EventRow], schema: &Schema) -> Vec<PlayerIdentity> {
        let departed = std::mem::take(&mut self.departed);
        let mut out: Vec<PlayerIdentity> = Vec::new();
        for id in events.iter().flat_map(|e| e.players(schema)) {
            if out.iter().any(|p| p.player == id) {
                continue;
            }
            let known = self.players.get(&id).map(identity);
            if let Some(who) = known.or_else(|| departed.iter().find(|p| p.player == id).cloned()) {
                out.push(who);
            }
        }
        out
    }

    /// Remove players held longer than `grace` at `now`; returns their ids.
    pub fn expire(&mut self, now: Instant, grace: Duration) -> Vec<PlayerId> {
        let gone: Vec<PlayerId> = self
            .players
            .values()
            .filter(|p| {
                p.dropped_at
                    .is_some_and(|t| now.saturating_duration_since(t) >= grace)
            })
            .map(|p| p.id)
            .collect();
        for id in &gone {
            self.take_out(*id);
        }
        gone
    }

    /// Every player's input for the step of `tick` (one each, or a repeat: see
    /// [`super::inputs`]; a repeat is the game's `repeat_input`), with lag
    /// compensation: a stamped input the game compensates (the arena's shots) gets
    /// its rewind, at most `max_rewind_ticks`. Also how many of them were repeats.
    pub fn take_inputs(
        &mut self,
        tick: Tick,
        game: &dyn DynGame,
    ) -> (StepCommands<InputValues>, u64) {
        let mut into = StepCommands::default();
        let max_rewind = self.rules.max_rewind_ticks;
        let mut repeated = 0;
        for p in self.players.values_mut() {
            let Some(taken) = p.inputs.pop(|last| game.repeat_input(last)) else {
                continue;
            };
            repeated += u64::from(taken.repeated);
            if let Some(back) = rewind(taken.view, tick, max_rewind)
                && game.compensates(&taken.input)
            {
                into.rewinds.push((p.id, back));
            }
            into.inputs.push((p.id, taken.input));
        }
        (into, repeated)
    }

    pub fn len(&self) -> usize {
        self.players.len()
    }

    pub fn is_empty(&self) -> bool {
        self.players.is_empty()
    }

    /// Take `player` out of the table whatever its connection (the operator's
    /// kick). `None` when it was not seated; else the connection it had, if any,
    /// and its join request if that was not answered yet.
    pub fn remove(&mut self, player: PlayerId) -> Option<(Option<ConnId>, Option<RequestId>)> {
        let gone = self.take_out(player)?;
        let pending = self.pending.iter().position(|(_, id)| *id == player);
        let request = pending.map(|i| self.pending.remove(i).0);
        Some((gone.conn, request))
    }

    /// The seated players as the operator sees them.
    pub fn sessions(&self) -> Vec<SessionInfo> {
        self.players
            .values()
            .map(|p| SessionInfo {
                player: p.id,
                name: p.name.clone(),
                sub: p.sub.clone(),
                entity: p.entity,
                conn: p.conn,
                connected: p.conn.is_some(),
                acked: p.acked,
            })
            .collect()
    }

    /// Name and identity of `ids` (the players of a step's joins), for the replay.
    pub fn infos(&self, ids: &[PlayerId]) -> Vec<PlayerIdentity> {
        let known = ids.iter().filter_map(|id| self.players.get(id));
        known.map(identity).collect()
    }

    /// The resume token of the seat identity `sub` holds, if it holds one.
    pub fn token_of(&self, sub: &str) -> Option<String> {
        self.players
            .values()
            .find(|p| p.sub.as_deref() == Some(sub))
            .map(|p| p.token.clone())
    }

    /// The seated players that are in the game (`in_world`), by id: who
    /// spectators' keyframes name, the same players a replay's keyframes name.
    pub fn roster(&self, in_world: impl Fn(PlayerId) -> bool) -> Vec<PlayerName> {
        self.players
            .values()
            .filter(|p| in_world(p.id))
            .map(|p| PlayerName {
                player: p.id,
                name: p.name.clone(),
            })
            .collect()
    }

    /// The verified identities holding seats.
    pub fn subs(&self) -> Vec<String> {
        self.players
            .values()
            .filter_map(|p| p.sub.clone())
            .collect()
    }

    /// Every current connection.
    pub fn conns(&self) -> impl Iterator<Item = ConnId> + '_ {
        self.players.values().filter_map(|p| p.conn)
    }
}

fn identity(player: &Player) -> PlayerIdentity {
    PlayerIdentity {
        player: player.id,
        sub: player.sub.clone(),
        name: player.name.clone(),
    }
}

fn welcome(info: &WelcomeInfo, player: &Player, roster: &[PlayerIdentity], tick: Tick) -> Welcomed {
    let entity = player.entity.unwrap_or_default();
    let msg = ServerMsg::Welcome {
        player: player.id,
        entity,
        tick_rate: info.tick_rate,
        send_rate: info.send_rate,
        resume_token: player.token.clone(),
        game: info.game.clone(),
        schema_hash: info.schema_hash,
        schema: info.schema.clone(),
        config: info.config.clone(),
        tick,
        sub: player.sub.clone(),
        name: player.name.clone(),
        players: roster.to_vec(),
    };
    Welcomed {
        player: player.id,
        entity,
        conn: player.conn.unwrap_or_default(),
        welcome: Bytes::from(encode_server(&msg)),
    }
}

#[cfg(test)]
#[path = "players_tests.rs"]
mod tests;
