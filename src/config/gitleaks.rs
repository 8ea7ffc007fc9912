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

use super::{Config, VERSION};
use crate::rules::{AllowlistSpec as RuleAllowlist, Rule, RuleSpec, Severity};
use serde::Deserialize;
use std::fmt::Write as _;

#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct ImportError {
    pub file: String,
    pub message: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct GlConfig {
    title: Option<String>,
    extend: Option<GlExtend>,
    rules: Vec<GlRule>,
    allowlist: Option<GlAllowlist>,
    allowlists: Vec<GlAllowlist>,
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
    allowlist: Option<GlAllowlist>,
    allowlists: Vec<GlAllowlist>,
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
    let gl: GlConfig = toml::from_str(text).map_err(|e| ImportError {
        file: file.to_string(),
        message: format!("not a gitleaks TOML config: {}", e.message()).replace('\n', " "),
    })?;
    let mut notes = Vec::new();
    let builtin = Config::builtin().map_err(|e| ImportError {
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
        if let Some(p) = e.path.as_ref().or(e.url.as_ref()) {
            notes.push(format!(
                "[extend] {p}: keyhound does not extend another gitleaks file; import that one too and merge the rules by hand"
            ));
        }
        for id in &e.disabled_rules {
            let ours: Vec<&str> = counterpart(id)
                .iter()
                .copied()
                .filter(|c| builtin_ids.contains(c))
                .collect();
            if ours.is_empty() {
                notes.push(format!(
                    "disabledRules {id:?}: gitleaks' default rules are not keyhound's; no built-in keyhound rule has this id (`keyhound rules list` shows them)"
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
    for r in &gl.rules {
        let id = kebab(&r.id);
        let Some(regex) = r.regex.as_deref().filter(|s| !s.is_empty()) else {
            notes.push(format!(
                "rule {:?}: a path-only rule (it reports files by name); keyhound rules match content, so it was left out",
                r.id
            ));
            continue;
        };
        if id != r.id {
            notes.push(format!(
                "rule {:?} is now {id:?} (ids are kebab-case)",
                r.id
            ));
        }
        if ids_seen.contains(&id) || (use_default && builtin_ids.contains(&id.as_str())) {
            notes.push(format!(
                "rule {:?}: its id is already taken (a built-in keyhound rule or an earlier rule); left out",
                r.id
            ));
            continue;
        }
        let regex = match name_secret_group(regex, r.secret_group) {
            Ok((re, note)) => {
                if let Some(n) = note {
                    notes.push(format!("rule {id}: {n}"));
                }
                re
            }
            Err(m) => {
                notes.push(format!("rule {id}: {m}; left out"));
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
                "rule {id}: keywords shorter than 3 characters were dropped (keyhound's prefilter needs at least 3)"
            ));
        }
        if keywords.is_empty() {
            match literal_keywords(&regex) {
                Some(k) => {
                    notes.push(format!(
                        "rule {id}: no usable keywords; derived from the regex: {}",
                        k.join(", ")
                    ));
                    keywords = k;
                }
                None => {
                    notes.push(format!(
                        "rule {id}: no keywords, and none can be derived from its regex (keyhound runs a rule only where one of its keywords occurs); add `keywords:` and import again; left out"
                    ));
                    continue;
                }
            }
        }
        if r.path.is_some() {
            notes.push(format!(
                "rule {id}: its `path` restriction was dropped; the rule now runs on every file"
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
            notes.push(format!("rule {id}: {e}; left out"));
            continue;
        }
        ids_seen.push(id.clone());
        for a in r.allowlist.iter().chain(&r.allowlists) {
            match convert_allowlist(a, vec![id.clone()], &mut notes) {
                Some(out) => allowlists.push((out, format!("rule {id}"))),
                None => notes.push(format!("rule {id}: an empty allowlist was left out")),
            }
        }
        rules.push(spec);
    }
    for a in gl.allowlist.iter().chain(&gl.allowlists) {
        let targets: Vec<String> = a.target_rules.iter().map(|t| kebab(t)).collect();
        let known: Vec<String> = targets
            .iter()
            .filter(|t| ids_seen.contains(t) || builtin_ids.contains(&t.as_str()))
            .cloned()
            .collect();
        if !targets.is_empty() && known.is_empty() {
            notes.push(format!(
                "an allowlist for {} was left out: none of those rules exists in keyhound",
                a.target_rules.join(", ")
            ));
            continue;
        }
        if known.len() < targets.len() {
            notes.push(format!(
                "an allowlist's targetRules not in keyhound were dropped: {}",
                targets
                    .iter()
                    .filter(|t| !known.contains(t))
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        match convert_allowlist(a, known, &mut notes) {
            Some(out) => allowlists.push((out, "global".into())),
            None => notes.push("an empty global allowlist was left out".into()),
        }
    }

    let yaml = render(
        file,
        gl.title.as_deref(),
        use_default,
        &disable,
        &rules,
        &allowlists,
        &notes,
    );
    // what we write must load: a failure here is a bug in this converter, not in the input
    Config::parse(".keyhound.yml", &yaml).map_err(|e| ImportError {
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

fn convert_allowlist(
    a: &GlAllowlist,
    rules: Vec<String>,
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
        Some(other) => {
            notes.push(format!(
                "regexTarget {other:?} is unknown; the secret is tested"
            ));
            None
        }
    };
    let mut path_regexes = Vec::new();
    for p in &a.paths {
        if crate::filter::allow::check_regex(p).is_ok() {
            path_regexes.push(p.clone());
        } else {
            notes.push(format!(
                "allowlist path regex {p:?} does not compile in Rust; left out"
            ));
        }
    }
    let mut regexes = Vec::new();
    for r in &a.regexes {
        if crate::filter::allow::check_regex(r).is_ok() {
            regexes.push(r.clone());
        } else {
            notes.push(format!(
                "allowlist regex {r:?} does not compile in Rust; left out"
            ));
        }
    }
    let commits: Vec<String> = a
        .commits
        .iter()
        .filter(|c| {
            let ok = c.len() >= 7 && c.bytes().all(|b| b.is_ascii_hexdigit());
            if !ok {
                notes.push(format!(
                    "allowlist commit {c:?} is not a commit id; left out"
                ));
            }
            ok
        })
        .cloned()
        .collect();
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

/// Names the secret group `secret`: gitleaks' `secretGroup` N, or else the first capture group,
/// or else the whole match (what gitleaks takes as the secret).
fn name_secret_group(
    regex: &str,
    group: Option<usize>,
) -> Result<(String, Option<String>), String> {
    use regex_syntax::ast::{self, Ast};
    let parsed = ast::parse::Parser::new()
        .parse(regex)
        .map_err(|e| format!("its regex does not parse: {}", e.kind()))?;
    // capture groups in order of their opening parenthesis: (index, start offset, name span)
    type Group = (u32, usize, Option<(usize, usize)>);
    let mut groups: Vec<Group> = Vec::new();
    let mut stack = vec![&parsed];
    while let Some(node) = stack.pop() {
        match node {
            Ast::Group(g) => {
                match &g.kind {
                    ast::GroupKind::CaptureIndex(i) => groups.push((*i, g.span.start.offset, None)),
                    ast::GroupKind::CaptureName { name, .. } => groups.push((
                        name.index,
                        g.span.start.offset,
                        Some((name.span.start.offset, name.span.end.offset)),
                    )),
                    ast::GroupKind::NonCapturing(_) => {}
                }
                stack.push(&g.ast);
            }
            Ast::Concat(c) => stack.extend(c.asts.iter().rev()),
            Ast::Alternation(a) => stack.extend(a.asts.iter().rev()),
            Ast::Repetition(r) => stack.push(&r.ast),
            _ => {}
        }
    }
    if groups
        .iter()
        .any(|(_, _, n)| n.is_some_and(|(s, e)| &regex[s..e] == "secret"))
    {
        return Ok((regex.to_string(), None));
    }
    let wanted = match group {
        Some(n) if n > 0 => Some(n as u32),
        _ if groups.is_empty() => None,
        _ => Some(1),
    };
    let note = match (group, groups.len()) {
        (None | Some(0), n) if n > 1 => Some(
            "no secretGroup and several capture groups: the first is taken as the secret (gitleaks takes the first non-empty one)".to_string(),
        ),
        _ => None,
    };
    match wanted {
        None => Ok((format!("(?P<secret>{regex})"), note)),
        Some(n) => {
            let Some(&(_, open, name)) = groups.iter().find(|(i, _, _)| *i == n) else {
                return Err(format!("secretGroup {n} does not exist in its regex"));
            };
            let out = match name {
                Some((s, e)) => format!("{}secret{}", &regex[..s], &regex[e..]),
                None => format!("{}(?P<secret>{}", &regex[..open], &regex[open + 1..]),
            };
            Ok((out, note))
        }
    }
}

/// Keywords from the literal text every match of the regex starts with, when there is such text
/// of at least 3 characters in every alternative.
fn literal_keywords(regex: &str) -> Option<Vec<String>> {
    use regex_syntax::hir::literal::Extractor;
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(regex)
        .ok()?;
    let seq = Extractor::new().extract(&hir);
    let lits = seq.literals()?;
    if lits.is_empty() || lits.len() > 32 {
        return None;
    }
    let mut out: Vec<String> = Vec::new();
    for l in lits {
        let s = String::from_utf8(l.as_bytes().to_vec())
            .ok()?
            .to_ascii_lowercase();
        if s.trim().len() < 3 {
            return None;
        }
        if !out.contains(&s) {
            out.push(s);
        }
    }
    Some(out)
}

/// A YAML scalar that reads back as exactly `s`.
fn q(s: &str) -> String {
    if s.chars().any(char::is_control) {
        serde_json::to_string(s).unwrap_or_else(|_| "''".into())
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

fn list(items: &[String]) -> String {
    format!(
        "[{}]",
        items.iter().map(|s| q(s)).collect::<Vec<_>>().join(", ")
    )
}

fn render(
    file: &str,
    title: Option<&str>,
    use_default: bool,
    disable: &[String],
    rules: &[RuleSpec],
    allowlists: &[(AllowlistOut, String)],
    notes: &[String],
) -> String {
    let mut y = String::new();
    let _ = writeln!(
        y,
        "# keyhound config, converted from {file} by `keyhound config import-gitleaks`."
    );
    if let Some(t) = title {
        let _ = writeln!(y, "# gitleaks title: {}", t.replace('\n', " "));
    }
    if !notes.is_empty() {
        let _ = writeln!(y, "#\n# Not carried over, or carried over approximately:");
        for n in notes {
            let _ = writeln!(y, "#   - {}", n.replace('\n', " "));
        }
    }
    let _ = writeln!(y, "\nversion: {VERSION}");
    let _ = writeln!(y, "builtin-rules: {use_default}");
    if !disable.is_empty() {
        let _ = writeln!(y, "disable-rules: {}", list(disable));
    }
    if !rules.is_empty() {
        let _ = writeln!(y, "\nrules:");
        for r in rules {
            let _ = writeln!(y, "  - id: {}", r.id);
            let _ = writeln!(y, "    name: {}", q(&r.name));
            if !r.description.is_empty() {
                let _ = writeln!(y, "    description: {}", q(&r.description));
            }
            let _ = writeln!(y, "    keywords: {}", list(&r.keywords));
            let _ = writeln!(y, "    regex: {}", q(&r.regex));
            if let Some(e) = r.entropy {
                let _ = writeln!(y, "    entropy: {e}");
            }
            let _ = writeln!(y, "    severity: high");
            let _ = writeln!(
                y,
                "    # add `examples:` and `negative:` lines, then run `keyhound rules check --config .keyhound.yml`"
            );
        }
    }
    if !allowlists.is_empty() {
        let _ = writeln!(y, "\nallowlists:");
        for (a, from) in allowlists {
            let desc = if a.description.is_empty() {
                format!("imported from gitleaks ({from})")
            } else {
                a.description.clone()
            };
            let _ = writeln!(y, "  - description: {}", q(&desc));
            if !a.rules.is_empty() {
                let _ = writeln!(y, "    rules: {}", list(&a.rules));
            }
            if a.all {
                let _ = writeln!(y, "    condition: all");
            }
            for (key, items) in [
                ("path-regexes", &a.path_regexes),
                ("regexes", &a.regexes),
                ("stopwords", &a.stopwords),
                ("commits", &a.commits),
            ] {
                if !items.is_empty() {
                    let _ = writeln!(y, "    {key}: {}", list(items));
                }
            }
            if let Some(t) = a.regex_target {
                let _ = writeln!(y, "    regex-target: {t}");
            }
        }
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_groups_are_named() {
        let (r, _) = name_secret_group("key=([a-z]+)-(\\d+)", Some(2)).expect("ok");
        assert_eq!(r, "key=([a-z]+)-(?P<secret>\\d+)");
        let (r, _) = name_secret_group("(?i)acme_(?P<tok>[a-z]{8})", None).expect("ok");
        assert_eq!(r, "(?i)acme_(?P<secret>[a-z]{8})");
        let (r, _) = name_secret_group("acme_[a-z]{8}", None).expect("ok");
        assert_eq!(r, "(?P<secret>acme_[a-z]{8})");
        assert!(name_secret_group("a(b)", Some(3)).is_err());
    }

    #[test]
    fn ids_become_kebab_case_and_keywords_come_from_literals() {
        assert_eq!(kebab("My_Rule ID"), "my-rule-id");
        assert_eq!(
            literal_keywords("acme_[a-z]{8}"),
            Some(vec!["acme_".to_string()])
        );
        assert_eq!(literal_keywords("[a-z]{8}"), None);
    }
}
