//! Issue 11, the config side of trust: no secret in any error message (config, ignore file, rule
//! file, gitleaks import), bounded work on the files a repository brings (config, ignore file,
//! baseline), every allowlist pattern compiled at load, `config check` that checks the baseline,
//! `install-hook --force` that never writes through a link, and keyed fingerprints.

use super::git::{commit_file, repo};
use super::*;

/// Whether `text` shows any 8 consecutive characters of the secret's body (after its prefix).
fn leaks(text: &str, secret: &str) -> bool {
    let body: Vec<char> = secret.chars().skip(4).collect();
    body.windows(8)
        .any(|w| text.contains(&w.iter().collect::<String>()))
}

fn assert_no_leak(what: &str, out: &str, err: &str, secret: &str) {
    assert!(
        !leaks(out, secret) && !leaks(err, secret),
        "{what}: the secret is shown:\nstdout: {out}\nstderr: {err}"
    );
}

/// A folder holding one secret (so a scan has something to find).
fn folder() -> (tempfile::TempDir, String) {
    let t = tempfile::tempdir().expect("tempdir");
    let tok = github_token();
    write(
        t.path(),
        "src/app.py",
        format!("GITHUB_TOKEN = \"{tok}\"\n"),
    );
    (t, tok)
}

#[test]
fn an_ignore_file_line_holding_a_key_is_not_echoed() {
    let (t, _) = folder();
    let key = github_token();
    write(t.path(), ".keyhoundignore", format!("{key} # oops\n"));
    let (code, out, err) = run(&["dir"], t.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(".keyhoundignore:1:"), "{err}");
    assert!(err.contains("not a fingerprint"), "{err}");
    assert_no_leak(".keyhoundignore", &out, &err, &key);
}

#[test]
fn no_config_error_echoes_a_secret_written_in_the_config() {
    let (t, _) = folder();
    let key = github_token();
    let cases = [
        (
            "bad allowlist regex",
            format!("allowlists:\n  - regexes: ['{key}(']\n"),
            ":3:",
        ),
        ("unknown key", format!("{key}: 1\n"), ":2:1:"),
        (
            "unknown disabled rule",
            format!("disable-rules: [{key}]\n"),
            ":2:",
        ),
        (
            "bad glob",
            format!("allowlists:\n  - paths: ['{key}[']\n"),
            ":3:",
        ),
        ("baseline name", format!("baseline: {key}\n"), ":2:"),
        (
            "unknown allowlist rule",
            format!("allowlists:\n  - rules: [{key}]\n    paths: [x]\n"),
            ":3:",
        ),
        (
            "bad commit",
            format!("allowlists:\n  - commits: [{key}]\n"),
            ":3:",
        ),
        ("bad value", format!("builtin-rules: {key}\n"), ":2:"),
        (
            "custom rule id",
            format!(
                "rules:\n  - id: {key}\n    name: x\n    keywords: [abc]\n    regex: 'abc(?P<secret>x)'\n"
            ),
            ":3:",
        ),
        (
            "custom rule regex",
            format!(
                "rules:\n  - id: acme-key\n    name: x\n    keywords: [abc]\n    regex: 'abc(?P<secret>{key}'\n"
            ),
            ":3:",
        ),
        (
            "a YAML error below a comment holding the key",
            format!("# old token: {key}\nrules:\n  - id: acme-key\n    keywords: [abc\n"),
            ":5:",
        ),
    ];
    for (what, body, place) in &cases {
        write(t.path(), ".keyhound.yml", format!("version: 1\n{body}"));
        for args in [&["config", "check"][..], &["dir"][..]] {
            let (code, out, err) = run(args, t.path());
            assert_eq!(code, 2, "{what} {args:?}: {err}");
            assert!(
                err.contains(&format!(".keyhound.yml{place}")),
                "{what} {args:?}: no place: {err}"
            );
            assert_no_leak(what, &out, &err, &key);
            assert!(
                !err.contains("error: line"),
                "{what}: the place is given once: {err}"
            );
        }
    }
}

