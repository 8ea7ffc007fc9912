//! Decoders: secrets hidden in base64 (Kubernetes Secret `data:` values, `Authorization: Basic`
//! headers, base64 blobs in config) and percent-encoding (URL-encoded connection strings) are
//! decoded and scanned again.
//!
//! A decoded value is put back into its line in place of the encoded text (`DB_PASSWORD: <b64>`
//! becomes `DB_PASSWORD: <decoded>`), so rules that need the name before the value still see it;
//! a secret found inside the decoded part is reported at the encoded text's place. Only text
//! decodes are kept (binary results such as images, certificates and lockfile hashes are
//! dropped at once), and everything is bounded: at most [`MAX_DEPTH`] layers, [`MAX_SPAN`] bytes
//! per encoded run and [`MAX_TOTAL`] decoded bytes per file, so no input can make decoding
//! expensive.

use base64::Engine as _;

/// Layers of encoding looked through (base64 inside base64: a docker config in a Secret).
pub const MAX_DEPTH: usize = 2;
/// Longest encoded run decoded.
pub const MAX_SPAN: usize = 64 << 10;
/// Decoded bytes per file, all layers together.
pub const MAX_TOTAL: usize = 1 << 20;
/// Shortest base64 run worth decoding (12 bytes of text).
const MIN_BASE64: usize = 16;

/// An encoded run in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub encoding: &'static str,
}

const B64: u8 = 1;
const URLSAFE: u8 = 2;
const PCT: u8 = 4;

const fn classes() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_alphanumeric() {
            t[c] = B64 | URLSAFE | PCT;
        }
        c += 1;
    }
    t[b'+' as usize] = B64 | PCT;
    t[b'/' as usize] = B64 | PCT;
    t[b'-' as usize] = URLSAFE | PCT;
    t[b'_' as usize] = URLSAFE | PCT;
    let extra = b"%.~:@=&?!*,;";
    let mut k = 0;
    while k < extra.len() {
        t[extra[k] as usize] |= PCT;
        k += 1;
    }
    t
}

static CLASS: [u8; 256] = classes();

/// Finds base64 and percent-encoded runs in `data` (appended to `out`, sorted by start; what
/// `out` held before is left as it was).
///
/// Fast on ordinary text: percent runs are looked for only around `%` (memchr), and base64 runs
/// with bit masks, 64 bytes at a time: only where [`MIN_BASE64`] base64 characters follow each
/// other is the text examined byte by byte.
pub fn spans(data: &[u8], out: &mut Vec<Span>) {
    let first = out.len();
    let n = data.len();
    // percent-encoded runs: around each `%XX`
    let mut last_end = 0;
    for p in memchr::memchr_iter(b'%', data) {
        if p < last_end {
            continue;
        }
        let mut s = p;
        while s > last_end && CLASS[data[s - 1] as usize] & PCT != 0 {
            s -= 1;
        }
        let mut e = p;
        let mut escapes = 0;
        while e < n && CLASS[data[e] as usize] & PCT != 0 {
            if data[e] == b'%'
                && e + 2 < n
                && data[e + 1].is_ascii_hexdigit()
                && data[e + 2].is_ascii_hexdigit()
            {
                escapes += 1;
            }
            e += 1;
        }
        last_end = e;
        if escapes >= 2 && e - s <= MAX_SPAN {
            out.push(Span {
                start: s,
                end: e,
                encoding: "percent",
            });
        }
    }
    // base64 runs: the base64 characters of each 64-byte block as a bit mask (a loop the
    // compiler turns into vector compares), and in the mask, with the next block's behind it,
    // where MIN_RUN set bits in a row start. Ordinary text and code rarely have such runs,
    // so almost every block costs a few instructions and no branch taken.
    let b64 = |b: u8| CLASS[b as usize] & (B64 | URLSAFE) != 0;
    let blocks = n.div_ceil(64);
    let mut floor = 0;
    let mut cur = class_mask(data, 0);
    for blk in 0..blocks {
        let base = blk * 64;
        let next = if blk + 1 < blocks {
            class_mask(data, base + 64)
        } else {
            0
        };
        let mut runs = runs_from(cur, next);
        cur = next;
        while runs != 0 {
            let at = base + runs.trailing_zeros() as usize;
            runs &= runs - 1;
            if at < floor {
                continue;
            }
            let mut s = at;
            while s > floor && b64(data[s - 1]) {
                s -= 1;
            }
            let mut e = at + MIN_RUN;
            while e < n && b64(data[e]) {
                e += 1;
            }
            if e - s <= MAX_SPAN {
                let pad_end = (e..n.min(e + 2))
                    .take_while(|&k| data[k] == b'=')
                    .last()
                    .map_or(e, |k| k + 1);
                base64_runs(data, s, pad_end, out);
            }
            floor = e;
        }
    }
    out[first..].sort_by_key(|sp| sp.start);
}

