//! Offline validators: a format's own checksum or structure, checked without any network call,
//! so that a look-alike string is not reported as that provider's key.

use base64::Engine as _;

use super::template::{ALNUM_LOWER, B62};
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validator {
    /// `prefix_` + base62 body + 6 base62 characters of CRC32(body) (GitHub, npm).
    GithubCrc32,
    /// Three base64url segments; header and payload are JSON objects; header names an `alg`.
    Jwt,
    /// Grafana service-account token: `glsa_` + 32 alphanumerics + `_` + 8 hex digits, the
    /// CRC32 of everything before the last `_`, as little-endian bytes in hex.
    GrafanaCrc32,
    /// PyPI API token: `pypi-` + base64url of a macaroon (v2 binary serialisation: version 2,
    /// location and identifier fields, caveat sections, a 32-byte signature).
    PypiMacaroon,
    /// An age X25519 identity: `AGE-SECRET-KEY-1` + Bech32 data whose BCH checksum (the last six
    /// characters) holds, decoding to a 32-byte key.
    AgeBech32,
    /// Base64 (standard or URL-safe, padded or not) that decodes to exactly this many bytes, in
    /// its canonical form (the unused bits of the last character are zero, as every encoder
    /// writes them): a random 88-character string passes one time in sixteen.
    Base64Bytes(u16),
    /// A GitLab token. A routable token (GitLab 17.x and later) is `<prefix><base64url payload>.
    /// <version>.<payload length><crc32>`, the last two in base36 (2 and 7 characters), the CRC32
    /// over every character before it, an instance's own prefix included: its length field must
    /// match and its checksum hold. A classic token (prefix + 20 characters) has no checksum and
    /// passes.
    GitlabRoutable,
    /// An identifiable Azure key: its signature (`+ASt`, `AIoT`, `AzFu`, …) picks the checksum
    /// seeds, and its last 4 bytes are the Marvin32 checksum of the rest.
    AzureIdentifiable,
    /// A common annotated security key (`…JQQJ99…`): the Marvin32 checksum of its first 60
    /// bytes follows them.
    AzureCask,
}

/// Name prefix of [`Validator::Base64Bytes`]: `base64-bytes-64`.
const BASE64_BYTES: &str = "base64-bytes-";

impl Validator {
    pub const ALL: &'static [(&'static str, Validator)] = &[
        ("github-crc32", Validator::GithubCrc32),
        ("jwt", Validator::Jwt),
        ("grafana-crc32", Validator::GrafanaCrc32),
        ("pypi-macaroon", Validator::PypiMacaroon),
        ("age-bech32", Validator::AgeBech32),
        ("gitlab-routable", Validator::GitlabRoutable),
        ("azure-identifiable", Validator::AzureIdentifiable),
        ("azure-cask", Validator::AzureCask),
    ];

    pub fn parse(name: &str) -> Result<Validator, String> {
        if let Some(n) = name.strip_prefix(BASE64_BYTES) {
            return match n.parse::<u16>() {
                Ok(n @ 1..=4096) => Ok(Validator::Base64Bytes(n)),
                _ => Err(format!(
                    "{name:?}: {BASE64_BYTES}N takes a byte count from 1 to 4096"
                )),
            };
        }
        Self::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                let known: Vec<&str> = Self::ALL.iter().map(|(n, _)| *n).collect();
                format!(
                    "unknown validator {name:?}; known: {}, {BASE64_BYTES}N",
                    known.join(", ")
                )
            })
    }

    /// True when `secret` passes the check.
    pub fn check(self, secret: &[u8]) -> bool {
        self.check_in(secret, &[])
    }

    /// True when `secret` passes the check; `before` is the text in front of it on its line (at
    /// most [`BEFORE_REACH`] bytes), for the formats whose checksum covers a prefix the rule does
    /// not capture (a GitLab instance's own token prefix).
    pub fn check_in(self, secret: &[u8], before: &[u8]) -> bool {
        match self {
            Validator::GitlabRoutable => gitlab_routable(secret, before),
            Validator::AzureIdentifiable => super::azure_keys::identifiable(secret),
            Validator::AzureCask => super::azure_keys::cask(secret),
            Validator::GithubCrc32 => github_crc32(secret),
            Validator::Jwt => jwt(secret),
            Validator::GrafanaCrc32 => grafana_crc32(secret),
            Validator::PypiMacaroon => secret
                .strip_prefix(b"pypi-")
                .and_then(|b| {
                    base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .decode(b)
                        .ok()
                })
                .is_some_and(|m| macaroon_v2(&m)),
            Validator::AgeBech32 => age_bech32(secret),
            Validator::Base64Bytes(n) => base64_bytes(secret) == Some(usize::from(n)),
        }
    }
}

