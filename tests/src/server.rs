//! The real server binary as a child process on `127.0.0.1:0`.
//!
//! [`TestServer::start`] runs `target/release/tickcast-server` (or the debug build
//! when there is no release one) with `--http 127.0.0.1:0` and the given arguments,
//! reads its output until it prints `listening on http://ADDR` (or `https://`), and
//! kills it when dropped.
//!
//! Tests open many connections and lobby calls from 127.0.0.1, so unless `args` set
//! them the per-address limits are raised ([`GENEROUS_LIMITS`]); the edge tests pass
//! their own values.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Per-address limits for tests that are not about them (a flag in `args` wins).
pub const GENEROUS_LIMITS: [(&str, &str); 4] = [
    ("--max-connections-per-ip", "100000"),
    ("--lobby-rate", "100000"),
    ("--lobby-burst", "100000"),
    ("--max-rooms-per-ip", "100000"),
];

/// How long the server may take to print its address.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Path of a workspace binary (`tickcast-server`, `tickcast-client`): the release
/// build if there is one (the README's test command builds it), else the debug one.
pub fn binary(name: &str) -> PathBuf {
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target");
    let release = target.join("release").join(name);
    if release.exists() {
        release
    } else {
        target.join("debug").join(name)
    }
}

/// Path of the server binary.
pub fn server_binary() -> PathBuf {
    binary("tickcast-server")
}

/// Path of the client binary.
pub fn client_binary() -> PathBuf {
    binary("tickcast-client")
}

/// Run `tickcast-client bots --server URL <args> --json` (bounded to 30 s), check
/// that it succeeded and printed exactly one line, and return that JSON report.
pub async fn bots_report(url: &str, args: &[&str]) -> serde_json::Value {
    let (status, report) = bots_run(url, args).await;
    assert!(status.success(), "{status:?}: {report}");
    report
}

/// `tickcast-client bots --json` against `url`: its exit status and its one JSON line
/// (the report is printed whether or not any bot got a seat).
pub async fn bots_run(url: &str, args: &[&str]) -> (std::process::ExitStatus, serde_json::Value) {
    let run = tokio::process::Command::new(client_binary())
        .args(["bots", "--server", url, "--json"])
        .args(args)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("bots stop by themselves")
        .expect("run tickcast-client bots");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 report");
    assert_eq!(stdout.lines().count(), 1, "one line: {stdout} {stderr}");
    let report = serde_json::from_str(stdout.trim()).expect("a JSON report");
    (out.status, report)
}

/// A running server; killed on drop.
pub struct TestServer {
    pub addr: SocketAddr,
    /// `http://ADDR` (`https://ADDR` when the server serves TLS)
    pub url: String,
    child: Child,
}

impl TestServer {
    /// Start the server with `args` added after `--http 127.0.0.1:0`. Matches are
    /// recorded only when `args` name a `--replay-dir` (else `--no-replays` is added).
    pub async fn start(args: &[&str]) -> TestServer {
        Self::start_in(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")), args).await
    }

    /// [`TestServer::start`], with `dir` as the server's working directory instead of
    /// the repository root (e.g. to prove nothing is read from `assets/`).
    pub async fn start_in(dir: &Path, args: &[&str]) -> TestServer {
        Self::start_wrapped(dir, &[], args).await
    }

    /// [`TestServer::start_in`], the binary run by `wrapper` (its program and
    /// arguments, followed by the server's path and arguments; empty: none), e.g.
    /// `bash -c 'ulimit -f 4; exec "$0" "$@"'`.
    pub async fn start_wrapped(dir: &Path, wrapper: &[&str], args: &[&str]) -> TestServer {
        Self::start_program(&server_binary(), dir, wrapper, args).await
    }

    /// [`TestServer::start`] of another server program built on the engine (a
    /// studio's own `main`, such as the coins game's example server).
    pub async fn start_binary(bin: &Path, args: &[&str]) -> TestServer {
        let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
        Self::start_program(bin, root, &[], args).await
    }

    async fn start_program(bin: &Path, dir: &Path, wrapper: &[&str], args: &[&str]) -> TestServer {
        let records = args
            .iter()
            .any(|a| a.starts_with("--replay-dir") || *a == "--no-replays");
        let no_replays: &[&str] = if records { &[] } else { &["--no-replays"] };
        let limits = GENEROUS_LIMITS
            .iter()
            .filter(|(flag, _)| !args.iter().any(|a| a.starts_with(flag)))
            .flat_map(|(flag, value)| [*flag, *value]);
        let mut command = match wrapper.split_first() {
            Some((program, wrapper_args)) => {
                let mut c = Command::new(program);
                c.args(wrapper_args).arg(bin);
                c
            }
            None => Command::new(bin),
        };
        let mut child = command
            .current_dir(dir)
            .args(["--http", "127.0.0.1:0"])
            .args(args)
            .args(limits)
            .args(no_replays)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
            panic!("the server's output is not piped");
        };
        let find = async {
            let mut out = BufReader::new(stdout).lines();
            let mut err = BufReader::new(stderr).lines();
            let mut seen = String::new();
            loop {
                let line = tokio::select! {
                    l = out.next_line() => l,
                    l = err.next_line() => l,
                };
                let Ok(Some(line)) = line else {
                    panic!("server exited before listening:\n{seen}");
                };
                let found = ["http", "https"].into_iter().find_map(|scheme| {
                    let rest = line.split(&format!("listening on {scheme}://")).nth(1)?;
                    Some((
                        scheme,
                        rest.split_whitespace().next().unwrap_or("").to_owned(),
                    ))
                });
                if let Some((scheme, addr)) = found {
                    // Keep draining both pipes so the server never blocks on them.
                    tokio::spawn(async move { while let Ok(Some(_)) = out.next_line().await {} });
                    tokio::spawn(async move { while let Ok(Some(_)) = err.next_line().await {} });
                    let addr = addr
                        .parse::<SocketAddr>()
                        .unwrap_or_else(|e| panic!("bad address in {line:?}: {e}"));
                    return (scheme, addr);
                }
                seen.push_str(&line);
                seen.push('\n');
            }
        };
        let Ok((scheme, addr)) = tokio::time::timeout(START_TIMEOUT, find).await else {
            panic!("server did not print its address within {START_TIMEOUT:?}");
        };
        TestServer {
            addr,
            url: format!("{scheme}://{addr}"),
            child,
        }
    }

    /// The server's process id (while it runs).
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Whether the server process has exited (without waiting).
    pub fn has_exited(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }

    /// Kill the server and wait for it to exit.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

impl TestServer {
    /// Send `signal` (e.g. `-HUP`) to the server.
    pub fn signal(&self, signal: &str) {
        let pid = self.child.id().expect("server pid");
        let status = std::process::Command::new("kill")
            .args([signal, &pid.to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill {signal} failed");
    }

    /// Send SIGTERM and wait (bounded) for the exit status.
    pub async fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().expect("server pid");
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
        tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .expect("server did not exit within 10 s of SIGTERM")
            .expect("wait for server")
    }
}
