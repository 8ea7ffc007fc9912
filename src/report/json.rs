//! JSON and JSON Lines. Versioned: `version` changes when a field is removed or changes meaning;
//! new fields may be added within a version. The schema is documented in the README.

use super::{Report, Reporter, Summary};
use crate::finding::Finding;
use crate::location::{CommitInfo, Location};
use serde::Serialize;
use std::io::{self, Write};

/// Version of the JSON document layout.
pub const JSON_VERSION: u32 = 1;

pub struct Json;
pub struct JsonLines;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: Tool,
    findings: Vec<JsonFinding<'a>>,
    summary: &'a Summary,
    errors: Vec<JsonError<'a>>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonError<'a> {
    path: &'a str,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonPlace<'a> {
    path: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<&'a CommitInfo>,
    /// Git sources: how many later commits hold the secret at this same place.
    #[serde(skip_serializing_if = "Option::is_none")]
    other_commits: Option<u32>,
}

impl<'a> From<&'a Location> for JsonPlace<'a> {
    fn from(l: &'a Location) -> Self {
        JsonPlace {
            path: &l.path,
            line: l.start.line,
            column: l.start.column,
            end_line: l.end.line,
            end_column: l.end.column,
            commit: l.commit.as_ref(),
            other_commits: l.commit.as_ref().map(|_| l.other_commits),
        }
    }
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule_id: &'a str,
    rule_name: &'a str,
    severity: &'static str,
    fingerprint: &'a str,
    /// Redacted unless --show-secrets.
    secret: String,
    redacted: bool,
    #[serde(flatten)]
    place: JsonPlace<'a>,
    also_at: Vec<JsonPlace<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    present_at_head: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    blob: Option<String>,
    /// `base64` or `percent`: the secret was found by decoding the text at this place.
    #[serde(skip_serializing_if = "Option::is_none")]
    encoding: Option<&'static str>,
    remediation: &'a str,
    references: &'a [String],
}

fn finding<'a>(r: &Report<'_>, f: &'a Finding) -> JsonFinding<'a> {
    JsonFinding {
        rule_id: &f.rule.id,
        rule_name: &f.rule.name,
        severity: f.rule.severity.as_str(),
        fingerprint: &f.fingerprint,
        secret: r.secret_text(f),
        redacted: !r.show_secrets,
        place: (&f.location).into(),
        also_at: f.also_at.iter().map(Into::into).collect(),
        present_at_head: f.present_at_head,
        blob: f.blob.as_ref().map(crate::finding::blob_hex),
        encoding: f.encoding,
        remediation: &f.rule.remediation,
        references: &f.rule.references,
    }
}

impl Reporter for Json {
    fn write(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        let doc = Document {
            version: JSON_VERSION,
            tool: Tool {
                name: "keyhound",
                version: env!("CARGO_PKG_VERSION"),
            },
            findings: report.findings.iter().map(|f| finding(report, f)).collect(),
            summary: report.summary,
            errors: report
                .errors
                .iter()
                .map(|e| JsonError {
                    path: &e.path,
                    message: &e.message,
                })
                .collect(),
        };
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)
    }
}

impl Reporter for JsonLines {
    fn write(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        for f in report.findings {
            serde_json::to_writer(&mut *out, &finding(report, f))?;
            writeln!(out)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testdata;
    use super::*;

    #[test]
    fn json_report_snapshot() {
        insta::assert_snapshot!(testdata::render(&Json, false));
    }

    #[test]
    fn jsonl_is_one_valid_object_per_line() {
        let text = testdata::render(&JsonLines, false);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        for l in lines {
            let v: serde_json::Value = serde_json::from_str(l).expect("valid json");
            assert_eq!(v["redacted"], true);
            assert!(v["fingerprint"].as_str().is_some_and(|s| s.len() == 32));
        }
        assert!(!text.contains("FAKEFAKE"));
    }
}