/// How many bytes in front of a secret [`Validator::check_in`] may look at: GitLab allows an
/// instance token prefix of up to 20 characters.
pub const BEFORE_REACH: usize = 20;

/// Length of a routable GitLab token's tail: `.` version(2) `.` payload length(2) CRC32(7).
const GITLAB_TAIL: usize = 13;

fn gitlab_routable(secret: &[u8], before: &[u8]) -> bool {
    let n = secret.len();
    if memchr::memchr(b'.', secret).is_none() {
        return true; // a classic token: prefix and 20 random characters, no checksum
    }
    if n < GITLAB_TAIL + 27 || secret[n - GITLAB_TAIL] != b'.' || secret[n - 10] != b'.' {
        return false;
    }
    let (Some(len), Some(sum)) = (base36(&secret[n - 9..n - 7]), base36(&secret[n - 7..])) else {
        return false;
    };
    // the payload is the base64url text before the version (GitLab allows no prefix at all)
    if len < 27 || (n - GITLAB_TAIL) < len as usize {
        return false;
    }
    let Ok(sum) = u32::try_from(sum) else {
        return false;
    };
    let body = &secret[..n - 7];
    if crc32fast::hash(body) == sum {
        return true;
    }
    // an instance prefix in front of `gl…-` is inside the checksum
    let prefix_chars = before
        .iter()
        .rev()
        .take(BEFORE_REACH)
        .take_while(|&&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        .count();
    (1..=prefix_chars).any(|k| {
        let mut h = crc32fast::Hasher::new();
        h.update(&before[before.len() - k..]);
        h.update(body);
        h.finalize() == sum
    })
}

/// A lowercase base36 number (Ruby's `Integer#to_s(36)`), if it fits in a u64.
fn base36(digits: &[u8]) -> Option<u64> {
    digits.iter().try_fold(0u64, |acc, &d| {
        let v = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'z' => d - b'a' + 10,
            _ => return None,
        };
        acc.checked_mul(36)?.checked_add(u64::from(v))
    })
}

/// The digits of `n` in the base of `alphabet` (its length), most significant first; none for 0.
pub(super) fn in_base(mut n: u64, alphabet: &[u8]) -> Vec<u8> {
    let base = alphabet.len() as u64;
    let mut digits = Vec::with_capacity(14);
    while n > 0 {
        digits.push(alphabet[(n % base) as usize]);
        n /= base;
    }
    digits.reverse();
    digits
}

/// `digits` left-padded with `'0'` to `width`.
fn zero_padded(digits: Vec<u8>, width: usize) -> String {
    let pad = width.saturating_sub(digits.len());
    let mut s = "0".repeat(pad);
    s.extend(digits.iter().map(|&b| char::from(b)));
    s
}

/// `n` in lowercase base36, zero-padded to `width` digits.
pub fn to_base36(n: u64, width: usize) -> String {
    zero_padded(in_base(n, ALNUM_LOWER), width)
}

/// A routable GitLab token: `prefix` + base64url `payload` + `.01.` + its length + CRC32.
pub fn gitlab_routable_token(prefix: &str, payload: &[u8]) -> String {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload);
    let body = format!(
        "{prefix}{encoded}.01.{}",
        to_base36(encoded.len() as u64, 2)
    );
    let sum = to_base36(u64::from(crc32fast::hash(body.as_bytes())), 7);
    body + &sum
}

/// An age identity's Bech32 checksum and length (the human-readable part is compared without
/// regard to case: age writes identities in upper case).
fn age_bech32(secret: &[u8]) -> bool {
    use bech32::primitives::decode::CheckedHrpstring;
    let Ok(text) = std::str::from_utf8(secret) else {
        return false;
    };
    match CheckedHrpstring::new::<bech32::Bech32>(text) {
        Ok(checked) => {
            checked
                .hrp()
                .as_str()
                .eq_ignore_ascii_case("age-secret-key-")
                && checked.byte_iter().len() == 32
        }
        Err(_) => false,
    }
}

