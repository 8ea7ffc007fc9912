//! Hostile inputs: none may panic or hide the findings in the other files.

use super::*;
use std::process::Command as Proc;

/// A folder with one good finding and the hostile file `name`; returns (code, stdout, stderr).
fn scan_with(name: &str, contents: &[u8], extra: &[&str]) -> (i32, String, String) {
    let t = tempfile::tempdir().expect("tempdir");
    write(t.path(), "good.txt", format!("{}\n", github_token()));
    write(t.path(), name, contents);
    let mut args = vec!["dir", ".", "--format", "json"];
    args.extend_from_slice(extra);
    run(&args, t.path())
}

fn paths(out: &str) -> Vec<String> {
    json_of(out)["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["path"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn binary_file_is_skipped() {
    let mut data = b"\x7fELF\x02\x01\x01\0\0\0".to_vec();
    data.extend_from_slice(github_token().as_bytes());
    let (code, out, err) = scan_with("tool.bin", &data, &["-v"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(paths(&out), ["good.txt"]);
    assert!(err.contains("tool.bin: skipped: binary"), "{err}");
}

#[test]
fn invalid_utf8_around_a_secret_is_still_scanned() {
    let mut data = b"\xff\xfe\xc3(garbage\n".to_vec();
    data.extend_from_slice(format!("t = {}\n", fake("{{valid github-crc32 gho_}}")).as_bytes());
    data.extend_from_slice(b"\xe2\x82");
    let (code, out, _) = scan_with("latin.txt", &data, &[]);
    assert_eq!(code, 1);
    assert_eq!(paths(&out), ["good.txt", "latin.txt"]);
}

#[test]
fn empty_file_is_fine() {
    let (code, out, _) = scan_with("empty.txt", b"", &[]);
    assert_eq!(code, 1);
    assert_eq!(paths(&out), ["good.txt"]);
}

#[test]
fn ten_megabyte_single_line_is_scanned_with_the_secret_at_its_end() {
    // 128 KiB of a keyword-like run (a keyword hit at every byte), then filler that is not a
    // keyword: the whole 10 MB line is still read and scanned, and the debug build the tests
    // run does not spend a minute in per-hit work (all 10 MB of `a` took 52 s)
    let hits = 128 * 1024;
    let mut data = "a".repeat(hits).into_bytes();
    data.extend_from_slice("x".repeat(10 * 1024 * 1024 - 100 - hits).as_bytes());
    data.extend_from_slice(format!(" {}", fake("{{valid github-crc32 ghu_}}")).as_bytes());
    let (code, out, err) = scan_with("minified.js", &data, &["--max-file-size", "20M"]);
    assert_eq!(code, 1, "{err}");
    let v = json_of(&out);
    let f = v["findings"].as_array().expect("findings");
    let min = f
        .iter()
        .find(|f| f["path"] == "minified.js")
        .expect("found in the long line");
    assert_eq!(min["line"], 1);
    assert_eq!(min["column"], 10 * 1024 * 1024 - 100 + 2);
}

#[test]
fn files_over_the_size_limit_are_skipped_and_said_with_v() {
    let data = format!("{}\n{}", "x".repeat(2000), github_token());
    let (code, out, err) = scan_with("big.txt", data.as_bytes(), &["--max-file-size", "1K", "-v"]);
    assert_eq!(code, 1);
    assert_eq!(paths(&out), ["good.txt"]);
    assert!(
        err.contains("big.txt: skipped:") && err.contains("max-file-size"),
        "{err}"
    );
}

#[test]
fn crlf_line_endings_give_the_right_line_and_no_cr_in_the_secret() {
    let tok = github_token();
    let data = format!("a\r\nb\r\nTOKEN={tok}\r\n");
    let (code, out, _) = scan_with("win.env", data.as_bytes(), &["--show-secrets"]);
    assert_eq!(code, 1);
    let v = json_of(&out);
    let f = v["findings"].as_array().expect("findings");
    let w = f.iter().find(|f| f["path"] == "win.env").expect("found");
    assert_eq!(w["line"], 3);
    assert_eq!(w["column"], 7);
    assert_eq!(w["secret"], tok);
}

#[test]
fn unreadable_file_is_an_error_and_everything_else_is_still_scanned() {
    let t = tempfile::tempdir().expect("tempdir");
    write(t.path(), "good.txt", format!("{}\n", github_token()));
    // /proc/self/mem cannot be read at offset 0, whoever we are (root included)
    let (code, out, err) = run(
        &["dir", ".", "/proc/self/mem", "--format", "json"],
        t.path(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("/proc/self/mem:"), "{err}");
    assert!(err.contains("could not be scanned"), "{err}");
    assert_eq!(paths(&out), ["good.txt"]);
    assert_eq!(json_of(&out)["errors"][0]["path"], "/proc/self/mem");
}

#[cfg(unix)]
#[test]
fn permission_denied_is_an_error_and_the_rest_is_scanned() {
    use std::os::unix::fs::PermissionsExt;
    let t = tempfile::tempdir().expect("tempdir");
    write(t.path(), "good.txt", format!("{}\n", github_token()));
    write(t.path(), "locked.txt", "x");
    let locked = t.path().join("locked.txt");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let mut cmd = keyhound();
    if std::fs::read(&locked).is_ok() {
        // root reads anything: run the binary as `nobody` instead (CI runs the tests as root)
        let can_drop = Proc::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "true"])
            .status()
            .is_ok_and(|s| s.success());
        if !can_drop {
            // then the root behaviour is what can be checked: the file is read, no error
            super::skipped("setpriv cannot drop to nobody: permission denied checked as root");
            let (code, out, err) = run(&["dir", ".", "--format", "json"], t.path());
            assert_eq!(code, 1, "root reads the locked file: {err}");
            assert_eq!(paths(&out), ["good.txt"], "{err}");
            assert!(!err.contains("locked.txt"), "{err}");
            return;
        }
        for p in [t.path().to_path_buf(), t.path().join("good.txt")] {
            let mode = if p.is_dir() { 0o755 } else { 0o644 };
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).expect("chmod");
        }
        let bin = assert_cmd::cargo::cargo_bin("keyhound");
        cmd = assert_cmd::Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(bin)
            .env_remove("NO_COLOR")
            .env_remove("KEYHOUND_CONFIG");
    }
    let out = cmd
        .args(["dir", ".", "--format", "json"])
        .current_dir(t.path())
        .output()
        .expect("runs");
    let (code, out, err) = (out.status.code(), stdout_of(&out), stderr_of(&out));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("locked.txt: permission denied"), "{err}");
    assert_eq!(paths(&out), ["good.txt"], "{err}");
    assert_eq!(json_of(&out)["errors"][0]["path"], "locked.txt", "{out}");
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_links_do_not_hang_or_duplicate() {
    let t = tempfile::tempdir().expect("tempdir");
    write(t.path(), "good.txt", format!("{}\n", github_token()));
    std::os::unix::fs::symlink("loop", t.path().join("loop")).expect("symlink");
    std::os::unix::fs::symlink(".", t.path().join("self")).expect("symlink");
    std::os::unix::fs::symlink("good.txt", t.path().join("alias.txt")).expect("symlink");
    let (code, out, err) = run(&["dir", ".", "--format", "json", "-v"], t.path());
    assert_eq!(code, 1, "{err}");
    assert_eq!(paths(&out), ["good.txt"]);
    assert!(err.contains("alias.txt: skipped: symbolic link"), "{err}");
}

#[test]
fn a_path_that_does_not_exist_is_an_error_and_the_rest_is_scanned() {
    let t = tempfile::tempdir().expect("tempdir");
    write(t.path(), "good.txt", format!("{}\n", github_token()));
    let (code, out, err) = run(
        &["dir", "good.txt", "missing/nothing.txt", "--format", "json"],
        t.path(),
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("missing/nothing.txt: no such file or directory"),
        "{err}"
    );
    assert_eq!(paths(&out), ["good.txt"]);
}

#[test]
fn bad_flags_exit_2_with_a_clear_message() {
    let t = tempfile::tempdir().expect("tempdir");
    let (code, _, err) = run(&["dir", "--max-file-size", "ten"], t.path());
    assert_eq!(code, 2);
    assert!(err.contains("not a size"), "{err}");
    let (code, _, err) = run(&["dir", "--format", "xml"], t.path());
    assert_eq!(code, 2);
    assert!(err.contains("xml"), "{err}");
}
