//! Baselines: the findings a repository already had when it adopted keyhound, so that a scan
//! reports only new ones.
//!
//! The file is JSON, one entry per line, keyed by fingerprint (rule + secret, so it survives line
//! moves, rebases and squashes, and a changed secret at the same place is new) and sorted, with
//! the version as the last key (it sorts after every hex fingerprint):
//!
//! ```text
//! {
//!   "1f3a…": {"rule": "github-pat-classic", "path": "src/app.py"},
//!   "9c0d…": {"rule": "aws-access-key-id", "path": "deploy/prod.env"},
//!   "keyhound_baseline": 1
//! }
//! ```
//!
//! Every entry line ends with a comma and the last line never changes, so two branches that add
//! entries merge with git's `union` driver (`.gitattributes`: `FILE merge=union`) into a valid
//! file. Also read: a keyhound JSON report (its fingerprints) and a gitleaks JSON report (by secret
//! value when it holds one; by file and line when it was written with `--redact`).

use crate::config::limits;
use crate::finding::Finding;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashSet};

/// The baseline format version.
pub const VERSION: u64 = 1;
const VERSION_KEY: &str = "keyhound_baseline";
/// Written when fingerprints are keyed: the key's id (`fingerprint::key_id`), so that a baseline is
/// only used with the key it was written under.
const KEY_ID_KEY: &str = "keyhound_fingerprint_key";

#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct BaselineError {
    pub file: String,
    pub message: String,
}

/// What kind of file a baseline was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaselineKind {
    Keyhound,
    KeyhoundReport,
    GitleaksReport,
}

#[derive(Debug)]
pub struct Baseline {
    pub kind: BaselineKind,
    fingerprints: HashSet<String>,
    /// SHA-256 of secret values (gitleaks reports with secrets).
    secrets: HashSet<[u8; 32]>,
    /// (path, line) places (gitleaks reports written with --redact).
    places: HashSet<(String, u32)>,
    /// The id of the fingerprint key it was written under (keyhound baselines), if any.
    pub key_id: Option<String>,
}

fn sha(secret: &[u8]) -> [u8; 32] {
    Sha256::digest(secret).into()
}

impl Baseline {
    /// Reads any of the accepted formats.
    pub fn parse(file: &str, text: &str) -> Result<Baseline, BaselineError> {
        let err = |message: String| BaselineError {
            file: file.to_string(),
            message,
        };
        let top: Top = serde_json::from_str(text).map_err(|e| {
            err(format!(
                "not JSON (line {}, column {}): {}; a baseline is written by `keyhound baseline FILE`",
                e.line(),
                e.column(),
                crate::config::message::scrub(&e.to_string())
            ))
        })?;
        let mut b = Baseline {
            kind: BaselineKind::Keyhound,
            fingerprints: HashSet::new(),
            secrets: HashSet::new(),
            places: HashSet::new(),
            key_id: None,
        };
        match top {
            Top::Object(map) if map.version.is_some() => {
                match map.version.as_ref().and_then(Value::as_u64) {
                    Some(VERSION) => {}
                    other => {
                        return Err(err(format!(
                            "baseline version {} is not one this keyhound reads (expected {VERSION})",
                            other.map_or_else(|| "?".to_string(), |v| v.to_string())
                        )));
                    }
                }
                match map.key_id {
                    None => {}
                    Some(Value::String(id)) if is_key_id(&id) => b.key_id = Some(id),
                    Some(_) => {
                        return Err(err(format!(
                            "{}the value of {KEY_ID_KEY:?} is not a key id; was the file edited by hand?",
                            place_of(text, KEY_ID_KEY)
                        )));
                    }
                }
                if let Some(key) = map.other.first() {
                    // not echoed: a key that is not a fingerprint may be a secret
                    return Err(err(format!(
                        "{}a key is not a fingerprint (32 hex digits); was the file edited by hand?",
                        place_of(text, key)
                    )));
                }
                b.fingerprints = map.fingerprints;
            }
            Top::Object(map) if map.findings.as_ref().is_some_and(Value::is_array) => {
                b.kind = BaselineKind::KeyhoundReport;
                for f in map.findings.iter().filter_map(Value::as_array).flatten() {
                    match f.get("fingerprint").and_then(Value::as_str) {
                        Some(fp) if is_fingerprint(fp) => {
                            b.fingerprints.insert(fp.to_string());
                        }
                        _ => return Err(err("a finding has no fingerprint".into())),
                    }
                }
            }
            Top::Array(items) => {
                b.kind = BaselineKind::GitleaksReport;
                for (i, f) in items.iter().enumerate() {
                    let get = |k: &str| f.get(k).and_then(Value::as_str);
                    if get("RuleID").is_none() {
                        return Err(err(format!(
                            "entry {} has no RuleID: not a gitleaks JSON report",
                            i + 1
                        )));
                    }
                    match get("Secret") {
                        Some(s) if !s.is_empty() && !s.contains("REDACTED") => {
                            b.secrets.insert(sha(s.as_bytes()));
                        }
                        _ => {
                            let line = f.get("StartLine").and_then(Value::as_u64).unwrap_or(0);
                            let path = get("File").unwrap_or_default();
                            b.places.insert((
                                path.trim_start_matches("./").to_string(),
                                u32::try_from(line).unwrap_or(u32::MAX),
                            ));
                        }
                    }
                }
            }
            _ => {
                return Err(err(
                    "not a keyhound baseline, a keyhound JSON report or a gitleaks JSON report"
                        .into(),
                ));
            }
        }
        Ok(b)
    }

