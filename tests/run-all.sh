#!/usr/bin/env bash
# The one command that runs every test of tickcast (README's test command).
# Installs what the tests need when it is missing: Debian's chromium (browser tests),
# redis-server (cluster tests),
# the npm packages of tests/browser, the wasm32 target when rustup can add it.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
# tests/tests/edge_tls.rs: `curl --http2` against the HTTPS listener
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
# tests/browser/https.test.js: a test CA and certificate
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
if [ ${#need_apt[@]} -gt 0 ]; then
  step "installing Debian packages: ${need_apt[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ -f tests/browser/package.json ] && [ ! -d tests/browser/node_modules ]; then
  step "installing npm packages for tests/browser"
  (cd tests/browser && npm ci --no-audit --no-fund --silent)
fi

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo doc (broken intra-doc links are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps

step "wasm32 build of tickcast-shared"
if rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown \
   || rustup target add wasm32-unknown-unknown >/dev/null 2>&1; then
  cargo build -p tickcast-shared --target wasm32-unknown-unknown
else
  echo "wasm32-unknown-unknown target not available here (rustup target add failed): skipped"
fi

step "no tokio in tickcast-shared"
if cargo tree -p tickcast-shared -e normal | grep -q tokio; then
  echo "tickcast-shared depends on tokio" >&2
  exit 1
fi

step "cargo test (workspace; integration tests start the release binary)"
# the coins game's own server (tests/tests/games_play.rs starts it, as the walk-through does)
cargo build --release -p tickcast-server -p tickcast-client && cargo build --release -p tickcast-coins --example coins-server
# cargo-nextest (on this project's machines) runs every test binary's tests side by
# side, one process each, instead of one binary after another; doc tests need cargo.
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --release --no-fail-fast
  cargo test --workspace --release --doc
else
  cargo test --workspace --release
fi

if [ -f tests/browser/package.json ]; then
  step "node --test (JS decoder golden vectors, browser end-to-end)"
  (cd tests/browser && node --test)
fi
