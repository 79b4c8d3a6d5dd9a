//! Replays: every room in which a player took a seat records its match to
//! `--replay-dir`; HTTP lists, serves and plays recordings back.
//!
//! The file format and everything that reads it live in
//! [`tickcast_shared::replay`]; this module is the IO around it:
//!
//! - [`recorder`]: the room's [`Recorder`] (every game's rooms) hands each tick's
//!   accepted commands (and every second a state hash, every keyframe period the
//!   view rows, every `checkpoint_secs` the game's saved state) to a recorder task
//!   over a bounded channel with `try_send`: the tick never waits on disk. The task
//!   encodes and appends to `<id>.tcr`, flushing at least once a second, so a
//!   `kill -9` loses at most the last second (the reader accepts the torn tail). A
//!   full queue, a full disk or an unwritable directory stops that recording (logged,
//!   the file stays incomplete); the match goes on.
//! - [`record_task`]: the task that encodes a recording and appends it to its file.
//! - [`recording`]: when a room records: from the first seat on (empty rooms leave no
//!   file), still from tick 0 (the empty steps before go in as one run).
//! - [`store`]: the directory: ids (validated, so no path can escape it), opening
//!   (regular files only, never through a symlink), the list with per-file
//!   summaries (cached by size) and the playback limit.
//! - [`retention`]: max files / max bytes and the per-address quota, matches kept
//!   ahead of short or one-player recordings, never a recording in progress.
//! - [`download`]: `GET /api/replays/{id}` streamed from disk in chunks, with an
//!   idle deadline and a per-address limit.
//! - [`playback`]: `GET /api/replays/{id}/events`, the recording of any game
//!   re-simulated by the server's game of that name (from the checkpoint before the
//!   start, on a blocking thread) and streamed as the same SSE events as the live
//!   spectator feed, paced; [`keyframes`]: a recording of another build of the game
//!   (same schema) plays its recorded keyframes instead.
//! - [`routes`]: the HTTP handlers.

pub mod download;
pub mod keyframes;
pub mod playback;
pub mod record_task;
pub mod recorder;
pub mod recording;
pub mod retention;
pub mod routes;
pub mod store;

pub use recorder::Recorder;
pub use store::{ReplayStore, ReplaySummary};

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Largest `[replays] checkpoint_secs` (an hour).
pub const MAX_CHECKPOINT_SECS: u32 = 3600;

/// Replay settings (config file section `[replays]`; every field optional).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReplayConfig {
    /// Record every room. Default true (`--no-replays` turns it off).
    pub enabled: bool,
    /// Where recordings go (created when missing). Default `./replays`.
    pub dir: PathBuf,
    /// Most recordings kept; the oldest finished ones are removed first. Default 1000.
    pub max_files: usize,
    /// Most bytes of recordings kept, oldest removed first. Default 2 GiB.
    pub max_bytes: u64,
    /// Ticks a recorder may fall behind its room before the recording is dropped.
    /// Default 1024 (17 s at 60 Hz).
    pub queue: usize,
    /// Milliseconds between two flushes to the file (at most 1000). Default 1000.
    pub flush_ms: u64,
    /// A recording stops (incomplete) at this size; larger files are not served.
    /// Default 64 MiB.
    pub max_file_bytes: u64,
    /// Replay playbacks (SSE) at once; more are answered 503. Default 64.
    pub max_playbacks: usize,
    /// Seconds between two checkpoints (the World's full state, where a seek starts
    /// re-simulating); 0 records none (seeks then re-simulate from tick 0). Default 5.
    pub checkpoint_secs: u32,
    /// Seconds a download (`GET /api/replays/{id}`) may take no bytes before it is
    /// cut. Default 30.
    pub download_timeout_secs: f64,
    /// Downloads one IP address may have open at once; more are answered 429.
    /// Default 4.
    pub max_downloads_per_ip: usize,
    /// Finished recordings kept per creating IP address (retention removes its
    /// least valuable, then oldest, beyond this). Default 100.
    pub max_files_per_ip: usize,
    /// A finished recording is a "match" retention keeps ahead of the rest when it
    /// is complete, had two or more players and lasted at least this many seconds.
    /// Default 10.
    pub min_match_secs: u32,
}

impl Default for ReplayConfig {
    fn default() -> Self {
        ReplayConfig {
            enabled: true,
            dir: PathBuf::from("replays"),
            max_files: 1000,
            max_bytes: 2 * 1024 * 1024 * 1024,
            queue: 1024,
            flush_ms: 1000,
            max_file_bytes: 64 * 1024 * 1024,
            max_playbacks: 64,
            checkpoint_secs: 5,
            download_timeout_secs: 30.0,
            max_downloads_per_ip: 4,
            max_files_per_ip: 100,
            min_match_secs: 10,
        }
    }
}

impl ReplayConfig {
    /// Reject values a recorder cannot run with.
    pub fn validate(&self) -> Result<(), String> {
        if self.queue == 0 || self.max_files == 0 || self.max_playbacks == 0 {
            return Err("replays: queue, max_files and max_playbacks must be >= 1".into());
        }
        if !(1..=1000).contains(&self.flush_ms) {
            return Err("replays: flush_ms must be 1..=1000".into());
        }
        if self.max_downloads_per_ip == 0 || self.max_files_per_ip == 0 {
            return Err("replays: max_downloads_per_ip and max_files_per_ip must be >= 1".into());
        }
        if !(self.download_timeout_secs.is_finite() && self.download_timeout_secs > 0.0) {
            return Err("replays: download_timeout_secs must be > 0".into());
        }
        if self.checkpoint_secs > MAX_CHECKPOINT_SECS {
            return Err(format!(
                "replays: checkpoint_secs must be 0..={MAX_CHECKPOINT_SECS}"
            ));
        }
        Ok(())
    }
}
