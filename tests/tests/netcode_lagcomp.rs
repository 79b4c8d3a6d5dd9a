//! Lag compensation over real sockets against the real binary (issue 10).
//!
//! Two raw WebSocket players on an open map: a target runs up across the shooter's
//! line of sight at full speed; the shooter looks at a snapshot 9 ticks (150 ms)
//! older than the newest it has, aims at the target as that snapshot shows it
//! (leading it by its speed in the snapshots, as a player does at what it sees) and
//! stamps the input with that tick. With the default `[room] max_rewind_ms` (250) the
//! shot hits; with `max_rewind_ms = 0` the same shot misses (the target has run on
//! 45+ units by the time the input is applied). The compensated match's recording
//! re-simulates to the same hashes (`tickcast-client replay --verify`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod replay_common;

use glam::Vec2;
use replay_common::{TempDir, complete_replays, config_file, server, verify_with_client};
use std::collections::BTreeMap;
use tickcast_shared::protocol::{NetId, Tick};
use tickcast_shared::sim::Snapshot;
use tickcast_shared::sim::{Buttons, PlayerInput};
use tickcast_tests::player::{Player, create_room};

/// Shooter first (its spawn is the first), target second, 600 units below it.
const MAP: &str = "size 2000 2000\nspawn 300 1000\nspawn 600 400\n";
/// How far back the shooter looks: 150 ms at 60 Hz.
const LOOK_BACK: u32 = 9;
/// Projectile speed per tick (900 units/s at 60 Hz).
const SHOT_PER_TICK: f32 = 15.0;

fn up() -> PlayerInput {
    PlayerInput {
        buttons: Buttons(Buttons::UP),
        aim: 0.0,
    }
}

/// Three inputs (one per tick until the next snapshot) that do nothing: a client
/// sends one input per tick, or the room repeats its last one in its place.
async fn idle(player: &mut Player, ack: Tick) {
    for _ in 0..3 {
        player.send_input(PlayerInput::default(), Some(ack)).await;
    }
}

/// The aim from `from` that meets a target at `seen` moving `velocity` per tick.
fn lead_aim(from: Vec2, seen: Vec2, velocity: Vec2) -> f32 {
    let k = (1..300)
        .map(|k| k as f32)
        .find(|k| (seen + velocity * *k - from).length() <= SHOT_PER_TICK * k)
        .expect("the target can be reached");
    let to = seen + velocity * k - from;
    to.y.atan2(to.x)
}

/// Play the crossing on a server started with `extra`; true when the target was hit.
async fn crossing_shot(dir: &TempDir, extra: &[&str]) -> bool {
    let maps = dir.path().join("maps");
    std::fs::create_dir_all(&maps).unwrap();
    std::fs::write(maps.join("crossing.map"), MAP).unwrap();
    let mut args = vec!["--maps-dir", maps.to_str().unwrap()];
    args.extend_from_slice(extra);
    let s = server(dir, &args).await;
    let room = create_room(s.addr, r#"{"map":"crossing","drones":0}"#).await;
    let mut shooter = Player::join(s.addr, &room, "shooter").await;
    let mut target = Player::join(s.addr, &room, "target").await;
    let target_id = NetId(target.entity);
    let shooter_id = NetId(shooter.entity);
    // What the shooter has seen: the target's position per snapshot tick.
    let mut seen: BTreeMap<Tick, (Vec2, u8)> = BTreeMap::new();
    let mut fired: Option<Tick> = None;
    let mut hit = false;
    for _ in 0..200 {
        let snap: Snapshot = target.next_snapshot_quiet().await;
        // One input per tick: three per snapshot at 20 Hz of a 60 Hz room.
        for _ in 0..3 {
            target.send_input(up(), Some(snap.tick)).await;
        }
        let view = shooter.next_snapshot_quiet().await;
        let Some(t) = view.get(target_id) else {
            continue;
        };
        seen.insert(view.tick, (t.pos(), t.hp));
        if let Some(at) = fired {
            hit |= t.hp < 100;
            if view.tick.0 > at.0 + 60 {
                break;
            }
            idle(&mut shooter, view.tick).await;
            continue;
        }
        // Fire at the snapshot LOOK_BACK ticks old once it shows the target crossing.
        let old = Tick(view.tick.0.saturating_sub(LOOK_BACK));
        let (Some(&(then, _)), Some(&(before, _))) =
            (seen.get(&old), seen.get(&Tick(old.0.saturating_sub(3))))
        else {
            idle(&mut shooter, view.tick).await;
            continue;
        };
        if then.y < 950.0 {
            idle(&mut shooter, view.tick).await;
            continue;
        }
        let me = view.get(shooter_id).expect("the shooter is seated").pos();
        let aim = lead_aim(me, then, (then - before) / 3.0);
        let fire = PlayerInput {
            buttons: Buttons(Buttons::FIRE),
            aim,
        };
        shooter
            .send_input_seen(fire, Some(view.tick), Some(old))
            .await;
        for _ in 0..2 {
            shooter
                .send_input(
                    PlayerInput {
                        buttons: Buttons(0),
                        aim,
                    },
                    Some(view.tick),
                )
                .await;
        }
        fired = Some(view.tick);
    }
    assert!(fired.is_some(), "the target crossed and the shooter fired");
    drop((shooter, target));
    // The room finishes 1 s after its players left; its recording must verify.
    complete_replays(&s, 1).await;
    let files = dir.files("replays");
    let verified = verify_with_client(&files[0]).await;
    assert!(verified.ok, "{:?} {}", verified.report, verified.stderr);
    s.stop().await;
    hit
}

#[tokio::test]
async fn a_shot_at_the_target_as_seen_150_ms_ago_hits_with_compensation_and_misses_without() {
    let on = TempDir::new("lagcomp-on");
    assert!(
        crossing_shot(&on, &[]).await,
        "compensated: the shot meets the target where the shooter saw it"
    );
    let off = TempDir::new("lagcomp-off");
    let config = config_file(&off, "[room]\nmax_rewind_ms = 0\n");
    assert!(
        !crossing_shot(&off, &["--config", &config]).await,
        "without compensation the target has run on"
    );
}
