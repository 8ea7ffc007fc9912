//! `keyhound config import-gitleaks`: turns a gitleaks TOML config into an equivalent
//! `.keyhound.yml` and says what could not be carried over.
//!
//! What maps: `[extend] useDefault` (and `extend = true`: keep the built-in rules), custom
//! `[[rules]]` (regex with its secret group named `secret`, keywords, or keywords derived from the
//! regex, or none: then the rule's regex runs over every file; entropy, description; `path` as the
//! rule's `path-regex`, a path-only rule as a `file: true` path rule), rule allowlists
//! (`[rules.allowlist]` and `[[rules.allowlists]]`) and global ones (`[allowlist]`,
//! `[[allowlists]]` with `targetRules`), with their paths (as `path-regexes`), regexes and
//! `regexTarget`, stopwords, commits and `condition`. gitleaks' `generic-api-key` maps to
//! keyhound's generic rules in `disabledRules` and `targetRules` alike. What does not:
//! `[extend] path`/`url` (import that file too), gitleaks' other default rule ids (keyhound's
//! built-in rules are different rules), and regexes Rust's engine cannot compile.

//!
//! This file maps the TOML schema onto keyhound's; `pattern.rs` derives what a gitleaks regex
//! implies (the secret group, keywords); `yaml.rs` writes the result. Messages and notes name
//! places (`line N`) and known names, never a value from the file.

mod pattern;
mod yaml;

use super::Config;
use super::message::{scrub, showable_id};
use crate::rules::{AllowlistSpec as RuleAllowlist, Rule, RuleSpec, Severity};
use pattern::{literal_keywords, name_secret_group};
use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{file}: {message}")]
    File { file: String, message: String },
    #[error("{file}:{line}:{column}: {message}")]
    At {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, column)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct GlConfig {
    title: Option<String>,
    #[serde(deserialize_with = "extend_table_or_flag")]
    extend: Option<GlExtend>,
    rules: Vec<Spanned<GlRule>>,
    allowlist: Option<Spanned<GlAllowlist>>,
    allowlists: Vec<Spanned<GlAllowlist>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct GlExtend {
    use_default: bool,
    path: Option<String>,
    url: Option<String>,
    disabled_rules: Vec<String>,
    /// Written `extend = true` (gitleaks itself rejects that form).
    #[serde(skip)]
    flag: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct GlRule {
    id: String,
    description: Option<String>,
    regex: Option<String>,
    secret_group: Option<usize>,
    entropy: Option<f64>,
    keywords: Vec<String>,
    path: Option<String>,
    tags: Vec<String>,
    allowlist: Option<Spanned<GlAllowlist>>,
    allowlists: Vec<Spanned<GlAllowlist>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct GlAllowlist {
    description: Option<String>,
    condition: Option<String>,
    commits: Vec<String>,
    paths: Vec<String>,
    regex_target: Option<String>,
    regexes: Vec<String>,
    stopwords: Vec<String>,
    target_rules: Vec<String>,
}

/// `[extend]` as a table, or `extend = true` (keep the default rules: what a user writing it
/// means). Its own visitor, so that a wrong type is named in TOML's words, not by a Rust type.
fn extend_table_or_flag<'de, D>(d: D) -> Result<Option<GlExtend>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Option<GlExtend>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an [extend] table or true")
        }
        fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(GlExtend {
                use_default: v,
                flag: true,
                ..GlExtend::default()
            }))
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            GlExtend::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Some)
        }
    }
    d.deserialize_any(V)
}

/// A TOML/serde message with the Rust type names of this schema put in the config's words.
fn plain_types(message: &str) -> String {
    [
        ("struct GlConfig", "a gitleaks config"),
        ("struct GlExtend", "an [extend] table"),
        ("struct GlRule", "a [[rules]] table"),
        ("struct GlAllowlist", "an allowlist table"),
        ("GlConfig", "the config"),
        ("GlExtend", "[extend]"),
        ("GlRule", "[[rules]]"),
        ("GlAllowlist", "allowlist"),
    ]
    .iter()
    .fold(message.to_string(), |m, (from, to)| m.replace(from, to))
}

