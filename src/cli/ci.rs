//! `keyhound ci`: a front end that reads the CI platform's environment and event (GitHub Actions,
//! GitLab CI; `--base`/`--head` anywhere else), picks the commits to scan, and writes the
//! platform's report besides the log: SARIF on GitHub (and a markdown job summary in
//! `$GITHUB_STEP_SUMMARY`, the finding count in `$GITHUB_OUTPUT`), GitLab's secret-detection
//! report on GitLab. No scanning logic: it turns the event into a range, an audit or nothing and
//! hands that to the pipeline as `keyhound git` would.
//!
//! Which commits: a push scans `before..after`; the first push of a branch, a tag, and a force
//! push whose old tip is no longer in the clone scan the commits the default branch does not
//! have (never "error", never "everything"); a pull or merge request scans `base..head` of its
//! payload; scheduled and manual runs audit the whole history. Config is read from the base
//! commit (or the default branch) whenever there is one, so a change cannot allowlist its own
//! secret.

use super::args::{CiArgs, ColorChoice};
use super::run::{Messages, Mode, scan_and, threads};
use super::setup::{BaselineUse, Scope, setup};
use crate::exit::ExitStatus;
use crate::finding::Finding;
use crate::pipeline::{Outcome, SourcePlan};
use crate::report::{Format, GITLAB_FILE_NAME, Report, escape};
use crate::rules::Severity;
use crate::source::git::{HistoryOptions, RangeOptions, Repo};
use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The SARIF file written on GitHub Actions when no `--sarif-output` is given.
const GITHUB_SARIF: &str = "keyhound.sarif";
/// Rows of the job summary's table; the rest are counted.
const SUMMARY_ROWS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Platform {
    GitHub,
    GitLab,
    Other,
}

impl Platform {
    /// How to get full history on this platform.
    fn fetch_advice(self) -> &'static str {
        match self {
            Platform::GitHub => {
                "check out the full history: actions/checkout with `fetch-depth: 0`"
            }
            Platform::GitLab => "clone the full history: set `GIT_DEPTH: 0` in the job's variables",
            Platform::Other => "fetch the full history (`git fetch --unshallow`)",
        }
    }
}

/// What the event asks for, before the repository is consulted.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Intent {
    /// A push of a branch: `before..after`; `before` all zeros for a new branch.
    Push {
        before: String,
        after: String,
        branch: Option<String>,
    },
    /// A tag was pushed: the tagged commit's commits that the default branch lacks.
    Tag { head: String },
    /// A pull or merge request (or explicit `--base`/`--head`): `base..head`.
    Change { base: String, head: String },
    /// Commits of `head` that the default branch does not have.
    NotOnDefault { head: String },
    /// The whole history.
    Audit,
    /// Nothing to scan (a deleted branch).
    Nothing,
}

/// The platform, the event's name (for messages) and what it asks for.
#[derive(Debug, Clone)]
struct Event {
    platform: Platform,
    name: String,
    intent: Intent,
    default_branch: Option<String>,
}

/// Reads an environment variable; unset and empty are the same.
type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn is_zeros(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b == b'0')
}

/// A commit id from an event: hex only (an event's value is never taken as a revision
/// expression).
fn sha(v: Option<&serde_json::Value>) -> Option<String> {
    v.and_then(serde_json::Value::as_str)
        .filter(|s| s.len() >= 7 && s.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_string)
}

