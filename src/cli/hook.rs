//! `keyhound install-hook`: writes a pre-commit hook that runs `keyhound staged`. The one place
//! keyhound writes into a repository, and only when asked; an existing hook is kept unless
//! `--force`, and then moved aside (the file or symbolic link itself, never what a link points
//! to), and the new hook is created as a new file, never written through a link.

use super::run::Messages;
use crate::exit::ExitStatus;
use crate::source::git::Repo;
use anyhow::{Context, Result, bail};
use std::io::Write as _;
use std::path::{Path, PathBuf};

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
    // the hook itself, not what it may link to: a symbolic link (even a dangling one) is a hook
    let existing = std::fs::symlink_metadata(&hook).ok();
    if existing.is_some() && !force {
        let ours = std::fs::read_to_string(&hook).is_ok_and(|t| t.contains(MARKER));
        if ours {
            msgs.say(format_args!(
                "{} already runs keyhound; nothing to do",
                hook.display()
            ));
            return Ok(ExitStatus::Clean);
        }
        bail!(
            "{} already exists and is not keyhound's; keep it and add `keyhound staged` to it, \
             or replace it with `keyhound install-hook --force` (the old one is kept beside it)",
            hook.display()
        );
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let backup = match existing {
        Some(_) => Some(back_up(&hook)?),
        None => None,
    };
    let exe = std::env::current_exe().unwrap_or_else(|_| "keyhound".into());
    write_new(&hook, &script(&exe)).with_context(|| format!("cannot write {}", hook.display()))?;
    if let Some(b) = backup {
        msgs.error(format_args!(
            "replaced {}; the hook it replaced is kept as {} (a symbolic link stays a link; \
             nothing it pointed to was changed)",
            hook.display(),
            b.display()
        ));
    }
    msgs.say(format_args!(
        "installed {}: every commit now runs `keyhound staged`",
        hook.display()
    ));
    Ok(ExitStatus::Clean)
}

/// Moves the hook (the file or the link itself, never its target) aside to a free name beside
/// it: `pre-commit.keyhound-backup`, then `…-backup.1`, `…-backup.2`, ….
fn back_up(hook: &Path) -> Result<PathBuf> {
    let name = hook
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "pre-commit".into());
    for n in 0..1000 {
        let candidate = hook.with_file_name(if n == 0 {
            format!("{name}.keyhound-backup")
        } else {
            format!("{name}.keyhound-backup.{n}")
        });
        if std::fs::symlink_metadata(&candidate).is_ok() {
            continue;
        }
        std::fs::rename(hook, &candidate).with_context(|| {
            format!(
                "cannot move the existing hook {} aside to {}",
                hook.display(),
                candidate.display()
            )
        })?;
        return Ok(candidate);
    }
    bail!(
        "cannot back up {}: 1000 backups exist beside it; remove old ones",
        hook.display()
    )
}

/// Creates the hook as a new file (never following a link that appeared in its place) and makes
/// it executable through the open file, not by path.
fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o755);
    }
    let mut file = opts.open(path)?;
    file.write_all(text.as_bytes())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // the mode given at creation is masked by the umask; a hook must be executable
        file.set_permissions(std::fs::Permissions::from_mode(0o755))?;
    }
    file.sync_all()
}
