//! The series of the lobby's per-address and per-identity guards: an address's
//! share of the entity budget, its outstanding seat tickets, the rate of ticket and
//! resume-token checks at `/ws`, and bearer tokens refused, by reason. Registered as
//! one block by [`super::Metrics::new`].

use crate::auth::Refusal;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

/// The `reason` label of refused bearer tokens.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct AuthReasonLabel {
    pub reason: Refusal,
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
    auth_refused_by_reason: Family<AuthReasonLabel, Counter>,
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
        r.register(
            "tickcast_auth_refused_by_reason",
            "Bearer tokens refused with 401, by reason",
            m.auth_refused_by_reason.clone(),
        );
        m
    }

    /// Count a refused bearer token.
    pub fn auth_refused(&self, reason: Refusal) {
        self.auth_refused_by_reason
            .get_or_create(&AuthReasonLabel { reason })
            .inc();
    }
}
