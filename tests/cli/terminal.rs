//! What reaches the terminal: names, authors and labels from scanned content are escaped in the
//! human report and in every message (none can clear the screen, retitle the terminal or forge a
//! report line), long lists of places are capped, and errors say plainly what is wrong.

use super::git::{commit_file, git, pinned, repo};
use super::*;

/// Clears the screen and retitles the terminal when printed raw.
const SCREEN: &str = "x\u{1b}[2J\u{1b}]0;PWNED\u{7}.env";
const SCREEN_ESCAPED: &str = "x\\x1b[2J\\x1b]0;PWNED\\x07.env";
/// Starts a line that looks like a finding when printed raw, then reverses the text after it.
const FORGED: &str = "a\n  1:1 critical forged\u{202e}.txt";
const FORGED_ESCAPED: &str = "a\\n  1:1 critical forged\\u{202e}.txt";

/// Panics if `text` holds a control character other than its own line breaks, a bidi control, or
/// a line forged by a file name.
fn assert_inert(what: &str, text: &str) {
    let raw: Vec<char> = text
        .chars()
        .filter(|&c| {
            (c.is_control() && c != '\n')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    assert!(
        raw.is_empty(),
        "{what} holds raw control characters {raw:?}:\n{text}"
    );
    assert!(
        !text
            .lines()
            .any(|l| l.trim_start().starts_with("1:1 critical forged")),
        "{what} holds a line forged by a file name:\n{text}"
    );
}

#[test]
fn file_names_are_escaped_in_the_human_report_and_in_skipped_lists_and_errors() {
    let t = tempfile::tempdir().expect("tempdir");
    write(t.path(), SCREEN, format!("{}\n", github_token()));
    write(t.path(), FORGED, format!("{}\n", github_token()));
    write(t.path(), "bin\u{1b}[5m.dat", b"\0\0\0binary");
    let gone = "gone\u{1b}]0;PWNED\u{7}.txt";
    let (code, out, err) = run(&["dir", ".", gone, "--color", "never", "-v"], t.path());
    assert_eq!(code, 2, "the missing path is an error: {err}");
    assert_inert("the report", &out);
    assert_inert("stderr", &err);
    assert!(out.contains(SCREEN_ESCAPED), "{out}");
    assert!(out.contains(FORGED_ESCAPED), "{out}");
    assert!(err.contains("bin\\x1b[5m.dat: skipped: binary"), "{err}");
    assert!(err.contains("gone\\x1b]0;PWNED\\x07.txt: "), "{err}");

    // JSON keeps the exact names, escaped by JSON's own rules
    let (_, out, _) = run(&["dir", ".", "--format", "json"], t.path());
    let v = json_of(&out);
    let paths: Vec<&str> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert!(
        paths.contains(&SCREEN) && paths.contains(&FORGED),
        "{paths:?}"
    );
}

/// Commits what is staged as `author <email>`.
fn commit_as(dir: &std::path::Path, author: &str, email: &str) {
    let out = pinned("git", dir)
        .args(["commit", "-q", "-m", "add"])
        .env("HOME", dir)
        .env("GIT_AUTHOR_NAME", author)
        .env("GIT_AUTHOR_EMAIL", email)
        .env("GIT_AUTHOR_DATE", "@1700000000 +0000")
        .env("GIT_COMMITTER_DATE", "@1700000000 +0000")
        .output()
        .expect("git runs");
    assert!(out.status.success(), "{}", stderr_of(&out));
}

#[test]
fn tree_entry_names_and_commit_authors_are_escaped_in_audit_range_and_staged() {
    let (_t, dir) = repo();
    commit_file(&dir, "README.md", "hello\n", "init");
    write(&dir, SCREEN, format!("{}\n", github_token()));
    git(&dir, &["add", "."]);
    commit_as(&dir, "Mal\u{1b}[31mlory\u{202e}", "m\u{7}@example.test");
    for args in [
        &["git", "--color", "never"][..],
        &["git", "--range", "main~1..main", "--color", "never"],
    ] {
        let (code, out, err) = run(args, &dir);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert_inert("the report", &out);
        assert_inert("stderr", &err);
        assert!(out.contains(SCREEN_ESCAPED), "{args:?}: {out}");
        assert!(
            out.contains("by Mal\\x1b[31mlory\\u{202e} <m\\x07@example.test>"),
            "{args:?}: {out}"
        );
    }
    write(&dir, FORGED, format!("{}\n", github_token()));
    git(&dir, &["add", "."]);
    let (code, out, err) = run(&["staged", "--color", "never"], &dir);
    assert_eq!(code, 1, "{err}");
    assert_inert("the report", &out);
    assert_inert("stderr", &err);
    assert!(out.contains(FORGED_ESCAPED), "{out}");
}

#[test]
fn a_stdin_label_and_a_shown_secret_are_escaped() {
    let t = tempfile::tempdir().expect("tempdir");
    let token = github_token();
    let out = keyhound()
        .args([
            "stdin",
            "--label",
            "log\u{1b}]0;PWNED\u{7}",
            "--show-secrets",
            "--color",
            "never",
        ])
        .current_dir(t.path())
        .write_stdin(format!("{token}\n"))
        .output()
        .expect("runs");
    let (out, err) = (stdout_of(&out), stderr_of(&out));
    assert_inert("the report", &out);
    assert_inert("stderr", &err);
    assert!(out.contains("log\\x1b]0;PWNED\\x07"), "{out}");
    assert!(out.contains(&token), "--show-secrets shows the value");
}

#[test]
fn an_error_that_quotes_a_name_is_escaped() {
    let t = tempfile::tempdir().expect("tempdir");
    let (code, out, err) = run(&["dir", "--config", "c\u{1b}]0;PWNED\u{7}.yml"], t.path());
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    assert_inert("stderr", &err);
    assert!(err.contains("c\\x1b]0;PWNED\\x07.yml"), "{err}");
}

#[test]
fn a_secret_in_many_places_is_capped_in_human_and_sarif_and_whole_in_json() {
    let t = tempfile::tempdir().expect("tempdir");
    let token = github_token();
    write(t.path(), "many.txt", format!("{token}\n").repeat(130));
    let (code, out, err) = run(&["dir", ".", "--color", "never"], t.path());
    assert_eq!(code, 1, "{err}");
    let also = out
        .lines()
        .find(|l| l.trim_start().starts_with("also at"))
        .unwrap_or_else(|| panic!("no other places listed: {out}"));
    assert_eq!(also.matches("many.txt:").count(), 5, "{also}");
    assert!(also.contains("many.txt:6:1 and 124 more"), "{also}");

    let (_, out, _) = run(&["dir", ".", "--format", "sarif"], t.path());
    let v = json_of(&out);
    let result = &v["runs"][0]["results"][0];
    assert_eq!(
        result["relatedLocations"].as_array().map(Vec::len),
        Some(100)
    );
    assert_eq!(result["properties"]["relatedLocationsOmitted"], 29);

    let (_, out, _) = run(&["dir", ".", "--format", "json"], t.path());
    let v = json_of(&out);
    assert_eq!(
        v["findings"][0]["also_at"].as_array().map(Vec::len),
        Some(129)
    );
}

#[test]
fn a_range_past_the_start_of_history_says_so_without_gix_internals() {
    let (_t, dir) = repo();
    commit_file(&dir, "a.txt", "one\n", "one");
    commit_file(&dir, "a.txt", "two\n", "two");
    let (code, out, err) = run(&["git", "--range", "main~5..main"], &dir);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("main~5") && err.contains("no such revision"),
        "{err}"
    );
    assert!(err.contains("history is shorter"), "{err}");
    assert!(
        !err.contains("delegate") && !err.contains("NthAncestor") && !err.contains("input="),
        "{err}"
    );
    for args in [
        &["git", "--range", "nope..main"][..],
        &["git", "--config-from-ref", "nope"],
    ] {
        let (code, _, err) = run(args, &dir);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("no such revision"), "{args:?}: {err}");
        assert!(!err.contains("input="), "{args:?}: {err}");
    }
}

#[test]
fn dir_dash_is_an_error_that_points_to_keyhound_stdin() {
    let t = tempfile::tempdir().expect("tempdir");
    let (code, out, err) = run(&["dir", "-"], t.path());
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("keyhound stdin"), "{err}");
    assert!(!err.contains("no secrets found"), "{err}");
}