/// The result of an import: the YAML to write and what was left behind.
#[derive(Debug)]
pub struct Imported {
    pub yaml: String,
    pub rules: usize,
    pub allowlists: usize,
    /// One line per thing that could not be carried over (left out).
    pub notes: Vec<String>,
    /// One line per thing that was carried over with a change (a new id, derived keywords, a
    /// rule without keywords, a target mapped to keyhound's rules).
    pub changes: Vec<String>,
}

/// Keyhound's counterparts of gitleaks default rule ids, for `disabledRules`.
fn counterpart(gitleaks_id: &str) -> &'static [&'static str] {
    match gitleaks_id {
        "generic-api-key" => &["generic-secret", "generic-password"],
        _ => &[],
    }
}

/// Converts the text of a gitleaks config. `file` names it in messages.
pub fn import(file: &str, text: &str) -> Result<Imported, ImportError> {
    let gl: GlConfig = toml::from_str(text).map_err(|e| {
        let message = format!(
            "not a gitleaks TOML config: {}",
            scrub(&plain_types(&e.message().replace('\n', " ")))
        );
        match e.span() {
            Some(span) => {
                let (line, column) = line_col(text, span.start);
                ImportError::At {
                    file: file.to_string(),
                    line,
                    column,
                    message,
                }
            }
            None => ImportError::File {
                file: file.to_string(),
                message,
            },
        }
    })?;
    let line_of = |offset: usize| line_col(text, offset).0;
    let mut notes = Vec::new();
    let mut changes = Vec::new();
    let builtin = Config::builtin().map_err(|e| ImportError::File {
        file: file.to_string(),
        message: e.to_string(),
    })?;
    let builtin_ids: Vec<&str> = builtin.rules.iter().map(Rule::id).collect();

    let use_default = match &gl.extend {
        Some(e) => e.use_default,
        None => gl.rules.is_empty(),
    };
    let mut disable: Vec<String> = Vec::new();
    if let Some(e) = &gl.extend {
        if e.flag {
            changes.push(format!(
                "`extend = {}` (gitleaks itself wants an [extend] table) is read as [extend] useDefault = {}",
                e.use_default, e.use_default
            ));
        }
        if e.path.is_some() || e.url.is_some() {
            notes.push(
                "[extend] path/url: keyhound does not extend another gitleaks file; import that one too and merge the rules by hand".into()
            );
        }
        for (i, id) in e.disabled_rules.iter().enumerate() {
            if !use_default {
                // without the default rules there is nothing of gitleaks' to disable
                continue;
            }
            let ours: Vec<&str> = counterpart(id)
                .iter()
                .copied()
                .filter(|c| builtin_ids.contains(c))
                .collect();
            if ours.is_empty() {
                let which = if showable_id(id) {
                    id.clone()
                } else {
                    format!("entry {}", i + 1)
                };
                notes.push(format!(
                    "disabledRules {which}: gitleaks' default rules are not keyhound's; no built-in keyhound rule has this id (`keyhound rules list` shows them)"
                ));
            } else {
                disable.extend(ours.iter().map(|s| s.to_string()));
            }
        }
    }
    if gl.extend.is_none() && gl.rules.is_empty() {
        notes.push(
            "no [extend] and no [[rules]]: gitleaks would run no rules; keyhound keeps its built-in rules".into(),
        );
    }

    let mut rules: Vec<RuleSpec> = Vec::new();
    let mut allowlists: Vec<(AllowlistOut, String)> = Vec::new();
    let mut ids_seen: Vec<String> = Vec::new();
    for spanned in &gl.rules {
        let r = spanned.get_ref();
        let id = kebab(&r.id);
        // how notes name the rule: its id when it reads as one, else its line
        let at = format!("line {}", line_of(spanned.span().start));
        let name = if showable_id(&id) {
            format!("rule {id} ({at})")
        } else {
            format!("the rule at {at}")
        };
        match convert_rule(r, &id, file) {
            Err(why) => notes.push(format!("{name}: {why}; left out")),
            Ok(_) if !showable_id(&id) => notes.push(format!(
                "{name}: its id does not read as a rule id; give it one (lowercase words and dashes) and import again; left out"
            )),
            Ok(_) if ids_seen.contains(&id) || (use_default && builtin_ids.contains(&id.as_str())) => {
                notes.push(format!(
                    "{name}: its id is already taken (a built-in keyhound rule or an earlier rule); left out"
                ))
            }
            Ok((spec, rule_changes)) => {
                if id != r.id {
                    changes.push(format!(
                        "{name}: its gitleaks id is not kebab-case; keyhound's id is {id}"
                    ));
                }
                changes.extend(rule_changes.into_iter().map(|c| format!("{name}: {c}")));
                ids_seen.push(id.clone());
                for a in r.allowlist.iter().chain(&r.allowlists) {
                    let at = format!("the allowlist at line {}", line_of(a.span().start));
                    match convert_allowlist(a.get_ref(), vec![id.clone()], &at, &mut notes) {
                        Some(out) => allowlists.push((out, format!("rule {id}"))),
                        None => notes.push(format!("{at} (of {name}): empty; left out")),
                    }
                }
                rules.push(spec);
            }
        }
    }
    for spanned in gl.allowlist.iter().chain(&gl.allowlists) {
        let a = spanned.get_ref();
        let at = format!("the allowlist at line {}", line_of(spanned.span().start));
        // each target as keyhound rule ids: an imported rule, a built-in one of the same id, or
        // keyhound's counterparts of a gitleaks default rule (as for disabledRules)
        let mut known: Vec<String> = Vec::new();
        let mut unknown = 0;
        for t in &a.target_rules {
            let k = kebab(t);
            let ours: Vec<String> = if ids_seen.contains(&k) {
                vec![k]
            } else if !use_default {
                vec![]
            } else if builtin_ids.contains(&k.as_str()) {
                vec![k]
            } else {
                let mapped: Vec<String> = counterpart(t)
                    .iter()
                    .filter(|c| builtin_ids.contains(c))
                    .map(|c| c.to_string())
                    .collect();
                if !mapped.is_empty() {
                    changes.push(format!(
                        "{at}: targetRules {t} is keyhound's {}",
                        mapped.join(" and ")
                    ));
                }
                mapped
            };
            if ours.is_empty() {
                unknown += 1;
            }
            for o in ours {
                if !known.contains(&o) {
                    known.push(o);
                }
            }
        }
        if !a.target_rules.is_empty() && known.is_empty() {
            notes.push(format!(
                "{at}: none of its targetRules is a rule in keyhound; left out"
            ));
            continue;
        }
        if unknown > 0 {
            notes.push(format!(
                "{at}: {unknown} of its targetRules are not rules in keyhound and were dropped from it"
            ));
        }
        match convert_allowlist(a, known, &at, &mut notes) {
            Some(out) => allowlists.push((out, "global".into())),
            None => notes.push(format!("{at}: empty; left out")),
        }
    }

    let yaml = yaml::render(
        file,
        gl.title.as_deref(),
        use_default,
        &disable,
        &rules,
        &allowlists,
        &yaml::Notes {
            left_out: &notes,
            changed: &changes,
        },
    );
    if !use_default && rules.is_empty() {
        return Err(ImportError::File {
            file: file.to_string(),
            message: format!(
                "nothing to run: it does not extend gitleaks' default rules and none of its rules carries over ({})",
                notes.join("; ")
            ),
        });
    }
    // what we write must load: a failure here is a bug in this converter, not in the input
    Config::parse(".keyhound.yml", &yaml).map_err(|e| ImportError::File {
        file: file.to_string(),
        message: format!("the converted config does not load ({e}); please report this"),
    })?;
    Ok(Imported {
        yaml,
        rules: rules.len(),
        allowlists: allowlists.len(),
        notes,
        changes,
    })
}

