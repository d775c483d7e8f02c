//! `rewind append`: appends one sealed event; prints it and the new head digest.

use std::path::Path;

use clap::Args;
use serde::Serialize;
use serde_json::value::RawValue;

use super::output::{json_line, note, print_after};
use super::{Failure, Outcome, SourceOptions, load_options, resolve_time, values};
use crate::ledger::Money;
use crate::ledger::store::{self, Appended, Expect, NewEvent, StoreError};
use crate::ledger::time::UserTime;

#[derive(Args, Debug)]
pub struct AppendArgs {
    /// Log file (created when missing), or a postgres:// URL with --preset message-db (written
    /// through Message DB's write_message).
    pub file: String,
    /// The account.
    #[arg(long, value_name = "ID")]
    pub account: String,
    /// The event type (DEPOSIT, WITHDRAW, TRANSFER…; more with --types).
    #[arg(long = "type", value_name = "TYPE")]
    pub kind: String,
    /// A positive exact decimal; the type says which way it goes.
    #[arg(long, value_name = "X", allow_hyphen_values = true, value_parser = values::amount)]
    pub amount: Option<Money>,
    /// The destination account of a transfer.
    #[arg(long, value_name = "ID")]
    pub to: Option<String>,
    /// The event's time (default: now): RFC 3339, `YYYY-MM-DD HH:MM[:SS]`, epoch ms, epoch
    /// seconds with `s` (`1710431940s`), or `-15m` from now.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true, value_parser = values::time)]
    pub at: Option<UserTime>,
    /// The event id (default: a fresh UUID). Appending an id already in the log writes nothing.
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    /// A detail kept in the record's `meta` object (repeatable).
    #[arg(long = "meta", value_name = "K=V", value_parser = values::meta)]
    pub meta: Vec<(String, String)>,
    /// Append only if the head of the log is at this seq (0 for an empty log); for Message DB, only
    /// if the account's stream holds this many messages (its version + 1).
    #[arg(long, value_name = "N")]
    pub expect_seq: Option<u64>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Report<'a> {
    appended: bool,
    line: Option<u64>,
    record: &'a RawValue,
    head: String,
}

/// Reads the arguments into an event (their values were read by the argument parser); an
/// offset such as `-15m` is taken from now.
fn event(args: &AppendArgs) -> Result<NewEvent, Failure> {
    let at = match &args.at {
        None => None,
        Some(at) => {
            let now = chrono::Utc::now().timestamp_millis();
            Some(resolve_time(at, Some(now), "--at")?)
        }
    };
    Ok(NewEvent {
        id: args.id.clone(),
        account: args.account.clone(),
        kind: args.kind.clone(),
        amount: args.amount,
        to: args.to.clone(),
        at,
        meta: args.meta.clone(),
    })
}

pub fn run(args: AppendArgs, options: &SourceOptions) -> Outcome {
    if let Some(db) = super::pg_source(&args.file, options)? {
        let request = super::database::AppendRequest {
            account: args.account,
            kind: args.kind,
            amount: args.amount,
            to: args.to,
            at: args.at,
            id: args.id,
            meta: args.meta,
            expect_seq: args.expect_seq,
            json: args.json,
        };
        return super::database::append(&db, &request);
    }
    let types = load_options(options)?.types;
    let event = event(&args)?;
    let expect = Expect {
        seq: args.expect_seq,
    };
    let outcome = store::append(Path::new(&args.file), &event, expect, &types).map_err(failure)?;
    let (appended, line, record, head) = match &outcome {
        Appended::New {
            record,
            head,
            note: said,
            ..
        } => {
            if let Some(text) = said {
                note(&format!("rewind: note: {text}"));
            }
            (true, None, record, head)
        }
        Appended::Existing { record, line, head } => {
            note(&format!(
                "rewind: note: {}:{line}: this event (id {}) is already in the log; nothing was written",
                args.file,
                event.id.as_deref().unwrap_or_default()
            ));
            (false, Some(*line), record, head)
        }
    };
    let text = if args.json {
        let raw = RawValue::from_string(record.clone())
            .map_err(|e| Failure::usage(format!("{}: {e}", args.file)))?;
        let report = Report {
            appended,
            line,
            record: &raw,
            head: head.to_string(),
        };
        json_line(&report)
    } else {
        format!("{}\nhead {head}\n", crate::text::escape_control(record))
    };
    print_after(&text, || match &outcome {
        Appended::New { .. } => format!(
            "{}: the record was appended as seq {} and is durable (head {head})",
            args.file, head.seq
        ),
        Appended::Existing { line, .. } => format!(
            "{}:{line}: the event was already in the log, nothing was written (head {head})",
            args.file
        ),
    })?;
    Ok(0)
}

/// Every store error is exit 2: the append was not done (or not acknowledged).
pub fn failure(e: StoreError) -> Failure {
    Failure::usage(e.to_string())
}