#[test]
fn rules_check_does_not_show_neighbouring_lines_of_the_rule_file() {
    let t = tempfile::tempdir().expect("tempdir");
    let key = github_token();
    write(
        t.path(),
        "rules.yml",
        format!(
            "rules:\n  # old token: {key}\n  - id: acme-key\n    name: Acme\n    keywords: [acme]\n    regex: 'acme_(?P<secret>x)'\n    bogus: 1\n"
        ),
    );
    let (code, out, err) = run(&["rules", "check", "rules.yml"], t.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("rules.yml:7:5:"), "{err}");
    assert_no_leak("rules check", &out, &err, &key);
    write(
        t.path(),
        "rules.yml",
        format!(
            "rules:\n  - id: acme-key\n    name: Acme\n    keywords: [acme]\n    regex: 'acme_(?P<secret>{key}'\n"
        ),
    );
    let (code, out, err) = run(&["rules", "check", "rules.yml"], t.path());
    assert_ne!(code, 0, "{err}");
    assert!(
        out.contains("acme-key") && out.contains("does not compile"),
        "{out}{err}"
    );
    assert_no_leak("rules check regex", &out, &err, &key);
}

#[test]
fn repository_files_over_their_size_limit_are_refused_with_the_flag_that_raises_it() {
    let (t, _) = folder();
    // a config of comments just over the 1 MiB default
    let line = "# padding padding padding padding padding padding padding padding\n";
    let big = format!("version: 1\n{}", line.repeat((1 << 20) / line.len() + 1));
    write(t.path(), ".keyhound.yml", &big);
    let (code, out, err) = run(&["dir"], t.path());
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "nothing scanned: {out}");
    assert!(
        err.contains(".keyhound.yml") && err.contains("--max-config-size"),
        "{err}"
    );
    let (code, _, err) = run(&["dir", "--max-config-size", "2M"], t.path());
    assert_eq!(code, 1, "raised, the config loads: {err}");
    std::fs::remove_file(t.path().join(".keyhound.yml")).expect("rm");

    let fp = "0123456789abcdef0123456789abcdef  # reviewed\n";
    write(t.path(), ".keyhoundignore", fp.repeat(2000));
    let (code, _, err) = run(&["dir", "--max-config-size", "64K"], t.path());
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(".keyhoundignore") && err.contains("--max-config-size"),
        "{err}"
    );
    let out = keyhound()
        .args(["dir"])
        .env("KEYHOUND_MAX_CONFIG_SIZE", "64K")
        .current_dir(t.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    std::fs::remove_file(t.path().join(".keyhoundignore")).expect("rm");

    let (code, _, err) = run(&["dir", "--write-baseline", "b.json"], t.path());
    assert_eq!(code, 1, "{err}");
    let size = std::fs::metadata(t.path().join("b.json"))
        .expect("written")
        .len();
    let (code, _, err) = run(
        &[
            "dir",
            "--baseline",
            "b.json",
            "--max-baseline-size",
            &format!("{}", size - 1),
        ],
        t.path(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("b.json") && err.contains("--max-baseline-size"),
        "{err}"
    );
    let (code, _, err) = run(&["dir", "--baseline", "b.json"], t.path());
    assert_eq!(code, 0, "within the limit, the baseline applies: {err}");
}

#[test]
fn gitleaks_import_errors_name_file_line_and_column_and_no_value() {
    let t = tempfile::tempdir().expect("tempdir");
    let key = github_token();
    write(
        t.path(),
        ".gitleaks.toml",
        format!("title = \"x\"\n\n[extend]\nuseDefault = \"{key}\"\n"),
    );
    let (code, out, err) = run(&["config", "import-gitleaks", ".gitleaks.toml"], t.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(".gitleaks.toml:4:14:"), "{err}");
    assert_no_leak("import-gitleaks", &out, &err, &key);
    // what does not carry over is named by place, not by value
    write(
        t.path(),
        ".gitleaks.toml",
        format!(
            "[extend]\nuseDefault = true\n\n[allowlist]\nregexes = ['{key}(']\ncommits = ['{key}']\n"
        ),
    );
    let (code, out, err) = run(&["config", "import-gitleaks", ".gitleaks.toml"], t.path());
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("line 4"), "{err}");
    assert_no_leak("import-gitleaks notes", &out, &err, &key);
}

