//! The `keyhound` binary: parse the command line, run, map the outcome to an exit code. A closed
//! pipe on standard output ends the run quietly. An error may quote a path, a revision or a
//! config value from the scanned repository, so it is printed through `report::escape`.

use clap::Parser;
use keyhound::cli::{Cli, main_with};
use keyhound::report::escape;
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
                // a multi-line error (a regex parse error points at the pattern with a caret
                // under it) keeps its layout, and every line of it says whose it is
                let text = format!("{e:#}");
                let mut lines = text.lines();
                eprintln!(
                    "keyhound: error: {}",
                    escape(lines.next().unwrap_or_default())
                );
                for line in lines {
                    eprintln!("keyhound: {}", escape(line));
                }
            }
            ExitCode::from(2)
        }
    }
}
