//! Player WebSocket: `GET /ws?ticket=T` (a seat ticket from the lobby) or
//! `GET /ws?resume=TOKEN` (the resume token of an earlier Welcome, to get the same
//! player back after a drop).
//!
//! A missing, unknown, used or expired ticket (or an unknown resume token) is refused
//! with HTTP 401 before the upgrade. After it, the first frame must be a binary
//! `Hello` with [`PROTOCOL_VERSION`]. Close codes: 1003 text frame, 1009 frame over
//! the limit, 1008 undecodable or unexpected message (the reason names the error),
//! 1002 protocol version mismatch (after an `Error` message naming both versions),
//! 1001 idle timeout or server shutting down, 1000 after `Leave` or when the room
//! finished.

use crate::http::AppState;
use crate::lobby::tickets::Seat;
use crate::metrics::Metrics;
use crate::room::{Control, JoinAuth, JoinRefused, Joined, RoomCmd, RoomShared, current_tick};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Deserialize;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tickcast_shared::codec::{decode_client, encode_server};
use tickcast_shared::protocol::{
    ClientMsg, ErrorCode, HelloAuth, PROTOCOL_VERSION, PlayerId, ServerMsg,
};
use tokio::sync::oneshot;

#[derive(Debug, Deserialize)]
pub struct WsQuery {
    ticket: Option<String>,
    resume: Option<String>,
}

/// How this connection claims its seat.
enum Entry {
    Seat(SeatGuard, String),
    Resume(Arc<RoomShared>, String),
}

/// A redeemed seat; given back to the room unless a Join took it over.
struct SeatGuard(Option<Seat>);

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

fn unauthorized(message: &str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        axum::Json(serde_json::json!({ "error": message })),
    )
        .into_response()
}

/// `GET /ws`: check the ticket or resume token, then upgrade.
pub async fn upgrade(
    State(s): State<AppState>,
    Query(q): Query<WsQuery>,
    ws: WebSocketUpgrade,
) -> Response {
    let entry = if let Some(token) = q.resume {
        match s.lobby.room_of_token(&token) {
            Some(room) => Entry::Resume(room, token),
            None => return unauthorized("unknown or expired resume token"),
        }
    } else {
        match s.lobby.redeem(q.ticket.as_deref()) {
            Ok(seat) => {
                let ticket = q.ticket.unwrap_or_default();
                Entry::Seat(SeatGuard(Some(seat)), ticket)
            }
            Err(e) => return unauthorized(&e.to_string()),
        }
    };
    let max = s.config.max_frame_bytes;
    ws.max_message_size(max)
        .max_frame_size(max)
        .read_buffer_size(s.config.ws_read_buffer.max(1024))
        .write_buffer_size(s.config.ws_write_buffer)
        .on_upgrade(move |socket| async move {
            let _ = Session::start(socket, entry, s).await;
        })
}

/// Why a session ended early (only used to unwind; the peer got a close frame).
struct Closed;

struct Session {
    socket: WebSocket,
    state: AppState,
    /// The outstanding server ping: its payload and when it was sent.
    ping: Option<(u64, Instant)>,
    /// Newest measured round-trip time.
    rtt: Option<Duration>,
}

impl Session {
    async fn close(&mut self, code: u16, reason: &str) -> Closed {
        let frame = CloseFrame {
            code,
            reason: reason.into(),
        };
        let _ = tokio::time::timeout(
            Duration::from_secs(2),
            self.socket.send(Message::Close(Some(frame))),
        )
        .await;
        Closed
    }

    async fn send(&mut self, bytes: Bytes) -> Result<(), Closed> {
        let len = bytes.len() as u64;
        let limit = crate::config::secs(self.state.config.idle_timeout_secs);
        match tokio::time::timeout(limit, self.socket.send(Message::Binary(bytes))).await {
            Ok(Ok(())) => {
                Metrics::add(&self.state.metrics.bytes_sent, len);
                Ok(())
            }
            _ => Err(Closed),
        }
    }

