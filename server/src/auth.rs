//! Identity: optional JWT verification for seat-taking calls, and the admin token.
//!
//! With `[auth] jwt_secret` (HS256) or `jwt_public_key` (a PEM file: RSA for RS256,
//! EC P-256 for ES256, Ed25519 for EdDSA) set, `POST /api/rooms/{id}/join` and
//! `POST /api/matchmake` need `Authorization: Bearer <jwt>`: a missing, malformed,
//! expired or wrongly signed token, one without `iss`/`aud` or with the wrong ones
//! when `issuer`/`audience` are set, one whose `nbf` is still ahead or whose `iat`
//! lies in the future (both beyond `leeway_secs` of clock skew) is `401`, counted
//! by [`Refusal`]. The token's `sub` is the identity, its
//! `name` (when present) the display name. Without either key, the lobby stays
//! open. `[auth] admin_token` is what `[lobby] create = "admin"` asks for.

use axum::http::HeaderMap;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use thiserror::Error;

/// Longest `Authorization` header looked at, bytes.
const MAX_TOKEN_LEN: usize = 8192;

/// Section `[auth]` of the config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// HS256 shared secret.
    pub jwt_secret: Option<String>,
    /// PEM public key file (RS256, ES256 or EdDSA by its key type).
    pub jwt_public_key: Option<PathBuf>,
    /// Required `iss` claim.
    pub issuer: Option<String>,
    /// Required `aud` claim.
    pub audience: Option<String>,
    /// Bearer token of the operator (`[lobby] create = "admin"`).
    pub admin_token: Option<String>,
    /// How long an `/api/admin/*` route waits for the room's answer, ms
    /// (1..=60000; the room answers at its next tick).
    pub admin_answer_ms: u64,
    /// Clock skew allowed for a token's `nbf` and `iat`, seconds (0..=3600):
    /// a token not valid before `now + leeway_secs`, or issued after it, is refused.
    pub leeway_secs: u64,
}

/// Default of `[auth] admin_answer_ms`.
pub const ADMIN_ANSWER_MS: u64 = 2000;

/// Default of `[auth] leeway_secs`.
pub const LEEWAY_SECS: u64 = 60;

/// Largest `[auth] leeway_secs`.
const MAX_LEEWAY_SECS: u64 = 3600;

impl Default for AuthConfig {
    fn default() -> AuthConfig {
        AuthConfig {
            jwt_secret: None,
            jwt_public_key: None,
            issuer: None,
            audience: None,
            admin_token: None,
            admin_answer_ms: ADMIN_ANSWER_MS,
            leeway_secs: LEEWAY_SECS,
        }
    }
}

/// Why a request's credentials were refused (all answered 401).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AuthError {
    #[error("missing bearer token (Authorization: Bearer <jwt>)")]
    Missing,
    #[error("invalid token: {1}")]
    Invalid(Refusal, String),
    #[error("admin token required")]
    NotAdmin,
}

/// What was wrong with a refused bearer token: the `reason` label of
/// `tickcast_auth_refused_by_reason_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Refusal {
    /// No `Authorization: Bearer` header (or an unusable one).
    Missing,
    /// Not a JWT, or claims of the wrong shape.
    Malformed,
    /// Wrong signature, key or algorithm.
    Signature,
    /// `exp` has passed.
    Expired,
    /// `nbf` is still ahead (beyond the leeway).
    NotYetValid,
    /// `iat` lies in the future (beyond the leeway).
    IssuedInFuture,
    /// A required claim (`exp`, `sub`, and `iss`/`aud` when configured) is absent.
    MissingClaim,
    /// `iss` is not the configured issuer.
    Issuer,
    /// `aud` is not the configured audience.
    Audience,
    /// `sub` is empty or too long.
    Subject,
    /// Not the admin token.
    NotAdmin,
}

impl Refusal {
    /// The `reason` label value.
    pub fn label(self) -> &'static str {
        match self {
            Refusal::Missing => "missing",
            Refusal::Malformed => "malformed",
            Refusal::Signature => "signature",
            Refusal::Expired => "expired",
            Refusal::NotYetValid => "not_yet_valid",
            Refusal::IssuedInFuture => "issued_in_future",
            Refusal::MissingClaim => "missing_claim",
            Refusal::Issuer => "issuer",
            Refusal::Audience => "audience",
            Refusal::Subject => "subject",
            Refusal::NotAdmin => "not_admin",
        }
    }
}

