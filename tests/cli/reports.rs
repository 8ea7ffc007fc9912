use super::*;

fn sarif_for(files: &[(&str, String)]) -> serde_json::Value {
    let t = tempfile::tempdir().expect("tempdir");
    for (p, c) in files {
        write(t.path(), p, c);
    }
    let (code, out, err) = run(&["dir", ".", "--format", "sarif"], t.path());
    assert_eq!(code, 1, "{err}");
    json_of(&out)
}

#[test]
fn sarif_output_validates_against_the_2_1_0_schema() {
    let schema_text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/sarif-schema-2.1.0.json"
    ))
    .expect("fixtures/sarif-schema-2.1.0.json");
    let schema = json_of(&schema_text);
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let tok = github_token();
    let doc = sarif_for(&[
        ("dir with space/a#b%.env", format!("T={tok}\n")),
        ("caf\u{e9}.yml", format!("t: {}\n", github_token())),
        (
            "c.txt",
            format!("x {}\n", fake("{{valid github-crc32 gho_}}")),
        ),
    ]);
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let run = &doc["runs"][0];
    let uris: Vec<&str> = run["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap_or("")
        })
        .collect();
    assert_eq!(
        uris,
        ["c.txt", "caf%C3%A9.yml", "dir%20with%20space/a%23b%25.env"]
    );
    assert!(
        run["tool"]["driver"]["rules"][0]["help"]["text"]
            .as_str()
            .is_some_and(|h| h.contains("Revoke"))
    );
    assert!(!doc.to_string().contains(&tok));
}

/// The SARIF 2.1.0 schema (fixtures/), compiled; panics with every violation in `doc`.
pub fn assert_valid_sarif(doc: &serde_json::Value) {
    let schema_text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/sarif-schema-2.1.0.json"
    ))
    .expect("fixtures/sarif-schema-2.1.0.json");
    let validator = jsonschema::validator_for(&json_of(&schema_text)).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{doc:#}");
}

#[test]
fn sarif_with_no_findings_is_valid_and_has_an_empty_results_array() {
    let t = tempfile::tempdir().expect("tempdir");
    write(t.path(), "a.txt", "nothing here\n");
    let (code, out, _) = run(&["dir", ".", "--format", "sarif"], t.path());
    assert_eq!(code, 0);
    let doc = json_of(&out);
    assert_valid_sarif(&doc);
    assert_eq!(doc["runs"][0]["results"].as_array().map(Vec::len), Some(0));
    // a run with no results still names the tool, so code scanning closes old alerts
    assert_eq!(doc["runs"][0]["tool"]["driver"]["name"], "keyhound");
}

#[test]
fn sarif_of_a_run_with_errors_is_valid_and_says_the_run_failed() {
    let t = tempfile::tempdir().expect("tempdir");
    write(t.path(), "good.txt", format!("{}\n", github_token()));
    let (code, out, err) = run(
        &["dir", "good.txt", "missing.txt", "--format", "sarif"],
        t.path(),
    );
    assert_eq!(code, 2, "{err}");
    let doc = json_of(&out);
    assert_valid_sarif(&doc);
    assert_eq!(doc["runs"][0]["results"].as_array().map(Vec::len), Some(1));
    let run = doc["runs"][0].to_string();
    assert!(
        run.contains("missing.txt"),
        "the error is in the run: {run}"
    );
}

#[test]
fn json_report_is_versioned_and_complete() {
    let t = tempfile::tempdir().expect("tempdir");
    write(t.path(), "a.env", format!("\nT={}\n", github_token()));
    let (code, out, _) = run(&["dir", ".", "--format", "json"], t.path());
    assert_eq!(code, 1);
    let v = json_of(&out);
    assert_eq!(v["version"], 1);
    assert_eq!(v["tool"]["name"], "keyhound");
    let f = &v["findings"][0];
    for key in [
        "rule_id",
        "rule_name",
        "severity",
        "fingerprint",
        "secret",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "remediation",
    ] {
        assert!(!f[key].is_null(), "missing {key}: {f}");
    }
    assert_eq!(f["line"], 2);
    assert_eq!(f["secret"], "ghp_*****");
    assert_eq!(v["summary"]["findings"], 1);
}

#[test]
fn fingerprint_does_not_change_when_lines_move() {
    let tok = github_token();
    let t = tempfile::tempdir().expect("tempdir");
    write(t.path(), "a.env", format!("T={tok}\n"));
    let (_, before, _) = run(&["dir", ".", "--format", "json"], t.path());
    write(t.path(), "a.env", format!("# a comment\n\n  T={tok}\n"));
    let (_, after, _) = run(&["dir", ".", "--format", "json"], t.path());
    let fp = |s: &str| json_of(s)["findings"][0]["fingerprint"].clone();
    assert_eq!(fp(&before), fp(&after));
    assert_ne!(
        json_of(&before)["findings"][0]["line"],
        json_of(&after)["findings"][0]["line"]
    );
}

#[test]
fn color_follows_the_flag_and_no_color() {
    let t = tempfile::tempdir().expect("tempdir");
    write(t.path(), "a.env", format!("T={}\n", github_token()));
    let (_, plain, _) = run(&["dir", "."], t.path());
    assert!(!plain.contains('\u{1b}'), "not a terminal: no colour");
    let (_, colored, _) = run(&["dir", ".", "--color", "always"], t.path());
    assert!(colored.contains('\u{1b}'));
    // NO_COLOR matters only where `auto` would colour: on a terminal. `script` gives the run one.
    let Some(on_tty) = on_a_terminal(t.path(), &[]) else {
        super::skipped("`script` (util-linux) is not installed: NO_COLOR needs a terminal");
        assert!(
            std::env::var_os("CI").is_none(),
            "`script` is missing on CI, so NO_COLOR is untested"
        );
        return;
    };
    assert!(
        on_tty.contains('\u{1b}'),
        "a terminal gets colour: {on_tty:?}"
    );
    let no_color = on_a_terminal(t.path(), &[("NO_COLOR", "1")]).expect("script ran");
    assert!(no_color.contains("github-pat-classic"), "{no_color:?}");
    assert!(!no_color.contains('\u{1b}'), "NO_COLOR: {no_color:?}");
    let empty = on_a_terminal(t.path(), &[("NO_COLOR", "")]).expect("script ran");
    assert!(
        empty.contains('\u{1b}'),
        "an empty NO_COLOR is unset: {empty:?}"
    );
}

/// `keyhound dir .` in `dir` with a pseudo-terminal as its output (through util-linux `script`);
/// `None` when `script` is not installed.
fn on_a_terminal(dir: &Path, env: &[(&str, &str)]) -> Option<String> {
    let bin = assert_cmd::cargo::cargo_bin("keyhound");
    let cmd = format!("'{}' dir .", bin.display());
    let mut c = std::process::Command::new("script");
    c.args(["-qec", &cmd, "/dev/null"])
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("KEYHOUND_CONFIG");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().ok()?;
    Some(stdout_of(&out))
}

#[test]
fn quiet_prints_only_the_report() {
    let t = tempfile::tempdir().expect("tempdir");
    write(t.path(), "a.env", format!("T={}\n", github_token()));
    let (code, out, err) = run(&["dir", ".", "-q"], t.path());
    assert_eq!(code, 1);
    assert!(out.contains("a.env"));
    assert_eq!(err, "");
}
