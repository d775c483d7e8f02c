//! `rewind balance`: balances as of a moment.

use std::path::Path;

use clap::Args;
use serde::Serialize;

use super::output::{Align, Table, json_line, note, print};
use super::{
    Failure, Outcome, SourceOptions, find_account, load_options, moment_asked, no_such_account,
    note_problems, open_summary, values,
};
use crate::ledger::snapshot::{self, NamedState, Resumed};
use crate::ledger::time::{UserTime, format_time};
use crate::ledger::{Moment, Money, ProblemKind};

#[derive(Args, Debug)]
pub struct BalanceArgs {
    /// Log file, or a postgres:// URL (with --preset or --query).
    pub file: String,
    /// Only this account.
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// As of this time, inclusive: RFC 3339, `YYYY-MM-DD HH:MM[:SS]`, epoch ms, epoch seconds
    /// with `s` (`1710431940s`), or `-15m` from the last event.
    #[arg(
        long,
        value_name = "TIME",
        conflicts_with = "seq",
        allow_hyphen_values = true,
        value_parser = values::time
    )]
    pub at: Option<UserTime>,
    /// As of the first N events in recorded order.
    #[arg(long, value_name = "N")]
    pub seq: Option<u64>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Replay the whole log even when a snapshot (`rewind snapshot`) could answer.
    #[arg(long)]
    pub no_snapshot: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AsOf {
    timestamp: Option<String>,
    seq: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AccountRow<'a> {
    account_id: &'a str,
    balance: Money,
    events: usize,
    exists: bool,
    closed: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    as_of: AsOf,
    accounts: Vec<AccountRow<'a>>,
}

/// The moment asked for when it does not depend on the log (not relative to its last event).
fn absolute_moment(args: &BalanceArgs) -> Option<Moment> {
    match (&args.at, args.seq) {
        (Some(t), _) => t.absolute().map(Moment::Time),
        (None, Some(n)) => Some(Moment::Seq(n)),
        (None, None) => Some(Moment::End),
    }
}

/// What `balance` answers, however it was computed.
struct Answer {
    as_of: AsOf,
    states: Vec<NamedState>,
    /// Events in the whole log.
    total: usize,
}

impl Answer {
    fn report(&self) -> Report<'_> {
        Report {
            as_of: AsOf {
                timestamp: self.as_of.timestamp.clone(),
                seq: self.as_of.seq,
            },
            accounts: self
                .states
                .iter()
                .map(|s| AccountRow {
                    account_id: &s.account_id,
                    balance: s.balance,
                    events: s.events,
                    exists: s.exists,
                    closed: s.closed,
                })
                .collect(),
        }
    }
}

pub fn run(args: BalanceArgs, options: &SourceOptions) -> Outcome {
    // The moment once known: at once for an absolute one, else from the first log read.
    let mut asked = absolute_moment(&args);
    let answer = match from_snapshot(&args, options, &mut asked)? {
        Some(answer) => answer,
        None => full_replay(&args, options, asked)?,
    };
    let report = answer.report();
    if args.json {
        print(&json_line(&report))?;
    } else {
        print(&render_text(answer.total, &report))?;
    }
    Ok(0)
}

fn full_replay(
    args: &BalanceArgs,
    options: &SourceOptions,
    asked: Option<Moment>,
) -> Result<Answer, Failure> {
    let ledger = open_summary(&args.file, options)?;
    let moment = match asked {
        Some(m) => m,
        None => moment_asked(args.at.as_ref(), args.seq, ledger.last_time())?,
    };
    let states = match &args.account {
        Some(name) => {
            let a = find_account(&ledger, name)?;
            let s = ledger.account_at(a, moment);
            vec![NamedState {
                account_id: ledger.account_name(a).to_string(),
                balance: s.balance,
                events: s.events,
                exists: s.exists,
                closed: s.closed,
            }]
        }
        None => snapshot::full_states(&ledger, moment),
    };
    note_problems(&ledger);
    Ok(Answer {
        as_of: AsOf {
            timestamp: ledger.time_of(moment).map(format_time),
            seq: ledger.included(moment),
        },
        states,
        total: ledger.len(),
    })
}

