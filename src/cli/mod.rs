//! The command line: parse, open the source, hand over to one subcommand, map the outcome to an
//! exit status (0 success, 1 something wrong was found, 2 the request could not be done).

mod append;
mod balance;
mod blame;
mod check;
mod checkpoint;
mod completions;
pub mod database;
mod diff;
pub mod evidence;
mod generate;
pub mod history;
mod keygen;
pub mod output;
pub mod progress;
mod prove;
mod repair;
mod seal;
mod snapshot;
mod state;
mod topic;
pub mod values;
pub mod verify;
mod verify_bundle;
mod when;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use output::note;

use crate::ledger::time::UserTime;
use crate::ledger::{Depth, Ledger, LoadOptions, Millis};
use crate::source::pg::{Layout, PgSource};
use crate::source::{self, OpenError, Remember, Source};

#[derive(Parser, Debug)]
#[command(
    name = "rewind",
    version,
    about = "Time-travelling explorer for event-sourced ledgers",
    long_about = "Time-travelling explorer for event-sourced ledgers.\n\n\
        `rewind FILE` opens the explorer on a log; `rewind` alone opens the bundled sample. \
        The subcommands give the same answers to scripts.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Log to explore (JSON Lines or a JSON array, or a postgres:// URL); the bundled sample when
    /// absent.
    pub file: Option<String>,
    #[command(flatten)]
    pub options: SourceOptions,
    #[command(flatten)]
    pub explore: ExploreOptions,
}

/// What the explorer checks the log against, as `verify` does.
#[derive(Args, Debug, Clone, Default)]
pub struct ExploreOptions {
    /// A digest kept earlier (`SEQ:HASH`) or a signed checkpoint file: the header says whether
    /// the log still holds it.
    #[arg(long, value_name = "DIGEST|CP")]
    pub expect: Option<String>,
    /// With --expect CP: the verifier key of the checkpoint's signer (repeat for several).
    #[arg(long, value_name = "VERIFIER", requires = "expect")]
    pub key: Vec<String>,
    /// The zone the explorer shows and reads times in (an IANA name such as Europe/Berlin, UTC,
    /// or local); `TZ` when not given, else UTC. `u` switches between UTC and it.
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// A saved investigation (`:save` in the explorer) to open where it was left: the moment,
    /// order, filter, search, marks, notes and account.
    #[arg(long, value_name = "FILE")]
    pub investigation: Option<std::path::PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Balances as of a moment (default: the end of the log).
    Balance(balance::BalanceArgs),
    /// One account's statement: seq, time, type, signed amount, balance after.
    History(history::HistoryArgs),
    /// What changed between two moments: each account's balance before and after, the events
    /// between, and their totals per type.
    Diff(diff::DiffArgs),
    /// Every problem in the log, with line numbers (exit 1 when there is any).
    Check(check::CheckArgs),
    /// Appends one sealed event; prints it and the new head digest.
    Append(append::AppendArgs),
    /// Moves a torn last line (a crash mid-write) to FILE.torn; never touches complete records.
    Repair(repair::RepairArgs),
    /// Checks the hash chain; prints the head digest or the first broken record.
    Verify(verify::VerifyArgs),
    /// Writes a sealed copy of an unsealed log; never changes IN.
    Seal(seal::SealArgs),
    /// Saves balances as of a moment next to a sealed log; `balance` uses a valid one.
    Snapshot(snapshot::SnapshotArgs),
    /// A deterministic synthetic log on stdout, for demos and benchmarks.
    Generate(generate::GenerateArgs),
    /// Writes an Ed25519 signing key (mode 0600) and its C2SP verifier key.
    Keygen(keygen::KeygenArgs),
    /// Prints a signed C2SP checkpoint (origin, size, RFC 6962 root) of a sealed log.
    Checkpoint(checkpoint::CheckpointArgs),
    /// Writes an evidence bundle: records with inclusion proofs, or a consistency proof.
    Prove(prove::ProveArgs),
    /// Checks an evidence bundle offline, without the log.
    VerifyBundle(verify_bundle::VerifyBundleArgs),
    /// Prints the completion script for a shell (bash, zsh or fish).
    Completions(completions::CompletionsArgs),
    /// Prints the manual page (roff; `rewind man | man -l -`).
    Man(completions::ManArgs),
    /// One account's balance and fields as of a moment, each with the event that set it.
    State(state::StateArgs),
    /// Every change of one field of an account: time, event, old → new.
    Blame(blame::BlameArgs),
    /// Every interval in which a condition on state or on events holds.
    When(when::WhenArgs),
}

