//! # tickcast-client
//!
//! A native client library for tickcast servers, and the engine of the
//! `tickcast-client` binary (`bots`, `play`).
//!
//! - [`lobby`]: the HTTP lobby API (list and create rooms, join, matchmake).
//! - [`connection`]: one connection over either transport, every server message
//!   size-checked before decoding; [`ws_link`] and [`quic_link`] are the two links,
//!   [`quic_inbox`] the QUIC reading tasks, [`cert_pin`] the QUIC certificate pin.
//! - [`world_view`] and [`baseline`]: snapshots rebuilt from deltas against a ring
//!   of recently applied snapshots; the newest applied tick is what inputs acknowledge.
//! - [`link_conditioner`]: a simulated bad network (latency, jitter, loss; presets
//!   `good`, `average`, `poor`), which [`conditioned_link`] puts in front of either
//!   link when [`ClientConfig::link`] is set (`--link` on `bots` and `play`).
//! - [`input_clock`]: the input timeline (a fixed-rate schedule on a monotonic clock,
//!   sped up or slowed down to hold the lead the server reports);
//!   [`server_clock`]: server ticks mapped to local time (interpolation delay,
//!   extrapolation); [`net_stats`]: input delay, corrections, extrapolated frames.
//! - [`reconnect`]: after a drop the client comes back by itself with its resume
//!   token (exponential backoff with jitter, capped; [`ClientConfig::reconnect`]).
//! - [`prediction`]: the own player predicted with the shared `sim::move_player` and
//!   reconciled against the server's `last_input` (the arena);
//!   [`row_prediction`]: the same for any other game of the catalog, on rows, by
//!   the game's own predictor.
//! - [`games`]: the catalog of games this client was built for and what it does with
//!   any game's schema (input values, event rows); [`arena`]: the arena's typed
//!   glue (its input, events, map and `EntityState`s).
//! - [`client`]: [`Client`], a player session tying the above together;
//!   [`seat`] seats it (ticket or resume token, `Hello`, `Welcome`) and
//!   [`config`] holds its [`ClientConfig`].
//! - [`bots`]: many bots in one process, summed into a [`BotReport`]; [`brain`]
//!   decides a playing bot's seeded inputs.
//! - `render` (feature `window`, on by default): drawing the arena with macroquad;
//!   [`row_shapes`] turns any game's rows into shapes by the schema's render roles,
//!   and `render_rows` (feature `window`) draws them (the replay window of a game
//!   other than the arena).
//!
//! Everything the server sends is treated as hostile: bounded in size before decoding,
//! typed errors ([`ClientError`]) after, no panics on peer data.
//!
//! ## Transports
//!
//! [`ClientConfig::transport`] picks how a [`Client`] reaches the server; the lobby
//! calls are HTTP either way and the messages are the same bincode envelopes.
//!
//! - [`Transport::WebSocket`] (the default): `ws://…/ws?ticket=…` on the HTTP
//!   listener, one binary frame per message, reliable and ordered.
//! - [`Transport::Quic`]: the lobby's join answer announces `"quic": {"port",
//!   "cert_sha256"}` ([`QuicInfo`]) when the server offers it (otherwise
//!   [`ClientError::NoQuic`]). The client connects over UDP to the lobby's host at
//!   that port, ALPN `tickcast/1`, and accepts exactly the certificate with that
//!   SHA-256. Control messages travel on one length-prefixed bidirectional stream;
//!   snapshots come as datagrams, or one per unidirectional stream when too large,
//!   so they may be reordered or lost: a late snapshot and (on QUIC) a delta whose
//!   baseline is gone are skipped and counted ([`world_view::ViewCounts`]), and the
//!   acknowledgement carried by every input lets the server catch up. A close is
//!   [`ClientError::Closed`] with the same codes as the WebSocket's
//!   ([`tickcast_shared::quic::close`]). Wire details: [`tickcast_shared::quic`].
//!
//! The `tickcast-client` binary takes `--transport ws|quic` on `bots` and `play`.
//!
//! ## Example
//!
//! Quick-join a server, walk right for a second, print what the world looks like:
//!
//! ```no_run
//! use tickcast_client::{Client, ClientConfig, Update};
//! use tickcast_shared::sim::{Buttons, PlayerInput};
//!
//! # async fn demo() -> Result<(), tickcast_client::ClientError> {
//! let config = ClientConfig::default();
//! let mut client = Client::matchmake("http://127.0.0.1:8080", "alice", &config).await?;
//! let walk = PlayerInput { buttons: Buttons(Buttons::RIGHT), aim: 0.0 };
//! let mut sent = 0;
//! while sent < 60 {
//!     // Inputs follow the input timeline: due at the server's tick rate, nudged to
//!     // arrive just ahead of the tick that consumes them.
//!     let due = client.next_input_at();
//!     tokio::select! {
//!         update = client.next_update() => match update {
//!             Ok(Update::Snapshot { tick, .. }) => println!("applied tick {}", tick.0),
//!             Ok(_) => {}
//!             Err(e) if e.is_recoverable() => eprintln!("skipped a frame: {e}"),
//!             Err(e) => return Err(e),
//!         },
//!         _ = tokio::time::sleep_until(due) => {
//!             for _ in 0..client.inputs_due(tokio::time::Instant::now()) {
//!                 client.send_input(walk).await?;
//!                 sent += 1;
//!             }
//!         }
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

pub mod arena;
pub mod baseline;
pub mod bots;
pub mod brain;
pub mod cert_pin;
pub mod client;
pub mod conditioned_link;
pub mod config;
pub mod connection;
pub mod error;
pub mod games;
pub mod input_clock;
pub mod link_conditioner;
pub mod lobby;
pub mod net_stats;
pub mod prediction;
pub mod quic_inbox;
pub mod quic_link;
pub mod reconnect;
#[cfg(feature = "window")]
pub mod render;
#[cfg(feature = "window")]
pub mod render_rows;
pub mod row_prediction;
pub mod row_shapes;
pub mod seat;
pub mod server_clock;
pub mod tls;
pub mod world_view;
pub mod ws_link;

pub use bots::{BotConfig, BotReport, SeatedRoom, parse_duration, run_bots};
pub use client::{Client, Update, Welcome, load_map};
pub use config::ClientConfig;
pub use connection::Transport;
pub use error::ClientError;
pub use link_conditioner::LinkSpec;
pub use lobby::{CreateRoom, JoinTicket, Lobby, QuicInfo, RoomId, RoomInfo};
pub use seat::Target;
