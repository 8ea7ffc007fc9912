//! The real pre-commit framework (installed by `.ci/run` from the Python registry) installs
//! keyhound from this repository's `.pre-commit-hooks.yaml` and blocks a commit that adds a
//! secret. pre-commit builds keyhound with `cargo install`; the build is cached under `target/`.

use super::git::{commit_file, git, pinned, repo};
use super::*;
use std::process::Command as Proc;

fn pre_commit_available() -> bool {
    Proc::new("pre-commit")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_pre_commit_framework_blocks_a_commit_that_adds_a_secret() {
    if !pre_commit_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "pre-commit is not installed; .ci/run installs it with pip"
        );
        eprintln!("skipped: pre-commit is not installed (pip install pre-commit)");
        return;
    }
    let here = env!("CARGO_MANIFEST_DIR");
    let rev = git(std::path::Path::new(here), &["rev-parse", "HEAD"]);
    let (_t, dir) = repo();
    commit_file(&dir, "README.md", "# app\n", "init");
    write(
        &dir,
        ".pre-commit-config.yaml",
        format!("repos:\n  - repo: {here}\n    rev: {rev}\n    hooks:\n      - id: keyhound\n"),
    );
    let cache = std::path::Path::new(here).join("target/pre-commit");
    // pre-commit builds keyhound with cargo; keep its environments and build cache under target/
    let run_in = |program: &str, args: &[&str]| {
        pinned(program, &dir)
            .args(args)
            .env("PRE_COMMIT_HOME", cache.join("home"))
            .env("CARGO_TARGET_DIR", cache.join("cargo-target"))
            .output()
            .expect("runs")
    };
    let pc = |args: &[&str]| run_in("pre-commit", args);
    let out = pc(&["install"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    git(&dir, &["add", ".pre-commit-config.yaml"]);
    let out = pc(&["run"]);
    assert!(
        out.status.success(),
        "a clean change passes: {}{}",
        stdout_of(&out),
        stderr_of(&out)
    );
    write(
        &dir,
        "deploy.sh",
        format!("export GITHUB_TOKEN={}\n", github_token()),
    );
    git(&dir, &["add", "deploy.sh"]);
    let commit = run_in("git", &["commit", "-m", "deploy script"]);
    let text = format!("{}{}", stdout_of(&commit), stderr_of(&commit));
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
    assert_eq!(log.lines().count(), 1, "nothing was committed: {log}");
}
