//! GitLab's secret-detection report (`gl-secret-detection-report.json`, security report schema
//! 15.x), which GitLab shows in merge requests, pipelines and the vulnerability report when a job
//! names it under `artifacts:reports:secret_detection`. One vulnerability per place a secret
//! occurs (GitLab tracks a vulnerability by its location), each with the rule as its identifier,
//! a stable id (the fingerprint and the place, hashed) and the commit that holds it; a place
//! outside git (a folder scan) gets the commit `0000000`, as GitLab's own analyzer writes. Items
//! that could not be scanned make the scan a `failure` with a message each. No secret value
//! appears unless `show_secrets` (then as `raw_source_code_extract`).

use super::{Report, Reporter};
use crate::finding::Finding;
use crate::location::Location;
use crate::rules::Severity;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::io::{self, Write};
use std::time::{SystemTime, UNIX_EPOCH};

pub struct GitLab;

/// The version of GitLab's security report schema the document follows.
pub const SCHEMA_VERSION: &str = "15.0.6";
/// The file name GitLab's documentation and templates use.
pub const FILE_NAME: &str = "gl-secret-detection-report.json";
/// The commit GitLab's analyzer writes for a place that is not in a commit.
const NO_COMMIT: &str = "0000000";

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
    }
}

/// Seconds since the epoch as `YYYY-MM-DDTHH:MM:SS` (UTC), the schema's time format.
fn timestamp(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // days since 1970-01-01 to a civil date (Howard Hinnant's algorithm)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn vulnerability(report: &Report<'_>, f: &Finding, place: &Location, places: usize) -> Value {
    let sha = place
        .commit
        .as_ref()
        .map_or(NO_COMMIT, |c| c.commit.as_str());
    let mut h = Sha256::new();
    for part in [
        f.fingerprint.as_str(),
        place.path.as_str(),
        sha,
        &place.start.line.to_string(),
        &place.start.column.to_string(),
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let id: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let mut description = if f.rule.description.is_empty() {
        f.rule.name.clone()
    } else {
        f.rule.description.clone()
    };
    if let Some(e) = f.encoding {
        description.push_str(&format!(" Found by decoding the {e} text at this place."));
    }
    if places > 1 {
        description.push_str(&format!(
            " The same secret occurs in {} place(s) in all.",
            places
        ));
    }
    if !f.rule.remediation.is_empty() {
        description.push_str(&format!("\n\nWhat to do: {}", f.rule.remediation));
    }
    description.push_str(&format!(
        "\n\nFalse positive? Add `keyhound:allow` in a comment on the line, or the fingerprint \
         {} to .keyhoundignore.",
        f.fingerprint
    ));
    let mut rule_id = json!({
        "type": "keyhound_rule_id",
        "name": format!("keyhound rule {}", f.rule.id),
        "value": f.rule.id,
    });
    if let Some(url) = f.rule.references.first() {
        rule_id["url"] = Value::from(url.as_str());
    }
    let mut v = json!({
        "id": id,
        "category": "secret_detection",
        "name": f.rule.name,
        "description": description,
        "severity": severity(f.rule.severity),
        "location": {
            "file": place.path,
            "start_line": place.start.line,
            "end_line": place.end.line,
            "commit": {"sha": sha},
        },
        "identifiers": [
            rule_id,
            {
                "type": "cwe",
                "name": "CWE-798",
                "value": "798",
                "url": "https://cwe.mitre.org/data/definitions/798.html",
            },
        ],
    });
    if let Some(c) = &place.commit {
        let commit = &mut v["location"]["commit"];
        commit["author"] = Value::from(c.author.as_str());
        if !c.date.is_empty() {
            commit["date"] = Value::from(c.date.as_str());
        }
    }
    if report.show_secrets {
        v["raw_source_code_extract"] = Value::from(report.secret_text(f));
    }
    v
}

/// The report as a JSON value, the scan ending at `end` (seconds since the epoch).
pub fn document(report: &Report<'_>, end: u64) -> Value {
    let start = end.saturating_sub(report.summary.elapsed_ms.div_ceil(1000));
    let vulnerabilities: Vec<Value> = report
        .findings
        .iter()
        .flat_map(|f| {
            let places = 1 + f.also_at.len();
            std::iter::once(&f.location)
                .chain(&f.also_at)
                .map(move |p| (f, p, places))
        })
        .map(|(f, p, places)| vulnerability(report, f, p, places))
        .collect();
    let tool = json!({
        "id": "keyhound",
        "name": "keyhound",
        "version": env!("CARGO_PKG_VERSION"),
        "url": "https://github.com/keyhound/keyhound",
        "vendor": {"name": "keyhound"},
    });
    let mut scan = json!({
        "analyzer": tool,
        "scanner": tool,
        "type": "secret_detection",
        "start_time": timestamp(start),
        "end_time": timestamp(end),
        "status": if report.errors.is_empty() { "success" } else { "failure" },
    });
    if !report.errors.is_empty() {
        scan["messages"] = report
            .errors
            .iter()
            .map(|e| json!({"level": "warn", "value": e.to_string()}))
            .collect();
    }
    json!({
        "version": SCHEMA_VERSION,
        "scan": scan,
        "vulnerabilities": vulnerabilities,
    })
}

impl Reporter for GitLab {
    fn write(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        let end = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        serde_json::to_writer_pretty(&mut *out, &document(report, end))?;
        writeln!(out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testdata;
    use super::*;

    fn render(show_secrets: bool) -> Value {
        let findings = testdata::findings();
        let summary = crate::report::Summary {
            elapsed_ms: 90_500,
            ..testdata::summary()
        };
        let errors = testdata::errors();
        let report = Report {
            findings: &findings,
            summary: &summary,
            errors: &errors,
            show_secrets,
            color: false,
        };
        document(&report, 1_786_622_400)
    }

    #[test]
    fn times_are_utc_civil_dates_and_the_start_is_the_end_minus_the_run() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00");
        assert_eq!(timestamp(951_782_400), "2000-02-29T00:00:00");
        assert_eq!(timestamp(1_786_622_400), "2026-08-13T12:00:00");
        let v = render(false);
        assert_eq!(v["scan"]["end_time"], "2026-08-13T12:00:00");
        assert_eq!(v["scan"]["start_time"], "2026-08-13T11:58:29");
    }

    #[test]
    fn every_place_is_a_vulnerability_with_its_commit_and_the_rule_as_identifier() {
        let v = render(false);
        assert_eq!(v["version"], SCHEMA_VERSION);
        assert_eq!(v["scan"]["type"], "secret_detection");
        assert_eq!(
            v["scan"]["status"], "failure",
            "an item could not be scanned"
        );
        assert_eq!(
            v["scan"]["messages"][0]["value"],
            "locked.txt: permission denied"
        );
        let list = v["vulnerabilities"].as_array().expect("vulnerabilities");
        // the token occurs in two places, the password in one
        assert_eq!(list.len(), 3);
        let files: Vec<&str> = list
            .iter()
            .filter_map(|x| x["location"]["file"].as_str())
            .collect();
        assert_eq!(
            files,
            ["config/app env.yml", "scripts/deploy.sh", "src/db.py"]
        );
        assert_eq!(list[0]["severity"], "Critical");
        assert_eq!(list[2]["severity"], "Medium");
        assert_eq!(list[0]["location"]["commit"]["sha"], NO_COMMIT);
        assert_eq!(
            list[2]["location"]["commit"]["sha"],
            "0123456789abcdef0123456789abcdef01234567"
        );
        assert_eq!(list[2]["location"]["start_line"], 12);
        assert_eq!(list[0]["identifiers"][0]["value"], "github-pat-classic");
        assert_eq!(list[0]["category"], "secret_detection");
        let ids: std::collections::BTreeSet<&str> =
            list.iter().filter_map(|x| x["id"].as_str()).collect();
        assert_eq!(ids.len(), 3, "ids are unique");
    }

    #[test]
    fn no_secret_value_unless_asked() {
        let text = render(false).to_string();
        assert!(
            !text.contains("FAKEFAKE") && !text.contains("Zq9-Lm2"),
            "{text}"
        );
        let shown = render(true).to_string();
        assert!(shown.contains("FAKEFAKE"));
    }
}
