//! An audit never passes what it could not read: every object the refs reach that is not in the
//! object database (a deleted pack index, a deleted loose blob, tree or commit) is an error that
//! names it, exit 2; a shallow clone's missing history is a note, not an error. Path rules run
//! on history too.

use super::git::{commit_file, findings, git, repo};
use super::*;
use std::path::{Path, PathBuf};

/// A repository of two commits: `sub/a.txt` holds a token (first commit), `b.txt` is clean
/// (second). Returns the token too.
fn two_commits() -> (tempfile::TempDir, PathBuf, String) {
    let (t, dir) = repo();
    let tok = github_token();
    commit_file(&dir, "sub/a.txt", &format!("token = {tok}\n"), "one");
    commit_file(&dir, "b.txt", "hello\n", "two");
    (t, dir, tok)
}

/// Moves every object out of the packs into loose objects (so one can be deleted).
fn unpack(dir: &Path) {
    git(dir, &["repack", "-adq"]);
    let pack_dir = dir.join(".git/objects/pack");
    let away = dir.join("packs-away");
    std::fs::create_dir_all(&away).expect("mkdir");
    for e in std::fs::read_dir(&pack_dir).expect("pack dir") {
        let p = e.expect("entry").path();
        let to = away.join(p.file_name().expect("name"));
        std::fs::rename(&p, &to).expect("move pack");
    }
    for e in std::fs::read_dir(&away).expect("away") {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "pack") {
            let pack = std::fs::File::open(&p).expect("pack");
            let out = super::git::pinned("git", dir)
                .args(["unpack-objects", "-q"])
                .stdin(pack)
                .output()
                .expect("unpack");
            assert!(out.status.success(), "{}", stderr_of(&out));
        }
    }
    std::fs::remove_dir_all(&away).expect("rm");
}

fn delete_loose(dir: &Path, rev: &str) -> String {
    let id = git(dir, &["rev-parse", rev]);
    let path = dir.join(".git/objects").join(&id[..2]).join(&id[2..]);
    std::fs::remove_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    id
}

#[test]
fn an_audit_of_a_repository_whose_pack_index_is_gone_fails_with_and_without_unreachable() {
    let (_t, dir, _) = two_commits();
    git(&dir, &["repack", "-adq"]);
    for e in std::fs::read_dir(dir.join(".git/objects/pack")).expect("pack dir") {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "idx" || x == "rev") {
            std::fs::remove_file(p).expect("rm idx");
        }
    }
    for args in [&["git"][..], &["git", "--include-unreachable"][..]] {
        let (code, out, err) = run(args, &dir);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains("refs/heads/main"), "names the ref: {err}");
        assert!(err.contains("missing"), "{err}");
    }
}

#[test]
fn an_audit_missing_a_blob_that_held_a_secret_fails_and_names_the_blob_and_its_path() {
    let (_t, dir, tok) = two_commits();
    commit_file(
        &dir,
        "c.txt",
        &format!("other = {}\n", github_token()),
        "three",
    );
    unpack(&dir);
    let id = delete_loose(&dir, "HEAD~2:sub/a.txt");
    let (code, f, err) = findings(&["git"], &dir);
    assert_eq!(code, 2, "{err}");
    assert_eq!(f.len(), 1, "the other secret is still reported: {f:?}");
    assert_eq!(f[0]["path"], "c.txt");
    assert!(err.contains(&format!("blob {id}")), "{err}");
    assert!(err.contains("sub/a.txt"), "{err}");
    assert!(!err.contains(&tok[4..]), "no secret in errors: {err}");
}

#[test]
fn an_audit_missing_a_tree_or_a_commit_fails_and_names_it() {
    for (rev, kind, place) in [
        ("HEAD~1:sub", "tree", "sub in commit"),
        ("HEAD~1^{tree}", "tree", "root tree of commit"),
        ("HEAD~1", "commit", "a parent of"),
    ] {
        let (_t, dir, _) = two_commits();
        unpack(&dir);
        let id = delete_loose(&dir, rev);
        let (code, out, err) = run(&["git"], &dir);
        assert_eq!(code, 2, "{rev}: {out}{err}");
        assert!(err.contains(&format!("{kind} {id}")), "{rev}: {err}");
        assert!(err.contains(place), "{rev}: {err}");
    }
}

