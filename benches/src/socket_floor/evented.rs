//! The evented server: the shape of a tokio server with nothing else in it. A
//! multi-threaded runtime (one worker per core, as `#[tokio::main]` gives), one task
//! per connection, woken by a tick channel to write the frame and by its socket's
//! readiness to read the client's ack.

use super::{BoxError, ServerCounts};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;

#[derive(Default)]
struct Counters {
    frames_written: AtomicU64,
    write_failures: AtomicU64,
    ack_bytes_read: AtomicU64,
}

/// Send `frame` to every (non-blocking) connection each `period` for `run_for`, or
/// until every connection closed.
pub fn serve(
    streams: Vec<TcpStream>,
    frame: Vec<u8>,
    period: Duration,
    run_for: Duration,
) -> Result<ServerCounts, BoxError> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let counters = Arc::new(Counters::default());
        let frame: Arc<[u8]> = frame.into();
        let (ticks, _) = watch::channel(0u64);
        let mut conns = tokio::task::JoinSet::new();
        for stream in streams {
            let stream = tokio::net::TcpStream::from_std(stream)?;
            let rx = ticks.subscribe();
            conns.spawn(conn(stream, rx, Arc::clone(&frame), Arc::clone(&counters)));
        }
        let stop = tokio::time::sleep(run_for);
        tokio::pin!(stop);
        let mut clock = tokio::time::interval(period);
        clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut tick = 0u64;
        loop {
            tokio::select! {
                () = &mut stop => break,
                _ = clock.tick() => {
                    tick += 1;
                    ticks.send_replace(tick);
                }
                done = conns.join_next() => if done.is_none() { break },
            }
        }
        conns.shutdown().await;
        Ok(ServerCounts {
            frames_written: counters.frames_written.load(Ordering::Relaxed),
            write_failures: counters.write_failures.load(Ordering::Relaxed),
            ack_bytes_read: counters.ack_bytes_read.load(Ordering::Relaxed),
        })
    })
}

/// One connection: the frame at every tick (one `try_write`; the rest, if it was
/// short, written before anything else), the acks as they come.
async fn conn(
    mut stream: tokio::net::TcpStream,
    mut ticks: watch::Receiver<u64>,
    frame: Arc<[u8]>,
    counters: Arc<Counters>,
) {
    let mut buf = vec![0u8; 4096];
    loop {
        tokio::select! {
            changed = ticks.changed() => {
                if changed.is_err() {
                    return;
                }
                let written = match stream.try_write(&frame) {
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => 0,
                    Err(_) => return,
                };
                if written == frame.len() {
                    counters.frames_written.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                counters.write_failures.fetch_add(1, Ordering::Relaxed);
                if stream.write_all(&frame[written..]).await.is_err() {
                    return;
                }
            }
            read = stream.read(&mut buf) => match read {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    counters.ack_bytes_read.fetch_add(n as u64, Ordering::Relaxed);
                }
            },
        }
    }
}
