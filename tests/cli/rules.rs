use super::*;

#[test]
fn every_builtin_rule_passes_its_examples() {
    let t = tempfile::tempdir().expect("tempdir");
    let (code, out, err) = run(&["rules", "check"], t.path());
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("all pass"), "{err}");
}

#[test]
fn there_are_at_least_80_rules_with_the_required_providers() {
    let t = tempfile::tempdir().expect("tempdir");
    let (code, out, _) = run(&["rules", "list", "--format", "json"], t.path());
    assert_eq!(code, 0);
    let rules = json_of(&out);
    let ids: Vec<&str> = rules
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert!(ids.len() >= 80, "{} rules", ids.len());
    for family in [
        "aws-access-key-id",
        "aws-secret-access-key",
        "github-pat-classic",
        "github-fine-grained-pat",
        "gitlab",
        "slack-bot",
        "slack-incoming-webhook",
        "stripe-live-secret",
        "stripe-live-restricted",
        "gcp-api-key",
        "gcp-service-account",
        "azure-storage-account-key",
        "azure",
        "openai",
        "anthropic",
        "huggingface",
        "npm",
        "pypi",
        "twilio",
        "sendgrid",
        "mailgun",
        "shopify",
        "discord",
        "telegram",
        "digitalocean",
        "heroku",
        "datadog",
        "newrelic",
        "sentry",
        "doppler",
        "vault",
        "terraform",
        "atlassian",
        "linear",
        "notion",
        "postman",
        "databricks",
        "grafana",
        "docker",
        "jfrog",
        "pem-private-key",
        "openssh-private-key",
        "pgp-private-key",
        "jwt",
        "database-url-password",
        "generic-password",
    ] {
        assert!(
            ids.iter().any(|id| id.contains(family)),
            "no rule for {family}"
        );
    }
}

#[test]
fn explain_says_what_to_do_and_how_to_suppress() {
    let t = tempfile::tempdir().expect("tempdir");
    let (code, out, _) = run(&["rules", "explain", "github-pat-classic"], t.path());
    assert_eq!(code, 0);
    assert!(
        out.contains("What to do:") && out.contains("https://github.com/settings/tokens"),
        "{out}"
    );
    assert!(out.contains("keyhound:allow"), "{out}");
    let (code, _, err) = run(&["rules", "explain", "github-pat"], t.path());
    assert_eq!(code, 2);
    assert!(
        err.contains("did you mean") && err.contains("github-pat-classic"),
        "{err}"
    );
}

#[test]
fn rules_check_on_a_file_reports_a_failing_example_with_a_diff() {
    let t = tempfile::tempdir().expect("tempdir");
    write(
        t.path(),
        "custom.yml",
        r#"rules:
  - id: acme-token
    name: Acme token
    keywords: [acme_]
    regex: '\b(?P<secret>acme_[a-f0-9]{32})\b'
    examples:
      - 'ACME={{acme_x}}'
      - 'ACME=acme_{{hex 32}}'
      - 'ACME=acme_{{hex 31}}'
    negative:
      - 'ACME=acme_{{hex 31}}'
      - 'ACME=acme_{{hex 32}}'
"#,
    );
    let (code, out, err) = run(&["rules", "check", "custom.yml"], t.path());
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("custom.yml: acme-token: example template 1 does not expand"),
        "{out}"
    );
    assert!(
        out.contains("custom.yml: acme-token: example 3 is not found"),
        "{out}"
    );
    assert!(out.contains("negative example 2 is found"), "{out}");
    assert!(out.contains("expected no finding, got acme_"), "{out}");
}

#[test]
fn rules_check_stops_on_a_bad_regex_naming_file_and_rule() {
    let t = tempfile::tempdir().expect("tempdir");
    write(
        t.path(),
        "bad.yml",
        "rules:\n  - id: bad-rule\n    name: Bad\n    keywords: [xyz]\n    regex: '(?P<secret>[a-'\n",
    );
    let (code, out, _) = run(&["rules", "check", "bad.yml"], t.path());
    assert_eq!(code, 1);
    assert!(out.contains("bad.yml: bad-rule: does not compile"), "{out}");
    write(
        t.path(),
        "typo.yml",
        "rules:\n  - id: x\n    name: X\n    keyword: [x]\n    regex: 'x'\n",
    );
    let (code, _, err) = run(&["rules", "check", "typo.yml"], t.path());
    assert_eq!(code, 2);
    assert!(err.contains("typo.yml") && err.contains("keyword"), "{err}");
}

