//! Rules: `RuleSpec` is a rule as written in YAML (built-in files under `rules/`, later custom
//! rules from a config file); `Rule` is its compiled form. Built-in rule files are embedded at
//! build time. A rule's regex is compiled the first time the scanner needs it, so a run that
//! touches three files pays for the rules those files trigger, not for all of them.
//! This module knows nothing of sources or reports.

mod azure_keys;
mod spec;
mod template;
mod validate;

pub use spec::{AllowlistSpec, RuleFileSpec, RuleSpec, Severity};
pub use template::expand_template;
#[cfg(test)]
pub(crate) fn template_rng(seed: &str, index: usize) -> template::Rng {
    template::Rng::new(seed, index)
}
pub use validate::{BEFORE_REACH, Validator};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use regex::bytes::{Regex, RegexBuilder};
use serde::Serialize;
use std::sync::{Arc, OnceLock};

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// Upper bound on a compiled regex (bytes of program); keeps a hostile custom rule from eating
/// memory.
const REGEX_SIZE_LIMIT: usize = 8 << 20;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{file}: {message}")]
    Yaml { file: String, message: String },
    #[error("{file}: rule {id}: {message}")]
    Rule {
        file: String,
        id: String,
        message: String,
    },
    #[error("{file}: rule id {id} is defined twice (also in {other})")]
    Duplicate {
        file: String,
        id: String,
        other: String,
    },
}

/// What reports need to know about a rule; shared by every finding of that rule.
#[derive(Debug, Clone, Serialize)]
pub struct RuleInfo {
    pub id: String,
    pub name: String,
    pub description: String,
    pub severity: Severity,
    pub remediation: String,
    pub references: Vec<String>,
    pub keywords: Vec<String>,
    pub validator: Option<String>,
}

/// The compiled part of a rule, built on first use.
#[derive(Debug)]
pub struct Compiled {
    pub regex: Regex,
    /// Capture group index of `secret`.
    pub secret_group: usize,
    pub allow_regexes: Vec<Regex>,
    /// `allowlist.matches`: tried on the whole match.
    pub allow_matches: Vec<Regex>,
}

/// A rule ready for the engine.
#[derive(Debug)]
pub struct Rule {
    pub info: Arc<RuleInfo>,
    pub spec: RuleSpec,
    /// Where the rule was defined (a file name), for messages.
    pub origin: String,
    pub validator: Option<Validator>,
    pub min_entropy: Option<f64>,
    pub multiline: bool,
    /// Stopwords, lowercased.
    pub stopwords: Vec<Vec<u8>>,
    /// `paths`: the files the rule runs on (a path rule), and `allowlist.paths`: the ones it
    /// does not.
    pub paths: Option<GlobSet>,
    /// `path-regex` (custom rules): a regex over the path, also making the rule a path rule.
    pub path_regex: Option<Regex>,
    pub skip_paths: Option<GlobSet>,
    compiled: OnceLock<Result<Compiled, String>>,
}

impl Rule {
    /// Checks what can be checked without compiling the regex.
    pub fn new(spec: RuleSpec, origin: &str) -> Result<Rule, LoadError> {
        let err = |message: String| LoadError::Rule {
            file: origin.to_string(),
            id: spec.id.clone(),
            message,
        };
        if !is_kebab(&spec.id) {
            return Err(err(
                "id must be kebab-case: lowercase letters, digits and single dashes".into(),
            ));
        }
        if spec.name.trim().is_empty() {
            return Err(err("name is empty".into()));
        }
        // a custom rule may have no keyword (its regex then runs over every file, see
        // `Engine::new`); built-in rules are held to keywords or paths by `load_builtin`
        if spec.keywords.iter().any(|k| k.trim().is_empty()) {
            return Err(err(
                "a keyword is empty (the prefilter only runs a rule where one occurs)".into(),
            ));
        }
        let by_path = !spec.paths.is_empty() || spec.path_regex.is_some();
        if spec.regex.trim().is_empty() && (!spec.file || !by_path) {
            return Err(err(
                "needs a regex; only a `file: true` rule with `paths` or `path-regex` may have none"
                    .into(),
            ));
        }
        if spec.file && !by_path {
            return Err(err(
                "a `file: true` rule needs `paths` or `path-regex`".into()
            ));
        }
        let paths = glob_set(&spec.paths).map_err(err)?;
        let path_regex = match &spec.path_regex {
            None => None,
            Some(r) => Some(build_regex(r).map_err(|e| err(format!("bad path-regex: {e}")))?),
        };
        let skip_paths = glob_set(&spec.allowlist.paths).map_err(err)?;
        if let Some(e) = spec.entropy
            && !(0.0..=8.0).contains(&e)
        {
            return Err(err(format!(
                "entropy {e} is out of range: it is bits per byte, from 0 to 8"
            )));
        }
        let validator = match &spec.validator {
            None => None,
            Some(v) => Some(Validator::parse(v).map_err(err)?),
        };
        let info = Arc::new(RuleInfo {
            id: spec.id.clone(),
            name: spec.name.clone(),
            description: spec.description.trim().to_string(),
            severity: spec.severity,
            remediation: spec.remediation.trim().to_string(),
            references: spec.references.clone(),
            keywords: spec.keywords.clone(),
            validator: spec.validator.clone(),
        });
        Ok(Rule {
            info,
            validator,
            min_entropy: spec.entropy,
            multiline: spec.multiline,
            stopwords: spec
                .allowlist
                .stopwords
                .iter()
                .map(|s| s.to_ascii_lowercase().into_bytes())
                .collect(),
            paths,
            path_regex,
            skip_paths,
            spec,
            origin: origin.to_string(),
            compiled: OnceLock::new(),
        })
    }

