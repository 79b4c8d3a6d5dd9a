//! The client against a scripted, misbehaving WebSocket server on loopback: every bad
//! frame becomes a typed error, never a panic, and per-frame errors leave the
//! connection usable.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::welcome;

use futures_util::{SinkExt, StreamExt};
use tickcast_client::{Client, ClientConfig, ClientError, Update};
use tickcast_shared::codec::{decode_client, encode_server};
use tickcast_shared::protocol::{ClientMsg, ErrorCode, HelloAuth, InputSeq, ServerMsg, Tick};
use tickcast_shared::sim::{Snapshot, encode_delta};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

/// Room for a `Welcome` with the arena's schema descriptor (about 4 KiB).
const MAX_FRAME: usize = 16 * 1024;

fn keyframe(tick: u32) -> ServerMsg {
    let snap = Snapshot {
        tick: Tick(tick),
        entities: Vec::new(),
    };
    ServerMsg::Snapshot {
        tick: Tick(tick),
        baseline: None,
        last_input: InputSeq(0),
        input_lead: 0,
        body: encode_delta(None, &snap),
    }
}

/// A one-connection server: checks the Hello, then sends `script` in order and waits
/// for the client to go away.
async fn serve(script: Vec<Message>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        let hello = match ws.next().await {
            Some(Ok(Message::Binary(b))) => decode_client(&b, 1024).unwrap(),
            other => panic!("expected a binary Hello, got {other:?}"),
        };
        assert!(matches!(
            hello,
            ClientMsg::Hello {
                auth: HelloAuth::Ticket(_),
                ..
            }
        ));
        for msg in script {
            if ws.send(msg).await.is_err() {
                return;
            }
        }
        while let Some(Ok(_)) = ws.next().await {}
    });
    format!("ws://{addr}/ws?ticket=t")
}

fn bin(msg: &ServerMsg) -> Message {
    Message::Binary(encode_server(msg).into())
}

fn config() -> ClientConfig {
    ClientConfig {
        max_frame_bytes: MAX_FRAME,
        ..ClientConfig::default()
    }
}

async fn connect(url: &str) -> Result<Client, ClientError> {
    Client::connect_url(url, HelloAuth::Ticket("t".into()), "tester", &config()).await
}

#[tokio::test]
async fn garbage_frames_are_recoverable_and_later_snapshots_still_apply() {
    let url = serve(vec![
        bin(&welcome()),
        Message::Binary(vec![0xff; 64].into()),
        bin(&ServerMsg::Snapshot {
            tick: Tick(3),
            baseline: None,
            last_input: InputSeq(0),
            input_lead: 0,
            body: vec![0xff, 0x00, 0x13],
        }),
        // A delta against a baseline the client never had.
        bin(&ServerMsg::Snapshot {
            tick: Tick(4),
            baseline: Some(Tick(2)),
            last_input: InputSeq(0),
            input_lead: 0,
            body: vec![0],
        }),
        bin(&keyframe(6)),
    ])
    .await;
    let mut client = connect(&url).await.unwrap();
    for _ in 0..3 {
        let err = client.next_update().await.unwrap_err();
        assert!(err.is_recoverable(), "{err}");
    }
    let update = client.next_update().await.unwrap();
    assert_eq!(
        update,
        Update::Snapshot {
            tick: Tick(6),
            keyframe: true
        }
    );
    assert_eq!(client.world().map(|w| w.tick), Some(Tick(6)));
}

