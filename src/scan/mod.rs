//! What in the bytes is a secret. `Engine` is built once from the rules and shared by every
//! worker (immutable); each worker owns a `Scanner` with its scratch buffers, so the hot path takes
//! no lock and allocates nothing per byte or per line.
//!
//! Matching is two-stage: the keyword prefilter (`prefilter`) over every rule's keywords finds where a rule
//! can match; the rule's regex then runs only in a window around each keyword hit (the hit's line,
//! or 16 KiB onward for multi-line rules), with overlapping windows of one rule merged so no byte
//! is searched twice by the same regex. A regex match then passes the entropy, placeholder,
//! validator, allowlist and inline-marker checks. This module reads no files and knows nothing of
//! sources or reports.

mod check;
pub mod decode;
mod entropy;
mod placeholder;
mod prefilter;

pub use check::{CheckFailure, CheckKind, check_rules, overlaps};
pub use entropy::shannon;
pub use prefilter::{MIN_KEYWORD, Prefilter};

use crate::rules::Rule;
use memchr::memmem;
use regex::bytes::CaptureLocations;

/// For single-line rules, how far before / after the keyword the window may reach within a line.
const LINE_BACK: usize = 1024;
const LINE_FWD: usize = 1024;
/// For multi-line rules, how far before / after the keyword the window reaches.
const MULTI_BACK: usize = 256;
const MULTI_FWD: usize = 16 * 1024;
/// How far to look on either side of a match for an inline marker on the same line.
const MARKER_REACH: usize = 4096;

/// Inline markers that suppress a finding on their line; users of other scanners already have the
/// last two in their code.
pub const INLINE_MARKERS: &[&str] = &[
    "keyhound:allow",
    "gitleaks:allow",
    "pragma: allowlist secret",
];

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "rule {rule}: keyword {keyword:?} is shorter than {MIN_KEYWORD} characters; use a longer, more specific one"
    )]
    ShortKeyword { rule: String, keyword: String },
}

/// One confirmed secret in a blob: byte offsets into the scanned bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    /// Index of the rule in `Engine::rules()`.
    pub rule: usize,
    pub start: usize,
    pub end: usize,
    pub secret_start: usize,
    pub secret_end: usize,
}

/// The shared, immutable part: rules and the keyword automaton.
pub struct Engine {
    rules: Vec<Rule>,
    keywords: Prefilter,
    /// keyword pattern id → rules that keyword belongs to
    pattern_rules: Vec<Vec<usize>>,
    /// Rules with `paths` or `path-regex`: run on whole files whose path matches, not through
    /// keywords.
    path_rules: Vec<usize>,
    /// Custom rules without keywords: their regex runs over the whole input (built-in rules
    /// always have keywords).
    whole_rules: Vec<usize>,
    /// The last component of every path rule's globs: a file name no glob here matches is no
    /// path rule's (the audit tests names before it knows whole paths).
    path_names: Option<globset::GlobSet>,
    /// The same for `path-regex` rules: regexes tried on the name (and on `/name`), or `None`
    /// when some path regex can depend on folders and so takes every name.
    path_name_regexes: Option<Vec<regex::bytes::Regex>>,
    markers: Vec<memmem::Finder<'static>>,
}

/// A glob set of the last component of each path rule's globs (`config/*.env` → `*.env`, a
/// last component of `**` takes every name). None when no pattern builds.
fn path_names(rules: &[Rule], path_rules: &[usize]) -> Option<globset::GlobSet> {
    let mut b = globset::GlobSetBuilder::new();
    let mut any = false;
    for &ri in path_rules {
        for g in &rules[ri].spec.paths {
            let last = g.rsplit('/').next().unwrap_or(g);
            let last = if last.is_empty() { "*" } else { last };
            if let Ok(glob) = globset::GlobBuilder::new(last)
                .literal_separator(false)
                .backslash_escape(true)
                .build()
            {
                b.add(glob);
                any = true;
            }
        }
    }
    any.then(|| b.build().ok()).flatten()
}