/// Converts one rule (its id already kebab-case); `Err` says why it is left out (no value from
/// the file), `Ok` carries what changed on the way.
fn convert_rule(r: &GlRule, id: &str, file: &str) -> Result<(RuleSpec, Vec<String>), String> {
    let mut changes = Vec::new();
    let path = r.path.as_deref().filter(|p| !p.is_empty());
    let regex = r.regex.as_deref().filter(|s| !s.is_empty());
    if regex.is_none() && path.is_none() {
        return Err("it has neither a regex nor a path".into());
    }
    let regex = match regex {
        None => String::new(),
        Some(regex) => {
            let (re, note) = name_secret_group(regex, r.secret_group).map_err(|m| scrub(&m))?;
            changes.extend(note);
            re
        }
    };
    let mut keywords: Vec<String> = r
        .keywords
        .iter()
        .map(|k| k.to_ascii_lowercase())
        .filter(|k| k.trim().len() >= crate::scan::MIN_KEYWORD)
        .collect();
    if keywords.len() < r.keywords.len() {
        changes.push(format!(
            "keywords shorter than {} characters were dropped (keyhound's prefilter needs at least {})",
            crate::scan::MIN_KEYWORD,
            crate::scan::MIN_KEYWORD
        ));
    }
    if keywords.is_empty() && path.is_none() {
        match literal_keywords(&regex) {
            Some(k) => {
                changes.push(format!(
                    "no usable keywords; {} derived from the regex (text every match contains)",
                    k.len()
                ));
                keywords = k;
            }
            None => changes.push(NO_KEYWORD_COST.to_string()),
        }
    }
    if path.is_some() {
        changes.push(if regex.is_empty() {
            "a path-only rule: a `file: true` rule with its `path` as `path-regex` (one finding per file)".to_string()
        } else {
            "its `path` is the rule's `path-regex`: it runs on those files only, over the whole file".to_string()
        });
    }
    let spec = RuleSpec {
        id: id.to_string(),
        name: r
            .description
            .clone()
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| r.id.clone()),
        description: if r.tags.is_empty() {
            String::new()
        } else {
            format!("gitleaks tags: {}", r.tags.join(", "))
        },
        keywords,
        file: regex.is_empty(),
        regex,
        paths: vec![],
        path_regex: path.map(str::to_string),
        entropy: r.entropy.filter(|e| *e > 0.0),
        validator: None,
        multiline: false,
        fallback: false,
        severity: Severity::High,
        allowlist: RuleAllowlist::default(),
        remediation: String::new(),
        references: vec![],
        examples: vec![],
        negative: vec![],
    };
    if let Err(e) = Rule::new(spec.clone(), file).and_then(|rule| rule.compile_now()) {
        return Err(match e {
            crate::rules::LoadError::Rule { message, .. } => scrub(&message),
            other => scrub(&other.to_string()),
        });
    }
    Ok((spec, changes))
}

