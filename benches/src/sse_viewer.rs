//! One load-test viewer: a plain HTTP/1.1 `GET` of an event stream over a raw socket,
//! de-chunked (when the body is chunked; else it runs until the close) and split into SSE events with as little work as possible (only the
//! `event:` and `id:` lines are looked at), so thousands fit beside the server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

/// Longest response head accepted.
const MAX_HEAD: usize = 16 << 10;
/// Bytes of a line kept to classify it (`event: keyframe`, `id: <20 digits>`).
const KEEP: usize = 32;
/// Bytes read from the socket at once.
const READ_BUFFER: usize = 16 << 10;

/// The measurement window, shared by every viewer: milliseconds since `base`
/// (0: not yet set).
#[derive(Debug)]
pub struct Window {
    pub base: Instant,
    /// `base` as milliseconds since the Unix epoch (to line up several processes).
    pub base_unix_ms: f64,
    pub start_ms: AtomicU64,
    pub end_ms: AtomicU64,
}

impl Window {
    pub fn new() -> Arc<Window> {
        Arc::new(Window {
            base: Instant::now(),
            base_unix_ms: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64() * 1000.0),
            start_ms: AtomicU64::new(0),
            end_ms: AtomicU64::new(0),
        })
    }

    fn now_ms(&self) -> f64 {
        self.base.elapsed().as_secs_f64() * 1000.0
    }

    fn set(at: &AtomicU64, ms: f64) {
        at.store((ms as u64).max(1), Ordering::Release);
    }

    pub fn open(&self) {
        Window::set(&self.start_ms, self.now_ms());
    }

    pub fn close(&self) {
        Window::set(&self.end_ms, self.now_ms());
    }

    fn inside(&self, ms: f64) -> bool {
        let start = self.start_ms.load(Ordering::Acquire);
        let end = self.end_ms.load(Ordering::Acquire);
        start != 0 && ms >= start as f64 && (end == 0 || ms < end as f64)
    }

    fn closed(&self) -> bool {
        self.end_ms.load(Ordering::Acquire) != 0
    }
}

/// What one viewer saw inside the window.
#[derive(Debug, Default)]
pub struct ViewerStats {
    pub connected: bool,
    pub bytes: u64,
    pub events: u64,
    /// `(frame id, arrival in ms since the window's base)`, in order.
    pub frames: Vec<(u64, f64)>,
    pub error: Option<String>,
}

enum Chunk {
    /// The body is not chunked: every byte is event text.
    Identity,
    Size(Vec<u8>),
    Data(usize),
    Crlf(usize),
    Done,
}

/// The SSE side: the start of the current line, and the event being read.
#[derive(Default)]
struct Events {
    line: Vec<u8>,
    name_is_frame: bool,
    id: Option<u64>,
}

impl Events {
    /// Feed a run of body bytes (line by line: only the first [`KEEP`] bytes of a
    /// line are kept, data lines are skipped over).
    fn bytes(&mut self, mut bytes: &[u8], at_ms: f64, window: &Window, stats: &mut ViewerStats) {
        while let Some(end) = memchr::memchr(b'\n', bytes) {
            self.keep(&bytes[..end]);
            self.line_done(at_ms, window, stats);
            bytes = &bytes[end + 1..];
        }
        self.keep(bytes);
    }

    fn keep(&mut self, part: &[u8]) {
        let room = KEEP.saturating_sub(self.line.len());
        self.line.extend_from_slice(&part[..room.min(part.len())]);
    }

    fn line_done(&mut self, at_ms: f64, window: &Window, stats: &mut ViewerStats) {
        let line = self.line.strip_suffix(b"\r").unwrap_or(&self.line);
        if line.is_empty() {
            if let Some(id) = self.id.take()
                && window.inside(at_ms)
            {
                stats.events += 1;
                if self.name_is_frame {
                    stats.frames.push((id, at_ms));
                }
            }
            self.name_is_frame = false;
        } else if let Some(name) = line.strip_prefix(b"event: ") {
            self.name_is_frame = name == b"keyframe" || name == b"delta";
        } else if let Some(id) = line.strip_prefix(b"id: ") {
            self.id = std::str::from_utf8(id).ok().and_then(|s| s.parse().ok());
        }
        self.line.clear();
    }
}

