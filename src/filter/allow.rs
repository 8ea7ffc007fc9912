//! Allowlists from the config: a finding that matches an entry is not reported. An entry may be
//! scoped to rules and tests paths (globs and regexes), the secret (regexes, stopwords) and
//! commits; by default one matching criterion is enough (`condition: any`), with `all` every
//! criterion given must match. Path globs of unscoped, path-only entries are also offered to the
//! sources as a skip list, so an allowlisted folder is not even read.

use crate::config::AllowlistSpec;
use globset::GlobSet;
use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde::Deserialize;
use serde_saphyr::{Location, Spanned};

/// What an allowlist's `regexes` are tested against.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RegexTarget {
    /// The secret (the rule's `secret` group).
    #[default]
    Secret,
    /// The whole text the rule's regex matched.
    Match,
    /// The line the secret starts on.
    Line,
}

/// How the criteria of one entry combine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Condition {
    #[default]
    Any,
    All,
}

/// What is known of a finding when allowlists are asked about it.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub rule: &'a str,
    pub secret: &'a [u8],
    /// The text the rule's regex matched (falls back to the secret when unknown).
    pub matched: Option<&'a [u8]>,
    /// The line the secret is on.
    pub line: Option<&'a [u8]>,
    /// Path relative to the scan root, `/`-separated.
    pub path: &'a str,
    pub commit: Option<&'a str>,
}

/// One compiled entry.
#[derive(Debug)]
pub struct Allowlist {
    rules: Vec<String>,
    /// The globs as written, for the merged skip set.
    globs: Vec<String>,
    paths: Option<GlobSet>,
    path_regexes: Vec<Regex>,
    regexes: Vec<Regex>,
    target: RegexTarget,
    stopwords: Vec<Vec<u8>>,
    commits: Vec<String>,
    condition: Condition,
}

const SIZE_LIMIT: usize = 8 << 20;

/// One allowlist regex compiled the way allowlists run it (bytes, Unicode off, like rule regexes).
fn compile(r: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(r)
        .unicode(false)
        .size_limit(SIZE_LIMIT)
        .dfa_size_limit(SIZE_LIMIT)
        .build()
}

/// The regexes of every entry of one kind in one set (one pass per finding, one compilation per
/// run), with the entry each pattern belongs to. Every pattern was compiled on its own when the
/// config loaded (so each one is known to work); the set is built on first use, because most
/// runs have few findings. Should the set exceed its size limit where each pattern alone did not,
/// the patterns are tried one by one: no entry is ever dropped.
#[derive(Debug)]
struct Combined {
    patterns: Vec<Regex>,
    owners: Vec<usize>,
    set: std::sync::OnceLock<Option<RegexSet>>,
}

impl Combined {
    fn build<'a>(items: impl Iterator<Item = (usize, &'a Regex)>) -> Option<Combined> {
        let (owners, patterns): (Vec<usize>, Vec<Regex>) =
            items.map(|(i, r)| (i, r.clone())).unzip();
        (!patterns.is_empty()).then(|| Combined {
            patterns,
            owners,
            set: std::sync::OnceLock::new(),
        })
    }

    fn set(&self) -> Option<&RegexSet> {
        self.set
            .get_or_init(|| {
                RegexSetBuilder::new(self.patterns.iter().map(Regex::as_str))
                    .unicode(false)
                    .size_limit(SIZE_LIMIT * 4)
                    .dfa_size_limit(SIZE_LIMIT * 4)
                    .build()
                    .ok()
            })
            .as_ref()
    }

    /// Marks the entries with a pattern matching `text`.
    fn mark(&self, text: &[u8], hits: &mut [bool]) {
        match self.set() {
            Some(set) => {
                for i in set.matches(text).iter() {
                    hits[self.owners[i]] = true;
                }
            }
            None => {
                for (r, &owner) in self.patterns.iter().zip(&self.owners) {
                    if !hits[owner] && r.is_match(text) {
                        hits[owner] = true;
                    }
                }
            }
        }
    }
}

/// An allowlist entry that cannot be used, with the place of the offending item when known.
/// The message names the item by kind and position, never by its text (it may hold a secret).
#[derive(Debug)]
pub struct AllowError {
    pub at: Option<Location>,
    pub message: String,
}

