//! The seated loop of a [`Session`]: inputs to the room; snapshots, events and pongs
//! to the player.
//!
//! Writes are batched: the session wakes once for whatever its
//! [`crate::room::outbox::Outbox`] holds (control frames, the newest snapshot),
//! queues all of it on the link with [`Link::feed`] / [`Link::feed_snapshot`] and
//! writes it with one [`Link::flush`], under one write deadline (`idle_timeout_secs`). The snapshot slot
//! holds the head and the shared body apart; the session joins them only for the
//! frame it really writes, so a frame replaced before the socket was ready is never
//! encoded. The idle timeout is one timer per session, re-armed when it fires (not a
//! fresh timer per read).
//!
//! A link with a direct socket ([`Link::direct`]) arms the outbox with it once the
//! `Welcome` is out: the room then writes snapshots itself while nothing else is
//! pending, and the session wakes only for the rest (control messages, snapshots
//! the socket did not take, the rest of a frame to flush).

use super::{Closed, Link, LinkDown, Session};
use crate::net::input_gate::{GateCounters, InputGate, InputRefused, SharedGate};
use crate::room::outbox::{Outbox, Taken};
use crate::room::{Control, Delivered, Joined, RoomCmd, RoomShared, current_tick};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tickcast_shared::protocol::{ClientMsg, InputCmd, PlayerId, ServerMsg};
use tickcast_shared::quic::close;

/// What one batch of writes ended with.
enum Batch {
    /// Everything pending went out.
    Written,
    /// The room asked for a close (after the frames queued before it went out).
    Close(u16, String),
}