/// Watch `path` on `addr` until the window closes (or the stream ends); `head`
/// is told once the response head was read (or the attempt failed).
pub async fn watch_with(
    addr: SocketAddr,
    path: String,
    window: Arc<Window>,
    head: Option<oneshot::Sender<()>>,
) -> ViewerStats {
    let mut stats = ViewerStats::default();
    let mut head = head;
    if let Err(e) = run(addr, &path, &window, &mut stats, &mut head).await {
        stats.error = Some(e.to_string());
    }
    if let Some(tx) = head.take() {
        let _ = tx.send(());
    }
    stats
}

async fn run(
    addr: SocketAddr,
    path: &str,
    window: &Window,
    stats: &mut ViewerStats,
    head_read: &mut Option<oneshot::Sender<()>>,
) -> std::io::Result<()> {
    let mut stream = TcpStream::connect(addr).await?;
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut buf = vec![0u8; READ_BUFFER];
    let mut head = Vec::new();
    let body_start = loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(std::io::Error::other("closed before the response head"));
        }
        head.extend_from_slice(&buf[..n]);
        if let Some(p) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        if head.len() > MAX_HEAD {
            return Err(std::io::Error::other("response head too large"));
        }
    };
    let status = head.split(|&b| b == b' ').nth(1).unwrap_or_default();
    if status != b"200" {
        return Err(std::io::Error::other(format!(
            "status {}",
            String::from_utf8_lossy(status)
        )));
    }
    stats.connected = true;
    if let Some(tx) = head_read.take() {
        let _ = tx.send(());
    }
    let chunked = String::from_utf8_lossy(&head[..body_start])
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let mut chunk = if chunked {
        Chunk::Size(Vec::new())
    } else {
        Chunk::Identity
    };
    let mut events = Events::default();
    let rest = head.split_off(body_start);
    feed(&rest, &mut chunk, &mut events, window, stats);
    while !window.closed() && !matches!(chunk, Chunk::Done) {
        // No timeout per read (a timer per read costs the load generator more than
        // the read): the collector gives up on a viewer that never returns.
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        let at = window.base.elapsed().as_secs_f64() * 1000.0;
        if window.inside(at) {
            stats.bytes += n as u64;
        }
        feed(&buf[..n], &mut chunk, &mut events, window, stats);
    }
    Ok(())
}

/// De-chunk `bytes` (HTTP/1.1 chunked body) into the SSE parser.
fn feed(
    bytes: &[u8],
    chunk: &mut Chunk,
    events: &mut Events,
    window: &Window,
    stats: &mut ViewerStats,
) {
    let at = window.base.elapsed().as_secs_f64() * 1000.0;
    let mut i = 0;
    while i < bytes.len() {
        match chunk {
            Chunk::Identity => {
                events.bytes(&bytes[i..], at, window, stats);
                return;
            }
            Chunk::Size(line) => {
                let b = bytes[i];
                i += 1;
                if b != b'\n' {
                    if line.len() < 32 {
                        line.push(b);
                    }
                    continue;
                }
                let text = String::from_utf8_lossy(line);
                let hex = text.split(';').next().unwrap_or("").trim();
                *chunk = match usize::from_str_radix(hex, 16) {
                    Ok(0) | Err(_) => Chunk::Done,
                    Ok(n) => Chunk::Data(n),
                };
            }
            Chunk::Data(left) => {
                let take = (*left).min(bytes.len() - i);
                events.bytes(&bytes[i..i + take], at, window, stats);
                i += take;
                *left -= take;
                if *left == 0 {
                    *chunk = Chunk::Crlf(2);
                }
            }
            Chunk::Crlf(left) => {
                i += 1;
                *left -= 1;
                if *left == 0 {
                    *chunk = Chunk::Size(Vec::new());
                }
            }
            Chunk::Done => return,
        }
    }
}
