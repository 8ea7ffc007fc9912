//! The command line: clap structs holding the raw flags (`args`), and `run`, which turns them into
//! a resolved plan, runs it and writes the report. clap and anyhow stay inside this module and
//! `main.rs`.

mod args;
mod ci;
mod config_cmd;
mod hook;
mod progress;
mod rules_cmd;
mod run;
mod setup;

pub use args::Cli;
pub use run::main_with;
