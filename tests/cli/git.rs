//! keyhound against real git repositories built with the git CLI under a pinned environment
//! (fixed names, dates, default branch; no system or global config), so commit ids repeat.

use super::*;
use std::path::{Path, PathBuf};
use std::process::Command as Proc;
use std::sync::atomic::{AtomicU64, Ordering};

static CLOCK: AtomicU64 = AtomicU64::new(0);

/// A command with git's pinned environment: no system or global config, a fixed identity.
pub fn pinned(program: &str, dir: &Path) -> Proc {
    let mut c = Proc::new(program);
    c.current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Alice Author")
        .env("GIT_AUTHOR_EMAIL", "alice@example.test")
        .env("GIT_COMMITTER_NAME", "Alice Author")
        .env("GIT_COMMITTER_EMAIL", "alice@example.test");
    c
}

/// Runs git in `dir` with a pinned identity and clock; panics with git's message on failure.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let tick = 1_700_000_000 + CLOCK.fetch_add(60, Ordering::Relaxed);
    let date = format!("@{tick} +0000");
    let out = pinned("git", dir)
        .args(args)
        .env("HOME", dir)
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        stderr_of(&out)
    );
    stdout_of(&out).trim().to_string()
}

/// A new repository with `main` as its branch.
pub fn repo() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().expect("tempdir");
    let dir = t.path().join("repo");
    std::fs::create_dir(&dir).expect("mkdir");
    git(&dir, &["init", "-q", "-b", "main"]);
    (t, dir)
}

/// Writes `rel`, stages it and commits; returns the commit id.
pub fn commit_file(dir: &Path, rel: &str, contents: &str, msg: &str) -> String {
    write(dir, rel, contents);
    git(dir, &["add", rel]);
    git(dir, &["commit", "-q", "-m", msg]);
    git(dir, &["rev-parse", "HEAD"])
}

