//! The server under load: a child process on loopback, and what /proc says about it.
//!
//! [`ServerProcess::start`] runs the real `tickcast-server` binary with
//! `--http 127.0.0.1:0` and reads its stdout until it prints
//! `listening on http://ADDR`. CPU time (utime + stime from `/proc/<pid>/stat`) and the
//! peak resident set (`VmHWM` from `/proc/<pid>/status`) are read from procfs, so the
//! figures are Linux-only.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// How long the server may take to print its address.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the server may take to exit after SIGTERM before it is killed.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

pub use crate::procfs::BoxError;

/// Per-address limits for load runs (all clients share one address).
pub const LOAD_LIMITS: [(&str, &str); 3] = [
    ("--max-connections-per-ip", "1000000"),
    ("--lobby-rate", "1000000"),
    ("--lobby-burst", "1000000"),
];

/// A running server child process (killed when dropped).
pub struct ServerProcess {
    child: Child,
    pid: u32,
    base_url: String,
}

impl ServerProcess {
    /// Start `binary` on a free loopback port with `extra_args` appended and `envs`
    /// set. Every load-generator connection comes from 127.0.0.1, so the
    /// per-address limits are raised ([`LOAD_LIMITS`]) unless `extra_args` set them.
    pub async fn start(
        binary: &Path,
        extra_args: &[String],
        envs: &[(&str, String)],
    ) -> Result<ServerProcess, BoxError> {
        let limits = LOAD_LIMITS
            .iter()
            .filter(|(flag, _)| !extra_args.iter().any(|a| a.starts_with(flag)))
            .flat_map(|(flag, value)| [*flag, *value]);
        let mut child = Command::new(binary)
            .args(["--http", "127.0.0.1:0"])
            .args(extra_args)
            .args(limits)
            .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("starting {}: {e}", binary.display()))?;
        let pid = child.id().ok_or("server exited at once")?;
        let stdout = child.stdout.take().ok_or("no stdout pipe")?;
        let mut lines = BufReader::new(stdout).lines();
        let find_addr = async {
            while let Some(line) = lines.next_line().await? {
                if let Some(addr) = line.split("listening on http://").nth(1) {
                    return Ok::<_, std::io::Error>(Some(addr.trim().to_owned()));
                }
            }
            Ok(None)
        };
        let addr = tokio::time::timeout(STARTUP_TIMEOUT, find_addr)
            .await
            .map_err(|_| "server did not print its address in time")??
            .ok_or("server closed stdout without printing `listening on http://ADDR`")?;
        if !addr.starts_with("127.") {
            return Err(format!("server listens on {addr}, not on loopback").into());
        }
        // Keep draining stdout so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(ServerProcess {
            child,
            pid,
            base_url: format!("http://{addr}"),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// CPU time used so far (user + system), in seconds.
    pub fn cpu_seconds(&self, clock_ticks_per_sec: f64) -> Result<f64, BoxError> {
        crate::procfs::cpu_seconds(self.pid, clock_ticks_per_sec)
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Resident set size now, in MiB (`VmRSS`).
    pub fn rss_mib(&self) -> Result<f64, BoxError> {
        crate::procfs::memory_mib(self.pid, "VmRSS")
    }

    /// Peak resident set size so far, in MiB (`VmHWM`).
    pub fn peak_rss_mib(&self) -> Result<f64, BoxError> {
        crate::procfs::memory_mib(self.pid, "VmHWM")
    }

    /// Ask the server to stop (SIGTERM, via `kill`), wait a bounded time, then kill it.
    pub async fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .await;
        if tokio::time::timeout(SHUTDOWN_TIMEOUT, self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

/// The server binary: `explicit` if given, else `tickcast-server` beside this
/// executable (both are built into `target/<profile>/`).
pub fn server_binary(explicit: Option<PathBuf>) -> Result<PathBuf, BoxError> {
    if let Some(path) = explicit {
        return Ok(path);
    }
    let exe = std::env::current_exe()?;
    let dir = exe.parent().ok_or("executable has no directory")?;
    let path = dir.join(format!("tickcast-server{}", std::env::consts::EXE_SUFFIX));
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "{} not found: build it first (cargo build --release -p tickcast-server) or pass --server-bin",
            path.display()
        )
        .into())
    }
}
