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
    /// CI: scan what the GitHub Actions or GitLab CI event brings (a push, a pull or merge
    /// request, a schedule) and write the platform's report; --base/--head elsewhere
    Ci(CiArgs),
    /// Record today's findings in a baseline file; later scans with --baseline report only new ones
    Baseline(BaselineArgs),
    /// Install a git pre-commit hook that runs `keyhound staged`
    InstallHook(InstallHookArgs),
    /// Work with config files: import a gitleaks config, check a config
    #[command(subcommand)]
    Config(ConfigCommand),
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

    /// Read .keyhound.yml and .keyhoundignore as they are in commit REF (e.g. the base of a pull
    /// request), so a change cannot allowlist its own secret
    #[arg(long, value_name = "REF", conflicts_with_all = ["config", "no_config"])]
    pub config_from_ref: Option<String>,

    #[command(flatten)]
    pub scan: ScanArgs,
}

#[derive(Debug, Args)]
pub struct CiArgs {
    /// The repository (a work tree or a folder inside one)
    #[arg(long, value_name = "PATH", default_value = ".")]
    pub repo: PathBuf,

    /// Scan BASE..HEAD instead of what the event says (any other CI: the target branch, or the
    /// last commit built); config is read from BASE
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,

    /// The last commit to scan [default: the event's, else HEAD]; without --base, the commits of
    /// HEAD that the default branch does not have
    #[arg(long, value_name = "REV")]
    pub head: Option<String>,

    /// Audit the whole history, whatever the event
    #[arg(long, conflicts_with_all = ["base", "head"])]
    pub audit: bool,

    /// The default branch [default: the platform's, else origin/HEAD, main or master]
    #[arg(long, value_name = "NAME")]
    pub default_branch: Option<String>,

    /// Also write SARIF to FILE [default on GitHub Actions: keyhound.sarif]
    #[arg(long, value_name = "FILE")]
    pub sarif_output: Option<PathBuf>,

    /// Also write GitLab's secret-detection report to FILE [default on GitLab CI:
    /// gl-secret-detection-report.json]
    #[arg(long, value_name = "FILE")]
    pub gitlab_output: Option<PathBuf>,

    /// Append a markdown summary to FILE [default: $GITHUB_STEP_SUMMARY]
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,

    #[command(flatten)]
    pub scan: ScanArgs,
}

#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// The baseline file to write (e.g. .keyhound-baseline.json)
    pub file: PathBuf,

    /// What to scan: a repository (its whole history) or a folder [default: .]
    #[arg(long, value_name = "PATH", default_value = ".")]
    pub repo: PathBuf,

    /// Scan the folder's files instead of the repository's history
    #[arg(long)]
    pub dir: bool,

    #[command(flatten)]
    pub config: ConfigArgs,

    /// Worker threads [default: one per CPU]
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// Skip files larger than this (bytes, or with a unit: 512K, 10M, 1G)
    #[arg(long, value_name = "SIZE", default_value = "10M", value_parser = parse_size)]
    pub max_file_size: u64,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Convert a gitleaks config (.gitleaks.toml) into .keyhound.yml and say what did not carry over
    ImportGitleaks {
        /// The gitleaks config
        file: PathBuf,
        /// Where to write the keyhound config
        #[arg(short, long, value_name = "FILE", default_value = ".keyhound.yml")]
        output: PathBuf,
        /// Replace the output file if it exists
        #[arg(long)]
        force: bool,
    },
    /// Load a config and report the first problem (file:line:column), or how many rules it runs
    Check {
        /// The config file [default: .keyhound.yml]
        file: Option<PathBuf>,
        #[command(flatten)]
        limits: LimitArgs,
    },
}

/// Which config a scan uses.
#[derive(Debug, Args, Default)]
pub struct ConfigArgs {
    /// Config file [default: .keyhound.yml at the root of what is scanned]
    #[arg(long, value_name = "FILE", env = "KEYHOUND_CONFIG")]
    pub config: Option<PathBuf>,

    /// Use no config file and no .keyhoundignore: the built-in rules, nothing allowlisted
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,