    /// Reads a baseline file of at most `max_size` bytes (a larger one is refused unread).
    pub fn load(path: &std::path::Path, max_size: u64) -> Result<Baseline, BaselineError> {
        let file = path.display().to_string();
        let text = limits::read_text(path, limits::Kind::Baseline, max_size).map_err(|e| {
            BaselineError {
                file: file.clone(),
                message: match e {
                    limits::ReadError::Io(e) => format!(
                        "cannot read the baseline: {e}; write one with `keyhound baseline FILE`"
                    ),
                    too_large => too_large.to_string(),
                },
            }
        })?;
        Baseline::parse(&file, &text)
    }

    /// Refuses a keyhound baseline written under another fingerprint key than `current` (or
    /// under a key when there is none, or none when there is one): its fingerprints could never
    /// match, and every known finding would be reported as new.
    pub fn check_key(&self, file: &str, current: Option<&str>) -> Result<(), BaselineError> {
        if self.kind == BaselineKind::GitleaksReport || self.key_id.as_deref() == current {
            return Ok(());
        }
        if self.kind == BaselineKind::KeyhoundReport && self.fingerprints.is_empty() {
            return Ok(());
        }
        let message = match (&self.key_id, current) {
            (None, Some(_)) if self.kind == BaselineKind::KeyhoundReport => {
                "this report's fingerprints cannot be told keyed or not; a fingerprint key is set \
                 (KEYHOUND_FINGERPRINT_KEY or KEYHOUND_FINGERPRINT_KEY_FILE): use a baseline written \
                 by `keyhound baseline` with the key"
                    .to_string()
            }
            (None, Some(_)) if self.fingerprints.is_empty() => return Ok(()),
            (None, Some(_)) => "written without a fingerprint key, but a key is set \
                 (KEYHOUND_FINGERPRINT_KEY or KEYHOUND_FINGERPRINT_KEY_FILE): no finding would \
                 match it; write it again with the key (`keyhound baseline FILE`), or unset the key"
                .to_string(),
            (Some(_), None) => "written with a fingerprint key, and none is set: set the same \
                 KEYHOUND_FINGERPRINT_KEY or KEYHOUND_FINGERPRINT_KEY_FILE as when it was written"
                .to_string(),
            (Some(_), Some(_)) => "written with another fingerprint key than the one set: use the \
                 key it was written with, or write it again with this one (`keyhound baseline FILE`)"
                .to_string(),
            (None, None) => return Ok(()),
        };
        Err(BaselineError {
            file: file.to_string(),
            message,
        })
    }

