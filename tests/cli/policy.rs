//! Policy and selection flags (`--fail-on`, `--min-severity`, `--rule`, `--exclude-rule`), a
//! gitleaks user's `.gitleaksignore`, and the human report a team triages: "what to do" once per
//! rule, one line per place with a count of the later commits holding it, severity order, a
//! per-rule summary, and `--context` lines with every secret masked.

use super::git::{commit_file, findings, git, repo};
use super::*;

/// A medium finding (generic-password) and its secret.
fn password() -> (String, String) {
    let secret = fake("{{alnum 8}}{{digit 2}}{{lower 2}}{{alnum 6}}");
    (format!("db_password = \"{secret}\""), secret)
}

/// A low finding (bugsnag-api-key) and its secret.
fn bugsnag() -> (String, String) {
    let secret = fake("{{hex 32}}");
    (format!("BUGSNAG_API_KEY={secret}"), secret)
}

/// A folder with one critical (z.txt), one medium (m.py) and one low (a.sh) finding.
fn three_severities() -> (tempfile::TempDir, [String; 3]) {
    let t = tempfile::tempdir().expect("tempdir");
    let token = github_token();
    let (pw_line, pw) = password();
    let (bs_line, bs) = bugsnag();
    write(t.path(), "z.txt", format!("token: {token}\n"));
    write(t.path(), "m.py", format!("{pw_line}\n"));
    write(t.path(), "a.sh", format!("export {bs_line}\n"));
    (t, [token, pw, bs])
}

fn rule_ids(list: &[serde_json::Value]) -> Vec<&str> {
    list.iter().filter_map(|f| f["rule_id"].as_str()).collect()
}

#[test]
fn fail_on_sets_the_lowest_severity_that_fails_and_errors_still_exit_2() {
    let (t, _) = three_severities();
    let dir = t.path();
    let code = |args: &[&str]| {
        let mut a = vec!["dir", "."];
        a.extend_from_slice(args);
        run(&a, dir)
    };
    assert_eq!(code(&[]).0, 1, "default: any finding fails");
    assert_eq!(code(&["--fail-on", "low"]).0, 1);
    assert_eq!(code(&["--fail-on", "critical"]).0, 1, "a critical finding");
    let (c, out, err) = code(&["--fail-on", "never"]);
    assert_eq!(c, 0, "{err}");
    assert!(out.contains("github-pat-classic"), "still reported: {out}");
    assert!(
        err.contains("no finding is at or above --fail-on never"),
        "{err}"
    );

    std::fs::remove_file(dir.join("z.txt")).expect("rm");
    let (c, _, err) = code(&["--fail-on", "high"]);
    assert_eq!(c, 0, "medium and low only: {err}");
    assert!(
        err.contains("no finding is at or above --fail-on high: exit status 0"),
        "{err}"
    );
    let (c, _, err) = code(&["--fail-on", "medium"]);
    assert_eq!(c, 1, "{err}");
    assert!(
        err.contains("1 finding below --fail-on medium does not fail the run"),
        "{err}"
    );

    // what could not be scanned exits 2 whatever --fail-on says
    let (c, _, err) = code(&["missing.txt", "--fail-on", "never"]);
    assert_eq!(c, 2, "{err}");
    let (c, _, err) = run(&["dir", "missing.txt", "--fail-on", "critical"], dir);
    assert_eq!(c, 2, "{err}");
    let (c, _, err) = code(&["--fail-on", "severe"]);
    assert_eq!(c, 2, "an unknown level is refused: {err}");
}

#[test]
fn min_severity_drops_lower_findings_from_every_format_and_counts_them() {
    let (t, [token, pw, bs]) = three_severities();
    let dir = t.path();
    let (code, list, err) = findings(&["dir", ".", "--min-severity", "high"], dir);
    assert_eq!(code, 1, "{err}");
    assert_eq!(rule_ids(&list), vec!["github-pat-classic"]);
    let (_, out, _) = run(
        &["dir", ".", "--min-severity", "high", "--format", "json"],
        dir,
    );
    assert_eq!(json_of(&out)["summary"]["below_min_severity"], 2);
    for format in ["human", "jsonl", "sarif"] {
        let (_, out, err) = run(
            &["dir", ".", "--min-severity", "high", "--format", format],
            dir,
        );
        assert!(out.contains("github-pat-classic"), "{format}: {out}");
        for hidden in ["generic-password", "bugsnag-api-key"] {
            assert!(!out.contains(hidden), "{format}: {out}");
        }
        assert!(
            err.contains("not reported: 2 below --min-severity"),
            "{format}: {err}"
        );
    }
    let (code, list, err) = findings(&["dir", ".", "--min-severity", "low"], dir);
    assert_eq!((code, list.len()), (1, 3), "{err}");
    // nothing reported, nothing fails
    let (code, list, err) = findings(&["dir", "m.py", "a.sh", "--min-severity", "critical"], dir);
    assert_eq!((code, list.len()), (0, 0), "{err}");
    for s in [&token, &pw, &bs] {
        assert!(!err.contains(s.as_str()));
    }
}

