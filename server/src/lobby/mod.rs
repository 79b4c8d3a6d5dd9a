//! The lobby: the room directory, matchmaking and seat tickets.
//!
//! One mutex guards the directory and the tickets, so "find a room with a free seat,
//! else create one" is a single step: concurrent matchmaking never creates two rooms
//! where one had seats. The lock is held only for bookkeeping (no IO, no awaits).
//! Making a room (its request, limits and budgets) is in `creation`
//! ([`CreateRoom`], [`Lobby::create`], [`Lobby::adopt`]), matchmaking (by game and
//! map) in `matchmaking` ([`Lobby::matchmake`]).

pub mod budget;
mod creation;
mod error;
pub mod events;
pub mod feed;
pub mod maps;
mod matchmaking;
pub mod ticket_checks;
pub mod tickets;

use crate::games::GameCatalog;
use crate::net::quic::{QuicInfo, WebTransportInfo, WebTransportOffer};
pub use crate::room::RoomId;
use crate::room::Seat;
use crate::room::{RoomCtx, RoomInfo, RoomShared, RoomState};
use crate::secrets;
pub use creation::{CreateRoom, Created};
pub use error::LobbyError;
use maps::Maps;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;
use tickets::{Holder, TicketBook, TicketError, TicketRefusal};

/// A seat ticket handed to a client.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SeatTicket {
    pub ticket: String,
    pub ws_url: String,
    pub room: RoomInfo,
    /// Where the same ticket is accepted over QUIC, when the server offers it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quic: Option<QuicInfo>,
    /// Where a browser presents the same ticket over WebTransport, when offered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webtransport: Option<WebTransportInfo>,
}

/// A room in the directory, its place in creation order and who created it.
struct Listed {
    seq: u64,
    room: Arc<RoomShared>,
    creator: Option<IpAddr>,
}

struct Inner {
    rooms: HashMap<RoomId, Listed>,
    tickets: TicketBook,
    /// Creation counter: lists show rooms oldest first (ids are random).
    next_seq: u64,
}

impl Inner {
    /// Rooms, oldest first.
    fn ordered(&self) -> Vec<&Listed> {
        let mut rooms: Vec<&Listed> = self.rooms.values().collect();
        rooms.sort_by_key(|l| l.seq);
        rooms
    }
}

/// The room directory.
pub struct Lobby {
    inner: Mutex<Inner>,
    /// The per-address rate of ticket and resume-token checks at `/ws`.
    ticket_checks: ticket_checks::TicketChecks,
    maps: Maps,
    /// The games rooms may run (the first is the default).
    games: GameCatalog,
    ctx: RoomCtx,
    quic: Option<QuicInfo>,
    webtransport: Option<WebTransportOffer>,
}

impl Lobby {
    /// A lobby running the games of `games`, whose seat tickets also name `quic`
    /// (when the server offers QUIC).
    pub fn new(ctx: RoomCtx, games: GameCatalog, quic: Option<QuicInfo>) -> Lobby {
        Lobby::offering(ctx, games, quic, None)
    }

