//! Creating rooms: what `POST /api/rooms` asks for and answers, and the one place
//! a room is made ([`Lobby::create`], [`Lobby::adopt`] for an id the cluster
//! directory gave, and matchmaking's new rooms), which checks the request against
//! the limits (`max_players`, `npcs`, `max_rooms`) and the lobby's budgets
//! ([`super::budget`]) under the directory lock. A room of a game that plays on
//! maps gets the asked map or the game's default; a game without maps gets none
//! and refuses a `map` (422).

use super::{Inner, Listed, Lobby, LobbyError, RoomId, budget};
use crate::room::{self, RoomInfo, RoomSettings, RoomShared, RoomState};
use crate::secrets;
use std::net::IpAddr;
use std::sync::Arc;
use tickcast_shared::game::RoomOptions;

/// What `POST /api/rooms` asks for (unset fields take the defaults).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRoom {
    pub name: Option<String>,
    /// The game the room runs (default: the catalog's first).
    pub game: Option<String>,
    pub map: Option<String>,
    pub max_players: Option<u32>,
    /// Non-player entities (the game's npcs). `drones` is the API's historical name.
    #[serde(rename = "drones", alias = "npcs")]
    pub npcs: Option<u32>,
    pub private: Option<bool>,
    /// Game-specific options (a JSON object), checked by the game's `configure`.
    pub options: Option<serde_json::Value>,
}

/// What `POST /api/rooms` answers: the room, and a private room's invite code
/// (lookups, joins, spectating and replays of a private room need it).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Created {
    #[serde(flatten)]
    pub room: RoomInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invite: Option<String>,
}

impl Lobby {
    /// Make and list a room for `req` (under the lock), after checking its limits
    /// and the budgets; `given_id` is the id the cluster directory chose, if any.
    pub(super) fn create_locked(
        &self,
        inner: &mut Inner,
        req: CreateRoom,
        creator: Option<IpAddr>,
        given_id: Option<RoomId>,
    ) -> Result<Arc<RoomShared>, LobbyError> {
        let config = &self.ctx.config;
        let game = self.games.resolve(req.game.as_deref())?;
        let entry = game.entry();
        let map = self.room_map(game, req.map.as_deref())?;
        let map_text = map.as_deref().and_then(|name| {
            Some((
                name.to_owned(),
                self.maps.get(game.name(), name)?.text.clone(),
            ))
        });
        let max_players = req.max_players.unwrap_or(config.default_max_players);
        if !(1..=config.max_players_limit).contains(&max_players) {
            return Err(LobbyError::Invalid(format!(
                "max_players must be 1..={}",
                config.max_players_limit
            )));
        }
        let npcs = req.npcs.unwrap_or(0);
        if npcs > config.max_npcs {
            return Err(LobbyError::Invalid(format!(
                "drones (npcs) must be 0..={}",
                config.max_npcs
            )));
        }
        let options = RoomOptions {
            tick_rate: config.tick_rate,
            seats: max_players,
            map: map_text,
            npcs,
            extra: match &req.options {
                None | Some(serde_json::Value::Null) => serde_json::Value::Null,
                Some(object @ serde_json::Value::Object(_)) => object.clone(),
                Some(_) => {
                    return Err(LobbyError::Invalid(
                        "options must be a JSON object".to_owned(),
                    ));
                }
            },
        };
        let game_config = (entry.configure)(&options).map_err(|r| LobbyError::Invalid(r.0))?;
        let cost = (entry.entity_budget)(&game_config, max_players)
            .map_err(|e| LobbyError::Invalid(e.to_string()))?;
        let live = inner
            .rooms
            .values()
            .filter(|l| l.room.state() != RoomState::Finished)
            .count();
        if live >= config.max_rooms {
            return Err(LobbyError::TooManyRooms(config.max_rooms));
        }
        let mut in_use = budget::InUse::default();
        for l in inner.rooms.values() {
            if l.room.state() == RoomState::Finished {
                continue;
            }
            let s = &l.room.settings;
            let entities = s.entities;
            in_use.entities = in_use.entities.saturating_add(entities);
            // An unknown address (`None`) shares one budget with all unknown ones.
            if l.creator == creator {
                in_use.rooms_of_address += 1;
                in_use.entities_of_address = in_use.entities_of_address.saturating_add(entities);
            }
        }
        let limits = &self.ctx.metrics.limits;
        // A room placed here by the cluster's matchmaking has no local creator: its
        // address budgets are not this node's to check.
        if given_id.is_some() && creator.is_none() {
            in_use.rooms_of_address = 0;
            in_use.entities_of_address = 0;
        }
        match budget::check(&config.lobby, in_use, cost) {
            Ok(()) => {}
            Err(budget::OverBudget::Entities(max)) => {
                limits.entity_budget_refused.inc();
                return Err(LobbyError::EntityBudget(max));
            }
            Err(budget::OverBudget::AddressRooms(max)) => {
                limits.ip_rooms_refused.inc();
                return Err(LobbyError::AddressRooms(max));
            }
            Err(budget::OverBudget::AddressEntities(max)) => {
                self.ctx.metrics.lobby_guards.ip_entities_refused.inc();
                return Err(LobbyError::AddressEntities(max));
            }
        }
        let id = match given_id {
            Some(id) => id,
            None => loop {
                // 65 random bits: a collision is astronomically rare, but never reuse.
                let id = RoomId::random();
                if !inner.rooms.contains_key(&id) {
                    break id;
                }
            },
        };
        let name = self
            .clean_name(req.name.as_deref(), "name")?
            .unwrap_or_else(|| format!("room {id}"));
        let private = req.private.unwrap_or(false);
        let settings = RoomSettings {
            name,
            game: game.name().to_owned(),
            entry,
            config: Arc::new(game_config),
            entities: cost,
            map,
            max_players,
            npcs,
            private,
            invite: private.then(secrets::invite_code),
            seed: secrets::random_seed(),
            creator,
        };
        let room = room::spawn(id, settings, &self.ctx)
            .map_err(|e| LobbyError::Invalid(format!("the game refused the room: {e}")))?;
        let seq = inner.next_seq;
        inner.next_seq += 1;
        let listed = Listed {
            seq,
            room: Arc::clone(&room),
            creator,
        };
        inner.rooms.insert(id, listed);
        Ok(room)
    }

    /// `POST /api/rooms` from `creator` (the peer's address, for its room budget).
    pub fn create(&self, req: CreateRoom, creator: Option<IpAddr>) -> Result<Created, LobbyError> {
        let mut inner = self.lock();
        let room = self.create_locked(&mut inner, req, creator, None)?;
        Ok(Created {
            room: room.info(),
            invite: room.settings.invite.clone(),
        })
    }

    /// Start a room under an id given by the cluster directory (created here by
    /// `creator`, or placed here by matchmaking when `None`); the room already there
    /// when `id` is taken.
    pub fn adopt(
        &self,
        id: RoomId,
        req: CreateRoom,
        creator: Option<IpAddr>,
    ) -> Result<Arc<RoomShared>, LobbyError> {
        let mut inner = self.lock();
        if let Some(listed) = inner.rooms.get(&id) {
            return Ok(Arc::clone(&listed.room));
        }
        self.create_locked(&mut inner, req, creator, Some(id))
    }
}
