//! `rewind generate`: a deterministic synthetic log on stdout.

use clap::Args;

use super::output::output_failure;
use super::{Failure, Outcome};
use crate::ledger::generate::{GenerateOptions, MAX_ACCOUNTS, MAX_EVENTS, SizeError, generate};

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// Number of events (at most 10,000,000,000).
    #[arg(long, value_name = "N")]
    pub events: u64,
    /// Number of accounts (1 to 10,000,000).
    #[arg(long, value_name = "M")]
    pub accounts: u64,
    /// Seed: the same seed gives the same bytes.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Write a sealed (hash-chained) log.
    #[arg(long)]
    pub sealed: bool,
}

pub fn run(args: GenerateArgs) -> Outcome {
    let options = GenerateOptions {
        events: args.events,
        accounts: args.accounts,
        seed: args.seed,
        sealed: args.sealed,
    };
    options.check().map_err(|e| {
        Failure::usage(match e {
            SizeError::Accounts(n) => format!(
                "--accounts {n}: give 1 to {} accounts (each account's balance is kept in memory)",
                crate::text::group(MAX_ACCOUNTS)
            ),
            SizeError::Events(n) => format!(
                "--events {n}: give at most {} events",
                crate::text::group(MAX_EVENTS)
            ),
        })
    })?;
    match generate(options, std::io::stdout().lock()) {
        Ok(()) => Ok(0),
        // The reader stopped early (`| head`): not an error of ours.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(output_failure(&e, None)),
    }
}
