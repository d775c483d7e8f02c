use std::fs::File;
use std::io;

use super::append::{LogFile, commit};
use super::head::{line_before_torn, line_number};
use super::*;
use crate::ledger::Money;
use crate::ledger::chain::{self, GENESIS};
use crate::ledger::new_event::NewEvent;
use crate::ledger::problem::MAX_LINE;
use crate::ledger::record::parse_record;

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
fn the_body_is_spec_shaped_and_the_sealed_line_parses_back() {
    let e = event();
    let (line, hash) = chain::seal_line(&e.body(1, "e-1", e.at.unwrap()), &GENESIS);
    assert!(line.starts_with(
        r#"{"seq":1,"eventId":"e-1","accountId":"acc-1","type":"DEPOSIT","amount":"100.00","timestamp":"2024-03-01T12:00:00.000Z","meta":{"note":"first \"one\""},"prev":"000"#
    ), "{line}");
    let f = parse_record(&line).unwrap();
    assert_eq!(f.seal.unwrap().hash, hash);
    assert_eq!(f.seq, Some(1));
    assert!(e.same_as(&line));
    let mut other = e.clone();
    other.amount = Some(Money::parse("100.01").unwrap());
    assert!(!other.same_as(&line));
    let mut no_time = e.clone();
    no_time.at = None;
    assert!(
        no_time.same_as(&line),
        "a repeat without --at is the same event"
    );
}

/// A file whose writes and syncs fail on demand.
struct Faulty {
    data: Vec<u8>,
    short_write: bool,
    fail_sync: bool,
    syncs: usize,
}

impl LogFile for Faulty {
    fn write_once(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let n = if self.short_write {
            bytes.len() / 2
        } else {
            bytes.len()
        };
        self.data.extend_from_slice(&bytes[..n]);
        Ok(n)
    }
    fn sync(&mut self) -> io::Result<()> {
        self.syncs += 1;
        if self.fail_sync {
            Err(io::Error::other("I/O error"))
        } else {
            Ok(())
        }
    }
    fn truncate(&mut self, len: u64) -> io::Result<()> {
        self.data.truncate(len as usize);
        Ok(())
    }
}

#[test]
fn a_failed_fsync_is_reported_once_and_never_taken_for_success() {
    let mut f = Faulty {
        data: b"x\n".to_vec(),
        short_write: false,
        fail_sync: true,
        syncs: 0,
    };
    let err = commit(&mut f, b"record\n", 2, "log.jsonl", "e-9").unwrap_err();
    assert!(matches!(err, StoreError::NotDurable { .. }));
    let text = err.to_string();
    assert!(
        text.contains("fsync failed") && text.contains("event id e-9"),
        "{text}"
    );
    assert!(!text.contains("--"), "no flag in the store's words: {text}");
    assert_eq!(f.syncs, 1, "never retried");
}

#[test]
fn a_short_write_is_taken_back() {
    let mut f = Faulty {
        data: b"x\n".to_vec(),
        short_write: true,
        fail_sync: false,
        syncs: 0,
    };
    let err = commit(&mut f, b"record\n", 2, "log.jsonl", "e-9").unwrap_err();
    assert!(err.to_string().contains("nothing was appended"), "{err}");
    assert_eq!(f.data, b"x\n");
}

#[test]
fn lines_are_found_backwards_across_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l");
    let long = "y".repeat(200_000);
    std::fs::write(&path, format!("a\n{long}\n\n")).unwrap();
    let file = File::open(&path).unwrap();
    let len = file.metadata().unwrap().len();
    let line = line_before(&file, len).unwrap().unwrap();
    assert_eq!(line.start, 2);
    assert_eq!(line.bytes.len(), 200_000);
    let first = line_before(&file, 2).unwrap().unwrap();
    assert_eq!((first.start, first.bytes), (0, b"a".to_vec()));
    assert!(line_before(&file, 0).unwrap().is_none());
    assert_eq!(line_number(&file, 2).unwrap(), 2);
    // A torn last line, and a line longer than a record can be (returned cut, over the limit).
    let huge = "z".repeat(MAX_LINE + 100);
    std::fs::write(&path, format!("a\n{long}\n{huge}\nb")).unwrap();
    let file = File::open(&path).unwrap();
    let len = file.metadata().unwrap().len();
    assert_eq!(line_before_torn(&file, len).unwrap(), len - 1);
    let cut = line_before(&file, len - 1).unwrap().unwrap();
    assert!(cut.bytes.len() > MAX_LINE && cut.bytes.iter().all(|b| *b == b'z'));
    assert_eq!(line_number(&file, cut.start).unwrap(), 3);
    let before = line_before(&file, 2 + long.len() as u64 + 1)
        .unwrap()
        .unwrap();
    assert_eq!((before.start, before.bytes.len()), (2, long.len()));
}

#[test]
fn the_store_words_no_flag_and_no_command() {
    let name = || "log.jsonl".to_string();
    let head = chain::Digest256 {
        seq: 2,
        hash: GENESIS,
    };
    let mut errors = vec![
        StoreError::TornTail {
            name: name(),
            line: 3,
        },
        StoreError::OnlyBlank { name: name() },
        StoreError::TrailingBlank {
            name: name(),
            line: 3,
        },
        StoreError::TooLong {
            name: name(),
            bytes: 2 << 20,
        },
        StoreError::NoLog {
            name: name(),
            expected: 1,
        },
        StoreError::DanglingLink { name: name() },
        StoreError::IdTaken {
            name: name(),
            line: 1,
            id: "e-\u{1b}1".into(),
        },
        StoreError::HeadMoved {
            name: name(),
            expected: 1,
            head,
        },
        StoreError::SeqsExhausted {
            name: name(),
            seq: 9,
        },
        StoreError::WouldNotReadBack {
            name: name(),
            why: ReadBack::Differs,
        },
        StoreError::NotALog {
            name: name(),
            why: "it is a JSON array",
        },
        StoreError::NotDurable {
            name: name(),
            id: "e-9".into(),
            failure: Durability::Fsync(io::Error::other("I/O error")),
        },
        StoreError::TornWrite {
            name: name(),
            why: "disk full".into(),
            undo: io::Error::other("I/O error"),
        },
    ];
    for problem in [
        HeadProblem::TooLong,
        HeadProblem::NotUtf8,
        HeadProblem::NotRecord("expected `{`".into()),
        HeadProblem::NotSealed,
        HeadProblem::Altered,
        HeadProblem::NoSeq,
        HeadProblem::BlankBefore,
        HeadProblem::PreviousUnsealed,
        HeadProblem::PrevMismatch,
        HeadProblem::SeqGap { seq: 5, before: 3 },
        HeadProblem::SeqZero,
    ] {
        errors.push(StoreError::BadHead {
            name: name(),
            line: 4,
            problem,
        });
    }
    for e in errors {
        let text = e.to_string();
        assert!(text.starts_with("log.jsonl"), "{text}");
        assert!(
            !text.contains("--") && !text.contains("`rewind") && !text.contains('\n'),
            "{text}"
        );
        assert!(!text.contains('\u{1b}'), "{text:?}");
    }
}
