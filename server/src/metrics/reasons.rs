//! Counters labelled by a closed set of reasons (`reason="..."`): refusals of the
//! lobby and of WebTransport sessions, why rooms finished. One shape for all of
//! them: every label value is created at registration, so a reason that never
//! happened reads 0 instead of being absent, and a reason is an enum, never free
//! text, so a peer cannot grow the label set.

use prometheus_client::encoding::{EncodeLabelSet, LabelSetEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;
use std::fmt::Debug;
use std::hash::Hash;

/// A closed set of reasons, each with its label value.
pub trait Reason: Copy + Eq + Hash + Debug + Send + Sync + 'static {
    /// Every reason, in the order they are registered.
    const ALL: &'static [Self];

    /// The `reason` label value (lowercase, underscores).
    fn as_str(self) -> &'static str;
}

/// The label set `{reason="..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ReasonLabel<R>(R);

impl<R: Reason> EncodeLabelSet for ReasonLabel<R> {
    fn encode(&self, encoder: &mut LabelSetEncoder) -> Result<(), std::fmt::Error> {
        [("reason", self.0.as_str())].encode(encoder)
    }
}

/// A counter per reason of `R`, registered as one family.
#[derive(Debug, Clone)]
pub struct ReasonCounter<R: Reason>(Family<ReasonLabel<R>, Counter>);

impl<R: Reason> Default for ReasonCounter<R> {
    /// Every reason at 0, registered nowhere (yet).
    fn default() -> ReasonCounter<R> {
        let family = Family::<ReasonLabel<R>, Counter>::default();
        for reason in R::ALL {
            let _ = family.get_or_create(&ReasonLabel(*reason));
        }
        ReasonCounter(family)
    }
}

impl<R: Reason> ReasonCounter<R> {
    /// Register `name` (the registry adds `_total`) with every reason at 0.
    pub fn register(r: &mut Registry, name: &str, help: &str) -> ReasonCounter<R> {
        let counter = ReasonCounter::default();
        r.register(name, help, counter.0.clone());
        counter
    }

    /// Count one.
    pub fn inc(&self, reason: R) {
        self.0.get_or_create(&ReasonLabel(reason)).inc();
    }

    /// The count of `reason` so far.
    pub fn get(&self, reason: R) -> u64 {
        self.0.get_or_create(&ReasonLabel(reason)).get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus_client::encoding::text::encode;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    enum Why {
        Full,
        TooLate,
    }

    impl Reason for Why {
        const ALL: &'static [Why] = &[Why::Full, Why::TooLate];

        fn as_str(self) -> &'static str {
            match self {
                Why::Full => "full",
                Why::TooLate => "too_late",
            }
        }
    }

    #[test]
    fn every_reason_is_exported_from_zero_and_counted_apart() {
        let mut registry = Registry::default();
        let counter = ReasonCounter::<Why>::register(&mut registry, "test_refused", "Refusals");
        counter.inc(Why::TooLate);
        counter.inc(Why::TooLate);
        assert_eq!((counter.get(Why::Full), counter.get(Why::TooLate)), (0, 2));
        let mut text = String::new();
        encode(&mut text, &registry).expect("encodes");
        assert!(
            text.contains("test_refused_total{reason=\"full\"} 0"),
            "{text}"
        );
        assert!(
            text.contains("test_refused_total{reason=\"too_late\"} 2"),
            "{text}"
        );
    }
}
