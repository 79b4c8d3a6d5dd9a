//! The game's rules from outside: goals, the match clock, seats and teams, stamina,
//! kicks with spin.

mod common;

use common::{bot_step, game, join, options, view};
use tickcast_ball::pitch::{HALF_LENGTH, Runner, STAMINA_MAX};
use tickcast_ball::schema::{FLAG_SPRINTING, PLAYER, player_values as pv};
use tickcast_ball::vector::V2;
use tickcast_ball::{Ball, BallEvent, BallInput, Phase, Team};
use tickcast_shared::game::{Game, StepCommands};
use tickcast_shared::protocol::PlayerId;

#[test]
fn a_bot_team_scores_against_an_empty_side() {
    let mut g = game(5, 11);
    // red, blue, red; then blue leaves: two red bots, nobody in blue.
    join(&mut g, &[PlayerId(1), PlayerId(2), PlayerId(3)]);
    g.step(&StepCommands {
        leaves: vec![PlayerId(2)],
        ..StepCommands::default()
    });
    assert!(g.state().players.iter().all(|p| p.team == Team::Red));
    let bots = [PlayerId(1), PlayerId(3)];
    let mut rngs = Vec::new();
    // Within 40 seconds of play (60 Hz).
    for _ in 0..2_400 {
        for event in bot_step(&mut g, &bots, &mut rngs) {
            if let BallEvent::Goal { team, scorer } = event {
                assert_eq!(team, Team::Red);
                assert!(bots.contains(&scorer), "scorer {scorer:?}");
                assert_eq!(g.state().game.score_red, 1);
                assert_eq!(g.state().game.phase, Phase::Goal);
                return;
            }
        }
    }
    panic!("no goal in 2 400 ticks: {:?}", g.state().ball);
}

#[test]
fn the_match_ends_and_a_new_one_starts() {
    let mut g = game(1, 5);
    let players: Vec<PlayerId> = (1..=4).map(PlayerId).collect();
    join(&mut g, &players);
    let mut rngs = Vec::new();
    let (mut goals, mut over) = ([0u8; 2], None);
    // One minute of play plus pauses after goals: well under 10 000 ticks.
    for _ in 0..10_000 {
        for event in bot_step(&mut g, &players, &mut rngs) {
            match event {
                BallEvent::Goal { team, .. } => goals[team.index() as usize] += 1,
                BallEvent::MatchOver { winner } => over = Some(winner),
                BallEvent::Kickoff { .. } => {}
            }
        }
        if over.is_some() {
            break;
        }
    }
    let winner = over.expect("the match ended");
    let state = g.state().game;
    assert_eq!(state.phase, Phase::Over);
    assert_eq!(state.clock, 0);
    assert_eq!([state.score_red, state.score_blue], goals);
    let expected = match goals[0].cmp(&goals[1]) {
        std::cmp::Ordering::Greater => Some(Team::Red),
        std::cmp::Ordering::Less => Some(Team::Blue),
        std::cmp::Ordering::Equal => None,
    };
    assert_eq!(winner, expected);
    // After the pause: a fresh match at kickoff, then play starts again.
    let mut kickoff = false;
    for _ in 0..1_000 {
        kickoff |= bot_step(&mut g, &players, &mut rngs)
            .iter()
            .any(|e| matches!(e, BallEvent::Kickoff { .. }));
        if kickoff {
            break;
        }
    }
    assert!(kickoff, "play restarted");
    let state = g.state().game;
    assert_eq!((state.score_red, state.score_blue), (0, 0));
    assert_eq!(state.phase, Phase::Playing);
    assert!(state.clock >= 3_599, "{}", state.clock);
}

#[test]
fn joins_balance_the_teams_and_full_teams_refuse() {
    let config = Ball::configure(&options(60, 4, serde_json::Value::Null)).unwrap();
    let mut g = Ball::new(&config, 1);
    join(&mut g, &[PlayerId(1), PlayerId(2), PlayerId(3)]);
    let teams: Vec<Team> = g.state().players.iter().map(|p| p.team).collect();
    assert_eq!(teams, [Team::Red, Team::Blue, Team::Red]);
    g.step(&StepCommands {
        leaves: vec![PlayerId(1), PlayerId(3)],
        joins: vec![PlayerId(4), PlayerId(5), PlayerId(6)],
        ..StepCommands::default()
    });
    let teams: Vec<(u32, Team)> = g
        .state()
        .players
        .iter()
        .map(|p| (p.player.0, p.team))
        .collect();
    assert_eq!(
        teams,
        [
            (2, Team::Blue),
            (4, Team::Red),
            (5, Team::Red),
            (6, Team::Blue)
        ]
    );
    // Two a side: full. The engine asks first; a join anyway is ignored.
    let refusal = g.admit(PlayerId(7)).unwrap_err();
    assert!(refusal.0.contains("full"), "{refusal}");
    assert!(
        g.admit(PlayerId(4)).is_ok(),
        "a seated player is not refused"
    );
    join(&mut g, &[PlayerId(7), PlayerId(4)]);
    assert_eq!(g.state().players.len(), 4);
    assert_eq!(g.player_entity(PlayerId(7)), None);
    // Ids are never reused: the newest player has the highest.
    let ids: Vec<u32> = g.state().players.iter().map(|p| p.id).collect();
    assert_eq!(ids, [4, 6, 7, 8]);
}

