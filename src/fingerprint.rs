//! Fingerprints identify a finding without its value: SHA-256 over a version tag, the rule id and
//! the secret, cut to 128 bits and written in hex. They do not depend on line numbers, so an edit
//! above a known secret does not make it new.
//!
//! An unkeyed fingerprint is a plain hash: anyone holding a report or a committed baseline can
//! test guesses of a weak secret against it. With a key (`KEYHOUND_FINGERPRINT_KEY` or
//! `KEYHOUND_FINGERPRINT_KEY_FILE`, read by the command line) fingerprints are HMAC-SHA256 under
//! that key instead, and guessing needs the key. The key is set once at start-up, before any
//! scanning, in a process-wide `OnceLock` (`set_key`): every finding of a run must use the same
//! one, and reading it is one atomic load per fingerprint (fingerprints are made per finding, not
//! per byte). Without a key the output is exactly what it always was.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::sync::OnceLock;

type HmacSha256 = Hmac<Sha256>;

/// The shortest key accepted, in bytes: a short key is as guessable as the secrets it protects.
pub const MIN_KEY_LEN: usize = 16;

const TAG: &[u8] = b"keyhound/v1\0";

/// The run's key, keyed once with it (cloning a keyed HMAC skips re-deriving the pads).
static KEY: OnceLock<Keyed> = OnceLock::new();

struct Keyed {
    mac: HmacSha256,
    id: String,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "the fingerprint key is {0} bytes; use at least {MIN_KEY_LEN} random bytes (e.g. `openssl rand -hex 32`)"
    )]
    TooShort(usize),
    #[error("a fingerprint key was already set for this run")]
    AlreadySet,
}

/// Sets the key every later fingerprint of this process uses. Call once, before scanning.
pub fn set_key(key: &[u8]) -> Result<(), KeyError> {
    if key.len() < MIN_KEY_LEN {
        return Err(KeyError::TooShort(key.len()));
    }
    let mac = HmacSha256::new_from_slice(key).map_err(|_| KeyError::TooShort(key.len()))?;
    let id = key_id_of(&mac);
    KEY.set(Keyed { mac, id }).map_err(|_| KeyError::AlreadySet)
}

/// A short name of the key in use (not the key, and not enough to test guesses): baselines record
/// it so that one written under another key, or none, is refused instead of silently matching
/// nothing. `None` without a key.
pub fn key_id() -> Option<&'static str> {
    KEY.get().map(|k| k.id.as_str())
}

fn key_id_of(mac: &HmacSha256) -> String {
    let mut m = mac.clone();
    m.update(b"keyhound/key-id\0");
    hex16(&m.finalize().into_bytes())[..16].to_string()
}

fn hex16(digest: &[u8]) -> String {
    let mut out = String::with_capacity(32);
    for b in &digest[..16] {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// The fingerprint of (rule, secret): keyed when a key was set, else the plain hash.
pub fn fingerprint(rule_id: &str, secret: &[u8]) -> String {
    match KEY.get() {
        Some(k) => keyed(&k.mac, rule_id, secret),
        None => plain(rule_id, secret),
    }
}

fn plain(rule_id: &str, secret: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(TAG);
    h.update(rule_id.as_bytes());
    h.update(b"\0");
    h.update(secret);
    hex16(&h.finalize())
}

fn keyed(mac: &HmacSha256, rule_id: &str, secret: &[u8]) -> String {
    let mut m = mac.clone();
    m.update(TAG);
    m.update(rule_id.as_bytes());
    m.update(b"\0");
    m.update(secret);
    hex16(&m.finalize().into_bytes())
}

/// The keyed fingerprint under `key` (for tests and tools; scans use [`fingerprint`]).
pub fn fingerprint_with_key(key: &[u8], rule_id: &str, secret: &[u8]) -> Option<String> {
    let mac = HmacSha256::new_from_slice(key).ok()?;
    Some(keyed(&mac, rule_id, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_depends_on_rule_and_secret_only() {
        let a = plain("r", b"s3cr3t");
        assert_eq!(a.len(), 32);
        assert_eq!(a, plain("r", b"s3cr3t"));
        assert_ne!(a, plain("q", b"s3cr3t"));
        assert_ne!(a, plain("r", b"s3cr3u"));
        assert!(!a.contains("s3cr3t"));
    }

    #[test]
    fn the_unkeyed_fingerprint_never_changes() {
        // pinned: reports, baselines and ignore files written by earlier versions must still match
        assert_eq!(plain("r", b"s"), "dc6623db47b479c4ec6147f2e0d0b290");
    }

    #[test]
    fn keyed_fingerprints_depend_on_the_key() {
        let k1 = b"0123456789abcdef0123456789abcdef";
        let k2 = b"fedcba9876543210fedcba9876543210";
        let a = fingerprint_with_key(k1, "r", b"s3cr3t").expect("key");
        assert_eq!(a.len(), 32);
        assert_ne!(a, plain("r", b"s3cr3t"));
        assert_ne!(a, fingerprint_with_key(k2, "r", b"s3cr3t").expect("key"));
        assert_eq!(a, fingerprint_with_key(k1, "r", b"s3cr3t").expect("key"));
        assert!(matches!(set_key(b"short"), Err(KeyError::TooShort(5))));
    }
}
