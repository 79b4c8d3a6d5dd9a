//! The recorder task: a [`Recorder`](super::Recorder)'s messages in, replay file bytes out.
//!
//! It encodes with [`ReplayWriter`] and appends to the file, flushing every
//! `flush_ms` (at most a second). Any IO error (unwritable directory, disk full
//! `ENOSPC`, the process's file-size limit `EFBIG`) or reaching `max_file_bytes`
//! ends the recording with an error in the log (an IO error is counted in
//! `tickcast_replay_write_failures_total`); what was written stays, without an end
//! record: an incomplete replay. The match goes on.
//!
//! A file-size limit (`ulimit -f`) would by default kill the process with
//! `SIGXFSZ` at the write that passes it; [`survive_file_size_limit`], called at
//! start-up, installs a handler instead, so that write fails with `EFBIG` and only
//! the recording stops.

use super::store::ReplayStore;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;
use tickcast_shared::codec::RowSnapshot;
use tickcast_shared::game::{InputValues, StepCommands};
use tickcast_shared::protocol::PlayerIdentity;
use tickcast_shared::protocol::Tick;
use tickcast_shared::replay::{ReplayHeader, ReplayWriter, WriteError};
use tickcast_shared::schema::Schema;
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

/// What a [`Recorder`](super::Recorder) sends its task.
pub(super) enum Msg {
    /// The game at `tick`, after `input` stepped it (`None`: the initial state).
    Tick {
        input: Option<StepCommands<InputValues>>,
        tick: Tick,
        hash: Option<u64>,
        keyframe: Option<RowSnapshot>,
        checkpoint: Option<Checkpoint>,
    },
    /// The ticks `0..ticks` ran before anyone took a seat (empty inputs), with the
    /// state hashes and keyframes taken meanwhile.
    Idle(PreRoll),
    /// Who joins in the next step (player records).
    Seating(Vec<PlayerIdentity>),
    /// The match is over.
    End,
}

/// What a room did before its recording started: `ticks` steps without any input,
/// and the state hashes and keyframes the policy wanted on the way (tick 0
/// included), in tick order, and the latest checkpoint.
#[derive(Debug, Clone, Default)]
pub struct PreRoll {
    pub ticks: u32,
    pub hashes: Vec<(Tick, u64)>,
    pub keyframes: Vec<RowSnapshot>,
    pub checkpoint: Option<Checkpoint>,
}

/// The game's saved state at a tick (what `DynGame::save` gives).
#[derive(Debug, Clone)]
pub struct Checkpoint {
    pub tick: Tick,
    pub state: Vec<u8>,
}

/// Write a checkpoint: the game's saved state.
fn push_checkpoint(writer: &mut ReplayWriter, checkpoint: &Checkpoint) -> Result<(), WriteError> {
    writer.push_checkpoint(checkpoint.tick, &checkpoint.state)
}

/// Catch `SIGXFSZ` for the life of the process, so that a write past the
/// process's file-size limit fails with `EFBIG` (a recording stops) instead of
/// killing the server. Call once, inside the runtime, at start-up.
#[cfg(unix)]
pub fn survive_file_size_limit() -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    // tokio's handler replaces the default action (terminate) for good; the
    // stream is drained so the signals are only logged.
    let mut xfsz = signal(SignalKind::from_raw(libc::SIGXFSZ))?;
    tokio::spawn(async move {
        while xfsz.recv().await.is_some() {
            tracing::debug!("SIGXFSZ: a write passed the file-size limit (it fails with EFBIG)");
        }
    });
    Ok(())
}

/// No file-size signal off Unix.
#[cfg(not(unix))]
pub fn survive_file_size_limit() -> std::io::Result<()> {
    Ok(())
}

/// What an IO error means for a recording, for the log.
fn io_reason(e: &std::io::Error) -> &'static str {
    match e.raw_os_error() {
        #[cfg(unix)]
        Some(libc::EFBIG) => "the process's file-size limit (ulimit -f) was reached",
        #[cfg(unix)]
        Some(libc::ENOSPC) => "the disk is full",
        _ => "a write to the recording failed",
    }
}

/// Why a recording stopped early.
#[derive(Debug, Error)]
enum RecordError {
    #[error("{}: {}", io_reason(.0), .0)]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Write(#[from] WriteError),
    #[error("the file reached the limit of {0} bytes")]
    TooLarge(u64),
}

/// The task that encodes one recording and appends it to its file.
pub(super) struct Task {
    pub(super) store: Arc<ReplayStore>,
    pub(super) id: String,
    pub(super) path: PathBuf,
    pub(super) flush_every: Duration,
    pub(super) max_bytes: u64,
}

