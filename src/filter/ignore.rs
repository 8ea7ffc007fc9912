//! `.keyhoundignore`: single findings marked as not to be reported, one fingerprint per line
//! (as shown in every report), optionally followed by a `#` comment saying why.
//!
//! ```text
//! # test fixture, not a real key
//! 3f9c1e0a5b7d2c4e6f8a0b1c2d3e4f50  # tests/fixtures/aws.env, reviewed 2026-11
//! ```

use std::collections::HashSet;

/// The ignore file's name at the root of what is scanned.
pub const FILE_NAME: &str = ".keyhoundignore";

#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct IgnoreError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// Parses an ignore file into its fingerprints.
pub fn parse(file: &str, text: &str) -> Result<HashSet<String>, IgnoreError> {
    let mut out = HashSet::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let fp = line.to_ascii_lowercase();
        if fp.len() != 32 || !fp.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(IgnoreError {
                file: file.to_string(),
                line: i + 1,
                // the line is not echoed: what was written instead of a fingerprint may be
                // the secret itself
                message: "this line is not a fingerprint (its text is not shown: it may hold a \
                          secret): write the 32 hex digits a report shows as `fingerprint`, then an \
                          optional `# comment`"
                    .to_string(),
            });
        }
        out.insert(fp);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_and_comments() {
        let text = "# header\n\n3F9C1E0A5B7D2C4E6F8A0B1C2D3E4F50  # why\n0123456789abcdef0123456789abcdef\n";
        let set = parse("i", text).expect("parses");
        assert!(set.contains("3f9c1e0a5b7d2c4e6f8a0b1c2d3e4f50"));
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn a_bad_line_is_named() {
        let e = parse(
            ".keyhoundignore",
            "0123456789abcdef0123456789abcdef\nsrc/app.py:12\n",
        )
        .expect_err("bad line");
        assert!(e.to_string().starts_with(".keyhoundignore:2:"), "{e}");
        assert!(!e.to_string().contains("app.py"), "{e}");
    }
}
