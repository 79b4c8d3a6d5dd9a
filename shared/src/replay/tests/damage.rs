//! Damaged bytes: reading stops at the damage, reports where, and never panics.

use super::{games, record};
use crate::replay::{MAGIC, ReplayIndex, ReplayReader, StopReason, verify};
use proptest::prelude::*;
use std::sync::OnceLock;

/// A small real recording (4 players, 5 NPCs, 400 ticks) and the byte offsets
/// where its records start, plus its length.
fn sample() -> &'static (Vec<u8>, Vec<usize>) {
    static SAMPLE: OnceLock<(Vec<u8>, Vec<usize>)> = OnceLock::new();
    SAMPLE.get_or_init(|| {
        let bytes = record(4, 5, 400, 11, None).bytes;
        let mut reader = ReplayReader::open(&bytes).unwrap();
        let mut bounds = vec![reader.offset()];
        while reader.next().is_some() {
            bounds.push(reader.offset());
        }
        assert_eq!(bounds.last(), Some(&bytes.len()));
        (bytes, bounds)
    })
}

#[test]
fn truncation_at_every_byte_stops_at_the_torn_record() {
    let (bytes, bounds) = sample();
    let header_end = bounds[0];
    for cut in 0..bytes.len() {
        let part = &bytes[..cut];
        let index = match ReplayIndex::build(part) {
            Ok(index) => index,
            Err(stop) => {
                assert!(cut < header_end, "cut {cut}: {stop}");
                assert!(
                    matches!(stop.reason, StopReason::Truncated { .. }),
                    "{stop}"
                );
                continue;
            }
        };
        assert!(!index.complete, "cut {cut}");
        let last_whole = *bounds.iter().rev().find(|b| **b <= cut).unwrap();
        assert_eq!(index.valid_len, last_whole, "cut {cut}");
        match index.stop {
            None => assert_eq!(cut, last_whole),
            Some(stop) => {
                assert_eq!(stop.offset, last_whole, "cut {cut}");
                assert!(
                    matches!(stop.reason, StopReason::Truncated { .. }),
                    "{stop}"
                );
            }
        }
    }
}

#[test]
fn verify_of_a_truncated_file_checks_what_is_there_and_names_the_offset() {
    let (bytes, bounds) = sample();
    for cut in (bounds[0]..bytes.len()).step_by(211) {
        let report = verify(&bytes[..cut], &games());
        assert_eq!(report.mismatches, 0, "cut {cut}");
        assert!(!report.complete);
        let last_whole = *bounds.iter().rev().find(|b| **b <= cut).unwrap();
        match &report.stopped_at {
            Some(stop) => assert_eq!(stop.offset, last_whole),
            None => assert_eq!(cut, last_whole),
        }
        assert!(report.ticks <= 400);
    }
    let whole = verify(bytes, &games());
    assert!(
        whole.is_ok() && whole.complete && whole.ticks == 400,
        "{whole:?}"
    );
}

#[test]
fn data_after_the_end_record_is_reported() {
    let (bytes, _) = sample();
    let mut longer = bytes.clone();
    longer.extend_from_within(10..40);
    let report = verify(&longer, &games());
    let stop = report.stopped_at.unwrap();
    assert_eq!(
        (stop.offset, stop.reason),
        (bytes.len(), StopReason::AfterEnd)
    );
    assert!(report.complete && report.mismatches == 0);
}

#[test]
fn foreign_files_are_refused_up_front() {
    for (bytes, want) in [
        (b"GIF89a-not-a-replay".to_vec(), StopReason::BadMagic),
        (
            [&MAGIC[..], &[9, 0]].concat(),
            StopReason::UnsupportedVersion(9),
        ),
        (
            [
                &MAGIC[..],
                &crate::replay::FORMAT_VERSION.to_le_bytes(),
                &[0; 8],
            ]
            .concat(),
            StopReason::BadLength(0),
        ),
    ] {
        let stop = verify(&bytes, &games()).stopped_at.unwrap();
        assert_eq!(stop.reason, want);
    }
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        let report = verify(&bytes, &games());
        prop_assert!(report.stopped_at.is_some());
        let _ = ReplayIndex::build(&bytes);
    }

    #[test]
    fn random_records_after_a_valid_prefix_never_panic(
        tail in prop::collection::vec(any::<u8>(), 0..2000),
        cut in 0usize..4000,
    ) {
        let (bytes, bounds) = sample();
        let mut file = bytes[..cut.min(bytes.len()).max(bounds[0])].to_vec();
        file.extend_from_slice(&tail);
        let _ = verify(&file, &games());
    }

    #[test]
    fn a_flipped_byte_is_caught_at_or_before_its_record(
        pos in any::<prop::sample::Index>(),
        xor in 1u8..=255,
    ) {
        let (bytes, _) = sample();
        let pos = pos.index(bytes.len());
        let mut bad = bytes.clone();
        bad[pos] ^= xor;
        let report = verify(&bad, &games());
        let stop = report.first_damage().cloned().expect("a flip is detected");
        prop_assert!(stop.offset <= pos, "flip at {} reported at {}", pos, stop.offset);
        prop_assert!(!report.is_ok());
        // Reading resumes at the checkpoint after the damage, if there is one.
        for gap in &report.gaps {
            prop_assert!(gap.resumed_at > pos && gap.to >= gap.from, "{:?}", gap);
        }
        prop_assert_eq!(report.mismatches, 0);
    }
}
