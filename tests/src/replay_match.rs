//! A scripted match written straight into replay bytes, for seek tests and the
//! `replay-seek` benchmark: no server, no clock, the same bytes on every run.
//!
//! `players` players join at tick 0 and steer by a seeded script (buttons change
//! every half second, the aim every 4 ticks, fire held most of the time, so hits,
//! kills and respawns happen); the last player leaves at 40 % of the match and a new
//! one joins at 50 %. Hashes and keyframes follow the server's default policy
//! (a hash every second, a keyframe every 5 s), checkpoints the script's
//! `checkpoint_secs`; every joining player gets a player record (`sub` for even
//! player ids).

use tickcast_shared::codec::RowSnapshot;
use tickcast_shared::game::{DynGame, Game, GameEntry};
use tickcast_shared::protocol::PlayerIdentity;
use tickcast_shared::protocol::{PROTOCOL_VERSION, PlayerId};
use tickcast_shared::replay::{RecordPolicy, ReplayHeader, ReplayWriter};
use tickcast_shared::sim::map::DEFAULT_MAP;
use tickcast_shared::sim::replay4::{self, ArenaHeader};
use tickcast_shared::sim::rng::Pcg32;
use tickcast_shared::sim::{Arena, ArenaConfig, TickInput, WorldConfig, legacy};
use tickcast_shared::sim::{Buttons, PlayerInput};

/// What to script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchScript {
    /// Ticks recorded (the match length at 60 Hz).
    pub ticks: u32,
    pub drones: u32,
    /// Players at the start (at least 1).
    pub players: u32,
    pub seed: u64,
    /// Seconds between checkpoints (0: none, the recording re-simulates from 0).
    pub checkpoint_secs: u32,
}

impl MatchScript {
    /// A match of `minutes` at 60 Hz, a checkpoint every 5 s.
    pub fn minutes(minutes: u32, drones: u32, players: u32, seed: u64) -> MatchScript {
        MatchScript {
            ticks: minutes.saturating_mul(60 * 60),
            drones,
            players,
            seed,
            checkpoint_secs: 5,
        }
    }
}

/// The header of a scripted match (room id `room_id`), an arena room.
pub fn header(script: &MatchScript, room_id: &str) -> ReplayHeader {
    let config = ArenaConfig::new(
        "arena".into(),
        DEFAULT_MAP.into(),
        WorldConfig::new(60, script.drones),
    );
    let config = serde_json::to_value(&config).unwrap_or_default();
    let entry = GameEntry::of::<Arena>();
    ReplayHeader {
        map_name: "arena".into(),
        start_unix_ms: 1_700_000_000_000,
        room_name: format!("scripted {room_id}"),
        room_id: room_id.into(),
        ..ReplayHeader::of_game(&entry, &config, script.seed, 60)
    }
}

/// The header the same match had in format 4 (the arena's own).
pub fn arena_header(script: &MatchScript, room_id: &str) -> ArenaHeader {
    ArenaHeader {
        protocol_version: PROTOCOL_VERSION,
        map_name: "arena".into(),
        map_text: DEFAULT_MAP.into(),
        config: WorldConfig::new(60, script.drones),
        seed: script.seed,
        start_unix_ms: 1_700_000_000_000,
        room_name: format!("scripted {room_id}"),
        room_id: room_id.into(),
        invite: None,
    }
}

/// Every player's input of the step from `tick`.
fn inputs(rng: &mut Pcg32, tick: u32, present: &[PlayerId], held: &mut [PlayerInput]) -> TickInput {
    let mut input = TickInput::default();
    for (slot, player) in present.iter().enumerate() {
        let Some(h) = held.get_mut(slot) else {
            continue;
        };
        if tick % 30 == 0 {
            let dir = 1u8 << (rng.next_u32() % 4);
            let fire = if rng.next_u32() % 4 == 0 {
                0
            } else {
                Buttons::FIRE
            };
            h.buttons = Buttons(dir | fire);
        }
        if tick % 4 == 0 {
            h.aim = rng.range(0.0, core::f32::consts::TAU);
        }
        input.inputs.push((*player, *h));
    }
    input
}

/// The game's view at its tick.
fn view(game: &dyn DynGame) -> RowSnapshot {
    let mut rows = Vec::new();
    game.view(&mut rows);
    RowSnapshot {
        tick: game.tick(),
        rows,
    }
}

/// Step the arena (made from `config` and `seed`) through the script and record it
/// with `writer`.
pub fn record(
    script: &MatchScript,
    mut writer: ReplayWriter,
    config: &serde_json::Value,
    seed: u64,
) -> Vec<u8> {
    let policy = RecordPolicy {
        checkpoint_every: script.checkpoint_secs.saturating_mul(60),
        ..RecordPolicy::for_tick_rate(60)
    };
    let Ok(mut game) = (GameEntry::of::<Arena>().create)(config, seed) else {
        return Vec::new();
    };
    let mut rng = Pcg32::new(script.seed ^ 0x5eed);
    let mut present: Vec<PlayerId> = (1..=script.players.max(1)).map(PlayerId).collect();
    let mut held = vec![PlayerInput::default(); present.len() + 1];
    let mut next_player = script.players.max(1) + 1;
    let mut out = Vec::new();
    let note = |game: &dyn DynGame, writer: &mut ReplayWriter| {
        let tick = game.tick();
        if policy.wants_hash(tick.0) {
            writer.push_hash(tick, game.state_hash()).unwrap();
        }
        if policy.wants_keyframe(tick.0) {
            writer.push_keyframe(&view(game)).unwrap();
        }
        if policy.wants_checkpoint(tick.0) {
            writer.push_checkpoint(tick, &game.save()).unwrap();
        }
    };
    note(game.as_ref(), &mut writer);
    for tick in 0..script.ticks {
        let mut input = inputs(&mut rng, tick, &present, &mut held);
        if tick == 0 {
            input.joins = present.clone();
        }
        if tick == script.ticks / 5 * 2 && present.len() > 1 {
            input.leaves = present.pop().into_iter().collect();
        }
        if tick == script.ticks / 2 {
            let p = PlayerId(next_player);
            next_player += 1;
            present.push(p);
            input.joins = vec![p];
        }
        for p in &input.joins {
            let info = PlayerIdentity {
                player: *p,
                name: format!("player {}", p.0),
                sub: (p.0 % 2 == 0).then(|| format!("user-{}", p.0)),
            };
            writer.push_player(&info).unwrap();
        }
        let commands = legacy::commands(&input);
        game.step(&commands);
        writer.push_tick(&commands).unwrap();
        note(game.as_ref(), &mut writer);
        out.extend(writer.take_bytes());
    }
    writer.end().unwrap();
    out.extend(writer.take_bytes());
    out
}

/// The scripted match as replay bytes (today's format).
pub fn replay_bytes(script: &MatchScript, room_id: &str) -> Vec<u8> {
    let header = header(script, room_id);
    let writer = ReplayWriter::new(&header, Arena::schema());
    record(script, writer, &header.config_value(), header.seed)
}

/// The scripted match as a format-4 file (what servers wrote before format 5).
pub fn replay_bytes_format4(script: &MatchScript, room_id: &str) -> Vec<u8> {
    let header = arena_header(script, room_id);
    let writer = replay4::writer(&header, 4);
    record(
        script,
        writer,
        &header.generic().config_value(),
        header.seed,
    )
}
