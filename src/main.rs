use std::process::ExitCode;

use clap::Parser;

use rewind::cli::{self, Cli};

fn main() -> ExitCode {
    let args = Cli::parse();
    let outcome = match args.command {
        Some(command) => cli::run(command, &args.options),
        None => rewind::tui::run(args.file.as_deref(), &args.options),
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("rewind: {}", rewind::text::escape_control(&failure.message));
            ExitCode::from(failure.code)
        }
    }
}
