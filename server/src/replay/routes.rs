//! HTTP handlers for recordings.
//!
//! - `GET /api/replays`: JSON list of [`ReplaySummary`](super::ReplaySummary), newest
//!   first;
//! - `GET /api/replays/{id}`: the file, `application/octet-stream` (a recording in
//!   progress is served as far as it is written);
//! - `GET /api/replays/{id}/events?speed=1&from=0`: SSE playback ([`super::playback`];
//!   `speed` 0.25 to 16, `from` a tick, `format` json or binary; `Last-Event-ID` or
//!   `lastEventId` resumes).
//!
//! A private room's recording is not listed, and the file and playback routes answer
//! 404 for it unless `?invite=` carries the room's invite code.
//!
//! Errors are `{"error": "..."}`: 400 for a malformed id or query (an id is checked
//! before any path is built, so `../` never reaches the disk), 404 for no such
//! recording, 422 for a file that is too large to serve or has no readable header,
//! 503 when all playbacks are taken.

use super::playback::{StreamPlan, stream};
use super::store::valid_id;
use crate::ctx::ServerCtx;
use crate::net::sse::{Cursor, cursor};
use axum::Json;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tickcast_shared::protocol::Tick;
use tickcast_shared::replay::{ReplayReader, SeekIndex};
use tickcast_shared::spectate::Format;
use tokio::sync::mpsc;

/// Slowest and fastest playback.
const SPEEDS: std::ops::RangeInclusive<f64> = 0.25..=16.0;
/// SSE chunks buffered between the playback task and the socket.
const STREAM_BUFFER: usize = 16;

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(serde_json::json!({ "error": message.into() }))).into_response()
}

/// `?invite=` on recording routes: a private room's recording needs it.
#[derive(Debug, Default, Deserialize)]
pub struct InviteQuery {
    invite: Option<String>,
}

/// Read a recording's bytes, with the HTTP error when that is not possible. A
/// private room's recording without its invite is "no such replay", like a missing
/// one.
async fn read(s: &ServerCtx, id: &str, invite: Option<&str>) -> Result<Vec<u8>, Response> {
    let store = &s.replays;
    let Some(path) = store.path_of(id) else {
        return Err(error(StatusCode::BAD_REQUEST, "malformed replay id"));
    };
    let meta = match tokio::fs::metadata(&path).await {
        Ok(meta) if meta.is_file() => meta,
        _ => return Err(error(StatusCode::NOT_FOUND, "no such replay")),
    };
    let max = store.config().max_file_bytes;
    if meta.len() > max {
        return Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("replay is larger than the {max}-byte limit"),
        ));
    }
    let bytes = tokio::fs::read(&path).await.map_err(|e| {
        tracing::warn!(replay = %id, error = %e, "cannot read replay");
        error(StatusCode::NOT_FOUND, "no such replay")
    })?;
    // A file whose header does not read is served as before (it names no invite);
    // one that names an invite needs it.
    let wanted = ReplayReader::open(&bytes)
        .ok()
        .and_then(|r| r.header().invite.clone());
    if let Some(wanted) = wanted {
        if !invite.is_some_and(|given| crate::lobby::token::same_secret(&wanted, given)) {
            return Err(error(StatusCode::NOT_FOUND, "no such replay"));
        }
    }
    Ok(bytes)
}

pub async fn list(State(s): State<ServerCtx>) -> Response {
    let store = std::sync::Arc::clone(&s.replays);
    match tokio::task::spawn_blocking(move || store.list()).await {
        Ok(list) => Json(list).into_response(),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "listing failed"),
    }
}

pub async fn download(
    State(s): State<ServerCtx>,
    Path(id): Path<String>,
    query: Result<Query<InviteQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return error(StatusCode::BAD_REQUEST, "query: invite=<code>");
    };
    let bytes = match read(&s, &id, query.invite.as_deref()).await {
        Ok(bytes) => bytes,
        Err(res) => return res,
    };
    let mut res = Response::new(Body::from(bytes));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    // `id` passed `valid_id`: only [a-z0-9-], safe inside the quotes.
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{id}.tcr\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

#[derive(Debug, Deserialize)]
pub struct EventsQuery {
    speed: Option<f64>,
    from: Option<u32>,
    #[serde(rename = "lastEventId")]
    last_event_id: Option<String>,
    format: Option<String>,
    invite: Option<String>,
}

pub async fn events(
    State(s): State<ServerCtx>,
    Path(id): Path<String>,
    query: Result<Query<EventsQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    if !valid_id(&id) {
        return error(StatusCode::BAD_REQUEST, "malformed replay id");
    }
    let Ok(Query(query)) = query else {
        return error(
            StatusCode::BAD_REQUEST,
            "query: speed=<0.25..16>&from=<tick>",
        );
    };
    let Some(format) = Format::parse(query.format.as_deref()) else {
        return error(StatusCode::BAD_REQUEST, "format must be json or binary");
    };
    let speed = query.speed.unwrap_or(1.0);
    if !SPEEDS.contains(&speed) {
        return error(StatusCode::BAD_REQUEST, "speed must be 0.25 to 16");
    }
    let Some(permit) = s.replays.try_playback() else {
        let mut res = error(StatusCode::SERVICE_UNAVAILABLE, "too many replay playbacks");
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        return res;
    };
    let bytes = match read(&s, &id, query.invite.as_deref()).await {
        Ok(bytes) => bytes,
        Err(res) => return res,
    };
    let indexed = tokio::task::spawn_blocking(move || {
        let index = SeekIndex::build(&bytes);
        (bytes, index)
    })
    .await;
    let (bytes, index) = match indexed {
        Ok((bytes, Ok(index))) => (bytes, index),
        Ok((_, Err(stop))) => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("unreadable replay: {stop}"),
            );
        }
        Err(_) => return error(StatusCode::INTERNAL_SERVER_ERROR, "indexing failed"),
    };
    let resume_after = match cursor(&headers, query.last_event_id.as_deref()) {
        Cursor::After(id) => Some(id),
        Cursor::Fresh | Cursor::Unreadable => None,
    };
    let start = match resume_after {
        Some(id) => id.tick(),
        None => {
            let from = Tick(query.from.unwrap_or(0));
            index.keyframe_at_or_before(from).unwrap_or(Tick(0))
        }
    };
    let plan = StreamPlan {
        start,
        index,
        resume_after,
        format,
        metrics: std::sync::Arc::clone(&s.metrics),
        speed,
        spectators: s.config.spectators.clone(),
        permit,
        shutdown: s.shutdown.clone(),
    };
    let (tx, rx) = mpsc::channel(STREAM_BUFFER);
    tokio::spawn(stream(bytes, plan, tx));
    crate::net::sse::event_stream(crate::net::sse::body_of(rx))
}
