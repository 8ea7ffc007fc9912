//! Property-based fuzzing of every parser that reads input keyhound does not control: the config
//! YAML, rule YAML, the gitleaks TOML import, baselines, `.keyhoundignore`, the decoders, the
//! diff of added lines, and (through the binary) git tree objects.
//!
//! Properties: no panic; each case finishes within [`LIMIT`] (inputs are small, so anything near
//! it is a blow-up); round-trips where a format is written by keyhound itself (baselines, ignore
//! files, base64 and percent-encoding, the YAML a gitleaks import writes).
//!
//! `cargo test` runs a short pass (64 cases per property). A long run:
//!
//! ```sh
//! PROPTEST_CASES=200000 cargo test --locked --release --test fuzz
//! ```
//!
//! A failure prints the minimal input that breaks the property (proptest shrinks it).

use keyhound::config::Config;
use keyhound::filter::{baseline, ignore};
use keyhound::scan::decode;
use keyhound::source::lines::{LineSet, added_against_all, added_lines};
use proptest::prelude::*;
use std::time::{Duration, Instant};

/// Longest a single case may take: a debug build on a loaded 2-core machine parses these inputs
/// in milliseconds.
const LIMIT: Duration = Duration::from_secs(10);

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    ProptestConfig {
        cases,
        // the failing input is printed; no regression files are written into tests/
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Runs `f`, failing the case when it takes longer than [`LIMIT`].
fn bounded<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    assert!(took < LIMIT, "{what} took {took:?}");
    out
}

/// Text built from the pieces the format is made of (so cases reach past the first token), mixed
/// with arbitrary characters.
fn pieces(parts: &'static [&'static str], max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(parts).prop_map(str::to_string),
            1 => any::<char>().prop_map(String::from),
            1 => "[ -~]{0,12}",
        ],
        0..max,
    )
    .prop_map(|v| v.concat())
}

/// A valid text with a few bytes changed, inserted or removed.
fn mutated(valid: &'static str) -> impl Strategy<Value = String> {
    prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<char>()), 1..6).prop_map(
        move |edits| {
            let mut s: Vec<char> = valid.chars().collect();
            for (at, op, c) in edits {
                let i = at.index(s.len() + 1);
                match op {
                    0 => s.insert(i, c),
                    1 if i < s.len() => {
                        s.remove(i);
                    }
                    _ if i < s.len() => s[i] = c,
                    _ => s.push(c),
                }
            }
            s.into_iter().collect()
        },
    )
}

// ---------------------------------------------------------------------------------------------
// .keyhound.yml

const YAML_PIECES: &[&str] = &[
    "version: 1\n",
    "version: ",
    "builtin-rules: false\n",
    "disable-rules: [generic-secret]\n",
    "rules:\n",
    "  - id: acme-key\n",
    "    name: Acme\n",
    "    keywords: [acme_]\n",
    "    regex: '\\b(?P<secret>acme_[0-9a-z]{8})\\b'\n",
    "    entropy: 3.0\n",
    "    severity: high\n",
    "    examples: ['acme_{{alnumlower 8}}']\n",
    "allowlists:\n",
    "  - paths: ['tests/**']\n",
    "    regexes: ['^x']\n",
    "    stopwords: [dummy]\n",
    "    regex-target: line\n",
    "    condition: all\n",
    "    commits: [abcdef0]\n",
    "baseline: b.json\n",
    "&a ",
    "*a",
    "<<: *a\n",
    "!!str ",
    "!tag ",
    "---\n",
    "...\n",
    "? ",
    ": ",
    "- ",
    "{",
    "}",
    "[",
    "]",
    ", ",
    "\"",
    "'",
    "|\n",
    ">-\n",
    "#",
    "\n",
    "  ",
    "\t",
    "\\",
    "%YAML 1.2\n",
    "~",
    "null",
    "1e999",
    "-0x1",
    "\u{feff}",
];

const VALID_CONFIG: &str = "version: 1
builtin-rules: true
disable-rules: [generic-secret]
rules:
  - id: acme-key
    name: Acme internal token
    keywords: [acme_]
    regex: '\\b(?P<secret>acme_[0-9a-z]{24})\\b'
    entropy: 3.0
    severity: high
    remediation: Revoke it at https://acme.example/keys.
    examples: ['ACME=acme_{{alnumlower 24}}', 'k: acme_{{alnumlower 24}}']
    negative: ['ACME=acme_{{alnumlower 8}}', 'acme_ tokens']