/// How to read a source, and where to remember what was seen; shared by every command that reads
/// a log.
#[derive(Args, Debug, Clone, Default)]
pub struct SourceOptions {
    /// Extra event type names (TOML: credit/debit/open/close/transfer/ignore = [names]).
    #[arg(long, value_name = "FILE", global = true)]
    pub types: Option<PathBuf>,
    /// For a postgres:// URL: the store's schema (`eventsourcing` also needs --table).
    #[arg(long, value_enum, global = true, conflicts_with = "query")]
    pub preset: Option<Preset>,
    /// For a postgres:// URL with `--preset eventsourcing`: the table of stored events.
    #[arg(long, value_name = "NAME", global = true)]
    pub table: Option<String>,
    /// For a postgres:// URL: a SELECT whose columns use the canonical names (seq, accountId, type,
    /// amount, timestamp, eventId, to, meta; a `data` JSON column is read too), ordered by seq.
    #[arg(long, value_name = "SQL", global = true)]
    pub query: Option<String>,
    /// For a kafka:// topic: read each partition from its first message at or after this moment
    /// (the brokers' offsets-for-time lookup); an offset such as `-1h` is from now.
    #[arg(long, value_name = "TIME", global = true, value_parser = values::time)]
    pub since: Option<crate::ledger::time::UserTime>,
    /// Where to remember the heads of verified logs and the trees of checked checkpoints
    /// (default: $XDG_STATE_HOME/rewind, else ~/.local/state/rewind).
    #[arg(long, value_name = "DIR", global = true)]
    pub state_dir: Option<PathBuf>,
    /// Neither check against nor remember the heads seen before.
    #[arg(long, global = true, conflicts_with = "state_dir")]
    pub no_remember: bool,
}

impl SourceOptions {
    /// Where the heads seen are remembered (`--state-dir`, `--no-remember`).
    pub fn remember(&self) -> Remember {
        match (&self.state_dir, self.no_remember) {
            (_, true) => Remember::Off,
            (Some(dir), false) => Remember::In(dir.clone()),
            (None, false) => Remember::Default,
        }
    }

    /// The options as the source layer wants them.
    pub fn source_options(&self) -> source::Options {
        source::Options {
            types: self.types.clone(),
            remember: self.remember(),
        }
    }
}

/// Event stores whose schema rewind knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Preset {
    /// Message DB (`message_store.messages`).
    MessageDb,
    /// The Python `eventsourcing` library (`--table NAME`, JSON in `state`).
    Eventsourcing,
}

/// What went wrong, and the exit status it means.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    /// The request could not be done (exit 2).
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: 2,
            message: message.into(),
        }
    }

    /// The command worked and found something wrong (exit 1).
    pub fn found(message: impl Into<String>) -> Failure {
        Failure {
            code: 1,
            message: message.into(),
        }
    }
}

/// A source that could not be read is the command's failure ([`open_failure`]).
impl From<OpenError> for Failure {
    fn from(e: OpenError) -> Failure {
        open_failure(e)
    }
}

/// The outcome of a command: `Ok(code)` after printing its answer, or a failure to report.
pub type Outcome = Result<u8, Failure>;