#[test]
fn a_keyword_shorter_than_three_characters_is_a_config_error_at_its_rule() {
    let (t, _) = folder();
    write(
        t.path(),
        ".keyhound.yml",
        "version: 1\nrules:\n  - id: acme-key\n    name: Acme\n    keywords: [ac]\n    regex: 'ac(?P<secret>[a-z]{16})'\n",
    );
    for args in [&["config", "check"][..], &["dir"][..]] {
        let (code, _, err) = run(args, t.path());
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains(".keyhound.yml:3:5:") && err.contains("shorter than 3"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn config_check_fails_when_the_configured_baseline_is_missing() {
    let (t, _) = folder();
    // written first: `keyhound baseline` itself loads the baseline the config names
    let (code, _, err) = run(&["baseline", "kept.json", "--dir"], t.path());
    assert_eq!(code, 0, "{err}");
    write(
        t.path(),
        ".keyhound.yml",
        "version: 1\nbaseline: .keyhound-baseline.json\n",
    );
    let (code, _, err) = run(&["config", "check"], t.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(".keyhound.yml:2:"), "{err}");
    std::fs::rename(
        t.path().join("kept.json"),
        t.path().join(".keyhound-baseline.json"),
    )
    .expect("mv");
    let (code, _, err) = run(&["config", "check"], t.path());
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("a baseline (.keyhound-baseline.json) of 1 entry"),
        "{err}"
    );
}

#[test]
fn one_bad_allowlist_regex_is_a_config_error_not_a_silent_loss_of_the_others() {
    let (t, _) = folder();
    write(
        t.path(),
        ".keyhound.yml",
        "version: 1\nallowlists:\n  - regexes:\n      - '^ghp_'\n      - '(?:[a-z]{1000}){1000}'\n",
    );
    for args in [&["config", "check"][..], &["dir"][..]] {
        let (code, _, err) = run(args, t.path());
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains(".keyhound.yml:5:") && err.contains("regex 2"),
            "{args:?}: {err}"
        );
    }
    // alone, the good one applies
    write(
        t.path(),
        ".keyhound.yml",
        "version: 1\nallowlists:\n  - regexes:\n      - '^ghp_'\n",
    );
    let (code, _, err) = run(&["dir"], t.path());
    assert_eq!(code, 0, "{err}");
}

#[cfg(unix)]
#[test]
fn install_hook_force_replaces_a_symlinked_hook_not_its_target_and_keeps_a_backup() {
    use std::os::unix::fs::PermissionsExt;
    let (t, dir) = repo();
    let outside = t.path().join("outside-hook.sh");
    std::fs::write(&outside, "#!/bin/sh\necho theirs\n").expect("write");
    std::fs::set_permissions(&outside, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let hooks = dir.join(".git/hooks");
    std::fs::create_dir_all(&hooks).expect("mkdir");
    let hook = hooks.join("pre-commit");
    std::os::unix::fs::symlink(&outside, &hook).expect("symlink");

    let (code, _, err) = run(&["install-hook", "--force"], &dir);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(&outside).expect("target"),
        "#!/bin/sh\necho theirs\n",
        "the link's target is untouched"
    );
    let mode = std::fs::metadata(&outside)
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o644, "the target was not made executable");
    let meta = std::fs::symlink_metadata(&hook).expect("hook");
    assert!(
        meta.file_type().is_file(),
        "the hook is now a file of its own"
    );
    assert!(meta.permissions().mode() & 0o111 != 0, "and executable");
    assert!(
        std::fs::read_to_string(&hook)
            .expect("hook")
            .contains("keyhound staged")
    );
    let backup = hooks.join("pre-commit.keyhound-backup");
    let b = std::fs::symlink_metadata(&backup).expect("backup kept");
    assert!(b.file_type().is_symlink(), "the old link is kept as it was");
    assert_eq!(std::fs::read_link(&backup).expect("link"), outside);
    assert!(err.contains("pre-commit.keyhound-backup"), "{err}");

    // a second --force keeps the first backup and makes another
    let (code, _, err) = run(&["install-hook", "--force"], &dir);
    assert_eq!(code, 0, "{err}");
    assert!(hooks.join("pre-commit.keyhound-backup.1").exists(), "{err}");
    assert!(std::fs::symlink_metadata(&backup).is_ok());
}

