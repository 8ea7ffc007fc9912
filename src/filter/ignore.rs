//! `.keyhoundignore`: single findings marked as not to be reported, one fingerprint per line
//! (as shown in every report), optionally followed by a `#` comment saying why.
//!
//! ```text
//! # test fixture, not a real key
//! 3f9c1e0a5b7d2c4e6f8a0b1c2d3e4f50  # tests/fixtures/aws.env, reviewed 2026-11
//! ```
//!
//! A gitleaks user's `.gitleaksignore` is honoured beside it (`GitleaksIgnore`): its lines are
//! gitleaks fingerprints, `commit:file:rule-id:line` (from `gitleaks git`) or `file:rule-id:line`
//! (from `gitleaks dir`), which name a place, not a secret.

use crate::finding::Finding;
use std::collections::{HashMap, HashSet};

/// The ignore file's name at the root of what is scanned.
pub const FILE_NAME: &str = ".keyhoundignore";

#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct IgnoreError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// Parses an ignore file into its fingerprints.
pub fn parse(file: &str, text: &str) -> Result<HashSet<String>, IgnoreError> {
    let mut out = HashSet::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let fp = line.to_ascii_lowercase();
        if fp.len() != 32 || !fp.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(IgnoreError {
                file: file.to_string(),
                line: i + 1,
                // the line is not echoed: what was written instead of a fingerprint may be
                // the secret itself
                message: "this line is not a fingerprint (its text is not shown: it may hold a \
                          secret): write the 32 hex digits a report shows as `fingerprint`, then an \
                          optional `# comment`"
                    .to_string(),
            });
        }
        out.insert(fp);
    }
    Ok(out)
}

/// gitleaks' ignore file, read at the root of what is scanned beside `.keyhoundignore`.
pub const GITLEAKS_FILE_NAME: &str = ".gitleaksignore";

/// Which keyhound rules a `.gitleaksignore` entry's gitleaks rule id stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RuleMatch {
    /// Not resolved yet: the gitleaks id as written.
    Unresolved(String),
    /// These keyhound rule ids.
    Ids(Vec<String>),
    /// A gitleaks id keyhound has no counterpart for: any rule at the entry's file and line.
    Any,
}

/// One `.gitleaksignore` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct GitleaksEntry {
    /// Lowercase hex; none for a `gitleaks dir` fingerprint.
    commit: Option<String>,
    rule: RuleMatch,
}

/// The entries of a `.gitleaksignore`, by (file, line).
#[derive(Debug, Default)]
pub struct GitleaksIgnore {
    places: HashMap<(String, u32), Vec<GitleaksEntry>>,
}

impl GitleaksIgnore {
    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// Maps each entry's gitleaks rule id to keyhound rules, given the ids of the rules this run
    /// has: an id keyhound has too, and every keyhound id it is the dash-separated start of
    /// (`github-pat` → `github-pat-classic`); `generic-api-key` → keyhound's `generic-*` rules;
    /// anything else matches any rule at the entry's file and line.
    pub fn resolve<'a>(&mut self, ids: impl IntoIterator<Item = &'a str> + Clone) {
        for entries in self.places.values_mut() {
            for e in entries {
                let RuleMatch::Unresolved(gl) = &e.rule else {
                    continue;
                };
                let prefix = if gl == "generic-api-key" {
                    "generic-".to_string()
                } else {
                    format!("{gl}-")
                };
                let found: Vec<String> = ids
                    .clone()
                    .into_iter()
                    .filter(|id| id == gl || id.starts_with(&prefix))
                    .map(str::to_string)
                    .collect();
                e.rule = if found.is_empty() {
                    RuleMatch::Any
                } else {
                    RuleMatch::Ids(found)
                };
            }
        }
    }

    /// Whether an entry names one of the finding's places: the same file (relative to `root`)
    /// and line, the same commit when both the entry and the place have one, and a rule the
    /// entry's gitleaks rule id stands for (see `resolve`).
    pub fn matches(&self, f: &Finding, root: &str) -> bool {
        if self.places.is_empty() {
            return false;
        }
        std::iter::once(&f.location).chain(&f.also_at).any(|l| {
            let path = super::allow::relative(&l.path, root);
            let Some(entries) = self.places.get(&(path.into_owned(), l.start.line)) else {
                return false;
            };
            entries.iter().any(|e| {
                let commit_ok = match (&e.commit, &l.commit) {
                    (Some(want), Some(c)) => c.commit.to_ascii_lowercase().starts_with(want),
                    _ => true,
                };
                let rule_ok = match &e.rule {
                    RuleMatch::Unresolved(gl) => *gl == f.rule.id,
                    RuleMatch::Ids(ids) => ids.iter().any(|id| *id == f.rule.id),
                    RuleMatch::Any => true,
                };
                commit_ok && rule_ok
            })
        })
    }
}

