//! The coins game on its own server: every flag and config key of the stock
//! `tickcast-server`, with one game. Run it with
//! `cargo run --release -p tickcast-coins --example coins-server`.

// ANCHOR: main
use tickcast_coins::Coins;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tickcast_server::Server::builder()
        .game::<Coins>()
        .run()
        .await
}
// ANCHOR_END: main
