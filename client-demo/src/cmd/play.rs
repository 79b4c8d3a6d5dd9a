//! `tickcast-client play`: a native window on a live match.
//!
//! Two threads: the window (macroquad, on the main thread) samples the keyboard and
//! mouse into the latest [`PlayerInput`] and draws the latest [`Frame`]; a network
//! thread (its own tokio runtime) runs the [`Client`], sends the latest input at the
//! server's tick rate and publishes a new frame after every update. Both directions
//! are `watch` channels: latest value wins, nothing queues. `--transport quic`
//! connects over QUIC when the server offers it.

use super::CmdResult;
use clap::Args;
use macroquad::input::{KeyCode, MouseButton, is_key_down, is_mouse_button_down, mouse_position};
use std::sync::Arc;
use std::time::Duration;
use tickcast_client::render::{Scene, Viewport, draw_frame};
use tickcast_client::{Client, ClientConfig, LinkSpec, RoomId, Transport, Update};
use tickcast_shared::protocol::NetId;
use tickcast_shared::sim::Snapshot;
use tickcast_shared::sim::{Body, Map};
use tickcast_shared::sim::{Buttons, PlayerInput};
use tokio::sync::watch;

#[derive(Debug, Args)]
pub struct PlayArgs {
    /// Server base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    server: String,
    /// Player name.
    #[arg(long, default_value = "player")]
    name: String,
    /// Join this room instead of matchmaking.
    #[arg(long)]
    room: Option<String>,
    /// The invite code of a private --room.
    #[arg(long, requires = "room")]
    invite: Option<String>,
    /// Directory of `<map>.map` files for maps other than the built-in arena.
    #[arg(long)]
    maps_dir: Option<std::path::PathBuf>,
    /// How to connect: ws (WebSocket) or quic (needs a server offering QUIC).
    #[arg(long, default_value = "ws")]
    transport: Transport,
    /// Simulate a bad network, one way in both directions: a preset (good, average,
    /// poor) or e.g. latency=170ms,jitter=45ms,loss=2%.
    #[arg(long)]
    link: Option<LinkSpec>,
}

/// What the window shows; published by the network thread.
#[derive(Debug, Clone, Default)]
struct Frame {
    map: Option<Arc<Map>>,
    world: Option<Arc<Snapshot>>,
    own: Option<NetId>,
    predicted: Option<Body>,
    status: String,
}

