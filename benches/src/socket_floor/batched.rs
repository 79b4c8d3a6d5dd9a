//! The floor server: one thread, no readiness notification. Each tick drains every
//! socket with one non-blocking `read`, then writes the frame to each with one
//! `write`, then sleeps until the next tick.

use super::ServerCounts;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// One connection: its socket and how much of a frame is still owed.
struct Conn {
    stream: TcpStream,
    /// Bytes of the frame in flight already written (0: none outstanding).
    sent: usize,
    open: bool,
}

/// Send `frame` to every (non-blocking) connection each `period` for `run_for`, or
/// until every connection closed.
pub fn serve(
    streams: Vec<TcpStream>,
    frame: &[u8],
    period: Duration,
    run_for: Duration,
) -> ServerCounts {
    let mut conns: Vec<Conn> = streams
        .into_iter()
        .map(|stream| Conn {
            stream,
            sent: 0,
            open: true,
        })
        .collect();
    let mut buf = vec![0u8; 64 * 1024];
    let mut counts = ServerCounts::default();
    let start = Instant::now();
    let mut next = start;
    let mut open = conns.len();
    while open > 0 && start.elapsed() < run_for {
        // The acks of the last tick: one read per socket (what is left over, if the
        // 64 KiB buffer was not enough, is read next tick).
        for c in conns.iter_mut().filter(|c| c.open) {
            match c.stream.read(&mut buf) {
                Ok(0) => c.open = false,
                Ok(n) => counts.ack_bytes_read += n as u64,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => {}
                Err(_) => c.open = false,
            }
        }
        // One write per socket: this tick's frame or, after a short write, the rest
        // of the last one (this tick's frame then counts as a failure too).
        for c in conns.iter_mut().filter(|c| c.open) {
            let finishing = c.sent > 0;
            match c.stream.write(&frame[c.sent..]) {
                Ok(n) if n > 0 => {
                    c.sent = (c.sent + n) % frame.len(); // 0: the frame is out whole
                    if finishing || c.sent > 0 {
                        counts.write_failures += 1;
                    } else {
                        counts.frames_written += 1;
                    }
                }
                Ok(_) => counts.write_failures += 1,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => {
                    counts.write_failures += 1;
                }
                Err(_) => c.open = false,
            }
        }
        open = conns.iter().filter(|c| c.open).count();
        next += period;
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        } else {
            next = now; // late: keep the period from here, no burst of catch-up ticks
        }
    }
    counts
}
