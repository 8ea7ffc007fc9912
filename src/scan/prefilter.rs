//! The keyword prefilter: finds every occurrence of every rule keyword, case-insensitively.
//!
//! One pass over the input folds each position's next four bytes to lower case and tests them,
//! hashed, against a 1 Mib bitset (128 KiB) that holds every keyword's first four bytes
//! and, for the few three-byte keywords, the keyword followed by each possible (folded) byte. The
//! positions that pass (under 3% on C code; a three-byte test let 6.6% through: `con`, `pas`,
//! `tok` start too many words) are tested against exact four- and three-byte bitsets, then
//! compared with the keywords of their hash bucket. The common path is a dozen instructions per
//! byte and one well-predicted branch. It measured about 2x the throughput of an aho-corasick DFA
//! over the same keywords (overlapping, ASCII case-insensitive: with hundreds of patterns the DFA
//! cannot use its SIMD prefilters). Every position is tested, so overlapping keywords are all
//! reported.

/// Bits of the hashes: 2^18 bits = 32 KiB per table.
const HASH_BITS: u32 = 18;
/// Bits of the first test's hash: 2^20 bits = 128 KiB. It does not fit in L1, but hash
/// collisions cost more than cache misses: on git's and rails' trees 2^18 bits ran at 0.6 GB/s,
/// 2^20 at 0.72 (2^21 the same, 2^22 less).
const FIRST_BITS: u32 = 20;

/// Shortest keyword allowed.
pub const MIN_KEYWORD: usize = 3;

/// OR 0x20 folds ASCII upper case onto lower case (and merges a few punctuation pairs, which only
/// costs an extra exact check).
#[inline(always)]
fn fold3(b0: u8, b1: u8, b2: u8) -> u32 {
    (u32::from(b0) | (u32::from(b1) << 8) | (u32::from(b2) << 16)) | 0x0020_2020
}

#[inline(always)]
fn fold4(b0: u8, b1: u8, b2: u8, b3: u8) -> u32 {
    u32::from_le_bytes([b0, b1, b2, b3]) | 0x2020_2020
}