const KEY: &str = "a-test-key-that-is-long-enough-0123456789";

fn with_key(args: &[&str], dir: &std::path::Path, key: Option<&str>) -> (i32, String, String) {
    let mut c = keyhound();
    c.args(args).current_dir(dir);
    if let Some(k) = key {
        c.env("KEYHOUND_FINGERPRINT_KEY", k);
    }
    let out = c.output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        stdout_of(&out),
        stderr_of(&out),
    )
}

#[test]
fn keyed_fingerprints_need_the_key_and_the_default_is_unchanged() {
    let (t, tok) = folder();
    let (code, out, err) = with_key(&["dir", "--format", "json"], t.path(), None);
    assert_eq!(code, 1, "{err}");
    let plain = json_of(&out)["findings"][0]["fingerprint"]
        .as_str()
        .expect("fingerprint")
        .to_string();
    // unkeyed: the fingerprint every earlier version wrote
    assert_eq!(
        plain,
        keyhound::fingerprint::fingerprint("github-pat-classic", tok.as_bytes())
    );
    let (code, out, err) = with_key(&["dir", "--format", "json"], t.path(), Some(KEY));
    assert_eq!(code, 1, "{err}");
    let keyed = json_of(&out)["findings"][0]["fingerprint"]
        .as_str()
        .expect("fingerprint")
        .to_string();
    assert_ne!(keyed, plain, "the key changes the fingerprint");
    assert_eq!(
        Some(keyed),
        keyhound::fingerprint::fingerprint_with_key(
            KEY.as_bytes(),
            "github-pat-classic",
            tok.as_bytes()
        )
    );
    assert_no_leak("keyed run", &out, &err, KEY);

    // a baseline written under the key is used under the key, and refused without it
    let (code, _, err) = with_key(&["baseline", "b.json", "--dir"], t.path(), Some(KEY));
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = with_key(&["dir", "--baseline", "b.json"], t.path(), Some(KEY));
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = with_key(&["dir", "--baseline", "b.json"], t.path(), None);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("fingerprint key"), "{err}");
    // and one written without a key is refused with a key
    let (code, _, err) = with_key(&["baseline", "p.json", "--dir"], t.path(), None);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = with_key(&["dir", "--baseline", "p.json"], t.path(), Some(KEY));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("without a fingerprint key"), "{err}");
    let (code, _, err) = with_key(&["dir"], t.path(), Some("short"));
    assert_eq!(code, 2, "a short key is refused: {err}");
}

#[test]
fn a_key_file_must_lie_outside_the_scanned_repository() {
    let (t, dir) = repo();
    let tok = github_token();
    commit_file(
        &dir,
        "src/app.py",
        &format!("GITHUB_TOKEN = \"{tok}\"\n"),
        "add",
    );
    let inside = dir.join("fp.key");
    std::fs::write(&inside, format!("{KEY}\n")).expect("write");
    let outside = t.path().join("fp.key");
    std::fs::write(&outside, format!("{KEY}\n")).expect("write");
    let run_with = |file: &std::path::Path| {
        let out = keyhound()
            .args(["git", "--format", "json"])
            .env("KEYHOUND_FINGERPRINT_KEY_FILE", file)
            .current_dir(&dir)
            .output()
            .expect("runs");
        (out.status.code(), stdout_of(&out), stderr_of(&out))
    };
    let (code, _, err) = run_with(&inside);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("inside the repository scanned"), "{err}");
    let (code, out, err) = run_with(&outside);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(
        json_of(&out)["findings"][0]["fingerprint"].as_str(),
        keyhound::fingerprint::fingerprint_with_key(
            KEY.as_bytes(),
            "github-pat-classic",
            tok.as_bytes()
        )
        .as_deref(),
        "the file's trailing newline is not part of the key"
    );
    assert_no_leak("key file", &out, &err, KEY);
}
