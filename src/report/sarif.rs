//! SARIF 2.1.0 for GitHub code scanning and other SARIF consumers: one `reportingDescriptor` per
//! rule that has results (with help text and a security severity), one result per finding with a
//! relative, percent-encoded URI, `partialFingerprints` from the fingerprint (stable across line
//! moves), and the finding's other places as `relatedLocations` (the first `MAX_RELATED`; the
//! result's `relatedLocationsOmitted` property counts the rest). Items that could not be scanned
//! are the invocation's `toolExecutionNotifications` (errors), and the invocation is then not
//! successful. No secret value appears unless `show_secrets`.

use super::{Report, Reporter};
use crate::finding::Finding;
use crate::location::Location as Place;
use crate::rules::{RuleInfo, Severity};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_sarif::sarif;
use std::collections::BTreeMap;
use std::io::{self, Write};

pub struct Sarif;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFO_URI: &str = "https://github.com/keyhound/keyhound";
/// Key of our fingerprint in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "keyhound/v1";
/// Most `relatedLocations` one result carries: GitHub code scanning shows 100 and rejects a
/// result with more than 1,000.
pub const MAX_RELATED: usize = 100;

/// Characters kept as they are in a URI path: unreserved characters and `/`.
const PATH_KEEP: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// A SARIF `uri` for a display path: relative paths stay relative (percent-encoded); absolute
/// paths become `file://` URIs.
pub fn uri_for(path: &str) -> (String, bool) {
    let encoded = utf8_percent_encode(path, PATH_KEEP).to_string();
    if path.starts_with('/') {
        (format!("file://{encoded}"), false)
    } else {
        (encoded, true)
    }
}

fn level(s: Severity) -> serde_json::Value {
    serde_json::Value::from(match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    })
}

fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

fn text(t: impl Into<String>) -> sarif::MultiformatMessageString {
    sarif::MultiformatMessageString::builder()
        .text(t.into())
        .build()
}

fn descriptor(rule: &RuleInfo) -> sarif::ReportingDescriptor {
    let mut props = BTreeMap::new();
    props.insert(
        "security-severity".to_string(),
        serde_json::Value::from(security_severity(rule.severity)),
    );
    props.insert("precision".to_string(), serde_json::Value::from("high"));
    let mut help = format!("{}\n\nWhat to do: {}", rule.description, rule.remediation);
    let mut md = format!(
        "{}\n\n**What to do:** {}",
        rule.description, rule.remediation
    );
    help.push_str("\n\nFalse positive? Add `keyhound:allow` in a comment on the line.");
    md.push_str("\n\nFalse positive? Add `keyhound:allow` in a comment on the line.");
    if !rule.references.is_empty() {
        md.push_str("\n\nReferences:\n");
        for r in &rule.references {
            md.push_str(&format!("- <{r}>\n"));
        }
    }
    let mut b = sarif::ReportingDescriptor::builder()
        .id(rule.id.clone())
        .name(pascal(&rule.id))
        .short_description(text(rule.name.clone()))
        .full_description(text(if rule.description.is_empty() {
            rule.name.clone()
        } else {
            rule.description.clone()
        }))
        .help(
            sarif::MultiformatMessageString::builder()
                .text(help)
                .markdown(md)
                .build(),
        )
        .default_configuration(
            sarif::ReportingConfiguration::builder()
                .level(level(rule.severity))
                .build(),
        )
        .properties(
            sarif::PropertyBag::builder()
                .tags(vec![
                    "security".to_string(),
                    "secret".to_string(),
                    "external/cwe/cwe-798".to_string(),
                ])
                .additional_properties(props)
                .build(),
        )
        .build();
    b.help_uri = rule.references.first().cloned();
    b
}

