//! Adoption and false-positive control: `.keyhound.yml` (custom rules, disabled rules,
//! allowlists), `.keyhoundignore`, inline markers, baselines, the gitleaks import and trusted
//! config from a commit.

use super::git::{commit_file, findings, git, repo};
use super::*;

fn rules_of(list: &[serde_json::Value]) -> Vec<String> {
    let mut r: Vec<String> = list
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap_or_default().to_string())
        .collect();
    r.sort();
    r
}

fn paths_of(list: &[serde_json::Value]) -> Vec<String> {
    let mut r: Vec<String> = list
        .iter()
        .map(|f| f["path"].as_str().unwrap_or_default().to_string())
        .collect();
    r.sort();
    r
}

/// A password assignment the generic rule reports; the value starts with `Zq9-`.
fn password_line() -> String {
    format!("db_password = 'Zq9-{}'\n", fake("{{alnum 5}}.{{alnum 5}}"))
}

/// A folder with three secrets: a GitHub token in src/, one in tests/fixtures/, and a password.
fn three_secrets() -> (tempfile::TempDir, String, String) {
    let t = tempfile::tempdir().expect("tempdir");
    let (a, b) = (github_token(), github_token());
    write(t.path(), "src/app.conf", format!("GITHUB_TOKEN={a}\n"));
    write(t.path(), "tests/fixtures/gh.yml", format!("token: {b}\n"));
    write(t.path(), "src/db.py", password_line());
    (t, a, b)
}

#[test]
fn without_a_config_all_three_are_reported() {
    let (t, _, _) = three_secrets();
    let (code, list, _) = findings(&["dir"], t.path());
    assert_eq!(code, 1);
    assert_eq!(list.len(), 3);
}

#[test]
fn a_path_glob_allowlists_a_folder_and_the_summary_says_so() {
    let (t, _, _) = three_secrets();
    write(
        t.path(),
        ".keyhound.yml",
        "version: 1\nallowlists:\n  - description: fixtures\n    paths: ['tests/fixtures/**']\n",
    );
    let (code, list, err) = findings(&["dir"], t.path());
    assert_eq!(code, 1);
    assert_eq!(paths_of(&list), vec!["src/app.conf", "src/db.py"], "{err}");
    // scanning the folder from outside finds the same config and applies the same globs
    let parent = t.path().parent().expect("parent");
    let name = t.path().file_name().and_then(|n| n.to_str()).expect("name");
    let (_, list, _) = findings(&["dir", name], parent);
    assert_eq!(list.len(), 2);
    // an allowlisted folder is not even read; -v says why it was skipped
    let (_, _, err) = run(&["dir", "-v"], t.path());
    assert!(
        err.contains("tests/fixtures/gh.yml: skipped: allowlisted path"),
        "{err}"
    );
}

#[test]
fn a_secret_regex_and_a_stopword_allowlist_by_value() {
    let (t, a, _) = three_secrets();
    let prefix = &a[..12];
    write(
        t.path(),
        ".keyhound.yml",
        format!("version: 1\nallowlists:\n  - regexes: ['^{prefix}']\n  - stopwords: [ZQ9-]\n"),
    );
    let (_, list, _) = findings(&["dir"], t.path());
    assert_eq!(paths_of(&list), vec!["tests/fixtures/gh.yml"]);
}

#[test]
fn a_per_rule_allowlist_leaves_other_rules_alone() {
    let (t, _, _) = three_secrets();
    write(
        t.path(),
        ".keyhound.yml",
        "version: 1\nallowlists:\n  - rules: [generic-password]\n    paths: ['src/**']\n",
    );
    let (_, list, _) = findings(&["dir"], t.path());
    assert_eq!(
        rules_of(&list),
        vec!["github-pat-classic", "github-pat-classic"],
        "the password in src/ is allowlisted, the token in src/ is not"
    );
}

