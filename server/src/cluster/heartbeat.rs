//! This node in the cluster: its heartbeat task, and the steps that join the local
//! lobby to the Redis directory (starting rooms placed here, redeeming tickets).
//!
//! The heartbeat writes the node record and every local room every quarter of
//! `node_ttl_ms`. When Redis is unreachable the node logs it once, keeps its
//! matches and local viewers running, and retries with a growing delay (up to the
//! TTL), or at once when the Redis probe finds it answering again
//! ([`super::breaker`]); the first heartbeat that succeeds again re-registers all
//! its rooms (Redis lost them, or let them expire during a freeze).

use super::directory::{DirectoryError, room_id};
use super::records::{self, NodeRecord, NodeWebTransport, RoomRef};
use super::redis_dir::RedisDirectory;
use super::spec;
use crate::config::Config;
use crate::lobby::{CreateRoom, Lobby, LobbyError};
use crate::replay::ReplayStore;
use crate::room::Seat;
use crate::room::{RoomShared, RoomState};
use crate::spectators::{Hub, SpectatorCounter, Subscription};
use serde_json::Value;
use std::collections::BTreeMap;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Seats a local room holds (players and redeemed tickets not yet joined).
fn held_seats(room: &RoomShared) -> u32 {
    room.settings.max_players.saturating_sub(room.free_seats())
}

/// Every this many heartbeats all room records are written, not only changed ones
/// (so a room's listed `tick` is at most this many heartbeats old).
const FULL_EVERY: u64 = 8;

/// This node's rooms as Redis holds them: room id -> fingerprint of the record
/// written (all but `tick`, and the seats held).
#[derive(Debug, Default)]
struct Registered {
    rooms: BTreeMap<String, String>,
    beats: u64,
}

/// What decides whether a room record must be written again.
fn fingerprint(record: &Value, seats: u32) -> String {
    let mut record = record.clone();
    if let Value::Object(map) = &mut record {
        map.remove("tick");
    }
    format!("{seats}|{record}")
}

/// This node: the lobby that runs its rooms and its Redis directory.
pub struct ClusterNode {
    lobby: Arc<Lobby>,
    redis: RedisDirectory,
    config: Arc<Config>,
    /// What Redis holds of this node's rooms after the last successful heartbeat.
    registered: tokio::sync::Mutex<Registered>,
    healthy: AtomicBool,
    wake: Notify,
    replays: Arc<ReplayStore>,
    /// The list of recordings last written to Redis (JSON).
    replays_written: std::sync::Mutex<Option<String>>,
    /// Spectator events of local rooms on their way to Redis ([`spec`]).
    spec_tx: mpsc::Sender<spec::Tapped>,
    spec_rx: std::sync::Mutex<Option<mpsc::Receiver<spec::Tapped>>>,
    /// Mirrors of rooms other nodes run, watched here, with the room's record (to
    /// admit viewers while Redis cannot be asked).
    mirrors: std::sync::Mutex<HashMap<String, (Arc<Hub>, Value)>>,
    /// Local rooms watched from other nodes: held active for them.
    holds: std::sync::Mutex<HashMap<String, Subscription>>,
    spectators: SpectatorCounter,
}

impl ClusterNode {
    pub fn new(
        lobby: Arc<Lobby>,
        redis: RedisDirectory,
        config: Arc<Config>,
        replays: Arc<ReplayStore>,
        spectators: SpectatorCounter,
    ) -> ClusterNode {
        let (spec_tx, spec_rx) = mpsc::channel(spec::PUBLISH_QUEUE);
        ClusterNode {
            spec_tx,
            spec_rx: std::sync::Mutex::new(Some(spec_rx)),
            mirrors: std::sync::Mutex::new(HashMap::new()),
            holds: std::sync::Mutex::new(HashMap::new()),
            spectators,
            lobby,
            redis,
            config,
            registered: tokio::sync::Mutex::new(Registered::default()),
            healthy: AtomicBool::new(true),
            wake: Notify::new(),
            replays,
            replays_written: std::sync::Mutex::new(None),
        }
    }