    #[command(flatten)]
    pub limits: LimitArgs,

    #[command(flatten)]
    pub select: SelectArgs,
}

/// Which rules run and which findings are reported (on top of the config).
#[derive(Debug, Args, Default, Clone)]
pub struct SelectArgs {
    /// Run only this rule (repeatable; a glob such as `aws-*` selects every rule it matches).
    /// The engine is built with the selected rules only, so a narrow scan is faster
    #[arg(long = "rule", value_name = "ID")]
    pub rules: Vec<String>,

    /// Do not run this rule (repeatable; globs as for --rule)
    #[arg(long = "exclude-rule", value_name = "ID")]
    pub exclude_rules: Vec<String>,

    /// Report only findings of this severity or higher; the others are counted in the summary
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub min_severity: Option<Level>,
}

/// A severity, as named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Level {
    Critical,
    High,
    Medium,
    Low,
}

impl Level {
    pub fn severity(self) -> crate::rules::Severity {
        use crate::rules::Severity;
        match self {
            Level::Critical => Severity::Critical,
            Level::High => Severity::High,
            Level::Medium => Severity::Medium,
            Level::Low => Severity::Low,
        }
    }
}

/// `--fail-on`: the lowest severity whose findings fail the run (exit 1), or never.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    /// Findings never fail the run (exit 0); what could not be scanned still exits 2
    Never,
}

impl FailOn {
    /// The lowest severity that fails the run; none for `never`.
    pub fn threshold(self) -> Option<crate::rules::Severity> {
        match self {
            FailOn::Critical => Some(Level::Critical.severity()),
            FailOn::High => Some(Level::High.severity()),
            FailOn::Medium => Some(Level::Medium.severity()),
            FailOn::Low => Some(Level::Low.severity()),
            FailOn::Never => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::Critical => "critical",
            FailOn::High => "high",
            FailOn::Medium => "medium",
            FailOn::Low => "low",
            FailOn::Never => "never",
        }
    }
}

/// Size limits of the files read from the scanned repository (they are its content).
#[derive(Debug, Args, Clone, Copy)]
pub struct LimitArgs {
    /// Refuse a .keyhound.yml or .keyhoundignore larger than this
    #[arg(long, value_name = "SIZE", default_value = "1M", value_parser = parse_size, env = "KEYHOUND_MAX_CONFIG_SIZE")]
    pub max_config_size: u64,

    /// Refuse a baseline larger than this
    #[arg(long, value_name = "SIZE", default_value = "32M", value_parser = parse_size, env = "KEYHOUND_MAX_BASELINE_SIZE")]
    pub max_baseline_size: u64,
}

impl Default for LimitArgs {
    fn default() -> LimitArgs {
        LimitArgs {
            max_config_size: crate::config::limits::DEFAULT_CONFIG,
            max_baseline_size: crate::config::limits::DEFAULT_BASELINE,
        }
    }
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
    #[command(flatten)]
    pub config: ConfigArgs,

    /// Report only findings that are not in this baseline (written by `keyhound baseline`; a
    /// keyhound or gitleaks JSON report works too)
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Also write this scan's findings to FILE as a baseline
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Report format
    #[arg(short, long, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,

    /// Write the report to FILE instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Print secret values in the report (they are redacted by default; reports end up in logs)
    #[arg(long)]
    pub show_secrets: bool,

    /// Exit 1 only for findings of this severity or higher (`never`: findings alone exit 0).
    /// Anything that could not be scanned still exits 2
    #[arg(long, value_enum, value_name = "LEVEL", default_value_t = FailOn::Low)]
    pub fail_on: FailOn,

    /// Human report: show N lines before and after each finding, every secret in them masked
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub context: u32,

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
        /// Check the custom rules of this config file instead
        #[arg(long, value_name = "FILE", conflicts_with = "files")]
        config: Option<PathBuf>,
        #[command(flatten)]
        limits: LimitArgs,
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
    /// GitLab's secret-detection report (gl-secret-detection-report.json)
    Gitlab,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
    /// The rule catalogue table of rules/README.md
    Markdown,
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
