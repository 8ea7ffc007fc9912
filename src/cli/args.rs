//! Flags as the user types them.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// keyhound finds secrets (API keys, tokens, private keys, passwords) before they leak, and the
/// ones that already did.
///
/// Exit status: 0 no findings, 1 findings, 2 something could not be scanned or failed.
#[derive(Debug, Parser)]
#[command(name = "keyhound", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// When to colour the human report and messages [NO_COLOR is respected]
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    /// Print only the report and errors (no summary, no hints)
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Also say what was skipped and why (binary, too large, symbolic link)
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and folders (honours .gitignore; hidden files are scanned)
    Dir(DirArgs),
    /// Scan standard input: `cat app.env | keyhound stdin`
    Stdin(StdinArgs),
    /// Scan what is staged for the next commit (pre-commit hook): added lines only
    Staged(StagedArgs),
    /// Scan git history: every blob of every ref, or the commits of a range with --range (CI)
    Git(GitArgs),
    /// Install a git pre-commit hook that runs `keyhound staged`
    InstallHook(InstallHookArgs),
    /// List, explain and check the detection rules
    #[command(subcommand)]
    Rules(RulesCommand),
}

#[derive(Debug, Args)]
pub struct DirArgs {
    /// Files and folders to scan [default: .]
    pub paths: Vec<PathBuf>,

    /// Also scan files that .gitignore, .ignore and git's excludes would skip
    #[arg(long)]
    pub no_ignore: bool,

    #[command(flatten)]
    pub scan: ScanArgs,
}

#[derive(Debug, Args)]
pub struct StdinArgs {
    /// Name to report findings under
    #[arg(long, default_value = "stdin")]
    pub label: String,

    #[command(flatten)]
    pub scan: ScanArgs,
}

#[derive(Debug, Args)]
pub struct StagedArgs {
    /// The repository (any folder inside its work tree)
    #[arg(long, value_name = "PATH", default_value = ".")]
    pub repo: PathBuf,

    #[command(flatten)]
    pub scan: ScanArgs,
}

#[derive(Debug, Args)]
pub struct GitArgs {
    /// The repository: a work tree (or a folder inside one) or a bare repository
    #[arg(long, value_name = "PATH", default_value = ".")]
    pub repo: PathBuf,

    /// Scan only the commits in BASE..TIP, each against its parents, added lines only. A BASE of
    /// all zeros (a new branch) means the commits no other ref reaches
    #[arg(long, value_name = "BASE..TIP")]
    pub range: Option<String>,

    /// Audit: also report secrets in objects no ref reaches (dangling, unreachable)
    #[arg(long, conflicts_with = "range")]
    pub include_unreachable: bool,

    #[command(flatten)]
    pub scan: ScanArgs,
}

#[derive(Debug, Args)]
pub struct InstallHookArgs {
    /// The repository (any folder inside its work tree)
    #[arg(long, value_name = "PATH", default_value = ".")]
    pub repo: PathBuf,

    /// Replace an existing pre-commit hook
    #[arg(long)]
    pub force: bool,
}

/// Options every scan takes.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Report format
    #[arg(short, long, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,

    /// Write the report to FILE instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Print secret values in the report (they are redacted by default; reports end up in logs)
    #[arg(long)]
    pub show_secrets: bool,

    /// Worker threads [default: one per CPU]
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// Skip files larger than this (bytes, or with a unit: 512K, 10M, 1G)
    #[arg(long, value_name = "SIZE", default_value = "10M", value_parser = parse_size)]
    pub max_file_size: u64,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the rules: id, name, keywords
    List {
        /// Output format
        #[arg(short, long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
    },
    /// Explain one rule: what it finds, what to do, how to mark a false positive
    Explain {
        /// The rule id, as shown in reports (e.g. github-pat-classic)
        id: String,
    },
    /// Compile rules and run every example and negative example (built-in rules when no FILE)
    Check {
        /// Rule files (YAML, `rules:` list) to check instead of the built-in rules
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Human,
    Json,
    Jsonl,
    Sarif,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}

/// "10M", "512k", "1GiB", "4096" → bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().map_err(|_| {
        format!("{s:?} is not a size; write bytes or a number with K, M or G (e.g. 10M)")
    })?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => {
            return Err(format!(
                "unknown size unit {other:?} in {s:?}; use K, M or G"
            ));
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("{s:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("10M"), Ok(10 << 20));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("10X").is_err());
        assert!(parse_size("99999999999999G").is_err());
    }
}