    async fn reject(&mut self, code: u16, reason: String) -> Closed {
        Metrics::add(&self.state.metrics.frames_rejected, 1);
        self.close(code, &reason).await
    }

    /// The next client message, or the close that a bad frame deserves.
    async fn read(&mut self, wait: Duration) -> Result<Option<ClientMsg>, Closed> {
        let max = self.state.config.max_frame_bytes;
        match tokio::time::timeout(wait, self.socket.recv()).await {
            Err(_) => Err(self.close(1001, "idle timeout").await),
            Ok(None) | Ok(Some(Ok(Message::Close(_)))) => Err(Closed),
            Ok(Some(Err(e))) => {
                let too_big = e
                    .into_inner()
                    .downcast::<tokio_tungstenite::tungstenite::Error>()
                    .is_ok_and(|e| {
                        matches!(*e, tokio_tungstenite::tungstenite::Error::Capacity(_))
                    });
                if too_big {
                    Err(self
                        .reject(1009, format!("frame exceeds {max} bytes"))
                        .await)
                } else {
                    Err(Closed)
                }
            }
            Ok(Some(Ok(Message::Text(_)))) => Err(self
                .reject(1003, "text frames are not accepted; send binary".into())
                .await),
            Ok(Some(Ok(Message::Binary(b)))) => match decode_client(&b, max) {
                Ok(msg) => Ok(Some(msg)),
                Err(e) => {
                    let code = if b.len() > max { 1009 } else { 1008 };
                    Err(self.reject(code, format!("bad message: {e}")).await)
                }
            },
            Ok(Some(Ok(Message::Pong(payload)))) => {
                self.pong(&payload);
                Ok(None)
            }
            Ok(Some(Ok(_))) => Ok(None),
        }
    }

    /// Send a WebSocket ping carrying a nonce (the pong measures the RTT).
    async fn ping(&mut self, nonce: u64) -> Result<(), Closed> {
        self.ping = Some((nonce, Instant::now()));
        let payload = Bytes::copy_from_slice(&nonce.to_le_bytes());
        match tokio::time::timeout(
            Duration::from_secs(2),
            self.socket.send(Message::Ping(payload)),
        )
        .await
        {
            Ok(Ok(())) => Ok(()),
            _ => Err(Closed),
        }
    }

    fn pong(&mut self, payload: &[u8]) {
        let Some((nonce, sent)) = self.ping else {
            return;
        };
        if payload == nonce.to_le_bytes() {
            let rtt = sent.elapsed();
            self.rtt = Some(rtt);
            self.ping = None;
            self.state.metrics.rtt.record(rtt);
            tracing::trace!(rtt_ms = rtt.as_secs_f64() * 1e3, "pong");
        }
    }

    fn input(&self, room: &RoomShared, cmd: RoomCmd) {
        if room.inbox.try_send(cmd).is_err() {
            Metrics::add(&self.state.metrics.inputs_dropped, 1);
        }
    }

    async fn start(socket: WebSocket, entry: Entry, state: AppState) -> Result<(), Closed> {
        state.metrics.sessions.fetch_add(1, Ordering::Relaxed);
        let mut session = Session {
            socket,
            state,
            ping: None,
            rtt: None,
        };
        let result = session.run(entry).await;
        session
            .state
            .metrics
            .sessions
            .fetch_sub(1, Ordering::Relaxed);
        result
    }

