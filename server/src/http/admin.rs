//! `/api/admin/*`: operator routes, guarded by `[auth] admin_token`
//! (`Authorization: Bearer <admin_token>`; without it, or when no admin token is
//! configured, every admin route is `401`).
//!
//! - `POST /api/admin/rooms/{id}/close`: finish a live room now; its players get
//!   close `1000` "room closed by the operator", spectators the end event. `200`
//!   with the room, `404` unknown room, `409` already finished.

use super::AppState;
use super::api::ApiError;
use crate::auth::AuthError;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

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
        .map_err(|_| ApiError::from(crate::lobby::LobbyError::NotFound))?;
    let room = s.lobby.close(id)?;
    tracing::info!(room = %id, "room closed by the operator");
    Ok(Json(room).into_response())
}
