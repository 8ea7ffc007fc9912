//! `Secret` holds a secret value and refuses to show it: `Debug` and `Display` print the redacted
//! form. The only way to the value is `expose()`, which the reports call only under
//! `--show-secrets`.

use std::fmt;

/// Longest public prefix ever shown (e.g. `github_pat_`, `sk-ant-api03-`).
const MAX_PREFIX: usize = 14;

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Secret {
    value: String,
    /// Bytes of `value` that are a public, documented prefix (`ghp_`, `AKIA`) and may be shown.
    public: usize,
}

impl Secret {
    /// `keywords` are the rule's keywords: if the value starts with one that looks like a token
    /// prefix, that much is public. At most half the value is ever treated as public.
    pub fn new(bytes: &[u8], keywords: &[String]) -> Secret {
        let value = String::from_utf8_lossy(bytes).into_owned();
        let public = keywords
            .iter()
            .filter(|k| looks_like_prefix(k))
            .filter(|k| {
                value.len() >= k.len()
                    && value.as_bytes()[..k.len()].eq_ignore_ascii_case(k.as_bytes())
            })
            .map(String::len)
            .max()
            .unwrap_or(0);
        let public = if public > MAX_PREFIX || public * 2 > value.len() {
            0
        } else {
            public
        };
        Secret { value, public }
    }

    /// The value itself. Only for `--show-secrets` and fingerprints.
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// The public prefix followed by a fixed mask: never reveals more than the prefix.
    pub fn redacted(&self) -> String {
        format!("{}*****", &self.value[..self.public])
    }

    pub fn len(&self) -> usize {
        self.value.len()
    }

    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }
}

/// A token prefix such as `ghp_`, `xoxb-`, `sk_live_` or `AKIA`, as opposed to a context word
/// such as `password` that never starts the secret itself.
fn looks_like_prefix(k: &str) -> bool {
    k.len() <= MAX_PREFIX
        && (k.ends_with(['_', '-', '.', '$'])
            || (k.len() <= 6
                && k.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())))
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.redacted())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = Secret::new(
            b"ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            &["ghp_".into()],
        );
        assert_eq!(s.to_string(), "ghp_*****");
        assert_eq!(format!("{s:?}"), "Secret(ghp_*****)");
        assert!(s.expose().ends_with("789"));
    }

    #[test]
    fn context_keywords_are_not_prefixes() {
        let s = Secret::new(b"passwordhunter2", &["password".into()]);
        assert_eq!(s.redacted(), "*****");
        let short = Secret::new(b"AKIA12", &["AKIA".into()]);
        assert_eq!(short.redacted(), "*****", "more than half would be shown");
    }
}
