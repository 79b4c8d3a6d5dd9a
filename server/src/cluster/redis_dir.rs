//! The Redis directory: one connection manager (multiplexed, reconnecting), the
//! scripts of [`super::scripts`], and the answers built from their replies.
//!
//! Every call is bounded by `[cluster] redis_timeout_ms`; a failed call is counted
//! and surfaces as [`DirectoryError::Unavailable`] (HTTP 503). A call that timed
//! out or lost its connection opens the [`Breaker`]: lobby calls then fail fast
//! ([`RedisDirectory::available`]) until Redis answers again.

use super::breaker::Breaker;
use super::directory::{Caller, DirectoryError, GameMap};
use super::records::{self, NodeRecord, RoomRef, TicketRecord};
use super::{ClusterConfig, ClusterStats, scripts};
use crate::net::quic::WebTransportOffer;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use thiserror::Error;

/// Why the cluster could not start.
#[derive(Debug, Error)]
pub enum ClusterError {
    #[error("bad redis URL {url}: {source}")]
    Url {
        url: String,
        source: redis::RedisError,
    },
    #[error("cannot reach redis at {url}: {message}")]
    Connect { url: String, message: String },
}

/// A ticket a seat script issued: the join answer, and whether it replaced the
/// caller's oldest unredeemed ticket in that room.
#[derive(Debug, Clone)]
pub struct Issued {
    pub answer: Value,
    pub replaced: bool,
}

/// What this node tells the cluster about itself (besides its rooms).
#[derive(Debug, Clone)]
pub struct NodeIdentity {
    pub id: String,
    pub public_url: String,
    /// The node's QUIC announcement, when it offers QUIC.
    pub quic: Option<Value>,
    /// The node's WebTransport offer, when it makes one (its hashes are read at
    /// each heartbeat).
    pub webtransport: Option<WebTransportOffer>,
}

/// The Redis implementation of the directory.
pub struct RedisDirectory {
    pub node: NodeIdentity,
    pub config: ClusterConfig,
    redis_url: String,
    pub(super) client: redis::Client,
    pub(super) conn: ConnectionManager,
    pub(super) timeout: Duration,
    draining: AtomicBool,
    /// Write sequence of this node's seat counts (newer writes win in Redis).
    seq: Mutex<u64>,
    pub stats: Arc<ClusterStats>,
    /// Whether Redis answers, as this node's calls found.
    pub(super) breaker: Arc<Breaker>,
}

