use super::*;

#[test]
fn clean_folder_exits_0_and_says_so() {
    let t = tempfile::tempdir().expect("tempdir");
    write(
        t.path(),
        "src/main.rs",
        "fn main() { println!(\"hello\"); }\n",
    );
    let (code, out, err) = run(&["dir", "."], t.path());
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "");
    assert!(err.contains("no secrets found"), "{err}");
}

#[test]
fn a_secret_gives_exit_1_with_place_rule_and_redacted_value() {
    let t = tempfile::tempdir().expect("tempdir");
    let tok = github_token();
    write(
        t.path(),
        "config/.env",
        format!("DEBUG=1\nGITHUB_TOKEN={tok}\n"),
    );
    let (code, out, err) = run(&["dir", "."], t.path());
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("config/.env"), "{out}");
    assert!(out.contains("2:14"), "line and column: {out}");
    assert!(out.contains("github-pat-classic"), "{out}");
    assert!(out.contains("ghp_*****"), "{out}");
    assert!(out.contains("what to do: Revoke"), "{out}");
    assert!(
        !out.contains(&tok) && !err.contains(&tok),
        "the secret must never be printed by default"
    );
    // the token, and the committed .env itself
    assert!(out.contains("dotenv-file"), "{out}");
    assert!(err.contains("found 2 secrets"), "{err}");
}

#[test]
fn show_secrets_is_the_only_way_to_see_the_value() {
    let t = tempfile::tempdir().expect("tempdir");
    let tok = github_token();
    write(t.path(), "a.txt", format!("token: {tok}\n"));
    for format in ["human", "json", "jsonl", "sarif"] {
        let (_, out, _) = run(&["dir", ".", "--format", format], t.path());
        assert!(!out.contains(&tok), "{format} leaked the secret");
        let (_, out, _) = run(
            &["dir", ".", "--format", format, "--show-secrets"],
            t.path(),
        );
        assert!(
            out.contains(&tok),
            "{format} --show-secrets did not show it"
        );
    }
}

#[test]
fn gitignore_is_honoured_unless_no_ignore() {
    let t = tempfile::tempdir().expect("tempdir");
    write(t.path(), ".gitignore", "ignored/\n");
    write(
        t.path(),
        "ignored/secret.txt",
        format!("{}\n", github_token()),
    );
    let (code, _, err) = run(&["dir", "."], t.path());
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = run(&["dir", ".", "--no-ignore"], t.path());
    assert_eq!(code, 1);
    assert!(out.contains("ignored/secret.txt"), "{out}");
}

#[test]
fn hidden_files_are_scanned_and_the_git_folder_is_not() {
    let t = tempfile::tempdir().expect("tempdir");
    write(t.path(), ".env", format!("T={}\n", github_token()));
    write(
        t.path(),
        ".git/config",
        format!("T={}\n", fake("{{valid github-crc32 gho_}}")),
    );
    let (code, out, _) = run(&["dir", "."], t.path());
    assert_eq!(code, 1);
    assert!(out.contains(".env"));
    assert!(!out.contains(".git/config"), "{out}");
}

#[test]
fn the_same_secret_in_two_files_is_one_finding_listing_both() {
    let t = tempfile::tempdir().expect("tempdir");
    let tok = github_token();
    write(t.path(), "a.sh", format!("export T={tok}\n"));
    write(t.path(), "b/c.yml", format!("token: {tok}\n"));
    let (code, out, _) = run(&["dir", ".", "--format", "json"], t.path());
    assert_eq!(code, 1);
    let v = json_of(&out);
    let f = v["findings"].as_array().expect("findings");
    assert_eq!(f.len(), 1, "{out}");
    assert_eq!(f[0]["path"], "a.sh");
    assert_eq!(f[0]["also_at"][0]["path"], "b/c.yml");
}

#[test]
fn output_order_is_deterministic_across_thread_counts() {
    let t = tempfile::tempdir().expect("tempdir");
    for i in 0..40 {
        let tok = keyhound::rules::expand_template("{{valid github-crc32 ghp_}}", "order", i)
            .expect("fake");
        write(
            t.path(),
            &format!("d{}/f{i}.txt", i % 7),
            format!("x\n{tok}\n"),
        );
    }
    let (_, one, _) = run(
        &["dir", ".", "--format", "json", "--threads", "1"],
        t.path(),
    );
    let (_, many, _) = run(
        &["dir", ".", "--format", "json", "--threads", "4"],
        t.path(),
    );
    let strip = |s: &str| {
        let mut v = json_of(s);
        v["summary"]["elapsed_ms"] = 0.into();
        v
    };
    assert_eq!(strip(&one), strip(&many));
    assert_eq!(strip(&one)["findings"].as_array().map(Vec::len), Some(40));
}

#[test]
fn output_file_gets_the_report() {
    let t = tempfile::tempdir().expect("tempdir");
    write(t.path(), "a.txt", format!("{}\n", github_token()));
    let (code, out, _) = run(
        &[
            "dir",
            "a.txt",
            "--format",
            "sarif",
            "--output",
            "report.sarif",
        ],
        t.path(),
    );
    assert_eq!(code, 1);
    assert_eq!(out, "");
    let text = std::fs::read_to_string(t.path().join("report.sarif")).expect("report written");
    assert_eq!(json_of(&text)["version"], "2.1.0");
}

#[test]
fn this_repository_is_clean() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = keyhound().args(["dir", root]).output().expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout_of(&out),
        stderr_of(&out)
    );
}
