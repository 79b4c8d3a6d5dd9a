//! Retention: which finished recordings go when there are too many.
//!
//! Not every recording is worth the same. A **match** (complete, two or more
//! players, at least `min_match_secs` long, undamaged) is kept ahead of everything
//! else: when the directory is over `max_files` or `max_bytes`, the other recordings
//! go first (short ones, one-player ones, incomplete or damaged ones, unreadable
//! files), oldest first, and only then the oldest matches. So a flood of rooms in
//! which one seat was taken and left cannot push real matches out.
//!
//! Each creating address also has a quota: at most `max_files_per_ip` finished
//! recordings of rooms it created are kept; beyond that its own least valuable,
//! then oldest, go. Creators are known for the recordings made since the server
//! started (older files count against no address). Recordings in progress are never
//! removed. Removals are counted (`tickcast_replays_pruned_total`,
//! `tickcast_replays_quota_pruned_total`).

use super::store::{ReplayStore, ReplaySummary, lock, recording_id};
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::time::SystemTime;

/// A finished recording, as retention weighs it.
struct Candidate {
    id: String,
    modified: SystemTime,
    len: u64,
    creator: Option<IpAddr>,
    /// Whether it is a match (computed when needed: it reads the file once).
    is_match: Option<bool>,
}

/// Why a recording was removed.
#[derive(Clone, Copy)]
enum Cause {
    Limits,
    Quota,
}

impl ReplayStore {
    /// Whether a finished recording's summary makes it a match.
    fn is_match(&self, summary: &ReplaySummary) -> bool {
        summary.complete
            && summary.damaged.is_none()
            && summary.players >= 2
            && summary.duration_ms >= u64::from(self.config.min_match_secs).saturating_mul(1000)
    }

    fn weigh(&self, c: &mut Candidate) -> bool {
        if let Some(known) = c.is_match {
            return known;
        }
        let value = self.summary(&c.id).is_some_and(|s| self.is_match(&s));
        c.is_match = Some(value);
        value
    }

    /// Sort `files` so that the ones to remove first come first: non-matches
    /// before matches, each oldest first.
    fn order(&self, files: &mut [Candidate]) {
        for c in files.iter_mut() {
            self.weigh(c);
        }
        files.sort_by(|a, b| (a.is_match, a.modified, &a.id).cmp(&(b.is_match, b.modified, &b.id)));
    }

    /// The finished recordings in the directory (regular files only).
    fn finished(&self) -> Vec<Candidate> {
        let Ok(entries) = std::fs::read_dir(&self.config.dir) else {
            return Vec::new();
        };
        let active = lock(&self.active).clone();
        let creators = lock(&self.creators).clone();
        entries
            .flatten()
            .filter_map(|e| {
                let id = recording_id(&e.path())?;
                // `DirEntry::metadata` does not follow a symlink: those are not ours.
                let meta = e.metadata().ok().filter(|m| m.is_file())?;
                if active.contains_key(&id) {
                    return None;
                }
                Some(Candidate {
                    modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                    len: meta.len(),
                    creator: creators.get(&id).copied(),
                    is_match: None,
                    id,
                })
            })
            .collect()
    }

    /// Remove finished recordings beyond the per-address quota, then beyond
    /// `max_files` / `max_bytes` (see the module docs). Blocking.
    pub fn retain(&self) {
        let mut files = self.finished();
        self.forget_missing(&files);
        // The quota of each creating address.
        let mut by_creator: HashMap<IpAddr, Vec<Candidate>> = HashMap::new();
        let mut rest = Vec::with_capacity(files.len());
        for c in files.drain(..) {
            match c.creator {
                Some(ip) => by_creator.entry(ip).or_default().push(c),
                None => rest.push(c),
            }
        }
        let quota = self.config.max_files_per_ip;
        for (_, mut own) in by_creator {
            if own.len() > quota {
                self.order(&mut own);
                let over = own.len() - quota;
                for c in own.drain(..over) {
                    self.remove(&c, Cause::Quota);
                }
            }
            rest.extend(own);
        }
        // The directory's limits.
        let mut count = rest.len() + self.recording();
        let mut bytes: u64 = rest.iter().map(|c| c.len).sum();
        if count <= self.config.max_files && bytes <= self.config.max_bytes {
            return;
        }
        self.order(&mut rest);
        for c in rest {
            if count <= self.config.max_files && bytes <= self.config.max_bytes {
                break;
            }
            if self.remove(&c, Cause::Limits) {
                count -= 1;
                bytes = bytes.saturating_sub(c.len);
            }
        }
    }

    /// Forget the creators of recordings no longer in the directory.
    fn forget_missing(&self, files: &[Candidate]) {
        let active = lock(&self.active).clone();
        let present: HashSet<&str> = files.iter().map(|c| c.id.as_str()).collect();
        lock(&self.creators)
            .retain(|id, _| active.contains_key(id) || present.contains(id.as_str()));
    }

    fn remove(&self, c: &Candidate, cause: Cause) -> bool {
        let Some(path) = self.path_of(&c.id) else {
            return false;
        };
        match std::fs::remove_file(&path) {
            Ok(()) => {
                let why = match cause {
                    Cause::Limits => {
                        self.metrics.pruned.inc();
                        "max_files / max_bytes"
                    }
                    Cause::Quota => {
                        self.metrics.quota_pruned.inc();
                        "the creator's max_files_per_ip"
                    }
                };
                tracing::info!(replay = %c.id, is_match = c.is_match, why, "replay removed by retention");
                lock(&self.cache).remove(&c.id);
                lock(&self.creators).remove(&c.id);
                true
            }
            Err(e) => {
                tracing::warn!(replay = %c.id, error = %e, "cannot remove replay");
                false
            }
        }
    }
}
