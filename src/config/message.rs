//! Error messages that name places and names, never values. A config, ignore file or rule file
//! is repository content: a secret pasted into it by mistake must not be echoed by the error that
//! rejects it (errors end up in CI logs). Messages keyhound writes itself quote only positions,
//! key names and known rule ids; messages that come from a parser or compiler (YAML, TOML, regex,
//! glob) go through [`scrub`], which drops source snippets and quoted values.
//! Uses no scanning: a pure function of the message text.

/// What replaces a quoted value.
pub const HIDDEN: &str = "(value not shown)";

/// A parser's or compiler's message without any value from the input: only its first line (YAML
/// parsers add a snippet of neighbouring source lines after it), a regex parse error reduced to
/// its kind and the character it is at, and every quoted text (`"…"`, `` `…` ``, `'…'`) of more
/// than a few punctuation characters replaced by [`HIDDEN`].
pub fn scrub(message: &str) -> String {
    let message = regex_error(message);
    let first = message.lines().next().unwrap_or("").trim_end();
    let first = unknown_name(first);
    let mut out = String::with_capacity(first.len());
    let chars: Vec<char> = first.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let quote =
            matches!(c, '"' | '`') || (c == '\'' && (i == 0 || !chars[i - 1].is_alphanumeric()));
        if quote && let Some(end) = closing(&chars, i) {
            let inner: String = chars[i + 1..end].iter().collect();
            if harmless(&inner) {
                out.extend(&chars[i..=end]);
            } else {
                out.push_str(HIDDEN);
            }
            i = end + 1;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// The index of the quote closing the one at `open` (backslash escapes skipped for `"`).
fn closing(chars: &[char], open: usize) -> Option<usize> {
    let q = chars[open];
    let mut i = open + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' if q == '"' => i += 2,
            c if c == q => {
                // an apostrophe inside a word is not a closing quote
                if q == '\'' && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric()) {
                    i += 1;
                    continue;
                }
                return Some(i);
            }
            _ => i += 1,
        }
    }
    None
}

/// Quoted text that cannot be a secret: a few punctuation characters (`'['`, `"}"`).
fn harmless(inner: &str) -> bool {
    inner.chars().count() <= 3 && !inner.chars().any(char::is_alphanumeric)
}

