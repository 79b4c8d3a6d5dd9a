//! A real `redis-server` on a free loopback port, for the cluster tests: started
//! with `--save '' --appendonly no` (nothing on disk), killed on drop, and
//! restartable on the same port (to test a Redis outage), and freezable (SIGSTOP,
//! then SIGCONT: a Redis that holds its connections but answers nothing).

use std::net::{Ipv4Addr, SocketAddr};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

/// A running redis-server; killed on drop.
pub struct RedisServer {
    pub port: u16,
    /// `redis://127.0.0.1:PORT`
    pub url: String,
    child: Option<Child>,
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}

fn spawn(port: u16) -> Child {
    Command::new("redis-server")
        .args(["--port", &port.to_string()])
        .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start redis-server (tests/run-all.sh installs it)")
}

/// True when the server at `port` answers `PING`.
async fn pong(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut s) = TcpStream::connect(addr).await else {
        return false;
    };
    if s.write_all(b"PING\r\n").await.is_err() {
        return false;
    }
    let mut buf = [0u8; 7];
    s.read_exact(&mut buf).await.is_ok() && &buf == b"+PONG\r\n"
}

async fn wait_ready(port: u16) {
    let ready = async {
        while !pong(port).await {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), ready)
        .await
        .expect("redis-server answers PING within 10 s");
}

impl RedisServer {
    /// Start redis-server on a free loopback port and wait until it answers.
    pub async fn start() -> RedisServer {
        let port = free_port();
        let child = spawn(port);
        wait_ready(port).await;
        RedisServer {
            port,
            url: format!("redis://127.0.0.1:{port}"),
            child: Some(child),
        }
    }

    /// Kill the server (its data is gone) and wait until it has exited.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
    }

    /// Freeze the server (SIGSTOP): its sockets stay open, nothing is answered.
    pub fn freeze(&self) {
        self.signal("-STOP");
    }

    /// Let a frozen server run again (SIGCONT); it keeps its data.
    pub fn thaw(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, which: &str) {
        let pid = self
            .child
            .as_ref()
            .and_then(Child::id)
            .expect("redis-server is running");
        let status = std::process::Command::new("kill")
            .args([which, &pid.to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill {which} {pid}");
    }

    /// Run one command (a RESP array of `args`) on a fresh connection; returns the
    /// reply's first line (`+OK`, `:1`, `-ERR ...`), e.g. to write a record as an
    /// older node would have.
    pub async fn command(&self, args: &[&str]) -> String {
        let mut frame = format!("*{}\r\n", args.len());
        for a in args {
            frame.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let mut s = TcpStream::connect(addr)
            .await
            .expect("connect to redis-server");
        s.write_all(frame.as_bytes()).await.expect("send a command");
        let mut reply = Vec::new();
        let mut byte = [0u8; 1];
        while !reply.ends_with(b"\r\n") {
            s.read_exact(&mut byte).await.expect("read the reply");
            reply.push(byte[0]);
        }
        String::from_utf8_lossy(&reply).trim_end().to_owned()
    }

    /// Start a fresh, empty server on the same port.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.child = Some(spawn(self.port));
        wait_ready(self.port).await;
    }
}
