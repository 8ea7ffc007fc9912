//! The human format: findings grouped by file, `line:col`, severity, rule name and the redacted
//! secret, then the rule id, fingerprint, other places, and what to do. Colour only when asked.

use super::{Report, Reporter};
use anstyle::{AnsiColor, Style};
use std::io::{self, Write};

pub struct Human;

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
                writeln!(out, "{}{}{:#}", st.path, loc.path, st.path)?;
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
                f.rule.name,
                st.name,
                report.secret_text(f),
            )?;
            let pad = "           ";
            writeln!(
                out,
                "{pad}{}rule{:#} {}  {}fingerprint{:#} {}{}",
                st.dim,
                st.dim,
                f.rule.id,
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
                    st.dim, st.dim, c.author, c.email, c.date
                )?;
            }
            if !f.also_at.is_empty() {
                let places: Vec<String> = f
                    .also_at
                    .iter()
                    .map(|l| format!("{}:{}:{}", l.path, l.start.line, l.start.column))
                    .collect();
                writeln!(
                    out,
                    "{pad}{}also at{:#} {}",
                    st.dim,
                    st.dim,
                    places.join(", ")
                )?;
            }
            if !f.rule.remediation.is_empty() {
                writeln!(
                    out,
                    "{pad}{}what to do:{:#} {}",
                    st.dim, st.dim, f.rule.remediation
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
}
