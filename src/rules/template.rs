//! Example templates: rule files hold no literal key, only templates such as `ghp_{{alnum 36}}`
//! that are expanded into fake keys of the documented shape when the examples are checked.
//! Generation is deterministic: the same seed gives the same text. See `rules/README.md`.

use super::validate;

/// Base62 in GitHub's (and ASCII) order; also the digits of [`super::validate::in_base`].
pub(super) const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGIT: &[u8] = b"0123456789";
pub(super) const ALNUM_LOWER: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
const ALNUM_UPPER: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const HEX: &[u8] = b"0123456789abcdef";
const HEX_UPPER: &[u8] = b"0123456789ABCDEF";
pub(super) const BASE64: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/// The alphabet of Django's `get_random_secret_key()`.
const DJANGO: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)";
const BASE64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A small deterministic generator (SplitMix64); not for anything but fake examples.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: &str, index: usize) -> Rng {
        // FNV-1a over the seed text, then the index.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in seed.bytes().chain(index.to_le_bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        Rng(h)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn pick(&mut self, alphabet: &[u8], n: usize, out: &mut String) {
        for _ in 0..n {
            let i = (self.next_u64() % alphabet.len() as u64) as usize;
            out.push(char::from(alphabet[i]));
        }
    }
}

fn class(name: &str) -> Option<&'static [u8]> {
    Some(match name {
        "alnum" => B62,
        "lower" => LOWER,
        "upper" => UPPER,
        "digit" => DIGIT,
        "alnumlower" => ALNUM_LOWER,
        "alnumupper" => ALNUM_UPPER,
        "hex" => HEX,
        "HEX" => HEX_UPPER,
        "base64" => BASE64,
        "base64url" => BASE64URL,
        "base32" => BASE32,
        "django" => DJANGO,
        _ => return None,
    })
}

