//! The client's side of [`crate::reconnect`]: an outage in progress, the attempts
//! (each in a task, so a cancelled [`Client::next_update`] loses nothing), and taking
//! over the resumed connection.

use super::Client;
use crate::error::{ClientError, Result};
use crate::reconnect::is_drop;
use tickcast_shared::protocol::ClientMsg;

/// A reconnect in progress; kept in the client so `next_update` stays cancel-safe.
#[derive(Debug, Default)]
pub(super) struct Outage {
    pub(super) retry_at: Option<tokio::time::Instant>,
    pub(super) attempt: Option<tokio::task::JoinHandle<Result<Client>>>,
}

impl Client {
    /// Wait for the next attempt, make it (in a task, so a cancelled call loses
    /// nothing), and adopt the new connection; the attempts it took, or the error
    /// that ends the session.
    pub(super) async fn reconnect(&mut self) -> Result<u32> {
        loop {
            let Some(outage) = self.outage.as_mut() else {
                return Ok(self.backoff.attempts());
            };
            if outage.attempt.is_none() {
                let retry_at = match outage.retry_at {
                    Some(at) => at,
                    None => {
                        let Some(wait) = self.backoff.next_wait() else {
                            return Err(ClientError::Closed {
                                code: crate::quic_inbox::ABNORMAL,
                                reason: format!(
                                    "connection lost; gave up after {} reconnect attempts",
                                    self.backoff.attempts()
                                ),
                            });
                        };
                        *outage.retry_at.insert(tokio::time::Instant::now() + wait)
                    }
                };
                tokio::time::sleep_until(retry_at).await;
                let (target, token) = (self.target.clone(), self.welcome.resume_token.clone());
                let (name, config) = (self.name.clone(), self.config.clone());
                outage.attempt = Some(tokio::spawn(async move {
                    Client::resume(&target, &token, &name, &config).await
                }));
            }
            let Some(attempt) = outage.attempt.as_mut() else {
                continue;
            };
            let joined = attempt.await;
            outage.attempt = None;
            outage.retry_at = None;
            match joined {
                Ok(Ok(fresh)) => {
                    let attempts = self.backoff.attempts();
                    self.adopt(fresh);
                    return Ok(attempts);
                }
                // Not reachable yet: the next attempt, after a longer wait.
                Ok(Err(e)) if is_drop(&e) || matches!(e, ClientError::Timeout { .. }) => {
                    tracing::debug!(error = %e, "reconnect attempt failed");
                }
                Ok(Err(e)) => {
                    self.outage = None;
                    return Err(e);
                }
                Err(e) => {
                    self.outage = None;
                    return Err(ClientError::Protocol(format!("reconnect task failed: {e}")));
                }
            }
        }
    }

    /// Take over the connection of a resumed session: same player, fresh baselines.
    fn adopt(&mut self, fresh: Client) {
        let Client {
            conn,
            welcome,
            early,
            view,
            ..
        } = fresh;
        self.conn = conn;
        self.welcome = welcome;
        self.early = early;
        self.view = view;
        self.arena_world = std::sync::OnceLock::new();
        self.recent.clear();
        self.pings.clear();
        self.outage = None;
        self.backoff.reset();
        self.stats.reconnects += 1;
    }

    /// True while the connection is down and being re-established.
    pub fn is_reconnecting(&self) -> bool {
        self.outage.is_some()
    }

    /// Send `msg`, unless the connection is down: then nothing goes out (inputs are
    /// still predicted) and the next [`Client::next_update`] reconnects.
    pub(super) async fn send_or_drop(&mut self, msg: &ClientMsg) -> Result<()> {
        if self.outage.is_some() {
            return Ok(());
        }
        match self.conn.send(msg).await {
            Err(e) if self.config.reconnect.enabled && is_drop(&e) => {
                self.outage = Some(Outage::default());
                Ok(())
            }
            other => other,
        }
    }
}
