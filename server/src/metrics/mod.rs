//! Process-wide metrics on the `prometheus-client` crate, rendered as OpenMetrics
//! text at `GET /metrics`.
//!
//! [`Metrics`] is a struct of typed handles, registered once: a call site is one line
//! (`metrics.ticks_skipped.inc_by(n)`), and adding a metric is one field plus one
//! `register` call in [`Metrics::new`]. Counters and gauges are atomics; histograms
//! take a short uncontended lock per observation. Durations are real Prometheus
//! histograms (`_bucket{le=...}`, `_sum`, `_count`), so a Prometheus server can
//! aggregate them over processes and window them with `rate()`.
//!
//! What depends on the transport (round trips, delivery delay, bytes, sessions) is
//! labelled `transport="ws"|"quic"|"webtransport"`; [`Metrics::transport`] hands out the handles of
//! one transport, created up front so the hot path never looks up a label set
//! (those series are in `transport`).

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

mod limits;
pub use limits::{EdgeMetrics, LimitMetrics};
mod quic;
pub use quic::{QuicSnapshotMetrics, WebTransportRefusals, WtRefusal};
mod replays;
pub use replays::ReplayMetrics;
mod transport;
pub use transport::{Transport, TransportMetrics};
mod lobby_guards;
pub use lobby_guards::LobbyGuardMetrics;
mod lobby_refusals;
mod reasons;
pub use lobby_refusals::{LobbyRefusal, LobbyRefusals};
pub use reasons::{Reason, ReasonCounter};

/// Why a room finished (the `reason` label of `tickcast_rooms_finished_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FinishReason {
    /// Nobody was seated for `empty_room_secs`.
    Empty,
    /// The server is stopping.
    Shutdown,
    /// The room's task panicked.
    Crashed,
    /// An operator closed it (`POST /api/admin/rooms/{id}/close`).
    Closed,
}

impl Reason for FinishReason {
    const ALL: &'static [FinishReason] = &[
        FinishReason::Empty,
        FinishReason::Shutdown,
        FinishReason::Crashed,
        FinishReason::Closed,
    ];

    fn as_str(self) -> &'static str {
        match self {
            FinishReason::Empty => "empty",
            FinishReason::Shutdown => "shutdown",
            FinishReason::Crashed => "crashed",
            FinishReason::Closed => "closed",
        }
    }
}

/// Bucket bounds of the histograms, in seconds.
fn tick_buckets() -> impl Iterator<Item = f64> {
    // 25 µs .. 205 ms
    exponential_buckets(25e-6, 2.0, 14)
}

/// The spectator streams' counters (resume, catch-up, write timeouts).
#[derive(Debug, Clone, Default)]
pub struct SpectatorCounters {
    pub write_timeouts: Counter,
    pub catchup_keyframes: Counter,
    pub resets: Counter,
    pub resumes: Counter,
}

