//! socket-floor: what the kernel alone charges a server per delivered frame on loopback.
//!
//! ```sh
//! cargo build --release -p tickcast-benches --bin socket-floor
//! target/release/socket-floor --clients 200 --rate 20 --bytes 220 --ack-bytes 24 --duration 10s --json
//! ```
//!
//! It re-executes itself as a child process in a hidden server role, so the server's
//! CPU is a separate process's CPU, sampled like `loadtest` does it: utime + stime from
//! `/proc/<pid>/stat` over the measured window. The server accepts exactly `--clients`
//! TCP connections on 127.0.0.1 (`TCP_NODELAY`) and then sends one `--bytes` frame to
//! each of them `--rate` times a second, in one of two shapes (`--server`):
//!
//! - `batched` (the default, [`batched`]): one thread, no readiness notification at
//!   all (no epoll, no async runtime): each tick it drains every socket with one
//!   non-blocking `read` (the acks of the last tick), writes the frame to each socket
//!   with one `write`, and sleeps until the next tick. This is the floor: exactly one
//!   `write` per frame and at most one `read` per ack, no wakeups, no framing, no
//!   allocation, no application work. On loopback the sender's `write` also runs the
//!   receiver's TCP receive path (and the wakeup of the client waiting on it), so
//!   `server_cpu_us_per_frame` is what the kernel charges per delivered frame on this
//!   machine; no server doing the same deliveries goes below it.
//! - `evented` ([`evented`]): the shape of a tokio server such as tickcast's sessions,
//!   with nothing else: a multi-threaded runtime, one task per connection woken by a
//!   tick channel to write the frame and by the socket's readiness to read each ack.
//!   The difference to `batched` is what readiness-driven IO costs (epoll, task
//!   wake-ups, worker park and unpark) before any application work.
//!
//! The clients (this process, one tokio task per connection) read each frame and
//! answer it with `--ack-bytes` bytes (`--no-ack`: nothing). After a 1 s warm-up the
//! window of `--duration` is measured: frames the clients received and the server's
//! CPU time. `write_failures` (whole run) counts frames not taken whole by their
//! first `write` (short write or `WouldBlock`); a run with failures is not a clean
//! figure. CPU time comes in clock ticks (10 ms on common Linux): give the window
//! enough frames (with the default 200 clients x 20 Hz x 10 s one tick is 0.25 us a
//! frame). Loopback only; counts, rate, sizes and duration are bounded; both
//! processes stop by themselves.

mod batched;
mod evented;

use clap::{Parser, ValueEnum};
use serde::Serialize;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tickcast_benches::procfs::{BoxError, clock_ticks_per_sec, cpu_seconds};
use tickcast_client::parse_duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const MAX_DURATION: Duration = Duration::from_secs(600);
/// Measured window starts this long after every client is connected.
const WARMUP: Duration = Duration::from_secs(1);
/// How long connecting every client may take (both roles).
const CONNECT_BUDGET: Duration = Duration::from_secs(60);
/// The server's tick loop ends this long after warm-up + duration even if the
/// connections stay open; the whole server process exits a little later at the latest.
const SERVER_MARGIN: Duration = Duration::from_secs(10);
/// How long the server may take to exit once the connections are closed.
const EXIT_TIMEOUT: Duration = Duration::from_secs(10);
const PORT_PREFIX: &str = "socket-floor-port ";
const DONE_PREFIX: &str = "socket-floor-done ";

/// The kernel's CPU per delivered frame: a server doing one write per frame on loopback.
#[derive(Debug, Parser)]
#[command(name = "socket-floor")]
struct Args {
    /// TCP connections (at most 10 000).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    clients: u32,
    /// Frames per second to every client (at most 1000).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    rate: u32,
    /// Bytes per frame (at most 65 536).
    #[arg(long, default_value_t = 220, value_parser = clap::value_parser!(u32).range(1..=65_536))]
    bytes: u32,
    /// Bytes each client answers every frame with (at most 65 536).
    #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u32).range(1..=65_536))]
    ack_bytes: u32,
    /// Clients do not answer frames.
    #[arg(long)]
    no_ack: bool,
    /// Measured window (e.g. 10s; at most 10 minutes).
    #[arg(long, default_value = "10s", value_parser = duration_arg)]
    duration: Duration,
    /// Print one JSON line (otherwise a readable summary).
    #[arg(long)]
    json: bool,
    /// How the server sends: `batched` (the floor) or `evented` (tokio, a task per
    /// connection).
    #[arg(long, value_enum, default_value_t = Shape::Batched)]
    server: Shape,
    /// Internal: run the server role (started by socket-floor itself).
    #[arg(long, hide = true)]
    serve: bool,
}

