//! The replay directory: ids, summaries, retention, the playback limit.
//!
//! A recording is `<dir>/<id>.tcr` with `id = <start unix ms>-<room id>` (plus
//! `-<n>` should that exist already). Ids from requests are validated against that
//! alphabet (ASCII lowercase letters, digits, `-`; at most 64 characters), so no id
//! can name a path outside the directory (`..`, `/`, `\` and `.` never pass).
//!
//! A recording is read only through [`ReplayStore::open`]: a regular file directly
//! in the directory, opened without following a symlink (`O_NOFOLLOW`) and without
//! waiting on a FIFO (`O_NONBLOCK`), at most `max_file_bytes` long; the list and
//! every route see the same files.
//!
//! Every recording names its game in its header (format-4 files are the arena's);
//! the list says which in `game`. The store also holds the server's game catalog,
//! which playback re-simulates with.
//!
//! The methods that touch the disk block; async callers run them with
//! `spawn_blocking`. Retention is in [`super::retention`], downloads in
//! [`super::download`].

use super::ReplayConfig;
use crate::metrics::ReplayMetrics;
use serde::Serialize;
use std::collections::HashMap;
use std::io::Read;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tickcast_shared::game::GameEntry;
use tickcast_shared::protocol::PlayerIdentity;
use tickcast_shared::replay::{ReplayIndex, ReplayReader};

/// File extension of recordings.
pub const EXTENSION: &str = "tcr";
const MAX_ID_LEN: usize = 64;

/// A recording as `GET /api/replays` lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplaySummary {
    pub id: String,
    pub room: String,
    /// The recorded room's id.
    pub room_id: String,
    /// The recorded game, as its header names it (`arena` for format-4 files).
    pub game: String,
    /// The recorded room's map (absent: its game plays on no maps).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub map: String,
    /// Match start, Unix milliseconds.
    pub start: u64,
    /// Recorded match time, milliseconds.
    pub duration_ms: u64,
    pub ticks: u32,
    /// Distinct players that joined.
    pub players: u32,
    /// Who played (player records of format 3, in join order: id, display name and
    /// the verified `sub` when auth is on). Empty while recording and for older
    /// files.
    pub roster: Vec<PlayerIdentity>,
    /// File size, bytes.
    pub size: u64,
    /// The match ended and the recording is whole.
    pub complete: bool,
    /// Still being recorded.
    pub recording: bool,
    /// Where and why reading stopped, for a damaged file.
    pub damaged: Option<String>,
    /// A private room's recording is not listed (and is served only with its invite).
    #[serde(skip)]
    pub private: bool,
}

/// What a recorder in progress reports for the list.
#[derive(Debug, Default)]
pub struct LiveStats {
    pub ticks: AtomicU32,
    pub players: AtomicU32,
}

/// One server's replay directory.
pub struct ReplayStore {
    pub(super) config: ReplayConfig,
    pub(super) active: Mutex<HashMap<String, Arc<LiveStats>>>,
    /// Summaries of finished files, by id, valid while the size is the same.
    pub(super) cache: Mutex<HashMap<String, ReplaySummary>>,
    playbacks: AtomicUsize,
    /// Who created the room of each recording made since the server started (the
    /// per-address quota of retention).
    pub(super) creators: Mutex<HashMap<String, IpAddr>>,
    /// Downloads open per address (`None`: unknown addresses share one count).
    pub(super) downloads: Mutex<HashMap<Option<IpAddr>, usize>>,
    pub(super) metrics: ReplayMetrics,
    /// The server's games, which playbacks re-simulate with.
    games: Vec<GameEntry>,
}

/// Why a recording cannot be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenError {
    /// The id is not well-formed.
    Malformed,
    /// No regular file of that id directly in the directory (missing, a symlink, a
    /// directory, a FIFO...).
    Missing,
    /// Larger than `max_file_bytes`.
    TooLarge(u64),
}

/// A place among the running playbacks; dropping it gives the place back.
pub struct PlaybackPermit {
    store: Arc<ReplayStore>,
}

