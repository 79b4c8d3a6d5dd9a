//! Whether a mirror's feed is whole: the frames it relays must follow on from one
//! another, and must arrive as they happen.
//!
//! - **A break**: a frame that does not follow the previous one (its tick jumps by
//!   more than the spectator frame interval, and a delta's `base` is not the
//!   previous frame) means events were lost on the way (the owner gave up on
//!   them while Redis was away, or the stream was trimmed before the mirror read
//!   it). The mirror then forgets its ring (no resume reaches across the break)
//!   and its rebuilt room, and drops deltas until the next keyframe (they apply to
//!   frames it never had).
//! - **An interruption**: nothing heard from the owner's channel for a while (Redis
//!   frozen or away, the subscription lost). The ring then ends before the room's
//!   present and what comes next arrives in a burst (the owner's publisher catching
//!   up), more than a viewer's channel holds, so a viewer asking to resume is
//!   restarted at a keyframe with a `reset`, not told it resumes exactly. The
//!   interruption lasts until frames arrive at the room's pace again (a frame
//!   coming half to twice its tick distance after the previous one: neither a
//!   late one after a silence nor one of a burst).

use crate::spectators::{Entry, EntryKind};
use tickcast_shared::protocol::Tick;
use tokio::time::{Duration, Instant};

/// What to do with a relayed event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    /// It follows on: publish it.
    Follows,
    /// Events were lost before it: break the feed, then publish it.
    Breaks,
    /// A delta after a break, before the next keyframe: drop it.
    Drop,
}

/// The continuity of one mirror's feed.
#[derive(Debug)]
pub(super) struct Continuity {
    /// Ticks between two frames of the owner.
    frame_ticks: u32,
    /// The tick of the last frame relayed.
    last_frame: Option<Tick>,
    /// After a break: deltas are dropped until a keyframe.
    awaiting_keyframe: bool,
    /// When an event last came over the channel.
    live_at: Instant,
    /// Silence longer than this is an interruption.
    silence: Duration,
    /// Ticks per second of the owner's room.
    tick_rate: u32,
    /// When the last frame came over the channel, and its tick.
    last_arrival: Option<(Instant, Tick)>,
    /// The feed is interrupted until a frame arrives at the room's pace.
    interrupted: bool,
}

impl Continuity {
    /// A feed of frames every `frame_ticks` at `tick_rate`; interrupted after
    /// three frame intervals of silence, and at least `min_silence`.
    pub(super) fn new(frame_ticks: u32, tick_rate: u32, min_silence: Duration) -> Continuity {
        let frame_ms = u64::from(frame_ticks.max(1)) * 1000 / u64::from(tick_rate.max(1));
        Continuity {
            frame_ticks: frame_ticks.max(1),
            last_frame: None,
            awaiting_keyframe: false,
            live_at: Instant::now(),
            silence: Duration::from_millis(frame_ms.saturating_mul(3)).max(min_silence),
            tick_rate: tick_rate.max(1),
            last_arrival: None,
            interrupted: false,
        }
    }

    /// An event came over the channel now (`frame`: the tick of a frame).
    pub(super) fn heard(&mut self, frame: Option<Tick>) {
        let now = Instant::now();
        self.live_at = now;
        let Some(tick) = frame else { return };
        if let Some((at, prev)) = self.last_arrival
            && tick > prev
        {
            let ticks = u64::from(tick.0 - prev.0);
            let pace = Duration::from_millis(ticks * 1000 / u64::from(self.tick_rate));
            let gap = now.saturating_duration_since(at);
            if gap * 2 >= pace && gap <= pace * 2 {
                self.interrupted = false;
            }
        }
        self.last_arrival = Some((now, tick));
    }

    /// The subscription dropped: interrupted until frames come at pace again.
    pub(super) fn interrupt(&mut self) {
        self.interrupted = true;
    }

    /// Whether the feed is interrupted (silent too long, and not at the room's
    /// pace since).
    pub(super) fn interrupted(&mut self) -> bool {
        if self.live_at.elapsed() > self.silence {
            self.interrupted = true;
        }
        self.interrupted
    }

