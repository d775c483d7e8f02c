//! The database side of `verify` and `append`: what they do when their source is a postgres://
//! URL. `verify` and `append` call these after [`super::pg_source`] found a database source.

use serde::Serialize;

use super::output::{json_line, note, print, print_after};
use super::{Failure, Outcome};
use crate::ledger::Money;
use crate::ledger::chain::{ExpectedDigest, to_hex};
use crate::ledger::time::UserTime;
use crate::source::pg::append::{self, NewEvent};
use crate::source::pg::digest::{self, Check};
use crate::source::pg::{PgError, PgSource};

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

/// What `append` was asked to write.
#[derive(Clone, Debug, Default)]
pub struct AppendRequest {
    pub account: String,
    pub kind: String,
    pub amount: Option<Money>,
    pub to: Option<String>,
    pub at: Option<UserTime>,
    pub id: Option<String>,
    pub meta: Vec<(String, String)>,
    /// How many messages the account's stream must hold (0: a new stream).
    pub expect_seq: Option<u64>,
    pub json: bool,
}

/// The names and values of a message, held to the rules of a file's `append`
/// ([`crate::ledger::store::check_name`]).
fn check_names(request: &AppendRequest, meta: &[(String, String)]) -> Result<(), String> {
    use crate::ledger::new_event::{Field, check_name, check_value};
    let check = || {
        check_name(Field::Account, &request.account)?;
        check_name(Field::Type, &request.kind)?;
        if let Some(to) = &request.to {
            check_name(Field::To, to)?;
        }
        if let Some(id) = &request.id {
            check_name(Field::Id, id)?;
        }
        for (k, v) in meta {
            check_name(Field::MetaKey, k)?;
            check_value(k, v)?;
        }
        Ok(())
    };
    check().map_err(|e| super::append::invalid_text(&e))
}

/// `rewind append URL --preset message-db …`: one message through `write_message`.
/// `--expect-seq N` is the number of messages the account's stream must hold, which Message DB
/// checks as the expected version `N - 1` (0 is a new stream, as 0 is an empty log). Prints the
/// message as it now reads.
pub fn append(db: &PgSource, request: &AppendRequest) -> Outcome {
    if request.at.is_some() {
        return Err(Failure::usage(format!(
            "{}: --at cannot be used here: Message DB stamps each message with the time it is \
             written",
            db.name()
        )));
    }
    let meta = request.meta.clone();
    check_names(request, &meta).map_err(Failure::usage)?;
    let event = NewEvent {
        account: request.account.clone(),
        kind: request.kind.clone(),
        amount: request.amount,
        to: request.to.clone(),
        id: request.id.clone(),
        meta,
        expected_version: request.expect_seq.map(|n| n as i64 - 1),
        category: None,
    };
    super::interruptible(db);
    let done = append::append(db, &event).map_err(failure)?;
    // Written by hand: the amount's digits must not pass through a float.
    let quote = crate::text::json_string;
    let record = format!(
        "{{\"seq\":{},\"eventId\":{},\"stream\":{},\"position\":{},\"type\":{},\"data\":{}}}",
        done.global_position,
        quote(&done.id),
        quote(&done.stream),
        done.position,
        quote(&event.kind),
        event.data()
    );
    let text = if request.json {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_held_to_the_name_rules_of_a_file() {
        let ok = AppendRequest {
            account: "acc-1".into(),
            kind: "Deposited".into(),
            ..AppendRequest::default()
        };
        assert!(check_names(&ok, &[]).is_ok());
        let bad = |change: &dyn Fn(&mut AppendRequest)| {
            let mut r = ok.clone();
            change(&mut r);
            check_names(&r, &[]).unwrap_err()
        };
        let err = bad(&|r| r.account = "acc\u{202e}1".into());
        assert!(
            err.starts_with("--account") && err.contains("U+202E"),
            "{err}"
        );
        let err = bad(&|r| r.to = Some("acc\u{200b}2".into()));
        assert!(err.starts_with("--to") && err.contains("U+200B"), "{err}");
        let err = bad(&|r| r.kind = "Dep\u{ad}osited".into());
        assert!(err.starts_with("--type") && err.contains("U+00AD"), "{err}");
        let err = check_names(&ok, &[("note".into(), "a\u{2066}b".into())]).unwrap_err();
        assert!(
            err.contains("--meta note") && err.contains("U+2066"),
            "{err}"
        );
    }
}