    /// [`Lobby::new`] whose seat tickets also name `webtransport` (for browsers).
    pub fn offering(
        ctx: RoomCtx,
        games: GameCatalog,
        quic: Option<QuicInfo>,
        webtransport: Option<WebTransportOffer>,
    ) -> Lobby {
        let maps = Maps::load(&ctx.config.maps_dir, &games);
        Lobby {
            ticket_checks: ticket_checks::TicketChecks::new(&ctx.config.lobby),
            inner: Mutex::new(Inner {
                rooms: HashMap::new(),
                tickets: TicketBook::new(crate::config::secs(ctx.config.ticket_ttl_secs)),
                next_seq: 0,
            }),
            maps,
            games,
            ctx,
            quic,
            webtransport,
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

    /// `GET /api/rooms`: public rooms, oldest first.
    pub fn list(&self) -> Vec<RoomInfo> {
        let inner = self.lock();
        inner
            .ordered()
            .into_iter()
            .filter(|l| !l.room.settings.private)
            .map(|l| l.room.info())
            .collect()
    }

    /// Every room of this node, private and finished ones too, oldest first.
    pub fn rooms(&self) -> Vec<Arc<RoomShared>> {
        let inner = self.lock();
        inner
            .ordered()
            .into_iter()
            .map(|l| Arc::clone(&l.room))
            .collect()
    }

    /// A room by id, whether private or not (for the server's own use).
    pub fn get(&self, id: RoomId) -> Option<Arc<RoomShared>> {
        self.lock().rooms.get(&id).map(|l| Arc::clone(&l.room))
    }

    /// Close a live room now (admin): its players get close 1000 with a reason.
    pub fn close(&self, id: RoomId) -> Result<RoomInfo, LobbyError> {
        let room = self.get(id).ok_or(LobbyError::NotFound)?;
        if room.state() == RoomState::Finished {
            return Err(LobbyError::Finished);
        }
        room.closer.cancel();
        Ok(room.info())
    }

    /// A room as a client may reach it: a private room only with its invite code;
    /// without it the room is [`LobbyError::NotFound`], as if it did not exist.
    pub fn find(&self, id: RoomId, invite: Option<&str>) -> Result<Arc<RoomShared>, LobbyError> {
        let room = self.get(id).ok_or(LobbyError::NotFound)?;
        if admits(&room, invite) {
            Ok(room)
        } else {
            Err(LobbyError::NotFound)
        }
    }

    fn ticket_locked(
        &self,
        inner: &mut Inner,
        room: Arc<RoomShared>,
        name: String,
        holder: Holder,
    ) -> SeatTicket {
        let info = room.info();
        let ticket = inner.tickets.issue(room, name, holder, Instant::now());
        SeatTicket {
            ws_url: format!("/ws?ticket={ticket}"),
            webtransport: self.webtransport.as_ref().map(|w| w.info(&ticket)),
            ticket,
            room: info,
            quic: self.quic.clone(),
        }
    }

    /// Make way for a ticket of `holder` in `room` (see [`TicketBook::make_way`]),
    /// counting a replaced ticket and a refusal.
    fn make_way(
        &self,
        inner: &mut Inner,
        holder: &Holder,
        room: &RoomShared,
        now: Instant,
    ) -> Result<(), LobbyError> {
        let guards = &self.ctx.metrics.lobby_guards;
        match inner
            .tickets
            .make_way(holder, room, &self.ctx.config.lobby, now)
        {
            Ok(true) => {
                guards.tickets_replaced.inc();
            }
            Ok(false) => {}
            Err(TicketRefusal::AddressTickets(max)) => {
                guards.ip_tickets_refused.inc();
                return Err(LobbyError::AddressTickets(max));
            }
        }
        Ok(())
    }

    /// `POST /api/rooms/{id}/join` from `address` (a private room needs its
    /// `invite`); `sub` is the caller's verified identity (one seat per identity
    /// per room: the room gives a second join of the same `sub` its seat back, and
    /// a second unredeemed ticket replaces the first).
    pub fn join(
        &self,
        id: RoomId,
        name: &str,
        sub: Option<&str>,
        invite: Option<&str>,
        address: Option<IpAddr>,
    ) -> Result<SeatTicket, LobbyError> {
        let name = self.clean_name(Some(name), "name")?.unwrap_or_default();
        let mut inner = self.lock();
        let room = inner
            .rooms
            .get(&id)
            .map(|l| Arc::clone(&l.room))
            .filter(|room| admits(room, invite))
            .ok_or(LobbyError::NotFound)?;
        if room.state() == RoomState::Finished {
            return Err(LobbyError::Finished);
        }
        let holder = Holder {
            address,
            sub: sub.map(str::to_owned),
        };
        self.make_way(&mut inner, &holder, &room, Instant::now())?;
        // A full room still seats an identity it holds: the join resumes that seat.
        if !room.reserve_seat_for(sub) {
            return Err(LobbyError::Full);
        }
        Ok(self.ticket_locked(&mut inner, room, name, holder))
    }

    /// Count a per-address room refusal the cluster directory decided
    /// (`/metrics`, like the lobby's own).
    pub fn count_address_refusal(&self) {
        self.ctx.metrics.limits.ip_rooms_refused.inc();
    }

    /// The series of the per-address guards (the cluster directory counts its
    /// ticket refusals and replacements there too).
    pub fn guards(&self) -> &crate::metrics::LobbyGuardMetrics {
        &self.ctx.metrics.lobby_guards
    }

    /// Take one ticket or resume-token check from `address`'s rate (at `GET /ws`);
    /// `Err(wait)`, counted, when its bucket is empty.
    pub fn check_rate(&self, address: IpAddr) -> Result<(), std::time::Duration> {
        let checked = self.ticket_checks.check(address);
        if checked.is_err() {
            self.ctx
                .metrics
                .lobby_guards
                .ticket_checks_rate_limited
                .inc();
        }
        checked
    }

    /// Whether a seat ticket is live, without using it (at a WebTransport `/wt`).
    pub fn check_ticket(&self, ticket: Option<&str>) -> Result<(), TicketError> {
        let ticket = ticket
            .filter(|t| !t.is_empty())
            .ok_or(TicketError::Missing)?;
        self.lock().tickets.check(ticket, Instant::now())
    }

    /// Use a seat ticket (at `GET /ws`).
    pub fn redeem(&self, ticket: Option<&str>) -> Result<Seat, TicketError> {
        let ticket = ticket
            .filter(|t| !t.is_empty())
            .ok_or(TicketError::Missing)?;
        self.lock().tickets.redeem(ticket, Instant::now())
    }

    /// The room a resume token belongs to, if this server issued the token and the
    /// room is still listed (see [`secrets`]).
    pub fn room_of_token(&self, token: &str) -> Option<Arc<RoomShared>> {
        self.get(secrets::resume_room(token)?)
    }

    /// Expire tickets and drop finished rooms that lingered long enough.
    pub fn sweep(&self) {
        let now = Instant::now();
        let linger = crate::config::secs(self.ctx.config.finished_linger_secs);
        self.ticket_checks.sweep();
        let mut inner = self.lock();
        inner.tickets.sweep(now);
        inner.rooms.retain(|_, l| {
            l.room
                .finished_at()
                .is_none_or(|at| now.duration_since(at) < linger)
        });
    }

    /// The view of map `name` as JSON text (the game's own, see
    /// [`tickcast_shared::game::MapFormat::read`]): what the browser client draws
    /// and predicts with.
    pub fn map_view(&self, name: &str) -> Option<&str> {
        self.maps.view(name)
    }

    /// The map a room of `game` gets when `asked` for one: `None` for a game that
    /// plays on no maps (which refuses a map asked for), else the asked map, or the
    /// game's default, when the lobby has it.
    pub fn room_map(
        &self,
        game: &crate::games::Game,
        asked: Option<&str>,
    ) -> Result<Option<String>, LobbyError> {
        let Some(format) = game.entry().maps() else {
            return match asked {
                None => Ok(None),
                Some(_) => Err(LobbyError::NoMaps(game.name().to_owned())),
            };
        };
        let name = asked.unwrap_or(format.default_name);
        match self.maps.get(game.name(), name) {
            Some(_) => Ok(Some(name.to_owned())),
            None => Err(LobbyError::UnknownMap(name.to_owned())),
        }
    }

    /// The games rooms may run.
    pub fn games(&self) -> &GameCatalog {
        &self.games
    }

    /// The names of every game's maps.
    pub fn map_names(&self) -> Vec<String> {
        self.maps.names()
    }
}

/// Whether `invite` opens `room` (public rooms need none).
fn admits(room: &RoomShared, invite: Option<&str>) -> bool {
    match &room.settings.invite {
        None => true,
        Some(code) => invite.is_some_and(|given| secrets::same_secret(code, given)),
    }
}
