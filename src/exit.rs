//! The exit status: 0 clean, 1 findings, 2 something failed. When several apply, the worst wins:
//! an error outranks findings, because a run that could not read everything cannot vouch that
//! the rest is clean.

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitStatus {
    Clean,
    Findings,
    Error,
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Clean => 0,
            ExitStatus::Findings => 1,
            ExitStatus::Error => 2,
        }
    }

    /// The status of a run with these counts.
    pub fn of(findings: usize, errors: usize) -> ExitStatus {
        let f = if findings > 0 {
            ExitStatus::Findings
        } else {
            ExitStatus::Clean
        };
        let e = if errors > 0 {
            ExitStatus::Error
        } else {
            ExitStatus::Clean
        };
        f.max(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_outrank_findings_outrank_clean() {
        assert_eq!(ExitStatus::of(0, 0).code(), 0);
        assert_eq!(ExitStatus::of(3, 0).code(), 1);
        assert_eq!(ExitStatus::of(0, 1).code(), 2);
        assert_eq!(ExitStatus::of(3, 1).code(), 2);
    }
}