fn hex_var(env: Env<'_>, name: &str) -> Option<String> {
    env(name).filter(|s| s.len() >= 7 && s.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The event, from the flags and the environment.
fn detect(a: &CiArgs, env: Env<'_>) -> Result<Event> {
    let platform = if env("GITHUB_ACTIONS").as_deref() == Some("true") {
        Platform::GitHub
    } else if env("GITLAB_CI").as_deref() == Some("true") {
        Platform::GitLab
    } else {
        Platform::Other
    };
    let mut event = match platform {
        Platform::GitHub => github(env)?,
        Platform::GitLab => gitlab(env),
        Platform::Other => Event {
            platform,
            name: "local".into(),
            intent: Intent::NotOnDefault {
                head: "HEAD".into(),
            },
            default_branch: None,
        },
    };
    if a.default_branch.is_some() {
        event.default_branch.clone_from(&a.default_branch);
    }
    if a.audit {
        event.intent = Intent::Audit;
        event.name.push_str(" (--audit)");
    } else if let Some(base) = &a.base {
        let head = a.head.clone().unwrap_or_else(|| "HEAD".into());
        event.intent = if is_zeros(base) {
            Intent::NotOnDefault { head }
        } else {
            Intent::Change {
                base: base.clone(),
                head,
            }
        };
        event.name.push_str(" (--base)");
    } else if let Some(head) = &a.head {
        event.intent = Intent::NotOnDefault { head: head.clone() };
        event.name.push_str(" (--head)");
    }
    Ok(event)
}

fn github(env: Env<'_>) -> Result<Event> {
    let name = env("GITHUB_EVENT_NAME").unwrap_or_else(|| "unknown".into());
    let payload: serde_json::Value = match env("GITHUB_EVENT_PATH") {
        Some(path) => {
            let text = std::fs::read(&path).with_context(|| {
                format!("cannot read the event payload {path} (GITHUB_EVENT_PATH)")
            })?;
            serde_json::from_slice(&text)
                .with_context(|| format!("the event payload {path} is not JSON"))?
        }
        None => serde_json::Value::Null,
    };
    let default_branch = payload
        .pointer("/repository/default_branch")
        .and_then(serde_json::Value::as_str)
        .map(str::to_string);
    let current = hex_var(env, "GITHUB_SHA").unwrap_or_else(|| "HEAD".into());
    let git_ref = payload
        .pointer("/ref")
        .and_then(serde_json::Value::as_str)
        .map(str::to_string)
        .or_else(|| env("GITHUB_REF"));
    let intent = match name.as_str() {
        "push" => {
            let after = sha(payload.pointer("/after")).unwrap_or(current);
            let before = sha(payload.pointer("/before"));
            let tag = git_ref
                .as_deref()
                .is_some_and(|r| r.starts_with("refs/tags/"));
            if is_zeros(&after) || payload.pointer("/deleted") == Some(&true.into()) {
                Intent::Nothing
            } else if tag {
                Intent::Tag { head: after }
            } else {
                match before {
                    Some(before) => Intent::Push {
                        before,
                        after,
                        branch: git_ref
                            .as_deref()
                            .and_then(|r| r.strip_prefix("refs/heads/"))
                            .map(str::to_string),
                    },
                    None => Intent::NotOnDefault { head: after },
                }
            }
        }
        "pull_request" | "pull_request_target" => {
            let head = sha(payload.pointer("/pull_request/head/sha")).unwrap_or(current);
            match sha(payload.pointer("/pull_request/base/sha")) {
                Some(base) => Intent::Change { base, head },
                None => Intent::NotOnDefault { head },
            }
        }
        "merge_group" => {
            let head = sha(payload.pointer("/merge_group/head_sha")).unwrap_or(current);
            match sha(payload.pointer("/merge_group/base_sha")) {
                Some(base) => Intent::Change { base, head },
                None => Intent::NotOnDefault { head },
            }
        }
        "schedule" | "workflow_dispatch" | "repository_dispatch" => Intent::Audit,
        _ => Intent::NotOnDefault { head: current },
    };
    let name = match payload
        .pointer("/pull_request/number")
        .and_then(serde_json::Value::as_u64)
    {
        Some(n) => format!("{name} #{n}"),
        None => name,
    };
    Ok(Event {
        platform: Platform::GitHub,
        name,
        intent,
        default_branch,
    })
}

fn gitlab(env: Env<'_>) -> Event {
    let source = env("CI_PIPELINE_SOURCE").unwrap_or_else(|| "push".into());
    let head = hex_var(env, "CI_COMMIT_SHA").unwrap_or_else(|| "HEAD".into());
    let mut name = source.clone();
    let intent = if source == "merge_request_event" {
        if let Some(iid) = env("CI_MERGE_REQUEST_IID") {
            name = format!("merge request !{iid}");
        }
        // a merged-results pipeline runs on a merge commit: the source branch's tip is the change
        let head = hex_var(env, "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA").unwrap_or(head);
        match hex_var(env, "CI_MERGE_REQUEST_DIFF_BASE_SHA") {
            Some(base) => Intent::Change { base, head },
            None => Intent::NotOnDefault { head },
        }
    } else if matches!(source.as_str(), "schedule" | "web" | "api" | "trigger") {
        Intent::Audit
    } else if env("CI_COMMIT_TAG").is_some() {
        Intent::Tag { head }
    } else {
        match hex_var(env, "CI_COMMIT_BEFORE_SHA") {
            Some(before) => Intent::Push {
                before,
                after: head,
                branch: env("CI_COMMIT_BRANCH"),
            },
            None => Intent::NotOnDefault { head },
        }
    };
    Event {
        platform: Platform::GitLab,
        name,
        intent,
        default_branch: env("CI_DEFAULT_BRANCH"),
    }
}

/// What will be scanned, resolved against the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Range {
        range: String,
        /// Read the config from this commit.
        trusted: Option<String>,
        /// In words, for the log and the summary.
        what: String,
    },
    Audit,
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// `head`'s commits that the default branch lacks, or (no default branch in the clone, or the
/// branch is the default one) the commits no other ref has.
fn not_on_default(
    repo: &Repo,
    event: &Event,
    head: &str,
    on_default: bool,
    msgs: &Messages,
) -> Target {
    let tip = if on_default {
        None
    } else {
        repo.default_branch_tip(event.default_branch.as_deref())
    };
    match tip {
        Some((name, id)) => {
            let name = name
                .strip_prefix("refs/remotes/")
                .or_else(|| name.strip_prefix("refs/heads/"))
                .unwrap_or(&name)
                .to_string();
            Target::Range {
                range: format!("{id}..{head}"),
                trusted: Some(id),
                what: format!("the commits of {} not on {name}", short(head)),
            }
        }
        None => {
            if !on_default {
                let which = event.default_branch.as_deref().unwrap_or("main");
                msgs.say(format_args!(
                    "note: the default branch ({which}) is not in this clone, so the commits no \
                     other ref has are scanned; fetch it for a narrower scan (`git fetch origin \
                     {which}`, or pass --default-branch NAME)"
                ));
            }
            Target::Range {
                range: format!("{}..{head}", "0".repeat(40)),
                trusted: None,
                what: format!("the commits of {} no other ref has", short(head)),
            }
        }
    }
}

fn resolve(repo: &Repo, event: &Event, msgs: &Messages) -> Result<Target> {
    let missing_head = |head: &str| -> anyhow::Error {
        let how = if event.name.starts_with("pull_request_target") {
            "; pull_request_target checks out the base branch: give actions/checkout \
             `ref: ${{ github.event.pull_request.head.sha }}`"
        } else {
            ""
        };
        anyhow::anyhow!(
            "the commit to scan, {head}, is not in this clone; fetch it{how} ({})",
            event.platform.fetch_advice()
        )
    };
    let is_default = |branch: &Option<String>| {
        branch.is_some() && branch.as_deref() == event.default_branch.as_deref()
    };
    Ok(match &event.intent {
        Intent::Audit => Target::Audit,
        Intent::Nothing => Target::Range {
            range: "HEAD..HEAD".into(),
            trusted: None,
            what: "nothing (the event deleted a branch or tag)".into(),
        },
        Intent::NotOnDefault { head } => {
            let Some(head) = repo.commit_id(head) else {
                return Err(missing_head(head));
            };
            not_on_default(repo, event, &head, false, msgs)
        }
        Intent::Tag { head } => {
            let Some(head) = repo.commit_id(head) else {
                return Err(missing_head(head));
            };
            not_on_default(repo, event, &head, false, msgs)
        }
        Intent::Push {
            before,
            after,
            branch,
        } => {
            let Some(head) = repo.commit_id(after) else {
                return Err(missing_head(after));
            };
            if is_zeros(before) {
                // a new branch: what the default branch does not have (a new default branch:
                // what no other ref has)
                not_on_default(repo, event, &head, is_default(branch), msgs)
            } else if let Some(base) = repo.commit_id(before) {
                Target::Range {
                    range: format!("{base}..{head}"),
                    trusted: Some(base.clone()),
                    what: format!("the pushed commits {}..{}", short(&base), short(&head)),
                }
            } else if repo.is_shallow() {
                bail!(
                    "the push's previous tip, {before}, is not in this shallow clone; {}",
                    event.platform.fetch_advice()
                );
            } else {
                let target = not_on_default(repo, event, &head, is_default(branch), msgs);
                msgs.say(format_args!(
                    "note: the push's previous tip, {before}, is not in this clone (a force push \
                     replaced it), so {} are scanned instead",
                    match &target {
                        Target::Range { what, .. } => what.as_str(),
                        Target::Audit => "all commits",
                    }
                ));
                target
            }
        }
        Intent::Change { base, head } => {
            let Some(head_id) = repo.commit_id(head) else {
                return Err(missing_head(head));
            };
            match repo.commit_id(base) {
                Some(base_id) => Target::Range {
                    range: format!("{base_id}..{head_id}"),
                    trusted: Some(base_id.clone()),
                    what: format!("the commits {}..{}", short(&base_id), short(&head_id)),
                },
                None if repo.is_shallow() => bail!(
                    "the base of the change, {base}, is not in this shallow clone; {}",
                    event.platform.fetch_advice()
                ),
                None if event.name.contains("(--base)") => bail!(
                    "--base {base} is not in this clone; fetch it (`git fetch origin {base}`) or \
                     name a commit that is here"
                ),
                None => {
                    let target = not_on_default(repo, event, &head_id, false, msgs);
                    msgs.say(format_args!(
                        "note: the base, {base}, is not in this clone (its branch was rewritten), \
                         so {} are scanned instead",
                        match &target {
                            Target::Range { what, .. } => what.as_str(),
                            Target::Audit => "all commits",
                        }
                    ));
                    target
                }
            }
        }
    })
}

/// Runs `keyhound ci`.
pub(super) fn run(a: CiArgs, color: ColorChoice, msgs: &Messages) -> Result<ExitStatus> {
    let event = detect(&a, &process_env)?;
    let repo = Repo::discover(&a.repo)?;
    let target = resolve(&repo, &event, msgs)?;
    drop(repo);
    let what = match &target {
        Target::Range { what, .. } => what.clone(),
        Target::Audit => "the whole history (audit)".to_string(),
    };
    msgs.say(format_args!("{}: scanning {what}", event.name));
    // a config the user names (--config, --no-config, KEYHOUND_CONFIG) is theirs to trust
    let user_config = a.scan.config.config.is_some() || a.scan.config.no_config;
    let trusted = match &target {
        Target::Range { trusted, .. } if !user_config => trusted.clone(),
        _ => None,
    };
    let setup = setup(
        &a.scan.config,
        BaselineUse::Given(a.scan.baseline.as_deref()),
        Scope::Repo {
            path: &a.repo,
            from_ref: trusted.as_deref(),
        },
        msgs,
    )?;
    let (source, mode) = match &target {
        Target::Range { range, .. } => (
            SourcePlan::Range {
                repo: a.repo.clone(),
                opts: RangeOptions {
                    range: range.clone(),
                    max_file_size: a.scan.max_file_size,
                },
            },
            Mode::Range,
        ),
        Target::Audit => (
            SourcePlan::History {
                repo: a.repo.clone(),
                opts: HistoryOptions {
                    max_file_size: a.scan.max_file_size,
                    threads: threads(&a.scan),
                    progress: None,
                },
                include_unreachable: false,
            },
            Mode::History,
        ),
    };
    let sarif = a
        .sarif_output
        .clone()
        .or_else(|| (event.platform == Platform::GitHub).then(|| PathBuf::from(GITHUB_SARIF)));
    let gitlab = a
        .gitlab_output
        .clone()
        .or_else(|| (event.platform == Platform::GitLab).then(|| PathBuf::from(GITLAB_FILE_NAME)));
    let summary = a
        .summary
        .clone()
        .or_else(|| process_env("GITHUB_STEP_SUMMARY").map(PathBuf::from));
    let outputs = (event.platform == Platform::GitHub)
        .then(|| process_env("GITHUB_OUTPUT").map(PathBuf::from))
        .flatten();
    let mut platform_reports = |outcome: &Outcome| -> Result<()> {
        if outcome.summary.commits == Some(0) {
            msgs.say(format_args!("nothing new to scan: {what} are none"));
        }
        let report = Report {
            findings: &outcome.findings,
            summary: &outcome.summary,
            errors: &outcome.errors,
            show_secrets: a.scan.show_secrets,
            color: false,
        };
        for (path, format) in [(&sarif, Format::Sarif), (&gitlab, Format::GitLab)] {
            if let Some(path) = path {
                write_file(path, |w| format.reporter().write(&report, w))?;
                msgs.detail(format_args!("wrote {}", path.display()));
            }
        }
        if let Some(path) = &summary {
            append(path, &markdown(outcome, &event.name, &what))
                .with_context(|| format!("cannot append the job summary to {}", path.display()))?;
        }
        if let Some(path) = &outputs {
            let mut out = format!("findings={}\n", outcome.findings.len());
            if let Some(s) = &sarif {
                out.push_str(&format!("sarif-file={}\n", s.display()));
            }
            append(path, &out).with_context(|| {
                format!(
                    "cannot write the step outputs to {} (GITHUB_OUTPUT)",
                    path.display()
                )
            })?;
        }
        Ok(())
    };
    scan_and(
        source,
        setup,
        &a.scan,
        color,
        msgs,
        mode,
        &mut platform_reports,
    )
}

fn write_file(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let file = std::fs::File::create(path)
        .with_context(|| format!("cannot write the report to {}", path.display()))?;
    let mut w = std::io::BufWriter::new(file);
    write(&mut w)
        .and_then(|()| w.flush())
        .with_context(|| format!("cannot write the report to {}", path.display()))
}

fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(text.as_bytes())
}

