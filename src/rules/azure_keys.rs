//! Microsoft's checksummed key formats: "identifiable" Azure keys (a 4-character signature such
//! as `+ASt` in the base64 text, and a Marvin32 checksum of the key's bytes in its last 4 bytes)
//! and common annotated security keys (CASK: `…JQQJ99…`, a Marvin32 checksum of the first 60
//! bytes in the last characters).
//!
//! Written from the format as Microsoft's open-source `security-utilities` describes and tests it:
//! Marvin32 (the hash .NET uses for strings), the per-service checksum seeds (8 ASCII characters
//! read as a big-endian number), and where each part sits in the text.

use super::template::{B62, BASE64};
use super::validate::{base64_engine, in_base};
use base64::Engine as _;

/// Marvin32 of `data` with a 64-bit `seed`, folded to 32 bits (high half XOR low half).
pub fn marvin32(data: &[u8], seed: u64) -> u32 {
    let (p0, p1) = marvin(data, seed);
    p0 ^ p1
}

fn marvin(data: &[u8], seed: u64) -> (u32, u32) {
    fn mix(p0: &mut u32, p1: &mut u32) {
        *p1 ^= *p0;
        *p0 = p0.rotate_left(20);
        *p0 = p0.wrapping_add(*p1);
        *p1 = p1.rotate_left(9);
        *p1 ^= *p0;
        *p0 = p0.rotate_left(27);
        *p0 = p0.wrapping_add(*p1);
        *p1 = p1.rotate_left(19);
    }
    let (mut p0, mut p1) = (seed as u32, (seed >> 32) as u32);
    let mut words = data.chunks_exact(4);
    for w in &mut words {
        p0 = p0.wrapping_add(u32::from_le_bytes([w[0], w[1], w[2], w[3]]));
        mix(&mut p0, &mut p1);
    }
    // the 0-3 bytes left, then a 0x80 terminator byte
    let rest = words.remainder();
    let mut last = 0x80u32 << (8 * rest.len());
    for (i, &b) in rest.iter().enumerate() {
        last |= u32::from(b) << (8 * i);
    }
    p0 = p0.wrapping_add(last);
    mix(&mut p0, &mut p1);
    mix(&mut p0, &mut p1);
    (p0, p1)
}

/// A checksum seed: 8 ASCII characters read as a big-endian number.
const fn seed(name: &[u8; 8]) -> u64 {
    u64::from_be_bytes(*name)
}

const DEFAULT: u64 = seed(b"Default0");
const MESSAGING: &[u64] = &[
    seed(b"Send0000"),
    seed(b"Listen00"),
    seed(b"Manage00"),
    seed(b"System00"),
];

/// The checksum seeds of each service's signature (several services share one signature and
/// differ in their seeds: any of them may have made the key).
const SEEDS: &[(&[u8; 4], &[u64])] = &[
    (b"+ASt", &[DEFAULT]),
    (
        b"ACDb",
        &[
            seed(b"SysAll00"),
            seed(b"Resour00"),
            seed(b"MastRO00"),
            seed(b"SystRO00"),
            seed(b"Encryp00"),
            seed(b"MastRW00"),
            seed(b"SystRW00"),
        ],
    ),
    (b"+ABa", &[seed(b"AbAcct00")]),
    (b"+AMC", &[seed(b"Classic0")]),
    (
        b"APIM",
        &[
            seed(b"Tenant00"),
            seed(b"IoTHub00"),
            seed(b"Gatewy00"),
            seed(b"GitKey00"),
        ],
    ),
    (b"+ASb", MESSAGING),
    (b"+AEh", MESSAGING),
    (b"+ARm", MESSAGING),
    (
        b"AIoT",
        &[seed(b"IoTHub00"), seed(b"DpsKey00"), seed(b"Device00")],
    ),
    (b"AzCa", &[seed(b"Access00")]),
    // Event Grid changed its seed in 2025; keys made before still use the default one
    (b"AZEG", &[seed(b"SendRecv"), DEFAULT]),
    (
        b"AzFu",
        &[seed(b"Functi00"), seed(b"Master00"), seed(b"System00")],
    ),
    (b"AzSe", &[seed(b"Query000"), seed(b"PAdmin00")]),
    (b"+ACR", &[seed(b"ACRDflt0")]),
];

fn seeds(signature: &[u8]) -> &'static [u64] {
    SEEDS
        .iter()
        .find(|(s, _)| s.as_slice() == signature)
        .map_or(&[], |(_, seeds)| seeds)
}