/// Bit k set: `data[from + k]` is a base64 character (standard or URL-safe); 0 past the end.
#[inline(always)]
fn class_mask(data: &[u8], from: usize) -> u64 {
    #[inline(always)]
    fn is(b: u8) -> bool {
        // letters (folded), then `/` and the digits (0x2f-0x39), then the rest
        ((b | 0x20).wrapping_sub(b'a') < 26)
            | (b.wrapping_sub(b'/') < 11)
            | (b == b'+')
            | (b == b'-')
            | (b == b'_')
    }
    let Some(block) = data.get(from..from + 64) else {
        return data
            .get(from..)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .fold(0, |m, (k, &b)| m | u64::from(is(b)) << k);
    };
    // one byte per flag first (vector compares), then eight flags into eight bits at a time:
    // the multiplier moves byte i's low bit to bit 56 + i without carries
    let mut flags = [0u8; 64];
    for (f, &b) in flags.iter_mut().zip(block) {
        *f = u8::from(is(b));
    }
    let mut m = 0u64;
    for (j, eight) in flags.chunks_exact(8).enumerate() {
        let mut w = [0u8; 8];
        w.copy_from_slice(eight);
        m |= (u64::from_le_bytes(w).wrapping_mul(0x0102_0408_1020_4080) >> 56) << (j * 8);
    }
    m
}

/// Shortest run of base64 characters that can be an encoded run of [`MIN_BASE64`] with its
/// `==` padding.
const MIN_RUN: usize = MIN_BASE64 - 2;

/// Bit k set: bits k to k + 13 of `next:cur` are all set (a run of [`MIN_RUN`] starts at k).
#[inline(always)]
fn runs_from(cur: u64, next: u64) -> u64 {
    const _: () = assert!(MIN_RUN == 14);
    let w = u128::from(cur) | (u128::from(next) << 64);
    let r = w & (w >> 1); // 2 in a row
    let r = r & (r >> 2); // 4
    let r = r & (r >> 4); // 8
    (r & (r >> 6)) as u64 // 8 from k and 8 from k + 6: 14
}

/// Base64 runs (standard or URL-safe, `=` padding at the end only) inside `data[start..end]`.
fn base64_runs(data: &[u8], start: usize, end: usize, out: &mut Vec<Span>) {
    let mut i = start;
    while i < end {
        let c = CLASS[data[i] as usize];
        if c & (B64 | URLSAFE) == 0 {
            i += 1;
            continue;
        }
        let s = i;
        let mut kinds = B64 | URLSAFE;
        while i < end && CLASS[data[i] as usize] & kinds != 0 {
            kinds &= CLASS[data[i] as usize];
            i += 1;
        }
        let mut e = i;
        while e < end && e - i < 2 && data[e] == b'=' {
            e += 1;
        }
        // encoders pad to a multiple of four; a run that is not one is a word or identifier
        if e - s >= MIN_BASE64 && (e - s).is_multiple_of(4) && looks_encoded(&data[s..i]) {
            out.push(Span {
                start: s,
                end: e,
                encoding: "base64",
            });
        }
        i = e.max(s + 1);
    }
}

/// Identifiers, words and hex are base64-valid too. Text that was base64-encoded has upper and
/// lower case letters mixed through it, and the first character of every group of four holds
/// the top six bits of a text byte (0x20-0x7e, or a UTF-8 byte), so it is one of `I`-`Z`, `a`-`f`
/// (or `g`-`z`, `0`-`9`, `+`, `/` for UTF-8): never `A`-`H`.
fn looks_encoded(run: &[u8]) -> bool {
    let upper = run.iter().filter(|b| b.is_ascii_uppercase()).count();
    let lower = run.iter().filter(|b| b.is_ascii_lowercase()).count();
    upper * 8 >= run.len()
        && lower * 8 >= run.len()
        && run.iter().step_by(4).all(|&b| !(b'A'..=b'H').contains(&b))
}

/// Decodes `data` (one span) into `out`; true when the result is text worth scanning.
pub fn decode(span: &[u8], encoding: &str, out: &mut Vec<u8>) -> bool {
    out.clear();
    match encoding {
        "percent" => out.extend(percent_encoding::percent_decode(span)),
        _ => {
            let trimmed = span
                .iter()
                .rposition(|&b| b != b'=')
                .map_or(&span[..0], |p| &span[..=p]);
            let engine = if trimmed.iter().any(|&b| b == b'-' || b == b'_') {
                &base64::engine::general_purpose::URL_SAFE_NO_PAD
            } else {
                &base64::engine::general_purpose::STANDARD_NO_PAD
            };
            if engine.decode_vec(trimmed, out).is_err() {
                return false;
            }
        }
    }
    is_text(out)
}

