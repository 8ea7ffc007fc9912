//! How findings are written: human (grouped by file, colour optional), JSON, JSON Lines, SARIF
//! 2.1.0 and GitLab's secret-detection report, behind one `Reporter` trait. Secrets are redacted
//! in every format unless the caller asks for them with `show_secrets`. Reports go to the writer
//! they are given (stdout or `--output`); messages are the caller's business (stderr). This module
//! reads no files and knows nothing of sources or matching. Text from scanned content goes to a
//! terminal only through `escape`.

mod escape;
mod gitlab;
mod human;
mod json;
mod sarif;

pub use escape::{Escaped, escape};
pub use gitlab::{FILE_NAME as GITLAB_FILE_NAME, GitLab};
pub use human::{DEFAULT_WIDTH, Human, HumanWidth};
pub use json::{Json, JsonLines};
pub use sarif::{Sarif, uri_for};

use crate::finding::Finding;
use crate::pipeline::ItemError;
use serde::Serialize;
use std::io::{self, Write};

/// Totals of a run.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub findings: usize,
    pub files: u64,
    pub bytes: u64,
    pub skipped: u64,
    /// Of the skipped: files and blobs skipped as binary.
    #[serde(skip_serializing_if = "is_zero")]
    pub binary: usize,
    pub errors: usize,
    pub rules: usize,
    pub elapsed_ms: u64,
    /// Range mode: how many commits the range held.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commits: Option<usize>,
    /// Places an allowlist of the config matched (not reported).
    #[serde(skip_serializing_if = "is_zero")]
    pub allowlisted: usize,
    /// Findings named in `.keyhoundignore` (not reported).
    #[serde(skip_serializing_if = "is_zero")]
    pub ignored: usize,
    /// Findings the baseline already holds (not reported).
    #[serde(skip_serializing_if = "is_zero")]
    pub baselined: usize,
    /// Findings a `.gitleaksignore` entry names (not reported).
    #[serde(skip_serializing_if = "is_zero")]
    pub gitleaks_ignored: usize,
    /// Findings below `--min-severity` (not reported).
    #[serde(skip_serializing_if = "is_zero")]
    pub below_min_severity: usize,
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Everything a report may show.
pub struct Report<'a> {
    pub findings: &'a [Finding],
    pub summary: &'a Summary,
    pub errors: &'a [ItemError],
    /// Print secret values instead of the redacted form.
    pub show_secrets: bool,
    /// ANSI colour in the human format.
    pub color: bool,
}

impl Report<'_> {
    /// The secret as this report may show it.
    pub fn secret_text(&self, f: &Finding) -> String {
        if self.show_secrets {
            f.secret.expose().to_string()
        } else {
            f.secret.redacted()
        }
    }
}

pub trait Reporter {
    fn write(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()>;
}

/// Output formats, as named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    JsonLines,
    Sarif,
    /// GitLab's secret-detection report.
    GitLab,
}

impl Format {
    pub fn reporter(self) -> Box<dyn Reporter> {
        match self {
            Format::Human => Box::new(Human),
            Format::Json => Box::new(Json),
            Format::JsonLines => Box::new(JsonLines),
            Format::Sarif => Box::new(Sarif),
            Format::GitLab => Box::new(GitLab),
        }
    }
}

/// "12 KiB", "3.4 MiB".
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} bytes")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
pub(crate) mod testdata {
    //! Findings for report tests, with fake values.
    use super::*;
    use crate::location::{CommitInfo, Location, Position};
    use crate::rules::{RuleInfo, Severity};
    use crate::secret::Secret;
    use std::sync::Arc;

    pub fn findings() -> Vec<Finding> {
        let gh = Arc::new(RuleInfo {
            id: "github-pat-classic".into(),
            name: "GitHub personal access token (classic)".into(),
            description: "Acts as the user who created it.".into(),
            severity: Severity::Critical,
            remediation:
                "Revoke it at https://github.com/settings/tokens, then remove it from the code."
                    .into(),
            references: vec!["https://docs.github.com/en/authentication".into()],
            keywords: vec!["ghp_".into()],
            validator: Some("github-crc32".into()),
        });
        let pw = Arc::new(RuleInfo {
            id: "generic-password".into(),
            name: "Password assigned in code".into(),
            description: "A password literal.".into(),
            severity: Severity::Medium,
            remediation: "Change the password, then read it from the environment.".into(),
            references: vec![],
            keywords: vec!["password".into()],
            validator: None,
        });
        let at = |path: &str, line, column, len| Location {
            path: path.into(),
            start: Position { line, column },
            end: Position {
                line,
                column: column + len,
            },
            commit: None,
            other_commits: 0,
        };
        let secret = "ghp_FAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE0000";
        vec![
            Finding {
                rule: gh.clone(),
                secret: Secret::new(secret.as_bytes(), &gh.keywords),
                fingerprint: crate::fingerprint::fingerprint(&gh.id, secret.as_bytes()),
                location: at("config/app env.yml", 3, 14, 40),
                also_at: vec![at("scripts/deploy.sh", 7, 1, 40)],
                present_at_head: None,
                blob: None,
                context: None,
                encoding: None,
                excerpt: None,
            },
            Finding {
                rule: pw.clone(),
                secret: Secret::new(b"Zq9-Lm2.vR7zPk", &pw.keywords),
                fingerprint: crate::fingerprint::fingerprint(&pw.id, b"Zq9-Lm2.vR7zPk"),
                location: Location {
                    commit: Some(CommitInfo {
                        commit: "0123456789abcdef0123456789abcdef01234567".into(),
                        author: "A U Thor".into(),
                        email: "author@example.com".into(),
                        date: "2005-04-07T22:13:13Z".into(),
                        time: 1_112_911_993,
                    }),
                    ..at("src/db.py", 12, 17, 14)
                },
                also_at: vec![],
                present_at_head: None,
                blob: None,
                context: None,
                encoding: None,
                excerpt: None,
            },
        ]
    }

    pub fn summary() -> Summary {
        Summary {
            findings: 2,
            files: 5,
            bytes: 4096,
            skipped: 1,
            errors: 1,
            rules: 100,
            elapsed_ms: 0,
            commits: None,
            ..Summary::default()
        }
    }

    pub fn errors() -> Vec<ItemError> {
        vec![ItemError {
            path: "locked.txt".into(),
            message: "permission denied".into(),
        }]
    }

    pub fn render(r: &dyn Reporter, show_secrets: bool) -> String {
        let findings = findings();
        let summary = summary();
        let errors = errors();
        let report = Report {
            findings: &findings,
            summary: &summary,
            errors: &errors,
            show_secrets,
            color: false,
        };
        let mut out = Vec::new();
        r.write(&report, &mut out).expect("writes to a Vec");
        String::from_utf8(out).expect("utf-8")
    }
}
