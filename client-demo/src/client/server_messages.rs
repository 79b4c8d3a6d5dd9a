//! How each server message changes the [`Client`]: a snapshot is applied to the
//! view (stale ones, and on QUIC deltas against a lost baseline, are skipped), feeds
//! the timeline and the predictor's reconciliation; a pong gives a round-trip sample;
//! game events (rows of the schema's events) move the own entity when one gives the
//! own player an entity (a join or respawn); an error ends the session.

use super::{Client, Update};
use crate::error::{ClientError, Result};
use crate::games::entity_given_to;
use std::sync::OnceLock;
use tickcast_shared::protocol::ServerMsg;

impl Client {
    /// Apply one message; `None` when it was ignored.
    pub(super) fn handle(&mut self, msg: ServerMsg) -> Result<Option<Update>> {
        let update = match msg {
            ServerMsg::Snapshot {
                tick,
                baseline,
                last_input,
                input_lead,
                body,
            } => {
                let previous = self.view.newest_tick();
                match self.view.apply(tick, baseline, &body) {
                    Ok(Some(_)) => {}
                    // Not newer than what is shown: out of order (QUIC), ignored.
                    Ok(None) => return Ok(None),
                    // Lost or late baseline on an unordered transport: skipped (it is
                    // counted); the next ack gets a delta the client can apply.
                    Err(ClientError::UnknownBaseline { .. }) if !self.conn.is_ordered() => {
                        return Ok(None);
                    }
                    Err(e) => return Err(e),
                }
                self.arena_world = OnceLock::new();
                self.snapshot_applied(tick, previous, baseline.is_none());
                self.input_clock.observe_lead(input_lead);
                if input_lead >= 0 {
                    self.input_delay_sample(tick, last_input);
                }
                self.last_input = self.last_input.max(last_input);
                let own = self.view.own().and_then(crate::arena::entity);
                if let Some(p) = self.predictor.as_mut()
                    && let Some(error) = p.reconcile(own.as_ref(), self.last_input)
                {
                    self.stats.prediction_error(error);
                }
                if let Some(p) = self.row_predictor.as_mut()
                    && let Some(error) = p.reconcile(self.view.own(), self.last_input)
                {
                    self.stats.prediction_error(error);
                }
                Update::Snapshot {
                    tick,
                    keyframe: baseline.is_none(),
                }
            }
            ServerMsg::Pong { nonce, .. } => {
                let rtt = self
                    .pings
                    .iter()
                    .position(|(n, _)| *n == nonce)
                    .and_then(|i| self.pings.remove(i))
                    .map(|(_, sent)| sent.elapsed());
                if let Some(rtt) = rtt {
                    // RFC 6298's smoothing: 1/8 of each new sample.
                    self.srtt = Some(self.srtt.map_or(rtt, |s| (s * 7 + rtt) / 8));
                }
                Update::Pong { nonce, rtt }
            }
            ServerMsg::Events {
                tick,
                events,
                players,
            } => {
                for event in &events {
                    if let Some(entity) =
                        entity_given_to(&self.welcome.schema, event, self.welcome.player)
                    {
                        self.view.set_own_entity(entity);
                        self.arena_world = OnceLock::new();
                    }
                }
                Update::Events {
                    tick,
                    events,
                    players,
                }
            }
            ServerMsg::Error { code, reason } => return Err(ClientError::Server { code, reason }),
            ServerMsg::Welcome { .. } => {
                return Err(ClientError::Protocol("a second Welcome".to_owned()));
            }
        };
        Ok(Some(update))
    }
}