/// Runs a headless command.
pub fn run(command: Command, options: &SourceOptions) -> Outcome {
    match command {
        Command::Balance(args) => balance::run(args, options),
        Command::History(args) => history::run(args, options),
        Command::Diff(args) => diff::run(args, options),
        Command::Check(args) => check::run(args, options),
        Command::Append(args) => {
            written_in_place(&args.file, "append")?;
            append::run(args, options)
        }
        Command::Repair(args) => {
            files_only(&args.file, "repair")?;
            written_in_place(&args.file, "repair")?;
            repair::run(args, options)
        }
        Command::Verify(args) => verify::run(args, options),
        Command::Seal(args) => {
            files_only(&args.input, "seal")?;
            written_in_place(&args.input, "seal")?;
            seal::run(args, options)
        }
        Command::Snapshot(args) => {
            files_only(&args.file, "snapshot")?;
            written_in_place(&args.file, "snapshot")?;
            snapshot::run(args, options)
        }
        Command::Generate(args) => generate::run(args),
        Command::Keygen(args) => keygen::run(args),
        Command::Checkpoint(args) => checkpoint::run(args, options),
        Command::Prove(args) => {
            files_only(&args.file, "prove")?;
            prove::run(args, options)
        }
        Command::VerifyBundle(args) => verify_bundle::run(args, options),
        Command::Completions(args) => completions::completions(args),
        Command::Man(args) => completions::man(args),
        Command::State(args) => state::run(args, options),
        Command::Blame(args) => blame::run(args, options),
        Command::When(args) => when::run(args, options),
    }
}

/// Refuses a database URL for a command that works on log files (showing the URL as read, or
/// nothing of it when it cannot be read).
fn files_only(source: &str, command: &str) -> Result<(), Failure> {
    if source::is_address(source) {
        let url = source::shown_address(source).map_err(|e| Failure::usage(e.to_string()))?;
        return Err(Failure::usage(format!(
            "{url}: `rewind {command}` works on log files; a database or a topic keeps its own \
             history (`rewind verify` gives its digest)"
        )));
    }
    Ok(())
}

/// Refuses standard input and a compressed file for a command that writes to the log or beside
/// it: such a log is read whole into memory, and is read only.
fn written_in_place(source: &str, command: &str) -> Result<(), Failure> {
    if source == "-" {
        return Err(Failure::usage(format!(
            "-: `rewind {command}` works on a log file; standard input is read only"
        )));
    }
    let packing = source::Packing::of_file(std::path::Path::new(source));
    if packing != source::Packing::Plain {
        return Err(Failure::usage(format!(
            "{source}: {} data: `rewind {command}` works on a plain log file; a compressed log is \
             read only (decompress it first)",
            packing.name()
        )));
    }
    Ok(())
}

/// `message` with every command-line argument that is a database URL (`URL`, or `--opt=URL`)
/// replaced by the URL as read, its password masked, or by `postgres://…` when it cannot be read.
/// A message built from an argument — a refused option value, a path that is not there, an
/// argument out of place — then never shows a password, whatever built it.
pub fn hide_urls(message: &str) -> String {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .filter_map(|a| a.into_string().ok())
        .collect();
    hide_urls_among(message, &args)
}

fn hide_urls_among(message: &str, args: &[String]) -> String {
    let mut urls: Vec<&str> = args
        .iter()
        .map(|a| match a.split_once('=') {
            Some((option, value)) if option.starts_with('-') => value,
            _ => a.as_str(),
        })
        .filter(|a| source::is_address(a))
        .collect();
    // The longest first, so that a URL that holds another is replaced whole.
    urls.sort_by_key(|u| std::cmp::Reverse(u.len()));
    let mut out = message.to_string();
    for url in urls {
        if out.contains(url) {
            let shown = match source::shown_address(url) {
                Ok(shown) => shown,
                Err(_) => format!("{}://…", &url[..url.find("://").unwrap_or(0)]),
            };
            out = out.replace(url, &shown);
        }
    }
    out
}

/// The options as a loader wants them (reads `--types`).
pub fn load_options(options: &SourceOptions) -> Result<LoadOptions, Failure> {
    options
        .source_options()
        .load_options()
        .map_err(open_failure)
}

/// The source an argument names: a postgres:// URL read as the options say, else a log file;
/// the bundled sample when there is none.
pub fn source_of(arg: Option<&str>, options: &SourceOptions) -> Result<Source, Failure> {
    let Some(arg) = arg else {
        return Ok(Source::Sample);
    };
    if arg == "-" {
        return Ok(Source::Stdin);
    }
    if crate::source::kafka::is_url(arg.trim_start()) {
        return topic_source(arg.trim_start(), options).map(|t| Source::Kafka(Box::new(t)));
    }
    if options.since.is_some() {
        return Err(Failure::usage(format!(
            "{}: --since is for kafka:// topics (a log's moments are chosen with --at or --from)",
            if source::is_address(arg) {
                source::shown_address(arg).unwrap_or_else(|_| "postgres://…".into())
            } else {
                arg.to_string()
            }
        )));
    }
    Ok(match pg_source(arg, options)? {
        Some(db) => Source::Pg(Box::new(db)),
        None => Source::File(PathBuf::from(arg)),
    })
}

