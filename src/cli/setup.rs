//! Turns config flags into an engine and filters: which config file (flag, environment, the one
//! at the root of what is scanned, or the one in a trusted commit), `.keyhoundignore`, and the
//! baseline, a gitleaks user's `.gitleaksignore`, and which rules run (`--rule`,
//! `--exclude-rule`). Every problem here stops the run before scanning, with the file and place.

use super::args::{ConfigArgs, SelectArgs};
use super::run::Messages;
use crate::config::limits::{self, Kind, Limits};
use crate::config::{Config, FILE_NAMES};
use crate::filter::Filters;
use crate::filter::baseline::Baseline;
use crate::filter::ignore;
use crate::scan::Engine;
use crate::source::git::Repo;
use anyhow::{Context, Result, anyhow, bail};
use std::path::{Path, PathBuf};

/// Where the config and ignore file are looked for.
pub(super) enum Scope<'a> {
    /// A folder scan (or stdin, from the current folder): its root.
    Folder(&'a Path),
    /// A repository scan: any path inside it; findings' paths are relative to its root.
    Repo {
        path: &'a Path,
        /// Read the config files from this commit instead of the work tree.
        from_ref: Option<&'a str>,
    },
}

pub(super) struct Setup {
    pub engine: Engine,
    pub filters: Filters,
    /// The config's rules that `--rule`/`--exclude-rule` left out of the engine (`--context`
    /// masks what they find too).
    pub unselected: Vec<crate::rules::Rule>,
}

