//! The series that depend on the transport (round trips, delivery delay, bytes,
//! open sessions), labelled `transport="ws"|"quic"|"webtransport"`: [`Transport`], the handles of
//! one transport ([`TransportMetrics`]), and their registration as one block by
//! [`super::Metrics::new`] (every label set created up front, so the hot path never
//! looks one up).

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::fmt::Write;

/// Which transport carries a player session (the `transport` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    Ws,
    Quic,
    /// QUIC through HTTP/3 WebTransport (browsers).
    WebTransport,
}

impl Transport {
    pub const ALL: [Transport; 3] = [Transport::Ws, Transport::Quic, Transport::WebTransport];

    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Ws => "ws",
            Transport::Quic => "quic",
            Transport::WebTransport => "webtransport",
        }
    }
}

impl EncodeLabelValue for Transport {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        encoder.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct TransportLabel {
    transport: Transport,
}

/// The handles of one transport's series.
#[derive(Debug, Clone)]
pub struct TransportMetrics {
    /// Round-trip times of server pings.
    pub rtt: Histogram,
    /// From the room producing a snapshot to the session having written it.
    pub delivery_delay: Histogram,
    /// Bytes of snapshots and messages written to players.
    pub bytes_sent: Counter,
    /// Open player connections.
    pub sessions: Gauge,
}

impl TransportMetrics {
    /// Register the transport families; the handles of each of [`Transport::ALL`],
    /// in that order.
    pub(super) fn register(r: &mut Registry) -> [TransportMetrics; 3] {
        let rtt =
            Family::<TransportLabel, Histogram, fn() -> Histogram>::new_with_constructor(|| {
                Histogram::new(rtt_buckets())
            });
        r.register(
            "tickcast_rtt_seconds",
            "Round-trip time of server pings to players",
            rtt.clone(),
        );
        let delay =
            Family::<TransportLabel, Histogram, fn() -> Histogram>::new_with_constructor(|| {
                Histogram::new(delay_buckets())
            });
        r.register(
            "tickcast_delivery_delay_seconds",
            "From the room producing a snapshot to its session having written it",
            delay.clone(),
        );
        let bytes = Family::<TransportLabel, Counter>::default();
        r.register(
            "tickcast_bytes_sent",
            "Bytes of snapshots and messages written to players",
            bytes.clone(),
        );
        let sessions = Family::<TransportLabel, Gauge>::default();
        r.register(
            "tickcast_sessions",
            "Open player connections",
            sessions.clone(),
        );
        let of = |transport| {
            let l = TransportLabel { transport };
            TransportMetrics {
                rtt: rtt.get_or_create(&l).clone(),
                delivery_delay: delay.get_or_create(&l).clone(),
                bytes_sent: bytes.get_or_create(&l).clone(),
                sessions: sessions.get_or_create(&l).clone(),
            }
        };
        Transport::ALL.map(of)
    }
}

/// Bucket bounds of the round-trip histograms, in seconds.
fn rtt_buckets() -> impl Iterator<Item = f64> {
    // 250 µs .. 2 s
    exponential_buckets(250e-6, 2.0, 14)
}

/// Bucket bounds of the delivery delay histograms, in seconds.
fn delay_buckets() -> impl Iterator<Item = f64> {
    // 25 µs .. 205 ms
    exponential_buckets(25e-6, 2.0, 14)
}
