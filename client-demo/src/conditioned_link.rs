//! A [`Connection`] behind the link conditioner ([`crate::link_conditioner`]).
//!
//! [`ConditionedLink`] hands the real connection (either transport) to one task, which
//! holds every message in a bounded [`DelayQueue`] per direction until the
//! [`Conditioner`] of that direction says it arrives, and drops the ones it says are
//! lost. What is reliable follows the transport
//! ([`Connection::incoming_delivery`], [`Connection::outgoing_delivery`]): on a
//! WebSocket nothing is lost, a loss only costs a retransmission delay; on QUIC
//! datagrams are dropped.
//!
//! Both queues are bounded: a full incoming queue stops reading the real connection
//! (back-pressure, as a full socket buffer would), a full outgoing queue makes `send`
//! wait. `recv` stays cancel-safe (it reads a channel); an end of the real connection
//! arrives, delayed like any message, as its error, and later calls report the
//! connection closed.

use crate::connection::Connection;
use crate::error::{ClientError, Result};
use crate::link_conditioner::{Conditioner, DelayQueue, Delivery, LinkSpec};
use crate::quic_inbox::ABNORMAL;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tickcast_shared::protocol::{ClientMsg, ServerMsg};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// Messages handed over to the task, waiting for a place in the outgoing queue.
const COMMAND_QUEUE: usize = 64;
/// Arrived messages waiting for `recv`.
const ARRIVED_QUEUE: usize = 64;
/// Time a close waits for the messages still in flight.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(3);

enum Command {
    Send(ClientMsg),
    Close(String, oneshot::Sender<()>),
}

/// Counts the task keeps for the caller.
#[derive(Debug, Default)]
struct Counters {
    bytes: AtomicU64,
    frames: AtomicU64,
    dropped: AtomicU64,
    /// Messages the conditioner lost (unreliable) in both directions.
    lost: AtomicU64,
    ended: AtomicBool,
}

/// A connection whose traffic passes through the link conditioner.
#[derive(Debug)]
pub struct ConditionedLink {
    commands: mpsc::Sender<Command>,
    arrived: mpsc::Receiver<Result<ServerMsg>>,
    counters: Arc<Counters>,
    spec: LinkSpec,
    ordered: bool,
    max_frame: usize,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Command::Send(msg) => f.debug_tuple("Send").field(msg).finish(),
            Command::Close(reason, _) => f.debug_tuple("Close").field(reason).finish(),
        }
    }
}

impl ConditionedLink {
    /// Put `inner` behind `spec` (both directions; `seed` seeds both conditioners).
    pub fn new(inner: Connection, spec: LinkSpec, seed: u64) -> ConditionedLink {
        let (commands, command_rx) = mpsc::channel(COMMAND_QUEUE);
        let (arrived_tx, arrived) = mpsc::channel(ARRIVED_QUEUE);
        let counters = Arc::new(Counters::default());
        let ordered = inner.is_ordered();
        let max_frame = inner.max_frame();
        let task = Task {
            up: Conditioner::new(spec, seed),
            down: Conditioner::new(spec, seed ^ 0x5bd1_e995_0000_0001),
            outgoing: DelayQueue::new(crate::link_conditioner::DEFAULT_IN_FLIGHT),
            incoming: DelayQueue::new(crate::link_conditioner::DEFAULT_IN_FLIGHT),
            counters: counters.clone(),
            arrived: arrived_tx,
            inner,
        };
        tokio::spawn(task.run(command_rx));
        ConditionedLink {
            commands,
            arrived,
            counters,
            spec,
            ordered,
            max_frame,
        }
    }

    fn gone() -> ClientError {
        ClientError::Closed {
            code: ABNORMAL,
            reason: "the connection has ended".to_owned(),
        }
    }

    /// Queue one message; it leaves when the conditioner says it arrives.
    pub async fn send(&mut self, msg: &ClientMsg) -> Result<()> {
        if self.counters.ended.load(Ordering::Acquire) {
            return Err(ConditionedLink::gone());
        }
        self.commands
            .send(Command::Send(msg.clone()))
            .await
            .map_err(|_| ConditionedLink::gone())
    }

    /// The next message that has arrived. Cancel-safe.
    pub async fn recv(&mut self) -> Result<ServerMsg> {
        self.arrived
            .recv()
            .await
            .unwrap_or_else(|| Err(ConditionedLink::gone()))
    }