#[test]
fn files_that_should_not_be_in_git_are_reported_by_name_and_templates_are_not() {
    use super::git::{git, repo};
    let (_t, dir) = repo();
    write(
        &dir,
        ".env",
        format!(
            "DATABASE_URL=postgres://app:{}@db/app\nDEBUG=1\n",
            fake("{{alnum 16}}")
        ),
    );
    write(
        &dir,
        ".env.example",
        "DATABASE_URL=\nAPI_TOKEN=<your token>\n",
    );
    write(
        &dir,
        "android/release.keystore",
        [0u8, 1, 2, 3, 0xfe, 0xed, 0xfe, 0xed],
    );
    write(
        &dir,
        "deploy/id_ed25519",
        format!(
            "-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n-----END OPENSSH PRIVATE KEY-----\n",
            fake("{{base64 70}}")
        ),
    );
    git(&dir, &["add", "."]);
    let out = keyhound()
        .args(["staged", "--format", "json"])
        .current_dir(&dir)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let doc = json_of(&stdout_of(&out));
    let mut found: Vec<(String, String)> = doc["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule_id"].as_str().is_some_and(|r| r.ends_with("-file")))
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap_or_default().to_string(),
                f["path"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            ("dotenv-file".to_string(), ".env".to_string()),
            (
                "keystore-file".to_string(),
                "android/release.keystore".to_string()
            ),
            (
                "private-key-file".to_string(),
                "deploy/id_ed25519".to_string()
            ),
        ]
    );
    // the .env finding is fingerprinted by rule and path: editing the file keeps it
    let fp = |doc: &serde_json::Value| {
        doc["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|f| f["rule_id"] == "dotenv-file")
            .and_then(|f| f["fingerprint"].as_str())
            .map(str::to_string)
    };
    let before = fp(&doc);
    write(
        &dir,
        ".env",
        format!(
            "# local\nDATABASE_URL=postgres://app:{}@db/app\n",
            fake("{{alnum 16}}")
        ),
    );
    let (_, out, _) = run(&["dir", "--format", "json"], &dir);
    assert_eq!(fp(&json_of(&out)), before);
}

#[test]
fn the_catalogue_in_the_rules_readme_is_current() {
    let (code, table, _) = run(&["rules", "list", "--format", "markdown"], Path::new("."));
    assert_eq!(code, 0);
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/README.md"))
            .expect("rules/README.md");
    let start = readme
        .find("<!-- catalogue:start -->\n")
        .expect("start marker")
        + 25;
    let end = readme.find("<!-- catalogue:end -->").expect("end marker");
    assert!(
        readme[start..end] == table,
        "rules/README.md's catalogue is out of date: regenerate it with `keyhound rules list --format markdown`"
    );
    assert!(table.lines().count() >= 402, "at least 400 rules");
}