#[test]
fn rule_and_exclude_rule_take_ids_and_globs_and_a_flag_that_matches_nothing_is_an_error() {
    let (t, _) = three_severities();
    let dir = t.path();
    let (code, out, err) = run(&["dir", ".", "--rule", "github-*", "--format", "json"], dir);
    assert_eq!(code, 1, "{err}");
    let v = json_of(&out);
    let list = v["findings"].as_array().cloned().unwrap_or_default();
    assert_eq!(rule_ids(&list), vec!["github-pat-classic"]);
    let rules = v["summary"]["rules"].as_u64().unwrap_or(0);
    assert!(
        (1..30).contains(&rules),
        "the engine holds only the selected rules: {rules}"
    );

    let (_, list, _) = findings(
        &[
            "dir",
            ".",
            "--rule",
            "generic-password",
            "--rule",
            "bugsnag-api-key",
        ],
        dir,
    );
    assert_eq!(rule_ids(&list), vec!["generic-password", "bugsnag-api-key"]);

    let (code, list, err) = findings(&["dir", ".", "--exclude-rule", "g*"], dir);
    assert_eq!(code, 1, "{err}");
    assert_eq!(rule_ids(&list), vec!["bugsnag-api-key"]);

    for (flag, id) in [
        ("--rule", "github-pat-clasic"),
        ("--rule", "nosuch-*"),
        ("--exclude-rule", "nosuch-rule"),
    ] {
        let (code, out, err) = run(&["dir", ".", flag, id], dir);
        assert_eq!(code, 2, "{flag} {id}: {err}");
        assert!(out.is_empty(), "nothing scanned: {out}");
        assert!(
            err.contains(&format!("{flag} \"{id}\": no rule has this id")),
            "{err}"
        );
    }
    let (code, _, err) = run(
        &[
            "dir",
            ".",
            "--rule",
            "generic-*",
            "--exclude-rule",
            "generic-*",
        ],
        dir,
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("leave no rule to run"), "{err}");
    // a rule the config disables cannot be selected
    write(
        dir,
        ".keyhound.yml",
        "version: 1\ndisable-rules: [bugsnag-api-key]\n",
    );
    let (code, _, err) = run(&["dir", ".", "--rule", "bugsnag-api-key"], dir);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("disables"), "{err}");
}

#[test]
fn a_gitleaksignore_hides_the_places_its_fingerprints_name() {
    let (_t, dir) = repo();
    let token = github_token();
    let (pw_line, _) = password();
    let commit = commit_file(
        &dir,
        "src/app.py",
        &format!("import os\nTOKEN = \"{token}\"\n\n\n{pw_line}\n"),
        "app",
    );
    let (code, list, err) = findings(&["git"], &dir);
    assert_eq!(code, 1, "{err}");
    assert_eq!(list.len(), 2, "{list:?}");

    // gitleaks git: commit:file:rule-id:line; gitleaks' github-pat is keyhound's github-pat-classic
    write(
        &dir,
        ".gitleaksignore",
        format!("# reviewed\n{commit}:src/app.py:github-pat:2\n"),
    );
    let (code, list, err) = findings(&["git"], &dir);
    assert_eq!(code, 1, "{err}");
    assert_eq!(rule_ids(&list), vec!["generic-password"]);
    assert!(err.contains("not reported: 1 in .gitleaksignore"), "{err}");

    // gitleaks dir: file:rule-id:line; generic-api-key stands for keyhound's generic rules
    write(
        &dir,
        ".gitleaksignore",
        format!("{commit}:src/app.py:github-pat:2\nsrc/app.py:generic-api-key:5\n"),
    );
    let (code, list, err) = findings(&["git"], &dir);
    assert_eq!((code, list.len()), (0, 0), "{err}");
    let (code, list, err) = findings(&["dir", "."], &dir);
    assert_eq!((code, list.len()), (0, 0), "dir scans too: {err}");

    // another commit, another line or a rule the id does not stand for: still reported
    let other = "0123456789abcdef0123456789abcdef01234567";
    write(
        &dir,
        ".gitleaksignore",
        format!(
            "{other}:src/app.py:github-pat:2\nsrc/app.py:github-pat:3\nsrc/app.py:slack-bot-token:5\n"
        ),
    );
    let (code, list, err) = findings(&["git"], &dir);
    assert_eq!((code, list.len()), (1, 2), "{err}");
    // --no-config reads no ignore file
    write(&dir, ".gitleaksignore", "src/app.py:generic-api-key:5\n");
    let (_, list, _) = findings(&["git", "--no-config"], &dir);
    assert_eq!(list.len(), 2);

    // a line that is no fingerprint is named, not echoed
    write(
        &dir,
        ".gitleaksignore",
        format!("src/app.py:generic-api-key:5\nTOKEN={token}\n"),
    );
    let (code, _, err) = run(&["git"], &dir);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(".gitleaksignore:2:"), "{err}");
    assert!(!err.contains(&token), "{err}");
}

