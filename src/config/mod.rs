//! `.keyhound.yml`: which rules run (built-in ones kept or dropped, some disabled, custom rules
//! in the built-in rule schema), allowlists (global or scoped to rules), and a baseline file.
//! Parsing keeps the line and column of every rule and allowlist, so each error names the file,
//! the line, the column and, for a rule, its id. Everything is checked before any scanning starts:
//! a bad custom regex stops the run, it does not silently match nothing.

pub mod gitleaks;
pub mod limits;
pub mod message;

use crate::filter::allow::{Allowlist, Allowlists, Condition, RegexTarget};
use crate::rules::{self, LoadError, Rule, RuleSpec};
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::HashSet;

/// The config schema version this build reads and writes.
pub const VERSION: u32 = 1;

/// Names a config file may have at the root of what is scanned, in order of preference.
pub const FILE_NAMES: [&str; 2] = [".keyhound.yml", ".keyhound.yaml"];

/// A config problem, with where it is.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}: {message}")]
    File { file: String, message: String },
    #[error("{file}:{line}:{column}: {message}")]
    At {
        file: String,
        line: u64,
        column: u64,
        message: String,
    },
}

/// The config file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ConfigSpec {
    version: Spanned<u32>,
    /// Keep the built-in rules (default) or run only the custom ones.
    #[serde(default = "yes")]
    builtin_rules: bool,
    /// Rule ids (built-in or custom) not to run.
    #[serde(default)]
    disable_rules: Vec<Spanned<String>>,
    /// Custom rules, in the built-in rule schema (`rules/README.md`).
    #[serde(default)]
    rules: Vec<Spanned<RuleSpec>>,
    /// Allowlists: findings that match one are not reported.
    #[serde(default)]
    allowlists: Vec<Spanned<AllowlistSpec>>,
    /// A baseline file (relative to the config's folder): findings recorded in it are not reported.
    #[serde(default)]
    baseline: Option<Spanned<String>>,
}

fn yes() -> bool {
    true
}

/// One allowlist entry as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AllowlistSpec {
    /// Why the entry exists (shown nowhere but kept for reviewers).
    #[serde(default)]
    pub description: String,
    /// Only findings of these rules; empty means every rule.
    #[serde(default)]
    pub rules: Vec<Spanned<String>>,
    /// Path globs (`tests/fixtures/**`, `**/*.lock`); `*` also crosses folders.
    #[serde(default)]
    pub paths: Vec<Spanned<String>>,
    /// Regexes over the path, for what globs cannot say.
    #[serde(default)]
    pub path_regexes: Vec<Spanned<String>>,
    /// Regexes over the secret (or the match or line: `regex-target`).
    #[serde(default)]
    pub regexes: Vec<Spanned<String>>,
    #[serde(default)]
    pub regex_target: RegexTarget,
    /// Words that, found in the secret (any case), mark it as not a secret.
    #[serde(default)]
    pub stopwords: Vec<Spanned<String>>,
    /// Commit ids (full or at least 7 hex digits) whose findings are not reported.
    #[serde(default)]
    pub commits: Vec<Spanned<String>>,
    /// `any` (default): one matching criterion is enough; `all`: every criterion given must match.
    #[serde(default)]
    pub condition: Condition,
}

/// A loaded config: the rules to run and what to leave out.
#[derive(Debug)]
pub struct Config {
    /// Where it came from (a path, or `REF:.keyhound.yml`); empty for the default config.
    pub origin: String,
    pub rules: Vec<Rule>,
    /// Ids of the custom rules among `rules`.
    pub custom: Vec<String>,
    pub allowlists: Allowlists,
    /// The `baseline:` key.
    pub baseline: Option<BaselineRef>,
}

/// The `baseline:` key: the path as written (relative to the config's folder) and where it is
/// written, so that a problem with it is reported by place, not by echoing the value.
#[derive(Debug, Clone)]
pub struct BaselineRef {
    pub path: String,
    pub line: u64,
    pub column: u64,
}