pub fn findings(args: &[&str], dir: &Path) -> (i32, Vec<serde_json::Value>, String) {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let (code, out, err) = run(&a, dir);
    let list = if out.is_empty() {
        Vec::new()
    } else {
        json_of(&out)["findings"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    (code, list, err)
}

#[test]
fn audit_finds_a_secret_committed_then_deleted_and_says_it_is_gone_from_head() {
    let (_t, dir) = repo();
    commit_file(&dir, "README.md", "# app\n", "init");
    let tok = github_token();
    let added = commit_file(
        &dir,
        "config/.env",
        &format!("A=1\nTOKEN={tok}\n"),
        "add config",
    );
    git(&dir, &["rm", "-q", "config/.env"]);
    git(&dir, &["commit", "-q", "-m", "remove config"]);
    let (code, mut f, err) = findings(&["git"], &dir);
    assert_eq!(code, 1, "{err}");
    // the token, and the committed .env itself (path rules run on history too)
    let rules: Vec<&str> = f.iter().filter_map(|x| x["rule_id"].as_str()).collect();
    // most severe first: the critical token, then the high .env
    assert_eq!(rules, ["github-pat-classic", "dotenv-file"], "{f:?}");
    assert_eq!(f[1]["commit"]["commit"], added);
    assert_eq!(f[1]["present_at_head"], false);
    f.remove(1);
    assert_eq!(f[0]["path"], "config/.env");
    assert_eq!(f[0]["line"], 2);
    assert_eq!(f[0]["commit"]["commit"], added);
    assert_eq!(f[0]["commit"]["author"], "Alice Author");
    assert_eq!(f[0]["present_at_head"], false);
    let (code, _, _) = run(&["dir", "."], &dir);
    assert_eq!(code, 0, "not in the work tree any more");
}

#[test]
fn audit_sees_a_secret_that_lives_only_on_a_side_branch() {
    let (_t, dir) = repo();
    commit_file(&dir, "a.txt", "a\n", "init");
    git(&dir, &["checkout", "-q", "-b", "feature"]);
    let c = commit_file(
        &dir,
        "b.txt",
        &format!("k={}\n", github_token()),
        "feature work",
    );
    git(&dir, &["checkout", "-q", "main"]);
    let (code, f, _) = findings(&["git"], &dir);
    assert_eq!(code, 1);
    assert_eq!(f[0]["commit"]["commit"], c);
    assert_eq!(f[0]["present_at_head"], false);
}

#[test]
fn a_secret_introduced_by_a_merge_is_attributed_to_the_merge() {
    let (_t, dir) = repo();
    commit_file(&dir, "app.cfg", "name=app\nmode=one\n", "init");
    let base = git(&dir, &["rev-parse", "HEAD"]);
    git(&dir, &["checkout", "-q", "-b", "side"]);
    commit_file(&dir, "app.cfg", "name=app\nmode=side\n", "side");
    git(&dir, &["checkout", "-q", "main"]);
    commit_file(&dir, "app.cfg", "name=app\nmode=main\n", "main");
    // a conflicting merge, resolved by adding a line neither parent had
    let out = Proc::new("git")
        .args(["merge", "-q", "side"])
        .current_dir(&dir)
        .output()
        .expect("git");
    assert!(!out.status.success(), "the merge must conflict");
    let tok = github_token();
    write(
        &dir,
        "app.cfg",
        format!("name=app\nmode=both\ntoken={tok}\n"),
    );
    git(&dir, &["add", "app.cfg"]);
    git(&dir, &["commit", "-q", "-m", "merge side"]);
    let merge = git(&dir, &["rev-parse", "HEAD"]);
    let parents = git(&dir, &["log", "-1", "--format=%P", "HEAD"]);
    assert_eq!(parents.split(' ').count(), 2, "HEAD is a merge: {parents}");
    let (code, f, err) = findings(&["git", "--range", &format!("{base}..HEAD")], &dir);
    assert_eq!(code, 1, "{err}");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["commit"]["commit"], merge);
    assert_eq!(f[0]["line"], 3);
}

#[test]
fn an_audit_of_a_packed_repository_places_findings_as_in_a_loose_one() {
    // a packed history (deltas of trees against trees, blobs against blobs) is read by a
    // traversal that skips the blobs when it places findings: it must place them the same way
    let (_t, dir) = repo();
    let body: String = (0..200).map(|i| format!("line {i}\n")).collect();
    commit_file(&dir, "src/big.txt", &body, "init");
    let added = commit_file(
        &dir,
        "src/big.txt",
        &format!("{body}T={}\n", github_token()),
        "add a token",
    );
    for i in 0..5 {
        commit_file(
            &dir,
            &format!("src/more{i}.txt"),
            &format!("{body}{i}\n"),
            "more",
        );
    }
    commit_file(&dir, "src/big.txt", &format!("{body}gone\n"), "remove it");
    let (code, loose, err) = findings(&["git"], &dir);
    assert_eq!((code, loose.len()), (1, 1), "{err}");
    git(
        &dir,
        &[
            "repack",
            "-q",
            "-a",
            "-d",
            "-f",
            "--depth=50",
            "--window=50",
        ],
    );
    git(&dir, &["prune-packed"]);
    assert!(
        std::fs::read_dir(dir.join(".git/objects/pack"))
            .expect("pack folder")
            .flatten()
            .any(|e| e.path().extension().is_some_and(|x| x == "pack"))
    );
    let (code, packed, err) = findings(&["git"], &dir);
    assert_eq!(code, 1, "{err}");
    assert_eq!(packed, loose);
    assert_eq!(packed[0]["commit"]["commit"], added);
    assert_eq!(packed[0]["path"], "src/big.txt");
    assert_eq!(packed[0]["present_at_head"], false);
}

#[test]
fn a_rename_adds_nothing_and_the_audit_reports_the_original_place_once() {
    let (_t, dir) = repo();
    let added = commit_file(&dir, "old.env", &format!("T={}\n", github_token()), "add");
    git(&dir, &["mv", "old.env", "new.env"]);
    git(&dir, &["commit", "-q", "-m", "rename"]);
    let (code, f, _) = findings(&["git", "--range", "HEAD~1..HEAD"], &dir);
    assert_eq!((code, f.len()), (0, 0), "renaming a file adds no line");
    let (_, f, _) = findings(&["git"], &dir);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["path"], "old.env");
    assert_eq!(f[0]["commit"]["commit"], added);
    assert_eq!(f[0]["present_at_head"], true);
}

