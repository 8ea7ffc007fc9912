//! Flags → a resolved `Plan` → run → report → exit status.

use super::args::{BaselineArgs, Cli, ColorChoice, Command, FormatArg, GitArgs, ScanArgs};
use super::setup::{BaselineUse, Scope, Setup, setup};
use crate::exit::ExitStatus;
use crate::pipeline::{self, Outcome, Plan, SourcePlan};
use crate::report::{DEFAULT_WIDTH, Format, HumanWidth, Report, escape, human_bytes};
use crate::rules;
use crate::scan::Engine;
use crate::source::fs::DirOptions;
use crate::source::git::{HistoryOptions, RangeOptions, StagedOptions};
use anyhow::{Context, Result};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Where messages (not the report) go: standard error, with the user's verbosity. Messages quote
/// paths, names, labels and errors that come from scanned content, so each is printed through
/// `report::escape`: no control character of theirs reaches the terminal.
pub(super) struct Messages {
    pub quiet: bool,
    pub verbose: bool,
}

impl Messages {
    pub fn say(&self, msg: impl std::fmt::Display) {
        if !self.quiet {
            eprintln!("keyhound: {}", escape(&msg.to_string()));
        }
    }
    pub fn detail(&self, msg: impl std::fmt::Display) {
        if self.verbose {
            eprintln!("keyhound: {}", escape(&msg.to_string()));
        }
    }
    /// Errors are shown even with `-q`.
    pub fn error(&self, msg: impl std::fmt::Display) {
        eprintln!("keyhound: {}", escape(&msg.to_string()));
    }
}

/// Runs the parsed command line.
pub fn main_with(cli: Cli) -> Result<ExitStatus> {
    let msgs = Messages {
        quiet: cli.quiet,
        verbose: cli.verbose,
    };
    match cli.command {
        Command::Dir(a) => {
            if a.paths.iter().any(|p| p.as_os_str() == "-") {
                anyhow::bail!(
                    "`-` (standard input) cannot be scanned with `keyhound dir`: use `keyhound stdin`, e.g. `cat app.log | keyhound stdin --label app.log` (a file named `-` is `./-`)"
                );
            }
            let roots = if a.paths.is_empty() {
                vec![PathBuf::from(".")]
            } else {
                a.paths
            };
            let root = match roots.as_slice() {
                [one] if one.is_dir() => one.clone(),
                _ => PathBuf::from("."),
            };
            let setup = setup(
                &a.scan.config,
                BaselineUse::Given(a.scan.baseline.as_deref()),
                Scope::Folder(&root),
                &msgs,
            )?;
            let source = SourcePlan::Dir(DirOptions {
                roots,
                no_ignore: a.no_ignore,
                max_file_size: a.scan.max_file_size,
                threads: threads(&a.scan),
            });
            scan(source, setup, &a.scan, cli.color, &msgs, Mode::Files)
        }
        Command::Stdin(a) => {
            let setup = setup(
                &a.scan.config,
                BaselineUse::Given(a.scan.baseline.as_deref()),
                Scope::Folder(std::path::Path::new(".")),
                &msgs,
            )?;
            scan(
                SourcePlan::Stdin { label: a.label },
                setup,
                &a.scan,
                cli.color,
                &msgs,
                Mode::Files,
            )
        }
        Command::Staged(a) => {
            let setup = setup(
                &a.scan.config,
                BaselineUse::Given(a.scan.baseline.as_deref()),
                Scope::Repo {
                    path: &a.repo,
                    from_ref: None,
                },
                &msgs,
            )?;
            let source = SourcePlan::Staged {
                repo: a.repo,
                opts: StagedOptions {
                    max_file_size: a.scan.max_file_size,
                },
            };
            scan(source, setup, &a.scan, cli.color, &msgs, Mode::Staged)
        }
        Command::Git(a) => git(a, cli.color, &msgs),
        Command::Ci(a) => super::ci::run(a, cli.color, &msgs),
        Command::Baseline(a) => baseline(a, &msgs),
        Command::InstallHook(a) => super::hook::install(&a.repo, a.force, &msgs),
        Command::Rules(cmd) => super::rules_cmd::run(cmd, &msgs),
        Command::Config(cmd) => super::config_cmd::run(cmd, &msgs),
    }
}

