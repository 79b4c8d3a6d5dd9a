//! Replays: a match of any game as an append-only log of what entered it.
//!
//! A game is deterministic ([`crate::game::Game`]), so a replay stores only what a
//! room fed it (the accepted [`StepCommands`](crate::game::StepCommands) of every
//! tick: joins, leaves, inputs as the schema's values, lag compensation) plus checks
//! and seek points: a state hash every second, a keyframe of the game's view rows
//! every few seconds, its saved state every few seconds. Everything here is pure
//! over bytes (no IO): the server writes what [`ReplayWriter`] produces to a file,
//! and [`ReplayReader`], [`verify`] and [`Resim`] read any `&[u8]`. Reading needs
//! no game (the header carries the schema's descriptor, enough to list a replay
//! and decode its inputs and keyframes); re-simulating finds the game by the
//! header's name in a catalog of [`GameEntry`]s ([`OpenError::UnknownGame`] if it
//! is not there).
//!
//! # File format (version [`FORMAT_VERSION`])
//!
//! Version 2 added the room id and invite to the header; 3 added checkpoint and
//! player records; 4 the shots' lag compensation (rewinds in the ticks records);
//! 5 made replays game-agnostic: the header names the game, its build and schema,
//! inputs are coded by the input schema, keyframes are view rows and checkpoints
//! the game's saved state. Versions 2 to 4 are arena recordings, read as the
//! generic form by the arena's own reader (`crate::sim::replay4`).
//!
//! ```text
//! file   = MAGIC (8 bytes "TICKCAST") version:u16le record*
//! record = len:u32le crc:u32le kind:u8 payload      len = 1 + payload length
//!                                                   crc = CRC-32 (IEEE) of kind ++ payload
//! ```
//! Records, in file order (`T` = ticks recorded so far, i.e. the game's tick after
//! stepping every recorded command):
//! - `1` header, always first: [`ReplayHeader`] as a
//!   [`codec::encode_value`](crate::codec::encode_value) value (the game's name and
//!   build id, its schema's canonical descriptor and hash, the room config as JSON,
//!   the seed, the tick rate, the room's names);
//! - `2` ticks: `first:u32le count:u32le body`: the commands of ticks `first ..
//!   first + count` (`first == T`, `1 <= count <=` [`MAX_TICKS_PER_RECORD`]); `body`
//!   is range coded with the codec's adaptive range coder, the model described in
//!   [`inputs`] (runs of empty ticks, and per player only what changed
//!   since its previous input; model state carries over from record to record,
//!   up to the next checkpoint);
//! - `3` hash: `tick:u32le hash:u64le`, the game's `state_hash` at `tick == T`;
//! - `4` keyframe: `tick:u32le body`, `body` =
//!   [`codec::encode_rows(codec, None, rows)`](crate::codec::encode_rows) of the
//!   game's view at `tick == T`, by the recorded schema (before format 5 the
//!   arena's snapshot, the same bytes);
//! - `5` end: `tick:u32le` (`== T`): the match ended and the replay is complete.
//!   Nothing may follow it;
//! - `6` checkpoint (version 3): `tick:u32le body`, `body` = the game's saved state
//!   (`DynGame::save`: its `Game::State` as an `encode_value` value) at
//!   `tick == T`. The input model starts afresh after it, so reading can begin at
//!   any checkpoint without the records before it;
//! - `7` player (version 3): `tick:u32le body`, `body` = a
//!   [`PlayerIdentity`](crate::protocol::PlayerIdentity) as an
//!   `encode_value` value: who the player that joins in the step from `T` is (its
//!   display name and, when the server verified one, its identity `sub`).
//!
//! Readers accept versions [`OLDEST_FORMAT_VERSION`] to [`FORMAT_VERSION`]; a
//! version 2 file has no checkpoint or player records (one there is an unknown kind).
//!
//! A recording starts at tick 0 of the game made from the header's config and
//! seed. Headers and records are checked against [`bounds`] before anything is
//! built from them (a tick rate, a config, a descriptor, a record length outside
//! them stops reading with [`StopReason::OutOfBounds`]).
//!
//! # Builds
//! The header's build id is the recording game's [`Game::build`](crate::game::Game::build).
//! [`verify`] re-simulates only with the same build: another build (whose rules may
//! step the same commands differently) is reported as a build mismatch, not as a
//! hash divergence; the replay still lists and its keyframes still play. Format-4
//! files name no build: any arena verifies them.
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
//! A keyframe is a quantized view, which cannot restore a game's exact state; a
//! checkpoint can. [`Resim::seek_from`] starts at the latest readable checkpoint at
//! or before the target ([`SeekIndex`] finds them without decoding inputs or
//! simulating) and re-simulates the rest; without one (a version 2 file, a
//! recording without checkpoints) it re-simulates from tick 0. Keyframes answer
//! "the nearest seek point at or before a tick" ([`SeekIndex::keyframe_at_or_before`]),
//! where a playback stream starts, and let a viewer that cannot simulate show the
//! match coarsely. [`verify`] checks every checkpoint against the re-simulated game.

