//! The series of the server's limits: the edge's (listener, per-address limits,
//! TLS) and the per-session and per-server refusals, each registered as one block
//! by [`super::Metrics::new`].

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// The edge's series (listener, per-address limits, TLS), registered as one block.
#[derive(Debug, Clone)]
pub struct EdgeMetrics {
    /// Open TCP connections (HTTP, WebSocket, SSE).
    pub connections: Gauge,
    pub connections_refused: Counter,
    pub quic_connections_refused: Counter,
    pub header_timeouts: Counter,
    pub connections_cut: Counter,
    pub tls_handshake_failures: Counter,
    pub cert_reloads: Counter,
    pub cert_reload_failures: Counter,
    pub rate_limited: Counter,
    pub body_too_large: Counter,
    pub streams_refused: Counter,
    pub stream_resets: Counter,
    pub body_timeouts: Counter,
}

impl EdgeMetrics {
    pub(super) fn register(r: &mut Registry) -> EdgeMetrics {
        let connections = Gauge::default();
        r.register(
            "tickcast_http_connections",
            "Open TCP connections (HTTP, WebSocket, SSE)",
            connections.clone(),
        );
        let mut counter = |name: &str, help: &str| {
            let c = Counter::default();
            r.register(name, help, c.clone());
            c
        };
        EdgeMetrics {
            connections,
            connections_refused: counter(
                "tickcast_connections_refused",
                "TCP connections refused: their address was at its connection limit",
            ),
            quic_connections_refused: counter(
                "tickcast_quic_connections_refused",
                "QUIC connections refused: their address was at its connection limit",
            ),
            header_timeouts: counter(
                "tickcast_header_timeouts",
                "Connections cut for not sending a request head (or TLS handshake) in time",
            ),
            connections_cut: counter(
                "tickcast_connections_cut",
                "Connections still open at the shutdown deadline",
            ),
            tls_handshake_failures: counter(
                "tickcast_tls_handshake_failures",
                "TLS handshakes that failed",
            ),
            cert_reloads: counter("tickcast_cert_reloads", "TLS certificate reloads"),
            cert_reload_failures: counter(
                "tickcast_cert_reload_failures",
                "TLS certificate reloads refused (the old certificate stays)",
            ),
            rate_limited: counter(
                "tickcast_rate_limited",
                "Lobby requests refused with 429 (per-address rate)",
            ),
            body_too_large: counter(
                "tickcast_body_too_large",
                "Requests refused with 413 (body over the limit)",
            ),
            streams_refused: counter(
                "tickcast_streams_refused",
                "Requests refused with 429: their address was at its limit of requests in flight (HTTP/2 streams)",
            ),
            stream_resets: counter(
                "tickcast_stream_resets",
                "HTTP/2 streams reset for waiting too long for the peer's flow-control window",
            ),
            body_timeouts: counter(
                "tickcast_body_timeouts",
                "Requests answered 408: their body did not arrive within the body timeout",
            ),
        }
    }
}

/// Counters of refusals by the per-session and per-server limits.
#[derive(Debug, Clone, Default)]
pub struct LimitMetrics {
    /// Connections closed because no `Hello` came before the deadline.
    pub hello_timeouts: Counter,
    /// Inputs dropped at the session for arriving faster than the input rate.
    pub inputs_rate_limited: Counter,
    /// Sessions closed (1008) for a sustained input flood.
    pub input_floods: Counter,
    /// Inputs dropped because the room's shared inbox was full (also counted in
    /// `inputs_dropped`): what the per-session rate keeps at zero.
    pub inbox_full: Counter,
    /// Room creations or seats refused at the server-wide entity budget.
    pub entity_budget_refused: Counter,
    /// Room creations refused at the per-address room limit.
    pub ip_rooms_refused: Counter,
    /// Lobby calls refused for a missing or invalid bearer token (401).
    pub auth_refused: Counter,
    /// Open `GET /api/rooms/events` streams.
    pub lobby_viewers: Gauge,
    /// Room list streams refused at `[lobby] events_viewers` (503).
    pub lobby_viewers_refused: Counter,
    /// Room list viewers dropped for taking no bytes for the write timeout.
    pub lobby_write_timeouts: Counter,
    /// Room list changes published (`room` and `removed` events).
    pub lobby_events: Counter,
}

impl LimitMetrics {
    pub(super) fn register(r: &mut Registry) -> LimitMetrics {
        let m = LimitMetrics::default();
        r.register(
            "tickcast_hello_timeouts",
            "Connections closed for sending no Hello before the deadline",
            m.hello_timeouts.clone(),
        );
        r.register(
            "tickcast_inputs_rate_limited",
            "Inputs dropped at the session for exceeding the per-session input rate",
            m.inputs_rate_limited.clone(),
        );
        r.register(
            "tickcast_input_floods",
            "Sessions closed with 1008 for a sustained input flood",
            m.input_floods.clone(),
        );
        r.register(
            "tickcast_inputs_inbox_full",
            "Inputs dropped because the room's shared inbox was full",
            m.inbox_full.clone(),
        );
        r.register(
            "tickcast_entity_budget_refused",
            "Room creations and seats refused at the server-wide entity budget",
            m.entity_budget_refused.clone(),
        );
        r.register(
            "tickcast_auth_refused",
            "Lobby calls refused for a missing or invalid bearer token",
            m.auth_refused.clone(),
        );
        r.register(
            "tickcast_ip_rooms_refused",
            "Room creations refused at the per-address live room limit",
            m.ip_rooms_refused.clone(),
        );
        r.register(
            "tickcast_lobby_viewers",
            "Open room list streams (GET /api/rooms/events)",
            m.lobby_viewers.clone(),
        );
        r.register(
            "tickcast_lobby_viewers_refused",
            "Room list streams refused at the viewer limit",
            m.lobby_viewers_refused.clone(),
        );
        r.register(
            "tickcast_lobby_write_timeouts",
            "Room list viewers dropped for accepting no bytes in time",
            m.lobby_write_timeouts.clone(),
        );
        r.register(
            "tickcast_lobby_events",
            "Room list changes published to viewers",
            m.lobby_events.clone(),
        );
        m
    }
}
