//! Text that came from scanned content (file and tree entry names, commit authors, labels, shown
//! secret values, messages that quote them) made safe for a terminal or a CI log: every control
//! character is written as an escape, so a file name cannot clear the screen, retitle the
//! terminal, forge report lines with a newline or reorder what is shown with bidi overrides
//! ("Trojan Source"). As git's `core.quotePath` and ripgrep do for names. The human report and
//! every message on standard error print such text only through `escape`; JSON and SARIF escape
//! by their own rules and do not use it.

use std::fmt;

/// `text` as it may be printed in a human-facing message. Escaped: C0 controls (`\n`, `\r`, `\t`,
/// others as `\x1b`), DEL (`\x7f`), C1 controls U+0080–U+009F (`\u{9b}`), the Unicode bidi
/// embeddings, overrides, isolates and marks (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F,
/// U+061C) and the line and paragraph separators U+2028/U+2029. Everything else, backslashes
/// included, is written as it is (the JSON report has the exact text).
pub fn escape(text: &str) -> Escaped<'_> {
    Escaped(text)
}

/// Displays its text escaped; see [`escape`].
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a>(&'a str);

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some((i, c)) = rest.char_indices().find(|&(_, c)| needs_escape(c)) {
            f.write_str(&rest[..i])?;
            match c {
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                c if c.is_ascii() => write!(f, "\\x{:02x}", u32::from(c))?,
                c => write!(f, "\\u{{{:x}}}", u32::from(c))?,
            }
            rest = &rest[i + c.len_utf8()..];
        }
        f.write_str(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_the_rest_is_kept() {
        let cases: &[(&str, &str)] = &[
            ("", ""),
            ("src/app.env", "src/app.env"),
            (
                "caf\u{e9} \u{65e5}\u{672c}/\u{1f511}.txt",
                "caf\u{e9} \u{65e5}\u{672c}/\u{1f511}.txt",
            ),
            ("a b\\c\"d'", "a b\\c\"d'"),
            ("line\nbreak", "line\\nbreak"),
            ("cr\rlf\r\n", "cr\\rlf\\r\\n"),
            ("tab\there", "tab\\there"),
            ("nul\0", "nul\\x00"),
            (
                "x\u{1b}[2J\u{1b}]0;PWNED\u{7}.env",
                "x\\x1b[2J\\x1b]0;PWNED\\x07.env",
            ),
            ("bs\u{8}del\u{7f}", "bs\\x08del\\x7f"),
            ("\u{1f}unit", "\\x1funit"),
            (
                "c1 \u{80}\u{85}\u{9b}31m\u{9f}",
                "c1 \\u{80}\\u{85}\\u{9b}31m\\u{9f}",
            ),
            ("\u{a0}nbsp", "\u{a0}nbsp"),
            ("rlo\u{202e}txt.exe", "rlo\\u{202e}txt.exe"),
            (
                "\u{202a}\u{202b}\u{202c}\u{202d}",
                "\\u{202a}\\u{202b}\\u{202c}\\u{202d}",
            ),
            (
                "\u{2066}\u{2067}\u{2068}\u{2069}",
                "\\u{2066}\\u{2067}\\u{2068}\\u{2069}",
            ),
            ("\u{200e}\u{200f}\u{61c}", "\\u{200e}\\u{200f}\\u{61c}"),
            ("ls\u{2028}ps\u{2029}", "ls\\u{2028}ps\\u{2029}"),
            ("\u{200b}zwsp\u{feff}", "\u{200b}zwsp\u{feff}"),
            ("\u{fffd}lossy", "\u{fffd}lossy"),
        ];
        for (raw, want) in cases {
            assert_eq!(escape(raw).to_string(), *want, "escaping {raw:?}");
        }
    }

    #[test]
    fn escaped_text_holds_no_control_or_bidi_character() {
        let all: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        let out = escape(&all).to_string();
        assert!(!out.chars().any(needs_escape), "{out:?}");
        assert!(out.contains("\\x1b") && out.contains("\\u{202e}"));
    }
}
