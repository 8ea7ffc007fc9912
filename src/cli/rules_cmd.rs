//! `keyhound rules list | explain | check`.

use super::args::{ListFormat, RulesCommand};
use super::run::{Messages, builtin_engine};
use crate::config::message::scrub;
use crate::exit::ExitStatus;
use crate::report::escape;
use crate::rules::{self, Rule};
use crate::scan::{CheckKind, Engine, INLINE_MARKERS, check_rules};
use anyhow::{Context, Result, bail};
use std::io::Write;

pub fn run(cmd: RulesCommand, msgs: &Messages) -> Result<ExitStatus> {
    match cmd {
        RulesCommand::List { format } => list(format),
        RulesCommand::Explain { id } => explain(&id),
        RulesCommand::Check {
            files,
            config,
            limits,
        } => match config {
            Some(c) => check_config(&c, limits.max_config_size, msgs),
            None => check(&files, msgs),
        },
    }
}

fn list(format: ListFormat) -> Result<ExitStatus> {
    let engine = builtin_engine()?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match format {
        ListFormat::Json => {
            let infos: Vec<_> = engine.rules().iter().map(|r| r.info.as_ref()).collect();
            serde_json::to_writer_pretty(&mut out, &infos)?;
            writeln!(out)?;
        }
        ListFormat::Markdown => out.write_all(catalogue(engine.rules()).as_bytes())?,
        ListFormat::Human => {
            let w = engine
                .rules()
                .iter()
                .map(|r| r.id().len())
                .max()
                .unwrap_or(2);
            writeln!(out, "{:<w$}  {:<8}  NAME  [KEYWORDS]", "ID", "SEVERITY")?;
            for r in engine.rules() {
                writeln!(
                    out,
                    "{:<w$}  {:<8}  {}  [{}]",
                    r.id(),
                    r.info.severity.as_str(),
                    r.info.name,
                    r.spec.keywords.join(", ")
                )?;
            }
        }
    }
    out.flush()?;
    Ok(ExitStatus::Clean)
}

/// The rule catalogue: one table row per rule, grouped by provider file.
pub fn catalogue(rules: &[Rule]) -> String {
    let mut rows: Vec<&Rule> = rules.iter().collect();
    rows.sort_by(|a, b| (&a.origin, a.id()).cmp(&(&b.origin, b.id())));
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut out = String::from(
        "| id | provider | finds | validator | where to revoke |\n| --- | --- | --- | --- | --- |\n",
    );
    for r in rows {
        let provider = r.origin.trim_end_matches(".yml");
        let page = url_in(&r.info.remediation)
            .or_else(|| r.info.references.first().map(String::as_str))
            .unwrap_or("");
        let finds = if r.paths.is_some() {
            format!(
                "{} (by file name: {})",
                r.info.name,
                r.spec.paths.join(", ")
            )
        } else {
            r.info.name.clone()
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            r.id(),
            provider,
            cell(&finds),
            r.info.validator.as_deref().unwrap_or(""),
            cell(page)
        ));
    }
    out
}

/// The first URL in a text, without trailing punctuation.
fn url_in(text: &str) -> Option<&str> {
    let start = text.find("https://")?;
    let rest = &text[start..];
    let end = rest
        .find(|c: char| c.is_whitespace() || c == ')' || c == '\'')
        .unwrap_or(rest.len());
    Some(rest[..end].trim_end_matches(['.', ',', ';', ':']))
}