allowlists:
  - description: fixtures
    paths: ['tests/fixtures/**', '*.snap']
  - rules: [generic-password]
    path-regexes: ['^docker/.*\\.ya?ml$']
    regex-target: line
    regexes: ['POSTGRES_PASSWORD: *postgres']
    stopwords: [dummy, sample]
    condition: any
  - commits: [9f1c2e4a7b]
";

fn parse_config(text: &str) {
    let r = bounded("Config::parse", || Config::parse(".keyhound.yml", text));
    if let Err(e) = r {
        // an error names the file (and is printable)
        assert!(e.to_string().contains(".keyhound.yml"), "{e}");
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn config_yaml_from_pieces_never_panics(text in pieces(YAML_PIECES, 60)) {
        parse_config(&text);
    }

    #[test]
    fn config_yaml_edited_never_panics(text in mutated(VALID_CONFIG)) {
        parse_config(&text);
    }

    #[test]
    fn config_yaml_of_arbitrary_text_never_panics(text in any::<String>()) {
        parse_config(&text);
    }
}

#[test]
fn the_valid_config_used_by_the_fuzzer_is_valid() {
    Config::parse(".keyhound.yml", VALID_CONFIG).expect("valid");
}

#[test]
fn yaml_aliases_cannot_explode() {
    // a billion laughs: nine levels of ten aliases each
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    text.push_str("version: 1\n");
    parse_config(&text);
}

// ---------------------------------------------------------------------------------------------
// rule files (rules/*.yml and custom rule files)

const RULE_PIECES: &[&str] = &[
    "rules:\n",
    "  - id: ",
    "x-token",
    "\n    name: X\n",
    "    keywords: [xt_, ab]\n",
    "    regex: '",
    "(?P<secret>",
    "[a-z0-9]{16}",
    "\\b",
    "(?i)",
    ")'\n",
    "    multiline: true\n",
    "    entropy: 9\n",
    "    validator: github-crc32\n",
    "    paths: ['*.env']\n",
    "    allowlist:\n      regexes: ['^x']\n      stopwords: [a]\n",
    "    examples: ['xt_{{hex 16}}', '{{valid github-crc32 ghp_}}', '{{base64 9999}}']\n",
    "    negative: ['{{', '}}']\n",
    "    severity: critical\n",
    "(?:a{1000}){1000}",
    "\\p{L}",
    "\\x{110000}",
    "(?P<secret>)",
    "*",
    "+",
    "?",
    "|",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "'",
    "\n",
    "  ",
    "&r ",
    "*r",
];

fn check_rule_file(text: &str) {
    let specs = bounded("parse_rule_file", || {
        keyhound::rules::parse_rule_file("fuzz.yml", text)
    });
    let Ok(specs) = specs else { return };
    for spec in specs {
        // a rule that loads compiles its regex and allowlist without panicking
        if let Ok(rule) = bounded("Rule::new", || keyhound::rules::Rule::new(spec, "fuzz.yml")) {
            let _ = bounded("compile", || rule.compile_now());
        }
    }
}

/// A built-in rule file of a few rules (the smallest over 4 KB, so a case stays cheap).
fn builtin_rule_text() -> &'static str {
    keyhound::rules::builtin_files()
        .iter()
        .map(|(_, text)| *text)
        .filter(|t| t.len() > 4096)
        .min_by_key(|t| t.len())
        .expect("built-in rule files")
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn rule_yaml_from_pieces_never_panics(text in pieces(RULE_PIECES, 50)) {
        check_rule_file(&text);
    }

    #[test]
    fn a_builtin_rule_file_edited_never_panics(text in mutated(builtin_rule_text())) {
        check_rule_file(&text);
    }

    #[test]
    fn any_regex_in_a_rule_never_panics(re in "[ -~]{0,40}") {
        let text = format!(
            "rules:\n  - id: x-token\n    name: X\n    keywords: [xt_]\n    regex: {}\n",
            serde_json::to_string(&re).expect("a YAML double-quoted string")
        );
        check_rule_file(&text);
    }

    #[test]
    fn templates_never_panic(t in pieces(&["{{", "}}", "hex ", "alnum ", "base64 ", "valid ",
        "github-crc32 ", "ghp_", "9", "99999", " ", "-1"], 12)) {
        let _ = bounded("expand_template", || keyhound::rules::expand_template(&t, "fuzz", 0));
    }
}

