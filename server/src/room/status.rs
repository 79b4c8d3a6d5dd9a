//! What a room shares with the lobby: seats, players, tick and lifecycle state, as
//! atomics (no locks on the tick path, no channel).
//!
//! Seats and "closed" live in one atomic word, so a room can finish only when no seat
//! is reserved, and no seat can be reserved once the room decided to finish: the
//! lobby never hands out a ticket for a room that is finishing.

use super::RoomState;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, AtomicU32, Ordering};
use std::time::Instant;

/// The flag bit of `seats`: the room takes no more seats.
const CLOSED: u32 = 1 << 31;

/// The shared status of one room.
#[derive(Debug)]
pub struct RoomStatus {
    max_players: u32,
    /// Reserved seats (unexpired tickets plus players in the room, held ones too),
    /// and [`CLOSED`].
    seats: AtomicU32,
    players: AtomicU32,
    tick: AtomicU32,
    state: AtomicU8,
    finished_at: Mutex<Option<Instant>>,
    /// Verified identities (JWT `sub`) holding a seat: the lobby lets a second join
    /// of one of them resume its seat even when the room is full.
    seated: Mutex<Vec<String>>,
}

impl RoomStatus {
    pub fn new(max_players: u32) -> RoomStatus {
        RoomStatus {
            max_players: max_players.min(CLOSED - 1),
            seats: AtomicU32::new(0),
            players: AtomicU32::new(0),
            tick: AtomicU32::new(0),
            state: AtomicU8::new(RoomState::Waiting as u8),
            finished_at: Mutex::new(None),
            seated: Mutex::new(Vec::new()),
        }
    }

    pub fn max_players(&self) -> u32 {
        self.max_players
    }

    pub fn state(&self) -> RoomState {
        match self.state.load(Ordering::Acquire) {
            0 => RoomState::Waiting,
            1 => RoomState::Running,
            _ => RoomState::Finished,
        }
    }

    /// The match is on (a player took a seat); a finished room stays finished.
    pub fn set_running(&self) {
        let _ = self.state.compare_exchange(
            RoomState::Waiting as u8,
            RoomState::Running as u8,
            Ordering::AcqRel,
            Ordering::Acquire,
        );
    }

    /// Closed to new seats and finished (idempotent).
    pub fn finish(&self) {
        self.seats.fetch_or(CLOSED, Ordering::AcqRel);
        self.state
            .store(RoomState::Finished as u8, Ordering::Release);
        if let Ok(mut at) = self.finished_at.lock() {
            at.get_or_insert_with(Instant::now);
        }
    }

    /// Close the room if no seat is reserved (one atomic step); true when closed.
    pub fn close_if_empty(&self) -> bool {
        self.seats
            .compare_exchange(0, CLOSED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
            || self.is_closed()
    }

    pub fn is_closed(&self) -> bool {
        self.seats.load(Ordering::Acquire) & CLOSED != 0
    }

    /// When the room finished, if it has.
    pub fn finished_at(&self) -> Option<Instant> {
        self.finished_at.lock().ok().and_then(|at| *at)
    }

    /// Try to reserve one seat; false when the room is full, closed or finished.
    pub fn reserve_seat(&self) -> bool {
        let max = self.max_players;
        self.seats
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| {
                (s & CLOSED == 0 && s < max).then_some(s + 1)
            })
            .is_ok()
    }

    /// Reserve a seat for `sub` when it already holds one here, even in a full room
    /// (its join resumes the held seat and the room gives this one back); false
    /// when `sub` holds none or the room is closed.
    pub fn reserve_for_seated(&self, sub: &str) -> bool {
        if !self.holds(sub) {
            return false;
        }
        self.seats
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| {
                (s & CLOSED == 0 && s < CLOSED - 1).then_some(s + 1)
            })
            .is_ok()
    }

    /// Whether the identity `sub` holds a seat.
    pub fn holds(&self, sub: &str) -> bool {
        self.seated
            .lock()
            .is_ok_and(|seated| seated.iter().any(|s| s == sub))
    }

    /// The identities holding seats (the room's core keeps this current).
    pub fn seated(&self) -> Vec<String> {
        self.seated.lock().map(|s| s.clone()).unwrap_or_default()
    }

    pub fn set_seated(&self, subs: Vec<String>) {
        if let Ok(mut seated) = self.seated.lock() {
            *seated = subs;
        }
    }

    /// Give back a reserved seat (ticket expired, join refused, player gone).
    pub fn release_seat(&self) {
        let _ = self
            .seats
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| {
                let n = (s & !CLOSED).checked_sub(1)?;
                Some(n | (s & CLOSED))
            });
    }

    /// Seats reserved now.
    pub fn seats(&self) -> u32 {
        self.seats.load(Ordering::Acquire) & !CLOSED
    }

    pub fn free_seats(&self) -> u32 {
        self.max_players.saturating_sub(self.seats())
    }

    pub fn players(&self) -> u32 {
        self.players.load(Ordering::Acquire)
    }

    pub fn set_players(&self, n: u32) {
        self.players.store(n, Ordering::Release);
    }

    pub fn tick(&self) -> u32 {
        self.tick.load(Ordering::Acquire)
    }

    pub fn set_tick(&self, tick: u32) {
        self.tick.store(tick, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seats_are_bounded_and_given_back() {
        let s = RoomStatus::new(2);
        assert!(s.reserve_seat() && s.reserve_seat());
        assert!(!s.reserve_seat(), "full");
        s.release_seat();
        assert_eq!((s.seats(), s.free_seats()), (1, 1));
        s.release_seat();
        s.release_seat();
        assert_eq!(s.seats(), 0, "never below zero");
    }

    #[test]
    fn a_seated_identity_gets_a_seat_in_a_full_room_others_do_not() {
        let s = RoomStatus::new(1);
        assert!(s.reserve_seat());
        s.set_seated(vec!["ann".into()]);
        assert!(!s.reserve_seat(), "full");
        assert!(!s.reserve_for_seated("bo"), "bo holds no seat");
        assert!(s.reserve_for_seated("ann"));
        assert_eq!((s.seats(), s.free_seats()), (2, 0));
        s.finish();
        assert!(!s.reserve_for_seated("ann"), "closed");
    }

    #[test]
    fn a_room_with_a_reserved_seat_does_not_close_and_a_closed_room_takes_no_seat() {
        let s = RoomStatus::new(4);
        assert!(s.reserve_seat());
        assert!(!s.close_if_empty(), "a seat is reserved");
        s.release_seat();
        assert!(s.close_if_empty());
        assert!(!s.reserve_seat(), "no ticket for a closing room");
        assert_eq!(s.state(), RoomState::Waiting, "closing is not finished yet");
        s.finish();
        assert_eq!(s.state(), RoomState::Finished);
        s.set_running();
        assert_eq!(s.state(), RoomState::Finished, "finished stays finished");
        assert!(s.finished_at().is_some());
    }

    #[test]
    fn finishing_keeps_counting_seats_given_back() {
        let s = RoomStatus::new(4);
        assert!(s.reserve_seat() && s.reserve_seat());
        s.finish();
        assert!(s.is_closed());
        s.release_seat();
        assert_eq!(s.seats(), 1);
        assert!(!s.reserve_seat());
    }
}