/// An identifiable Azure key: base64 (standard or URL-safe) whose 4-character signature ends six
/// characters before the end of the unpadded text, and whose last 4 bytes are the Marvin32
/// checksum (little-endian) of the bytes before them, with one of the signature's seeds.
pub fn identifiable(key: &[u8]) -> bool {
    // padding, also percent-encoded as in a URL's ?code=
    let mut body = key;
    loop {
        if let Some(rest) = body.strip_suffix(b"=") {
            body = rest;
        } else if body.len() >= 3 && body[body.len() - 3..].eq_ignore_ascii_case(b"%3D") {
            body = &body[..body.len() - 3];
        } else {
            break;
        }
    }
    if body.len() < 16 || key.len() > 128 {
        return false;
    }
    let signature = &body[body.len() - 10..body.len() - 6];
    let seeds = seeds(signature);
    if seeds.is_empty() {
        return false;
    }
    let mut bytes = [0u8; 96];
    let Ok(n) = base64_engine(body, false).decode_slice(body, &mut bytes) else {
        return false;
    };
    if n < 8 {
        return false;
    }
    let (data, sum) = bytes[..n].split_at(n - 4);
    let stored = u32::from_le_bytes([sum[0], sum[1], sum[2], sum[3]]);
    seeds.iter().any(|&s| marvin32(data, s) == stored)
}

/// An identifiable key of `len` bytes with `signature` and a correct checksum (with the
/// signature's first seed), from `random` bytes: for rule examples.
pub fn make_identifiable(
    signature: &str,
    len: usize,
    mut random: impl FnMut() -> u8,
) -> Option<String> {
    let sig = signature.as_bytes();
    let seed = *seeds(sig).first()?;
    if !(8..=90).contains(&len) {
        return None;
    }
    let url = sig == b"AzFu" || sig == b"AzSe";
    // the characters before the checksum: random ones, then the signature, then zero bits ('A')
    // up to the checksum (so the character after the signature is one of A-P or A-D, as the
    // services write it); their bytes are the key's data
    let text_len = (8 * len).div_ceil(6);
    let mut chars: Vec<u8> = (0..text_len - 10)
        .map(|_| B62[usize::from(random()) % B62.len()])
        .collect();
    chars.extend_from_slice(sig);
    chars.resize(chars.len().next_multiple_of(4), b'A');
    let mut data = base64_engine(&chars, false).decode(&chars).ok()?;
    data.truncate(len - 4);
    let sum = marvin32(&data, seed);
    data.extend_from_slice(&sum.to_le_bytes());
    let engine = if url {
        &base64::engine::general_purpose::URL_SAFE
    } else {
        &base64::engine::general_purpose::STANDARD
    };
    Some(engine.encode(&data))
}

/// The checksum characters of a CASK key whose first 80 characters are `head`: the base62 form
/// current generators write (6 characters, the last one canonicalised as base64 writes it) and
/// the raw base64 of the checksum bytes older keys carry.
fn cask_checksums(head: &[u8]) -> Option<([u8; 6], [u8; 8])> {
    let mut bytes = [0u8; 60];
    let n = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode_slice(head, &mut bytes)
        .ok()?;
    if n != 60 {
        return None;
    }
    let sum = marvin32(&bytes, DEFAULT).to_le_bytes();
    // base62 of the four bytes read as a big-endian number, a '0' for each leading zero byte,
    // padded on the right with '0' to six characters
    let mut t = [b'0'; 6];
    let zeros = sum.iter().take_while(|&&b| b == 0).count().min(3);
    let digits = in_base(u64::from(u32::from_be_bytes(sum)), B62);
    for (slot, &d) in t[zeros..].iter_mut().zip(&digits) {
        *slot = d;
    }
    let idx = BASE64.iter().position(|&c| c == t[5]).unwrap_or(0);
    t[5] = BASE64[idx & 0x30];
    let mut raw = [0u8; 8];
    base64::engine::general_purpose::STANDARD
        .encode_slice(sum, &mut raw)
        .ok()?;
    Some((t, raw))
}

/// A common annotated security key (84 characters, or 88 ending in `==`): Marvin32 of the bytes
/// of its first 80 characters, with the default seed, in base62 or raw base64 after them.
pub fn cask(key: &[u8]) -> bool {
    if key.len() != 84 && key.len() != 88 {
        return false;
    }
    let Some((t, raw)) = cask_checksums(&key[..80]) else {
        return false;
    };
    let tail = &key[80..];
    if key.len() == 84 {
        tail == &t[..4] || tail == &raw[..4]
    } else {
        (tail[..6] == t && &tail[6..] == b"==") || tail == raw
    }
}

