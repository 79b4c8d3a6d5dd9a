//! Seat tickets: random, single use, short-lived. A ticket holds a reserved seat in
//! its room until it is redeemed (the seat passes to the player) or expires (the
//! seat is given back).
//!
//! Who asked for a ticket is its [`Holder`], so that nobody can hold seats they do
//! not use ([`TicketBook::make_way`]): one address holds at most
//! `[lobby] max_tickets_per_ip` unredeemed tickets over all rooms, and in one room
//! one identity (JWT `sub`) at most one, an address without identities at most
//! `[lobby] max_tickets_per_ip_per_room` (default half the room's seats, at least
//! one). Asking again past the per-room share
//! replaces the holder's oldest ticket there (its seat is given back) instead of
//! taking another seat.

use super::budget::LobbyConfig;
use crate::room::{RoomShared, Seat};
use std::collections::HashMap;
use std::net::IpAddr;
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
    holder: Holder,
    expires: Instant,
}

/// Who asked for a ticket: the caller's address (`None` unknown: all unknown
/// callers share one budget) and verified identity, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub address: Option<IpAddr>,
    pub sub: Option<String>,
}

impl Holder {
    /// Whether a ticket held by `other` counts as this holder's in a room: the same
    /// identity, or (without identities) the same address.
    fn same_seat_taker(&self, other: &Holder) -> bool {
        match (&self.sub, &other.sub) {
            (Some(a), Some(b)) => a == b,
            (None, None) => self.address == other.address,
            _ => false,
        }
    }
}

/// Why a ticket was refused before a seat was reserved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketRefusal {
    /// The address holds its limit of unredeemed tickets (the limit).
    AddressTickets(usize),
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
        holder: Holder,
        now: Instant,
    ) -> String {
        let token = crate::secrets::random_token();
        self.tickets.insert(
            token.clone(),
            Ticket {
                room,
                name,
                holder,
                expires: now + self.ttl,
            },
        );
        token
    }

    /// Whether `address` may hold one more ticket (at most `max` unexpired ones).
    pub fn address_has_room(&self, address: Option<IpAddr>, max: usize, now: Instant) -> bool {
        self.of_address(address, now) < max
    }

    fn of_address(&self, address: Option<IpAddr>, now: Instant) -> usize {
        self.tickets
            .values()
            .filter(|t| t.holder.address == address && now < t.expires)
            .count()
    }

    /// Make way for one more ticket of `holder` in `room`, before its seat is
    /// reserved: past the holder's share of the room (one seat per identity;
    /// [`LobbyConfig::tickets_per_ip_in`] per address without one) its oldest ticket there is
    /// withdrawn and its seat given back; then the address's tickets over all rooms
    /// must stay within `config.max_tickets_per_ip`. `Ok(true)` when a ticket was
    /// replaced. One pass over the outstanding tickets (at most one per reserved
    /// seat).
    pub fn make_way(
        &mut self,
        holder: &Holder,
        room: &RoomShared,
        config: &LobbyConfig,
        now: Instant,
    ) -> Result<bool, TicketRefusal> {
        let max_per_address = config.max_tickets_per_ip;
        let share = if holder.sub.is_some() {
            1
        } else {
            config.tickets_per_ip_in(room.settings.max_players)
        };
        let (mut here, mut oldest, mut of_address) = (0usize, None::<(&String, Instant)>, 0usize);
        for (token, t) in &self.tickets {
            if now >= t.expires {
                continue;
            }
            if t.holder.address == holder.address {
                of_address += 1;
            }
            if t.room.id == room.id && holder.same_seat_taker(&t.holder) {
                here += 1;
                if oldest.is_none_or(|(_, at)| t.expires < at) {
                    oldest = Some((token, t.expires));
                }
            }
        }
        let replace = if here >= share {
            oldest.map(|(token, _)| token.clone())
        } else {
            None
        };
        // The replaced ticket is the same address's unless an identity moved.
        let freed = replace.as_ref().is_some_and(|token| {
            self.tickets
                .get(token)
                .is_some_and(|t| t.holder.address == holder.address)
        });
        if of_address.saturating_sub(usize::from(freed)) >= max_per_address {
            return Err(TicketRefusal::AddressTickets(max_per_address));
        }
        let Some(token) = replace else {
            return Ok(false);
        };
        if let Some(old) = self.tickets.remove(&token) {
            old.room.release_seat();
        }
        Ok(true)
    }

    /// Whether `token` is a live ticket, without using it.
    pub fn check(&self, token: &str, now: Instant) -> Result<(), TicketError> {
        match self.tickets.get(token) {
            None => Err(TicketError::Unknown),
            Some(t) if now >= t.expires => Err(TicketError::Expired),
            Some(_) => Ok(()),
        }
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
            sub: ticket.holder.sub,
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
