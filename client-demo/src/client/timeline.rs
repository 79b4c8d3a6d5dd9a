//! The client's side of the input timeline and the feel figures
//! ([`crate::input_clock`], [`crate::server_clock`], [`crate::net_stats`]).

use super::Client;
use crate::input_clock::InputClock;
use crate::net_stats::NetStats;
use crate::server_clock::ServerClock;
use std::time::Duration;
use tickcast_shared::protocol::{InputSeq, Tick};

impl Client {
    /// Counts of a snapshot applied at tick `tick`, after `previous`.
    pub(super) fn snapshot_applied(&mut self, tick: Tick, previous: Option<Tick>, keyframe: bool) {
        let interval = u32::from(self.welcome.tick_rate) / u32::from(self.welcome.send_rate.max(1));
        self.stats
            .snapshot_gap(previous.map(|t| t.0), tick.0, interval.max(1));
        if keyframe {
            self.stats.keyframes_resent += u64::from(self.keyframe_seen);
            self.keyframe_seen = true;
        }
        self.server_clock
            .observe(tick.0, tokio::time::Instant::now());
    }

    /// `last_input` was applied at `tick`: how many ticks after it was sent.
    pub(super) fn input_delay_sample(&mut self, tick: Tick, last_input: InputSeq) {
        let (Some(arrival), Some(srtt)) = (self.server_clock.arrival_of(tick.0), self.srtt) else {
            return;
        };
        let Some(&(_, sent)) = self.sent.iter().find(|(seq, _)| *seq == last_input) else {
            return;
        };
        let applied = arrival.checked_sub(srtt / 2).unwrap_or(arrival);
        let delay = applied.saturating_duration_since(sent).as_secs_f64();
        self.stats
            .input_delay_ticks
            .push(delay / self.server_clock.tick_secs());
    }

    /// The tick the player is looking at at `now` (the render tick, rounded): what an
    /// input made now is stamped with, so the server resolves its shot against that
    /// world. `None` before the first snapshot.
    pub fn view_tick(&self, now: tokio::time::Instant) -> Option<Tick> {
        let render = self.server_clock.render_tick(now)?.round();
        (render.is_finite() && render >= 0.0).then(|| Tick(render.min(f64::from(u32::MAX)) as u32))
    }

    /// When the next input is due on the input timeline.
    pub fn next_input_at(&self) -> tokio::time::Instant {
        self.input_clock.next_due()
    }

    /// How many inputs to send at `now` (usually 0 or 1; a few after a stall), moving
    /// the input timeline on.
    pub fn inputs_due(&mut self, now: tokio::time::Instant) -> u32 {
        self.input_clock.due(now)
    }

    /// Count one render frame drawn at `now`; true when it had to extrapolate (no
    /// snapshot at or after its render tick).
    pub fn render_frame(&mut self, now: tokio::time::Instant) -> bool {
        let newest = self.view.newest_tick().map(|t| t.0);
        let extrapolated = self.server_clock.extrapolating(now, newest);
        self.stats.frame(extrapolated);
        extrapolated
    }

    /// The input timeline.
    pub fn input_clock(&self) -> &InputClock {
        &self.input_clock
    }

    /// The server's ticks mapped to local time.
    pub fn server_clock(&self) -> &ServerClock {
        &self.server_clock
    }

    /// How the game feels so far.
    pub fn net_stats(&self) -> &NetStats {
        &self.stats
    }

    /// The smoothed round trip (from pongs), once one came back.
    pub fn srtt(&self) -> Option<Duration> {
        self.srtt
    }
}