pub fn run(args: PlayArgs) -> CmdResult {
    let (input_tx, input_rx) = watch::channel(PlayerInput::default());
    let (frame_tx, frame_rx) = watch::channel(Frame {
        status: format!("connecting to {} ...", args.server),
        ..Frame::default()
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name("network".into())
        .spawn(move || runtime.block_on(network(args, input_rx, frame_tx)))?;
    let conf = macroquad::window::Conf {
        window_title: "tickcast".to_owned(),
        window_width: 1280,
        window_height: 800,
        high_dpi: true,
        ..Default::default()
    };
    macroquad::Window::from_config(conf, window(input_tx, frame_rx));
    Ok(())
}

async fn window(input_tx: watch::Sender<PlayerInput>, frame_rx: watch::Receiver<Frame>) {
    let fallback = Map::default_map();
    loop {
        let frame = frame_rx.borrow().clone();
        let map = frame.map.as_deref().unwrap_or(&fallback);
        let vp = Viewport::fit(
            map,
            macroquad::window::screen_width(),
            macroquad::window::screen_height(),
        );
        let own_pos = frame.predicted.map(|b| b.pos).or_else(|| {
            let world = frame.world.as_deref()?;
            frame.own.and_then(|id| world.get(id)).map(|e| e.pos())
        });
        let (mx, my) = mouse_position();
        let aim = own_pos.map(|p| {
            let d = vp.to_world(glam::Vec2::new(mx, my)) - p;
            d.y.atan2(d.x)
        });
        let input = PlayerInput {
            buttons: Buttons(held_buttons()),
            aim: aim.unwrap_or(0.0),
        };
        input_tx.send_replace(input);
        let scene = Scene {
            map,
            world: frame.world.as_deref(),
            own: frame.own,
            predicted: frame.predicted,
            aim,
            status: &frame.status,
        };
        draw_frame(&scene, &vp);
        if is_key_down(KeyCode::Escape) {
            break;
        }
        macroquad::window::next_frame().await;
    }
}

fn held_buttons() -> u8 {
    let keys = [
        (KeyCode::W, Buttons::UP),
        (KeyCode::S, Buttons::DOWN),
        (KeyCode::A, Buttons::LEFT),
        (KeyCode::D, Buttons::RIGHT),
    ];
    let mut bits = keys
        .iter()
        .filter(|(k, _)| is_key_down(*k))
        .fold(0, |acc, (_, b)| acc | b);
    if is_mouse_button_down(MouseButton::Left) || is_key_down(KeyCode::Space) {
        bits |= Buttons::FIRE;
    }
    bits
}

async fn network(
    args: PlayArgs,
    input_rx: watch::Receiver<PlayerInput>,
    frame_tx: watch::Sender<Frame>,
) {
    let config = ClientConfig {
        maps_dir: args.maps_dir,
        transport: args.transport,
        link: args.link,
        invite: args.invite,
        ..ClientConfig::default()
    };
    let connected = match args.room {
        Some(room) => Client::join(&args.server, &RoomId(room), &args.name, &config).await,
        None => Client::matchmake(&args.server, &args.name, &config).await,
    };
    let mut client = match connected {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tickcast-client play: {e}");
            frame_tx.send_modify(|f| f.status = format!("could not join: {e}"));
            return;
        }
    };
    let map = client.map().cloned().map(Arc::new);
    let mut pings = tokio::time::interval(Duration::from_secs(1));
    let mut rtt_ms = None;
    let mut bad_frames = 0u64;
    loop {
        let due = client.next_input_at();
        tokio::select! {
            update = client.next_update() => match update {
                Ok(Update::Pong { rtt: Some(rtt), .. }) => {
                    rtt_ms = Some(rtt.as_secs_f64() * 1000.0);
                }
                Ok(_) => {}
                Err(e) if e.is_recoverable() => bad_frames += 1,
                Err(e) => {
                    frame_tx.send_modify(|f| f.status = format!("disconnected: {e}"));
                    return;
                }
            },
            _ = tokio::time::sleep_until(due) => {
                let input = *input_rx.borrow();
                let now = tokio::time::Instant::now();
                for _ in 0..client.inputs_due(now) {
                    if let Err(e) = client.send_input(input).await {
                        frame_tx.send_modify(|f| f.status = format!("disconnected: {e}"));
                        return;
                    }
                }
                client.render_frame(now);
            }
            _ = pings.tick() => {
                let _ = client.ping().await;
            }
        }
        let welcome = client.welcome();
        let status = format!(
            "{} (player {}) on {} over {} | tick {} | rtt {} | input delay {} | corrections {} | \
             bad frames {} | skipped snapshots {}",
            welcome.name,
            welcome.player.0,
            welcome.map,
            client.transport(),
            client.world().map_or(0, |w| w.tick.0),
            rtt_ms.map_or_else(|| "-".to_owned(), |r| format!("{r:.1} ms")),
            client
                .net_stats()
                .input_delay_ticks
                .percentile(0.5)
                .map_or_else(|| "-".to_owned(), |d| format!("{d:.1} ticks")),
            client.net_stats().corrections,
            bad_frames,
            client.view_counts().skipped() + client.snapshots_dropped(),
        );
        frame_tx.send_replace(Frame {
            map: map.clone(),
            world: client.world_shared(),
            own: client.own().map(|e| e.id),
            predicted: client.predicted(),
            status,
        });
    }
}
