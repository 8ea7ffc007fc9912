//! End-to-end tests: the real `keyhound` binary against files and folders made in temp dirs.
//! Fake keys are generated at test time from the documented formats, so this repository holds
//! no key-shaped text.

mod ci;
mod config;
mod corpus;
mod dir;
mod git;
mod gitleaks_import;
mod hostile;
mod integrity;
mod policy;
mod precommit;
mod readme;
mod reports;
mod rules;
mod stdin;
mod terminal;
mod trust_config;

use assert_cmd::Command;
use std::path::Path;

/// The binary, with a clean environment for colour and config.
pub fn keyhound() -> Command {
    let mut c = Command::cargo_bin("keyhound").expect("binary is built");
    c.env_remove("NO_COLOR").env_remove("KEYHOUND_CONFIG");
    for var in [
        "KEYHOUND_FINGERPRINT_KEY",
        "KEYHOUND_FINGERPRINT_KEY_FILE",
        "KEYHOUND_MAX_CONFIG_SIZE",
        "KEYHOUND_MAX_BASELINE_SIZE",
    ] {
        c.env_remove(var);
    }
    c
}

/// A fake key from a template (see rules/README.md), e.g. `{{valid github-crc32 ghp_}}`; each
/// call gives a different one.
pub fn fake(template: &str) -> String {
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    keyhound::rules::expand_template(template, "tests", n).expect("template expands")
}

/// A fake classic GitHub token with a valid checksum.
pub fn github_token() -> String {
    fake("{{valid github-crc32 ghp_}}")
}

pub fn write(dir: &Path, rel: &str, contents: impl AsRef<[u8]>) {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(p, contents).expect("write");
}

pub fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs keyhound with `args` and returns (exit code, stdout, stderr).
pub fn run(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = keyhound()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        stdout_of(&out),
        stderr_of(&out),
    )
}

pub fn json_of(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Says that a test could not run, on the real standard error: libtest hides what a passing test
/// prints with `eprintln!`, so a skip would otherwise look like a pass.
pub fn skipped(why: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "skipped: {why}");
}