/// The note on a rule kept without keywords. Measured with `keyhound dir` over 17 MiB of Rust
/// source (40 files) with the built-in rules: CPU time 1.97 s alone, 2.4-2.5 s with one such rule
/// (a digit/letter shape, a gitleaks-style generic assignment), 2.87 s with both.
const NO_KEYWORD_COST: &str = "no keywords, and none can be derived from its regex: kept without a prefilter keyword, so its regex runs over the whole of every file (measured: each such rule adds about a quarter to the CPU time of a scan with the built-in rules); add `keywords:` (text every match contains) to make it cheap";

/// One allowlist as it will be written.
struct AllowlistOut {
    description: String,
    rules: Vec<String>,
    path_regexes: Vec<String>,
    regexes: Vec<String>,
    regex_target: Option<&'static str>,
    stopwords: Vec<String>,
    commits: Vec<String>,
    all: bool,
}

/// Converts one allowlist; what does not carry over is noted under `at` (its place).
fn convert_allowlist(
    a: &GlAllowlist,
    rules: Vec<String>,
    at: &str,
    notes: &mut Vec<String>,
) -> Option<AllowlistOut> {
    let regex_target = match a
        .regex_target
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("secret") | Some("") => None,
        Some("match") => Some("match"),
        Some("line") => Some("line"),
        Some(_) => {
            notes.push(format!(
                "{at}: its regexTarget is none of secret, match, line; the secret is tested"
            ));
            None
        }
    };
    let mut path_regexes = Vec::new();
    for (i, p) in a.paths.iter().enumerate() {
        match crate::filter::allow::check_regex(p) {
            Ok(()) => path_regexes.push(p.clone()),
            Err(e) => notes.push(format!(
                "{at}: path {} does not compile in Rust ({e}); left out",
                i + 1
            )),
        }
    }
    let mut regexes = Vec::new();
    for (i, r) in a.regexes.iter().enumerate() {
        match crate::filter::allow::check_regex(r) {
            Ok(()) => regexes.push(r.clone()),
            Err(e) => notes.push(format!(
                "{at}: regex {} does not compile in Rust ({e}); left out",
                i + 1
            )),
        }
    }
    let mut commits = Vec::new();
    for (i, c) in a.commits.iter().enumerate() {
        if c.len() >= 7 && c.len() <= 64 && c.bytes().all(|b| b.is_ascii_hexdigit()) {
            commits.push(c.clone());
        } else {
            notes.push(format!(
                "{at}: commit {} is not a commit id; left out",
                i + 1
            ));
        }
    }
    let stopwords: Vec<String> = a
        .stopwords
        .iter()
        .filter(|s| !s.trim().is_empty())
        .cloned()
        .collect();
    if path_regexes.is_empty() && regexes.is_empty() && commits.is_empty() && stopwords.is_empty() {
        return None;
    }
    Some(AllowlistOut {
        description: a.description.clone().unwrap_or_default(),
        rules,
        path_regexes,
        regexes,
        regex_target,
        stopwords,
        commits,
        all: a
            .condition
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case("and")),
    })
}

