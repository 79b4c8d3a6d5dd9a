//! Identity against the real binary over real HTTP: with `[auth] jwt_secret` set,
//! joins and matchmaking need a valid HS256 bearer token (made here), fail closed
//! on a missing, expired or wrongly signed one, and take the token's `name`;
//! `[lobby] create` decides who may create rooms.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use tickcast_shared::protocol::{HelloAuth, PlayerIdentity};
use tickcast_shared::sim::GameEvent;
use tickcast_tests::http::{get_text, post, post_with, request_with};
use tickcast_tests::jwt::bearer;
use tickcast_tests::player::{Player, open};
use tickcast_tests::server::TestServer;

const SECRET: &str = "test-secret-of-this-run";

fn config(text: &str) -> String {
    tickcast_tests::jwt::config("auth", text)
}

fn jwt(secret: &str, sub: &str, name: &str, exp_in: i64) -> String {
    tickcast_tests::jwt::token(secret, sub, name, exp_in)
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

#[tokio::test]
async fn the_admin_lists_sessions_and_kicks_a_player_whose_seat_is_freed() {
    let file = config("[auth]\nadmin_token = \"op-token\"\n");
    let s = TestServer::start(&["--config", &file]).await;
    // The server has read it.
    let _ = std::fs::remove_file(&file);
    let room = tickcast_tests::player::create_room(s.addr, r#"{"max_players":2}"#).await;
    let mut ann = Player::join(s.addr, &room, "ann").await;
    let mut bo = Player::join(s.addr, &room, "bo").await;
    ann.next_snapshot().await;
    bo.next_snapshot().await;
    let admin = [("authorization", "Bearer op-token")];
    let sessions = format!("/api/admin/rooms/{room}/sessions");
    let kick = format!("/api/admin/rooms/{room}/kick");

    let (status, _) = request_with(s.addr, "GET", &sessions, None, &[]).await;
    assert_eq!(status, 401);
    let (status, err) = post(s.addr, &kick, r#"{"player":1}"#).await;
    assert_eq!(status, 401, "{err}");
    let (status, list) = admin_get(s.addr, &sessions).await;
    assert_eq!(status, 200, "{list}");
    let list = list.as_array().unwrap().clone();
    assert_eq!(list.len(), 2, "{list:?}");
    let ann_row = list.iter().find(|r| r["name"] == "ann").unwrap();
    assert_eq!(ann_row["player"], ann.player, "{ann_row}");
    assert_eq!(ann_row["connected"], true, "{ann_row}");
    assert!(ann_row["conn"].is_u64(), "{ann_row}");

    let body = format!(r#"{{"player":{}}}"#, ann.player);
    let (status, err) = post_with(s.addr, &kick, r#"{"player":"x"}"#, &admin).await;
    assert!(status == 400 || status == 422, "{status} {err}");
    assert!(err["error"].is_string(), "{err}");
    let (status, err) = post_with(s.addr, &kick, r#"{"player":999}"#, &admin).await;
    assert_eq!(status, 404, "{err}");
    let (status, _) = post_with(s.addr, "/api/admin/rooms/aaaaaaaaaaaaa/kick", &body, &admin).await;
    assert_eq!(status, 404);
    let (status, out) = post_with(s.addr, &kick, &body, &admin).await;
    assert_eq!(status, 200, "{out}");
    let closed = tickcast_tests::player::expect_close(&mut ann.ws).await;
    assert_eq!(closed.code, 4403, "{closed:?}");
    assert!(closed.reason.contains("kicked"), "{closed:?}");
    let (status, err) = post_with(s.addr, &kick, &body, &admin).await;
    assert_eq!(status, 404, "kicked once: {err}");

    // Bo plays on; the freed seat takes a newcomer in the two-seat room.
    bo.next_snapshot().await;
    let (_, list) = admin_get(s.addr, &sessions).await;
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(names, ["bo"], "{list}");
    let mut cy = Player::join(s.addr, &room, "cy").await;
    cy.next_snapshot().await;
}

async fn admin_get(addr: std::net::SocketAddr, path: &str) -> (u16, serde_json::Value) {
    let admin = [("authorization", "Bearer op-token")];
    let (status, bytes) = request_with(addr, "GET", path, None, &admin).await;
    (status, serde_json::from_slice(&bytes).unwrap_or_default())
}

#[tokio::test]
async fn one_identity_holds_one_seat_per_room_and_a_second_join_resumes_it() {
    let file = config(&format!("[auth]\njwt_secret = \"{SECRET}\"\n"));
    let s = TestServer::start(&["--config", &file]).await;
    // The server has read it.
    let _ = std::fs::remove_file(&file);
    let (status, room) = post(s.addr, "/api/rooms", r#"{"max_players":2}"#).await;
    assert_eq!(status, 201, "{room}");
    let id = room["id"].as_str().unwrap().to_owned();
    let join = format!("/api/rooms/{id}/join");
    let seat_for = |token: String| {
        let join = join.clone();
        async move {
            let auth = bearer(&token);
            let (status, seat) = post_with(
                s.addr,
                &join,
                r#"{"name":"n"}"#,
                &[("authorization", &auth)],
            )
            .await;
            assert_eq!(status, 200, "{seat}");
            let ws = open(s.addr, seat["ws_url"].as_str().unwrap()).await;
            let ticket = seat["ticket"].as_str().unwrap().to_owned();
            Player::hello(ws, HelloAuth::Ticket(ticket), "x").await
        }
    };
    let mut first = seat_for(jwt(SECRET, "same-user", "Ann", 600)).await;
    first.next_snapshot().await;
    // The same `sub` (a new token, from another tab): the same seat, not a new one.
    let mut second = seat_for(jwt(SECRET, "same-user", "Ann", 900)).await;
    assert_eq!((second.player, second.entity), (first.player, first.entity));
    let replaced = tickcast_tests::player::expect_close(&mut first.ws).await;
    assert_eq!(replaced.code, 4001, "{replaced:?}");
    second.next_snapshot().await;
    let (_, info) = tickcast_tests::http::get(s.addr, &format!("/api/rooms/{id}")).await;
    assert_eq!(info["players"], 1, "{info}");
    // Both seats of the two-seat room are still there for others: two more
    // identities fit, a third does not.
    let mut bo = seat_for(jwt(SECRET, "user-bo", "Bo", 600)).await;
    bo.next_snapshot().await;
    assert_ne!(bo.player, second.player);
    let auth = bearer(&jwt(SECRET, "user-cy", "Cy", 600));
    let body = r#"{"name":"n"}"#;
    let (status, err) = post_with(s.addr, &join, body, &[("authorization", &auth)]).await;
    assert_eq!(status, 409, "full: {err}");
    // Full, yet an identity the room seats gets its seat back instead of 409.
    let mut third = seat_for(jwt(SECRET, "same-user", "Ann", 900)).await;
    assert_eq!((third.player, third.entity), (second.player, second.entity));
    let replaced = tickcast_tests::player::expect_close(&mut second.ws).await;
    assert_eq!(replaced.code, 4001, "{replaced:?}");
    third.next_snapshot().await;
    // That took no seat: a newcomer is still refused.
    let (status, err) = post_with(s.addr, &join, body, &[("authorization", &auth)]).await;
    assert_eq!(status, 409, "still full: {err}");
}

#[tokio::test]
async fn the_create_policy_holds_for_rooms_matchmaking_would_create() {
    let file = config("[auth]\nadmin_token = \"op-token\"\n[lobby]\ncreate = \"admin\"\n");
    let s = TestServer::start(&["--config", &file]).await;
    // The server has read it.
    let _ = std::fs::remove_file(&file);
    let body = r#"{"name":"mm"}"#;
    let (status, err) = post(s.addr, "/api/matchmake", body).await;
    assert_eq!(status, 401, "no room to join, none may be created: {err}");
    assert!(err["error"].as_str().unwrap().contains("create"), "{err}");
    let (_, rooms) = tickcast_tests::http::get(s.addr, "/api/rooms").await;
    assert_eq!(rooms.as_array().map(Vec::len), Some(0), "{rooms}");
    // The operator may (matchmake creates the room for it) ...
    let admin = [("authorization", "Bearer op-token")];
    let (status, seat) = post_with(s.addr, "/api/matchmake", body, &admin).await;
    assert_eq!(status, 200, "{seat}");
    let room = seat["room"]["id"].as_str().unwrap().to_owned();
    // ... and then anyone matchmakes into that existing room.
    let (status, seat) = post(s.addr, "/api/matchmake", body).await;
    assert_eq!(status, 200, "{seat}");
    assert_eq!(seat["room"]["id"], room.as_str(), "{seat}");
    let (_, metrics) = get_text(s.addr, "/metrics").await;
    let refused: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("tickcast_auth_refused_total ")?.parse().ok())
        .unwrap();
    assert_eq!(refused, 1.0, "{metrics}");
}

/// Join `room` with `token` (or none) and say Hello as `hello_name`.
async fn seated(
    addr: std::net::SocketAddr,
    room: &str,
    token: Option<String>,
    hello_name: &str,
) -> Player {
    let join = format!("/api/rooms/{room}/join");
    let body = format!(r#"{{"name":"{hello_name}"}}"#);
    let auth = token.map(|t| bearer(&t));
    let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", a.as_str())).collect();
    let (status, seat) = post_with(addr, &join, &body, &headers).await;
    assert_eq!(status, 200, "{seat}");
    let ws = open(addr, seat["ws_url"].as_str().unwrap()).await;
    let ticket = seat["ticket"].as_str().unwrap().to_owned();
    Player::hello(ws, HelloAuth::Ticket(ticket), hello_name).await
}

/// The next events that mention `player`, with who they say `player` is.
async fn events_about(p: &mut Player, player: u32) -> (Vec<GameEvent>, Option<PlayerIdentity>) {
    loop {
        let (events, players) = p.next_events().await;
        if events.iter().any(|e| e.players().any(|id| id.0 == player)) {
            let who = players.into_iter().find(|w| w.player.0 == player);
            return (events, who);
        }
    }
}

#[tokio::test]
async fn the_welcome_and_game_events_name_the_verified_identity() {
    let file = config(&format!("[auth]\njwt_secret = \"{SECRET}\"\n"));
    let s = TestServer::start(&["--config", &file]).await;
    // The server has read it.
    let _ = std::fs::remove_file(&file);
    let (status, room) = post(s.addr, "/api/rooms", "{}").await;
    assert_eq!(status, 201, "{room}");
    let id = room["id"].as_str().unwrap();

    let mut ann = seated(s.addr, id, Some(jwt(SECRET, "u-ann", "Ann", 600)), "x").await;
    assert_eq!(ann.sub.as_deref(), Some("u-ann"));
    assert_eq!(ann.name, "Ann");
    let bo = seated(s.addr, id, Some(jwt(SECRET, "u-bo", "Bo", 600)), "y").await;
    assert_eq!((bo.sub.as_deref(), bo.name.as_str()), (Some("u-bo"), "Bo"));

    let (events, who) = events_about(&mut ann, bo.player).await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, GameEvent::Joined { player, .. } if player.0 == bo.player)),
        "{events:?}"
    );
    let who = who.expect("the join names its player");
    assert_eq!(
        (who.sub.as_deref(), who.name.as_str()),
        (Some("u-bo"), "Bo")
    );

    // Bo leaves for good: the Left event still says who left.
    let mut bo = bo;
    bo.send_raw(tokio_tungstenite::tungstenite::Message::Binary(
        tickcast_shared::codec::encode_client(&tickcast_shared::protocol::ClientMsg::Leave).into(),
    ))
    .await;
    let (events, who) = events_about(&mut ann, bo.player).await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, GameEvent::Left { player } if player.0 == bo.player)),
        "{events:?}"
    );
    let who = who.expect("the leave names its player");
    assert_eq!(
        (who.sub.as_deref(), who.name.as_str()),
        (Some("u-bo"), "Bo")
    );
}

#[tokio::test]
async fn without_auth_there_is_no_identity_only_the_name() {
    let s = TestServer::start(&[]).await;
    let (status, room) = post(s.addr, "/api/rooms", "{}").await;
    assert_eq!(status, 201, "{room}");
    let id = room["id"].as_str().unwrap();
    let mut ann = seated(s.addr, id, None, "ann").await;
    assert_eq!((ann.sub.as_deref(), ann.name.as_str()), (None, "ann"));
    let bo = seated(s.addr, id, None, "bo").await;
    let (_, who) = events_about(&mut ann, bo.player).await;
    let who = who.expect("the join names its player");
    assert_eq!((who.sub.as_deref(), who.name.as_str()), (None, "bo"));
}

/// Issue 20, row 8: with `issuer` and `audience` configured, a token without
/// `iss` or `aud` used to pass, and so did `nbf` an hour ahead and `iat` a day
/// ahead. Each is now 401, counted by reason; a token within the clock-skew
/// leeway still passes.
#[tokio::test]
async fn configured_claims_are_required_and_future_tokens_are_refused() {
    use tickcast_tests::jwt::{now_secs, token_with};
    let file = config(&format!(
        "[auth]\njwt_secret = \"{SECRET}\"\nissuer = \"login\"\naudience = \"tickcast\"\n"
    ));
    let s = TestServer::start(&["--config", &file]).await;
    // The server has read it.
    let _ = std::fs::remove_file(&file);
    let now = now_secs();
    let claims = |extra: serde_json::Value, drop: &str| {
        let mut c = serde_json::json!({
            "sub": "u1", "exp": now + 600, "iss": "login", "aud": "tickcast"
        });
        let map = c.as_object_mut().unwrap();
        map.remove(drop);
        map.extend(extra.as_object().unwrap().clone());
        c
    };
    let body = r#"{"name":"n"}"#;
    let refused = [
        (
            "no aud",
            claims(serde_json::json!({}), "aud"),
            "missing_claim",
        ),
        (
            "no iss",
            claims(serde_json::json!({}), "iss"),
            "missing_claim",
        ),
        (
            "nbf in an hour",
            claims(serde_json::json!({ "nbf": now + 3600 }), ""),
            "not_yet_valid",
        ),
        (
            "iat in a day",
            claims(serde_json::json!({ "iat": now + 86_400 }), ""),
            "issued_in_future",
        ),
    ];
    for (what, c, _) in &refused {
        let auth = bearer(&token_with(SECRET, c));
        let (status, err) =
            post_with(s.addr, "/api/matchmake", body, &[("authorization", &auth)]).await;
        assert_eq!(status, 401, "{what}: {err}");
        assert!(
            err["error"].as_str().unwrap().starts_with("invalid token"),
            "{what}: {err}"
        );
    }
    let (_, metrics) = get_text(s.addr, "/metrics").await;
    let count = |reason: &str| {
        let series = format!("tickcast_auth_refused_by_reason_total{{reason=\"{reason}\"}} ");
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(series.as_str())?.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    assert_eq!(count("missing_claim"), 2.0, "{metrics}");
    assert_eq!(count("not_yet_valid"), 1.0, "{metrics}");
    assert_eq!(count("issued_in_future"), 1.0, "{metrics}");
    // Clocks differ a little: within the leeway (60 s) a token passes.
    let skewed = claims(serde_json::json!({ "nbf": now + 20, "iat": now + 20 }), "");
    let auth = bearer(&token_with(SECRET, &skewed));
    let (status, seat) =
        post_with(s.addr, "/api/matchmake", body, &[("authorization", &auth)]).await;
    assert_eq!(status, 200, "{seat}");
}

/// Issue 20, row 5 with JWT: one identity used to get both tickets of a two-seat
/// room by asking twice without connecting. Its second ticket now replaces the
/// first, so the other seat stays free for another identity.
#[tokio::test]
async fn one_identity_holds_one_unredeemed_ticket_per_room() {
    let file = config(&format!("[auth]\njwt_secret = \"{SECRET}\"\n"));
    let s = TestServer::start(&["--config", &file]).await;
    // The server has read it.
    let _ = std::fs::remove_file(&file);
    let (status, room) = post(s.addr, "/api/rooms", r#"{"max_players":2}"#).await;
    assert_eq!(status, 201, "{room}");
    let join = format!("/api/rooms/{}/join", room["id"].as_str().unwrap());
    let body = r#"{"name":"n"}"#;
    let hoarder = bearer(&jwt(SECRET, "hoarder", "H", 600));
    let mut tickets = Vec::new();
    for _ in 0..3 {
        let (status, seat) = post_with(s.addr, &join, body, &[("authorization", &hoarder)]).await;
        assert_eq!(status, 200, "{seat}");
        tickets.push(seat["ws_url"].as_str().unwrap().to_owned());
    }
    let other = bearer(&jwt(SECRET, "other", "O", 600));
    let (status, seat) = post_with(s.addr, &join, body, &[("authorization", &other)]).await;
    assert_eq!(status, 200, "the second seat is still free: {seat}");
    // The replaced tickets no longer open a seat; the last one does.
    let url = format!("ws://{}{}", s.addr, tickets[0]);
    match tokio_tungstenite::connect_async(url).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => {
            assert_eq!(res.status(), 401, "a replaced ticket")
        }
        other => panic!("a replaced ticket opened: {:?}", other.map(|_| ())),
    }
    let ws = open(s.addr, tickets.last().unwrap()).await;
    drop(ws);
    let (_, metrics) = get_text(s.addr, "/metrics").await;
    assert!(
        metrics.contains("tickcast_tickets_replaced_total 2"),
        "{metrics}"
    );
}
