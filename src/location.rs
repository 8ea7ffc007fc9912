//! Where a finding is: path, 1-based line and column (columns count Unicode code points; bytes
//! of invalid UTF-8 count one each), and for git sources the commit.

use serde::Serialize;

/// A line and column, both 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// Commit provenance for findings from git (filled by git sources).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct CommitInfo {
    pub commit: String,
    pub author: String,
    pub email: String,
    /// RFC 3339 (the author date).
    pub date: String,
    /// Committer time, seconds since the epoch: what "oldest" means when places are compared.
    #[serde(skip)]
    pub time: i64,
}

/// One place a secret occurs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    pub path: String,
    pub start: Position,
    pub end: Position,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<CommitInfo>,
    /// Git sources: how many later commits hold the secret at this same path, line and column
    /// (places that differ only by commit are kept once, at the oldest; see `filter::group`).
    #[serde(skip)]
    pub other_commits: u32,
}

/// Turns byte offsets into positions. Offsets asked for in increasing order cost one pass over the
/// data in total; an earlier offset restarts from the beginning.
pub struct Locator<'a> {
    data: &'a [u8],
    at: usize,
    line: u32,
    line_start: usize,
}

impl<'a> Locator<'a> {
    pub fn new(data: &'a [u8]) -> Locator<'a> {
        Locator {
            data,
            at: 0,
            line: 1,
            line_start: 0,
        }
    }

    pub fn position(&mut self, offset: usize) -> Position {
        let offset = offset.min(self.data.len());
        if offset < self.at {
            *self = Locator::new(self.data);
        }
        for nl in memchr::memchr_iter(b'\n', &self.data[self.at..offset]) {
            self.line = self.line.saturating_add(1);
            self.line_start = self.at + nl + 1;
        }
        self.at = offset;
        let column = self.data[self.line_start..offset]
            .iter()
            .filter(|&&b| (b & 0xC0) != 0x80)
            .count();
        Position {
            line: self.line,
            column: u32::try_from(column).unwrap_or(u32::MAX).saturating_add(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_code_points() {
        let data = "ab\ncé x\r\nyz".as_bytes();
        let mut l = Locator::new(data);
        assert_eq!(l.position(0), Position { line: 1, column: 1 });
        assert_eq!(l.position(3), Position { line: 2, column: 1 });
        let x = data.iter().position(|&b| b == b'x').unwrap_or(0);
        assert_eq!(l.position(x), Position { line: 2, column: 4 });
        let y = data.iter().position(|&b| b == b'y').unwrap_or(0);
        assert_eq!(l.position(y), Position { line: 3, column: 1 });
        assert_eq!(
            l.position(1),
            Position { line: 1, column: 2 },
            "going back restarts"
        );
    }
}
