//! A raw WebSocket player for server tests: it speaks the protocol with the shared
//! codec directly (no client library), so tests can also send bad frames.

use crate::http;
use futures_util::{SinkExt, StreamExt};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;
use tickcast_shared::codec::{decode_server, encode_client};
use tickcast_shared::game::Game;
use tickcast_shared::protocol::{
    ClientMsg, HelloAuth, InputCmd, InputSeq, PROTOCOL_VERSION, PlayerIdentity, ServerMsg, Tick,
};
use tickcast_shared::sim::{Arena, GameEvent, PlayerInput};
use tickcast_shared::sim::{Snapshot, apply_delta};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Bound on any single wait in a test.
pub const WAIT: Duration = Duration::from_secs(10);

/// `POST /api/rooms/{room}/join` as `name`; the answer must be a seat (200).
pub async fn join_answer(addr: SocketAddr, room: &str, name: &str) -> serde_json::Value {
    let (status, seat) = http::post(
        addr,
        &format!("/api/rooms/{room}/join"),
        &format!(r#"{{"name":"{name}"}}"#),
    )
    .await;
    assert_eq!(status, 200, "join: {seat}");
    seat
}

/// Take a seat in `room` and return (ticket, ws path).
pub async fn ticket(addr: SocketAddr, room: &str, name: &str) -> (String, String) {
    let seat = join_answer(addr, room, name).await;
    (
        seat["ticket"].as_str().unwrap().to_owned(),
        seat["ws_url"].as_str().unwrap().to_owned(),
    )
}

/// Create a room with a JSON body; returns its id.
pub async fn create_room(addr: SocketAddr, body: &str) -> String {
    let (status, room) = http::post(addr, "/api/rooms", body).await;
    assert_eq!(status, 201, "create: {room}");
    room["id"].as_str().unwrap().to_owned()
}

/// Open a WebSocket at `path` (e.g. `/ws?ticket=…`).
pub async fn open(addr: SocketAddr, path: &str) -> Ws {
    let (ws, _) = tokio::time::timeout(
        WAIT,
        tokio_tungstenite::connect_async(format!("ws://{addr}{path}")),
    )
    .await
    .expect("connect timeout")
    .expect("websocket connect");
    ws
}

/// Open a WebSocket at `path` over a socket whose receive buffer is set to
/// `receive_buffer` bytes before it connects: a small TCP window, so that what the
/// client does not read soon backs up in the server's send queue.
pub async fn open_with_receive_buffer(addr: SocketAddr, path: &str, receive_buffer: u32) -> Ws {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .set_recv_buffer_size(receive_buffer)
        .expect("SO_RCVBUF");
    let connect = async {
        let tcp = socket.connect(addr).await.expect("connect");
        let url = format!("ws://{addr}{path}");
        tokio_tungstenite::client_async(url, MaybeTlsStream::Plain(tcp)).await
    };
    let (ws, _) = tokio::time::timeout(WAIT, connect)
        .await
        .expect("connect timeout")
        .expect("websocket connect");
    ws
}

/// What a connection ended with.
#[derive(Debug, PartialEq, Eq)]
pub struct CloseInfo {
    pub code: u16,
    pub reason: String,
}

/// Read until the server closes; returns the close code and reason.
pub async fn expect_close(ws: &mut Ws) -> CloseInfo {
    let fut = async {
        while let Some(msg) = ws.next().await {
            match msg {
                Ok(Message::Close(Some(frame))) => {
                    return CloseInfo {
                        code: u16::from(frame.code),
                        reason: frame.reason.to_string(),
                    };
                }
                Ok(Message::Close(None)) => {
                    return CloseInfo {
                        code: u16::from(CloseCode::Status),
                        reason: String::new(),
                    };
                }
                Ok(_) => continue,
                Err(e) => panic!("connection failed without a close frame: {e}"),
            }
        }
        panic!("connection ended without a close frame")
    };
    tokio::time::timeout(WAIT, fut)
        .await
        .expect("no close within the wait")
}

/// A joined player that applies snapshots and acknowledges them.
pub struct Player {
    pub ws: Ws,
    pub player: u32,
    pub entity: u32,
    pub resume_token: String,
    /// The verified identity the Welcome named (`None` without auth).
    pub sub: Option<String>,
    /// The display name the Welcome named.
    pub name: String,
    baselines: VecDeque<Snapshot>,
    seq: u32,
    pub keyframes: u32,
}

impl Player {
    /// Join `room` with a fresh ticket and wait for Welcome.
    pub async fn join(addr: SocketAddr, room: &str, name: &str) -> Player {
        let (ticket, path) = ticket(addr, room, name).await;
        let ws = open(addr, &path).await;
        Player::hello(ws, HelloAuth::Ticket(ticket), name).await
    }

    /// Say Hello on an open socket and wait for Welcome.
    pub async fn hello(mut ws: Ws, auth: HelloAuth, name: &str) -> Player {
        let hello = ClientMsg::Hello {
            version: PROTOCOL_VERSION,
            auth,
            name: name.to_owned(),
            schema: Some(tickcast_shared::sim::schema::arena_schema().hash()),
        };
        ws.send(Message::Binary(encode_client(&hello).into()))
            .await
            .expect("send hello");
        let mut p = Player {
            ws,
            player: 0,
            entity: 0,
            resume_token: String::new(),
            sub: None,
            name: String::new(),
            baselines: VecDeque::new(),
            seq: 0,
            keyframes: 0,
        };
        match p.next_msg().await {
            ServerMsg::Welcome {
                player,
                entity,
                resume_token,
                sub,
                name,
                ..
            } => {
                p.player = player.0;
                p.entity = entity.0;
                p.resume_token = resume_token;
                p.sub = sub;
                p.name = name;
            }
            other => panic!("expected Welcome, got {other:?}"),
        }
        p
    }

    /// The next server message (binary frames only).
    pub async fn next_msg(&mut self) -> ServerMsg {
        loop {
            let msg = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .expect("no message within the wait");
            match msg {
                Some(Ok(Message::Binary(b))) => {
                    return decode_server(&b, 1 << 24).expect("decode server message");
                }
                Some(Ok(Message::Close(f))) => panic!("closed by the server: {f:?}"),
                Some(Ok(_)) => continue,
                Some(Err(e)) => panic!("websocket error: {e}"),
                None => panic!("connection ended"),
            }
        }
    }

    /// The next snapshot, applied against its baseline; also acks it.
    pub async fn next_snapshot(&mut self) -> Snapshot {
        let snap = self.next_snapshot_quiet().await;
        self.send_input(PlayerInput::default(), Some(snap.tick))
            .await;
        snap
    }

    /// The next snapshot, applied against its baseline, without sending anything
    /// (the caller's next input acknowledges it).
    pub async fn next_snapshot_quiet(&mut self) -> Snapshot {
        loop {
            if let ServerMsg::Snapshot {
                tick,
                baseline,
                body,
                ..
            } = self.next_msg().await
            {
                return self.apply(tick, baseline, &body);
            }
        }
    }

    /// The next `Events` message (its events and identities); snapshots on the
    /// way are applied and acked as by [`Player::next_snapshot`].
    pub async fn next_events(&mut self) -> (Vec<GameEvent>, Vec<PlayerIdentity>) {
        loop {
            match self.next_msg().await {
                ServerMsg::Snapshot {
                    tick,
                    baseline,
                    body,
                    ..
                } => {
                    self.apply(tick, baseline, &body);
                    self.send_input(PlayerInput::default(), Some(tick)).await;
                }
                ServerMsg::Events {
                    events, players, ..
                } => {
                    let events = events.iter().filter_map(Arena::event_from_row).collect();
                    return (events, players);
                }
                _ => {}
            }
        }
    }

    fn apply(&mut self, tick: Tick, baseline: Option<Tick>, body: &[u8]) -> Snapshot {
        let base = match baseline {
            None => {
                self.keyframes += 1;
                None
            }
            Some(b) => Some(
                self.baselines
                    .iter()
                    .find(|s| s.tick == b)
                    .cloned()
                    .expect("baseline the client has"),
            ),
        };
        let snap = apply_delta(base.as_ref(), body).expect("apply delta");
        assert_eq!(snap.tick, tick);
        self.baselines.push_back(snap.clone());
        if self.baselines.len() > 64 {
            self.baselines.pop_front();
        }
        snap
    }

    /// Send one input (with the next sequence number).
    pub async fn send_input(&mut self, input: PlayerInput, ack: Option<Tick>) {
        self.send_input_seen(input, ack, None).await;
    }

    /// Send one input made while looking at tick `view` (lag compensation).
    pub async fn send_input_seen(
        &mut self,
        input: PlayerInput,
        ack: Option<Tick>,
        view: Option<Tick>,
    ) {
        self.seq += 1;
        let msg = ClientMsg::Input(InputCmd {
            seq: InputSeq(self.seq),
            ack,
            input: Arena::input_values(&input),
            view,
        });
        self.ws
            .send(Message::Binary(encode_client(&msg).into()))
            .await
            .expect("send input");
    }

    /// Send raw bytes as a binary frame.
    pub async fn send_raw(&mut self, msg: Message) {
        self.ws.send(msg).await.expect("send");
    }
}