#[test]
fn a_reverted_secret_is_still_in_history_and_in_a_range_that_covers_it() {
    let (_t, dir) = repo();
    commit_file(&dir, "a.txt", "a\n", "init");
    let base = git(&dir, &["rev-parse", "HEAD"]);
    let bad = commit_file(&dir, "a.txt", &format!("a\n{}\n", github_token()), "oops");
    git(&dir, &["revert", "--no-edit", "HEAD"]);
    let (code, f, _) = findings(&["git", "--range", &format!("{base}..HEAD")], &dir);
    assert_eq!(code, 1);
    assert_eq!(f[0]["commit"]["commit"], bad);
    let (code, f, _) = findings(&["git"], &dir);
    assert_eq!(code, 1);
    assert_eq!(f[0]["present_at_head"], false);
}

#[test]
fn staged_scans_the_index_not_the_work_tree() {
    let (_t, dir) = repo();
    commit_file(&dir, "a.txt", "a\n", "init");
    let staged = github_token();
    let unstaged = fake("{{valid github-crc32 gho_}}");
    write(&dir, "a.txt", format!("a\nstaged={staged}\n"));
    git(&dir, &["add", "a.txt"]);
    write(
        &dir,
        "a.txt",
        format!("a\nstaged={staged}\nunstaged={unstaged}\n"),
    );
    write(&dir, "untracked.txt", format!("{unstaged}\n"));
    let (code, f, err) = findings(&["staged", "--show-secrets"], &dir);
    assert_eq!(code, 1, "{err}");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["secret"], staged);
    assert_eq!(f[0]["line"], 2);
}

#[test]
fn staged_reports_only_added_lines_so_an_old_secret_does_not_block() {
    let (_t2, dir2) = repo();
    let tok = github_token();
    commit_file(&dir2, "a.txt", &format!("old={tok}\n"), "legacy");
    write(&dir2, "a.txt", format!("old={tok}\nnew line\n"));
    git(&dir2, &["add", "a.txt"]);
    let (code, f, err) = findings(&["staged"], &dir2);
    assert_eq!((code, f.len()), (0, 0), "{err}");
    git(&dir2, &["commit", "-q", "-m", "more"]);
    git(&dir2, &["mv", "a.txt", "renamed.txt"]);
    let (code, f, err) = findings(&["staged"], &dir2);
    assert_eq!(
        (code, f.len()),
        (0, 0),
        "a staged rename adds nothing: {err}"
    );
}

#[test]
fn staged_in_a_large_file_finds_what_its_added_lines_hold() {
    // only the added lines of a changed file are searched: these are the cases where the
    // secret's keyword or encoding is not where a line-local search would look
    let (_t, dir) = repo();
    let filler: String = (0..3000)
        .map(|i| format!("let value_{i} = compute({i});\n"))
        .collect();
    let key = |body: &str| {
        format!("-----BEGIN RSA PRIVATE KEY-----\n{body}-----END RSA PRIVATE KEY-----\n")
    };
    let old_body = "{{base64 64}}\n".repeat(12);
    let pem = key(&fake(&old_body));
    let tok = github_token();
    let original = format!("{filler}{pem}{filler}");
    commit_file(&dir, "big.txt", &original, "init");
    // a private key whose body changed under its unchanged BEGIN line
    let new_pem = key(&fake(&old_body));
    use base64::Engine as _;
    let token_b64 = base64::engine::general_purpose::STANDARD.encode(format!("token: {tok}"));
    let changed = format!("{filler}{new_pem}{filler}secret_blob = \"{token_b64}\"\n");
    write(&dir, "big.txt", &changed);
    git(&dir, &["add", "big.txt"]);
    let (code, f, err) = findings(&["staged"], &dir);
    assert_eq!(code, 1, "{err}");
    assert_eq!(f.len(), 2, "{f:?}");
    assert!(
        f.iter()
            .any(|x| x["rule_id"] == "pem-private-key" && x["line"] == 3001),
        "{f:?}"
    );
    assert!(
        f.iter().any(|x| x["rule_id"] == "github-pat-classic"
            && x["encoding"] == "base64"
            && x["line"] == 6015),
        "{f:?}"
    );
}

