//! `keyhound ci` against real repositories, with each CI event's environment and payload: which
//! commits it scans (a secret planted in each commit that must be scanned, and one in a commit
//! that must not), the report it writes for the platform, and the job summary. The test process's
//! own CI variables are removed, so the tests pass on a CI runner too.

use super::git::{commit_file, git, repo};
use super::*;
use serde_json::json;
use std::path::{Path, PathBuf};

const ZEROS: &str = "0000000000000000000000000000000000000000";

/// A finished `keyhound ci` run.
struct Ran {
    code: i32,
    findings: Vec<serde_json::Value>,
    stdout: String,
    stderr: String,
}

impl Ran {
    /// The paths of the findings, sorted.
    fn paths(&self) -> Vec<String> {
        let mut p: Vec<String> = self
            .findings
            .iter()
            .filter_map(|f| f["path"].as_str().map(str::to_string))
            .collect();
        p.sort();
        p
    }
}

/// Runs `keyhound ci --format json` in `dir` with only `vars` of the CI variables set.
fn ci(dir: &Path, vars: &[(&str, &str)], args: &[&str]) -> Ran {
    let mut c = keyhound();
    for (k, _) in std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v))) {
        if k == "CI"
            || k.starts_with("GITHUB_")
            || k.starts_with("GITLAB_")
            || k.starts_with("CI_")
            || k.starts_with("RUNNER_")
        {
            c.env_remove(k);
        }
    }
    let out = c
        .envs(vars.iter().copied())
        .arg("ci")
        .args(args)
        .args(["--format", "json"])
        .current_dir(dir)
        .output()
        .expect("runs");
    let stdout = stdout_of(&out);
    let findings = if stdout.trim().is_empty() {
        Vec::new()
    } else {
        json_of(&stdout)["findings"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    Ran {
        code: out.status.code().unwrap_or(-1),
        findings,
        stdout,
        stderr: stderr_of(&out),
    }
}

/// A GitHub Actions run's variables: event name, payload file (written here), step summary and
/// outputs files beside the repository.
struct GitHub {
    root: PathBuf,
    vars: Vec<(String, String)>,
}

impl GitHub {
    fn new(
        root: &Path,
        event: &str,
        sha: &str,
        git_ref: &str,
        payload: &serde_json::Value,
    ) -> GitHub {
        let event_path = root.join("event.json");
        std::fs::write(&event_path, payload.to_string()).expect("payload");
        let vars = [
            ("GITHUB_ACTIONS", "true".to_string()),
            ("CI", "true".to_string()),
            ("GITHUB_EVENT_NAME", event.to_string()),
            ("GITHUB_EVENT_PATH", event_path.display().to_string()),
            ("GITHUB_SHA", sha.to_string()),
            ("GITHUB_REF", git_ref.to_string()),
            ("GITHUB_REPOSITORY", "acme/app".to_string()),
            (
                "GITHUB_STEP_SUMMARY",
                root.join("summary.md").display().to_string(),
            ),
            ("GITHUB_OUTPUT", root.join("output").display().to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        GitHub {
            root: root.to_path_buf(),
            vars,
        }
    }

    fn run(&self, dir: &Path) -> Ran {
        let vars: Vec<(&str, &str)> = self
            .vars
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        ci(dir, &vars, &[])
    }

    fn summary(&self) -> String {
        std::fs::read_to_string(self.root.join("summary.md")).unwrap_or_default()
    }

    fn outputs(&self) -> String {
        std::fs::read_to_string(self.root.join("output")).unwrap_or_default()
    }
}

/// Whether `text` shows any 8 consecutive characters of a token's body (after `ghp_`).
fn shows(text: &str, token: &str) -> bool {
    let body: Vec<char> = token.chars().skip(4).collect();
    body.windows(8)
        .any(|w| text.contains(&w.iter().collect::<String>()))
}

fn assert_hidden(tokens: &[&String], texts: &[(&str, &str)]) {
    for (what, text) in texts {
        for t in tokens {
            assert!(!shows(text, t), "{what} shows a secret:\n{text}");
        }
    }
}

fn read_json(path: &Path) -> serde_json::Value {
    json_of(&std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

fn secret_file(dir: &Path, rel: &str, msg: &str) -> (String, String) {
    let tok = github_token();
    let id = commit_file(dir, rel, &format!("TOKEN={tok}\n"), msg);
    (id, tok)
}

#[test]
fn github_push_scans_before_to_after_and_writes_sarif_summary_and_outputs() {
    let (t, dir) = repo();
    let (before, a) = secret_file(&dir, "a.txt", "old work");
    let (b_commit, b) = secret_file(&dir, "b.txt", "pushed 1");
    let (after, c) = secret_file(&dir, "c.txt", "pushed 2");
    let gh = GitHub::new(
        t.path(),
        "push",
        &after,
        "refs/heads/main",
        &json!({"ref": "refs/heads/main", "before": before, "after": after, "forced": false,
                "repository": {"default_branch": "main", "full_name": "acme/app"}}),
    );
    let ran = gh.run(&dir);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    assert_eq!(ran.paths(), ["b.txt", "c.txt"], "{}", ran.stderr);
    assert_eq!(ran.findings[0]["commit"]["commit"], b_commit);
    assert!(
        ran.stderr.contains("push: scanning the pushed commits"),
        "{}",
        ran.stderr
    );

    let sarif = read_json(&dir.join("keyhound.sarif"));
    super::reports::assert_valid_sarif(&sarif);
    assert_eq!(
        sarif["runs"][0]["results"].as_array().map(Vec::len),
        Some(2)
    );

    let summary = gh.summary();
    assert!(
        summary.contains("## keyhound: 2 secrets found"),
        "{summary}"
    );
    assert!(summary.contains("2 commits"), "{summary}");
    assert!(summary.contains("| critical | 2 |"), "{summary}");
    assert!(summary.contains("b.txt:1"), "{summary}");
    assert!(summary.contains(&b_commit[..12]), "{summary}");
    assert!(summary.contains("`ghp_*****`"), "{summary}");
    assert!(!summary.contains("a.txt"), "{summary}");
    assert_eq!(gh.outputs(), "findings=2\nsarif-file=keyhound.sarif\n");
    assert_hidden(
        &[&a, &b, &c],
        &[
            ("stdout", &ran.stdout),
            ("stderr", &ran.stderr),
            ("summary", &summary),
            ("sarif", &sarif.to_string()),
        ],
    );
}

#[test]
fn github_first_push_of_a_branch_scans_what_the_default_branch_lacks() {
    let (t, dir) = repo();
    secret_file(&dir, "a.txt", "on main");
    git(&dir, &["checkout", "-q", "-b", "feature"]);
    let (tip, b) = secret_file(&dir, "b.txt", "feature work");
    // another branch holds the feature's commit: "the commits no other ref has" would be none
    git(&dir, &["branch", "copy"]);
    let gh = GitHub::new(
        t.path(),
        "push",
        &tip,
        "refs/heads/feature",
        &json!({"ref": "refs/heads/feature", "before": ZEROS, "after": tip, "created": true,
                "repository": {"default_branch": "main"}}),
    );
    let ran = gh.run(&dir);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    assert_eq!(ran.paths(), ["b.txt"], "{}", ran.stderr);
    assert!(ran.stderr.contains("not on main"), "{}", ran.stderr);
    assert!(
        gh.summary().contains("1 commit (1 blob)"),
        "{}",
        gh.summary()
    );
    assert_hidden(
        &[&b],
        &[("stderr", &ran.stderr), ("summary", &gh.summary())],
    );
}

#[test]
fn github_force_push_whose_old_tip_is_gone_scans_what_the_default_branch_lacks() {
    let (t, dir) = repo();
    let (main_tip, a) = secret_file(&dir, "a.txt", "on main");
    git(&dir, &["checkout", "-q", "-b", "feature"]);
    let (old_tip, _) = secret_file(&dir, "old.txt", "rewritten away");
    git(&dir, &["reset", "-q", "--hard", &main_tip]);
    let (new_tip, c) = secret_file(&dir, "c.txt", "the new feature");
    git(&dir, &["reflog", "expire", "--expire=now", "--all"]);
    git(&dir, &["gc", "-q", "--prune=now"]);
    let gone = std::process::Command::new("git")
        .args(["cat-file", "-e", &old_tip])
        .current_dir(&dir)
        .output()
        .expect("git");
    assert!(
        !gone.status.success(),
        "the old tip must be gone from the clone"
    );
    let gh = GitHub::new(
        t.path(),
        "push",
        &new_tip,
        "refs/heads/feature",
        &json!({"ref": "refs/heads/feature", "before": old_tip, "after": new_tip, "forced": true,
                "repository": {"default_branch": "main"}}),
    );
    let ran = gh.run(&dir);
    assert_eq!(ran.code, 1, "not an error: {}", ran.stderr);
    assert_eq!(ran.paths(), ["c.txt"], "not everything: {}", ran.stderr);
    assert!(
        ran.stderr.contains("force push") && ran.stderr.contains(&old_tip),
        "{}",
        ran.stderr
    );
    let sarif = read_json(&dir.join("keyhound.sarif"));
    super::reports::assert_valid_sarif(&sarif);
    assert_hidden(
        &[&a, &c],
        &[("stderr", &ran.stderr), ("summary", &gh.summary())],
    );
}

#[test]
fn github_pull_request_from_a_fork_scans_base_to_head_with_the_base_config() {
    let (t, dir) = repo();
    let (fork_point, a) = secret_file(&dir, "a.txt", "on main");
    git(&dir, &["checkout", "-q", "-b", "contrib"]);
    let (_, b) = secret_file(&dir, "b.txt", "the contribution");
    // the pull request also tries to allowlist its own secret
    let head = commit_file(
        &dir,
        ".keyhound.yml",
        "version: 1\nallowlists:\n  - paths: ['b.txt']\n",
        "allowlist it",
    );
    git(&dir, &["checkout", "-q", "main"]);
    let (base, d) = secret_file(&dir, "d.txt", "main moves on");
    // what actions/checkout has for a pull request: the merge ref, detached; the fork's branch
    // itself is not in the clone
    git(&dir, &["checkout", "-q", "--detach", "main"]);
    git(&dir, &["merge", "-q", "--no-ff", "contrib", "-m", "merge"]);
    let merge = git(&dir, &["rev-parse", "HEAD"]);
    git(&dir, &["update-ref", "refs/remotes/pull/1/merge", &merge]);
    git(&dir, &["branch", "-q", "-D", "contrib"]);
    assert_ne!(fork_point, base);
    let gh = GitHub::new(
        t.path(),
        "pull_request",
        &merge,
        "refs/pull/1/merge",
        &json!({"number": 1, "pull_request": {
                    "number": 1,
                    "base": {"sha": base, "ref": "main"},
                    "head": {"sha": head, "ref": "contrib", "repo": {"fork": true, "full_name": "someone/app"}}},
                "repository": {"default_branch": "main"}}),
    );
    let ran = gh.run(&dir);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    assert_eq!(ran.paths(), ["b.txt"], "{}", ran.stderr);
    assert!(ran.stderr.contains("pull_request #1"), "{}", ran.stderr);
    let sarif = read_json(&dir.join("keyhound.sarif"));
    super::reports::assert_valid_sarif(&sarif);
    assert_eq!(
        sarif["runs"][0]["results"].as_array().map(Vec::len),
        Some(1)
    );
    assert!(gh.summary().contains("b.txt:1"), "{}", gh.summary());
    assert_hidden(
        &[&a, &b, &d],
        &[("stderr", &ran.stderr), ("summary", &gh.summary())],
    );
}

#[test]
fn github_schedule_audits_the_whole_history() {
    let (t, dir) = repo();
    let (_, a) = secret_file(&dir, "a.txt", "added");
    git(&dir, &["rm", "-q", "a.txt"]);
    git(&dir, &["commit", "-q", "-m", "removed"]);
    let (tip, b) = secret_file(&dir, "b.txt", "still here");
    let gh = GitHub::new(
        t.path(),
        "schedule",
        &tip,
        "refs/heads/main",
        &json!({"schedule": "0 3 * * *", "repository": {"default_branch": "main"}}),
    );
    let ran = gh.run(&dir);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    assert_eq!(ran.paths(), ["a.txt", "b.txt"], "{}", ran.stderr);
    assert!(
        ran.stderr.contains("the whole history (audit)"),
        "{}",
        ran.stderr
    );
    let sarif = read_json(&dir.join("keyhound.sarif"));
    super::reports::assert_valid_sarif(&sarif);
    assert!(gh.summary().contains("audit"), "{}", gh.summary());
    assert_hidden(&[&a, &b], &[("summary", &gh.summary())]);
}

#[test]
fn github_tag_push_on_the_default_branch_has_nothing_new_and_says_so() {
    let (t, dir) = repo();
    let (tip, _) = secret_file(&dir, "a.txt", "released");
    git(&dir, &["tag", "-a", "v1.0.0", "-m", "release"]);
    let tag_object = git(&dir, &["rev-parse", "v1.0.0"]);
    let gh = GitHub::new(
        t.path(),
        "push",
        &tip,
        "refs/tags/v1.0.0",
        &json!({"ref": "refs/tags/v1.0.0", "before": ZEROS, "after": tag_object,
                "repository": {"default_branch": "main"}}),
    );
    let ran = gh.run(&dir);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(ran.findings.is_empty());
    assert!(ran.stderr.contains("nothing new"), "{}", ran.stderr);
    let sarif = read_json(&dir.join("keyhound.sarif"));
    assert_eq!(
        sarif["runs"][0]["results"].as_array().map(Vec::len),
        Some(0)
    );
    assert!(
        gh.summary().contains("no secrets found"),
        "{}",
        gh.summary()
    );
    assert_eq!(gh.outputs(), "findings=0\nsarif-file=keyhound.sarif\n");
}

/// The required shape of GitLab's secret-detection report (schema 15.x): what GitLab checks
/// before it shows a report.
fn assert_valid_gitlab_report(doc: &serde_json::Value) {
    let tool = json!({
        "type": "object",
        "required": ["id", "name", "version", "vendor"],
        "properties": {
            "id": {"type": "string", "minLength": 1},
            "name": {"type": "string", "minLength": 1},
            "version": {"type": "string", "minLength": 1},
            "vendor": {"type": "object", "required": ["name"]}
        }
    });
    let time = json!({"type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}$"});
    let schema = json!({
        "type": "object",
        "required": ["version", "scan", "vulnerabilities"],
        "properties": {
            "version": {"type": "string", "pattern": "^15\\.\\d+\\.\\d+$"},
            "scan": {
                "type": "object",
                "required": ["analyzer", "scanner", "type", "start_time", "end_time", "status"],
                "properties": {
                    "analyzer": tool, "scanner": tool,
                    "type": {"const": "secret_detection"},
                    "start_time": time, "end_time": time,
                    "status": {"enum": ["success", "failure"]}
                }
            },
            "vulnerabilities": {"type": "array", "items": {
                "type": "object",
                "required": ["id", "category", "name", "description", "severity", "location", "identifiers"],
                "properties": {
                    "id": {"type": "string", "minLength": 1},
                    "category": {"const": "secret_detection"},
                    "severity": {"enum": ["Critical", "High", "Medium", "Low", "Info", "Unknown"]},
                    "location": {
                        "type": "object",
                        "required": ["file", "commit", "start_line"],
                        "properties": {
                            "file": {"type": "string"},
                            "start_line": {"type": "integer", "minimum": 1},
                            "commit": {"type": "object", "required": ["sha"],
                                       "properties": {"sha": {"type": "string", "minLength": 1}}}
                        }
                    },
                    "identifiers": {"type": "array", "minItems": 1, "items": {
                        "type": "object",
                        "required": ["type", "name", "value"],
                        "properties": {"type": {"type": "string", "minLength": 1},
                                       "name": {"type": "string", "minLength": 1},
                                       "value": {"type": "string", "minLength": 1}}
                    }}
                }
            }}
        }
    });
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{doc:#}");
}

#[test]
fn gitlab_merge_request_scans_the_diff_base_to_the_head_and_writes_the_secret_detection_report() {
    let (_t, dir) = repo();
    let (fork_point, a) = secret_file(&dir, "a.txt", "on main");
    git(&dir, &["checkout", "-q", "-b", "feature"]);
    let (b_commit, b) = secret_file(&dir, "b.txt", "the change");
    let (head, c) = secret_file(&dir, "c.txt", "more of it");
    git(&dir, &["checkout", "-q", "main"]);
    let (_, d) = secret_file(&dir, "d.txt", "main moves on");
    git(&dir, &["checkout", "-q", "--detach", &head]);
    let ran = ci(
        &dir,
        &[
            ("GITLAB_CI", "true"),
            ("CI", "true"),
            ("CI_PIPELINE_SOURCE", "merge_request_event"),
            ("CI_COMMIT_SHA", &head),
            ("CI_COMMIT_BEFORE_SHA", ZEROS),
            ("CI_MERGE_REQUEST_DIFF_BASE_SHA", &fork_point),
            ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
            ("CI_MERGE_REQUEST_IID", "7"),
            ("CI_DEFAULT_BRANCH", "main"),
        ],
        &[],
    );
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    assert_eq!(ran.paths(), ["b.txt", "c.txt"], "{}", ran.stderr);
    assert!(ran.stderr.contains("merge request !7"), "{}", ran.stderr);
    assert!(!dir.join("keyhound.sarif").exists(), "no SARIF on GitLab");
    let report = read_json(&dir.join("gl-secret-detection-report.json"));
    assert_valid_gitlab_report(&report);
    let vulns = report["vulnerabilities"]
        .as_array()
        .expect("vulnerabilities");
    assert_eq!(vulns.len(), 2);
    assert_eq!(vulns[0]["location"]["file"], "b.txt");
    assert_eq!(vulns[0]["location"]["commit"]["sha"], b_commit);
    assert_eq!(vulns[0]["severity"], "Critical");
    assert_eq!(vulns[0]["identifiers"][0]["value"], "github-pat-classic");
    assert_eq!(report["scan"]["status"], "success");
    assert_hidden(
        &[&a, &b, &c, &d],
        &[("report", &report.to_string()), ("stderr", &ran.stderr)],
    );
}

#[test]
fn gitlab_push_of_a_new_branch_scans_what_the_default_branch_lacks_once_it_is_fetched() {
    let (t, origin) = repo();
    secret_file(&origin, "a.txt", "on main");
    git(&origin, &["checkout", "-q", "-b", "feature"]);
    let (tip, _) = secret_file(&origin, "b.txt", "the new branch");
    // GitLab clones the pipeline's branch only
    let url = format!("file://{}", origin.display());
    git(
        t.path(),
        &[
            "clone",
            "-q",
            "--single-branch",
            "--branch",
            "feature",
            &url,
            "clone",
        ],
    );
    let clone = t.path().join("clone");
    let vars = [
        ("GITLAB_CI", "true"),
        ("CI_PIPELINE_SOURCE", "push"),
        ("CI_COMMIT_SHA", tip.as_str()),
        ("CI_COMMIT_BEFORE_SHA", ZEROS),
        ("CI_COMMIT_BRANCH", "feature"),
        ("CI_DEFAULT_BRANCH", "main"),
    ];
    let ran = ci(&clone, &vars, &[]);
    // without the default branch, the commits no other ref has: here, all of them, and it says
    // how to narrow that
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    assert_eq!(ran.paths(), ["a.txt", "b.txt"], "{}", ran.stderr);
    assert!(
        ran.stderr
            .contains("default branch (main) is not in this clone")
            && ran.stderr.contains("git fetch origin main"),
        "{}",
        ran.stderr
    );
    // what the GitLab template does before the scan
    git(
        &clone,
        &[
            "fetch",
            "-q",
            "origin",
            "+refs/heads/main:refs/remotes/origin/main",
        ],
    );
    let ran = ci(&clone, &vars, &[]);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    assert_eq!(ran.paths(), ["b.txt"], "{}", ran.stderr);
    assert!(ran.stderr.contains("not on origin/main"), "{}", ran.stderr);
    let report = read_json(&clone.join("gl-secret-detection-report.json"));
    assert_valid_gitlab_report(&report);
}

#[test]
fn gitlab_scheduled_and_manual_pipelines_audit() {
    let (_t, dir) = repo();
    secret_file(&dir, "a.txt", "one");
    let (tip, _) = secret_file(&dir, "b.txt", "two");
    for source in ["schedule", "web"] {
        let ran = ci(
            &dir,
            &[
                ("GITLAB_CI", "true"),
                ("CI_PIPELINE_SOURCE", source),
                ("CI_COMMIT_SHA", &tip),
                ("CI_COMMIT_BEFORE_SHA", ZEROS),
                ("CI_COMMIT_BRANCH", "main"),
                ("CI_DEFAULT_BRANCH", "main"),
            ],
            &[],
        );
        assert_eq!(ran.code, 1, "{source}: {}", ran.stderr);
        assert_eq!(ran.paths(), ["a.txt", "b.txt"], "{source}: {}", ran.stderr);
        assert!(ran.stderr.contains("audit"), "{}", ran.stderr);
    }
}

#[test]
fn any_other_ci_takes_base_and_head() {
    let (t, dir) = repo();
    let (base, _) = secret_file(&dir, "a.txt", "old");
    let (_, b) = secret_file(&dir, "b.txt", "new");
    let summary = t.path().join("summary.md");
    let sarif = t.path().join("out.sarif");
    let ran = ci(
        &dir,
        &[],
        &[
            "--base",
            &base,
            "--head",
            "HEAD",
            "--sarif-output",
            &sarif.display().to_string(),
            "--summary",
            &summary.display().to_string(),
        ],
    );
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    assert_eq!(ran.paths(), ["b.txt"], "{}", ran.stderr);
    super::reports::assert_valid_sarif(&read_json(&sarif));
    let text = std::fs::read_to_string(&summary).expect("summary");
    assert!(text.contains("b.txt:1"), "{text}");
    assert!(!shows(&text, &b));
    // --fail-on decides the exit status; the reports still hold every finding
    let ran = ci(
        &dir,
        &[],
        &[
            "--base",
            &base,
            "--fail-on",
            "never",
            "--sarif-output",
            &sarif.display().to_string(),
        ],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(ran.paths(), ["b.txt"]);
    assert_eq!(
        read_json(&sarif)["runs"][0]["results"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    // a base that is not in the clone is an error that says so, never a silent pass
    let ran = ci(
        &dir,
        &[],
        &["--base", "1234567890abcdef1234567890abcdef12345678"],
    );
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert!(ran.stderr.contains("not in this clone"), "{}", ran.stderr);
}

#[test]
fn format_gitlab_works_on_every_scan() {
    let t = tempfile::tempdir().expect("tempdir");
    let tok = github_token();
    write(t.path(), "app.env", format!("T={tok}\n"));
    let (code, out, err) = run(&["dir", ".", "--format", "gitlab"], t.path());
    assert_eq!(code, 1, "{err}");
    let doc = json_of(&out);
    assert_valid_gitlab_report(&doc);
    assert_eq!(
        doc["vulnerabilities"][0]["location"]["commit"]["sha"],
        "0000000"
    );
    assert!(!shows(&out, &tok));
}

fn repo_file(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel))
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn yaml(rel: &str) -> serde_json::Value {
    serde_saphyr::from_str(&repo_file(rel)).unwrap_or_else(|e| panic!("{rel} is not YAML: {e}"))
}

/// The targets release.yml builds binaries for.
fn released_targets() -> Vec<String> {
    let workflow = yaml(".github/workflows/release.yml");
    let mut targets: Vec<String> = workflow["jobs"]["binaries"]["strategy"]["matrix"]["include"]
        .as_array()
        .expect("a binaries matrix")
        .iter()
        .filter_map(|row| row["target"].as_str().map(str::to_string))
        .collect();
    targets.sort();
    targets
}

/// A release folder as the release workflow publishes it (an archive for `target` holding
/// `keyhound` and README.md, and SHA256SUMS), served to the install scripts as a `file://` URL.
/// The binary is a stand-in that answers `--version`: the 100 MB debug build would only make the
/// archive slow to pack.
fn fake_release(root: &Path, version: &str, target: &str) -> PathBuf {
    let stage = root.join("stage");
    std::fs::create_dir_all(&stage).expect("mkdir");
    write(
        &stage,
        "keyhound",
        "#!/bin/sh\necho \"keyhound 0.0.0-test\"\n",
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            stage.join("keyhound"),
            std::fs::Permissions::from_mode(0o755),
        )
        .expect("chmod");
    }
    write(&stage, "README.md", "keyhound\n");
    let dir = root.join("releases/download").join(version);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let asset = format!("keyhound-{target}.tar.gz");
    let out = std::process::Command::new("tar")
        .args(["-czf"])
        .arg(dir.join(&asset))
        .args(["-C"])
        .arg(&stage)
        .args(["keyhound", "README.md"])
        .output()
        .expect("tar");
    assert!(out.status.success(), "{}", stderr_of(&out));
    let sums = std::process::Command::new("sha256sum")
        .arg(&asset)
        .current_dir(&dir)
        .output()
        .expect("sha256sum");
    assert!(sums.status.success());
    std::fs::write(dir.join("SHA256SUMS"), &sums.stdout).expect("sums");
    dir.join(asset)
}

fn host_arch() -> (&'static str, &'static str) {
    match std::env::consts::ARCH {
        "aarch64" => ("ARM64", "aarch64-unknown-linux-musl"),
        _ => ("X64", "x86_64-unknown-linux-musl"),
    }
}

#[test]
fn the_action_installs_the_release_binary_only_when_its_checksum_matches() {
    if !cfg!(target_os = "linux") {
        super::skipped("the action's install step is run here on Linux only");
        return;
    }
    let action = yaml("action.yml");
    let steps = action["runs"]["steps"].as_array().expect("steps");
    assert_eq!(action["runs"]["using"], "composite");
    let install = steps
        .iter()
        .find(|s| s["id"] == "install")
        .expect("an install step");
    let script = install["run"].as_str().expect("run");
    assert_eq!(
        install["env"]["KEYHOUND_RELEASES"],
        "https://github.com/keyhound/keyhound/releases"
    );
    // every target release.yml builds is one the action can pick, with the archive's name
    for target in released_targets() {
        assert!(
            script.contains(&target),
            "action.yml does not install {target}"
        );
    }
    assert!(script.contains("keyhound-$target.tar.gz") && script.contains("keyhound-$target.zip"));

    let t = tempfile::tempdir().expect("tempdir");
    let (arch, target) = host_arch();
    let archive = fake_release(t.path(), "v0.0.0-test", target);
    let install_with = |outputs: &Path| {
        let temp = t.path().join("runner-temp");
        std::fs::create_dir_all(&temp).expect("mkdir");
        std::process::Command::new("bash")
            .args(["-c", script])
            .env("KEYHOUND_VERSION", "v0.0.0-test")
            .env(
                "KEYHOUND_RELEASES",
                format!("file://{}", t.path().join("releases").display()),
            )
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", arch)
            .env("RUNNER_TEMP", &temp)
            .env("GITHUB_OUTPUT", outputs)
            .current_dir(t.path())
            .output()
            .expect("bash")
    };
    let outputs = t.path().join("outputs");
    let out = install_with(&outputs);
    assert!(
        out.status.success(),
        "{}{}",
        stdout_of(&out),
        stderr_of(&out)
    );
    let written = std::fs::read_to_string(&outputs).expect("outputs");
    let path = written
        .strip_prefix("path=")
        .map(str::trim)
        .expect("path= output");
    let version = std::process::Command::new(path)
        .arg("--version")
        .output()
        .expect("the installed binary runs");
    assert!(stdout_of(&version).starts_with("keyhound "));

    // a tampered archive is refused and nothing is installed
    let mut bytes = std::fs::read(&archive).expect("archive");
    bytes.push(0);
    std::fs::write(&archive, bytes).expect("tamper");
    let outputs = t.path().join("outputs-2");
    let out = install_with(&outputs);
    assert!(!out.status.success());
    assert!(
        stdout_of(&out).contains("does not match its SHA-256"),
        "{}",
        stdout_of(&out)
    );
    assert!(!outputs.exists(), "no path is output");
}

#[test]
fn the_action_runs_keyhound_ci_and_uploads_sarif_only_where_the_token_may() {
    let text = repo_file("action.yml");
    let action = yaml("action.yml");
    for input in ["version", "fail-on", "args", "upload-sarif"] {
        assert!(action["inputs"][input].is_object(), "input {input}");
    }
    assert_eq!(
        action["outputs"]["findings"]["value"],
        "${{ steps.scan.outputs.findings }}"
    );
    let steps = action["runs"]["steps"].as_array().expect("steps");
    let scan = steps.iter().find(|s| s["id"] == "scan").expect("scan step");
    assert!(
        scan["run"]
            .as_str()
            .is_some_and(|r| r.contains("\"$KEYHOUND\" ci --fail-on \"$FAIL_ON\"")),
        "{scan}"
    );
    let upload = steps
        .iter()
        .find(|s| s["id"] == "upload")
        .expect("upload step");
    assert_eq!(upload["uses"], "github/codeql-action/upload-sarif@v4");
    let condition = upload["if"].as_str().expect("if");
    assert!(
        condition.contains("github.event.pull_request.head.repo.fork"),
        "{condition}"
    );
    assert!(!text.contains("upload-sarif@v3"));
    // inputs reach scripts through the environment, never pasted into them
    for s in steps {
        if let Some(run) = s["run"].as_str() {
            assert!(!run.contains("${{"), "an expression inside a script: {run}");
        }
    }
}

#[test]
fn the_gitlab_template_installs_with_a_checked_checksum_and_reports_secret_detection() {
    let template = yaml("ci/gitlab/keyhound.gitlab-ci.yml");
    let job = &template["keyhound"];
    assert_eq!(job["variables"]["GIT_DEPTH"], 0);
    assert_eq!(
        job["artifacts"]["reports"]["secret_detection"],
        "gl-secret-detection-report.json"
    );
    assert_eq!(job["artifacts"]["when"], "always");
    let rules: Vec<&str> = job["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter_map(|r| r["if"].as_str())
        .collect();
    for wanted in [
        "$CI_PIPELINE_SOURCE == \"merge_request_event\"",
        "$CI_PIPELINE_SOURCE == \"schedule\"",
        "$CI_COMMIT_BRANCH",
        "$CI_COMMIT_TAG",
    ] {
        assert!(rules.contains(&wanted), "no rule {wanted}: {rules:?}");
    }
    let script: Vec<&str> = job["script"]
        .as_array()
        .expect("script")
        .iter()
        .filter_map(|l| l.as_str())
        .collect();
    assert!(
        script
            .iter()
            .any(|l| l.contains("keyhound\" ci --fail-on \"$KEYHOUND_FAIL_ON\"")),
        "{script:?}"
    );
    if !cfg!(target_os = "linux") {
        super::skipped("the GitLab template's install script is run here on Linux only");
        return;
    }
    let install = job["before_script"]
        .as_array()
        .expect("before_script")
        .iter()
        .filter_map(|l| l.as_str())
        .find(|l| l.contains("SHA256SUMS"))
        .expect("an install script");
    let t = tempfile::tempdir().expect("tempdir");
    let (_, target) = host_arch();
    let archive = fake_release(t.path(), "v0.0.0-test", target);
    let bin = t.path().join("bin");
    let install_it = || {
        std::process::Command::new("sh")
            .args(["-c", install])
            .env("KEYHOUND_VERSION", "v0.0.0-test")
            .env(
                "KEYHOUND_RELEASES",
                format!("file://{}", t.path().join("releases").display()),
            )
            .env("KEYHOUND_BIN_DIR", &bin)
            .output()
            .expect("sh")
    };
    let out = install_it();
    assert!(
        out.status.success(),
        "{}{}",
        stdout_of(&out),
        stderr_of(&out)
    );
    assert!(
        stdout_of(&out).starts_with("keyhound "),
        "{}",
        stdout_of(&out)
    );
    assert!(bin.join("keyhound").is_file());
    std::fs::remove_file(bin.join("keyhound")).expect("rm");
    let mut bytes = std::fs::read(&archive).expect("archive");
    bytes.push(0);
    std::fs::write(&archive, bytes).expect("tamper");
    let out = install_it();
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("does not match its SHA-256"),
        "{}",
        stderr_of(&out)
    );
    assert!(!bin.join("keyhound").exists());
}

/// The fenced blocks of `lang` in README.md's CI section.
fn readme_ci_blocks(lang: &str) -> Vec<String> {
    let readme = repo_file("README.md");
    let start = readme.find("### 2. CI").expect("README has a CI section");
    let section = &readme[start..];
    let end = section[4..].find("\n### ").map_or(section.len(), |i| i + 4);
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in section[..end].lines() {
        match &mut current {
            None if line == format!("```{lang}") => current = Some(String::new()),
            None => {}
            Some(body) if line == "```" => {
                blocks.push(std::mem::take(body));
                current = None;
            }
            Some(body) => {
                body.push_str(line);
                body.push('\n');
            }
        }
    }
    blocks
}

#[test]
fn readme_ci_snippets_use_the_action_and_template_as_they_are() {
    let yaml_blocks = readme_ci_blocks("yaml");
    let workflow = yaml_blocks
        .iter()
        .find(|b| b.contains("keyhound/keyhound@"))
        .expect("a GitHub workflow using the action");
    let workflow: serde_json::Value = serde_saphyr::from_str(workflow).expect("workflow parses");
    let steps = workflow["jobs"]["keyhound"]["steps"]
        .as_array()
        .expect("steps");
    assert_eq!(steps[0]["with"]["fetch-depth"], 0);
    let action = yaml("action.yml");
    let with = steps[1]["with"].as_object().expect("with");
    for key in with.keys() {
        assert!(
            action["inputs"][key].is_object(),
            "the action has no input {key}"
        );
    }
    assert_eq!(
        workflow["permissions"]["security-events"], "write",
        "the snippet lets the upload happen"
    );
    let gitlab = yaml_blocks
        .iter()
        .find(|b| b.contains("include:"))
        .expect("a GitLab include");
    let gitlab: serde_json::Value = serde_saphyr::from_str(gitlab).expect("gitlab parses");
    let remote = gitlab["include"][0]["remote"].as_str().expect("remote");
    let path = remote
        .split_once("/main/")
        .map(|(_, p)| p)
        .expect("a path in the repository");
    assert!(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(path).is_file(),
        "{path}"
    );
    let template = yaml(path);
    for var in gitlab["keyhound"]["variables"]
        .as_object()
        .expect("variables")
        .keys()
    {
        assert!(
            template["keyhound"]["variables"][var].is_string(),
            "the template has no variable {var}"
        );
    }
}

#[test]
fn readme_any_other_ci_recipe_runs_as_written() {
    let blocks = readme_ci_blocks("sh");
    let recipe = blocks
        .iter()
        .find(|b| b.contains("keyhound ci --base"))
        .expect("an any-other-CI recipe");
    let (_t, dir) = repo();
    let (base, _) = secret_file(&dir, "a.txt", "old");
    let (head, b) = secret_file(&dir, "b.txt", "new");
    let bin = assert_cmd::cargo::cargo_bin("keyhound");
    let path = format!(
        "{}:{}",
        bin.parent().expect("bin dir").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut c = std::process::Command::new("bash");
    for (k, _) in std::env::vars() {
        if k == "CI" || k.starts_with("GITHUB_") || k.starts_with("GITLAB_") || k.starts_with("CI_")
        {
            c.env_remove(k);
        }
    }
    let out = c
        .args(["-c", recipe])
        .env("PATH", path)
        .env("BASE_SHA", &base)
        .env("HEAD_SHA", &head)
        .env_remove("KEYHOUND_CONFIG")
        .current_dir(&dir)
        .output()
        .expect("bash");
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let sarif = read_json(&dir.join("keyhound.sarif"));
    super::reports::assert_valid_sarif(&sarif);
    assert_eq!(
        sarif["runs"][0]["results"].as_array().map(Vec::len),
        Some(1)
    );
    let summary = std::fs::read_to_string(dir.join("keyhound.md")).expect("summary");
    assert!(
        summary.contains("b.txt:1") && !summary.contains("a.txt"),
        "{summary}"
    );
    assert!(!shows(&stdout_of(&out), &b) && !shows(&summary, &b));
}

/// The shell scripts of action.yml (bash) and the GitLab template (POSIX sh).
fn ci_scripts() -> Vec<(String, &'static str, String)> {
    let mut out = Vec::new();
    let action = yaml("action.yml");
    for step in action["runs"]["steps"].as_array().expect("steps") {
        if let Some(run) = step["run"].as_str() {
            let name = step["name"].as_str().unwrap_or("?");
            out.push((format!("action.yml: {name}"), "bash", run.to_string()));
        }
    }
    let template = yaml("ci/gitlab/keyhound.gitlab-ci.yml");
    let job = &template["keyhound"];
    let lines: Vec<String> = ["before_script", "script"]
        .iter()
        .flat_map(|k| job[*k].as_array().cloned().unwrap_or_default())
        .filter_map(|l| l.as_str().map(str::to_string))
        .collect();
    out.push(("the GitLab template".to_string(), "sh", lines.join("\n")));
    out
}

#[test]
fn the_ci_scripts_pass_shellcheck() {
    if std::process::Command::new("shellcheck")
        .arg("--version")
        .output()
        .is_err()
    {
        super::skipped(
            "shellcheck is not installed: the action's and template's scripts are not linted",
        );
        return;
    }
    for (what, shell, script) in ci_scripts() {
        let mut child = std::process::Command::new("shellcheck")
            .args(["-s", shell, "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("shellcheck");
        {
            use std::io::Write as _;
            let mut stdin = child.stdin.take().expect("stdin");
            stdin.write_all(script.as_bytes()).expect("write");
        }
        let out = child.wait_with_output().expect("shellcheck");
        assert!(out.status.success(), "{what}:\n{}", stdout_of(&out));
    }
}

#[test]
fn the_action_completes_a_shallow_clone_and_fetches_the_default_branch() {
    let action = yaml("action.yml");
    let steps = action["runs"]["steps"].as_array().expect("steps");
    let script = steps
        .iter()
        .filter_map(|s| s["run"].as_str())
        .find(|r| r.contains("--unshallow"))
        .expect("a fetch step");
    let (t, origin) = repo();
    secret_file(&origin, "a.txt", "on main");
    git(&origin, &["checkout", "-q", "-b", "feature"]);
    let (before, _) = secret_file(&origin, "b.txt", "pushed before");
    let (after, _) = secret_file(&origin, "c.txt", "pushed now");
    // what actions/checkout does by default: the pushed commit alone
    let url = format!("file://{}", origin.display());
    git(
        t.path(),
        &[
            "clone", "-q", "--depth", "1", "--branch", "feature", &url, "clone",
        ],
    );
    let clone = t.path().join("clone");
    assert_eq!(
        git(&clone, &["rev-parse", "--is-shallow-repository"]),
        "true"
    );
    let out = super::git::pinned("bash", &clone)
        .args(["-c", script])
        .env("DEFAULT_BRANCH", "main")
        .output()
        .expect("bash");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(stdout_of(&out).contains("shallow"), "{}", stdout_of(&out));
    assert_eq!(
        git(&clone, &["rev-parse", "--is-shallow-repository"]),
        "false"
    );
    git(
        &clone,
        &["rev-parse", "--verify", "refs/remotes/origin/main"],
    );
    let gh = GitHub::new(
        t.path(),
        "push",
        &after,
        "refs/heads/feature",
        &json!({"ref": "refs/heads/feature", "before": before, "after": after,
                "repository": {"default_branch": "main"}}),
    );
    let ran = gh.run(&clone);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    assert_eq!(ran.paths(), ["c.txt"], "{}", ran.stderr);
}