impl<L: Link> Session<L> {
    /// Seated: inputs to the room; snapshots, events and pongs to the player.
    pub(super) async fn play(
        &mut self,
        room: Arc<RoomShared>,
        joined: Joined,
    ) -> Result<(), Closed> {
        let Joined {
            player,
            conn,
            welcome,
            link,
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
        let counters = GateCounters {
            rate_limited: self.state.metrics.limits.inputs_rate_limited.clone(),
            floods: self.state.metrics.limits.input_floods.clone(),
        };
        let gate = SharedGate::new(InputGate::new(
            &config.input,
            config.tick_rate,
            room.input_len,
            counters,
            Instant::now(),
        ));
        link.outbox.arm(self.link.direct(&gate, &link.read_mark));
        let _disarm = Disarm(Arc::clone(&link.outbox));
        let idle_limit = crate::config::secs(config.idle_timeout_secs);
        let period = crate::config::secs(config.ping_interval_secs).max(Duration::from_millis(100));
        let mut pings = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        let mut nonce = 0u64;
        // The one idle timer: when it fires early (something was heard since it was
        // armed) it is re-armed for the newest frame's deadline.
        let mut last_heard = tokio::time::Instant::now();
        let idle = tokio::time::sleep_until(last_heard + idle_limit);
        tokio::pin!(idle);
        loop {
            let batch = tokio::select! {
                biased;
                taken = std::future::poll_fn(|cx| link.outbox.poll_take(cx)) => {
                    // Boxed: with the room writing snapshots itself, the session
                    // writes rarely, and an idle player's future then holds a
                    // pointer instead of the write's timer and link futures.
                    let batch = Box::pin(self.write_taken(taken, &link.delivered)).await?;
                    link.outbox.written();
                    batch
                }
                heard = self.link.recv() => {
                    last_heard = tokio::time::Instant::now();
                    let Some(msg) = self.judge(heard).await? else { continue };
                    match msg {
                        ClientMsg::Input(cmd) => {
                            self.inputs(&room, player, conn, vec![cmd], &gate).await?;
                        }
                        ClientMsg::Inputs(cmds) => {
                            self.inputs(&room, player, conn, cmds, &gate).await?;
                        }
                        ClientMsg::Ping { nonce } => {
                            let pong = ServerMsg::Pong { nonce, tick: current_tick(&room) };
                            Box::pin(self.send_msg(&pong)).await?;
                        }
                        ClientMsg::Leave => {
                            drop_guard.armed = false;
                            let _ = room.inbox.send(RoomCmd::Leave { player, conn }).await;
                            return Err(self.close(close::NORMAL, "left the room").await);
                        }
                        ClientMsg::Hello { .. } => {
                            return Err(self.reject(close::POLICY, "Hello sent twice".into()).await);
                        }
                    }
                    continue;
                }
                () = &mut idle => {
                    if let Some(at) = self.link.heard_directly() {
                        last_heard = last_heard.max(tokio::time::Instant::from_std(at));
                    }
                    let due = last_heard + idle_limit;
                    if due <= tokio::time::Instant::now() {
                        return Err(self.close(close::GOING_AWAY, "idle timeout").await);
                    }
                    idle.as_mut().reset(due);
                    continue;
                }
                _ = pings.tick() => {
                    nonce += 1;
                    match tokio::time::timeout(Duration::from_secs(2), Box::pin(self.link.ping(nonce))).await {
                        Ok(Ok(Some(rtt))) => self.stats.rtt.observe(rtt.as_secs_f64()),
                        Ok(Ok(None)) => {}
                        _ => return Err(Closed),
                    }
                    continue;
                }
            };
            if let Batch::Close(code, reason) = batch {
                drop_guard.armed = code != close::NORMAL && code != close::REPLACED;
                return Err(self.close(code, &reason).await);
            }
        }
    }

    /// Queue what was taken from the outbox (control frames up to a close, then the
    /// snapshot), then flush once. A closed outbox without a close of its own means
    /// the room let this connection go: a normal close.
    async fn write_taken(&mut self, taken: Taken, delivered: &Delivered) -> Result<Batch, Closed> {
        let limit = crate::config::secs(self.state.config.idle_timeout_secs);
        let Taken {
            control,
            snapshot,
            closed,
            flush: _,
        } = taken;
        let out = &mut self.link;
        let work = async {
            let mut bytes = 0;
            let mut close = None;
            for ctl in control {
                match ctl {
                    Control::Frame(frame) => {
                        bytes += frame.len();
                        out.feed(frame).await?;
                    }
                    Control::Close(code, reason) => {
                        close = Some((code, reason));
                        break;
                    }
                }
            }
            let mut written = None;
            if let Some(frame) = snapshot.filter(|_| close.is_none()) {
                let encoded = frame.encode();
                bytes += encoded.len();
                let reliable = out.feed_snapshot(encoded).await?;
                written = Some((frame, reliable));
            }
            out.flush().await?;
            Ok::<_, LinkDown>((bytes, close, written))
        };
        let Ok(Ok((bytes, close, written))) = tokio::time::timeout(limit, work).await else {
            return Err(Closed);
        };
        self.sent(bytes);
        if let Some((frame, reliable)) = written {
            if let Some(at) = frame.at {
                self.stats
                    .delivery_delay
                    .observe(at.elapsed().as_secs_f64());
            }
            if reliable {
                // A written snapshot on a reliable, ordered transport will be
                // applied, so it can be a baseline before the client's ack.
                delivered.store(frame.tick());
            }
        }
        Ok(match close {
            Some((code, reason)) => Batch::Close(code, reason),
            None if closed => Batch::Close(close::NORMAL, "room finished".to_owned()),
            None => Batch::Written,
        })
    }

    /// Hand one message's new inputs to the room, through the connection's gate
    /// (repeats, shape, rate; see [`crate::net::input_gate`]).
    async fn inputs(
        &mut self,
        room: &RoomShared,
        player: PlayerId,
        conn: u64,
        cmds: Vec<InputCmd>,
        gate: &SharedGate,
    ) -> Result<(), Closed> {
        let passed: Result<(), InputRefused> =
            gate.lock().pass(cmds.into_iter(), Instant::now(), |cmd| {
                self.input(room, RoomCmd::Input { player, conn, cmd })
            });
        match passed {
            Ok(()) => Ok(()),
            Err(refused) => Err(self.reject(close::POLICY, refused.to_string()).await),
        }
    }

    fn input(&self, room: &RoomShared, cmd: RoomCmd) {
        if room.inbox.try_send(cmd).is_err() {
            self.state.metrics.inputs_dropped.inc();
            self.state.metrics.limits.inbox_full.inc();
        }
    }
}

/// Takes the direct socket back from the outbox when the session ends, so the
/// room never writes to (or keeps open) a socket nobody reads.
struct Disarm(Arc<Outbox>);

impl Drop for Disarm {
    fn drop(&mut self) {
        self.0.arm(None);
    }
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