impl Drop for PlaybackPermit {
    fn drop(&mut self) {
        self.store.playbacks.fetch_sub(1, Ordering::AcqRel);
    }
}

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Whether `id` is a well-formed recording id (see the module docs).
pub fn valid_id(id: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&id.len())
        && !id.starts_with('-')
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl ReplayStore {
    /// A store of `config.dir` on a server of `games`.
    pub fn new(
        config: ReplayConfig,
        metrics: ReplayMetrics,
        games: Vec<GameEntry>,
    ) -> Arc<ReplayStore> {
        Arc::new(ReplayStore {
            games,
            config,
            active: Mutex::new(HashMap::new()),
            cache: Mutex::new(HashMap::new()),
            playbacks: AtomicUsize::new(0),
            creators: Mutex::new(HashMap::new()),
            downloads: Mutex::new(HashMap::new()),
            metrics,
        })
    }

    pub fn metrics(&self) -> &ReplayMetrics {
        &self.metrics
    }

    /// The server's games (what a playback re-simulates with).
    pub fn games(&self) -> &[GameEntry] {
        &self.games
    }

    /// Open recording `id` for reading (see the module docs), with its size.
    pub fn open(&self, id: &str) -> Result<(std::fs::File, u64), OpenError> {
        let path = self.path_of(id).ok_or(OpenError::Malformed)?;
        let file = open_regular(&path).ok_or(OpenError::Missing)?;
        let size = file.metadata().map_err(|_| OpenError::Missing)?.len();
        if size > self.config.max_file_bytes {
            return Err(OpenError::TooLarge(self.config.max_file_bytes));
        }
        Ok((file, size))
    }

    /// The whole of recording `id` (at most `max_file_bytes`).
    pub fn read(&self, id: &str) -> Result<Vec<u8>, OpenError> {
        let (file, size) = self.open(id)?;
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        file.take(self.config.max_file_bytes)
            .read_to_end(&mut bytes)
            .map_err(|_| OpenError::Missing)?;
        Ok(bytes)
    }

    pub fn config(&self) -> &ReplayConfig {
        &self.config
    }

    /// The file of recording `id`, if `id` is well-formed.
    pub fn path_of(&self, id: &str) -> Option<PathBuf> {
        valid_id(id).then(|| self.config.dir.join(format!("{id}.{EXTENSION}")))
    }

    /// Reserve an id and a file name for a new recording of room `room`.
    /// `creator`: the address that created the room, for the per-address quota.
    pub fn begin(
        &self,
        room: crate::room::RoomId,
        start_unix_ms: u64,
        creator: Option<IpAddr>,
    ) -> (String, PathBuf, Arc<LiveStats>) {
        let mut active = lock(&self.active);
        let base = format!("{start_unix_ms}-{room}");
        let mut id = base.clone();
        let mut n = 1u32;
        let taken = |id: &str, active: &HashMap<String, Arc<LiveStats>>| {
            active.contains_key(id) || self.path_of(id).is_some_and(|p| p.exists())
        };
        while taken(&id, &active) {
            n += 1;
            id = format!("{base}-{n}");
        }
        let stats = Arc::new(LiveStats::default());
        active.insert(id.clone(), Arc::clone(&stats));
        if let Some(ip) = creator {
            lock(&self.creators).insert(id.clone(), ip);
        }
        let path = self.config.dir.join(format!("{id}.{EXTENSION}"));
        (id, path, stats)
    }

    /// Recordings in progress.
    pub fn recording(&self) -> usize {
        lock(&self.active).len()
    }

    /// A recording is over: forget it as active and apply retention (blocking).
    pub fn end(&self, id: &str) {
        lock(&self.active).remove(id);
        self.retain();
    }

    /// Every recording, newest first (blocking: reads files it has not summarized).
    pub fn list(&self) -> Vec<ReplaySummary> {
        let Ok(entries) = std::fs::read_dir(&self.config.dir) else {
            return Vec::new();
        };
        let mut out: Vec<ReplaySummary> = entries
            .flatten()
            .filter_map(|e| self.summary(&recording_id(&e.path())?))
            .filter(|s| !s.private)
            .collect();
        out.sort_by(|a, b| b.start.cmp(&a.start).then_with(|| b.id.cmp(&a.id)));
        out
    }

    /// The summary of recording `id`, if it exists and has a readable header.
    pub fn summary(&self, id: &str) -> Option<ReplaySummary> {
        let (file, size) = self.open(id).ok()?;
        let live = lock(&self.active).get(id).cloned();
        if live.is_none() {
            if let Some(hit) = lock(&self.cache).get(id).filter(|s| s.size == size) {
                return Some(hit.clone());
            }
        }
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        file.take(size).read_to_end(&mut bytes).ok()?;
        let summary = match live {
            // Being written: the header from the file, the rest from the recorder.
            Some(live) => {
                let reader = ReplayReader::open(&bytes).ok()?;
                let h = reader.header();
                let ticks = live.ticks.load(Ordering::Acquire);
                ReplaySummary {
                    id: id.to_owned(),
                    room: h.room_name.clone(),
                    room_id: h.room_id.clone(),
                    game: h.game.clone(),
                    map: h.map_name.clone(),
                    start: h.start_unix_ms,
                    duration_ms: u64::from(ticks) * 1000 / u64::from(h.tick_rate.max(1)),
                    ticks,
                    players: live.players.load(Ordering::Acquire),
                    roster: Vec::new(),
                    size,
                    complete: false,
                    recording: true,
                    damaged: None,
                    private: h.invite.is_some(),
                }
            }
            None => {
                let index = ReplayIndex::build(&bytes).ok()?;
                let damaged = index.damage();
                let summary = ReplaySummary {
                    id: id.to_owned(),
                    room: index.header.room_name.clone(),
                    room_id: index.header.room_id.clone(),
                    game: index.header.game.clone(),
                    map: index.header.map_name.clone(),
                    start: index.header.start_unix_ms,
                    duration_ms: index.duration_ms(),
                    ticks: index.ticks,
                    players: index.players,
                    roster: index.roster,
                    size,
                    complete: index.complete,
                    recording: false,
                    damaged,
                    private: index.header.invite.is_some(),
                };
                lock(&self.cache).insert(id.to_owned(), summary.clone());
                summary
            }
        };
        Some(summary)
    }

    /// A place among the running playbacks, unless all `max_playbacks` are taken.
    pub fn try_playback(self: &Arc<Self>) -> Option<PlaybackPermit> {
        let max = self.config.max_playbacks;
        self.playbacks
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()
            .map(|_| PlaybackPermit {
                store: Arc::clone(self),
            })
    }
}

/// `path` opened for reading if it is a regular file: never through a symlink,
/// never waiting on a FIFO.
fn open_regular(path: &Path) -> Option<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    if !std::fs::symlink_metadata(path).ok()?.file_type().is_file() {
        return None;
    }
    let file = options.open(path).ok()?;
    file.metadata().ok()?.is_file().then_some(file)
}

/// The recording id of a path in the directory (`<id>.tcr` with a valid id).
pub(super) fn recording_id(path: &std::path::Path) -> Option<String> {
    if path.extension().is_none_or(|e| e != EXTENSION) {
        return None;
    }
    let stem = path.file_stem()?.to_str()?;
    valid_id(stem).then(|| stem.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_cannot_name_other_paths() {
        for good in ["1732262400000-3", "1-2-3", "abc"] {
            assert!(valid_id(good), "{good}");
        }
        for bad in [
            "",
            "..",
            "../x",
            "a/b",
            "a\\b",
            ".hidden",
            "x.tcr",
            "-x",
            "A1",
            "a b",
            "%2e%2e",
            &"1".repeat(65),
        ] {
            assert!(!valid_id(bad), "{bad}");
        }
    }
}
