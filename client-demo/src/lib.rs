//! # tickcast-client
//!
//! A native client library for tickcast servers, and the engine of the
//! `tickcast-client` binary (`bots`, `play`).
//!
//! - [`lobby`]: the HTTP lobby API (list and create rooms, join, matchmake).
//! - [`connection`]: the WebSocket, every server frame size-checked before decoding.
//! - [`world_view`] and [`baseline`]: snapshots rebuilt from deltas against a ring
//!   of recently applied snapshots; the newest applied tick is what inputs acknowledge.
//! - [`prediction`]: the own player predicted with the shared `sim::move_player` and
//!   reconciled against the server's `last_input`.
//! - [`client`]: [`Client`], a player session tying the above together.
//! - [`bots`]: many bots in one process, summed into a [`BotReport`].
//! - `render` (feature `window`, on by default): drawing the arena with macroquad.
//!
//! Everything the server sends is treated as hostile: bounded in size before decoding,
//! typed errors ([`ClientError`]) after, no panics on peer data.
//!
//! ## Example
//!
//! Quick-join a server, walk right for a second, print what the world looks like:
//!
//! ```no_run
//! use tickcast_client::{Client, ClientConfig, Update};
//! use tickcast_shared::protocol::{Buttons, PlayerInput};
//!
//! # async fn demo() -> Result<(), tickcast_client::ClientError> {
//! let config = ClientConfig::default();
//! let mut client = Client::matchmake("http://127.0.0.1:8080", "alice", &config).await?;
//! let walk = PlayerInput { buttons: Buttons(Buttons::RIGHT), aim: 0.0 };
//! let mut every_tick = tokio::time::interval(std::time::Duration::from_millis(16));
//! for _ in 0..60 {
//!     tokio::select! {
//!         update = client.next_update() => match update {
//!             Ok(Update::Snapshot { tick, .. }) => println!("applied tick {}", tick.0),
//!             Ok(_) => {}
//!             Err(e) if e.is_recoverable() => eprintln!("skipped a frame: {e}"),
//!             Err(e) => return Err(e),
//!         },
//!         _ = every_tick.tick() => { client.send_input(walk).await?; }
//!     }
//! }
//! if let Some(me) = client.own() {
//!     println!("I am at {:?}, predicted {:?}", me.pos(), client.predicted());
//! }
//! client.leave().await
//! # }
//! ```
//!
//! See also `examples/quickjoin.rs`.

pub mod baseline;
pub mod bots;
pub mod client;
pub mod connection;
pub mod error;
pub mod lobby;
pub mod prediction;
#[cfg(feature = "window")]
pub mod render;
pub mod world_view;

pub use bots::{BotConfig, BotReport, parse_duration, run_bots};
pub use client::{Client, ClientConfig, Update, Welcome, load_map};
pub use error::ClientError;
pub use lobby::{CreateRoom, JoinTicket, Lobby, RoomId, RoomInfo};