/// The server's shape (see the crate docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
enum Shape {
    Batched,
    Evented,
}

impl Shape {
    /// The name `--server` takes.
    fn name(self) -> &'static str {
        match self {
            Shape::Batched => "batched",
            Shape::Evented => "evented",
        }
    }
}

fn duration_arg(text: &str) -> Result<Duration, String> {
    let d = parse_duration(text)?;
    if d.is_zero() || d > MAX_DURATION {
        return Err("must be more than 0 and at most 10 minutes".to_owned());
    }
    Ok(d)
}

/// The figures of one run.
#[derive(Debug, Serialize)]
struct Report {
    server: Shape,
    clients: u32,
    rate_hz: u32,
    frame_bytes: u32,
    /// 0 with `--no-ack`.
    ack_bytes: u32,
    duration_s: f64,
    /// Frames the clients received whole inside the window.
    frames_delivered: u64,
    frames_per_sec: f64,
    server_cpu_percent: f64,
    /// Server CPU time over the window divided by `frames_delivered`.
    server_cpu_us_per_frame: Option<f64>,
    /// Frames (whole run) the server's one `write` did not take whole.
    write_failures: u64,
}

/// What the server counted over its whole run (its last stdout line).
#[derive(Debug, Default)]
struct ServerCounts {
    frames_written: u64,
    write_failures: u64,
    ack_bytes_read: u64,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let outcome = if args.serve {
        serve(&args)
    } else {
        tokio::runtime::Runtime::new()
            .map_err(BoxError::from)
            .and_then(|rt| rt.block_on(run(&args)))
    };
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            let role = if args.serve { " (server)" } else { "" };
            eprintln!("socket-floor{role}: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The server role: accept every client, send for the run's length, then print
/// the counts on stdout.
fn serve(args: &Args) -> Result<(), BoxError> {
    let run_for = WARMUP + args.duration + SERVER_MARGIN;
    // Bounded even if the parent vanishes during accept: exit by a hard deadline.
    let hard_deadline = CONNECT_BUDGET + run_for + Duration::from_secs(5);
    std::thread::spawn(move || {
        std::thread::sleep(hard_deadline);
        eprintln!("socket-floor (server): hard deadline reached, exiting");
        std::process::exit(3);
    });
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{PORT_PREFIX}{}", listener.local_addr()?.port())?;
    out.flush()?;
    let mut conns: Vec<TcpStream> = Vec::with_capacity(args.clients as usize);
    while conns.len() < args.clients as usize {
        let (stream, _) = listener.accept()?;
        stream.set_nonblocking(true)?;
        stream.set_nodelay(true)?;
        conns.push(stream);
    }
    drop(listener);
    let frame = vec![0xA5u8; args.bytes as usize];
    let period = Duration::from_secs_f64(1.0 / f64::from(args.rate));
    let counts = match args.server {
        Shape::Batched => batched::serve(conns, &frame, period, run_for),
        Shape::Evented => evented::serve(conns, frame, period, run_for)?,
    };
    writeln!(
        out,
        "{DONE_PREFIX}{} {} {}",
        counts.frames_written, counts.write_failures, counts.ack_bytes_read
    )?;
    out.flush()?;
    Ok(())
}

/// The client role: start the server child, connect, measure, close, report.
async fn run(args: &Args) -> Result<(), BoxError> {
    let exe = std::env::current_exe()?;
    let mut child = tokio::process::Command::new(&exe)
        .arg("--serve")
        .args(["--server", args.server.name()])
        .args(["--clients", &args.clients.to_string()])
        .args(["--rate", &args.rate.to_string()])
        .args(["--bytes", &args.bytes.to_string()])
        .args(["--duration", &args.duration.as_secs_f64().to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("starting {}: {e}", exe.display()))?;
    let pid = child.id().ok_or("server exited at once")?;
    let stdout = child.stdout.take().ok_or("no stdout pipe")?;
    let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stdout));
    let port: u16 = tokio::time::timeout(CONNECT_BUDGET, lines.next_line())
        .await
        .map_err(|_| "server did not print its port in time")??
        .and_then(|l| l.strip_prefix(PORT_PREFIX)?.trim().parse().ok())
        .ok_or("server did not print its port")?;

    let delivered = Arc::new(AtomicU64::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    let connect_all = async {
        for _ in 0..args.clients {
            let stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .map_err(|e| format!("connect: {e} (for many clients raise `ulimit -n`)"))?;
            stream.set_nodelay(true)?;
            tasks.spawn(client(
                stream,
                args.bytes as usize,
                (!args.no_ack).then_some(args.ack_bytes as usize),
                delivered.clone(),
            ));
        }
        Ok::<_, BoxError>(())
    };
    tokio::time::timeout(CONNECT_BUDGET, connect_all)
        .await
        .map_err(|_| "connecting the clients took too long")??;

    tokio::time::sleep(WARMUP).await;
    let clk = clock_ticks_per_sec();
    let cpu_before = cpu_seconds(pid, clk)?;
    let frames_before = delivered.load(Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(args.duration).await;
    let cpu = cpu_seconds(pid, clk)? - cpu_before;
    let frames = delivered.load(Ordering::Relaxed) - frames_before;
    let wall = started.elapsed().as_secs_f64();
    let early_exits = tasks.try_join_next().is_some();

    tasks.shutdown().await; // drops every stream: the server sees them close
    let counts = tokio::time::timeout(EXIT_TIMEOUT, async {
        let mut counts = None;
        while let Some(line) = lines.next_line().await? {
            counts = counts.or_else(|| parse_done(&line));
        }
        Ok::<_, std::io::Error>((counts, child.wait().await?))
    })
    .await
    .map_err(|_| "server did not exit in time")??;
    let (counts, status) = counts;
    if !status.success() {
        return Err(format!("server exited with {status}").into());
    }
    let counts = counts.ok_or("server did not report its counts")?;
    if early_exits {
        return Err("a client connection ended inside the window".into());
    }

    let report = Report {
        server: args.server,
        clients: args.clients,
        rate_hz: args.rate,
        frame_bytes: args.bytes,
        ack_bytes: if args.no_ack { 0 } else { args.ack_bytes },
        duration_s: wall,
        frames_delivered: frames,
        frames_per_sec: frames as f64 / wall,
        server_cpu_percent: cpu / wall * 100.0,
        server_cpu_us_per_frame: (frames > 0).then(|| cpu * 1e6 / frames as f64),
        write_failures: counts.write_failures,
    };
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print_summary(&report, &counts);
    }
    Ok(())
}

/// One connection of the client role: read each frame whole, answer it.
async fn client(
    mut stream: tokio::net::TcpStream,
    frame_bytes: usize,
    ack_bytes: Option<usize>,
    delivered: Arc<AtomicU64>,
) -> std::io::Result<()> {
    let mut frame = vec![0u8; frame_bytes];
    let ack = vec![0x5Au8; ack_bytes.unwrap_or(0)];
    loop {
        stream.read_exact(&mut frame).await?;
        delivered.fetch_add(1, Ordering::Relaxed);
        if !ack.is_empty() {
            stream.write_all(&ack).await?;
        }
    }
}

fn parse_done(line: &str) -> Option<ServerCounts> {
    let mut fields = line.strip_prefix(DONE_PREFIX)?.split_whitespace();
    let mut next = || fields.next()?.parse::<u64>().ok();
    Some(ServerCounts {
        frames_written: next()?,
        write_failures: next()?,
        ack_bytes_read: next()?,
    })
}

fn print_summary(r: &Report, c: &ServerCounts) {
    let (clients, hz, bytes, ack) = (r.clients, r.rate_hz, r.frame_bytes, r.ack_bytes);
    let shape = r.server;
    println!(
        "socket-floor ({shape:?}): {clients} clients x {hz} Hz, {bytes} B frames, {ack} B acks"
    );
    let (frames, per_sec, secs) = (r.frames_delivered, r.frames_per_sec, r.duration_s);
    println!("  delivered   {frames} frames in {secs:.2} s ({per_sec:.0}/s)");
    let per_frame = r
        .server_cpu_us_per_frame
        .map_or("n/a".into(), |us| format!("{us:.2}"));
    let pct = r.server_cpu_percent;
    println!("  server CPU  {pct:.2} %, {per_frame} us per delivered frame");
    let (written, failed, acks) = (c.frames_written, c.write_failures, c.ack_bytes_read);
    println!("  server, whole run: {written} frames written, {failed} write failures");
    println!("  server, whole run: {acks} ack bytes read");
}
