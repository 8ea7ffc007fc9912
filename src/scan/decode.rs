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
/// by sampling every [`STRIDE`]th byte: a run of [`MIN_BASE64`] or more base64 characters always
/// holds a sampled byte, so only the text around sampled base64 characters is examined.
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
    // base64 runs: a run of MIN_BASE64 (= 2 * STRIDE) or more holds two grid points STRIDE
    // apart with only base64 between them; only there is the run looked at
    let b64 = |b: u8| CLASS[b as usize] & (B64 | URLSAFE) != 0;
    let mut floor = 0;
    let mut p = 0;
    while p + STRIDE < n {
        // one branch for the common case: both grid points tested without short-circuit
        let both = CLASS[data[p] as usize] & CLASS[data[p + STRIDE] as usize] & (B64 | URLSAFE);
        if both == 0 || !data[p + 1..p + STRIDE].iter().all(|&b| b64(b)) {
            p += STRIDE;
            continue;
        }
        let mut s = p;
        while s > floor && b64(data[s - 1]) {
            s -= 1;
        }
        let mut e = p + STRIDE + 1;
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
        p = e.next_multiple_of(STRIDE);
    }
    out[first..].sort_by_key(|sp| sp.start);
}

/// Sampling step of the base64 search; must be at most half of [`MIN_BASE64`].
const STRIDE: usize = 8;

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

    #[test]
    fn a_huge_run_is_not_decoded() {
        let text = "Ab".repeat(MAX_SPAN);
        assert!(found(&text).is_empty());
    }
}