// ---------------------------------------------------------------------------------------------
// gitleaks TOML import

const TOML_PIECES: &[&str] = &[
    "title = \"x\"\n",
    "[extend]\n",
    "useDefault = true\n",
    "disabledRules = [\"generic-api-key\", \"aws-access-token\"]\n",
    "path = \"base.toml\"\n",
    "[[rules]]\n",
    "id = \"acme_Token\"\n",
    "id = \"\"\n",
    "description = \"Acme\"\n",
    "regex = '''(?i)acme[_-]?token\\s*=\\s*(acm_[a-z0-9]{24})'''\n",
    "regex = '''[a-'''\n",
    "regex = '''(?P<x>a)(b)'''\n",
    "secretGroup = 1\n",
    "secretGroup = 7\n",
    "secretGroup = -1\n",
    "entropy = 3.5\n",
    "entropy = nan\n",
    "keywords = [\"acme\", \"a\"]\n",
    "path = '''\\.pem$'''\n",
    "tags = [\"x\"]\n",
    "[[rules.allowlists]]\n",
    "[rules.allowlist]\n",
    "[allowlist]\n",
    "[[allowlists]]\n",
    "description = \"d\"\n",
    "paths = ['''^docs/''', '''(''']\n",
    "regexes = ['''^ghp_0{36}$''']\n",
    "regexTarget = \"line\"\n",
    "regexTarget = \"bogus\"\n",
    "stopwords = [\"example\"]\n",
    "commits = [\"0123456789abcdef\"]\n",
    "condition = \"AND\"\n",
    "targetRules = [\"acme_Token\"]\n",
    "\n",
    "\"",
    "'''",
    "[",
    "]",
    "=",
    "#",
];

const VALID_TOML: &str = r#"
title = "acme gitleaks config"

[extend]
useDefault = true
disabledRules = ["generic-api-key"]

[[rules]]
id = "acme_internal_token"
description = "Acme internal service token"
regex = '''(?i)acme[_-]?token\s*[:=]\s*["']?(acm_[a-z0-9]{24})'''
secretGroup = 1
entropy = 3.0
keywords = ["acme", "acm_"]

  [[rules.allowlists]]
  description = "documentation tokens"
  stopwords = ["example"]
  paths = ['''^docs/''']
  regexTarget = "line"
  regexes = ['''EXAMPLE''']

[[rules]]
id = "derived"
description = "keywords derived from the regex"
regex = '''\b(xq7_[A-Za-z0-9]{30})\b'''

[allowlist]
description = "global allowlist"
paths = ['''(^|/)vendor/''', '''\.lock$''']
regexes = ['''^ghp_0{36}$''']
commits = ["0123456789abcdef0123456789abcdef01234567"]
"#;

