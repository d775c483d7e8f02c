//! Properties of a log read in pieces.
//!
//! - The parallel loader, whatever the size of the chunks it cuts a log into, gives exactly what
//!   one sequential pass gives (events, problems, line numbers, the chain's verdict), and the lines
//!   and bad lines a plain line-by-line reading finds.
//! - A ledger indexed at [`Depth::Summary`] answers every moment as one indexed at
//!   [`Depth::Full`] does, with the same problems.

use proptest::prelude::*;

use super::{CHUNK, LoadOptions, load_bytes_in};
use crate::ledger::chain::{GENESIS, seal_line};
use crate::ledger::record::parse_record;
use crate::ledger::{Depth, Ledger, Moment};

/// One line of a generated log.
#[derive(Clone, Debug)]
pub(super) enum Line {
    Event {
        account: u8,
        kind: u8,
        amount: Option<u8>,
        to: Option<u8>,
        id: Option<u8>,
        /// Seconds after the start; later lines usually get later times.
        at: u16,
        escaped: bool,
    },
    Bad(u8),
    Blank,
    Spaces,
    NotUtf8,
}

const KINDS: &[&str] = &[
    "DEPOSIT",
    "withdraw",
    "TRANSFER",
    "AccountOpened",
    "ACCOUNT_CLOSED",
    "Mystery",
];
const AMOUNTS: &[&str] = &["\"12.50\"", "3", "-4", "1e2", "\"x\"", "0.1", "null"];
const BAD: &[&str] = &[
    "not json",
    "{\"accountId\":",
    "[1,2]",
    "{\"type\":\"DEPOSIT\",\"timestamp\":1}",
    "{\"accountId\":\"a1\",\"type\":\"DEPOSIT\",\"timestamp\":\"noon\"}",
    "{\"accountId\":\"a1\",\"type\":\"DEPOSIT\",\"timestamp\":1,\"seq\":-1}",
    "}",
];

pub(super) fn line() -> impl Strategy<Value = Line> {
    prop_oneof![
        8 => (0u8..6, 0u8..6, prop::option::weighted(0.9, 0u8..7), prop::option::of(0u8..6),
              prop::option::weighted(0.7, 0u8..20), 0u16..400, prop::bool::weighted(0.1))
            .prop_map(|(account, kind, amount, to, id, at, escaped)| Line::Event {
                account, kind, amount, to, id, at, escaped
            }),
        1 => (0u8..7).prop_map(Line::Bad),
        1 => Just(Line::Blank),
        1 => Just(Line::Spaces),
        1 => Just(Line::NotUtf8),
    ]
}

/// The JSON body of an event line (without the closing brace), `seq` first when given.
pub(super) fn body(line: &Line, seq: Option<usize>) -> Option<String> {
    let Line::Event {
        account,
        kind,
        amount,
        to,
        id,
        at,
        escaped,
    } = line
    else {
        return None;
    };
    let mut out = String::from("{");
    if let Some(seq) = seq {
        out.push_str(&format!("\"seq\":{seq},"));
    }
    if let Some(id) = id {
        out.push_str(&format!("\"eventId\":\"e{id}\","));
    }
    // An escaped name is the same account as the plain one.
    let name = if *escaped {
        format!("a\\u003{account}")
    } else {
        format!("a{account}")
    };
    out.push_str(&format!(
        "\"accountId\":\"{name}\",\"type\":\"{}\"",
        KINDS[*kind as usize]
    ));
    if let Some(a) = amount {
        out.push_str(&format!(",\"amount\":{}", AMOUNTS[*a as usize]));
    }
    if let Some(to) = to {
        out.push_str(&format!(",\"to\":\"a{to}\""));
    }
    out.push_str(&format!(
        ",\"timestamp\":{}",
        1_700_000_000_000i64 + i64::from(*at) * 1000
    ));
    Some(out)
}

pub(super) fn render_line(line: &Line, out: &mut Vec<u8>) {
    match line {
        Line::Event { .. } => {
            out.extend_from_slice(body(line, None).unwrap().as_bytes());
            out.push(b'}');
        }
        Line::Bad(k) => out.extend_from_slice(BAD[*k as usize].as_bytes()),
        Line::Blank => {}
        Line::Spaces => out.extend_from_slice(b"  \t "),
        Line::NotUtf8 => out.extend_from_slice(b"{\"accountId\":\"\xff\xfe\"}"),
    }
}