#[inline(always)]
fn hash(v: u32) -> usize {
    (v.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize
}

#[inline(always)]
fn test(bits: &[u64], i: usize) -> bool {
    bits[i / 64] & (1 << (i % 64)) != 0
}

#[inline(always)]
fn hash_first(v: u32) -> usize {
    (v.wrapping_mul(0x85EB_CA6B) >> (32 - FIRST_BITS)) as usize
}

#[derive(Debug, Clone)]
pub struct Prefilter {
    /// hashed folded first four bytes of every keyword (three-byte ones with every next byte): the
    /// first test at every position
    first: Vec<u64>,
    /// hashed folded first four bytes of the keywords of four bytes or more
    grams4: Vec<u64>,
    /// hashed folded three bytes of the three-byte keywords
    grams3: Vec<u64>,
    /// (folded trigram, keyword index) of three-byte keywords, by bucket
    entries3: Buckets,
    /// (folded first four bytes, keyword index) of longer keywords, by bucket
    entries4: Buckets,
    /// lowercase keywords
    keywords: Vec<Box<[u8]>>,
}

/// Entries grouped by the top [`BUCKET_BITS`] bits of their hash, so that a position which passed
/// a bit test finds its few candidate keywords with one lookup (a binary search over ~950
/// keywords was a fifth of the prefilter's time).
#[derive(Debug, Clone)]
struct Buckets {
    /// bucket b's entries are `entries[starts[b]..starts[b + 1]]`
    starts: Vec<u32>,
    entries: Vec<(u32, u32)>,
}

const BUCKET_BITS: u32 = 12;

impl Buckets {
    fn new(mut entries: Vec<(u32, u32)>, hash: fn(u32) -> usize) -> Buckets {
        let bucket = |g: u32| hash(g) >> (HASH_BITS - BUCKET_BITS);
        entries.sort_unstable_by_key(|&(g, k)| (bucket(g), g, k));
        let mut starts = vec![0u32; (1 << BUCKET_BITS) + 1];
        for &(g, _) in &entries {
            starts[bucket(g) + 1] += 1;
        }
        for b in 1..starts.len() {
            starts[b] += starts[b - 1];
        }
        Buckets { starts, entries }
    }

    /// The entries whose hash is `h`'s bucket.
    #[inline(always)]
    fn of(&self, h: usize) -> &[(u32, u32)] {
        let b = h >> (HASH_BITS - BUCKET_BITS);
        &self.entries[self.starts[b] as usize..self.starts[b + 1] as usize]
    }

    fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn set(bits: &mut [u64], i: usize) {
    bits[i / 64] |= 1 << (i % 64);
}

impl Prefilter {
    /// Keywords shorter than `MIN_KEYWORD` bytes are ignored (rules are checked for that when
    /// loaded).
    pub fn new<S: AsRef<[u8]>>(keywords: &[S]) -> Prefilter {
        let table = || vec![0u64; (1usize << HASH_BITS) / 64];
        let first_table = vec![0u64; (1usize << FIRST_BITS) / 64];
        let (mut first, mut grams4, mut grams3) = (first_table, table(), table());
        let (mut entries3, mut entries4) = (Vec::new(), Vec::new());
        let mut kws = Vec::with_capacity(keywords.len());
        for (i, k) in keywords.iter().enumerate() {
            let k = k.as_ref().to_ascii_lowercase();
            if k.len() >= MIN_KEYWORD {
                if k.len() == 3 {
                    let t3 = fold3(k[0], k[1], k[2]);
                    entries3.push((t3, i as u32));
                    set(&mut grams3, hash(t3));
                    // whatever byte follows (folded, 128 values)
                    for c in 0..=u8::MAX {
                        set(&mut first, hash_first(fold4(k[0], k[1], k[2], c)));
                    }
                } else {
                    let t4 = fold4(k[0], k[1], k[2], k[3]);
                    entries4.push((t4, i as u32));
                    set(&mut grams4, hash(t4));
                    set(&mut first, hash_first(t4));
                }
            }
            kws.push(k.into_boxed_slice());
        }
        Prefilter {
            first,
            grams4,
            grams3,
            entries3: Buckets::new(entries3, hash),
            entries4: Buckets::new(entries4, hash),
            keywords: kws,
        }
    }

    /// Calls `hit(start, end, keyword index)` for every keyword occurrence, in order of start.
    #[inline]
    pub fn for_each(&self, data: &[u8], mut hit: impl FnMut(usize, usize, usize)) {
        if data.len() < MIN_KEYWORD {
            return;
        }
        let first = &self.first[..];
        // positions with four readable bytes: one unaligned load, fold, hash, bit test
        let mut i = 0;
        for w in data.windows(4) {
            let v = u32::from_le_bytes([w[0], w[1], w[2], w[3]]) | 0x2020_2020;
            if test(first, hash_first(v)) {
                self.second(data, i, v, true, &mut hit);
            }
            i += 1;
        }
        // the last position with three bytes left
        let n = data.len();
        if i + MIN_KEYWORD <= n {
            let t3 = fold3(data[i], data[i + 1], data[i + 2]);
            if test(&self.grams3, hash(t3)) {
                self.second(data, i, t3, false, &mut hit);
            }
        }
    }

    /// The positions that passed: the exact four- and three-byte tests, then the keywords.
    #[inline(never)]
    fn second(
        &self,
        data: &[u8],
        at: usize,
        v: u32,
        four: bool,
        hit: &mut impl FnMut(usize, usize, usize),
    ) {
        let h = hash(v);
        if four && test(&self.grams4, h) {
            self.confirm(self.entries4.of(h), data, at, v, hit);
        }
        let t3 = v & 0x00FF_FFFF;
        let h = hash(t3);
        if !self.entries3.is_empty() && test(&self.grams3, h) {
            self.confirm(self.entries3.of(h), data, at, t3, hit);
        }
    }

    fn confirm(
        &self,
        entries: &[(u32, u32)],
        data: &[u8],
        at: usize,
        t: u32,
        hit: &mut impl FnMut(usize, usize, usize),
    ) {
        for &(gram, k) in entries {
            if gram != t {
                continue;
            }
            let kw = &self.keywords[k as usize];
            let end = at + kw.len();
            if end <= data.len() && data[at..end].eq_ignore_ascii_case(kw) {
                hit(at, end, k as usize);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(p: &Prefilter, data: &[u8]) -> Vec<(usize, usize, usize)> {
        let mut v = Vec::new();
        p.for_each(data, |s, e, k| v.push((s, e, k)));
        v.sort_unstable();
        v
    }

    #[test]
    fn finds_every_occurrence_case_insensitively_and_overlapping() {
        let p = Prefilter::new(&["secret", "client_secret", "ghp_", "sg."]);
        let data = b"CLIENT_SECRET=1 ghp_x Secret msg.send";
        let h = hits(&p, data);
        assert_eq!(
            h,
            vec![
                (0, 13, 1),
                (7, 13, 0),
                (16, 20, 2),
                (22, 28, 0),
                (30, 33, 3)
            ]
        );
    }

    #[test]
    fn keywords_at_the_very_end_and_short_inputs() {
        let p = Prefilter::new(&["abc", "abcd"]);
        assert_eq!(hits(&p, b"xxabc"), vec![(2, 5, 0)]);
        assert_eq!(hits(&p, b"ab"), vec![]);
        assert_eq!(hits(&p, b""), vec![]);
        assert_eq!(hits(&p, b"abcd"), vec![(0, 3, 0), (0, 4, 1)]);
    }

    #[test]
    fn a_three_byte_keyword_is_found_whatever_follows_it() {
        let p = Prefilter::new(&["sk_", "pass"]);
        let mut data = Vec::new();
        for c in 0..=u8::MAX {
            data.extend_from_slice(b"Sk_");
            data.push(c);
        }
        let h = hits(&p, &data);
        let three = h.iter().filter(|x| x.2 == 0).count();
        let want = data
            .windows(3)
            .filter(|w| w.eq_ignore_ascii_case(b"sk_"))
            .count();
        assert!(want >= 256);
        assert_eq!(three, want);
        assert_eq!(hits(&p, b"xsk_"), vec![(1, 4, 0)]);
    }

    #[test]
    fn folded_punctuation_collisions_are_rejected_by_the_exact_check() {
        // '_' | 0x20 == DEL and '\n' | 0x20 == '*': buckets merge, matches must not
        let p = Prefilter::new(&["a_b", "x*y"]);
        assert_eq!(hits(&p, b"a\x7fb x\ny"), vec![]);
        assert_eq!(hits(&p, b"A_B x*Y"), vec![(0, 3, 0), (4, 7, 1)]);
    }

    #[test]
    fn agrees_with_a_naive_search_on_random_text() {
        let kws = [
            "pass", "token", "ghp_", "sk_live_", "eyj", "https://", "secret", "key-",
        ];
        let p = Prefilter::new(&kws);
        let mut rng = crate::rules::template_rng("prefilter", 0);
        let alphabet = b"PASStokenghp_sk_live_eyJhttps://secretkey- \n\t_-.abcXYZ0189";
        for _ in 0..200 {
            let len = (rng.next_u64() % 300) as usize;
            let data: Vec<u8> = (0..len)
                .map(|_| alphabet[(rng.next_u64() as usize) % alphabet.len()])
                .collect();
            let mut naive = Vec::new();
            for i in 0..data.len() {
                for (k, kw) in kws.iter().enumerate() {
                    if data[i..].len() >= kw.len()
                        && data[i..i + kw.len()].eq_ignore_ascii_case(kw.as_bytes())
                    {
                        naive.push((i, i + kw.len(), k));
                    }
                }
            }
            naive.sort_unstable();
            assert_eq!(hits(&p, &data), naive);
        }
    }
}