impl Task {
    /// Record until the match ends, the room drops its recorder or an error.
    pub(super) async fn run(
        self,
        header: ReplayHeader,
        schema: &'static Schema,
        mut rx: mpsc::Receiver<Msg>,
    ) {
        let id = self.id.clone();
        match self.record(&header, schema, &mut rx).await {
            Ok(true) => tracing::info!(replay = %id, "replay complete"),
            Ok(false) => {
                tracing::warn!(replay = %id, "room stopped recording; the replay is incomplete")
            }
            Err(e) => {
                if matches!(e, RecordError::Io(_)) {
                    self.store.metrics().write_failures.inc();
                }
                tracing::error!(
                    replay = %id,
                    file = %self.path.display(),
                    error = %e,
                    "recording failed; the match goes on, the replay stays incomplete"
                )
            }
        }
        // Closing the queue tells the room to stop recording.
        drop(rx);
        let store = Arc::clone(&self.store);
        let _ = tokio::task::spawn_blocking(move || store.end(&id)).await;
    }

    /// Record until the end record (`Ok(true)`) or the room drops its recorder
    /// (`Ok(false)`).
    async fn record(
        &self,
        header: &ReplayHeader,
        schema: &Schema,
        rx: &mut mpsc::Receiver<Msg>,
    ) -> Result<bool, RecordError> {
        let mut out = Output::create(&self.path, self.max_bytes).await?;
        let mut writer = ReplayWriter::new(header, schema);
        out.append(&mut writer).await?;
        let start = tokio::time::Instant::now() + self.flush_every;
        let mut flush = tokio::time::interval_at(start, self.flush_every);
        flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                msg = rx.recv() => match msg {
                    Some(Msg::Tick { input, tick, hash, keyframe, checkpoint }) => {
                        if let Some(input) = input {
                            writer.push_tick(&input)?;
                        }
                        if let Some(hash) = hash {
                            writer.push_hash(tick, hash)?;
                        }
                        if let Some(rows) = keyframe {
                            writer.push_keyframe(&rows)?;
                        }
                        if let Some(checkpoint) = checkpoint {
                            push_checkpoint(&mut writer, &checkpoint)?;
                        }
                    }
                    Some(Msg::Idle(pre)) => write_pre_roll(&mut writer, pre)?,
                    Some(Msg::Seating(players)) => {
                        for info in &players {
                            writer.push_player(info)?;
                        }
                    }
                    Some(Msg::End) => {
                        writer.end()?;
                        out.append(&mut writer).await?;
                        return Ok(true);
                    }
                    None => {
                        writer.flush();
                        out.append(&mut writer).await?;
                        return Ok(false);
                    }
                },
                _ = flush.tick() => {
                    writer.flush();
                    out.append(&mut writer).await?;
                }
            }
        }
    }
}

/// The empty ticks before the first seat, with their hashes, keyframes and the
/// latest checkpoint.
fn write_pre_roll(writer: &mut ReplayWriter, pre: PreRoll) -> Result<(), WriteError> {
    let mut hashes = pre.hashes.into_iter().peekable();
    let mut keyframes = pre.keyframes.into_iter().peekable();
    for t in 0..=pre.ticks {
        while let Some((at, hash)) = hashes.next_if(|(at, _)| at.0 <= t) {
            if at.0 == t {
                writer.push_hash(at, hash)?;
            }
        }
        while let Some(rows) = keyframes.next_if(|k| k.tick.0 <= t) {
            if rows.tick.0 == t {
                writer.push_keyframe(&rows)?;
            }
        }
        if let Some(checkpoint) = pre.checkpoint.as_ref().filter(|c| c.tick.0 == t) {
            push_checkpoint(writer, checkpoint)?;
        }
        if t < pre.ticks {
            writer.push_tick(&StepCommands::default())?;
        }
    }
    Ok(())
}

/// The file being written.
struct Output {
    file: tokio::fs::File,
    written: u64,
    max: u64,
}

impl Output {
    async fn create(path: &Path, max: u64) -> Result<Output, RecordError> {
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .await?;
        Ok(Output {
            file,
            written: 0,
            max,
        })
    }

    /// Append the writer's finished records and hand them to the OS.
    async fn append(&mut self, writer: &mut ReplayWriter) -> Result<(), RecordError> {
        let bytes = writer.take_bytes();
        if bytes.is_empty() {
            return Ok(());
        }
        let len = bytes.len() as u64;
        if self.written.saturating_add(len) > self.max {
            return Err(RecordError::TooLarge(self.max));
        }
        self.file.write_all(&bytes).await?;
        self.file.flush().await?;
        self.written += len;
        Ok(())
    }
}
