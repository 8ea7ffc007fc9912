//! Moving from gitleaks keeps custom rules: realistic `.gitleaks.toml` files (allowlists, path
//! rules, `(?i)` rules, alternations, `\s`, `targetRules`, `extend`) are imported with
//! `keyhound config import-gitleaks`, and what keyhound then reports on sample files is checked
//! rule by rule against what gitleaks reports on them.
//!
//! The gitleaks side is written down, not run: gitleaks is not a test dependency. Each expected
//! finding follows gitleaks' documented semantics (a rule's regex over each file; the secret is
//! `secretGroup` or the first group; `path` is a regex over the path relative to the scanned
//! folder, and a rule with only a `path` reports the file; allowlists with `regexTarget`,
//! `paths`, and `targetRules` scoping a global allowlist to rules). The tables were confirmed by
//! hand with gitleaks 8.30.1 (`gitleaks dir . -c ../gitleaks.toml`) on the same files.

use super::{fake, json_of, run, write};
use std::path::Path;

/// Only custom rules (no `[extend]`): gitleaks runs these five rules and nothing else, and the
/// import keeps keyhound's built-in rules off, so both tools run exactly these rules.
const CUSTOM_ONLY: &str = r#"
title = "payments team"

# no keywords: keyhound derives `secret_key` (the `\s` after it used to abort the import)
[[rules]]
id = "acme_secret_key"
description = "Acme secret key"
regex = '''secret_key\s*=\s*["']?([a-z0-9]{24})'''

  [[rules.allowlists]]
  description = "documented examples"
  regexTarget = "line"
  regexes = ['''(?i)example''']

# a leading (?i) and an alternation of literals, the secret in group 2
[[rules]]
id = "Cloud_Key"
description = "cloud key"
regex = '''(?i)(aws|amazon)_key\s*[:=]\s*([a-z0-9]{20})\b'''
secretGroup = 2

# a path-only rule: the file is the finding
[[rules]]
id = "dotenv-file"
description = "a committed .env file"
path = '''(^|/)\.env$'''

# a content rule restricted to some paths
[[rules]]
id = "deploy-token"
description = "deploy token in deploy manifests"
regex = '''deploy_token:\s*(dt_[a-z0-9]{20})'''
path = '''^deploy/.*\.ya?ml$'''
keywords = ["deploy_token"]

# no literal text at all: kept without a keyword (its regex runs over every file)
[[rules]]
id = "order-code"
description = "internal order signing code"
regex = '''\b([0-9]{6}[A-Z]{6}[0-9]{6})\b'''

[[allowlists]]
description = "vendored code"
paths = ['''(^|/)vendor/''']

[[allowlists]]
description = "legacy cloud keys are rotated"
targetRules = ["Cloud_Key"]
paths = ['''^legacy/''']
"#;

/// gitleaks' default rules plus one custom rule; an allowlist scoped to gitleaks'
/// `generic-api-key`, which keyhound's generic rules stand in for.
const WITH_DEFAULTS: &str = r#"
[extend]
useDefault = true

[[rules]]
id = "acme-session"
description = "Acme session secret"
regex = '''(?i)acme[_-]?session\s*=\s*([a-z0-9]{32})'''

[[allowlists]]
description = "fixtures hold fake generic secrets"
targetRules = ["generic-api-key"]
paths = ['''(^|/)fixtures/''']
"#;

/// `extend = true` (which gitleaks itself refuses: "'Extend' expected a map, got 'bool'") and
/// a `\s` right after a literal.
const EXTEND_FLAG: &str = r#"
extend = true

[[rules]]
id = "acme-webhook"
regex = '''webhook_secret\s+([a-z0-9]{24})'''
"#;

/// Imports `toml` in `dir` (as `gitleaks.toml`, to `keyhound.yml`); returns the standard error.
fn import(dir: &Path, toml: &str) -> String {
    write(dir, "gitleaks.toml", toml);
    let (code, out, err) = run(
        &[
            "config",
            "import-gitleaks",
            "gitleaks.toml",
            "--output",
            "keyhound.yml",
        ],
        dir,
    );
    assert_eq!(code, 0, "{out}{err}");
    err
}