fn import_gitleaks(text: &str) -> Result<(), TestCaseError> {
    let r = bounded("gitleaks::import", || {
        keyhound::config::gitleaks::import(".gitleaks.toml", text)
    });
    if let Ok(imported) = r {
        // round-trip: what the import writes is a config keyhound loads
        let back = bounded("Config::parse", || {
            Config::parse(".keyhound.yml", &imported.yaml)
        });
        prop_assert!(
            back.is_ok(),
            "the imported config does not load: {}\n{}",
            back.err().map(|e| e.to_string()).unwrap_or_default(),
            imported.yaml
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn gitleaks_toml_from_pieces_never_panics_and_imports_load(text in pieces(TOML_PIECES, 40)) {
        import_gitleaks(&text)?;
    }

    #[test]
    fn gitleaks_toml_edited_never_panics_and_imports_load(text in mutated(VALID_TOML)) {
        import_gitleaks(&text)?;
    }
}

#[test]
fn the_valid_gitleaks_config_used_by_the_fuzzer_imports() {
    let imported =
        keyhound::config::gitleaks::import(".gitleaks.toml", VALID_TOML).expect("imports");
    Config::parse(".keyhound.yml", &imported.yaml).expect("and loads");
}

// ---------------------------------------------------------------------------------------------
// baselines (keyhound's format, keyhound JSON reports, gitleaks JSON reports)

const BASELINE_PIECES: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\n",
    ",",
    ":",
    "\"keyhound_baseline\": 1",
    "\"keyhound_baseline\": 99",
    "\"0123456789abcdef0123456789abcdef\": {\"rule\": \"r\", \"path\": \"p\"}",
    "\"version\": 1",
    "\"findings\": [{\"fingerprint\": \"0123456789abcdef0123456789abcdef\"}]",
    "{\"RuleID\": \"x\", \"File\": \"a\", \"StartLine\": 3, \"Secret\": \"s\"}",
    "{\"RuleID\": \"x\", \"File\": \"a\", \"StartLine\": -3, \"Secret\": \"REDACTED\"}",
    "\"StartLine\": 1e300",
    "null",
    "true",
    "\"\\ud800\"",
    "\"",
    "1",
];

mod found {
    //! Findings to write baselines from, built through the public types.
    use keyhound::finding::Finding;
    use keyhound::location::{Location, Position};
    use keyhound::rules::{RuleInfo, Severity};
    use keyhound::secret::Secret;
    use std::sync::Arc;

    pub fn finding(rule: &str, secret: &str, path: &str, line: u32) -> Finding {
        let info = Arc::new(RuleInfo {
            id: rule.into(),
            name: rule.into(),
            description: String::new(),
            severity: Severity::High,
            remediation: String::new(),
            references: vec![],
            keywords: vec![],
            validator: None,
        });
        let pos = Position { line, column: 1 };
        Finding {
            secret: Secret::new(secret.as_bytes(), &[]),
            fingerprint: keyhound::fingerprint::fingerprint(rule, secret.as_bytes()),
            rule: info,
            location: Location {
                path: path.into(),
                start: pos,
                end: pos,
                commit: None,
                other_commits: 0,
            },
            also_at: vec![],
            present_at_head: None,
            blob: None,
            context: None,
            encoding: None,
            excerpt: None,
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn baseline_text_never_panics(text in pieces(BASELINE_PIECES, 40)) {
        let _ = bounded("Baseline::parse", || baseline::Baseline::parse("b.json", &text));
    }

    #[test]
    fn a_written_baseline_reads_back_and_knows_exactly_its_findings(
        entries in prop::collection::vec(
            ("[a-z][a-z0-9-]{0,20}", any::<String>(), any::<String>(), 1u32..100_000),
            0..20,
        ),
        other in any::<String>(),
    ) {
        let findings: Vec<_> = entries
            .iter()
            .map(|(r, s, p, l)| found::finding(r, s, p, *l))
            .collect();
        let text = bounded("render", || baseline::render(&findings));
        let b = bounded("Baseline::parse", || baseline::Baseline::parse("b.json", &text));
        let b = b.map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let distinct: std::collections::HashSet<&str> =
            findings.iter().map(|f| f.fingerprint.as_str()).collect();
        prop_assert_eq!(b.len(), distinct.len());
        for (r, s, _, _) in &entries {
            // known wherever it moves
            prop_assert!(b.contains(&found::finding(r, s, "moved/elsewhere", 7)));
        }
        if !entries.iter().any(|(r, s, _, _)| r == "other-rule" && *s == other) {
            prop_assert!(!b.contains(&found::finding("other-rule", &other, "a", 1)));
        }
        // one entry per line between `{` and the version line, each ending with a comma
        let lines: Vec<&str> = text.lines().collect();
        prop_assert_eq!(lines.len(), distinct.len() + 3);
        prop_assert!(lines[1..lines.len() - 2].iter().all(|l| l.ends_with(',')));
    }
}

// ---------------------------------------------------------------------------------------------
// .keyhoundignore

proptest! {
    #![proptest_config(config())]

    #[test]
    fn ignore_file_text_never_panics(text in any::<String>()) {
        if let Ok(set) = bounded("ignore::parse", || ignore::parse(".keyhoundignore", &text)) {
            for fp in &set {
                prop_assert!(fp.len() == 32 && fp.bytes().all(|b| b.is_ascii_hexdigit()));
                prop_assert_eq!(fp, &fp.to_ascii_lowercase());
            }
        }
    }

    #[test]
    fn an_ignore_file_reads_back_its_fingerprints(
        entries in prop::collection::vec(
            (any::<String>(), any::<bool>(), "[^\n\r]{0,30}", " {0,3}", 0u8..3),
            0..20,
        ),
    ) {
        let mut text = String::new();
        let mut want = std::collections::HashSet::new();
        for (secret, upper, comment, pad, shape) in &entries {
            let fp = keyhound::fingerprint::fingerprint("some-rule", secret.as_bytes());
            want.insert(fp.clone());
            let fp = if *upper { fp.to_ascii_uppercase() } else { fp };
            match shape {
                0 => text.push_str(&format!("{pad}{fp}{pad}\n")),
                1 => text.push_str(&format!("{fp}{pad}# {comment}\n")),
                _ => text.push_str(&format!("# {comment}\n\n{pad}{fp}\r\n")),
            }
        }
        let set = bounded("ignore::parse", || ignore::parse(".keyhoundignore", &text));
        let set = set.map_err(|e| TestCaseError::fail(format!("{e}\n{text:?}")))?;
        prop_assert_eq!(set, want);
    }
}

// ---------------------------------------------------------------------------------------------
// decoders (base64, percent-encoding)

fn text_like() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..600),
        pieces(
            &[
                "QUtJQTEyMzQ1Njc4OTBBQkNERUY=",
                "%2F",
                "%3A",
                "%%",
                "%4",
                "==",
                "=",
                "-_",
                "+/",
                "dG9rZW46IGdocF8",
                "ABCDEFGHIJKLMNOP",
                "abcdefghijklmnopqrstuvwxyz",
                "\n",
                " ",
                "\"",
            ],
            80,
        )
        .prop_map(String::into_bytes),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn decoder_spans_and_decodes_never_panic_and_stay_in_bounds(data in text_like()) {
        let mut spans = Vec::new();
        bounded("spans", || decode::spans(&data, &mut spans));
        let mut last = 0;
        let mut out = Vec::new();
        for s in &spans {
            prop_assert!(s.start < s.end && s.end <= data.len(), "{s:?}");
            prop_assert!(s.start >= last, "sorted by start: {spans:?}");
            last = s.start;
            prop_assert!(s.end - s.start <= decode::MAX_SPAN + 2);
            let span = &data[s.start..s.end];
            bounded("decode", || decode::decode(span, s.encoding, &mut out));
            prop_assert!(out.len() <= span.len(), "decoding never grows: {s:?}");
        }
        // whatever the encoding label, decode never panics
        for enc in ["base64", "percent", "bogus"] {
            bounded("decode", || decode::decode(&data, enc, &mut out));
        }
    }

    #[test]
    fn base64_and_percent_encoded_text_decodes_to_itself(
        text in "[ -~]{12,200}",
        urlsafe in any::<bool>(),
        pad in any::<bool>(),
    ) {
        use base64::Engine as _;
        use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
        let engine = match (urlsafe, pad) {
            (false, true) => &STANDARD,
            (false, false) => &STANDARD_NO_PAD,
            (true, true) => &URL_SAFE,
            (true, false) => &URL_SAFE_NO_PAD,
        };
        let enc = engine.encode(text.as_bytes());
        let mut out = Vec::new();
        prop_assert!(decode::decode(enc.as_bytes(), "base64", &mut out), "{enc}");
        prop_assert_eq!(&out, text.as_bytes());
        let pct: String = text.bytes().map(|b| format!("%{b:02X}")).collect();
        prop_assert!(decode::decode(pct.as_bytes(), "percent", &mut out));
        prop_assert_eq!(&out, text.as_bytes());
    }
}

// ---------------------------------------------------------------------------------------------
// the diff of added lines (staged, range)

fn lines_of(data: &[u8]) -> u32 {
    let n = memchr_count(data);
    (n + usize::from(!data.is_empty() && !data.ends_with(b"\n"))) as u32
}

fn memchr_count(data: &[u8]) -> usize {
    data.iter().filter(|&&b| b == b'\n').count()
}

const LINE_PIECES: &[&str] = &["a\n", "b\n", "c\n", "\n", "a", "\r\n", "x = 1\n"];

fn file_text() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        prop::collection::vec(prop::sample::select(LINE_PIECES), 0..60)
            .prop_map(|v| v.concat().into_bytes()),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn added_lines_are_lines_of_the_new_version(old in file_text(), new in file_text()) {
        let added = bounded("added_lines", || added_lines(&old, &new));
        let n = lines_of(&new);
        if old.is_empty() {
            prop_assert_eq!(&added, &LineSet::All);
        } else {
            for beyond in n + 1..n + 70 {
                prop_assert!(!added.contains(beyond), "line {} of {}", beyond, n);
            }
        }
        if added != LineSet::All {
            prop_assert!(!added.contains(0), "lines are 1-based");
        }
        // the byte ranges cover exactly the added lines, in order, without overlap
        let mut ranges = Vec::new();
        if added.byte_ranges(&new, &mut ranges) {
            let mut end = 0;
            for &(a, b) in &ranges {
                prop_assert!(a >= end && a < b && b <= new.len(), "{ranges:?}");
                end = b;
            }
            for line in 1..=n {
                let start = line_start(&new, line);
                let inside = ranges.iter().any(|&(a, b)| a <= start && start < b);
                prop_assert_eq!(inside, added.contains(line), "line {}", line);
            }
        }
        // one parent: the same as the two-sided diff
        prop_assert_eq!(added_against_all(&[&old], &new), added.clone());
        // a version against itself adds nothing
        if !new.is_empty() {
            prop_assert!(added_lines(&new, &new).is_empty());
        }
    }

    #[test]
    fn appended_lines_are_exactly_the_added_ones(
        old in prop::collection::vec("[a-z ]{0,8}", 1..30),
        more in prop::collection::vec("[A-Z0-9]{1,8}", 0..30),
    ) {
        let old_text = old.iter().map(|l| format!("{l}\n")).collect::<String>();
        let new_text = format!("{old_text}{}", more.iter().map(|l| format!("{l}\n")).collect::<String>());
        let added = added_lines(old_text.as_bytes(), new_text.as_bytes());
        let (o, n) = (old.len() as u32, (old.len() + more.len()) as u32);
        for line in 1..=n {
            prop_assert_eq!(added.contains(line), line > o, "line {}", line);
        }
        // and a merge adds only what none of its parents had
        let both = added_against_all(&[old_text.as_bytes(), new_text.as_bytes()], new_text.as_bytes());
        prop_assert!(both.is_empty());
    }
}

