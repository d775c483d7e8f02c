//! The text of a problem, built when it is shown from the parts the problem keeps and from the
//! ledger (the event, its names, the record's bytes read again from the source).
//!
//! A problem is a few bytes (see [`Problem`]); its text is tens to hundreds. Building the text
//! only when it is shown keeps a log of millions of bad lines within memory.

use rust_decimal::Decimal;

use super::book::Ledger;
use super::event::NO_ACCOUNT;
use super::load::{diagnose, too_long_text};
use super::money::Money;
use super::problem::{Problem, ProblemKind, Reason, chain_fault};
use super::raw::RawSource;
use super::record::repeated_member;
use super::recorded::NO_SEQ;
use super::time::format_time;
use crate::text::shorten;

/// Reads records back from a ledger's source a block at a time, so that the texts of many
/// problems in a row (`rewind check`) cost a read per block, not one per problem.
pub struct Explainer<'a> {
    ledger: &'a Ledger,
    /// Bytes of the source from `start` on.
    window: Vec<u8>,
    start: u64,
}

/// How much of a file is read at once for problem texts.
const WINDOW: u64 = 1 << 20;

impl<'a> Explainer<'a> {
    /// An explainer that reads `ledger`'s source; nothing is read until a text is asked for.
    pub fn new(ledger: &'a Ledger) -> Explainer<'a> {
        Explainer {
            ledger,
            window: Vec::new(),
            start: 0,
        }
    }

    /// The bytes `at..at + len` of the source, or `None` when they cannot be read again.
    fn bytes(&mut self, at: u64, len: u64) -> Option<Vec<u8>> {
        match &self.ledger.raw {
            RawSource::Memory(bytes) => {
                let start = usize::try_from(at).ok()?;
                let end = start.checked_add(usize::try_from(len).ok()?)?;
                bytes.get(start..end).map(<[u8]>::to_vec)
            }
            RawSource::File(_) => {
                let end = at.checked_add(len)?;
                let window_end = self.start + self.window.len() as u64;
                if at < self.start || end > window_end {
                    let want = len
                        .max(WINDOW)
                        .min(self.ledger.source_len.saturating_sub(at));
                    self.window = self
                        .ledger
                        .raw
                        .read(at, u32::try_from(want.max(len)).ok()?)
                        .ok()?;
                    self.start = at;
                }
                let from = (at - self.start) as usize;
                self.window
                    .get(from..from + len as usize)
                    .map(<[u8]>::to_vec)
            }
        }
    }

    /// The problem's one-line text.
    pub fn message(&mut self, p: &Problem) -> String {
        let torn = p.kind == ProblemKind::TornTail;
        let text = self.base_message(p);
        match p.reason {
            Reason::Record { .. } | Reason::TooLong { .. } if torn => format!(
                "the last line is incomplete (no newline at its end, an interrupted write?): {text}"
            ),
            _ => text,
        }
    }

    fn base_message(&mut self, p: &Problem) -> String {
        let ledger = self.ledger;
        let event = p.event().map(|i| (i as usize, ledger.event(i as usize)));
        let type_name = || event.map_or("", |(_, e)| ledger.type_name(e.kind));
        let account_of = |side: u8| {
            event.map_or("?", |(_, e)| {
                let a = if side == 0 || e.to == NO_ACCOUNT {
                    e.account
                } else {
                    e.to
                };
                ledger.account_name(a)
            })
        };
        match p.reason {
            Reason::Record { len } => {
                let len = u64::from(u32::from_le_bytes(len));
                match self.bytes(p.at, len).as_deref().and_then(diagnose) {
                    Some((_, text)) => text,
                    None => "the line can no longer be read as it was when the log was loaded \
                             (the file changed)"
                        .to_string(),
                }
            }
            Reason::TooLong { len } => too_long_text(u64::from_le_bytes(len)),
            Reason::TornRecord => "the last record has no newline at its end: the write may \
                                   have been interrupted before it was acknowledged (`rewind \
                                   repair` moves it aside)"
                .to_string(),
            Reason::BlankInSealed => "a blank line in a sealed log, which rewind never writes \
                                      (the file was edited here)"
                .to_string(),
            Reason::NotARecord => {
                "this line is not a valid record, so the chain breaks here".to_string()
            }
            Reason::NoSeal => "a record without `prev`/`hash` in a sealed log".to_string(),
            Reason::Chain {
                faults,
                seq,
                before,
            } => chain_text(faults, u64::from_le_bytes(seq), u64::from_le_bytes(before)),
            Reason::StraySeal => "a sealed record in a log whose first record has no \
                                  `prev`/`hash`: the seals of the records before it were \
                                  removed, or they were never sealed"
                .to_string(),
            Reason::TooManyTypes => {
                "more than 65,536 distinct event types: this one cannot be told apart".to_string()
            }
            Reason::ArrayNotClosed => {
                "the JSON array is not closed with `]` (the file was cut off?)".to_string()
            }
            Reason::TextAfterArray => "text after the end of the JSON array".to_string(),
            Reason::Event => match (p.kind, event) {
                (ProblemKind::UnknownType, _) => format!(
                    "unknown event type `{}`: it moves no money (map it with --types)",
                    type_name()
                ),
                (ProblemKind::NegativeAmount, Some((_, e))) => format!(
                    "negative amount {} on a {}: applied as written",
                    e.amount,
                    type_name()
                ),
                (ProblemKind::MissingAmount, _) => {
                    format!("a {} without an amount moves no money", type_name())
                }
                (ProblemKind::DuplicateMember, Some((i, _))) => duplicate_text(&ledger.raw_text(i)),
                (kind, _) => kind.name().to_string(),
            },
            Reason::MissingTo => format!("a {} without `to` moves no money", type_name()),
            Reason::OutOfOrder { previous } => {
                let previous = ledger.event(u32::from_le_bytes(previous) as usize);
                let ts = event.map_or(0, |(_, e)| e.ts);
                format!(
                    "recorded after {} but its time {} is earlier than {}",
                    ledger.place(previous.line).phrase(),
                    format_time(ts),
                    format_time(previous.ts)
                )
            }
            Reason::DuplicateId { first } => {
                let first = ledger.event(u32::from_le_bytes(first) as usize);
                let id = event
                    .and_then(|(i, _)| ledger.event_id(i))
                    .unwrap_or_default();
                format!(
                    "event id `{id}` was already used at {}",
                    ledger.place(first.line).phrase()
                )
            }
            Reason::DuplicateSeq { first } => {
                let first = u32::from_le_bytes(first) as usize;
                let line = ledger.place(ledger.event(first).line).phrase();
                let second = event.map_or(0, |(i, _)| i);
                let seq = ledger.seq_of(second);
                let own = |i: usize| ledger.records.seqs.get(i).is_some_and(|s| *s != NO_SEQ);
                match (own(first), own(second)) {
                    (true, true) => format!("seq {seq} was already used at {line}"),
                    (true, false) => format!(
                        "this event has no seq, and its position {seq} is the seq of {line}"
                    ),
                    _ => format!("seq {seq} is also the position of {line}, which has no seq"),
                }
            }
            Reason::NearDuplicate { original } => {
                let first = u32::from_le_bytes(original) as usize;
                let o = ledger.event(first);
                let (ts, amount, kind) =
                    event.map_or((o.ts, o.amount, o.kind), |(_, e)| (e.ts, e.amount, e.kind));
                let gap = ts.saturating_sub(o.ts);
                let keys = &ledger.types_map.duplicates().keys;
                let same = if keys.is_empty() {
                    String::new()
                } else {
                    format!(" and {}", keys.join(", "))
                };
                format!(
                    "repeats {} (seq {}): same account, type `{}` and amount \
                     {amount}{same}, {} later, under a new id",
                    ledger.place(o.line).phrase(),
                    ledger.seq_of(first),
                    ledger.type_name(kind),
                    gap_text(gap)
                )
            }
            Reason::AfterClose { side } => {
                format!("event on account {} after it was closed", account_of(side))
            }
            Reason::Overdraft { side, before } => {
                let before = Money::from_decimal(Decimal::deserialize(before));
                let after = event
                    .and_then(|(i, e)| {
                        let account = if side == 0 { e.account } else { e.to };
                        before.checked_add(ledger.delta(i, account))
                    })
                    .unwrap_or(before);
                format!(
                    "balance of {} goes below zero: {before} → {after}",
                    account_of(side)
                )
            }
            Reason::Lookalike {
                account,
                original,
                first,
            } => ledger.lookalike_text(
                u32::from_le_bytes(account),
                u32::from_le_bytes(original),
                u32::from_le_bytes(first) as usize,
            ),
            Reason::Overflow { side } => format!(
                "balance of {} would leave the range of exact decimals; the amount is not applied",
                account_of(side)
            ),
            Reason::Check { check } => ledger.check_text(u16::from_le_bytes(check)),
        }
    }
}

/// The text of a chain problem's faults, joined in their order.
fn chain_text(faults: u8, seq: u64, before: u64) -> String {
    let mut parts: Vec<String> = chain_fault::TEXTS
        .iter()
        .filter(|(bit, _)| faults & bit != 0)
        .map(|(_, text)| text.to_string())
        .collect();
    if faults & chain_fault::NO_SEQ != 0 {
        parts.push("a sealed record without `seq`".to_string());
    }
    if faults & chain_fault::SEQ_ZERO != 0 {
        parts.push(
            "seq 0 on the first record: the seqs of a sealed log start from 1 (0 is the empty log)"
                .to_string(),
        );
    }
    if faults & chain_fault::SEQ_JUMP != 0 {
        parts.push(format!(
            "seq {seq} where the record before is seq {before}: the seqs of a sealed log go up \
             by one from record to record"
        ));
    }
    parts.join("; ")
}

/// The text of a `duplicate-member` problem, from the record.
fn duplicate_text(record: &str) -> String {
    let (name, values) = repeated_member(record).unwrap_or_else(|| ("?".to_string(), Vec::new()));
    let values: Vec<String> = values.iter().map(|v| shorten(v, 40)).collect();
    format!(
        "the member `{name}` is given {} times ({}): JSON readers disagree on which one counts \
         (rewind reads the first, many others the last), so this event has no effect",
        values.len(),
        values.join(", ")
    )
}

impl Ledger {
    /// A problem's one-line text. For many problems in a row, [`Ledger::explainer`] reads the
    /// source a block at a time.
    pub fn message(&self, p: &Problem) -> String {
        Explainer::new(self).message(p)
    }

