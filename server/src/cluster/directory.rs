//! The directory interface the HTTP handlers and transports use, with its two
//! implementations: the in-process lobby alone (the embedded default) and the lobby
//! plus the Redis directory (cluster mode). Answers are the JSON the API returns.
//! While Redis is marked unavailable every cluster call is refused at once (503,
//! see [`super::breaker`]).

use super::heartbeat::ClusterNode;
use super::records::{self, NodeRecord};
use super::redis_dir::Issued;
use crate::lobby::budget::LobbyConfig;
use crate::lobby::tickets::TicketError;
use crate::lobby::{CreateRoom, Lobby, LobbyError};
use crate::room::Seat;
use serde_json::Value;
use std::net::IpAddr;
use std::sync::Arc;
use thiserror::Error;

/// A directory request that cannot be served.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DirectoryError {
    #[error(transparent)]
    Lobby(#[from] LobbyError),
    #[error(transparent)]
    Ticket(#[from] TicketError),
    #[error("this ticket is for node {0}: present it at the ws_url of its join answer")]
    WrongNode(String),
    #[error("the room's node {0} is gone")]
    NodeGone(String),
    #[error("{0}")]
    NoNode(String),
    #[error("cluster directory unavailable: {0}")]
    Unavailable(String),
    #[error("cluster mode is off (start the server with --redis URL)")]
    NotClustered,
}

/// Who asks for a room or a seat: what the placement scripts need to know of the
/// caller.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    /// The verified identity (JWT `sub`), if any.
    pub sub: Option<&'a str>,
    /// The caller's address (its live-room budget and its tickets), if known.
    pub creator: Option<std::net::IpAddr>,
    /// `[lobby] create`'s answer for this caller.
    pub may_create: bool,
    /// `[lobby] max_rooms_per_ip`.
    pub max_rooms: usize,
    /// The limits on the unredeemed tickets it holds (`[lobby]
    /// max_tickets_per_ip`, `max_tickets_per_ip_per_room`).
    pub tickets: &'a LobbyConfig,
}

impl Caller<'_> {
    /// The address as a key part ("" unknown: no budget).
    pub(super) fn address(&self) -> String {
        self.creator.map(|ip| ip.to_string()).unwrap_or_default()
    }
}

/// What a matchmaking call looks for: rooms of `game` on `map` (`default_game`
/// names the rooms whose record has no `game`: older nodes' rooms).
#[derive(Debug, Clone, Copy)]
pub struct GameMap<'a> {
    pub game: &'a str,
    /// The map (`None`: the game plays on no maps, and rooms match whatever
    /// their record says: older nodes named a map in every record).
    pub map: Option<&'a str>,
    pub default_game: &'a str,
}

/// The room directory: the lobby, and the cluster when there is one.
#[derive(Clone)]
pub struct Directory {
    lobby: Arc<Lobby>,
    cluster: Option<Arc<ClusterNode>>,
}

