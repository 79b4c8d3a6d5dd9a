//! Per-request guards in front of the routes: the per-IP lobby request rate and the
//! JSON body limit.
//!
//! - Every `/api/...` request takes one token from its address's bucket
//!   ([`LimitsConfig::lobby_rate_per_sec`] refill, [`LimitsConfig::lobby_burst`]
//!   capacity; `governor`'s GCRA). An empty bucket answers `429 Too Many Requests`,
//!   `Retry-After: <seconds>` and `{"error": ...}`, counted as
//!   `tickcast_rate_limited_total`. Pages, `/metrics` and `/healthz` are not counted.
//! - A request whose `Content-Length` is over [`LimitsConfig::json_body_bytes`] is
//!   answered `413` with `{"error": ...}` before its body is read (counted as
//!   `tickcast_body_too_large_total`); a chunked body is cut at the same size by
//!   axum's body limit, which the JSON handlers answer as `413` too.
//!
//! The buckets live in a keyed map; [`RateGuard::sweep`] forgets addresses whose
//! bucket is full again, so the map holds only recently active addresses.

use super::LimitsConfig;
use crate::metrics::Metrics;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

/// The per-IP buckets and the body limit.
pub struct RateGuard {
    buckets: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
    json_body_bytes: usize,
    metrics: Arc<Metrics>,
}

/// Why a request was refused before it reached its handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The address's bucket is empty; retry after this long.
    RateLimited(Duration),
    /// The declared body is over the limit.
    BodyTooLarge,
}

fn quota(limits: &LimitsConfig) -> Quota {
    let rate = NonZeroU32::new(limits.lobby_rate_per_sec).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(limits.lobby_burst).unwrap_or(NonZeroU32::MIN);
    Quota::per_second(rate).allow_burst(burst)
}

impl RateGuard {
    pub fn new(limits: &LimitsConfig, metrics: Arc<Metrics>) -> Arc<RateGuard> {
        Self::with_quota(quota(limits), limits.json_body_bytes, metrics)
    }

    fn with_quota(quota: Quota, json_body_bytes: usize, metrics: Arc<Metrics>) -> Arc<RateGuard> {
        Arc::new(RateGuard {
            buckets: RateLimiter::keyed(quota),
            clock: DefaultClock::default(),
            json_body_bytes,
            metrics,
        })
    }

    /// Check one request from `ip` for `path` declaring `content_length` body bytes.
    pub fn check(
        &self,
        ip: IpAddr,
        path: &str,
        content_length: Option<u64>,
    ) -> Result<(), Refusal> {
        if !path.starts_with("/api/") {
            return Ok(());
        }
        if let Err(not_until) = self.buckets.check_key(&ip.to_canonical()) {
            return Err(Refusal::RateLimited(
                not_until.wait_time_from(self.clock.now()),
            ));
        }
        let limit = u64::try_from(self.json_body_bytes).unwrap_or(u64::MAX);
        if content_length.is_some_and(|n| n > limit) {
            return Err(Refusal::BodyTooLarge);
        }
        Ok(())
    }

    /// Forget addresses whose buckets are full again (call now and then).
    pub fn sweep(&self) {
        self.buckets.retain_recent();
        self.buckets.shrink_to_fit();
    }

    /// Addresses with a bucket in the map.
    pub fn tracked(&self) -> usize {
        self.buckets.len()
    }

    /// `router` behind this guard and axum's body limit.
    pub fn wrap(self: &Arc<Self>, router: Router) -> Router {
        router
            .layer(DefaultBodyLimit::max(self.json_body_bytes))
            .layer(middleware::from_fn_with_state(Arc::clone(self), guard))
    }
}

fn refuse(refusal: Refusal) -> Response {
    match refusal {
        Refusal::RateLimited(wait) => {
            let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
            let body = Json(serde_json::json!({
                "error": format!("too many requests from your address; retry in {secs} s")
            }));
            let mut res = (StatusCode::TOO_MANY_REQUESTS, body).into_response();
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            res
        }
        Refusal::BodyTooLarge => {
            let body = Json(serde_json::json!({ "error": "request body too large" }));
            (StatusCode::PAYLOAD_TOO_LARGE, body).into_response()
        }
    }
}

async fn guard(State(g): State<Arc<RateGuard>>, req: Request, next: Next) -> Response {
    let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>().copied() else {
        return next.run(req).await;
    };
    let length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match g.check(peer.ip(), req.uri().path(), length) {
        Ok(()) => next.run(req).await,
        Err(refusal) => {
            let counter = match refusal {
                Refusal::RateLimited(_) => &g.metrics.edge.rate_limited,
                Refusal::BodyTooLarge => &g.metrics.edge.body_too_large,
            };
            counter.inc();
            refuse(refusal)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const A: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

    /// A guard refilling one token per hour: the burst is all there is in a test.
    fn guard(burst: u32) -> Arc<RateGuard> {
        let quota = Quota::with_period(Duration::from_secs(3600))
            .unwrap()
            .allow_burst(NonZeroU32::new(burst).unwrap());
        RateGuard::with_quota(quota, 100, Arc::new(Metrics::default()))
    }

    #[test]
    fn a_burst_empties_one_address_bucket_only() {
        let g = guard(5);
        for _ in 0..5 {
            assert_eq!(g.check(A, "/api/rooms", None), Ok(()));
        }
        match g.check(A, "/api/rooms", None) {
            Err(Refusal::RateLimited(wait)) => assert!(wait > Duration::ZERO),
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(g.check(B, "/api/rooms", None), Ok(()));
        // Pages and metrics are not lobby requests.
        assert_eq!(g.check(A, "/index.html", None), Ok(()));
        assert_eq!(g.check(A, "/metrics", None), Ok(()));
        assert_eq!(g.tracked(), 2);
    }

    #[test]
    fn a_declared_body_over_the_limit_is_refused() {
        let g = guard(100);
        assert_eq!(g.check(A, "/api/rooms", Some(100)), Ok(()));
        assert_eq!(
            g.check(A, "/api/rooms", Some(101)),
            Err(Refusal::BodyTooLarge)
        );
    }

    #[test]
    fn the_refusal_says_when_to_come_back() {
        let res = refuse(Refusal::RateLimited(Duration::from_millis(1500)));
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(res.headers()[header::RETRY_AFTER], "2");
    }
}
