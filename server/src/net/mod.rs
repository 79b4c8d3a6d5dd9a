//! Transports: each maps bytes to protocol messages and sessions, nothing else.
//! Game rules live in the room; a transport only talks to a room through its inbox
//! and its [`crate::room::SessionLink`].

pub mod sse;
pub mod ws;
