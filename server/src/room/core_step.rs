//! One fixed step of the [`RoomCore`]: the players' inputs (and this step's joins
//! and leaves) into the World, then what the step produced out through the
//! [`Effects`]: welcomes for the players it seated, the game events to every player,
//! the step to the recording, a spectator frame when one is wanted, and on send
//! ticks a snapshot to each player, as a delta against the newest tick it
//! acknowledged that the ring still holds (else a keyframe).

use super::{Effects, RoomCore};
use crate::room::players::ConnId;
use crate::room::snapshots::EncodeCache;
use crate::room::{Control, SnapshotFrame};
use bytes::Bytes;
use std::sync::Arc;
use std::time::Instant;
use tickcast_shared::codec::{Snapshot, SnapshotHead, encode_server};
use tickcast_shared::game::Game;
use tickcast_shared::protocol::ServerMsg;
use tickcast_shared::sim::Arena;

impl RoomCore {
    /// One fixed step, then snapshots and spectator frames when due.
    pub(super) fn step(&mut self, now: Instant, fx: &mut impl Effects) {
        let started = std::time::Instant::now();
        let (mut input, repeated) = self.table.take_inputs(self.world.tick().next());
        self.metrics.inputs_repeated.inc_by(repeated);
        input.joins = std::mem::take(&mut self.joins);
        input.leaves = std::mem::take(&mut self.leaves);
        if !input.joins.is_empty() {
            fx.seating(self.table.infos(&input.joins));
        }
        let events = self.world.step(&input);
        let tick = self.world.tick();
        self.status.set_tick(tick.0);
        let world = &self.world;
        for (request, welcomed) in self
            .table
            .welcome_joined(tick, |id| world.player_entity(id))
        {
            fx.answer(request, Ok(welcomed));
        }
        let players = self.table.identities(&events);
        if !events.is_empty() {
            let frame = Bytes::from(encode_server(&ServerMsg::Events {
                tick,
                events: events.iter().map(Arena::event_row).collect(),
                players: players.clone(),
            }));
            let conns: Vec<ConnId> = self.table.conns().collect();
            for conn in conns {
                fx.control(conn, Control::Frame(frame.clone()));
            }
        }
        fx.stepped(input, &self.world, &events, &players);
        let send = tick.0 % self.cfg.send_interval.max(1) == 0;
        let spectate = fx.wants_spectator_frame(tick);
        if send || spectate {
            let snap = Arc::new(self.world.snapshot());
            if spectate {
                let world = &self.world;
                let players = self.table.roster(|id| world.player_entity(id).is_some());
                fx.spectator_frame(&snap, players);
            }
            if send {
                self.fan_out(snap, now, fx);
            }
        }
        self.metrics.tick(started.elapsed());
    }

    fn fan_out(&mut self, snap: Arc<Snapshot>, now: Instant, fx: &mut impl Effects) {
        self.ring.push(Arc::clone(&snap));
        let mut cache = EncodeCache::default();
        let (mut sent, mut keyframes) = (0, 0);
        for p in self.table.players.values() {
            let Some(conn) = p.conn else { continue };
            let base = p
                .acked
                .and_then(|t| self.ring.get(t))
                .filter(|b| b.tick < snap.tick);
            let frame = SnapshotFrame {
                head: SnapshotHead {
                    tick: snap.tick,
                    baseline: base.map(|b| b.tick),
                    last_input: p.inputs.last_consumed(),
                    input_lead: p.inputs.lead(),
                },
                body: cache.body(base.map(|b| &**b), &snap),
                at: Some(now),
            };
            fx.snapshot(conn, frame);
            sent += 1;
            if base.is_none() {
                keyframes += 1;
            }
        }
        self.metrics.snapshots_sent.inc_by(sent);
        self.metrics.keyframes_sent.inc_by(keyframes);
    }
}
