//! Every secret or unguessable value the server hands out, from the OS random source:
//! room ids, seat tickets, invite codes, world seeds, and resume tokens.
//!
//! A resume token is `<room id>.<nonce>.<mac>`: the MAC (HMAC-SHA256 under a key
//! drawn once per process) lets `GET /ws?resume=` refuse forged tokens before the
//! upgrade without asking the room; the room still decides whether the token is
//! one of its current players'.

use crate::room::RoomId;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::OnceLock;

/// Fill `bytes` from the OS random source.
pub fn fill(bytes: &mut [u8]) {
    // getrandom fails only without an OS RNG: then nothing we hand out is secret.
    if let Err(e) = getrandom::fill(bytes) {
        tracing::error!(error = %e, "OS random source failed");
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// 128 random bits as 32 hex digits (seat tickets).
pub fn random_token() -> String {
    let mut bytes = [0u8; 16];
    fill(&mut bytes);
    hex(&bytes)
}

/// An invite code for a private room: 128 random bits as 32 hex digits.
pub fn invite_code() -> String {
    random_token()
}

/// A world seed.
pub fn random_seed() -> u64 {
    let mut bytes = [0u8; 8];
    fill(&mut bytes);
    u64::from_le_bytes(bytes)
}

/// The process's resume-token key.
fn key() -> &'static [u8; 32] {
    static KEY: OnceLock<[u8; 32]> = OnceLock::new();
    KEY.get_or_init(|| {
        let mut key = [0u8; 32];
        fill(&mut key);
        key
    })
}

fn mac_of(room: &str, nonce: &str) -> String {
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key()) else {
        return String::new();
    };
    mac.update(room.as_bytes());
    mac.update(b".");
    mac.update(nonce.as_bytes());
    let tag = mac.finalize().into_bytes();
    hex(tag.get(..16).unwrap_or(&[]))
}

/// A new resume token for a player of `room`.
pub fn resume_token(room: RoomId) -> String {
    let room = room.to_string();
    let nonce = random_token();
    let mac = mac_of(&room, &nonce);
    format!("{room}.{nonce}.{mac}")
}

/// The room of a resume token this process issued; `None` for anything else.
pub fn resume_room(token: &str) -> Option<RoomId> {
    if token.len() > 128 {
        return None;
    }
    let mut parts = token.split('.');
    let (room, nonce, mac) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let expected = mac_of(room, nonce);
    if expected.is_empty() || !same_secret(&expected, mac) {
        return None;
    }
    room.parse().ok()
}

/// Whether a presented secret equals the real one, in time that does not depend on
/// where they differ.
pub fn same_secret(real: &str, given: &str) -> bool {
    real.len() == given.len()
        && real
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resume_tokens_verify_and_forgeries_do_not() {
        let room = RoomId::random();
        let token = resume_token(room);
        assert_eq!(resume_room(&token), Some(room));
        let (head, mac) = token.rsplit_once('.').unwrap();
        let flipped = if mac.starts_with('0') { "1" } else { "0" };
        let forged = format!("{head}.{flipped}{}", &mac[1..]);
        assert_eq!(resume_room(&forged), None);
        let other = RoomId::random();
        let moved = token.replacen(&room.to_string(), &other.to_string(), 1);
        assert_eq!(resume_room(&moved), None);
        assert_eq!(resume_room(&format!("{room}.anything")), None);
        assert_eq!(resume_room("1.anything"), None);
        assert_eq!(resume_room(""), None);
        assert_eq!(resume_room(&format!("{token}.x")), None);
    }

    #[test]
    fn tokens_differ() {
        assert_ne!(random_token(), random_token());
        assert_eq!(random_token().len(), 32);
        assert_ne!(random_seed(), random_seed());
    }
}
