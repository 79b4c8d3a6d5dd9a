//! Spectators: the per-room hub behind `GET /api/rooms/{id}/events` (SSE).
//!
//! A room hands its snapshots and game events to a [`SpectatorFeed`] (a bounded
//! `try_send`, so spectators never slow the tick). A per-room task ([`task`])
//! turns them into spectator events ([`tickcast_shared::spectate`]), renders each
//! one once as SSE text and publishes it to the room's [`Hub`]: a ring of recent
//! events (for `Last-Event-ID` resume, at least [`SpectatorConfig::retain_secs`])
//! and a bounded broadcast channel to the connected spectators. A spectator that
//! falls behind the channel skips ahead and gets a catch-up keyframe with the next
//! frame instead of buffering. Every event has its own increasing id
//! ([`tickcast_shared::spectate::EventId`]); resume after an id is exact.
//!
//! Viewers whose connection the SSE route took over (plain HTTP/1) are written by
//! the hub's fan-out writers ([`fanout`], [`direct`]): one task per
//! [`SpectatorConfig::viewers_per_writer`] viewers, woken once per event. Both
//! kinds of viewer follow the same rules ([`viewer`]).
//!
//! While nobody has watched a room for the retention window, the room stops handing
//! over snapshots and the hub keeps nothing; the next spectator starts it again with
//! a keyframe.

pub mod delay;
pub mod direct;
pub mod fanout;
pub mod hub;
pub mod ring;
pub mod seat;
pub mod task;
#[cfg(test)]
pub(crate) mod test_events;
pub mod viewer;

pub use direct::DirectViewer;
pub use hub::Hub;
pub use ring::{Entry, EntryKind, Start};
pub use seat::{SpectatorCounter, SubscribeError, Subscription};
pub use task::{SpectatorFeed, spawn};
pub use viewer::ViewerCounters;

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
    /// At most this many bytes of event text kept for resume per room (the newest
    /// keyframe and what follows are always kept). Default 16 MiB.
    pub retain_bytes: usize,
    /// The feed runs this far behind the room (so a player cannot watch the feed to
    /// see through walls), in milliseconds, 0 to 600000. Default 0.
    pub delay_ms: u64,
    /// A viewer (live or replay) that accepts no bytes for this long is dropped and
    /// its place freed, in seconds. Default 30.
    pub write_timeout_secs: u64,
    /// Events a spectator may fall behind before it skips to the next keyframe.
    /// Default 64.
    pub lag_events: usize,
    /// Room -> hub queue (snapshots and game events); full means dropped. Default 64.
    pub queue: usize,
    /// Spectators per room; more are answered 503. Default 10000.
    pub max_per_room: usize,
    /// Spectators on this server; more are answered 503. Default 20000 (each holds
    /// a socket: the process's open-file limit must allow them).
    pub max_total: usize,
    /// Viewers one fan-out writer task writes to (plain HTTP/1 viewers, whose
    /// sockets the stream takes over after its head; see [`fanout`]); 0 sends every
    /// viewer through its HTTP response body instead. Default 256.
    pub viewers_per_writer: usize,
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
            retain_bytes: 16 << 20,
            delay_ms: 0,
            write_timeout_secs: 30,
            lag_events: 64,
            queue: 64,
            max_per_room: 10_000,
            max_total: 20_000,
            viewers_per_writer: 256,
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

    /// The broadcast delay in ticks at `tick_rate` (`delay_ms` capped at 10 min).
    pub fn delay_ticks(&self, tick_rate: u32) -> u32 {
        let ms = self.delay_ms.min(600_000);
        u32::try_from(ms.saturating_mul(u64::from(tick_rate)) / 1000).unwrap_or(u32::MAX)
    }

    /// How long a viewer may accept no bytes before it is dropped (at least 1 s).
    pub fn write_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.write_timeout_secs.max(1))
    }

    /// Ticks of events the ring keeps at `tick_rate` (at least two keyframe periods,
    /// so a keyframe is always retained).
    pub fn retain_ticks(&self, tick_rate: u32) -> u32 {
        (self.retain_secs.saturating_mul(tick_rate))
            .max(self.keyframe_period(tick_rate).saturating_mul(2))
    }
}