/// serde's "unknown field `x`, expected one of a, b": the unknown name is the user's text and
/// may be anything; the expected names are ours. Says which known name is near, if one is.
fn unknown_name(line: &str) -> String {
    for (what, noun) in [("unknown field", "key"), ("unknown variant", "value")] {
        let Some(at) = line.find(what) else { continue };
        let rest = &line[at + what.len()..];
        let Some(rest) = rest.strip_prefix(" `") else {
            continue;
        };
        let Some(end) = rest.find('`') else { continue };
        let written = &rest[..end];
        let after = rest[end + 1..].trim_start_matches(',').trim();
        let expected: Vec<&str> = after
            .strip_prefix("expected one of ")
            .or_else(|| after.strip_prefix("expected "))
            .map(|l| {
                l.split(", ")
                    .map(|s| s.trim_matches('`'))
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let near: Vec<&str> = expected
            .iter()
            .copied()
            .filter(|e| close(written, e))
            .collect();
        let mut out = format!(
            "{}unknown {noun} (not shown: it may hold a secret)",
            &line[..at]
        );
        if !near.is_empty() {
            out.push_str(&format!("; did you mean {}?", near.join(", ")));
        }
        if !expected.is_empty() {
            out.push_str(&format!("; expected one of {}", expected.join(", ")));
        }
        return out;
    }
    // a missing field is named by the schema (ours), not by the input
    if let Some(at) = line.find("missing field `")
        && let Some(end) = line[at + 15..].find('`')
    {
        let name = &line[at + 15..at + 15 + end];
        return format!(
            "{}missing key {name}{}",
            &line[..at],
            &line[at + 16 + end..]
        );
    }
    line.to_string()
}

/// Whether `a` is within two edits of `b` (a misspelling), ignoring case and `-`/`_`.
fn close(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> Vec<u8> {
        s.bytes()
            .map(|c| {
                if c == b'_' {
                    b'-'
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect()
    };
    let (a, b) = (norm(a), norm(b));
    if a.len().abs_diff(b.len()) > 2 || a.len() > 64 {
        return false;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()] <= 2
}

/// The regex crate's parse error quotes the pattern and points at it with `^`; keeps what went
/// wrong and where (`regex parse error: unclosed group (at character 6)`).
fn regex_error(message: &str) -> String {
    const HEAD: &str = "regex parse error:";
    let Some(at) = message.find(HEAD) else {
        return message.to_string();
    };
    let body = &message[at + HEAD.len()..];
    let kind = body
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .unwrap_or("the pattern does not parse");
    let pattern_lines = body
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim().starts_with("error"))
        .count();
    let caret = body.lines().find(|l| {
        let t = l.trim();
        !t.is_empty() && t.chars().all(|c| c == '^')
    });
    let place = match caret {
        // one pattern line, then the caret line: both indented by four spaces
        Some(c) if pattern_lines == 2 => {
            let col = c.find('^').unwrap_or(4).saturating_sub(4) + 1;
            format!(" (at character {col})")
        }
        _ => String::new(),
    };
    format!("{}{HEAD} {kind}{place}", &message[..at])
}

/// Whether a rule id may be shown: written in the schema's kebab-case and not shaped like a
/// value (a UUID, a run of hex digits), so an id field holding a pasted secret is not echoed.
pub fn showable_id(id: &str) -> bool {
    let kebab = !id.is_empty()
        && id.len() <= 64
        && id.split('-').all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    let hexish = id
        .split('-')
        .all(|p| p.len() >= 4 && p.bytes().all(|b| b.is_ascii_hexdigit()));
    let parts_short = id.split('-').all(|p| p.len() <= 24);
    kebab && !hexish && parts_short
}

#[cfg(test)]
mod tests {
    use super::*;

    // a value pasted where a name belongs (not key-shaped: this repository holds no key-shaped text)
    const SECRET: &str = "pasted_Abcdefghijklmnopqrstuvwxyz0123456789";

    #[test]
    fn quoted_values_are_hidden_and_punctuation_kept() {
        let m = scrub(&format!("invalid type: string \"{SECRET}\", expected u32"));
        assert!(!m.contains("Abcdef"), "{m}");
        assert!(m.contains(HIDDEN), "{m}");
        assert_eq!(scrub("unclosed bracket '['"), "unclosed bracket '['");
        assert_eq!(scrub("it doesn't parse"), "it doesn't parse");
        let m = scrub(&format!("unsupported tag `!{SECRET}`"));
        assert!(!m.contains("Abcdef"), "{m}");
    }

    #[test]
    fn snippets_after_the_first_line_are_dropped() {
        let m = scrub(&format!(
            "error: line 5 column 15: unclosed bracket '['\n --> <input>:5:15\n3 | # {SECRET}\n"
        ));
        assert_eq!(m, "error: line 5 column 15: unclosed bracket '['");
    }

    #[test]
    fn unknown_keys_are_not_echoed_but_near_names_are_suggested() {
        let m = scrub(&format!(
            "unknown field `{SECRET}`, expected one of version, allowlists"
        ));
        assert!(!m.contains("Abcdef"), "{m}");
        assert!(m.contains("expected one of version, allowlists"), "{m}");
        let m = scrub("unknown field `allowlist`, expected one of version, allowlists");
        assert!(m.contains("did you mean allowlists?"), "{m}");
        assert_eq!(scrub("missing field `version`"), "missing key version");
        let m = scrub(&format!(
            "unknown variant `{SECRET}`, expected one of critical, high"
        ));
        assert!(!m.contains("Abcdef") && m.contains("unknown value"), "{m}");
    }

    #[test]
    fn regex_errors_keep_the_kind_and_the_place() {
        let e = regex::bytes::Regex::new(&format!("x{SECRET}(")).expect_err("bad");
        let m = scrub(&format!("bad regex: {e}"));
        let at = SECRET.len() + 2;
        assert_eq!(
            m,
            format!("bad regex: regex parse error: unclosed group (at character {at})")
        );
    }

    #[test]
    fn ids_shaped_like_values_are_not_shown() {
        assert!(showable_id("acme-key"));
        assert!(showable_id("aws-s3-key2"));
        assert!(!showable_id(SECRET));
        assert!(!showable_id("0b5e7c4a-1f2e-4d3c-9a8b-7c6d5e4f3a2b"));
        assert!(!showable_id("3f9c1e0a5b7d2c4e6f8a0b1c2d3e4f50"));
        assert!(!showable_id("abcdefghijklmnopqrstuvwxyz0123456789"));
    }
}