fn compile_all(what: &str, list: &[Spanned<String>]) -> Result<Vec<Regex>, AllowError> {
    list.iter()
        .enumerate()
        .map(|(i, r)| {
            compile(&r.value).map_err(|e| {
                let hint = match e {
                    regex::Error::CompiledTooBig(_) => {
                        "; make it smaller (nested or large counted repetitions multiply its size)"
                    }
                    _ => "",
                };
                AllowError {
                    at: Some(r.referenced),
                    message: format!(
                        "{what} {} of this entry does not compile: {}{hint}",
                        i + 1,
                        crate::config::message::scrub(e.to_string().trim_end_matches('.'))
                    ),
                }
            })
        })
        .collect()
}

/// Whether an allowlist regex compiles the way allowlists compile it (bytes, Unicode off, like
/// rule regexes, within the same size limit).
pub fn check_regex(r: &str) -> Result<(), String> {
    compile(r)
        .map(|_| ())
        .map_err(|e| crate::config::message::scrub(&e.to_string()))
}

pub use crate::rules::glob_set;

fn strings(list: &[Spanned<String>]) -> Vec<String> {
    list.iter().map(|s| s.value.clone()).collect()
}

impl Allowlist {
    pub fn new(spec: &AllowlistSpec) -> Result<Allowlist, AllowError> {
        let nothing = spec.paths.is_empty()
            && spec.path_regexes.is_empty()
            && spec.regexes.is_empty()
            && spec.stopwords.is_empty()
            && spec.commits.is_empty();
        if nothing {
            return Err(AllowError {
                at: None,
                message: "allowlist entry has no paths, path-regexes, regexes, stopwords or commits: it would allow nothing".into(),
            });
        }
        let mut commits = Vec::new();
        for (i, c) in spec.commits.iter().enumerate() {
            let id = c.value.trim().to_ascii_lowercase();
            if id.len() < 7 || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(AllowError {
                    at: Some(c.referenced),
                    message: format!(
                        "commit {} of this entry is not a commit id: write at least 7 hex digits",
                        i + 1
                    ),
                });
            }
            commits.push(id);
        }
        if let Some(s) = spec.stopwords.iter().find(|s| s.value.trim().is_empty()) {
            return Err(AllowError {
                at: Some(s.referenced),
                message: "an empty stopword would allow every secret".into(),
            });
        }
        for (i, g) in spec.paths.iter().enumerate() {
            glob_set(std::slice::from_ref(&g.value)).map_err(|e| AllowError {
                at: Some(g.referenced),
                message: format!(
                    "path glob {} of this entry does not compile: {}",
                    i + 1,
                    // globset's message starts by quoting the glob
                    crate::config::message::scrub(
                        e.rsplit_once(": ").map_or(e.as_str(), |(_, kind)| kind)
                    )
                ),
            })?;
        }
        let globs = strings(&spec.paths);
        Ok(Allowlist {
            rules: strings(&spec.rules),
            paths: glob_set(&globs).map_err(|e| AllowError {
                at: None,
                message: crate::config::message::scrub(&e),
            })?,
            globs,
            path_regexes: compile_all("path regex", &spec.path_regexes)?,
            regexes: compile_all("regex", &spec.regexes)?,
            target: spec.regex_target,
            stopwords: spec
                .stopwords
                .iter()
                .map(|s| s.value.to_ascii_lowercase().into_bytes())
                .collect(),
            commits,
            condition: spec.condition,
        })
    }

    /// Whether this entry only looks at paths and applies to every rule, so a matching file need
    /// not be scanned at all.
    fn path_only(&self) -> bool {
        self.rules.is_empty()
            && (self.condition == Condition::Any
                || (self.regexes.is_empty()
                    && self.stopwords.is_empty()
                    && self.commits.is_empty()))
            && (self.paths.is_some() || !self.path_regexes.is_empty())
    }

    fn path_matches(&self, path: &str, path_regex_hit: bool) -> Option<bool> {
        if self.paths.is_none() && self.path_regexes.is_empty() {
            return None;
        }
        Some(path_regex_hit || self.paths.as_ref().is_some_and(|g| g.is_match(path)))
    }

    /// Whether the entry allows this finding, given whether its regexes and path regexes matched
    /// (worked out for all entries at once by `Allowlists`).
    fn allows(&self, p: &Place<'_>, regex_hit: bool, path_regex_hit: bool) -> bool {
        if !self.rules.is_empty() && !self.rules.iter().any(|r| r == p.rule) {
            return false;
        }
        let regex = (!self.regexes.is_empty()).then_some(regex_hit);
        let stop = (!self.stopwords.is_empty()).then(|| {
            let lower = p.secret.to_ascii_lowercase();
            self.stopwords
                .iter()
                .any(|w| memchr::memmem::find(&lower, w).is_some())
        });
        let commit = (!self.commits.is_empty()).then(|| {
            p.commit.is_some_and(|c| {
                let c = c.to_ascii_lowercase();
                self.commits.iter().any(|a| c.starts_with(a.as_str()))
            })
        });
        let results = [
            self.path_matches(p.path, path_regex_hit),
            regex,
            stop,
            commit,
        ];
        let mut given = results.iter().flatten();
        match self.condition {
            Condition::Any => given.any(|&m| m),
            Condition::All => given.all(|&m| m),
        }
    }
}

