//! A player's session, whatever carries it: the `Hello` handshake, claiming the seat
//! (ticket or resume token), joining the room, and then the seated loop (`seated.rs`)
//! that moves inputs to the room and snapshots, events and pongs to the player.
//!
//! A transport implements [`Link`] (bytes and close codes) and hands it to
//! [`Session::start`]; the WebSocket ([`super::ws`]) and QUIC ([`super::quic`]) links
//! share everything here. Close codes are the WebSocket ones on every transport (see
//! `tickcast_shared::quic::close`).

use super::input_gate::SharedGate;
use crate::ctx::ServerCtx;
use crate::metrics::{Transport, TransportMetrics};
use crate::room::Seat;
use crate::room::direct::DirectSocket;
use crate::room::ready::ReadMark;
use crate::room::{JoinAuth, JoinRefused, Joined, RoomCmd, RoomShared};
use bytes::Bytes;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tickcast_shared::codec::{decode_server, encode_server};
use tickcast_shared::protocol::{ClientMsg, ErrorCode, HelloAuth, PROTOCOL_VERSION, ServerMsg};
use tickcast_shared::quic::close;
use tickcast_shared::schema::SchemaHash;
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
    /// Queue a message like [`Link::send`], written at the latest by the next
    /// [`Link::flush`] (default: sent at once).
    fn feed(&mut self, bytes: Bytes) -> impl Future<Output = Result<(), LinkDown>> + Send {
        self.send(bytes)
    }
    /// Queue a snapshot like [`Link::send_snapshot`], written at the latest by the
    /// next [`Link::flush`] (default: sent at once).
    fn feed_snapshot(
        &mut self,
        bytes: Bytes,
    ) -> impl Future<Output = Result<bool, LinkDown>> + Send {
        self.send_snapshot(bytes)
    }
    /// Write everything fed so far (default: nothing is held back).
    fn flush(&mut self) -> impl Future<Output = Result<(), LinkDown>> + Send {
        std::future::ready(Ok(()))
    }
    /// A socket the room may write snapshots to itself, without this session
    /// (default: none; see [`crate::room::direct`]). The session offers it once the
    /// `Welcome` is written; [`Link::close`] must stop those writes before its
    /// close frame. A socket the room also reads inputs from judges them with
    /// `gate`, the session's own, and sets `mark` when it has something to read.
    fn direct(&self, gate: &SharedGate, mark: &ReadMark) -> Option<Arc<dyn DirectSocket>> {
        let _ = (gate, mark);
        None
    }
    /// When the room last read a message of the peer's itself (default: never),
    /// for the session's idle timer.
    fn heard_directly(&self) -> Option<Instant> {
        None
    }
}

/// How this connection claims its seat.
pub enum Entry {
    /// A ticket redeemed before the transport was set up (WebSocket URL).
    Seat(SeatGuard, String),
    /// A resume token checked before the transport was set up (WebSocket URL).
    Resume(Arc<RoomShared>, String),
    /// A ticket checked (not used) at the URL (WebTransport): used at the `Hello`,
    /// which must present the same one.
    Checked(String),
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
    /// (Not an `async fn`: the link and the context go into the session before the
    /// future is made, so that the future, which lasts as long as the session, holds
    /// them once and not also as arguments.)
    pub fn start(link: L, entry: Entry, state: ServerCtx) -> impl Future<Output = ()> + Send {
        let stats = state.metrics.transport(L::TRANSPORT).clone();
        let mut session = Session { link, state, stats };
        async move {
            session.stats.sessions.inc();
            let _ = session.run(entry).await;
            session.stats.sessions.dec();
        }
    }