/// Parses a `.gitleaksignore`: one gitleaks fingerprint per line, `#` comments and blank lines
/// skipped. The line number is the last `:`-field, the rule id the one before it; a first field
/// of 7 to 64 hex digits followed by at least the file is the commit; the rest is the file.
pub fn parse_gitleaks(file: &str, text: &str) -> Result<GitleaksIgnore, IgnoreError> {
    let mut out = GitleaksIgnore::default();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || IgnoreError {
            file: file.to_string(),
            line: i + 1,
            // not echoed, as in .keyhoundignore: it may hold a secret
            message: "this line is not a gitleaks fingerprint (its text is not shown: it may hold \
                      a secret): gitleaks writes `commit:file:rule-id:line` or `file:rule-id:line`"
                .to_string(),
        };
        let mut fields = line.rsplitn(3, ':');
        let (Some(number), Some(rule), Some(rest)) = (fields.next(), fields.next(), fields.next())
        else {
            return Err(bad());
        };
        let number: u32 = number.trim().parse().map_err(|_| bad())?;
        let rule = rule.trim();
        if rule.is_empty() || rest.is_empty() {
            return Err(bad());
        }
        let (commit, path) = match rest.split_once(':') {
            Some((c, p))
                if (7..=64).contains(&c.len())
                    && c.bytes().all(|b| b.is_ascii_hexdigit())
                    && !p.is_empty() =>
            {
                (Some(c.to_ascii_lowercase()), p)
            }
            _ => (None, rest),
        };
        let path = super::allow::relative(path, "").into_owned();
        out.places
            .entry((path, number))
            .or_default()
            .push(GitleaksEntry {
                commit,
                rule: RuleMatch::Unresolved(rule.to_string()),
            });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_and_comments() {
        let text = "# header\n\n3F9C1E0A5B7D2C4E6F8A0B1C2D3E4F50  # why\n0123456789abcdef0123456789abcdef\n";
        let set = parse("i", text).expect("parses");
        assert!(set.contains("3f9c1e0a5b7d2c4e6f8a0b1c2d3e4f50"));
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn a_bad_line_is_named() {
        let e = parse(
            ".keyhoundignore",
            "0123456789abcdef0123456789abcdef\nsrc/app.py:12\n",
        )
        .expect_err("bad line");
        assert!(e.to_string().starts_with(".keyhoundignore:2:"), "{e}");
        assert!(!e.to_string().contains("app.py"), "{e}");
    }

    fn placed(rule: &str, path: &str, line: u32, commit: Option<&str>) -> Finding {
        let r = crate::filter::tests::rule(rule);
        let mut f = crate::filter::tests::finding(&r, "s", path, line);
        f.location.commit = commit.map(|c| crate::location::CommitInfo {
            commit: c.into(),
            author: String::new(),
            email: String::new(),
            date: String::new(),
            time: 0,
        });
        f
    }

    #[test]
    fn gitleaks_fingerprints_match_by_file_line_commit_and_mapped_rule() {
        let commit = "0123456789abcdef0123456789abcdef01234567";
        let text = format!(
            "# reviewed\n\n{commit}:config/app.env:github-pat:3\nsrc/a:b.py:generic-api-key:7\n\
             ./x.txt:some-gitleaks-only-rule:1\n"
        );
        let mut gl = parse_gitleaks(".gitleaksignore", &text).expect("parses");
        gl.resolve(["github-pat-classic", "generic-secret", "generic-password"]);
        let yes = [
            placed("github-pat-classic", "config/app.env", 3, Some(commit)),
            placed("github-pat-classic", "config/app.env", 3, None),
            placed("generic-password", "src/a:b.py", 7, None),
            placed("anything", "x.txt", 1, None),
        ];
        for f in &yes {
            assert!(gl.matches(f, ""), "{:?}", f.location);
        }
        let no = [
            placed("github-pat-classic", "config/app.env", 4, Some(commit)),
            placed(
                "github-pat-classic",
                "config/app.env",
                3,
                Some("fedcba9876"),
            ),
            placed("slack-bot-token", "config/app.env", 3, None),
            placed("aws-access-key-id", "src/a:b.py", 7, None),
            placed("anything", "y.txt", 1, None),
        ];
        for f in &no {
            assert!(!gl.matches(f, ""), "{:?} {}", f.location, f.rule.id);
        }
        // another place of the same finding is enough
        let mut f = placed("generic-secret", "other.py", 1, None);
        f.also_at
            .push(placed("generic-secret", "src/a:b.py", 7, None).location);
        assert!(gl.matches(&f, ""));
    }

    #[test]
    fn a_bad_gitleaks_line_is_named_and_not_echoed() {
        for bad in ["justtext", "file:rule:notanumber", ":rule:3", "file::3"] {
            let e =
                parse_gitleaks(".gitleaksignore", &format!("a.txt:r:1\n{bad}\n")).expect_err(bad);
            assert!(e.to_string().starts_with(".gitleaksignore:2:"), "{e}");
            assert!(!e.to_string().contains(bad), "{e}");
        }
    }
}