/// The work tree root above `path`, found by looking for `.git` (no repository is opened).
fn work_tree_root(path: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(path).ok()?;
    start
        .ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

fn find_config(dir: &Path) -> Option<PathBuf> {
    FILE_NAMES
        .iter()
        .map(|n| {
            if dir == Path::new(".") {
                PathBuf::from(n)
            } else {
                dir.join(n)
            }
        })
        .find(|p| p.is_file())
}

fn read_ignore(dir: &Path, max_size: u64) -> Result<std::collections::HashSet<String>> {
    let path = if dir == Path::new(".") {
        PathBuf::from(ignore::FILE_NAME)
    } else {
        dir.join(ignore::FILE_NAME)
    };
    match limits::read(&path, Kind::Ignore, max_size) {
        Ok(bytes) => Ok(ignore::parse(
            &path.display().to_string(),
            &String::from_utf8_lossy(&bytes),
        )?),
        Err(e) if e.is_not_found() => Ok(Default::default()),
        Err(e) => Err(anyhow!("cannot read {}: {e}", path.display())),
    }
}

/// A gitleaks user's `.gitleaksignore` in `dir`, if there is one.
fn read_gitleaks_ignore(dir: &Path, max_size: u64) -> Result<ignore::GitleaksIgnore> {
    let path = if dir == Path::new(".") {
        PathBuf::from(ignore::GITLEAKS_FILE_NAME)
    } else {
        dir.join(ignore::GITLEAKS_FILE_NAME)
    };
    match limits::read(&path, Kind::Ignore, max_size) {
        Ok(bytes) => Ok(ignore::parse_gitleaks(
            &path.display().to_string(),
            &String::from_utf8_lossy(&bytes),
        )?),
        Err(e) if e.is_not_found() => Ok(Default::default()),
        Err(e) => Err(anyhow!("cannot read {}: {e}", path.display())),
    }
}

/// Keeps the rules `--rule` selects (all when none is given) minus those `--exclude-rule` names;
/// returns (kept, left out). Each id is a glob (`aws-*`); one that matches none of the config's
/// rules is an error naming it, as is a selection that leaves no rule.
pub(super) fn select_rules(
    rules: Vec<crate::rules::Rule>,
    select: &SelectArgs,
) -> Result<(Vec<crate::rules::Rule>, Vec<crate::rules::Rule>)> {
    if select.rules.is_empty() && select.exclude_rules.is_empty() {
        return Ok((rules, Vec::new()));
    }
    let compile = |flag: &str, pats: &[String]| -> Result<Vec<globset::GlobMatcher>> {
        pats.iter()
            .map(|p| {
                let m = globset::Glob::new(p.trim())
                    .map_err(|e| anyhow!("{flag} {}: not a rule id or glob: {}", escape_arg(p), e.kind()))?
                    .compile_matcher();
                if !rules.iter().any(|r| m.is_match(r.id())) {
                    bail!(
                        "{flag} {}: no rule has this id{} (`keyhound rules list` lists them; a rule \
                         the config disables or does not define cannot be selected)",
                        escape_arg(p),
                        if p.contains(['*', '?', '[']) { " or matches this glob" } else { "" }
                    );
                }
                Ok(m)
            })
            .collect()
    };
    let include = compile("--rule", &select.rules)?;
    let exclude = compile("--exclude-rule", &select.exclude_rules)?;
    let (kept, left): (Vec<_>, Vec<_>) = rules.into_iter().partition(|r| {
        (include.is_empty() || include.iter().any(|m| m.is_match(r.id())))
            && !exclude.iter().any(|m| m.is_match(r.id()))
    });
    if kept.is_empty() {
        bail!("--rule and --exclude-rule leave no rule to run");
    }
    Ok((kept, left))
}

/// A rule id as typed, for an error message: the shell gave it, but it is still quoted and
/// escaped.
fn escape_arg(s: &str) -> String {
    format!("{:?}", s)
}

/// The limits the flags (or their environment variables) set.
pub(super) fn limits_of(args: &ConfigArgs) -> Limits {
    Limits {
        config: args.limits.max_config_size,
        baseline: args.limits.max_baseline_size,
    }
}

/// Environment variables that hold the fingerprint key, or name a file holding it.
pub(super) const KEY_ENV: &str = "KEYHOUND_FINGERPRINT_KEY";
pub(super) const KEY_FILE_ENV: &str = "KEYHOUND_FINGERPRINT_KEY_FILE";
/// A key file is a few dozen bytes; anything larger is not one.
const MAX_KEY_FILE: u64 = 4096;

/// Sets the fingerprint key from the environment, once per run, before anything is scanned
/// (`fingerprint::set_key`). The key file must lie outside the work tree scanned (`root`): a key
/// kept in the repository protects nothing. Neither the key nor the file's content is ever printed.
pub(super) fn fingerprint_key(root: Option<&Path>) -> Result<()> {
    let value = std::env::var_os(KEY_ENV).filter(|v| !v.is_empty());
    let file = std::env::var_os(KEY_FILE_ENV).filter(|v| !v.is_empty());
    let mut key: Vec<u8> = match (value, file) {
        (None, None) => return Ok(()),
        (Some(_), Some(_)) => bail!(
            "both {KEY_ENV} and {KEY_FILE_ENV} are set; set one (the key, or the file holding it)"
        ),
        (Some(v), None) => v.into_encoded_bytes(),
        (None, Some(f)) => {
            let path = PathBuf::from(f);
            let real = std::fs::canonicalize(&path).with_context(|| {
                format!(
                    "{KEY_FILE_ENV}: cannot open the key file {}",
                    path.display()
                )
            })?;
            if let Some(root) = root.and_then(|r| std::fs::canonicalize(r).ok())
                && real.starts_with(&root)
            {
                bail!(
                    "{KEY_FILE_ENV}: the key file {} is inside the repository scanned ({}); keep \
                     it outside (a committed key protects nothing)",
                    path.display(),
                    root.display()
                );
            }
            limits::read(&real, Kind::Config, MAX_KEY_FILE).map_err(|e| {
                anyhow!(
                    "{KEY_FILE_ENV}: cannot read the key file {}: {}",
                    path.display(),
                    match e {
                        limits::ReadError::TooLarge { .. } =>
                            format!("it is larger than {MAX_KEY_FILE} bytes, so not a key file"),
                        other => other.to_string(),
                    }
                )
            })?
        }
    };
    // a trailing newline (`echo … >`, a secret store's value) is not part of the key, so the same
    // key reads the same from the variable and from a file
    while key.last().is_some_and(u8::is_ascii_whitespace) {
        key.pop();
    }
    match crate::fingerprint::set_key(&key) {
        Ok(()) | Err(crate::fingerprint::KeyError::AlreadySet) => Ok(()),
        Err(e) => Err(anyhow!("{KEY_ENV}: {e}")),
    }
}

/// A baseline's own checks besides parsing: the fingerprint key it was written under.
fn checked(b: Baseline, file: &str) -> Result<Baseline> {
    b.check_key(file, crate::fingerprint::key_id())?;
    Ok(b)
}

/// `file:line:column` of the config's `baseline:` key.
fn label_of(config: &Config) -> String {
    match &config.baseline {
        Some(b) => format!("{}:{}:{}", config.origin, b.line, b.column),
        None => config.origin.clone(),
    }
}

/// Loads the baseline a config names (relative to the config's folder `dir`). Errors name the
/// config's `baseline:` line, not the path written there (it is a value from the repository).
pub(super) fn config_baseline(
    config: &Config,
    dir: Option<&Path>,
    limits: &Limits,
) -> Result<Baseline> {
    let Some(b) = &config.baseline else {
        bail!("{}: names no baseline", config.origin);
    };
    let at = dir.unwrap_or(Path::new("")).join(&b.path);
    let loaded = match Baseline::load(&at, limits.baseline) {
        Ok(loaded) => loaded,
        Err(e) => return Err(config.baseline_error(e.message).into()),
    };
    loaded
        .check_key(&label_of(config), crate::fingerprint::key_id())
        .map_err(|e| config.baseline_error(e.message))?;
    Ok(loaded)
}

/// Which baseline a run applies.
#[derive(Debug, Clone, Copy)]
pub(super) enum BaselineUse<'a> {
    /// `--baseline FILE`, else the config's `baseline:` if it names one.
    Given(Option<&'a Path>),
    /// None at all: `keyhound baseline FILE` records every finding, and the file the config
    /// names may not exist yet (it is often the one being written).
    Ignored,
}

/// Loads everything a scan needs besides its source.
pub(super) fn setup(
    args: &ConfigArgs,
    baseline: BaselineUse<'_>,
    scope: Scope<'_>,
    msgs: &Messages,
) -> Result<Setup> {
    let mut filters = Filters::default();
    let limits = limits_of(args);
    let (baseline, use_config_baseline) = match baseline {
        BaselineUse::Given(b) => (b, true),
        BaselineUse::Ignored => (None, false),
    };
    // the key file may not lie in the work tree of what is scanned (where it could be committed)
    let key_root = match scope {
        Scope::Folder(p) => work_tree_root(p),
        Scope::Repo { path, .. } => work_tree_root(path).or_else(|| Some(path.to_path_buf())),
    };
    fingerprint_key(key_root.as_deref())?;
    let config = match scope {
        Scope::Repo {
            path,
            from_ref: Some(rev),
        } => {
            let repo = Repo::discover(path)?;
            let mut found = None;
            for name in FILE_NAMES {
                if let Some(bytes) = repo.file_at(rev, name)? {
                    found = Some((name, bytes));
                    break;
                }
            }
            let config = match found {
                Some((name, bytes)) => {
                    let label = format!("{rev}:{name}");
                    limits::check(Kind::Config, bytes.len(), limits.config)
                        .map_err(|e| anyhow!("{label}: {e}"))?;
                    let text =
                        String::from_utf8(bytes).map_err(|_| anyhow!("{label}: not UTF-8 text"))?;
                    Config::parse(&label, &text)?
                }
                None => {
                    msgs.say(format_args!(
                        "{rev} has no {}: built-in rules, nothing allowlisted",
                        FILE_NAMES[0]
                    ));
                    Config::builtin()?
                }
            };
            if !args.no_config
                && let Some(bytes) = repo.file_at(rev, ignore::FILE_NAME)?
            {
                let label = format!("{rev}:{}", ignore::FILE_NAME);
                limits::check(Kind::Ignore, bytes.len(), limits.config)
                    .map_err(|e| anyhow!("{label}: {e}"))?;
                filters.ignored = ignore::parse(&label, &String::from_utf8_lossy(&bytes))?;
            }
            if !args.no_config
                && let Some(bytes) = repo.file_at(rev, ignore::GITLEAKS_FILE_NAME)?
            {
                let label = format!("{rev}:{}", ignore::GITLEAKS_FILE_NAME);
                limits::check(Kind::Ignore, bytes.len(), limits.config)
                    .map_err(|e| anyhow!("{label}: {e}"))?;
                filters.gitleaks_ignored =
                    ignore::parse_gitleaks(&label, &String::from_utf8_lossy(&bytes))?;
            }
            if baseline.is_none()
                && use_config_baseline
                && let Some(b) = &config.baseline
            {
                // the path is not echoed: it is a value from the config (see `baseline_error`)
                match repo.file_at(rev, b.path.trim_start_matches("./"))? {
                    Some(bytes) => {
                        limits::check(Kind::Baseline, bytes.len(), limits.baseline)
                            .map_err(|e| config.baseline_error(format_args!("in {rev}: {e}")))?;
                        let b =
                            Baseline::parse(&label_of(&config), &String::from_utf8_lossy(&bytes))
                                .map_err(|e| {
                                config.baseline_error(format_args!("in {rev}: {}", e.message))
                            })?;
                        filters.baseline = Some(checked(b, &label_of(&config))?);
                    }
                    None => msgs.say(format_args!(
                        "{}: the baseline named here does not exist in {rev}: no baseline",
                        label_of(&config)
                    )),
                }
            }
            config
        }
        Scope::Repo {
            path,
            from_ref: None,
        }
        | Scope::Folder(path) => {
            let is_repo = matches!(scope, Scope::Repo { .. });
            let root = if is_repo {
                work_tree_root(path)
            } else {
                Some(path.to_path_buf())
            };
            if !is_repo && !path.as_os_str().is_empty() && path != Path::new(".") {
                filters.root = path.display().to_string();
            }
            let (config, dir) = if args.no_config {
                (Config::builtin()?, None)
            } else if let Some(file) = &args.config {
                let config = Config::load(file, limits.config)?;
                let dir = file.parent().map(Path::to_path_buf);
                (config, dir)
            } else {
                match root.as_deref().and_then(find_config) {
                    Some(file) => (Config::load(&file, limits.config)?, root.clone()),
                    None => (Config::builtin()?, None),
                }
            };
            if !args.no_config
                && let Some(root) = &root
            {
                filters.ignored = read_ignore(root, limits.config)?;
                filters.gitleaks_ignored = read_gitleaks_ignore(root, limits.config)?;
            }
            if baseline.is_none() && use_config_baseline && config.baseline.is_some() {
                filters.baseline = Some(config_baseline(&config, dir.as_deref(), &limits)?);
            }
            config
        }
    };
    if let Some(b) = baseline {
        let file = b.display().to_string();
        filters.baseline = Some(checked(Baseline::load(b, limits.baseline)?, &file)?);
    }
    if !config.origin.is_empty() {
        msgs.detail(format_args!(
            "config {}: {} rules ({} custom), {} allowlist entries",
            config.origin,
            config.rules.len(),
            config.custom.len(),
            config.allowlists.len()
        ));
    }
    filters.allowlists = config.allowlists;
    filters.min_severity = args.select.min_severity.map(super::args::Level::severity);
    filters
        .gitleaks_ignored
        .resolve(config.rules.iter().map(|r| r.id()));
    let (rules, unselected) = select_rules(config.rules, &args.select)?;
    let engine = Engine::new(rules).context("cannot build the rule engine")?;
    Ok(Setup {
        engine,
        filters,
        unselected,
    })
}
