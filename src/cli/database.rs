//! What `verify`, `checkpoint` and `append` say of a store whose rows carry no hash chain (a
//! database): the digest of its rows, a checkpoint over them, a message written to a stream.

use serde::Serialize;
use serde_json::value::RawValue;

use super::output::{json_line, note, print, print_after};
use super::{Failure, Outcome};
use crate::ledger::chain::to_hex;
use crate::ledger::checkpoint::{SignedCheckpoint, VerifierKey};
use crate::source::Message;
use crate::source::rows::{Check, RowDigest, RowTree};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VerifyReport<'a> {
    source: &'a str,
    rows: u64,
    digest: String,
    expected: Option<String>,
    matches: Option<bool>,
}

/// `rewind verify URL [--expect DIGEST]`: prints the digest of the rows (`SEQ:HASH`); with
/// `--expect` (its text as given, `expect`), exit 1 unless the rows up to the kept digest's
/// position are unchanged.
pub fn verify(name: &str, report: &RowDigest, expect: Option<&str>, json: bool) -> Outcome {
    let verdict = report.check.map(|c| match c {
        Check::Matches { seq } => Ok(format!("the rows up to seq {seq} are unchanged")),
        Check::Differs { seq, found } => Err(format!(
            "the rows up to seq {seq} do not match the kept digest (now {seq}:{}): a row up to \
             there was changed, removed or inserted",
            to_hex(&found)
        )),
        Check::Missing {
            seq,
            last: Some(last),
        } if last < seq => Err(format!(
            "the rows end at seq {last}, before the kept digest's seq {seq}: rows were removed"
        )),
        Check::Missing { seq, .. } => Err(format!(
            "there is no row at seq {seq}, the kept digest's position: it was removed"
        )),
        Check::NotFound => Err(
            "no row's digest is the kept one: a row up to it was changed, removed or inserted"
                .to_string(),
        ),
    });
    if json {
        let out = VerifyReport {
            source: name,
            rows: report.rows,
            digest: report.head_text(),
            expected: expect.map(str::to_string),
            matches: verdict.as_ref().map(Result::is_ok),
        };
        print(&json_line(&out))?;
    } else if !matches!(verdict, Some(Err(_))) {
        print(&format!("{}\n", report.head_text()))?;
    }
    match verdict {
        None => {
            note(&format!(
                "rewind: {name}: {} rows, unsealed (the database does not chain its rows): keep \
                 this digest and check it later with --expect",
                report.rows
            ));
            Ok(0)
        }
        Some(Ok(text)) => {
            note(&format!("rewind: {name}: {text}"));
            Ok(0)
        }
        Some(Err(message)) if json => {
            note(&format!("rewind: {name}: {message}"));
            Ok(1)
        }
        Some(Err(message)) => Err(Failure::found(format!("{name}: {message}"))),
    }
}

/// A message as `append` prints it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Record<'a> {
    seq: i64,
    event_id: &'a str,
    stream: &'a str,
    position: i64,
    #[serde(rename = "type")]
    kind: &'a str,
    data: &'a RawValue,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AppendReport<'a> {
    appended: bool,
    record: Record<'a>,
    stream_version: i64,
}

/// `rewind append URL --preset message-db …`: prints the message written (through
/// `write_message`) as it now reads.
pub fn appended(name: &str, done: &Message, json: bool) -> Outcome {
    // The data as written: the amount's digits must not pass through a float.
    let data = RawValue::from_string(done.data.clone())
        .map_err(|e| Failure::usage(format!("{name}: {e}")))?;
    let record = Record {
        seq: done.global_position,
        event_id: &done.id,
        stream: &done.stream,
        position: done.position,
        kind: &done.kind,
        data: &data,
    };
    let text = if json {
        json_line(&AppendReport {
            appended: true,
            record,
            stream_version: done.position,
        })
    } else {
        json_line(&record)
    };
    print_after(&text, || {
        format!(
            "{name}: the message was written at seq {} (stream {}, position {})",
            done.global_position, done.stream, done.position
        )
    })?;
    note(&format!(
        "rewind: {name}: appended at seq {}; stream {} now holds {} message{}",
        done.global_position,
        done.stream,
        done.position + 1,
        if done.position == 0 { "" } else { "s" }
    ));
    Ok(0)
}

/// `--at` on a database that stamps its own times.
pub fn time_given(name: &str) -> Failure {
    Failure::usage(format!(
        "{name}: --at cannot be used here: Message DB stamps each message with the time it is \
         written"
    ))
}

/// Appending to a store written by its own applications.
pub fn other_writers(name: &str) -> Failure {
    Failure::usage(format!(
        "{name}: appending is for --preset message-db (the store's write_message); other stores \
         are written by their own applications"
    ))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CheckpointReport<'a> {
    source: &'a str,
    rows: u64,
    origin: &'a str,
    size: u64,
    holds: bool,
    reason: String,
}

/// `rewind verify URL --expect CP`: the rows' first `size` leaves (each row's canonical encoding)
/// must be the tree the checkpoint signs (and, with keys, signed by one of them).
pub fn verify_checkpoint(
    name: &str,
    tree: &RowTree,
    cp: &SignedCheckpoint,
    keys: &[VerifierKey],
    origin: Option<&str>,
    json: bool,
) -> Outcome {
    use crate::text::group;
    let c = &cp.checkpoint;
    let rows = tree.size();
    let signed = match (keys.is_empty(), cp.verify(keys)) {
        (true, _) => Ok(" (its signature was not checked: give --key VERIFIER)".to_string()),
        (false, Ok(by)) => Ok(format!(" (signed by `{}`)", by.join("` and `"))),
        (false, Err(e)) => Err(e.to_string()),
    };
    let verdict = match signed {
        Err(e) => Err(e),
        Ok(_) if origin.is_some_and(|o| o != c.origin) => Err(format!(
            "the checkpoint is for the ledger `{}`, not `{}`",
            c.origin,
            origin.unwrap_or_default()
        )),
        Ok(_) if c.size > rows => Err(format!(
            "the table has {} rows, fewer than the checkpoint's {}: rows were removed",
            group(rows),
            group(c.size)
        )),
        Ok(_) if tree.root_at(c.size).ok() != Some(c.root) => Err(format!(
            "the first {} rows are not the tree the checkpoint signed: a row up to there was \
             changed, removed or inserted",
            group(c.size)
        )),
        Ok(by) => Ok(format!(
            "the first {} rows are the tree the checkpoint signed{by}",
            group(c.size)
        )),
    };
    let what = format!("checkpoint of `{}` at {} records", c.origin, group(c.size));
    if json {
        let out = CheckpointReport {
            source: name,
            rows,
            origin: &c.origin,
            size: c.size,
            holds: verdict.is_ok(),
            reason: match &verdict {
                Ok(r) | Err(r) => r.clone(),
            },
        };
        print(&json_line(&out))?;
    } else {
        match &verdict {
            Ok(r) => print(&format!("{name}: expected {what} holds: {r}\n"))?,
            Err(r) => print(&format!("{name}: expected {what} DOES NOT HOLD: {r}\n"))?,
        }
    }
    Ok(if verdict.is_ok() { 0 } else { 1 })
}
