//! README's "Write your own game" (docs/write-your-own-game.md) cannot rot: every
//! Rust block of the page is a piece of the coins game's sources (games/coins), which
//! the workspace builds and tests, and the coins server the page ends with is started
//! and played here.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

fn repo(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(relative)
}

/// The fenced blocks of `lang` in a markdown text.
fn blocks(markdown: &str, lang: &str) -> Vec<String> {
    let open = format!("```{lang}");
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line.trim_end() == open => current = Some(String::new()),
            None => {}
            Some(_) if line.trim_end() == "```" => out.extend(current.take()),
            Some(text) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    out
}

/// A text with each line's leading and trailing spaces removed (the page dedents
/// the pieces it shows).
fn flat(text: &str) -> String {
    text.lines().map(str::trim).collect::<Vec<_>>().join("\n")
}

#[test]
fn every_rust_block_of_the_walk_through_is_in_the_compiled_game() {
    let page = std::fs::read_to_string(repo("docs/write-your-own-game.md")).unwrap();
    let sources = [
        "games/coins/src/lib.rs",
        "games/coins/examples/coins-server.rs",
    ]
    .map(|p| flat(&std::fs::read_to_string(repo(p)).unwrap()))
    .join("\n");
    let rust = blocks(&page, "rust");
    assert!(
        rust.len() >= 8,
        "the page lost its code: {} blocks",
        rust.len()
    );
    for block in rust {
        assert!(
            sources.contains(flat(&block).trim()),
            "this block of docs/write-your-own-game.md is not in games/coins any more:\n{block}"
        );
    }
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    assert!(
        readme.contains("docs/write-your-own-game.md"),
        "README links the walk-through"
    );
}