    pub fn len(&self) -> usize {
        self.fingerprints.len() + self.secrets.len() + self.places.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the finding was already known.
    pub fn contains(&self, f: &Finding) -> bool {
        self.fingerprints.contains(&f.fingerprint)
            || (!self.secrets.is_empty()
                && self.secrets.contains(&sha(f.secret.expose().as_bytes())))
            || (!self.places.is_empty()
                && std::iter::once(&f.location).chain(&f.also_at).any(|l| {
                    self.places
                        .contains(&(l.path.trim_start_matches("./").to_string(), l.start.line))
                }))
    }
}

/// The top level of any accepted file, read in one pass without building a JSON tree for a
/// baseline's entries: a keyhound baseline's fingerprints go straight into the set and their
/// values are skipped (a tree of a 500 MB baseline took 6 GB).
enum Top {
    Object(TopMap),
    Array(Vec<Value>),
}

#[derive(Default)]
struct TopMap {
    version: Option<Value>,
    key_id: Option<Value>,
    findings: Option<Value>,
    fingerprints: HashSet<String>,
    /// Keys that are none of the above, in file order (only the first is reported).
    other: Vec<String>,
}

impl<'de> serde::Deserialize<'de> for Top {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Top, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Top;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object or array")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Top, A::Error> {
                let mut out = TopMap::default();
                while let Some(key) = m.next_key::<std::borrow::Cow<'de, str>>()? {
                    match key.as_ref() {
                        VERSION_KEY => out.version = Some(m.next_value()?),
                        KEY_ID_KEY => out.key_id = Some(m.next_value()?),
                        "findings" => out.findings = Some(m.next_value()?),
                        k if is_fingerprint(k) => {
                            m.next_value::<serde::de::IgnoredAny>()?;
                            out.fingerprints.insert(key.into_owned());
                        }
                        _ => {
                            m.next_value::<serde::de::IgnoredAny>()?;
                            if out.other.is_empty() {
                                out.other.push(key.into_owned());
                            }
                        }
                    }
                }
                Ok(Top::Object(out))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut s: A) -> Result<Top, A::Error> {
                let mut items = Vec::new();
                while let Some(v) = s.next_element()? {
                    items.push(v);
                }
                Ok(Top::Array(items))
            }
        }
        d.deserialize_any(V)
    }
}

