//! Binary detection, the way git decides (a NUL byte in the first 8000 bytes), except for files
//! whose name says they are text or configuration (`.env`, YAML, JSON, properties, source
//! code): one stray NUL must not hide a whole `.env` from every scan. Sources read a file's first
//! `PEEK` bytes before the rest, so a large binary file is never read whole.

/// How much of a file decides whether it is binary.
pub const PEEK: usize = 8000;

/// Whether a NUL byte is in the first `PEEK` bytes.
pub fn looks_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(PEEK)]).is_some()
}

/// Whether a file at `path` (empty: unknown) with these contents is skipped as binary.
pub fn is_binary(path: &str, bytes: &[u8]) -> bool {
    looks_binary(bytes) && !named_as_text(path)
}

/// Extensions of text and configuration files, and of source code, in lower case.
const TEXT_EXTENSIONS: &[&str] = &[
    "env",
    "yml",
    "yaml",
    "json",
    "jsonc",
    "json5",
    "properties",
    "ini",
    "cfg",
    "conf",
    "config",
    "cnf",
    "toml",
    "xml",
    "plist",
    "txt",
    "md",
    "rst",
    "csv",
    "tsv",
    "sql",
    "tf",
    "tfvars",
    "hcl",
    "tfstate",
    "pem",
    "key",
    "crt",
    "cer",
    "pub",
    "sh",
    "bash",
    "zsh",
    "fish",
    "ps1",
    "psm1",
    "bat",
    "cmd",
    "py",
    "rb",
    "js",
    "mjs",
    "cjs",
    "ts",
    "tsx",
    "jsx",
    "go",
    "rs",
    "java",
    "kt",
    "kts",
    "scala",
    "groovy",
    "gradle",
    "cs",
    "fs",
    "vb",
    "c",
    "h",
    "cc",
    "cpp",
    "hpp",
    "m",
    "swift",
    "php",
    "pl",
    "pm",
    "lua",
    "r",
    "dart",
    "ex",
    "exs",
    "erl",
    "hs",
    "clj",
    "vue",
    "svelte",
    "html",
    "htm",
    "css",
    "scss",
    "less",
    "ipynb",
    "npmrc",
    "pypirc",
    "netrc",
    "log",
];

/// Whether the file name says text or configuration: a known extension, a dotfile of
/// configuration (`.env`, `.env.local`, `.npmrc`), or a well-known text file name.
pub fn named_as_text(path: &str) -> bool {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    if name.is_empty() {
        return false;
    }
    let lower = name.to_ascii_lowercase();
    if lower == ".env" || lower.starts_with(".env.") {
        return true;
    }
    if matches!(
        lower.as_str(),
        "dockerfile"
            | "makefile"
            | "jenkinsfile"
            | "vagrantfile"
            | "gemfile"
            | "procfile"
            | ".netrc"
            | "_netrc"
            | ".git-credentials"
            | ".htpasswd"
            | "credentials"
            | "config"
    ) {
        return true;
    }
    lower
        .rsplit_once('.')
        .is_some_and(|(_, ext)| TEXT_EXTENSIONS.contains(&ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_early_means_binary() {
        assert!(looks_binary(b"\x89PNG\r\n\x1a\n\0\0\0"));
        assert!(!looks_binary(b"plain text\n"));
        assert!(!looks_binary(
            b"caf\xc3\xa9 \xff\xfe invalid utf-8 is still text"
        ));
        let mut late = vec![b'a'; 9000];
        late[8500] = 0;
        assert!(!looks_binary(&late));
    }

    #[test]
    fn a_text_name_is_scanned_whatever_its_bytes() {
        let nul = b"A=1\0\nTOKEN=x\n";
        for (path, binary) in [
            (".env", false),
            ("config/.env.production", false),
            ("deploy/app.env", false),
            ("values.YAML", false),
            ("src/main.rs", false),
            ("settings.json", false),
            ("app.properties", false),
            ("Dockerfile", false),
            ("logo.png", true),
            ("archive.tar", true),
            ("", true),
            ("noext", true),
        ] {
            assert_eq!(is_binary(path, nul), binary, "{path}");
        }
        assert!(!is_binary("logo.png", b"no nul here"));
    }
}
