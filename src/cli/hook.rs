//! `keyhound install-hook`: writes a pre-commit hook that runs `keyhound staged`. The one place
//! keyhound writes into a repository, and only when asked; an existing hook is kept unless
//! `--force`.

use super::run::Messages;
use crate::exit::ExitStatus;
use crate::source::git::Repo;
use anyhow::{Context, Result, bail};
use std::path::Path;

const MARKER: &str = "# installed by keyhound install-hook";

fn script(exe: &Path) -> String {
    let exe = exe.display().to_string().replace('\'', r"'\''");
    format!(
        "#!/bin/sh\n{MARKER}: blocks commits that add secrets.\n\
         # Skip once (think twice): git commit --no-verify\n\
         if command -v keyhound >/dev/null 2>&1; then\n  exec keyhound staged\nfi\n\
         exec '{exe}' staged\n"
    )
}

pub fn install(repo: &Path, force: bool, msgs: &Messages) -> Result<ExitStatus> {
    let repo = Repo::discover(repo)?;
    let dir = repo.hooks_dir();
    let hook = dir.join("pre-commit");
    if let Ok(existing) = std::fs::read_to_string(&hook)
        && !force
    {
        if existing.contains(MARKER) {
            msgs.say(format_args!(
                "{} already runs keyhound; nothing to do",
                hook.display()
            ));
            return Ok(ExitStatus::Clean);
        }
        bail!(
            "{} already exists and is not keyhound's; keep it and add `keyhound staged` to it, \
             or replace it with `keyhound install-hook --force`",
            hook.display()
        );
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let exe = std::env::current_exe().unwrap_or_else(|_| "keyhound".into());
    std::fs::write(&hook, script(&exe))
        .with_context(|| format!("cannot write {}", hook.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755))
            .with_context(|| format!("cannot make {} executable", hook.display()))?;
    }
    msgs.say(format_args!(
        "installed {}: every commit now runs `keyhound staged`",
        hook.display()
    ));
    Ok(ExitStatus::Clean)
}
