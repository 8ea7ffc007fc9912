//! Where bytes come from. Each source hands out `Blob`s (bytes plus where they came from), applies
//! the size gate before reading, and reports per-item problems as events rather than failing the
//! run. This module knows nothing of rules, matching or reports.

pub mod binary;
pub mod fs;
pub mod git;
pub mod lines;

use crate::location::CommitInfo;
use lines::LineSet;

use std::io;

/// One item a source could not read. Never fatal for the run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("{path}: {message}")]
    Walk { path: String, message: String },
}

impl Error {
    pub fn path(&self) -> &str {
        match self {
            Error::Io { path, .. } | Error::Walk { path, .. } => path,
        }
    }
}

/// A git object id (SHA-1), as raw bytes.
pub type BlobId = [u8; 20];

/// Bytes to scan and where they came from.
#[derive(Debug, Clone, Copy)]
pub struct Blob<'a> {
    pub bytes: &'a [u8],
    /// Display path: relative as the user gave it, `/`-separated on every platform. Empty for
    /// history blobs, whose path is found afterwards (provenance).
    pub path: &'a str,
    /// Diff modes: only secrets on these lines count.
    pub added: Option<&'a LineSet>,
    /// Git sources: the commit this version comes from (diff modes).
    pub commit: Option<&'a CommitInfo>,
    /// Git sources: the blob's object id.
    pub id: Option<BlobId>,
}

impl<'a> Blob<'a> {
    /// A plain file or standard input.
    pub fn file(bytes: &'a [u8], path: &'a str) -> Blob<'a> {
        Blob {
            bytes,
            path,
            added: None,
            commit: None,
            id: None,
        }
    }
}

/// Why an item was not scanned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// Larger than `--max-file-size` (size in bytes).
    TooLarge(u64),
    /// Symbolic links are not followed (their target is scanned where it lives).
    Symlink,
    /// FIFOs, sockets and devices are never read.
    Special,
}

impl std::fmt::Display for Skip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Skip::TooLarge(n) => write!(f, "skipped: {n} bytes is over --max-file-size"),
            Skip::Symlink => f.write_str("skipped: symbolic link (not followed)"),
            Skip::Special => f.write_str("skipped: not a regular file"),
        }
    }
}

/// What a source reports for each item.
#[derive(Debug)]
pub enum Event<'a> {
    Blob(Blob<'a>),
    Skipped { path: String, reason: Skip },
    Error(Error),
}