#[test]
fn staged_works_before_the_first_commit_and_skips_deletions_symlinks_and_binaries() {
    let (_t, dir) = repo();
    write(&dir, "first.env", format!("T={}\n", github_token()));
    let mut bin = b"\0\0BIN".to_vec();
    bin.extend_from_slice(github_token().as_bytes());
    write(&dir, "blob.bin", bin);
    // git stores a symbolic link as a blob holding its target: this one's target is a secret,
    // so a `staged` that read links would report it
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        format!("T={}", fake("{{valid github-crc32 gho_}}")),
        dir.join("link.env"),
    )
    .expect("symlink");
    git(&dir, &["add", "-A"]);
    #[cfg(unix)]
    assert_eq!(
        git(&dir, &["ls-files", "-s", "link.env"]).split(' ').next(),
        Some("120000"),
        "staged as a link"
    );
    let (code, f, err) = findings(&["staged"], &dir);
    assert_eq!(code, 1, "{err}");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["path"], "first.env");
    // the same link's target is a finding where links are read as files: `git show :link.env`
    #[cfg(unix)]
    {
        let target = git(&dir, &["cat-file", "-p", ":link.env"]);
        let out = keyhound()
            .args(["stdin", "--format", "json"])
            .write_stdin(target)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(1), "the link target holds a secret");
    }
    git(&dir, &["commit", "-q", "-m", "first"]);
    git(&dir, &["rm", "-q", "first.env"]);
    let (code, _, err) = findings(&["staged"], &dir);
    assert_eq!(code, 0, "deleting a file adds nothing: {err}");
}

#[test]
fn staged_message_says_what_to_do_without_the_secret() {
    let (_t, dir) = repo();
    commit_file(&dir, "a.txt", "a\n", "init");
    let tok = github_token();
    write(&dir, "a.txt", format!("a\n{tok}\n"));
    git(&dir, &["add", "a.txt"]);
    let (code, out, err) = run(&["staged"], &dir);
    assert_eq!(code, 1);
    assert!(!out.contains(&tok) && !err.contains(&tok));
    assert!(out.contains("a.txt") && out.contains("2:1"), "{out}");
    assert!(
        err.contains("commit blocked") && err.contains("git restore --staged"),
        "{err}"
    );
    assert!(
        err.contains("revoke") && err.contains("keyhound:allow"),
        "{err}"
    );
}

#[test]
fn detached_head_is_fine_for_audit_range_and_staged() {
    let (_t, dir) = repo();
    commit_file(&dir, "a.txt", "a\n", "init");
    let c = commit_file(&dir, "b.txt", &format!("{}\n", github_token()), "add");
    git(&dir, &["checkout", "-q", "--detach", &c]);
    let (code, f, _) = findings(&["git"], &dir);
    assert_eq!((code, f.len()), (1, 1));
    let (code, f, _) = findings(&["git", "--range", "HEAD~1..HEAD"], &dir);
    assert_eq!((code, f.len()), (1, 1));
    let (code, _, _) = findings(&["staged"], &dir);
    assert_eq!(code, 0);
}

#[test]
fn a_shallow_clone_without_the_base_is_an_error_that_says_how_to_fetch() {
    let (t, dir) = repo();
    commit_file(&dir, "a.txt", "a\n", "one");
    let base = commit_file(&dir, "a.txt", "b\n", "two");
    commit_file(&dir, "a.txt", &format!("{}\n", github_token()), "three");
    commit_file(&dir, "a.txt", "d\n", "four");
    let shallow = t.path().join("shallow");
    let url = format!("file://{}", dir.display());
    git(
        t.path(),
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            &url,
            shallow.to_str().unwrap_or("shallow"),
        ],
    );
    let (code, _, err) = run(&["git", "--range", &format!("{base}..HEAD")], &shallow);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("not in this repository") && err.contains("shallow"),
        "{err}"
    );
    assert!(err.contains("fetch-depth: 0"), "{err}");
    // a base that is present but beyond the shallow boundary is just as unknowable
    let (code, _, err) = run(&["git", "--range", "HEAD~3..HEAD"], &shallow);
    assert_eq!(code, 2, "{err}");
    // an audit of a shallow clone says what it could not see
    let (_, _, err) = run(&["git"], &shallow);
    assert!(
        err.contains("shallow clone") && err.contains("--unshallow"),
        "{err}"
    );
}