/// A JSON Lines log: some lines end with CRLF, and the last one may lack its newline or be cut.
fn jsonl() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec((line(), prop::bool::weighted(0.2)), 0..60),
        0u8..3,
        any::<prop::sample::Index>(),
    )
        .prop_map(|(lines, tail, cut)| {
            let mut out = Vec::new();
            for (line, crlf) in &lines {
                render_line(line, &mut out);
                out.extend_from_slice(if *crlf { b"\r\n" } else { b"\n" });
            }
            match tail {
                // A last line without its newline.
                1 if !out.is_empty() => {
                    out.pop();
                }
                // A torn write: the last line cut anywhere.
                2 if !out.is_empty() => {
                    let start = out[..out.len() - 1]
                        .iter()
                        .rposition(|b| *b == b'\n')
                        .map_or(0, |i| i + 1);
                    let keep = start + cut.index(out.len() - start);
                    out.truncate(keep);
                }
                _ => {}
            }
            out
        })
}

/// What may happen to a sealed log after it was written.
#[derive(Clone, Debug)]
enum Damage {
    AlterByte(prop::sample::Index),
    Remove(prop::sample::Index),
    Swap(prop::sample::Index),
    InsertBad(prop::sample::Index, u8),
    InsertBlank(prop::sample::Index),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        any::<prop::sample::Index>().prop_map(Damage::AlterByte),
        any::<prop::sample::Index>().prop_map(Damage::Remove),
        any::<prop::sample::Index>().prop_map(Damage::Swap),
        (any::<prop::sample::Index>(), 0u8..7).prop_map(|(i, k)| Damage::InsertBad(i, k)),
        any::<prop::sample::Index>().prop_map(Damage::InsertBlank),
    ]
}

/// A sealed log (every record with `seq`, `prev` and `hash`), possibly damaged.
fn sealed() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec(line(), 1..50),
        prop::collection::vec(damage(), 0..3),
    )
        .prop_map(|(lines, damages)| {
            let mut prev = GENESIS;
            let mut records: Vec<Vec<u8>> = Vec::new();
            for line in &lines {
                if let Some(body) = body(line, Some(records.len() + 1)) {
                    let (sealed, hash) = seal_line(&body, &prev);
                    prev = hash;
                    records.push(sealed.into_bytes());
                }
            }
            for d in damages {
                if records.is_empty() {
                    break;
                }
                match d {
                    Damage::AlterByte(i) => {
                        let r = i.index(records.len());
                        // A digit of the time: still a valid record, with another hash.
                        let rec = &mut records[r];
                        if let Some(p) = rec.windows(2).position(|w| w == b"00") {
                            rec[p] = b'1';
                        }
                    }
                    Damage::Remove(i) => {
                        records.remove(i.index(records.len()));
                    }
                    Damage::Swap(i) => {
                        let r = i.index(records.len());
                        if r + 1 < records.len() {
                            records.swap(r, r + 1);
                        }
                    }
                    Damage::InsertBad(i, k) => {
                        let r = i.index(records.len() + 1);
                        records.insert(r, BAD[k as usize].as_bytes().to_vec());
                    }
                    Damage::InsertBlank(i) => {
                        let r = i.index(records.len() + 1);
                        records.insert(r, Vec::new());
                    }
                }
            }
            let mut out = records.join(&b"\n"[..]);
            out.push(b'\n');
            out
        })
}

/// One JSON array of records, elements spread over lines, some of them not events.
fn array() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec((line(), 0u8..3), 0..40),
        prop::bool::weighted(0.8),
    )
        .prop_map(|(lines, closed)| {
            let mut out = b"[".to_vec();
            let mut first = true;
            for (line, spacing) in &lines {
                let element = match line {
                    Line::Event { .. } => {
                        let mut e = Vec::new();
                        render_line(line, &mut e);
                        e
                    }
                    Line::Bad(k) => match k % 3 {
                        0 => b"{\"type\":\"DEPOSIT\",\"timestamp\":1}".to_vec(),
                        1 => b"42".to_vec(),
                        _ => b"\"text\"".to_vec(),
                    },
                    _ => continue,
                };
                if !first {
                    out.push(b',');
                }
                first = false;
                out.extend_from_slice(match spacing {
                    0 => &b""[..],
                    1 => b"\n  ",
                    _ => b" \n\n ",
                });
                out.extend_from_slice(&element);
            }
            if closed {
                out.extend_from_slice(b"\n]\n");
            }
            out
        })
}

