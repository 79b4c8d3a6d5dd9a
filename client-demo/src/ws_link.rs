//! The WebSocket link: protocol messages in and out, every frame size-checked.
//!
//! [`WsLink`] knows bytes and messages, not the game. Incoming frames are bounded
//! twice: tungstenite refuses frames and messages over the limit while reading (so a
//! hostile server cannot make it buffer without bound), and every binary frame is
//! checked again before `codec::decode_server` sees it. Text frames are refused; a
//! close frame becomes [`ClientError::Closed`] with the server's code and reason.
//! `wss://` URLs are verified against [`crate::tls::roots`] (the server's name
//! included); `ws://` is plain TCP. Both with TCP_NODELAY.

use crate::connection::decode_envelope;
use crate::error::{ClientError, Result};
use crate::tls::Stream;
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tickcast_shared::codec::encode_client;
use tickcast_shared::protocol::{ClientMsg, ServerMsg};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::protocol::frame::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// One WebSocket connection to a tickcast server.
pub struct WsLink {
    ws: WebSocketStream<Stream>,
    max_frame: usize,
    bytes_received: u64,
    frames_received: u64,
}

impl std::fmt::Debug for WsLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsLink")
            .field("max_frame", &self.max_frame)
            .field("bytes_received", &self.bytes_received)
            .finish_non_exhaustive()
    }
}

impl WsLink {
    /// Open a WebSocket to `url` (`ws://host:port/ws?ticket=…` or `wss://…`) within
    /// `timeout`, accepting frames of at most `max_frame` bytes.
    pub async fn open(url: &str, max_frame: usize, timeout: Duration) -> Result<WsLink> {
        let config = WebSocketConfig::default()
            .max_message_size(Some(max_frame))
            .max_frame_size(Some(max_frame));
        let connect = async {
            let request = url.into_client_request()?;
            let uri = request.uri();
            let tls = match uri.scheme_str() {
                Some("ws") => false,
                Some("wss") => true,
                _ => {
                    return Err(ClientError::InvalidUrl {
                        url: url.to_owned(),
                        reason: "expected ws:// or wss://",
                    });
                }
            };
            let host = uri.host().unwrap_or_default();
            let host = host
                .strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .unwrap_or(host)
                .to_owned();
            let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
            let scheme = if tls { "wss" } else { "ws" };
            let stream = Stream::connect(scheme, &host, port, tls).await?;
            let (ws, response) =
                tokio_tungstenite::client_async_with_config(request, stream, Some(config)).await?;
            Ok((ws, response))
        };
        let (ws, _response) =
            tokio::time::timeout(timeout, connect)
                .await
                .map_err(|_| ClientError::Timeout {
                    what: "websocket connect",
                    after: timeout,
                })??;
        Ok(WsLink {
            ws,
            max_frame,
            bytes_received: 0,
            frames_received: 0,
        })
    }

    /// Send one message as a binary frame.
    pub async fn send(&mut self, msg: &ClientMsg) -> Result<()> {
        self.ws
            .send(Message::Binary(encode_client(msg).into()))
            .await?;
        Ok(())
    }

    /// Receive the next server message. Cancel-safe: a cancelled call loses nothing.
    ///
    /// A frame that is too large or does not decode returns a recoverable error
    /// ([`ClientError::is_recoverable`]); the connection can go on reading.
    pub async fn recv(&mut self) -> Result<ServerMsg> {
        loop {
            let Some(msg) = self.ws.next().await else {
                return Err(ClientError::Closed {
                    code: u16::from(CloseCode::Abnormal),
                    reason: "connection ended without a close frame".to_owned(),
                });
            };
            match msg? {
                Message::Binary(bytes) => {
                    self.frames_received += 1;
                    self.bytes_received += bytes.len() as u64;
                    return decode_envelope(&bytes, self.max_frame);
                }
                Message::Text(_) => return Err(ClientError::TextFrame),
                Message::Close(frame) => {
                    let (code, reason) = frame
                        .map(|f| (u16::from(f.code), f.reason.to_string()))
                        .unwrap_or((u16::from(CloseCode::Status), String::new()));
                    return Err(ClientError::Closed { code, reason });
                }
                // Pings are answered by tungstenite itself; nothing else to do.
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
            }
        }
    }

    /// Close the connection with a normal close frame (errors are ignored: the peer
    /// may already be gone).
    pub async fn close(&mut self, reason: &str) {
        let frame = CloseFrame {
            code: CloseCode::Normal,
            reason: reason.to_owned().into(),
        };
        let _ = self.ws.close(Some(frame)).await;
    }

    /// Payload bytes of binary frames received so far.
    pub fn bytes_received(&self) -> u64 {
        self.bytes_received
    }

    /// Binary frames received so far.
    pub fn frames_received(&self) -> u64 {
        self.frames_received
    }

    /// The frame size limit.
    pub fn max_frame(&self) -> usize {
        self.max_frame
    }
}