impl AuthError {
    /// The refusal's reason, for `/metrics`.
    pub fn reason(&self) -> Refusal {
        match self {
            AuthError::Missing => Refusal::Missing,
            AuthError::Invalid(reason, _) => *reason,
            AuthError::NotAdmin => Refusal::NotAdmin,
        }
    }
}

/// The reason of a refusal by `jsonwebtoken`.
fn refusal_of(e: &jsonwebtoken::errors::Error) -> Refusal {
    use jsonwebtoken::errors::ErrorKind as K;
    match e.kind() {
        K::ExpiredSignature => Refusal::Expired,
        K::ImmatureSignature => Refusal::NotYetValid,
        K::MissingRequiredClaim(_) => Refusal::MissingClaim,
        K::InvalidIssuer => Refusal::Issuer,
        K::InvalidAudience => Refusal::Audience,
        K::InvalidSubject => Refusal::Subject,
        K::InvalidSignature | K::InvalidAlgorithm | K::MissingAlgorithm | K::Crypto(_) => {
            Refusal::Signature
        }
        _ => Refusal::Malformed,
    }
}

/// An auth configuration that cannot be used.
#[derive(Debug, Error)]
pub enum AuthConfigError {
    #[error("auth: set jwt_secret or jwt_public_key, not both")]
    Both,
    #[error("auth: cannot read jwt_public_key {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("auth: jwt_public_key {0} is not an RSA, EC (P-256) or Ed25519 public key PEM")]
    Key(PathBuf),
    #[error("auth: jwt_secret must not be empty")]
    EmptySecret,
    #[error("auth: admin_answer_ms must be 1..=60000, not {0}")]
    AdminAnswer(u64),
    #[error("auth: leeway_secs must be 0..=3600, not {0}")]
    Leeway(u64),
}

/// Who a verified token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub sub: String,
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    name: Option<String>,
    /// Not valid before (seconds since the epoch), checked with the leeway.
    #[serde(default)]
    nbf: Option<f64>,
    /// Issued at (seconds since the epoch), refused when in the future.
    #[serde(default)]
    iat: Option<f64>,
}

/// The server's verifier (built once from the config).
pub struct Auth {
    jwt: Option<(DecodingKey, Validation)>,
    /// `[auth] leeway_secs`.
    leeway_secs: u64,
    admin_token: Option<String>,
    admin_answer: std::time::Duration,
}

impl Auth {
    pub fn from_config(c: &AuthConfig) -> Result<Auth, AuthConfigError> {
        if !(1..=60_000).contains(&c.admin_answer_ms) {
            return Err(AuthConfigError::AdminAnswer(c.admin_answer_ms));
        }
        if c.leeway_secs > MAX_LEEWAY_SECS {
            return Err(AuthConfigError::Leeway(c.leeway_secs));
        }
        let key = match (&c.jwt_secret, &c.jwt_public_key) {
            (Some(_), Some(_)) => return Err(AuthConfigError::Both),
            (None, None) => None,
            (Some(secret), None) if secret.is_empty() => return Err(AuthConfigError::EmptySecret),
            (Some(secret), None) => Some((
                DecodingKey::from_secret(secret.as_bytes()),
                Algorithm::HS256,
            )),
            (None, Some(path)) => {
                let pem =
                    std::fs::read(path).map_err(|e| AuthConfigError::Read(path.clone(), e))?;
                let key = DecodingKey::from_rsa_pem(&pem)
                    .map(|k| (k, Algorithm::RS256))
                    .or_else(|_| DecodingKey::from_ec_pem(&pem).map(|k| (k, Algorithm::ES256)))
                    .or_else(|_| DecodingKey::from_ed_pem(&pem).map(|k| (k, Algorithm::EdDSA)))
                    .map_err(|_| AuthConfigError::Key(path.clone()))?;
                Some(key)
            }
        };
        let jwt = key.map(|(key, alg)| {
            let mut v = Validation::new(alg);
            // A configured issuer or audience is required, not only checked when
            // present; `nbf` and `iat` are checked in `identify` (with the leeway).
            let mut required = vec!["exp", "sub"];
            required.extend(c.issuer.as_ref().map(|_| "iss"));
            required.extend(c.audience.as_ref().map(|_| "aud"));
            v.set_required_spec_claims(&required);
            v.leeway = 0;
            v.validate_nbf = false;
            match &c.issuer {
                Some(iss) => v.set_issuer(&[iss]),
                None => v.iss = None,
            }
            match &c.audience {
                Some(aud) => v.set_audience(&[aud]),
                None => v.validate_aud = false,
            }
            (key, v)
        });
        Ok(Auth {
            jwt,
            leeway_secs: c.leeway_secs,
            admin_token: c.admin_token.clone().filter(|t| !t.is_empty()),
            admin_answer: std::time::Duration::from_millis(c.admin_answer_ms),
        })
    }

