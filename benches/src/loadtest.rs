//! loadtest: the real server under many bots, one JSON line of figures.
//!
//! ```sh
//! cargo build --release -p tickcast-server -p tickcast-benches
//! target/release/loadtest --rooms 1 --bots-per-room 8 --drones 1000 --duration 20s --idle --json
//! ```
//!
//! It starts `tickcast-server` (found beside this binary in `target/<profile>/`, or
//! `--server-bin PATH`) as a child process on `--http 127.0.0.1:0`, creates `--rooms`
//! rooms with `--drones` drones each through the lobby API, runs
//! `rooms * bots-per-room` bots in this process with the client library (playing at
//! 60 inputs/s, or only acknowledging with `--idle`), samples the server's CPU time
//! from `/proc/<pid>/stat` over the bots' run and its peak RSS (`VmHWM`), reads
//! `/metrics`, stops the server and prints one JSON line. The server runs with its
//! defaults (60 Hz sim, 20 Hz send) and `--no-replays` unless `--replay-dir` is given. Everything stays on
//! loopback; counts and the duration are bounded by the limits below; it stops by
//! itself.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use clap::Parser;
use serde::Serialize;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tickcast_benches::procfs::clock_ticks_per_sec;
use tickcast_benches::prometheus;
use tickcast_benches::server_process::{BoxError, ServerProcess, server_binary};
use tickcast_client::{BotConfig, ClientConfig, CreateRoom, Transport, parse_duration, run_bots};

const MAX_ROOMS: usize = 1000;
const MAX_BOTS: usize = 10_000;
const MAX_DRONES: u32 = 10_000;
const MAX_DURATION: Duration = Duration::from_secs(600);
/// The server's default `max_players_limit`.
const DEFAULT_PLAYER_CAP: usize = 64;