/// All server metrics, as typed handles (cheap to clone: every handle is an `Arc`).
pub struct Metrics {
    registry: Registry,
    pub tick_duration: Histogram,
    tick_max_ns: AtomicU64,
    tick_max: Gauge<f64, AtomicU64>,
    pub ticks_skipped: Counter,
    pub snapshots_sent: Counter,
    pub keyframes_sent: Counter,
    pub inputs_dropped: Counter,
    /// Control messages (game events, errors) a session's full queue refused.
    pub control_dropped: Counter,
    /// Player snapshots a room wrote straight to a taken-over WebSocket (the rest
    /// went through their sessions).
    pub ws_direct_snapshots: Counter,
    /// Player inputs a room read straight from a taken-over WebSocket.
    pub ws_direct_inputs: Counter,
    /// Starved ticks that applied a player's previous input again.
    pub inputs_repeated: Counter,
    pub frames_rejected: Counter,
    pub rooms: Gauge,
    pub players: Gauge,
    pub spectators: Gauge,
    /// Frames and game events the room could not hand to its spectator task.
    pub spectator_frames_dropped: Counter,
    /// Spectator streams that fell behind and skipped to the next keyframe.
    pub spectator_lag_skips: Counter,
    /// Spectator streams (live and replay): see [`SpectatorCounters`].
    pub spectator: SpectatorCounters,
    rooms_finished: ReasonCounter<FinishReason>,
    /// Refusals of the session and lobby limits.
    pub limits: LimitMetrics,
    ws: TransportMetrics,
    quic: TransportMetrics,
    webtransport: TransportMetrics,
    /// The listener's and the per-address limits' series.
    pub edge: EdgeMetrics,
    /// How snapshots reach QUIC players.
    pub quic_snapshots: QuicSnapshotMetrics,
    /// WebTransport sessions refused before they were accepted.
    pub wt_refusals: WebTransportRefusals,
    /// Refusals of the lobby's per-address and per-identity guards.
    pub lobby_guards: LobbyGuardMetrics,
    /// Every lobby API call refused, by reason.
    pub lobby_refusals: LobbyRefusals,
    /// Recordings: refused files, downloads, write failures, retention.
    pub replays: ReplayMetrics,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Every metric, registered under its exposition name.
    pub fn new() -> Metrics {
        let mut r = Registry::default();
        let tick_duration = Histogram::new(tick_buckets());
        r.register(
            "tickcast_tick_duration_seconds",
            "Time one room spends on one tick",
            tick_duration.clone(),
        );
        let tick_max = Gauge::<f64, AtomicU64>::default();
        r.register(
            "tickcast_tick_duration_max_seconds",
            "Longest tick of any room since the server started",
            tick_max.clone(),
        );
        // Counters are registered without `_total`; the encoder appends it.
        let counter = |r: &mut Registry, name: &str, help: &str| {
            let c = Counter::default();
            r.register(name, help, c.clone());
            c
        };
        let ticks_skipped = counter(
            &mut r,
            "tickcast_ticks_skipped",
            "Ticks skipped because a room ran late",
        );
        let snapshots_sent = counter(
            &mut r,
            "tickcast_snapshots_sent",
            "Snapshots handed to player outboxes",
        );
        let keyframes_sent = counter(
            &mut r,
            "tickcast_keyframes_sent",
            "Snapshots sent as keyframes",
        );
        let control_dropped = counter(
            &mut r,
            "tickcast_control_dropped",
            "Control messages (game events, errors) refused by a session's full queue",
        );
        let ws_direct_snapshots = counter(
            &mut r,
            "tickcast_ws_direct_snapshots",
            "Player snapshots a room wrote straight to a taken-over WebSocket, without its session",
        );
        let ws_direct_inputs = counter(
            &mut r,
            "tickcast_ws_direct_inputs",
            "Player inputs a room read straight from a taken-over WebSocket at its tick, without waking the session",
        );
        let inputs_dropped = counter(
            &mut r,
            "tickcast_inputs_dropped",
            "Inputs dropped (late, duplicate or flooding)",
        );
        let inputs_repeated = counter(
            &mut r,
            "tickcast_inputs_repeated",
            "Starved ticks that applied a player's previous input again (fire released)",
        );
        let frames_rejected = counter(
            &mut r,
            "tickcast_frames_rejected",
            "Client frames that closed their connection",
        );
        let spectator_frames_dropped = counter(
            &mut r,
            "tickcast_spectator_frames_dropped",
            "Spectator frames and events dropped because the spectator task was behind",
        );
        let spectator_lag_skips = counter(
            &mut r,
            "tickcast_spectator_lag_skips",
            "Spectator streams that fell behind and skipped to the next keyframe",
        );
        let spectator = SpectatorCounters {
            write_timeouts: counter(
                &mut r,
                "tickcast_spectator_write_timeouts",
                "Spectator and replay streams dropped for accepting no bytes for write_timeout_secs",
            ),
            catchup_keyframes: counter(
                &mut r,
                "tickcast_spectator_catchup_keyframes",
                "Catch-up keyframes sent to spectators that fell behind",
            ),
            resets: counter(
                &mut r,
                "tickcast_spectator_resets",
                "Spectator streams that could not resume after the client's id and restarted",
            ),
            resumes: counter(
                &mut r,
                "tickcast_spectator_resumes",
                "Spectator streams resumed exactly after the client's Last-Event-ID",
            ),
        };
        let gauge = |r: &mut Registry, name: &str, help: &str| {
            let g = Gauge::default();
            r.register(name, help, g.clone());
            g
        };
        let rooms = gauge(&mut r, "tickcast_rooms", "Rooms in the directory");
        let players = gauge(&mut r, "tickcast_players", "Players seated in rooms");
        let spectators = gauge(&mut r, "tickcast_spectators", "Open spectator streams");
        let rooms_finished = ReasonCounter::register(
            &mut r,
            "tickcast_rooms_finished",
            "Rooms finished, by reason",
        );

        let [ws, quic, webtransport] = TransportMetrics::register(&mut r);
        let edge = EdgeMetrics::register(&mut r);
        let limits = LimitMetrics::register(&mut r);
        let quic_snapshots = QuicSnapshotMetrics::register(&mut r);
        let wt_refusals = quic::register_wt_refusals(&mut r);
        let lobby_guards = LobbyGuardMetrics::register(&mut r);
        let lobby_refusals = lobby_refusals::register(&mut r);
        let replays = ReplayMetrics::register(&mut r);
        Metrics {
            registry: r,
            tick_duration,
            tick_max_ns: AtomicU64::new(0),
            tick_max,
            ticks_skipped,
            snapshots_sent,
            keyframes_sent,
            inputs_dropped,
            control_dropped,
            ws_direct_snapshots,
            ws_direct_inputs,
            inputs_repeated,
            frames_rejected,
            rooms,
            players,
            spectators,
            spectator_frames_dropped,
            spectator_lag_skips,
            spectator,
            rooms_finished,
            limits,
            ws,
            quic,
            webtransport,
            edge,
            quic_snapshots,
            wt_refusals,
            lobby_guards,
            lobby_refusals,
            replays,
        }
    }

