//! The database side of `verify` and `append`: what they do when their source is a postgres://
//! URL. `verify` and `append` call these after [`super::pg_source`] found a database source.

use serde::Serialize;

use super::output::{json_line, note, print, print_after};
use super::{Failure, Outcome};
use crate::ledger::TypeMap;
use crate::ledger::chain::{ExpectedDigest, to_hex};
use crate::ledger::new_event::NewEvent;
use crate::source::pg::append::{self, AppendError, Target};
use crate::source::pg::digest::{self, Check};
use crate::source::pg::{Layout, PgError, PgSource};

/// Every error is exit 2: what was asked was not done (a refused append wrote nothing); an
/// interrupted one is exit 130.
fn failure(e: PgError) -> Failure {
    super::db_failure(e)
}

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
/// `--expect`, exit 1 unless the rows up to the kept digest's position are unchanged.
pub fn verify(db: &PgSource, expect: Option<&str>, json: bool) -> Outcome {
    let expected: Option<ExpectedDigest> = match expect {
        Some(text) => Some(
            text.parse()
                .map_err(|e: String| Failure::usage(format!("--expect: {e}")))?,
        ),
        None => None,
    };
    super::interruptible(db);
    let report = digest::digest(db, expected.as_ref()).map_err(failure)?;
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
            source: db.name(),
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
                "rewind: {}: {} rows, unsealed (the database does not chain its rows): keep this \
                 digest and check it later with --expect",
                db.name(),
                report.rows
            ));
            Ok(0)
        }
        Some(Ok(text)) => {
            note(&format!("rewind: {}: {text}", db.name()));
            Ok(0)
        }
        Some(Err(message)) if json => {
            note(&format!("rewind: {}: {message}", db.name()));
            Ok(1)
        }
        Some(Err(message)) => Err(Failure::found(format!("{}: {message}", db.name()))),
    }
}

/// `rewind append URL --preset message-db …`: one message through `write_message`.
/// `--expect-seq N` is the number of messages the account's stream must hold, which Message DB
/// checks as the expected version `N - 1` (0 is a new stream, as 0 is an empty log). Prints the
/// message as it now reads. The event is held to the rules of a file's append.
pub fn append(
    db: &PgSource,
    event: &NewEvent,
    expect_seq: Option<u64>,
    json: bool,
    types: &TypeMap,
) -> Outcome {
    if db.layout != Layout::MessageDb {
        return Err(Failure::usage(format!(
            "{}: appending is for --preset message-db (the store's write_message); other stores \
             are written by their own applications",
            db.name()
        )));
    }
    if event.at.is_some() {
        return Err(time_given(db));
    }
    let target = Target {
        expected_version: expect_seq.map(|n| n as i64 - 1),
        category: None,
    };
    super::interruptible(db);
    let done = append::append(db, event, &target, types).map_err(|e| match e {
        AppendError::Invalid { invalid, .. } => {
            Failure::usage(super::append::invalid_text(&invalid))
        }
        AppendError::TimeGiven { .. } => time_given(db),
        AppendError::Db(e) => failure(e),
    })?;
    // Written by hand: the amount's digits must not pass through a float.
    let quote = crate::text::json_string;
    let record = format!(
        "{{\"seq\":{},\"eventId\":{},\"stream\":{},\"position\":{},\"type\":{},\"data\":{}}}",
        done.global_position,
        quote(&done.id),
        quote(&done.stream),
        done.position,
        quote(&event.kind),
        append::data(event)
    );
    let text = if json {
        format!(
            "{{\"appended\":true,\"record\":{record},\"streamVersion\":{}}}\n",
            done.position
        )
    } else {
        format!("{record}\n")
    };
    print_after(&text, || {
        format!(
            "{}: the message was written at seq {} (stream {}, position {})",
            db.name(),
            done.global_position,
            done.stream,
            done.position
        )
    })?;
    note(&format!(
        "rewind: {}: appended at seq {}; stream {} now holds {} message{}",
        db.name(),
        done.global_position,
        done.stream,
        done.position + 1,
        if done.position == 0 { "" } else { "s" }
    ));
    Ok(0)
}

/// `--at` on a database that stamps its own times.
pub fn time_given(db: &PgSource) -> Failure {
    Failure::usage(format!(
        "{}: --at cannot be used here: Message DB stamps each message with the time it is \
         written",
        db.name()
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
    db: &PgSource,
    cp: &crate::ledger::checkpoint::SignedCheckpoint,
    keys: &[crate::ledger::checkpoint::VerifierKey],
    origin: Option<&str>,
    json: bool,
) -> Outcome {
    use crate::ledger::merkle::Tree;
    use crate::text::group;
    let c = &cp.checkpoint;
    let leaves = digest::leaf_hashes(db).map_err(failure)?;
    let rows = leaves.len() as u64;
    let tree = Tree::from_leaf_hashes(leaves);
    let leaf = |_: u64| unreachable!("every leaf is kept");
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
        Ok(_) if tree.root_at(c.size, &leaf).ok() != Some(c.root) => Err(format!(
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
            source: db.name(),
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
            Ok(r) => print(&format!("{}: expected {what} holds: {r}\n", db.name()))?,
            Err(r) => print(&format!(
                "{}: expected {what} DOES NOT HOLD: {r}\n",
                db.name()
            ))?,
        }
    }
    Ok(if verdict.is_ok() { 0 } else { 1 })
}
