//! The browser client's files at `/`: the copy of `assets/web` compiled into the
//! binary (so `/` works from any working directory), or `--web-dir` for development.
//!
//! Built-in files carry a strong `ETag` (their SHA-256) and `Cache-Control: no-cache`:
//! a browser revalidates each load and gets `304 Not Modified` while the binary is
//! the same, so a new build is never hidden behind a stale cache.

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rust_embed::Embed;
use std::fmt::Write as _;
use tower_http::services::ServeDir;

/// `assets/web` as it was when the server was built.
#[derive(Embed)]
#[folder = "../assets/web"]
#[exclude = "package.json"]
struct WebAssets;

/// Where `/` is served from, for the startup log.
pub fn source(dir: Option<&std::path::Path>) -> String {
    match dir {
        Some(dir) => format!("directory {}", dir.display()),
        None => "built into the binary".to_owned(),
    }
}

/// Add the browser client as `router`'s fallback: `dir` when given, else the
/// built-in copy.
pub fn serve<S: Clone + Send + Sync + 'static>(
    router: Router<S>,
    dir: Option<&std::path::Path>,
) -> Router<S> {
    match dir {
        Some(dir) => {
            router.fallback_service(ServeDir::new(dir).append_index_html_on_directories(true))
        }
        None => router.fallback(embedded),
    }
}

/// The name of the built-in file for a request path (`/` and `dir/` mean `index.html`).
fn asset_name(path: &str) -> String {
    let name = path.trim_start_matches('/');
    if name.is_empty() || name.ends_with('/') {
        format!("{name}index.html")
    } else {
        name.to_owned()
    }
}

/// The `Content-Type` for a file's guessed MIME type (text is UTF-8).
fn content_type(mime: &str) -> String {
    let textual =
        mime.starts_with("text/") || matches!(mime, "application/javascript" | "application/json");
    if textual && !mime.contains("charset") {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_owned()
    }
}

/// A strong entity tag from a file's hash.
fn etag(hash: &[u8]) -> String {
    let mut tag = String::with_capacity(hash.len() * 2 + 2);
    tag.push('"');
    for byte in hash {
        let _ = write!(tag, "{byte:02x}");
    }
    tag.push('"');
    tag
}

/// Whether an `If-None-Match` header value names `tag` (or is `*`).
fn none_match(header_value: &str, tag: &str) -> bool {
    header_value
        .split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == tag)
}

fn json_error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
}

/// Serve a built-in file (`GET` or `HEAD`).
async fn embedded(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    if method != Method::GET && method != Method::HEAD {
        let mut response = json_error(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD");
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let Some(file) = WebAssets::get(&asset_name(uri.path())) else {
        return json_error(StatusCode::NOT_FOUND, "no such file");
    };
    let tag = etag(&file.metadata.sha256_hash());
    let mut response = if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| none_match(v, &tag))
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else if method == Method::HEAD {
        let mut head = StatusCode::OK.into_response();
        head.headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(file.data.len()));
        head
    } else {
        (StatusCode::OK, file.data.into_owned()).into_response()
    };
    let out = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&content_type(file.metadata.mimetype())) {
        out.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&tag) {
        out.insert(header::ETAG, value);
    }
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_mean_their_index() {
        assert_eq!(asset_name("/"), "index.html");
        assert_eq!(asset_name(""), "index.html");
        assert_eq!(asset_name("/js/main.js"), "js/main.js");
        assert_eq!(asset_name("/js/"), "js/index.html");
    }

    #[test]
    fn the_client_is_built_in() {
        assert!(WebAssets::get("index.html").is_some());
        assert!(WebAssets::get("js/main.js").is_some());
        // The game-agnostic SDK is served beside the demo pages, at /sdk/.
        for module in [
            "index",
            "schema",
            "codecs",
            "decode",
            "interpolate",
            "render",
        ] {
            assert!(
                WebAssets::get(&format!("sdk/{module}.js")).is_some(),
                "{module}"
            );
        }
        assert!(WebAssets::get("package.json").is_none());
        assert!(WebAssets::get("../Cargo.toml").is_none());
    }

    #[test]
    fn text_is_utf8_and_binary_is_not() {
        assert_eq!(content_type("text/html"), "text/html; charset=utf-8");
        assert_eq!(
            content_type("application/javascript"),
            "application/javascript; charset=utf-8"
        );
        assert_eq!(content_type("image/png"), "image/png");
    }

    #[test]
    fn if_none_match_lists_and_weak_tags() {
        let tag = etag(&[0xab, 0x01]);
        assert_eq!(tag, "\"ab01\"");
        assert!(none_match("\"x\", \"ab01\"", &tag));
        assert!(none_match("W/\"ab01\"", &tag));
        assert!(none_match("*", &tag));
        assert!(!none_match("\"ab02\"", &tag));
    }
}
