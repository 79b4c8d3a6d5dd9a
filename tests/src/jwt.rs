//! HS256 tokens for tests of JWT-required joins, and the config file that asks
//! for them.

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};

/// An HS256 token for `sub` named `name`, expiring `exp_in` seconds from now.
pub fn token(secret: &str, sub: &str, name: &str, exp_in: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let claims = serde_json::json!({ "sub": sub, "name": name, "exp": now + exp_in });
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

/// An HS256 token with exactly `claims` (tests of claims other than `exp`).
pub fn token_with(secret: &str, claims: &serde_json::Value) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

/// Seconds since the epoch, for claims.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// `Bearer <token>`.
pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// A fresh config file holding `text` (the caller removes it once read).
pub fn config(tag: &str, text: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let name = format!("tickcast-{tag}-{}-{nanos}.toml", std::process::id());
    let path = std::env::temp_dir().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}