// the raw tree-entry parser of the audit's structure pass, directly: well-formed entries come
// back exactly, in order; any bytes at all never panic and never yield more entries than there
// are NUL-terminated names
proptest! {
    #![proptest_config(config())]

    #[test]
    fn tree_entries_round_trip(entries in prop::collection::vec(
        (
            prop::sample::select(vec!["100644", "100755", "120000", "160000", "40000"]),
            prop::collection::vec(1u8..=255, 1..40), // a name holds no NUL
            prop::array::uniform20(any::<u8>()),
        ),
        0..20,
    )) {
        let mut raw = Vec::new();
        for (mode, name, id) in &entries {
            raw.extend_from_slice(mode.as_bytes());
            raw.push(b' ');
            raw.extend_from_slice(name);
            raw.push(0);
            raw.extend_from_slice(id);
        }
        let mut back = Vec::new();
        bounded("tree entries", || {
            keyhound::source::git::history::for_each_tree_entry(&raw, |m, n, o| {
                back.push((m.to_vec(), n.to_vec(), o.to_vec()));
            })
        });
        let want: Vec<_> = entries
            .iter()
            .map(|(m, n, o)| (m.as_bytes().to_vec(), n.clone(), o.to_vec()))
            .collect();
        prop_assert_eq!(back, want);
    }

    #[test]
    fn any_tree_bytes_parse_without_panic(raw in prop::collection::vec(any::<u8>(), 0..2048)) {
        let mut n = 0usize;
        bounded("tree bytes", || {
            keyhound::source::git::history::for_each_tree_entry(&raw, |_, _, _| n += 1)
        });
        prop_assert!(n <= raw.iter().filter(|&&b| b == 0).count());
    }
}

