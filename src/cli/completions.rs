//! `rewind completions SHELL` and `rewind man`: a shell's completion script and the manual page,
//! both made from the same definitions as the command line itself, so they never fall behind it.

use clap::{Args, CommandFactory, ValueEnum};

use super::output::print;
use super::{Cli, Failure, Outcome};

/// The shells a completion script is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Args, Debug)]
pub struct ManArgs {
    /// A subcommand's page (`rewind-balance(1)`, …) instead of rewind's own.
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

/// Prints the completion script for a shell.
pub fn completions(args: CompletionsArgs) -> Outcome {
    let shell = match args.shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "rewind", &mut script);
    print(&text(script)?)?;
    Ok(0)
}

/// Prints a manual page (roff), for `man -l` or a `man1` folder: rewind's own, which lists the
/// subcommands, or one subcommand's.
pub fn man(args: ManArgs) -> Outcome {
    // `help` is no page of its own; built, the subcommands take their page names
    // (`rewind-balance`) and the global options.
    let mut cli = Cli::command().disable_help_subcommand(true);
    cli.build();
    let command = match &args.command {
        None => cli,
        Some(name) => match cli.find_subcommand(name) {
            Some(sub) => sub.clone(),
            None => {
                let names: Vec<&str> = cli.get_subcommands().map(|c| c.get_name()).collect();
                return Err(Failure::usage(format!(
                    "no subcommand `{name}` (the pages are: {})",
                    names.join(", ")
                )));
            }
        },
    };
    let mut page = Vec::new();
    clap_mangen::Man::new(command)
        .source(format!("rewind {}", env!("CARGO_PKG_VERSION")))
        .render(&mut page)
        .map_err(|e| Failure::usage(format!("cannot write the manual page: {e}")))?;
    print(&text(page)?)?;
    Ok(0)
}

fn text(bytes: Vec<u8>) -> Result<String, Failure> {
    String::from_utf8(bytes).map_err(|e| Failure::usage(format!("not UTF-8: {e}")))
}