fn to_json<T: serde::Serialize>(value: T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

impl Directory {
    /// The single-node directory: today's lobby, nothing else.
    pub fn local(lobby: Arc<Lobby>) -> Directory {
        Directory {
            lobby,
            cluster: None,
        }
    }

    /// The cluster directory of `node` (whose lobby runs this node's rooms).
    pub fn clustered(node: Arc<ClusterNode>) -> Directory {
        Directory {
            lobby: Arc::clone(node.lobby()),
            cluster: Some(node),
        }
    }

    pub fn cluster(&self) -> Option<&Arc<ClusterNode>> {
        self.cluster.as_ref()
    }

    /// Count a 503 answer, and a per-address room or ticket refusal of the
    /// cluster's.
    fn counted<T>(&self, r: Result<T, DirectoryError>) -> Result<T, DirectoryError> {
        match &r {
            Err(DirectoryError::Lobby(LobbyError::AddressRooms(_))) => {
                self.lobby.count_address_refusal();
            }
            Err(DirectoryError::Lobby(LobbyError::AddressTickets(_))) => {
                self.lobby.guards().ip_tickets_refused.inc();
            }
            _ => {}
        }
        if let (Err(DirectoryError::Unavailable(_)), Some(node)) = (&r, &self.cluster) {
            node.redis()
                .stats
                .unavailable
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        r
    }

    /// `GET /api/rooms`: public rooms (of every live node in cluster mode).
    pub async fn list(&self) -> Result<Vec<Value>, DirectoryError> {
        let Some(node) = &self.cluster else {
            return Ok(self.lobby.list().into_iter().map(to_json).collect());
        };
        self.counted(node.redis().available())?;
        let rooms = self.counted(node.redis().list_rooms().await)?;
        Ok(rooms
            .into_iter()
            .filter(|r| r.get("private").and_then(Value::as_bool) != Some(true))
            .map(records::public_room)
            .collect())
    }

    /// `GET /api/rooms/{id}` (a private room needs its `invite`).
    pub async fn room(&self, id: &str, invite: Option<&str>) -> Result<Value, DirectoryError> {
        let id = room_id(id).ok_or(LobbyError::NotFound)?;
        let Some(node) = &self.cluster else {
            return Ok(to_json(self.lobby.find(id, invite)?.info()));
        };
        if self.lobby.get(id).is_some() {
            let room = self.lobby.find(id, invite)?;
            return Ok(records::public_room(node.record_of(&room)));
        }
        self.counted(node.redis().available())?;
        let record = self.counted(node.redis().room(&id.to_string()).await)?;
        record
            .filter(|r| records::admits(r, invite))
            .map(records::public_room)
            .ok_or(LobbyError::NotFound.into())
    }

    /// `GET /api/nodes`.
    pub async fn nodes(&self) -> Result<Vec<NodeRecord>, DirectoryError> {
        let node = self.cluster.as_ref().ok_or(DirectoryError::NotClustered)?;
        self.counted(node.redis().available())?;
        self.counted(node.redis().nodes().await)
    }

    /// `POST /api/rooms`: a room on this node.
    pub async fn create(
        &self,
        req: CreateRoom,
        creator: Option<IpAddr>,
    ) -> Result<Value, DirectoryError> {
        let Some(node) = &self.cluster else {
            return Ok(to_json(self.lobby.create(req, creator)?));
        };
        if node.redis().draining() {
            return Err(DirectoryError::NoNode(
                "this node is draining: it takes no new rooms".into(),
            ));
        }
        self.counted(node.redis().available())?;
        let id = crate::room::RoomId::random().to_string();
        let who = Caller {
            sub: None,
            creator,
            may_create: true,
            max_rooms: node.config().lobby.max_rooms_per_ip,
            tickets: &node.config().lobby,
        };
        // The address's live rooms on every node count (kept in Redis).
        self.counted(node.redis().count_room(&who, &id).await)?;
        let room = match node.start_room(&id, req, creator) {
            Ok(room) => room,
            Err(e) => {
                // Best effort: else it stops counting after the budget's grace.
                let _ = node.redis().uncount_room(&who, &id).await;
                return Err(e.into());
            }
        };
        // Listed everywhere before the answer (a failed beat is retried by the task).
        let _ = node.beat().await;
        let mut answer = records::public_room(node.record_of(&room));
        if let (Some(code), Value::Object(map)) = (&room.settings.invite, &mut answer) {
            map.insert("invite".into(), Value::String(code.clone()));
        }
        Ok(answer)
    }

    /// `POST /api/rooms/{id}/join`: a ticket for the room's node (a private room
    /// needs its `invite`). `sub`, the caller's verified identity, holds one seat
    /// per room: the ticket carries it to the room's node, whose room gives a
    /// second join its seat back (even when the room is full). `address`'s
    /// unredeemed tickets are limited (see [`crate::lobby::tickets`]; in a cluster,
    /// inside the script that issues the ticket: `scripts::holders`).
    pub async fn join(
        &self,
        id: &str,
        name: &str,
        sub: Option<&str>,
        invite: Option<&str>,
        address: Option<IpAddr>,
    ) -> Result<Value, DirectoryError> {
        let Some(node) = &self.cluster else {
            let id = room_id(id).ok_or(LobbyError::NotFound)?;
            return Ok(to_json(self.lobby.join(id, name, sub, invite, address)?));
        };
        let name = self
            .lobby
            .clean_name(Some(name), "name")?
            .unwrap_or_default();
        // Only well-formed ids reach Redis (they become key names there).
        let id = room_id(id).ok_or(LobbyError::NotFound)?.to_string();
        let ttl = crate::config::secs(node.config().ticket_ttl_secs);
        let invite = invite.map(records::invite_hash).unwrap_or_default();
        let who = Caller {
            sub,
            creator: address,
            may_create: false,
            max_rooms: node.config().lobby.max_rooms_per_ip,
            tickets: &node.config().lobby,
        };
        self.counted(node.redis().available())?;
        let issued = self.counted(node.redis().join(&id, &name, &invite, ttl, &who).await)?;
        Ok(self.replaced_counted(issued))
    }

    /// The join answer of a cluster ticket, counting the ticket it replaced.
    fn replaced_counted(&self, issued: Issued) -> Value {
        if issued.replaced {
            self.lobby.guards().tickets_replaced.inc();
        }
        issued.answer
    }

    /// `POST /api/matchmake`: a ticket for the open room of the cluster with the most seats taken, or
    /// for a new room on the live node with the fewest players. `may_create` is the
    /// `[lobby] create` policy's answer for this caller, and `creator`'s
    /// per-address budget of live rooms counts rooms on every node: both refuse
    /// only a room matchmaking would create (in a cluster, inside the one script
    /// that places the seat).
    pub async fn matchmake(
        &self,
        name: &str,
        sub: Option<&str>,
        game: Option<&str>,
        map: Option<&str>,
        creator: Option<IpAddr>,
        may_create: bool,
    ) -> Result<Value, DirectoryError> {
        let Some(node) = &self.cluster else {
            return Ok(to_json(
                self.lobby
                    .matchmake(name, sub, game, map, creator, may_create)?,
            ));
        };
        let games = self.lobby.games();
        let game = games.resolve(game).map_err(LobbyError::from)?;
        let map = self.lobby.room_map(game, map)?;
        let game = game.name();
        let name = self
            .lobby
            .clean_name(Some(name), "name")?
            .unwrap_or_default();
        let config = node.config();
        let ttl = crate::config::secs(config.ticket_ttl_secs);
        let max = config.default_max_players;
        let who = Caller {
            sub,
            creator,
            may_create,
            max_rooms: config.lobby.max_rooms_per_ip,
            tickets: &config.lobby,
        };
        self.counted(node.redis().available())?;
        let wanted = GameMap {
            game,
            map: map.as_deref(),
            default_game: games.default_game().name(),
        };
        let issued = node.redis().matchmake(&name, &wanted, ttl, max, &who).await;
        Ok(self.replaced_counted(self.counted(issued)?))
    }

    /// Check a seat ticket without using it (a WebTransport URL; the `Hello`
    /// redeems it): live, and (cluster mode) for a room of this node, which Redis
    /// says without taking the ticket.
    pub async fn check_ticket(&self, ticket: Option<&str>) -> Result<(), DirectoryError> {
        let Some(node) = &self.cluster else {
            return Ok(self.lobby.check_ticket(ticket)?);
        };
        let ticket = cluster_ticket(ticket)?;
        self.counted(node.redis().available())?;
        self.counted(node.redis().check_ticket(ticket).await)
            .map(|_| ())
    }

    /// Use a seat ticket (at `GET /ws`, or in a QUIC `Hello`).
    pub async fn redeem(&self, ticket: Option<&str>) -> Result<Seat, DirectoryError> {
        let Some(node) = &self.cluster else {
            return Ok(self.lobby.redeem(ticket)?);
        };
        let ticket = cluster_ticket(ticket)?;
        self.counted(node.redis().available())?;
        self.counted(node.redeem(ticket).await)
    }
}

/// A presented ticket worth a Redis call: present, at most 64 alphanumerics
/// (tickets are 32 hex digits).
fn cluster_ticket(ticket: Option<&str>) -> Result<&str, TicketError> {
    let ticket = ticket
        .filter(|t| !t.is_empty())
        .ok_or(TicketError::Missing)?;
    if ticket.len() > 64 || !ticket.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(TicketError::Unknown);
    }
    Ok(ticket)
}

/// A room id from a URL or a Redis record.
pub fn room_id(text: &str) -> Option<crate::room::RoomId> {
    text.parse().ok()
}
