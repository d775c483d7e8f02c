//! `rewind generate`: a deterministic synthetic log on stdout.

use clap::Args;

use super::output::output_failure;
use super::{Failure, Outcome};
use crate::ledger::generate::{GenerateOptions, MAX_ACCOUNTS, MAX_EVENTS, SizeError, generate};
use crate::ledger::stories::{Story, write_story};

/// The investigations `--story` writes.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum StoryName {
    /// A card export of 3,000 events: cust-0417 disputes a charge of 14 May (README, "A disputed
    /// charge, key by key").
    Dispute,
    /// A sealed ledger of 14,000 events: a bill batch applied 50 bills twice (README, "A batch
    /// applied twice, key by key").
    Incident,
}

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// Number of events (at most 10,000,000,000).
    #[arg(long, value_name = "N", required_unless_present = "story")]
    pub events: Option<u64>,
    /// Number of accounts (1 to 10,000,000).
    #[arg(long, value_name = "M", required_unless_present = "story")]
    pub accounts: Option<u64>,
    /// A log that holds one investigation, the same bytes every time (instead of --events).
    #[arg(long, value_enum, conflicts_with_all = ["events", "accounts", "seed", "sealed"])]
    pub story: Option<StoryName>,
    /// Seed: the same seed gives the same bytes.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Write a sealed (hash-chained) log.
    #[arg(long)]
    pub sealed: bool,
}

pub fn run(args: GenerateArgs) -> Outcome {
    let written = match args.story {
        Some(StoryName::Dispute) => Some(write_story(Story::Dispute, std::io::stdout().lock())),
        Some(StoryName::Incident) => Some(write_story(Story::Incident, std::io::stdout().lock())),
        None => None,
    };
    if let Some(written) = written {
        return match written {
            Ok(()) => Ok(0),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
            Err(e) => Err(output_failure(&e, None)),
        };
    }
    let options = GenerateOptions {
        events: args.events.unwrap_or(0),
        accounts: args.accounts.unwrap_or(0),
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
