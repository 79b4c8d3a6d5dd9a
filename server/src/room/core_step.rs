//! One fixed step of the [`RoomCore`]: the players' inputs (and this step's joins
//! and leaves) into the game, then what the step produced out through the
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
use tickcast_shared::codec::{RowSnapshot, SnapshotHead, encode_server};
use tickcast_shared::protocol::{ServerMsg, Tick};

impl RoomCore {
    /// One fixed step, then snapshots and spectator frames when due.
    pub(super) fn step(&mut self, now: Instant, fx: &mut impl Effects) {
        let started = std::time::Instant::now();
        let (mut input, repeated) = self.table.take_inputs(self.game.tick().next(), &*self.game);
        self.metrics.inputs_repeated.inc_by(repeated);
        input.joins = std::mem::take(&mut self.joins);
        input.leaves = std::mem::take(&mut self.leaves);
        if !input.joins.is_empty() {
            fx.seating(self.table.infos(&input.joins));
        }
        let events = self.game.step(&input);
        let tick = self.game.tick();
        self.status.set_tick(tick.0);
        let game = &*self.game;
        for (request, welcomed) in self.table.welcome_joined(tick, |id| game.player_entity(id)) {
            fx.answer(request, Ok(welcomed));
        }
        let players = self.table.identities(&events, game.schema());
        if !events.is_empty() {
            let frame = Bytes::from(encode_server(&ServerMsg::Events {
                tick,
                events: events.clone(),
                players: players.clone(),
            }));
            let conns: Vec<ConnId> = self.table.conns().collect();
            for conn in conns {
                fx.control(conn, Control::Frame(frame.clone()));
            }
        }
        fx.stepped(input, &*self.game, &events, &players);
        let send = tick.0 % self.cfg.send_interval.max(1) == 0;
        let spectate = fx.wants_spectator_frame(tick);
        if send || spectate {
            self.rows.clear();
            self.game.view(&mut self.rows);
            let snap = Arc::new(RowSnapshot {
                tick,
                rows: self.rows.clone(),
            });
            if spectate {
                let game = &*self.game;
                let players = self.table.roster(|id| game.player_entity(id).is_some());
                fx.spectator_frame(&snap, players);
            }
            if send {
                self.fan_out(snap, now, fx);
            }
        }
        self.metrics.tick(started.elapsed());
    }

    fn fan_out(&mut self, snap: Arc<RowSnapshot>, now: Instant, fx: &mut impl Effects) {
        self.forget_unneeded(snap.tick);
        self.ring.push(Arc::clone(&snap));
        let mut cache = EncodeCache::default();
        let (mut sent, mut keyframes) = (0, 0);
        for p in self.table.players.values_mut() {
            let Some(conn) = p.conn else { continue };
            let base = p
                .acked
                .and_then(|t| self.ring.get(t))
                .filter(|b| b.tick < snap.tick);
            let Some(body) = cache.body(&self.codec, base.map(|b| &**b), &snap) else {
                continue;
            };
            let frame = SnapshotFrame {
                head: SnapshotHead {
                    tick: snap.tick,
                    baseline: base.map(|b| b.tick),
                    last_input: p.inputs.last_consumed(),
                    input_lead: p.inputs.lead(),
                },
                body,
                at: Some(now),
            };
            fx.snapshot(conn, frame);
            p.first_sent.get_or_insert(snap.tick);
            sent += 1;
            if base.is_none() {
                keyframes += 1;
            }
        }
        self.metrics.snapshots_sent.inc_by(sent);
        self.metrics.keyframes_sent.inc_by(keyframes);
    }

    /// Forget the ring's snapshots no connected player may still take as its
    /// baseline before `newest` goes in: those older than every player's
    /// acknowledged tick (acknowledgements only move forward, and a resumed player
    /// starts again from none) or, while it has acknowledged nothing, than the first
    /// snapshot sent on its connection (the oldest it may acknowledge).
    fn forget_unneeded(&mut self, newest: Tick) {
        let oldest = (self.table.players.values())
            .filter(|p| p.conn.is_some())
            .filter_map(|p| p.acked.or(p.first_sent))
            .fold(newest, Tick::min);
        self.ring.forget_before(oldest);
    }
}
