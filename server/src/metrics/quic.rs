//! How snapshots reach QUIC players: whole datagrams, datagram fragments, or a
//! stream each (registered as one block by [`super::Metrics::new`]).

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