    pub(crate) fn spec_sender(&self) -> mpsc::Sender<spec::Tapped> {
        self.spec_tx.clone()
    }

    pub(crate) fn stats_handle(&self) -> Arc<super::ClusterStats> {
        Arc::clone(&self.redis.stats)
    }

    pub(crate) fn spectator_counter(&self) -> SpectatorCounter {
        self.spectators.clone()
    }

    /// The live mirror of a remote room, if there is one and its record admits a
    /// viewer with `invite`.
    pub(crate) fn mirror_of(&self, room: &str, invite: Option<&str>) -> Option<Arc<Hub>> {
        let mirrors = self.mirrors.lock().unwrap_or_else(|e| e.into_inner());
        mirrors
            .get(room)
            .filter(|(h, record)| !h.is_finished() && records::admits(record, invite))
            .map(|(h, _)| Arc::clone(h))
    }

    /// Keep `hub` as the mirror of `room` (whose record is `record`), unless
    /// another one won the race.
    pub(crate) fn keep_mirror(&self, room: &str, hub: Arc<Hub>, record: Value) -> Arc<Hub> {
        let mut mirrors = self.mirrors.lock().unwrap_or_else(|e| e.into_inner());
        match mirrors.get(room) {
            Some((other, _)) if !other.is_finished() => Arc::clone(other),
            _ => {
                mirrors.insert(room.to_owned(), (Arc::clone(&hub), record));
                hub
            }
        }
    }

    pub(crate) fn drop_mirror(&self, room: &str, hub: &Arc<Hub>) {
        let mut mirrors = self.mirrors.lock().unwrap_or_else(|e| e.into_inner());
        if mirrors.get(room).is_some_and(|(h, _)| Arc::ptr_eq(h, hub)) {
            mirrors.remove(room);
        }
    }

    /// Keep the hubs of rooms watched from other nodes active (one held
    /// subscription each), and let go of the others.
    async fn hold_watched(&self) -> Result<(), DirectoryError> {
        let watched = self.redis.watched().await?;
        let mut holds = self.holds.lock().unwrap_or_else(|e| e.into_inner());
        holds.retain(|room, _| watched.contains(room));
        for room in watched {
            if holds.contains_key(&room) {
                continue;
            }
            let Some(local) = room_id(&room).and_then(|id| self.lobby.get(id)) else {
                continue;
            };
            if let Ok(sub) = local.hub.subscribe(None) {
                holds.insert(room, sub);
            }
        }
        Ok(())
    }

    /// Publish this node's recordings: the list when it changed (or Redis lost it),
    /// else only a refresh of its expiry.
    async fn publish_replays(&self) -> Result<(), DirectoryError> {
        let store = Arc::clone(&self.replays);
        let list = tokio::task::spawn_blocking(move || store.list())
            .await
            .unwrap_or_default();
        let json = serde_json::to_string(&list).unwrap_or_else(|_| "[]".into());
        let same = self
            .replays_written
            .lock()
            .map(|w| w.as_deref() == Some(json.as_str()))
            .unwrap_or(false);
        if same && self.redis.publish_replays(None).await? {
            return Ok(());
        }
        self.redis.publish_replays(Some(json.clone())).await?;
        if let Ok(mut w) = self.replays_written.lock() {
            *w = Some(json);
        }
        Ok(())
    }

    pub fn lobby(&self) -> &Arc<Lobby> {
        &self.lobby
    }