/// What keyhound reports in `dir/repo` with the imported config: `rule path:line`, or
/// `rule path` for a rule whose finding is the file (gitleaks gives those no line), sorted.
fn reported(dir: &Path, file_rules: &[&str]) -> Vec<String> {
    // from inside the scanned folder, as gitleaks was run: paths are relative to it
    let (code, out, err) = run(
        &[
            "dir",
            ".",
            "--config",
            "../keyhound.yml",
            "--format",
            "json",
        ],
        &dir.join("repo"),
    );
    assert!(code == 0 || code == 1, "{err}");
    let mut got: Vec<String> = json_of(&out)["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            let rule = f["rule_id"].as_str().unwrap_or_default();
            let path = f["path"].as_str().unwrap_or_default();
            if file_rules.contains(&rule) {
                format!("{rule} {path}")
            } else {
                format!("{rule} {path}:{}", f["line"])
            }
        })
        .collect();
    got.sort();
    got
}

/// gitleaks' findings (rule id as gitleaks names it, path, line), as keyhound names the rules.
fn expected(gitleaks: &[(&str, &str)], ids: &[(&str, &str)]) -> Vec<String> {
    let mut want: Vec<String> = gitleaks
        .iter()
        .map(|(rule, place)| {
            let ours = ids
                .iter()
                .find(|(theirs, _)| theirs == rule)
                .map_or(*rule, |(_, ours)| ours);
            format!("{ours} {place}")
        })
        .collect();
    want.sort();
    want
}

#[test]
fn custom_rules_report_what_gitleaks_reports() {
    let t = tempfile::tempdir().expect("tempdir");
    let dir = t.path();
    let err = import(dir, CUSTOM_ONLY);
    assert!(!err.contains("not carried over:"), "{err}");
    let yaml = std::fs::read_to_string(dir.join("keyhound.yml")).expect("written");
    assert!(yaml.contains("builtin-rules: false"), "{yaml}");
    assert!(yaml.contains("keywords: ['secret_key']"), "{yaml}");
    assert!(
        yaml.contains("keywords: ['amazon_key', 'aws_key']"),
        "{yaml}"
    );
    assert!(
        err.contains("order-code") && err.contains("CPU time"),
        "{err}"
    );

    let key = || fake("{{alnumlower 24}}");
    let cloud = || fake("{{alnum 20}}");
    let r = |rel: &str, text: String| write(dir, &format!("repo/{rel}"), text);
    r(
        "src/settings.py",
        format!(
            "secret_key = \"{}\"\nSECRET_KEY = \"{}\"\nsecret_key\t=\t'{}'\n",
            key(),
            key(),
            key()
        ),
    );
    r(
        "docs/setup.md",
        format!("secret_key = \"{}\"  # example value\n", key()),
    );
    r(
        "config/app.ini",
        format!("AMAZON_KEY = {}\naws_key: {}\n", cloud(), cloud()),
    );
    r(
        "legacy/app.ini",
        format!("aws_key = {}\nsecret_key = \"{}\"\n", cloud(), key()),
    );
    for env in [".env", "services/api/.env", ".env.example"] {
        r(env, "DB_URL=postgres://localhost/app\n".into());
    }
    r(
        "deploy/prod.yml",
        format!("deploy_token: {}\n", fake("dt_{{alnumlower 20}}")),
    );
    r(
        "ci/prod.yml",
        format!("deploy_token: {}\n", fake("dt_{{alnumlower 20}}")),
    );
    r(
        "src/orders.txt",
        format!(
            "signed with {}\n",
            fake("{{digit 6}}{{upper 6}}{{digit 6}}")
        ),
    );
    r(
        "vendor/lib/settings.py",
        format!("secret_key = \"{}\"\n", key()),
    );

    // rule by rule, what gitleaks 8.30.1 reports on these files, and why the others are not
    let gitleaks = [
        // lower-case `secret_key` with spaces and with tabs; SECRET_KEY (line 2) is not matched
        // (the rule is case-sensitive), docs/ is allowlisted by its line, vendor/ globally
        ("acme_secret_key", "src/settings.py:1"),
        ("acme_secret_key", "src/settings.py:3"),
        // legacy/'s allowlist targets Cloud_Key only
        ("acme_secret_key", "legacy/app.ini:2"),
        // (?i): AMAZON_KEY and aws_key; legacy/ is allowlisted for this rule
        ("Cloud_Key", "config/app.ini:1"),
        ("Cloud_Key", "config/app.ini:2"),
        // the path rule reports each .env file, not .env.example
        ("dotenv-file", ".env"),
        ("dotenv-file", "services/api/.env"),
        // deploy/ only: ci/prod.yml holds the same shape
        ("deploy-token", "deploy/prod.yml:1"),
        ("order-code", "src/orders.txt:1"),
    ];
    let ids = [
        ("acme_secret_key", "acme-secret-key"),
        ("Cloud_Key", "cloud-key"),
    ];
    assert_eq!(
        reported(dir, &["dotenv-file"]),
        expected(&gitleaks, &ids),
        "{yaml}"
    );
}

