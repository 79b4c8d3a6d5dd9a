//! A minimal Server-Sent Events client over a raw loopback socket, for the SSE
//! tests: it sends one HTTP/1.1 `GET`, reads the status and headers, de-chunks the
//! body and parses it into events, comments and `retry:` lines exactly as they came,
//! so tests can check the wire format itself.

use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Longest line or chunk header the client accepts (tests talk to our own server).
const MAX_LINE: usize = 1 << 24;

/// One item of an event stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SseItem {
    /// An event: its `event:` name, `id:` and `data:` (lines joined by `\n`).
    Event {
        event: String,
        id: Option<String>,
        data: String,
    },
    /// A comment line (`: text`), e.g. a keep-alive.
    Comment(String),
    /// A `retry:` field alone.
    Retry(String),
}

/// An open SSE response.
pub struct SseClient {
    reader: BufReader<TcpStream>,
    pub status: u16,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    chunked: bool,
    body: Vec<u8>,
    eof: bool,
}

impl SseClient {
    /// `GET path` on `addr`, with `Last-Event-ID` when given.
    pub async fn connect(
        addr: SocketAddr,
        path: &str,
        last_event_id: Option<&str>,
    ) -> std::io::Result<SseClient> {
        let stream = TcpStream::connect(addr).await?;
        SseClient::request(stream, addr, path, last_event_id).await
    }

    /// `GET path` on `addr` from a socket with a small receive buffer (`bytes`), for
    /// viewers that stop reading: the server soon has nowhere to write.
    pub async fn connect_small_window(
        addr: SocketAddr,
        path: &str,
        bytes: u32,
    ) -> std::io::Result<SseClient> {
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.set_recv_buffer_size(bytes)?;
        let stream = socket.connect(addr).await?;
        SseClient::request(stream, addr, path, None).await
    }

    /// `GET path` on an open connection to `addr` (a kept-alive one, say).
    pub async fn request(
        mut stream: TcpStream,
        addr: SocketAddr,
        path: &str,
        last_event_id: Option<&str>,
    ) -> std::io::Result<SseClient> {
        let mut request =
            format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n");
        if let Some(id) = last_event_id {
            request.push_str(&format!("Last-Event-ID: {id}\r\n"));
        }
        request.push_str("\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut reader = BufReader::new(stream);
        let status_line = read_line(&mut reader).await?;
        let status = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| invalid(format!("bad status line {status_line:?}")))?;
        let mut headers = Vec::new();
        loop {
            let line = read_line(&mut reader).await?;
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
            }
        }
        let chunked = headers
            .iter()
            .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
        Ok(SseClient {
            reader,
            status,
            headers,
            chunked,
            body: Vec::new(),
            eof: false,
        })
    }

    /// The connection, for another request once this response was read whole.
    pub fn into_stream(self) -> TcpStream {
        self.reader.into_inner()
    }

    /// The value of a response header.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Read more body bytes into `self.body`; false at the end of the body.
    async fn fill(&mut self) -> std::io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if !self.chunked {
            let mut buf = [0u8; 8192];
            let n = self.reader.read(&mut buf).await?;
            self.eof = n == 0;
            self.body.extend_from_slice(&buf[..n]);
            return Ok(n > 0);
        }
        let size_line = read_line(&mut self.reader).await?;
        let size = usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| invalid(format!("bad chunk size {size_line:?}")))?;
        if size == 0 {
            self.eof = true;
            return Ok(false);
        }
        if size > MAX_LINE {
            return Err(invalid("chunk too large".into()));
        }
        let start = self.body.len();
        self.body.resize(start + size, 0);
        self.reader.read_exact(&mut self.body[start..]).await?;
        let mut crlf = [0u8; 2];
        self.reader.read_exact(&mut crlf).await?;
        Ok(true)
    }

    /// The next line of the body (without its `\n`), or `None` at its end.
    async fn line(&mut self) -> std::io::Result<Option<String>> {
        loop {
            if let Some(pos) = self.body.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.body.drain(..=pos).collect();
                let text = String::from_utf8(line[..pos].to_vec())
                    .map_err(|_| invalid("body is not UTF-8".into()))?;
                return Ok(Some(text.trim_end_matches('\r').to_owned()));
            }
            if self.body.len() > MAX_LINE {
                return Err(invalid("line too long".into()));
            }
            if !self.fill().await? {
                return Ok(None);
            }
        }
    }

    /// The next item, or `None` when the server ended the stream.
    pub async fn next(&mut self) -> std::io::Result<Option<SseItem>> {
        let (mut event, mut id, mut data, mut retry) = (None, None, None::<String>, None);
        loop {
            let Some(line) = self.line().await? else {
                return Ok(None);
            };
            if line.is_empty() {
                if let Some(data) = data {
                    let event = event.unwrap_or_else(|| "message".to_owned());
                    return Ok(Some(SseItem::Event { event, id, data }));
                }
                if let Some(retry) = retry.take() {
                    return Ok(Some(SseItem::Retry(retry)));
                }
                continue;
            }
            if let Some(comment) = line.strip_prefix(':') {
                return Ok(Some(SseItem::Comment(comment.trim().to_owned())));
            }
            let (field, value) = line.split_once(':').unwrap_or((line.as_str(), ""));
            let value = value.strip_prefix(' ').unwrap_or(value).to_owned();
            match field {
                "event" => event = Some(value),
                "id" => id = Some(value),
                "retry" => retry = Some(value),
                "data" => {
                    data = Some(match data {
                        Some(d) => format!("{d}\n{value}"),
                        None => value,
                    })
                }
                _ => {}
            }
        }
    }

    /// The next item within `limit`.
    pub async fn next_within(&mut self, limit: Duration) -> Option<SseItem> {
        match tokio::time::timeout(limit, self.next()).await {
            Ok(Ok(item)) => item,
            Ok(Err(e)) => panic!("reading the event stream failed: {e}"),
            Err(_) => panic!("no event within {limit:?}"),
        }
    }

    /// The rest of a non-stream body (e.g. a JSON error), as text.
    pub async fn body_text(&mut self) -> std::io::Result<String> {
        let len: Option<usize> = self.header("content-length").and_then(|v| v.parse().ok());
        if let Some(len) = len {
            let mut buf = vec![0u8; len];
            self.reader.read_exact(&mut buf).await?;
            return String::from_utf8(buf).map_err(|_| invalid("body is not UTF-8".into()));
        }
        while self.fill().await? {}
        String::from_utf8(std::mem::take(&mut self.body))
            .map_err(|_| invalid("body is not UTF-8".into()))
    }
}

fn invalid(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, message)
}

async fn read_line(reader: &mut BufReader<TcpStream>) -> std::io::Result<String> {
    let mut line = String::new();
    let n = (&mut *reader)
        .take(MAX_LINE as u64)
        .read_line(&mut line)
        .await?;
    if n == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "connection closed",
        ));
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
