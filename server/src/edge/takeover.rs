//! Taking a plain HTTP/1 connection over after a response head, for long streams
//! that the application writes more cheaply than hyper's response body can (the
//! spectator fan-out, see `spectators::fanout`).
//!
//! The edge marks every `GET` on a plain-TCP HTTP/1.x connection with a
//! [`TakeoverOffer`]. A handler that takes the offer answers with a response (empty
//! body) carrying a [`Takeover`] in its extensions. The edge then stops serving
//! HTTP on the connection before hyper writes anything for that request, writes the
//! response's head itself ([`head`]: `connection: close`, the body runs until the
//! close; or a `101` with `connection: upgrade`, for a player's WebSocket, see
//! `net::ws_taken`), and runs the takeover with the socket. Requests over TLS or HTTP/2 get no
//! offer. The connection keeps its slot (per-IP permit, gauge) until the takeover
//! is over.
//!
//! hyper is given the socket as a [`Reclaimable`], which leaves it to the edge when
//! hyper is dropped for a takeover (every read and write goes straight to the
//! socket).

use axum::http::{HeaderName, header, response};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// In a request's extensions: this connection can be taken over.
#[derive(Debug, Clone, Copy)]
pub struct TakeoverOffer;

/// What a takeover runs with the socket.
pub type Run = Box<dyn FnOnce(TcpStream) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

/// In a response's extensions: after writing the head, run this with the socket.
#[derive(Clone)]
pub struct Takeover(Arc<Mutex<Option<Run>>>);

impl std::fmt::Debug for Takeover {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Takeover")
    }
}

impl Takeover {
    /// A takeover that runs `run` with the socket once the head is written.
    pub fn new<F, Fut>(run: F) -> Takeover
    where
        F: FnOnce(TcpStream) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let run: Run = Box::new(move |tcp| Box::pin(run(tcp)));
        Takeover(Arc::new(Mutex::new(Some(run))))
    }

    /// Take the run out (once).
    pub(crate) fn take(&self) -> Option<Run> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// Header fields the edge sets itself on a taken-over response.
const FRAMING: [HeaderName; 3] = [
    header::CONTENT_LENGTH,
    header::TRANSFER_ENCODING,
    header::CONNECTION,
];

/// The HTTP/1.1 head of a taken-over response: its status and fields, a `date`,
/// and `connection: close` (its body is delimited by the close), or for a `101`
/// (a WebSocket the application runs itself) `connection: upgrade`.
pub fn head(parts: &response::Parts) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    let status = parts.status;
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(status.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(status.canonical_reason().unwrap_or("").as_bytes());
    out.extend_from_slice(b"\r\n");
    for (name, value) in &parts.headers {
        if FRAMING.contains(name) {
            continue;
        }
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if !parts.headers.contains_key(header::DATE) {
        out.extend_from_slice(b"date: ");
        out.extend_from_slice(httpdate::fmt_http_date(std::time::SystemTime::now()).as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if status == axum::http::StatusCode::SWITCHING_PROTOCOLS {
        out.extend_from_slice(b"connection: upgrade\r\n\r\n");
    } else {
        out.extend_from_slice(b"connection: close\r\n\r\n");
    }
    out
}

/// Where a [`Reclaimable`] leaves its socket when hyper drops it.
pub type Home = Arc<Mutex<Option<TcpStream>>>;

/// The socket as hyper's IO: it delegates every call to the socket, and when hyper
/// drops it while the edge still holds its [`Home`] (a takeover), it leaves the
/// socket there instead of closing it.
pub struct Reclaimable {
    tcp: Option<TcpStream>,
    home: Home,
}

impl Reclaimable {
    /// `tcp`, to be left in the returned home when dropped while that is held.
    pub fn new(tcp: TcpStream) -> (Reclaimable, Home) {
        let home = Home::default();
        let io = Reclaimable {
            tcp: Some(tcp),
            home: Arc::clone(&home),
        };
        (io, home)
    }

    fn tcp(&mut self) -> io::Result<Pin<&mut TcpStream>> {
        match self.tcp.as_mut() {
            Some(tcp) => Ok(Pin::new(tcp)),
            None => Err(io::ErrorKind::NotConnected.into()),
        }
    }
}

impl Drop for Reclaimable {
    fn drop(&mut self) {
        if Arc::strong_count(&self.home) > 1 {
            *self.home.lock().unwrap_or_else(|p| p.into_inner()) = self.tcp.take();
        }
    }
}

impl AsyncRead for Reclaimable {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.tcp()?.poll_read(cx, buf)
    }
}

impl AsyncWrite for Reclaimable {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.tcp()?.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.tcp()?.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.as_ref().is_some_and(|t| t.is_write_vectored())
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.tcp()?.poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.tcp()?.poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderValue, Response, StatusCode};

    #[test]
    fn the_head_is_delimited_by_the_close() {
        let mut res = Response::new(());
        *res.status_mut() = StatusCode::OK;
        let h = res.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/event-stream"),
        );
        h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
        h.insert(
            header::TRANSFER_ENCODING,
            HeaderValue::from_static("chunked"),
        );
        let (parts, ()) = res.into_parts();
        let text = String::from_utf8(head(&parts)).unwrap();
        let (head, rest) = text.split_once("\r\n\r\n").unwrap();
        assert_eq!(rest, "");
        let mut lines = head.lines();
        assert_eq!(lines.next(), Some("HTTP/1.1 200 OK"));
        let fields: Vec<&str> = lines.collect();
        assert!(fields.contains(&"content-type: text/event-stream"));
        assert!(fields.contains(&"connection: close"));
        assert!(fields.iter().any(|f| f.starts_with("date: ")));
        assert!(
            !fields
                .iter()
                .any(|f| f.starts_with("content-length") || f.starts_with("transfer-encoding")),
            "no other framing: {fields:?}"
        );
    }

    #[test]
    fn a_switching_protocols_head_keeps_the_connection_for_the_upgrade() {
        let mut res = Response::new(());
        *res.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        res.headers_mut()
            .insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        let (parts, ()) = res.into_parts();
        let text = String::from_utf8(head(&parts)).unwrap();
        assert!(
            text.starts_with("HTTP/1.1 101 Switching Protocols\r\n"),
            "{text}"
        );
        assert!(text.contains("upgrade: websocket\r\n"), "{text}");
        assert!(text.ends_with("connection: upgrade\r\n\r\n"), "{text}");
        assert!(!text.contains("connection: close"), "{text}");
    }
}
