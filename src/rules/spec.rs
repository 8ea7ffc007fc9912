//! The rule schema as written (serde). Shared with `build.rs`, which parses the built-in rule
//! files at build time, so this file may use nothing but `serde` and `std`.

use serde::{Deserialize, Serialize};

/// How bad a leak of this credential is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
}

impl Severity {
    #[allow(dead_code)]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
}

fn default_severity() -> Severity {
    Severity::High
}

/// A rule file: `rules: [...]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFileSpec {
    pub rules: Vec<RuleSpec>,
}

/// A rule as written. See `rules/README.md` for the meaning of each field.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub regex: String,
    /// Path globs: the rule runs only on files whose path matches (and then on the whole file,
    /// with or without keywords). Path rules need a path, so they apply to folder, staged and
    /// range scans, not to an audit's pathless blobs.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Custom rules only: a regex over the file's path (relative, `/`-separated) for what `paths`
    /// globs cannot say (a gitleaks rule's `path`). Like `paths`, it makes the rule a path rule;
    /// with both, a path must match a glob or the regex.
    #[serde(
        default,
        rename = "path-regex",
        skip_serializing_if = "Option::is_none"
    )]
    pub path_regex: Option<String>,
    /// The file itself is the finding (a committed `.env`, a keystore): one finding per file, at
    /// the first match of `regex` (or the start when there is no regex).
    #[serde(default)]
    pub file: bool,
    #[serde(default)]
    pub entropy: Option<f64>,
    #[serde(default)]
    pub validator: Option<String>,
    #[serde(default)]
    pub multiline: bool,
    /// A catch-all rule (generic assignments, JWTs, URLs with passwords) that yields to any
    /// provider rule finding the same secret.
    #[serde(default)]
    pub fallback: bool,
    #[serde(default = "default_severity")]
    pub severity: Severity,
    #[serde(default)]
    pub allowlist: AllowlistSpec,
    #[serde(default)]
    pub remediation: String,
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default)]
    pub examples: Vec<String>,
    #[serde(default)]
    pub negative: Vec<String>,
}

/// A rule's own allowlist, tested against the secret (and the path).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AllowlistSpec {
    #[serde(default)]
    pub regexes: Vec<String>,
    #[serde(default)]
    pub stopwords: Vec<String>,
    /// Regexes tried on the whole match (name, operator and value), not only the secret: for
    /// names a rule's pattern lets through that never hold a secret (`next_page_token`).
    #[serde(default)]
    pub matches: Vec<String>,
    /// Path globs the rule does not apply to (`.env.example` for the `.env` rule).
    #[serde(default)]
    pub paths: Vec<String>,
}
