use super::*;

#[test]
fn stdin_is_scanned_under_its_label() {
    let tok = github_token();
    let out = keyhound()
        .args(["stdin", "--label", "pasted.env", "--format", "jsonl"])
        .write_stdin(format!("A=1\nB={tok}\n"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let line = json_of(stdout_of(&out).trim());
    assert_eq!(line["path"], "pasted.env");
    assert_eq!(line["line"], 2);
    assert_eq!(line["rule_id"], "github-pat-classic");
}

#[test]
fn empty_stdin_is_clean() {
    let out = keyhound()
        .arg("stdin")
        .write_stdin("")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn binary_stdin_is_skipped_not_an_error() {
    let mut data = vec![0u8, 159, 146, 150];
    data.extend_from_slice(github_token().as_bytes());
    let out = keyhound()
        .args(["stdin", "-v"])
        .write_stdin(data)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr_of(&out).contains("binary"), "{}", stderr_of(&out));
}