fn git(a: GitArgs, color: ColorChoice, msgs: &Messages) -> Result<ExitStatus> {
    let setup = setup(
        &a.scan.config,
        BaselineUse::Given(a.scan.baseline.as_deref()),
        Scope::Repo {
            path: &a.repo,
            from_ref: a.config_from_ref.as_deref(),
        },
        msgs,
    )?;
    let (source, mode) = match a.range {
        Some(range) => (
            SourcePlan::Range {
                repo: a.repo,
                opts: RangeOptions {
                    range,
                    max_file_size: a.scan.max_file_size,
                },
            },
            Mode::Range,
        ),
        None => (
            SourcePlan::History {
                repo: a.repo,
                opts: HistoryOptions {
                    max_file_size: a.scan.max_file_size,
                    threads: threads(&a.scan),
                    progress: (!msgs.quiet && std::io::stderr().is_terminal()).then(|| {
                        std::sync::Arc::new(crate::source::git::history::Progress::default())
                    }),
                },
                include_unreachable: a.include_unreachable,
            },
            Mode::History,
        ),
    };
    scan(source, setup, &a.scan, color, msgs, mode)
}

/// `keyhound baseline FILE`: the repository's history (or the folder's files) with the config's
/// allowlists applied, written as a baseline.
fn baseline(a: BaselineArgs, msgs: &Messages) -> Result<ExitStatus> {
    let threads = a
        .threads
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let in_repo = !a.dir && crate::source::git::Repo::discover(&a.repo).is_ok();
    let scope = if in_repo {
        Scope::Repo {
            path: &a.repo,
            from_ref: None,
        }
    } else {
        Scope::Folder(&a.repo)
    };
    let Setup {
        engine, filters, ..
    } = setup(&a.config, BaselineUse::Ignored, scope, msgs)?;
    let source = if in_repo {
        SourcePlan::History {
            repo: a.repo.clone(),
            opts: HistoryOptions {
                max_file_size: a.max_file_size,
                threads,
                progress: (!msgs.quiet && std::io::stderr().is_terminal())
                    .then(|| std::sync::Arc::new(crate::source::git::history::Progress::default())),
            },
            include_unreachable: false,
        }
    } else {
        SourcePlan::Dir(DirOptions {
            roots: vec![a.repo.clone()],
            no_ignore: false,
            max_file_size: a.max_file_size,
            threads,
        })
    };
    let plan = Plan {
        source,
        engine,
        filters,
        collect_skips: msgs.verbose,
    };
    let outcome = run_plan(&plan)?;
    for e in &outcome.errors {
        msgs.error(e);
    }
    write_baseline(&a.file, &outcome)?;
    let n = outcome.findings.len();
    msgs.say(format_args!(
        "recorded {n} finding{} of {} in {}; scans with `--baseline {}` report only findings not in it",
        if n == 1 { "" } else { "s" },
        if in_repo { "the history" } else { "the files" },
        a.file.display(),
        a.file.display(),
    ));
    msgs.say(format_args!(
        "commit the file; so that branches adding entries merge cleanly, add `{} merge=union` to .gitattributes",
        a.file.display()
    ));
    if n > 0 {
        msgs.say(
            "a baseline hides known secrets, it does not make them safe: revoke and rotate them",
        );
    }
    Ok(if outcome.errors.is_empty() {
        ExitStatus::Clean
    } else {
        ExitStatus::Error
    })
}

fn write_baseline(path: &std::path::Path, outcome: &Outcome) -> Result<()> {
    let mut all: Vec<crate::finding::Finding> = outcome.findings.clone();
    all.extend(outcome.known.iter().cloned());
    std::fs::write(path, crate::filter::baseline::render(&all))
        .with_context(|| format!("cannot write the baseline {}", path.display()))
}

/// Runs a plan with the progress display history scans show on a terminal.
fn run_plan(plan: &Plan) -> Result<Outcome> {
    run_plan_with(plan, None)
}