    pub fn id(&self) -> &str {
        &self.info.id
    }

    /// Whether the rule runs on files by path (`paths` or `path-regex`) rather than by keyword.
    pub fn is_path_rule(&self) -> bool {
        self.paths.is_some() || self.path_regex.is_some()
    }

    /// Whether a path rule runs on the file at `path` (relative, `/`-separated): a glob of
    /// `paths` or the `path-regex` takes it and no `allowlist.paths` glob excludes it.
    pub fn takes_path(&self, path: &str) -> bool {
        (self.paths.as_ref().is_some_and(|g| g.is_match(path))
            || self
                .path_regex
                .as_ref()
                .is_some_and(|r| r.is_match(path.as_bytes())))
            && !self.skip_paths.as_ref().is_some_and(|g| g.is_match(path))
    }

    /// The compiled regex, compiling it on first use. `Err` carries a message naming the problem.
    pub fn compiled(&self) -> Result<&Compiled, &str> {
        self.compiled
            .get_or_init(|| compile(&self.spec))
            .as_ref()
            .map_err(String::as_str)
    }

    /// Compiles now and turns a failure into a `LoadError` (used for custom rules and checks).
    pub fn compile_now(&self) -> Result<(), LoadError> {
        self.compiled().map(|_| ()).map_err(|m| LoadError::Rule {
            file: self.origin.clone(),
            id: self.id().to_string(),
            message: m.to_string(),
        })
    }
}

fn build_regex(src: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(src)
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
}

fn compile(spec: &RuleSpec) -> Result<Compiled, String> {
    // a file rule without a regex reports the file: an empty secret at its start
    let src = if spec.regex.trim().is_empty() {
        "\\A(?P<secret>)"
    } else {
        spec.regex.as_str()
    };
    let regex = build_regex(src).map_err(|e| format!("bad regex: {e}"))?;
    let secret_group = regex
        .capture_names()
        .position(|n| n == Some("secret"))
        .ok_or_else(|| {
            "regex has no (?P<secret>...) group: name the part that is the secret".to_string()
        })?;
    let all = |list: &[String], what: &str| -> Result<Vec<Regex>, String> {
        list.iter()
            .map(|r| build_regex(r).map_err(|e| format!("bad {what} {r:?}: {e}")))
            .collect()
    };
    let allow_regexes = all(&spec.allowlist.regexes, "allowlist regex")?;
    let allow_matches = all(&spec.allowlist.matches, "allowlist match regex")?;
    Ok(Compiled {
        regex,
        secret_group,
        allow_regexes,
        allow_matches,
    })
}

fn is_kebab(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Compiles path globs the way the config documents them: `*` crosses folders, `{a,b}` picks one,
/// a glob without a `/` matches a file name at any depth.
pub fn glob_set(list: &[String]) -> Result<Option<GlobSet>, String> {
    if list.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for g in list {
        let pattern = g.trim_start_matches("./");
        let pattern = if pattern.contains('/') {
            pattern.trim_start_matches('/').to_string()
        } else {
            format!("**/{pattern}")
        };
        let glob = GlobBuilder::new(&pattern)
            .literal_separator(false)
            .backslash_escape(true)
            .build()
            .map_err(|e| format!("bad path glob {g:?}: {}", e.kind()))?;
        b.add(glob);
    }
    b.build().map(Some).map_err(|e| format!("path globs: {e}"))
}

/// Parses one rule file.
pub fn parse_rule_file(file: &str, text: &str) -> Result<Vec<RuleSpec>, LoadError> {
    serde_saphyr::from_str::<RuleFileSpec>(text)
        .map(|f| f.rules)
        .map_err(|e| LoadError::Yaml {
            file: file.to_string(),
            message: e.to_string(),
        })
}

/// The built-in rule files, as (file name, contents).
pub fn builtin_files() -> &'static [(&'static str, &'static str)] {
    BUILTIN_RULE_FILES
}

