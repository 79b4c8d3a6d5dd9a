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
//! recording (or anything but a regular file directly in the directory: a symlink,
//! a FIFO), 422 for a file that is too large to serve or whose header is unreadable
//! or out of bounds (counted, `tickcast_replays_unreadable_total`), 422 for a
//! playback of a game this server does not have (`unknown game NAME`) or has
//! another build of with another schema (counted,
//! `tickcast_replays_unplayable_total`; the file still downloads; another build
//! with the same schema plays its keyframes, [`super::keyframes`]), 429 when the
//! address has `max_downloads_per_ip` downloads open, 503 when all playbacks are
//! taken. Downloads are streamed from disk ([`super::download`]).

use super::download::{self, Download};
use super::keyframes;
use super::playback::{StreamPlan, stream};
use super::store::{OpenError, ReplayStore, valid_id};
use crate::ctx::ServerCtx;
use crate::net::sse::{Cursor, cursor};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Extension, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::net::SocketAddr;
use std::time::Duration;
use tickcast_shared::protocol::Tick;
use tickcast_shared::replay::{self, ReplayReader, SeekIndex, bounds, game_for};
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

/// The HTTP answer to a recording that cannot be opened.
fn open_error(e: OpenError) -> Response {
    match e {
        OpenError::Malformed => error(StatusCode::BAD_REQUEST, "malformed replay id"),
        OpenError::Missing => error(StatusCode::NOT_FOUND, "no such replay"),
        OpenError::TooLarge(max) => error(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("replay is larger than the {max}-byte limit"),
        ),
    }
}

/// Check a recording's header (readable, within the bounds) and, for a private
/// room's recording, the invite: one without it is "no such replay", like a
/// missing one. `start`: the file's first bytes, at least its header record.
/// `None`: admitted; else the answer.
fn refusal(s: &ServerCtx, start: &[u8], invite: Option<&str>) -> Option<Response> {
    let reader = match ReplayReader::open(start) {
        Ok(reader) => reader,
        Err(stop) => {
            s.replays.metrics().unreadable.inc();
            return Some(error(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("unreadable replay: {stop}"),
            ));
        }
    };
    let wanted = reader.header().invite.as_deref()?;
    if invite.is_some_and(|given| crate::secrets::same_secret(wanted, given)) {
        return None;
    }
    Some(error(StatusCode::NOT_FOUND, "no such replay"))
}

/// Read a whole recording (for a playback), with the HTTP error when that is not
/// possible.
async fn read(s: &ServerCtx, id: &str, invite: Option<&str>) -> Result<Vec<u8>, Response> {
    let (store, owned) = (std::sync::Arc::clone(&s.replays), id.to_owned());
    let bytes = tokio::task::spawn_blocking(move || store.read(&owned))
        .await
        .map_err(|_| error(StatusCode::INTERNAL_SERVER_ERROR, "reading failed"))?
        .map_err(open_error)?;
    match refusal(s, &bytes, invite) {
        Some(res) => Err(res),
        None => Ok(bytes),
    }
}

/// Open a recording for a download: the file, its first bytes (up to the end of
/// its header record, never more than the header bound) and its size.
fn open_download(
    store: &ReplayStore,
    id: &str,
) -> Result<(std::fs::File, Vec<u8>, u64), OpenError> {
    let (mut file, size) = store.open(id)?;
    // Prefix (magic, version) and the header record's length and checksum.
    let mut start = vec![0u8; 18];
    let got = read_up_to(&mut file, &mut start)?;
    start.truncate(got);
    let len = start
        .get(10..14)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, u32::from_le_bytes)
        .min(bounds::MAX_HEADER_RECORD_LEN);
    let mut record = vec![0u8; len as usize];
    let got = read_up_to(&mut file, &mut record)?;
    record.truncate(got);
    start.extend_from_slice(&record);
    Ok((file, start, size))
}

/// Fill `buf` from `file` as far as the file goes; the bytes read.
fn read_up_to(file: &mut std::fs::File, buf: &mut [u8]) -> Result<usize, OpenError> {
    use std::io::Read;
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..).filter(|r| !r.is_empty()) {
        match file.read(rest) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return Err(OpenError::Missing),
        }
    }
    Ok(filled)
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
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
) -> Response {
    let Ok(Query(query)) = query else {
        return error(StatusCode::BAD_REQUEST, "query: invite=<code>");
    };
    if !valid_id(&id) {
        return error(StatusCode::BAD_REQUEST, "malformed replay id");
    }
    let ip = peer.map(|Extension(ConnectInfo(addr))| addr.ip());
    let Some(permit) = s.replays.try_download(ip) else {
        let mut res = error(
            StatusCode::TOO_MANY_REQUESTS,
            "too many replay downloads from this address",
        );
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        return res;
    };
    let (store, owned) = (std::sync::Arc::clone(&s.replays), id.clone());
    let opened = match tokio::task::spawn_blocking(move || open_download(&store, &owned)).await {
        Ok(Ok(opened)) => opened,
        Ok(Err(e)) => return open_error(e),
        Err(_) => return error(StatusCode::INTERNAL_SERVER_ERROR, "reading failed"),
    };
    let (file, head, size) = opened;
    if let Some(res) = refusal(&s, &head, query.invite.as_deref()) {
        return res;
    }
    let config = s.replays.config();
    let timeout = Duration::from_secs_f64(config.download_timeout_secs);
    let transfer = Download {
        file,
        head,
        size,
        permit,
    };
    let mut res = Response::new(download::body(transfer, timeout));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
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
    let here = (s.replays.games().iter())
        .find(|g| g.name() == index.header.game)
        .copied();
    let keyframes_of = match game_for(s.replays.games(), &index.header) {
        Ok(_) => None,
        // Another build of the game, with the same schema: its keyframes play.
        Err(replay::OpenError::BuildMismatch { .. })
            if here.is_some_and(|g| keyframes::playable(&g, &bytes)) =>
        {
            here
        }
        Err(e) => {
            s.replays.metrics().unplayable.inc();
            return error(StatusCode::UNPROCESSABLE_ENTITY, e.to_string());
        }
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
        games: s.replays.games().to_vec(),
        keyframes_of,
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
