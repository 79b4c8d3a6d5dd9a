//! How snapshots reach QUIC players: whole datagrams, datagram fragments, or a
//! stream each; and WebTransport sessions refused, by reason (each registered as
//! one block by [`super::Metrics::new`]).

use super::reasons::{Reason, ReasonCounter};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::registry::Registry;

/// The QUIC snapshot paths' counters.
#[derive(Debug, Clone)]
pub struct QuicSnapshotMetrics {
    /// Snapshots sent as one datagram.
    pub datagrams: Counter,
    /// Snapshots split into datagram fragments.
    pub fragmented: Counter,
    /// Fragment datagrams sent.
    pub fragments: Counter,
    /// Snapshots sent on a stream of their own.
    pub streams: Counter,
}

impl QuicSnapshotMetrics {
    pub(super) fn register(r: &mut Registry) -> QuicSnapshotMetrics {
        let mut counter = |name: &str, help: &str| {
            let c = Counter::default();
            r.register(name, help, c.clone());
            c
        };
        QuicSnapshotMetrics {
            datagrams: counter(
                "tickcast_quic_snapshot_datagrams",
                "Snapshots sent to QUIC players as one datagram",
            ),
            fragmented: counter(
                "tickcast_quic_snapshots_fragmented",
                "Snapshots sent to QUIC players as datagram fragments",
            ),
            fragments: counter(
                "tickcast_quic_snapshot_fragments",
                "Fragment datagrams sent to QUIC players",
            ),
            streams: counter(
                "tickcast_quic_snapshot_streams",
                "Snapshots sent to QUIC players on a stream of their own",
            ),
        }
    }
}

/// Why a WebTransport session was refused before it was accepted (the `reason`
/// label of `tickcast_webtransport_refused_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WtRefusal {
    /// No HTTP/3 `CONNECT` in time, or a broken one.
    Handshake,
    /// A path other than `/wt`.
    Path,
    /// Ticket or resume token refused (401).
    Ticket,
    /// Past the address's rate of ticket checks (429).
    Rate,
    /// No control stream in time after the session was accepted.
    NoControlStream,
}

impl Reason for WtRefusal {
    const ALL: &'static [WtRefusal] = &[
        WtRefusal::Handshake,
        WtRefusal::Path,
        WtRefusal::Ticket,
        WtRefusal::Rate,
        WtRefusal::NoControlStream,
    ];

    fn as_str(self) -> &'static str {
        match self {
            WtRefusal::Handshake => "handshake",
            WtRefusal::Path => "path",
            WtRefusal::Ticket => "ticket",
            WtRefusal::Rate => "rate",
            WtRefusal::NoControlStream => "no_control_stream",
        }
    }
}

/// WebTransport sessions refused, by reason
/// (`tickcast_webtransport_refused_total{reason}`).
pub type WebTransportRefusals = ReasonCounter<WtRefusal>;

/// Register `tickcast_webtransport_refused_total`.
pub(super) fn register_wt_refusals(r: &mut Registry) -> WebTransportRefusals {
    ReasonCounter::register(
        r,
        "tickcast_webtransport_refused",
        "WebTransport sessions refused before they were accepted, by reason",
    )
}