#[test]
fn a_commit_allowlist_hides_what_that_commit_introduced() {
    let (_t, dir) = repo();
    let c1 = commit_file(&dir, "a.conf", &format!("T={}\n", github_token()), "first");
    commit_file(&dir, "b.conf", &format!("T={}\n", github_token()), "second");
    let (_, list, _) = findings(&["git"], &dir);
    assert_eq!(list.len(), 2);
    write(
        &dir,
        ".keyhound.yml",
        format!("version: 1\nallowlists:\n  - commits: ['{}']\n", &c1[..10]),
    );
    let (_, list, _) = findings(&["git"], &dir);
    assert_eq!(paths_of(&list), vec!["b.conf"]);
}

#[test]
fn custom_rules_run_and_disabled_rules_do_not() {
    let (t, _, _) = three_secrets();
    write(t.path(), "src/acme.txt", "acme key acme_k7Qz9XvB2mLp4RtY\n");
    write(
        t.path(),
        "keyhound.yml",
        r#"version: 1
disable-rules: [generic-password]
rules:
  - id: acme-key
    name: Acme API key
    keywords: [acme_]
    regex: '\b(?P<secret>acme_[0-9A-Za-z]{16})\b'
    entropy: 3.0
    severity: high
    remediation: Revoke it at https://acme.example/keys.
    examples:
      - 'ACME_KEY=acme_{{alnum 16}}'
      - 'key: "acme_{{alnum 16}}"'
    negative:
      - 'ACME_KEY=acme_{{alnum 8}}'
      - 'acme_ keys have 16 characters'
"#,
    );
    let (code, list, err) = findings(&["dir", "--config", "keyhound.yml"], t.path());
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        rules_of(&list),
        vec!["acme-key", "github-pat-classic", "github-pat-classic"]
    );
    // the environment variable names the config as well
    let out = keyhound()
        .args(["dir", "--format", "json"])
        .env("KEYHOUND_CONFIG", "keyhound.yml")
        .current_dir(t.path())
        .output()
        .expect("runs");
    assert_eq!(
        json_of(&stdout_of(&out))["findings"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    let (code, _, err) = run(&["rules", "check", "--config", "keyhound.yml"], t.path());
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("1 rules, 4 examples: all pass"), "{err}");
}

#[test]
fn config_errors_name_file_line_column_and_rule_and_stop_before_scanning() {
    let (t, _, _) = three_secrets();
    write(
        t.path(),
        ".keyhound.yml",
        "version: 1\nrules:\n  - id: acme-key\n    name: Acme\n    keywords: [acme_]\n    regex: 'acme_(?P<secret>[a-z]{16'\n",
    );
    let (code, out, err) = run(&["dir"], t.path());
    assert_eq!(code, 2);
    assert!(out.is_empty(), "nothing scanned, nothing reported: {out}");
    assert!(err.contains(".keyhound.yml:3:5:"), "{err}");
    assert!(err.contains("acme-key") && err.contains("regex"), "{err}");
    write(
        t.path(),
        ".keyhound.yml",
        "version: 1\nallowlist:\n  paths: [x]\n",
    );
    let (code, _, err) = run(&["dir"], t.path());
    assert_eq!(code, 2);
    assert!(
        err.contains(".keyhound.yml:2:1:") && err.contains("allowlist"),
        "{err}"
    );
    let (code, _, err) = run(&["config", "check"], t.path());
    assert_eq!(code, 2);
    assert!(err.contains(".keyhound.yml:2:1:"), "{err}");
}

#[test]
fn the_ignore_file_hides_one_finding_by_fingerprint() {
    let (t, _, _) = three_secrets();
    let (_, list, _) = findings(&["dir"], t.path());
    let fp = list
        .iter()
        .find(|f| f["path"] == "src/db.py")
        .and_then(|f| f["fingerprint"].as_str())
        .expect("password finding")
        .to_string();
    write(
        t.path(),
        ".keyhoundignore",
        format!("# reviewed\n{fp}  # not a real password\n"),
    );
    let (_, list, err) = findings(&["dir"], t.path());
    assert_eq!(list.len(), 2);
    assert!(list.iter().all(|f| f["fingerprint"] != fp.as_str()));
    let (_, _, err2) = run(&["dir"], t.path());
    assert!(err2.contains("1 in .keyhoundignore"), "{err}{err2}");
    write(t.path(), ".keyhoundignore", "src/db.py:1\n");
    let (code, _, err) = run(&["dir"], t.path());
    assert_eq!(code, 2);
    assert!(err.contains(".keyhoundignore:1:"), "{err}");
}

