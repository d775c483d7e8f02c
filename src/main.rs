// Output goes through `cli::output`, which reports a failed write instead of panicking.
#![deny(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

use rewind::cli::output::note;
use rewind::cli::{self, Cli, ExploreOptions, Failure, Outcome, SourceOptions};
use rewind::tui::evidence::Expectation;

fn main() -> ExitCode {
    let args = match Cli::try_parse() {
        Ok(args) => args,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            return match e.print() {
                Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
                    note(&format!("rewind: cannot write the output: {err}"));
                    ExitCode::from(2)
                }
                _ => ExitCode::SUCCESS,
            };
        }
        Err(e) => {
            // A value rewind's own parsers refused: worded as every other refusal (`--at: …`).
            if let Some(message) = cli::values::refused_value(&e) {
                note(&format!(
                    "rewind: {}",
                    rewind::text::escape_control(&cli::hide_urls(&message))
                ));
                return ExitCode::from(2);
            }
            // One line, like every other refusal: what was wrong, and where to look.
            let text = e.render().to_string();
            let reason: Vec<&str> = text
                .lines()
                .take_while(|l| !l.trim().is_empty())
                .map(str::trim)
                .collect();
            let reason = cli::hide_urls(&reason.join(" "));
            let reason = reason.strip_prefix("error: ").unwrap_or(&reason);
            note(&format!(
                "rewind: {reason} (`rewind --help` shows the usage)"
            ));
            return ExitCode::from(2);
        }
    };
    let outcome = match args.command {
        Some(command) => {
            // Like other command-line tools, stop quietly when the reader of stdout goes away
            // (`rewind generate … | head`).
            #[cfg(unix)]
            // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
            unsafe {
                libc::signal(libc::SIGPIPE, libc::SIG_DFL);
            }
            cli::run(command, &args.options)
        }
        None => explore(args.file.as_deref(), &args.options, &args.explore),
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            // An empty message is a quiet end (the reader of stdout went away).
            if !failure.message.is_empty() {
                note(&format!(
                    "rewind: {}",
                    rewind::text::escape_control(&cli::hide_urls(&failure.message))
                ));
            }
            ExitCode::from(failure.code)
        }
    }
}

/// Opens the explorer: the command line's options become the source layer's, and the explorer's
/// refusals become failures worded as every other.
fn explore(file: Option<&str>, options: &SourceOptions, explore: &ExploreOptions) -> Outcome {
    if file == Some("-") {
        return Err(Failure::usage(
            "-: the explorer reads its keys from the terminal, so it cannot read the log from \
             standard input: give a file, or pipe into a headless command (`rewind check -`)",
        ));
    }
    // The zone first: a name that is not one is refused before anything is read.
    let zone = match &explore.tz {
        Some(name) => rewind::tui::clock::zone(name).map_err(Failure::usage)?,
        None if std::env::var("TZ").is_ok_and(|tz| !tz.trim().is_empty()) => {
            rewind::tui::clock::system_zone()
        }
        None => None,
    };
    rewind::tui::clock::start_in(zone);
    let load = cli::load_options(options)?;
    let source = cli::source_of(file, options)?;
    let resume = match &explore.investigation {
        Some(path) => {
            Some(rewind::tui::investigation::Investigation::read(path).map_err(Failure::usage)?)
        }
        None => None,
    };
    let expected = Expectation {
        expect: explore.expect.clone(),
        keys: explore.key.clone(),
        resume,
    };
    rewind::tui::run(source, load, &options.source_options(), &expected).map_err(|e| Failure {
        code: e.code(),
        message: e.to_string(),
    })
}
