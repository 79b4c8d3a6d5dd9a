//! `/api/admin/*`: operator routes, guarded by `[auth] admin_token`
//! (`Authorization: Bearer <admin_token>`; without it, or when no admin token is
//! configured, every admin route is `401`).
//!
//! - `POST /api/admin/rooms/{id}/close`: finish a live room now; its players get
//!   close `1000` "room closed by the operator", spectators the end event. `200`
//!   with the room, `404` unknown room, `409` already finished.
//! - `GET /api/admin/rooms/{id}/sessions`: the seated players and their connections.
//! - `POST /api/admin/rooms/{id}/kick` `{"player": N}`: the player's connection
//!   closes with `4403` "kicked by the operator" and its seat is freed. `200`,
//!   `404` unknown room or player, `409` finished room.
//!
//! The last two ask the room task (through its bounded inbox): a full inbox is
//! `503`, and so is a room that does not answer within `[auth] admin_answer_ms`.

use super::AppState;
use super::api::ApiError;
use crate::auth::AuthError;
use crate::lobby::LobbyError;
use crate::room::players::SessionInfo;
use crate::room::{RoomCmd, RoomShared, RoomState};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;
use tickcast_shared::protocol::PlayerId;
use tokio::sync::oneshot;

/// 401 unless the request carries the admin token.
fn admin(s: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    if s.auth.is_admin(headers) {
        Ok(())
    } else {
        s.metrics.limits.auth_refused.inc();
        Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            AuthError::NotAdmin.to_string(),
        ))
    }
}

pub async fn close_room(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    admin(&s, &headers)?;
    let id = id
        .parse()
        .map_err(|_| ApiError::from(LobbyError::NotFound))?;
    let room = s.lobby.close(id)?;
    tracing::info!(room = %id, "room closed by the operator");
    Ok(Json(room).into_response())
}

/// A live room by id (private or not), else 404 / 409.
fn live_room(s: &AppState, id: &str) -> Result<Arc<RoomShared>, ApiError> {
    let id = id
        .parse()
        .map_err(|_| ApiError::from(LobbyError::NotFound))?;
    let room = s.lobby.get(id).ok_or(LobbyError::NotFound)?;
    if room.state() == RoomState::Finished {
        return Err(LobbyError::Finished.into());
    }
    Ok(room)
}

/// Send `cmd` to the room and wait up to `wait` (`[auth] admin_answer_ms`) for its
/// answer on `rx`.
async fn ask<T>(
    room: &RoomShared,
    wait: Duration,
    cmd: RoomCmd,
    rx: oneshot::Receiver<T>,
) -> Result<T, ApiError> {
    let busy = |what: &str| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, what.to_owned());
    room.inbox.try_send(cmd).map_err(|e| match e {
        tokio::sync::mpsc::error::TrySendError::Full(_) => busy("the room is busy, try again"),
        tokio::sync::mpsc::error::TrySendError::Closed(_) => ApiError::from(LobbyError::Finished),
    })?;
    match tokio::time::timeout(wait, rx).await {
        Ok(Ok(answer)) => Ok(answer),
        // The room finished with the command in its inbox.
        Ok(Err(_)) => Err(LobbyError::Finished.into()),
        Err(_) => Err(busy("the room did not answer in time")),
    }
}

pub async fn sessions(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Vec<SessionInfo>>, ApiError> {
    admin(&s, &headers)?;
    let room = live_room(&s, &id)?;
    let (reply, rx) = oneshot::channel();
    Ok(Json(
        ask(
            &room,
            s.auth.admin_answer(),
            RoomCmd::Sessions { reply },
            rx,
        )
        .await?,
    ))
}

/// `POST /api/admin/rooms/{id}/kick` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kick {
    pub player: PlayerId,
}

pub async fn kick(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    req: Result<Json<Kick>, JsonRejection>,
) -> Result<Response, ApiError> {
    admin(&s, &headers)?;
    let room = live_room(&s, &id)?;
    let Kick { player } = super::api::body(req)?;
    let (reply, rx) = oneshot::channel();
    let wait = s.auth.admin_answer();
    if ask(&room, wait, RoomCmd::Kick { player, reply }, rx).await? {
        tracing::info!(room = %room.id, player = player.0, "player kicked by the operator");
        Ok(Json(serde_json::json!({ "kicked": player })).into_response())
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no such player in the room",
        ))
    }
}
