//! Bots: many players in one process, for demos, tests and load generation.
//!
//! [`run_bots`] seats `count` bots (matchmaking, or round-robin over given rooms, with
//! a bounded number of joins in flight), then each bot reads snapshots and either
//! plays (moves and shoots at its input rate, pseudo-random from a seed) or idles.
//! An idle bot sends what an idle real client sends: on WebSocket nothing but its
//! pings (a snapshot written to a reliable, ordered transport is already the
//! server's baseline, so it needs no answer); on QUIC, whose snapshots are
//! datagrams, an empty input acknowledging each applied snapshot.
//! [`BotConfig::ack_every_snapshot`] makes idle bots answer every snapshot on any
//! transport (today's load for comparison). Every bot pings once per
//! `ping_interval` for round-trip times, unless [`BotConfig::silent`]. All bots stop by themselves at the
//! deadline and the counts are summed into one [`BotReport`]. On QUIC
//! ([`crate::Transport`]), snapshots that are late or lack their baseline are skipped
//! and counted, not errors.
//!
//! A playing bot sends its inputs on the input timeline ([`crate::input_clock`]) and
//! counts a render frame at each input tick; with prediction on (the default for
//! playing bots) the report says how the game felt ([`crate::net_stats`]): input
//! delay, corrections, extrapolated frames, lost snapshots, keyframes resent.
//! [`ClientConfig::link`] puts every bot behind the link conditioner.

use crate::brain::BotBrain;
use crate::client::{Client, ClientConfig, Update};
use crate::connection::Transport;
use crate::error::{ClientError, Result};
use crate::lobby::RoomId;
use crate::net_stats::{NetStats, percentile};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::time::{Instant, MissedTickBehavior};

/// Time a bot waits for its `Leave` to be written after the deadline.
const LEAVE_TIMEOUT: Duration = Duration::from_secs(1);
/// Bound on round-trip samples kept per bot.
const MAX_RTT_SAMPLES_PER_BOT: usize = 4096;

/// What the bots do; `Default` gives the documented defaults.
#[derive(Debug, Clone)]
pub struct BotConfig {
    /// `http://host:port` of the server.
    pub server: String,
    pub count: usize,
    /// Bots stop by themselves this long after the start (seating included).
    pub duration: Duration,
    /// Rooms to join round-robin; empty: matchmake.
    pub rooms: Vec<RoomId>,
    /// Never move or shoot: ping, and acknowledge snapshots only where the
    /// transport needs it ([`BotConfig::answers_snapshots`]).
    pub idle: bool,
    /// Idle bots answer every applied snapshot with an empty input, on any
    /// transport (what idle bots did before acks became optional on reliable
    /// transports; for comparison).
    pub ack_every_snapshot: bool,
    /// Time between pings (default 1 s).
    pub ping_interval: Duration,
    /// Idle bots send no pings either: on WebSocket nothing at all after the
    /// `Hello` (the WebSocket layer still answers the server's own pings); on QUIC
    /// only the acknowledgements datagrams need. The "idle clients that send
    /// nothing" of the fan-out figures (no round-trip times are measured).
    pub silent: bool,
    /// Bots seating at the same time (default 4: a server lets one address hold only
    /// a few unredeemed tickets, `[lobby] max_tickets_per_ip`).
    pub connect_concurrency: usize,
    /// Seed of the bots' moves.
    pub seed: u64,
    /// Bots are named `<name_prefix><index>`.
    pub name_prefix: String,
    /// Per-bot client limits and the game (`client.game`, default the arena: what
    /// matchmaking asks for; a `--room`'s own game wins). Prediction is on (it
    /// measures corrections), except for idle bots, which never predict.
    pub client: ClientConfig,
}

impl Default for BotConfig {
    fn default() -> BotConfig {
        BotConfig {
            server: "http://127.0.0.1:8080".to_owned(),
            count: 1,
            duration: Duration::from_secs(10),
            rooms: Vec::new(),
            idle: false,
            ack_every_snapshot: false,
            ping_interval: Duration::from_secs(1),
            silent: false,
            connect_concurrency: 4,
            seed: 1,
            name_prefix: "bot".to_owned(),
            client: ClientConfig::default(),
        }
    }
}

impl BotConfig {
    /// Whether an idle bot answers each applied snapshot with an empty input: on
    /// QUIC (snapshots are datagrams, which may be lost, so the server deltas only
    /// against what the client acknowledged) or when asked to. On WebSocket a
    /// written snapshot is the baseline already; an idle bot only pings.
    pub fn answers_snapshots(&self) -> bool {
        self.idle && (self.ack_every_snapshot || self.client.transport == Transport::Quic)
    }
}

/// A room the bots were seated in (`rooms` of the report).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SeatedRoom {
    pub id: String,
    pub name: String,
}

