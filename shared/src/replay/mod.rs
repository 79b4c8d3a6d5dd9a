//! Replays: a match as an append-only log of what entered its World.
//!
//! The World is deterministic, so a replay stores only what a room fed it (the
//! accepted [`TickInput`](crate::sim::TickInput) of every tick) plus checks and seek points: a state hash
//! every second and a keyframe snapshot every few seconds. Everything here is pure
//! over bytes (no IO): the server writes what [`ReplayWriter`] produces to a file,
//! and [`ReplayReader`], [`verify`] and [`Resim`] read any `&[u8]`.
//!
//! # File format (version [`FORMAT_VERSION`])
//!
//! Version 2 added the room id and invite to the header; 3 added checkpoint and
//! player records; 4 the shots' lag compensation (rewinds in the ticks records, and
//! in checkpoints the projectiles' rewinds and the World's position history; a
//! version 3 checkpoint no longer restores, so seeking falls back to re-simulating).
//!
//! ```text
//! file   = MAGIC (8 bytes "TICKCAST") version:u16le record*
//! record = len:u32le crc:u32le kind:u8 payload      len = 1 + payload length
//!                                                   crc = CRC-32 (IEEE) of kind ++ payload
//! ```
//! Records, in file order (`T` = ticks recorded so far, i.e. the World's tick after
//! stepping every recorded input):
//! - `1` header, always first: [`ReplayHeader`] as a
//!   [`codec::encode_value`](crate::codec::encode_value) value;
//! - `2` ticks: `first:u32le count:u32le body`: the inputs of ticks `first ..
//!   first + count` (`first == T`, `1 <= count <=` [`MAX_TICKS_PER_RECORD`]); `body`
//!   is range coded with the codec's adaptive range coder, the model described in
//!   [`inputs`] (runs of empty ticks, and per player only what changed
//!   since its previous input; model state carries over from record to record,
//!   up to the next checkpoint);
//! - `3` hash: `tick:u32le hash:u64le`, [`World::state_hash`](crate::sim::World) at
//!   `tick == T`;
//! - `4` keyframe: `tick:u32le body`, `body` =
//!   [`codec::encode_delta(None, &snapshot)`](crate::codec::encode_delta) of the
//!   World's snapshot at `tick == T`;
//! - `5` end: `tick:u32le` (`== T`): the match ended and the replay is complete.
//!   Nothing may follow it;
//! - `6` checkpoint (version 3): `tick:u32le body`, `body` = the World's full
//!   [`WorldState`](crate::sim::WorldState) at `tick == T` as an `encode_value`
//!   value. The input model starts afresh after it, so reading can begin at any
//!   checkpoint without the records before it;
//! - `7` player (version 3): `tick:u32le body`, `body` = a
//!   [`PlayerIdentity`](crate::protocol::PlayerIdentity) as an
//!   `encode_value` value: who the player that joins in the step from `T` is (its
//!   display name and, when the server verified one, its identity `sub`).
//!
//! Readers accept versions [`OLDEST_FORMAT_VERSION`] to [`FORMAT_VERSION`]; a
//! version 2 file has no checkpoint or player records (one there is an unknown kind).
//!
//! A recording starts at tick 0 of `World::new(map, config, seed)` from the header.
//! Headers and records are checked against [`bounds`] before anything is built
//! from them (a tick rate, a map, a record length outside them stops reading with
//! [`StopReason::OutOfBounds`]).
//!
//! # Damage
//! A writer that dies mid-write leaves a torn last record; a reader stops at the first
//! record that is incomplete, fails its checksum or does not decode, keeps everything
//! before it and reports the byte offset and the reason ([`Stop`]). When a whole
//! checkpoint record follows the damage (a flipped bit mid-file), it resynchronizes
//! there instead: a [`Gap`] names the damage and the ticks lost, and reading, seeking
//! and playback go on from that checkpoint; [`verify`] reports every gap. No input
//! makes reading panic (property-tested over random bytes, every truncation point
//! and random byte flips of a real recording).
//!
//! # Seeking
//! A keyframe is a quantized snapshot, which cannot restore a World's exact state; a
//! checkpoint can. [`Resim::seek_from`] starts at the latest readable checkpoint at
//! or before the target ([`SeekIndex`] finds them without decoding inputs or
//! simulating) and re-simulates the rest; without one (a version 2 file, a
//! recording without checkpoints) it re-simulates from tick 0. Keyframes answer
//! "the nearest seek point at or before a tick" ([`SeekIndex::keyframe_at_or_before`]),
//! where a playback stream starts, and let a viewer that cannot simulate show the
//! match coarsely. [`verify`] checks every checkpoint against the re-simulated World.