#[test]
fn every_inline_marker_is_honoured() {
    let t = tempfile::tempdir().expect("tempdir");
    for (i, marker) in [
        "# keyhound:allow",
        "// gitleaks:allow",
        "# pragma: allowlist secret",
    ]
    .iter()
    .enumerate()
    {
        write(
            t.path(),
            &format!("f{i}.py"),
            format!("token = '{}'  {marker}\n", github_token()),
        );
    }
    write(
        t.path(),
        "plain.py",
        format!("token = '{}'\n", github_token()),
    );
    let (_, list, _) = findings(&["dir"], t.path());
    assert_eq!(paths_of(&list), vec!["plain.py"]);
}

#[test]
fn a_baseline_survives_a_line_inserted_above_and_a_rebase_but_not_a_changed_secret() {
    let (_t, dir) = repo();
    let old = github_token();
    commit_file(
        &dir,
        "app.conf",
        &format!("GITHUB_TOKEN={old}\n"),
        "old secret",
    );
    let (code, _, err) = run(&["baseline", ".keyhound-baseline.json"], &dir);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("recorded 1 finding"), "{err}");
    let text = std::fs::read_to_string(dir.join(".keyhound-baseline.json")).expect("written");
    assert!(!text.contains(&old), "a baseline never holds the secret");
    commit_file(&dir, ".keyhound-baseline.json", &text, "baseline");
    let with = ["git", "--baseline", ".keyhound-baseline.json"];
    let (code, list, err) = findings(&with, &dir);
    assert_eq!((code, list.len()), (0, 0), "{err}");

    // a line inserted above the secret moves it: still known
    commit_file(
        &dir,
        "app.conf",
        &format!("# config\nDEBUG=1\nGITHUB_TOKEN={old}\n"),
        "move",
    );
    let (code, list, _) = findings(&with, &dir);
    assert_eq!((code, list.len()), (0, 0));
    let (code, _, _) = run(&["dir", "--baseline", ".keyhound-baseline.json"], &dir);
    assert_eq!(code, 0);

    // a rebase rewrites every commit id, those that hold the secret included: still known
    let (_, before, _) = findings(&["git"], &dir);
    let introduced = before[0]["commit"]["commit"].clone();
    git(&dir, &["rebase", "-q", "--force-rebase", "--root"]);
    let (_, after, _) = findings(&["git"], &dir);
    assert_eq!(after.len(), 1, "{after:?}");
    assert_ne!(
        after[0]["commit"]["commit"], introduced,
        "the commit that added the secret was rewritten"
    );
    assert_eq!(after[0]["fingerprint"], before[0]["fingerprint"]);
    let (code, list, err) = findings(&with, &dir);
    assert_eq!((code, list.len()), (0, 0), "{err}");

    // the same place with a different secret is new
    let new = github_token();
    commit_file(
        &dir,
        "app.conf",
        &format!("# config\nDEBUG=1\nGITHUB_TOKEN={new}\n"),
        "rotate badly",
    );
    let (code, list, err) = findings(&with, &dir);
    assert_eq!(code, 1);
    assert_eq!(list.len(), 1, "{err}");
    assert!(err.contains("1 already in the baseline"), "{err}");
}

