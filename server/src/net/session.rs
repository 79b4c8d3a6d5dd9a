//! A player's session, whatever carries it: the `Hello` handshake, claiming the seat
//! (ticket or resume token), joining the room, and then the loop that moves inputs to
//! the room and snapshots, events and pongs to the player.
//!
//! A transport implements [`Link`] (bytes and close codes) and hands it to
//! [`Session::start`]; the WebSocket ([`super::ws`]) and QUIC ([`super::quic`]) links
//! share everything here. Close codes are the WebSocket ones on every transport (see
//! `tickcast_shared::quic::close`).

use super::input_rate::{InputRate, Verdict};
use crate::ctx::ServerCtx;
use crate::lobby::tickets::Seat;
use crate::metrics::{Transport, TransportMetrics};
use crate::room::{Control, JoinAuth, JoinRefused, Joined, RoomCmd, RoomShared, current_tick};
use bytes::Bytes;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tickcast_shared::codec::encode_server;
use tickcast_shared::protocol::{
    ClientMsg, ErrorCode, HelloAuth, MAX_INPUTS_PER_MESSAGE, PROTOCOL_VERSION, PlayerId, ServerMsg,
};
use tickcast_shared::quic::close;
use tokio::sync::oneshot;

/// The connection is gone (or could not write in time).
#[derive(Debug)]
pub struct LinkDown;

/// What a link read.
#[derive(Debug)]
pub enum Incoming {
    /// A decoded client message.
    Msg(ClientMsg),
    /// The answer to a transport-level ping: the round-trip time it measured.
    Rtt(Duration),
    /// Something for the transport alone (nothing for the session).
    Nothing,
    /// The peer went away.
    Gone,
    /// A frame that deserves this close code and reason.
    Bad(u16, String),
}

/// One player connection's bytes: what a transport provides to a [`Session`].
///
/// `recv` must be cancel-safe (it runs in a `select!` against snapshots).
pub trait Link: Send {
    /// Which transport this is (the `transport` label in /metrics).
    const TRANSPORT: Transport;
    /// A message that must arrive, in order (welcome, pong, events, errors).
    fn send(&mut self, bytes: Bytes) -> impl Future<Output = Result<(), LinkDown>> + Send;
    /// A snapshot. `Ok(true)` when the transport is reliable and ordered, so the
    /// written snapshot will be applied and may serve as a baseline at once.
    fn send_snapshot(
        &mut self,
        bytes: Bytes,
    ) -> impl Future<Output = Result<bool, LinkDown>> + Send;
    /// The next frame from the peer.
    fn recv(&mut self) -> impl Future<Output = Incoming> + Send;
    /// Measure the round-trip time: now (`Some`) or later through [`Incoming::Rtt`].
    fn ping(
        &mut self,
        nonce: u64,
    ) -> impl Future<Output = Result<Option<Duration>, LinkDown>> + Send;
    /// Close with a code and a reason (bounded in time; errors ignored).
    fn close(&mut self, code: u16, reason: &str) -> impl Future<Output = ()> + Send;
}

/// How this connection claims its seat.
pub enum Entry {
    /// A ticket redeemed before the transport was set up (WebSocket URL).
    Seat(SeatGuard, String),
    /// A resume token checked before the transport was set up (WebSocket URL).
    Resume(Arc<RoomShared>, String),
    /// Whatever the `Hello` presents (QUIC): checked against the lobby then.
    FromHello,
}

/// A redeemed seat; given back to the room unless a Join took it over.
pub struct SeatGuard(pub Option<Seat>);

impl SeatGuard {
    fn take(&mut self) -> Option<Seat> {
        self.0.take()
    }
}

impl Drop for SeatGuard {
    fn drop(&mut self) {
        if let Some(seat) = self.0.take() {
            seat.room.release_seat();
        }
    }
}

/// Why a session ended early (only used to unwind; the peer got a close).
struct Closed;

/// A player's session over some [`Link`].
pub struct Session<L: Link> {
    link: L,
    state: ServerCtx,
    /// This transport's series in /metrics.
    stats: TransportMetrics,
}

impl<L: Link> Session<L> {
    /// Run the session to its end; `sessions` in /metrics counts it meanwhile.
    pub async fn start(link: L, entry: Entry, state: ServerCtx) {
        let stats = state.metrics.transport(L::TRANSPORT).clone();
        stats.sessions.inc();
        let mut session = Session { link, state, stats };
        let _ = session.run(entry).await;
        session.stats.sessions.dec();
    }