pub mod bounds;
mod frame;
pub mod inputs;
mod reader;
mod resim;
mod seek;
#[cfg(test)]
mod tests;
mod verify;
mod writer;

pub use bounds::BoundsError;
pub use inputs::TickItem;
pub use reader::{Gap, Record, ReplayReader, Stop, StopReason};
pub use resim::{ParkedResim, ReplayIndex, Replayed, Resim};
pub use seek::SeekIndex;
pub use verify::{VerifyReport, verify};
pub use writer::{ReplayWriter, WriteError};

use crate::sim::WorldConfig;
use serde::{Deserialize, Serialize};

/// The first 8 bytes of every replay file.
pub const MAGIC: [u8; 8] = *b"TICKCAST";
/// Version of the replay file format (after the magic, `u16` little-endian).
pub const FORMAT_VERSION: u16 = 4;
/// Oldest format version a reader still reads.
pub const OLDEST_FORMAT_VERSION: u16 = 2;
/// Largest record (kind + payload) a reader accepts.
pub const MAX_RECORD_LEN: u32 = 16 * 1024 * 1024;
/// Most ticks one ticks record covers (the writer closes a record at this count).
pub const MAX_TICKS_PER_RECORD: u32 = 1 << 16;
/// Most joins + leaves + inputs in one ticks record (the writer closes a record
/// before it would pass this), so decoding one record never holds more than a few MB.
pub const MAX_ENTRIES_PER_RECORD: usize = 1 << 18;
/// Most joins, leaves or inputs in one recorded tick.
pub const MAX_ENTRIES_PER_TICK: usize = 4096;
/// Most players the input model tracks at once (players are forgotten on leave).
pub const MAX_TRACKED_PLAYERS: usize = 65_536;

/// What a replay needs to rebuild its World, and what a list of replays shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplayHeader {
    /// [`crate::protocol::PROTOCOL_VERSION`] of the recording build. Re-simulating
    /// with a build whose rules differ shows up as hash mismatches.
    pub protocol_version: u16,
    pub map_name: String,
    /// The map file's text (replays are self-contained: maps may change later).
    pub map_text: String,
    pub config: WorldConfig,
    pub seed: u64,
    /// When the match started, Unix milliseconds (given by the caller; no clock here).
    pub start_unix_ms: u64,
    pub room_name: String,
    /// The recorded room's id (random text, see the server's lobby).
    pub room_id: String,
    /// A private room's invite code: serving the recording asks for it. `None` for
    /// public rooms.
    pub invite: Option<String>,
}

/// When a recorder adds checks and seek points, in ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordPolicy {
    /// A state hash at every tick that is a multiple of this (including tick 0).
    pub hash_every: u32,
    /// A keyframe at every tick that is a multiple of this (including tick 0).
    pub keyframe_every: u32,
    /// A checkpoint at every tick that is a multiple of this (including tick 0);
    /// 0: none.
    pub checkpoint_every: u32,
}

impl RecordPolicy {
    /// Default seconds between keyframes.
    pub const KEYFRAME_SECONDS: u32 = 5;
    /// Default seconds between checkpoints.
    pub const CHECKPOINT_SECONDS: u32 = 5;

    /// A hash every second, a keyframe every [`Self::KEYFRAME_SECONDS`] seconds and
    /// a checkpoint every [`Self::CHECKPOINT_SECONDS`] at `tick_rate` Hz.
    pub fn for_tick_rate(tick_rate: u32) -> RecordPolicy {
        let second = tick_rate.max(1);
        RecordPolicy {
            hash_every: second,
            keyframe_every: second.saturating_mul(Self::KEYFRAME_SECONDS),
            checkpoint_every: second.saturating_mul(Self::CHECKPOINT_SECONDS),
        }
    }

    /// Whether the state at `tick` gets a hash record.
    pub fn wants_hash(&self, tick: u32) -> bool {
        tick % self.hash_every.max(1) == 0
    }

    /// Whether the state at `tick` gets a keyframe record.
    pub fn wants_keyframe(&self, tick: u32) -> bool {
        tick % self.keyframe_every.max(1) == 0
    }

    /// Whether the state at `tick` gets a checkpoint record.
    pub fn wants_checkpoint(&self, tick: u32) -> bool {
        self.checkpoint_every != 0 && tick % self.checkpoint_every == 0
    }
}
