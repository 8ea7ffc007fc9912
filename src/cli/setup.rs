//! Turns config flags into an engine and filters: which config file (flag, environment, the one
//! at the root of what is scanned, or the one in a trusted commit), `.keyhoundignore`, and the
//! baseline. Every problem here stops the run before scanning, with the file and place.

use super::args::ConfigArgs;
use super::run::Messages;
use crate::config::{Config, FILE_NAMES};
use crate::filter::Filters;
use crate::filter::baseline::Baseline;
use crate::filter::ignore;
use crate::scan::Engine;
use crate::source::git::Repo;
use anyhow::{Context, Result, anyhow};
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

fn read_ignore(dir: &Path) -> Result<std::collections::HashSet<String>> {
    let path = if dir == Path::new(".") {
        PathBuf::from(ignore::FILE_NAME)
    } else {
        dir.join(ignore::FILE_NAME)
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(ignore::parse(&path.display().to_string(), &text)?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Default::default()),
        Err(e) => Err(anyhow!("cannot read {}: {e}", path.display())),
    }
}

/// Loads everything a scan needs besides its source.
pub(super) fn setup(
    args: &ConfigArgs,
    baseline: Option<&Path>,
    scope: Scope<'_>,
    msgs: &Messages,
) -> Result<Setup> {
    let mut filters = Filters::default();
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
                filters.ignored = ignore::parse(&label, &String::from_utf8_lossy(&bytes))?;
            }
            if baseline.is_none()
                && let Some(b) = &config.baseline
            {
                let label = format!("{rev}:{b}");
                match repo.file_at(rev, b.trim_start_matches("./"))? {
                    Some(bytes) => {
                        filters.baseline =
                            Some(Baseline::parse(&label, &String::from_utf8_lossy(&bytes))?);
                    }
                    None => msgs.say(format_args!(
                        "{label} does not exist: no baseline (the config names one)"
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
                let config = Config::load(file)?;
                let dir = file.parent().map(Path::to_path_buf);
                (config, dir)
            } else {
                match root.as_deref().and_then(find_config) {
                    Some(file) => (Config::load(&file)?, root.clone()),
                    None => (Config::builtin()?, None),
                }
            };
            if !args.no_config
                && let Some(root) = &root
            {
                filters.ignored = read_ignore(root)?;
            }
            if baseline.is_none()
                && let Some(b) = &config.baseline
            {
                let at = dir.unwrap_or_default().join(b);
                filters.baseline = Some(Baseline::load(&at).with_context(|| {
                    format!("the config {} names this baseline", config.origin)
                })?);
            }
            config
        }
    };
    if let Some(b) = baseline {
        filters.baseline = Some(Baseline::load(b)?);
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
    let engine = Engine::new(config.rules).context("cannot build the rule engine")?;
    Ok(Setup { engine, filters })
}