/// The summed outcome of a bots run (the `bots --json` line).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BotReport {
    /// The server the bots played on (`BotConfig::server`).
    pub server: String,
    /// The rooms the bots were seated in, by id.
    pub rooms: Vec<SeatedRoom>,
    pub bots: usize,
    /// `"ws"` or `"quic"`.
    pub transport: Transport,
    /// Wall-clock seconds from start to the last bot's stop.
    pub seconds: f64,
    pub snapshots: u64,
    pub keyframes: u64,
    pub deltas: u64,
    pub bytes_received: u64,
    pub bytes_per_bot_per_sec: f64,
    /// Frames that were too large, undecodable, or deltas that did not apply.
    pub decode_errors: u64,
    /// Snapshots not applied: stale, without their baseline, or dropped (QUIC only).
    pub snapshots_skipped: u64,
    pub rtt_ms_p50: Option<f64>,
    pub rtt_ms_p99: Option<f64>,
    /// Bots that got a seat and a `Welcome`.
    pub connected: usize,
    /// Bots that never got one.
    pub connect_errors: usize,
    /// Connected bots whose connection ended before the deadline.
    pub disconnects: usize,
    /// The first error any bot met, for diagnosis.
    pub first_error: Option<String>,
    /// Ticks between sending an input and the server applying it, p99 over all bots.
    pub input_delay_ticks_p99: Option<f64>,
    /// Same, median.
    pub input_delay_ticks_p50: Option<f64>,
    /// Own-player prediction errors above 0.5 units at reconciliation, per bot per
    /// second.
    pub corrections_per_sec: f64,
    /// Those corrections as a share of render frames, percent.
    pub corrections_pct: f64,
    /// Prediction error at reconciliation, p99, units.
    pub correction_p99: Option<f64>,
    /// Render frames without a snapshot at or after their render tick, percent.
    pub extrapolated_pct: f64,
    /// Render frames counted (one per input tick of a playing bot).
    pub frames: u64,
    /// Gaps in the applied snapshots, in send intervals.
    pub snapshots_lost: u64,
    /// Keyframes after each bot's first.
    pub keyframes_resent: u64,
    /// Times a bot's connection was re-established by itself.
    pub reconnects: u64,
}

#[derive(Debug, Default)]
struct BotOutcome {
    connected: bool,
    room: Option<SeatedRoom>,
    disconnected: bool,
    error: Option<String>,
    snapshots: u64,
    keyframes: u64,
    deltas: u64,
    skipped: u64,
    bytes: u64,
    decode_errors: u64,
    rtts_ms: Vec<f64>,
    stats: NetStats,
}

