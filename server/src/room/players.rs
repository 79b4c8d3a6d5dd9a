//! The player table of one room: seats, resume tokens, links to sessions, and
//! players held for a grace period after their connection dropped.

use super::inputs::InputBuffer;
use super::{Control, JoinRefused, Joined, SessionLink, SnapshotFrame};
use bytes::Bytes;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tickcast_shared::codec::encode_server;
use tickcast_shared::protocol::{ErrorCode, NetId, PlayerId, ServerMsg, Tick};
use tokio::sync::{mpsc, oneshot, watch};

/// The room's end of a session.
pub struct LinkTx {
    pub conn: u64,
    pub snapshots: watch::Sender<SnapshotFrame>,
    pub control: mpsc::Sender<Control>,
}

impl LinkTx {
    /// Queue a control frame; false when the session's queue is full or gone.
    pub fn send(&self, control: Control) -> bool {
        self.control.try_send(control).is_ok()
    }
}

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
    pub token: String,
    pub entity: Option<NetId>,
    pub inputs: InputBuffer,
    /// Newest snapshot tick the client says it applied.
    pub acked: Option<Tick>,
    pub link: Option<LinkTx>,
    /// When the connection dropped (held for resume until the grace period ends).
    pub dropped_at: Option<Instant>,
}

type Reply = oneshot::Sender<Result<Joined, JoinRefused>>;

/// Fixed facts a Welcome carries.
#[derive(Debug, Clone)]
pub struct WelcomeInfo {
    pub tick_rate: u16,
    pub send_rate: u16,
    pub map: String,
    pub room: super::RoomId,
}

/// All players of a room.
pub struct PlayerTable {
    pub players: BTreeMap<PlayerId, Player>,
    pending: Vec<(PlayerId, Reply, SessionLink)>,
    next_id: u32,
    next_conn: u64,
    queue: usize,
    input_buffer: usize,
    info: WelcomeInfo,
}

impl PlayerTable {
    pub fn new(info: WelcomeInfo, queue: usize, input_buffer: usize) -> PlayerTable {
        PlayerTable {
            players: BTreeMap::new(),
            pending: Vec::new(),
            next_id: 1,
            next_conn: 1,
            queue: queue.max(2),
            input_buffer,
            info,
        }
    }

    fn new_link(&mut self) -> (LinkTx, SessionLink) {
        let conn = self.next_conn;
        self.next_conn += 1;
        let (snap_tx, snap_rx) = watch::channel(SnapshotFrame::default());
        let (ctl_tx, ctl_rx) = mpsc::channel(self.queue);
        (
            LinkTx {
                conn,
                snapshots: snap_tx,
                control: ctl_tx,
            },
            SessionLink {
                snapshots: snap_rx,
                control: ctl_rx,
            },
        )
    }

    /// Seat a new player; it enters the world on the next tick, and the session is
    /// answered after that tick (the Welcome names its entity). Returns its id.
    pub fn join(&mut self, name: String, reply: Reply) -> PlayerId {
        let id = PlayerId(self.next_id);
        self.next_id += 1;
        let token = crate::lobby::token::resume_token(self.info.room);
        let (tx, link) = self.new_link();
        self.players.insert(
            id,
            Player {
                id,
                name,
                token,
                entity: None,
                inputs: InputBuffer::new(self.input_buffer),
                acked: None,
                link: Some(tx),
                dropped_at: None,
            },
        );
        self.pending.push((id, reply, link));
        id
    }

    /// Answer the sessions of players who entered the world at `tick`.
    pub fn welcome_joined(&mut self, tick: Tick, entity_of: impl Fn(PlayerId) -> Option<NetId>) {
        for (id, reply, link) in std::mem::take(&mut self.pending) {
            let Some(player) = self.players.get_mut(&id) else {
                continue;
            };
            player.entity = entity_of(id);
            let joined = welcome(&self.info, player, tick, link);
            if reply.send(Ok(joined)).is_err() {
                // The session went away before its Welcome: hold the seat for resume.
                player.link = None;
                player.dropped_at = Some(Instant::now());
            }
        }
    }

    /// Give a held (or still connected) player to a new connection.
    pub fn resume(&mut self, token: &str, tick: Tick, reply: Reply) {
        let Some(id) = self
            .players
            .values()
            .find(|p| p.token == token && p.entity.is_some())
            .map(|p| p.id)
        else {
            let _ = reply.send(Err(JoinRefused {
                code: ErrorCode::BadResumeToken,
                reason: "unknown or expired resume token".into(),
            }));
            return;
        };
        let (tx, link) = self.new_link();
        let info = self.info.clone();
        let Some(player) = self.players.get_mut(&id) else {
            return;
        };
        if let Some(old) = player.link.replace(tx) {
            old.send(Control::Close(
                4001,
                "replaced by a resumed connection".into(),
            ));
        }
        player.dropped_at = None;
        player.acked = None;
        let joined = welcome(&info, player, tick, link);
        if reply.send(Ok(joined)).is_err() {
            player.link = None;
            player.dropped_at = Some(Instant::now());
        }
    }

    /// `player`, if `conn` is its current connection.
    pub fn connected(&mut self, player: PlayerId, conn: u64) -> Option<&mut Player> {
        self.players
            .get_mut(&player)
            .filter(|p| p.link.as_ref().is_some_and(|l| l.conn == conn))
    }

    /// The connection `conn` of `player` dropped.
    pub fn disconnect(&mut self, player: PlayerId, conn: u64) {
        if let Some(p) = self.players.get_mut(&player) {
            if p.link.as_ref().is_some_and(|l| l.conn == conn) {
                p.link = None;
                p.dropped_at = Some(Instant::now());
            }
        }
    }

    /// Remove `player` if `conn` is its current connection; true when removed.
    pub fn leave(&mut self, player: PlayerId, conn: u64) -> bool {
        let current = self
            .players
            .get(&player)
            .is_some_and(|p| p.link.as_ref().is_some_and(|l| l.conn == conn));
        current && self.players.remove(&player).is_some()
    }

    /// Remove players held longer than `grace`; returns their ids.
    pub fn expire(&mut self, now: Instant, grace: Duration) -> Vec<PlayerId> {
        let gone: Vec<PlayerId> = self
            .players
            .values()
            .filter(|p| p.dropped_at.is_some_and(|t| now.duration_since(t) >= grace))
            .map(|p| p.id)
            .collect();
        for id in &gone {
            self.players.remove(id);
        }
        gone
    }

    pub fn len(&self) -> usize {
        self.players.len()
    }

    pub fn is_empty(&self) -> bool {
        self.players.is_empty()
    }

    /// Every connected link.
    pub fn links(&self) -> impl Iterator<Item = &LinkTx> {
        self.players.values().filter_map(|p| p.link.as_ref())
    }
}

fn welcome(info: &WelcomeInfo, player: &Player, tick: Tick, link: SessionLink) -> Joined {
    let entity = player.entity.unwrap_or_default();
    let conn = player.link.as_ref().map(|l| l.conn).unwrap_or_default();
    let msg = ServerMsg::Welcome {
        player: player.id,
        entity,
        tick_rate: info.tick_rate,
        send_rate: info.send_rate,
        resume_token: player.token.clone(),
        map: info.map.clone(),
        tick,
    };
    Joined {
        player: player.id,
        entity,
        conn,
        welcome: Bytes::from(encode_server(&msg)),
        link,
    }
}
