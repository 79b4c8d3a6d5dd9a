//! Golden vectors for the browser client, written by the Rust code itself.
//!
//! The JavaScript client (`assets/web/js`) decodes the same bytes as the Rust codec
//! and predicts with the same movement rules. These tests produce what the JS side
//! is tested against (`node --test` in `tests/browser`):
//!
//! - `tests/browser/golden/envelope.json`: `ClientMsg`/`ServerMsg` bytes with their
//!   serde JSON, and broken frames with the error kind Rust reports;
//! - `tests/browser/golden/deltas.json`: snapshot delta bodies with their baseline
//!   and the snapshot they decode to;
//! - `tests/browser/golden/movement.json`: `move_player` trajectories;
//! - `tests/browser/golden/spectate.json`: a spectator event stream and the world it
//!   rebuilds;
//! - `tests/browser/golden/sdk.json`: for the browser SDK (`assets/web/sdk`), two
//!   games' descriptors, hashes, row snapshots with their delta bodies and hostile
//!   bodies with what Rust makes of them, and descriptors Rust refuses;
//! - `assets/web/js/sim_constants.js`: the constants the JS code uses.
//!
//! The files are committed. Each test fails when a committed file differs from what
//! the code produces now, so the codec and its JS port cannot drift apart silently.
//! After an intended change, regenerate them with
//! `TICKCAST_BLESS=1 cargo test -p tickcast-tests --test golden` and commit them
//! together with the JS change that makes `node --test` pass again.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod golden {
    pub mod constants;
    pub mod deltas;
    pub mod envelope;
    pub mod movement;
    pub mod sdk;
    pub mod sdk_ballgame;
    pub mod sdk_descriptors;
    pub mod sdk_hostile;
    pub mod spectate;
}

use std::fmt::Write as _;
use std::path::PathBuf;

/// Path of a file relative to the repository root.
pub fn repo_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(relative)
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Pretty JSON with a trailing newline (stable: struct fields in declaration order).
pub fn pretty(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap();
    text.push('\n');
    text
}

/// With `TICKCAST_BLESS` set, write `content` to `relative`; otherwise fail unless
/// the committed file holds exactly `content`.
pub fn check_or_bless(relative: &str, content: &str) {
    let path = repo_path(relative);
    if std::env::var_os("TICKCAST_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{relative} cannot be read ({e}); generate it with \
             TICKCAST_BLESS=1 cargo test -p tickcast-tests --test golden"
        )
    });
    if committed != content {
        let line = committed
            .lines()
            .zip(content.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(content.lines().count()))
            + 1;
        panic!(
            "{relative} differs from what the Rust code produces now (first at line {line}).\n\
             If the change is intended, regenerate it with \
             TICKCAST_BLESS=1 cargo test -p tickcast-tests --test golden, \
             and make the JS side pass `node --test` in tests/browser again."
        );
    }
}