impl BaselineRef {
    /// The path, when it reads as a baseline's file name (`….json`, plain characters): then it
    /// is a name and may be shown; anything else written there may be a pasted value.
    pub fn shown(&self) -> Option<&str> {
        let p = self.path.as_str();
        (p.len() <= 200
            && p.ends_with(".json")
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c)))
        .then_some(p)
    }
}

impl Config {
    /// An error about the baseline the config names, at the `baseline:` key.
    pub fn baseline_error(&self, message: impl std::fmt::Display) -> ConfigError {
        match &self.baseline {
            Some(b) => ConfigError::At {
                file: self.origin.clone(),
                line: b.line,
                column: b.column,
                message: match b.shown() {
                    Some(path) => format!("the baseline named here ({path}): {message}"),
                    None => format!("the baseline named here: {message}"),
                },
            },
            None => ConfigError::File {
                file: self.origin.clone(),
                message: message.to_string(),
            },
        }
    }
}

impl Config {
    /// No config file: the built-in rules, no allowlists.
    pub fn builtin() -> Result<Config, ConfigError> {
        let rules = rules::builtin_rules().map_err(|e| ConfigError::File {
            file: "built-in rules".into(),
            message: format!("{e} (a bug: please report it)"),
        })?;
        Ok(Config {
            origin: String::new(),
            rules,
            custom: Vec::new(),
            allowlists: Allowlists::default(),
            baseline: None,
        })
    }

    /// Parses and checks a config file's text. `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Config, ConfigError> {
        let spec: ConfigSpec = serde_saphyr::from_str(text).map_err(|e| yaml_error(file, &e))?;
        let at = |loc: &serde_saphyr::Location, message: String| ConfigError::At {
            file: file.to_string(),
            line: loc.line(),
            column: loc.column(),
            message,
        };
        if spec.version.value != VERSION {
            return Err(at(
                &spec.version.referenced,
                format!(
                    "version {} is not one this keyhound reads; write `version: {VERSION}`",
                    spec.version.value
                ),
            ));
        }
        let mut rules = if spec.builtin_rules {
            Config::builtin()?.rules
        } else {
            Vec::new()
        };
        let builtin_ids: HashSet<String> = rules.iter().map(|r| r.id().to_string()).collect();
        let mut custom_ids = HashSet::new();
        for r in spec.rules {
            let loc = r.referenced;
            let id = r.value.id.clone();
            // the id is shown only when it reads as an id: a value pasted there is not echoed
            let name = if message::showable_id(&id) {
                format!("rule {id}")
            } else {
                "this rule".to_string()
            };
            let rule_err = |e: LoadError| {
                let message = match e {
                    LoadError::Rule { message, .. } => {
                        format!("{name}: {}", message::scrub(&message))
                    }
                    other => message::scrub(&other.to_string()),
                };
                at(&loc, message)
            };
            if builtin_ids.contains(&id) {
                return Err(at(
                    &loc,
                    format!(
                        "rule {id}: a built-in rule has this id; give the custom rule its own id, or \
                         set `builtin-rules: false`, or list {id} under `disable-rules` and rename yours"
                    ),
                ));
            }
            if !custom_ids.insert(id.clone()) {
                return Err(at(&loc, format!("{name}: defined twice in this file")));
            }
            if let Some(i) = r
                .value
                .keywords
                .iter()
                .position(|k| !k.trim().is_empty() && k.len() < crate::scan::MIN_KEYWORD)
            {
                return Err(at(
                    &loc,
                    format!(
                        "{name}: keyword {} is shorter than {} characters (the prefilter needs at \
                         least {}); use a longer, more specific one",
                        i + 1,
                        crate::scan::MIN_KEYWORD,
                        crate::scan::MIN_KEYWORD
                    ),
                ));
            }
            let rule = Rule::new(r.value, file).map_err(rule_err)?;
            rule.compile_now().map_err(rule_err)?;
            rules.push(rule);
        }
        let known: Vec<String> = rules.iter().map(|r| r.id().to_string()).collect();
        let check_id = |id: &Spanned<String>| -> Result<(), ConfigError> {
            if known.iter().any(|k| k == &id.value) {
                Ok(())
            } else {
                Err(at(&id.referenced, unknown_rule(&id.value, &known)))
            }
        };
        let mut disabled = HashSet::new();
        for id in &spec.disable_rules {
            check_id(id)?;
            disabled.insert(id.value.clone());
        }
        rules.retain(|r| !disabled.contains(r.id()));
        if rules.is_empty() {
            return Err(ConfigError::File {
                file: file.to_string(),
                message:
                    "no rules are left to run: keep the built-in rules (`builtin-rules: true`) \
                          or add custom rules"
                        .into(),
            });
        }
        rules.sort_by(|a, b| a.id().cmp(b.id()));
        let mut custom: Vec<String> = custom_ids
            .into_iter()
            .filter(|id| !disabled.contains(id))
            .collect();
        custom.sort();
        let mut entries = Vec::new();
        for a in spec.allowlists {
            for id in &a.value.rules {
                if !known.iter().any(|k| k == &id.value) {
                    return Err(at(&id.referenced, unknown_rule(&id.value, &known)));
                }
            }
            let entry = Allowlist::new(&a.value)
                .map_err(|e| at(&e.at.unwrap_or(a.referenced), e.message))?;
            entries.push(entry);
        }
        Ok(Config {
            origin: file.to_string(),
            rules,
            custom,
            allowlists: Allowlists::new(entries),
            baseline: spec.baseline.map(|b| BaselineRef {
                path: b.value,
                line: b.referenced.line(),
                column: b.referenced.column(),
            }),
        })
    }

    /// Reads and parses a config file of at most `max_size` bytes.
    pub fn load(path: &std::path::Path, max_size: u64) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let text = limits::read_text(path, limits::Kind::Config, max_size).map_err(|e| {
            ConfigError::File {
                file: file.clone(),
                message: match e {
                    limits::ReadError::Io(e) => format!("cannot read the config file: {e}"),
                    too_large => too_large.to_string(),
                },
            }
        })?;
        Config::parse(&file, &text)
    }
}