/// Byte offset where 1-based `line` starts.
fn line_start(data: &[u8], line: u32) -> usize {
    if line == 1 {
        return 0;
    }
    data.iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(line as usize - 2)
        .map_or(data.len(), |(i, _)| i + 1)
}

// ---------------------------------------------------------------------------------------------
// git tree objects, through the binary: keyhound reads trees with its own entry parser when it
// places findings, so malformed trees written with `git hash-object --literally` go in commits
// that an audit, a range and provenance must survive (exit 0, 1 or 2; never a panic)

mod trees {
    use super::*;
    use std::path::Path;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> String {
        use std::io::Write as _;
        let mut c = Command::new("git");
        c.args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "A")
            .env("GIT_AUTHOR_EMAIL", "a@example.test")
            .env("GIT_COMMITTER_NAME", "A")
            .env("GIT_COMMITTER_EMAIL", "a@example.test")
            .env("GIT_AUTHOR_DATE", "@1700000000 +0000")
            .env("GIT_COMMITTER_DATE", "@1700000000 +0000")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = c.spawn().expect("git runs");
        if let Some(input) = stdin {
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(input)
                .expect("write");
        }
        drop(child.stdin.take());
        let out = child.wait_with_output().expect("git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    const TREE_JUNK: &[&[u8]] = &[
        b"100644 no-nul",
        b"1006441234567 x\0",
        b"100644 \0",
        b" \0",
        b"160000 sub\0",
        b"120000 link\0",
    ];