fn explain(id: &str) -> Result<ExitStatus> {
    let engine = builtin_engine()?;
    let Some(rule) = engine.rules().iter().find(|r| r.id() == id) else {
        let near = rules::similar_ids(id, engine.rules().iter().map(Rule::id));
        if near.is_empty() {
            bail!("no rule with id {id:?}; `keyhound rules list` shows them all");
        }
        bail!("no rule with id {id:?}; did you mean: {}?", near.join(", "));
    };
    let i = &rule.info;
    let mut out = String::new();
    out.push_str(&format!("{} ({})\n", i.name, i.id));
    out.push_str(&format!("severity:  {}\n", i.severity.as_str()));
    out.push_str(&format!("keywords:  {}\n", i.keywords.join(", ")));
    if let Some(v) = &i.validator {
        out.push_str(&format!(
            "validator: {v} (checked offline; look-alikes that fail it are not reported)\n"
        ));
    }
    if !i.description.is_empty() {
        out.push_str(&format!("\n{}\n", i.description));
    }
    if !i.remediation.is_empty() {
        out.push_str(&format!("\nWhat to do:\n  {}\n", i.remediation));
    }
    out.push_str("\nIf a finding is a false positive, any one of these keeps it out of reports:\n");
    out.push_str(&format!(
        "  - one line: a comment on the line with {}\n",
        INLINE_MARKERS
            .iter()
            .map(|m| format!("`{m}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    out.push_str(
        "  - one finding: its fingerprint (shown in every report) on a line of .keyhoundignore,\n    \
         with a `# comment` saying why\n",
    );
    out.push_str(&format!(
        "  - a pattern: an allowlist in .keyhound.yml, e.g.\n        allowlists:\n          - rules: [{}]\n            paths: ['tests/fixtures/**']     # or regexes:, stopwords:, commits:\n",
        i.id
    ));
    out.push_str(&format!(
        "  - this rule everywhere: `disable-rules: [{}]` in .keyhound.yml\n",
        i.id
    ));
    out.push_str(
        "  - everything known today (adopting keyhound on an old repository): `keyhound baseline\n    \
         .keyhound-baseline.json`, then scan with `--baseline .keyhound-baseline.json`\n",
    );
    if !i.references.is_empty() {
        out.push_str("\nReferences:\n");
        for r in &i.references {
            out.push_str(&format!("  {r}\n"));
        }
    }
    // a custom rule's text comes from a repository's config: control characters are escaped,
    // line by line so the layout stays
    let mut stdout = std::io::stdout().lock();
    for line in out.lines() {
        writeln!(stdout, "{}", escape(line))?;
    }
    Ok(ExitStatus::Clean)
}

/// Checks the custom rules of a config file.
fn check_config(path: &std::path::Path, max_size: u64, msgs: &Messages) -> Result<ExitStatus> {
    let config = crate::config::Config::load(path, max_size)?;
    if config.custom.is_empty() {
        msgs.say(format_args!("{}: no custom rules to check", path.display()));
        return Ok(ExitStatus::Clean);
    }
    let custom: Vec<Rule> = config
        .rules
        .into_iter()
        .filter(|r| config.custom.iter().any(|c| c == r.id()))
        .collect();
    report_checks(
        &Engine::new(custom).context("cannot build the rule engine")?,
        msgs,
    )
}

fn check(files: &[std::path::PathBuf], msgs: &Messages) -> Result<ExitStatus> {
    let engine = if files.is_empty() {
        Engine::new(rules::builtin_rules_with_examples().context("the built-in rules do not load")?)
            .context("cannot build the rule engine")?
    } else {
        let mut all = Vec::new();
        for path in files {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let name = path.display().to_string();
            // parser and compiler messages quote the file (a snippet of neighbouring lines, the
            // regex): shown scrubbed, so a secret written in the rule file is not echoed
            let specs = rules::parse_rule_file(&name, &text).map_err(|e| match e {
                rules::LoadError::Yaml { message, .. } => {
                    anyhow::anyhow!("{name}:{}", scrub_yaml(&message))
                }
                other => anyhow::anyhow!("{}", scrub(&other.to_string())),
            })?;
            for spec in specs {
                all.push(
                    Rule::new(spec, &name)
                        .map_err(|e| anyhow::anyhow!("{}", scrub(&e.to_string())))?,
                );
            }
        }
        rules::check_unique(&all)?;
        Engine::new(all).context("cannot build the rule engine")?
    };
    report_checks(&engine, msgs)
}

fn report_checks(engine: &Engine, msgs: &Messages) -> Result<ExitStatus> {
    let (failures, ran) = check_rules(engine);
    for f in &failures {
        let what = match f.kind {
            CheckKind::Compile => "does not compile".to_string(),
            CheckKind::Missing => "has too few examples".to_string(),
            CheckKind::Template => format!("example template {} does not expand", f.index + 1),
            CheckKind::Missed => format!("example {} is not found", f.index + 1),
            CheckKind::FalsePositive => format!("negative example {} is found", f.index + 1),
        };
        println!("{}: {}: {what}", escape(&f.origin), escape(&f.rule_id));
        // a regex that does not compile is not shown (it may hold a value); the detail says
        // what is wrong and at which character
        if !f.text.is_empty() && f.kind != CheckKind::Compile {
            for (n, line) in f.text.lines().enumerate() {
                let label = if n == 0 { "text:" } else { "     " };
                println!("    {label} {}", escape(line));
            }
        }
        println!("    {}", escape(&scrub(&f.detail)));
    }
    let n = engine.rules().len();
    if failures.is_empty() {
        msgs.say(format_args!("{n} rules, {ran} examples: all pass"));
        Ok(ExitStatus::Clean)
    } else {
        msgs.error(format_args!(
            "{n} rules, {ran} examples: {} failed",
            failures.len()
        ));
        Ok(ExitStatus::Findings)
    }
}

/// A YAML error of a rule file: `line:column: what`, without the parser's snippet of the file.
fn scrub_yaml(message: &str) -> String {
    let first = message.lines().next().unwrap_or("");
    let place = first
        .strip_prefix("error: line ")
        .and_then(|r| r.split_once(": "))
        .and_then(|(p, _)| p.split_once(" column "))
        .map(|(l, c)| format!("{l}:{c}: "))
        .unwrap_or_else(|| " ".to_string());
    format!("{place}{}", scrub(&crate::config::strip_place(first)))
}