/// The answer from the newest valid snapshot that covers the moment, reading only the records
/// after it; `None` (after saying why on stderr) when there is none. `asked` is the moment asked
/// for, once known (an offset is resolved against the first log read).
fn from_snapshot(
    args: &BalanceArgs,
    options: &SourceOptions,
    asked: &mut Option<Moment>,
) -> Result<Option<Answer>, Failure> {
    // Snapshots sit next to a log file; a database has none.
    // Nor does standard input, and a compressed file is read whole, never in place.
    if args.no_snapshot
        || crate::source::is_address(&args.file)
        || args.file == "-"
        || crate::source::Packing::of_file(Path::new(&args.file)) != crate::source::Packing::Plain
    {
        return Ok(None);
    }
    let log = Path::new(&args.file);
    let candidates = snapshot::list(log);
    if candidates.is_empty() {
        return Ok(None);
    }
    let load = load_options(options)?;
    let ignored = |path: &Path, why: &str| {
        note(&format!(
            "rewind: note: snapshot {} ignored: {}",
            crate::text::escape_control(&path.display().to_string()),
            crate::text::escape_control(why)
        ));
    };
    let not_covering = |path: &Path, s: &snapshot::Snapshot| {
        ignored(
            path,
            &format!(
                "it holds the first {} records (up to {}), more than the moment asked for includes",
                s.records,
                format_time(s.max_timestamp_ms)
            ),
        );
    };
    for (path, snap) in candidates {
        let snap = match snap {
            Ok(s) => s,
            Err(why) => {
                ignored(&path, &format!("not a snapshot ({why})"));
                continue;
            }
        };
        if let Some(m) = *asked
            && !snap.covers(m)
        {
            not_covering(&path, &snap);
            continue;
        }
        let resumed = match Resumed::open(log, &load, snap) {
            Ok(r) => r,
            Err(why) => {
                ignored(&path, &why);
                continue;
            }
        };
        let moment = match *asked {
            Some(m) => m,
            None => *asked.insert(moment_asked(
                args.at.as_ref(),
                args.seq,
                resumed.last_time(),
            )?),
        };
        if !resumed.snapshot.covers(moment) {
            not_covering(&path, &resumed.snapshot);
            continue;
        }
        let states = match &args.account {
            Some(name) => match resumed.state(name, moment) {
                Ok(Some(s)) => Ok(vec![s]),
                Ok(None) => {
                    return Err(no_such_account(
                        &args.file,
                        resumed.account_names().into_iter(),
                        name,
                    ));
                }
                Err(why) => Err(why),
            },
            None => resumed.states(moment),
        };
        let states = match states {
            Ok(states) => states,
            Err(why) => {
                ignored(&path, &why);
                continue;
            }
        };
        note_snapshot(&args.file, &path, &resumed);
        return Ok(Some(Answer {
            as_of: AsOf {
                timestamp: resumed.time_of(moment).map(format_time),
                seq: resumed.included(moment),
            },
            states,
            total: resumed.len(),
        }));
    }
    Ok(None)
}

/// Says on stderr that a snapshot answered, and what is known of the log's problems.
fn note_snapshot(file: &str, path: &Path, resumed: &Resumed) {
    let s = &resumed.snapshot;
    note(&format!(
        "rewind: note: from snapshot {} (the first {} records, up to seq {}) and the {} records \
         after it; --no-snapshot replays the whole log, `rewind verify` checks the snapshot",
        crate::text::escape_control(&path.display().to_string()),
        s.records,
        s.seq,
        resumed.tail.len()
    ));
    // Problems that depend on the records before (an overdraft, an event after a close) are not
    // known without them: count only those the records after the snapshot show by themselves.
    let after = resumed
        .tail
        .problems()
        .iter()
        .filter(|p| {
            p.kind.is_bad_line()
                || matches!(
                    p.kind,
                    ProblemKind::UnknownType
                        | ProblemKind::NegativeAmount
                        | ProblemKind::MissingAmount
                        | ProblemKind::OutOfOrder
                        | ProblemKind::DuplicateId
                        | ProblemKind::DuplicateSeq
                )
        })
        .count();
    if s.problems + after > 0 {
        note(&format!(
            "rewind: note: {} has at least {} problems ({} up to seq {} when the snapshot was \
             taken, {after} after it); `rewind check` lists them all",
            crate::text::escape_control(file),
            s.problems + after,
            s.problems,
            s.seq
        ));
    }
}

fn render_text(total: usize, report: &Report) -> String {
    let mut out = format!(
        "as of {} · {} of {} events\n",
        report
            .as_of
            .timestamp
            .as_deref()
            .unwrap_or("the start (no events)"),
        report.as_of.seq,
        total
    );
    let mut table = Table::new(&[
        ("ACCOUNT", Align::Left),
        ("BALANCE", Align::Right),
        ("EVENTS", Align::Right),
        ("", Align::Left),
    ]);
    for row in &report.accounts {
        let status = if !row.exists {
            "not yet opened"
        } else if row.closed {
            "closed"
        } else {
            ""
        };
        table.push(vec![
            row.account_id.to_string(),
            row.balance.to_string(),
            row.events.to_string(),
            status.to_string(),
        ]);
    }
    out.push_str(&table.render());
    out
}
