//! README.md's install and pre-commit snippets work when pasted, and what they name exists:
//! `.pre-commit-hooks.yaml` is a valid manifest whose entries run; every pre-commit configuration
//! in the README pins a commit of this repository whose manifest has the hooks it names (one of
//! them is run through the real framework); the release assets and image the README downloads are
//! the ones the release workflow builds; the README's minimum Rust version is Cargo.toml's, and
//! no locked dependency needs a newer one. The snippets are taken from README.md, not copied.

use super::git::{commit_file, git, path_with_keyhound, pinned, repo};
use super::precommit::{on_ci, pre_commit_available};
use super::*;
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command as Proc;

const REPO_URL: &str = "https://github.com/keyhound/keyhound";
const IMAGE: &str = "ghcr.io/keyhound/keyhound";

fn here() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(here().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// A hook of `.pre-commit-hooks.yaml`: the keys pre-commit's manifest schema allows (an unknown
/// or misspelt key is an error here, as a missing required one is).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // the schema's keys, read only to be rejected when misspelt
struct ManifestHook {
    id: String,
    name: String,
    entry: String,
    language: String,
    description: Option<String>,
    pass_filenames: Option<bool>,
    always_run: Option<bool>,
    stages: Option<Vec<String>>,
    minimum_pre_commit_version: Option<String>,
    alias: Option<IgnoredAny>,
    files: Option<IgnoredAny>,
    exclude: Option<IgnoredAny>,
    types: Option<IgnoredAny>,
    types_or: Option<IgnoredAny>,
    exclude_types: Option<IgnoredAny>,
    additional_dependencies: Option<IgnoredAny>,
    args: Option<Vec<String>>,
    fail_fast: Option<bool>,
    language_version: Option<String>,
    log_file: Option<String>,
    require_serial: Option<bool>,
    verbose: Option<bool>,
}

#[derive(Debug, Deserialize)]
struct PreCommitConfig {
    repos: Vec<PreCommitRepo>,
}

#[derive(Debug, Deserialize)]
struct PreCommitRepo {
    repo: String,
    rev: String,
    hooks: Vec<HookRef>,
}

#[derive(Debug, Deserialize)]
struct HookRef {
    id: String,
    entry: Option<String>,
}

fn manifest(text: &str, what: &str) -> Vec<ManifestHook> {
    serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("{what} is not a valid manifest: {e}"))
}

/// The fenced code blocks of `lang` in `markdown`, in order (indented fences included).
fn fenced(markdown: &str, lang: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        match &mut current {
            None => {
                if trimmed.strip_prefix("```") == Some(lang) {
                    current = Some((line.len() - trimmed.len(), String::new()));
                }
            }
            Some((indent, body)) => {
                if trimmed == "```" {
                    blocks.push(std::mem::take(body));
                    current = None;
                } else {
                    let cut = line.len().min(*indent);
                    body.push_str(line.get(cut..).unwrap_or(line));
                    body.push('\n');
                }
            }
        }
    }
    assert!(
        current.is_none(),
        "an unclosed ```{lang} block in README.md"
    );
    blocks
}

/// The README's pre-commit configurations: its YAML blocks with a top-level `repos:`.
fn readme_pre_commit_configs() -> Vec<(String, PreCommitConfig)> {
    fenced(&read("README.md"), "yaml")
        .into_iter()
        .filter(|b| b.lines().any(|l| l.starts_with("repos:")))
        .map(|b| {
            let config: PreCommitConfig = serde_saphyr::from_str(&b)
                .unwrap_or_else(|e| panic!("a README pre-commit snippet does not parse: {e}\n{b}"));
            (b, config)
        })
        .collect()
}

fn git_in_tree(args: &[&str]) -> std::process::Output {
    pinned("git", &here())
        .args(args)
        .output()
        .expect("git runs")
}

fn is_shallow_clone() -> bool {
    let out = git_in_tree(&["rev-parse", "--is-shallow-repository"]);
    String::from_utf8_lossy(&out.stdout).trim() == "true"
}