#[test]
fn two_branches_adding_baseline_entries_merge_cleanly() {
    // an empty baseline on main: both branches add their entry at the same place (between `{`
    // and the version line), a conflict for git's default merge that `merge=union` resolves
    let (_t, dir) = repo();
    commit_file(&dir, "README.md", "# app\n", "init");
    write(
        &dir,
        ".gitattributes",
        ".keyhound-baseline.json merge=union\n",
    );
    let (code, _, err) = run(&["baseline", ".keyhound-baseline.json"], &dir);
    assert_eq!(code, 0, "{err}");
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "baseline"]);
    for branch in ["one", "two"] {
        git(&dir, &["checkout", "-q", "-b", branch, "main"]);
        commit_file(
            &dir,
            &format!("{branch}.conf"),
            &format!("T={}\n", github_token()),
            branch,
        );
        let (code, _, err) = run(&["baseline", ".keyhound-baseline.json"], &dir);
        assert_eq!(code, 0, "{err}");
        git(&dir, &["commit", "-q", "-am", "baseline"]);
    }
    git(&dir, &["checkout", "-q", "main"]);
    git(&dir, &["merge", "-q", "one"]);
    // git does the merge, with the union driver from .gitattributes
    git(&dir, &["merge", "-q", "--no-edit", "two"]);
    let parents = git(&dir, &["log", "-1", "--format=%P"]);
    assert_eq!(parents.split(' ').count(), 2, "a real merge: {parents}");
    let text = std::fs::read_to_string(dir.join(".keyhound-baseline.json")).expect("read");
    assert_eq!(text.matches("github-pat-classic").count(), 2, "{text}");
    assert!(!text.contains("<<<<<<<"), "{text}");
    let (code, list, err) = findings(&["git", "--baseline", ".keyhound-baseline.json"], &dir);
    assert_eq!(
        (code, list.len()),
        (0, 0),
        "the merged baseline is valid and knows both: {err}"
    );
    // without the union driver the same merge conflicts: the attribute is what makes it clean
    git(&dir, &["reset", "-q", "--hard", "HEAD~1"]);
    write(
        &dir,
        ".git/info/attributes",
        ".keyhound-baseline.json merge=text\n",
    );
    let out = super::git::pinned("git", &dir)
        .args(["merge", "-q", "--no-edit", "two"])
        .env("HOME", &dir)
        .output()
        .expect("git");
    assert!(!out.status.success(), "conflicts without merge=union");
}

#[test]
fn a_gitleaks_report_works_as_a_baseline() {
    let (t, a, _) = three_secrets();
    let report = format!(
        r#"[{{"RuleID": "github-pat", "File": "src/app.conf", "StartLine": 1, "Secret": "{a}", "Fingerprint": "src/app.conf:github-pat:1"}},
           {{"RuleID": "generic-api-key", "File": "src/db.py", "StartLine": 1, "Secret": "REDACTED"}}]"#
    );
    write(t.path(), "gitleaks-report.json", report);
    let (code, list, _) = findings(&["dir", "--baseline", "gitleaks-report.json"], t.path());
    assert_eq!(code, 1);
    assert_eq!(paths_of(&list), vec!["tests/fixtures/gh.yml"]);
}

#[test]
fn write_baseline_on_a_scan_records_everything_found() {
    let (t, _, _) = three_secrets();
    let (code, _, err) = run(&["dir", "--write-baseline", "b.json"], t.path());
    assert_eq!(code, 1, "the scan still reports: {err}");
    let (code, list, _) = findings(&["dir", "--baseline", "b.json"], t.path());
    assert_eq!((code, list.len()), (0, 0));
}

const GITLEAKS_TOML: &str = r#"
title = "acme gitleaks config"

[extend]
useDefault = true
disabledRules = ["generic-api-key"]

[[rules]]
id = "acme_internal_token"
description = "Acme internal service token"
regex = '''(?i)acme[_-]?token\s*[:=]\s*["']?(acm_[a-z0-9]{24})'''
secretGroup = 1
entropy = 3.0
keywords = ["acme", "acm_"]

  [[rules.allowlists]]
  description = "documentation tokens"
  stopwords = ["example"]
  paths = ['''^docs/''']

[[rules]]
id = "legacy-path-rule"
description = "private key files"
path = '''\.pem$'''

