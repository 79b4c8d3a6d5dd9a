//! The per-address rate of seat-ticket and resume-token checks at `GET /ws`
//! (`[lobby] ticket_checks_per_sec` refill, `ticket_checks_burst` capacity; the
//! same `governor` GCRA buckets as the lobby's request rate). A check past it is
//! answered `429` before the ticket or token is looked at, so guessing at tickets
//! costs the guesser, not the lobby's lock or the cluster's Redis.

use super::budget::LobbyConfig;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

/// The buckets of ticket checks, one per address.
pub struct TicketChecks {
    buckets: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
}

impl TicketChecks {
    pub fn new(config: &LobbyConfig) -> TicketChecks {
        let rate = NonZeroU32::new(config.ticket_checks_per_sec).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(config.ticket_checks_burst).unwrap_or(NonZeroU32::MIN);
        TicketChecks::with_quota(Quota::per_second(rate).allow_burst(burst))
    }

    fn with_quota(quota: Quota) -> TicketChecks {
        TicketChecks {
            buckets: RateLimiter::keyed(quota),
            clock: DefaultClock::default(),
        }
    }

    /// Take one check from `ip`'s bucket; `Err(wait)` when it is empty.
    pub fn check(&self, ip: IpAddr) -> Result<(), Duration> {
        self.buckets
            .check_key(&ip.to_canonical())
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    /// Forget addresses whose buckets are full again.
    pub fn sweep(&self) {
        self.buckets.retain_recent();
        self.buckets.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn a_burst_empties_one_address_bucket_only() {
        let quota = Quota::with_period(Duration::from_secs(3600))
            .unwrap()
            .allow_burst(NonZeroU32::new(3).unwrap());
        let checks = TicketChecks::with_quota(quota);
        let a = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1));
        let b = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
        for _ in 0..3 {
            assert_eq!(checks.check(a), Ok(()));
        }
        assert!(checks.check(a).is_err_and(|wait| wait > Duration::ZERO));
        assert_eq!(checks.check(b), Ok(()));
    }
}
