//! The lobby: the room directory, matchmaking and seat tickets.
//!
//! One mutex guards the directory and the tickets, so "find a room with a free seat,
//! else create one" is a single step: concurrent matchmaking never creates two rooms
//! where one had seats. The lock is held only for bookkeeping (no IO, no awaits).

pub mod maps;
pub mod tickets;

use crate::net::quic::QuicInfo;
use crate::room::{self, RoomCtx, RoomId, RoomInfo, RoomSettings, RoomShared, RoomState};
use maps::Maps;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;
use thiserror::Error;
use tickets::{Seat, TicketBook, TicketError};

/// A lobby request that cannot be served.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LobbyError {
    #[error("no such room")]
    NotFound,
    #[error("room is full")]
    Full,
    #[error("room has finished")]
    Finished,
    #[error("unknown map '{0}'")]
    UnknownMap(String),
    #[error("{0}")]
    Invalid(String),
    #[error("too many rooms (limit {0})")]
    TooManyRooms(usize),
}

/// What `POST /api/rooms` asks for (unset fields take the defaults).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRoom {
    pub name: Option<String>,
    pub map: Option<String>,
    pub max_players: Option<u32>,
    pub drones: Option<u32>,
    pub private: Option<bool>,
}

/// A seat ticket handed to a client.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SeatTicket {
    pub ticket: String,
    pub ws_url: String,
    pub room: RoomInfo,
    /// Where the same ticket is accepted over QUIC, when the server offers it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quic: Option<QuicInfo>,
}

struct Inner {
    rooms: BTreeMap<RoomId, Arc<RoomShared>>,
    tickets: TicketBook,
    next_id: RoomId,
}

/// The room directory.
pub struct Lobby {
    inner: Mutex<Inner>,
    maps: Maps,
    ctx: RoomCtx,
    quic: Option<QuicInfo>,
}

