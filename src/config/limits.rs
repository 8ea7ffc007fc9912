//! Size limits for the files keyhound reads from the repository it scans: `.keyhound.yml`,
//! `.keyhoundignore` and baselines are repository content, so a hostile or broken one must cost
//! bounded time and memory. Files are read through a bounded reader: a file over its limit is
//! refused after reading at most the limit plus one byte, never read whole.

use std::io::Read;
use std::path::Path;

/// Default limit of `.keyhound.yml` and `.keyhoundignore`: far above any real one (a 1 MiB
/// ignore file holds ~30,000 fingerprints with comments).
pub const DEFAULT_CONFIG: u64 = 1 << 20;
/// Default limit of a baseline: ~300,000 findings in keyhound's format.
pub const DEFAULT_BASELINE: u64 = 32 << 20;

/// The limits in force for one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `.keyhound.yml` and `.keyhoundignore`.
    pub config: u64,
    /// Baseline files (and reports used as baselines).
    pub baseline: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            config: DEFAULT_CONFIG,
            baseline: DEFAULT_BASELINE,
        }
    }
}

/// Which kind of file a limit applies to, for the message that names the flag raising it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Config,
    Ignore,
    Baseline,
}

impl Kind {
    fn what(self) -> &'static str {
        match self {
            Kind::Config => "config file",
            Kind::Ignore => "ignore file",
            Kind::Baseline => "baseline",
        }
    }
    fn flag(self) -> &'static str {
        match self {
            Kind::Config | Kind::Ignore => "--max-config-size SIZE (or KEYHOUND_MAX_CONFIG_SIZE)",
            Kind::Baseline => "--max-baseline-size SIZE (or KEYHOUND_MAX_BASELINE_SIZE)",
        }
    }
}

/// Why a limited read failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{}", too_large(*kind, *size, *limit))]
    TooLarge {
        kind: Kind,
        /// The size when known (from the file system), else `None` (more than `limit`).
        size: Option<u64>,
        limit: u64,
    },
}

impl ReadError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::Io(e) if e.kind() == std::io::ErrorKind::NotFound)
    }
}

fn too_large(kind: Kind, size: Option<u64>, limit: u64) -> String {
    let is = match size {
        Some(s) => format!("is {}", mib(s)),
        None => "is larger".to_string(),
    };
    format!(
        "the {} {is}, over the {} limit for it; check what wrote it, or raise the limit with {}",
        kind.what(),
        mib(limit),
        kind.flag()
    )
}

/// A size in bytes for messages: `512 KiB`, `1.5 MiB`.
pub fn mib(bytes: u64) -> String {
    if bytes < 1 << 20 {
        format!("{} KiB", bytes.div_ceil(1024))
    } else {
        let m = bytes as f64 / f64::from(1u32 << 20);
        if m.fract() == 0.0 {
            format!("{m:.0} MiB")
        } else {
            format!("{m:.1} MiB")
        }
    }
}

/// Whether bytes already in memory (a file read from a commit) are within the limit.
pub fn check(kind: Kind, len: usize, limit: u64) -> Result<(), ReadError> {
    let len = len as u64;
    if len > limit {
        return Err(ReadError::TooLarge {
            kind,
            size: Some(len),
            limit,
        });
    }
    Ok(())
}

/// Reads a file of at most `limit` bytes; reads at most `limit + 1` bytes of a larger one.
pub fn read(path: &Path, kind: Kind, limit: u64) -> Result<Vec<u8>, ReadError> {
    let file = std::fs::File::open(path)?;
    let known = file
        .metadata()
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len());
    if let Some(len) = known
        && len > limit
    {
        return Err(ReadError::TooLarge {
            kind,
            size: Some(len),
            limit,
        });
    }
    let mut buf = Vec::with_capacity(known.unwrap_or(0).min(limit) as usize);
    file.take(limit.saturating_add(1)).read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            kind,
            size: None,
            limit,
        });
    }
    Ok(buf)
}

/// Like [`read`], as UTF-8 text.
pub fn read_text(path: &Path, kind: Kind, limit: u64) -> Result<String, ReadError> {
    let bytes = read(path, kind, limit)?;
    String::from_utf8(bytes).map_err(|e| {
        ReadError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "not UTF-8 text (byte {}); save the {} as UTF-8",
                e.utf8_error().valid_up_to() + 1,
                kind.what()
            ),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_the_limit_is_refused_with_the_flag_that_raises_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("b.json");
        std::fs::write(&p, vec![b'x'; 3000]).expect("write");
        assert_eq!(read(&p, Kind::Baseline, 3000).expect("fits").len(), 3000);
        let e = read(&p, Kind::Baseline, 2999).expect_err("too large");
        let m = e.to_string();
        assert!(
            m.contains("baseline is 3 KiB") && m.contains("--max-baseline-size"),
            "{m}"
        );
        assert!(
            read(&dir.path().join("none"), Kind::Config, 10)
                .expect_err("missing")
                .is_not_found()
        );
    }

    #[test]
    fn a_stream_without_a_known_size_is_read_only_to_the_limit() {
        // /dev/zero has no length: the bounded reader stops after limit + 1 bytes
        if Path::new("/dev/zero").exists() {
            let e = read(Path::new("/dev/zero"), Kind::Ignore, 1 << 16).expect_err("endless");
            assert!(e.to_string().contains("is larger"), "{e}");
        }
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(mib(1 << 20), "1 MiB");
        assert_eq!(mib(3 << 19), "1.5 MiB");
        assert_eq!(mib(1000), "1 KiB");
    }
}
