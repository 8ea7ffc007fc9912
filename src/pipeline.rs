//! The one place the layers meet: a `Plan` names a source and an engine; `run` feeds the source's
//! blobs to per-worker scanners in parallel, turns matches into findings (keeping, in the diff
//! modes, only secrets on added lines), places history findings at the commit that introduced
//! them, then groups and sorts.

use crate::filter::Filters;
use crate::finding::{Excerpt, Finding, MatchText};
use crate::fingerprint::fingerprint;
use crate::location::{Location, Locator, Position};
use crate::report::Summary;
use crate::rules::Rule;
use crate::scan::{Engine, Match, Scanner, decode};
use crate::secret::Secret;
use crate::source::binary::is_binary;
use crate::source::git::{self, HistoryOptions, RangeOptions, Repo, StagedOptions};
use crate::source::{self, Blob, BlobId, Event, fs::DirOptions};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Instant;

/// What to scan.
#[derive(Debug, Clone)]
pub enum SourcePlan {
    Dir(DirOptions),
    /// Standard input, reported under `label`.
    Stdin {
        label: String,
    },
    /// The index against HEAD (pre-commit).
    Staged {
        repo: PathBuf,
        opts: StagedOptions,
    },
    /// The commits of a revision range (CI).
    Range {
        repo: PathBuf,
        opts: RangeOptions,
    },
    /// Every blob in the repository (audit).
    History {
        repo: PathBuf,
        opts: HistoryOptions,
        include_unreachable: bool,
    },
}

/// A resolved run: flags and config already turned into decisions.
#[derive(Debug)]
pub struct Plan {
    pub source: SourcePlan,
    pub engine: Engine,
    /// Allowlists, ignore file and baseline.
    pub filters: Filters,
    /// Collect "skipped" notices for `-v`.
    pub collect_skips: bool,
}

/// Lines shown around each finding, every secret in them masked: the finding's own secret, every
/// match of the blob that falls in them, and every match of the mask engine run over them.
#[derive(Debug)]
pub struct Excerpts {
    /// Lines before and after the finding's line.
    pub lines: u32,
    /// Every rule of the config, when the scan runs only some (`--rule`): what masks must not
    /// depend on which rules were asked for.
    pub mask: Option<Engine>,
}

/// A shown line longer than this (in characters) is cut, with `…`.
const EXCERPT_LINE: usize = 240;
/// What a masked secret shows as.
const MASK: &[u8] = b"*****";

/// A problem with one item (a file that could not be read); the run goes on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ItemError {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for ItemError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// A problem that stops the run before it produces anything.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Git(#[from] git::Error),
}

/// Everything a run produced.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub summary: Summary,
    pub errors: Vec<ItemError>,
    /// (path, why) for items not scanned; only with `collect_skips`.
    pub skipped: Vec<(String, String)>,
    /// Things the user should know about the scope of the scan (not errors).
    pub notices: Vec<String>,
    /// Findings the baseline already holds (not reported; kept for `--write-baseline`).
    pub known: Vec<Finding>,
}

struct Worker<'e> {
    scanner: Scanner<'e>,
    /// `--context`: how many lines, and the scanner that finds what to mask (the mask engine's,
    /// or none for `scanner`).
    excerpts: Option<(u32, Option<Scanner<'e>>)>,
    filters: &'e Filters,
    out: Outcome,
    collect_skips: bool,
    /// Range mode: matches by blob, so a blob touched by many commits is scanned once (when
    /// it is scanned whole).
    cache: HashMap<BlobId, Vec<Match>>,
    /// Diff modes: the byte ranges of the current blob's added lines.
    regions: Vec<(usize, usize)>,
    matches: Vec<Match>,
    /// Decoder buffers, reused.
    spans: Vec<decode::Span>,
    /// Encoded runs of the current blob that decoded into findings: a match on the encoded text
    /// itself (base64 that looks like a password) is the same secret, reported decoded instead.
    decoded_runs: Vec<(usize, usize)>,
}

impl<'e> Worker<'e> {
    fn new(plan: &'e Plan, excerpts: Option<&'e Excerpts>) -> Self {
        let (engine, filters, collect_skips) = (&plan.engine, &plan.filters, plan.collect_skips);
        Worker {
            scanner: engine.scanner(),
            excerpts: excerpts
                .filter(|x| x.lines > 0)
                .map(|x| (x.lines, x.mask.as_ref().map(Engine::scanner))),
            filters,
            out: Outcome::default(),
            collect_skips,
            cache: HashMap::new(),
            regions: Vec::new(),
            matches: Vec::new(),
            spans: Vec::new(),
            decoded_runs: Vec::new(),
        }
    }

