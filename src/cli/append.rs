//! `rewind append`: appends one sealed event; prints it and the new head digest.

use clap::Args;
use serde::Serialize;
use serde_json::value::RawValue;

use super::output::{json_line, note, print_after};
use super::{
    Failure, Outcome, SourceOptions, load_options, open_failure, resolve_time, source_of, values,
};
use crate::ledger::Money;
use crate::ledger::new_event::{Field, Invalid, NewEvent};
use crate::ledger::store::{self, HeadProblem, StoreError};
use crate::ledger::time::UserTime;
use crate::source::{AppendError, Appended, OpenError};

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
    let source = source_of(Some(&args.file), options)?;
    if source.stamps_times() && args.at.is_some() {
        return Err(super::database::time_given(&source.name()));
    }
    let types = load_options(options)?.types;
    let event = event(&args)?;
    super::interruptible(&source);
    let outcome = match source
        .append(&event, args.expect_seq, &types)
        .map_err(append_failure)?
    {
        Appended::Message(done) => {
            return super::database::appended(&source.name(), &done, args.json);
        }
        Appended::Produced(done) => {
            return super::topic::appended(&source.name(), &done, args.json);
        }
        Appended::Record(outcome) => outcome,
    };
    let (appended, line, record, head) = match &outcome {
        store::Appended::New {
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
        store::Appended::Existing { record, line, head } => {
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
        store::Appended::New { .. } => format!(
            "{}: the record was appended as seq {} and is durable (head {head})",
            args.file, head.seq
        ),
        store::Appended::Existing { line, .. } => format!(
            "{}:{line}: the event was already in the log, nothing was written (head {head})",
            args.file
        ),
    })?;
    Ok(0)
}

/// Every append error is exit 2: the append was not done (or not acknowledged); an interrupted
/// one is exit 130.
fn append_failure(e: AppendError) -> Failure {
    match e {
        AppendError::Invalid { invalid, .. } => Failure::usage(invalid_text(&invalid)),
        AppendError::File(e) => failure(e),
        AppendError::TimeGiven { name } => super::database::time_given(&name),
        AppendError::OtherWriters { name } => super::database::other_writers(&name),
        AppendError::ReadOnly { .. } => Failure::usage(e.to_string()),
        AppendError::Db(e) => open_failure(OpenError::Pg(e)),
        AppendError::Kafka(e) => open_failure(OpenError::Kafka(e)),
        AppendError::NoVersion { .. } => Failure::usage(e.to_string()),
    }
}

/// Every store error is exit 2: what was asked was not done (or not acknowledged).
pub fn failure(e: StoreError) -> Failure {
    Failure::usage(store_text(&e))
}

/// A store error in the command line's words: the flags that asked, and the command that helps.
pub fn store_text(e: &StoreError) -> String {
    match e {
        StoreError::Invalid(invalid) => invalid_text(invalid),
        StoreError::NoLog { name, expected } => format!(
            "{name}: --expect-seq {expected}, but the log does not exist yet (its head is at seq 0)"
        ),
        StoreError::HeadMoved {
            name,
            expected,
            head,
        } => format!(
            "{name}: --expect-seq {expected}, but the head is at seq {} (head {head}); nothing \
             was written",
            head.seq
        ),
        e => format!("{e}{}", hint(e)),
    }
}

/// What to run about a store error, said after it (empty when there is nothing to run).
fn hint(e: &StoreError) -> String {
    let verify = |name: &str| format!("; `rewind verify {name}` checks the log");
    match e {
        StoreError::TornTail { name, .. } | StoreError::TornWrite { name, .. } => {
            format!(": `rewind repair {name}` moves it aside")
        }
        StoreError::TrailingBlank { name, .. } => {
            format!(": `rewind repair {name}` takes blank lines off the end")
        }
        StoreError::BadHead { name, problem, .. } => match problem {
            HeadProblem::TooLong | HeadProblem::NotUtf8 | HeadProblem::NoSeq => String::new(),
            HeadProblem::NotSealed => {
                format!("; `rewind seal {name} --out SEALED` writes a sealed copy to append to")
            }
            HeadProblem::NotRecord(_)
            | HeadProblem::Altered
            | HeadProblem::BlankBefore
            | HeadProblem::PreviousUnsealed
            | HeadProblem::PrevMismatch
            | HeadProblem::SeqGap { .. }
            | HeadProblem::SeqZero => verify(name),
        },
        StoreError::NotDurable { name, id, .. } => format!(
            "; check with `rewind verify {name}`, and append again with --id {id} (a repeat is \
             safe)"
        ),
        _ => String::new(),
    }
}

