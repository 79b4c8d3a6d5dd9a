//! `tickcast-client bots`: many bots, one summary line.

use super::CmdResult;
use clap::Args;
use std::time::Duration;
use tickcast_client::{
    BotConfig, ClientConfig, LinkSpec, RoomId, Transport, parse_duration, run_bots,
};

#[derive(Debug, Args)]
pub struct BotsArgs {
    /// Server base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    server: String,
    /// Number of bots.
    #[arg(long, default_value_t = 4)]
    count: usize,
    /// How long the bots run (e.g. 10s, 500ms, 2m); they stop by themselves.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    duration: Duration,
    /// Join this room instead of matchmaking.
    #[arg(long)]
    room: Option<String>,
    /// The invite code of a private --room.
    #[arg(long, requires = "room")]
    invite: Option<String>,
    /// The game to play (matchmaking asks for it; a --room plays its own game).
    /// Bots of a game this client knows nothing of draw their inputs from its
    /// input schema.
    #[arg(long, default_value = tickcast_client::games::DEFAULT_GAME)]
    game: String,
    /// Never move or shoot: send what an idle client sends (pings; on QUIC also an
    /// empty input acknowledging each snapshot, as datagrams need).
    #[arg(long)]
    idle: bool,
    /// With --idle: answer every snapshot with an empty input on any transport
    /// (the older idle load, for comparison).
    #[arg(long, requires = "idle")]
    ack_every_snapshot: bool,
    /// With --idle: send no pings either (on WebSocket nothing at all after the
    /// Hello; QUIC bots still acknowledge snapshots). No round-trip times then.
    #[arg(long, requires = "idle", conflicts_with = "ack_every_snapshot")]
    silent: bool,
    /// Print one JSON line (otherwise a short human summary).
    #[arg(long)]
    json: bool,
    /// Seed of the bots' moves.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Bots seating at the same time (a server lets one address hold only a few
    /// unredeemed tickets: `[lobby] max_tickets_per_ip`, default 8).
    #[arg(long, default_value_t = 4)]
    connect_concurrency: usize,
    /// How the bots connect: ws (WebSocket) or quic (needs a server offering QUIC).
    #[arg(long, default_value = "ws")]
    transport: Transport,
    /// Simulate a bad network for every bot, one way in both directions: a preset
    /// (good = 40ms/6ms/0.2%, average = 170ms/45ms/2%, poor = 300ms/84ms/4%) or e.g.
    /// latency=170ms,jitter=45ms,loss=2%. Seeded by --seed.
    #[arg(long)]
    link: Option<LinkSpec>,
}

pub fn run(args: BotsArgs) -> CmdResult {
    let config = BotConfig {
        server: args.server,
        count: args.count,
        duration: args.duration,
        rooms: args.room.map(RoomId).into_iter().collect(),
        idle: args.idle,
        ack_every_snapshot: args.ack_every_snapshot,
        silent: args.silent,
        seed: args.seed,
        connect_concurrency: args.connect_concurrency,
        client: ClientConfig {
            game: args.game,
            transport: args.transport,
            link: args.link,
            invite: args.invite,
            ..BotConfig::default().client
        },
        ..BotConfig::default()
    };
    let runtime = tokio::runtime::Runtime::new()?;
    let report = runtime.block_on(run_bots(&config))?.rounded();
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        let rooms: Vec<String> = report
            .rooms
            .iter()
            .map(|r| format!("{} ({})", r.name, r.id))
            .collect();
        println!(
            "server {}, room {}",
            report.server,
            if rooms.is_empty() {
                "-".to_owned()
            } else {
                rooms.join(", ")
            }
        );
        println!(
            "{} bots ({} seated, {}) for {:.1} s: {} snapshots ({} keyframes, {} deltas, \
             {} skipped), {:.0} B/bot/s, {} decode errors, rtt p50 {} ms p99 {} ms",
            report.bots,
            report.connected,
            report.transport,
            report.seconds,
            report.snapshots,
            report.keyframes,
            report.deltas,
            report.snapshots_skipped,
            report.bytes_per_bot_per_sec,
            report.decode_errors,
            fmt_ms(report.rtt_ms_p50),
            fmt_ms(report.rtt_ms_p99),
        );
        println!(
            "input delay p50 {} p99 {} ticks, {:.2} corrections/s ({:.2} % of frames, p99 {} \
             units), {:.2} % extrapolated, {} snapshots lost, {} keyframes resent, {} reconnects",
            fmt_ms(report.input_delay_ticks_p50),
            fmt_ms(report.input_delay_ticks_p99),
            report.corrections_per_sec,
            report.corrections_pct,
            fmt_ms(report.correction_p99),
            report.extrapolated_pct,
            report.snapshots_lost,
            report.keyframes_resent,
            report.reconnects,
        );
        if let Some(e) = &report.first_error {
            println!("first error: {e}");
        }
    }
    if report.bots > 0 && report.connected == 0 {
        let why = report.first_error.as_deref().unwrap_or("no reason given");
        return Err(format!("no bot connected to {}: {why}", report.server).into());
    }
    Ok(())
}

fn fmt_ms(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| format!("{v:.2}"))
}