    fn handle(&mut self, ev: Event<'_>) {
        match ev {
            Event::Blob(b) => self.blob(&b),
            Event::Skipped { path, reason } => {
                self.out.summary.skipped += 1;
                if self.collect_skips {
                    self.out.skipped.push((path, reason.to_string()));
                }
            }
            Event::Error(e) => self.error(&e),
        }
    }

    fn error(&mut self, e: &source::Error) {
        let message = match e {
            source::Error::Io { source, .. } => source::fs::io_message(source),
            source::Error::Walk { message, .. } => message.clone(),
        };
        self.out.errors.push(ItemError {
            path: e.path().to_string(),
            message,
        });
    }

    fn blob(&mut self, b: &Blob<'_>) {
        let bytes = b.bytes;
        if self.filters.skips_path(b.path) {
            self.out.summary.skipped += 1;
            if self.collect_skips {
                self.out
                    .skipped
                    .push((b.path.to_string(), "skipped: allowlisted path".into()));
            }
            return;
        }
        let binary = is_binary(b.path, bytes);
        if !b.path.is_empty() {
            self.files(b, binary);
        }
        if binary {
            self.out.summary.skipped += 1;
            self.out.summary.binary += 1;
            if self.collect_skips {
                let what = match (b.path, b.id) {
                    ("", Some(id)) => format!("blob {}", crate::finding::blob_hex(&id)),
                    _ => b.path.to_string(),
                };
                self.out.skipped.push((what, "skipped: binary".into()));
            }
            return;
        }
        self.out.summary.files += 1;
        self.out.summary.bytes += bytes.len() as u64;
        let engine = self.scanner.engine();
        self.matches.clear();
        // a change to a big file: only its added lines are searched
        let partial = b
            .added
            .is_some_and(|a| a.byte_ranges(bytes, &mut self.regions));
        match b.id.filter(|_| b.commit.is_some()) {
            _ if partial => self
                .matches
                .extend_from_slice(self.scanner.scan_regions(bytes, &self.regions)),
            Some(id) => {
                if let Some(m) = self.cache.get(&id) {
                    self.matches.extend_from_slice(m);
                } else {
                    let m = self.scanner.scan(bytes).to_vec();
                    self.matches.extend_from_slice(&m);
                    self.cache.insert(id, m);
                }
            }
            None => self.matches.extend_from_slice(self.scanner.scan(bytes)),
        }
        self.decoded(b, partial);
        if self.matches.is_empty() {
            return;
        }
        let mut locator = Locator::new(bytes);
        for m in &self.matches {
            if self
                .decoded_runs
                .iter()
                .any(|&(s, e)| m.secret_start < e && s < m.secret_end)
            {
                continue;
            }
            let rule = &engine.rules()[m.rule];
            let raw = &bytes[m.secret_start..m.secret_end];
            let start = locator.position(m.secret_start);
            let end = locator.position(m.secret_end);
            if let Some(added) = b.added
                && !added.any_in(start.line, end.line)
            {
                continue;
            }
            let context = self.filters.needs_text().then(|| {
                let from = memchr::memrchr(b'\n', &bytes[..m.secret_start]).map_or(0, |i| i + 1);
                let to = memchr::memchr(b'\n', &bytes[m.secret_start..])
                    .map_or(bytes.len(), |i| m.secret_start + i);
                Box::new(MatchText {
                    line: bytes[from..to].to_vec(),
                    matched: bytes[m.start..m.end].to_vec(),
                })
            });
            let mut finding = new_finding(rule, raw, b, (start, end), context, None);
            finding.excerpt = excerpt_of(
                &mut self.excerpts,
                &mut self.scanner,
                (&self.matches, &self.decoded_runs),
                bytes,
                (m.secret_start, m.secret_end),
                start.line,
            );
            self.out.findings.push(finding);
        }
    }
}