[allowlist]
description = "global allowlist"
paths = ['''(^|/)vendor/''', '''\.lock$''']
regexes = ['''^ghp_0{36}$''']
commits = ["0123456789abcdef0123456789abcdef01234567"]
"#;

#[test]
fn a_gitleaks_config_is_imported_and_what_does_not_map_is_reported() {
    let t = tempfile::tempdir().expect("tempdir");
    write(t.path(), ".gitleaks.toml", GITLEAKS_TOML);
    let (code, _, err) = run(&["config", "import-gitleaks", ".gitleaks.toml"], t.path());
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("legacy-path-rule") && err.contains("path-only"),
        "{err}"
    );
    // the path-only rule carries over as a path rule
    assert!(err.contains("2 custom rules, 2 allowlist entries"), "{err}");
    let yaml = std::fs::read_to_string(t.path().join(".keyhound.yml")).expect("written");
    assert!(yaml.contains("id: acme-internal-token"), "{yaml}");
    assert!(
        yaml.contains("disable-rules: ['generic-secret', 'generic-password']"),
        "{yaml}"
    );
    // the imported config works: the custom rule finds, its allowlist and the global one hide
    let tok = fake("acm_{{alnumlower 24}}");
    write(t.path(), "src/a.conf", format!("ACME_TOKEN={tok}\n"));
    write(
        t.path(),
        "docs/setup.md",
        format!("acme_token: {}\n", fake("acm_{{alnumlower 24}}")),
    );
    write(
        t.path(),
        "vendor/x/y.conf",
        format!("T={}\n", github_token()),
    );
    write(t.path(), "src/db.py", password_line());
    let (code, list, err) = findings(&["dir"], t.path());
    assert_eq!(code, 1, "{err}");
    assert_eq!(rules_of(&list), vec!["acme-internal-token"], "{err}");
    assert_eq!(paths_of(&list), vec!["src/a.conf"]);
    // an existing config is not overwritten without --force
    let (code, _, err) = run(&["config", "import-gitleaks", ".gitleaks.toml"], t.path());
    assert_eq!(code, 2);
    assert!(err.contains("--force"), "{err}");
}