/// Every built-in rule, checked and sorted by id, without their examples. The YAML was parsed at
/// build time; regexes are compiled lazily.
pub fn builtin_rules() -> Result<Vec<Rule>, LoadError> {
    load_builtin(false)
}

/// Every built-in rule with its examples and negative examples (for `rules check` and tests).
pub fn builtin_rules_with_examples() -> Result<Vec<Rule>, LoadError> {
    load_builtin(true)
}

fn load_builtin(examples: bool) -> Result<Vec<Rule>, LoadError> {
    let mut rules = Vec::new();
    for (file, spec) in builtin_specs(examples) {
        if spec.keywords.is_empty() && spec.paths.is_empty() {
            // built-in rules never run a regex over every file
            return Err(LoadError::Rule {
                file: file.to_string(),
                id: spec.id.clone(),
                message: "a built-in rule needs a keyword or `paths`".into(),
            });
        }
        rules.push(Rule::new(spec, file)?);
    }
    check_unique(&rules)?;
    rules.sort_by(|a, b| a.id().cmp(b.id()));
    Ok(rules)
}

/// Ids among `known` that share a part of three or more characters with `id` (for "did you
/// mean" messages).
pub fn similar_ids<'a>(id: &str, known: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let parts: Vec<&str> = id.split('-').filter(|p| p.len() > 2).collect();
    // more shared parts first; then the same first part (the provider); then closer in length
    let mut scored: Vec<(usize, bool, usize, &str)> = known
        .into_iter()
        .map(|k| {
            let shared = parts.iter().filter(|p| k.contains(*p)).count();
            let same_provider = k.split('-').next() == id.split('-').next();
            (shared, same_provider, k.len().abs_diff(id.len()), k)
        })
        .filter(|&(shared, ..)| shared > 0)
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    scored.into_iter().take(5).map(|(.., k)| k).collect()
}

/// Rejects two rules with one id.
pub fn check_unique(rules: &[Rule]) -> Result<(), LoadError> {
    let mut seen: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    for r in rules {
        if let Some(other) = seen.insert(r.id(), &r.origin) {
            return Err(LoadError::Duplicate {
                file: r.origin.clone(),
                id: r.id().to_string(),
                other: other.to_string(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_load_and_are_enough() {
        let rules = builtin_rules().expect("built-in rules load");
        // the README promises over 440 rules
        assert!(rules.len() >= 440, "only {} rules", rules.len());
        let without: Vec<&str> = rules
            .iter()
            .filter(|r| {
                !r.info.remediation.contains("https://")
                    && !r.info.references.iter().any(|u| u.starts_with("https://"))
            })
            .map(|r| r.id())
            .collect();
        assert!(
            without.is_empty(),
            "every rule says where to revoke (remediation text with a URL): {without:?}"
        );
        let empty: Vec<&str> = rules
            .iter()
            .filter(|r| r.info.remediation.trim().len() < 20)
            .map(|r| r.id())
            .collect();
        assert!(
            empty.is_empty(),
            "rules without remediation text: {empty:?}"
        );
    }

    #[test]
    fn kebab_ids_are_enforced() {
        assert!(is_kebab("github-pat-classic"));
        assert!(is_kebab("aws2-key"));
        assert!(!is_kebab("GitHub"));
        assert!(!is_kebab("a--b"));
        assert!(!is_kebab("-a"));
        assert!(!is_kebab(""));
    }

    #[test]
    fn a_regex_without_secret_group_is_rejected_with_the_rule_id() {
        let spec = RuleSpec {
            id: "x-token".into(),
            name: "x".into(),
            description: String::new(),
            keywords: vec!["x_".into()],
            regex: "x_[a-z]+".into(),
            paths: vec![],
            path_regex: None,
            file: false,
            entropy: None,
            validator: None,
            multiline: false,
            fallback: false,
            severity: Severity::Low,
            allowlist: AllowlistSpec::default(),
            remediation: String::new(),
            references: vec![],
            examples: vec![],
            negative: vec![],
        };
        let rule = Rule::new(spec, "custom.yml").expect("valid metadata");
        let err = rule.compile_now().expect_err("no secret group").to_string();
        assert!(
            err.contains("custom.yml") && err.contains("x-token") && err.contains("secret"),
            "{err}"
        );
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let err = parse_rule_file(
            "f.yml",
            "rules:\n  - id: a\n    name: b\n    keywords: [c]\n    regex: d\n    colour: red\n",
        )
        .expect_err("unknown key");
        assert!(err.to_string().contains("colour"), "{err}");
    }
}