/// With `--context N` (`excerpts`): the excerpt around `span` of `bytes`, every match of the
/// blob (`matches`, and the encoded runs that decoded into findings) masked in it.
fn excerpt_of<'e>(
    excerpts: &mut Option<(u32, Option<Scanner<'e>>)>,
    scanner: &mut Scanner<'e>,
    (matches, decoded_runs): (&[Match], &[(usize, usize)]),
    bytes: &[u8],
    span: (usize, usize),
    line: u32,
) -> Option<Box<Excerpt>> {
    let (n, mask) = excerpts.as_mut()?;
    let scanner = mask.as_mut().unwrap_or(scanner);
    let known = matches
        .iter()
        .map(|m| (m.secret_start, m.secret_end))
        .chain(decoded_runs.iter().copied());
    Some(Box::new(excerpt(scanner, bytes, span, line, *n, known)))
}

/// The `n` lines before and after the lines of `bytes[s..e]` (a finding's secret, first on line
/// `line`), with that span, the `known` spans (every match of the blob) and every match `scanner`
/// finds in those lines masked.
fn excerpt(
    scanner: &mut Scanner<'_>,
    bytes: &[u8],
    (s, e): (usize, usize),
    line: u32,
    n: u32,
    known: impl Iterator<Item = (usize, usize)>,
) -> Excerpt {
    let mut from = memchr::memrchr(b'\n', &bytes[..s]).map_or(0, |i| i + 1);
    let mut before = 0;
    while before < n && from > 0 {
        from = memchr::memrchr(b'\n', &bytes[..from - 1]).map_or(0, |i| i + 1);
        before += 1;
    }
    let mut to = memchr::memchr(b'\n', &bytes[e..]).map_or(bytes.len(), |i| e + i);
    for _ in 0..n {
        // no line after this one (the end, or only the final newline)
        if to + 1 >= bytes.len() {
            break;
        }
        to = memchr::memchr(b'\n', &bytes[to + 1..]).map_or(bytes.len(), |i| to + 1 + i);
    }
    let text = &bytes[from..to];
    let mut masks: Vec<(usize, usize)> = vec![(s - from, e - from)];
    masks.extend(
        known
            .filter(|&(a, b)| a < to && b > from && a < b)
            .map(|(a, b)| (a.max(from) - from, b.min(to) - from)),
    );
    masks.extend(
        scanner
            .scan(text)
            .iter()
            .filter(|m| m.secret_start < m.secret_end)
            .map(|m| (m.secret_start, m.secret_end)),
    );
    masks.sort_unstable();
    let mut shown = Vec::with_capacity(text.len());
    let mut at = 0;
    for (a, b) in masks {
        if b <= at {
            continue;
        }
        let a = a.max(at);
        shown.extend_from_slice(&text[at..a]);
        // a secret across lines keeps its line breaks, so the line numbers stay right
        let breaks = memchr::memchr_iter(b'\n', &text[a..b]).count();
        shown.extend_from_slice(MASK);
        for _ in 0..breaks {
            shown.push(b'\n');
            shown.extend_from_slice(MASK);
        }
        at = b;
    }
    shown.extend_from_slice(&text[at..]);
    let lines = shown
        .split(|&c| c == b'\n')
        .map(|l| {
            let l = String::from_utf8_lossy(l.strip_suffix(b"\r").unwrap_or(l));
            match l.char_indices().nth(EXCERPT_LINE) {
                Some((cut, _)) => format!("{}…", &l[..cut]),
                None => l.into_owned(),
            }
        })
        .collect();
    Excerpt {
        first: line.saturating_sub(before),
        lines,
    }
}

