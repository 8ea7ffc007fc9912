//! Findings after matching: one finding per (rule, secret) with every place it occurs, in a
//! deterministic order whatever the thread timing.

use crate::finding::Finding;
use std::collections::HashMap;

/// Groups findings of the same rule and secret; the earliest place becomes the finding's
/// location (oldest commit first for git sources, then path, line, column), the rest go to
/// `also_at`. Output is sorted for reporting.
pub fn group(mut findings: Vec<Finding>) -> Vec<Finding> {
    let when = |f: &Finding| {
        f.location
            .commit
            .as_ref()
            .map(|c| (c.time, c.commit.clone()))
    };
    findings.sort_by(|a, b| (when(a), a.sort_key()).cmp(&(when(b), b.sort_key())));
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    for f in findings {
        let key = (f.rule.id.clone(), f.secret.expose().to_string());
        match index.get(&key) {
            Some(&i) => {
                let first = &mut out[i];
                first.present_at_head = match (first.present_at_head, f.present_at_head) {
                    (None, None) => None,
                    (a, b) => Some(a.unwrap_or(false) || b.unwrap_or(false)),
                };
                if first.location != f.location && !first.also_at.contains(&f.location) {
                    first.also_at.push(f.location);
                }
                first.also_at.extend(f.also_at);
            }
            None => {
                index.insert(key, out.len());
                out.push(f);
            }
        }
    }
    for f in &mut out {
        f.also_at.sort();
        f.also_at.dedup();
    }
    out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::location::{Location, Position};
    use crate::rules::{RuleInfo, Severity};
    use crate::secret::Secret;
    use std::sync::Arc;

    fn finding(rule: &Arc<RuleInfo>, secret: &str, path: &str, line: u32) -> Finding {
        let pos = Position { line, column: 1 };
        Finding {
            rule: rule.clone(),
            secret: Secret::new(secret.as_bytes(), &[]),
            fingerprint: crate::fingerprint::fingerprint(&rule.id, secret.as_bytes()),
            location: Location {
                path: path.into(),
                start: pos,
                end: pos,
                commit: None,
            },
            also_at: vec![],
            present_at_head: None,
            blob: None,
        }
    }

    #[test]
    fn same_secret_in_two_places_is_one_finding_with_both_places() {
        let r = Arc::new(RuleInfo {
            id: "r".into(),
            name: "r".into(),
            description: String::new(),
            severity: Severity::High,
            remediation: String::new(),
            references: vec![],
            keywords: vec![],
            validator: None,
        });
        let out = group(vec![
            finding(&r, "s1", "b.txt", 3),
            finding(&r, "s2", "a.txt", 9),
            finding(&r, "s1", "a.txt", 1),
        ]);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].location.path, "a.txt");
        assert_eq!(out[0].location.start.line, 1);
        assert_eq!(out[0].also_at.len(), 1);
        assert_eq!(out[0].also_at[0].path, "b.txt");
        assert_eq!(out[1].location.start.line, 9);
    }

    #[test]
    fn the_oldest_commit_is_the_place_that_introduced_a_secret_whatever_the_input_order() {
        let r = Arc::new(RuleInfo {
            id: "r".into(),
            name: "r".into(),
            description: String::new(),
            severity: Severity::High,
            remediation: String::new(),
            references: vec![],
            keywords: vec![],
            validator: None,
        });
        let at = |commit: &str, time: i64, path: &str| {
            let mut f = finding(&r, "s", path, 1);
            f.location.commit = Some(crate::location::CommitInfo {
                commit: commit.into(),
                author: String::new(),
                email: String::new(),
                date: String::new(),
                time,
            });
            f
        };
        let places = [
            at("c2018", 1_541_000_000, "a.txt"),
            at("c2014", 1_418_000_000, "z.txt"),
        ];
        for order in [[0, 1], [1, 0]] {
            let out = group(order.iter().map(|&i| places[i].clone()).collect());
            assert_eq!(out.len(), 1);
            let first = out[0].location.commit.as_ref().map(|c| c.commit.as_str());
            assert_eq!(first, Some("c2014"));
            assert_eq!(out[0].also_at.len(), 1);
        }
    }
}