/// The Kafka topic an address and the options name.
fn topic_source(arg: &str, options: &SourceOptions) -> Result<source::kafka::KafkaSource, Failure> {
    let shown = source::shown_address(arg).map_err(Failure::usage)?;
    if options.preset.is_some() || options.table.is_some() || options.query.is_some() {
        return Err(Failure::usage(format!(
            "{shown}: --preset, --table and --query are for postgres:// URLs"
        )));
    }
    let now = chrono::Utc::now().timestamp_millis();
    let since = options
        .since
        .as_ref()
        .map(|t| t.resolve(now))
        .transpose()
        .map_err(|e| Failure::usage(format!("{shown}: --since: {e}")))?;
    source::kafka::KafkaSource::new(arg, since).map_err(|e| Failure::usage(e.to_string()))
}

/// A source that could not be opened, as the command's failure: exit 130 when it was
/// interrupted, else 2.
pub fn open_failure(e: OpenError) -> Failure {
    if e.is_interrupted() {
        Failure {
            code: progress::INTERRUPTED,
            message: e.to_string(),
        }
    } else {
        Failure::usage(e.to_string())
    }
}

/// The PostgreSQL source a URL and the options name; `Ok(None)` when `source` is not a URL.
fn pg_source(source: &str, options: &SourceOptions) -> Result<Option<PgSource>, Failure> {
    if !source::is_address(source) {
        if options.preset.is_some() || options.table.is_some() || options.query.is_some() {
            return Err(Failure::usage(format!(
                "{source}: --preset, --table and --query are for postgres:// URLs"
            )));
        }
        return Ok(None);
    }
    let shown = source::shown_address(source).map_err(|e| Failure::usage(e.to_string()))?;
    let layout = match (options.preset, &options.table, &options.query) {
        (Some(Preset::MessageDb), None, None) => Layout::MessageDb,
        (Some(Preset::MessageDb), Some(_), _) => {
            return Err(Failure::usage(format!(
                "{shown}: --table is for --preset eventsourcing (Message DB's table is \
                 message_store.messages)"
            )));
        }
        (Some(Preset::Eventsourcing), Some(table), None) => Layout::Eventsourcing {
            table: table.clone(),
        },
        (Some(Preset::Eventsourcing), None, _) => {
            return Err(Failure::usage(format!(
                "{shown}: --preset eventsourcing needs --table NAME (the stored events table)"
            )));
        }
        (None, None, Some(sql)) => Layout::Query { sql: sql.clone() },
        (None, Some(_), _) => {
            return Err(Failure::usage(format!(
                "{shown}: --table goes with --preset eventsourcing"
            )));
        }
        _ => {
            return Err(Failure::usage(format!(
                "{shown}: say where the events are: --preset message-db, \
                 --preset eventsourcing --table NAME, or --query SQL"
            )));
        }
    };
    PgSource::new(source, layout)
        .map(Some)
        .map_err(|e| Failure::usage(e.to_string()))
}

/// Makes Ctrl-C stop the source's waits (a database's query is cancelled on the server), for a
/// command on the command line; a second Ctrl-C ends the process at once. (A file's read is
/// stopped by [`progress::load_reporting`].)
pub fn interruptible(source: &Source) {
    if let Some(flag) = source.stop_flag() {
        progress::watch_interrupts(flag);
    }
}

/// Opens a source: a file path, a postgres:// URL, or the bundled sample when `source` is `None`.
pub fn open(source: Option<&str>, options: &SourceOptions) -> Result<Ledger, Failure> {
    open_at_depth(source, options, Depth::default())
}

/// Opens a source for one question: the problems and the state at the end of the log are
/// indexed, other moments are one replay (see [`Depth::Summary`]).
pub fn open_summary(source: &str, options: &SourceOptions) -> Result<Ledger, Failure> {
    open_at_depth(Some(source), options, Depth::Summary)
}