/// `run_plan`, keeping the lines around each finding (`--context`).
fn run_plan_with(plan: &Plan, excerpts: Option<&pipeline::Excerpts>) -> Result<Outcome> {
    let ticker = match &plan.source {
        SourcePlan::History { opts, .. } => opts.progress.clone().map(super::progress::start),
        _ => None,
    };
    let outcome = pipeline::run_with(plan, excerpts);
    if let Some(t) = ticker {
        t.finish();
    }
    Ok(outcome?)
}

/// What kind of scan ran, for the summary's wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Files,
    Staged,
    Range,
    History,
}

pub(super) fn threads(a: &ScanArgs) -> usize {
    a.threads
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// The engine over the built-in rules.
pub(crate) fn builtin_engine() -> Result<Engine> {
    let rules = rules::builtin_rules()
        .context("the built-in rules do not load (a bug: please report it)")?;
    Engine::new(rules).context("cannot build the rule engine")
}

fn use_color(choice: ColorChoice, to_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

fn scan(
    source: SourcePlan,
    setup: Setup,
    args: &ScanArgs,
    color: ColorChoice,
    msgs: &Messages,
    mode: Mode,
) -> Result<ExitStatus> {
    scan_and(source, setup, args, color, msgs, mode, &mut |_| Ok(()))
}

/// `scan`, calling `also` with the outcome before the report is written (`keyhound ci` writes
/// the platform's reports there).
pub(super) fn scan_and(
    source: SourcePlan,
    setup: Setup,
    args: &ScanArgs,
    color: ColorChoice,
    msgs: &Messages,
    mode: Mode,
    also: &mut dyn FnMut(&Outcome) -> Result<()>,
) -> Result<ExitStatus> {
    if args.context > 0 && args.format != FormatArg::Human {
        anyhow::bail!(
            "--context shows lines in the human report; the {} format has no place for them (drop --context or use --format human)",
            format_name(args.format)
        );
    }
    let excerpts = (args.context > 0)
        .then(|| excerpts(args.context, &setup))
        .transpose()?;
    let plan = Plan {
        source,
        engine: setup.engine,
        filters: setup.filters,
        collect_skips: msgs.verbose,
    };
    let outcome = run_plan_with(&plan, excerpts.as_ref())?;
    if let Some(path) = &args.write_baseline {
        write_baseline(path, &outcome)?;
        let n = outcome.findings.len() + outcome.known.len();
        msgs.say(format_args!(
            "wrote {n} finding{} to the baseline {}",
            if n == 1 { "" } else { "s" },
            path.display()
        ));
    }
    for (path, why) in &outcome.skipped {
        msgs.detail(format_args!("{path}: {why}"));
    }
    for e in &outcome.errors {
        msgs.error(e);
    }
    for n in &outcome.notices {
        msgs.error(format_args!("note: {n}"));
    }
    let status = status_of(&outcome, args);
    also(&outcome)?;
    write_report(&outcome, args, color)?;
    summarize(&outcome, msgs, mode);
    say_policy(&outcome, args, status, msgs);
    // the process ends next: freeing hundreds of compiled rules and every finding one by one
    // would only add to a pre-commit hook's time (measured: ~0.5 ms of 8)
    std::mem::forget(plan);
    std::mem::forget(outcome);
    Ok(status)
}

fn write_report(outcome: &Outcome, args: &ScanArgs, color: ColorChoice) -> Result<()> {
    let format = match args.format {
        FormatArg::Human => Format::Human,
        FormatArg::Json => Format::Json,
        FormatArg::Jsonl => Format::JsonLines,
        FormatArg::Sarif => Format::Sarif,
        FormatArg::Gitlab => Format::GitLab,
    };
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let report = Report {
        findings: &outcome.findings,
        summary: &outcome.summary,
        errors: &outcome.errors,
        show_secrets: args.show_secrets,
        color: format == Format::Human && use_color(color, to_terminal),
    };
    let reporter = match format {
        Format::Human => Box::new(HumanWidth(report_width(to_terminal))),
        other => other.reporter(),
    };
    match &args.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot write the report to {}", path.display()))?;
            let mut w = std::io::BufWriter::new(file);
            reporter
                .write(&report, &mut w)
                .and_then(|()| w.flush())
                .with_context(|| format!("cannot write the report to {}", path.display()))?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            reporter
                .write(&report, &mut w)
                .and_then(|()| w.flush())
                .context("cannot write the report to standard output")?;
        }
    }
    Ok(())
}