/// Expands every `{{ ... }}` in `text`. Errors name the template that could not be expanded.
pub fn expand_template(text: &str, seed: &str, index: usize) -> Result<String, String> {
    let mut rng = Rng::new(seed, index);
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let close = after
            .find("}}")
            .ok_or_else(|| format!("unclosed template in {text:?}"))?;
        let words: Vec<&str> = after[..close].split_whitespace().collect();
        expand_one(&words, &mut rng, &mut out)
            .map_err(|e| format!("template {{{{{}}}}}: {e}", &after[..close]))?;
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn expand_one(words: &[&str], rng: &mut Rng, out: &mut String) -> Result<(), String> {
    match words {
        [name, n] if class(name).is_some() => {
            let n: usize = n.parse().map_err(|_| format!("{n:?} is not a length"))?;
            if n > 100_000 {
                return Err("length over 100000".into());
            }
            rng.pick(class(name).unwrap_or(B62), n, out);
            Ok(())
        }
        ["valid", "github-crc32", prefix] => {
            out.push_str(prefix);
            let mut body = String::with_capacity(30);
            rng.pick(B62, 30, &mut body);
            out.push_str(&body);
            out.push_str(&validate::base62_crc32(body.as_bytes()));
            Ok(())
        }
        ["valid", "pypi-macaroon"] => {
            use base64::Engine as _;
            let mut id = String::new();
            rng.pick(B62, 32, &mut id);
            let mut project = String::new();
            rng.pick(b"abcdefghijklmnopqrstuvwxyz", 8, &mut project);
            let caveat =
                format!(r#"{{"version": 1, "permissions": {{"projects": ["{project}"]}}}}"#);
            let mut m = b"\x02\x01\x08pypi.org\x02".to_vec();
            m.push(id.len() as u8);
            m.extend_from_slice(id.as_bytes());
            m.extend_from_slice(&[0, 2, caveat.len() as u8]);
            m.extend_from_slice(caveat.as_bytes());
            m.extend_from_slice(&[0, 0, 6, 32]);
            let mut sig = String::new();
            rng.pick(B62, 32, &mut sig);
            m.extend_from_slice(sig.as_bytes());
            out.push_str("pypi-");
            out.push_str(&base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&m));
            Ok(())
        }
        ["valid", "azure-identifiable", signature, len] => {
            let len: usize = len
                .parse()
                .map_err(|_| format!("{len:?} is not a byte count"))?;
            let key = super::azure_keys::make_identifiable(signature, len, || rng.next_u64() as u8)
                .ok_or_else(|| {
                    format!("no identifiable key with signature {signature:?} of {len} bytes")
                })?;
            out.push_str(&key);
            Ok(())
        }
        ["valid", "azure-cask", provider] => {
            let key = super::azure_keys::make_cask(provider, b'9', || rng.next_u64() as u8)
                .ok_or_else(|| format!("{provider:?} is not a 4-character provider signature"))?;
            out.push_str(&key);
            Ok(())
        }
        ["valid", "gitlab-routable", prefix] => {
            // 16 random bytes, a routing payload (organisation and user ids in base36), and the
            // random part's length, as GitLab's routable-token generator lays them out
            let mut payload: Vec<u8> = (0..16).map(|_| rng.next_u64() as u8).collect();
            let org = validate::to_base36(rng.next_u64() % 100_000, 1);
            let user = validate::to_base36(rng.next_u64() % 10_000_000, 1);
            payload.extend_from_slice(format!("o:{org}\nu:{user}").as_bytes());
            payload.push(16);
            out.push_str(&validate::gitlab_routable_token(prefix, &payload));
            Ok(())
        }
        ["valid", "age-bech32"] => {
            let hrp = bech32::Hrp::parse("age-secret-key-").map_err(|e| e.to_string())?;
            let key: Vec<u8> = (0..32).map(|_| rng.next_u64() as u8).collect();
            let text = bech32::encode::<bech32::Bech32>(hrp, &key).map_err(|e| e.to_string())?;
            out.push_str(&text.to_ascii_uppercase());
            Ok(())
        }
        ["valid", "base64-bytes", n] => {
            use base64::Engine as _;
            let n: usize = n
                .parse()
                .map_err(|_| format!("{n:?} is not a byte count"))?;
            if !(1..=4096).contains(&n) {
                return Err("byte count from 1 to 4096".into());
            }
            let bytes: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
            out.push_str(&base64::engine::general_purpose::STANDARD.encode(bytes));
            Ok(())
        }
        ["valid", "grafana-crc32"] => {
            let mut body = String::from("glsa_");
            rng.pick(B62, 32, &mut body);
            out.push_str(&body);
            out.push('_');
            out.push_str(&validate::hex_le_crc32(body.as_bytes()));
            Ok(())
        }
        ["jwt"] => {
            use base64::Engine as _;
            let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
            let header = b64.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
            let payload = b64.encode(
                format!(
                    r#"{{"sub":"{}","iat":{}}}"#,
                    rng.next_u64() % 1_000_000_000,
                    1_600_000_000 + rng.next_u64() % 100_000_000
                )
                .as_bytes(),
            );
            out.push_str(&header);
            out.push('.');
            out.push_str(&payload);
            out.push('.');
            rng.pick(BASE64URL, 43, out);
            Ok(())
        }
        _ => Err("unknown template; see rules/README.md for the list".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expansion_is_deterministic_and_shaped() {
        let a = expand_template("k={{hex 8}}-{{digit 3}}", "r", 0).expect("expands");
        let b = expand_template("k={{hex 8}}-{{digit 3}}", "r", 0).expect("expands");
        assert_eq!(a, b);
        assert_eq!(a.len(), 2 + 8 + 1 + 3);
        assert!(a[2..10].bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(
            a,
            expand_template("k={{hex 8}}-{{digit 3}}", "r", 1).expect("expands")
        );
    }

    #[test]
    fn github_tokens_carry_a_valid_checksum() {
        let t = expand_template("{{valid github-crc32 ghp_}}", "r", 0).expect("expands");
        assert_eq!(t.len(), 40);
        assert!(validate::Validator::GithubCrc32.check(t.as_bytes()));
    }

    #[test]
    fn jwt_template_passes_the_jwt_validator() {
        let t = expand_template("{{jwt}}", "r", 3).expect("expands");
        assert!(validate::Validator::Jwt.check(t.as_bytes()), "{t}");
    }

    #[test]
    fn unknown_and_unclosed_templates_are_errors() {
        assert!(expand_template("{{nope 3}}", "r", 0).is_err());
        assert!(expand_template("{{hex 3", "r", 0).is_err());
        assert!(expand_template("{{hex x}}", "r", 0).is_err());
    }
}
