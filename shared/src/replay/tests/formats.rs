//! Format 5 (any game): hostile headers, unknown games, other builds; and format-4
//! arena recordings, which still read, seek and verify.

use super::{games, header, record, record_version};
use crate::game::GameEntry;
use crate::protocol::Tick;
use crate::replay::frame::{self, Kind, PREFIX_LEN};
use crate::replay::{
    BoundsError, OpenError, RecordPolicy, ReplayHeader, ReplayIndex, ReplayReader, ReplayWriter,
    Resim, SeekIndex, StopReason, bounds, verify,
};
use crate::schema::Schema;
use crate::sim::Arena;

fn refused(header: &ReplayHeader) -> BoundsError {
    let bytes = ReplayWriter::new(header, super::arena_schema()).take_bytes();
    let stop = ReplayReader::open(&bytes).err().expect("refused");
    assert_eq!(stop.offset, PREFIX_LEN);
    let StopReason::OutOfBounds(e) = stop.reason else {
        panic!("{stop}");
    };
    assert!(matches!(
        Resim::new(&bytes, &games()),
        Err(OpenError::Damaged(_))
    ));
    assert!(verify(&bytes, &games()).stopped_at.is_some());
    e
}

#[test]
fn format5_headers_out_of_bounds_are_refused_with_the_reason() {
    let mut h = header(0, 1);
    h.tick_rate = 0;
    assert!(matches!(refused(&h), BoundsError::TickRate { .. }));
    h.tick_rate = u32::MAX;
    assert!(matches!(refused(&h), BoundsError::TickRate { .. }));
    let mut h = header(0, 1);
    h.config = format!("\"{}\"", "x".repeat(bounds::MAX_CONFIG_LEN));
    let e = refused(&h);
    assert!(
        matches!(
            e,
            BoundsError::TooLong {
                what: "the room config",
                ..
            }
        ),
        "{e}"
    );
    let mut h = header(0, 1);
    h.config = "{not json".into();
    assert!(matches!(refused(&h), BoundsError::Config(_)));
    let mut h = header(0, 1);
    h.descriptor = h.descriptor.replace("\"vx\"", "\"vz\"");
    let e = refused(&h);
    assert!(e.to_string().contains("hash"), "{e}");
    let mut h = header(0, 1);
    h.descriptor = "{".repeat(100_000);
    assert!(matches!(refused(&h), BoundsError::TooLong { .. }));
    let mut h = header(0, 1);
    h.game = "ball".into();
    assert!(matches!(refused(&h), BoundsError::Descriptor(_)));
    let mut h = header(0, 1);
    h.build = "b".repeat(1000);
    assert!(matches!(refused(&h), BoundsError::TooLong { .. }));
    // A header record larger than its bound is refused before it is decoded.
    let mut h = header(0, 1);
    h.room_name = "x".repeat(2 << 20);
    assert!(matches!(refused(&h), BoundsError::Record { .. }));
}

#[test]
fn a_hostile_arena_config_is_clamped_not_allocated() {
    let mut h = header(0, 1);
    let mut config = h.config_value();
    config["world"]["tick_rate"] = serde_json::json!(u32::MAX);
    h.config = config.to_string();
    let mut w = ReplayWriter::new(&h, super::arena_schema());
    w.push_tick(&Default::default()).unwrap();
    w.end().unwrap();
    let bytes = w.take_bytes();
    let mut resim = Resim::new(&bytes, &games()).unwrap();
    assert_eq!(resim.seek(Tick(5)), Tick(1));
}

#[test]
fn an_unknown_game_is_refused_by_name() {
    let rec = record(2, 3, 200, 4, None);
    let Err(e) = Resim::new(&rec.bytes, &[]) else {
        panic!("re-simulated without the game");
    };
    assert_eq!(e, OpenError::UnknownGame("arena".into()));
    assert_eq!(e.to_string(), "unknown game arena");
    let report = verify(&rec.bytes, &[]);
    assert!(report.unknown_game && !report.is_ok(), "{report:?}");
    assert_eq!(report.game.as_deref(), Some("arena"));
    // Listing needs no game.
    assert_eq!(ReplayIndex::build(&rec.bytes).unwrap().ticks, 200);
}

