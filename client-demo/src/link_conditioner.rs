//! The link conditioner: a bad network, simulated inside the client.
//!
//! A [`LinkSpec`] (`latency=170ms,jitter=45ms,loss=2%`, or a preset: `good`,
//! `average`, `poor`) describes one direction of a link; the same spec applies to both
//! directions, so the round trip is twice the latency. A [`Conditioner`] decides, per
//! message, when it arrives at the other end, or that it never does:
//!
//! - **Unreliable** messages (QUIC datagrams) are delayed by `latency ± jitter`
//!   (uniform) and lost with probability `loss`; they may overtake each other.
//! - **Reliable** messages (WebSocket, a QUIC stream) are never lost: a lost packet
//!   costs its retransmission instead ([`Conditioner::retransmit_delay`]), and since
//!   the stream is ordered, every later message waits behind it (head-of-line
//!   blocking).
//!
//! The randomness is a seeded PCG, so a run can be repeated. [`DelayQueue`] holds the
//! messages in flight, bounded. Time is passed in ([`Instant`] of tokio, so tests can
//! pause and advance it); the sockets side lives in [`crate::conditioned_link`].

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg32;
use std::collections::BinaryHeap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;
use tokio::time::Instant;

/// Default bound on messages in flight per direction of a conditioned link.
pub const DEFAULT_IN_FLIGHT: usize = 1024;
/// The shortest time a retransmission takes.
pub const MIN_RETRANSMIT: Duration = Duration::from_millis(10);

/// One direction of a simulated link.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkSpec {
    /// Mean one-way delay.
    pub latency: Duration,
    /// Each message's delay is uniform in `latency ± jitter` (never below zero).
    pub jitter: Duration,
    /// Probability (0..=1) that a packet is lost.
    pub loss: f64,
}

impl LinkSpec {
    /// `good`: 40 ms, ±6 ms, 0.2 % loss.
    pub const GOOD: LinkSpec = LinkSpec::new(40, 6, 0.002);
    /// `average`: 170 ms, ±45 ms, 2 % loss.
    pub const AVERAGE: LinkSpec = LinkSpec::new(170, 45, 0.02);
    /// `poor`: 300 ms, ±84 ms, 4 % loss.
    pub const POOR: LinkSpec = LinkSpec::new(300, 84, 0.04);

    const fn new(latency_ms: u64, jitter_ms: u64, loss: f64) -> LinkSpec {
        LinkSpec {
            latency: Duration::from_millis(latency_ms),
            jitter: Duration::from_millis(jitter_ms),
            loss,
        }
    }
}

impl fmt::Display for LinkSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "latency={}ms,jitter={}ms,loss={}%",
            self.latency.as_millis(),
            self.jitter.as_millis(),
            self.loss * 100.0
        )
    }
}

impl FromStr for LinkSpec {
    type Err = String;

    /// A preset (`good`, `average`, `poor`) or `key=value` pairs separated by commas:
    /// `latency` and `jitter` as durations (`170ms`, `0.2s`), `loss` as a percentage
    /// (`2%`) or a fraction (`0.02`). Keys left out are zero.
    fn from_str(text: &str) -> Result<LinkSpec, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "good" => return Ok(LinkSpec::GOOD),
            "average" => return Ok(LinkSpec::AVERAGE),
            "poor" => return Ok(LinkSpec::POOR),
            _ => {}
        }
        let mut spec = LinkSpec::new(0, 0, 0.0);
        for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| format!("expected key=value in --link, got {pair:?}"))?;
            match key.trim() {
                "latency" => spec.latency = crate::bots::parse_duration(value)?,
                "jitter" => spec.jitter = crate::bots::parse_duration(value)?,
                "loss" => spec.loss = parse_loss(value)?,
                other => {
                    return Err(format!(
                        "unknown --link key {other:?} (latency, jitter, loss, or a preset: \
                         good, average, poor)"
                    ));
                }
            }
        }
        Ok(spec)
    }
}

fn parse_loss(value: &str) -> Result<f64, String> {
    let value = value.trim();
    let (number, scale) = match value.strip_suffix('%') {
        Some(n) => (n, 0.01),
        None => (value, 1.0),
    };
    let loss = number
        .trim()
        .parse::<f64>()
        .map_err(|_| format!("invalid loss {value:?}: expected e.g. 2% or 0.02"))?
        * scale;
    if (0.0..=1.0).contains(&loss) {
        Ok(loss)
    } else {
        Err(format!("loss {value:?} is not between 0% and 100%"))
    }
}

