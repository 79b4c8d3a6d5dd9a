//! `spectate-load`: K concurrent spectators of one room over plain SSE, and one JSON
//! line of what they got.
//!
//! ```text
//! spectate-load --server http://127.0.0.1:8080 --room ID --viewers 1000 --duration 10s \
//!     [--format binary] [--server-pid PID] --json
//! ```
//!
//! Viewers connect (at most `--connect-concurrency` handshakes at a time), then a
//! window of `--duration` is measured: events and bytes per viewer per second,
//! `viewers_missing_ids` (viewers lacking a frame id that some viewer got between
//! their first and last frame), and delivery times. Delivery is arrival against the
//! frame's tick on the room's clock: `tick / tick_rate` plus the smallest offset seen
//! over all arrivals, so the quickest delivery counts as 0 ms; that offset is
//! printed as `delivery_origin_unix_ms`, so runs against two nodes of one room
//! can be put on one scale (`benches/scripts/cluster-spectate-scale.sh`). With `--server-pid`
//! the server's CPU (over the window) and resident memory come from `/proc`.
//! Loopback only; viewers and duration are bounded.

use clap::Parser;
use serde::Serialize;
use std::collections::{BTreeSet, HashSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tickcast_benches::procfs;
use tickcast_benches::sse_viewer::{self, ViewerStats, Window};
use tickcast_client::parse_duration;
use tokio::sync::Semaphore;

const MAX_VIEWERS: usize = 20_000;
const MAX_DURATION: Duration = Duration::from_secs(300);
/// How long every viewer has to connect before the window opens anyway.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(60);
/// How long viewers have to hand in what they saw once the window closed.
const COLLECT_GRACE: Duration = Duration::from_secs(10);

#[derive(Debug, Parser)]
#[command(
    name = "spectate-load",
    about = "K concurrent SSE spectators of one room"
)]
struct Args {
    /// The server, `http://127.0.0.1:PORT` (loopback only).
    #[arg(long)]
    server: String,
    /// The room to watch.
    #[arg(long)]
    room: String,
    /// Concurrent viewers (at most 20 000).
    #[arg(long, default_value_t = 100)]
    viewers: usize,
    /// The measured window (e.g. 10s; at most 5 minutes).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    duration: Duration,
    /// json or binary.
    #[arg(long, default_value = "json")]
    format: String,
    /// The room's tick rate, for delivery times.
    #[arg(long, default_value_t = 60)]
    tick_rate: u32,
    /// The server's process id: CPU and memory from /proc.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Connection handshakes in flight at once.
    #[arg(long, default_value_t = 256)]
    connect_concurrency: usize,
    /// Print one JSON line (otherwise pretty JSON).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    viewers: usize,
    connected: usize,
    format: String,
    duration_s: f64,
    events_per_viewer_per_sec: f64,
    bytes_per_viewer_per_sec: f64,
    viewers_missing_ids: usize,
    delivery_ms_p50: Option<f64>,
    delivery_ms_p99: Option<f64>,
    delivery_ms_max: Option<f64>,
    /// The room's tick 0 on this machine's clock as the quickest delivery saw it
    /// (Unix ms): two runs against two nodes of one room are lined up with it.
    delivery_origin_unix_ms: Option<f64>,
    server_cpu_percent: Option<f64>,
    server_rss_mb: Option<f64>,
    connect_errors: usize,
    first_error: Option<String>,
}

fn loopback(url: &str) -> Result<SocketAddr, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or("--server must be http://127.0.0.1:PORT")?;
    let addr: SocketAddr = rest
        .trim_end_matches('/')
        .parse()
        .map_err(|e| format!("--server {url}: {e}"))?;
    if !addr.ip().is_loopback() {
        return Err(format!("{addr} is not a loopback address"));
    }
    Ok(addr)
}

fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted.get(rank - 1).copied()
}

fn missing(all: &[ViewerStats]) -> usize {
    let union: BTreeSet<u64> = all
        .iter()
        .flat_map(|v| v.frames.iter().map(|f| f.0))
        .collect();
    all.iter()
        .filter(|v| v.connected)
        .filter(|v| {
            let (Some(first), Some(last)) = (v.frames.first(), v.frames.last()) else {
                return !union.is_empty();
            };
            let got: HashSet<u64> = v.frames.iter().map(|f| f.0).collect();
            union.range(first.0..=last.0).any(|id| !got.contains(id))
        })
        .count()
}

/// Delivery times, sorted, and the offset they are measured from (the quickest
/// arrival's, in ms since the window's base: arrival - tick time).
fn deliveries(all: &[ViewerStats], tick_rate: u32) -> (Vec<f64>, f64) {
    let per_tick_ms = 1000.0 / f64::from(tick_rate.max(1));
    let due = |id: u64| (id / 4) as f64 * per_tick_ms;
    let offset = all
        .iter()
        .flat_map(|v| v.frames.iter().map(|&(id, at)| at - due(id)))
        .fold(f64::INFINITY, f64::min);
    let mut out: Vec<f64> = all
        .iter()
        .flat_map(|v| v.frames.iter().map(move |&(id, at)| at - due(id) - offset))
        .collect();
    out.sort_by(f64::total_cmp);
    (out, offset)
}