/// Text from scanned content (paths, rule names of a repository's custom rules) as inert
/// markdown: control characters escaped as everywhere, then every markdown punctuation character
/// backslash-escaped, so nothing in it becomes a link, an image, HTML or a table cell break.
fn md(text: &str) -> String {
    let visible = escape(text).to_string();
    let mut out = String::with_capacity(visible.len());
    for c in visible.chars() {
        if c.is_ascii_punctuation() && !matches!(c, '/' | '.' | '-' | ':' | ',') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The job summary: a verdict, what was scanned, counts by severity and a table of findings
/// (rule, place, commit, the redacted secret). Never a secret value, whatever `--show-secrets`
/// says: a summary is shown to everyone who can see the run.
fn markdown(o: &Outcome, event: &str, what: &str) -> String {
    let mut s = String::new();
    let n = o.findings.len();
    if n == 0 {
        s.push_str("## keyhound: no secrets found\n\n");
    } else {
        s.push_str(&format!(
            "## keyhound: {} found\n\n",
            plural(n, "secret", "secrets")
        ));
    }
    let commits = o
        .summary
        .commits
        .map(|c| format!(", {}", plural(c, "commit", "commits")))
        .unwrap_or_default();
    s.push_str(&format!(
        "{}: scanned {}{commits} ({}).\n\n",
        md(event),
        md(what),
        plural(o.summary.files as usize, "blob", "blobs"),
    ));
    if !o.errors.is_empty() {
        s.push_str(&format!(
            "**{} could not be scanned** (the job fails with exit status 2):\n\n",
            plural(o.errors.len(), "item", "items")
        ));
        for e in o.errors.iter().take(SUMMARY_ROWS) {
            s.push_str(&format!("- {}\n", md(&e.to_string())));
        }
        s.push('\n');
    }
    if n > 0 {
        s.push_str("| Severity | Findings |\n|---|---:|\n");
        for sev in [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
        ] {
            let k = o.findings.iter().filter(|f| f.rule.severity == sev).count();
            if k > 0 {
                s.push_str(&format!("| {} | {k} |\n", sev.as_str()));
            }
        }
        s.push_str("\n| Severity | Rule | Where | Commit | Secret |\n|---|---|---|---|---|\n");
        let mut sorted: Vec<&Finding> = o.findings.iter().collect();
        sorted.sort_by_key(|f| f.rule.severity);
        for f in sorted.iter().take(SUMMARY_ROWS) {
            let place = format!("{}:{}", f.location.path, f.location.start.line);
            let more = if f.also_at.is_empty() {
                String::new()
            } else {
                format!(" (and {} more)", f.also_at.len())
            };
            let commit = f
                .location
                .commit
                .as_ref()
                .map(|c| format!("`{}`", short(&c.commit)))
                .unwrap_or_default();
            s.push_str(&format!(
                "| {} | {} (`{}`) | {}{more} | {commit} | `{}` |\n",
                f.rule.severity.as_str(),
                md(&f.rule.name),
                f.rule.id.replace('`', "'"),
                md(&place),
                f.secret.redacted().replace('`', "'"),
            ));
        }
        if n > SUMMARY_ROWS {
            s.push_str(&format!(
                "\nand {} more: see the job log or the report.\n",
                n - SUMMARY_ROWS
            ));
        }
        s.push_str(
            "\nA real secret: revoke and rotate it first (`keyhound rules explain RULE` says \
             how), then remove it from the code. A false positive: `keyhound:allow` in a comment \
             on its line, or its fingerprint in `.keyhoundignore`.\n",
        );
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn args() -> CiArgs {
        use clap::Parser;
        match crate::cli::Cli::parse_from(["keyhound", "ci"]).command {
            super::super::args::Command::Ci(a) => a,
            _ => unreachable!("parsed as ci"),
        }
    }

    fn event_of(vars: &[(&str, &str)]) -> Event {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let env = move |k: &str| map.get(k).cloned().filter(|v| !v.is_empty());
        detect(&args(), &env).expect("detects")
    }

    #[test]
    fn gitlab_pipelines_map_to_intents() {
        let a = "a".repeat(40);
        let b = "b".repeat(40);
        let zeros = "0".repeat(40);
        let base = [("GITLAB_CI", "true"), ("CI_COMMIT_SHA", b.as_str())];
        let with = |more: &[(&'static str, &str)]| {
            let mut v: Vec<(&str, &str)> = base.to_vec();
            v.extend_from_slice(more);
            event_of(&v).intent
        };
        for source in ["schedule", "web", "api", "trigger"] {
            assert_eq!(
                with(&[
                    ("CI_PIPELINE_SOURCE", source),
                    ("CI_COMMIT_BEFORE_SHA", &zeros)
                ]),
                Intent::Audit
            );
        }
        assert_eq!(
            with(&[
                ("CI_PIPELINE_SOURCE", "merge_request_event"),
                ("CI_MERGE_REQUEST_DIFF_BASE_SHA", &a),
                ("CI_COMMIT_BEFORE_SHA", &zeros)
            ]),
            Intent::Change {
                base: a.clone(),
                head: b.clone()
            }
        );
        assert_eq!(
            with(&[("CI_PIPELINE_SOURCE", "push"), ("CI_COMMIT_TAG", "v1")]),
            Intent::Tag { head: b.clone() }
        );
        assert_eq!(
            with(&[
                ("CI_PIPELINE_SOURCE", "push"),
                ("CI_COMMIT_BEFORE_SHA", &a),
                ("CI_COMMIT_BRANCH", "feature")
            ]),
            Intent::Push {
                before: a.clone(),
                after: b.clone(),
                branch: Some("feature".into())
            }
        );
    }

    fn github_intent(event: &str, payload: &serde_json::Value) -> Intent {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("event.json");
        std::fs::write(&path, payload.to_string()).expect("payload");
        let path = path.display().to_string();
        event_of(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_EVENT_NAME", event),
            ("GITHUB_EVENT_PATH", &path),
            ("GITHUB_SHA", &"c".repeat(40)),
        ])
        .intent
    }

    #[test]
    fn github_events_map_to_intents() {
        let (a, b, c) = ("a".repeat(40), "b".repeat(40), "c".repeat(40));
        let zeros = "0".repeat(40);
        let pr = serde_json::json!({"pull_request": {"base": {"sha": a}, "head": {"sha": b}}});
        for event in ["pull_request", "pull_request_target"] {
            assert_eq!(
                github_intent(event, &pr),
                Intent::Change {
                    base: a.clone(),
                    head: b.clone()
                }
            );
        }
        assert_eq!(
            github_intent(
                "merge_group",
                &serde_json::json!({"merge_group": {"base_sha": a, "head_sha": b}})
            ),
            Intent::Change {
                base: a.clone(),
                head: b.clone()
            }
        );
        for event in ["schedule", "workflow_dispatch"] {
            assert_eq!(github_intent(event, &serde_json::json!({})), Intent::Audit);
        }
        assert_eq!(
            github_intent(
                "push",
                &serde_json::json!({"ref": "refs/heads/x", "before": b, "after": zeros, "deleted": true})
            ),
            Intent::Nothing
        );
        assert_eq!(
            github_intent(
                "push",
                &serde_json::json!({"ref": "refs/tags/v1", "before": zeros, "after": b})
            ),
            Intent::Tag { head: b.clone() }
        );
        // an event value is an id or nothing, never a revision expression
        assert_eq!(
            github_intent(
                "push",
                &serde_json::json!({"ref": "refs/heads/x", "before": "HEAD~5", "after": b})
            ),
            Intent::NotOnDefault { head: b.clone() }
        );
        // any other event: what the default branch lacks at GITHUB_SHA
        assert_eq!(
            github_intent("release", &serde_json::json!({})),
            Intent::NotOnDefault { head: c }
        );
    }

    #[test]
    fn off_ci_without_flags_scans_what_the_default_branch_lacks() {
        assert_eq!(
            event_of(&[]).intent,
            Intent::NotOnDefault {
                head: "HEAD".into()
            }
        );
    }

    #[test]
    fn markdown_escapes_what_scanned_content_controls() {
        assert_eq!(md("a|b"), "a\\|b");
        assert_eq!(md("[x](http://e)"), "\\[x\\]\\(http://e\\)");
        assert_eq!(md("<img src=x>"), "\\<img src\\=x\\>");
        assert!(!md("a\nb").contains('\n'));
    }
}
