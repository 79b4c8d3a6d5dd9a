//! `replay-seek`: how long a replay seek takes to deliver its first event, over HTTP.
//!
//! ```text
//! replay-seek generate --dir DIR [--id bench-seek] [--minutes 10] [--drones 1000] \
//!     [--players 8] [--seed 1] [--checkpoint-secs 5]
//! replay-seek measure --server http://127.0.0.1:PORT --id bench-seek --ticks 36000 \
//!     [--percent 10,50,90,100] [--runs 3]
//! ```
//!
//! `generate` writes a scripted, deterministic match (`tickcast_tests::replay_match`)
//! to `DIR/ID.tcr` without any server; start a server with `--replay-dir DIR` on it.
//! `measure` opens `GET /api/replays/ID/events` for each target and times the
//! request until the first `data:` line (the seek's first event, its keyframe); it
//! prints one JSON line per target and mode with every run and the median:
//! - `from`: `?from=T` with `T` = percent of the ticks (the seek bar's request;
//!   the server starts at the recorded keyframe at or before `T`);
//! - `resume`: `?lastEventId=` of the `game` event of tick `T - 1` (a reconnect at
//!   an exact tick, the worst case for checkpoints on keyframe ticks).
//!
//! Loopback only; runs and targets are bounded.

use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tickcast_shared::protocol::Tick;
use tickcast_shared::spectate::EventId;
use tickcast_tests::replay_match::{MatchScript, replay_bytes};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const MAX_RUNS: usize = 50;
const MAX_TARGETS: usize = 20;
/// Longest wait for one first event.
const FIRST_EVENT_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Parser)]
#[command(name = "replay-seek", about = "time to first event of replay seeks")]
struct Args {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Write a scripted match to DIR/ID.tcr.
    Generate {
        #[arg(long)]
        dir: std::path::PathBuf,
        #[arg(long, default_value = "bench-seek")]
        id: String,
        #[arg(long, default_value_t = 10)]
        minutes: u32,
        #[arg(long, default_value_t = 1000)]
        drones: u32,
        #[arg(long, default_value_t = 8)]
        players: u32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Seconds between checkpoints; 0 writes none.
        #[arg(long, default_value_t = 5)]
        checkpoint_secs: u32,
    },
    /// Time the first event of seeks into a served recording.
    Measure {
        /// The server, e.g. http://127.0.0.1:8080 (loopback only).
        #[arg(long)]
        server: String,
        #[arg(long, default_value = "bench-seek")]
        id: String,
        /// Ticks in the recording.
        #[arg(long)]
        ticks: u32,
        #[arg(long, value_delimiter = ',', default_value = "10,50,90,100")]
        percent: Vec<u32>,
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
}

fn loopback(server: &str) -> Result<SocketAddr, String> {
    let rest = server.strip_prefix("http://").unwrap_or(server);
    let host = rest.split('/').next().unwrap_or(rest);
    let addr: SocketAddr = host
        .parse()
        .map_err(|e| format!("--server {server}: {e}"))?;
    if !addr.ip().is_loopback() {
        return Err("--server must be a loopback address".into());
    }
    Ok(addr)
}

/// Milliseconds from sending the request to the first `data:` line.
async fn first_event_ms(addr: SocketAddr, path: &str) -> Result<f64, String> {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut seen = Vec::new();
    let mut buf = vec![0u8; 64 << 10];
    let read = async {
        loop {
            let n = stream.read(&mut buf).await.map_err(|e| e.to_string())?;
            if n == 0 {
                return Err(format!(
                    "closed before an event: {}",
                    String::from_utf8_lossy(&seen)
                ));
            }
            seen.extend_from_slice(buf.get(..n).unwrap_or_default());
            if seen.windows(5).any(|w| w == b"data:") {
                return Ok(started.elapsed().as_secs_f64() * 1000.0);
            }
            if seen.len() > 1 << 20 {
                return Err("no event in the first MiB".into());
            }
        }
    };
    tokio::time::timeout(FIRST_EVENT_TIMEOUT, read)
        .await
        .map_err(|_| "timed out".to_string())?
}

fn median(runs: &[f64]) -> f64 {
    let mut v = runs.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

async fn measure(
    server: &str,
    id: &str,
    ticks: u32,
    percent: &[u32],
    runs: usize,
) -> Result<(), String> {
    let addr = loopback(server)?;
    if runs == 0 || runs > MAX_RUNS || percent.len() > MAX_TARGETS {
        return Err(format!("at most {MAX_RUNS} runs and {MAX_TARGETS} targets"));
    }
    for &p in percent {
        let target = u32::try_from(u64::from(ticks) * u64::from(p.min(100)) / 100).unwrap_or(ticks);
        let resume = EventId::game(Tick(target.saturating_sub(1)));
        let modes = [
            (
                "from",
                format!("/api/replays/{id}/events?speed=16&from={target}"),
            ),
            (
                "resume",
                format!("/api/replays/{id}/events?speed=16&lastEventId={resume}"),
            ),
        ];
        for (mode, path) in modes {
            let mut times = Vec::with_capacity(runs);
            for _ in 0..runs {
                times.push(first_event_ms(addr, &path).await?);
            }
            let line = serde_json::json!({
                "percent": p,
                "tick": target,
                "mode": mode,
                "runs_ms": times,
                "median_ms": median(&times),
            });
            println!("{line}");
        }
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), String> {
    match Args::parse().cmd {
        Cmd::Generate {
            dir,
            id,
            minutes,
            drones,
            players,
            seed,
            checkpoint_secs,
        } => {
            let script = MatchScript {
                checkpoint_secs,
                ..MatchScript::minutes(minutes, drones, players, seed)
            };
            let bytes = replay_bytes(&script, &id);
            std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            let path = dir.join(format!("{id}.tcr"));
            std::fs::write(&path, &bytes).map_err(|e| e.to_string())?;
            println!(
                "{}",
                serde_json::json!({"file": path, "bytes": bytes.len(), "ticks": script.ticks})
            );
            Ok(())
        }
        Cmd::Measure {
            server,
            id,
            ticks,
            percent,
            runs,
        } => measure(&server, &id, ticks, &percent, runs).await,
    }
}