#[test]
fn the_hook_manifest_is_valid_and_each_entry_runs() {
    let hooks = manifest(&read(".pre-commit-hooks.yaml"), ".pre-commit-hooks.yaml");
    let ids: Vec<&str> = hooks.iter().map(|h| h.id.as_str()).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "hook ids repeat: {ids:?}");
    let languages: BTreeSet<&str> = hooks.iter().map(|h| h.language.as_str()).collect();
    for wanted in ["system", "docker_image", "rust"] {
        assert!(languages.contains(wanted), "no {wanted} hook: {ids:?}");
    }
    for h in &hooks {
        assert!(!h.name.is_empty(), "{}: empty name", h.id);
        assert!(
            h.id.starts_with("keyhound"),
            "{}: hook ids start with keyhound",
            h.id
        );
        assert!(
            ["system", "unsupported", "rust", "python", "docker_image"]
                .contains(&h.language.as_str()),
            "{}: unexpected language {}",
            h.id,
            h.language
        );
        // a commit hook: the staged change, not file names, decides what is read
        assert_eq!(h.pass_filenames, Some(false), "{}: pass_filenames", h.id);
        assert_eq!(h.always_run, Some(true), "{}: always_run", h.id);
        assert_eq!(
            h.stages.as_deref(),
            Some(&["pre-commit".to_string()][..]),
            "{}: stages",
            h.id
        );
        let mut words = h.entry.split_whitespace();
        if h.language == "docker_image" {
            let image = words.next().unwrap_or_default();
            assert!(
                image.starts_with(&format!("{IMAGE}:")),
                "{}: the image is {IMAGE} (what the release workflow pushes): {image}",
                h.id
            );
        } else {
            assert_eq!(
                words.next(),
                Some("keyhound"),
                "{}: entry {}",
                h.id,
                h.entry
            );
        }
        // what follows the program is a real command line of this keyhound
        let args: Vec<&str> = words.collect();
        assert!(!args.is_empty(), "{}: entry without a command", h.id);
        let out = keyhound().args(&args).arg("--help").output().expect("runs");
        assert!(
            out.status.success(),
            "{}: `keyhound {} --help` fails: {}",
            h.id,
            args.join(" "),
            stderr_of(&out)
        );
    }
}

#[test]
fn a_misspelt_or_missing_manifest_key_is_caught() {
    let good = "- id: k\n  name: k\n  entry: keyhound staged\n  language: system\n";
    assert_eq!(manifest(good, "good")[0].id, "k");
    for bad in [
        "- id: k\n  name: k\n  entry: keyhound staged\n",
        "- id: k\n  name: k\n  entry: keyhound staged\n  language: system\n  pass_filename: false\n",
    ] {
        assert!(
            serde_saphyr::from_str::<Vec<ManifestHook>>(bad).is_err(),
            "accepted: {bad}"
        );
    }
}

#[test]
fn readme_pre_commit_snippets_pin_a_commit_whose_manifest_has_their_hooks() {
    let configs = readme_pre_commit_configs();
    let current = manifest(&read(".pre-commit-hooks.yaml"), ".pre-commit-hooks.yaml");
    let current_ids: BTreeSet<&str> = current.iter().map(|h| h.id.as_str()).collect();
    let mut shown = BTreeSet::new();
    for (text, config) in &configs {
        assert!(!config.repos.is_empty(), "no repos: {text}");
        for r in &config.repos {
            assert_eq!(r.repo, REPO_URL, "{text}");
            // no tag exists yet: a full commit id, which `pre-commit autoupdate` understands
            assert!(
                r.rev.len() == 40 && r.rev.bytes().all(|b| b.is_ascii_hexdigit()),
                "rev must be a full commit id (there are no tags): {}",
                r.rev
            );
            for h in &r.hooks {
                assert!(
                    current_ids.contains(h.id.as_str()),
                    "README names hook {} that .pre-commit-hooks.yaml does not have",
                    h.id
                );
                if let Some(entry) = &h.entry {
                    assert!(entry.contains("staged"), "{}: entry {entry}", h.id);
                }
                shown.insert(h.id.clone());
            }
            let exists = git_in_tree(&["cat-file", "-e", &format!("{}^{{commit}}", r.rev)]);
            if !exists.status.success() {
                assert!(
                    is_shallow_clone(),
                    "README pins {} which is not a commit of this repository",
                    r.rev
                );
                skipped(&format!(
                    "shallow clone without {}: its manifest was not checked",
                    r.rev
                ));
                continue;
            }
            let ancestor = git_in_tree(&["merge-base", "--is-ancestor", &r.rev, "HEAD"]);
            assert!(
                ancestor.status.success(),
                "README pins {} which is not on this branch",
                r.rev
            );
            let old = git_in_tree(&["show", &format!("{}:.pre-commit-hooks.yaml", r.rev)]);
            assert!(old.status.success(), "{} has no manifest", r.rev);
            let old = manifest(&String::from_utf8_lossy(&old.stdout), &r.rev);
            for h in &r.hooks {
                assert!(
                    old.iter().any(|o| o.id == h.id),
                    "README pins {} whose manifest has no hook {}: pin a later commit",
                    r.rev,
                    h.id
                );
            }
        }
    }
    for id in ["keyhound-system", "keyhound-docker", "keyhound"] {
        assert!(shown.contains(id), "README shows no snippet for {id}");
    }
}

