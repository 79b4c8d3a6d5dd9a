//! Watching a room task: when it ends, normally or by a panic, the room is marked
//! finished (no more tickets), its seats and the gauges it held are given back and
//! `tickcast_rooms_finished_total{reason}` counts it. On a panic its sessions get a
//! close with a reason from [`super::links::Links`]' drop, and spectators an `end`
//! when the feed is dropped.

use super::RoomId;
use super::status::RoomStatus;
use crate::metrics::{FinishReason, Metrics};
use std::sync::Arc;
use tokio::task::JoinHandle;

/// Run `room` (a room task that returns why it finished) under supervision; the
/// returned handle completes once the room is accounted for.
pub fn supervise(
    id: RoomId,
    room: impl Future<Output = FinishReason> + Send + 'static,
    status: Arc<RoomStatus>,
    metrics: Arc<Metrics>,
) -> JoinHandle<FinishReason> {
    metrics.rooms.inc();
    let task = tokio::spawn(room);
    tokio::spawn(async move {
        let reason = match task.await {
            Ok(reason) => reason,
            Err(e) => {
                tracing::error!(room = %id, error = %e, "room task failed; room finished");
                // The core had no chance to give its players back.
                let held = i64::from(status.players());
                metrics.players.dec_by(held);
                status.set_players(0);
                FinishReason::Crashed
            }
        };
        status.finish();
        metrics.rooms.dec();
        metrics.room_finished(reason);
        reason
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::room::Control;
    use crate::room::links::{CRASH_REASON, Links};

    #[tokio::test]
    async fn a_panicking_room_is_finished_and_its_players_told_why() {
        let metrics = Arc::new(Metrics::new());
        let status = Arc::new(RoomStatus::new(4));
        assert!(status.reserve_seat());
        status.set_players(1);
        metrics.players.inc();
        let mut links = Links::new(4);
        let session = links.open(7, tickcast_shared::protocol::PlayerId(1));
        let watched = supervise(
            RoomId::random(),
            async move {
                let _links = links;
                if session_is_seated() {
                    panic!("a bug in the room");
                }
                FinishReason::Empty
            },
            Arc::clone(&status),
            Arc::clone(&metrics),
        );
        assert_eq!(watched.await.ok(), Some(FinishReason::Crashed));
        assert_eq!(status.state(), crate::room::RoomState::Finished);
        assert!(!status.reserve_seat(), "no ticket for a crashed room");
        assert_eq!(metrics.players.get(), 0);
        assert_eq!(metrics.rooms.get(), 0);
        let text = metrics.render();
        assert!(
            text.contains("tickcast_rooms_finished_total{reason=\"crashed\"} 1"),
            "{text}"
        );
        let taken = session.outbox.try_take().expect("the crash left output");
        assert!(taken.closed, "the room's end is gone");
        match taken.control.front() {
            Some(Control::Close(code, reason)) => {
                assert_eq!(*code, tickcast_shared::quic::close::INTERNAL);
                assert_eq!(reason, CRASH_REASON);
            }
            other => panic!("expected a close, got {other:?}"),
        }
    }

    fn session_is_seated() -> bool {
        true
    }

    #[tokio::test]
    async fn a_room_that_finishes_is_counted_by_its_reason() {
        let metrics = Arc::new(Metrics::new());
        let status = Arc::new(RoomStatus::new(4));
        let watched = supervise(
            RoomId::random(),
            async { FinishReason::Shutdown },
            Arc::clone(&status),
            Arc::clone(&metrics),
        );
        assert_eq!(watched.await.ok(), Some(FinishReason::Shutdown));
        assert_eq!(metrics.rooms.get(), 0);
        assert!(
            metrics
                .render()
                .contains("tickcast_rooms_finished_total{reason=\"shutdown\"} 1")
        );
    }
}