    /// How long an admin route waits for the room's answer (`admin_answer_ms`).
    pub fn admin_answer(&self) -> std::time::Duration {
        self.admin_answer
    }

    /// Whether seat-taking calls need a token.
    pub fn required(&self) -> bool {
        self.jwt.is_some()
    }

    /// The identity of a request: `Ok(None)` when no JWT is configured (open
    /// lobby); otherwise the verified token's, or why it was refused.
    pub fn identify(&self, headers: &HeaderMap) -> Result<Option<Identity>, AuthError> {
        let Some((key, validation)) = &self.jwt else {
            return Ok(None);
        };
        let token = bearer(headers).ok_or(AuthError::Missing)?;
        let data = jsonwebtoken::decode::<Claims>(token, key, validation)
            .map_err(|e| AuthError::Invalid(refusal_of(&e), e.to_string()))?;
        let Claims {
            sub,
            name,
            nbf,
            iat,
        } = data.claims;
        if sub.is_empty() || sub.len() > 256 {
            return Err(AuthError::Invalid(
                Refusal::Subject,
                "sub must be 1..=256 bytes".into(),
            ));
        }
        self.check_times(nbf, iat, jsonwebtoken::get_current_timestamp())?;
        Ok(Some(Identity { sub, name }))
    }

    /// Refuse a token not valid yet (`nbf`) or issued in the future (`iat`), each
    /// beyond the leeway from `now` (seconds since the epoch). A non-finite value
    /// is never in the past.
    fn check_times(&self, nbf: Option<f64>, iat: Option<f64>, now: u64) -> Result<(), AuthError> {
        let latest = now.saturating_add(self.leeway_secs) as f64;
        let ahead = |t: f64| !t.is_finite() || t > latest;
        if nbf.is_some_and(ahead) {
            return Err(AuthError::Invalid(
                Refusal::NotYetValid,
                "token not valid yet (nbf)".into(),
            ));
        }
        if iat.is_some_and(ahead) {
            return Err(AuthError::Invalid(
                Refusal::IssuedInFuture,
                "token issued in the future (iat)".into(),
            ));
        }
        Ok(())
    }

    /// Whether the request carries the admin token (never, when none is set).
    pub fn is_admin(&self, headers: &HeaderMap) -> bool {
        match (&self.admin_token, bearer(headers)) {
            (Some(real), Some(given)) => crate::secrets::same_secret(real, given),
            _ => false,
        }
    }
}

