//! The real pre-commit framework (installed by `.ci/run` from the Python registry) runs keyhound
//! from this tree's `.pre-commit-hooks.yaml` and blocks a commit that adds a secret.
//!
//! The hook used is `keyhound-system` (`language: system`): it runs the `keyhound` on PATH, and
//! PATH starts with the folder of the binary under test, so the test takes seconds. The manifest
//! comes from the working tree (copied into a one-commit hook repository), not from HEAD.

use super::git::{commit_file, git, path_with_keyhound, pinned, repo};
use super::*;
use std::process::Command as Proc;

/// Whether the `pre-commit` framework is on PATH.
pub fn pre_commit_available() -> bool {
    Proc::new("pre-commit")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// CI sets `CI=true`; there `.ci/run` installs pre-commit, so a missing one is a failure.
pub fn on_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

#[test]
fn the_pre_commit_framework_blocks_a_commit_that_adds_a_secret() {
    if !pre_commit_available() {
        assert!(
            !on_ci(),
            "pre-commit is not installed; .ci/run installs it with pip"
        );
        skipped(
            "pre-commit not installed (pip install pre-commit): \
             the_pre_commit_framework_blocks_a_commit_that_adds_a_secret did not run",
        );
        return;
    }
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(here.join(".pre-commit-hooks.yaml"))
        .expect(".pre-commit-hooks.yaml");
    let (t, dir) = repo();
    // the hook repository: this tree's manifest, committed
    let hooks = t.path().join("hooks");
    std::fs::create_dir(&hooks).expect("mkdir");
    git(&hooks, &["init", "-q", "-b", "main"]);
    let rev = commit_file(&hooks, ".pre-commit-hooks.yaml", &manifest, "hooks");
    let out = Proc::new("pre-commit")
        .args(["validate-manifest", ".pre-commit-hooks.yaml"])
        .current_dir(&hooks)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stdout_of(&out));

    commit_file(&dir, "README.md", "# app\n", "init");
    write(
        &dir,
        ".pre-commit-config.yaml",
        format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: keyhound-system\n",
            hooks.display()
        ),
    );
    let path = path_with_keyhound();
    let home = t.path().join("pre-commit-home");
    let run_in = |program: &str, args: &[&str]| {
        pinned(program, &dir)
            .args(args)
            .env("PATH", &path)
            .env("PRE_COMMIT_HOME", &home)
            .env("HOME", t.path())
            .env_remove("KEYHOUND_CONFIG")
            .output()
            .expect("runs")
    };
    let both = |o: &std::process::Output| format!("{}{}", stdout_of(o), stderr_of(o));
    let out = run_in("pre-commit", &["install"]);
    assert!(out.status.success(), "{}", both(&out));
    git(&dir, &["add", ".pre-commit-config.yaml"]);
    let out = run_in("pre-commit", &["run"]);
    assert!(
        out.status.success(),
        "a clean change passes: {}",
        both(&out)
    );
    assert!(
        both(&out).contains("Passed"),
        "the hook ran: {}",
        both(&out)
    );
    let clean = run_in("git", &["commit", "-q", "-m", "add the hook config"]);
    assert!(clean.status.success(), "{}", both(&clean));

    write(
        &dir,
        "deploy.sh",
        format!("export GITHUB_TOKEN={}\n", github_token()),
    );
    git(&dir, &["add", "deploy.sh"]);
    let commit = run_in("git", &["commit", "-m", "deploy script"]);
    let text = both(&commit);
    assert!(
        !commit.status.success(),
        "the commit must be blocked: {text}"
    );
    assert!(
        text.contains("keyhound") && text.contains("Failed"),
        "{text}"
    );
    assert!(
        text.contains("deploy.sh") && text.contains("github-pat-classic"),
        "{text}"
    );
    let log = git(&dir, &["log", "--oneline"]);
    assert_eq!(log.lines().count(), 2, "nothing more was committed: {log}");
}
