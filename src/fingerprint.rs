//! Fingerprints identify a finding without its value: SHA-256 over a version tag, the rule id and
//! the secret, cut to 128 bits and written in hex. They do not depend on line numbers, so an edit
//! above a known secret does not make it new.

use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// The fingerprint of (rule, secret).
pub fn fingerprint(rule_id: &str, secret: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(b"keyhound/v1\0");
    h.update(rule_id.as_bytes());
    h.update(b"\0");
    h.update(secret);
    let digest = h.finalize();
    let mut out = String::with_capacity(32);
    for b in &digest[..16] {
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_depends_on_rule_and_secret_only() {
        let a = fingerprint("r", b"s3cr3t");
        assert_eq!(a.len(), 32);
        assert_eq!(a, fingerprint("r", b"s3cr3t"));
        assert_ne!(a, fingerprint("q", b"s3cr3t"));
        assert_ne!(a, fingerprint("r", b"s3cr3u"));
        assert!(!a.contains("s3cr3t"));
    }
}
