//! Findings after matching: what the user said not to report (allowlists, `.keyhoundignore`, a
//! baseline) is taken out, and what is left becomes one finding per (rule, secret) with every
//! place it occurs, in a deterministic order whatever the thread timing.

pub mod allow;
pub mod baseline;
pub mod ignore;

use crate::finding::Finding;
use allow::{Allowlists, Place};
use baseline::Baseline;
use std::collections::{HashMap, HashSet};

/// Everything that keeps a finding out of the report.
#[derive(Debug, Default)]
pub struct Filters {
    pub allowlists: Allowlists,
    /// Paths in findings are made relative to this before allowlists see them.
    pub root: String,
    /// Fingerprints from `.keyhoundignore`.
    pub ignored: HashSet<String>,
    /// Places from a gitleaks user's `.gitleaksignore`.
    pub gitleaks_ignored: ignore::GitleaksIgnore,
    pub baseline: Option<Baseline>,
    /// `--min-severity`: findings of a lower severity are not reported (counted).
    pub min_severity: Option<crate::rules::Severity>,
}

/// How many findings each filter took out.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Suppressed {
    /// Places (one secret at one place) an allowlist matched.
    pub allowlisted: usize,
    /// Findings whose fingerprint is in `.keyhoundignore`.
    pub ignored: usize,
    /// Findings a `.gitleaksignore` entry names.
    pub gitleaks_ignored: usize,
    /// Findings already in the baseline.
    pub baselined: usize,
    /// Findings below `--min-severity`.
    pub below_severity: usize,
}

impl Filters {
    /// Whether a file can be skipped unread (an unscoped, path-only allowlist matches it).
    pub fn skips_path(&self, path: &str) -> bool {
        !self.allowlists.is_empty()
            && !path.is_empty()
            && self
                .allowlists
                .skips_path(&allow::relative(path, &self.root))
    }

    /// Whether findings must carry their line and matched text.
    pub fn needs_text(&self) -> bool {
        self.allowlists.needs_text()
    }

    /// Drops the places allowlists allow. Runs before grouping, when each finding has one place
    /// (history findings already placed at the commit that introduced them).
    pub fn apply_allowlists(&self, findings: &mut Vec<Finding>, counts: &mut Suppressed) {
        if self.allowlists.is_empty() {
            return;
        }
        let before = findings.len();
        findings.retain_mut(|f| {
            let secret = f.secret.expose().as_bytes();
            let place = |l: &crate::location::Location| {
                let path = allow::relative(&l.path, &self.root);
                self.allowlists.allows(&Place {
                    rule: &f.rule.id,
                    secret,
                    matched: f.context.as_ref().map(|c| c.matched.as_slice()),
                    line: f.context.as_ref().map(|c| c.line.as_slice()),
                    path: &path,
                    commit: l.commit.as_ref().map(|c| c.commit.as_str()),
                })
            };
            let before = f.also_at.len();
            f.also_at.retain(|l| !place(l));
            counts.allowlisted += before - f.also_at.len();
            if !place(&f.location) {
                return true;
            }
            // the first place is allowed: the next one that is not takes its place
            if f.also_at.is_empty() {
                return false;
            }
            f.location = f.also_at.remove(0);
            // the lines shown were the allowed place's
            f.excerpt = None;
            counts.allowlisted += 1;
            true
        });
        counts.allowlisted += before - findings.len();
        for f in findings.iter_mut() {
            f.context = None;
        }
    }