/// A sealed log, possibly damaged, written as one JSON array: several records may share a line.
fn sealed_array() -> impl Strategy<Value = Vec<u8>> {
    (sealed(), prop::collection::vec(0u8..3, 64)).prop_map(|(lines, spacing)| {
        let mut out = b"[".to_vec();
        let records: Vec<&[u8]> = lines
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .collect();
        for (i, r) in records.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(match spacing[i % spacing.len()] {
                0 => &b""[..],
                1 => b" ",
                _ => b"\n",
            });
            out.extend_from_slice(r);
        }
        out.extend_from_slice(b"]\n");
        out
    })
}

/// The same JSON array of events and bad elements written two ways: each element on a line of its
/// own, and every element on one line.
fn array_two_ways() -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
    prop::collection::vec(line(), 0..30).prop_map(|lines| {
        let elements: Vec<Vec<u8>> = lines
            .iter()
            .filter_map(|line| match line {
                Line::Event { .. } => {
                    let mut e = Vec::new();
                    render_line(line, &mut e);
                    Some(e)
                }
                Line::Bad(k) => Some(match k % 4 {
                    0 => b"{\"type\":\"DEPOSIT\",\"timestamp\":1}".to_vec(),
                    1 => b"42".to_vec(),
                    2 => b"{\"accountId\":\"a1\",\"type\":\"DEPOSIT\",\"timestamp\":\"noon\"}"
                        .to_vec(),
                    _ => b"\"text\"".to_vec(),
                }),
                _ => None,
            })
            .collect();
        let write = |sep: &[u8]| {
            let mut out = b"[".to_vec();
            out.extend_from_slice(&elements.join(sep));
            out.extend_from_slice(b"]\n");
            out
        };
        (write(b",\n"), write(b","))
    })
}

pub(super) fn load(bytes: &[u8], chunk: usize) -> Ledger {
    load_bytes_in("log", bytes.to_vec(), &LoadOptions::default(), chunk)
}

/// Everything a reader can see of two ledgers is the same.
pub(super) fn assert_same(a: &Ledger, b: &Ledger) {
    assert_eq!(a.len(), b.len());
    assert_eq!(a.events(), b.events());
    for i in 0..a.len() {
        let (x, y) = (a.event(i), b.event(i));
        assert_eq!(a.account_name(x.account), b.account_name(y.account));
        assert_eq!(a.type_name(x.kind), b.type_name(y.kind));
        assert_eq!(a.seq_of(i), b.seq_of(i));
    }
    assert_eq!(a.problems(), b.problems());
    assert_eq!(a.line_count(), b.line_count());
    assert_eq!(a.integrity(), b.integrity());
    assert_eq!(a.tail_state(), b.tail_state());
    assert_eq!(a.account_count(), b.account_count());
    assert_eq!(a.time_order(), b.time_order());
    for i in 0..a.len() {
        assert_eq!(a.time_rank(i), b.time_rank(i));
    }
    assert_eq!(a.accounts_sorted(), b.accounts_sorted());
    for account in 0..a.account_count() as u32 {
        assert_eq!(a.postings(account), b.postings(account));
        assert_eq!(a.postings_recorded(account), b.postings_recorded(account));
    }
    let n = a.len() as u64;
    let mut moments = vec![Moment::End];
    moments.extend((0..=n).step_by(3).map(Moment::Seq));
    // Just before and at every time there is.
    for e in a.events() {
        moments.extend([Moment::Time(e.ts - 1), Moment::Time(e.ts)]);
    }
    for m in moments {
        assert_eq!(a.balances_at(m), b.balances_at(m), "{m:?}");
    }
}

/// The events and bad lines of a JSON Lines log read the plainest way: line by line.
fn line_by_line(bytes: &[u8]) -> (Vec<(u64, String)>, Vec<u64>) {
    let mut events = Vec::new();
    let mut bad = Vec::new();
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match std::str::from_utf8(line).ok().map(parse_record) {
            Some(Ok(f)) => events.push((i as u64 + 1, f.account.into_owned())),
            _ => bad.push(i as u64 + 1),
        }
    }
    (events, bad)
}