    /// Let the messages in flight arrive (at most 3 s), then close the
    /// real connection.
    pub async fn close(&mut self, reason: &str) {
        let (done, wait) = oneshot::channel();
        if self
            .commands
            .send(Command::Close(reason.to_owned(), done))
            .await
            .is_ok()
        {
            let _ = tokio::time::timeout(CLOSE_TIMEOUT, wait).await;
        }
    }

    pub fn spec(&self) -> LinkSpec {
        self.spec
    }

    pub fn is_ordered(&self) -> bool {
        self.ordered
    }

    pub fn max_frame(&self) -> usize {
        self.max_frame
    }

    pub fn bytes_received(&self) -> u64 {
        self.counters.bytes.load(Ordering::Relaxed)
    }

    pub fn frames_received(&self) -> u64 {
        self.counters.frames.load(Ordering::Relaxed)
    }

    pub fn snapshots_dropped(&self) -> u64 {
        self.counters.dropped.load(Ordering::Relaxed)
    }

    /// Datagrams the conditioner lost, both directions.
    pub fn lost(&self) -> u64 {
        self.counters.lost.load(Ordering::Relaxed)
    }
}

struct Task {
    inner: Connection,
    up: Conditioner,
    down: Conditioner,
    outgoing: DelayQueue<ClientMsg>,
    incoming: DelayQueue<Result<ServerMsg>>,
    counters: Arc<Counters>,
    arrived: mpsc::Sender<Result<ServerMsg>>,
}

impl Task {
    async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        let mut reading = true;
        let mut closing: Option<(String, oneshot::Sender<()>)> = None;
        loop {
            if let Some((reason, done)) = closing.take_if(|_| self.outgoing.is_empty()) {
                self.inner.close(&reason).await;
                let _ = done.send(());
                return;
            }
            let next = match (self.outgoing.next_at(), self.incoming.next_at()) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let wake = tokio::time::sleep_until(next.unwrap_or_else(Instant::now));
            tokio::select! {
                received = self.inner.recv(), if reading && !self.incoming.is_full() => {
                    reading = self.received(received);
                }
                command = commands.recv(), if closing.is_none() && !self.outgoing.is_full() => {
                    match command {
                        Some(Command::Send(msg)) => {
                            let delivery = self.inner.outgoing_delivery(&msg);
                            match self.up.schedule(Instant::now(), delivery) {
                                Some(at) => {
                                    let _ = self.outgoing.push(at, msg);
                                }
                                None => {
                                    self.counters.lost.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                        }
                        Some(Command::Close(reason, done)) => closing = Some((reason, done)),
                        // The link was dropped: end the real connection too.
                        None => {
                            self.inner.close("client dropped the connection").await;
                            return;
                        }
                    }
                }
                () = wake, if next.is_some() => {
                    if !self.deliver().await {
                        return;
                    }
                }
            }
        }
    }

    /// Schedule a message from the server; false when the connection has ended.
    fn received(&mut self, received: Result<ServerMsg>) -> bool {
        let c = &self.counters;
        c.bytes
            .store(self.inner.bytes_received(), Ordering::Relaxed);
        c.frames
            .store(self.inner.frames_received(), Ordering::Relaxed);
        c.dropped
            .store(self.inner.snapshots_dropped(), Ordering::Relaxed);
        let ended = received.as_ref().is_err_and(|e| !e.is_recoverable());
        let delivery = match &received {
            Ok(msg) => self.inner.incoming_delivery(msg),
            Err(_) => Delivery::Reliable,
        };
        match self.down.schedule(Instant::now(), delivery) {
            Some(at) => {
                // Never full here: the branch only runs with room left.
                let _ = self.incoming.push(at, received);
            }
            None => {
                c.lost.fetch_add(1, Ordering::Relaxed);
            }
        }
        !ended
    }

    /// Hand over whatever has arrived; false when nobody listens any more or the
    /// connection's end was handed over.
    async fn deliver(&mut self) -> bool {
        let now = Instant::now();
        while let Some(msg) = self.outgoing.pop_due(now) {
            if let Err(e) = self.inner.send(&msg).await {
                self.counters.ended.store(true, Ordering::Release);
                let _ = self.arrived.send(Err(e)).await;
                return false;
            }
        }
        while let Some(received) = self.incoming.pop_due(now) {
            let ended = received.as_ref().is_err_and(|e| !e.is_recoverable());
            if self.arrived.send(received).await.is_err() || ended {
                self.counters.ended.store(ended, Ordering::Release);
                return false;
            }
        }
        true
    }
}
