//! Browsers on the QUIC endpoint: WebTransport sessions (HTTP/3, ALPN `h3`), served
//! with `web-transport-quinn` on the connection the endpoint accepted.
//!
//! The session's URL is `/wt?ticket=T` or `/wt?resume=TOKEN`. It is checked before
//! the session is accepted, by the same code as `/ws` ([`crate::net::entry_check`]):
//! a refused ticket is answered 401 (429 past the address's rate of checks, 404 for
//! another path) and never redeemed, and the refusal is counted; an accepted one is
//! used only at the session's `Hello`, so a browser that gives up on a slow session
//! and falls back to WebSocket still holds a good ticket. The refusal is counted
//! (`tickcast_webtransport_refused_total{reason}`). The HTTP/3 handshake, the
//! `CONNECT` and the control stream must all come within `hello_timeout_secs` of the
//! connection's arrival; the connection counts against the same per-address and
//! endpoint limits as a native one. From then on the session speaks exactly the
//! native protocol (`tickcast_shared::quic`): control frames on the bidirectional
//! stream the browser opens, inputs and snapshots (fragmented when larger than the
//! browser's datagram size) as datagrams.

use super::link::QuicLink;
use crate::ctx::ServerCtx;
use crate::metrics::WtRefusal;
use crate::net::entry_check::{EntryQuery, EntryRefused, Redeem, check_entry};
use crate::net::session::Session;
use quinn::VarInt;
use std::time::Duration;
use tickcast_shared::quic::close;
use tokio::time::Instant;
use web_transport_quinn::http::StatusCode;

/// Streams an HTTP/3 client opens, bidirectional (the `CONNECT` and the session's
/// control stream) and unidirectional (its HTTP/3 control stream and the two QPACK
/// streams, which browsers open even when QPACK is unused).
pub(super) const H3_STREAMS: (u32, u32) = (2, 3);
/// How long a refusal waits for the browser to read its status before closing.
const REFUSAL_LINGER: Duration = Duration::from_millis(500);

/// Whether the handshake chose HTTP/3 (WebTransport) rather than the native ALPN.
pub(super) fn is_h3(conn: &quinn::Connection) -> bool {
    conn.handshake_data()
        .and_then(|data| data.downcast::<quinn::crypto::rustls::HandshakeData>().ok())
        .and_then(|data| data.protocol)
        .is_some_and(|alpn| alpn == web_transport_quinn::ALPN.as_bytes())
}

/// The session's ticket or resume token from its URL's query.
fn entry_query(url: &web_transport_quinn::proto::ConnectRequest) -> EntryQuery {
    let mut query = EntryQuery::default();
    for (key, value) in url.url.query_pairs() {
        match key.as_ref() {
            "ticket" => query.ticket = Some(value.into_owned()),
            "resume" => query.resume = Some(value.into_owned()),
            _ => {}
        }
    }
    query
}

/// Refuse before the session exists: the status on the `CONNECT` stream, a moment
/// to read it, then the connection closes.
async fn refuse(
    conn: &quinn::Connection,
    request: web_transport_quinn::Request,
    status: StatusCode,
    reason: &str,
) {
    let _ = tokio::time::timeout(REFUSAL_LINGER, async {
        if request.reject(status).await.is_ok() {
            let _ = conn.closed().await;
        }
    })
    .await;
    conn.close(
        VarInt::from_u32(close::UNAUTHORIZED.into()),
        reason.as_bytes(),
    );
}

/// Serve one WebTransport connection until its session ends; everything before the
/// control stream must happen by `deadline`.
pub(super) async fn serve(conn: quinn::Connection, deadline: Instant, state: ServerCtx) {
    let refusals = state.metrics.wt_refusals.clone();
    let accepted =
        tokio::time::timeout_at(deadline, web_transport_quinn::Request::accept(conn.clone())).await;
    let Ok(Ok(request)) = accepted else {
        refusals.inc(WtRefusal::Handshake);
        conn.close(
            VarInt::from_u32(close::POLICY.into()),
            b"no WebTransport session in time",
        );
        return;
    };
    if request.url.path() != "/wt" {
        refusals.inc(WtRefusal::Path);
        refuse(&conn, request, StatusCode::NOT_FOUND, "sessions are at /wt").await;
        return;
    }
    let query = entry_query(&request);
    let entry = match check_entry(
        &state,
        Some(conn.remote_address().ip()),
        query,
        Redeem::AtHello,
    )
    .await
    {
        Ok(entry) => entry,
        Err(refusal) => {
            let (reason, status) = match refusal {
                EntryRefused::TooMany(_) => (WtRefusal::Rate, StatusCode::TOO_MANY_REQUESTS),
                EntryRefused::Unauthorized(_) => (WtRefusal::Ticket, StatusCode::UNAUTHORIZED),
            };
            refusals.inc(reason);
            tracing::debug!(peer = %conn.remote_address(), %refusal, "webtransport: refused");
            refuse(&conn, request, status, &refusal.to_string()).await;
            return;
        }
    };
    // The ticket is used at the Hello: a session given up before it leaves the
    // ticket to the WebSocket fallback.
    let Ok(session) = request.ok().await else {
        return;
    };
    let Ok(Ok((send, recv))) = tokio::time::timeout_at(deadline, session.accept_bi()).await else {
        refusals.inc(WtRefusal::NoControlStream);
        session.close(close::POLICY.into(), b"no control stream");
        // The close's capsule goes out from a task of the crate's, while a handle
        // of the session lives.
        let linger = crate::config::secs(state.config.quic.close_linger_secs);
        let _ = tokio::time::timeout(linger, session.closed()).await;
        return;
    };
    let snapshots = state.metrics.quic_snapshots.clone();
    let link = QuicLink::new(session, send, recv, &state.config, snapshots);
    Session::start(link, entry, state).await;
}