#[test]
fn secrets_inside_base64_and_percent_encoding_are_decoded_and_reported_where_encoded() {
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let t = tempfile::tempdir().expect("tempdir");
    let tok = github_token();
    let pw = format!("Zq9-{}", fake("{{alnum 12}}"));
    // a Kubernetes Secret: a token in one value, a password under a telling name in another,
    // and a docker config whose "auth" is base64 inside base64
    let docker = format!(
        r#"{{"auths":{{"registry.example.com":{{"auth":"{}"}}}}}}"#,
        b64(&format!("ci:{tok}"))
    );
    write(
        t.path(),
        "k8s/secret.yaml",
        format!(
            "apiVersion: v1\nkind: Secret\ndata:\n  config: {}\n  DB_PASSWORD: {}\n  .dockerconfigjson: {}\n",
            b64(&format!("GITHUB_TOKEN={tok}")),
            b64(&pw),
            b64(&docker)
        ),
    );
    write(
        t.path(),
        "call.sh",
        format!(
            "curl -H \"Authorization: Basic {}\" https://api.example.com\n",
            b64(&format!("deploy:{}", fake("{{alnum 16}}")))
        ),
    );
    write(
        t.path(),
        "url.txt",
        format!(
            "DB=postgres%3A%2F%2Fapp%3A{}%40db%3A5432%2Fapp\n",
            fake("{{alnum 14}}")
        ),
    );
    // hostile: huge base64 noise and base64 images decode to nothing and cost little
    write(
        t.path(),
        "noise.txt",
        b64(&"x".repeat(200_000))
            .as_bytes()
            .chunks(76)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let (code, out, err) = run(&["dir", "--format", "json"], t.path());
    assert_eq!(code, 1, "{err}");
    let doc = json_of(&out);
    let mut got: Vec<(String, String, u64, String)> = doc["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap_or_default().to_string(),
                f["path"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or(0),
                f["encoding"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect();
    got.sort();
    let want = |r: &str, p: &str, l: u64, e: &str| (r.to_string(), p.to_string(), l, e.to_string());
    assert!(
        got.contains(&want("github-pat-classic", "k8s/secret.yaml", 4, "base64")),
        "{got:#?}"
    );
    assert!(
        got.contains(&want("generic-password", "k8s/secret.yaml", 5, "base64")),
        "{got:#?}"
    );
    assert!(
        got.contains(&want("http-basic-auth-credentials", "call.sh", 1, "base64")),
        "{got:#?}"
    );
    assert!(
        got.contains(&want("database-url-password", "url.txt", 1, "percent")),
        "{got:#?}"
    );
    // the token inside the docker config (two layers) is the same secret: one finding, two places
    let gh = doc["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["rule_id"] == "github-pat-classic")
        .expect("token");
    assert_eq!(gh["also_at"].as_array().map(Vec::len), Some(1), "{gh}");
    assert!(
        !out.contains(&tok) && !out.contains(&pw),
        "decoded secrets stay redacted"
    );
    assert!(got.iter().all(|(_, p, _, _)| p != "noise.txt"), "{got:#?}");
}

#[test]
fn rules_check_fails_an_example_a_real_scan_reports_under_another_rule() {
    // both rules match the token of `ACME_TOKEN=acme_…`; a scan reports one finding, under one
    // of them: the other rule's identical example must fail its check
    let t = tempfile::tempdir().expect("tempdir");
    write(
        t.path(),
        "overlap.yml",
        r#"rules:
  - id: acme-token
    name: Acme token
    keywords: [acme_]
    regex: '\b(?P<secret>acme_[a-z0-9]{16})\b'
    examples:
      - 'ACME_TOKEN=acme_{{alnumlower 16}}'
      - 'ACME_TOKEN=acme_{{alnumlower 16}} # again'
    negative: ['acme_', 'acme_short']
  - id: acme-token-assigned
    name: Acme token assigned
    keywords: [acme_token]
    regex: 'ACME_TOKEN=(?P<secret>acme_[a-z0-9]{16})\b'
    examples:
      - 'ACME_TOKEN=acme_{{alnumlower 16}}'
      - 'ACME_TOKEN=acme_{{alnumlower 16}} # again'
    negative: ['acme_', 'acme_short']
"#,
    );
    let (code, out, err) = run(&["rules", "check", "overlap.yml"], t.path());
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("example 1 is not found"), "{out}");
    assert!(out.contains("example 2 is not found"), "{out}");
}

#[test]
fn rules_check_errors_never_quote_a_secret_from_the_rule_file() {
    // a token pasted into a rule file, in a comment next to a syntax error and as the value of
    // a misspelt key: the errors name file, line and column, never the text around them
    let t = tempfile::tempdir().expect("tempdir");
    let tok = github_token();
    write(
        t.path(),
        "bad.yml",
        format!(
            "rules:\n  - id: acme-token\n    name: Acme\n    # old token: {tok}\n    keywords: [acme_]\n    regex: [unclosed\n"
        ),
    );
    write(
        t.path(),
        "typo.yml",
        format!(
            "rules:\n  - id: acme-token\n    name: Acme\n    keyword: ['{tok}']\n    regex: 'x'\n"
        ),
    );
    for (file, line) in [("bad.yml", "bad.yml:6:"), ("typo.yml", "typo.yml:4:")] {
        let (code, out, err) = run(&["rules", "check", file], t.path());
        assert_eq!(code, 2, "{out}{err}");
        assert!(err.contains(line), "{err}");
        for text in [&out, &err] {
            assert!(!text.contains(&tok[4..24]), "{file}: {text}");
        }
    }
}
