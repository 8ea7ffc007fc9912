//! keyhound finds secrets (API keys, tokens, private keys, passwords) in files, standard input and
//! git history.
//!
//! ```text
//!  dir / stdin / git ──► source: Blob { bytes, path }        (size gate, errors as events)
//!        │  parallel workers (the dir walker's / gix-pack's threads), one Scanner each, no hot-path locks
//!        ▼
//!  prefilter: every rule keyword, case-folded bitset tests then exact compare → candidate rules + hits
//!        ▼
//!  confirm: the rule's regex in a window around each hit → secret group → entropy,
//!           placeholder test, checksum validator → rule allowlist → inline `keyhound:allow`
//!        ▼
//!  Match ──► Finding { rule, location, fingerprint, redacted secret }
//!        ▼
//!  filter: one finding per (rule, secret) with every place it occurs; sorted
//!        ▼
//!  report: human | json | jsonl | sarif | gitlab   (stdout; messages on stderr)
//! ```
//!
//! `source`, `scan` and `report` never import each other; they meet in `pipeline`.

pub mod cli;
pub mod config;
pub mod exit;
pub mod filter;
pub mod finding;
pub mod fingerprint;
pub mod location;
pub mod pipeline;
pub mod report;
pub mod rules;
pub mod scan;
pub mod secret;
pub mod source;
