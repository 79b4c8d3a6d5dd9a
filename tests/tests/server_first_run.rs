//! What a newcomer sees of the real binary first: `tickcast-server` says which URL
//! to open in a browser, and `--help` groups its flags under headings with an
//! example.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Stdio;
use std::time::Duration;
use tickcast_tests::server::server_binary;
use tokio::io::{AsyncBufReadExt, BufReader};

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn the_server_prints_the_url_to_open_in_a_browser() {
    let mut child = tokio::process::Command::new(server_binary())
        .args(["--http", "0.0.0.0:0", "--no-replays", "--no-quic"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start the server");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let find = async {
        let mut port = None;
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(addr) = line.strip_prefix("listening on http://") {
                port = addr.rsplit(':').next().map(str::to_owned);
            }
            if line.starts_with("open ") {
                return (port, line);
            }
        }
        panic!("the server never said what to open");
    };
    let (port, line) = tokio::time::timeout(WAIT, find).await.expect("in time");
    let port = port.expect("the listening line comes first");
    // A wildcard bind is shown as the loopback address a local browser reaches.
    assert_eq!(
        line,
        format!("open http://127.0.0.1:{port} in a browser to play")
    );
    let _ = child.kill().await;
}

#[tokio::test]
async fn help_groups_the_flags_under_headings_with_an_example() {
    let out = tokio::process::Command::new(server_binary())
        .arg("--help")
        .output()
        .await
        .expect("run --help");
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for heading in [
        "Basics:",
        "Simulation and sessions:",
        "Rooms and lobby budgets:",
        "Spectators:",
        "Replays:",
        "QUIC (native players):",
        "Cluster (Redis):",
        "TLS:",
        "Connection limits:",
        "Examples:",
    ] {
        assert!(help.contains(heading), "no {heading:?} in:\n{help}");
    }
    // The basics come before the long lists of limits.
    let basics = help.find("Basics:").unwrap();
    let limits = help.find("Connection limits:").unwrap();
    assert!(basics < limits);
    assert!(
        help.contains("tickcast-server --http 0.0.0.0:9000"),
        "{help}"
    );
}