/// Mostly printable ASCII or UTF-8, no NUL.
fn is_text(b: &[u8]) -> bool {
    if b.len() < 4 || b.contains(&0) {
        return false;
    }
    let printable = b
        .iter()
        .filter(|&&c| {
            (0x20..0x7f).contains(&c) || c == b'\n' || c == b'\t' || c == b'\r' || c >= 0x80
        })
        .count();
    printable * 100 >= b.len() * 97 && std::str::from_utf8(b).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(String, &'static str)> {
        let mut v = Vec::new();
        spans(text.as_bytes(), &mut v);
        v.into_iter()
            .map(|s| (text[s.start..s.end].to_string(), s.encoding))
            .collect()
    }

    #[test]
    fn base64_and_percent_runs_are_found_and_words_are_not() {
        let b = base64::engine::general_purpose::STANDARD.encode("db_password=Hunter2Hunter2");
        let text = format!(
            "  DB: {b}\nurl = postgres%3A%2F%2Fapp%3Apw%40db\nconst getElementsByClassName = 1"
        );
        let f = found(&text);
        assert_eq!(f.len(), 2, "{f:?}");
        assert_eq!(f[0], (b.clone(), "base64"));
        assert_eq!(f[1].1, "percent");
    }

    #[test]
    fn only_text_decodes_are_kept() {
        let mut out = Vec::new();
        let b = base64::engine::general_purpose::STANDARD.encode("alice:s3cr3t-pass");
        assert!(decode(b.as_bytes(), "base64", &mut out));
        assert_eq!(out, b"alice:s3cr3t-pass");
        let bin = base64::engine::general_purpose::STANDARD
            .encode([0u8, 159, 146, 150, 1, 2, 3, 4, 5, 6]);
        assert!(!decode(bin.as_bytes(), "base64", &mut out));
        assert!(decode(b"user%3Apass%40host", "percent", &mut out));
        assert_eq!(out, b"user:pass@host");
    }

    /// The runs `spans` must find: what `base64_runs` keeps of every maximal run of base64
    /// characters, found the slow way.
    fn naive(data: &[u8]) -> Vec<Span> {
        let b64 = |b: u8| CLASS[b as usize] & (B64 | URLSAFE) != 0;
        let mut out = Vec::new();
        let mut i = 0;
        while i < data.len() {
            if !b64(data[i]) {
                i += 1;
                continue;
            }
            let s = i;
            while i < data.len() && b64(data[i]) {
                i += 1;
            }
            if i - s <= MAX_SPAN {
                let pad_end = (i..data.len().min(i + 2))
                    .take_while(|&k| data[k] == b'=')
                    .last()
                    .map_or(i, |k| k + 1);
                base64_runs(data, s, pad_end, &mut out);
            }
        }
        out.sort_by_key(|sp| sp.start);
        out
    }

    #[test]
    fn the_block_search_finds_what_a_byte_by_byte_search_finds() {
        let mut rng = crate::rules::template_rng("decode", 0);
        let encoded =
            base64::engine::general_purpose::STANDARD.encode("user=admin colour=Zq9xLm2Kp7Wv");
        let short = base64::engine::general_purpose::STANDARD.encode("pw=Zq9xLm2");
        assert!(
            short.ends_with("=="),
            "a run of 14 and its padding: {short}"
        );
        let pieces: [&str; 9] = [
            &short,
            " ",
            "\n",
            "snake_case_identifier_name",
            "a/b/c/d",
            &encoded,
            "==",
            "x",
            "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY",
        ];
        let mut found = 0;
        for _ in 0..300 {
            let mut text = String::new();
            let n = (rng.next_u64() % 40) as usize;
            for _ in 0..n {
                text.push_str(pieces[(rng.next_u64() % 9) as usize]);
            }
            let mut got = Vec::new();
            spans(text.as_bytes(), &mut got);
            got.retain(|sp| sp.encoding == "base64");
            assert_eq!(got, naive(text.as_bytes()), "{text:?}");
            found += got.len();
        }
        assert!(found > 100, "the texts hold runs to find: {found}");
    }

    #[test]
    fn a_huge_run_is_not_decoded() {
        let text = "Ab".repeat(MAX_SPAN);
        assert!(found(&text).is_empty());
    }
}