/// Name tests for the `path-regex` rules: a regex that cannot match a `/` (besides a leading
/// `(^|/)`) and is anchored at the end matches a path only within its file name, so trying it on
/// the name and on `/name` is exact; any other path regex takes every name (`None`).
fn path_name_regexes(rules: &[Rule], path_rules: &[usize]) -> Option<Vec<regex::bytes::Regex>> {
    let mut out = Vec::new();
    for &ri in path_rules {
        let (Some(src), Some(re)) = (&rules[ri].spec.path_regex, &rules[ri].path_regex) else {
            continue;
        };
        if !within_name(src) {
            return None;
        }
        out.push(re.clone());
    }
    Some(out)
}

/// Whether every match of the path regex `src` lies within the last path component: it ends with
/// an unescaped `$` and nothing in it, after an optional leading `(^|/)`, can match a `/`.
fn within_name(src: &str) -> bool {
    let (flags, rest) = match src.strip_prefix("(?i)") {
        Some(r) => ("(?i)", r),
        None => ("", src),
    };
    let rest = ["(^|/)", "(?:^|/)", "^"]
        .iter()
        .find_map(|p| rest.strip_prefix(p))
        .unwrap_or(rest);
    let body = match rest.strip_suffix('$') {
        Some(b) if !b.ends_with('\\') => b,
        _ => return false,
    };
    let Ok(hir) = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(&format!("{flags}{body}"))
    else {
        return false;
    };
    !can_match_slash(&hir)
}

fn can_match_slash(hir: &regex_syntax::hir::Hir) -> bool {
    use regex_syntax::hir::{Class, HirKind};
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => false,
        HirKind::Literal(l) => l.0.contains(&b'/'),
        HirKind::Class(Class::Bytes(c)) => c
            .ranges()
            .iter()
            .any(|r| r.start() <= b'/' && b'/' <= r.end()),
        HirKind::Class(Class::Unicode(c)) => c
            .ranges()
            .iter()
            .any(|r| r.start() <= '/' && '/' <= r.end()),
        HirKind::Repetition(r) => can_match_slash(&r.sub),
        HirKind::Capture(c) => can_match_slash(&c.sub),
        HirKind::Concat(v) | HirKind::Alternation(v) => v.iter().any(can_match_slash),
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("rules", &self.rules.len())
            .finish()
    }
}

impl Engine {
    /// Builds the engine. Regexes are compiled lazily, the first time a keyword of the rule hits.
    pub fn new(rules: Vec<Rule>) -> Result<Engine, Error> {
        let mut keywords: Vec<String> = Vec::new();
        let mut pattern_rules: Vec<Vec<usize>> = Vec::new();
        let mut index = std::collections::HashMap::new();
        let mut path_rules = Vec::new();
        let mut whole_rules = Vec::new();
        for (ri, rule) in rules.iter().enumerate() {
            if rule.is_path_rule() {
                path_rules.push(ri);
                continue;
            }
            if rule.spec.keywords.is_empty() {
                whole_rules.push(ri);
                continue;
            }
            for kw in &rule.spec.keywords {
                if kw.len() < MIN_KEYWORD {
                    return Err(Error::ShortKeyword {
                        rule: rule.id().to_string(),
                        keyword: kw.clone(),
                    });
                }
                let kw = kw.to_ascii_lowercase();
                let pid = *index.entry(kw.clone()).or_insert_with(|| {
                    keywords.push(kw);
                    pattern_rules.push(Vec::new());
                    pattern_rules.len() - 1
                });
                if !pattern_rules[pid].contains(&ri) {
                    pattern_rules[pid].push(ri);
                }
            }
        }
        let automaton = Prefilter::new(&keywords);
        let path_names = path_names(&rules, &path_rules);
        let path_name_regexes = path_name_regexes(&rules, &path_rules);
        Ok(Engine {
            rules,
            keywords: automaton,
            pattern_rules,
            path_rules,
            whole_rules,
            path_names,
            path_name_regexes,
            markers: INLINE_MARKERS
                .iter()
                .map(|m| memmem::Finder::new(m.as_bytes()).into_owned())
                .collect(),
        })
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Whether some rule runs on files by path.
    pub fn has_path_rules(&self) -> bool {
        !self.path_rules.is_empty()
    }

    /// Whether a file of this name could be a path rule's, wherever it is (the whole path is
    /// tested when the file is scanned).
    pub fn may_be_path_rule_file(&self, name: &[u8]) -> bool {
        let Some(regexes) = &self.path_name_regexes else {
            return true;
        };
        self.path_names
            .as_ref()
            .is_some_and(|g| g.is_match(String::from_utf8_lossy(name).as_ref()))
            || regexes
                .iter()
                .any(|r| r.is_match(name) || r.is_match(&[b"/", name].concat()))
    }

    /// Number of keyword hits in `data` (the prefilter alone; for benchmarks).
    pub fn keyword_hits(&self, data: &[u8]) -> usize {
        let mut n = 0;
        self.keywords.for_each(data, |_, _, _| n += 1);
        n
    }

    pub fn scanner(&self) -> Scanner<'_> {
        Scanner {
            engine: self,
            pending: vec![NO_WINDOW; self.rules.len()],
            active: Vec::new(),
            locs: (0..self.rules.len()).map(|_| None).collect(),
            matches: Vec::new(),
            file_matches: Vec::new(),
            vetoed: Vec::new(),
            lower: Vec::new(),
        }
    }
}