#[test]
fn a_bare_repository_can_be_audited() {
    let (t, dir) = repo();
    commit_file(&dir, "a.txt", &format!("{}\n", github_token()), "one");
    let bare = t.path().join("bare.git");
    git(
        t.path(),
        &[
            "clone",
            "-q",
            "--bare",
            dir.to_str().unwrap_or("repo"),
            bare.to_str().unwrap_or("bare"),
        ],
    );
    let (code, f, err) = findings(
        &["git", "--repo", bare.to_str().unwrap_or("bare")],
        t.path(),
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(f[0]["path"], "a.txt");
}

#[test]
fn a_corrupt_object_is_exit_2_and_every_other_blob_is_still_scanned() {
    let (_t, dir) = repo();
    commit_file(&dir, "good.txt", &format!("{}\n", github_token()), "good");
    let victim = commit_file(
        &dir,
        "victim.txt",
        "just some text that will be damaged\n",
        "victim",
    );
    let blob = git(&dir, &["rev-parse", &format!("{victim}:victim.txt")]);
    let path = dir.join(".git/objects").join(&blob[..2]).join(&blob[2..]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    }
    std::fs::write(&path, b"this is not zlib data at all").expect("corrupt the object");
    let (code, f, err) = findings(&["git"], &dir);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&blob), "names the damaged object: {err}");
    // and says what happened to it, not just that something is wrong
    assert!(
        err.contains("victim.txt") && err.contains("could not be scanned"),
        "{err}"
    );
    assert_eq!(f.len(), 1, "the good blob is still reported: {f:?}");
    assert_eq!(f[0]["path"], "good.txt");
}

#[test]
fn a_zero_base_scans_only_the_commits_no_other_ref_has() {
    let (_t, dir) = repo();
    commit_file(
        &dir,
        "old.txt",
        &format!("{}\n", github_token()),
        "old secret on main",
    );
    git(&dir, &["checkout", "-q", "-b", "topic"]);
    let c = commit_file(
        &dir,
        "new.txt",
        &format!("{}\n", fake("{{valid github-crc32 gho_}}")),
        "new secret",
    );
    let zeros = "0".repeat(40);
    let (code, f, err) = findings(&["git", "--range", &format!("{zeros}..HEAD")], &dir);
    assert_eq!(code, 1, "{err}");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["path"], "new.txt");
    assert_eq!(f[0]["commit"]["commit"], c);
}

#[test]
fn range_findings_carry_commit_author_date_path_and_line_and_sarif_validates() {
    let (_t, dir) = repo();
    commit_file(&dir, "a.txt", "a\n", "init");
    let c = commit_file(
        &dir,
        "src/settings.py",
        &format!("DEBUG = True\nTOKEN = \"{}\"\n", github_token()),
        "settings",
    );
    let (code, f, _) = findings(&["git", "--range", "HEAD~1..HEAD"], &dir);
    assert_eq!(code, 1);
    let x = &f[0];
    assert_eq!(x["commit"]["commit"], c);
    assert_eq!(x["commit"]["email"], "alice@example.test");
    assert!(
        x["commit"]["date"]
            .as_str()
            .is_some_and(|d| d.starts_with("2023-11-")),
        "{x}"
    );
    assert_eq!(
        (x["path"].as_str(), x["line"].as_u64()),
        (Some("src/settings.py"), Some(2))
    );
    let (_, sarif, _) = run(
        &["git", "--range", "HEAD~1..HEAD", "--format", "sarif"],
        &dir,
    );
    let schema = json_of(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/sarif-schema-2.1.0.json"
        ))
        .expect("schema"),
    );
    let doc = json_of(&sarif);
    let v = jsonschema::validator_for(&schema).expect("schema compiles");
    assert!(v.is_valid(&doc));
    assert!(
        doc["runs"][0]["results"][0]["message"]["text"]
            .as_str()
            .is_some_and(|m| m.contains(&c))
    );
}

#[test]
fn not_a_repository_is_a_clear_error() {
    let t = tempfile::tempdir().expect("tempdir");
    let (code, _, err) = run(&["git"], t.path());
    assert_eq!(code, 2);
    assert!(
        err.contains("not a git repository") && err.contains("--repo"),
        "{err}"
    );
    let (code, _, err) = run(&["git", "--range", "nope"], t.path());
    assert_eq!(code, 2, "{err}");
}