    /// Boxed (a close is rare): the states of the session's future that may close
    /// hold a pointer, not the link's close with its timers.
    async fn close(&mut self, code: u16, reason: &str) -> Closed {
        Box::pin(self.link.close(code, reason)).await;
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
    async fn judge(&mut self, heard: Incoming) -> Result<Option<ClientMsg>, Closed> {
        match heard {
            Incoming::Msg(msg) => Ok(Some(msg)),
            Incoming::Rtt(rtt) => {
                self.stats.rtt.observe(rtt.as_secs_f64());
                tracing::trace!(rtt_ms = rtt.as_secs_f64() * 1e3, "pong");
                Ok(None)
            }
            Incoming::Nothing => Ok(None),
            Incoming::Gone => Err(Closed),
            Incoming::Bad(code, reason) => Err(self.reject(code, reason).await),
        }
    }

    /// The `Hello`, before an absolute deadline: transport pings, pongs or anything
    /// else the peer sends first do not extend it. A seat redeemed at the URL is
    /// given back when the deadline passes (the entry's guard drops).
    async fn hello(&mut self) -> Result<(u16, HelloAuth, String, Option<SchemaHash>), Closed> {
        let wait = crate::config::secs(self.state.config.hello_timeout_secs);
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let heard = match tokio::time::timeout_at(deadline, self.link.recv()).await {
                Ok(heard) => heard,
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
                    schema,
                }) => return Ok((version, auth, name, schema)),
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
        let checked = match &*entry {
            Entry::Checked(ticket) => Some(ticket.clone()),
            _ => None,
        };
        let guard = match (entry, auth) {
            (Entry::Seat(guard, ticket), HelloAuth::Ticket(t)) if *ticket == t => guard,
            (Entry::Resume(room, token), HelloAuth::Resume(t)) if *token == t => {
                return Ok((Arc::clone(room), JoinAuth::Resume(t), name, None));
            }
            (Entry::FromHello, HelloAuth::Ticket(t))
            | (Entry::Checked(_), HelloAuth::Ticket(t))
                if checked_matches(checked.as_deref(), &t) =>
            {
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

    /// Seat the player, then play. The way to the seat (Hello, claim, join) is
    /// boxed and freed once seated: what a seated session keeps is the seated loop's
    /// state alone.
    async fn run(&mut self, entry: Entry) -> Result<(), Closed> {
        let (room, joined) = Box::pin(self.seat(entry)).await?;
        self.play(room, joined).await
    }

    /// The `Hello`, the claim and the join: the room and what it answered.
    async fn seat(&mut self, mut entry: Entry) -> Result<(Arc<RoomShared>, Joined), Closed> {
        let (version, auth, name, schema) = self.hello().await?;
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
        if let Some(theirs) = schema.filter(|h| *h != room.schema_hash) {
            let reason = format!(
                "schema mismatch: room runs game {:?} with schema {}, client has {theirs}",
                room.settings.game, room.schema_hash
            );
            let err = ServerMsg::Error {
                code: ErrorCode::SchemaMismatch,
                reason: reason.clone(),
            };
            let _ = self.send_msg(&err).await;
            return Err(self.reject(close::POLICY, reason).await);
        }
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
        let mut joined = joined;
        if schema == Some(room.schema_hash) {
            joined.welcome = without_descriptor(joined.welcome);
        }
        Ok((room, joined))
    }
}

/// Whether a `Hello`'s ticket is the one checked at the URL (any, when none was).
fn checked_matches(checked: Option<&str>, hello: &str) -> bool {
    checked.is_none_or(|c| c == hello)
}

/// A `Welcome` without its schema descriptor, for a client whose `Hello` announced
/// the room's schema hash: it has the schema already, and the descriptor (a few KiB)
/// would be most of what a short session receives. Anything else passes unchanged.
fn without_descriptor(welcome: Bytes) -> Bytes {
    match decode_server(&welcome, welcome.len()) {
        Ok(ServerMsg::Welcome {
            player,
            entity,
            tick_rate,
            send_rate,
            resume_token,
            game,
            schema_hash,
            schema: _,
            config,
            tick,
            sub,
            name,
            players,
        }) => Bytes::from(encode_server(&ServerMsg::Welcome {
            player,
            entity,
            tick_rate,
            send_rate,
            resume_token,
            game,
            schema_hash,
            schema: String::new(),
            config,
            tick,
            sub,
            name,
            players,
        })),
        _ => welcome,
    }
}

#[path = "seated.rs"]
mod seated;