fn open_at_depth(
    source: Option<&str>,
    options: &SourceOptions,
    depth: Depth,
) -> Result<Ledger, Failure> {
    let load = LoadOptions {
        depth,
        ..load_options(options)?
    };
    progress::load_reporting(&source_of(source, options)?, &load)
}

/// The moment of a time given on the command line (read before the log was opened), an offset
/// such as `-15m` taken from the last event, `last_time`.
pub fn resolve_time(
    time: &UserTime,
    last_time: Option<Millis>,
    flag: &str,
) -> Result<Millis, Failure> {
    time.resolve(last_time.unwrap_or(0))
        .map_err(|e| Failure::usage(format!("{flag}: {e}")))
}

/// The moment asked for by `--at TIME` or `--seq N` (the end of the log when neither), an
/// offset taken from the log's latest time.
pub fn moment_asked(
    at: Option<&UserTime>,
    seq: Option<u64>,
    last_time: Option<Millis>,
) -> Result<crate::ledger::Moment, Failure> {
    use crate::ledger::Moment;
    Ok(match (at, seq) {
        (Some(t), _) => Moment::Time(resolve_time(t, last_time, "--at")?),
        (None, Some(n)) => Moment::Seq(n),
        (None, None) => Moment::End,
    })
}

/// Looks up an account by name, suggesting near names when it is not there.
pub fn find_account(ledger: &Ledger, name: &str) -> Result<crate::ledger::AccountId, Failure> {
    // A name only ever seen as the `to` of an event that is not a transfer is no account.
    if let Some(a) = ledger.find_account(name)
        && ledger
            .accounts_sorted()
            .binary_search_by(|&x| ledger.account_name(x).cmp(name))
            .is_ok()
    {
        return Ok(a);
    }
    Err(no_such_account(
        ledger.name(),
        ledger
            .accounts_sorted()
            .iter()
            .map(|&a| ledger.account_name(a)),
        name,
    ))
}

/// The error for an account that is not in the log, suggesting near names among `names`.
pub fn no_such_account<'a>(log: &str, names: impl Iterator<Item = &'a str>, name: &str) -> Failure {
    let lower = name.to_lowercase();
    let mut near: Vec<(usize, &str)> = names
        .filter_map(|n| {
            let candidate = n.to_lowercase();
            let distance = strsim::levenshtein(&lower, &candidate);
            let close = distance <= 2 || candidate.contains(&lower) || lower.contains(&candidate);
            close.then_some((distance, n))
        })
        .collect();
    near.sort();
    let near: Vec<&str> = near.into_iter().take(3).map(|(_, n)| n).collect();
    let hint = if near.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", near.join(", "))
    };
    Failure::usage(format!("{log}: no account `{name}` in the log{hint}"))
}

/// Tells on stderr that a log has problems, for commands that still answer.
pub fn note_problems(ledger: &Ledger) {
    let n = ledger.problems().len();
    if n > 0 {
        note(&format!(
            "rewind: note: {} has {n} problem{}; `rewind check` lists them",
            ledger.name(),
            if n == 1 { "" } else { "s" }
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_among_the_arguments_are_masked_in_any_message() {
        let args: Vec<String> = [
            "balance",
            "postgres://ann:hunter22@h/db",
            "--seq=postgres://ann:other-pw@h/db",
            "postgres://u:a?b@h/db",
            "./postgres.jsonl",
        ]
        .map(String::from)
        .to_vec();
        let message = "unexpected argument 'postgres://ann:hunter22@h/db' found; invalid value \
                       'postgres://ann:other-pw@h/db' for '--seq'; postgres://u:a?b@h/db: no such \
                       file; ./postgres.jsonl";
        assert_eq!(
            hide_urls_among(message, &args),
            "unexpected argument 'postgres://ann:***@h/db' found; invalid value \
             'postgres://ann:***@h/db' for '--seq'; postgres://…: no such file; ./postgres.jsonl"
        );
        // A message without them is left as it is.
        assert_eq!(hide_urls_among("a plain message", &args), "a plain message");
    }
}
