//! `GET /api/replays/{id}`: the file, streamed from disk in bounded chunks.
//!
//! A download never holds its file in memory: a task reads [`CHUNK`] bytes at a time
//! and hands each to the response body over a one-place channel, so a download holds
//! a few chunks however large the file and however slowly it is read. A download
//! that takes no chunk for `download_timeout_secs` is ended (counted in
//! `tickcast_replay_download_timeouts_total`): its task stops reading and gives its
//! place back, and the body ends short of its `content-length`, which makes the
//! connection close. One address may have `max_downloads_per_ip` downloads open;
//! more are answered 429 (`tickcast_replay_downloads_refused_total`). Exactly the
//! size the file had when opened is sent (a recording in progress grows).

use super::store::{ReplayStore, lock};
use bytes::{Bytes, BytesMut};
use futures_util::stream;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc::{self, error::SendTimeoutError};

/// Bytes read from disk and handed to the body at a time.
pub const CHUNK: usize = 32 * 1024;

/// A place among one address's open downloads; dropping it gives the place back.
pub struct DownloadPermit {
    store: Arc<ReplayStore>,
    ip: Option<IpAddr>,
}

impl Drop for DownloadPermit {
    fn drop(&mut self) {
        let mut open = lock(&self.store.downloads);
        if let Some(n) = open.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
        self.store.metrics.downloads.dec();
    }
}

impl ReplayStore {
    /// A place among `ip`'s open downloads, unless it has `max_downloads_per_ip`
    /// (then counted as refused).
    pub fn try_download(self: &Arc<Self>, ip: Option<IpAddr>) -> Option<DownloadPermit> {
        let mut open = lock(&self.downloads);
        let n = open.entry(ip).or_insert(0);
        if *n >= self.config.max_downloads_per_ip {
            drop(open);
            self.metrics.downloads_refused.inc();
            return None;
        }
        *n += 1;
        self.metrics.downloads.inc();
        Some(DownloadPermit {
            store: Arc::clone(self),
            ip,
        })
    }
}

/// What a download sends: `head` (bytes already read from the file's start), then
/// the rest of `file` up to `size` bytes in all.
pub struct Download {
    pub file: std::fs::File,
    pub head: Vec<u8>,
    pub size: u64,
    pub permit: DownloadPermit,
}

/// The response body of `download`: its task reads the file; the body ends with an
/// error (closing the connection) if the task stops before `size` bytes.
pub fn body(download: Download, timeout: Duration) -> axum::body::Body {
    let (tx, rx) = mpsc::channel::<Bytes>(1);
    let size = download.size;
    tokio::spawn(send(download, tx, timeout));
    let stream = stream::unfold((rx, 0u64), move |(mut rx, sent)| async move {
        match rx.recv().await {
            Some(chunk) => {
                let sent = sent.saturating_add(chunk.len() as u64);
                Some((Ok::<_, std::io::Error>(chunk), (rx, sent)))
            }
            None if sent < size => {
                let cut = std::io::Error::other("the download was cut short");
                // One error, then the end.
                rx.close();
                Some((Err(cut), (rx, size)))
            }
            None => None,
        }
    });
    axum::body::Body::from_stream(stream)
}

/// Read the file and hand it over chunk by chunk, until `size` bytes, the end of
/// the file, the body going away or the deadline.
async fn send(download: Download, tx: mpsc::Sender<Bytes>, timeout: Duration) {
    let Download {
        file,
        head,
        size,
        permit,
    } = download;
    let metrics = permit.store.metrics.clone();
    let hand = async |chunk: Bytes| -> bool {
        match tx.send_timeout(chunk, timeout).await {
            Ok(()) => true,
            Err(SendTimeoutError::Timeout(_)) => {
                metrics.download_timeouts.inc();
                false
            }
            Err(SendTimeoutError::Closed(_)) => false,
        }
    };
    // The file may have grown since its size was taken: send no more than it.
    let mut head = Bytes::from(head);
    head.truncate(usize::try_from(size).unwrap_or(usize::MAX));
    let head_len = head.len() as u64;
    if !head.is_empty() && !hand(head).await {
        return;
    }
    let mut file = tokio::fs::File::from_std(file);
    let mut left = size.saturating_sub(head_len);
    while left > 0 {
        let want = usize::try_from(left).unwrap_or(CHUNK).min(CHUNK);
        let mut buf = BytesMut::zeroed(want);
        let n = match file.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        buf.truncate(n);
        left = left.saturating_sub(n as u64);
        if !hand(buf.freeze()).await {
            break;
        }
    }
    drop(permit);
}