    /// Drops grouped findings that `.keyhoundignore` or `.gitleaksignore` names, moves those the
    /// baseline holds to `known`, and drops those below `min_severity`.
    pub fn apply_known_split(
        &self,
        findings: &mut Vec<Finding>,
        known: &mut Vec<Finding>,
        counts: &mut Suppressed,
    ) {
        let mut kept = Vec::with_capacity(findings.len());
        for f in findings.drain(..) {
            if self.ignored.contains(&f.fingerprint) {
                counts.ignored += 1;
            } else if self.gitleaks_ignored.matches(&f, &self.root) {
                counts.gitleaks_ignored += 1;
            } else if self.baseline.as_ref().is_some_and(|b| b.contains(&f)) {
                counts.baselined += 1;
                known.push(f);
            } else if self.min_severity.is_some_and(|min| f.rule.severity > min) {
                // Severity orders critical first: greater is less severe
                counts.below_severity += 1;
            } else {
                kept.push(f);
            }
        }
        *findings = kept;
    }
}

/// Groups findings of the same rule and secret; the earliest place becomes the finding's
/// location (oldest commit first for git sources, then path, line, column), the rest go to
/// `also_at`. A place that differs from one already kept only by its commit (the same line of
/// the same file in several commits of a range, or in several versions of the file in an audit)
/// is kept once, at its oldest commit, and counts the others in `other_commits`. Linear in the
/// number of places (hash maps, not list searches): one secret repeated on 160k lines is as
/// cheap as 160k different ones. Output is sorted for reporting: severity (critical first),
/// then path, line, column, rule.
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
    // per output finding: the places it holds, without their commits, each with its index (0 is
    // the finding's location, i the place also_at[i - 1])
    let mut places: Vec<HashMap<Spot, usize>> = Vec::with_capacity(findings.len());
    for mut f in findings {
        let key = (f.rule.id.clone(), f.secret.expose().to_string());
        match index.get(&key) {
            Some(&i) => {
                let first = &mut out[i];
                first.present_at_head = match (first.present_at_head, f.present_at_head) {
                    (None, None) => None,
                    (a, b) => Some(a.unwrap_or(false) || b.unwrap_or(false)),
                };
                let seen = &mut places[i];
                for l in std::iter::once(f.location).chain(f.also_at.drain(..)) {
                    add_place(first, seen, l);
                }
            }
            None => {
                index.insert(key, out.len());
                let mut seen = HashMap::new();
                seen.insert(Spot::of(&f.location), 0);
                let also = std::mem::take(&mut f.also_at);
                for l in also {
                    add_place(&mut f, &mut seen, l);
                }
                places.push(seen);
                out.push(f);
            }
        }
    }
    drop(places);
    for f in &mut out {
        f.also_at.sort();
    }
    out.sort_by(|a, b| (a.rule.severity, a.sort_key()).cmp(&(b.rule.severity, b.sort_key())));
    out
}

/// Adds place `l` to finding `f`, or, when `f` already holds a place that differs from it only by
/// its commit, counts `l`'s commit (and those it counted) on that place.
fn add_place(f: &mut Finding, seen: &mut HashMap<Spot, usize>, l: crate::location::Location) {
    match seen.get(&Spot::of(&l)) {
        Some(&i) => {
            let kept = if i == 0 {
                &mut f.location
            } else {
                &mut f.also_at[i - 1]
            };
            let other = match (&kept.commit, &l.commit) {
                (Some(a), Some(b)) => a.commit != b.commit,
                _ => false,
            };
            kept.other_commits = kept
                .other_commits
                .saturating_add(u32::from(other))
                .saturating_add(l.other_commits);
        }
        None => {
            seen.insert(Spot::of(&l), f.also_at.len() + 1);
            f.also_at.push(l);
        }
    }
}

/// A place without its commit: what "the same place" means when grouping.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Spot {
    path: String,
    start: crate::location::Position,
    end: crate::location::Position,
}

