//! A log loaded in part and then extended with the lines that follow (as when following a
//! growing file) is the log loaded at once, whether the new events were indexed on their own or
//! everything was indexed again; so are rows of a database added in batches as they arrive.

use proptest::prelude::*;

use super::pieces_props::{Line, assert_same, body, line, load, render_line};
use super::{CHUNK, LoadOptions};
use crate::ledger::Ledger;
use crate::ledger::chain::{GENESIS, seal_line};
use crate::ledger::extend::Reindexed;
use crate::ledger::record::parse_record;

/// A log of whole lines, its times going forward when `in_time`, sealed when `sealed`, and where
/// to cut it into pieces (at line starts, after its first event).
fn growing_log() -> impl Strategy<Value = (Vec<u8>, Vec<usize>)> {
    (
        prop::collection::vec(line(), 1..60),
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(any::<prop::sample::Index>(), 1..4),
    )
        .prop_map(|(mut lines, in_time, sealed, cuts)| {
            if in_time {
                let mut at = 0;
                for line in &mut lines {
                    if let Line::Event { at: t, .. } = line {
                        at += *t % 3;
                        *t = at;
                    }
                }
            }
            let mut out = Vec::new();
            let mut starts = Vec::new();
            let mut prev = GENESIS;
            let mut seq = 0;
            for line in &lines {
                starts.push(out.len());
                match body(line, sealed.then_some(seq + 1)) {
                    Some(body) if sealed => {
                        seq += 1;
                        let (text, hash) = seal_line(&body, &prev);
                        prev = hash;
                        out.extend_from_slice(text.as_bytes());
                    }
                    _ => render_line(line, &mut out),
                }
                out.push(b'\n');
            }
            // Cut only after the first record, which tells whether the log is sealed.
            let ends = starts.iter().skip(1).copied().chain([out.len()]);
            let first_event = starts
                .iter()
                .zip(ends)
                .position(|(&a, b)| {
                    std::str::from_utf8(&out[a..b - 1]).is_ok_and(|t| parse_record(t).is_ok())
                })
                .map_or(starts.len(), |p| p + 1);
            let mut at: Vec<usize> = cuts
                .iter()
                .filter_map(|c| {
                    starts
                        .get(first_event..)
                        .filter(|s| !s.is_empty())
                        .map(|s| s[c.index(s.len())])
                })
                .collect();
            at.sort_unstable();
            at.dedup();
            (out, at)
        })
}

/// Writes the first piece to a file and loads it, then appends the others to the file and adds
/// them as a followed file does; says how each addition was indexed.
fn load_growing(bytes: &[u8], cuts: &[usize]) -> (Ledger, Vec<Reindexed>) {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("growing.jsonl");
    let first = cuts.first().copied().unwrap_or(bytes.len());
    std::fs::write(&path, &bytes[..first]).unwrap();
    let mut ledger = super::load_file(&path, &LoadOptions::default(), None).unwrap();
    let mut how = Vec::new();
    let mut ends = cuts[1.min(cuts.len())..].to_vec();
    ends.push(bytes.len());
    let mut start = first;
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    for end in ends {
        if end > start {
            file.write_all(&bytes[start..end]).unwrap();
            how.push(ledger.extend_lines_how(&bytes[start..end], start as u64));
            start = end;
        }
    }
    (ledger, how)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn a_log_extended_in_pieces_is_the_log_loaded_at_once((bytes, cuts) in growing_log()) {
        // A text that starts with `[` is one JSON array, which does not grow by lines.
        prop_assume!(bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'['));
        let whole = load(&bytes, CHUNK);
        let (grown, how) = load_growing(&bytes, &cuts);
        prop_assert_eq!(grown.source_len(), whole.source_len());
        assert_same(&grown, &whole);
        // Logs whose times go forward only ever need the new events indexed.
        let forward = whole.events().windows(2).all(|w| w[0].ts <= w[1].ts);
        if forward {
            prop_assert!(how.iter().all(|h| *h == Reindexed::New), "{:?}", how);
        }
    }
}