/// `--context N`: what the pipeline needs to show N lines around each finding. When `--rule` or
/// `--exclude-rule` left rules out of the engine, masking runs every rule of the config all the
/// same (a secret next to a generic finding is masked whichever rules were asked for).
fn excerpts(lines: u32, setup: &Setup) -> Result<pipeline::Excerpts> {
    let mask = if setup.unselected.is_empty() {
        None
    } else {
        let mut rules = Vec::with_capacity(setup.engine.rules().len() + setup.unselected.len());
        for r in setup.engine.rules().iter().chain(&setup.unselected) {
            rules.push(rules::Rule::new(r.spec.clone(), &r.origin)?);
        }
        Some(Engine::new(rules).context("cannot build the rule engine")?)
    };
    Ok(pipeline::Excerpts { lines, mask })
}

fn format_name(f: FormatArg) -> String {
    use clap::ValueEnum;
    f.to_possible_value()
        .map_or_else(String::new, |v| v.get_name().to_string())
}

/// How many findings are at or above `--fail-on`.
fn failing(o: &Outcome, args: &ScanArgs) -> usize {
    match args.fail_on.threshold() {
        Some(t) => o.findings.iter().filter(|f| f.rule.severity <= t).count(),
        None => 0,
    }
}

/// The exit status under `--fail-on`: 1 only for findings at or above it; 2 for anything that
/// could not be scanned, whatever `--fail-on` says.
pub(super) fn status_of(o: &Outcome, args: &ScanArgs) -> ExitStatus {
    ExitStatus::of(failing(o, args), o.errors.len())
}

/// Says why findings did not fail the run, when `--fail-on` is why.
fn say_policy(o: &Outcome, args: &ScanArgs, status: ExitStatus, msgs: &Messages) {
    let below = o.findings.len() - failing(o, args);
    if below == 0 || status == ExitStatus::Error {
        return;
    }
    if below == o.findings.len() {
        msgs.say(format_args!(
            "no finding is at or above --fail-on {}: exit status 0",
            args.fail_on.as_str()
        ));
    } else {
        msgs.say(format_args!(
            "{below} finding{} below --fail-on {} do{} not fail the run",
            if below == 1 { "" } else { "s" },
            args.fail_on.as_str(),
            if below == 1 { "es" } else { "" },
        ));
    }
}

/// The width the human report is wrapped to: `COLUMNS`, else the terminal's, else 100.
fn report_width(to_terminal: bool) -> usize {
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
    {
        return n;
    }
    // a pseudo-terminal nobody sized says 0 columns
    if to_terminal
        && let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size()
        && w > 0
    {
        return usize::from(w);
    }
    DEFAULT_WIDTH
}

/// One line per rule with findings, most severe first: id, severity, findings, files.
fn per_rule(o: &Outcome, msgs: &Messages) {
    use std::collections::{BTreeMap, BTreeSet};
    let mut by_rule: BTreeMap<(crate::rules::Severity, &str), (usize, BTreeSet<&str>)> =
        BTreeMap::new();
    for f in &o.findings {
        let e = by_rule.entry((f.rule.severity, &f.rule.id)).or_default();
        e.0 += 1;
        e.1.extend(
            std::iter::once(&f.location)
                .chain(&f.also_at)
                .map(|l| l.path.as_str()),
        );
    }
    let id_width = by_rule.keys().map(|(_, id)| id.len()).max().unwrap_or(0);
    msgs.say("by rule:");
    for ((sev, id), (n, files)) in &by_rule {
        msgs.say(format_args!(
            "  {id:<id_width$}  {:<8}  {n:>5} finding{}  in {} file{}",
            sev.as_str(),
            if *n == 1 { " " } else { "s" },
            files.len(),
            if files.len() == 1 { "" } else { "s" },
        ));
    }
}

