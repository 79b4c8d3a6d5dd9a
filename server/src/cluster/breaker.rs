//! Redis availability as this node sees it: a circuit breaker.
//!
//! A Redis call that times out or loses its connection marks Redis unavailable
//! (the breaker opens). While it is open, lobby calls and new spectator mirrors
//! are refused at once with a 503 and the reason, instead of each waiting the whole
//! `redis_timeout_ms`; a probe task pings Redis every `[cluster] redis_probe_ms`,
//! and the first call that gets an answer (the probe's, a heartbeat's, a mirror's)
//! closes it again and wakes the heartbeat, so the node registers again at once.
//!
//! After an outage the directory *settles*: a room or node missing from Redis may
//! only not be registered again yet (a restarted Redis is empty; a frozen one let
//! every record expire). Until the window given to [`Breaker::settled`] has passed
//! with Redis answering, "missing" is not taken as "gone".

use super::directory::DirectoryError;
use super::redis_dir::RedisDirectory;
use redis::{FromRedisValue, ScriptInvocation};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;
use tokio::time::{Duration, Instant};

/// Whether Redis is marked unavailable, why, and since when it answers again.
#[derive(Debug, Default)]
pub struct Breaker {
    open: AtomicBool,
    probing: AtomicBool,
    state: Mutex<BreakerState>,
    recovered: Notify,
}

#[derive(Debug, Default)]
struct BreakerState {
    /// The error that opened the breaker.
    reason: String,
    /// When Redis last answered after being unavailable (`None`: never failed).
    answering_since: Option<Instant>,
}

impl Breaker {
    fn state(&self) -> std::sync::MutexGuard<'_, BreakerState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `Err(reason)` while Redis is marked unavailable.
    pub fn check(&self) -> Result<(), String> {
        if !self.open.load(Ordering::Acquire) {
            return Ok(());
        }
        Err(format!(
            "redis is not answering ({}); retried in the background",
            self.state().reason
        ))
    }

    pub fn is_open(&self) -> bool {
        self.open.load(Ordering::Acquire)
    }

    /// A call timed out or lost its connection: open. True when a probe should be
    /// started (none runs yet).
    pub fn trip(&self, reason: &str) -> bool {
        {
            let mut state = self.state();
            reason.clone_into(&mut state.reason);
            state.answering_since = None;
        }
        self.open.store(true, Ordering::Release);
        !self.probing.swap(true, Ordering::AcqRel)
    }

    /// Redis answered: close (and wake whoever waits for it).
    pub fn answered(&self) {
        if self.open.swap(false, Ordering::AcqRel) {
            self.state().answering_since = Some(Instant::now());
            self.recovered.notify_waiters();
        }
    }

    /// The probe task ends (it got an answer).
    pub fn probe_done(&self) {
        self.probing.store(false, Ordering::Release);
    }

    /// True when Redis has answered without failing for at least `window` (or
    /// never failed): a record missing from it now is really missing.
    pub fn settled(&self, window: Duration) -> bool {
        if self.is_open() {
            return false;
        }
        self.state()
            .answering_since
            .is_none_or(|since| since.elapsed() >= window)
    }

    /// Resolves when the breaker closes next.
    pub async fn recovered(&self) {
        self.recovered.notified().await;
    }
}

/// Every call this node makes to Redis: bounded in time, counted when it fails,
/// and judged by the breaker.
impl RedisDirectory {
    /// Run a script invocation, bounded in time; failures counted.
    pub(super) async fn run<T: FromRedisValue>(
        &self,
        invocation: &ScriptInvocation<'_>,
    ) -> Result<T, DirectoryError> {
        let mut conn = self.conn.clone();
        let call = invocation.invoke_async::<T>(&mut conn);
        self.outcome(tokio::time::timeout(self.timeout, call).await)
    }

    /// Run one command, bounded in time; failures counted.
    pub(super) async fn query<T: FromRedisValue>(
        &self,
        cmd: &redis::Cmd,
    ) -> Result<T, DirectoryError> {
        let mut conn = self.conn.clone();
        self.outcome(tokio::time::timeout(self.timeout, cmd.query_async::<T>(&mut conn)).await)
    }

    /// A call's result: an answer closes the breaker, a timeout or a lost
    /// connection opens it.
    pub(super) fn outcome<T>(
        &self,
        result: Result<redis::RedisResult<T>, tokio::time::error::Elapsed>,
    ) -> Result<T, DirectoryError> {
        match result {
            Ok(Ok(v)) => {
                self.breaker.answered();
                Ok(v)
            }
            Ok(Err(e)) => {
                let message = e.to_string();
                if e.is_timeout()
                    || e.is_io_error()
                    || e.is_connection_dropped()
                    || e.is_connection_refusal()
                {
                    self.trip(&message);
                } else {
                    self.breaker.answered();
                }
                Err(self.unavailable(message))
            }
            Err(_) => {
                self.trip("redis timed out");
                Err(self.unavailable("redis timed out".into()))
            }
        }
    }

    /// Mark Redis unavailable; ping it every `redis_probe_ms` until it answers.
    pub(super) fn trip(&self, reason: &str) {
        if !self.breaker.trip(reason) {
            return;
        }
        let breaker = Arc::clone(&self.breaker);
        let conn = self.conn.clone();
        let timeout = self.timeout;
        let every = Duration::from_millis(self.config.redis_probe_ms);
        tokio::spawn(async move {
            while breaker.is_open() {
                tokio::time::sleep(every).await;
                let mut conn = conn.clone();
                let cmd = redis::cmd("PING");
                let ping = cmd.query_async::<String>(&mut conn);
                if let Ok(Ok(_)) = tokio::time::timeout(timeout, ping).await {
                    breaker.answered();
                }
            }
            breaker.probe_done();
        });
    }

    /// Refuse a lobby call at once while Redis is marked unavailable (counted).
    pub fn available(&self) -> Result<(), DirectoryError> {
        self.breaker.check().map_err(|reason| {
            self.stats.fast_fails.fetch_add(1, Ordering::Relaxed);
            DirectoryError::Unavailable(reason)
        })
    }

    /// Whether Redis is marked unavailable now (nothing counted).
    pub fn marked_unavailable(&self) -> bool {
        self.breaker.is_open()
    }

    /// Whether Redis has answered long enough after an outage that a record
    /// missing from it is really missing (`[cluster]` settle window).
    pub fn settled(&self) -> bool {
        self.breaker
            .settled(Duration::from_millis(self.config.settle_ms()))
    }

    /// Resolves when Redis answers again after being marked unavailable.
    pub async fn recovered(&self) {
        self.breaker.recovered().await;
    }

    pub(super) fn unavailable(&self, message: String) -> DirectoryError {
        self.stats.redis_errors.fetch_add(1, Ordering::Relaxed);
        DirectoryError::Unavailable(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn opens_on_failure_closes_on_an_answer_then_settles() {
        let b = Breaker::default();
        assert!(b.check().is_ok());
        assert!(b.settled(Duration::from_secs(1)));
        assert!(b.trip("redis timed out"));
        assert!(!b.trip("redis timed out"), "one probe at a time");
        let err = b.check().unwrap_err();
        assert!(err.contains("redis timed out"), "{err}");
        assert!(!b.settled(Duration::ZERO));
        b.answered();
        b.probe_done();
        assert!(b.check().is_ok());
        assert!(!b.settled(Duration::from_secs(1)));
        tokio::time::advance(Duration::from_millis(1001)).await;
        assert!(b.settled(Duration::from_secs(1)));
        assert!(b.trip("connection refused"), "a new outage starts a probe");
    }
}