    async fn close(&mut self, code: u16, reason: &str) -> Closed {
        self.link.close(code, reason).await;
        Closed
    }

    async fn reject(&mut self, code: u16, reason: String) -> Closed {
        self.state.metrics.frames_rejected.inc();
        self.close(code, &reason).await
    }

    fn sent(&self, len: usize) {
        self.stats.bytes_sent.inc_by(len as u64);
    }

    async fn send(&mut self, bytes: Bytes) -> Result<(), Closed> {
        let len = bytes.len();
        let limit = crate::config::secs(self.state.config.idle_timeout_secs);
        match tokio::time::timeout(limit, self.link.send(bytes)).await {
            Ok(Ok(())) => {
                self.sent(len);
                Ok(())
            }
            _ => Err(Closed),
        }
    }

    async fn send_msg(&mut self, msg: &ServerMsg) -> Result<(), Closed> {
        self.send(Bytes::from(encode_server(msg))).await
    }

    /// What a read (or its timeout) means for the session; closes when it must.
    /// Kept apart from the read itself so that, in a `select!`, only the
    /// cancel-safe read races the other branches and a close is never cut short.
    async fn judge(
        &mut self,
        heard: Result<Incoming, tokio::time::error::Elapsed>,
    ) -> Result<Option<ClientMsg>, Closed> {
        match heard {
            Err(_) => Err(self.close(close::GOING_AWAY, "idle timeout").await),
            Ok(Incoming::Msg(msg)) => Ok(Some(msg)),
            Ok(Incoming::Rtt(rtt)) => {
                self.stats.rtt.observe(rtt.as_secs_f64());
                tracing::trace!(rtt_ms = rtt.as_secs_f64() * 1e3, "pong");
                Ok(None)
            }
            Ok(Incoming::Nothing) => Ok(None),
            Ok(Incoming::Gone) => Err(Closed),
            Ok(Incoming::Bad(code, reason)) => Err(self.reject(code, reason).await),
        }
    }