    /// Raw tree bytes: well-formed entries, pointing at a real blob or at nothing, with
    /// malformed ones in between.
    fn raw_tree(blob: [u8; 20]) -> impl Strategy<Value = Vec<u8>> {
        let entry = prop_oneof![
            3 => ("[a-z.]{1,8}", any::<bool>()).prop_map(move |(name, real)| {
                let mut e = format!("100644 {name}\0").into_bytes();
                e.extend_from_slice(&if real { blob } else { [7u8; 20] });
                e
            }),
            1 => ("[a-z]{1,6}", any::<[u8; 20]>()).prop_map(|(name, id)| {
                let mut e = format!("40000 {name}\0").into_bytes();
                e.extend_from_slice(&id);
                e
            }),
            1 => prop::collection::vec(any::<u8>(), 0..40),
            1 => prop::sample::select(TREE_JUNK).prop_map(<[u8]>::to_vec),
        ];
        prop::collection::vec(entry, 0..6).prop_map(|v| v.concat())
    }

    fn tree_config() -> ProptestConfig {
        // each case runs git and keyhound a few times: a tenth of the cases of the others
        let mut c = config();
        c.cases = (c.cases / 10).clamp(4, 2000);
        c
    }

    proptest! {
        #![proptest_config(tree_config())]

        #[test]
        fn malformed_trees_never_crash_the_audit(raw in raw_tree([0u8; 20]), raw2 in raw_tree([0u8; 20])) {
            let t = tempfile::tempdir().expect("tempdir");
            let dir = t.path();
            git(dir, &["init", "-q", "-b", "main"], None);
            let tok = keyhound::rules::expand_template("T={{valid github-crc32 ghp_}}\n", "fuzz", 0)
                .expect("template");
            let blob = git(dir, &["hash-object", "-w", "--stdin"], Some(tok.as_bytes()));
            let mut id = [0u8; 20];
            for (i, b) in id.iter_mut().enumerate() {
                *b = u8::from_str_radix(&blob[2 * i..2 * i + 2], 16).expect("hex");
            }
            // the generated trees with the real blob's id where they point at one
            let fix = |raw: &[u8]| {
                let mut raw = raw.to_vec();
                let mut i = 0;
                while i + 20 <= raw.len() {
                    if raw[i..i + 20] == [0u8; 20] {
                        raw[i..i + 20].copy_from_slice(&id);
                        i += 20;
                    } else {
                        i += 1;
                    }
                }
                raw
            };
            let good = {
                let mut e = b"100644 good.env\0".to_vec();
                e.extend_from_slice(&id);
                e
            };
            let mut parent: Option<String> = None;
            for raw in [good, fix(&raw), fix(&raw2)] {
                let tree = git(
                    dir,
                    &["hash-object", "-w", "-t", "tree", "--literally", "--stdin"],
                    Some(&raw),
                );
                let mut args = vec!["commit-tree", tree.as_str(), "-m", "c"];
                if let Some(p) = &parent {
                    args.extend(["-p", p.as_str()]);
                }
                let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                parent = Some(git(dir, &args, None));
            }
            let head = parent.expect("commits");
            git(dir, &["update-ref", "refs/heads/main", &head], None);
            for args in [
                &["git", "--format", "json"][..],
                &["git", "--range", "HEAD~2..HEAD", "--format", "json"],
                &["git", "--include-unreachable", "--format", "json"],
            ] {
                let out = bounded("keyhound git", || {
                    assert_cmd::Command::cargo_bin("keyhound")
                        .expect("binary")
                        .args(args)
                        .current_dir(dir)
                        .output()
                        .expect("runs")
                });
                let code = out.status.code();
                prop_assert!(
                    matches!(code, Some(0..=2)),
                    "{:?} exited {:?} (a panic is 101): {}",
                    args,
                    code,
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
    }
}
