//! Replays anywhere: every node publishes the list of its recordings with its
//! heartbeat (`P:replays:{node}`, expiring with the node); `GET /api/replays` on any
//! node lists every live node's recordings with `node` and `url`, and a download or
//! playback asked of a node that does not have the file is redirected (307) to the
//! node that does.

use super::directory::DirectoryError;
use super::records::{self, NodeRecord};
use super::redis_dir::RedisDirectory;
use super::scripts;
use crate::http::AppState;
use crate::replay::store::valid_id;
use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(serde_json::json!({ "error": message.into() }))).into_response()
}

/// `GET /api/replays`: this node's recordings, or in cluster mode every live node's
/// (each with `node` and `url`), newest first.
pub async fn list(state: State<AppState>) -> Response {
    let Some(node) = state.directory.cluster().cloned() else {
        return crate::replay::routes::list(state).await;
    };
    match node.redis().replays().await {
        Ok(lists) => Json(merge(lists)).into_response(),
        Err(e) => {
            node.redis()
                .stats
                .unavailable
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            error(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
        }
    }
}

/// One list of every node's recordings (`(node record, that node's list)`), each
/// entry marked with its node, newest first.
pub fn merge(lists: Vec<(records::NodeRecord, Vec<Value>)>) -> Vec<Value> {
    let mut all: Vec<Value> = lists
        .into_iter()
        .flat_map(|(node, list)| {
            list.into_iter()
                .map(move |r| records::room_record(r, &node.id, &node.url))
        })
        .collect();
    let key = |v: &Value| {
        (
            v.get("start").and_then(Value::as_u64).unwrap_or(0),
            v.get("id").and_then(Value::as_str).unwrap_or("").to_owned(),
        )
    };
    all.sort_by_key(|v| std::cmp::Reverse(key(v)));
    all
}

/// Middleware of `/api/replays/{id}` and `/api/replays/{id}/events`: when this node
/// has no such file, redirect to the live node that lists it.
pub async fn redirect(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let Some(node) = s.directory.cluster().cloned() else {
        return next.run(req).await;
    };
    let id = req
        .uri()
        .path()
        .strip_prefix("/api/replays/")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("")
        .to_owned();
    let here = s.replays.path_of(&id).is_some_and(|p| p.is_file());
    if here || !valid_id(&id) {
        return next.run(req).await;
    }
    let owner = match node.redis().replays().await {
        Ok(lists) => lists.into_iter().find_map(|(n, list)| {
            list.iter()
                .any(|r| r.get("id").and_then(Value::as_str) == Some(id.as_str()))
                .then_some(n.url)
        }),
        Err(e) => return error(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    };
    let Some(url) = owner.filter(|u| *u != node.redis().node.public_url) else {
        return next.run(req).await;
    };
    let target = match req.uri().path_and_query() {
        Some(pq) => format!("{url}{pq}"),
        None => format!("{url}/api/replays/{id}"),
    };
    let mut res = StatusCode::TEMPORARY_REDIRECT.into_response();
    if let Ok(v) = HeaderValue::from_str(&target) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// The Redis side of replays anywhere.
impl RedisDirectory {
    /// Every live node with its recordings.
    pub async fn replays(&self) -> Result<Vec<(NodeRecord, Vec<Value>)>, DirectoryError> {
        let raws: Vec<String> = self.run(&scripts::LIST_REPLAYS.arg(self.prefix())).await?;
        Ok(raws
            .chunks(2)
            .filter_map(|pair| match pair {
                [node, list] => Some((
                    serde_json::from_str(node).ok()?,
                    serde_json::from_str(list).ok()?,
                )),
                _ => None,
            })
            .collect())
    }

    /// Keep this node's list of recordings alive in Redis; `list` is written when
    /// given. False when Redis had lost the list and none was given.
    pub async fn publish_replays(&self, list: Option<String>) -> Result<bool, DirectoryError> {
        let kept: i64 = self
            .run(
                scripts::REPLAYS
                    .arg(self.prefix())
                    .arg(&self.node.id)
                    .arg(self.config.node_ttl_ms)
                    .arg(list.unwrap_or_default()),
            )
            .await?;
        Ok(kept == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node(id: &str) -> records::NodeRecord {
        records::NodeRecord {
            id: id.into(),
            url: format!("http://{id}"),
            rooms: 0,
            players: 0,
            spectators: 0,
            draining: false,
            quic: None,
            webtransport: None,
        }
    }

    #[test]
    fn lists_merge_newest_first_with_their_node() {
        let merged = merge(vec![
            (
                node("a"),
                vec![
                    json!({"id": "r1", "start": 5}),
                    json!({"id": "r2", "start": 1}),
                ],
            ),
            (node("b"), vec![json!({"id": "r3", "start": 3})]),
        ]);
        let ids: Vec<&str> = merged.iter().map(|v| v["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["r1", "r3", "r2"]);
        assert_eq!(merged[1]["node"], "b");
        assert_eq!(merged[1]["url"], "http://b");
    }
}