/// A gitleaks id as a keyhound id: lowercase, runs of other characters as one dash.
fn kebab(id: &str) -> String {
    let mut out = String::new();
    for c in id.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "imported-rule".into()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // a value pasted where a name belongs (not key-shaped: this repository holds no key-shaped text)
    const SECRET: &str = "pasted_Abcdefghijklmnopqrstuvwxyz0123456789";

    #[test]
    fn ids_become_kebab_case() {
        assert_eq!(kebab("My_Rule ID"), "my-rule-id");
    }

    #[test]
    fn parse_errors_name_line_and_column_and_no_value() {
        let text = format!("title = \"x\"\n\n[extend]\nuseDefault = \"{SECRET}\"\n");
        let e = import("gl.toml", &text).expect_err("bad type").to_string();
        assert!(e.starts_with("gl.toml:4:14:"), "{e}");
        assert!(!e.contains("Abcdefghij"), "{e}");
        let e = import("gl.toml", "[[rules]\nid = 1\n")
            .expect_err("bad TOML")
            .to_string();
        assert!(e.starts_with("gl.toml:1:"), "{e}");
    }

    #[test]
    fn notes_name_places_not_values() {
        let text = format!(
            "[[rules]]\nid = \"acme\"\nregex = 'acme_[a-z]{{8}}'\n\n[allowlist]\nregexes = ['{SECRET}(']\ncommits = [\"{SECRET}\"]\n"
        );
        let imported = import("gl.toml", &text).expect("imports");
        let notes = imported.notes.join("\n");
        assert!(notes.contains("line 5"), "{notes}");
        assert!(!notes.contains("Abcdefghij"), "{notes}");
        assert!(!imported.yaml.contains("Abcdefghij"), "{}", imported.yaml);
    }

    fn imported(text: &str) -> Imported {
        import("gl.toml", text).unwrap_or_else(|e| panic!("imports: {e}"))
    }

    #[test]
    fn extend_true_keeps_the_default_rules_and_wrong_types_name_no_rust_type() {
        let i = imported("extend = true\n");
        assert!(i.yaml.contains("builtin-rules: true"), "{}", i.yaml);
        for text in [
            "extend = 3\n",
            "rules = 3\n",
            "[[rules]]\nallowlist = 3\n",
            "[allowlist]\npaths = 3\n",
        ] {
            let e = import("gl.toml", text).expect_err("wrong type").to_string();
            assert!(
                e.starts_with("gl.toml:1:") || e.starts_with("gl.toml:2:"),
                "{e}"
            );
            assert!(!e.contains("Gl") && !e.contains("struct"), "{e}");
        }
    }

    #[test]
    fn a_literal_before_a_space_class_carries_over_with_one_keyword() {
        let i = imported("[[rules]]\nid = \"s\"\nregex = '''secret_key\\s*=\\s*[a-z]+'''\n");
        assert!(i.yaml.contains("keywords: ['secret_key']"), "{}", i.yaml);
        assert_eq!(i.rules, 1);
        assert!(i.notes.is_empty(), "{:?}", i.notes);
        assert!(i.yaml.chars().all(|c| c == '\n' || !c.is_control()));
        // a control character in the title is escaped in the comment that shows it
        let i = imported("title = \"a\\u000bb\"\n[extend]\nuseDefault = true\n");
        assert!(i.yaml.contains("# gitleaks title: a\\u{b}b"), "{}", i.yaml);
    }

    #[test]
    fn a_rule_without_derivable_keywords_is_kept_with_the_cost_said() {
        let i = imported("[[rules]]\nid = \"shape\"\nregex = '''\\b[0-9]{6}[A-Z]{6}\\b'''\n");
        assert_eq!(i.rules, 1, "{:?}", i.notes);
        assert!(!i.yaml.contains("    keywords:"), "{}", i.yaml);
        let changes = i.changes.join("\n");
        assert!(
            changes.contains("every file") && changes.contains("CPU"),
            "{changes}"
        );
        let config = Config::parse(".keyhound.yml", &i.yaml).expect("loads");
        assert!(config.custom.contains(&"shape".to_string()));
    }

    #[test]
    fn path_rules_carry_over_as_path_regex() {
        let i = imported(
            "[[rules]]\nid = \"env\"\npath = '''(^|/)\\.env$'''\n\n[[rules]]\nid = \"dep\"\nregex = '''tok_([a-z]{8})'''\npath = '''^deploy/'''\n",
        );
        assert_eq!(i.rules, 2, "{:?}", i.notes);
        assert!(
            i.yaml
                .contains("path-regex: '(^|/)\\.env$'\n    file: true"),
            "{}",
            i.yaml
        );
        assert!(i.yaml.contains("path-regex: '^deploy/'"), "{}", i.yaml);
        assert!(i.notes.is_empty(), "{:?}", i.notes);
    }

    #[test]
    fn target_rules_map_like_disabled_rules_and_need_the_default_rules() {
        let text = "[extend]\nuseDefault = true\n\n[[allowlists]]\ntargetRules = [\"generic-api-key\"]\npaths = ['''^fixtures/''']\n";
        let i = imported(text);
        assert!(
            i.yaml
                .contains("rules: ['generic-secret', 'generic-password']"),
            "{}",
            i.yaml
        );
        assert!(i.notes.is_empty(), "{:?}", i.notes);
        // without the default rules there is no generic rule to target (and none to disable)
        let text = "[extend]\nuseDefault = false\ndisabledRules = [\"generic-api-key\"]\n\n[[rules]]\nid = \"a\"\nregex = '''acme_[a-z]{8}'''\n\n[[allowlists]]\ntargetRules = [\"generic-api-key\"]\nstopwords = [\"test\"]\n";
        let i = imported(text);
        assert!(!i.yaml.contains("generic-"), "{}", i.yaml);
        assert!(
            i.notes.iter().any(|n| n.contains("targetRules")),
            "{:?}",
            i.notes
        );
    }

    #[test]
    fn carried_over_rules_are_not_listed_as_left_out() {
        let i = imported("[[rules]]\nid = \"Acme_Key\"\nregex = '''acme_[a-z]{8}'''\n");
        assert_eq!(i.rules, 1);
        assert!(i.notes.is_empty(), "{:?}", i.notes);
        assert!(
            i.changes.iter().any(|c| c.contains("acme-key")),
            "{:?}",
            i.changes
        );
        assert!(!i.yaml.contains("Not carried over"), "{}", i.yaml);
        // a rule that is left out is listed once, as left out only
        let i = imported(
            "[[rules]]\nid = \"Bad_Rule\"\nregex = '''a(?=b)'''\n\n[extend]\nuseDefault = true\n",
        );
        assert_eq!(i.rules, 0);
        assert_eq!(i.notes.len(), 1, "{:?}", i.notes);
        assert!(i.changes.is_empty(), "{:?}", i.changes);
    }
}