/// Every entry of a config.
#[derive(Debug, Default)]
pub struct Allowlists {
    entries: Vec<Allowlist>,
    /// The globs of the unscoped, path-only entries, as one set: files they match are skipped
    /// unread.
    skip_globs: Option<GlobSet>,
    /// Which entries are unscoped and path-only.
    skippers: Vec<bool>,
    /// Every entry's regexes, by what they test.
    secret_regexes: Option<Combined>,
    match_regexes: Option<Combined>,
    line_regexes: Option<Combined>,
    path_regexes: Option<Combined>,
}

impl Allowlists {
    pub fn new(entries: Vec<Allowlist>) -> Allowlists {
        let skippers = || entries.iter().enumerate().filter(|(_, e)| e.path_only());
        let globs: Vec<String> = skippers().flat_map(|(_, e)| e.globs.clone()).collect();
        // every glob compiled once already when its entry was made
        let skip_globs = glob_set(&globs).ok().flatten();
        let skippers = entries.iter().map(Allowlist::path_only).collect();
        let by_target = |t: RegexTarget| {
            Combined::build(
                entries
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| e.target == t)
                    .flat_map(|(i, e)| e.regexes.iter().map(move |r| (i, r))),
            )
        };
        let secret_regexes = by_target(RegexTarget::Secret);
        let match_regexes = by_target(RegexTarget::Match);
        let line_regexes = by_target(RegexTarget::Line);
        let path_regexes = Combined::build(
            entries
                .iter()
                .enumerate()
                .flat_map(|(i, e)| e.path_regexes.iter().map(move |r| (i, r))),
        );
        Allowlists {
            entries,
            skip_globs,
            skippers,
            secret_regexes,
            match_regexes,
            line_regexes,
            path_regexes,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether a file at `path` (relative, `/`-separated) can be skipped unread: an unscoped entry
    /// allows every finding there whatever it is.
    pub fn skips_path(&self, path: &str) -> bool {
        if self.skip_globs.as_ref().is_some_and(|g| g.is_match(path)) {
            return true;
        }
        let Some(c) = &self.path_regexes else {
            return false;
        };
        let mut hits = vec![false; self.entries.len()];
        c.mark(path.as_bytes(), &mut hits);
        hits.iter().zip(&self.skippers).any(|(&h, &s)| h && s)
    }

    /// Whether any entry allows the finding.
    pub fn allows(&self, p: &Place<'_>) -> bool {
        if self.entries.is_empty() {
            return false;
        }
        let n = self.entries.len();
        let mut regex_hits = vec![false; n];
        let mut path_hits = vec![false; n];
        if let Some(c) = &self.secret_regexes {
            c.mark(p.secret, &mut regex_hits);
        }
        if let Some(c) = &self.match_regexes {
            c.mark(p.matched.unwrap_or(p.secret), &mut regex_hits);
        }
        if let Some(c) = &self.line_regexes {
            c.mark(p.line.unwrap_or(p.secret), &mut regex_hits);
        }
        if let Some(c) = &self.path_regexes {
            c.mark(p.path.as_bytes(), &mut path_hits);
        }
        self.entries
            .iter()
            .enumerate()
            .any(|(i, e)| e.allows(p, regex_hits[i], path_hits[i]))
    }

    /// Whether some entry looks at lines or whole matches (the pipeline then keeps them).
    pub fn needs_text(&self) -> bool {
        self.entries
            .iter()
            .any(|e| !e.regexes.is_empty() && e.target != RegexTarget::Secret)
    }
}

/// A path as allowlists see it: relative to `root` when under it, `/`-separated, no `./`.
pub fn relative<'a>(path: &'a str, root: &str) -> std::borrow::Cow<'a, str> {
    let mut p = path;
    if !root.is_empty()
        && root != "."
        && let Some(rest) = p.strip_prefix(root.trim_end_matches('/'))
        && (rest.is_empty() || rest.starts_with('/'))
    {
        p = rest.trim_start_matches('/');
    }
    while let Some(rest) = p.strip_prefix("./") {
        p = rest;
    }
    if p.contains('\\') && cfg!(windows) {
        std::borrow::Cow::Owned(p.replace('\\', "/"))
    } else {
        std::borrow::Cow::Borrowed(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(yaml: &str) -> Allowlist {
        let spec: AllowlistSpec = serde_saphyr::from_str(yaml).expect("spec");
        Allowlist::new(&spec).expect("compiles")
    }

    fn entry(yaml: &str) -> Allowlists {
        Allowlists::new(vec![one(yaml)])
    }

    fn place<'a>(rule: &'a str, secret: &'a str, path: &'a str) -> Place<'a> {
        Place {
            rule,
            secret: secret.as_bytes(),
            matched: None,
            line: None,
            path,
            commit: None,
        }
    }

    #[test]
    fn globs_match_at_any_depth_and_folders_recursively() {
        let e = entry("paths: ['*.lock', 'tests/fixtures/**']");
        assert!(e.allows(&place("r", "s", "Cargo.lock")));
        assert!(e.allows(&place("r", "s", "a/b/yarn.lock")));
        assert!(e.allows(&place("r", "s", "tests/fixtures/x/y.env")));
        assert!(!e.allows(&place("r", "s", "src/tests/fixtures.rs")));
        assert!(!e.allows(&place("r", "s", "src/main.rs")));
    }

    #[test]
    fn scoped_entries_only_apply_to_their_rules() {
        let e = entry("rules: [generic-password]\nstopwords: [hunter]");
        assert!(e.allows(&place("generic-password", "Hunter2!", "a")));
        assert!(!e.allows(&place("aws-key", "Hunter2!", "a")));
    }

    #[test]
    fn condition_all_needs_every_criterion() {
        let e = entry("condition: all\npaths: ['test/**']\nregexes: ['^sk_test_']");
        assert!(e.allows(&place("r", "sk_test_abc", "test/a.py")));
        assert!(!e.allows(&place("r", "sk_live_abc", "test/a.py")));
        assert!(!e.allows(&place("r", "sk_test_abc", "src/a.py")));
        let any = entry("paths: ['test/**']\nregexes: ['^sk_test_']");
        assert!(any.allows(&place("r", "sk_live_abc", "test/a.py")));
    }

    #[test]
    fn commits_match_by_prefix_and_line_targets_see_the_line() {
        let e = entry("commits: [ABCDEF1]");
        let mut p = place("r", "s", "a");
        assert!(!e.allows(&p));
        p.commit = Some("abcdef1234567890abcdef1234567890abcdef12");
        assert!(e.allows(&p));
        let l = entry("regex-target: line\nregexes: ['(?i)EXAMPLE\\.com']");
        let mut p = place("r", "s", "a");
        p.line = Some(b"url = https://u:s@example.com/");
        assert!(l.allows(&p));
    }

    #[test]
    fn path_only_entries_skip_files_unread() {
        let set = Allowlists::new(vec![
            one("paths: ['vendor/**']"),
            one("rules: [x]\npaths: ['docs/**']"),
            one("path-regexes: ['^third_party/']"),
        ]);
        assert!(set.skips_path("third_party/x.c"));
        assert!(set.skips_path("vendor/a/b.js"));
        assert!(
            !set.skips_path("docs/a.md"),
            "scoped entries do not skip files"
        );
    }

    #[test]
    fn every_pattern_is_compiled_at_load_and_a_bad_one_is_placed() {
        let spec: AllowlistSpec =
            serde_saphyr::from_str("regexes:\n  - '^ghp_'\n  - '(?:[a-z]{1000}){1000}'\n")
                .expect("spec");
        let e = Allowlist::new(&spec).expect_err("too big");
        assert!(e.message.contains("regex 2"), "{}", e.message);
        assert_eq!(e.at.map(|l| l.line()), Some(3));
    }

    #[test]
    fn a_set_that_cannot_be_built_falls_back_to_each_pattern() {
        let set = Allowlists::new(vec![one("regexes: ['^ghp_', '^xoxb-']")]);
        let c = set.secret_regexes.as_ref().expect("regexes");
        // as if the combined set had exceeded its size limit
        assert!(c.set.set(None).is_ok());
        assert!(set.allows(&place("r", "xoxb-1", "a")));
        assert!(set.allows(&place("r", "ghp_1", "a")));
        assert!(!set.allows(&place("r", "sk_1", "a")));
    }

    #[test]
    fn paths_are_made_relative_to_the_root() {
        assert_eq!(relative("./src/a.rs", "."), "src/a.rs");
        assert_eq!(relative("/repo/src/a.rs", "/repo"), "src/a.rs");
        assert_eq!(relative("/repo2/a.rs", "/repo"), "/repo2/a.rs");
    }
}