#[test]
fn a_shallow_clone_is_a_note_not_an_error() {
    let (_t, dir, _) = two_commits();
    let clone = dir.parent().expect("parent").join("shallow");
    let url = format!("file://{}", dir.display());
    git(
        dir.parent().expect("parent"),
        &["clone", "-q", "--depth", "1", &url, "shallow"],
    );
    let (code, out, err) = run(&["git"], &clone);
    assert_eq!(code, 1, "the token is still at HEAD: {out}{err}");
    assert!(err.contains("shallow clone"), "{err}");
    assert!(!err.contains("missing"), "{err}");
}

#[test]
fn a_dangling_symbolic_ref_is_not_a_missing_object() {
    let (_t, dir, _) = two_commits();
    git(
        &dir,
        &[
            "symbolic-ref",
            "refs/remotes/origin/HEAD",
            "refs/remotes/origin/gone",
        ],
    );
    let (code, _, err) = run(&["git"], &dir);
    assert_eq!(code, 1, "{err}");
}

#[test]
fn path_rules_run_on_history_in_the_audit_and_the_baseline() {
    let (_t, dir) = repo();
    // a committed .env whose only credential no content rule reports on its own
    commit_file(
        &dir,
        "deploy/.env",
        "SESSION_SECRET=q8Lw2Vr7Nc4Zt6Yp\n",
        "env",
    );
    git(&dir, &["rm", "-q", "deploy/.env"]);
    git(&dir, &["commit", "-q", "-m", "remove env"]);
    let (code, f, err) = findings(&["git"], &dir);
    assert_eq!(code, 1, "{err}");
    let places: Vec<(&str, &str)> = f
        .iter()
        .filter_map(|x| Some((x["rule_id"].as_str()?, x["path"].as_str()?)))
        .collect();
    assert!(
        places.contains(&("dotenv-file", "deploy/.env")),
        "{places:?}"
    );
    let dotenv = f
        .iter()
        .find(|x| x["rule_id"] == "dotenv-file")
        .expect("dotenv finding");
    assert_eq!(dotenv["present_at_head"], false);
    assert_eq!(dotenv["line"], 1);
    let (code, _, err) = run(&["baseline", "known.json"], &dir);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(dir.join("known.json")).expect("baseline written");
    assert!(text.contains("dotenv-file"), "{text}");
    let (code, _, err) = run(&["git", "--baseline", "known.json"], &dir);
    assert_eq!(code, 0, "every finding is in the baseline: {err}");
}

/// A file of many ordinary lines and one token, committed as `a.txt`.
fn committed_with_a_token() -> (tempfile::TempDir, PathBuf) {
    let (t, dir) = repo();
    let mut text: String = (0..40).map(|i| format!("setting_{i} = {i}\n")).collect();
    text.push_str(&format!("token = {}\n", github_token()));
    commit_file(&dir, "a.txt", &text, "add a");
    (t, dir)
}

#[test]
fn a_renamed_and_edited_file_reports_only_the_lines_the_edit_adds() {
    let (_t, dir) = committed_with_a_token();
    git(&dir, &["mv", "a.txt", "b.txt"]);
    let mut text = std::fs::read_to_string(dir.join("b.txt")).expect("read");
    text.push_str("one more = line\n");
    write(&dir, "b.txt", &text);
    git(&dir, &["add", "b.txt"]);
    let (code, f, err) = findings(&["staged"], &dir);
    assert_eq!(code, 0, "the token was already committed: {f:?} {err}");
    git(&dir, &["commit", "-q", "-m", "rename and edit"]);
    let (code, f, err) = findings(&["git", "--range", "HEAD~1..HEAD"], &dir);
    assert_eq!(code, 0, "{f:?} {err}");

    // a new secret added in the same renamed file is still reported, at its line
    git(&dir, &["mv", "b.txt", "c.txt"]);
    let fresh = github_token();
    text.push_str(&format!("fresh = {fresh}\n"));
    write(&dir, "c.txt", &text);
    git(&dir, &["add", "c.txt"]);
    let (code, f, err) = findings(&["staged"], &dir);
    assert_eq!(code, 1, "{err}");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["path"], "c.txt");
    assert_eq!(f[0]["line"], 43);
    git(&dir, &["commit", "-q", "-m", "rename, edit, new token"]);
    let (code, f, err) = findings(&["git", "--range", "HEAD~1..HEAD"], &dir);
    assert_eq!(code, 1, "{err}");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["line"], 43);
}

