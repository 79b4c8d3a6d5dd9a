//! tickcast-server, the stock binary: the bundled games (the arena, the default,
//! and the ball game) on the engine, with every flag and config key. A studio's own
//! binary is this file with its own games (see `tickcast_server::builder`).

use tickcast_ball::Ball;
use tickcast_shared::sim::Arena;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tickcast_server::Server::builder()
        .game::<Arena>()
        .game::<Ball>()
        .run()
        .await
}