impl Worker<'_> {
    /// Secrets inside base64 and percent-encoded text: each encoded run that decodes to text is
    /// put back into its line decoded and the line is scanned again; a secret inside the decoded
    /// part is reported at the encoded run's place. Layers and sizes are bounded (`decode`). With
    /// `partial`, only the runs in `self.regions` (the added lines) are looked at.
    fn decoded(&mut self, b: &Blob<'_>, partial: bool) {
        self.decoded_runs.clear();
        let mut spans = std::mem::take(&mut self.spans);
        spans.clear();
        if partial {
            for &(from, to) in &self.regions {
                let first = spans.len();
                decode::spans(&b.bytes[from..to], &mut spans);
                for sp in &mut spans[first..] {
                    sp.start += from;
                    sp.end += from;
                }
            }
        } else {
            decode::spans(b.bytes, &mut spans);
        }
        if spans.is_empty() {
            self.spans = spans;
            return;
        }
        let mut budget = decode::MAX_TOTAL;
        let mut locator = Locator::new(b.bytes);
        let mut found: Vec<(usize, Vec<u8>, &'static str)> = Vec::new();
        for sp in &spans {
            if budget == 0 {
                break;
            }
            let (line, from) = line_of(b.bytes, sp.start, sp.end);
            let before = found.len();
            self.look_inside(
                line,
                sp.start - from,
                sp.end - from,
                sp.encoding,
                1,
                &mut budget,
                &mut found,
            );
            if found.len() == before {
                continue;
            }
            let start = locator.position(sp.start);
            let end = locator.position(sp.end);
            if let Some(added) = b.added
                && !added.any_in(start.line, end.line)
            {
                found.truncate(before);
                continue;
            }
            self.decoded_runs.push((sp.start, sp.end));
            let engine = self.scanner.engine();
            for (ri, secret, encoding) in found.drain(before..) {
                let rule = &engine.rules()[ri];
                let context = self.filters.needs_text().then(|| {
                    Box::new(MatchText {
                        line: line.to_vec(),
                        matched: b.bytes[sp.start..sp.end].to_vec(),
                    })
                });
                let mut finding =
                    new_finding(rule, &secret, b, (start, end), context, Some(encoding));
                finding.excerpt = excerpt_of(
                    &mut self.excerpts,
                    &mut self.scanner,
                    (&self.matches, &self.decoded_runs),
                    b.bytes,
                    (sp.start, sp.end),
                    start.line,
                );
                self.out.findings.push(finding);
            }
        }
        self.spans = spans;
    }

    /// Decodes `line[s..e]`, scans the line with the decoded text in its place, and collects
    /// (rule, secret, encoding) for secrets inside the decoded part; then looks one layer deeper.
    #[allow(clippy::too_many_arguments)]
    fn look_inside(
        &mut self,
        line: &[u8],
        s: usize,
        e: usize,
        encoding: &'static str,
        depth: usize,
        budget: &mut usize,
        found: &mut Vec<(usize, Vec<u8>, &'static str)>,
    ) {
        let mut text = Vec::new();
        if !decode::decode(&line[s..e], encoding, &mut text) || text.len() > *budget {
            return;
        }
        *budget -= text.len();
        let mut joined = Vec::with_capacity(line.len() + text.len());
        joined.extend_from_slice(&line[..s]);
        joined.extend_from_slice(&text);
        joined.extend_from_slice(&line[e..]);
        let (d0, d1) = (s, s + text.len());
        for m in self.scanner.scan(&joined) {
            if m.secret_start >= d0 && m.secret_end <= d1 && m.secret_end > m.secret_start {
                found.push((
                    m.rule,
                    joined[m.secret_start..m.secret_end].to_vec(),
                    encoding,
                ));
            }
        }
        if depth >= decode::MAX_DEPTH {
            return;
        }
        let mut inner = Vec::new();
        decode::spans(&text, &mut inner);
        for sp in inner {
            let (l, from) = line_of(&text, sp.start, sp.end);
            let l = l.to_vec();
            self.look_inside(
                &l,
                sp.start - from,
                sp.end - from,
                sp.encoding,
                depth + 1,
                budget,
                found,
            );
        }
    }

    /// Path rules: files that should not be in git at all (`.env`, keystores, key files). A
    /// `file` rule gives one finding per file (the first match on an added line, in the diff
    /// modes), fingerprinted by rule and path, so that editing the file does not make it new.
    fn files(&mut self, b: &Blob<'_>, binary: bool) {
        let engine = self.scanner.engine();
        let matches = self.scanner.scan_file(b.path, b.bytes, binary).to_vec();
        if matches.is_empty() {
            return;
        }
        let mut locator = Locator::new(b.bytes);
        let mut reported: Vec<usize> = Vec::new();
        for m in matches {
            let rule = &engine.rules()[m.rule];
            let whole_file = rule.spec.file;
            if whole_file && reported.contains(&m.rule) {
                continue;
            }
            let start = locator.position(m.secret_start);
            let end = locator.position(m.secret_end);
            if let Some(added) = b.added
                && !binary
                && !added.any_in(start.line, end.line)
            {
                continue;
            }
            let raw = &b.bytes[m.secret_start..m.secret_end];
            reported.push(m.rule);
            let mut finding = new_finding(rule, raw, b, (start, end), None, None);
            if whole_file {
                // the file is the finding: known by rule and path, shown by its first match (or
                // its path when the rule has no regex)
                let shown: &[u8] = if raw.is_empty() {
                    b.path.as_bytes()
                } else {
                    raw
                };
                finding.secret = Secret::new(shown, &rule.spec.keywords);
                finding.fingerprint = fingerprint(rule.id(), b.path.as_bytes());
            }
            self.out.findings.push(finding);
        }
    }
}

/// A finding of `rule` for the secret `raw` at `start..end` of blob `b`.
fn new_finding(
    rule: &Rule,
    raw: &[u8],
    b: &Blob<'_>,
    (start, end): (Position, Position),
    context: Option<Box<MatchText>>,
    encoding: Option<&'static str>,
) -> Finding {
    Finding {
        rule: rule.info.clone(),
        secret: Secret::new(raw, &rule.spec.keywords),
        fingerprint: fingerprint(rule.id(), raw),
        location: Location {
            path: b.path.to_string(),
            start,
            end,
            commit: b.commit.cloned(),
            other_commits: 0,
        },
        also_at: Vec::new(),
        present_at_head: None,
        blob: b.id,
        context,
        encoding,
        excerpt: None,
    }
}

/// The line holding `data[s..e]` (a run never crosses a line) and where it starts.
fn line_of(data: &[u8], s: usize, e: usize) -> (&[u8], usize) {
    let from = memchr::memrchr(b'\n', &data[..s]).map_or(0, |i| i + 1);
    let to = memchr::memchr(b'\n', &data[e..]).map_or(data.len(), |i| e + i);
    (&data[from..to], from)
}

fn open(repo: &std::path::Path) -> Result<Repo, Error> {
    Ok(Repo::discover(repo)?)
}

/// Runs the plan. Per-item problems are in `Outcome::errors`; only an unusable source (not a
/// repository, a bad range) fails the whole run.
pub fn run(plan: &Plan) -> Result<Outcome, Error> {
    run_with(plan, None)
}

/// `run`, with the lines around each finding kept for the report (`--context`).
pub fn run_with(plan: &Plan, excerpts: Option<&Excerpts>) -> Result<Outcome, Error> {
    let started = Instant::now();
    let engine = &plan.engine;
    let mut outcome = Outcome::default();
    let mut history_repo = None;
    let mut include_unreachable = false;
    let workers: Vec<Worker<'_>> = match &plan.source {
        SourcePlan::Dir(opts) => {
            source::fs::walk(opts, || Worker::new(plan, excerpts), |w, ev| w.handle(ev))
        }
        SourcePlan::Stdin { label } => {
            let mut w = Worker::new(plan, excerpts);
            let mut buf = Vec::new();
            match source::fs::read_stdin(std::io::stdin().lock(), &mut buf) {
                Ok(()) => w.blob(&Blob::file(&buf, label)),
                Err(e) => w.error(&e),
            }
            vec![w]
        }
        SourcePlan::Staged { repo, opts } => {
            let repo = open(repo)?;
            let mut w = Worker::new(plan, excerpts);
            git::staged::scan(&repo, opts, |ev| w.handle(ev))?;
            vec![w]
        }
        SourcePlan::Range { repo, opts } => {
            let repo = open(repo)?;
            let mut w = Worker::new(plan, excerpts);
            let stats = git::range::scan(&repo, opts, |ev| w.handle(ev))?;
            outcome.summary.commits = Some(stats.commits);
            vec![w]
        }
        SourcePlan::History {
            repo,
            opts,
            include_unreachable: inc,
        } => {
            let repo = open(repo)?;
            if repo.is_shallow() {
                outcome.notices.push(
                    "this is a shallow clone: history before its shallow boundary is not here and was not \
                     scanned; audit a full clone (git fetch --unshallow)"
                        .to_string(),
                );
            }
            include_unreachable = *inc;
            let (workers, _, seen) = git::history::scan(
                &repo,
                opts,
                || Worker::new(plan, excerpts),
                |w, ev| w.handle(ev),
            )?;
            history_repo = Some((repo, opts.clone(), seen));
            workers
        }
    };
    for w in workers {
        let o = w.out;
        outcome.findings.extend(o.findings);
        outcome.errors.extend(o.errors);
        outcome.skipped.extend(o.skipped);
        outcome.summary.files += o.summary.files;
        outcome.summary.bytes += o.summary.bytes;
        outcome.summary.skipped += o.summary.skipped;
        outcome.summary.binary += o.summary.binary;
    }
    if let Some((repo, opts, seen)) = &history_repo {
        let mut w = Worker::new(plan, excerpts);
        audit_structure(repo, opts, seen, &mut outcome, include_unreachable, &mut w)?;
        let o = w.out;
        outcome.findings.extend(o.findings);
        outcome.errors.extend(o.errors);
        outcome.skipped.extend(o.skipped);
        outcome.summary.skipped += o.summary.skipped;
    }
    let mut suppressed = crate::filter::Suppressed::default();
    plan.filters
        .apply_allowlists(&mut outcome.findings, &mut suppressed);
    outcome.findings = crate::filter::group(outcome.findings);
    let mut all = std::mem::take(&mut outcome.findings);
    plan.filters
        .apply_known_split(&mut all, &mut outcome.known, &mut suppressed);
    outcome.findings = all;
    outcome.summary.allowlisted = suppressed.allowlisted;
    outcome.summary.ignored = suppressed.ignored;
    outcome.summary.baselined = suppressed.baselined;
    outcome.summary.gitleaks_ignored = suppressed.gitleaks_ignored;
    outcome.summary.below_min_severity = suppressed.below_severity;
    outcome.errors.sort();
    outcome.errors.dedup();
    outcome.skipped.sort();
    outcome.summary.findings = outcome.findings.len();
    outcome.summary.errors = outcome.errors.len();
    outcome.summary.rules = engine.rules().len();
    outcome.summary.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(outcome)
}

