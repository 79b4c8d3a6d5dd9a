//! Seat tickets: random, single use, short-lived. A ticket holds a reserved seat in
//! its room until it is redeemed (the seat passes to the player) or expires (the
//! seat is given back).

use crate::room::RoomShared;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use thiserror::Error;

/// Why a ticket was refused at `GET /ws`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum TicketError {
    #[error("missing ticket")]
    Missing,
    #[error("unknown or already used ticket")]
    Unknown,
    #[error("ticket expired")]
    Expired,
}

struct Ticket {
    room: Arc<RoomShared>,
    name: String,
    sub: Option<String>,
    expires: Instant,
}

/// A redeemed ticket: the room, the name given at join and the verified identity
/// (JWT `sub`) of the caller, if any.
pub struct Seat {
    pub room: Arc<RoomShared>,
    pub name: String,
    pub sub: Option<String>,
}

/// Outstanding tickets.
pub struct TicketBook {
    tickets: HashMap<String, Ticket>,
    ttl: Duration,
}

impl TicketBook {
    pub fn new(ttl: Duration) -> TicketBook {
        TicketBook {
            tickets: HashMap::new(),
            ttl,
        }
    }

    /// Issue a ticket for a seat already reserved in `room`.
    pub fn issue(
        &mut self,
        room: Arc<RoomShared>,
        name: String,
        sub: Option<String>,
        now: Instant,
    ) -> String {
        let token = super::token::random_token();
        self.tickets.insert(
            token.clone(),
            Ticket {
                room,
                name,
                sub,
                expires: now + self.ttl,
            },
        );
        token
    }

    /// Use a ticket once.
    pub fn redeem(&mut self, token: &str, now: Instant) -> Result<Seat, TicketError> {
        let ticket = self.tickets.remove(token).ok_or(TicketError::Unknown)?;
        if now >= ticket.expires {
            ticket.room.release_seat();
            return Err(TicketError::Expired);
        }
        Ok(Seat {
            room: ticket.room,
            name: ticket.name,
            sub: ticket.sub,
        })
    }

    /// Drop expired tickets, giving their seats back.
    pub fn sweep(&mut self, now: Instant) {
        self.tickets.retain(|_, t| {
            let keep = now < t.expires;
            if !keep {
                t.room.release_seat();
            }
            keep
        });
    }

    pub fn len(&self) -> usize {
        self.tickets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tickets.is_empty()
    }
}