/// The base64 engine for `text`: URL-safe when it holds `-` or `_`, standard otherwise; padding
/// optional; with `canonical`, the unused bits of the last character must be zero.
pub(super) fn base64_engine(text: &[u8], canonical: bool) -> &'static GeneralPurpose {
    const fn config(canonical: bool) -> GeneralPurposeConfig {
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(!canonical)
    }
    const ENGINES: [[GeneralPurpose; 2]; 2] = [
        [
            GeneralPurpose::new(&base64::alphabet::STANDARD, config(false)),
            GeneralPurpose::new(&base64::alphabet::URL_SAFE, config(false)),
        ],
        [
            GeneralPurpose::new(&base64::alphabet::STANDARD, config(true)),
            GeneralPurpose::new(&base64::alphabet::URL_SAFE, config(true)),
        ],
    ];
    let url = text.iter().any(|&b| b == b'-' || b == b'_');
    &ENGINES[usize::from(canonical)][usize::from(url)]
}

/// The number of bytes canonical base64 `secret` decodes to.
fn base64_bytes(secret: &[u8]) -> Option<usize> {
    base64_engine(secret, true)
        .decode(secret)
        .ok()
        .map(|b| b.len())
}

/// A macaroon in the v2 binary format: `0x02`, then a header section (optional location,
/// identifier) ended by 0, caveat sections each ended by 0, a 0 ending the caveats, and the
/// signature field (type 6, 32 bytes) as the last bytes.
pub fn macaroon_v2(b: &[u8]) -> bool {
    fn varint(b: &[u8], i: &mut usize) -> Option<usize> {
        let mut v: usize = 0;
        for shift in (0..35).step_by(7) {
            let byte = *b.get(*i)?;
            *i += 1;
            v |= usize::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }
    // fields until an end-of-section 0; returns the field types seen
    fn section(b: &[u8], i: &mut usize) -> Option<Vec<usize>> {
        let mut types = Vec::new();
        loop {
            let t = varint(b, i)?;
            if t == 0 {
                return Some(types);
            }
            let len = varint(b, i)?;
            *i = i.checked_add(len).filter(|&e| e <= b.len())?;
            types.push(t);
        }
    }
    if b.first() != Some(&2) {
        return false;
    }
    let mut i = 1;
    let Some(header) = section(b, &mut i) else {
        return false;
    };
    if !header.contains(&2) {
        return false;
    }
    loop {
        match b.get(i) {
            Some(0) => {
                i += 1;
                break;
            }
            Some(_) => {
                if section(b, &mut i).is_none_or(|t| t.is_empty()) {
                    return false;
                }
            }
            None => return false,
        }
    }
    b.get(i) == Some(&6) && b.get(i + 1) == Some(&32) && b.len() == i + 2 + 32
}

fn grafana_crc32(secret: &[u8]) -> bool {
    let Some(i) = memchr::memrchr(b'_', secret) else {
        return false;
    };
    let (body, sum) = (&secret[..i], &secret[i + 1..]);
    sum.eq_ignore_ascii_case(hex_le_crc32(body).as_bytes())
}

/// CRC32 of `body` as its little-endian bytes in hex (Grafana's checksum).
pub fn hex_le_crc32(body: &[u8]) -> String {
    crc32fast::hash(body)
        .to_le_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// CRC32 of `body`, as 6 base62 digits, zero-padded.
pub fn base62_crc32(body: &[u8]) -> String {
    zero_padded(in_base(u64::from(crc32fast::hash(body)), B62), 6)
}

fn github_crc32(secret: &[u8]) -> bool {
    let body = match memchr::memrchr(b'_', secret) {
        Some(i) => &secret[i + 1..],
        None => secret,
    };
    if body.len() < 7 || !body.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let (entropy, check) = body.split_at(body.len() - 6);
    base62_crc32(entropy).as_bytes() == check
}

fn decode_json_object(segment: &[u8]) -> Option<serde_json::Map<String, serde_json::Value>> {
    let trimmed = segment
        .iter()
        .rposition(|&b| b != b'=')
        .map_or(&segment[..0], |i| &segment[..=i]);
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(trimmed)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn jwt(secret: &[u8]) -> bool {
    let mut parts = secret.split(|&b| b == b'.');
    let (Some(h), Some(p), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let Some(header) = decode_json_object(h) else {
        return false;
    };
    let Some(alg) = header.get("alg").and_then(|a| a.as_str()) else {
        return false;
    };
    if alg.eq_ignore_ascii_case("none") || sig.len() < 16 {
        // an unsigned token grants nothing by itself
        return false;
    }
    decode_json_object(p).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_rejects_a_changed_character() {
        let body = b"abcdefghijklmnopqrstuvwxyz0123";
        let good = format!(
            "ghp_{}{}",
            std::str::from_utf8(body).unwrap_or(""),
            base62_crc32(body)
        );
        assert!(Validator::GithubCrc32.check(good.as_bytes()));
        let mut bad = good.into_bytes();
        bad[10] = if bad[10] == b'A' { b'B' } else { b'A' };
        assert!(!Validator::GithubCrc32.check(&bad));
        assert!(!Validator::GithubCrc32.check(b"ghp_"));
        assert!(!Validator::GithubCrc32.check(b"ghp_\xff\xfe\xfd\xfc\xfb\xfa\xf9"));
    }

    #[test]
    fn gitlab_routable_tokens_carry_their_length_and_crc32() {
        // the smallest and the largest token of GitLab's routable-token design document (no
        // prefix; a 20-character prefix and a 300-character payload)
        let doc = b"EL25d_AKXDUtqLnIQHEpkG86MQM.01.0r1ajj2i3";
        assert!(gitlab_routable(&doc[..], b"x"), "design-document example");
        let large = format!(
            "{}LB4hkKqprRab1Y3A72WqTPSDo2FS1t1qgJTIhL2O_kp90C8s8cL55xHQtmr-eVFugNkcwt0PZgzKqS3RI2ku\
             4fBjOjN3NWUxMTI2NHNnc2YKZzozdzVlMTEyNjRzZ3NmCmg6M3c1ZTExMjY0c2dzZgpqOjN3NWUxMTI2NHNn\
             c2YKazozdzVlMTEyNjRzZ3NmCmw6M3c1ZTExMjY0c2dzZgptOjN3NWUxMTI2NHNnc2YKbzozdzVlMTEyNjRz\
             Z3NmCnA6M3c1ZTExMjY0c2dzZgp1OjN3NWUxMTI2NHNnc2af.01.8c0kai99b",
            "+".repeat(20)
        );
        assert_eq!(large.len(), 333);
        assert!(
            gitlab_routable(large.as_bytes(), b""),
            "design-document example"
        );
        let tok = gitlab_routable_token("glpat-", b"0123456789abcdefo:1\nu:2s\x08");
        assert!(Validator::GitlabRoutable.check(tok.as_bytes()), "{tok}");
        // a changed payload character, version, length or checksum digit fails
        for i in [8, tok.len() - 12, tok.len() - 8, tok.len() - 1] {
            let mut bad = tok.clone().into_bytes();
            bad[i] = if bad[i] == b'a' { b'b' } else { b'a' };
            assert!(
                !Validator::GitlabRoutable.check(&bad),
                "{}",
                String::from_utf8_lossy(&bad)
            );
        }
        // the prefix is inside the checksum: another prefix fails, an instance prefix in front
        // of the captured part is found in the text before it
        let other = tok.replacen("glpat-", "glrt-", 1);
        assert!(!Validator::GitlabRoutable.check(other.as_bytes()));
        let custom = gitlab_routable_token("acme-glpat-", b"0123456789abcdefo:1\nu:2s\x08");
        let captured = &custom["acme-".len()..];
        assert!(!Validator::GitlabRoutable.check(captured.as_bytes()));
        assert!(Validator::GitlabRoutable.check_in(captured.as_bytes(), b"TOKEN=acme-"));
        assert!(!Validator::GitlabRoutable.check_in(captured.as_bytes(), b"TOKEN=acme "));
        // classic tokens have no checksum; broken tails and non-base36 digits fail
        assert!(Validator::GitlabRoutable.check(b"glpat-abcdefghij0123456789"));
        assert!(
            !Validator::GitlabRoutable.check(b"glpat-abcdefghijklmnopqrstuvwxyz0.01.0r1ajj2i3")
        );
        assert!(
            !Validator::GitlabRoutable.check(b"glpat-abcdefghijklmnopqrstuvwxyz0.01.0rZZZZZZZ")
        );
        assert!(!Validator::GitlabRoutable.check(b"glpat-."));
        assert_eq!(to_base36(27, 2), "0r");
        assert_eq!(base36(b"zz"), Some(1295));
    }

    #[test]
    fn jwt_needs_json_header_with_alg_and_a_signature() {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let h = b64.encode(br#"{"alg":"RS256"}"#);
        let p = b64.encode(br#"{"sub":"1"}"#);
        let good = format!("{h}.{p}.abcdefghijklmnopqrstuvwxyz");
        assert!(Validator::Jwt.check(good.as_bytes()));
        let none = b64.encode(br#"{"alg":"none"}"#);
        assert!(!Validator::Jwt.check(format!("{none}.{p}.abcdefghijklmnopqrstuvwxyz").as_bytes()));
        assert!(
            !Validator::Jwt.check(format!("{h}.bm90IGpzb24.abcdefghijklmnopqrstuvwxyz").as_bytes())
        );
        assert!(!Validator::Jwt.check(b"eyJ.eyJ.x"));
    }

    #[test]
    fn unknown_validator_names_the_known_ones() {
        let e = Validator::parse("luhn").expect_err("unknown");
        assert!(
            e.contains("github-crc32") && e.contains("base64-bytes-N"),
            "{e}"
        );
        assert_eq!(
            Validator::parse("base64-bytes-64"),
            Ok(Validator::Base64Bytes(64))
        );
        assert!(Validator::parse("base64-bytes-0").is_err());
        assert!(Validator::parse("base64-bytes-x").is_err());
    }

    #[test]
    fn base64_keys_must_decode_canonically_to_their_length() {
        let b64 = base64::engine::general_purpose::STANDARD;
        let key = b64.encode([7u8; 64]);
        assert_eq!(key.len(), 88);
        assert!(Validator::Base64Bytes(64).check(key.as_bytes()));
        assert!(Validator::Base64Bytes(64).check(key.trim_end_matches('=').as_bytes()));
        assert!(!Validator::Base64Bytes(32).check(key.as_bytes()));
        // the last character before the padding carries four unused bits: B is not canonical
        let mut odd = key.clone().into_bytes();
        odd[85] = if odd[85] == b'B' { b'C' } else { b'B' };
        assert!(!Validator::Base64Bytes(64).check(&odd));
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([0xfbu8; 32]);
        assert!(url.contains('-') || url.contains('_'));
        assert!(Validator::Base64Bytes(32).check(url.as_bytes()));
        assert!(!Validator::Base64Bytes(32).check(b"not base64 at all!"));
    }

    #[test]
    fn an_age_identity_needs_its_bech32_checksum() {
        let key =
            crate::rules::expand_template("{{valid age-bech32}}", "age", 0).expect("template");
        assert!(
            key.starts_with("AGE-SECRET-KEY-1") && key.len() == 74,
            "{key}"
        );
        assert!(Validator::AgeBech32.check(key.as_bytes()), "{key}");
        let mut bad = key.clone().into_bytes();
        bad[40] = if bad[40] == b'Q' { b'P' } else { b'Q' };
        assert!(!Validator::AgeBech32.check(&bad));
        assert!(!Validator::AgeBech32.check(key.to_lowercase().replace("age-", "agx-").as_bytes()));
        assert!(!Validator::AgeBech32.check(b"AGE-SECRET-KEY-1\xff"));
    }
}

#[cfg(test)]
mod macaroon_tests {
    use super::*;

    #[test]
    fn a_pypi_token_must_hold_a_macaroon() {
        let t = crate::rules::expand_template("{{valid pypi-macaroon}}", "m", 0).expect("template");
        assert!(Validator::PypiMacaroon.check(t.as_bytes()), "{t}");
        // the right prefix and length over random bytes is not a macaroon
        let fake = crate::rules::expand_template("pypi-AgEIcHlwaS5vcmc{{base64url 160}}", "m", 1)
            .expect("template");
        assert!(!Validator::PypiMacaroon.check(fake.as_bytes()));
        // truncated: no signature
        assert!(!Validator::PypiMacaroon.check(&t.as_bytes()[..t.len() - 10]));
        assert!(!macaroon_v2(&[]) && !macaroon_v2(&[2, 0x80]));
    }
}
