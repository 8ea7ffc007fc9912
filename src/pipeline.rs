//! The one place the layers meet: a `Plan` names a source and an engine; `run` feeds the source's
//! blobs to per-worker scanners in parallel, turns matches into findings, groups and sorts them.

use crate::finding::Finding;
use crate::fingerprint::fingerprint;
use crate::location::{Location, Locator};
use crate::report::Summary;
use crate::scan::{Engine, Scanner, is_binary};
use crate::secret::Secret;
use crate::source::{self, Event, fs::DirOptions};
use std::time::Instant;

/// What to scan.
#[derive(Debug, Clone)]
pub enum SourcePlan {
    Dir(DirOptions),
    /// Standard input, reported under `label`.
    Stdin {
        label: String,
    },
}

/// A resolved run: flags and config already turned into decisions.
#[derive(Debug)]
pub struct Plan {
    pub source: SourcePlan,
    pub engine: Engine,
    /// Collect "skipped" notices for `-v`.
    pub collect_skips: bool,
}

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

/// Everything a run produced.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub summary: Summary,
    pub errors: Vec<ItemError>,
    /// (path, why) for items not scanned; only with `collect_skips`.
    pub skipped: Vec<(String, String)>,
}

struct Worker<'e> {
    scanner: Scanner<'e>,
    out: Outcome,
}

impl<'e> Worker<'e> {
    fn new(engine: &'e Engine) -> Self {
        Worker {
            scanner: engine.scanner(),
            out: Outcome::default(),
        }
    }

    fn handle(&mut self, ev: Event<'_>, collect_skips: bool) {
        match ev {
            Event::Blob(b) => self.blob(b.bytes, b.path, collect_skips),
            Event::Skipped { path, reason } => {
                self.out.summary.skipped += 1;
                if collect_skips {
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

    fn blob(&mut self, bytes: &[u8], path: &str, collect_skips: bool) {
        if is_binary(bytes) {
            self.out.summary.skipped += 1;
            if collect_skips {
                self.out
                    .skipped
                    .push((path.to_string(), "skipped: binary".into()));
            }
            return;
        }
        self.out.summary.files += 1;
        self.out.summary.bytes += bytes.len() as u64;
        let engine = self.scanner.engine();
        let matches = self.scanner.scan(bytes);
        if matches.is_empty() {
            return;
        }
        let mut locator = Locator::new(bytes);
        for m in matches {
            let rule = &engine.rules()[m.rule];
            let raw = &bytes[m.secret_start..m.secret_end];
            let start = locator.position(m.secret_start);
            let end = locator.position(m.secret_end);
            self.out.findings.push(Finding {
                rule: rule.info.clone(),
                secret: Secret::new(raw, &rule.spec.keywords),
                fingerprint: fingerprint(rule.id(), raw),
                location: Location {
                    path: path.to_string(),
                    start,
                    end,
                    commit: None,
                },
                also_at: Vec::new(),
            });
        }
    }
}

/// Runs the plan. Never fails as a whole: per-item problems are in `Outcome::errors`.
pub fn run(plan: &Plan) -> Outcome {
    let started = Instant::now();
    let engine = &plan.engine;
    let collect = plan.collect_skips;
    let mut outcome = Outcome::default();
    let workers: Vec<Worker<'_>> = match &plan.source {
        SourcePlan::Dir(opts) => {
            source::fs::walk(opts, || Worker::new(engine), |w, ev| w.handle(ev, collect))
        }
        SourcePlan::Stdin { label } => {
            let mut w = Worker::new(engine);
            let mut buf = Vec::new();
            match source::fs::read_stdin(std::io::stdin().lock(), &mut buf) {
                Ok(()) => w.blob(&buf, label, collect),
                Err(e) => w.error(&e),
            }
            vec![w]
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
    }
    outcome.findings = crate::filter::group(outcome.findings);
    outcome.errors.sort();
    outcome.skipped.sort();
    outcome.summary.findings = outcome.findings.len();
    outcome.summary.errors = outcome.errors.len();
    outcome.summary.rules = engine.rules().len();
    outcome.summary.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    outcome
}
