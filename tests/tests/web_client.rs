//! The browser client is built into the server binary: a server started in an empty
//! working directory serves `/` and its JavaScript modules with the right content
//! types and revalidating caches, and `--web-dir` still overrides the built-in copy.

use std::path::PathBuf;
use tickcast_tests::http::exchange;
use tickcast_tests::server::TestServer;

/// A fresh empty directory under the system temp dir (no `assets/` anywhere near it).
fn empty_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tickcast-web-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    dir
}

fn header(headers: &hyper::HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn built_in_client_is_served_from_any_directory() {
    let dir = empty_dir("builtin");
    let server = TestServer::start_in(&dir, &[]).await;
    let repo = concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/web");

    let (status, headers, body) = exchange(server.addr, "GET", "/", None, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), "text/html; charset=utf-8");
    assert_eq!(header(&headers, "cache-control"), "no-cache");
    let index = std::fs::read(format!("{repo}/index.html")).expect("index.html");
    assert_eq!(body, index, "/ is assets/web/index.html");

    let (status, headers, body) = exchange(server.addr, "GET", "/js/main.js", None, &[]).await;
    assert_eq!(status, 200);
    let js_type = header(&headers, "content-type");
    assert!(
        js_type.starts_with("text/javascript") || js_type.starts_with("application/javascript"),
        "a module needs a JavaScript type, got {js_type:?}"
    );
    let main = std::fs::read(format!("{repo}/js/main.js")).expect("main.js");
    assert_eq!(body, main);

    let (_, css, _) = exchange(server.addr, "GET", "/style.css", None, &[]).await;
    assert_eq!(header(&css, "content-type"), "text/css; charset=utf-8");

    // Revalidation: the same tag answers 304 with no body; another tag gets the file.
    let tag = header(&headers, "etag");
    assert!(
        tag.starts_with('"') && tag.len() > 10,
        "strong ETag: {tag:?}"
    );
    let (status, _, body) = exchange(
        server.addr,
        "GET",
        "/js/main.js",
        None,
        &[("if-none-match", &tag)],
    )
    .await;
    assert_eq!(status, 304);
    assert!(body.is_empty());
    let (status, _, _) = exchange(
        server.addr,
        "GET",
        "/js/main.js",
        None,
        &[("if-none-match", "\"other\"")],
    )
    .await;
    assert_eq!(status, 200);

    let (status, headers, body) = exchange(server.addr, "HEAD", "/js/main.js", None, &[]).await;
    assert_eq!(status, 200);
    assert!(body.is_empty());
    assert_eq!(header(&headers, "content-length"), main.len().to_string());

    let (status, _, body) = exchange(server.addr, "GET", "/nope.js", None, &[]).await;
    assert_eq!(status, 404);
    let error: serde_json::Value = serde_json::from_slice(&body).expect("JSON error");
    assert!(error["error"].is_string());
    let (status, _, _) = exchange(server.addr, "GET", "/package.json", None, &[]).await;
    assert_eq!(
        status, 404,
        "the Node marker file is not part of the client"
    );
    let (status, headers, _) = exchange(server.addr, "POST", "/index.html", Some(""), &[]).await;
    assert_eq!(status, 405);
    assert_eq!(header(&headers, "allow"), "GET, HEAD");

    // The API still answers beside the fallback.
    let (status, _, _) = exchange(server.addr, "GET", "/healthz", None, &[]).await;
    assert_eq!(status, 200);
    server.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn web_dir_overrides_the_built_in_client() {
    let cwd = empty_dir("cwd");
    let web = empty_dir("override");
    std::fs::write(web.join("index.html"), "<p>dev copy</p>").expect("write index");
    let arg = format!("--web-dir={}", web.display());
    let server = TestServer::start_in(&cwd, &[&arg]).await;
    let (status, _, body) = exchange(server.addr, "GET", "/", None, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(body, b"<p>dev copy</p>");
    let (status, _, _) = exchange(server.addr, "GET", "/js/main.js", None, &[]).await;
    assert_eq!(status, 404, "only the directory is served");
    server.stop().await;
    let _ = std::fs::remove_dir_all(&cwd);
    let _ = std::fs::remove_dir_all(&web);
}

#[tokio::test]
async fn a_missing_web_dir_is_refused_at_startup() {
    let out = tokio::process::Command::new(tickcast_tests::server::server_binary())
        .args(["--http", "127.0.0.1:0", "--no-replays"])
        .arg("--web-dir=/nonexistent/tickcast-web")
        .output()
        .await
        .expect("run server");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("web_dir"), "{stderr}");
}
