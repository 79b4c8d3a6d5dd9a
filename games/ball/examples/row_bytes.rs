//! Bytes on the wire for the ball game: the schema-driven delta coder against
//! bincode of the same rows.
//!
//! A bot match at 60 steps per second, sending every third step (20 Hz): each send
//! is coded as a delta against the previous send (a client that acknowledges
//! everything), the first as a keyframe; the bincode figure is the same rows (id,
//! kind and the kind's values, varint integers) sent whole each time, which is what
//! a server without a schema would send.
//!
//! `cargo run --release -p tickcast-ball --example row_bytes [TICKS] [PLAYERS]`
//! (defaults: 600 ticks, 10 players).

use serde::Serialize;
use tickcast_ball::Ball;
use tickcast_shared::codec::{Row, RowCodec, RowSnapshot, encode_rows, encode_value};
use tickcast_shared::game::{Game, RoomOptions, StepCommands};
use tickcast_shared::protocol::PlayerId;

const TICK_RATE: u32 = 60;
const SEND_EVERY: u32 = 3;

/// A row as a plain serializer sees it: only the kind's own values.
#[derive(Serialize)]
struct PlainRow {
    id: u32,
    kind: u8,
    values: Vec<i32>,
}

#[derive(Serialize)]
struct PlainSnapshot {
    tick: u32,
    rows: Vec<PlainRow>,
}

fn plain(tick: u32, rows: &[Row]) -> PlainSnapshot {
    let schema = Ball::schema();
    let rows = rows
        .iter()
        .map(|r| {
            let count = schema.kind(usize::from(r.kind)).map_or(0, |k| k.values());
            PlainRow {
                id: r.id.0,
                kind: r.kind,
                values: r.values.iter().take(count).copied().collect(),
            }
        })
        .collect();
    PlainSnapshot { tick, rows }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let ticks: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(600);
    let players: u32 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(10)
        .min(20);
    let options = RoomOptions {
        tick_rate: TICK_RATE,
        seats: 20,
        ..RoomOptions::default()
    };
    let Ok(config) = Ball::configure(&options) else {
        eprintln!("the options were refused");
        return;
    };
    let codec = RowCodec::new(Ball::schema());
    let mut game = Ball::new(&config, 2026);
    let ids: Vec<PlayerId> = (1..=players).map(PlayerId).collect();
    let mut bot_rngs: Vec<u64> = ids.iter().map(|p| u64::from(p.0)).collect();
    game.step(&StepCommands {
        joins: ids.clone(),
        ..StepCommands::default()
    });
    let (mut delta_bytes, mut plain_bytes, mut sends, mut keyframe, mut events) = (0, 0, 0, 0, 0);
    let mut baseline: Option<RowSnapshot> = None;
    let mut rows = Vec::new();
    for _ in 0..ticks {
        rows.clear();
        game.view(&mut rows);
        let mut commands = StepCommands::default();
        for (player, rng) in ids.iter().zip(bot_rngs.iter_mut()) {
            let own = game.player_entity(*player);
            commands
                .inputs
                .push((*player, Ball::bot_input(&rows, own, game.tick(), rng)));
        }
        events += game.step(&commands).len();
        if game.tick().0 % SEND_EVERY != 0 {
            continue;
        }
        rows.clear();
        game.view(&mut rows);
        let current = RowSnapshot {
            tick: game.tick(),
            rows: rows.clone(),
        };
        let Ok(bytes) = encode_rows(&codec, baseline.as_ref(), &current) else {
            eprintln!("encoding failed");
            return;
        };
        if baseline.is_none() {
            keyframe = bytes.len();
        }
        delta_bytes += bytes.len();
        plain_bytes += encode_value(&plain(current.tick.0, &current.rows)).len();
        sends += 1;
        baseline = Some(current);
    }
    let seconds = f64::from(ticks) / f64::from(TICK_RATE);
    let per_second = |bytes: usize| bytes as f64 / seconds;
    println!(
        "{players} bots, {ticks} ticks at {TICK_RATE} Hz, {sends} sends at {} Hz, {events} events",
        TICK_RATE / SEND_EVERY
    );
    println!("keyframe: {keyframe} B; {} entities", rows.len());
    println!(
        "schema delta coder: {delta_bytes} B total, {:.1} B/send, {:.0} B/s",
        delta_bytes as f64 / f64::from(sends.max(1)),
        per_second(delta_bytes)
    );
    println!(
        "bincode of the rows: {plain_bytes} B total, {:.1} B/send, {:.0} B/s",
        plain_bytes as f64 / f64::from(sends.max(1)),
        per_second(plain_bytes)
    );
    println!(
        "ratio bincode / delta: {:.2}",
        plain_bytes as f64 / delta_bytes.max(1) as f64
    );
}