fn pascal(id: &str) -> String {
    id.split('-')
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn location(p: &Place, id: Option<i64>, message: Option<String>) -> sarif::Location {
    let (uri, relative) = uri_for(&p.path);
    let mut artifact = sarif::ArtifactLocation::builder().uri(uri).build();
    if relative {
        artifact.uri_base_id = Some("%SRCROOT%".to_string());
    }
    let region = sarif::Region::builder()
        .start_line(i64::from(p.start.line))
        .start_column(i64::from(p.start.column))
        .end_line(i64::from(p.end.line))
        .end_column(i64::from(p.end.column))
        .build();
    sarif::Location {
        id,
        message: message.map(|m| sarif::Message::builder().text(m).build()),
        physical_location: Some(
            sarif::PhysicalLocation::builder()
                .artifact_location(artifact)
                .region(region)
                .build(),
        ),
        ..Default::default()
    }
}

fn result(report: &Report<'_>, f: &Finding, rule_index: usize) -> sarif::Result {
    let mut msg = format!("{} found: {}.", f.rule.name, report.secret_text(f));
    if let Some(e) = f.encoding {
        msg.push_str(&format!(" Found by decoding the {e} text at this place."));
    }
    if let Some(c) = &f.location.commit {
        msg.push_str(&format!(
            " Introduced in commit {} by {} on {}.",
            c.commit, c.author, c.date
        ));
    }
    let omitted = f.also_at.len().saturating_sub(MAX_RELATED);
    if !f.also_at.is_empty() {
        msg.push_str(&format!(
            " The same secret occurs in {} other place(s).",
            f.also_at.len()
        ));
    }
    if omitted > 0 {
        msg.push_str(&format!(
            " The first {MAX_RELATED} are listed as related locations; {omitted} more are not."
        ));
    }
    if !f.rule.remediation.is_empty() {
        msg.push(' ');
        msg.push_str(&f.rule.remediation);
    }
    let mut fps = BTreeMap::new();
    fps.insert(FINGERPRINT_KEY.to_string(), f.fingerprint.clone());
    let mut r = sarif::Result::builder()
        .rule_id(f.rule.id.clone())
        .rule_index(rule_index as i64)
        .level(match f.rule.severity {
            Severity::Critical | Severity::High => sarif::ResultLevel::Error,
            Severity::Medium => sarif::ResultLevel::Warning,
            Severity::Low => sarif::ResultLevel::Note,
        })
        .message(sarif::Message::builder().text(msg).build())
        .locations(vec![location(&f.location, None, None)])
        .partial_fingerprints(fps)
        .build();
    if !f.also_at.is_empty() {
        r.related_locations = Some(
            f.also_at
                .iter()
                .take(MAX_RELATED)
                .enumerate()
                .map(|(i, p)| location(p, Some(i as i64 + 1), Some("the same secret".to_string())))
                .collect(),
        );
    }
    if omitted > 0 {
        let mut props = BTreeMap::new();
        props.insert(
            "relatedLocationsOmitted".to_string(),
            serde_json::Value::from(omitted),
        );
        r.properties = Some(
            sarif::PropertyBag::builder()
                .additional_properties(props)
                .build(),
        );
    }
    r
}

impl Reporter for Sarif {
    fn write(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        let mut rules: Vec<&RuleInfo> = Vec::new();
        let mut index: BTreeMap<&str, usize> = BTreeMap::new();
        for f in report.findings {
            if !index.contains_key(f.rule.id.as_str()) {
                index.insert(&f.rule.id, rules.len());
                rules.push(&f.rule);
            }
        }
        let results: Vec<sarif::Result> = report
            .findings
            .iter()
            .map(|f| {
                result(
                    report,
                    f,
                    index.get(f.rule.id.as_str()).copied().unwrap_or(0),
                )
            })
            .collect();
        let driver = sarif::ToolComponent::builder()
            .name("keyhound")
            .version(env!("CARGO_PKG_VERSION"))
            .semantic_version(env!("CARGO_PKG_VERSION"))
            .information_uri(INFO_URI)
            .rules(rules.iter().map(|r| descriptor(r)).collect::<Vec<_>>())
            .build();
        let mut invocation = sarif::Invocation::builder()
            .execution_successful(report.errors.is_empty())
            .build();
        if !report.errors.is_empty() {
            invocation.tool_execution_notifications = Some(
                report
                    .errors
                    .iter()
                    .map(|e| {
                        sarif::Notification::builder()
                            .level(serde_json::Value::from("error"))
                            .message(sarif::Message::builder().text(e.to_string()).build())
                            .build()
                    })
                    .collect(),
            );
        }
        let run = sarif::Run::builder()
            .tool(sarif::Tool::builder().driver(driver).build())
            .results(results)
            .invocations(vec![invocation])
            .column_kind(serde_json::Value::from("unicodeCodePoints"))
            .build();
        let doc = sarif::Sarif::builder()
            .schema(SCHEMA)
            .version(serde_json::Value::from("2.1.0"))
            .runs(vec![run])
            .build();
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testdata;
    use super::*;

    #[test]
    fn uris_are_relative_and_percent_encoded() {
        assert_eq!(
            uri_for("src/a b#c%.rs"),
            ("src/a%20b%23c%25.rs".to_string(), true)
        );
        assert_eq!(uri_for("caf\u{e9}/x"), ("caf%C3%A9/x".to_string(), true));
        assert_eq!(
            uri_for("/abs/x y"),
            ("file:///abs/x%20y".to_string(), false)
        );
    }

    #[test]
    fn related_locations_stop_at_the_cap_and_the_rest_are_counted() {
        let mut findings = testdata::findings();
        let place = findings[0].also_at[0].clone();
        let related = |findings: &[Finding]| -> serde_json::Value {
            let summary = testdata::summary();
            let report = Report {
                findings,
                summary: &summary,
                errors: &[],
                show_secrets: false,
                color: false,
            };
            let mut out = Vec::new();
            Sarif.write(&report, &mut out).expect("writes to a Vec");
            let v: serde_json::Value = serde_json::from_slice(&out).expect("json");
            v["runs"][0]["results"][0].clone()
        };
        findings[0].also_at = (0..MAX_RELATED + 23)
            .map(|i| Place {
                path: format!("p{i}.txt"),
                ..place.clone()
            })
            .collect();
        let r = related(&findings);
        let list = r["relatedLocations"].as_array().expect("related");
        assert_eq!(list.len(), MAX_RELATED);
        assert_eq!(list[MAX_RELATED - 1]["id"], MAX_RELATED);
        assert_eq!(r["properties"]["relatedLocationsOmitted"], 23);
        let msg = r["message"]["text"].as_str().unwrap_or_default();
        assert!(
            msg.contains("123 other place(s)") && msg.contains("23 more"),
            "{msg}"
        );
        findings[0].also_at.truncate(MAX_RELATED);
        let r = related(&findings);
        assert_eq!(
            r["relatedLocations"].as_array().map(Vec::len),
            Some(MAX_RELATED)
        );
        assert!(r.get("properties").is_none(), "{r}");
    }

    #[test]
    fn items_that_could_not_be_scanned_are_error_notifications_of_a_failed_run() {
        let v: serde_json::Value =
            serde_json::from_str(&testdata::render(&Sarif, false)).expect("json");
        let invocation = &v["runs"][0]["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], false);
        let notes = invocation["toolExecutionNotifications"]
            .as_array()
            .expect("notifications");
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0]["level"], "error");
        assert_eq!(notes[0]["message"]["text"], "locked.txt: permission denied");
    }

    #[test]
    fn sarif_report_snapshot() {
        insta::assert_snapshot!(testdata::render(&Sarif, false));
    }

    #[test]
    fn sarif_has_no_secret_and_fingerprints_per_result() {
        let text = testdata::render(&Sarif, false);
        assert!(!text.contains("FAKEFAKE") && !text.contains("Zq9-Lm2"));
        let v: serde_json::Value = serde_json::from_str(&text).expect("json");
        let results = v["runs"][0]["results"].as_array().expect("results");
        assert_eq!(results.len(), 2);
        for r in results {
            assert_eq!(
                r["partialFingerprints"][FINGERPRINT_KEY]
                    .as_str()
                    .map(str::len),
                Some(32)
            );
        }
    }
}