#[test]
fn an_allowlist_for_gitleaks_generic_rule_applies_to_keyhounds_generic_rules() {
    let t = tempfile::tempdir().expect("tempdir");
    let dir = t.path();
    let err = import(dir, WITH_DEFAULTS);
    assert!(!err.contains("not carried over:"), "{err}");
    let yaml = std::fs::read_to_string(dir.join("keyhound.yml")).expect("written");
    assert!(
        yaml.contains("rules: ['generic-secret', 'generic-password']"),
        "{yaml}"
    );
    let secret = || fake("{{alnum 32}}");
    write(
        dir,
        "repo/src/web.conf",
        format!("ACME_SESSION={}\n", secret()),
    );
    write(
        dir,
        "repo/src/client.py",
        format!("client_secret = \"{}\"\n", secret()),
    );
    write(
        dir,
        "repo/fixtures/client.py",
        format!("client_secret = \"{}\"\n", secret()),
    );
    // gitleaks: its generic-api-key reports src/client.py, not fixtures/ (targetRules), and the
    // custom rule reports the session secret; keyhound's generic-secret stands in for
    // generic-api-key
    let gitleaks = [
        ("acme-session", "src/web.conf:1"),
        ("generic-api-key", "src/client.py:1"),
    ];
    let ids = [("generic-api-key", "generic-secret")];
    assert_eq!(reported(dir, &[]), expected(&gitleaks, &ids), "{yaml}");
}

#[test]
fn extend_true_and_a_space_class_after_a_literal_import_and_run() {
    let t = tempfile::tempdir().expect("tempdir");
    let dir = t.path();
    let err = import(dir, EXTEND_FLAG);
    assert!(!err.contains("not carried over:"), "{err}");
    assert!(err.contains("useDefault = true"), "{err}");
    let yaml = std::fs::read_to_string(dir.join("keyhound.yml")).expect("written");
    assert!(yaml.contains("builtin-rules: true"), "{yaml}");
    assert!(yaml.contains("keywords: ['webhook_secret']"), "{yaml}");
    write(
        dir,
        "repo/hooks.txt",
        format!(
            "webhook_secret  {}\nwebhook_secret\t{}\n",
            fake("{{alnumlower 24}}"),
            fake("{{alnumlower 24}}")
        ),
    );
    let got: Vec<String> = reported(dir, &[])
        .into_iter()
        .filter(|f| f.starts_with("acme-webhook "))
        .collect();
    assert_eq!(
        got,
        ["acme-webhook hooks.txt:1", "acme-webhook hooks.txt:2"]
    );
}

#[test]
fn a_wrong_type_in_a_gitleaks_config_names_its_place_and_no_rust_type() {
    let t = tempfile::tempdir().expect("tempdir");
    write(t.path(), "gitleaks.toml", "title = \"x\"\nextend = 3\n");
    let (code, _, err) = run(&["config", "import-gitleaks", "gitleaks.toml"], t.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("gitleaks.toml:2:"), "{err}");
    assert!(!err.contains("Gl") && !err.contains("struct"), "{err}");
    assert!(!t.path().join(".keyhound.yml").exists());
}