/// Run the bots until `config.duration` has passed; fails only on an invalid server URL.
pub async fn run_bots(config: &BotConfig) -> Result<BotReport> {
    config.client.lobby(&config.server)?;
    let start = Instant::now();
    let deadline = start + config.duration;
    let config = Arc::new(config.clone());
    let gate = Arc::new(Semaphore::new(config.connect_concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for index in 0..config.count {
        tasks.spawn(run_bot(index, config.clone(), gate.clone(), deadline));
    }
    let mut report = BotReport {
        server: config.server.clone(),
        bots: config.count,
        transport: config.client.transport,
        ..BotReport::default()
    };
    let mut rtts = Vec::new();
    let (mut delays, mut errors) = (Vec::new(), Vec::new());
    let mut corrections = 0;
    let mut extrapolated = 0;
    while let Some(joined) = tasks.join_next().await {
        let outcome = match joined {
            Ok(o) => o,
            Err(e) => BotOutcome {
                error: Some(format!("bot task failed: {e}")),
                ..BotOutcome::default()
            },
        };
        report.connected += usize::from(outcome.connected);
        if let Some(room) = outcome.room {
            if !report.rooms.contains(&room) {
                report.rooms.push(room);
            }
        }
        report.connect_errors += usize::from(!outcome.connected);
        report.disconnects += usize::from(outcome.disconnected);
        report.snapshots += outcome.snapshots;
        report.keyframes += outcome.keyframes;
        report.deltas += outcome.deltas;
        report.bytes_received += outcome.bytes;
        report.decode_errors += outcome.decode_errors;
        report.snapshots_skipped += outcome.skipped;
        if report.first_error.is_none() {
            report.first_error = outcome.error;
        }
        rtts.extend(outcome.rtts_ms);
        let stats = outcome.stats;
        delays.extend(stats.input_delay_ticks.iter());
        errors.extend(stats.prediction_errors.iter());
        corrections += stats.corrections;
        extrapolated += stats.extrapolated;
        report.frames += stats.frames;
        report.snapshots_lost += stats.snapshots_lost;
        report.keyframes_resent += stats.keyframes_resent;
        report.reconnects += stats.reconnects;
    }
    report.seconds = start.elapsed().as_secs_f64();
    if report.bots > 0 && report.seconds > 0.0 {
        report.bytes_per_bot_per_sec =
            report.bytes_received as f64 / report.bots as f64 / report.seconds;
    }
    rtts.sort_by(f64::total_cmp);
    report.rtt_ms_p50 = percentile(&rtts, 0.50);
    report.rtt_ms_p99 = percentile(&rtts, 0.99);
    delays.sort_by(f64::total_cmp);
    report.input_delay_ticks_p50 = percentile(&delays, 0.50);
    report.input_delay_ticks_p99 = percentile(&delays, 0.99);
    errors.sort_by(f64::total_cmp);
    report.correction_p99 = percentile(&errors, 0.99);
    if report.bots > 0 && report.seconds > 0.0 {
        report.corrections_per_sec = corrections as f64 / report.bots as f64 / report.seconds;
    }
    if report.frames > 0 {
        let frames = report.frames as f64;
        report.corrections_pct = corrections as f64 * 100.0 / frames;
        report.extrapolated_pct = extrapolated as f64 * 100.0 / frames;
    }
    report.rooms.sort();
    Ok(report)
}

/// Round a figure for people: three decimals, so `--json` prints `12.345`, not
/// `12.345000000000001`.
fn rounded(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

impl BotReport {
    /// This report with every fractional figure rounded to three decimals (what the
    /// `bots` command prints).
    pub fn rounded(mut self) -> BotReport {
        for v in [
            &mut self.seconds,
            &mut self.bytes_per_bot_per_sec,
            &mut self.corrections_per_sec,
            &mut self.corrections_pct,
            &mut self.extrapolated_pct,
        ] {
            *v = rounded(*v);
        }
        for v in [
            &mut self.rtt_ms_p50,
            &mut self.rtt_ms_p99,
            &mut self.input_delay_ticks_p99,
            &mut self.input_delay_ticks_p50,
            &mut self.correction_p99,
        ] {
            *v = v.map(rounded);
        }
        self
    }
}

/// Parse a run duration as the command lines take it: `10s`, `500ms`, `2m` or plain
/// seconds (`20`, `1.5`).
pub fn parse_duration(text: &str) -> std::result::Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("invalid duration {text:?}: expected e.g. 10s, 500ms, 2m"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        _ => return Err(format!("invalid duration unit {unit:?} (ms, s or m)")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|e| format!("invalid duration {text:?}: {e}"))
}

async fn run_bot(
    index: usize,
    config: Arc<BotConfig>,
    gate: Arc<Semaphore>,
    deadline: Instant,
) -> BotOutcome {
    let mut out = BotOutcome::default();
    let name = format!("{}{index}", config.name_prefix);
    let client_config = ClientConfig {
        predict: config.client.predict && !config.idle,
        link_seed: config.seed ^ (index as u64).wrapping_mul(0x2545_f491_4f6c_dd1d),
        ..config.client.clone()
    };
    let seat = async {
        let _permit = gate.acquire().await;
        let mut backoff = SEAT_BACKOFF;
        let mut attempt = 1;
        loop {
            let seated = seat_bot(&config, &name, index, &client_config).await;
            match seated {
                Err(e) if attempt < SEAT_ATTEMPTS && seat_refusal_is_passing(&e) => {
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                    attempt += 1;
                }
                other => break other,
            }
        }
    };
    let mut client = match tokio::time::timeout_at(deadline, seat).await {
        Ok(Ok((client, room))) => {
            out.room = Some(room);
            client
        }
        Ok(Err(e)) => {
            out.error = Some(format!("{name}: {e}"));
            return out;
        }
        Err(_) => {
            out.error = Some(format!("{name}: not seated before the deadline"));
            return out;
        }
    };
    out.connected = true;
    if let Err(e) = play(&mut client, &config, index, deadline, &mut out).await {
        out.disconnected = true;
        out.error = Some(format!("{name}: {e}"));
    }
    let counts = client.view_counts();
    out.keyframes = counts.keyframes;
    out.deltas = counts.deltas;
    out.skipped = counts.skipped() + client.snapshots_dropped();
    out.bytes = client.bytes_received();
    out.stats = client.net_stats().clone();
    if !out.disconnected {
        let _ = tokio::time::timeout(LEAVE_TIMEOUT, client.leave()).await;
    }
    out
}

/// Take a seat (the bot's room round-robin, or matchmaking) and connect; the room
/// the lobby gave with it.
async fn seat_bot(
    config: &BotConfig,
    name: &str,
    index: usize,
    client_config: &ClientConfig,
) -> Result<(Client, SeatedRoom)> {
    let lobby = client_config.lobby(&config.server)?;
    let ticket = match config.rooms.get(index % config.rooms.len().max(1)) {
        Some(room) => {
            lobby
                .join_invited(room, name, client_config.invite.as_deref())
                .await?
        }
        None => {
            lobby
                .matchmake_game(name, Some(&client_config.game), None)
                .await?
        }
    };
    let room = SeatedRoom {
        id: ticket.room.id.to_string(),
        name: ticket.room.name.clone(),
    };
    let client = Client::connect(&lobby, &ticket, name, client_config).await?;
    Ok((client, room))
}

/// Tries a bot makes to take its seat.
const SEAT_ATTEMPTS: u32 = 5;
/// Wait before the second try; doubled before each later one.
const SEAT_BACKOFF: Duration = Duration::from_millis(100);

/// Whether a refused seating may pass with time: the lobby's per-address limits
/// (`429` from the lobby), or a ticket refused at the socket because a later ask from
/// this address took its place (`401`; `[lobby] max_tickets_per_ip_per_room`). A
/// `429` at the socket is not retried with a new ticket: the refused one would stay
/// outstanding until it expires.
fn seat_refusal_is_passing(e: &ClientError) -> bool {
    match e {
        ClientError::Lobby { status, .. } => *status == 429,
        ClientError::WebSocket(tokio_tungstenite::tungstenite::Error::Http(res)) => {
            res.status().as_u16() == 401
        }
        _ => false,
    }
}

/// The bot's loop until the deadline; returns the error that ended it early.
async fn play(
    client: &mut Client,
    config: &BotConfig,
    index: usize,
    deadline: Instant,
    out: &mut BotOutcome,
) -> Result<()> {
    let mut brain = BotBrain::for_game(
        client.schema(),
        config.seed ^ (index as u64).wrapping_mul(0x9e37_79b9),
    );
    let idle_input = client.idle_input();
    let answers = config.answers_snapshots();
    let mut pings = tokio::time::interval(config.ping_interval);
    pings.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let stop = tokio::time::sleep_until(deadline);
    tokio::pin!(stop);
    loop {
        let due = client.next_input_at();
        tokio::select! {
            _ = &mut stop => return Ok(()),
            update = client.next_update() => match update {
                Ok(Update::Snapshot { .. }) => {
                    out.snapshots += 1;
                    if answers {
                        client.send_input(idle_input.clone()).await?;
                    }
                }
                Ok(Update::Pong { rtt: Some(rtt), .. }) => {
                    if out.rtts_ms.len() < MAX_RTT_SAMPLES_PER_BOT {
                        out.rtts_ms.push(rtt.as_secs_f64() * 1000.0);
                    }
                }
                Ok(_) => {}
                Err(e) if e.is_recoverable() => out.decode_errors += 1,
                Err(e) => return Err(e),
            },
            _ = tokio::time::sleep_until(due), if !config.idle => {
                let now = Instant::now();
                for _ in 0..client.inputs_due(now) {
                    let rows = client.rows().map_or(&[][..], |w| w.rows.as_slice());
                    let input = brain.next_input(rows, Some(client.own_id()));
                    client.send_input(input).await?;
                }
                client.render_frame(now);
            }
            _ = pings.tick(), if !config.silent => {
                client.ping().await?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("10h").is_err());
        assert!(parse_duration("s").is_err());
    }

    #[test]
    fn idle_bots_answer_snapshots_only_where_acks_are_needed() {
        let on = |transport, idle, ack_every_snapshot| BotConfig {
            idle,
            ack_every_snapshot,
            client: ClientConfig {
                transport,
                ..ClientConfig::default()
            },
            ..BotConfig::default()
        };
        let ws = Transport::WebSocket;
        let quic = Transport::Quic;
        assert!(!on(ws, true, false).answers_snapshots(), "WS: pings only");
        assert!(on(quic, true, false).answers_snapshots(), "QUIC datagrams");
        assert!(on(ws, true, true).answers_snapshots(), "asked to");
        assert!(on(quic, true, true).answers_snapshots());
        // Playing bots acknowledge with their own inputs, never with empty ones.
        assert!(!on(ws, false, true).answers_snapshots());
        assert!(!on(quic, false, false).answers_snapshots());
    }

    #[tokio::test]
    async fn an_unreachable_server_is_reported_not_hung() {
        // A loopback port that was just freed: connects are refused at once.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = BotConfig {
            server: format!("http://127.0.0.1:{port}"),
            count: 3,
            duration: Duration::from_secs(5),
            ..BotConfig::default()
        };
        let report = run_bots(&config).await.unwrap();
        assert_eq!(
            (report.bots, report.connected, report.connect_errors),
            (3, 0, 3)
        );
        assert!(report.first_error.is_some());
        assert!(
            run_bots(&BotConfig {
                server: "ftp://x".into(),
                ..config
            })
            .await
            .is_err()
        );
    }
}
