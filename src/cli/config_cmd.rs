//! `keyhound config import-gitleaks | check`.

use super::args::{ConfigCommand, LimitArgs};
use super::run::Messages;
use crate::config::limits::Limits;
use crate::config::{Config, FILE_NAMES, gitleaks};
use crate::exit::ExitStatus;
use anyhow::{Context, Result, bail};
use std::path::PathBuf;

pub fn run(cmd: ConfigCommand, msgs: &Messages) -> Result<ExitStatus> {
    match cmd {
        ConfigCommand::ImportGitleaks {
            file,
            output,
            force,
        } => import(&file, &output, force, msgs),
        ConfigCommand::Check { file, limits } => check(file, limits, msgs),
    }
}

fn import(
    file: &std::path::Path,
    output: &std::path::Path,
    force: bool,
    msgs: &Messages,
) -> Result<ExitStatus> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the gitleaks config {}", file.display()))?;
    let imported = gitleaks::import(&file.display().to_string(), &text)?;
    if output.exists() && !force {
        bail!(
            "{} exists; pass --force to replace it, or --output FILE to write elsewhere",
            output.display()
        );
    }
    std::fs::write(output, &imported.yaml)
        .with_context(|| format!("cannot write {}", output.display()))?;
    for n in &imported.notes {
        msgs.error(format_args!("not carried over: {n}"));
    }
    for c in &imported.changes {
        msgs.say(format_args!("carried over with a change: {c}"));
    }
    msgs.say(format_args!(
        "wrote {}: {} custom rule{}, {} allowlist entr{}{}",
        output.display(),
        imported.rules,
        if imported.rules == 1 { "" } else { "s" },
        imported.allowlists,
        if imported.allowlists == 1 { "y" } else { "ies" },
        match (imported.notes.len(), imported.changes.len()) {
            (0, 0) => String::new(),
            (n, c) => format!(
                "; {n} thing{} not carried over, {c} carried over with a change (listed above and at the top of the file)",
                if n == 1 { "" } else { "s" }
            ),
        }
    ));
    if imported.rules > 0 {
        msgs.say(format_args!(
            "add examples to the custom rules and run `keyhound rules check --config {}`",
            output.display()
        ));
    }
    Ok(ExitStatus::Clean)
}

fn check(file: Option<PathBuf>, limits: LimitArgs, msgs: &Messages) -> Result<ExitStatus> {
    let path = match file {
        Some(f) => f,
        None => match FILE_NAMES.iter().map(PathBuf::from).find(|p| p.is_file()) {
            Some(p) => p,
            None => bail!("no {} here; name the config file to check", FILE_NAMES[0]),
        },
    };
    let limits = Limits {
        config: limits.max_config_size,
        baseline: limits.max_baseline_size,
    };
    let config = Config::load(&path, limits.config)?;
    // the baseline it names must load too: a missing one makes every scan exit 2
    let baseline = match &config.baseline {
        Some(_) => {
            super::setup::fingerprint_key(None)?;
            let b = super::setup::config_baseline(&config, path.parent(), &limits)?;
            format!(
                ", a baseline{} of {} entr{}",
                config
                    .baseline
                    .as_ref()
                    .and_then(|r| r.shown())
                    .map(|p| format!(" ({p})"))
                    .unwrap_or_default(),
                b.len(),
                if b.len() == 1 { "y" } else { "ies" }
            )
        }
        None => String::new(),
    };
    msgs.say(format_args!(
        "{}: ok: {} rules ({} custom), {} allowlist entr{}{baseline}",
        path.display(),
        config.rules.len(),
        config.custom.len(),
        config.allowlists.len(),
        if config.allowlists.len() == 1 {
            "y"
        } else {
            "ies"
        },
    ));
    Ok(ExitStatus::Clean)
}