    /// The `Hello`, before an absolute deadline: transport pings, pongs or anything
    /// else the peer sends first do not extend it. A seat redeemed at the URL is
    /// given back when the deadline passes (the entry's guard drops).
    async fn hello(&mut self) -> Result<(u16, HelloAuth, String), Closed> {
        let wait = crate::config::secs(self.state.config.hello_timeout_secs);
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let heard = match tokio::time::timeout_at(deadline, self.link.recv()).await {
                Ok(heard) => Ok(heard),
                Err(_) => {
                    self.state.metrics.limits.hello_timeouts.inc();
                    let reason = format!("no Hello within {} s", wait.as_secs_f64());
                    return Err(self.close(close::POLICY, &reason).await);
                }
            };
            match self.judge(heard).await? {
                Some(ClientMsg::Hello {
                    version,
                    auth,
                    name,
                }) => return Ok((version, auth, name)),
                Some(_) => {
                    let reason = "the first message must be Hello".into();
                    return Err(self.reject(close::POLICY, reason).await);
                }
                None => continue,
            }
        }
    }

    /// The room, how to join it and the player's name, from the entry and the Hello.
    async fn claim(
        &mut self,
        entry: &mut Entry,
        auth: HelloAuth,
        name: String,
    ) -> Result<(Arc<RoomShared>, JoinAuth, String, Option<SeatGuard>), Closed> {
        let mismatch = "Hello auth does not match the URL";
        let mut from_hello;
        let guard = match (entry, auth) {
            (Entry::Seat(guard, ticket), HelloAuth::Ticket(t)) if *ticket == t => guard,
            (Entry::Resume(room, token), HelloAuth::Resume(t)) if *token == t => {
                return Ok((Arc::clone(room), JoinAuth::Resume(t), name, None));
            }
            (Entry::FromHello, HelloAuth::Ticket(t)) => {
                match self.state.directory.redeem(Some(&t)).await {
                    Ok(seat) => {
                        from_hello = SeatGuard(Some(seat));
                        &mut from_hello
                    }
                    Err(e) => return Err(self.reject(close::UNAUTHORIZED, e.to_string()).await),
                }
            }
            (Entry::FromHello, HelloAuth::Resume(t)) => match self.state.lobby.room_of_token(&t) {
                Some(room) => return Ok((room, JoinAuth::Resume(t), name, None)),
                None => {
                    let reason = "unknown or expired resume token".into();
                    return Err(self.reject(close::UNAUTHORIZED, reason).await);
                }
            },
            _ => return Err(self.reject(close::POLICY, mismatch.into()).await),
        };
        let Some(seat) = guard.take() else {
            return Err(self.close(close::INTERNAL, "seat lost").await);
        };
        let name = if seat.name.is_empty() {
            name
        } else {
            seat.name.clone()
        };
        let room = Arc::clone(&seat.room);
        let auth = JoinAuth::Seat {
            sub: seat.sub.clone(),
        };
        Ok((room, auth, name, Some(SeatGuard(Some(seat)))))
    }

    async fn run(&mut self, mut entry: Entry) -> Result<(), Closed> {
        let (version, auth, name) = self.hello().await?;
        if version != PROTOCOL_VERSION {
            let reason = format!(
                "protocol version mismatch: server speaks {PROTOCOL_VERSION}, client sent {version}"
            );
            let err = ServerMsg::Error {
                code: ErrorCode::VersionMismatch,
                reason: reason.clone(),
            };
            let _ = self.send_msg(&err).await;
            return Err(self.reject(close::PROTOCOL, reason).await);
        }
        let (room, join_auth, name, mut seat) = self.claim(&mut entry, auth, name).await?;
        let (reply, answer) = oneshot::channel();
        let cmd = RoomCmd::Join {
            name,
            auth: join_auth,
            reply,
        };
        if room.inbox.send(cmd).await.is_err() {
            return Err(self.close(close::NORMAL, "room finished").await);
        }
        // The room took the seat over with the Join (or gives it back itself).
        if let Some(guard) = seat.as_mut() {
            guard.take();
        }
        let joined = match answer.await {
            Ok(Ok(joined)) => joined,
            Ok(Err(JoinRefused { code, reason })) => {
                let err = ServerMsg::Error {
                    code,
                    reason: reason.clone(),
                };
                let _ = self.send_msg(&err).await;
                return Err(self.close(close::POLICY, &reason).await);
            }
            Err(_) => return Err(self.close(close::NORMAL, "room finished").await),
        };
        self.play(room, joined).await
    }
}

