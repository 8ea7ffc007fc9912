//! The human format: findings grouped by file, `line:col`, severity, rule name and the redacted
//! secret, then the rule id, fingerprint, the first few other places, and what to do. Colour only
//! when asked. Every text that may come from scanned content (paths, authors, shown secrets, the
//! names and advice of custom rules a repository's config defines) is printed through `escape`.

use super::{Report, Reporter, escape};
use anstyle::{AnsiColor, Style};
use std::io::{self, Write};

pub struct Human;

/// How many of a finding's other places are listed; the rest are counted ("and N more"). The JSON
/// report lists them all.
pub const PLACES_SHOWN: usize = 5;

struct Styles {
    path: Style,
    dim: Style,
    name: Style,
    critical: Style,
    high: Style,
    medium: Style,
    low: Style,
}

impl Styles {
    fn new(color: bool) -> Styles {
        if !color {
            let p = Style::new();
            return Styles {
                path: p,
                dim: p,
                name: p,
                critical: p,
                high: p,
                medium: p,
                low: p,
            };
        }
        Styles {
            path: Style::new().bold().underline(),
            dim: Style::new().dimmed(),
            name: Style::new().bold(),
            critical: Style::new().bold().fg_color(Some(AnsiColor::Red.into())),
            high: Style::new().fg_color(Some(AnsiColor::Red.into())),
            medium: Style::new().fg_color(Some(AnsiColor::Yellow.into())),
            low: Style::new().fg_color(Some(AnsiColor::Cyan.into())),
        }
    }
}

impl Reporter for Human {
    fn write(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        let st = Styles::new(report.color);
        let mut last_path: Option<&str> = None;
        for f in report.findings {
            let loc = &f.location;
            if last_path != Some(loc.path.as_str()) {
                if last_path.is_some() {
                    writeln!(out)?;
                }
                writeln!(out, "{}{}{:#}", st.path, escape(&loc.path), st.path)?;
                last_path = Some(&loc.path);
            }
            let sev = match f.rule.severity {
                crate::rules::Severity::Critical => st.critical,
                crate::rules::Severity::High => st.high,
                crate::rules::Severity::Medium => st.medium,
                crate::rules::Severity::Low => st.low,
            };
            let pos = format!("{}:{}", loc.start.line, loc.start.column);
            writeln!(
                out,
                "  {pos:<8} {sev}{:<8}{sev:#} {}{}{:#}  {}",
                f.rule.severity.as_str(),
                st.name,
                escape(&f.rule.name),
                st.name,
                escape(&report.secret_text(f)),
            )?;
            let pad = "           ";
            writeln!(
                out,
                "{pad}{}rule{:#} {}  {}fingerprint{:#} {}{}",
                st.dim,
                st.dim,
                escape(&f.rule.id),
                st.dim,
                st.dim,
                f.fingerprint,
                f.encoding
                    .map(|e| format!("  (found by decoding {e} text here)"))
                    .unwrap_or_default()
            )?;
            if let Some(c) = &loc.commit {
                let short = c.commit.get(..12).unwrap_or(&c.commit);
                let head = match f.present_at_head {
                    Some(true) => "; still at HEAD",
                    Some(false) => "; no longer at HEAD (history only)",
                    None => "",
                };
                writeln!(
                    out,
                    "{pad}{}commit{:#} {short} by {} <{}> on {}{head}",
                    st.dim,
                    st.dim,
                    escape(&c.author),
                    escape(&c.email),
                    escape(&c.date)
                )?;
            }
            if !f.also_at.is_empty() {
                let places: Vec<String> = f
                    .also_at
                    .iter()
                    .take(PLACES_SHOWN)
                    .map(|l| format!("{}:{}:{}", escape(&l.path), l.start.line, l.start.column))
                    .collect();
                let more = match f.also_at.len().saturating_sub(PLACES_SHOWN) {
                    0 => String::new(),
                    n => format!(" and {n} more (`--format json` lists every place)"),
                };
                writeln!(
                    out,
                    "{pad}{}also at{:#} {}{more}",
                    st.dim,
                    st.dim,
                    places.join(", ")
                )?;
            }
            if !f.rule.remediation.is_empty() {
                writeln!(
                    out,
                    "{pad}{}what to do:{:#} {}",
                    st.dim,
                    st.dim,
                    escape(&f.rule.remediation)
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testdata;
    use super::*;

    #[test]
    fn human_report_snapshot() {
        insta::assert_snapshot!(testdata::render(&Human, false));
    }

    #[test]
    fn human_report_never_shows_the_secret_by_default() {
        let text = testdata::render(&Human, false);
        assert!(!text.contains("FAKEFAKE"));
        assert!(!text.contains("Zq9-Lm2"));
        assert!(text.contains("ghp_*****"));
        assert!(testdata::render(&Human, true).contains("FAKEFAKE"));
    }

    fn render(findings: &[crate::finding::Finding], show_secrets: bool) -> String {
        let summary = testdata::summary();
        let report = Report {
            findings,
            summary: &summary,
            errors: &[],
            show_secrets,
            color: true,
        };
        let mut out = Vec::new();
        Human.write(&report, &mut out).expect("writes to a Vec");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn scanned_text_is_escaped_and_only_our_colours_are_raw() {
        let mut f = testdata::findings();
        let evil = "x\u{1b}[2J\u{1b}]0;PWNED\u{7}.env\n  1:1 critical forged\u{202e}";
        f[1].location.path = evil.into();
        f[0].also_at[0].path = evil.into();
        if let Some(c) = f[1].location.commit.as_mut() {
            c.author = "Mallory\u{1b}[31m".into();
            c.email = "m@x\r".into();
        }
        let text = render(&f, false);
        let style_free = text
            .split('\u{1b}')
            .skip(1)
            .all(|s| s.starts_with('[') && s.chars().nth(1).is_some_and(|c| c.is_ascii_digit()));
        assert!(style_free, "only SGR colour codes of our own: {text:?}");
        assert!(
            !text.contains("PWNED\u{7}") && !text.contains('\u{202e}'),
            "{text:?}"
        );
        assert!(!text.contains("\n  1:1 critical forged"), "{text:?}");
        assert!(
            text.contains("x\\x1b[2J\\x1b]0;PWNED\\x07.env\\n  1:1 critical forged\\u{202e}"),
            "{text:?}"
        );
        assert!(text.contains("Mallory\\x1b[31m <m@x\\r>"), "{text:?}");
    }

    #[test]
    fn a_shown_secret_is_escaped_too() {
        let mut f = testdata::findings();
        f.truncate(1);
        f[0].secret = crate::secret::Secret::new(b"ghp_AB\x1b]0;x\x07CD", &f[0].rule.keywords);
        let text = render(&f, true);
        assert!(text.contains("ghp_AB\\x1b]0;x\\x07CD"), "{text:?}");
    }

    #[test]
    fn the_other_places_are_capped_with_a_count_of_the_rest() {
        let mut f = testdata::findings();
        let place = f[0].also_at[0].clone();
        f[0].also_at = (1..=PLACES_SHOWN + 7)
            .map(|i| crate::location::Location {
                path: format!("p{i:02}.txt"),
                ..place.clone()
            })
            .collect();
        let text = render(&f[..1], false);
        assert!(
            text.contains(&format!("p{PLACES_SHOWN:02}.txt:7:1 and 7 more")),
            "{text}"
        );
        assert!(
            !text.contains(&format!("p{:02}.txt", PLACES_SHOWN + 1)),
            "{text}"
        );
        f[0].also_at.truncate(PLACES_SHOWN);
        assert!(!render(&f[..1], false).contains("more"));
    }
}