    /// The series of one transport.
    pub fn transport(&self, transport: Transport) -> &TransportMetrics {
        match transport {
            Transport::Ws => &self.ws,
            Transport::Quic => &self.quic,
            Transport::WebTransport => &self.webtransport,
        }
    }

    /// Player connections open over every transport.
    pub fn open_sessions(&self) -> i64 {
        Transport::ALL
            .iter()
            .map(|t| self.transport(*t).sessions.get())
            .sum()
    }

    /// One room tick took `d`.
    pub fn tick(&self, d: Duration) {
        let secs = d.as_secs_f64();
        self.tick_duration.observe(secs);
        let ns = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        if self.tick_max_ns.fetch_max(ns, Ordering::Relaxed) < ns {
            // Racing rooms may set an older maximum last; the next longer tick fixes it.
            self.tick_max.set(secs);
        }
    }

    /// A room finished for `reason`.
    pub fn room_finished(&self, reason: FinishReason) {
        self.rooms_finished.inc(reason);
    }

    /// OpenMetrics text exposition.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(8192);
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!(error = %e, "encoding metrics");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str, series: &str) -> Option<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
    }

    #[test]
    fn counters_keep_todays_names_and_histograms_have_buckets() {
        let m = Metrics::new();
        m.tick(Duration::from_micros(50));
        m.tick(Duration::from_micros(300));
        m.ticks_skipped.inc_by(2);
        m.spectators.set(3);
        m.transport(Transport::Ws).rtt.observe(0.004);
        m.transport(Transport::Ws).sessions.inc();
        m.room_finished(FinishReason::Empty);
        let text = m.render();
        assert_eq!(value(&text, "tickcast_ticks_skipped_total"), Some(2.0));
        assert_eq!(value(&text, "tickcast_spectators"), Some(3.0));
        assert_eq!(
            value(&text, "tickcast_tick_duration_seconds_count"),
            Some(2.0)
        );
        assert_eq!(
            value(&text, "tickcast_tick_duration_seconds_bucket{le=\"+Inf\"}"),
            Some(2.0),
            "{text}"
        );
        assert_eq!(
            value(&text, "tickcast_tick_duration_max_seconds"),
            Some(0.0003)
        );
        assert_eq!(
            value(&text, "tickcast_rtt_seconds_count{transport=\"ws\"}"),
            Some(1.0),
            "{text}"
        );
        assert_eq!(
            value(&text, "tickcast_sessions{transport=\"ws\"}"),
            Some(1.0)
        );
        assert_eq!(
            value(&text, "tickcast_rooms_finished_total{reason=\"empty\"}"),
            Some(1.0)
        );
        assert_eq!(
            value(&text, "tickcast_rooms_finished_total{reason=\"crashed\"}"),
            Some(0.0)
        );
        assert_eq!(m.open_sessions(), 1);
    }
}
