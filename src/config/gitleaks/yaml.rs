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

fn list(items: &[String]) -> String {
    format!(
        "[{}]",
        items.iter().map(|s| q(s)).collect::<Vec<_>>().join(", ")
    )
}

pub(super) fn render(
    file: &str,
    title: Option<&str>,
    use_default: bool,
    disable: &[String],
    rules: &[RuleSpec],
    allowlists: &[(AllowlistOut, String)],
    notes: &[String],
) -> String {
    let mut y = String::new();
    let _ = writeln!(
        y,
        "# keyhound config, converted from {file} by `keyhound config import-gitleaks`."
    );
    if let Some(t) = title {
        let _ = writeln!(y, "# gitleaks title: {}", t.replace('\n', " "));
    }
    if !notes.is_empty() {
        let _ = writeln!(y, "#\n# Not carried over, or carried over approximately:");
        for n in notes {
            let _ = writeln!(y, "#   - {}", n.replace('\n', " "));
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
            let _ = writeln!(y, "    keywords: {}", list(&r.keywords));
            let _ = writeln!(y, "    regex: {}", q(&r.regex));
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