#[test]
fn sprinting_drains_stamina_and_resting_refills_it() {
    let mut g = game(5, 2);
    join(&mut g, &[PlayerId(1)]);
    let sprint = BallInput {
        dir: 64,
        run: true,
        sprint: true,
        kick: false,
    };
    let stamina = |g: &Ball| g.state().players[0].body.stamina;
    while g.state().game.phase != Phase::Playing {
        g.step(&StepCommands::default());
    }
    g.step(&StepCommands {
        inputs: vec![(PlayerId(1), sprint)],
        ..StepCommands::default()
    });
    for _ in 0..60 {
        g.step(&StepCommands::default()); // the input is held
    }
    let tired = stamina(&g);
    assert!(tired < STAMINA_MAX - 25.0, "{tired}");
    let row = view(&g).into_iter().find(|r| r.kind == PLAYER).unwrap();
    assert_ne!(row.values[pv::FLAGS] & FLAG_SPRINTING, 0);
    assert_eq!(row.values[pv::STAMINA], libm::roundf(tired) as i32);
    // Sprint to empty: the player slows to a run.
    for _ in 0..300 {
        g.step(&StepCommands::default());
    }
    assert!(stamina(&g) < 20.0, "{}", stamina(&g));
    assert!(
        !g.state().players[0].body.sprinting,
        "ran dry, runs until rested"
    );
    g.step(&StepCommands {
        inputs: vec![(PlayerId(1), BallInput::default())],
        ..StepCommands::default()
    });
    for _ in 0..120 {
        g.step(&StepCommands::default());
    }
    assert!(stamina(&g) > 20.0, "{}", stamina(&g));
}

#[test]
fn a_kick_while_running_sideways_curves_the_ball() {
    // Facing +x, running toward +y: the kick spins the ball, which bends left.
    let mut g = game(5, 3);
    join(&mut g, &[PlayerId(1)]);
    while g.state().game.phase != Phase::Playing {
        g.step(&StepCommands::default());
    }
    let mut state = g.state().clone();
    state.ball.pos = V2::new(-10.0, -8.0);
    state.players[0].body = Runner {
        pos: V2::new(-10.9, -8.0),
        vel: V2::new(0.0, 6.0),
        heading: 0.0,
        stamina: STAMINA_MAX,
        sprinting: false,
    };
    let mut g = Ball::load(g.config(), state).unwrap();
    let kick = BallInput {
        dir: 0,
        run: false,
        sprint: false,
        kick: true,
    };
    g.step(&StepCommands {
        inputs: vec![(PlayerId(1), kick)],
        ..StepCommands::default()
    });
    let ball = g.state().ball;
    assert!(ball.spin > 1.0, "spin {}", ball.spin);
    assert!(ball.vel.x > 15.0, "{:?}", ball.vel);
    let start = ball.vel.angle();
    for _ in 0..30 {
        g.step(&StepCommands {
            inputs: vec![(PlayerId(1), BallInput::default())],
            ..StepCommands::default()
        });
    }
    let turned = g.state().ball.vel.angle() - start;
    assert!(turned > 0.1, "turned {turned} rad");
    assert!(g.state().ball.pos.x < HALF_LENGTH);
}

#[test]
fn an_empty_pitch_waits_at_kickoff() {
    let mut g = game(5, 4);
    for _ in 0..500 {
        g.step(&StepCommands::default());
    }
    assert_eq!(g.state().game.phase, Phase::Kickoff, "nobody here: no play");
    join(&mut g, &[PlayerId(1)]);
    while g.state().game.phase != Phase::Playing {
        g.step(&StepCommands::default());
    }
    let clock = g.state().game.clock;
    g.step(&StepCommands {
        leaves: vec![PlayerId(1)],
        ..StepCommands::default()
    });
    let state = g.state().game;
    assert_eq!((state.phase, state.clock), (Phase::Kickoff, clock));
    for _ in 0..500 {
        g.step(&StepCommands::default());
    }
    assert_eq!(g.state().game.clock, clock, "the clock waits too");
}

#[test]
fn the_first_input_of_a_player_in_a_step_counts() {
    let mut g = game(5, 4);
    join(&mut g, &[PlayerId(1)]);
    let first = BallInput {
        dir: 10,
        ..BallInput::default()
    };
    let mut inputs = vec![(PlayerId(1), first)];
    inputs.extend((0..10_000).map(|i| (PlayerId(1 + i % 3), BallInput::default())));
    g.step(&StepCommands {
        inputs,
        ..StepCommands::default()
    });
    assert_eq!(g.state().players[0].input, first);
}

#[test]
fn a_tackle_shares_the_kicks_whatever_the_order() {
    // Red (lower id) and blue kick the ball from both sides in the same step: it
    // takes the mean of both kicks, and the touch is the nearer kicker's.
    let mut g = game(5, 9);
    join(&mut g, &[PlayerId(1), PlayerId(2)]);
    while g.state().game.phase != Phase::Playing {
        g.step(&StepCommands::default());
    }
    let mut state = g.state().clone();
    state.ball.pos = V2::new(0.0, 5.0);
    let runner = |x: f32, heading: f32| Runner {
        pos: V2::new(x, 5.0),
        vel: V2::ZERO,
        heading,
        stamina: STAMINA_MAX,
        sprinting: false,
    };
    state.players[0].body = runner(-1.0, 0.0);
    state.players[1].body = runner(1.2, std::f32::consts::PI);
    let mut g = Ball::load(g.config(), state).unwrap();
    let kick = |dir| BallInput {
        dir,
        run: false,
        sprint: false,
        kick: true,
    };
    g.step(&StepCommands {
        inputs: vec![(PlayerId(2), kick(128)), (PlayerId(1), kick(0))],
        ..StepCommands::default()
    });
    let ball = g.state().ball;
    assert!(ball.vel.x.abs() < 1.0, "the kicks cancel: {:?}", ball.vel);
    assert_eq!(g.state().touch, PlayerId(1), "the nearer kicker touched it");
}