impl Spot {
    fn of(l: &crate::location::Location) -> Spot {
        Spot {
            path: l.path.clone(),
            start: l.start,
            end: l.end,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::location::{Location, Position};
    use crate::rules::{RuleInfo, Severity};
    use crate::secret::Secret;
    use std::sync::Arc;

    /// A rule for tests.
    pub(crate) fn rule(id: &str) -> Arc<RuleInfo> {
        Arc::new(RuleInfo {
            id: id.into(),
            name: id.into(),
            description: String::new(),
            severity: Severity::High,
            remediation: String::new(),
            references: vec![],
            keywords: vec![],
            validator: None,
        })
    }

    /// A finding of `rule` with one place, for tests.
    pub(crate) fn finding(rule: &Arc<RuleInfo>, secret: &str, path: &str, line: u32) -> Finding {
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
                other_commits: 0,
            },
            also_at: vec![],
            present_at_head: None,
            blob: None,
            context: None,
            encoding: None,
            excerpt: None,
        }
    }

    #[test]
    fn same_secret_in_two_places_is_one_finding_with_both_places() {
        let r = rule("r");
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

    /// `f`, found in `commit` made at `time`.
    fn committed(mut f: Finding, commit: &str, time: i64) -> Finding {
        f.location.commit = Some(crate::location::CommitInfo {
            commit: commit.into(),
            author: String::new(),
            email: String::new(),
            date: String::new(),
            time,
        });
        f
    }

    #[test]
    fn places_that_differ_only_by_commit_are_kept_once_at_the_oldest_commit() {
        let r = rule("r");
        let at = |commit: &str, time: i64, path: &str, line: u32| {
            committed(finding(&r, "s", path, line), commit, time)
        };
        let out = group(vec![
            at("c3", 300, "a.txt", 1),
            at("c1", 100, "a.txt", 1),
            at("c2", 200, "a.txt", 1),
            at("c2", 200, "b.txt", 4),
            at("c3", 300, "b.txt", 4),
        ]);
        assert_eq!(out.len(), 1);
        let first = out[0].location.commit.as_ref().map(|c| c.commit.as_str());
        assert_eq!(first, Some("c1"));
        let also: Vec<_> = out[0]
            .also_at
            .iter()
            .map(|l| {
                (
                    l.path.as_str(),
                    l.commit.as_ref().map(|c| c.commit.as_str()),
                )
            })
            .collect();
        assert_eq!(also, vec![("b.txt", Some("c2"))]);
        assert_eq!(
            out[0].location.other_commits, 2,
            "a.txt:1 is also in c2 and c3"
        );
        assert_eq!(out[0].also_at[0].other_commits, 1, "b.txt:4 is also in c3");
    }

    #[test]
    fn one_secret_in_many_places_keeps_every_distinct_place() {
        let r = rule("r");
        let many: Vec<Finding> = (1..=20_000)
            .map(|l| finding(&r, "s", "big.txt", l))
            .collect();
        let out = group(many);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].location.start.line, 1);
        assert_eq!(out[0].also_at.len(), 19_999);
        assert_eq!(out[0].also_at.last().map(|l| l.start.line), Some(20_000));
    }

    #[test]
    fn the_oldest_commit_is_the_place_that_introduced_a_secret_whatever_the_input_order() {
        let r = rule("r");
        let at = |commit: &str, time: i64, path: &str| {
            committed(finding(&r, "s", path, 1), commit, time)
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

    #[test]
    fn findings_are_ordered_by_severity_then_path() {
        let mut low = (*rule("low")).clone();
        low.severity = Severity::Low;
        let mut crit = (*rule("crit")).clone();
        crit.severity = Severity::Critical;
        let (low, crit) = (Arc::new(low), Arc::new(crit));
        let out = group(vec![
            finding(&low, "s1", "a.txt", 1),
            finding(&crit, "s2", "z.txt", 9),
            finding(&crit, "s3", "b.txt", 2),
        ]);
        let order: Vec<(&str, &str)> = out
            .iter()
            .map(|f| (f.rule.id.as_str(), f.location.path.as_str()))
            .collect();
        assert_eq!(
            order,
            vec![("crit", "b.txt"), ("crit", "z.txt"), ("low", "a.txt")]
        );
    }
}
