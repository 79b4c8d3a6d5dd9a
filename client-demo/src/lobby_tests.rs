//! Unit tests of [`super::Lobby`]: server URLs, hosts and ports, QUIC addresses,
//! room ids and WebSocket URLs (no server needed).

use super::*;

#[test]
fn server_urls_are_checked() {
    assert_eq!(
        Lobby::new("http://127.0.0.1:8080/").unwrap().authority(),
        "127.0.0.1:8080"
    );
    let tls = Lobby::new("https://example:1").unwrap();
    assert_eq!((tls.host(), tls.port()), ("example", 1));
    assert!(Lobby::new("ftp://example:1").is_err());
    assert!(Lobby::new("http://").is_err());
    assert!(Lobby::new("http://h:1/api").is_err());
}

#[test]
fn hosts_are_split_from_ports() {
    let host = |s: &str| Lobby::new(s).unwrap().host().to_owned();
    assert_eq!(host("http://127.0.0.1:8080"), "127.0.0.1");
    assert_eq!(host("http://example.org:1/"), "example.org");
    assert_eq!(host("http://[::1]:8080"), "::1");
    assert_eq!(host("http://localhost"), "localhost");
    assert_eq!(host("http://[::1]"), "::1");
}

#[tokio::test]
async fn quic_addresses_use_the_lobby_host() {
    let lobby = Lobby::new("http://127.0.0.1:9").unwrap();
    let mut info = QuicInfo {
        host: None,
        port: 4433,
        cert_sha256: String::new(),
    };
    assert_eq!(
        lobby.quic_addr(&info).await.unwrap(),
        "127.0.0.1:4433".parse().unwrap()
    );
    // A cluster's join answer names the owning node's host.
    info.host = Some("127.0.0.2".into());
    assert_eq!(
        lobby.quic_addr(&info).await.unwrap(),
        "127.0.0.2:4433".parse().unwrap()
    );
}

#[test]
fn room_ids_accept_strings_and_numbers() {
    let a: RoomId = serde_json::from_str("\"r7\"").unwrap();
    let b: RoomId = serde_json::from_str("7").unwrap();
    assert_eq!((a.0.as_str(), b.0.as_str()), ("r7", "7"));
}

#[test]
fn ws_urls_are_made_absolute() {
    let lobby = Lobby::new("http://127.0.0.1:9").unwrap();
    let room: RoomInfo = serde_json::from_str(
        r#"{"id":1,"name":"a","map":"arena","state":"waiting","players":0,"max_players":16}"#,
    )
    .unwrap();
    let t = |u: &str| JoinTicket {
        ticket: "t".into(),
        ws_url: u.into(),
        room: room.clone(),
        quic: None,
    };
    assert_eq!(
        lobby.ws_url(&t("/ws?ticket=t")),
        "ws://127.0.0.1:9/ws?ticket=t"
    );
    assert_eq!(
        lobby.ws_url(&t("ws://h:1/ws?ticket=t")),
        "ws://h:1/ws?ticket=t"
    );
    assert_eq!(
        lobby.ws_url(&t("http://h:1/ws?ticket=t")),
        "ws://h:1/ws?ticket=t"
    );
    let secure = Lobby::new("https://localhost:9").unwrap();
    assert_eq!(
        secure.ws_url(&t("/ws?ticket=t")),
        "wss://localhost:9/ws?ticket=t"
    );
}
