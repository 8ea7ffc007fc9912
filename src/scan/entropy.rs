//! Shannon entropy of a byte string, in bits per byte. No allocation: a 256-entry count array on
//! the stack.

pub fn shannon(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[usize::from(b)] += 1;
    }
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// How far below a rule's entropy bar a value written only in hex digits may fall.
///
/// A rule's bar is set for the values it usually sees (letters, digits and symbols: up to 6 bits a
/// character), but hex has 4, so the same bar misses random hex keys by chance: at 3.5 bits, 18%
/// of random 32-digit and 55% of 24-digit values fall below it; at 3.0, 0.01% and 0.5%.
const HEX_ALLOWANCE: f64 = 0.5;

/// True when `secret` has at least `min` bits of Shannon entropy per byte, judged against what
/// its own alphabet allows (a value written only in hex digits gets [`HEX_ALLOWANCE`]).
pub fn enough(secret: &[u8], min: f64) -> bool {
    let e = shannon(secret);
    if e >= min {
        return true;
    }
    let hex = secret.iter().all(u8::is_ascii_hexdigit)
        && !(secret.iter().any(u8::is_ascii_lowercase)
            && secret.iter().any(u8::is_ascii_uppercase));
    hex && e >= min - HEX_ALLOWANCE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_values_are_judged_against_the_hex_alphabet() {
        // 3.20 bits: below a 3.5 bar, but a plausible random 32-digit hex key
        let key = b"3393623b42cc369cf72b1a6c33991494";
        assert!(shannon(key) < 3.5);
        assert!(enough(key, 3.5));
        assert!(!enough(key, 3.8));
        // the same counts of letters in another alphabet get no allowance
        assert!(!enough(b"3393623x42xx369xz72x1y6x33991494", 3.5));
        // nor does mixed-case hex, which is not how hex is written
        assert!(!enough(b"3393623B42cc369Cf72b1A6c33991494", 3.6));
        assert!(!enough(b"00000000000000000000000000000000", 3.0));
    }

    #[test]
    fn entropy_of_known_strings() {
        assert_eq!(shannon(b""), 0.0);
        assert_eq!(shannon(b"aaaa"), 0.0);
        assert!((shannon(b"abab") - 1.0).abs() < 1e-9);
        assert!((shannon(b"0123456789abcdef") - 4.0).abs() < 1e-9);
    }
}