/// How a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// May be lost or reordered (a QUIC datagram).
    Unreliable,
    /// Never lost, always in order; a loss costs a retransmission (TCP, a QUIC stream).
    Reliable,
}

/// Decides when each message of one direction arrives.
#[derive(Debug, Clone)]
pub struct Conditioner {
    spec: LinkSpec,
    rng: Pcg32,
    /// Arrival of the newest reliable message: later ones cannot overtake it.
    reliable_tail: Option<Instant>,
    lost: u64,
    retransmitted: u64,
}

impl Conditioner {
    pub fn new(spec: LinkSpec, seed: u64) -> Conditioner {
        Conditioner {
            spec,
            rng: Pcg32::seed_from_u64(seed),
            reliable_tail: None,
            lost: 0,
            retransmitted: 0,
        }
    }

    pub fn spec(&self) -> LinkSpec {
        self.spec
    }

    /// Time a lost packet of a busy reliable stream costs: it is noticed from the
    /// acknowledgements of the packets behind it and sent again (fast retransmit), one
    /// round trip plus twice the jitter later, at least [`MIN_RETRANSMIT`].
    pub fn retransmit_delay(&self) -> Duration {
        (self.spec.latency * 2 + self.spec.jitter * 2).max(MIN_RETRANSMIT)
    }

    /// When a message sent at `now` arrives; `None` when it is lost.
    pub fn schedule(&mut self, now: Instant, delivery: Delivery) -> Option<Instant> {
        let lost = self.spec.loss > 0.0 && self.rng.random_bool(self.spec.loss.min(1.0));
        let mut at = now + self.delay();
        match delivery {
            Delivery::Unreliable if lost => {
                self.lost += 1;
                return None;
            }
            Delivery::Unreliable => {}
            Delivery::Reliable => {
                if lost {
                    self.retransmitted += 1;
                    at += self.retransmit_delay();
                }
                at = self.reliable_tail.map_or(at, |tail| at.max(tail));
                self.reliable_tail = Some(at);
            }
        }
        Some(at)
    }

    /// One message's one-way delay: uniform in `latency ± jitter`, at least zero.
    fn delay(&mut self) -> Duration {
        let jitter = self.spec.jitter.as_secs_f64();
        let offset = if jitter > 0.0 {
            self.rng.random_range(-jitter..=jitter)
        } else {
            0.0
        };
        Duration::from_secs_f64((self.spec.latency.as_secs_f64() + offset).max(0.0))
    }

    /// Unreliable messages lost so far.
    pub fn lost(&self) -> u64 {
        self.lost
    }

    /// Reliable messages that paid a retransmission so far.
    pub fn retransmitted(&self) -> u64 {
        self.retransmitted
    }
}

/// Messages in flight, released in arrival order; bounded.
#[derive(Debug)]
pub struct DelayQueue<T> {
    heap: BinaryHeap<Pending<T>>,
    capacity: usize,
    next: u64,
}

#[derive(Debug)]
struct Pending<T> {
    at: Instant,
    /// Insertion order: equal arrival times keep their sending order.
    order: u64,
    item: T,
}

impl<T> PartialEq for Pending<T> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.order) == (other.at, other.order)
    }
}
impl<T> Eq for Pending<T> {}
impl<T> PartialOrd for Pending<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Pending<T> {
    /// Reversed: the heap's top is the earliest arrival.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (other.at, other.order).cmp(&(self.at, self.order))
    }
}

impl<T> DelayQueue<T> {
    pub fn new(capacity: usize) -> DelayQueue<T> {
        DelayQueue {
            heap: BinaryHeap::new(),
            capacity: capacity.max(1),
            next: 0,
        }
    }

    /// Hold `item` until `at`; gives it back when the queue is full.
    pub fn push(&mut self, at: Instant, item: T) -> Result<(), T> {
        if self.is_full() {
            return Err(item);
        }
        self.next += 1;
        self.heap.push(Pending {
            at,
            order: self.next,
            item,
        });
        Ok(())
    }

    /// When the next message arrives.
    pub fn next_at(&self) -> Option<Instant> {
        self.heap.peek().map(|p| p.at)
    }

    /// The next message, if it has arrived by `now`.
    pub fn pop_due(&mut self, now: Instant) -> Option<T> {
        if self.next_at()? <= now {
            self.heap.pop().map(|p| p.item)
        } else {
            None
        }
    }

    pub fn is_full(&self) -> bool {
        self.heap.len() >= self.capacity
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }
}

#[cfg(test)]
#[path = "link_conditioner_tests.rs"]
mod tests;