/// The README's `keyhound-system` snippet as pasted, with only the repository URL pointing at
/// this clone: pre-commit fetches the pinned commit, and the commit of a fake token is blocked.
#[test]
fn the_readme_system_hook_snippet_blocks_a_commit_through_pre_commit() {
    if !pre_commit_available() {
        assert!(
            !on_ci(),
            "pre-commit is not installed; .ci/run installs it with pip"
        );
        skipped("pre-commit not installed: the README's system hook snippet was not run");
        return;
    }
    let (text, config) = readme_pre_commit_configs()
        .into_iter()
        .find(|(_, c)| {
            c.repos
                .iter()
                .any(|r| r.hooks.iter().any(|h| h.id == "keyhound-system"))
        })
        .expect("README has a keyhound-system snippet");
    let rev = &config.repos[0].rev;
    let exists = git_in_tree(&["cat-file", "-e", &format!("{rev}^{{commit}}")]);
    if !exists.status.success() && is_shallow_clone() {
        skipped(&format!(
            "shallow clone without {rev}: the snippet was not run"
        ));
        return;
    }
    let (t, dir) = repo();
    commit_file(&dir, "README.md", "# app\n", "init");
    let local = here();
    write(
        &dir,
        ".pre-commit-config.yaml",
        text.replace(REPO_URL, &local.display().to_string()),
    );
    let path = path_with_keyhound();
    let home = t.path().join("pre-commit-home");
    let run_in = |program: &str, args: &[&str], dir: &Path| {
        pinned(program, dir)
            .args(args)
            .env("PATH", &path)
            .env("PRE_COMMIT_HOME", &home)
            .env("HOME", t.path())
            .env_remove("KEYHOUND_CONFIG")
            .output()
            .expect("runs")
    };
    let both = |o: &std::process::Output| format!("{}{}", stdout_of(o), stderr_of(o));
    let out = run_in("pre-commit", &["validate-config"], &dir);
    assert!(out.status.success(), "{}", both(&out));
    let out = run_in("pre-commit", &["install"], &dir);
    assert!(out.status.success(), "{}", both(&out));
    git(&dir, &["add", ".pre-commit-config.yaml"]);
    let clean = run_in("git", &["commit", "-q", "-m", "the hook"], &dir);
    assert!(clean.status.success(), "a clean commit: {}", both(&clean));
    write(
        &dir,
        "deploy.sh",
        format!("export GITHUB_TOKEN={}\n", github_token()),
    );
    git(&dir, &["add", "deploy.sh"]);
    let blocked = run_in("git", &["commit", "-m", "deploy script"], &dir);
    let text = both(&blocked);
    assert!(!blocked.status.success(), "not blocked: {text}");
    assert!(text.contains("github-pat-classic"), "{text}");
    assert_eq!(git(&dir, &["rev-list", "--count", "HEAD"]), "2");
}

#[test]
fn readme_release_assets_and_image_are_what_the_release_workflow_builds() {
    #[derive(Deserialize)]
    struct Workflow {
        jobs: std::collections::BTreeMap<String, Job>,
    }
    #[derive(Deserialize)]
    struct Job {
        strategy: Option<Strategy>,
    }
    #[derive(Deserialize)]
    struct Strategy {
        matrix: Matrix,
    }
    #[derive(Deserialize)]
    struct Matrix {
        include: Vec<std::collections::BTreeMap<String, serde_json::Value>>,
    }
    let workflow: Workflow = serde_saphyr::from_str(&read(".github/workflows/release.yml"))
        .unwrap_or_else(|e| panic!(".github/workflows/release.yml: {e}"));
    let built: BTreeSet<String> = workflow.jobs["binaries"]
        .strategy
        .as_ref()
        .expect("a binaries matrix")
        .matrix
        .include
        .iter()
        .map(|row| row["target"].as_str().expect("target").to_string())
        .collect();
    let readme = read("README.md");
    let mut named = BTreeSet::new();
    for word in readme.split(|c: char| c.is_whitespace() || "`(),=\"".contains(c)) {
        if let Some(target) = word
            .strip_prefix("keyhound-")
            .and_then(|w| w.strip_suffix(".zip"))
        {
            named.insert(target.to_string());
        }
    }
    // `target=…` and its alternatives in the comment after it
    let line = readme
        .lines()
        .find(|l| l.starts_with("target="))
        .expect("README sets target= for the download");
    for word in line
        .trim_start_matches("target=")
        .split(|c: char| c.is_whitespace() || c == ',' || c == '#')
    {
        if word.contains('-') {
            named.insert(word.to_string());
        }
    }
    assert!(
        readme.contains("keyhound-$target.tar.gz") && readme.contains("SHA256SUMS"),
        "README downloads keyhound-$target.tar.gz and checks SHA256SUMS"
    );
    for target in &named {
        assert!(
            built.contains(target),
            "README names keyhound-{target}, which release.yml does not build: {built:?}"
        );
    }
    assert_eq!(named, built, "README names every built target");
    assert!(
        readme.contains(&format!("{IMAGE} git")),
        "README runs {IMAGE}"
    );
}

