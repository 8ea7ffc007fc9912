//! Values that are obviously not real secrets, for every rule: template and variable syntax,
//! masks, documented example keys and runs of one character. The checks look at the shape of the
//! value, never at a list of particular keys. `lower` is scratch space for a lowercased copy.

use memchr::memmem;

/// Lowercase substrings that mark a value as a placeholder or a documented example.
const MARKERS: &[&[u8]] = &[
    b"xxxx",
    b"****",
    b"${",
    b"{{",
    b"$(",
    b"%s",
    b"%(",
    b"example",
    b"placeholder",
    b"changeme",
    b"change_me",
    b"redacted",
    b"your_",
    b"your-",
    b"yourkey",
    b"yourtoken",
    b"yoursecret",
    b"insert_",
    b"replace_",
    b"12345678",
    b"abcdefgh",
    b"........",
];

/// Values longer than this are not tested against `MARKERS`.
const MAX_PLACEHOLDER: usize = 256;

pub fn is_placeholder(secret: &[u8], lower: &mut Vec<u8>) -> bool {
    let Some(&first) = secret.first() else {
        return true;
    };
    if secret.iter().all(|&b| b == first) {
        return true;
    }
    // "<YOUR_KEY>", "<token>": an angle-bracketed name
    if let Some(open) = memchr::memchr(b'<', secret)
        && memchr::memchr(b'>', &secret[open..]).is_some()
    {
        return true;
    }
    lower.clear();
    lower.extend(secret.iter().map(u8::to_ascii_lowercase));
    // a long random body (a private key) contains "xxxx" by chance often enough to matter;
    // placeholders are short
    secret.len() <= MAX_PLACEHOLDER && MARKERS.iter().any(|m| memmem::find(lower, m).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_recognised() {
        let mut s = Vec::new();
        for p in [
            &b"<YOUR_API_KEY>"[..],
            b"xxxxxxxxxxxxxxxx",
            b"${GITHUB_TOKEN}",
            b"{{ secrets.TOKEN }}",
            b"AKIAIOSFODNN7EXAMPLE",
            b"0000000000000000",
            b"sk_live_1234567890abcdefgh",
            b"your_token_here",
            b"",
        ] {
            assert!(is_placeholder(p, &mut s), "{}", String::from_utf8_lossy(p));
        }
    }

    #[test]
    fn random_values_are_not_placeholders() {
        let mut s = Vec::new();
        for p in [
            &b"ghp_R8fK2mQz7LwXc9Vt3NbYp1HsJd6GeUa0Io4T"[..],
            b"q9$Lm2!vR7zP",
        ] {
            assert!(!is_placeholder(p, &mut s), "{}", String::from_utf8_lossy(p));
        }
    }
}