/// 128 random bits as hex (tickets, resume tokens, seeds).
pub fn random_token() -> String {
    let mut bytes = [0u8; 16];
    // getrandom fails only without an OS RNG; a zero token is then still unique per
    // use because tickets are removed on redemption, but log it loudly.
    if let Err(e) = getrandom::fill(&mut bytes) {
        tracing::error!(error = %e, "OS random source failed");
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn random_seed() -> u64 {
    let mut bytes = [0u8; 8];
    let _ = getrandom::fill(&mut bytes);
    u64::from_le_bytes(bytes)
}

impl Lobby {
    /// A lobby whose seat tickets also name `quic` (when the server offers QUIC).
    pub fn new(ctx: RoomCtx, quic: Option<QuicInfo>) -> Lobby {
        let maps = Maps::load(&ctx.config.maps_dir);
        Lobby {
            inner: Mutex::new(Inner {
                rooms: BTreeMap::new(),
                tickets: TicketBook::new(crate::config::secs(ctx.config.ticket_ttl_secs)),
                next_id: 1,
            }),
            maps,
            ctx,
            quic,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the directory half-updated in
        // a way that matters more than stopping the lobby would; keep serving.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A trimmed, bounded, printable name (`None` stays `None`).
    pub fn clean_name(&self, name: Option<&str>, what: &str) -> Result<Option<String>, LobbyError> {
        let Some(name) = name else { return Ok(None) };
        let name = name.trim();
        let max = self.ctx.config.max_name_len;
        if name.is_empty() || name.chars().count() > max || name.chars().any(char::is_control) {
            return Err(LobbyError::Invalid(format!(
                "{what} must be 1..={max} printable characters"
            )));
        }
        Ok(Some(name.to_owned()))
    }

    fn create_locked(
        &self,
        inner: &mut Inner,
        req: CreateRoom,
        given_id: Option<RoomId>,
    ) -> Result<Arc<RoomShared>, LobbyError> {
        let config = &self.ctx.config;
        let map_name = req.map.unwrap_or_else(|| "arena".to_owned());
        let map = self
            .maps
            .get(&map_name)
            .ok_or_else(|| LobbyError::UnknownMap(map_name.clone()))?
            .clone();
        let max_players = req.max_players.unwrap_or(config.default_max_players);
        if !(1..=config.max_players_limit).contains(&max_players) {
            return Err(LobbyError::Invalid(format!(
                "max_players must be 1..={}",
                config.max_players_limit
            )));
        }
        let drones = req.drones.unwrap_or(0);
        if drones > config.max_drones {
            return Err(LobbyError::Invalid(format!(
                "drones must be 0..={}",
                config.max_drones
            )));
        }
        let live = inner
            .rooms
            .values()
            .filter(|r| r.state() != RoomState::Finished)
            .count();
        if live >= config.max_rooms {
            return Err(LobbyError::TooManyRooms(config.max_rooms));
        }
        let id = match given_id {
            Some(id) => id,
            None => {
                inner.next_id += 1;
                inner.next_id - 1
            }
        };
        let name = self
            .clean_name(req.name.as_deref(), "name")?
            .unwrap_or_else(|| format!("room {id}"));
        let settings = RoomSettings {
            name,
            map_name,
            map,
            max_players,
            drones,
            private: req.private.unwrap_or(false),
            seed: random_seed(),
        };
        let room = room::spawn(id, settings, &self.ctx);
        inner.rooms.insert(id, Arc::clone(&room));
        Ok(room)
    }

    /// `POST /api/rooms`.
    pub fn create(&self, req: CreateRoom) -> Result<RoomInfo, LobbyError> {
        let mut inner = self.lock();
        Ok(self.create_locked(&mut inner, req, None)?.info())
    }

    /// `GET /api/rooms`: public rooms, oldest first.
    pub fn list(&self) -> Vec<RoomInfo> {
        let inner = self.lock();
        inner
            .rooms
            .values()
            .filter(|r| !r.settings.private)
            .map(|r| r.info())
            .collect()
    }

    /// Start a room under an id given by the cluster directory; the room already
    /// there when `id` is taken.
    pub fn adopt(&self, id: RoomId, req: CreateRoom) -> Result<Arc<RoomShared>, LobbyError> {
        let mut inner = self.lock();
        if let Some(room) = inner.rooms.get(&id) {
            return Ok(Arc::clone(room));
        }
        self.create_locked(&mut inner, req, Some(id))
    }

    /// Every room of this node, private and finished ones too.
    pub fn rooms(&self) -> Vec<Arc<RoomShared>> {
        self.lock().rooms.values().cloned().collect()
    }

    pub fn get(&self, id: RoomId) -> Option<Arc<RoomShared>> {
        self.lock().rooms.get(&id).cloned()
    }

    fn ticket_locked(&self, inner: &mut Inner, room: Arc<RoomShared>, name: String) -> SeatTicket {
        let info = room.info();
        let ticket = inner.tickets.issue(room, name, Instant::now());
        SeatTicket {
            ws_url: format!("/ws?ticket={ticket}"),
            ticket,
            room: info,
            quic: self.quic.clone(),
        }
    }

    /// `POST /api/rooms/{id}/join`.
    pub fn join(&self, id: RoomId, name: &str) -> Result<SeatTicket, LobbyError> {
        let name = self.clean_name(Some(name), "name")?.unwrap_or_default();
        let mut inner = self.lock();
        let room = inner.rooms.get(&id).cloned().ok_or(LobbyError::NotFound)?;
        if room.state() == RoomState::Finished {
            return Err(LobbyError::Finished);
        }
        if !room.reserve_seat() {
            return Err(LobbyError::Full);
        }
        Ok(self.ticket_locked(&mut inner, room, name))
    }

    /// `POST /api/matchmake`: the fullest open public room on `map`, or a new one.
    pub fn matchmake(&self, name: &str, map: Option<&str>) -> Result<SeatTicket, LobbyError> {
        let name = self.clean_name(Some(name), "name")?.unwrap_or_default();
        let map = map.unwrap_or("arena");
        let mut inner = self.lock();
        let mut open: Vec<&Arc<RoomShared>> = inner
            .rooms
            .values()
            .filter(|r| !r.settings.private && r.settings.map_name == map)
            .filter(|r| r.state() != RoomState::Finished && r.free_seats() > 0)
            .collect();
        open.sort_by_key(|r| (r.free_seats(), r.id));
        let chosen = open.into_iter().find(|r| r.reserve_seat()).cloned();
        let room = match chosen {
            Some(room) => room,
            None => {
                let req = CreateRoom {
                    map: Some(map.to_owned()),
                    ..CreateRoom::default()
                };
                let room = self.create_locked(&mut inner, req, None)?;
                if !room.reserve_seat() {
                    return Err(LobbyError::Full);
                }
                room
            }
        };
        Ok(self.ticket_locked(&mut inner, room, name))
    }

    /// Use a seat ticket (at `GET /ws`).
    pub fn redeem(&self, ticket: Option<&str>) -> Result<Seat, TicketError> {
        let ticket = ticket
            .filter(|t| !t.is_empty())
            .ok_or(TicketError::Missing)?;
        self.lock().tickets.redeem(ticket, Instant::now())
    }

    /// The room a resume token belongs to (`<room id>.<secret>`).
    pub fn room_of_token(&self, token: &str) -> Option<Arc<RoomShared>> {
        let (id, _) = token.split_once('.')?;
        self.get(id.parse().ok()?)
    }

    /// Expire tickets and drop finished rooms that lingered long enough.
    pub fn sweep(&self) {
        let now = Instant::now();
        let linger = crate::config::secs(self.ctx.config.finished_linger_secs);
        let mut inner = self.lock();
        inner.tickets.sweep(now);
        inner.rooms.retain(|_, r| {
            r.finished_at()
                .is_none_or(|at| now.duration_since(at) < linger)
        });
    }

    /// The geometry of a map, as the browser client draws and predicts with it.
    pub fn map_view(&self, name: &str) -> Option<tickcast_shared::spectate::MapView> {
        self.maps
            .get(name)
            .map(tickcast_shared::spectate::MapView::of)
    }

    pub fn map_names(&self) -> Vec<String> {
        self.maps.names().map(str::to_owned).collect()
    }
}
