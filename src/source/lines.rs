//! Which lines of a new version of a file a change added: the diff modes (`staged`, `range`)
//! report a secret only where the change adds it. Line diffs use imara-diff's histogram algorithm
//! (the one git uses by default for `--histogram`; linear in practice, bounded on pathological
//! input).

use imara_diff::{Algorithm, Diff, InternedInput};

/// Set of 1-based line numbers of the new side that were added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineSet {
    /// Every line (a new file).
    All,
    /// Bit i set: line i+1 was added.
    Some(Vec<u64>),
}

impl LineSet {
    pub fn contains(&self, line: u32) -> bool {
        match self {
            LineSet::All => true,
            LineSet::Some(bits) => {
                let i = line.saturating_sub(1) as usize;
                line > 0 && bits.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
            }
        }
    }

    /// True when any line in `first..=last` was added.
    pub fn any_in(&self, first: u32, last: u32) -> bool {
        (first..=last.max(first)).any(|l| self.contains(l))
    }

    /// The byte ranges of `data` (the new version) that the added lines cover, consecutive lines
    /// merged, each with its line end. Returns false (and leaves `out` empty) for `All`: the
    /// whole of `data`.
    pub fn byte_ranges(&self, data: &[u8], out: &mut Vec<(usize, usize)>) -> bool {
        out.clear();
        if *self == LineSet::All {
            return false;
        }
        let mut push = |from: usize, to: usize| match out.last_mut() {
            Some(last) if last.1 == from => last.1 = to,
            _ => out.push((from, to)),
        };
        // `line` is 1-based, as `contains` takes it
        let (mut from, mut line) = (0, 1);
        for nl in memchr::memchr_iter(b'\n', data) {
            if self.contains(line) {
                push(from, nl + 1);
            }
            from = nl + 1;
            line += 1;
        }
        if from < data.len() && self.contains(line) {
            push(from, data.len());
        }
        true
    }

    pub fn is_empty(&self) -> bool {
        match self {
            LineSet::All => false,
            LineSet::Some(bits) => bits.iter().all(|&w| w == 0),
        }
    }
}

/// The lines of `new` that are not in `old` (by line diff).
pub fn added_lines(old: &[u8], new: &[u8]) -> LineSet {
    if old.is_empty() {
        return LineSet::All;
    }
    let input = InternedInput::new(old, new);
    let diff = Diff::compute(Algorithm::Histogram, &input);
    let n = input.after.len();
    let mut bits = vec![0u64; n.div_ceil(64)];
    for i in 0..n {
        if diff.is_added(i as u32) {
            bits[i / 64] |= 1 << (i % 64);
        }
    }
    LineSet::Some(bits)
}

/// How much of `new` was already in `old`: the share of `new`'s lines (as a multiset) that
/// `old` holds, 0.0 to 1.0. What decides that a new path is a renamed and edited old one (git
/// calls a pair a rename at 50% similarity).
pub fn similarity(old: &[u8], new: &[u8]) -> f32 {
    let mut counts: foldhash::HashMap<&[u8], u32> = foldhash::HashMap::default();
    for line in old.split(|&b| b == b'\n') {
        *counts.entry(line).or_default() += 1;
    }
    let (mut total, mut common) = (0u32, 0u32);
    for line in new.split(|&b| b == b'\n') {
        total += 1;
        if let Some(n) = counts.get_mut(line)
            && *n > 0
        {
            *n -= 1;
            common += 1;
        }
    }
    if total == 0 {
        0.0
    } else {
        common as f32 / total as f32
    }
}

/// Lines added relative to every one of `parents` (a merge adds only what none of its parents
/// had). With no parents, everything is added.
pub fn added_against_all(parents: &[&[u8]], new: &[u8]) -> LineSet {
    let mut acc: Option<LineSet> = None;
    for p in parents {
        let s = added_lines(p, new);
        acc = Some(match (acc, s) {
            (None, s) => s,
            (Some(LineSet::All), s) | (Some(s), LineSet::All) => s,
            (Some(LineSet::Some(a)), LineSet::Some(b)) => {
                LineSet::Some(a.iter().zip(&b).map(|(x, y)| x & y).collect())
            }
        });
    }
    acc.unwrap_or(LineSet::All)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similarity_is_the_share_of_new_lines_the_old_version_holds() {
        for (old, new, expected) in [
            (&b"a\nb\nc\nd"[..], &b"a\nb\nc\nd"[..], 1.0),
            (b"a\nb\nc\nd", b"a\nb\nc\nX", 0.75),
            (b"a\nb", b"X\nY\nZ\na", 0.25),
            (b"", b"a", 0.0),
            (b"a\na", b"a\na\na\na", 0.5),
        ] {
            assert_eq!(similarity(old, new), expected, "{old:?} {new:?}");
        }
    }

    #[test]
    fn byte_ranges_cover_the_added_lines_with_their_ends() {
        let old = b"a\nb\nc\nd\n";
        let new = b"a\nX\nY\nc\nd\nZ";
        let mut out = Vec::new();
        assert!(added_lines(old, new).byte_ranges(new, &mut out));
        assert_eq!(out, vec![(2, 6), (10, 11)]);
        assert_eq!(&new[2..6], b"X\nY\n");
        assert!(!LineSet::All.byte_ranges(new, &mut out));
        assert!(out.is_empty());
        assert!(added_lines(new, new).byte_ranges(new, &mut out));
        assert!(out.is_empty());
    }

    #[test]
    fn added_lines_are_the_new_ones_only() {
        let old = b"a\nb\nc\n";
        let new = b"a\nb\nSECRET\nc\nd\n";
        let s = added_lines(old, new);
        assert!(
            !s.contains(1) && !s.contains(2) && s.contains(3) && !s.contains(4) && s.contains(5)
        );
        assert!(!s.contains(0) && !s.contains(99));
        assert!(s.any_in(2, 3) && !s.any_in(1, 2));
    }

    #[test]
    fn a_new_file_is_all_added_and_an_unchanged_one_none() {
        assert_eq!(added_lines(b"", b"x\n"), LineSet::All);
        assert!(added_lines(b"x\ny\n", b"x\ny\n").is_empty());
    }

    #[test]
    fn a_merge_adds_only_what_no_parent_had() {
        let p1 = b"a\nfrom-one\n";
        let p2 = b"a\nfrom-two\n";
        let merged = b"a\nfrom-one\nfrom-two\nmerge-only\n";
        let s = added_against_all(&[p1, p2], merged);
        assert!(!s.contains(2) && !s.contains(3) && s.contains(4));
    }
}