#[test]
fn install_hook_blocks_a_commit_with_a_secret_and_keeps_other_hooks() {
    let (_t, dir) = repo();
    commit_file(&dir, "a.txt", "a\n", "init");
    let (code, _, err) = run(&["install-hook"], &dir);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("pre-commit"), "{err}");
    write(&dir, "a.txt", format!("a\n{}\n", github_token()));
    git(&dir, &["add", "a.txt"]);
    let out = pinned("git", &dir)
        .args(["commit", "-q", "-m", "leak"])
        .output()
        .expect("git");
    assert!(!out.status.success(), "the hook must block the commit");
    assert!(
        stderr_of(&out).contains("commit blocked"),
        "{}",
        stderr_of(&out)
    );
    let (code, _, err) = run(&["install-hook"], &dir);
    assert_eq!(code, 0, "installing twice is fine: {err}");
    write(&dir, ".git/hooks/pre-commit", "#!/bin/sh\nexit 0\n");
    let (code, _, err) = run(&["install-hook"], &dir);
    assert_eq!(code, 2);
    assert!(err.contains("--force"), "{err}");
    let (code, _, _) = run(&["install-hook", "--force"], &dir);
    assert_eq!(code, 0);
}

#[test]
fn unreachable_objects_are_reported_only_with_include_unreachable() {
    let (_t, dir) = repo();
    commit_file(&dir, "a.txt", "a\n", "init");
    // a blob written to the object database but never committed (as after a reset or amend)
    write(&dir, "dangling.txt", format!("{}\n", github_token()));
    let id = git(&dir, &["hash-object", "-w", "dangling.txt"]);
    std::fs::remove_file(dir.join("dangling.txt")).expect("rm");
    let (code, f, err) = findings(&["git"], &dir);
    assert_eq!((code, f.len()), (0, 0), "{err}");
    let (code, f, err) = findings(&["git", "--include-unreachable"], &dir);
    assert_eq!(code, 1, "{err}");
    assert_eq!(f[0]["path"], format!("(unreachable blob {id})"));
}

/// Every way a secret could reach the output of `git` and `--range`: none prints it.
#[test]
fn git_and_range_output_never_holds_the_secret() {
    let (_t, dir) = repo();
    commit_file(&dir, "a.txt", "a\n", "init");
    let tok = github_token();
    commit_file(&dir, "deploy/app.env", &format!("TOKEN={tok}\n"), "add");
    commit_file(&dir, "copy.env", &format!("TOKEN={tok}\n"), "copy");
    for args in [
        &["git"][..],
        &["git", "-v"],
        &["git", "--range", "HEAD~2..HEAD"],
        &["git", "--range", "HEAD~2..HEAD", "-v"],
    ] {
        for format in ["human", "json", "jsonl", "sarif"] {
            let mut a = args.to_vec();
            a.extend(["--format", format]);
            let (code, out, err) = run(&a, &dir);
            assert_eq!(code, 1, "{a:?}: {err}");
            assert!(
                out.contains("deploy/app.env") || out.contains("deploy%2Fapp.env"),
                "{a:?}: {out}"
            );
            assert!(!out.contains(&tok), "{a:?} printed the secret: {out}");
            assert!(!err.contains(&tok), "{a:?} printed the secret: {err}");
            // not even most of it
            assert!(
                !out.contains(&tok[4..30]) && !err.contains(&tok[4..30]),
                "{a:?}"
            );
        }
    }
    let (_, out, _) = run(&["git", "--format", "json", "--show-secrets"], &dir);
    assert!(out.contains(&tok), "--show-secrets shows it");
}

/// An error about scanned content (a damaged object holding a secret) names the object, never
/// the content.
#[test]
fn errors_never_hold_the_secret() {
    let (_t, dir) = repo();
    commit_file(&dir, "a.txt", "a\n", "init");
    let tok = github_token();
    // a config line that holds a key instead of a fingerprint is an error that does not echo it
    write(&dir, ".keyhoundignore", format!("{tok}  # oops\n"));
    let (code, out, err) = run(&["git"], &dir);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(".keyhoundignore:1"), "{err}");
    assert!(!err.contains(&tok) && !out.contains(&tok), "{err}");
    assert!(!err.contains(&tok[4..30]), "{err}");
}