#[tokio::test]
async fn an_oversized_frame_is_refused_before_decoding() {
    let url = serve(vec![
        bin(&welcome()),
        Message::Binary(vec![0; MAX_FRAME + 1].into()),
    ])
    .await;
    let mut client = connect(&url).await.unwrap();
    let err = client.next_update().await.unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::WebSocket(_) | ClientError::FrameTooLarge { .. }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn text_frames_and_server_errors_are_typed() {
    let url = serve(vec![bin(&welcome()), Message::Text("hi".into())]).await;
    let mut client = connect(&url).await.unwrap();
    assert!(matches!(
        client.next_update().await,
        Err(ClientError::TextFrame)
    ));

    let refusal = ServerMsg::Error {
        code: ErrorCode::VersionMismatch,
        reason: "server speaks 2, client 1".into(),
    };
    let url = serve(vec![bin(&refusal)]).await;
    match connect(&url).await {
        Err(ClientError::Server { code, reason }) => {
            assert_eq!(code, ErrorCode::VersionMismatch);
            assert!(reason.contains('2'));
        }
        other => panic!("expected a server error, got {other:?}"),
    }

    let url = serve(vec![bin(&keyframe(1))]).await;
    assert!(matches!(connect(&url).await, Err(ClientError::Protocol(_))));
}

#[tokio::test]
async fn a_close_frame_reports_code_and_reason() {
    use tokio_tungstenite::tungstenite::protocol::CloseFrame;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
    let close = CloseFrame {
        code: CloseCode::Policy,
        reason: "bad input".into(),
    };
    let url = serve(vec![bin(&welcome()), Message::Close(Some(close))]).await;
    let mut client = connect(&url).await.unwrap();
    match client.next_update().await {
        Err(ClientError::Closed { code, reason }) => {
            assert_eq!((code, reason.as_str()), (1008, "bad input"));
        }
        other => panic!("expected a close, got {other:?}"),
    }
}

/// A `Welcome` whose schema hash, descriptor or config is not what this client can
/// use ends the handshake with a typed error (never a panic, never a seat on a
/// schema the client would misread).
#[tokio::test]
async fn a_welcome_for_another_schema_or_with_a_broken_descriptor_is_refused() {
    let with = |edit: fn(&mut ServerMsg)| {
        let mut w = welcome();
        edit(&mut w);
        w
    };
    let other_hash = with(|w| {
        if let ServerMsg::Welcome { schema_hash, .. } = w {
            schema_hash.0 ^= 1;
        }
    });
    let url = serve(vec![bin(&other_hash)]).await;
    let err = connect(&url).await.unwrap_err();
    assert!(matches!(err, ClientError::Welcome(_)), "{err}");

    // A consistent descriptor and hash, but not the arena this client was built for.
    let other_game = with(|w| {
        if let ServerMsg::Welcome {
            schema,
            schema_hash,
            ..
        } = w
        {
            let changed = schema.replacen("top-down arena", "top-down arena 2", 1);
            let parsed = tickcast_shared::schema::Schema::from_json(&changed).unwrap();
            *schema_hash = parsed.hash();
            *schema = changed;
        }
    });
    let url = serve(vec![bin(&other_game)]).await;
    let err = connect(&url).await.unwrap_err();
    assert!(matches!(err, ClientError::SchemaMismatch { .. }), "{err}");

    let broken = with(|w| {
        if let ServerMsg::Welcome { schema, .. } = w {
            *schema = "{\"format\":1,".into();
        }
    });
    let url = serve(vec![bin(&broken)]).await;
    let err = connect(&url).await.unwrap_err();
    assert!(matches!(err, ClientError::Welcome(_)), "{err}");

    let bad_config = with(|w| {
        if let ServerMsg::Welcome { config, .. } = w {
            *config = "not json".into();
        }
    });
    let url = serve(vec![bin(&bad_config)]).await;
    let err = connect(&url).await.unwrap_err();
    assert!(matches!(err, ClientError::Welcome(_)), "{err}");
}

/// The `Hello` announces the schema hash of the game the client was built for.
#[tokio::test]
async fn the_hello_announces_the_arena_schema_hash() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        match ws.next().await {
            Some(Ok(Message::Binary(b))) => decode_client(&b, 1024).unwrap(),
            other => panic!("expected a binary Hello, got {other:?}"),
        }
    });
    let _ = connect(&format!("ws://{addr}/ws?ticket=t")).await;
    let hello = server.await.unwrap();
    let ClientMsg::Hello { schema, .. } = hello else {
        panic!("expected a Hello, got {hello:?}");
    };
    assert_eq!(
        schema,
        Some(tickcast_shared::sim::schema::arena_schema().hash())
    );
}
