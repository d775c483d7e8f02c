//! `rewind snapshot`: saves balances as of a moment next to a sealed log.

use std::path::Path;

use clap::Args;
use serde::Serialize;

use super::output::{json_line, print_after};
use super::{Failure, Outcome, SourceOptions, open, resolve_time, values};
use crate::ledger::snapshot::Snapshot;
use crate::ledger::time::{UserTime, format_time};

#[derive(Args, Debug)]
pub struct SnapshotArgs {
    /// Sealed log file.
    pub file: String,
    /// Keep the records up to this time: those before the first record stamped later (default:
    /// every record). RFC 3339, `YYYY-MM-DD HH:MM[:SS]`, epoch ms, epoch seconds with `s`
    /// (`1710431940s`), or `-15m` from the last event.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true, value_parser = values::time)]
    pub at: Option<UserTime>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    snapshot: String,
    records: usize,
    seq: u64,
    line: u64,
    offset: u64,
    up_to: String,
    /// The digest of the last record the snapshot holds (not the log's head).
    digest: String,
}

pub fn run(args: SnapshotArgs, options: &SourceOptions) -> Outcome {
    let ledger = open(Some(&args.file), options)?;
    let n = match &args.at {
        None => ledger.len(),
        Some(at) => {
            let t = resolve_time(at, ledger.last_time(), "--at")?;
            ledger.events().iter().take_while(|e| e.ts <= t).count()
        }
    };
    if n == 0 {
        return Err(Failure::usage(format!(
            "{}: no record at or before that moment, nothing to keep",
            args.file
        )));
    }
    let snapshot = Snapshot::take(&ledger, n).map_err(Failure::usage)?;
    let path = snapshot
        .save(Path::new(&args.file))
        .map_err(|e| Failure::usage(format!("{}: cannot save the snapshot: {e}", args.file)))?;
    let report = Report {
        snapshot: path.display().to_string(),
        records: snapshot.records,
        seq: snapshot.seq,
        line: snapshot.line,
        offset: snapshot.offset,
        up_to: format_time(snapshot.max_timestamp_ms),
        digest: format!("{}:{}", snapshot.seq, snapshot.hash),
    };
    let text = if args.json {
        json_line(&report)
    } else {
        format!(
            "{}\nbound to {}\n",
            crate::text::escape_control(&format!(
                "saved {}: balances after seq {} (line {}, {} of {} records, latest time {})",
                report.snapshot,
                report.seq,
                report.line,
                report.records,
                ledger.len(),
                report.up_to
            )),
            report.digest
        )
    };
    print_after(&text, || {
        crate::text::escape_control(&format!("saved {}", report.snapshot)).into_owned()
    })?;
    Ok(0)
}