#[test]
fn a_pull_request_cannot_allowlist_its_own_secret_with_config_from_ref() {
    let (_t, dir) = repo();
    commit_file(&dir, ".keyhound.yml", "version: 1\n", "config");
    let base = commit_file(&dir, "README.md", "hello\n", "docs");
    git(&dir, &["checkout", "-q", "-b", "pr"]);
    commit_file(
        &dir,
        "app.conf",
        &format!("GITHUB_TOKEN={}\n", github_token()),
        "add key",
    );
    commit_file(
        &dir,
        ".keyhound.yml",
        "version: 1\nallowlists:\n  - paths: ['app.conf']\n",
        "allowlist it",
    );
    let range = format!("{base}..HEAD");
    let (code, list, _) = findings(&["git", "--range", &range], &dir);
    assert_eq!(
        (code, list.len()),
        (0, 0),
        "the work tree's config hides it"
    );
    let (code, list, err) = findings(
        &["git", "--range", &range, "--config-from-ref", &base],
        &dir,
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(paths_of(&list), vec!["app.conf"]);
    // the PR also cannot add the fingerprint to .keyhoundignore
    let fp = list[0]["fingerprint"].as_str().expect("fp").to_string();
    commit_file(&dir, ".keyhoundignore", &format!("{fp}\n"), "ignore it");
    let (code, _, _) = findings(
        &["git", "--range", &range, "--config-from-ref", &base],
        &dir,
    );
    assert_eq!(code, 1);
    let (code, _, err) = run(
        &["git", "--range", &range, "--config-from-ref", "nope"],
        &dir,
    );
    assert_eq!(code, 2);
    assert!(err.contains("nope"), "{err}");
}

#[test]
fn rules_explain_lists_every_way_to_suppress() {
    let (code, out, _) = run(&["rules", "explain", "generic-password"], Path::new("."));
    assert_eq!(code, 0);
    for way in [
        "keyhound:allow",
        ".keyhoundignore",
        "allowlists:",
        "disable-rules",
        "baseline",
    ] {
        assert!(out.contains(way), "{way}: {out}");
    }
}

#[test]
fn a_baseline_named_in_the_config_is_applied() {
    let (t, _, _) = three_secrets();
    let (code, _, err) = run(&["dir", "--write-baseline", "known.json"], t.path());
    assert_eq!(code, 1, "{err}");
    write(
        t.path(),
        ".keyhound.yml",
        "version: 1\nbaseline: known.json\n",
    );
    let (code, list, err) = findings(&["dir"], t.path());
    assert_eq!((code, list.len()), (0, 0), "{err}");
    assert!(err.contains("3 already in the baseline"), "{err}");
    // a new secret is still reported
    write(t.path(), "src/new.conf", format!("T={}\n", github_token()));
    let (code, list, _) = findings(&["dir"], t.path());
    assert_eq!(
        (code, paths_of(&list)),
        (1, vec!["src/new.conf".to_string()])
    );
    // the flag wins over nothing: without the config line all four are back
    write(t.path(), ".keyhound.yml", "version: 1\n");
    let (_, list, _) = findings(&["dir"], t.path());
    assert_eq!(list.len(), 4);
    // a configured baseline that is missing is an error, not a silent pass
    write(
        t.path(),
        ".keyhound.yml",
        "version: 1\nbaseline: gone.json\n",
    );
    let (code, _, err) = run(&["dir"], t.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("gone.json"), "{err}");
}

#[test]
fn config_from_ref_applies_the_base_commits_ignore_file_and_baseline() {
    let (_t, dir) = repo();
    let (known, ignored) = (github_token(), github_token());
    // the base knows two secrets: one by its baseline, one by its ignore file
    commit_file(&dir, "old/a.conf", &format!("T={known}\n"), "old a");
    commit_file(&dir, "old/b.conf", &format!("T={ignored}\n"), "old b");
    let (_, list, _) = findings(&["git"], &dir);
    let fp_of = |path: &str| {
        list.iter()
            .find(|f| f["path"] == path)
            .and_then(|f| f["fingerprint"].as_str())
            .expect("finding")
            .to_string()
    };
    let (fa, fb) = (fp_of("old/a.conf"), fp_of("old/b.conf"));
    let (code, _, err) = run(&["dir", "old/a.conf", "--write-baseline", "kb.json"], &dir);
    assert_eq!(code, 1, "{err}");
    write(&dir, ".keyhoundignore", format!("{fb}  # reviewed\n"));
    write(&dir, ".keyhound.yml", "version: 1\nbaseline: kb.json\n");
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "adopt keyhound"]);
    let base = git(&dir, &["rev-parse", "HEAD"]);
    // the change copies both known secrets into new files and drops the ignore file and the
    // baseline from the work tree: only the base's copies can hide them
    git(&dir, &["checkout", "-q", "-b", "pr"]);
    write(&dir, "new/a.conf", format!("T={known}\n"));
    write(&dir, "new/b.conf", format!("T={ignored}\n"));
    let third = github_token();
    write(&dir, "new/c.conf", format!("T={third}\n"));
    git(&dir, &["rm", "-q", ".keyhoundignore", "kb.json"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "copy"]);
    let range = format!("{base}..HEAD");
    let (code, list, err) = findings(&["git", "--range", &range, "--no-config"], &dir);
    assert_eq!(
        (code, list.len()),
        (1, 3),
        "all three are added lines: {err}"
    );
    let (code, list, err) = findings(
        &["git", "--range", &range, "--config-from-ref", &base],
        &dir,
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(paths_of(&list), vec!["new/c.conf"], "{err}");
    assert!(
        list.iter()
            .all(|f| f["fingerprint"] != fa.as_str() && f["fingerprint"] != fb.as_str())
    );
    assert!(
        err.contains("1 in .keyhoundignore") && err.contains("1 already in the baseline"),
        "{err}"
    );
}
