//! JSON lobby handlers, metrics and health.
//!
//! Errors are `{"error": "..."}` with a fitting status: 400 for a malformed body
//! or an unknown `"game"`, 404 for `GET /api/games/{name}` of an unknown game, 422 for invalid values, 404 unknown room, 409 full or finished room, 503 when the
//! server is at its room limit or entity budget, 429 when the caller's address has
//! its limit of live rooms, spent its share of the entity budget or holds its limit
//! of unredeemed seat tickets (the peer address comes from axum's `ConnectInfo`), 401
//! when a JWT is configured and the seat-taking call has no valid bearer token, or
//! `[lobby] create` refuses the caller (see [`crate::auth`]); in cluster mode also
//! 503 while Redis is unavailable or no live node takes new rooms, 404 for
//! `GET /api/nodes` when running alone. A private room without its invite code
//! (`?invite=` or `"invite"` in a join body) is 404, exactly like a room that does
//! not exist.

use super::AppState;
use crate::auth::{AuthError, Identity};
use crate::cluster::DirectoryError;
use crate::edge::takeover::TakeoverOffer;
use crate::lobby::budget::CreatePolicy;
use crate::lobby::{CreateRoom, LobbyError, RoomId};
use crate::metrics::LobbyRefusal;
use crate::net::sse;
use axum::Json;
use axum::extract::FromRequestParts;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{ConnectInfo, Extension, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(serde_json::json!({ "error": message.into() }))).into_response()
}

/// An API error: status and message, and the lobby's reason when it is a lobby
/// refusal (counted by [`count_lobby_refusals`]).
pub struct ApiError {
    status: StatusCode,
    message: String,
    lobby: Option<LobbyRefusal>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            lobby: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = error(self.status, self.message);
        if let Some(reason) = self.lobby {
            response.extensions_mut().insert(reason);
        }
        response
    }
}

impl From<LobbyError> for ApiError {
    fn from(e: LobbyError) -> Self {
        use LobbyRefusal as R;
        let (status, reason) = match e {
            LobbyError::NotFound => (StatusCode::NOT_FOUND, R::NotFound),
            LobbyError::Full => (StatusCode::CONFLICT, R::Full),
            LobbyError::Finished => (StatusCode::CONFLICT, R::Finished),
            LobbyError::UnknownMap(_) => (StatusCode::UNPROCESSABLE_ENTITY, R::UnknownMap),
            LobbyError::NoMaps(_) => (StatusCode::UNPROCESSABLE_ENTITY, R::NoMaps),
            LobbyError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, R::Invalid),
            LobbyError::UnknownGame(_) => (StatusCode::BAD_REQUEST, R::UnknownGame),
            LobbyError::TooManyRooms(_) => (StatusCode::SERVICE_UNAVAILABLE, R::TooManyRooms),
            LobbyError::EntityBudget(_) => (StatusCode::SERVICE_UNAVAILABLE, R::EntityBudget),
            LobbyError::AddressRooms(_) => (StatusCode::TOO_MANY_REQUESTS, R::AddressRooms),
            LobbyError::AddressEntities(_) => (StatusCode::TOO_MANY_REQUESTS, R::AddressEntities),
            LobbyError::AddressTickets(_) => (StatusCode::TOO_MANY_REQUESTS, R::AddressTickets),
            LobbyError::CreateRefused => (StatusCode::UNAUTHORIZED, R::CreateRefused),
        };
        ApiError {
            lobby: Some(reason),
            ..ApiError::new(status, e.to_string())
        }
    }
}

/// Middleware over the lobby API: counts every lobby refusal answered, by reason
/// (`tickcast_lobby_refused_total{reason}`), whichever handler answered it.
pub async fn count_lobby_refusals(
    State(s): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let response = next.run(request).await;
    if let Some(reason) = response.extensions().get::<LobbyRefusal>() {
        s.metrics.lobby_refusals.inc(*reason);
    }
    response
}

impl From<DirectoryError> for ApiError {
    fn from(e: DirectoryError) -> Self {
        match e {
            DirectoryError::Lobby(e) => e.into(),
            DirectoryError::NotClustered => ApiError::new(StatusCode::NOT_FOUND, e.to_string()),
            DirectoryError::NodeGone(_) => ApiError::new(StatusCode::GONE, e.to_string()),
            DirectoryError::Ticket(_) | DirectoryError::WrongNode(_) => {
                ApiError::new(StatusCode::UNAUTHORIZED, e.to_string())
            }
            DirectoryError::NoNode(_) | DirectoryError::Unavailable(_) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
            }
        }
    }
}

