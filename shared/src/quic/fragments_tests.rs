//! Fragments: split then reassemble in any order, with loss, duplicates, stale and
//! hostile datagrams; the reassembler stays within its bounds.

use super::*;

fn envelope(len: usize, salt: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31) ^ salt)
        .collect()
}

fn reassembler() -> Reassembler {
    Reassembler::new(3, 64, 64 * 1024)
}

#[test]
fn a_split_snapshot_reassembles_in_any_order() {
    let env = envelope(5000, 1);
    let mut parts = split(7, &env, 1200, 64).unwrap();
    assert_eq!(parts.len(), 5);
    assert!(parts.iter().all(|p| p.len() <= 1200 && is_fragment(p)));
    parts.reverse();
    parts.swap(1, 3);
    let mut r = reassembler();
    let (last, rest) = parts.split_last().unwrap();
    for p in rest {
        assert_eq!(r.push(p), Ok(None));
    }
    assert_eq!(r.push(last), Ok(Some(env)));
    assert_eq!(r.in_flight(), 0);
}

#[test]
fn duplicates_are_ignored_and_a_completed_snapshot_is_not_redone() {
    let env = envelope(3000, 2);
    let parts = split(1, &env, 1000, 64).unwrap();
    let mut r = reassembler();
    assert_eq!(r.push(&parts[0]), Ok(None));
    assert_eq!(r.push(&parts[0]), Ok(None), "duplicate");
    assert_eq!(r.push(&parts[1]), Ok(None));
    assert_eq!(r.push(&parts[2]), Ok(None));
    assert_eq!(r.push(&parts[3]), Ok(Some(env)));
    assert_eq!(r.push(&parts[2]), Err(FragmentError::Stale), "already done");
}

#[test]
fn a_lost_fragment_loses_its_snapshot_and_a_newer_one_overtakes_it() {
    let (a, b) = (envelope(2500, 3), envelope(2500, 4));
    let pa = split(10, &a, 1000, 64).unwrap();
    let pb = split(11, &b, 1000, 64).unwrap();
    let mut r = reassembler();
    // Fragment 1 of snapshot 10 is lost.
    assert_eq!(r.push(&pa[0]), Ok(None));
    assert_eq!(r.push(&pa[2]), Ok(None));
    for p in &pb[..2] {
        assert_eq!(r.push(p), Ok(None));
    }
    assert_eq!(r.push(&pb[2]), Ok(Some(b)));
    assert_eq!((r.in_flight(), r.lost), (0, 1), "10 was given up");
    // Its late fragment changes nothing.
    assert_eq!(r.push(&pa[1]), Err(FragmentError::Stale));
}

#[test]
fn at_most_max_in_flight_snapshots_are_held() {
    let mut r = reassembler();
    for seq in 0..10u32 {
        let parts = split(seq, &envelope(2000, seq as u8), 1000, 64).unwrap();
        assert_eq!(r.push(&parts[0]), Ok(None));
        assert!(r.in_flight() <= 3);
    }
    assert_eq!((r.in_flight(), r.lost), (3, 7));
    // An older snapshot than all in flight gets no slot.
    let old = split(2, &envelope(2000, 0), 1000, 64).unwrap();
    assert_eq!(r.push(&old[1]), Err(FragmentError::Stale));
    // The newest ones still complete.
    let parts = split(9, &envelope(2000, 9), 1000, 64).unwrap();
    assert_eq!(r.push(&parts[1]), Ok(None));
    assert_eq!(r.push(&parts[2]), Ok(Some(envelope(2000, 9))));
}

#[test]
fn hostile_counts_sizes_and_headers_are_refused_before_allocation() {
    let mut r = Reassembler::new(2, 16, 4000);
    let header = |seq: u32, index: u16, count: u16| {
        let mut d = vec![MAGIC];
        d.extend_from_slice(&seq.to_le_bytes());
        d.extend_from_slice(&index.to_le_bytes());
        d.extend_from_slice(&count.to_le_bytes());
        d
    };
    let with = |mut d: Vec<u8>, payload: &[u8]| {
        d.extend_from_slice(payload);
        d
    };
    assert_eq!(
        r.push(&with(header(1, 0, u16::MAX), b"x")),
        Err(FragmentError::TooManyFragments {
            count: u16::MAX,
            max: 16
        })
    );
    assert_eq!(r.in_flight(), 0, "nothing allocated for it");
    for bad in [
        vec![],
        vec![MAGIC],
        header(1, 0, 2),                  // no payload
        with(header(1, 2, 2), b"x"),      // index past the count
        with(header(1, 0, 0), b"x"),      // no fragments
        with(vec![0x01; HEADER], b"xyz"), // not a fragment
    ] {
        assert_eq!(r.push(&bad), Err(FragmentError::Malformed), "{bad:?}");
    }
    // A count that changes within a snapshot, or fragments of uneven length.
    assert_eq!(r.push(&with(header(5, 0, 3), &[1; 1500])), Ok(None));
    assert_eq!(
        r.push(&with(header(5, 1, 4), &[1; 1500])),
        Err(FragmentError::Inconsistent)
    );
    assert_eq!(
        r.push(&with(header(5, 1, 3), &[1; 1400])),
        Err(FragmentError::Inconsistent)
    );
    // More bytes than the limit: refused, and the snapshot is dropped.
    assert_eq!(r.push(&with(header(5, 1, 3), &[1; 1500])), Ok(None));
    assert_eq!(
        r.push(&with(header(5, 2, 3), &[1; 1500])),
        Err(FragmentError::TooLarge { max: 4000 })
    );
    assert_eq!(r.in_flight(), 0);
}

#[test]
fn splitting_respects_its_limits() {
    assert_eq!(
        split(0, &[1; 10], HEADER, 8),
        Err(SplitError::DatagramTooSmall(HEADER))
    );
    assert_eq!(
        split(0, &[1; 10_000], 1009, 8),
        Err(SplitError::TooManyFragments { needed: 10, max: 8 })
    );
    let parts = split(3, &[7; 2000], 1009, 8).unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0].len(), 1009);
    assert_eq!(parts[1].len(), HEADER + 1000);
}