/// The flag that gives a field.
fn flag(field: Field) -> &'static str {
    match field {
        Field::Account => "--account",
        Field::Type => "--type",
        Field::Id => "--id",
        Field::To => "--to",
        Field::MetaKey => "--meta key",
    }
}

/// Why an event may not be written, in the words of the flags that gave it. The same words for
/// every store.
pub fn invalid_text(e: &Invalid) -> String {
    use crate::text::{describe, visible};
    match e {
        Invalid::Empty { field } => format!("{} is empty", flag(*field)),
        Invalid::BadName { field, text, found } => format!(
            "{} `{}` contains {}: a name may not hold control, bidirectional, invisible or \
             unassigned characters",
            flag(*field),
            visible(text),
            describe(*found)
        ),
        Invalid::BadValue { key, found } => format!(
            "--meta {key}: the value contains {}, which is not written",
            describe(*found)
        ),
        Invalid::MetaTwice { key } => format!("--meta {key} is given twice"),
        Invalid::NotPositive { amount } => format!(
            "--amount {amount}: an amount must be positive (the type says which way it goes)"
        ),
        Invalid::UnknownType { kind } => format!(
            "--type {kind}: unknown event type, it would move no money (map it with --types FILE)"
        ),
        Invalid::NeedsAmount { kind, effect } => {
            format!("--type {kind}: a {} needs --amount", effect.name())
        }
        Invalid::AmountOnClose { kind } => {
            format!("--type {kind}: closing an account moves no money, so --amount is not allowed")
        }
        Invalid::NeedsTo { kind } => format!("--type {kind}: a transfer needs --to"),
        Invalid::ToSelf { to } => {
            format!("--to {to}: a transfer to the same account moves nothing")
        }
        Invalid::ToOnNonTransfer { kind, effect } => format!(
            "--to is only for transfers, and `{kind}` is a {}",
            effect.name()
        ),
        Invalid::TimeOutOfRange { at } => {
            format!("--at: {at} ms is outside the times a log can hold")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::TypeMap;

    fn event() -> NewEvent {
        NewEvent {
            id: Some("e-1".into()),
            account: "acc-1".into(),
            kind: "DEPOSIT".into(),
            amount: Some(Money::parse("100.00").unwrap()),
            to: None,
            at: Some(1_709_294_400_000),
            meta: vec![("note".into(), "first \"one\"".into())],
        }
    }

    #[test]
    fn validation_refuses_what_a_log_should_not_hold() {
        let types = TypeMap::default();
        assert!(event().validate(&types).is_ok());
        type Change = Box<dyn Fn(&mut NewEvent)>;
        let cases: Vec<(Change, &str)> = vec![
            (Box::new(|e| e.account = String::new()), "empty"),
            (Box::new(|e| e.account = "a\u{1b}[2J".into()), "control"),
            (Box::new(|e| e.kind = "DEP\nOSIT".into()), "control"),
            (Box::new(|e| e.kind = "Launched".into()), "unknown"),
            (Box::new(|e| e.amount = None), "needs --amount"),
            (Box::new(|e| e.amount = Some(Money::ZERO)), "positive"),
            (Box::new(|e| e.to = Some("b".into())), "only for transfers"),
            (Box::new(|e| e.kind = "TRANSFER".into()), "needs --to"),
            (
                Box::new(|e| {
                    e.kind = "TRANSFER".into();
                    e.to = Some("acc-1".into());
                }),
                "same account",
            ),
            (
                Box::new(|e| {
                    e.kind = "ACCOUNT_CLOSED".into();
                }),
                "not allowed",
            ),
            (
                Box::new(|e| e.meta.push(("note".into(), "x".into()))),
                "twice",
            ),
            (Box::new(|e| e.at = Some(i64::MAX)), "outside"),
        ];
        for (change, why) in cases {
            let mut e = event();
            change(&mut e);
            let err = invalid_text(&e.validate(&types).unwrap_err());
            assert!(err.contains(why), "{err} (expected {why})");
            assert!(!err.contains('\n'));
        }
    }

    #[test]
    fn names_refuse_bidirectional_and_invisible_characters() {
        let types = TypeMap::default();
        type Change = Box<dyn Fn(&mut NewEvent, &str)>;
        let fields: Vec<(&str, Change)> = vec![
            ("--account", Box::new(|e, t| e.account = t.into())),
            ("--type", Box::new(|e, t| e.kind = format!("DEPOSIT{t}"))),
            ("--id", Box::new(|e, t| e.id = Some(t.into()))),
            (
                "--to",
                Box::new(|e, t| {
                    e.kind = "TRANSFER".into();
                    e.to = Some(t.into());
                }),
            ),
            (
                "--meta key",
                Box::new(|e, t| e.meta = vec![(t.into(), "v".into())]),
            ),
        ];
        for c in [
            '\u{202e}', '\u{2066}', '\u{200f}', '\u{200b}', '\u{200d}', '\u{ad}', '\u{feff}',
            '\u{2028}', '\u{9b}', '\u{fe0f}',
        ] {
            for (field, change) in &fields {
                let mut e = event();
                change(&mut e, &format!("cust{c}1"));
                let err = invalid_text(&e.validate(&types).unwrap_err());
                let code = format!("U+{:04X}", c as u32);
                assert!(
                    err.starts_with(field) && err.contains(&code),
                    "{field} {code}: {err}"
                );
                assert!(!err.contains(c) && !err.contains('\n'), "{err:?}");
            }
        }
        // A meta value may hold an emoji sequence, but nothing that would be printed otherwise
        // than written.
        let mut e = event();
        e.meta = vec![("note".into(), "family 👨\u{200d}👩\u{200d}👧".into())];
        assert!(e.validate(&types).is_ok());
        e.meta = vec![("note".into(), "gnp\u{202e}exe".into())];
        let err = invalid_text(&e.validate(&types).unwrap_err());
        assert!(
            err.contains("--meta note") && err.contains("U+202E"),
            "{err}"
        );
    }

    #[test]
    fn a_message_is_held_to_the_name_rules_of_a_file() {
        let types = TypeMap::default();
        let ok = NewEvent {
            account: "acc-1".into(),
            kind: "Deposited".into(),
            amount: Some(Money::parse("1").unwrap()),
            ..NewEvent::default()
        };
        assert!(ok.validate(&types).is_ok());
        let bad = |change: &dyn Fn(&mut NewEvent)| {
            let mut r = ok.clone();
            change(&mut r);
            invalid_text(&r.validate(&types).unwrap_err())
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
        let err = bad(&|r| r.meta = vec![("note".into(), "a\u{2066}b".into())]);
        assert!(
            err.contains("--meta note") && err.contains("U+2066"),
            "{err}"
        );
    }

    #[test]
    fn a_record_that_is_not_durable_says_how_to_append_it_again() {
        let e = StoreError::NotDurable {
            name: "log.jsonl".into(),
            id: "e-9".into(),
            failure: store::Durability::Fsync(std::io::Error::other("I/O error")),
        };
        let text = store_text(&e);
        assert_eq!(
            text,
            "log.jsonl: the record (event id e-9) was written but fsync failed (I/O error): it is \
             not acknowledged and may not survive a crash; check with `rewind verify log.jsonl`, \
             and append again with --id e-9 (a repeat is safe)"
        );
        let e = StoreError::NotDurable {
            name: "log.jsonl".into(),
            id: "e-9".into(),
            failure: store::Durability::Folder(std::io::Error::other("I/O error")),
        };
        assert!(
            store_text(&e).contains(
                "the folder could not be synced (I/O error): it is not \
                 acknowledged; check with `rewind verify log.jsonl`, and append again with --id e-9"
            ),
            "{}",
            store_text(&e)
        );
    }
}