const NO_WINDOW: (usize, usize) = (usize::MAX, 0);

/// Per-worker scanning state. Reuse one for many blobs.
pub struct Scanner<'e> {
    engine: &'e Engine,
    pending: Vec<(usize, usize)>,
    active: Vec<usize>,
    locs: Vec<Option<CaptureLocations>>,
    matches: Vec<Match>,
    file_matches: Vec<Match>,
    /// Secrets a provider rule's validator rejected in the current input.
    vetoed: Vec<(usize, usize)>,
    lower: Vec<u8>,
}

impl<'e> Scanner<'e> {
    pub fn engine(&self) -> &'e Engine {
        self.engine
    }

    /// Finds every secret in `data`, sorted by position. The slice is valid until the next call.
    pub fn scan(&mut self, data: &[u8]) -> &[Match] {
        self.collect(data);
        self.resolve_overlaps();
        &self.matches
    }

    /// The matches of the path rules whose `paths` take `path` (relative, `/`-separated): each
    /// such rule's regex over the whole file, or the file itself for a rule without one. Binary
    /// files only meet rules without a regex (a keystore is a finding by its name).
    pub fn scan_file(&mut self, path: &str, data: &[u8], binary: bool) -> &[Match] {
        self.file_matches.clear();
        let engine = self.engine;
        if engine.path_rules.is_empty() || path.is_empty() {
            return &self.file_matches;
        }
        for &ri in &engine.path_rules {
            let rule = &engine.rules[ri];
            if !rule.takes_path(path) || (binary && !rule.spec.regex.trim().is_empty()) {
                continue;
            }
            self.search(ri, data, (0, data.len()), true);
        }
        &self.file_matches
    }

    /// Every rule's matches, before overlapping ones are resolved (for checking rules: "does this
    /// rule match its example", whichever rule would report it).
    pub fn scan_unresolved(&mut self, data: &[u8]) -> &[Match] {
        self.collect(data);
        &self.matches
    }

    fn collect(&mut self, data: &[u8]) {
        self.matches.clear();
        self.vetoed.clear();
        let engine = self.engine;
        engine.keywords.for_each(data, |start, end, k| {
            for &ri in &engine.pattern_rules[k] {
                self.hit(data, ri, start, end);
            }
        });
        self.flush(data);
        for &ri in &engine.whole_rules {
            self.search(ri, data, (0, data.len()), false);
        }
    }

    /// Like [`Scanner::scan`], but only for secrets that can touch `regions` (sorted, disjoint
    /// byte ranges of `data`: the lines a change added). Keywords are looked for in the regions
    /// and, for multi-line rules, as far around them as such a rule's window reaches (a private
    /// key whose body changed under an unchanged `BEGIN` line); the rest of the file is not read.
    /// Matches outside the regions may still be returned: the caller decides by line.
    pub fn scan_regions(&mut self, data: &[u8], regions: &[(usize, usize)]) -> &[Match] {
        self.matches.clear();
        self.vetoed.clear();
        let engine = self.engine;
        let reach = |r: &(usize, usize)| {
            (
                r.0.saturating_sub(MULTI_FWD),
                r.1.saturating_add(MULTI_BACK).min(data.len()),
            )
        };
        let mut i = 0;
        while i < regions.len() {
            // the regions whose reaches overlap form one segment, searched once
            let (lo, mut hi) = reach(&regions[i]);
            let mut j = i + 1;
            while j < regions.len() && reach(&regions[j]).0 <= hi {
                hi = hi.max(reach(&regions[j]).1);
                j += 1;
            }
            let (lo, hi) = (lo.min(data.len()), hi.max(lo).min(data.len()));
            let mut r = i;
            engine.keywords.for_each(&data[lo..hi], |start, end, k| {
                let (start, end) = (lo + start, lo + end);
                while r < j && regions[r].1 <= start {
                    r += 1;
                }
                let inside = r < j && regions[r].0 <= start;
                for &ri in &engine.pattern_rules[k] {
                    if inside || engine.rules[ri].multiline {
                        self.hit(data, ri, start, end);
                    }
                }
            });
            i = j;
        }
        self.flush(data);
        // rules without keywords: over the lines of each region (a multi-line one as far as its
        // window would reach)
        for &ri in &engine.whole_rules {
            for r in regions {
                let w = if engine.rules[ri].multiline {
                    (
                        r.0.saturating_sub(MULTI_FWD),
                        r.1.saturating_add(MULTI_FWD).min(data.len()),
                    )
                } else {
                    (r.0.min(data.len()), r.1.min(data.len()))
                };
                self.search(ri, data, w, false);
            }
        }
        self.resolve_overlaps();
        &self.matches
    }

    /// A keyword of rule `ri` at `start..end`: widen the rule's pending window, or search the
    /// pending one when the new window does not touch it.
    #[inline]
    fn hit(&mut self, data: &[u8], ri: usize, start: usize, end: usize) {
        let w = window(data, start, end, self.engine.rules[ri].multiline);
        let p = self.pending[ri];
        if p == NO_WINDOW {
            self.pending[ri] = w;
            self.active.push(ri);
        } else if w.0 <= p.1 {
            self.pending[ri] = (p.0.min(w.0), p.1.max(w.1));
        } else {
            self.search(ri, data, p, false);
            self.pending[ri] = w;
        }
    }

    /// Searches every rule's last pending window.
    fn flush(&mut self, data: &[u8]) {
        let mut active = std::mem::take(&mut self.active);
        for &ri in &active {
            let w = std::mem::replace(&mut self.pending[ri], NO_WINDOW);
            self.search(ri, data, w, false);
        }
        active.clear();
        self.active = active;
    }

    /// Runs rule `ri`'s regex over `data[w.0..w.1]` (with the bytes before `w.0` visible to
    /// look-behind assertions such as `\b`) and keeps the matches that pass every check.
    /// With `file` (a path rule over a whole file) the matches go to `file_matches`, and a match
    /// without a secret (a rule that reports the file itself) is kept.
    fn search(&mut self, ri: usize, data: &[u8], w: (usize, usize), file: bool) {
        let rule = &self.engine.rules[ri];
        let Ok(compiled) = rule.compiled() else {
            return;
        };
        let locs = self.locs[ri].get_or_insert_with(|| compiled.regex.capture_locations());
        let hay = &data[..w.1];
        let mut at = w.0;
        while at <= hay.len() {
            let Some(m) = compiled.regex.captures_read_at(locs, hay, at) else {
                break;
            };
            let (ss, se) = locs
                .get(compiled.secret_group)
                .unwrap_or((m.start(), m.end()));
            at = if m.end() > m.start() {
                m.end()
            } else {
                m.end() + 1
            };
            let verdict = if file && ss == se {
                Verdict::Pass
            } else {
                check_secret(
                    rule,
                    compiled,
                    data,
                    (ss, se),
                    &data[m.start()..m.end()],
                    &mut self.lower,
                )
            };
            if verdict == Verdict::LookAlike && !rule.spec.fallback && !file {
                self.vetoed.push((ss, se));
            }
            if verdict == Verdict::Pass
                && !has_marker(&self.engine.markers, data, m.start(), m.end())
            {
                let found = Match {
                    rule: ri,
                    start: m.start(),
                    end: m.end(),
                    secret_start: ss,
                    secret_end: se,
                };
                if file {
                    self.file_matches.push(found);
                } else {
                    self.matches.push(found);
                }
            }
        }
    }

    /// Sorts matches and, where the secrets of several rules overlap, drops the fallback rules'
    /// (generic assignments, JWTs, URLs) in favour of the provider rules; of rules reporting the
    /// very same secret, the one with the most context in its match wins (`CLERK_SECRET_KEY=sk_…`
    /// is Clerk's, not a bare `sk_live_` shape's), and of equal matches the rule with fewer
    /// keywords; of identical spans only one finding per rule remains.
    fn resolve_overlaps(&mut self) {
        let rules = &self.engine.rules;
        self.matches
            .sort_unstable_by_key(|m| (m.secret_start, m.secret_end, m.rule));
        self.matches.dedup();
        if self.matches.len() < 2 && self.vetoed.is_empty() {
            return;
        }
        let n = self.matches.len();
        let mut keep = vec![true; n];
        // a look-alike a provider rule rejected is not a catch-all rule's finding either, nor
        // another provider rule's for exactly that value (an identifiable Azure key with a broken
        // checksum is not a legacy account key)
        if !self.vetoed.is_empty() {
            for (k, m) in self.matches.iter().enumerate() {
                let fallback = rules[m.rule].spec.fallback;
                if self.vetoed.iter().any(|&(s, e)| {
                    if fallback {
                        m.secret_start < e && s < m.secret_end
                    } else {
                        (s, e) == (m.secret_start, m.secret_end)
                    }
                }) {
                    keep[k] = false;
                }
            }
        }
        let mut i = 0;
        while i < n {
            // the run of matches whose secrets overlap the i-th
            let mut j = i + 1;
            let mut end = self.matches[i].secret_end;
            while j < n && self.matches[j].secret_start < end {
                end = end.max(self.matches[j].secret_end);
                j += 1;
            }
            let group = &self.matches[i..j];
            if group.len() > 1 && group.iter().any(|m| !rules[m.rule].spec.fallback) {
                for (k, m) in group.iter().enumerate() {
                    keep[i + k] = !rules[m.rule].spec.fallback;
                }
            }
            // several rules on the same secret (same start): the one whose match says the most about
            // it (a provider name or file syntax around the secret, not just its shape) wins; on a
            // tie, the narrower rule (fewer keywords: `npmAuthToken` over every name ending in token)
            for (a, ma) in group.iter().enumerate() {
                let better = |mb: &Match| {
                    let (la, lb) = (ma.end - ma.start, mb.end - mb.start);
                    mb.secret_start == ma.secret_start
                        && (lb > la
                            || (lb == la
                                && rules[mb.rule].spec.keywords.len()
                                    < rules[ma.rule].spec.keywords.len()))
                };
                if keep[i + a]
                    && group
                        .iter()
                        .enumerate()
                        .any(|(b, mb)| b != a && keep[i + b] && better(mb))
                {
                    keep[i + a] = false;
                }
            }
            i = j;
        }
        let mut k = 0;
        self.matches.retain(|_| {
            k += 1;
            keep[k - 1]
        });
    }
}