/// A CASK key with `provider` (4 characters) as its provider signature and a correct checksum:
/// for rule examples.
pub fn make_cask(provider: &str, kind: u8, mut random: impl FnMut() -> u8) -> Option<String> {
    if provider.len() != 4 || !provider.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let mut key: Vec<u8> = (0..52)
        .map(|_| B62[usize::from(random()) % B62.len()])
        .collect();
    key.extend_from_slice(b"JQQJ9");
    key.push(kind);
    key.push(b'B'); // 2025
    key.push(b'A' + random() % 12); // the month
    key.extend_from_slice(&[b'A'; 16]);
    key.extend_from_slice(provider.as_bytes());
    let (t, _) = cask_checksums(&key)?;
    key.extend_from_slice(&t[..4]);
    String::from_utf8(key).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marvin_matches_the_published_vectors() {
        let v = |data: &[u8], seed: u64| {
            let (p0, p1) = marvin(data, seed);
            (u64::from(p1) << 32) | u64::from(p0)
        };
        assert_eq!(v(b"abc", 0xd53cd9cecd0893b7), 0x22c74339492769bf);
        assert_eq!(
            v(b"abcdefghijklmnopqrstuvwxyz", 0x0ddddeeeeffff000),
            0xa128eb7e7260aca2
        );
        assert_eq!(v(&[], 0x004fb61a001bdbcc), 0x30ed35c100cd3c7d);
        assert_eq!(v(&[175], 0x004fb61a001bdbcc), 0x48e73fc77d75ddc1);
        assert_eq!(
            v(&[134, 66, 220, 89], 0x004fb61a001bdbcc),
            0x7008f2e87e9cf556
        );
        assert_eq!(
            v(&[171, 66, 126, 168, 209, 15, 199], 0x004fb61a001bdbcc),
            0xe11847e4f0678c41
        );
        assert_eq!(v(&[], 0x804fb61a001bdbcc), 0x10a9d5d3996fd65d);
        assert_eq!(
            v(&[0, 255, 0, 255, 0, 255, 0], 0x804fb61a801bdbcc),
            0x71876f2efb1b0ee8
        );
        assert_eq!(seed(b"ROSeed00"), 0x524f536565643030);
    }

    #[test]
    fn identifiable_keys_of_each_size_check_out() {
        // keys from the test suite of Microsoft's security-utilities
        for key in [
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa+ARmD7h+qo=",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaAIoTOumzco=",
            "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbAZEGLiQbng=",
            "dddddddddddddddddddddddddddddddddddddddddd+ACRCUDxQE",
            "ddddddddddddddddddddddddddddddddddddddddddddAzFu182vhA==",
            "ddddddddddddddddddddddddddddddddddddddddddddAzFu182vhA",
            "ddddddddddddddddddddddddddddddddddddddddddddAzFu182vhA%3D%3D",
        ] {
            assert!(identifiable(key.as_bytes()), "{key}");
        }
        let account = format!("{}+ASt5mnCaw==", "a".repeat(76));
        assert!(identifiable(account.as_bytes()));
        let cosmos = format!("{}ACDbOpqrYA==", "a".repeat(76));
        assert!(identifiable(cosmos.as_bytes()));
        // a changed character, another service's signature, or no known signature fails
        assert!(!identifiable(
            format!("{}+ASt5mnCbw==", "a".repeat(76)).as_bytes()
        ));
        assert!(!identifiable(
            format!("{}+ASb5mnCaw==", "a".repeat(76)).as_bytes()
        ));
        assert!(!identifiable(
            b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaXXXXD7h+qo="
        ));
        assert!(!identifiable(b"===="));
        assert!(!identifiable(b""));
        // what the generator makes passes, for every size and signature
        let mut x = 7u32;
        let mut rnd = || {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (x >> 16) as u8
        };
        for (sig, len) in [
            ("+ASt", 64),
            ("ACDb", 64),
            ("APIM", 64),
            ("+ASb", 32),
            ("AIoT", 32),
            ("AzCa", 32),
            ("AzFu", 40),
            ("+ACR", 39),
        ] {
            let key = make_identifiable(sig, len, &mut rnd).expect("makes");
            let body = key.trim_end_matches('=');
            assert_eq!(&body[body.len() - 10..body.len() - 6], sig, "{key}");
            assert!(identifiable(key.as_bytes()), "{key}");
        }
    }

    #[test]
    fn cask_keys_carry_a_marvin_checksum() {
        // the key of Microsoft's scanner benchmark data (raw checksum, long form), and the same
        // key with the base62 checksum current generators write
        let head = format!("{}JQQJ99AGAAAAAAAAAAAAAAAAABCD", "A".repeat(52));
        for tail in ["TZJ9JA==", "1Q4jXA==", "1Q4j", "TZJ9"] {
            let key = format!("{head}{tail}");
            assert!(cask(key.as_bytes()), "{key}");
        }
        for tail in ["TZJ9JB==", "1Q4jXI==", "1Q4k", "AAAA"] {
            let key = format!("{head}{tail}");
            assert!(!cask(key.as_bytes()), "{key}");
        }
        let mut x = 3u32;
        let made = make_cask("ACOG", b'9', || {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (x >> 16) as u8
        })
        .expect("makes");
        assert_eq!(made.len(), 84);
        assert!(cask(made.as_bytes()), "{made}");
    }
}