/// The token of `Authorization: Bearer <token>`, if well-formed and bounded.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(axum::http::header::AUTHORIZATION)?;
    if value.len() > MAX_TOKEN_LEN {
        return None;
    }
    let value = value.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header, encode};

    fn token(secret: &str, sub: &str, exp_from_now: i64) -> String {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let claims = serde_json::json!({ "sub": sub, "name": "Ann", "exp": now + exp_from_now });
        encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    }

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(axum::http::header::AUTHORIZATION, value.parse().unwrap());
        h
    }

    #[test]
    fn hs256_tokens_verify_and_everything_else_fails_closed() {
        let auth = Auth::from_config(&AuthConfig {
            jwt_secret: Some("s3cret".into()),
            ..AuthConfig::default()
        })
        .unwrap();
        assert!(auth.required());
        let good = token("s3cret", "u1", 60);
        assert_eq!(
            auth.identify(&headers(&format!("Bearer {good}"))),
            Ok(Some(Identity {
                sub: "u1".into(),
                name: Some("Ann".into())
            }))
        );
        assert_eq!(auth.identify(&HeaderMap::new()), Err(AuthError::Missing));
        assert_eq!(
            auth.identify(&headers(&format!("Basic {good}"))),
            Err(AuthError::Missing)
        );
        let forged = token("other", "u1", 60);
        assert!(
            auth.identify(&headers(&format!("Bearer {forged}")))
                .is_err()
        );
        let expired = token("s3cret", "u1", -60);
        assert!(
            auth.identify(&headers(&format!("Bearer {expired}")))
                .is_err()
        );
        assert!(auth.identify(&headers("Bearer not.a.jwt")).is_err());
    }

    fn signed(claims: serde_json::Value) -> HeaderMap {
        let t = encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(b"s3cret"),
        )
        .unwrap();
        headers(&format!("Bearer {t}"))
    }

    fn reason(auth: &Auth, claims: serde_json::Value) -> Option<Refusal> {
        auth.identify(&signed(claims)).err().map(|e| e.reason())
    }

    #[test]
    fn configured_claims_are_required_and_times_are_checked() {
        let auth = Auth::from_config(&AuthConfig {
            jwt_secret: Some("s3cret".into()),
            issuer: Some("login".into()),
            audience: Some("tickcast".into()),
            ..AuthConfig::default()
        })
        .unwrap();
        let now = jsonwebtoken::get_current_timestamp() as i64;
        let full = |extra: serde_json::Value| {
            let mut c = serde_json::json!({
                "sub": "u1", "exp": now + 600, "iss": "login", "aud": "tickcast"
            });
            if let (Some(c), Some(extra)) = (c.as_object_mut(), extra.as_object()) {
                for (k, v) in extra {
                    if v.is_null() {
                        c.remove(k);
                    } else {
                        c.insert(k.clone(), v.clone());
                    }
                }
            }
            c
        };
        assert_eq!(reason(&auth, full(serde_json::json!({}))), None);
        let no_aud = full(serde_json::json!({ "aud": null }));
        assert_eq!(reason(&auth, no_aud), Some(Refusal::MissingClaim));
        let no_iss = full(serde_json::json!({ "iss": null }));
        assert_eq!(reason(&auth, no_iss), Some(Refusal::MissingClaim));
        let other_aud = full(serde_json::json!({ "aud": "else" }));
        assert_eq!(reason(&auth, other_aud), Some(Refusal::Audience));
        let nbf_ahead = full(serde_json::json!({ "nbf": now + 3600 }));
        assert_eq!(reason(&auth, nbf_ahead), Some(Refusal::NotYetValid));
        let iat_ahead = full(serde_json::json!({ "iat": now + 86_400 }));
        assert_eq!(reason(&auth, iat_ahead), Some(Refusal::IssuedInFuture));
        // Within the leeway (60 s), both pass: clocks differ a little.
        let skewed = full(serde_json::json!({ "nbf": now + 30, "iat": now + 30 }));
        assert_eq!(reason(&auth, skewed), None);
        let past = full(serde_json::json!({ "nbf": now - 30, "iat": now - 30 }));
        assert_eq!(reason(&auth, past), None);
        assert!(matches!(
            Auth::from_config(&AuthConfig {
                leeway_secs: 3601,
                ..AuthConfig::default()
            }),
            Err(AuthConfigError::Leeway(3601))
        ));
    }

    #[test]
    fn without_keys_the_lobby_is_open() {
        let auth = Auth::from_config(&AuthConfig::default()).unwrap();
        assert!(!auth.required());
        assert_eq!(auth.identify(&HeaderMap::new()), Ok(None));
        assert!(!auth.is_admin(&headers("Bearer anything")));
    }

    #[test]
    fn the_admin_token_is_compared_exactly() {
        let auth = Auth::from_config(&AuthConfig {
            admin_token: Some("root-token".into()),
            ..AuthConfig::default()
        })
        .unwrap();
        assert!(auth.is_admin(&headers("Bearer root-token")));
        assert!(!auth.is_admin(&headers("Bearer root-tokem")));
        assert!(!auth.is_admin(&HeaderMap::new()));
    }

    #[test]
    fn the_admin_answer_wait_is_a_bounded_config_value() {
        let auth = Auth::from_config(&AuthConfig::default()).unwrap();
        assert_eq!(auth.admin_answer(), std::time::Duration::from_millis(2000));
        let auth = Auth::from_config(&AuthConfig {
            admin_answer_ms: 150,
            ..AuthConfig::default()
        })
        .unwrap();
        assert_eq!(auth.admin_answer(), std::time::Duration::from_millis(150));
        for bad in [0, 60_001] {
            let refused = Auth::from_config(&AuthConfig {
                admin_answer_ms: bad,
                ..AuthConfig::default()
            });
            assert!(matches!(refused, Err(AuthConfigError::AdminAnswer(n)) if n == bad));
        }
    }
}