/// `bytes` with its header replaced by `header`.
fn with_header(bytes: &[u8], header: &ReplayHeader) -> Vec<u8> {
    let first = frame::read_frame(bytes, PREFIX_LEN, 5).unwrap().unwrap();
    let mut out = bytes[..PREFIX_LEN].to_vec();
    frame::write_record(&mut out, Kind::Header, &crate::codec::encode_value(header));
    out.extend_from_slice(&bytes[first.next..]);
    out
}

#[test]
fn another_build_is_a_build_mismatch_not_a_divergence() {
    let rec = record(3, 5, 700, 6, None);
    let mut h = ReplayReader::open(&rec.bytes).unwrap().header().clone();
    assert_eq!(h.build, GameEntry::of::<Arena>().build());
    h.build = "0.0.0-elsewhere".into();
    let other = with_header(&rec.bytes, &h);
    let report = verify(&other, &games());
    let mismatch = report.build_mismatch.clone().expect("a build mismatch");
    assert_eq!(mismatch.recorded, "0.0.0-elsewhere");
    assert_eq!(
        (report.ticks, report.mismatches, report.hashes_checked),
        (0, 0, 0)
    );
    assert!(!report.is_ok() && report.stopped_at.is_none());
    assert!(matches!(
        Resim::new(&other, &games()),
        Err(OpenError::BuildMismatch { .. })
    ));
    // It still lists, and its keyframes are there to play.
    let index = ReplayIndex::build(&other).unwrap();
    assert_eq!((index.ticks, index.keyframes.len()), (700, 3));
    assert!(index.complete);
    // Another schema under the same build is a mismatch too.
    let mut h = ReplayReader::open(&rec.bytes).unwrap().header().clone();
    let schema = Schema::builder("arena")
        .kind("thing", |k| k.field(crate::schema::Field::uint("n", 4)))
        .build()
        .unwrap();
    h.descriptor = schema.canonical_json();
    h.schema_hash = schema.hash();
    let report = verify(&with_header(&rec.bytes, &h), &games());
    assert!(report.build_mismatch.is_some(), "{report:?}");
}

#[test]
fn format4_recordings_still_read_seek_and_verify() {
    let policy = RecordPolicy::for_tick_rate(60);
    let old = record_version(4, policy, 6, 10, 1200, 7, None);
    let new = record(6, 10, 1200, 7, None);
    assert_eq!(&old.bytes[8..10], &4u16.to_le_bytes());
    assert_eq!(old.hashes, new.hashes);
    let report = verify(&old.bytes, &games());
    assert!(report.is_ok() && report.complete, "{report:?}");
    assert_eq!((report.ticks, report.checkpoints_checked), (1200, 5));
    assert_eq!(report.game.as_deref(), Some("arena"));
    let index = ReplayIndex::build(&old.bytes).unwrap();
    let generic = crate::sim::replay4::tests::header(10, 7).generic();
    assert_eq!(index.header, generic);
    assert_eq!((index.header.build.as_str(), index.players), ("", 6));
    // The same commands come out of both formats.
    let commands = |bytes: &[u8]| -> Vec<_> {
        ReplayReader::open(bytes)
            .unwrap()
            .flat_map(|r| match r {
                crate::replay::Record::Ticks { items, .. } => items,
                _ => Vec::new(),
            })
            .collect()
    };
    assert_eq!(commands(&old.bytes), commands(&new.bytes));
    let seek = SeekIndex::build(&old.bytes).unwrap();
    let resim = Resim::seek_from(&old.bytes, &games(), &seek, Tick(777)).unwrap();
    assert_eq!(resim.game().state_hash(), old.hashes[777]);
    println!(
        "the same arena match (6 players, 10 NPCs, 1200 ticks): format 4 {} bytes, format 5 {} bytes",
        old.bytes.len(),
        new.bytes.len()
    );
}