impl<L: Link> Session<L> {
    /// Seated: inputs to the room; snapshots, events and pongs to the player.
    async fn play(&mut self, room: Arc<RoomShared>, joined: Joined) -> Result<(), Closed> {
        let Joined {
            player,
            conn,
            welcome,
            mut link,
            ..
        } = joined;
        let mut drop_guard = DisconnectGuard {
            room: Arc::clone(&room),
            player,
            conn,
            armed: true,
        };
        self.send(welcome).await?;
        let config = &self.state.config;
        let mut rate = InputRate::new(&config.input, config.tick_rate, Instant::now());
        let idle = crate::config::secs(self.state.config.idle_timeout_secs);
        let period = crate::config::secs(self.state.config.ping_interval_secs)
            .max(Duration::from_millis(100));
        let mut pings = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        let mut nonce = 0u64;
        // Newest input sequence handed to the room: repeated inputs (redundant copies in
        // `Inputs`) stop here instead of counting as drops in the room.
        let mut newest_input = None;
        loop {
            tokio::select! {
                biased;
                ctl = link.control.recv() => match ctl {
                    Some(Control::Frame(frame)) => self.send(frame).await?,
                    Some(Control::Close(code, reason)) => {
                        drop_guard.armed = code != close::NORMAL && code != close::REPLACED;
                        return Err(self.close(code, &reason).await);
                    }
                    None => return Err(self.close(close::NORMAL, "room finished").await),
                },
                heard = tokio::time::timeout(idle, self.link.recv()) => match self.judge(heard).await? {
                    Some(msg @ (ClientMsg::Input(_) | ClientMsg::Inputs(_))) => {
                        let cmds = match msg {
                            ClientMsg::Inputs(cmds) if cmds.len() > MAX_INPUTS_PER_MESSAGE => {
                                let reason = format!(
                                    "{} inputs in one message (at most {MAX_INPUTS_PER_MESSAGE})",
                                    cmds.len()
                                );
                                return Err(self.reject(close::POLICY, reason).await);
                            }
                            ClientMsg::Inputs(cmds) => cmds,
                            ClientMsg::Input(cmd) => vec![cmd],
                            _ => Vec::new(),
                        };
                        for cmd in cmds {
                            // Redundant copies (QUIC datagrams carry the newest few)
                            // stop here: each sequence goes to the room once.
                            if newest_input.is_some_and(|n| cmd.seq <= n) {
                                continue;
                            }
                            newest_input = Some(cmd.seq);
                            match rate.check(Instant::now()) {
                                Verdict::Admit => self.input(&room, RoomCmd::Input { player, conn, cmd }),
                                Verdict::Drop => {
                                    self.state.metrics.limits.inputs_rate_limited.inc();
                                }
                                Verdict::Flood => {
                                    self.state.metrics.limits.inputs_rate_limited.inc();
                                    self.state.metrics.limits.input_floods.inc();
                                    let reason = format!("input flood: over {} inputs/s", rate.rate());
                                    return Err(self.reject(close::POLICY, reason).await);
                                }
                            }
                        }
                    }
                    Some(ClientMsg::Ping { nonce }) => {
                        let pong = ServerMsg::Pong { nonce, tick: current_tick(&room) };
                        self.send_msg(&pong).await?;
                    }
                    Some(ClientMsg::Leave) => {
                        drop_guard.armed = false;
                        let _ = room.inbox.send(RoomCmd::Leave { player, conn }).await;
                        return Err(self.close(close::NORMAL, "left the room").await);
                    }
                    Some(ClientMsg::Hello { .. }) => {
                        return Err(self.reject(close::POLICY, "Hello sent twice".into()).await);
                    }
                    None => {}
                },
                _ = pings.tick() => {
                    nonce += 1;
                    match tokio::time::timeout(Duration::from_secs(2), self.link.ping(nonce)).await {
                        Ok(Ok(Some(rtt))) => self.stats.rtt.observe(rtt.as_secs_f64()),
                        Ok(Ok(None)) => {}
                        _ => return Err(Closed),
                    }
                }
                changed = link.snapshots.changed() => {
                    if changed.is_err() {
                        let (code, reason) = last_word(&mut link.control);
                        drop_guard.armed = false;
                        return Err(self.close(code, &reason).await);
                    }
                    let frame = link.snapshots.borrow_and_update().clone();
                    let len = frame.bytes.len();
                    let limit = crate::config::secs(self.state.config.idle_timeout_secs);
                    let reliable = match tokio::time::timeout(limit, self.link.send_snapshot(frame.bytes)).await {
                        Ok(Ok(reliable)) => reliable,
                        _ => return Err(Closed),
                    };
                    self.sent(len);
                    if let Some(at) = frame.at {
                        self.stats.delivery_delay.observe(at.elapsed().as_secs_f64());
                    }
                    if reliable {
                        // A written snapshot on a reliable, ordered transport will be
                        // applied, so it can be a baseline before the client's ack.
                        link.delivered.store(frame.tick);
                    }
                }
            }
        }
    }

    fn input(&self, room: &RoomShared, cmd: RoomCmd) {
        if room.inbox.try_send(cmd).is_err() {
            self.state.metrics.inputs_dropped.inc();
            self.state.metrics.limits.inbox_full.inc();
        }
    }
}

/// The close a finished room left in the control queue (its reason), if any.
fn last_word(control: &mut tokio::sync::mpsc::Receiver<Control>) -> (u16, String) {
    while let Ok(ctl) = control.try_recv() {
        if let Control::Close(code, reason) = ctl {
            return (code, reason);
        }
    }
    (close::NORMAL, "room finished".to_owned())
}

/// Tells the room a connection dropped (so it holds the player for resume).
struct DisconnectGuard {
    room: Arc<RoomShared>,
    player: PlayerId,
    conn: u64,
    armed: bool,
}

impl Drop for DisconnectGuard {
    fn drop(&mut self) {
        if self.armed {
            let cmd = RoomCmd::Disconnect {
                player: self.player,
                conn: self.conn,
            };
            let room = Arc::clone(&self.room);
            tokio::spawn(async move {
                let _ = room.inbox.send(cmd).await;
            });
        }
    }
}