/// A summary and a full index of the same log give the same answers.
fn assert_summary_answers_as_full(bytes: &[u8]) {
    let full = load(bytes, CHUNK);
    let options = LoadOptions {
        depth: Depth::Summary,
        ..LoadOptions::default()
    };
    let summary = load_bytes_in("log", bytes.to_vec(), &options, CHUNK);
    assert_eq!(summary.problems(), full.problems());
    assert_eq!(summary.events(), full.events());
    assert_eq!(summary.time_order(), full.time_order());
    assert_eq!(summary.accounts_sorted(), full.accounts_sorted());
    let n = full.len() as u64;
    let mut moments = vec![Moment::End];
    moments.extend((0..=n + 1).map(Moment::Seq));
    for e in full.events() {
        moments.extend([Moment::Time(e.ts - 1), Moment::Time(e.ts)]);
    }
    for m in moments {
        assert_eq!(summary.balances_at(m), full.balances_at(m), "{m:?}");
        for account in 0..full.account_count() as u32 {
            assert_eq!(summary.account_at(account, m), full.account_at(account, m));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn jsonl_in_any_chunks_is_one_pass(bytes in jsonl(), chunk in 1usize..200) {
        let whole = load(&bytes, usize::MAX);
        assert_same(&load(&bytes, chunk), &whole);
        assert_same(&load(&bytes, CHUNK), &whole);
        // A text that starts with `[` is one JSON array, not lines.
        prop_assume!(bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'['));
        let (events, bad) = line_by_line(&bytes);
        let got: Vec<(u64, String)> = whole
            .events()
            .iter()
            .map(|e| (e.line, whole.account_name(e.account).to_string()))
            .collect();
        prop_assert_eq!(got, events);
        let bad_lines: Vec<u64> = whole
            .problems()
            .iter()
            .filter(|p| p.kind.is_bad_line() || p.kind.name() == "torn-tail")
            .map(|p| p.line)
            .collect();
        prop_assert_eq!(bad_lines, bad);
    }

    #[test]
    fn sealed_logs_in_any_chunks_are_one_pass(bytes in sealed(), chunk in 1usize..400) {
        let whole = load(&bytes, usize::MAX);
        assert_same(&load(&bytes, chunk), &whole);
    }

    #[test]
    fn a_summary_answers_every_moment_as_the_full_index(bytes in jsonl(), sealed in sealed()) {
        assert_summary_answers_as_full(&bytes);
        assert_summary_answers_as_full(&sealed);
    }

    #[test]
    fn arrays_in_any_groups_are_one_pass(bytes in array(), chunk in 1usize..200) {
        let whole = load(&bytes, usize::MAX);
        assert_same(&load(&bytes, chunk), &whole);
    }

    #[test]
    fn an_arrays_problems_come_in_the_order_of_its_elements_however_it_is_split(
        (lines, one_line) in array_two_ways(),
        chunk in 1usize..200,
    ) {
        let kinds = |l: &Ledger| -> Vec<(u64, &'static str)> {
            // Which element a problem is about, and its kind.
            l.problems()
                .iter()
                .map(|p| (p.at, p.kind.name()))
                .collect()
        };
        let (a, b) = (load(&lines, usize::MAX), load(&one_line, chunk));
        let order = |l: &Ledger| -> Vec<&'static str> { kinds(l).into_iter().map(|(_, k)| k).collect() };
        prop_assert_eq!(order(&a), order(&b));
        // The same elements, in the same order.
        let rank = |l: &Ledger| -> Vec<usize> {
            let mut starts: Vec<u64> = kinds(l).iter().map(|(at, _)| *at).collect();
            starts.dedup();
            let all = starts.clone();
            kinds(l)
                .iter()
                .map(|(at, _)| all.iter().position(|s| s == at).unwrap())
                .collect()
        };
        prop_assert_eq!(rank(&a), rank(&b));
        assert_same(&load(&one_line, chunk), &load(&one_line, usize::MAX));
    }

    #[test]
    fn sealed_arrays_in_any_groups_are_one_pass(bytes in sealed_array(), chunk in 1usize..400) {
        let whole = load(&bytes, usize::MAX);
        assert_same(&load(&bytes, chunk), &whole);
    }
}
