//! `keyhound config import-gitleaks`: turns a gitleaks TOML config into an equivalent
//! `.keyhound.yml` and says what could not be carried over.
//!
//! What maps: `[extend] useDefault` (keep the built-in rules), custom `[[rules]]` (regex with its
//! secret group named `secret`, keywords, entropy, description), rule allowlists
//! (`[rules.allowlist]` and `[[rules.allowlists]]`) and global ones (`[allowlist]`,
//! `[[allowlists]]` with `targetRules`), with their paths (as `path-regexes`), regexes and
//! `regexTarget`, stopwords, commits and `condition`. What does not: `[extend] path` (import that
//! file too), gitleaks' own default rule ids in `disabledRules` (keyhound's built-in rules are
//! different rules; only the generic one has a counterpart), path-only rules and a rule's `path`
//! restriction, and regexes Rust's engine cannot compile.

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

/// The result of an import: the YAML to write and what was left behind.
#[derive(Debug)]
pub struct Imported {
    pub yaml: String,
    pub rules: usize,
    pub allowlists: usize,
    /// One line per thing that could not be carried over, or was carried over approximately.
    pub notes: Vec<String>,
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
            scrub(&e.message().replace('\n', " "))
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
        if e.path.is_some() || e.url.is_some() {
            notes.push(
                "[extend] path/url: keyhound does not extend another gitleaks file; import that one too and merge the rules by hand".into()
            );
        }
        for (i, id) in e.disabled_rules.iter().enumerate() {
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
        let Some(regex) = r.regex.as_deref().filter(|s| !s.is_empty()) else {
            notes.push(format!(
                "{name}: a path-only rule (it reports files by name); keyhound rules match content, so it was left out"
            ));
            continue;
        };
        if id != r.id && showable_id(&id) {
            notes.push(format!("{name}: the id is now {id} (ids are kebab-case)"));
        }
        if !showable_id(&id) {
            notes.push(format!(
                "{name}: its id does not read as a rule id; give it one (lowercase words and dashes) and import again; left out"
            ));
            continue;
        }
        if ids_seen.contains(&id) || (use_default && builtin_ids.contains(&id.as_str())) {
            notes.push(format!(
                "{name}: its id is already taken (a built-in keyhound rule or an earlier rule); left out"
            ));
            continue;
        }
        let regex = match name_secret_group(regex, r.secret_group) {
            Ok((re, note)) => {
                if let Some(n) = note {
                    notes.push(format!("{name}: {n}"));
                }
                re
            }
            Err(m) => {
                notes.push(format!("{name}: {}; left out", scrub(&m)));
                continue;
            }
        };
        let mut keywords: Vec<String> = r
            .keywords
            .iter()
            .map(|k| k.to_ascii_lowercase())
            .filter(|k| k.trim().len() >= 3)
            .collect();
        if keywords.len() < r.keywords.len() {
            notes.push(format!(
                "{name}: keywords shorter than 3 characters were dropped (keyhound's prefilter needs at least 3)"
            ));
        }
        if keywords.is_empty() {
            match literal_keywords(&regex) {
                Some(k) => {
                    notes.push(format!(
                        "{name}: no usable keywords; {} derived from the regex",
                        k.len()
                    ));
                    keywords = k;
                }
                None => {
                    notes.push(format!(
                        "{name}: no keywords, and none can be derived from its regex (keyhound runs a rule only where one of its keywords occurs); add `keywords:` and import again; left out"
                    ));
                    continue;
                }
            }
        }
        if r.path.is_some() {
            notes.push(format!(
                "{name}: its `path` restriction was dropped; the rule now runs on every file"
            ));
        }
        let spec = RuleSpec {
            id: id.clone(),
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
            regex,
            paths: vec![],
            file: false,
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
        let check =
            Rule::new(spec.clone(), file).and_then(|rule| rule.compile_now().map(|()| rule));
        if let Err(e) = check {
            let why = match e {
                crate::rules::LoadError::Rule { message, .. } => scrub(&message),
                other => scrub(&other.to_string()),
            };
            notes.push(format!("{name}: {why}; left out"));
            continue;
        }
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
    for spanned in gl.allowlist.iter().chain(&gl.allowlists) {
        let a = spanned.get_ref();
        let at = format!("the allowlist at line {}", line_of(spanned.span().start));
        let targets: Vec<String> = a.target_rules.iter().map(|t| kebab(t)).collect();
        let known: Vec<String> = targets
            .iter()
            .filter(|t| ids_seen.contains(t) || builtin_ids.contains(&t.as_str()))
            .cloned()
            .collect();
        if !targets.is_empty() && known.is_empty() {
            notes.push(format!(
                "{at}: left out: none of its targetRules is a rule in keyhound"
            ));
            continue;
        }
        if known.len() < targets.len() {
            notes.push(format!(
                "{at}: {} of its targetRules are not rules in keyhound and were dropped",
                targets.len() - known.len()
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
        &notes,
    );
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
    })
}

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
}
