//! The arena's format-4 headers out of bounds are refused before anything is built
//! from them, with the bound that refused them.

use super::{ArenaHeader, writer};
use crate::game::GameEntry;
use crate::protocol::PROTOCOL_VERSION;
use crate::replay::{BoundsError, ReplayReader, Resim, StopReason, verify};
use crate::sim::map::DEFAULT_MAP;
use crate::sim::{Arena, WorldConfig};

/// An arena header of format 4 for the default map with `drones` NPCs.
pub(crate) fn header(drones: u32, seed: u64) -> ArenaHeader {
    ArenaHeader {
        protocol_version: PROTOCOL_VERSION,
        map_name: "arena".into(),
        map_text: DEFAULT_MAP.into(),
        config: WorldConfig::new(60, drones),
        seed,
        start_unix_ms: 1_700_000_000_000,
        room_name: "test room".into(),
        room_id: "abcdefghijklm".into(),
        invite: None,
    }
}

fn refused(header: &ArenaHeader) -> BoundsError {
    let bytes = writer(header, 4).take_bytes();
    let stop = ReplayReader::open(&bytes).err().expect("refused");
    let StopReason::OutOfBounds(e) = stop.reason else {
        panic!("{stop}");
    };
    assert!(Resim::new(&bytes, &[GameEntry::of::<Arena>()]).is_err());
    assert!(
        verify(&bytes, &[GameEntry::of::<Arena>()])
            .stopped_at
            .is_some()
    );
    e
}

#[test]
fn format4_headers_out_of_bounds_are_refused_with_the_reason() {
    let mut h = header(0, 1);
    h.config.tick_rate = u32::MAX;
    assert!(matches!(refused(&h), BoundsError::TickRate { .. }));
    h.config.tick_rate = 0;
    assert!(matches!(refused(&h), BoundsError::TickRate { .. }));
    let mut h = header(0, 1);
    h.config.drones = u32::MAX;
    assert!(matches!(refused(&h), BoundsError::TooMany { .. }));
    let mut h = header(0, 1);
    h.config.rules.drone_speed = f32::INFINITY;
    assert!(matches!(refused(&h), BoundsError::Rule { .. }));
    let mut h = header(0, 1);
    h.map_text = format!("size 100 100\nspawn 1 1\n{}", "wall 1 1 1 1\n".repeat(5000));
    assert!(matches!(refused(&h), BoundsError::Map(_)));
    h.map_text = "wall 1 1 1 1\n".repeat(300_000);
    assert!(matches!(refused(&h), BoundsError::Record { .. }));
    let mut h = header(0, 1);
    h.room_name = "x".repeat(10_000);
    assert!(matches!(refused(&h), BoundsError::TooLong { .. }));
}