#[test]
fn the_audit_lists_every_place_and_the_date_of_the_commit_that_added_it() {
    let (_t, dir) = repo();
    commit_file(&dir, "a.txt", "a\n", "init");
    let tok = github_token();
    let first = commit_file(&dir, "one/first.env", &format!("T={tok}\n"), "first");
    commit_file(&dir, "two/second.yml", &format!("token: {tok}\n"), "second");
    commit_file(
        &dir,
        "two/second.yml",
        &format!("# moved\ntoken: {tok}\n"),
        "third",
    );
    let (code, f, err) = findings(&["git"], &dir);
    assert_eq!(code, 1, "{err}");
    assert_eq!(f.len(), 1, "one secret, one finding: {f:?}");
    assert_eq!(f[0]["path"], "one/first.env");
    assert_eq!(f[0]["commit"]["commit"], first);
    let date = git(&dir, &["log", "-1", "--format=%aI", &first]);
    let reported = f[0]["commit"]["date"].as_str().expect("a date");
    // RFC 3339 either way: UTC as `Z` or `+00:00`
    let utc = |d: &str| d.replace("+00:00", "Z");
    assert_eq!(utc(reported), utc(&date), "{f:?}");
    let also: Vec<(String, u64)> = f[0]["also_at"]
        .as_array()
        .expect("also_at")
        .iter()
        .map(|p| {
            (
                p["path"].as_str().unwrap_or_default().to_string(),
                p["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert!(
        also.contains(&("two/second.yml".to_string(), 1)),
        "{also:?}"
    );
    assert!(
        !also.iter().any(|(p, _)| p == "one/first.env"),
        "the first place is not repeated: {also:?}"
    );
    // the human report says it too
    let (_, out, _) = run(&["git"], &dir);
    assert!(out.contains("two/second.yml"), "{out}");
}

#[test]
fn sarif_of_an_audit_validates_with_nested_unusual_and_unreachable_paths() {
    let (_t, dir) = repo();
    commit_file(&dir, "a.txt", "a\n", "init");
    commit_file(
        &dir,
        "deep/dir with space/caf\u{e9} #1.env",
        &format!("T={}\n", github_token()),
        "nested",
    );
    write(&dir, "dangling.txt", format!("{}\n", github_token()));
    git(&dir, &["hash-object", "-w", "dangling.txt"]);
    std::fs::remove_file(dir.join("dangling.txt")).expect("rm");
    let (code, out, err) = run(&["git", "--include-unreachable", "--format", "sarif"], &dir);
    assert_eq!(code, 1, "{err}");
    let doc = json_of(&out);
    super::reports::assert_valid_sarif(&doc);
    let uris: Vec<&str> = doc["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert_eq!(uris.len(), 2, "{uris:?}");
    assert!(
        uris.contains(&"deep/dir%20with%20space/caf%C3%A9%20%231.env"),
        "{uris:?}"
    );
}

#[test]
fn staged_skips_submodules_and_conflicted_entries() {
    let (t, dir) = repo();
    commit_file(&dir, "app.cfg", "name=app\nmode=one\n", "init");
    // a submodule whose own files hold a secret: the parent's commit records only its commit id
    let sub = t.path().join("sub");
    std::fs::create_dir(&sub).expect("mkdir");
    git(&sub, &["init", "-q", "-b", "main"]);
    commit_file(&sub, "sub.env", &format!("T={}\n", github_token()), "sub");
    git(
        &dir,
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            sub.to_str().expect("utf-8 path"),
            "vendor/sub",
        ],
    );
    let staged = git(&dir, &["ls-files", "-s", "vendor/sub"]);
    assert!(staged.starts_with("160000 "), "a gitlink: {staged}");
    let (code, f, err) = findings(&["staged"], &dir);
    assert_eq!((code, f.len()), (0, 0), "a submodule is not read: {err}");
    git(&dir, &["commit", "-q", "-m", "add submodule"]);

    // a conflicted merge: the secret is only in the conflicted file's other side
    git(&dir, &["checkout", "-q", "-b", "side"]);
    let theirs = fake("{{valid github-crc32 gho_}}");
    commit_file(
        &dir,
        "app.cfg",
        &format!("name=app\nmode=side\ntoken={theirs}\n"),
        "side",
    );
    git(&dir, &["checkout", "-q", "main"]);
    commit_file(&dir, "app.cfg", "name=app\nmode=main\n", "main");
    let out = super::git::pinned("git", &dir)
        .args(["merge", "-q", "side"])
        .env("HOME", &dir)
        .output()
        .expect("git");
    assert!(!out.status.success(), "the merge must conflict");
    let stages = git(&dir, &["ls-files", "-u", "app.cfg"]);
    assert_eq!(stages.lines().count(), 3, "conflicted: {stages}");
    let other = github_token();
    write(&dir, "other.txt", format!("{other}\n"));
    git(&dir, &["add", "other.txt"]);
    let (code, f, err) = findings(&["staged", "--show-secrets"], &dir);
    assert_eq!(code, 1, "{err}");
    let secrets: Vec<&str> = f.iter().filter_map(|x| x["secret"].as_str()).collect();
    assert_eq!(secrets, [other.as_str()], "the conflicted entry is skipped");
    // resolved (staged at stage 0) the file is read like any other
    write(
        &dir,
        "app.cfg",
        format!("name=app\nmode=both\ntoken={theirs}\n"),
    );
    git(&dir, &["add", "app.cfg"]);
    let (_, f, _) = findings(&["staged", "--show-secrets"], &dir);
    let mut secrets: Vec<&str> = f.iter().filter_map(|x| x["secret"].as_str()).collect();
    secrets.sort();
    let mut want = [other.as_str(), theirs.as_str()];
    want.sort();
    assert_eq!(secrets, want);
}

#[test]
fn a_missing_or_empty_range_tip_is_an_error_or_head() {
    let (_t, dir) = repo();
    let base = commit_file(&dir, "a.txt", "a\n", "init");
    commit_file(&dir, "b.txt", &format!("{}\n", github_token()), "add");
    // a tip that does not exist: exit 2, naming it
    let (code, out, err) = run(
        &["git", "--range", &format!("{base}..no-such-branch")],
        &dir,
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("no-such-branch"), "{err}");
    assert!(!err.contains("no secrets found"), "{err}");
    // `BASE..` means BASE..HEAD, as in git
    let (code, f, err) = findings(&["git", "--range", &format!("{base}..")], &dir);
    assert_eq!((code, f.len()), (1, 1), "{err}");
    assert_eq!(f[0]["path"], "b.txt");
    // an empty range (the tip is the base) scans nothing and says so
    let (code, f, err) = findings(&["git", "--range", "HEAD..HEAD"], &dir);
    assert_eq!((code, f.len()), (0, 0), "{err}");
}

#[test]
fn install_hook_honours_core_hooks_path() {
    let (_t, dir) = repo();
    commit_file(&dir, "a.txt", "a\n", "init");
    git(&dir, &["config", "core.hooksPath", ".githooks"]);
    let (code, _, err) = run(&["install-hook"], &dir);
    assert_eq!(code, 0, "{err}");
    assert!(dir.join(".githooks/pre-commit").is_file(), "{err}");
    assert!(
        !dir.join(".git/hooks/pre-commit").exists(),
        "not where git would not look"
    );
    assert!(err.contains(".githooks"), "says where: {err}");
    write(&dir, "a.txt", format!("a\n{}\n", github_token()));
    git(&dir, &["add", "a.txt"]);
    let out = pinned("git", &dir)
        .args(["commit", "-q", "-m", "leak"])
        .env("PATH", path_with_keyhound())
        .output()
        .expect("git");
    assert!(
        !out.status.success(),
        "the hook in core.hooksPath blocks it"
    );
    assert!(
        stderr_of(&out).contains("commit blocked"),
        "{}",
        stderr_of(&out)
    );
}

/// PATH with the directory of the keyhound binary under test first.
pub fn path_with_keyhound() -> std::ffi::OsString {
    let bin = assert_cmd::cargo::cargo_bin("keyhound");
    let dir = bin.parent().expect("binary folder").to_path_buf();
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(dir).chain(std::env::split_paths(&rest)))
        .expect("PATH joins")
}