/// A JSON body, with axum's rejection turned into our error shape.
pub(super) fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(v)| v)
        .map_err(|e| ApiError::new(e.status(), e.body_text()))
}

/// The peer's IP address, from the `ConnectInfo<SocketAddr>` that
/// `into_make_service_with_connect_info` puts on every request. `None` when the
/// router is served without it: those requests then share one room budget, so a
/// missing address never lifts the limit.
pub struct Peer(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Peer, Self::Rejection> {
        let addr = parts.extensions.get::<ConnectInfo<SocketAddr>>();
        Ok(Peer(addr.map(|ConnectInfo(a)| a.ip())))
    }
}

fn room_id(raw: &str) -> Result<RoomId, ApiError> {
    raw.parse().map_err(|_| LobbyError::NotFound.into())
}

pub async fn list_rooms(State(s): State<AppState>) -> Result<Response, ApiError> {
    Ok(Json(s.directory.list().await?).into_response())
}

/// `GET /api/nodes`: the cluster's live nodes.
pub async fn nodes(State(s): State<AppState>) -> Result<Response, ApiError> {
    Ok(Json(s.directory.nodes().await?).into_response())
}

/// The caller's verified identity (`None`: the lobby is open), or 401.
fn identify(s: &AppState, headers: &HeaderMap) -> Result<Option<Identity>, ApiError> {
    s.auth.identify(headers).map_err(|e| {
        s.metrics.limits.auth_refused.inc();
        s.metrics.lobby_guards.auth_refused(e.reason());
        ApiError::new(StatusCode::UNAUTHORIZED, e.to_string())
    })
}

/// Whether the caller may create rooms under `[lobby] create`.
fn may_create(s: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    match s.config.lobby.create {
        CreatePolicy::Anyone => Ok(()),
        CreatePolicy::Authenticated => identify(s, headers).map(|_| ()),
        CreatePolicy::Admin if s.auth.is_admin(headers) => Ok(()),
        CreatePolicy::Admin => {
            s.metrics.limits.auth_refused.inc();
            s.metrics
                .lobby_guards
                .auth_refused(crate::auth::Refusal::NotAdmin);
            Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                AuthError::NotAdmin.to_string(),
            ))
        }
    }
}

/// The display name: the token's `name` when it has one, else the body's.
fn display_name(identity: Option<&Identity>, asked: String) -> String {
    identity.and_then(|i| i.name.clone()).unwrap_or(asked)
}

pub async fn create_room(
    State(s): State<AppState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    req: Result<Json<CreateRoom>, JsonRejection>,
) -> Result<Response, ApiError> {
    may_create(&s, &headers)?;
    let info = s.directory.create(body(req)?, peer).await?;
    Ok((StatusCode::CREATED, Json(info)).into_response())
}

/// `?invite=CODE`: a private room's invite code.
#[derive(Debug, Default, Deserialize)]
pub struct InviteQuery {
    invite: Option<String>,
}

/// The invite of a query, with a malformed query refused.
fn invite(q: Result<Query<InviteQuery>, QueryRejection>) -> Result<Option<String>, ApiError> {
    q.map(|Query(q)| q.invite)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.body_text()))
}

