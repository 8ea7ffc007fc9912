//! The human format: findings (most severe first) grouped by file, `line:col`, severity, rule
//! name and the redacted secret, then the rule id, fingerprint, commit, the `--context` lines
//! (secrets masked), the first few other places with how many later commits hold each, and what to
//! do (in full at a rule's first finding, then a pointer back). Long lines are wrapped to the
//! width asked for. Colour only when asked. Every text that may come from scanned content (paths, authors, shown secrets, the
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

/// The width lines are wrapped to when the report does not go to a terminal.
pub const DEFAULT_WIDTH: usize = 100;
/// Narrower than this, wrapping would only make the report longer.
const MIN_WIDTH: usize = 40;

/// The human report wrapped to `DEFAULT_WIDTH` columns.
impl Reporter for Human {
    fn write(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        HumanWidth(DEFAULT_WIDTH).write(report, out)
    }
}

/// The human report with its long lines (advice, lists of places, `--context` lines) wrapped to
/// this many columns. Secrets and paths are never broken.
pub struct HumanWidth(pub usize);

/// The indent of everything under a finding's first line.
const PAD: usize = 11;

impl Reporter for HumanWidth {
    fn write(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        let width = self.0.max(MIN_WIDTH);
        let st = Styles::new(report.color);
        let mut last_path: Option<&str> = None;
        // rules whose "what to do" was printed: later findings point back to it
        let mut advised: std::collections::HashSet<&str> = std::collections::HashSet::new();
        let pad = " ".repeat(PAD);
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
            let id = escape(&f.rule.id).to_string();
            let decoded = f
                .encoding
                .map(|e| format!("  (found by decoding {e} text here)"))
                .unwrap_or_default();
            // "rule ID  fingerprint FP": on two lines when one would be too long
            let one_line = PAD + 5 + id.chars().count() + 14 + f.fingerprint.len() + decoded.len();
            let sep = if one_line > width {
                format!("\n{pad}")
            } else {
                "  ".to_string()
            };
            writeln!(
                out,
                "{pad}{}rule{:#} {id}{sep}{}fingerprint{:#} {}{decoded}",
                st.dim, st.dim, st.dim, st.dim, f.fingerprint,
            )?;
            if let Some(c) = &loc.commit {
                let short = c.commit.get(..12).unwrap_or(&c.commit);
                let head = match f.present_at_head {
                    Some(true) => "; still at HEAD",
                    Some(false) => "; no longer at HEAD (history only)",
                    None => "",
                };
                let text = format!(
                    "{short} by {} <{}> on {}{head}{}",
                    escape(&c.author),
                    escape(&c.email),
                    escape(&c.date),
                    later(loc.other_commits, "; ")
                );
                wrapped(
                    out,
                    width,
                    &st,
                    "commit",
                    text.split(' ').map(str::to_string),
                )?;
            }
            if let Some(x) = &f.excerpt {
                excerpt(out, width, &st, x, loc.start.line, loc.end.line)?;
            }
            if !f.also_at.is_empty() {
                let shown = f.also_at.len().min(PLACES_SHOWN);
                let mut places: Vec<String> = f
                    .also_at
                    .iter()
                    .take(PLACES_SHOWN)
                    .enumerate()
                    .map(|(i, l)| {
                        format!(
                            "{}:{}:{}{}{}",
                            escape(&l.path),
                            l.start.line,
                            l.start.column,
                            later(l.other_commits, " ("),
                            if l.other_commits > 0 { ")" } else { "" },
                        ) + if i + 1 < shown { "," } else { "" }
                    })
                    .collect();
                if let n @ 1.. = f.also_at.len().saturating_sub(PLACES_SHOWN) {
                    places.extend(
                        format!("and {n} more (`--format json` lists every place)")
                            .split(' ')
                            .map(str::to_string),
                    );
                }
                wrapped(out, width, &st, "also at", places.into_iter())?;
            }
            if !f.rule.remediation.is_empty() {
                if advised.insert(&f.rule.id) {
                    let words = f
                        .rule
                        .remediation
                        .split_whitespace()
                        .map(|w| escape(w).to_string());
                    wrapped(out, width, &st, "what to do:", words)?;
                } else {
                    writeln!(
                        out,
                        "{pad}{}what to do:{:#} see above ({})",
                        st.dim,
                        st.dim,
                        escape(&f.rule.id)
                    )?;
                }
            }
        }
        Ok(())
    }
}

/// "also in N later commit(s)" after `sep`, or nothing for 0.
fn later(n: u32, sep: &str) -> String {
    match n {
        0 => String::new(),
        1 => format!("{sep}also in 1 later commit"),
        n => format!("{sep}also in {n} later commits"),
    }
}

/// Writes `label` (dimmed) and the words after it at the finding's indent, wrapped to `width`;
/// continuation lines are indented two more. A word longer than a line gets a line of its own.
fn wrapped(
    out: &mut dyn Write,
    width: usize,
    st: &Styles,
    label: &str,
    words: impl Iterator<Item = String>,
) -> io::Result<()> {
    write!(out, "{:PAD$}{}{label}{:#}", "", st.dim, st.dim)?;
    let mut at = PAD + label.chars().count();
    let cont = PAD + 2;
    let mut fresh = false;
    for word in words.filter(|w| !w.is_empty()) {
        let n = word.chars().count();
        if !fresh && at + 1 + n > width {
            write!(out, "\n{:cont$}", "")?;
            at = cont;
            fresh = true;
        }
        if fresh {
            write!(out, "{word}")?;
            at += n;
        } else {
            write!(out, " {word}")?;
            at += 1 + n;
        }
        fresh = false;
    }
    writeln!(out)
}

