//! Writes the converted config as `.keyhound.yml` text: a header naming what did not carry over,
//! then the keys in the order the config reference documents them. Every scalar is quoted so it
//! reads back exactly as it was converted.

use super::AllowlistOut;
use crate::config::VERSION;
use crate::rules::RuleSpec;
use std::fmt::Write as _;

/// A YAML scalar that reads back as exactly `s`.
fn q(s: &str) -> String {
    if s.chars().any(char::is_control) {
        serde_json::to_string(s).unwrap_or_else(|_| "''".into())
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

/// Text for a `#` comment: one line, control characters escaped (YAML rejects them even in a
/// comment).
fn comment(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn list(items: &[String]) -> String {
    format!(
        "[{}]",
        items.iter().map(|s| q(s)).collect::<Vec<_>>().join(", ")
    )
}

/// What the header lists: what was left out and what was carried over with a change.
pub(super) struct Notes<'a> {
    pub left_out: &'a [String],
    pub changed: &'a [String],
}

pub(super) fn render(
    file: &str,
    title: Option<&str>,
    use_default: bool,
    disable: &[String],
    rules: &[RuleSpec],
    allowlists: &[(AllowlistOut, String)],
    notes: &Notes<'_>,
) -> String {
    let mut y = String::new();
    let _ = writeln!(
        y,
        "# keyhound config, converted from {} by `keyhound config import-gitleaks`.",
        comment(file)
    );
    if let Some(t) = title {
        let _ = writeln!(y, "# gitleaks title: {}", comment(t));
    }
    if !notes.left_out.is_empty() {
        let _ = writeln!(y, "#\n# Not carried over:");
        for n in notes.left_out {
            let _ = writeln!(y, "#   - {}", comment(n));
        }
    }
    if !notes.changed.is_empty() {
        let _ = writeln!(y, "#\n# Carried over, with these changes:");
        for n in notes.changed {
            let _ = writeln!(y, "#   - {}", comment(n));
        }
    }
    let _ = writeln!(y, "\nversion: {VERSION}");
    let _ = writeln!(y, "builtin-rules: {use_default}");
    if !disable.is_empty() {
        let _ = writeln!(y, "disable-rules: {}", list(disable));
    }
    if !rules.is_empty() {
        let _ = writeln!(y, "\nrules:");
        for r in rules {
            let _ = writeln!(y, "  - id: {}", r.id);
            let _ = writeln!(y, "    name: {}", q(&r.name));
            if !r.description.is_empty() {
                let _ = writeln!(y, "    description: {}", q(&r.description));
            }
            if r.keywords.is_empty() && r.path_regex.is_none() {
                let _ = writeln!(
                    y,
                    "    # no keywords: the regex runs over every file; add some to make it cheap"
                );
            }
            if !r.keywords.is_empty() {
                let _ = writeln!(y, "    keywords: {}", list(&r.keywords));
            }
            if !r.regex.is_empty() {
                let _ = writeln!(y, "    regex: {}", q(&r.regex));
            }
            if let Some(p) = &r.path_regex {
                let _ = writeln!(y, "    path-regex: {}", q(p));
            }
            if r.file {
                let _ = writeln!(y, "    file: true");
            }
            if let Some(e) = r.entropy {
                let _ = writeln!(y, "    entropy: {e}");
            }
            let _ = writeln!(y, "    severity: high");
            let _ = writeln!(
                y,
                "    # add `examples:` and `negative:` lines, then run `keyhound rules check --config .keyhound.yml`"
            );
        }
    }
    if !allowlists.is_empty() {
        let _ = writeln!(y, "\nallowlists:");
        for (a, from) in allowlists {
            let desc = if a.description.is_empty() {
                format!("imported from gitleaks ({from})")
            } else {
                a.description.clone()
            };
            let _ = writeln!(y, "  - description: {}", q(&desc));
            if !a.rules.is_empty() {
                let _ = writeln!(y, "    rules: {}", list(&a.rules));
            }
            if a.all {
                let _ = writeln!(y, "    condition: all");
            }
            for (key, items) in [
                ("path-regexes", &a.path_regexes),
                ("regexes", &a.regexes),
                ("stopwords", &a.stopwords),
                ("commits", &a.commits),
            ] {
                if !items.is_empty() {
                    let _ = writeln!(y, "    {key}: {}", list(items));
                }
            }
            if let Some(t) = a.regex_target {
                let _ = writeln!(y, "    regex-target: {t}");
            }
        }
    }
    y
}