pub async fn get_room(
    State(s): State<AppState>,
    Path(id): Path<String>,
    q: Result<Query<InviteQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let invite = invite(q)?;
    Ok(Json(s.directory.room(&id, invite.as_deref()).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinBody {
    name: String,
    #[serde(default)]
    map: Option<String>,
    /// The game to play (matchmaking; default: the catalog's first).
    #[serde(default)]
    game: Option<String>,
    /// A private room's invite code (or `?invite=`).
    #[serde(default)]
    invite: Option<String>,
}

pub async fn join_room(
    State(s): State<AppState>,
    Peer(peer): Peer,
    Path(id): Path<String>,
    q: Result<Query<InviteQuery>, QueryRejection>,
    headers: HeaderMap,
    req: Result<Json<JoinBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let identity = identify(&s, &headers)?;
    let from_query = invite(q)?;
    let req = body(req)?;
    let invite = req.invite.or(from_query);
    let name = display_name(identity.as_ref(), req.name);
    let sub = identity.as_ref().map(|i| i.sub.as_str());
    let answer = s
        .directory
        .join(&id, &name, sub, invite.as_deref(), peer)
        .await?;
    Ok(Json(answer).into_response())
}

pub async fn matchmake(
    State(s): State<AppState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    req: Result<Json<JoinBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let identity = identify(&s, &headers)?;
    let req = body(req)?;
    let name = display_name(identity.as_ref(), req.name);
    let sub = identity.as_ref().map(|i| i.sub.as_str());
    // A verified identity (or an open lobby) already passed `identify`; only the
    // admin policy can refuse here, and only when a room would be created.
    let may_create = match s.config.lobby.create {
        CreatePolicy::Admin => s.auth.is_admin(&headers),
        CreatePolicy::Anyone | CreatePolicy::Authenticated => true,
    };
    let answer = s
        .directory
        .matchmake(
            &name,
            sub,
            req.game.as_deref(),
            req.map.as_deref(),
            peer,
            may_create,
        )
        .await;
    if matches!(
        answer,
        Err(DirectoryError::Lobby(LobbyError::CreateRefused))
    ) {
        s.metrics.limits.auth_refused.inc();
    }
    Ok(Json(answer?).into_response())
}

/// `?lastEventId=ID` of the room list stream.
#[derive(Debug, Default, Deserialize)]
pub struct ListStreamQuery {
    #[serde(rename = "lastEventId")]
    last_event_id: Option<String>,
}

/// `GET /api/rooms/events`: the room list as SSE (see [`crate::lobby::feed`]).
pub async fn rooms_events(
    State(s): State<AppState>,
    q: Result<Query<ListStreamQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let q = q.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.body_text()))?;
    let cursor = crate::lobby::feed::cursor(&headers, q.last_event_id.as_deref());
    let slot = match s.lobby_feed.reserve() {
        Ok(slot) => slot,
        Err(full) => return Ok(full.into_response()),
    };
    let directory = s.directory.clone();
    s.lobby_feed
        .refresh(async { directory.list().await }, true)
        .await?;
    Ok(s.lobby_feed.respond(slot, &cursor))
}

pub async fn room_events(
    State(s): State<AppState>,
    Path(id): Path<String>,
    q: Result<Query<InviteQuery>, QueryRejection>,
    query: Result<Query<sse::StreamQuery>, QueryRejection>,
    offer: Option<Extension<TakeoverOffer>>,
    headers: HeaderMap,
) -> Response {
    let offer = offer.map(|Extension(o)| o);
    let invite = q.ok().and_then(|Query(q)| q.invite);
    let room = room_id(&id)
        .ok()
        .and_then(|id| s.lobby.find(id, invite.as_deref()).ok());
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let Some(format) = sse::format_of(&query) else {
        return sse::bad_format();
    };
    let cursor = sse::cursor(&headers, query.last_event_id.as_deref());
    if let Some(room) = room {
        return sse::respond(Some(&room.hub), cursor, format, &s.metrics, offer);
    }
    // In cluster mode a room of another node is watched through its mirror here:
    // the same entries (same ids, both formats), so the cursor resumes exactly.
    // When the directory cannot say (Redis away), the answer is 503 to retry, never
    // 404: a browser's EventSource gives up on a 404 for good.
    let mirror = match s.directory.cluster() {
        Some(node) => match crate::cluster::spec::mirror(node, &id, invite.as_deref()).await {
            Ok(mirror) => mirror,
            Err(e) => return sse::unavailable(&e.to_string()),
        },
        None => None,
    };
    sse::respond(mirror.as_ref(), cursor, format, &s.metrics, offer)
}

/// `GET /api/games`: the games this server runs (name, schema hash, description).
pub async fn games(State(s): State<AppState>) -> Response {
    Json(s.lobby.games().list()).into_response()
}

/// `GET /api/games/{name}`: one game with its schema descriptor.
pub async fn game(
    State(s): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    s.lobby
        .games()
        .detail(&name)
        .map(|detail| Json(detail).into_response())
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "no such game"))
}

pub async fn maps(State(s): State<AppState>) -> Response {
    Json(s.lobby.map_names()).into_response()
}

/// `GET /api/maps/{name}`: a map's view as its game reads it (the arena's: its
/// geometry), for browser clients that draw the map and predict their player.
pub async fn map(State(s): State<AppState>, Path(name): Path<String>) -> Response {
    match s.lobby.map_view(&name) {
        Some(view) => (
            [(header::CONTENT_TYPE, "application/json")],
            view.to_owned(),
        )
            .into_response(),
        None => error(StatusCode::NOT_FOUND, format!("no map named {name:?}")),
    }
}

pub async fn metrics(State(s): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        {
            s.metrics
                .spectators
                .set(i64::try_from(s.spectators.get()).unwrap_or(i64::MAX));
            let mut text = s.metrics.render();
            if let Some(node) = s.directory.cluster() {
                node.redis().stats.render(&mut text);
            }
            text
        },
    )
        .into_response()
}

pub async fn healthz() -> &'static str {
    "ok"
}
