//! The series of the lobby's per-address and per-identity guards: an address's
//! share of the entity budget, its outstanding seat tickets, the rate of ticket and
//! resume-token checks at `/ws`, and bearer tokens refused, by reason. Registered as
//! one block by [`super::Metrics::new`].

use super::reasons::{Reason, ReasonCounter};
use crate::auth::Refusal;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::registry::Registry;

impl Reason for Refusal {
    const ALL: &'static [Refusal] = &[
        Refusal::Missing,
        Refusal::Malformed,
        Refusal::Signature,
        Refusal::Expired,
        Refusal::NotYetValid,
        Refusal::IssuedInFuture,
        Refusal::MissingClaim,
        Refusal::Issuer,
        Refusal::Audience,
        Refusal::Subject,
        Refusal::NotAdmin,
    ];

    fn as_str(self) -> &'static str {
        Refusal::label(self)
    }
}

/// Refusals of the lobby's per-address guards.
#[derive(Debug, Clone, Default)]
pub struct LobbyGuardMetrics {
    /// Room creations refused at the address's share of the entity budget.
    pub ip_entities_refused: Counter,
    /// Seat tickets refused at the address's limit of outstanding tickets.
    pub ip_tickets_refused: Counter,
    /// Outstanding tickets given back because the same address or identity asked
    /// again for the same room.
    pub tickets_replaced: Counter,
    /// `/ws` ticket and resume-token checks refused with 429 (per-address rate).
    pub ticket_checks_rate_limited: Counter,
    /// Bearer tokens refused (401), by reason.
    auth_refused_by_reason: ReasonCounter<Refusal>,
}

impl LobbyGuardMetrics {
    pub(super) fn register(r: &mut Registry) -> LobbyGuardMetrics {
        let m = LobbyGuardMetrics::default();
        r.register(
            "tickcast_ip_entities_refused",
            "Room creations refused at the per-address share of the entity budget",
            m.ip_entities_refused.clone(),
        );
        r.register(
            "tickcast_ip_tickets_refused",
            "Seat tickets refused at the per-address limit of outstanding tickets",
            m.ip_tickets_refused.clone(),
        );
        r.register(
            "tickcast_tickets_replaced",
            "Outstanding seat tickets replaced by a new one for the same room and holder",
            m.tickets_replaced.clone(),
        );
        r.register(
            "tickcast_ticket_checks_rate_limited",
            "WebSocket ticket and resume-token checks refused with 429 (per-address rate)",
            m.ticket_checks_rate_limited.clone(),
        );
        LobbyGuardMetrics {
            auth_refused_by_reason: ReasonCounter::register(
                r,
                "tickcast_auth_refused_by_reason",
                "Bearer tokens refused with 401, by reason",
            ),
            ..m
        }
    }

    /// Count a refused bearer token.
    pub fn auth_refused(&self, reason: Refusal) {
        self.auth_refused_by_reason.inc(reason);
    }
}