    /// Builds the texts of problems, reading the source a block at a time.
    pub fn explainer(&self) -> Explainer<'_> {
        Explainer::new(self)
    }
}

/// A time between two events: `59.750 s`, `2 min 5.000 s`, `0.000 s`.
fn gap_text(ms: i64) -> String {
    let (min, rest) = (ms / 60_000, ms % 60_000);
    let seconds = format!("{}.{:03} s", rest / 1000, rest % 1000);
    if min > 0 {
        format!("{min} min {seconds}")
    } else {
        seconds
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::chain::{GENESIS, seal_line};
    use crate::ledger::load::{LoadOptions, load_bytes};

    fn texts(text: &[u8]) -> Vec<(u64, &'static str, String)> {
        let l = load_bytes("t", text.to_vec(), &LoadOptions::default());
        let mut explain = l.explainer();
        l.problems()
            .iter()
            .map(|p| (p.line, p.kind.name(), explain.message(p)))
            .collect()
    }

    #[test]
    fn a_problem_is_a_few_tens_of_bytes() {
        assert!(
            std::mem::size_of::<Problem>() <= 40,
            "{}",
            std::mem::size_of::<Problem>()
        );
    }

    #[test]
    fn texts_are_built_from_the_parts_kept() {
        let mut log = String::new();
        for line in [
            r#"{"accountId":"a","type":"DEPOSIT","amount":"5","timestamp":10,"eventId":"x","seq":1}"#,
            "not json",
            r#"{"accountId":"a","type":"Mystery","timestamp":9,"eventId":"x","seq":1}"#,
            r#"{"accountId":"a","type":"WITHDRAW","amount":"7.50","timestamp":11,"seq":3}"#,
            r#"{"accountId":"a","type":"DEPOSIT","amount":-1,"timestamp":12,"seq":4}"#,
            r#"{"accountId":"a","type":"TRANSFER","amount":1,"timestamp":13,"seq":5}"#,
            r#"{"accountId":"a","type":"DEPOSIT","timestamp":14,"seq":6}"#,
            r#"{"accountId":"a","type":"ACCOUNT_CLOSED","timestamp":15,"seq":7}"#,
            r#"{"accountId":"a","type":"DEPOSIT","amount":1,"timestamp":16,"seq":8}"#,
            r#"{"accountId":"b","type":"DEPOSIT","amount":1,"amount":2,"timestamp":17,"seq":9}"#,
            r#"{"accountId":"b","type":"DEPOSIT","amount":"1e999","timestamp":17}"#,
        ] {
            log.push_str(line);
            log.push('\n');
        }
        log.push_str("{\"accountId\":");
        let got = texts(log.as_bytes());
        let want: Vec<(u64, &str, &str)> = vec![
            (2, "bad-json", "invalid JSON: expected ident (column 2)"),
            (
                3,
                "unknown-type",
                "unknown event type `Mystery`: it moves no money (map it with --types)",
            ),
            (
                3,
                "out-of-order",
                "recorded after line 1 but its time 1970-01-01T00:00:00.009Z is earlier than 1970-01-01T00:00:00.010Z",
            ),
            (3, "duplicate-id", "event id `x` was already used at line 1"),
            (3, "duplicate-seq", "seq 1 was already used at line 1"),
            (4, "overdraft", "balance of a goes below zero: 5 → -2.50"),
            (
                5,
                "negative-amount",
                "negative amount -1 on a DEPOSIT: applied as written",
            ),
            (
                6,
                "missing-amount",
                "a TRANSFER without `to` moves no money",
            ),
            (
                7,
                "missing-amount",
                "a DEPOSIT without an amount moves no money",
            ),
            (9, "after-close", "event on account a after it was closed"),
            (
                10,
                "duplicate-member",
                "the member `amount` is given 2 times (1, 2): JSON readers disagree on which one counts (rewind reads the first, many others the last), so this event has no effect",
            ),
            (
                11,
                "bad-amount",
                "amount: `1e999` cannot be held exactly (at most 28 decimal places and 96 bits of mantissa, about 28 significant digits)",
            ),
            (
                12,
                "torn-tail",
                "the last line is incomplete (no newline at its end, an interrupted write?): invalid JSON: EOF while parsing a value (column 13)",
            ),
        ];
        let got: Vec<(u64, &str, &str)> =
            got.iter().map(|(l, k, m)| (*l, *k, m.as_str())).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn chain_texts_name_every_fault() {
        let (first, h1) = seal_line(
            r#"{"seq":1,"accountId":"a","type":"DEPOSIT","amount":"5","timestamp":1"#,
            &GENESIS,
        );
        let (second, _) = seal_line(
            r#"{"seq":5,"accountId":"a","type":"DEPOSIT","amount":"5","timestamp":2"#,
            &GENESIS,
        );
        let (third, _) = seal_line(
            r#"{"seq":3,"accountId":"a","type":"DEPOSIT","amount":"5","timestamp":3"#,
            &h1,
        );
        let got = texts(format!("{first}\n{second}\n\nxx\n{third}").as_bytes());
        let want = vec![
            (2, "chain-broken", "`prev` is not the hash of the record before (a record was inserted, removed or moved); seq 5 where the record before is seq 1: the seqs of a sealed log go up by one from record to record".to_string()),
            (3, "chain-broken", "a blank line in a sealed log, which rewind never writes (the file was edited here)".to_string()),
            (4, "bad-json", "invalid JSON: expected value (column 1)".to_string()),
            (4, "chain-broken", "this line is not a valid record, so the chain breaks here".to_string()),
            (5, "torn-tail", "the last record has no newline at its end: the write may have been interrupted before it was acknowledged (`rewind repair` moves it aside)".to_string()),
        ];
        assert_eq!(got, want);
    }
}