/// An unknown rule id: not echoed (it is whatever was written there), but known ids that look
/// like it are suggested.
fn unknown_rule(id: &str, known: &[String]) -> String {
    let near = rules::similar_ids(id, known.iter().map(String::as_str));
    if near.is_empty() {
        "no rule has the id written here; `keyhound rules list` shows them".to_string()
    } else {
        format!(
            "no rule has the id written here; did you mean {}?",
            near.join(", ")
        )
    }
}

/// A YAML or schema error, with its place when the parser knows it, and without the parser's
/// snippet of neighbouring lines or any quoted value (`message::scrub`).
pub fn yaml_error(file: &str, e: &serde_saphyr::Error) -> ConfigError {
    let message = message::scrub(&strip_place(&e.without_snippet().to_string()));
    match e.location() {
        Some(loc) if loc.line() > 0 => ConfigError::At {
            file: file.to_string(),
            line: loc.line(),
            column: loc.column(),
            message,
        },
        _ => ConfigError::File {
            file: file.to_string(),
            message,
        },
    }
}

/// The parser's message without its own place (`error: line L column C: …` or `… at line L
/// column C`): the error prints the place once, as `file:line:column:`.
pub fn strip_place(message: &str) -> String {
    let first = message.lines().next().unwrap_or(message);
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let first = match first.strip_prefix("line ") {
        Some(rest) => match rest.find(": ") {
            Some(i)
                if rest[..i]
                    .split(' ')
                    .all(|w| w == "column" || w.bytes().all(|b| b.is_ascii_digit())) =>
            {
                &rest[i + 2..]
            }
            _ => first,
        },
        None => first,
    };
    match first.rfind(" at line ") {
        Some(i) => first[..i].to_string(),
        None => first.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        Config::parse("cfg.yml", text)
            .expect_err("should be rejected")
            .to_string()
    }

    #[test]
    fn a_minimal_config_keeps_the_builtin_rules() {
        let c = Config::parse("cfg.yml", "version: 1\n").expect("loads");
        assert_eq!(c.rules.len(), rules::builtin_rules().expect("rules").len());
    }

    #[test]
    fn unknown_keys_are_rejected_with_line_and_column() {
        let e = err("version: 1\nallowlist:\n  paths: [x]\n");
        assert!(e.starts_with("cfg.yml:2:"), "{e}");
        assert!(e.contains("allowlist"), "{e}");
    }

    #[test]
    fn a_missing_or_wrong_version_is_an_error() {
        assert!(err("builtin-rules: true\n").contains("version"));
        let e = err("version: 7\n");
        assert!(e.starts_with("cfg.yml:1:10:"), "{e}");
    }

    #[test]
    fn a_bad_custom_regex_names_file_line_column_and_rule() {
        let text = "version: 1\nrules:\n  - id: acme-token\n    name: Acme token\n    keywords: [acme_]\n    regex: 'acme_(?P<secret>[a-z]{32'\n";
        let e = err(text);
        assert!(e.starts_with("cfg.yml:3:5:"), "{e}");
        assert!(e.contains("acme-token") && e.contains("regex"), "{e}");
    }

    #[test]
    fn custom_rules_are_added_and_rules_can_be_disabled() {
        let text = "version: 1\nbuiltin-rules: false\nrules:\n  - id: acme-token\n    name: Acme token\n    keywords: [acme_]\n    regex: 'acme_(?P<secret>[a-z]{8})'\n  - id: acme-other\n    name: other\n    keywords: [acmo_]\n    regex: 'acmo_(?P<secret>[a-z]{8})'\ndisable-rules: [acme-other]\n";
        let c = Config::parse("cfg.yml", text).expect("loads");
        let ids: Vec<&str> = c.rules.iter().map(Rule::id).collect();
        assert_eq!(ids, vec!["acme-token"]);
    }

    #[test]
    fn unknown_rule_ids_are_caught_where_they_are_written() {
        let e = err("version: 1\ndisable-rules: [github-pat-clasic]\n");
        assert!(e.starts_with("cfg.yml:2:17:"), "{e}");
        assert!(e.contains("github-pat-classic"), "{e}");
        let e = err("version: 1\nallowlists:\n  - rules: [nope-nope]\n    paths: [x]\n");
        assert!(e.starts_with("cfg.yml:3:"), "{e}");
        assert!(!e.contains("nope-nope"), "{e}");
    }

    #[test]
    fn a_custom_rule_may_not_take_a_builtin_id() {
        let text = "version: 1\nrules:\n  - id: github-pat-classic\n    name: x\n    keywords: [ghp_]\n    regex: 'ghp_(?P<secret>x)'\n";
        assert!(err(text).contains("built-in rule has this id"));
    }

    #[test]
    fn an_empty_allowlist_entry_or_bad_glob_is_an_error() {
        let e = err("version: 1\nallowlists:\n  - description: nothing\n");
        assert!(
            e.starts_with("cfg.yml:3:5:") && e.contains("no paths"),
            "{e}"
        );
        let e = err("version: 1\nallowlists:\n  - paths: ['a[']\n");
        assert!(
            e.starts_with("cfg.yml:3:") && e.contains("path glob 1"),
            "{e}"
        );
        assert!(!e.contains("a["), "{e}");
    }

    // a value pasted where a name belongs (not key-shaped: this repository holds no key-shaped text)
    const SECRET: &str = "pasted_Abcdefghijklmnopqrstuvwxyz0123456789";

    #[test]
    fn no_error_echoes_a_value_written_in_the_config() {
        let cases = [
            format!("version: 1\nallowlists:\n  - regexes: ['{SECRET}(']\n"),
            format!("version: 1\n{SECRET}: 1\n"),
            format!("version: 1\ndisable-rules: [{SECRET}]\n"),
            format!("version: 1\nallowlists:\n  - paths: ['{SECRET}[']\n"),
            format!("version: 1\nallowlists:\n  - rules: [{SECRET}]\n    paths: [x]\n"),
            format!("version: 1\nallowlists:\n  - commits: [{SECRET}]\n"),
            format!("version: {SECRET}\n"),
            format!("version: 1\nbuiltin-rules: {SECRET}\n"),
            format!("version: 1\n# {SECRET}\nrules:\n  - id: x-y\n    keywords: [abc\n"),
            format!(
                "version: 1\nrules:\n  - id: {SECRET}\n    name: x\n    keywords: [abc]\n    regex: 'abc(?P<secret>x)'\n"
            ),
            format!(
                "version: 1\nrules:\n  - id: acme-key\n    name: x\n    keywords: [abc]\n    regex: 'abc(?P<secret>{SECRET}'\n"
            ),
            format!(
                "version: 1\nrules:\n  - id: acme-key\n    name: x\n    keywords: [abc]\n    regex: 'abc(?P<secret>x)'\n    severity: {SECRET}\n"
            ),
            format!(
                "version: 1\nrules:\n  - id: acme-key\n    name: x\n    keywords: [abc]\n    regex: 'abc(?P<secret>x)'\n    allowlist:\n      regexes: ['{SECRET}(']\n"
            ),
        ];
        for text in &cases {
            let e = err(text);
            assert!(e.starts_with("cfg.yml:"), "{e}");
            assert!(!e.contains("Abcdefghij"), "{text}\n{e}");
        }
    }

    #[test]
    fn one_bad_allowlist_regex_is_an_error_at_its_place() {
        let e = err(
            "version: 1\nallowlists:\n  - regexes:\n      - '^ghp_'\n      - '(?:[a-z]{1000}){1000}'\n",
        );
        assert!(e.starts_with("cfg.yml:5:"), "{e}");
        assert!(e.contains("regex 2 of this entry does not compile"), "{e}");
    }

    #[test]
    fn a_short_keyword_of_a_custom_rule_is_caught_at_the_rule() {
        let e = err(
            "version: 1\nrules:\n  - id: acme-key\n    name: x\n    keywords: [acme, ac]\n    regex: 'acme(?P<secret>x)'\n",
        );
        assert!(e.starts_with("cfg.yml:3:5:"), "{e}");
        assert!(e.contains("keyword 2 is shorter than 3"), "{e}");
    }

    #[test]
    fn a_baseline_path_is_shown_only_when_it_reads_as_a_file_name() {
        let c = Config::parse("cfg.yml", "version: 1\nbaseline: ci/known.json\n").expect("loads");
        let b = c.baseline.as_ref().expect("baseline");
        assert_eq!((b.line, b.column), (2, 11));
        assert_eq!(b.shown(), Some("ci/known.json"));
        let c =
            Config::parse("cfg.yml", &format!("version: 1\nbaseline: {SECRET}\n")).expect("loads");
        assert_eq!(c.baseline.as_ref().and_then(BaselineRef::shown), None);
    }

    #[test]
    fn parser_places_are_given_once() {
        assert_eq!(
            strip_place("error: line 2 column 1: unknown field"),
            "unknown field"
        );
        assert_eq!(strip_place("bad thing at line 2 column 1"), "bad thing");
        assert_eq!(strip_place("line of text: x"), "line of text: x");
        let e = err("version: 1\nbuiltin-rules: maybe\n");
        assert!(!e.contains("line 2"), "{e}");
    }
}