#[test]
fn a_new_file_that_shares_little_with_a_deleted_one_is_new() {
    let (_t, dir) = committed_with_a_token();
    let old = std::fs::read_to_string(dir.join("a.txt")).expect("read");
    let token_line = old.lines().last().expect("token line").to_string();
    git(&dir, &["rm", "-q", "a.txt"]);
    // the old token, copied into an otherwise different file: not a rename, so it is added
    let text: String = (0..40).map(|i| format!("other_{i} = x{i}\n")).collect();
    write(&dir, "d.txt", format!("{text}{token_line}\n"));
    git(&dir, &["add", "d.txt"]);
    let (code, f, err) = findings(&["staged"], &dir);
    assert_eq!(code, 1, "{f:?} {err}");
    assert_eq!(f[0]["path"], "d.txt");
}

#[test]
fn a_nul_byte_does_not_hide_a_file_whose_name_says_text_and_binaries_are_counted() {
    let t = tempfile::tempdir().expect("tempdir");
    let dir = t.path();
    let tok = github_token();
    write(dir, ".env", format!("A=1\0\nTOKEN={tok}\n"));
    write(
        dir,
        "config/settings.yaml",
        format!("x: \"\0\"\ntoken: {tok}\n"),
    );
    write(dir, "logo.png", b"\x89PNG\r\n\x1a\n\0\0\0 not scanned");
    let (code, out, err) = run(&["dir", ".", "--format", "json"], dir);
    assert_eq!(code, 1, "{err}");
    let report = json_of(&out);
    let f = report["findings"].as_array().cloned().unwrap_or_default();
    let paths: Vec<&str> = f
        .iter()
        .filter(|x| x["rule_id"] == "github-pat-classic")
        .flat_map(|x| {
            std::iter::once(x["path"].as_str().unwrap_or_default()).chain(
                x["also_at"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p["path"].as_str()),
            )
        })
        .collect();
    assert_eq!(paths, [".env", "config/settings.yaml"], "{f:?}");
    assert_eq!(report["summary"]["binary"], 1, "{out}");
    assert!(err.contains("1 of them binary"), "{err}");

    // the same in a commit being made
    let (_t, repo_dir) = repo();
    commit_file(&repo_dir, "README.md", "# app\n", "init");
    write(&repo_dir, ".env", format!("A=1\0\nTOKEN={tok}\n"));
    git(&repo_dir, &["add", ".env"]);
    let (code, f, err) = findings(&["staged"], &repo_dir);
    assert_eq!(code, 1, "{err}");
    assert!(
        f.iter().any(|x| x["rule_id"] == "github-pat-classic"),
        "{f:?}"
    );
}

#[test]
fn a_huge_binary_file_is_judged_by_its_head() {
    let t = tempfile::tempdir().expect("tempdir");
    let dir = t.path();
    // 64 MB of NULs with a token at the end: binary by its head, never read whole
    let mut big = vec![0u8; 64 << 20];
    let tok = github_token();
    let at = big.len() - tok.len() - 1;
    big[at..at + tok.len()].copy_from_slice(tok.as_bytes());
    write(dir, "disk.img", &big);
    let (code, _, err) = run(&["dir", ".", "--max-file-size", "1G", "-v"], dir);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("disk.img: skipped: binary"), "{err}");
}

#[test]
fn the_baseline_command_writes_the_file_the_config_names_before_it_exists() {
    let (_t, dir) = repo();
    commit_file(&dir, "a.txt", &format!("token = {}\n", github_token()), "a");
    write(
        &dir,
        ".keyhound.yml",
        "version: 1\nbaseline: .keyhound-baseline.json\n",
    );
    let (code, _, err) = run(&["baseline", ".keyhound-baseline.json"], &dir);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(&["git"], &dir);
    assert_eq!(
        code, 0,
        "the configured baseline now holds the finding: {err}"
    );
}