#[test]
fn what_to_do_is_printed_once_per_rule_then_pointed_to() {
    let t = tempfile::tempdir().expect("tempdir");
    for name in ["a.txt", "b.txt", "c.txt"] {
        write(t.path(), name, format!("token: {}\n", github_token()));
    }
    write(t.path(), "d.py", format!("{}\n", password().0));
    let (code, out, err) = run(&["dir", ".", "--color", "never"], t.path());
    assert_eq!(code, 1, "{err}");
    assert_eq!(out.matches("what to do: Revoke").count(), 1, "{out}");
    assert_eq!(
        out.matches("what to do: see above (github-pat-classic)")
            .count(),
        2,
        "{out}"
    );
    assert_eq!(
        out.matches("what to do: Change the password").count(),
        1,
        "{out}"
    );
    assert!(!out.contains("see above (generic-password)"), "{out}");
}

#[test]
fn a_place_held_by_several_commits_is_one_line_with_a_count_of_the_later_ones() {
    let (_t, dir) = repo();
    let token = github_token();
    let first = commit_file(&dir, "app.cfg", &format!("token = {token}\nv = 0\n"), "add");
    for v in 1..=3 {
        commit_file(
            &dir,
            "app.cfg",
            &format!("token = {token}\nv = {v}\n"),
            "bump",
        );
    }
    // the same secret on another line of another file, twice
    commit_file(&dir, "b.cfg", &format!("\n{token}\n"), "copy");
    commit_file(&dir, "b.cfg", &format!("\n{token}\nmore\n"), "edit");

    let (code, list, err) = findings(&["git"], &dir);
    assert_eq!(code, 1, "{err}");
    assert_eq!(list.len(), 1, "{list:?}");
    let f = &list[0];
    assert_eq!(f["commit"]["commit"], first.as_str());
    assert_eq!(f["other_commits"], 3, "{f}");
    let also = f["also_at"].as_array().cloned().unwrap_or_default();
    assert_eq!(also.len(), 1, "one line per place: {also:?}");
    assert_eq!(also[0]["path"], "b.cfg");
    assert_eq!(also[0]["other_commits"], 1);

    let (_, out, _) = run(&["git", "--color", "never"], &dir);
    assert!(out.contains("also in 3 later commits"), "{out}");
    assert!(out.contains("b.cfg:2:1 (also in 1 later commit)"), "{out}");
    assert_eq!(out.matches("b.cfg:2:1").count(), 1, "{out}");

    // a folder has no commits: no field
    let (_, list, _) = findings(&["dir", "."], &dir);
    assert!(list[0].get("other_commits").is_none(), "{:?}", list[0]);
}

#[test]
fn findings_come_most_severe_first_and_a_summary_per_rule_ends_the_run() {
    let (t, _) = three_severities();
    write(t.path(), "b.txt", format!("token: {}\n", github_token()));
    let (code, out, err) = run(&["dir", ".", "--color", "never"], t.path());
    assert_eq!(code, 1, "{err}");
    let at = |s: &str| out.find(s).unwrap_or_else(|| panic!("{s} in {out}"));
    // critical (b.txt, z.txt by path), then medium, then low, whatever the paths
    assert!(at("b.txt\n") < at("z.txt\n"), "{out}");
    assert!(at("z.txt\n") < at("m.py\n"), "{out}");
    assert!(at("m.py\n") < at("a.sh\n"), "{out}");
    let (_, list, _) = findings(&["dir", "."], t.path());
    let sev: Vec<&str> = list.iter().filter_map(|f| f["severity"].as_str()).collect();
    assert_eq!(sev, vec!["critical", "critical", "medium", "low"]);

    let table: Vec<&str> = err
        .lines()
        .skip_while(|l| !l.ends_with("by rule:"))
        .skip(1)
        .take(3)
        .collect();
    assert_eq!(table.len(), 3, "{err}");
    let words = |l: &str| {
        l.trim_start_matches("keyhound:")
            .split_whitespace()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        words(table[0]),
        [
            "github-pat-classic",
            "critical",
            "2",
            "findings",
            "in",
            "2",
            "files"
        ]
    );
    assert_eq!(
        words(table[1]),
        [
            "generic-password",
            "medium",
            "1",
            "finding",
            "in",
            "1",
            "file"
        ]
    );
    assert_eq!(words(table[2])[..3], ["bugsnag-api-key", "low", "1"]);
    let (_, _, quiet) = run(&["dir", ".", "-q"], t.path());
    assert!(!quiet.contains("by rule"), "{quiet}");
}