fn is_key_id(s: &str) -> bool {
    s.len() == 16
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// `line L: ` where `"key"` first occurs in the text, to point at an entry without quoting it.
fn place_of(text: &str, key: &str) -> String {
    let quoted = serde_json::to_string(key).unwrap_or_default();
    match text.find(&quoted) {
        Some(at) => format!("line {}: ", text[..at].matches('\n').count() + 1),
        None => String::new(),
    }
}

fn is_fingerprint(s: &str) -> bool {
    s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The baseline file for these findings, sorted, one entry per line.
pub fn render(findings: &[Finding]) -> String {
    let mut entries: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
    for f in findings {
        entries
            .entry(&f.fingerprint)
            .or_insert((&f.rule.id, &f.location.path));
    }
    let mut out = String::from("{\n");
    for (fp, (rule, path)) in entries {
        let entry = serde_json::json!({ "rule": rule, "path": path });
        out.push_str(&format!("  \"{fp}\": {entry},\n"));
    }
    if let Some(id) = crate::fingerprint::key_id() {
        out.push_str(&format!("  \"{KEY_ID_KEY}\": \"{id}\",\n"));
    }
    out.push_str(&format!("  \"{VERSION_KEY}\": {VERSION}\n}}\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(rule: &str, secret: &str, path: &str, line: u32) -> Finding {
        super::super::tests::finding(&super::super::tests::rule(rule), secret, path, line)
    }

    #[test]
    fn a_written_baseline_reads_back_and_knows_its_findings() {
        let fs = vec![
            finding("r-two", "s2", "b.env", 4),
            finding("r-one", "s1", "a.env", 1),
        ];
        let text = render(&fs);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.first(), Some(&"{"));
        assert_eq!(lines.last(), Some(&"}"));
        assert!(lines[1] < lines[2], "sorted");
        assert!(lines[1].ends_with(',') && lines[2].ends_with(','));
        let b = Baseline::parse("b.json", &text).expect("reads");
        assert_eq!(b.kind, BaselineKind::Keyhound);
        assert!(b.contains(&finding("r-one", "s1", "moved/elsewhere.env", 99)));
        assert!(!b.contains(&finding("r-one", "s1-changed", "a.env", 1)));
    }

    // a union merge of two branches' baselines: git does it in tests/cli/config.rs
    // (two_branches_adding_baseline_entries_merge_cleanly), where a format change that broke it
    // would show

    #[test]
    fn gitleaks_reports_match_by_secret_or_by_place() {
        let report = r#"[
          {"RuleID": "generic-api-key", "File": "app.env", "StartLine": 3, "Secret": "s1", "Fingerprint": "x"},
          {"RuleID": "aws-access-token", "File": "old.env", "StartLine": 7, "Secret": "REDACTED"}
        ]"#;
        let b = Baseline::parse("gl.json", report).expect("reads");
        assert_eq!(b.kind, BaselineKind::GitleaksReport);
        assert!(b.contains(&finding("generic-password", "s1", "elsewhere", 1)));
        assert!(b.contains(&finding("aws-access-key-id", "AKIA", "old.env", 7)));
        assert!(!b.contains(&finding("aws-access-key-id", "AKIA", "old.env", 8)));
    }

    #[test]
    fn keyhound_reports_are_read_and_junk_is_refused() {
        let fp = crate::fingerprint::fingerprint("r", b"s");
        let report = format!(r#"{{"version": 1, "findings": [{{"fingerprint": "{fp}"}}]}}"#);
        let b = Baseline::parse("r.json", &report).expect("reads");
        assert!(b.contains(&finding("r", "s", "x", 1)));
        for junk in [
            "{",
            "{\"a\": 1}",
            "{\"keyhound_baseline\": 9}",
            "\"ghp_x\"",
            "{\"zz\": 1, \"keyhound_baseline\": 1}",
        ] {
            assert!(Baseline::parse("j.json", junk).is_err(), "{junk}");
        }
    }

    #[test]
    fn a_key_that_is_not_a_fingerprint_is_placed_not_echoed() {
        let text = "{\n  \"0123456789abcdef0123456789abcdef\": {},\n  \"ghp_NotAFingerprintAtAll\": {},\n  \"keyhound_baseline\": 1\n}\n";
        let e = Baseline::parse("b.json", text)
            .expect_err("junk key")
            .to_string();
        assert!(e.contains("line 3:"), "{e}");
        assert!(!e.contains("NotAFingerprint"), "{e}");
    }

    #[test]
    fn a_baseline_is_used_only_with_the_key_it_was_written_under() {
        let fp = "0123456789abcdef0123456789abcdef";
        let unkeyed = format!("{{\"{fp}\": {{}}, \"keyhound_baseline\": 1}}");
        let keyed = format!(
            "{{\"{fp}\": {{}}, \"keyhound_fingerprint_key\": \"00112233aabbccdd\", \"keyhound_baseline\": 1}}"
        );
        let u = Baseline::parse("u.json", &unkeyed).expect("reads");
        let k = Baseline::parse("k.json", &keyed).expect("reads");
        assert_eq!(k.key_id.as_deref(), Some("00112233aabbccdd"));
        assert!(u.check_key("u.json", None).is_ok());
        assert!(u.check_key("u.json", Some("00112233aabbccdd")).is_err());
        assert!(k.check_key("k.json", Some("00112233aabbccdd")).is_ok());
        assert!(k.check_key("k.json", None).is_err());
        assert!(k.check_key("k.json", Some("ffffffffffffffff")).is_err());
    }
}
