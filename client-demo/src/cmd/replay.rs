//! `tickcast-client replay FILE`: verify a recorded match, or watch it.
//!
//! - `--verify` re-simulates the file from tick 0 with its game (any game of this
//!   client's catalog, [`tickcast_client::games::catalog`]) and checks every recorded state
//!   hash, keyframe and checkpoint ([`tickcast_shared::replay::verify`]); it prints
//!   one JSON line `{"game","build_mismatch","ticks","hashes_checked","keyframes_checked",
//!   "checkpoints_checked","mismatches",...,"gaps"}` and exits non-zero on a mismatch or damaged bytes, naming the byte offset on stderr
//!   (damage followed by a checkpoint is skipped: `gaps` names each, with the ticks lost, and the rest is checked).
//!   A recording without its end record (a live or crashed match) is not an error;
//!   a game this client lacks (`unknown game NAME`) or another build of it (`build
//!   mismatch`, `build_mismatch` in the JSON: nothing re-simulated) is.
//! - Without it, the match plays in a native window (feature `window`): Space
//!   pauses, Up/Down change the speed (0.25x to 16x), Left/Right seek 5 s.

use super::CmdResult;
use clap::Args;
use std::path::PathBuf;
use tickcast_shared::replay::{VerifyReport, verify};

/// Largest replay file the client reads.
const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The replay file (as downloaded from `GET /api/replays/{id}`).
    file: PathBuf,
    /// Re-simulate and check every recorded hash; print a JSON summary.
    #[arg(long)]
    verify: bool,
    /// Playback speed of the window, 0.25 to 16.
    #[arg(long, default_value_t = 1.0)]
    speed: f64,
}

/// Why `replay --verify` failed (after printing its JSON line).
#[derive(Debug, thiserror::Error)]
enum VerifyFailed {
    #[error("{file}: {reason}")]
    Damaged { file: String, reason: String },
    #[error("{file}: unknown game {game} (this client has {known})")]
    UnknownGame {
        file: String,
        game: String,
        known: String,
    },
    #[error(
        "{file}: build mismatch: recorded by build {recorded:?}, this client's is {running:?}; not re-simulated"
    )]
    BuildMismatch {
        file: String,
        recorded: String,
        running: String,
    },
    #[error("{file}: {mismatches} hash/keyframe mismatch(es), the first at tick {first}")]
    Mismatch {
        file: String,
        mismatches: u32,
        first: u32,
    },
}

/// Read a replay file, refusing absurd sizes before reading.
pub fn read_file(path: &PathBuf) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
    let len = std::fs::metadata(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .len();
    if len > MAX_FILE_BYTES {
        return Err(format!(
            "{}: {len} bytes is over the {MAX_FILE_BYTES}-byte limit",
            path.display()
        )
        .into());
    }
    Ok(std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?)
}

fn report_json(r: &VerifyReport) -> serde_json::Value {
    serde_json::json!({
        "game": r.game,
        "build_mismatch": r.build_mismatch.as_ref().map(|b| serde_json::json!({
            "recorded": b.recorded,
            "running": b.running,
        })),
        "ticks": r.ticks,
        "hashes_checked": r.hashes_checked,
        "keyframes_checked": r.keyframes_checked,
        "checkpoints_checked": r.checkpoints_checked,
        "mismatches": r.mismatches,
        "first_mismatch": r.first_mismatch.map(|t| t.0),
        "complete": r.complete,
        "stopped_at": r.stopped_at.as_ref().map(|s| serde_json::json!({
            "offset": s.offset,
            "reason": s.reason.to_string(),
        })),
        "gaps": r.gaps.iter().map(|g| serde_json::json!({
            "offset": g.damage.offset,
            "reason": g.damage.reason.to_string(),
            "from_tick": g.from.0,
            "to_tick": g.to.0,
            "resumed_at": g.resumed_at,
        })).collect::<Vec<_>>(),
    })
}

pub fn run(args: ReplayArgs) -> CmdResult {
    if !(0.25..=16.0).contains(&args.speed) {
        return Err(format!("--speed must be 0.25 to 16, not {}", args.speed).into());
    }
    let bytes = read_file(&args.file)?;
    if args.verify {
        return run_verify(&args.file, &bytes);
    }
    window(bytes, args.speed)
}

fn run_verify(path: &std::path::Path, bytes: &[u8]) -> CmdResult {
    let games = tickcast_client::games::catalog();
    let report = verify(bytes, &games);
    println!("{}", report_json(&report));
    let file = path.display().to_string();
    if report.unknown_game {
        let known: Vec<&str> = games.iter().map(|g| g.name()).collect();
        return Err(VerifyFailed::UnknownGame {
            file,
            game: report.game.clone().unwrap_or_default(),
            known: known.join(", "),
        }
        .into());
    }
    if let Some(b) = &report.build_mismatch {
        return Err(VerifyFailed::BuildMismatch {
            file,
            recorded: b.recorded.clone(),
            running: b.running.clone(),
        }
        .into());
    }
    if let Some(stop) = &report.stopped_at {
        return Err(VerifyFailed::Damaged {
            file,
            reason: format!(
                "{stop} (ticks up to {} were checked{})",
                report.ticks,
                if report.mismatches > 0 {
                    ", with mismatches"
                } else {
                    ""
                }
            ),
        }
        .into());
    }
    if let Some(gap) = report.gaps.first() {
        return Err(VerifyFailed::Damaged {
            file,
            reason: format!(
                "{gap} ({} gap(s); the rest was checked, {} mismatch(es))",
                report.gaps.len(),
                report.mismatches
            ),
        }
        .into());
    }
    if report.mismatches > 0 {
        return Err(VerifyFailed::Mismatch {
            file,
            mismatches: report.mismatches,
            first: report.first_mismatch.map_or(0, |t| t.0),
        }
        .into());
    }
    Ok(())
}

#[cfg(feature = "window")]
fn window(bytes: Vec<u8>, speed: f64) -> CmdResult {
    super::replay_window::run(bytes, speed)
}

#[cfg(not(feature = "window"))]
fn window(_bytes: Vec<u8>, _speed: f64) -> CmdResult {
    Err("this build has no window (feature `window`); use --verify".into())
}