#[test]
fn events_in_time_are_indexed_on_their_own_and_late_ones_bring_a_full_index() {
    let line = |account: &str, kind: &str, amount: &str, ts: i64, id: &str| {
        format!(
            "{{\"eventId\":\"{id}\",\"accountId\":\"{account}\",\"type\":\"{kind}\",\"amount\":\"{amount}\",\"timestamp\":{ts}}}\n"
        )
    };
    let first = line("a", "DEPOSIT", "10", 1_000, "e1") + &line("b", "DEPOSIT", "1", 2_000, "e2");
    let in_time =
        line("a", "WITHDRAW", "15", 3_000, "e3") + &line("c", "Mystery", "1", 3_000, "e1");
    let late = line("b", "WITHDRAW", "2", 1_500, "e4");
    let whole = first.clone() + &in_time + &late;
    let cuts = [first.len(), first.len() + in_time.len()];
    let (grown, how) = load_growing(whole.as_bytes(), &cuts);
    assert_eq!(how, vec![Reindexed::New, Reindexed::All]);
    let at_once = load(whole.as_bytes(), CHUNK);
    assert_same(&grown, &at_once);
    let kinds: Vec<&str> = at_once.problems().iter().map(|p| p.kind.name()).collect();
    assert_eq!(
        kinds,
        vec![
            "overdraft",
            "unknown-type",
            "duplicate-id",
            "out-of-order",
            "overdraft"
        ]
    );
}

/// Rows of a database, each a record on its own "line" (its position), loaded at once or in
/// batches as a followed database delivers them.
fn rows_ledgers(lines: &[Line], batches: &[usize]) -> (Ledger, Ledger) {
    use crate::ledger::{Builder, RawSource, RecordSpan};
    let mut texts: Vec<Vec<u8>> = Vec::new();
    for line in lines.iter().filter(|l| matches!(l, Line::Event { .. })) {
        let mut text = Vec::new();
        render_line(line, &mut text);
        texts.push(text);
    }
    let batch = |rows: &[Vec<u8>], first_line: usize| {
        let mut bytes = Vec::new();
        let mut spans = Vec::new();
        for (k, row) in rows.iter().enumerate() {
            spans.push(RecordSpan {
                start: bytes.len(),
                end: bytes.len() + row.len(),
                line: (first_line + k + 1) as u64,
            });
            bytes.extend_from_slice(row);
        }
        (bytes, spans)
    };
    let whole = {
        let (bytes, spans) = batch(&texts, 0);
        let mut b = Builder::new("db".into(), LoadOptions::default());
        b.add_records(&bytes, 0, &spans, None);
        let len = bytes.len() as u64;
        b.build(RawSource::Memory(bytes), len, None)
    };
    let first = batches
        .first()
        .copied()
        .unwrap_or(texts.len())
        .min(texts.len());
    let (bytes, spans) = batch(&texts[..first], 0);
    let mut b = Builder::new("db".into(), LoadOptions::default());
    b.add_records(&bytes, 0, &spans, None);
    let len = bytes.len() as u64;
    let mut grown = b.build(RawSource::Memory(bytes), len, None);
    let mut start = first;
    for &end in batches.iter().skip(1).chain([&texts.len()]) {
        let end = end.min(texts.len());
        if end > start {
            let (bytes, spans) = batch(&texts[start..end], start);
            grown.extend_records(&bytes, &spans);
            start = end;
        }
    }
    (grown, whole)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn rows_added_in_batches_are_the_rows_loaded_at_once(
        mut lines in prop::collection::vec(line(), 1..50),
        in_time in any::<bool>(),
        mut batches in prop::collection::vec(0usize..50, 0..4),
    ) {
        if in_time {
            let mut at = 0;
            for line in &mut lines {
                if let Line::Event { at: t, .. } = line {
                    at += *t % 3;
                    *t = at;
                }
            }
        }
        batches.sort_unstable();
        let (grown, whole) = rows_ledgers(&lines, &batches);
        assert_same(&grown, &whole);
    }
}
