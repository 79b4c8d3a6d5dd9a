//! The one HTTP listener: lobby API, player WebSocket, spectator SSE, metrics and
//! the browser client's files.

pub mod admin;
pub mod api;
pub mod web;

use crate::net;
use crate::replay::routes as replays;
use axum::Router;
use axum::routing::{get, post};

/// What every handler can reach: the server's shared context.
pub type AppState = crate::ctx::ServerCtx;

/// All routes.
pub fn router(state: AppState) -> Router {
    let web_dir = state.config.web_dir.clone();
    let api = Router::new()
        .route("/api/rooms", get(api::list_rooms).post(api::create_room))
        .route("/api/rooms/{id}", get(api::get_room))
        .route("/api/rooms/{id}/join", post(api::join_room))
        .route("/api/rooms/{id}/events", get(api::room_events))
        .route("/api/matchmake", post(api::matchmake))
        .route("/api/admin/rooms/{id}/close", post(admin::close_room))
        .route("/api/maps", get(api::maps))
        .route("/api/maps/{name}", get(api::map))
        .route("/api/replays", get(replays::list))
        .route("/api/replays/{id}", get(replays::download))
        .route("/api/replays/{id}/events", get(replays::events))
        .route("/ws", get(net::ws::upgrade))
        .route("/metrics", get(api::metrics))
        .route("/healthz", get(api::healthz));
    web::serve(api, web_dir.as_deref()).with_state(state)
}
