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
    // In cluster mode a recording another node has is redirected to it.
    let replay_files = Router::new()
        .route("/api/replays/{id}", get(replays::download))
        .route("/api/replays/{id}/events", get(replays::events))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::cluster::replays::redirect,
        ));
    let api = Router::new()
        .route("/api/rooms", get(api::list_rooms).post(api::create_room))
        .route("/api/rooms/events", get(api::rooms_events))
        .route("/api/rooms/{id}", get(api::get_room))
        .route("/api/rooms/{id}/join", post(api::join_room))
        .route("/api/rooms/{id}/events", get(api::room_events))
        .route("/api/matchmake", post(api::matchmake))
        .route("/api/nodes", get(api::nodes))
        .route("/api/admin/rooms/{id}/close", post(admin::close_room))
        .route("/api/admin/rooms/{id}/sessions", get(admin::sessions))
        .route("/api/admin/rooms/{id}/kick", post(admin::kick))
        .route("/api/games", get(api::games))
        .route("/api/games/{name}", get(api::game))
        .route("/api/maps", get(api::maps))
        .route("/api/maps/{name}", get(api::map))
        .route("/api/replays", get(crate::cluster::replays::list))
        .merge(replay_files)
        // Every lobby refusal answered above is counted, by reason.
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            api::count_lobby_refusals,
        ))
        // HTTP/1.1 upgrades (GET) and, over HTTP/2, RFC 8441 extended CONNECT.
        .route("/ws", get(net::ws::upgrade).connect(net::ws::upgrade))
        .route("/metrics", get(api::metrics))
        .route("/healthz", get(api::healthz));
    web::serve(api, web_dir.as_deref()).with_state(state)
}
