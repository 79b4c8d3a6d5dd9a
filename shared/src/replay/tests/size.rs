//! The size goal: a 10-minute, 16-player match at 60 Hz under 2 MB.
//!
//! Print the figures with
//! `cargo test -p tickcast-shared --release replay::tests::size -- --nocapture`.

use super::record;
use crate::replay::FORMAT_VERSION;
use crate::replay::frame::{self, Kind, PREFIX_LEN};

/// Bytes per record kind (framing included): header, ticks, hash, keyframe, end,
/// checkpoint, player.
fn breakdown(bytes: &[u8]) -> [usize; 7] {
    let mut sizes = [0; 7];
    let mut at = PREFIX_LEN;
    while let Ok(Some(f)) = frame::read_frame(bytes, at, FORMAT_VERSION) {
        let slot = match f.kind {
            Kind::Header => 0,
            Kind::Ticks => 1,
            Kind::Hash => 2,
            Kind::Keyframe => 3,
            Kind::End => 4,
            Kind::Checkpoint => 5,
            Kind::Player => 6,
        };
        sizes[slot] += f.next - at;
        at = f.next;
    }
    assert_eq!(at, bytes.len());
    sizes
}

#[test]
fn ten_minutes_of_sixteen_players_fit_in_two_megabytes() {
    const TICKS: u32 = 10 * 60 * 60;
    for npcs in [0, 50] {
        let rec = record(16, npcs, TICKS, 2024, None);
        let [header, ticks, hashes, keyframes, end, checkpoints, players] = breakdown(&rec.bytes);
        let inputs = rec.inputs.iter().map(|t| t.inputs.len()).sum::<usize>();
        let changed = rec
            .inputs
            .windows(2)
            .map(|w| {
                w[1].inputs
                    .iter()
                    .filter(|i| !w[0].inputs.contains(i))
                    .count()
            })
            .sum::<usize>();
        println!(
            "replay size, 10 min x 16 players x 60 Hz, {npcs} npcs: {} bytes \
             (header {header}, inputs {ticks}, hashes {hashes}, keyframes {keyframes}, end {end}, \
             checkpoints {checkpoints}, players {players}); \
             {inputs} player inputs, ~{changed} changed from the tick before, \
             {:.2} bits per player input",
            rec.bytes.len(),
            ticks as f64 * 8.0 / inputs as f64,
        );
        // Deterministic (seeded inputs, deterministic world and codec), so exact
        // enough to assert.
        assert!(rec.bytes.len() < 2_000_000, "{} bytes", rec.bytes.len());
    }
}