#[test]
fn readme_rust_version_is_cargo_toml_s_and_no_locked_dependency_needs_newer() {
    let cargo = read("Cargo.toml");
    let msrv = cargo
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .expect("Cargo.toml has rust-version");
    let readme = read("README.md");
    let mut said = Vec::new();
    for (i, _) in readme.match_indices(" or newer") {
        let before = &readme[..i];
        let version = before
            .rsplit(|c: char| !(c.is_ascii_digit() || c == '.'))
            .next()
            .unwrap_or_default();
        if version.contains('.') {
            said.push(version.to_string());
        }
    }
    assert!(!said.is_empty(), "README names no minimum Rust version");
    for v in &said {
        assert_eq!(v, msrv, "README says Rust {v} or newer, Cargo.toml {msrv}");
    }
    let parse = |v: &str| -> Vec<u32> { v.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
    let cargo_bin = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Proc::new(cargo_bin)
        .args(["metadata", "--locked", "--offline", "--format-version", "1"])
        .current_dir(here())
        .output()
        .expect("cargo metadata runs");
    assert!(out.status.success(), "cargo metadata: {}", stderr_of(&out));
    let meta = json_of(&stdout_of(&out));
    let newer: Vec<String> = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter_map(|p| {
            let v = p["rust_version"].as_str()?;
            (parse(v) > parse(msrv)).then(|| format!("{} {} needs {v}", p["name"], p["version"]))
        })
        .collect();
    assert!(
        newer.is_empty(),
        "Cargo.lock holds dependencies that need a Rust newer than rust-version {msrv}: {newer:?}"
    );
}

/// Splits a shell command line into words: single and double quotes group, `#` after a space
/// starts a comment. None for what a test cannot run as written (variables, substitutions,
/// pipes into something other than keyhound, redirections).
fn shell_words(line: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let chars = line.chars();
    let mut quote: Option<char> = None;
    for c in chars {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '$' | '`') => return None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '$' | '`' | '>' | '<' | '|' | ';' | '&') => return None,
            (None, '#') if !in_word => break,
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return None;
    }
    if in_word {
        words.push(word);
    }
    Some(words)
}

#[test]
fn every_keyhound_command_in_the_readme_parses_as_written() {
    let readme = read("README.md");
    let mut commands: Vec<Vec<String>> = Vec::new();
    for block in fenced(&readme, "sh") {
        for line in block.lines() {
            let line = line.trim();
            if !line.starts_with("keyhound ") {
                continue;
            }
            if let Some(words) = shell_words(line) {
                commands.push(words);
            }
        }
    }
    assert!(
        commands.len() >= 15,
        "the README's keyhound commands were not found: {commands:?}"
    );
    // a repository with a commit, a secret-free file and the files some commands name
    let (_t, dir) = repo();
    commit_file(&dir, "README.md", "# app\n", "init");
    write(&dir, "src/app.rs", "fn main() {}\n");
    write(&dir, "config/app.env", "PORT=8080\n");
    for words in &commands {
        let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
        let out = keyhound()
            .args(&args)
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .expect("runs");
        let err = stderr_of(&out);
        // clap's own messages: a flag, value or subcommand the binary does not take
        for usage in [
            "Usage:",
            "unexpected argument",
            "unrecognized subcommand",
            "invalid value",
            "required arguments were not provided",
        ] {
            assert!(
                !err.contains(usage),
                "README command {:?} does not parse: {err}",
                words.join(" ")
            );
        }
    }
}

#[test]
fn shell_words_split_like_a_shell_for_what_the_readme_holds() {
    for (line, words) in [
        ("keyhound dir", Some(vec!["keyhound", "dir"])),
        (
            "keyhound dir src   # the folder",
            Some(vec!["keyhound", "dir", "src"]),
        ),
        (
            "keyhound x 'a b' \"c#d\"",
            Some(vec!["keyhound", "x", "a b", "c#d"]),
        ),
        ("keyhound a#b", Some(vec!["keyhound", "a#b"])),
        ("keyhound git --range \"$BASE..HEAD\"", None),
        ("cat f | keyhound stdin", None),
        ("keyhound 'open", None),
    ] {
        let want = words.map(|w| w.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(shell_words(line), want, "{line}");
    }
}
