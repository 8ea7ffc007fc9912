//! The `keyhound` binary: parse the command line, run, map the outcome to an exit code. A closed
//! pipe on standard output ends the run quietly.

use clap::Parser;
use keyhound::cli::{Cli, main_with};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match main_with(cli) {
        Ok(status) => ExitCode::from(status.code()),
        Err(e) => {
            let broken_pipe = e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            });
            if !broken_pipe {
                eprintln!("keyhound: error: {e:#}");
            }
            ExitCode::from(2)
        }
    }
}