    async fn run(&mut self, mut entry: Entry) -> Result<(), Closed> {
        let hello_wait = crate::config::secs(self.state.config.hello_timeout_secs);
        let (version, auth, name) = loop {
            match self.read(hello_wait).await? {
                Some(ClientMsg::Hello {
                    version,
                    auth,
                    name,
                }) => break (version, auth, name),
                Some(_) => {
                    return Err(self
                        .reject(1008, "the first message must be Hello".into())
                        .await);
                }
                None => continue,
            }
        };
        if version != PROTOCOL_VERSION {
            let reason = format!(
                "protocol version mismatch: server speaks {PROTOCOL_VERSION}, client sent {version}"
            );
            let err = ServerMsg::Error {
                code: ErrorCode::VersionMismatch,
                reason: reason.clone(),
            };
            let _ = self.send(Bytes::from(encode_server(&err))).await;
            return Err(self.reject(1002, reason).await);
        }
        let (room, join_auth, name) = match (&mut entry, auth) {
            (Entry::Seat(guard, ticket), HelloAuth::Ticket(t)) if *ticket == t => {
                let Some(seat) = guard.take() else {
                    return Err(self.close(1011, "seat lost").await);
                };
                let name = if seat.name.is_empty() {
                    name
                } else {
                    seat.name
                };
                (seat.room, JoinAuth::Seat, name)
            }
            (Entry::Resume(room, token), HelloAuth::Resume(t)) if *token == t => {
                (Arc::clone(room), JoinAuth::Resume(t), name)
            }
            _ => {
                return Err(self
                    .reject(1008, "Hello auth does not match the URL".into())
                    .await);
            }
        };
        let (reply, answer) = oneshot::channel();
        let cmd = RoomCmd::Join {
            name,
            auth: join_auth,
            reply,
        };
        if room.inbox.send(cmd).await.is_err() {
            room.release_seat();
            return Err(self.close(1000, "room finished").await);
        }
        let joined = match answer.await {
            Ok(Ok(joined)) => joined,
            Ok(Err(JoinRefused { code, reason })) => {
                let err = ServerMsg::Error {
                    code,
                    reason: reason.clone(),
                };
                let _ = self.send(Bytes::from(encode_server(&err))).await;
                return Err(self.close(1008, &reason).await);
            }
            Err(_) => return Err(self.close(1000, "room finished").await),
        };
        self.play(room, joined).await
    }

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
        let idle = crate::config::secs(self.state.config.idle_timeout_secs);
        let period = crate::config::secs(self.state.config.ping_interval_secs)
            .max(Duration::from_millis(100));
        let mut pings = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        let mut nonce = 0u64;
        loop {
            tokio::select! {
                biased;
                ctl = link.control.recv() => match ctl {
                    Some(Control::Frame(frame)) => self.send(frame).await?,
                    Some(Control::Close(code, reason)) => {
                        drop_guard.armed = code != 1000 && code != 4001;
                        return Err(self.close(code, &reason).await);
                    }
                    None => return Err(self.close(1000, "room finished").await),
                },
                msg = self.read(idle) => match msg? {
                    Some(ClientMsg::Input(cmd)) => self.input(&room, RoomCmd::Input { player, conn, cmd }),
                    Some(ClientMsg::Ping { nonce }) => {
                        let pong = ServerMsg::Pong { nonce, tick: current_tick(&room) };
                        self.send(Bytes::from(encode_server(&pong))).await?;
                    }
                    Some(ClientMsg::Leave) => {
                        drop_guard.armed = false;
                        let _ = room.inbox.send(RoomCmd::Leave { player, conn }).await;
                        return Err(self.close(1000, "left the room").await);
                    }
                    Some(ClientMsg::Hello { .. }) => {
                        return Err(self.reject(1008, "Hello sent twice".into()).await);
                    }
                    None => {}
                },
                _ = pings.tick() => {
                    nonce += 1;
                    self.ping(nonce).await?;
                }
                changed = link.snapshots.changed() => {
                    if changed.is_err() {
                        let (code, reason) = last_word(&mut link.control);
                        drop_guard.armed = false;
                        return Err(self.close(code, &reason).await);
                    }
                    let frame = link.snapshots.borrow_and_update().clone();
                    self.send(frame.bytes).await?;
                    // WebSocket is reliable and ordered: a written snapshot will be
                    // applied, so it can be a baseline before the client's ack.
                    let _ = room.inbox.try_send(RoomCmd::Delivered { player, conn, tick: frame.tick });
                }
            }
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
    (1000, "room finished".to_owned())
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
