//! Minimal use of the client library: quick-join a server, walk right for about a
//! second while acknowledging snapshots, print where the own player ended up, leave.
//!
//! ```sh
//! cargo run -p tickcast-client --example quickjoin -- http://127.0.0.1:8080
//! ```

use tickcast_client::{Client, ClientConfig, ClientError, Update};
use tickcast_shared::sim::{Buttons, PlayerInput};

#[tokio::main]
async fn main() -> Result<(), ClientError> {
    let server = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:8080".to_owned());
    let mut client = Client::matchmake(&server, "example", &ClientConfig::default()).await?;
    println!("welcome: {:?}", client.welcome());
    let walk = PlayerInput {
        buttons: Buttons(Buttons::RIGHT),
        aim: 0.0,
    };
    let mut sent = 0;
    while sent < 60 {
        let due = client.next_input_at();
        tokio::select! {
            update = client.next_update() => match update {
                Ok(Update::Snapshot { tick, keyframe }) => {
                    println!("tick {} ({})", tick.0, if keyframe { "keyframe" } else { "delta" });
                }
                Ok(_) => {}
                Err(e) if e.is_recoverable() => eprintln!("skipped a frame: {e}"),
                Err(e) => return Err(e),
            },
            _ = tokio::time::sleep_until(due) => {
                for _ in 0..client.inputs_due(tokio::time::Instant::now()) {
                    client.send_input(walk).await?;
                    sent += 1;
                }
            }
        }
    }
    match client.own() {
        Some(me) => println!(
            "server says {:?}, predicted {:?}",
            me.pos(),
            client.predicted()
        ),
        None => println!("own entity not in view yet"),
    }
    client.leave().await
}
