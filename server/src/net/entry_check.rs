//! The check at a player URL, before its transport is set up: `GET /ws?...` (the
//! WebSocket upgrade, [`super::ws`]) and the WebTransport session `/wt?...`
//! ([`super::quic`]) share it, so both refuse the same things the same way.
//!
//! The URL carries `ticket=T` (a seat ticket from the lobby, redeemed here: it is
//! single-use) or `resume=TOKEN` (the resume token of an earlier Welcome, checked
//! against the lobby). Checks are rate limited per address (`[lobby]
//! ticket_checks_per_sec`, `ticket_checks_burst`): past the rate the URL is refused
//! with a wait and nothing is checked (nor redeemed). A refusal never redeems; a
//! WebTransport session's ticket is only checked at the URL and used at its `Hello`
//! ([`Redeem`]).

use super::session::{Entry, SeatGuard};
use crate::ctx::ServerCtx;
use serde::Deserialize;
use std::net::IpAddr;
use std::time::Duration;
use thiserror::Error;

/// The query of a player URL.
#[derive(Debug, Default, Deserialize)]
pub struct EntryQuery {
    pub ticket: Option<String>,
    pub resume: Option<String>,
}

/// Why a player URL was refused (HTTP 429 or 401 on every transport).
#[derive(Debug, Error)]
pub enum EntryRefused {
    /// The address is past its rate of ticket checks (429 with `Retry-After`).
    #[error("too many ticket checks from your address; retry in {} s", retry_secs(*.0))]
    TooMany(Duration),
    /// Unknown, used or expired ticket; unknown resume token (401).
    #[error("{0}")]
    Unauthorized(String),
}

/// Whole seconds to wait, at least one (the `Retry-After` value).
pub fn retry_secs(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

impl EntryRefused {
    /// The HTTP status the refusal is answered with.
    pub fn status(&self) -> u16 {
        match self {
            EntryRefused::TooMany(_) => 429,
            EntryRefused::Unauthorized(_) => 401,
        }
    }
}

/// When a ticket checked at the URL is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redeem {
    /// At once (the WebSocket: its upgrade is the session).
    AtUrl,
    /// At the `Hello` (WebTransport): a session the browser gives up before its
    /// `Hello` (a slow link, a fallback) leaves the ticket for WebSocket. In cluster
    /// mode Redis checks it (live, for a room of this node) without taking it, and
    /// the `Hello` uses it in the one script that redeems tickets.
    AtHello,
}

/// Check a player URL's ticket or resume token (within `peer`'s rate of checks):
/// the [`Entry`] the session starts from, or why not.
pub async fn check_entry(
    state: &ServerCtx,
    peer: Option<IpAddr>,
    query: EntryQuery,
    redeem: Redeem,
) -> Result<Entry, EntryRefused> {
    if let Some(ip) = peer {
        state.lobby.check_rate(ip).map_err(EntryRefused::TooMany)?;
    }
    if let Some(token) = query.resume {
        return match state.lobby.room_of_token(&token) {
            Some(room) => Ok(Entry::Resume(room, token)),
            None => Err(EntryRefused::Unauthorized(
                "unknown or expired resume token".into(),
            )),
        };
    }
    if redeem == Redeem::AtHello {
        return match state.directory.check_ticket(query.ticket.as_deref()).await {
            Ok(()) => Ok(Entry::Checked(query.ticket.unwrap_or_default())),
            Err(e) => Err(EntryRefused::Unauthorized(e.to_string())),
        };
    }
    match state.directory.redeem(query.ticket.as_deref()).await {
        Ok(seat) => Ok(Entry::Seat(
            SeatGuard(Some(seat)),
            query.ticket.unwrap_or_default(),
        )),
        Err(e) => Err(EntryRefused::Unauthorized(e.to_string())),
    }
}
