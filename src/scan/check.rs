//! Runs every rule's examples and negative examples through a real engine holding all the rules
//! under test: an example must be found by its own rule, a negative example must not be.

use super::Engine;
use crate::rules::expand_template;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKind {
    /// The regex or allowlist does not compile.
    Compile,
    /// Fewer than two examples or negative examples.
    Missing,
    /// An example template does not expand.
    Template,
    /// An example was not found by its rule.
    Missed,
    /// A negative example was found by its rule.
    FalsePositive,
}

/// One failed check, with enough to show the user what was expected and what happened.
#[derive(Debug, Clone)]
pub struct CheckFailure {
    pub rule_id: String,
    pub origin: String,
    pub kind: CheckKind,
    /// Index of the example or negative example.
    pub index: usize,
    /// The example after template expansion (fake values only).
    pub text: String,
    /// What the rule found in it (for false positives), or why it failed.
    pub detail: String,
}

/// How a path rule's example names its file: `FILE: .env` on the first line, the contents after.
pub const FILE_PREFIX: &str = "FILE: ";

/// Minimum examples and negative examples a rule must carry.
pub const MIN_EXAMPLES: usize = 2;

/// Checks every rule of `engine`. Returns the failures (empty when all pass) and the number of
/// examples run.
pub fn check_rules(engine: &Engine) -> (Vec<CheckFailure>, usize) {
    let mut failures = Vec::new();
    let mut ran = 0;
    let mut scanner = engine.scanner();
    for (ri, rule) in engine.rules().iter().enumerate() {
        let fail = |kind, index, text: String, detail: String| CheckFailure {
            rule_id: rule.id().to_string(),
            origin: rule.origin.clone(),
            kind,
            index,
            text,
            detail,
        };
        if let Err(e) = rule.compiled() {
            failures.push(fail(
                CheckKind::Compile,
                0,
                rule.spec.regex.clone(),
                e.to_string(),
            ));
            continue;
        }
        if rule.spec.examples.len() < MIN_EXAMPLES || rule.spec.negative.len() < MIN_EXAMPLES {
            failures.push(fail(
                CheckKind::Missing,
                0,
                String::new(),
                format!(
                    "has {} examples and {} negative examples; needs at least {MIN_EXAMPLES} of each",
                    rule.spec.examples.len(),
                    rule.spec.negative.len()
                ),
            ));
        }
        let cases = rule
            .spec
            .examples
            .iter()
            .map(|e| (true, e))
            .chain(rule.spec.negative.iter().map(|e| (false, e)));
        for (i, (positive, template)) in cases.enumerate() {
            let index = if positive {
                i
            } else {
                i - rule.spec.examples.len()
            };
            let text = match expand_template(template, rule.id(), i) {
                Ok(t) => t,
                Err(e) => {
                    failures.push(fail(CheckKind::Template, index, template.clone(), e));
                    continue;
                }
            };
            ran += 1;
            // a path rule's example names its file on a first line `FILE: path`
            let (path, body) = match text.strip_prefix(FILE_PREFIX) {
                Some(rest) => rest.split_once('\n').unwrap_or((rest, "")),
                None => ("", text.as_str()),
            };
            if rule.paths.is_some() && path.is_empty() {
                failures.push(fail(
                    CheckKind::Template,
                    index,
                    text.clone(),
                    format!("a path rule's examples start with a line `{FILE_PREFIX}path`"),
                ));
                continue;
            }
            // what a real scan reports: overlaps between rules resolved, so an example that
            // another rule would take is not this rule's finding
            let found_matches = if rule.paths.is_some() {
                scanner.scan_file(path, body.as_bytes(), false)
            } else {
                scanner.scan(body.as_bytes())
            };
            let found: Vec<String> = found_matches
                .iter()
                .filter(|m| m.rule == ri)
                .map(|m| {
                    let s = &body.as_bytes()[m.secret_start..m.secret_end];
                    if s.is_empty() {
                        format!("the file {path}")
                    } else {
                        String::from_utf8_lossy(s).into_owned()
                    }
                })
                .collect();
            if positive && found.is_empty() {
                failures.push(fail(
                    CheckKind::Missed,
                    index,
                    text,
                    "expected a finding, got none".into(),
                ));
            } else if !positive && !found.is_empty() {
                failures.push(fail(
                    CheckKind::FalsePositive,
                    index,
                    text,
                    format!("expected no finding, got {}", found.join(", ")),
                ));
            }
        }
    }
    (failures, ran)
}

/// Where another rule also reports the secret of a rule's example, after overlapping matches are
/// resolved: (rule, example index, other rule). Two findings for one secret are one too many.
pub fn overlaps(engine: &Engine) -> Vec<(String, usize, String)> {
    let mut out = Vec::new();
    let mut scanner = engine.scanner();
    for (ri, rule) in engine.rules().iter().enumerate() {
        if rule.paths.is_some() {
            continue;
        }
        for (i, template) in rule.spec.examples.iter().enumerate() {
            let Ok(text) = expand_template(template, rule.id(), i) else {
                continue;
            };
            let found: Vec<super::Match> = scanner.scan(text.as_bytes()).to_vec();
            for own in found.iter().filter(|m| m.rule == ri) {
                for other in found.iter().filter(|m| m.rule != ri) {
                    let overlap =
                        other.secret_start < own.secret_end && own.secret_start < other.secret_end;
                    if overlap {
                        out.push((
                            rule.id().to_string(),
                            i,
                            engine.rules()[other.rule].id().to_string(),
                        ));
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod overlap_tests {
    #[test]
    fn no_two_builtin_rules_report_the_same_secret_of_an_example() {
        let rules = crate::rules::builtin_rules_with_examples().expect("rules");
        let engine = super::Engine::new(rules).expect("engine");
        let found = super::overlaps(&engine);
        assert!(
            found.is_empty(),
            "rule, example, other rule reporting the same secret: {found:#?}"
        );
    }

    #[test]
    fn a_checksum_look_alike_is_no_other_rules_finding_either() {
        let rules = crate::rules::builtin_rules().expect("rules");
        let engine = super::Engine::new(rules).expect("engine");
        let mut scanner = engine.scanner();
        let id = |m: &super::super::Match| engine.rules()[m.rule].id().to_string();
        // an identifiable storage key (+ASt) whose Marvin32 checksum is wrong: the legacy
        // account-key rule would take it for a random 64-byte key
        let text = crate::rules::expand_template(
            "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={{base64 76}}+AStQ{{base64 4}}w==;EndpointSuffix=core.windows.net",
            "look-alike",
            0,
        )
        .expect("expands");
        let found: Vec<String> = scanner.scan(text.as_bytes()).iter().map(id).collect();
        assert!(found.is_empty(), "{found:?} in {text}");
        // with a correct checksum it is reported, once (by the rule whose match says the most:
        // the connection string's AccountKey=)
        let good = crate::rules::expand_template(
            "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={{valid azure-identifiable +ASt 64}};EndpointSuffix=core.windows.net",
            "look-alike",
            0,
        )
        .expect("expands");
        let found: Vec<String> = scanner.scan(good.as_bytes()).iter().map(id).collect();
        assert_eq!(found, ["azure-storage-account-key"], "{good}");
    }
}
