//! Coming back by itself: when a [`crate::Client`]'s connection drops, it reconnects
//! to the same target with its resume token and gets the same player back.
//!
//! [`ReconnectPolicy`] (in [`crate::ClientConfig::reconnect`], on by default) says how
//! often and how fast: attempt `n` (from 0) waits `initial * 2^n`, capped at `max`,
//! times a random factor in `0.5..=1.0` (jitter, so many clients cut at once do not
//! come back in lockstep), for at most `attempts` attempts in a row. [`Backoff`] is
//! that schedule, seeded, with no clock of its own.
//!
//! What counts as a drop ([`is_drop`]): the connection ended without the server
//! meaning it (an abnormal close, a lost QUIC connection, an IO error, an idle
//! timeout or a server going away). A normal close (left, room finished), a
//! replacement by another connection, a refusal or a protocol violation is final.

use crate::error::ClientError;
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg32;
use std::time::Duration;
use tickcast_shared::quic::close;

/// How a client reconnects after a drop; `Default` gives the documented defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconnectPolicy {
    /// Reconnect at all (default true).
    pub enabled: bool,
    /// Wait before the first attempt (default 100 ms), doubled per attempt.
    pub initial: Duration,
    /// Longest wait between attempts (default 5 s).
    pub max: Duration,
    /// Attempts in a row before giving up (default 8).
    pub attempts: u32,
}

impl Default for ReconnectPolicy {
    fn default() -> ReconnectPolicy {
        ReconnectPolicy {
            enabled: true,
            initial: Duration::from_millis(100),
            max: Duration::from_secs(5),
            attempts: 8,
        }
    }
}

/// True when `error` ended a connection that is worth coming back to.
pub fn is_drop(error: &ClientError) -> bool {
    match error {
        ClientError::Closed { code, .. } => {
            matches!(*code, close::GOING_AWAY | crate::quic_inbox::ABNORMAL)
        }
        // The socket broke; not a refusal or a violation (an oversized frame is final).
        ClientError::WebSocket(e) => {
            use tokio_tungstenite::tungstenite::Error as Ws;
            use tokio_tungstenite::tungstenite::error::ProtocolError;
            matches!(
                e,
                Ws::Io(_)
                    | Ws::ConnectionClosed
                    | Ws::AlreadyClosed
                    | Ws::Protocol(ProtocolError::ResetWithoutClosingHandshake)
            )
        }
        ClientError::Quic(_) => true,
        _ => false,
    }
}

/// The waits between attempts of one outage.
#[derive(Debug, Clone)]
pub struct Backoff {
    policy: ReconnectPolicy,
    attempt: u32,
    rng: Pcg32,
}

impl Backoff {
    pub fn new(policy: ReconnectPolicy, seed: u64) -> Backoff {
        Backoff {
            policy,
            attempt: 0,
            rng: Pcg32::seed_from_u64(seed),
        }
    }

    /// The wait before the next attempt, or `None` when the attempts are used up.
    pub fn next_wait(&mut self) -> Option<Duration> {
        if !self.policy.enabled || self.attempt >= self.policy.attempts {
            return None;
        }
        let doubling = 2u32.saturating_pow(self.attempt.min(30));
        let wait = self
            .policy
            .initial
            .saturating_mul(doubling)
            .min(self.policy.max);
        self.attempt += 1;
        Some(wait.mul_f64(self.rng.random_range(0.5..=1.0)))
    }

    /// Attempts made in this outage.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// The connection is back: the next outage starts from the first wait.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_with_jitter_up_to_the_cap_and_the_attempts_run_out() {
        let policy = ReconnectPolicy {
            attempts: 10,
            ..ReconnectPolicy::default()
        };
        let mut b = Backoff::new(policy, 3);
        let waits: Vec<Duration> = std::iter::from_fn(|| b.next_wait()).collect();
        assert_eq!(waits.len(), 10);
        for (n, wait) in waits.iter().enumerate() {
            let full = (policy.initial * 2u32.pow(n as u32)).min(policy.max);
            assert!(*wait >= full / 2 && *wait <= full, "attempt {n}: {wait:?}");
        }
        assert_eq!(b.attempts(), 10);
        assert_eq!(b.next_wait(), None);
        b.reset();
        assert!(b.next_wait().unwrap() <= policy.initial);
        let off = ReconnectPolicy {
            enabled: false,
            ..policy
        };
        assert_eq!(Backoff::new(off, 1).next_wait(), None);
    }

    #[test]
    fn only_unintended_ends_are_drops() {
        let closed = |code| ClientError::Closed {
            code,
            reason: String::new(),
        };
        assert!(is_drop(&closed(crate::quic_inbox::ABNORMAL)));
        assert!(is_drop(&closed(close::GOING_AWAY)));
        for final_code in [
            close::NORMAL,
            close::REPLACED,
            close::POLICY,
            close::UNAUTHORIZED,
        ] {
            assert!(!is_drop(&closed(final_code)), "{final_code}");
        }
        assert!(!is_drop(&ClientError::TextFrame));
        use tokio_tungstenite::tungstenite::Error as Ws;
        use tokio_tungstenite::tungstenite::error::CapacityError;
        let too_long = Ws::Capacity(CapacityError::MessageTooLong {
            size: 2,
            max_size: 1,
        });
        assert!(!is_drop(&ClientError::WebSocket(too_long)));
        assert!(is_drop(&ClientError::WebSocket(Ws::ConnectionClosed)));
    }
}