pub mod bounds;
mod damage;
mod frame;
mod index;
pub mod inputs;
mod open;
mod reader;
mod resim;
mod seek;
#[cfg(test)]
mod tests;
mod verify;
mod writer;

pub use bounds::BoundsError;
pub use index::ReplayIndex;
pub use inputs::{TickCommands, TickItem};
pub use open::{OpenError, game_for};
pub use reader::{Gap, Record, ReplayReader, Stop, StopReason};
pub use resim::{ParkedResim, Replayed, Resim};
pub use seek::SeekIndex;
pub use verify::{BuildMismatch, VerifyReport, verify};
pub use writer::{ReplayWriter, WriteError};

use crate::game::GameEntry;
use crate::schema::SchemaHash;
use serde::{Deserialize, Serialize};

/// The first 8 bytes of every replay file.
pub const MAGIC: [u8; 8] = *b"TICKCAST";
/// Version of the replay file format (after the magic, `u16` little-endian).
pub const FORMAT_VERSION: u16 = 5;
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

/// What a replay needs to rebuild its game, and what a list of replays shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplayHeader {
    /// [`crate::protocol::PROTOCOL_VERSION`] of the recording build.
    pub protocol_version: u16,
    /// The game's name (its schema's), how a catalog finds it.
    pub game: String,
    /// The game's build id ([`crate::game::Game::build`]); empty in format-4
    /// files (any arena verifies them).
    pub build: String,
    /// The game's schema: its canonical JSON descriptor, so the replay stays
    /// readable where the game is gone.
    pub descriptor: String,
    /// The hash of `descriptor`.
    pub schema_hash: SchemaHash,
    /// The room's config (the game's `Config`) as JSON text.
    pub config: String,
    pub seed: u64,
    /// Simulation steps per second.
    pub tick_rate: u32,
    /// The room's map, by name (what spectator frames name).
    pub map_name: String,
    /// When the match started, Unix milliseconds (given by the caller; no clock here).
    pub start_unix_ms: u64,
    pub room_name: String,
    /// The recorded room's id (random text, see the server's lobby).
    pub room_id: String,
    /// A private room's invite code: serving the recording asks for it. `None` for
    /// public rooms.
    pub invite: Option<String>,
}

impl ReplayHeader {
    /// The header of a recording of `game` with `config` (its config as JSON) and
    /// `seed` at `tick_rate`; the room's texts are left empty for the caller.
    pub fn of_game(
        game: &GameEntry,
        config: &serde_json::Value,
        seed: u64,
        tick_rate: u32,
    ) -> ReplayHeader {
        let schema = game.schema();
        ReplayHeader {
            protocol_version: crate::protocol::PROTOCOL_VERSION,
            game: game.name().to_owned(),
            build: game.build().to_owned(),
            descriptor: schema.canonical_json(),
            schema_hash: schema.hash(),
            config: config.to_string(),
            seed,
            tick_rate,
            map_name: String::new(),
            start_unix_ms: 0,
            room_name: String::new(),
            room_id: String::new(),
            invite: None,
        }
    }

    /// The config as a JSON value (checked as JSON when the header was read).
    pub fn config_value(&self) -> serde_json::Value {
        serde_json::from_str(&self.config).unwrap_or(serde_json::Value::Null)
    }

    /// Whether `game` is another build than the one that recorded: another build
    /// id (a format-4 file names none) or another schema.
    pub fn build_differs(&self, game: &GameEntry) -> bool {
        (!self.build.is_empty() && self.build != game.build())
            || self.schema_hash != game.schema().hash()
    }
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