fn window(data: &[u8], start: usize, end: usize, multiline: bool) -> (usize, usize) {
    if multiline {
        return (
            start.saturating_sub(MULTI_BACK),
            (end + MULTI_FWD).min(data.len()),
        );
    }
    let lo = start.saturating_sub(LINE_BACK);
    let ws = memchr::memrchr(b'\n', &data[lo..start]).map_or(lo, |i| lo + i + 1);
    let hi = (end + LINE_FWD).min(data.len());
    let we = memchr::memchr(b'\n', &data[end..hi]).map_or(hi, |i| end + i);
    (ws, we)
}

/// Whether a match's secret passes the rule's checks. A secret with the rule's shape that fails
/// its checksum or structure check is a look-alike (a test value, a typo): it is `vetoed`, and no
/// catch-all rule may report it either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Pass,
    Fail,
    /// The validator rejected it.
    LookAlike,
}

fn check_secret(
    rule: &Rule,
    compiled: &crate::rules::Compiled,
    data: &[u8],
    (ss, se): (usize, usize),
    whole: &[u8],
    lower: &mut Vec<u8>,
) -> Verdict {
    let secret = &data[ss..se];
    if secret.is_empty() {
        return Verdict::Fail;
    }
    if let Some(min) = rule.min_entropy
        && !entropy::enough(secret, min)
    {
        return Verdict::Fail;
    }
    // also leaves the lowercased secret in `lower` for the stopwords below
    if placeholder::is_placeholder(secret, lower) {
        return Verdict::Fail;
    }
    if let Some(v) = rule.validator
        && !v.check_in(secret, line_before(data, ss))
    {
        return Verdict::LookAlike;
    }
    if compiled.allow_regexes.iter().any(|r| r.is_match(secret))
        || compiled.allow_matches.iter().any(|r| r.is_match(whole))
    {
        return Verdict::Fail;
    }
    if rule
        .stopwords
        .iter()
        .any(|w| memmem::find(lower, w).is_some())
    {
        return Verdict::Fail;
    }
    Verdict::Pass
}

