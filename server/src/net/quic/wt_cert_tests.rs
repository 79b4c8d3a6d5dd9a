//! The WebTransport certificate's rotation rules.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

const HOUR: Duration = Duration::from_secs(3600);

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

#[test]
fn the_overlap_is_a_quarter_of_the_validity_and_at_most_a_day() {
    assert_eq!(overlap(4 * HOUR), HOUR);
    assert_eq!(overlap(312 * HOUR), 24 * HOUR);
    assert_eq!(overlap(336 * HOUR), 24 * HOUR);
}

#[test]
fn the_next_certificate_is_announced_before_it_is_served_and_served_before_the_end() {
    let start = SystemTime::UNIX_EPOCH + 1000 * HOUR;
    let end = start + 312 * HOUR;
    let o = overlap(312 * HOUR);
    // Fresh: nothing to do until 2 × overlap before the end.
    assert_eq!(plan(start, end, false, o), Step::Wait(end - 2 * o));
    // From then on the next one is made (and announced beside the current one)...
    assert_eq!(plan(end - 2 * o, end, false, o), Step::MakeNext);
    assert_eq!(plan(end - o - HOUR, end, false, o), Step::MakeNext);
    // ...and served only an overlap before the end.
    assert_eq!(plan(end - 2 * o, end, true, o), Step::Wait(end - o));
    assert_eq!(plan(end - o, end, true, o), Step::Switch);
    // A server asleep past the end still makes one, then switches.
    assert_eq!(plan(end + HOUR, end, false, o), Step::MakeNext);
    assert_eq!(plan(end + HOUR, end, true, o), Step::Switch);
}

#[test]
fn a_made_certificate_is_ecdsa_p256_and_valid_at_most_fourteen_days() {
    let now = SystemTime::now();
    let (made, der) = make(now, 400 * HOUR, &provider()).unwrap();
    let span = made.not_after.duration_since(now - BACKDATE).unwrap();
    assert!(span <= MAX_VALIDITY, "{span:?}");
    assert_eq!(made.sha256, cert_sha256(&der));
    assert_eq!(made.sha256.len(), 64);
    // The P-256 OID (1.2.840.10045.3.1.7) is in the certificate's key info.
    let p256 = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    assert!(der.windows(p256.len()).any(|w| w == p256));
}

#[test]
fn rotation_announces_both_hashes_during_the_overlap_then_serves_the_new_one() {
    let certs = WtCerts::new(4, provider()).unwrap();
    let first = certs.hashes();
    assert_eq!(first.len(), 1);
    let served_first = certs.current();
    let now = SystemTime::now();
    // Early: nothing changes; the next look is at 2 × overlap before the end.
    let next_look = certs.rotate(now);
    assert!(next_look > now + HOUR, "{next_look:?}");
    assert_eq!(certs.hashes(), first);
    // 2 h 30 in (the end at 4 h, overlap 1 h): the next is announced, not served.
    certs.rotate(now + 2 * HOUR + HOUR / 2);
    let both = certs.hashes();
    assert_eq!(both.len(), 2);
    assert_eq!(both[0], first[0]);
    assert_ne!(both[1], first[0]);
    assert!(Arc::ptr_eq(&certs.current(), &served_first));
    // 3 h 30 in: the next is served and is the only one left to announce.
    certs.rotate(now + 3 * HOUR + HOUR / 2);
    assert_eq!(certs.hashes(), vec![both[1].clone()]);
    assert!(!Arc::ptr_eq(&certs.current(), &served_first));
}
