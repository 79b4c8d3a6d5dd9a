//! Matchmaking: `POST /api/matchmake` seats a caller in the open public room of the
//! asked game and map with the most seats taken that still has a free one (a live
//! 2/16 room beats an empty 1-seat room: a newcomer lands with others), or in a new
//! one; rooms of another game are never matched.

use super::creation::CreateRoom;
use super::tickets::Holder;
use super::{Lobby, LobbyError, SeatTicket};
use crate::room::{RoomShared, RoomState};
use std::cmp::Reverse;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

impl Lobby {
    /// `POST /api/matchmake`: the open public room of `game` with the most seats taken (default: the
    /// catalog's first) on `map`, or a new one (created on behalf of `creator`, when
    /// `may_create`: `[lobby] create` also holds for the rooms matchmaking would
    /// create). `creator`'s tickets are limited as a join's are.
    pub fn matchmake(
        &self,
        name: &str,
        sub: Option<&str>,
        game: Option<&str>,
        map: Option<&str>,
        creator: Option<IpAddr>,
        may_create: bool,
    ) -> Result<SeatTicket, LobbyError> {
        let name = self.clean_name(Some(name), "name")?.unwrap_or_default();
        let game = self.games.resolve(game)?;
        let map = self.room_map(game, map)?;
        let game = game.name().to_owned();
        let holder = Holder {
            address: creator,
            sub: sub.map(str::to_owned),
        };
        let now = Instant::now();
        let mut inner = self.lock();
        let mut open: Vec<(Reverse<u32>, u64, Arc<RoomShared>)> = inner
            .rooms
            .values()
            .filter(|l| !l.room.settings.private && l.room.settings.map == map)
            .filter(|l| l.room.settings.game == game)
            .filter(|l| l.room.state() != RoomState::Finished && l.room.free_seats() > 0)
            .map(|l| (Reverse(l.room.status.seats()), l.seq, Arc::clone(&l.room)))
            .collect();
        open.sort_by_key(|(taken, seq, _)| (*taken, *seq));
        let mut chosen = None;
        for (_, _, room) in open {
            self.make_way(&mut inner, &holder, &room, now)?;
            if room.reserve_seat() {
                chosen = Some(room);
                break;
            }
        }
        let room = match chosen {
            Some(room) => room,
            None if !may_create => return Err(LobbyError::CreateRefused),
            None => {
                let max = self.ctx.config.lobby.max_tickets_per_ip;
                if !inner.tickets.address_has_room(creator, max, now) {
                    self.ctx.metrics.lobby_guards.ip_tickets_refused.inc();
                    return Err(LobbyError::AddressTickets(max));
                }
                let req = CreateRoom {
                    game: Some(game),
                    map,
                    ..CreateRoom::default()
                };
                let room = self.create_locked(&mut inner, req, creator, None)?;
                if !room.reserve_seat() {
                    return Err(LobbyError::Full);
                }
                room
            }
        };
        Ok(self.ticket_locked(&mut inner, room, name, holder))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::games::{Game, GameCatalog};
    use crate::room::RoomCtx;
    use tickcast_shared::game::GameEntry;

    fn lobby() -> Lobby {
        let games = GameCatalog::new(Game::of(GameEntry::of::<tickcast_shared::sim::Arena>()))
            .with(Game::of(GameEntry::of::<crate::test_game::Dots>()));
        let ctx = RoomCtx {
            config: Arc::new(crate::config::Config::default()),
            metrics: Arc::default(),
            spectators: crate::spectators::SpectatorCounter::default(),
            shutdown: tokio_util::sync::CancellationToken::new(),
            replays: None,
        };
        Lobby::new(ctx, games, None)
    }

    #[tokio::test]
    async fn matchmaking_never_mixes_games() {
        let lobby = lobby();
        let first = lobby.games().default_game().name().to_owned();
        let ball = lobby
            .matchmake("ann", None, Some("dots"), None, None, true)
            .unwrap();
        assert_eq!(ball.room.game, "dots");
        let default = lobby
            .matchmake("bob", None, None, None, None, true)
            .unwrap();
        assert_eq!(default.room.game, first);
        assert_ne!(
            default.room.id, ball.room.id,
            "an open ball room is not taken"
        );
        let again = lobby
            .matchmake("cat", None, Some("dots"), None, None, true)
            .unwrap();
        assert_eq!(again.room.id, ball.room.id, "the open ball room is");
        let refused = lobby.matchmake("dan", None, Some("chess"), None, None, true);
        assert!(matches!(refused, Err(LobbyError::UnknownGame(_))));
    }

    #[tokio::test]
    async fn quick_join_of_each_game_uses_its_own_default_map() {
        let lobby = lobby();
        let arena = lobby
            .matchmake("ann", None, None, None, None, true)
            .unwrap();
        assert_eq!(
            arena.room.map.as_deref(),
            Some("arena"),
            "the arena's default map"
        );
        let dots = lobby
            .matchmake("bob", None, Some("dots"), None, None, true)
            .unwrap();
        assert_eq!(dots.room.map, None, "a game without maps gets none");
        let json = serde_json::to_value(&dots.room).unwrap();
        assert!(json.get("map").is_none(), "{json}");
        assert_eq!(json["drones"], 0, "the API's name of the npcs: {json}");
        // A game without maps refuses one; the arena refuses one it does not have.
        let refused = lobby.matchmake("cat", None, Some("dots"), Some("arena"), None, true);
        assert!(matches!(refused, Err(LobbyError::NoMaps(_))), "{refused:?}");
        let refused = lobby.matchmake("dan", None, None, Some("nowhere"), None, true);
        assert!(
            matches!(refused, Err(LobbyError::UnknownMap(_))),
            "{refused:?}"
        );
    }

    #[tokio::test]
    async fn a_room_of_a_game_without_maps_has_none_and_refuses_one() {
        let lobby = lobby();
        let dots = |map: Option<&str>| CreateRoom {
            game: Some("dots".to_owned()),
            map: map.map(str::to_owned),
            ..CreateRoom::default()
        };
        let room = lobby.create(dots(None), None).unwrap();
        assert_eq!(room.room.map, None);
        let refused = lobby.create(dots(Some("arena")), None);
        assert!(matches!(refused, Err(LobbyError::NoMaps(_))), "{refused:?}");
        let arena = lobby.create(CreateRoom::default(), None).unwrap();
        assert_eq!(arena.room.map.as_deref(), Some("arena"));
        // `npcs` is accepted as the alias of `drones`.
        let req: CreateRoom = serde_json::from_str(r#"{"npcs": 3}"#).unwrap();
        assert_eq!(req.npcs, Some(3));
        let req: CreateRoom = serde_json::from_str(r#"{"drones": 4}"#).unwrap();
        assert_eq!(req.npcs, Some(4));
    }

    #[tokio::test]
    async fn quick_join_prefers_the_room_with_most_players_over_the_emptiest_fit() {
        let lobby = lobby();
        let big = lobby
            .create(
                CreateRoom {
                    max_players: Some(16),
                    ..CreateRoom::default()
                },
                None,
            )
            .unwrap();
        for name in ["ann", "bob"] {
            let seat = lobby.matchmake(name, None, None, None, None, true).unwrap();
            assert_eq!(seat.room.id, big.room.id);
        }
        let small = lobby
            .create(
                CreateRoom {
                    max_players: Some(1),
                    ..CreateRoom::default()
                },
                None,
            )
            .unwrap();
        let third = lobby
            .matchmake("cat", None, None, None, None, true)
            .unwrap();
        assert_eq!(
            third.room.id, big.room.id,
            "a 2/16 room beats an empty 1-seat room"
        );
        assert_ne!(third.room.id, small.room.id);
    }
}
