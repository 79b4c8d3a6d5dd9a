//! Helpers shared by the ball game's tests: room options, a bot-driven step and a
//! seeded source of random commands.

#![allow(dead_code)]

use tickcast_ball::rng::Pcg32;
use tickcast_ball::{Ball, BallConfig, BallEvent};
use tickcast_shared::codec::Row;
use tickcast_shared::game::{Game, InputValues, RoomOptions, StepCommands};
use tickcast_shared::protocol::PlayerId;

/// Room options at `tick_rate` with `seats` and `extra`.
pub fn options(tick_rate: u32, seats: u32, extra: serde_json::Value) -> RoomOptions {
    RoomOptions {
        tick_rate,
        seats,
        extra,
        ..RoomOptions::default()
    }
}

/// A game of `minutes` at 60 Hz with 20 seats.
pub fn game(minutes: u32, seed: u64) -> Ball {
    let config = Ball::configure(&options(60, 20, serde_json::json!({ "minutes": minutes })))
        .unwrap_or_else(|refusal| panic!("valid options refused: {refusal}"));
    Ball::new(&config, seed)
}

pub fn config_of(game: &Ball) -> BallConfig {
    *game.config()
}

pub fn view(game: &Ball) -> Vec<Row> {
    let mut rows = Vec::new();
    game.view(&mut rows);
    rows
}

/// The commands of one step in which each of `players` is played by its bot (with
/// its own random state in `rngs`, grown as needed), deciding from the current view.
pub fn bot_commands(
    game: &Ball,
    players: &[PlayerId],
    rngs: &mut Vec<u64>,
) -> StepCommands<tickcast_ball::BallInput> {
    rngs.resize(players.len(), 7);
    let rows = view(game);
    let mut commands = StepCommands::default();
    for (player, rng) in players.iter().zip(rngs.iter_mut()) {
        let own = game.player_entity(*player);
        let input = Ball::bot_input(&rows, own, game.tick(), rng);
        commands.inputs.push((*player, input));
    }
    commands
}

/// Step `game` with every one of `players` played by its bot; returns the events.
pub fn bot_step(game: &mut Ball, players: &[PlayerId], rngs: &mut Vec<u64>) -> Vec<BallEvent> {
    let commands = bot_commands(game, players, rngs);
    game.step(&commands)
}

/// Join `players` in one step (no inputs).
pub fn join(game: &mut Ball, players: &[PlayerId]) {
    game.step(&StepCommands {
        joins: players.to_vec(),
        ..StepCommands::default()
    });
}

/// Random commands for one step: sometimes a join or a leave among players 1..=24,
/// and for each present player an input of random values (any `i32`s) or a bot's.
pub fn random_commands(
    game: &Ball,
    rng: &mut Pcg32,
    present: &mut Vec<PlayerId>,
) -> StepCommands<InputValues> {
    let mut commands = StepCommands::default();
    let roll = rng.next_u32() % 100;
    if roll < 3 {
        let player = PlayerId(1 + rng.next_u32() % 24);
        commands.joins.push(player);
        if !present.contains(&player) && game.admit(player).is_ok() {
            present.push(player);
        }
    } else if roll < 5 && !present.is_empty() {
        let player = present.remove(rng.next_u32() as usize % present.len());
        commands.leaves.push(player);
    }
    let rows = view(game);
    for player in present.iter() {
        let values = match rng.next_u32() % 4 {
            0 => InputValues(vec![rng.next_u32() as i32, rng.next_u32() as i32]),
            1 => continue,
            _ => {
                let mut bot_rng = u64::from(rng.next_u32());
                let own = game.player_entity(*player);
                Ball::input_values(&Ball::bot_input(&rows, own, game.tick(), &mut bot_rng))
            }
        };
        commands.inputs.push((*player, values));
    }
    commands
}

/// Step a typed game with value-form commands, as the engine's adapter does.
pub fn step_values(game: &mut Ball, commands: &StepCommands<InputValues>) -> Vec<BallEvent> {
    game.step(&commands.map_inputs(Ball::input_from_values))
}
