//! Seeking from checkpoints: the same World and the same events as re-simulating
//! from tick 0; damaged or forged checkpoints; version 2 files.

use super::{games, record, record_version};
use crate::protocol::Tick;
use crate::replay::frame::{self, Kind, PREFIX_LEN};
use crate::replay::{
    FORMAT_VERSION, RecordPolicy, ReplayIndex, Resim, SeekIndex, StopReason, verify,
};

/// The records of `bytes`: kind and byte range.
fn records(bytes: &[u8]) -> Vec<(Kind, std::ops::Range<usize>)> {
    let mut at = PREFIX_LEN;
    let mut out = Vec::new();
    while let Ok(Some(f)) = frame::read_frame(bytes, at, FORMAT_VERSION) {
        out.push((f.kind, at..f.next));
        at = f.next;
    }
    assert_eq!(at, bytes.len());
    out
}

/// `bytes` with the record in `range` replaced by one of `kind` with `payload`.
fn replace(bytes: &[u8], range: std::ops::Range<usize>, kind: Kind, payload: &[u8]) -> Vec<u8> {
    let mut out = bytes[..range.start].to_vec();
    frame::write_record(&mut out, kind, payload);
    out.extend_from_slice(&bytes[range.end..]);
    out
}

fn steps(resim: &mut Resim<'_>) -> Vec<(Tick, Vec<crate::game::EventRow>)> {
    std::iter::from_fn(|| resim.step()).collect()
}

#[test]
fn a_seek_from_a_checkpoint_equals_a_seek_from_tick_zero() {
    let rec = record(6, 30, 2000, 5, None);
    let index = SeekIndex::build(&rec.bytes).unwrap();
    let ticks: Vec<u32> = index.checkpoints.iter().map(|(t, _)| t.0).collect();
    assert_eq!(ticks, [0, 300, 600, 900, 1200, 1500, 1800]);
    assert_eq!(index.ticks, 2000);
    assert_eq!(index.keyframe_at_or_before(Tick(899)), Some(Tick(600)));
    for target in [0u32, 1, 299, 300, 301, 777, 1500, 1799, 1999, 2000] {
        let mut fast = Resim::seek_from(&rec.bytes, &games(), &index, Tick(target)).unwrap();
        let mut slow = Resim::new(&rec.bytes, &games()).unwrap();
        slow.seek(Tick(target));
        assert_eq!(fast.tick(), Tick(target));
        assert_eq!(
            fast.game().state_hash(),
            rec.hashes[target as usize],
            "{target}"
        );
        assert_eq!(steps(&mut fast), steps(&mut slow), "events after {target}");
        assert!(fast.is_complete() && fast.stop().is_none());
    }
}

#[test]
fn a_parked_seek_continues_where_it_stopped() {
    let rec = record(4, 10, 1000, 3, None);
    let index = SeekIndex::build(&rec.bytes).unwrap();
    let parked = Resim::seek_from(&rec.bytes, &games(), &index, Tick(650))
        .unwrap()
        .park();
    let copy = rec.bytes.clone();
    let mut resumed = parked.resume(&copy);
    let mut slow = Resim::new(&rec.bytes, &games()).unwrap();
    slow.seek(Tick(650));
    assert_eq!(steps(&mut resumed), steps(&mut slow));
}

#[test]
fn every_checkpoint_is_verified_and_a_forged_one_is_reported() {
    let rec = record(6, 30, 1000, 8, None);
    let report = verify(&rec.bytes, &games());
    assert_eq!(report.checkpoints_checked, 4, "{report:?}"); // 0, 300, 600, 900
    assert!(report.is_ok(), "{report:?}");

    // Put the state of tick 300 in the checkpoint of tick 600, with a valid
    // checksum: a real state, not the one the match had at 600.
    let checkpoints: Vec<_> = records(&rec.bytes)
        .into_iter()
        .filter(|(k, _)| *k == Kind::Checkpoint)
        .map(|(_, range)| range)
        .collect();
    let payload = |range: &std::ops::Range<usize>| &rec.bytes[range.start + 9..range.end];
    let (tick, _) = frame::split_u32(payload(&checkpoints[2])).unwrap();
    let (old_tick, old_state) = frame::split_u32(payload(&checkpoints[1])).unwrap();
    assert_eq!((tick, old_tick), (600, 300));
    let range = checkpoints[2].clone();
    let mut forged_payload = tick.to_le_bytes().to_vec();
    forged_payload.extend_from_slice(old_state);
    let forged = replace(&rec.bytes, range.clone(), Kind::Checkpoint, &forged_payload);
    let report = verify(&forged, &games());
    assert!(report.stopped_at.is_none() && report.complete);
    assert_eq!(
        (report.mismatches, report.first_mismatch),
        (1, Some(Tick(600)))
    );

    // A checkpoint that does not decode is skipped for the one before it.
    let mut garbage = tick.to_le_bytes().to_vec();
    garbage.extend_from_slice(&[0xff; 40]);
    let broken = replace(&rec.bytes, range, Kind::Checkpoint, &garbage);
    assert_eq!(verify(&broken, &games()).mismatches, 1);
    let index = SeekIndex::build(&broken).unwrap();
    let mut resim = Resim::seek_from(&broken, &games(), &index, Tick(700)).unwrap();
    assert_eq!(resim.game().state_hash(), rec.hashes[700]);
    let mut slow = Resim::new(&rec.bytes, &games()).unwrap();
    slow.seek(Tick(700));
    assert_eq!(steps(&mut resim), steps(&mut slow));
}

#[test]
fn version_2_files_still_read_and_seek_from_tick_zero() {
    let none = RecordPolicy {
        checkpoint_every: 0,
        ..RecordPolicy::for_tick_rate(60)
    };
    let rec = record_version(2, none, 5, 10, 900, 4, None);
    // A version 2 file: no player records, version 2 in the prefix.
    let mut old = rec.bytes[..PREFIX_LEN].to_vec();
    old[8..10].copy_from_slice(&2u16.to_le_bytes());
    for (kind, range) in records(&rec.bytes) {
        assert_ne!(kind, Kind::Checkpoint);
        if kind != Kind::Player {
            old.extend_from_slice(&rec.bytes[range]);
        }
    }
    let report = verify(&old, &games());
    assert!(
        report.is_ok() && report.complete && report.ticks == 900,
        "{report:?}"
    );
    assert_eq!(report.checkpoints_checked, 0);
    let index = SeekIndex::build(&old).unwrap();
    assert!(index.checkpoints.is_empty());
    let resim = Resim::seek_from(&old, &games(), &index, Tick(555)).unwrap();
    assert_eq!(resim.game().state_hash(), rec.hashes[555]);
    assert!(ReplayIndex::build(&old).unwrap().roster.is_empty());

    // A checkpoint record has no meaning in version 2.
    let with = record_version(4, RecordPolicy::for_tick_rate(60), 5, 10, 300, 4, None).bytes;
    let mut v2 = with.clone();
    v2[8..10].copy_from_slice(&2u16.to_le_bytes());
    let stop = verify(&v2, &games()).stopped_at.unwrap();
    assert!(
        matches!(stop.reason, StopReason::UnknownKind(6 | 7)),
        "{stop}"
    );
}