/// The audit's second pass (`history::structure`): history findings come from blobs without a
/// path, so each gets the commit and path that first introduced its blob (blobs no ref reaches
/// are dropped unless `include_unreachable`); the blobs stored under a path rule's file name are
/// read again for the path rules (`w` collects those findings); and every object the refs reach
/// that the scan did not read is an error, so the audit cannot pass what it did not read.
fn audit_structure(
    repo: &Repo,
    opts: &git::HistoryOptions,
    seen: &git::history::Seen,
    outcome: &mut Outcome,
    include_unreachable: bool,
    w: &mut Worker<'_>,
) -> Result<(), Error> {
    let engine = w.scanner.engine();
    let findings = &mut outcome.findings;
    let wanted: HashSet<BlobId> = findings.iter().filter_map(|f| f.blob).collect();
    let names = |name: &[u8]| engine.may_be_path_rule_file(name);
    let structure = git::history::structure(
        repo,
        seen,
        &wanted,
        engine.has_path_rules().then_some(&names as _),
        opts.threads,
        opts.progress.as_deref(),
    )?;
    let places = structure.places;
    findings.retain_mut(|f| {
        let Some(id) = f.blob else { return true };
        match places.get(&id) {
            Some(p) => {
                f.location.path = p.path.clone();
                f.location.commit = Some(p.commit.clone());
                f.present_at_head = Some(p.at_head);
                true
            }
            None if include_unreachable => {
                f.location.path = format!("(unreachable blob {})", crate::finding::blob_hex(&id));
                f.present_at_head = Some(false);
                true
            }
            None => false,
        }
    });
    git::history::scan_named(repo, &structure.named, opts.max_file_size, |ev, place| {
        let before = w.out.findings.len();
        match ev {
            Event::Blob(b) => {
                let binary = is_binary(b.path, b.bytes);
                w.files(&b, binary);
            }
            other => w.handle(other),
        }
        for f in &mut w.out.findings[before..] {
            f.present_at_head = Some(place.at_head);
            f.blob = None;
        }
    });
    if !structure.missing.is_empty() && repo.is_partial_clone() {
        outcome.notices.push(
            "this is a partial clone: the objects below were never fetched from its promisor remote, \
             so they could not be scanned; fetch them (git fetch --refetch --no-filter, or a full clone) \
             and audit again"
                .to_string(),
        );
    }
    const SHOWN: usize = 20;
    let total = structure.missing.len();
    for m in structure.missing.into_iter().take(SHOWN) {
        outcome.errors.push(ItemError {
            path: m.what,
            message: m.message,
        });
    }
    if total > SHOWN {
        outcome.errors.push(ItemError {
            path: String::new(),
            message: format!(
                "{} more objects the refs reach are missing or unreadable (not listed; `git fsck` in the repository lists them)",
                total - SHOWN
            ),
        });
    }
    Ok(())
}
