//! Configuration the server refuses at start, against the real binary.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;
use tickcast_tests::server::server_binary;

/// Start the server with `args`; it must exit (bounded) with a failure whose
/// stderr names `expected`.
async fn refuses(args: &[&str], expected: &str) {
    let run = tokio::process::Command::new(server_binary())
        .args(["--http", "127.0.0.1:0", "--no-quic", "--no-replays"])
        .args(args)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(20), run)
        .await
        .expect("the server did not exit")
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "started with {args:?}");
    assert!(stderr.contains(expected), "{stderr}");
}

#[tokio::test]
async fn a_send_rate_that_does_not_divide_the_tick_rate_is_refused() {
    // 60 / 25 would really send every 2 ticks: 30 Hz, not the 25 asked for.
    refuses(
        &["--tick-rate", "60", "--send-rate", "25"],
        "send_rate 25 does not divide tick_rate 60",
    )
    .await;
}
