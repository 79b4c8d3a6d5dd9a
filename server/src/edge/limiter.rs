//! Concurrent connections per IP address.
//!
//! A [`ConnLimiter`] hands out one [`ConnPermit`] per open connection; the permit
//! gives its slot back when dropped. TCP connections (HTTP, WebSocket, SSE) take a
//! permit at accept, QUIC connections at the endpoint, from the same limiter, so one
//! address holds at most `max_connections_per_ip` connections of all kinds at once.
//! IPv4-mapped IPv6 addresses count as their IPv4 address. The map only holds
//! addresses with at least one open connection, so it is bounded by the open
//! connections themselves.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

/// Counts open connections per address against one limit.
#[derive(Debug)]
pub struct ConnLimiter {
    max_per_ip: usize,
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One open connection's slot; dropping it frees the slot.
#[derive(Debug)]
pub struct ConnPermit {
    limiter: Arc<ConnLimiter>,
    ip: IpAddr,
}

impl ConnLimiter {
    /// A limiter allowing `max_per_ip` connections per address (at least 1).
    pub fn new(max_per_ip: usize) -> Arc<ConnLimiter> {
        Arc::new(ConnLimiter {
            max_per_ip: max_per_ip.max(1),
            open: Mutex::new(HashMap::new()),
        })
    }

    /// A slot for one more connection from `ip`, or `None` when it is at the limit.
    pub fn try_acquire(self: &Arc<Self>, ip: IpAddr) -> Option<ConnPermit> {
        let ip = ip.to_canonical();
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let n = open.entry(ip).or_insert(0);
        if *n >= self.max_per_ip {
            return None;
        }
        *n += 1;
        Some(ConnPermit {
            limiter: Arc::clone(self),
            ip,
        })
    }

    /// Open connections from `ip`.
    pub fn open_from(&self, ip: IpAddr) -> usize {
        let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.get(&ip.to_canonical()).copied().unwrap_or(0)
    }

    /// Addresses with at least one open connection.
    pub fn addresses(&self) -> usize {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    fn release(&self, ip: IpAddr) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = open.get_mut(&ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&ip);
            }
        }
    }
}

impl Drop for ConnPermit {
    fn drop(&mut self) {
        self.limiter.release(self.ip);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    const A: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

    #[test]
    fn an_address_is_held_at_its_limit_and_others_are_not() {
        let limiter = ConnLimiter::new(3);
        let held: Vec<_> = (0..3).filter_map(|_| limiter.try_acquire(A)).collect();
        assert_eq!(held.len(), 3);
        assert!(limiter.try_acquire(A).is_none());
        let other = limiter.try_acquire(B);
        assert!(other.is_some());
        assert_eq!(limiter.open_from(A), 3);
        assert_eq!(limiter.addresses(), 2);
    }

    #[test]
    fn dropping_a_permit_frees_its_slot_and_forgets_idle_addresses() {
        let limiter = ConnLimiter::new(1);
        let first = limiter.try_acquire(A);
        assert!(first.is_some());
        assert!(limiter.try_acquire(A).is_none());
        drop(first);
        assert_eq!(limiter.addresses(), 0);
        assert!(limiter.try_acquire(A).is_some());
    }

    #[test]
    fn mapped_ipv6_counts_as_its_ipv4_address() {
        let limiter = ConnLimiter::new(1);
        let _v4 = limiter.try_acquire(A);
        let mapped = IpAddr::V6(Ipv4Addr::new(127, 0, 0, 1).to_ipv6_mapped());
        assert!(limiter.try_acquire(mapped).is_none());
        assert!(
            limiter
                .try_acquire(IpAddr::V6(Ipv6Addr::LOCALHOST))
                .is_some()
        );
    }
}
