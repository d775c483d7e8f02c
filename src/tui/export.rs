//! Evidence for a ticket: an account's statement up to the cursor, or the events between two
//! moments, written to CSV and JSON files next to each other. Never over an existing file, never to
//! the log.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use crate::ledger::diff::{EventRow, event_rows, write_events_csv};
use crate::ledger::files::{self, Replace};
use crate::ledger::statement::{StatementRow, statement, statement_json, statement_row, write_csv};
use crate::ledger::time::format_time;
use crate::ledger::{AccountId, Ledger, Millis, Moment};

/// A file name made only of safe characters.
fn safe(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    if cleaned.is_empty() {
        "_".into()
    } else {
        cleaned
    }
}

fn stamp(t: Millis) -> String {
    format_time(t).replace([':', '-'], "").replace(".000Z", "Z")
}

/// Writes `stem.ext` in `dir`, or `stem-2.ext`, `stem-3.ext`… when it exists, whole or not at all
/// and never over a file (see [`files::write_whole`]). Returns the path written.
fn write_new(
    dir: &Path,
    stem: &str,
    ext: &str,
    mode: u32,
    write: &mut dyn FnMut(&mut std::fs::File) -> std::io::Result<()>,
) -> std::io::Result<PathBuf> {
    for n in 1..1000 {
        let name = if n == 1 {
            format!("{stem}.{ext}")
        } else {
            format!("{stem}-{n}.{ext}")
        };
        let path = dir.join(name);
        match files::write_whole(&path, mode, Replace::Never, &mut *write) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("too many exports with this name"))
}

/// Writes CSV and JSON with the same stem; returns both paths. They get the log's permission
/// bits at most.
fn write_pair(
    dir: &Path,
    ledger: &Ledger,
    stem: &str,
    mut csv: impl FnMut(&mut std::fs::File) -> std::io::Result<()>,
    json: &str,
) -> std::io::Result<(PathBuf, PathBuf)> {
    let mode = files::ledger_mode(ledger);
    let csv_path = write_new(dir, stem, "csv", mode, &mut csv)?;
    let json_stem = csv_path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(stem)
        .to_string();
    let json_path = write_new(dir, &json_stem, "json", mode, &mut |f| {
        f.write_all(json.as_bytes())?;
        f.write_all(b"\n")
    })?;
    Ok((csv_path, json_path))
}

/// The account's statement up to a moment: for a time, the same rows as
/// `rewind history --to TIME`; for a seq (recorded order), the account's events among the first
/// N records, with balances replayed in that order, as the explorer shows them.
pub fn export_statement(
    dir: &Path,
    ledger: &Ledger,
    account: AccountId,
    moment: Moment,
) -> std::io::Result<(PathBuf, PathBuf)> {
    let stem = statement_stem(ledger, account, moment);
    export_statement_as(dir, &stem, ledger, account, moment)
}

/// The name an account's statement is written under by default (without `.csv`).
pub fn statement_stem(ledger: &Ledger, account: AccountId, moment: Moment) -> String {
    let label = match moment {
        Moment::Time(t) => stamp(t),
        Moment::End => "end".into(),
        Moment::Seq(n) => format!("seq{n}"),
    };
    format!(
        "rewind-statement-{}-{label}",
        safe(ledger.account_name(account))
    )
}

/// [`export_statement`] under a name of the user's: `stem.csv` and `stem.json` in `dir`.
pub fn export_statement_as(
    dir: &Path,
    stem: &str,
    ledger: &Ledger,
    account: AccountId,
    moment: Moment,
) -> std::io::Result<(PathBuf, PathBuf)> {
    let name = ledger.account_name(account);
    let (rows, to, _label): (Vec<StatementRow>, Option<Millis>, String) = match moment {
        Moment::Time(t) => (statement(ledger, account, None, Some(t)), Some(t), stamp(t)),
        Moment::End => (statement(ledger, account, None, None), None, "end".into()),
        Moment::Seq(n) => (
            ledger
                .postings_recorded(account)
                .iter()
                .take_while(|p| u64::from(p.event) < n)
                .map(|p| statement_row(ledger, account, p))
                .collect(),
            None,
            format!("seq{n}"),
        ),
    };
    let json = statement_json(name, None, to, &rows);
    write_pair(
        dir,
        ledger,
        stem,
        |f| write_csv(f, &rows).map_err(std::io::Error::other),
        &json,
    )
}

/// The events between two moments, labelled by their names (`a`, `b`, `.` for the cursor).
pub fn export_events(
    dir: &Path,
    ledger: &Ledger,
    events: &[u32],
    label: &str,
) -> std::io::Result<(PathBuf, PathBuf)> {
    export_events_as(dir, &events_stem(label), ledger, events, label)
}

/// The name the events between two moments are written under by default (without `.csv`).
pub fn events_stem(label: &str) -> String {
    format!("rewind-events-{}", safe(label))
}

/// [`export_events`] under a name of the user's: `stem.csv` and `stem.json` in `dir`.
pub fn export_events_as(
    dir: &Path,
    stem: &str,
    ledger: &Ledger,
    events: &[u32],
    label: &str,
) -> std::io::Result<(PathBuf, PathBuf)> {
    let rows = event_rows(ledger, events);
    #[derive(Serialize)]
    struct Report<'a> {
        between: &'a str,
        rows: &'a [EventRow],
    }
    let json = serde_json::to_string(&Report {
        between: label,
        rows: &rows,
    })
    .expect("serializable");
    write_pair(
        dir,
        ledger,
        stem,
        |f| write_events_csv(f, &rows).map_err(std::io::Error::other),
        &json,
    )
}

/// Writes an evidence bundle beside an export (`json` is the export's JSON file: the bundle takes
/// its name with `.bundle`): the records of `events` with their inclusion proofs in the tree of
/// `checkpoint`, a signed checkpoint the log was checked against. Records after the checkpoint's
/// tree are left out; their number is returned with the path (`None` when no record is in it).
pub fn export_bundle(
    json: &Path,
    ledger: &Ledger,
    events: &[usize],
    checkpoint: &str,
) -> std::io::Result<Option<(PathBuf, usize)>> {
    use crate::ledger::bundle::Bundle;
    use crate::ledger::checkpoint::read_signed_checkpoint;
    use crate::ledger::log_tree::LogTree;
    let cp = read_signed_checkpoint(checkpoint.as_bytes()).map_err(std::io::Error::other)?;
    let size = cp.checkpoint.size;
    let tree = LogTree::new(ledger)?;
    let mut leaves: Vec<u64> = events.iter().map(|&e| tree.leaf_of(e)).collect();
    leaves.sort_unstable();
    leaves.dedup();
    let total = leaves.len();
    leaves.retain(|&l| l < size);
    if leaves.is_empty() {
        return Ok(None);
    }
    let mut records = Vec::with_capacity(leaves.len());
    for &leaf in &leaves {
        let record = String::from_utf8(tree.record(leaf).to_vec())
            .map_err(|_| std::io::Error::other("a record is not UTF-8"))?;
        let proof = tree
            .inclusion_proof(leaf, size)
            .map_err(std::io::Error::other)?;
        records.push((leaf, record, proof));
    }
    let text = Bundle::inclusion(&cp.text, records).to_text();
    let dir = json.parent().unwrap_or(Path::new("."));
    let stem = json
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("rewind");
    let path = write_new(
        dir,
        stem,
        "bundle",
        files::ledger_mode(ledger),
        &mut |file| file.write_all(text.as_bytes()),
    )?;
    Ok(Some((path, total - leaves.len())))
}
