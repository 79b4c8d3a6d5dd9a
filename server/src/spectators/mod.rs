//! Spectators: the per-room hub behind `GET /api/rooms/{id}/events` (SSE).
//!
//! A room hands its snapshots and game events to a [`SpectatorFeed`] (a bounded
//! `try_send`, so spectators never slow the tick). A per-room task ([`task`])
//! turns them into spectator events ([`tickcast_shared::spectate`]), renders each
//! one once as SSE text and publishes it to the room's [`Hub`]: a ring of recent
//! events (for `Last-Event-ID` resume, at least [`SpectatorConfig::retain_secs`])
//! and a bounded broadcast channel to the connected spectators. A spectator that
//! falls behind the channel skips to the next keyframe instead of buffering.
//!
//! While nobody has watched a room for the retention window, the room stops handing
//! over snapshots and the hub keeps nothing; the next spectator starts it again with
//! a keyframe.

pub mod hub;
pub mod task;

pub use hub::{Entry, EntryKind, Hub, SpectatorCounter, SubscribeError, Subscription};
pub use task::{SpectatorFeed, spawn};

use serde::{Deserialize, Serialize};

/// Spectator settings (config file section `[spectators]`; every field optional).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpectatorConfig {
    /// Spectator frames per second (keyframes and deltas). Default 10.
    pub rate_hz: u32,
    /// A keyframe at least this often, in seconds. Default 5.
    pub keyframe_secs: u32,
    /// Events kept for `Last-Event-ID` resume, in seconds. Default 30.
    pub retain_secs: u32,
    /// Events a spectator may fall behind before it skips to the next keyframe.
    /// Default 64.
    pub lag_events: usize,
    /// Room -> hub queue (snapshots and game events); full means dropped. Default 64.
    pub queue: usize,
    /// Spectators per room; more are answered 503. Default 256.
    pub max_per_room: usize,
    /// Spectators on this server; more are answered 503. Default 4096.
    pub max_total: usize,
    /// A comment line at least this often, in milliseconds. Default 15000.
    pub keepalive_ms: u64,
    /// The `retry:` a browser waits before reconnecting, in milliseconds. Default 2000.
    pub retry_ms: u64,
}

impl Default for SpectatorConfig {
    fn default() -> Self {
        SpectatorConfig {
            rate_hz: 10,
            keyframe_secs: 5,
            retain_secs: 30,
            lag_events: 64,
            queue: 64,
            max_per_room: 256,
            max_total: 4096,
            keepalive_ms: 15_000,
            retry_ms: 2_000,
        }
    }
}

impl SpectatorConfig {
    /// Ticks between two spectator frames at `tick_rate` (at least 1).
    pub fn frame_interval(&self, tick_rate: u32) -> u32 {
        (tick_rate / self.rate_hz.max(1)).max(1)
    }

    /// Ticks between two keyframes at `tick_rate` (at least one frame interval).
    pub fn keyframe_period(&self, tick_rate: u32) -> u32 {
        (self.keyframe_secs.saturating_mul(tick_rate)).max(self.frame_interval(tick_rate))
    }

    /// Ticks of events the ring keeps at `tick_rate` (at least two keyframe periods,
    /// so a keyframe is always retained).
    pub fn retain_ticks(&self, tick_rate: u32) -> u32 {
        (self.retain_secs.saturating_mul(tick_rate))
            .max(self.keyframe_period(tick_rate).saturating_mul(2))
    }
}