impl RedisDirectory {
    /// Connect to `config.redis` (the first connection must succeed).
    pub async fn connect(
        config: &ClusterConfig,
        node: NodeIdentity,
    ) -> Result<RedisDirectory, ClusterError> {
        let url = config.redis.clone().unwrap_or_default();
        let client = redis::Client::open(url.as_str()).map_err(|source| ClusterError::Url {
            url: records::redacted(&url),
            source,
        })?;
        let timeout = Duration::from_millis(config.redis_timeout_ms);
        let manager = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(1000));
        let conn = tokio::time::timeout(
            timeout * 3,
            ConnectionManager::new_with_config(client.clone(), manager),
        )
        .await
        .map_err(|_| ClusterError::Connect {
            url: records::redacted(&url),
            message: "timed out".into(),
        })?
        .map_err(|e| ClusterError::Connect {
            url: records::redacted(&url),
            message: e.to_string(),
        })?;
        Ok(RedisDirectory {
            node,
            config: config.clone(),
            redis_url: url,
            client,
            conn,
            timeout,
            draining: AtomicBool::new(false),
            seq: Mutex::new(0),
            stats: Arc::new(ClusterStats::default()),
            breaker: Arc::new(Breaker::default()),
        })
    }

    /// The Redis URL, password hidden.
    pub fn redis_url(&self) -> String {
        records::redacted(&self.redis_url)
    }

    pub(super) fn prefix(&self) -> &str {
        &self.config.key_prefix
    }

    /// Leave placement (SIGTERM): the next heartbeat says so.
    pub fn set_draining(&self) {
        self.draining.store(true, Ordering::Release);
    }

    pub fn draining(&self) -> bool {
        self.draining.load(Ordering::Acquire)
    }

    /// Every live node's room records (private ones too).
    pub async fn list_rooms(&self) -> Result<Vec<Value>, DirectoryError> {
        let raws: Vec<String> = self.run(&scripts::LIST_ROOMS.arg(self.prefix())).await?;
        Ok(raws
            .iter()
            .filter_map(|raw| serde_json::from_str(raw).ok())
            .collect())
    }

    /// The live nodes.
    pub async fn nodes(&self) -> Result<Vec<NodeRecord>, DirectoryError> {
        let raws: Vec<String> = self.run(&scripts::LIST_NODES.arg(self.prefix())).await?;
        Ok(raws
            .iter()
            .filter_map(|raw| serde_json::from_str(raw).ok())
            .collect())
    }

    /// A room's record, wherever it lives.
    pub async fn room(&self, id: &str) -> Result<Option<Value>, DirectoryError> {
        let reply: Option<Vec<String>> = self
            .run(scripts::GET_ROOM.arg(self.prefix()).arg(id))
            .await?;
        Ok(reply
            .as_ref()
            .and_then(|r| r.first())
            .and_then(|raw| serde_json::from_str(raw).ok()))
    }

    /// The ticket of a seat script's `ok` reply (`room` json, `node` json, replaced).
    fn issued(&self, ticket: &str, reply: &[String]) -> Issued {
        Issued {
            answer: self.answer(ticket, reply.get(1), reply.get(2)),
            replaced: reply.get(3).map(String::as_str) == Some("1"),
        }
    }

    /// The join answer for a ticket issued by a script (`room`, `node` json).
    fn answer(&self, ticket: &str, room: Option<&String>, node: Option<&String>) -> Value {
        let room: Value = room
            .and_then(|r| serde_json::from_str(r).ok())
            .unwrap_or(Value::Null);
        let node: Option<NodeRecord> = node.and_then(|n| serde_json::from_str(n).ok());
        let url = node
            .as_ref()
            .map_or_else(|| self.node.public_url.clone(), |n| n.url.clone());
        let mut answer = json!({
            "ticket": ticket,
            "ws_url": format!("{}/ws?ticket={ticket}", records::ws_base(&url)),
            "room": records::public_room(room),
        });
        if let Some(mut quic) = node.as_ref().and_then(|n| n.quic.clone()) {
            // The owning node's host: clients may not reach it at the lobby's host.
            if let Value::Object(q) = &mut quic {
                q.insert("host".into(), Value::String(records::url_host(&url)));
            }
            answer["quic"] = quic;
        }
        if let Some(wt) = node.as_ref().and_then(|n| n.webtransport.as_ref()) {
            let info = wt.info(records::url_host(&url), ticket);
            answer["webtransport"] = serde_json::to_value(info).unwrap_or(Value::Null);
        }
        answer
    }

    fn ticket_ttl_ms(ttl: Duration) -> u64 {
        u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
    }

    /// Grace of an address's room budget: how long a counted room may take to be
    /// listed (it is written before the creator's answer; twice the node TTL).
    pub(super) fn budget_grace_ms(&self) -> u64 {
        self.config.node_ttl_ms.saturating_mul(2)
    }

    /// Matchmaking across the cluster (one atomic script): of the rooms of `game`'s
    /// game and map, the open one with the most seats taken,
    /// else (when `who` may create rooms and its address has room budget left) a
    /// new room on the live node with the fewest seats; within `who`'s ticket
    /// limits.
    pub async fn matchmake(
        &self,
        name: &str,
        game: &GameMap<'_>,
        ticket_ttl: Duration,
        max_players: u32,
        who: &Caller<'_>,
    ) -> Result<Issued, DirectoryError> {
        use crate::lobby::LobbyError;
        let ticket = crate::secrets::random_token();
        let reply: Vec<String> = self
            .run(
                scripts::MATCHMAKE
                    .arg(self.prefix())
                    // "": a game without maps (the script then matches any map).
                    .arg(game.map.unwrap_or(""))
                    .arg(name)
                    .arg(&ticket)
                    .arg(Self::ticket_ttl_ms(ticket_ttl))
                    .arg(max_players)
                    // Used only when the script opens a room (65 random bits: unique).
                    .arg(crate::room::RoomId::random().to_string())
                    .arg(who.sub.unwrap_or(""))
                    .arg(if who.may_create { "1" } else { "0" })
                    .arg(who.address())
                    .arg(who.max_rooms)
                    .arg(self.budget_grace_ms())
                    .arg(who.tickets.max_tickets_per_ip)
                    .arg(who.tickets.max_tickets_per_ip_per_room.unwrap_or(0))
                    .arg(game.game)
                    .arg(game.default_game),
            )
            .await?;
        match reply.first().map(String::as_str) {
            Some("ok") => Ok(self.issued(&ticket, &reply)),
            Some("refused") => Err(LobbyError::CreateRefused.into()),
            Some("ip_rooms") => Err(LobbyError::AddressRooms(who.max_rooms).into()),
            Some("ip_tickets") => {
                Err(LobbyError::AddressTickets(who.tickets.max_tickets_per_ip).into())
            }
            Some("err") => Err(DirectoryError::NoNode(
                reply.get(1).cloned().unwrap_or_default(),
            )),
            _ => Err(self.unavailable("unexpected matchmake reply".into())),
        }
    }

    /// A seat in a given room, wherever it lives (`who.sub`, the caller's
    /// identity, gets its held seat back even in a full room), within `who`'s
    /// ticket limits.
    pub async fn join(
        &self,
        room: &str,
        name: &str,
        invite_hash: &str,
        ticket_ttl: Duration,
        who: &Caller<'_>,
    ) -> Result<Issued, DirectoryError> {
        let sub = who.sub;
        use crate::lobby::LobbyError;
        let ticket = crate::secrets::random_token();
        let reply: Vec<String> = self
            .run(
                scripts::JOIN
                    .arg(self.prefix())
                    .arg(room)
                    .arg(name)
                    .arg(&ticket)
                    .arg(Self::ticket_ttl_ms(ticket_ttl))
                    .arg(invite_hash)
                    .arg(sub.unwrap_or(""))
                    .arg(sub.map(records::invite_hash).unwrap_or_default())
                    .arg(who.address())
                    .arg(who.tickets.max_tickets_per_ip)
                    .arg(who.tickets.max_tickets_per_ip_per_room.unwrap_or(0)),
            )
            .await?;
        match reply.first().map(String::as_str) {
            Some("ok") => Ok(self.issued(&ticket, &reply)),
            Some("full") => Err(LobbyError::Full.into()),
            Some("ip_tickets") => {
                Err(LobbyError::AddressTickets(who.tickets.max_tickets_per_ip).into())
            }
            Some("finished") => Err(LobbyError::Finished.into()),
            _ => Err(LobbyError::NotFound.into()),
        }
    }

    /// Use a ticket once, cluster-wide. Only tickets for this node are used here.
    pub async fn redeem(&self, ticket: &str) -> Result<TicketRecord, DirectoryError> {
        self.ticket_script(&scripts::REDEEM, ticket).await
    }

    /// Check a ticket without using it: live, for this node and for a room this
    /// node lists (a WebTransport URL; the `Hello` then [`Self::redeem`]s it).
    pub async fn check_ticket(&self, ticket: &str) -> Result<TicketRecord, DirectoryError> {
        self.ticket_script(&scripts::CHECK, ticket).await
    }

    /// Run a ticket script ([`scripts::REDEEM`], [`scripts::CHECK`]) for this node.
    async fn ticket_script(
        &self,
        script: &redis::Script,
        ticket: &str,
    ) -> Result<TicketRecord, DirectoryError> {
        use crate::lobby::LobbyError;
        use crate::lobby::tickets::TicketError;
        let reply: Vec<String> = self
            .run(script.arg(self.prefix()).arg(ticket).arg(&self.node.id))
            .await?;
        let record = reply
            .get(1)
            .and_then(|raw| serde_json::from_str::<TicketRecord>(raw).ok());
        match (reply.first().map(String::as_str), record) {
            (Some("ok"), Some(record)) => Ok(record),
            (Some("no_room"), Some(_)) => Err(LobbyError::NotFound.into()),
            (Some("wrong"), Some(record)) => {
                self.stats
                    .wrong_node_tickets
                    .fetch_add(1, Ordering::Relaxed);
                if reply.get(2).map(String::as_str) == Some("1") {
                    Err(DirectoryError::WrongNode(record.node))
                } else {
                    Err(DirectoryError::NodeGone(record.node))
                }
            }
            _ => Err(TicketError::Unknown.into()),
        }
    }

    /// `seats:seq` for a seat count read now (sequence taken in read order).
    pub fn seats_entry(&self, read: impl FnOnce() -> u32) -> String {
        let mut seq = self.seq.lock().unwrap_or_else(|e| e.into_inner());
        let seats = read();
        *seq += 1;
        format!("{seats}:{}", *seq)
    }

    /// A redeemed ticket's seat now counts in this node's seats of `room`.
    pub async fn claim(
        &self,
        room: &str,
        ticket: &str,
        seats: String,
    ) -> Result<(), DirectoryError> {
        let _: i64 = self
            .run(
                scripts::CLAIM
                    .arg(self.prefix())
                    .arg(&self.node.id)
                    .arg(room)
                    .arg(ticket)
                    .arg(seats),
            )
            .await?;
        Ok(())
    }

    /// Write the heartbeat: this node, its rooms (id, record, `seats:seq`; those that
    /// changed) and the ids it no longer has. Returns whether Redis held none of its
    /// rooms before (so all must be written), and the room records placed here and
    /// not yet started.
    pub async fn heartbeat(
        &self,
        node: &NodeRecord,
        rooms: &[(String, Value, String)],
        removed: &[String],
    ) -> Result<(bool, Vec<RoomRef>), DirectoryError> {
        let node_json = serde_json::to_string(node).unwrap_or_default();
        let mut inv = scripts::HEARTBEAT.prepare_invoke();
        inv.arg(self.prefix())
            .arg(&self.node.id)
            .arg(node_json)
            .arg(self.config.node_ttl_ms)
            .arg(rooms.len());
        for (id, record, seats) in rooms {
            inv.arg(id).arg(record.to_string()).arg(seats);
        }
        for id in removed {
            inv.arg(id);
        }
        let raws: Vec<String> = self.run(&inv).await?;
        self.stats.heartbeats.fetch_add(1, Ordering::Relaxed);
        let fresh = raws.first().map(String::as_str) == Some("1");
        let placed = raws
            .iter()
            .skip(1)
            .filter_map(|raw| serde_json::from_str::<RoomRef>(raw).ok())
            .filter(|r| r.node == self.node.id)
            .collect();
        Ok((fresh, placed))
    }

    /// The record of a room placed on this node (to start it at its first ticket).
    pub async fn placed_here(&self, room: &str) -> Result<Option<RoomRef>, DirectoryError> {
        let key = format!("{}:rooms:{}", self.prefix(), self.node.id);
        let raw: Option<String> = self.query(redis::cmd("HGET").arg(key).arg(room)).await?;
        Ok(raw.and_then(|raw| serde_json::from_str::<RoomRef>(&raw).ok()))
    }

    /// Remove this node and its rooms (clean shutdown).
    pub async fn leave(&self) -> Result<(), DirectoryError> {
        let _: i64 = self
            .run(scripts::LEAVE.arg(self.prefix()).arg(&self.node.id))
            .await?;
        Ok(())
    }
}