/// Up to [`crate::rules::BEFORE_REACH`] bytes in front of `at`, on its line.
fn line_before(data: &[u8], at: usize) -> &[u8] {
    let lo = at.saturating_sub(crate::rules::BEFORE_REACH);
    let s = memchr::memrchr(b'\n', &data[lo..at]).map_or(lo, |i| lo + i + 1);
    &data[s..at]
}

/// True when the line where the match starts, or the line where it ends, carries an inline marker.
fn has_marker(markers: &[memmem::Finder<'_>], data: &[u8], start: usize, end: usize) -> bool {
    let line_of = |at: usize| {
        let lo = at.saturating_sub(MARKER_REACH);
        let s = memchr::memrchr(b'\n', &data[lo..at]).map_or(lo, |i| lo + i + 1);
        let hi = (at + MARKER_REACH).min(data.len());
        let e = memchr::memchr(b'\n', &data[at..hi]).map_or(hi, |i| at + i);
        &data[s..e]
    };
    let first = line_of(start);
    if markers.iter().any(|m| m.find(first).is_some()) {
        return true;
    }
    let last_at = end.saturating_sub(1).max(start);
    if memchr::memchr(b'\n', &data[start..last_at]).is_some() {
        let last = line_of(last_at);
        return markers.iter().any(|m| m.find(last).is_some());
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{AllowlistSpec, RuleSpec, Severity, expand_template};

    fn rule(id: &str, keywords: &[&str], regex: &str) -> RuleSpec {
        RuleSpec {
            id: id.into(),
            name: id.into(),
            description: String::new(),
            keywords: keywords.iter().map(|s| s.to_string()).collect(),
            regex: regex.into(),
            paths: vec![],
            path_regex: None,
            file: false,
            entropy: None,
            validator: None,
            multiline: false,
            fallback: false,
            severity: Severity::High,
            allowlist: AllowlistSpec::default(),
            remediation: String::new(),
            references: vec![],
            examples: vec![],
            negative: vec![],
        }
    }

    /// A multi-line rule for a made-up PEM block.
    fn pem_rule() -> RuleSpec {
        let mut spec = rule(
            "pem",
            &["BEGIN TEST KEY"],
            r"(?P<secret>-----BEGIN TEST KEY-----[\sA-Za-z0-9+/=]{20,}-----END TEST KEY-----)",
        );
        spec.multiline = true;
        spec
    }

    fn engine(specs: Vec<RuleSpec>) -> Engine {
        Engine::new(
            specs
                .into_iter()
                .map(|s| Rule::new(s, "test").expect("valid rule"))
                .collect(),
        )
        .expect("engine builds")
    }

    #[test]
    fn finds_a_keyword_rule_and_reports_the_secret_span() {
        let e = engine(vec![rule(
            "t",
            &["tok_"],
            r"\b(?P<secret>tok_[a-z0-9]{12})\b",
        )]);
        let mut s = e.scanner();
        let data = b"a = 1\nkey = \"tok_ab12cd34ef56\"\n";
        let m = s.scan(data).to_vec();
        assert_eq!(m.len(), 1);
        assert_eq!(
            &data[m[0].secret_start..m[0].secret_end],
            b"tok_ab12cd34ef56"
        );
    }

    #[test]
    fn keywords_are_case_insensitive_and_regex_decides() {
        let e = engine(vec![rule("t", &["tok_"], r"(?P<secret>TOK_[A-Z0-9]{8})")]);
        let mut s = e.scanner();
        assert_eq!(s.scan(b"x TOK_AB12CD34 y").len(), 1);
        assert_eq!(s.scan(b"x tok_ab12cd34 y").len(), 0);
    }

    #[test]
    fn several_hits_on_one_line_give_each_match_once() {
        let e = engine(vec![rule("t", &["tok_"], r"(?P<secret>tok_[a-z0-9]{8})")]);
        let mut s = e.scanner();
        let m = s.scan(b"tok_ab12cd34 tok_ef56gh78 tok_ab12cd34\n").to_vec();
        assert_eq!(m.len(), 3);
        assert!(m.windows(2).all(|w| w[0].start < w[1].start));
    }

    #[test]
    fn inline_markers_suppress_their_line_only() {
        let e = engine(vec![rule("t", &["tok_"], r"(?P<secret>tok_[a-z0-9]{8})")]);
        let mut s = e.scanner();
        let data = b"a = tok_ab12cd34  # keyhound:allow\nb = tok_ef56gh78\nc = tok_zz12yy34 // gitleaks:allow\nd = 'tok_qq12ww34' # pragma: allowlist secret\n";
        let m = s.scan(data).to_vec();
        assert_eq!(m.len(), 1);
        assert_eq!(&data[m[0].secret_start..m[0].secret_end], b"tok_ef56gh78");
    }

    #[test]
    fn entropy_placeholder_and_stopwords_drop_matches() {
        let mut spec = rule("t", &["pw="], r"pw=(?P<secret>\S+)");
        spec.entropy = Some(3.0);
        spec.allowlist.stopwords = vec!["hunter".into()];
        let e = engine(vec![spec]);
        let mut s = e.scanner();
        assert_eq!(s.scan(b"pw=aaaaaaaaaaab").len(), 0, "low entropy");
        assert_eq!(s.scan(b"pw=<YOUR_PASSWORD>").len(), 0, "placeholder");
        assert_eq!(s.scan(b"pw=Hunter2Zq9$Lm").len(), 0, "stopword");
        assert_eq!(s.scan(b"pw=q9$Lm2!vR7zPk").len(), 1);
    }

    #[test]
    fn a_provider_rule_wins_over_a_fallback_rule_on_the_same_secret() {
        let mut generic = rule(
            "generic",
            &["token"],
            r#"token\s*=\s*"(?P<secret>[^"]{8,})""#,
        );
        generic.fallback = true;
        let e = engine(vec![
            generic,
            rule("tok", &["tok_"], r"(?P<secret>tok_[a-z0-9]{8})"),
        ]);
        let mut s = e.scanner();
        let m = s.scan(br#"token = "tok_ab12cd34""#).to_vec();
        assert_eq!(m.len(), 1);
        assert_eq!(e.rules()[m[0].rule].id(), "tok");
    }

    #[test]
    fn multiline_rules_span_lines() {
        let spec = pem_rule();
        let e = engine(vec![spec]);
        let mut s = e.scanner();
        let body = expand_template("{{base64 64}}\n{{base64 64}}\n", "pem", 0).expect("template");
        let data = format!("x\n-----BEGIN TEST KEY-----\n{body}-----END TEST KEY-----\n");
        assert_eq!(s.scan(data.as_bytes()).len(), 1);
    }

    #[test]
    fn scan_regions_searches_near_the_regions_only() {
        let pem = pem_rule();
        let e = engine(vec![
            pem,
            rule("t", &["tok_"], r"\b(?P<secret>tok_[a-z0-9]{8})\b"),
        ]);
        let mut s = e.scanner();
        let body = expand_template("{{base64 64}}\n{{base64 64}}\n", "pem", 0).expect("template");
        let data = format!(
            "tok_aaaa1111\n-----BEGIN TEST KEY-----\n{body}-----END TEST KEY-----\nx = tok_bbbb2222\n"
        );
        let line = |n: usize| {
            let start: usize = data.split_inclusive('\n').take(n).map(str::len).sum();
            (
                start,
                start + data.split_inclusive('\n').nth(n).map_or(0, str::len),
            )
        };
        let secrets = |s: &mut Scanner<'_>, regions: &[(usize, usize)]| -> Vec<String> {
            s.scan_regions(data.as_bytes(), regions)
                .iter()
                .map(|m| data[m.secret_start..m.secret_end].to_string())
                .collect()
        };
        // the key's body changed (line 3): the multi-line rule's keyword two lines up counts
        let got = secrets(&mut s, &[line(2)]);
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].starts_with("-----BEGIN TEST KEY-----"));
        // the last line: its token, not the first line's (the key nearby is returned too: the
        // caller keeps matches by line)
        let got = secrets(&mut s, &[line(5)]);
        assert!(got.contains(&"tok_bbbb2222".to_string()), "{got:?}");
        assert!(!got.contains(&"tok_aaaa1111".to_string()), "{got:?}");
        // two regions, and none
        assert_eq!(secrets(&mut s, &[line(0), line(5)]).len(), 3);
        let got = secrets(&mut s, &[line(0)]);
        assert!(got.contains(&"tok_aaaa1111".to_string()), "{got:?}");
        assert!(!got.contains(&"tok_bbbb2222".to_string()), "{got:?}");
        assert!(secrets(&mut s, &[]).is_empty());
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        let e = engine(vec![rule(
            "t",
            &["tok_"],
            r"\b(?P<secret>tok_[a-z0-9]{8})\b",
        )]);
        let mut s = e.scanner();
        for data in [
            &b""[..],
            b"tok_",
            b"\xff\xfe tok_\xff\xff",
            b"\r\n\r\ntok_ab12cd34\r\n",
            b"tok_tok_tok_tok_tok_tok_tok_",
        ] {
            s.scan(data);
        }
        let long = "tok_".repeat(100_000);
        s.scan(long.as_bytes());
    }

    #[test]
    fn a_match_at_the_window_edge_of_a_long_line_is_found() {
        let e = engine(vec![rule(
            "t",
            &["tok_"],
            r"\b(?P<secret>tok_[a-z0-9]{8})\b",
        )]);
        let mut s = e.scanner();
        let mut data = "a".repeat(5000).into_bytes();
        data.extend_from_slice(b" tok_ab12cd34 ");
        data.extend(std::iter::repeat_n(b'b', 5000));
        assert_eq!(s.scan(&data).len(), 1);
    }

    #[test]
    fn a_custom_rule_without_keywords_runs_over_the_whole_input() {
        let e = engine(vec![
            rule("shape", &[], r"\b(?P<secret>[0-9]{4}[A-Z]{4})\b"),
            rule("t", &["tok_"], r"(?P<secret>tok_[a-z0-9]{8})"),
        ]);
        let mut s = e.scanner();
        let data = b"a\nx = 1234ABCD\ntok_ab12cd34\n";
        let ids: Vec<&str> = s
            .scan(data)
            .iter()
            .map(|m| e.rules()[m.rule].id())
            .collect();
        assert_eq!(ids, ["shape", "t"]);
        // a change: only the regions are searched
        let got = s.scan_regions(data, &[(2, 15)]).to_vec();
        assert_eq!(got.len(), 1);
        assert_eq!(&data[got[0].secret_start..got[0].secret_end], b"1234ABCD");
        let got = s.scan_regions(data, &[(15, 28)]).to_vec();
        assert!(got.iter().all(|m| e.rules()[m.rule].id() == "t"), "{got:?}");
    }

    #[test]
    fn a_path_regex_rule_runs_on_the_paths_it_takes() {
        let mut env = rule("env", &[], "");
        env.path_regex = Some(r"(^|/)\.env$".into());
        env.file = true;
        let e = engine(vec![env.clone()]);
        // the audit's name test: a regex within the file name is tried on names
        assert!(e.may_be_path_rule_file(b".env"));
        assert!(!e.may_be_path_rule_file(b"main.rs"));
        let mut dep = rule("dep", &[], r"(?P<secret>tok_[a-z0-9]{8})");
        dep.path_regex = Some(r"^deploy/.*\.ya?ml$".into());
        let e = engine(vec![env, dep]);
        let mut s = e.scanner();
        assert_eq!(s.scan_file("app/.env", b"A=1\n", false).len(), 1);
        assert_eq!(s.scan_file(".env", b"A=1\n", false).len(), 1);
        assert!(s.scan_file("app/.env.example", b"A=1\n", false).is_empty());
        assert_eq!(
            s.scan_file("deploy/a.yml", b"t: tok_ab12cd34\n", false)
                .len(),
            1
        );
        assert!(
            s.scan_file("ci/a.yml", b"t: tok_ab12cd34\n", false)
                .is_empty()
        );
        // a regex that names folders takes every name
        assert!(e.may_be_path_rule_file(b"main.rs"));
        assert!(within_name(r"(^|/)\.env$"));
        assert!(within_name(r"(?i)\.(pem|key)$"));
        assert!(!within_name(r"^deploy/.*\.ya?ml$"));
        assert!(!within_name(r"secrets.*\.json$"));
        assert!(!within_name(r"\.env"));
    }
}