#[test]
fn context_shows_the_neighbouring_lines_with_every_secret_in_them_masked() {
    let t = tempfile::tempdir().expect("tempdir");
    let token = github_token();
    let (pw_line, pw) = password();
    let (bs_line, bs) = bugsnag();
    write(
        t.path(),
        "settings.py",
        format!(
            "far away line\nfirst neighbour\n{bs_line}\n{pw_line}\nGH = \"{token}\"\nlast neighbour\nfar away too\n"
        ),
    );
    // the generic finding with two lines around it; the other rules are not even run, yet their
    // secrets on the neighbouring lines are masked
    let (code, out, err) = run(
        &[
            "dir",
            ".",
            "--rule",
            "generic-password",
            "--context",
            "2",
            "--color",
            "never",
        ],
        t.path(),
    );
    assert_eq!(code, 1, "{err}");
    for secret in [&pw, &token, &bs] {
        assert!(!out.contains(secret.as_str()), "{out}");
        assert!(!err.contains(secret.as_str()), "{err}");
    }
    assert!(out.contains("  2 | first neighbour"), "{out}");
    assert!(out.contains("  3 | BUGSNAG_API_KEY=*****"), "{out}");
    assert!(out.contains("> 4 | db_password = \"*****\""), "{out}");
    assert!(out.contains("  5 | GH = \"*****\""), "{out}");
    assert!(out.contains("  6 | last neighbour"), "{out}");
    assert!(!out.contains("far away"), "{out}");

    // every rule running: the same masks; --show-secrets is still the only way to see a value
    let (_, out, _) = run(
        &["dir", ".", "--context", "1", "--color", "never"],
        t.path(),
    );
    for secret in [&pw, &token, &bs] {
        assert!(!out.contains(secret.as_str()), "{out}");
    }
    let (_, out, _) = run(
        &[
            "dir",
            ".",
            "--context",
            "1",
            "--show-secrets",
            "--color",
            "never",
        ],
        t.path(),
    );
    assert!(out.contains(token.as_str()), "the finding's value: {out}");

    // the lines have no place in a machine format
    let (code, out, err) = run(
        &["dir", ".", "--context", "1", "--format", "json"],
        t.path(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty() && err.contains("--context"), "{err}");
}

#[test]
fn long_lines_are_wrapped_to_the_columns_given_and_json_is_not() {
    let t = tempfile::tempdir().expect("tempdir");
    let many: Vec<String> = (1..=4)
        .map(|i| format!("some/longer/folder/name/file{i}.txt"))
        .collect();
    let token = github_token();
    for p in &many {
        write(t.path(), p, format!("token: {token}\n"));
    }
    for width in ["60", "100"] {
        let out = keyhound()
            .args(["dir", ".", "--color", "never"])
            .env("COLUMNS", width)
            .current_dir(t.path())
            .output()
            .expect("runs");
        let text = stdout_of(&out);
        let w: usize = width.parse().unwrap_or(0);
        let long: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("           ") && l.chars().count() > w)
            .collect();
        assert!(long.is_empty(), "COLUMNS={width}: {long:?}\n{text}");
        assert!(text.contains("what to do:"), "{text}");
    }
    let out = keyhound()
        .args(["dir", ".", "--format", "json"])
        .env("COLUMNS", "40")
        .current_dir(t.path())
        .output()
        .expect("runs");
    let v = json_of(&stdout_of(&out));
    let remediation = v["findings"][0]["remediation"].as_str().unwrap_or("");
    assert!(remediation.len() > 40 && !remediation.contains('\n'));
}

#[test]
fn the_baseline_command_takes_the_selection_flags() {
    let (_t, dir) = repo();
    let (pw_line, _) = password();
    commit_file(
        &dir,
        "app.py",
        &format!("T = \"{}\"\n{pw_line}\n", github_token()),
        "app",
    );
    let (code, _, err) = run(
        &["baseline", "base.json", "--exclude-rule", "generic-*"],
        &dir,
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("recorded 1 finding"), "{err}");
    let (code, list, err) = findings(&["git", "--baseline", "base.json"], &dir);
    assert_eq!(code, 1, "{err}");
    assert_eq!(rule_ids(&list), vec!["generic-password"]);
    let (code, _, err) = run(&["baseline", "b2.json", "--rule", "nosuch"], &dir);
    assert_eq!(code, 2, "{err}");
    let _ = git(&dir, &["status", "--short"]);
}
