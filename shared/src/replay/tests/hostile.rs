//! Hostile files: damage followed by a checkpoint is skipped (a gap), not the end.

use super::{games, record};
use crate::protocol::Tick;
use crate::replay::{Record, ReplayIndex, ReplayReader, Resim, SeekIndex, verify};

#[test]
fn a_flipped_byte_before_a_checkpoint_loses_only_the_ticks_up_to_it() {
    // Checkpoints at ticks 0 and 300 (the default policy at 60 Hz).
    let bytes = record(3, 4, 400, 9, None).bytes;
    let mut reader = ReplayReader::open(&bytes).unwrap();
    let mut at = reader.offset();
    let mut flip = None;
    while let Some(r) = reader.next() {
        if matches!(r, Record::Ticks { first, .. } if first.0 > 30) && flip.is_none() {
            flip = Some((at + (reader.offset() - at) / 2, 0));
        }
        at = reader.offset();
    }
    let (pos, _) = flip.unwrap();
    let mut bad = bytes.clone();
    bad[pos] ^= 0x40;
    let index = ReplayIndex::build(&bad).unwrap();
    assert_eq!(index.ticks, 400);
    assert!(index.complete && index.stop.is_none());
    assert_eq!(index.gaps.len(), 1);
    let gap = &index.gaps[0];
    assert!(gap.damage.offset <= pos && gap.resumed_at > pos);
    assert_eq!(gap.to, Tick(300));
    assert!(index.damage().unwrap().contains("lost"));
    // Re-simulation goes on at the checkpoint and checks everything after it.
    let report = verify(&bad, &games());
    assert_eq!((report.ticks, report.mismatches), (400, 0), "{report:?}");
    assert_eq!(report.gaps.len(), 1);
    assert!(!report.is_ok() && report.complete);
    // Seeking past the damage restores the checkpoint after it.
    let seek = SeekIndex::build(&bad).unwrap();
    assert_eq!(seek.ticks, 400);
    let resim = Resim::seek_from(&bad, &games(), &seek, Tick(350)).unwrap();
    assert_eq!(resim.tick(), Tick(350));
}
