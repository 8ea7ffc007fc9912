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