fn summarize(o: &Outcome, msgs: &Messages, mode: Mode) {
    let s = &o.summary;
    let unit = match mode {
        Mode::Files => "file",
        Mode::Staged => "staged file",
        Mode::Range | Mode::History => "blob",
    };
    let commits = match s.commits {
        Some(n) => format!(" from {n} commit{}", if n == 1 { "" } else { "s" }),
        None => String::new(),
    };
    let scanned = format!(
        "scanned {} {unit}{}{commits} ({}) in {} ms",
        s.files,
        if s.files == 1 { "" } else { "s" },
        human_bytes(s.bytes),
        s.elapsed_ms
    );
    let binary = if s.binary > 0 {
        format!(", {} of them binary", s.binary)
    } else {
        String::new()
    };
    let skipped = if s.skipped > 0 && !msgs.verbose {
        format!(", skipped {}{binary} (-v says which)", s.skipped)
    } else if s.skipped > 0 {
        format!(", skipped {}{binary}", s.skipped)
    } else {
        String::new()
    };
    if o.findings.is_empty() {
        msgs.say(format_args!("no secrets found; {scanned}{skipped}"));
    } else {
        let mut by_sev = std::collections::BTreeMap::new();
        for f in &o.findings {
            *by_sev.entry(f.rule.severity).or_insert(0usize) += 1;
        }
        let sev: Vec<String> = by_sev
            .iter()
            .map(|(k, n)| format!("{n} {}", k.as_str()))
            .collect();
        let files: std::collections::BTreeSet<&str> = o
            .findings
            .iter()
            .flat_map(|f| std::iter::once(&f.location).chain(&f.also_at))
            .map(|l| l.path.as_str())
            .collect();
        let n = o.findings.len();
        msgs.say(format_args!(
            "found {n} secret{} ({}) in {} file{}; {scanned}{skipped}",
            if n == 1 { "" } else { "s" },
            sev.join(", "),
            files.len(),
            if files.len() == 1 { "" } else { "s" },
        ));
        per_rule(o, msgs);
        match mode {
            Mode::Staged => {
                msgs.say("commit blocked: remove the secret from the file and `git add` it again (or `git restore --staged <path>` to unstage the file)");
                msgs.say("if the secret was ever pushed or shared, revoke and rotate it first (see 'what to do'); taking it out of the commit does not un-leak it");
            }
            Mode::History => {
                msgs.say("each secret is shown where it was first committed; revoke and rotate it first (see 'what to do'), removing it from history comes after and does not un-leak it");
            }
            Mode::Files | Mode::Range => {
                msgs.say("a real secret: revoke and rotate it first (see 'what to do'), then remove it from the code");
            }
        }
        msgs.say("a false positive: `keyhound:allow` in a comment on its line, its fingerprint in .keyhoundignore, or an allowlist in .keyhound.yml; `keyhound rules explain ID` shows each");
    }
    let mut hidden = Vec::new();
    if s.allowlisted > 0 {
        hidden.push(format!("{} allowlisted by the config", s.allowlisted));
    }
    if s.ignored > 0 {
        hidden.push(format!("{} in .keyhoundignore", s.ignored));
    }
    if s.gitleaks_ignored > 0 {
        hidden.push(format!("{} in .gitleaksignore", s.gitleaks_ignored));
    }
    if s.below_min_severity > 0 {
        hidden.push(format!("{} below --min-severity", s.below_min_severity));
    }
    if s.baselined > 0 {
        hidden.push(format!("{} already in the baseline", s.baselined));
    }
    if !hidden.is_empty() {
        msgs.say(format_args!("not reported: {}", hidden.join(", ")));
    }
    if !o.errors.is_empty() {
        msgs.error(format_args!(
            "{} item{} could not be scanned (listed above); exit status 2",
            o.errors.len(),
            if o.errors.len() == 1 { "" } else { "s" }
        ));
    }
}