/// What the pipeline shows in place of a secret.
const MASKED: &str = "*****";

/// `--context` lines: `  12 | text`, the finding's lines marked `>`, each line (already masked by
/// the pipeline) escaped and cut into pieces that fit `width`.
fn excerpt(
    out: &mut dyn Write,
    width: usize,
    st: &Styles,
    x: &crate::finding::Excerpt,
    from: u32,
    to: u32,
) -> io::Result<()> {
    let last = x
        .first
        .saturating_add(u32::try_from(x.lines.len()).unwrap_or(u32::MAX));
    let digits = last.to_string().len();
    let room = width.saturating_sub(PAD + digits + 5).max(20);
    let mut skip_to = 0;
    for (i, line) in x.lines.iter().enumerate() {
        if i < skip_to {
            continue;
        }
        let no = x.first.saturating_add(u32::try_from(i).unwrap_or(u32::MAX));
        let mark = if (from..=to).contains(&no) { '>' } else { ' ' };
        // a secret over many lines (a private key): its first line and a count of the rest
        let run = x.lines[i..]
            .iter()
            .take_while(|l| l.as_str() == MASKED)
            .count();
        if run > 2 {
            writeln!(
                out,
                "{:PAD$}{}{mark} {no:>digits$} |{:#} {MASKED}",
                "", st.dim, st.dim
            )?;
            writeln!(
                out,
                "{:PAD$}{}  {:>digits$} |{:#} ({} more masked lines)",
                "",
                st.dim,
                "",
                st.dim,
                run - 1
            )?;
            skip_to = i + run;
            continue;
        }
        let text = escape(line).to_string();
        let chars: Vec<char> = text.chars().collect();
        let mut pieces = chars.chunks(room).map(|c| c.iter().collect::<String>());
        let first = pieces.next().unwrap_or_default();
        writeln!(
            out,
            "{:PAD$}{}{mark} {no:>digits$} |{:#} {first}",
            "", st.dim, st.dim
        )?;
        for rest in pieces {
            writeln!(
                out,
                "{:PAD$}{}  {:>digits$} |{:#} {rest}",
                "", st.dim, "", st.dim
            )?;
        }
    }
    Ok(())
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

    #[test]
    fn advice_is_printed_once_per_rule_and_later_commits_are_counted() {
        let mut f = testdata::findings();
        let mut again = f[0].clone();
        again.location.path = "z.txt".into();
        again.also_at.clear();
        f.insert(1, again);
        f[0].also_at[0].other_commits = 2;
        let text = render(&f, false);
        let plain: String = text
            .split('\u{1b}')
            .map(|s| s.split_once('m').map_or(s, |(_, r)| r))
            .collect();
        assert_eq!(plain.matches("what to do: Revoke").count(), 1, "{plain}");
        assert!(
            plain.contains("what to do: see above (github-pat-classic)"),
            "{plain}"
        );
        assert!(
            plain.contains("scripts/deploy.sh:7:1 (also in 2 later commits)"),
            "{plain}"
        );
        assert!(plain.contains("what to do: Change the password"), "{plain}");
    }

    #[test]
    fn words_wrap_under_their_label_and_a_long_word_is_not_broken() {
        let st = Styles::new(false);
        let mut out = Vec::new();
        let words =
            "aaaa bbbb cccc dddd https://example.com/a/very/long/address/that/does/not/fit eeee"
                .split(' ')
                .map(str::to_string);
        wrapped(&mut out, 40, &st, "what to do:", words).expect("writes");
        let text = String::from_utf8(out).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "           what to do: aaaa bbbb cccc");
        assert_eq!(lines[1], "             dddd");
        assert_eq!(
            lines[2],
            "             https://example.com/a/very/long/address/that/does/not/fit"
        );
        assert_eq!(lines[3], "             eeee");
        assert!(
            lines
                .iter()
                .all(|l| l.len() <= 40 || !l.trim().contains(' '))
        );
    }

    #[test]
    fn a_secret_over_many_lines_is_one_masked_line_and_a_count() {
        let mut f = testdata::findings();
        f.truncate(1);
        let mut lines = vec!["before".to_string()];
        lines.extend(std::iter::repeat_n(MASKED.to_string(), 30));
        lines.push("after".to_string());
        f[0].excerpt = Some(Box::new(crate::finding::Excerpt { first: 2, lines }));
        f[0].location.start.line = 3;
        f[0].location.end.line = 32;
        let text = render(&f, false);
        let plain: String = text
            .split('\u{1b}')
            .map(|s| s.split_once('m').map_or(s, |(_, r)| r))
            .collect();
        assert!(plain.contains("   2 | before\n"), "{plain}");
        assert!(plain.contains(">  3 | *****\n"), "{plain}");
        assert!(plain.contains("(29 more masked lines)\n"), "{plain}");
        assert!(plain.contains("  33 | after\n"), "{plain}");
        assert_eq!(plain.matches("*****").count(), 2, "{plain}");
    }
}