    /// Judge the next new event (in id order).
    pub(super) fn judge(&mut self, entry: &Entry) -> Verdict {
        if !entry.is_frame() {
            return Verdict::Follows;
        }
        let tick = entry.id.tick();
        let broken = self.last_frame.is_some_and(|prev| {
            let jumped = tick.0.saturating_sub(prev.0) > self.frame_ticks;
            jumped && (entry.kind != EntryKind::Delta || delta_base(&entry.text) != Some(prev))
        });
        self.last_frame = Some(tick);
        if broken {
            self.awaiting_keyframe = entry.kind == EntryKind::Delta;
            return Verdict::Breaks;
        }
        match entry.kind {
            EntryKind::Keyframe => self.awaiting_keyframe = false,
            EntryKind::Delta if self.awaiting_keyframe => return Verdict::Drop,
            _ => {}
        }
        Verdict::Follows
    }
}

/// The `base` tick of a delta's JSON text (`"base":N`), if it names one.
fn delta_base(text: &[u8]) -> Option<Tick> {
    const KEY: &[u8] = b"\"base\":";
    let at = text.windows(KEY.len()).position(|w| w == KEY)? + KEY.len();
    let digits = text.get(at..)?;
    let len = digits.iter().take_while(|b| b.is_ascii_digit()).count();
    let number = std::str::from_utf8(digits.get(..len)?).ok()?;
    number.parse().ok().map(Tick)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use tickcast_shared::spectate::EventId;

    fn frame(kind: EntryKind, tick: u32, base: Option<u32>) -> Entry {
        let data = match base {
            Some(b) => format!("event: delta\ndata: {{\"tick\":{tick},\"base\":{b}}}\n\n"),
            None => format!("event: keyframe\ndata: {{\"tick\":{tick}}}\n\n"),
        };
        Entry::same(EventId::frame(Tick(tick)), kind, Bytes::from(data))
    }

    #[test]
    fn frames_that_do_not_follow_on_break_the_feed() {
        let mut c = Continuity::new(6, 60, Duration::from_secs(1));
        assert_eq!(
            c.judge(&frame(EntryKind::Keyframe, 60, None)),
            Verdict::Follows
        );
        assert_eq!(
            c.judge(&frame(EntryKind::Delta, 66, Some(60))),
            Verdict::Follows
        );
        // The owner skipped a frame itself: its delta spans the gap.
        assert_eq!(
            c.judge(&frame(EntryKind::Delta, 78, Some(66))),
            Verdict::Follows
        );
        // Frames lost on the way: the delta's base was never relayed.
        assert_eq!(
            c.judge(&frame(EntryKind::Delta, 720, Some(714))),
            Verdict::Breaks
        );
        assert_eq!(
            c.judge(&frame(EntryKind::Delta, 726, Some(720))),
            Verdict::Drop
        );
        let game = Entry::same(
            EventId::game(Tick(727)),
            EntryKind::Game,
            Bytes::from_static(b"g"),
        );
        assert_eq!(c.judge(&game), Verdict::Follows);
        assert_eq!(
            c.judge(&frame(EntryKind::Keyframe, 732, None)),
            Verdict::Follows
        );
        assert_eq!(
            c.judge(&frame(EntryKind::Delta, 738, Some(732))),
            Verdict::Follows
        );
        // A keyframe after lost frames breaks the ring too (then starts it again).
        assert_eq!(
            c.judge(&frame(EntryKind::Keyframe, 900, None)),
            Verdict::Breaks
        );
        assert_eq!(
            c.judge(&frame(EntryKind::Delta, 906, Some(900))),
            Verdict::Follows
        );
    }

    #[tokio::test(start_paused = true)]
    async fn silence_interrupts_the_feed_until_frames_come_at_pace() {
        let step = Duration::from_millis(100);
        let mut c = Continuity::new(6, 60, Duration::from_millis(500));
        c.heard(Some(Tick(6)));
        tokio::time::advance(step).await;
        c.heard(Some(Tick(12)));
        assert!(!c.interrupted());
        tokio::time::advance(Duration::from_millis(501)).await;
        assert!(c.interrupted());
        // A late frame after the silence, then a burst: still interrupted.
        c.heard(Some(Tick(18)));
        assert!(c.interrupted());
        for t in [24, 30, 36, 42] {
            tokio::time::advance(Duration::from_millis(1)).await;
            c.heard(Some(Tick(t)));
            assert!(c.interrupted());
        }
        // The next frame a frame interval later: at pace again.
        tokio::time::advance(step).await;
        c.heard(Some(Tick(48)));
        assert!(!c.interrupted());
        c.interrupt();
        assert!(c.interrupted());
        assert_eq!(
            delta_base(b"{\"tick\":9,\"base\":3,\"x\":1}"),
            Some(Tick(3))
        );
        assert_eq!(delta_base(b"{\"base\":}"), None);
    }
}