    pub fn redis(&self) -> &RedisDirectory {
        &self.redis
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// A local room's record, as the cluster lists it.
    pub fn record_of(&self, room: &RoomShared) -> Value {
        let info = serde_json::to_value(room.info()).unwrap_or(Value::Null);
        let node = &self.redis.node;
        let mut record = records::room_record(info, &node.id, &node.public_url);
        if let Value::Object(map) = &mut record {
            if let Some(code) = &room.settings.invite {
                map.insert("invite_sha256".into(), records::invite_hash(code).into());
            }
            // Identities holding seats (hashed): a second join of one of them
            // gets a ticket even when the room is full.
            let seated: Vec<Value> = room
                .status
                .seated()
                .iter()
                .map(|sub| records::invite_hash(sub).into())
                .collect();
            if !seated.is_empty() {
                map.insert("seated_sha256".into(), Value::Array(seated));
            }
        }
        record
    }

    /// Start a room with a cluster-wide id on this node (idempotent).
    pub fn start_room(
        &self,
        id: &str,
        req: CreateRoom,
        creator: Option<std::net::IpAddr>,
    ) -> Result<Arc<RoomShared>, LobbyError> {
        let id = room_id(id).ok_or_else(|| LobbyError::Invalid(format!("bad room id {id}")))?;
        let room = self.lobby.adopt(id, req, creator)?;
        room.hub.set_tap(spec::tap(self, id.to_string()));
        Ok(room)
    }

    fn start_placed(&self, placed: &RoomRef) -> Result<Arc<RoomShared>, LobbyError> {
        // An older node names a map for rooms of games without maps too:
        // such a game gets none.
        let plays_on_maps = |game: Option<&str>| {
            (self.lobby().games().resolve(game)).is_ok_and(|g| g.entry().maps().is_some())
        };
        let req = CreateRoom {
            game: placed.game.clone(),
            map: placed
                .map
                .clone()
                .filter(|_| plays_on_maps(placed.game.as_deref())),
            max_players: Some(placed.max_players),
            ..CreateRoom::default()
        };
        let room = self.start_room(&placed.id_text(), req, None)?;
        self.redis
            .stats
            .placed_rooms
            .fetch_add(1, Ordering::Relaxed);
        Ok(room)
    }

    /// Leave placement now (SIGTERM); the heartbeat says so at once.
    pub fn drain(&self) {
        self.redis.set_draining();
        self.wake.notify_one();
    }

    /// Write one heartbeat; start the rooms matchmaking placed here meanwhile.
    /// Only room records that changed are written, all of them every
    /// `FULL_EVERY` (8) beats and whenever Redis has lost this node's rooms.
    pub async fn beat(&self) -> Result<(), DirectoryError> {
        let mut registered = self.registered.lock().await;
        registered.beats += 1;
        let full = registered.beats % FULL_EVERY == 0;
        let node = &self.redis.node;
        let rooms = self.lobby.rooms();
        let mut record = NodeRecord {
            id: node.id.clone(),
            url: node.public_url.clone(),
            rooms: 0,
            players: 0,
            spectators: 0,
            draining: self.redis.draining(),
            quic: node.quic.clone(),
            // The current hashes: a rotated certificate is announced within a beat.
            webtransport: node.webtransport.as_ref().map(NodeWebTransport::of),
        };
        let mut current = BTreeMap::new();
        let mut all = Vec::with_capacity(rooms.len());
        for room in &rooms {
            let info = room.info();
            if info.state != RoomState::Finished {
                record.rooms += 1;
                record.players += info.players;
            }
            record.spectators += info.spectators as u64;
            let id = info.id.to_string();
            room.hub.set_tap(spec::tap(self, id.clone()));
            let json = self.record_of(room);
            let print = fingerprint(&json, held_seats(room));
            let changed = registered.rooms.get(&id) != Some(&print);
            current.insert(id.clone(), print);
            all.push((id, json, Arc::clone(room), changed));
        }
        let removed: Vec<String> = registered
            .rooms
            .keys()
            .filter(|id| !current.contains_key(*id))
            .cloned()
            .collect();
        let entries = |only_changed: bool| -> Vec<(String, Value, String)> {
            all.iter()
                .filter(|(_, _, _, changed)| !only_changed || *changed)
                .map(|(id, json, room, _)| {
                    let seats = self.redis.seats_entry(|| held_seats(room));
                    (id.clone(), json.clone(), seats)
                })
                .collect()
        };
        let sent = entries(!full);
        let partial = sent.len() < all.len();
        let (fresh, mut placed) = self.redis.heartbeat(&record, &sent, &removed).await?;
        if fresh && partial {
            // Redis lost this node's rooms (restarted, or the node was presumed dead).
            placed = self.redis.heartbeat(&record, &entries(false), &[]).await?.1;
        }
        registered.rooms = current;
        for p in placed {
            if let Err(e) = self.start_placed(&p) {
                tracing::warn!(room = %p.id_text(), "cannot start a room placed here: {e}");
                // Listed as ours until the next beat removes it.
                registered.rooms.insert(p.id_text(), String::new());
            }
        }
        Ok(())
    }

    /// Use a ticket for this node: take the seat locally, then drop it from the
    /// cluster's pending seats in the same Redis step that counts it here.
    pub async fn redeem(&self, ticket: &str) -> Result<Seat, DirectoryError> {
        let record = self.redis.redeem(ticket).await?;
        let room = match room_id(&record.room).and_then(|id| self.lobby.get(id)) {
            Some(room) => room,
            None => match self.redis.placed_here(&record.room).await? {
                Some(placed) if placed.node == self.redis.node.id => self.start_placed(&placed)?,
                _ => return Err(LobbyError::NotFound.into()),
            },
        };
        let reserved = room.reserve_seat_for(record.sub.as_deref());
        let seats = self.redis.seats_entry(|| held_seats(&room));
        // If this fails the seat stays pending until the ticket's expiry: the
        // cluster under-counts free seats for a while, never over-counts them.
        if let Err(e) = self.redis.claim(&record.room, ticket, seats).await {
            tracing::debug!("claim after redeem: {e}");
        }
        if !reserved {
            let e = if room.state() == RoomState::Finished {
                LobbyError::Finished
            } else {
                LobbyError::Full
            };
            return Err(e.into());
        }
        // The room gives an identity it seats already that seat back.
        Ok(Seat {
            room,
            name: record.name,
            sub: record.sub,
        })
    }

    /// The heartbeat task: until `stop`, then remove this node from the cluster.
    pub async fn run(self: Arc<Self>, stop: CancellationToken) {
        let period = Duration::from_millis(self.redis.config.heartbeat_ms());
        let max_delay = Duration::from_millis(self.redis.config.node_ttl_ms);
        let mut delay = period;
        let spec_rx = self.spec_rx.lock().ok().and_then(|mut rx| rx.take());
        let publisher = spec_rx.map(|rx| tokio::spawn(spec::publish_loop(Arc::clone(&self), rx)));
        loop {
            let beat = match self.beat().await {
                Ok(()) => match self.publish_replays().await {
                    Ok(()) => self.hold_watched().await,
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            };
            match beat {
                Ok(()) => {
                    if !self.healthy.swap(true, Ordering::AcqRel) {
                        let rooms = self.registered.lock().await.rooms.len();
                        tracing::info!("redis is back: node and {rooms} rooms registered again");
                    }
                    delay = period;
                }
                Err(e) => {
                    if self.healthy.swap(false, Ordering::AcqRel) {
                        tracing::warn!("redis unavailable, matches go on; retrying: {e}");
                    }
                    delay = (delay * 2).min(max_delay);
                }
            }
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = tokio::time::sleep(delay) => {}
                _ = self.wake.notified() => {}
                // Redis answers again: register at once, not after the backoff.
                _ = self.redis.recovered() => {}
            }
        }
        if let Some(publisher) = publisher {
            publisher.abort();
        }
        if let Err(e) = self.redis.leave().await {
            tracing::debug!("leaving the cluster: {e}");
        }
    }
}