async fn run(args: Args) -> Result<Report, Box<dyn std::error::Error + Send + Sync>> {
    let addr = loopback(&args.server)?;
    if args.viewers == 0 || args.viewers > MAX_VIEWERS {
        return Err(format!("--viewers must be 1..={MAX_VIEWERS}").into());
    }
    if args.duration > MAX_DURATION {
        return Err("--duration is at most 5 minutes".into());
    }
    let format = match args.format.as_str() {
        "json" | "binary" => args.format.clone(),
        other => return Err(format!("--format {other}: json or binary").into()),
    };
    let path = format!("/api/rooms/{}/events?format={format}", args.room);
    let window = Window::new();
    let gate = Arc::new(Semaphore::new(args.connect_concurrency.max(1)));
    let connected = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::with_capacity(args.viewers);
    for _ in 0..args.viewers {
        let (path, window, gate, connected) = (
            path.clone(),
            Arc::clone(&window),
            Arc::clone(&gate),
            Arc::clone(&connected),
        );
        tasks.push(tokio::spawn(async move {
            let permit = gate.acquire_owned().await;
            // The permit is held only for the handshake: `watch` reports connection
            // through `connected` once the head is read.
            let (tx, rx) = tokio::sync::oneshot::channel::<()>();
            let handle = tokio::spawn(watch_and_signal(addr, path, window, tx));
            let _ = rx.await;
            drop(permit);
            connected.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
            handle.await.unwrap_or_default()
        }));
    }
    let deadline = tokio::time::Instant::now() + CONNECT_TIMEOUT;
    while connected.load(std::sync::atomic::Ordering::Acquire) < args.viewers
        && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let clk = procfs::clock_ticks_per_sec();
    let cpu_before = args
        .server_pid
        .and_then(|p| procfs::cpu_seconds(p, clk).ok());
    window.open();
    let started = std::time::Instant::now();
    tokio::time::sleep(args.duration).await;
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_after = args
        .server_pid
        .and_then(|p| procfs::cpu_seconds(p, clk).ok());
    let rss = args
        .server_pid
        .and_then(|p| procfs::memory_mib(p, "VmRSS").ok());
    window.close();
    // Every live viewer returns at its next read (frames come at 10 Hz); one that
    // does not within the grace counts as not connected.
    let mut all = Vec::with_capacity(tasks.len());
    let grace = tokio::time::Instant::now() + COLLECT_GRACE;
    for mut t in tasks {
        match tokio::time::timeout_at(grace, &mut t).await {
            Ok(stats) => all.push(stats.unwrap_or_default()),
            Err(_) => {
                t.abort();
                all.push(ViewerStats::default());
            }
        }
    }
    let ok: Vec<&ViewerStats> = all.iter().filter(|v| v.connected).collect();
    let n = ok.len().max(1) as f64;
    let events: u64 = ok.iter().map(|v| v.events).sum();
    let bytes: u64 = ok.iter().map(|v| v.bytes).sum();
    let (delivered, offset) = deliveries(&all, args.tick_rate);
    let round = |v: Option<f64>| v.map(|x| (x * 10.0).round() / 10.0);
    Ok(Report {
        viewers: args.viewers,
        connected: ok.len(),
        format,
        duration_s: elapsed,
        events_per_viewer_per_sec: events as f64 / n / elapsed,
        bytes_per_viewer_per_sec: bytes as f64 / n / elapsed,
        viewers_missing_ids: missing(&all),
        delivery_ms_p50: round(quantile(&delivered, 0.5)),
        delivery_ms_p99: round(quantile(&delivered, 0.99)),
        delivery_ms_max: round(delivered.last().copied()),
        delivery_origin_unix_ms: offset
            .is_finite()
            .then(|| (window.base_unix_ms + offset).round()),
        server_cpu_percent: match (cpu_before, cpu_after) {
            (Some(a), Some(b)) => Some(((b - a) / elapsed * 1000.0).round() / 10.0),
            _ => None,
        },
        server_rss_mb: rss.map(|r| (r * 10.0).round() / 10.0),
        connect_errors: all.iter().filter(|v| !v.connected).count(),
        first_error: all.iter().find_map(|v| v.error.clone()),
    })
}

/// [`sse_viewer::watch_with`], signalling `connected` once the viewer has its response (or failed).
async fn watch_and_signal(
    addr: SocketAddr,
    path: String,
    window: Arc<Window>,
    connected: tokio::sync::oneshot::Sender<()>,
) -> ViewerStats {
    sse_viewer::watch_with(addr, path, window, Some(connected)).await
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let pretty = !args.json;
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("spectate-load: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(report) => {
            let text = if pretty {
                serde_json::to_string_pretty(&report)
            } else {
                serde_json::to_string(&report)
            };
            match text {
                Ok(t) => println!("{t}"),
                Err(e) => eprintln!("spectate-load: {e}"),
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("spectate-load: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(ids: &[u64]) -> ViewerStats {
        ViewerStats {
            connected: true,
            frames: ids.iter().map(|&i| (i, i as f64)).collect(),
            ..ViewerStats::default()
        }
    }

    #[test]
    fn a_viewer_missing_an_id_between_its_first_and_last_is_counted() {
        let all = [viewer(&[25, 49, 73]), viewer(&[49, 73]), viewer(&[25, 73])];
        assert_eq!(missing(&all), 1);
        assert!(loopback("http://10.0.0.1:80").is_err());
        assert!(loopback("http://127.0.0.1:8080/").is_ok());
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.5), Some(2.0));
    }
}
