//! Identity against the real binary over real HTTP: with `[auth] jwt_secret` set,
//! joins and matchmaking need a valid HS256 bearer token (made here), fail closed
//! on a missing, expired or wrongly signed one, and take the token's `name`;
//! `[lobby] create` decides who may create rooms.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use tickcast_shared::protocol::HelloAuth;
use tickcast_tests::http::{get_text, post, post_with};
use tickcast_tests::player::{Player, open};
use tickcast_tests::server::TestServer;

const SECRET: &str = "test-secret-of-this-run";

fn config(text: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let path =
        std::env::temp_dir().join(format!("tickcast-auth-{}-{nanos}.toml", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

/// An HS256 token for `sub` named `name`, expiring `exp_in` seconds from now.
fn jwt(secret: &str, sub: &str, name: &str, exp_in: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let claims = serde_json::json!({ "sub": sub, "name": name, "exp": now + exp_in });
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

#[tokio::test]
async fn a_jwt_required_join_with_and_without_a_token() {
    let file = config(&format!("[auth]\njwt_secret = \"{SECRET}\"\n"));
    let s = TestServer::start(&["--config", &file]).await;
    // The server has read it.
    let _ = std::fs::remove_file(&file);
    // Creating stays open (`[lobby] create` defaults to anyone).
    let (status, room) = post(s.addr, "/api/rooms", "{}").await;
    assert_eq!(status, 201, "{room}");
    let join = format!("/api/rooms/{}/join", room["id"].as_str().unwrap());
    let body = r#"{"name":"asked"}"#;

    let (status, err) = post(s.addr, &join, body).await;
    assert_eq!(status, 401, "no token: {err}");
    assert!(err["error"].as_str().unwrap().contains("bearer"), "{err}");
    let expired = jwt(SECRET, "u1", "Ann", -120);
    let forged = jwt("some-other-secret", "u1", "Ann", 600);
    for (what, token) in [
        ("expired", expired),
        ("forged", forged),
        ("garbage", "a.b.c".into()),
    ] {
        let auth = bearer(&token);
        let (status, err) = post_with(s.addr, &join, body, &[("authorization", &auth)]).await;
        assert_eq!(status, 401, "{what}: {err}");
        assert!(err["error"].is_string(), "{what}: {err}");
    }
    let (status, err) = post(s.addr, "/api/matchmake", body).await;
    assert_eq!(status, 401, "matchmake without a token: {err}");

    // A valid token: a seat, the token's name, and the ticket plays.
    let auth = bearer(&jwt(SECRET, "u1", "Ann", 600));
    let (status, seat) = post_with(s.addr, &join, body, &[("authorization", &auth)]).await;
    assert_eq!(status, 200, "{seat}");
    let ws = open(s.addr, seat["ws_url"].as_str().unwrap()).await;
    let ticket = seat["ticket"].as_str().unwrap().to_owned();
    let mut p = Player::hello(ws, HelloAuth::Ticket(ticket), "ignored").await;
    p.next_snapshot().await;
    let (status, seat) =
        post_with(s.addr, "/api/matchmake", body, &[("authorization", &auth)]).await;
    assert_eq!(status, 200, "{seat}");

    let (_, metrics) = get_text(s.addr, "/metrics").await;
    let refused: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("tickcast_auth_refused_total ")?.parse().ok())
        .unwrap();
    assert_eq!(refused, 5.0, "{metrics}");
}

#[tokio::test]
async fn who_may_create_rooms() {
    let file = config(&format!(
        "[auth]\njwt_secret = \"{SECRET}\"\n[lobby]\ncreate = \"authenticated\"\n"
    ));
    let s = TestServer::start(&["--config", &file]).await;
    // The server has read it.
    let _ = std::fs::remove_file(&file);
    let (status, err) = post(s.addr, "/api/rooms", "{}").await;
    assert_eq!(status, 401, "{err}");
    let auth = bearer(&jwt(SECRET, "u2", "Bo", 600));
    let (status, room) = post_with(s.addr, "/api/rooms", "{}", &[("authorization", &auth)]).await;
    assert_eq!(status, 201, "{room}");
    s.stop().await;

    let file = config("[auth]\nadmin_token = \"op-token\"\n[lobby]\ncreate = \"admin\"\n");
    let s = TestServer::start(&["--config", &file]).await;
    // The server has read it.
    let _ = std::fs::remove_file(&file);
    let (status, _) = post(s.addr, "/api/rooms", "{}").await;
    assert_eq!(status, 401);
    let (status, _) = post_with(
        s.addr,
        "/api/rooms",
        "{}",
        &[("authorization", "Bearer op-tokeX")],
    )
    .await;
    assert_eq!(status, 401);
    let (status, room) = post_with(
        s.addr,
        "/api/rooms",
        "{}",
        &[("authorization", "Bearer op-token")],
    )
    .await;
    assert_eq!(status, 201, "{room}");
    // Without JWT keys, joining stays open.
    let join = format!("/api/rooms/{}/join", room["id"].as_str().unwrap());
    let (status, seat) = post(s.addr, &join, r#"{"name":"open"}"#).await;
    assert_eq!(status, 200, "{seat}");
}

#[tokio::test]
async fn the_admin_token_closes_a_room_and_its_players_get_1000() {
    let file = config("[auth]\nadmin_token = \"op-token\"\n");
    let s = TestServer::start(&["--config", &file]).await;
    // The server has read it.
    let _ = std::fs::remove_file(&file);
    let room = tickcast_tests::player::create_room(s.addr, "{}").await;
    let mut p = Player::join(s.addr, &room, "stays").await;
    p.next_snapshot().await;
    let close = format!("/api/admin/rooms/{room}/close");
    let (status, err) = post(s.addr, &close, "").await;
    assert_eq!(status, 401, "{err}");
    assert!(err["error"].is_string());
    let (status, _) = post_with(s.addr, &close, "", &[("authorization", "Bearer op-tokeX")]).await;
    assert_eq!(status, 401);
    let admin = [("authorization", "Bearer op-token")];
    let (status, _) = post_with(s.addr, "/api/admin/rooms/aaaaaaaaaaaaa/close", "", &admin).await;
    assert_eq!(status, 404);
    let (status, info) = post_with(s.addr, &close, "", &admin).await;
    assert_eq!(status, 200, "{info}");
    let closed = tickcast_tests::player::expect_close(&mut p.ws).await;
    assert_eq!(closed.code, 1000, "{closed:?}");
    assert!(closed.reason.contains("operator"), "{closed:?}");
    let (status, _) = post(
        s.addr,
        &format!("/api/rooms/{room}/join"),
        r#"{"name":"x"}"#,
    )
    .await;
    assert_eq!(status, 409, "a closed room takes no one");
}