/// Load-test a tickcast server started as a child process on loopback.
#[derive(Debug, Parser)]
#[command(name = "loadtest", about)]
struct Args {
    /// Rooms to create (at most 1000).
    #[arg(long, default_value_t = 1)]
    rooms: usize,
    /// Bots joining each room (rooms * bots at most 10 000).
    #[arg(long, default_value_t = 8)]
    bots_per_room: usize,
    /// Drones per room (at most 10 000).
    #[arg(long, default_value_t = 32)]
    drones: u32,
    /// How long the bots run (e.g. 20s; at most 10 minutes).
    #[arg(long, default_value = "20s", value_parser = parse_duration)]
    duration: Duration,
    /// Bots idle instead of playing: they ping, and acknowledge snapshots only on
    /// QUIC (datagrams need it; on WebSocket a written snapshot is the baseline).
    #[arg(long)]
    idle: bool,
    /// With --idle: bots answer every snapshot with an empty input on any transport.
    #[arg(long, requires = "idle")]
    ack_every_snapshot: bool,
    /// With --idle: bots send no pings either (on WebSocket nothing at all after
    /// the Hello): the idle clients that send nothing.
    #[arg(long, requires = "idle", conflicts_with = "ack_every_snapshot")]
    silent: bool,
    /// How the bots connect: ws (WebSocket) or quic.
    #[arg(long, default_value = "ws")]
    transport: Transport,
    /// Print one JSON line (otherwise pretty JSON).
    #[arg(long)]
    json: bool,
    /// The server binary (default: tickcast-server beside this executable).
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Let the server record matches into this directory (default: `--no-replays`,
    /// so a load run leaves no files behind).
    #[arg(long)]
    replay_dir: Option<PathBuf>,
    /// Extra argument for the server (repeatable), e.g. --server-arg=--config=x.toml.
    #[arg(long = "server-arg", allow_hyphen_values = true)]
    server_args: Vec<String>,
}

/// The figures of one run.
#[derive(Debug, Serialize)]
struct LoadReport {
    rooms: usize,
    bots_per_room: usize,
    bots: usize,
    drones_per_room: u32,
    idle: bool,
    ack_every_snapshot: bool,
    silent: bool,
    transport: Transport,
    duration_s: f64,
    /// Tick duration quantiles, estimated from the server's histogram buckets.
    tick_ms_p50: Option<f64>,
    tick_ms_p99: Option<f64>,
    tick_ms_max: Option<f64>,
    ticks: Option<f64>,
    ticks_skipped: Option<f64>,
    /// Received by the bots, per bot per second.
    bytes_per_bot_per_sec: f64,
    /// Sent by the server (`tickcast_bytes_sent_total`), per bot per second.
    server_bytes_per_bot_per_sec: Option<f64>,
    snapshots: u64,
    keyframes: u64,
    deltas: u64,
    decode_errors: u64,
    bots_connected: usize,
    connect_errors: usize,
    disconnects: usize,
    rtt_ms_p50: Option<f64>,
    rtt_ms_p99: Option<f64>,
    server_cpu_percent: f64,
    /// Server CPU time over the run divided by the snapshots the bots received.
    server_cpu_us_per_snapshot: Option<f64>,
    server_peak_rss_mib: f64,
    /// Peak RSS over the run less the RSS before the bots connected, per bot (KiB):
    /// what one connected player costs the server.
    server_rss_kib_per_bot: Option<f64>,
    /// RSS with the bots seated and settled: the median of `VmRSS` sampled every
    /// 250 ms over the second half of the run (MiB).
    server_settled_rss_mib: Option<f64>,
    /// RSS before the bots connected (rooms and drones made), MiB.
    server_rss_before_mib: f64,
    first_error: Option<String>,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("loadtest: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("loadtest: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn check(args: &Args) -> Result<(), BoxError> {
    let bots = args.rooms.saturating_mul(args.bots_per_room);
    if args.rooms == 0 || args.rooms > MAX_ROOMS {
        return Err(format!("--rooms must be 1..={MAX_ROOMS}").into());
    }
    if bots > MAX_BOTS {
        return Err(format!("rooms * bots-per-room must be at most {MAX_BOTS}").into());
    }
    if args.drones > MAX_DRONES {
        return Err(format!("--drones must be at most {MAX_DRONES}").into());
    }
    if args.duration.is_zero() || args.duration > MAX_DURATION {
        return Err("--duration must be between 0 and 10 minutes".into());
    }
    Ok(())
}

async fn run(args: Args) -> Result<(), BoxError> {
    check(&args)?;
    let binary = server_binary(args.server_bin.clone())?;
    let mut server_args = args.server_args.clone();
    // Rooms hold every bot of theirs: raise the server's player cap when needed
    // (`TICKCAST_MAX_PLAYERS_LIMIT`; a server too old for it ignores it, give it
    // `--server-arg=--config=FILE` with `max_players_limit` instead).
    let mut envs = Vec::new();
    if args.bots_per_room > DEFAULT_PLAYER_CAP {
        envs.push(("TICKCAST_MAX_PLAYERS_LIMIT", args.bots_per_room.to_string()));
    }
    // This one address creates every room and holds every bot's ticket, and a big
    // run may pass the default entity budget: raise the lobby budgets (and the
    // address's shares of them) to what the run needs.
    let given = |flag: &str| args.server_args.iter().any(|a| a.starts_with(flag));
    if !given("--max-rooms-per-ip") {
        server_args.push(format!("--max-rooms-per-ip={}", args.rooms));
    }
    if !given("--max-entities") {
        let per_room = u64::from(args.drones) + args.bots_per_room.max(1) as u64;
        let entities = per_room.saturating_mul(args.rooms as u64).max(1);
        server_args.push(format!("--max-entities={entities}"));
        if !given("--max-entities-per-ip") {
            server_args.push(format!("--max-entities-per-ip={entities}"));
        }
    }
    if !given("--max-tickets-per-ip") {
        let bots = args.bots_per_room.max(1).saturating_mul(args.rooms).max(1);
        server_args.push(format!("--max-tickets-per-ip={bots}"));
    }
    if !given("--max-tickets-per-ip-per-room") {
        let per_room = args.bots_per_room.max(1);
        server_args.push(format!("--max-tickets-per-ip-per-room={per_room}"));
    }
    match &args.replay_dir {
        Some(dir) => server_args.push(format!("--replay-dir={}", dir.display())),
        None => server_args.push("--no-replays".to_owned()),
    }
    let server = ServerProcess::start(&binary, &server_args, &envs).await?;
    let outcome = measure(&args, &server).await;
    server.stop().await;
    let report = outcome?;
    let line = if args.json {
        serde_json::to_string(&report)?
    } else {
        serde_json::to_string_pretty(&report)?
    };
    println!("{line}");
    Ok(())
}

async fn measure(args: &Args, server: &ServerProcess) -> Result<LoadReport, BoxError> {
    let client = ClientConfig {
        predict: false,
        transport: args.transport,
        ..ClientConfig::default()
    };
    let lobby = client.lobby(server.base_url())?;
    let mut rooms = Vec::with_capacity(args.rooms);
    for i in 0..args.rooms {
        let room = lobby
            .create_room(&CreateRoom {
                name: Some(format!("load-{i}")),
                drones: Some(args.drones),
                max_players: Some(args.bots_per_room.max(1) as u32),
                ..CreateRoom::default()
            })
            .await?;
        rooms.push(room.id);
    }
    let bots = BotConfig {
        server: server.base_url().to_owned(),
        count: args.rooms * args.bots_per_room,
        duration: args.duration,
        rooms,
        idle: args.idle,
        ack_every_snapshot: args.ack_every_snapshot,
        silent: args.silent,
        name_prefix: "load".to_owned(),
        client,
        ..BotConfig::default()
    };
    let clk = clock_ticks_per_sec();
    let cpu_before = server.cpu_seconds(clk)?;
    let rss_before = server.rss_mib()?;
    let started = Instant::now();
    let sampler = tokio::spawn(sample_rss(server.pid(), args.duration));
    let bot_report = run_bots(&bots).await?;
    if bots.count == 0 {
        // No bots: the run is the server alone with its rooms, for as long.
        tokio::time::sleep(args.duration.saturating_sub(started.elapsed())).await;
    }
    let settled_rss = sampler.await.ok().flatten();
    let cpu = server.cpu_seconds(clk)? - cpu_before;
    let wall = started.elapsed().as_secs_f64();
    let peak_rss = server.peak_rss_mib()?;
    let samples = prometheus::parse(&lobby.metrics_text().await?);
    let tick_ms = |q: f64| {
        prometheus::histogram_quantile(&samples, "tickcast_tick_duration_seconds", q)
            .map(|s| s * 1000.0)
    };
    let per_bot_sec = (bot_report.bots as f64 * bot_report.seconds).max(f64::MIN_POSITIVE);
    Ok(LoadReport {
        rooms: args.rooms,
        bots_per_room: args.bots_per_room,
        bots: bot_report.bots,
        drones_per_room: args.drones,
        idle: args.idle,
        ack_every_snapshot: args.ack_every_snapshot,
        silent: args.silent,
        transport: args.transport,
        duration_s: bot_report.seconds,
        tick_ms_p50: tick_ms(0.5),
        tick_ms_p99: tick_ms(0.99),
        tick_ms_max: prometheus::sum(&samples, "tickcast_tick_duration_max_seconds")
            .map(|s| s * 1000.0),
        ticks: prometheus::sum(&samples, "tickcast_tick_duration_seconds_count"),
        ticks_skipped: prometheus::sum(&samples, "tickcast_ticks_skipped_total"),
        bytes_per_bot_per_sec: bot_report.bytes_per_bot_per_sec,
        server_bytes_per_bot_per_sec: prometheus::sum(&samples, "tickcast_bytes_sent_total")
            .map(|b| b / per_bot_sec),
        snapshots: bot_report.snapshots,
        keyframes: bot_report.keyframes,
        deltas: bot_report.deltas,
        decode_errors: bot_report.decode_errors,
        bots_connected: bot_report.connected,
        connect_errors: bot_report.connect_errors,
        disconnects: bot_report.disconnects,
        rtt_ms_p50: bot_report.rtt_ms_p50,
        rtt_ms_p99: bot_report.rtt_ms_p99,
        server_cpu_percent: cpu / wall * 100.0,
        server_cpu_us_per_snapshot: (bot_report.snapshots > 0)
            .then(|| cpu * 1e6 / bot_report.snapshots as f64),
        server_peak_rss_mib: peak_rss,
        server_rss_kib_per_bot: (bot_report.connected > 0)
            .then(|| (peak_rss - rss_before) * 1024.0 / bot_report.connected as f64),
        server_settled_rss_mib: settled_rss,
        server_rss_before_mib: rss_before,
        first_error: bot_report.first_error,
    })
}

/// The median `VmRSS` of `pid` (MiB) sampled every 250 ms over the second half of
/// `run` (the bots are seated by then); `None` without samples.
async fn sample_rss(pid: u32, run: Duration) -> Option<f64> {
    let started = Instant::now();
    let mut samples = Vec::new();
    let mut every = tokio::time::interval(Duration::from_millis(250));
    while started.elapsed() < run {
        every.tick().await;
        if started.elapsed() >= run / 2
            && let Ok(mib) = tickcast_benches::procfs::memory_mib(pid, "VmRSS")
        {
            samples.push(mib);
        }
    }
    samples.sort_by(f64::total_cmp);
    samples.get(samples.len() / 2).copied()
}
