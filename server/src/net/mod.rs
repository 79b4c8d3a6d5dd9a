//! Transports: each maps bytes to protocol messages and sessions, nothing else.
//! Game rules live in the room; a transport only talks to a room through its inbox
//! and its [`crate::room::SessionLink`].
//!
//! - [`session`]: the player session every transport shares (handshake, seat, loop).
//! - [`entry_check`]: the ticket / resume-token check of a player URL (`/ws`, `/wt`).
//! - [`input_rate`]: the per-session input rate limit; [`input_gate`]: one
//!   connection's judge of inputs (repeats, shape, rate), shared by its readers.
//! - [`ws`]: players over WebSocket (`GET /ws`), browsers and native; on a plain
//!   HTTP/1 connection the edge takes the socket over ([`ws_taken`]) and the room
//!   writes snapshots to it directly ([`ws_direct`]) and reads inputs from it at
//!   its tick ([`ws_read`], frames found by [`ws_frame_head`], data told by the
//!   room's own poller: [`read_source`], `taken_socket`).
//! - [`quic`]: players over QUIC (quinn): native, and browsers through WebTransport
//!   on the same endpoint; snapshots as datagrams.
//! - [`sse`]: spectators over Server-Sent Events.

pub mod entry_check;
pub mod input_gate;
pub mod input_rate;
pub mod quic;
pub mod read_source;
pub mod session;
pub mod sse;
#[cfg(unix)]
pub mod taken_socket;
pub mod ws;
pub mod ws_direct;
pub mod ws_frame_head;
pub mod ws_read;
pub mod ws_taken;
