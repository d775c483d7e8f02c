use std::sync::atomic::Ordering;

use super::chunk::{Buffers, CANCEL_EVERY, parse_line_chunk};
use super::*;
use crate::ledger::Integrity;
use crate::ledger::chain::{self, GENESIS};
use crate::ledger::names::Names;
use crate::ledger::problem::{MAX_LINE, ProblemKind};

fn load(text: &str) -> Ledger {
    load_bytes(
        "test.jsonl",
        text.as_bytes().to_vec(),
        &LoadOptions::default(),
    )
}

fn kinds(l: &Ledger) -> Vec<(u64, &'static str)> {
    l.problems()
        .iter()
        .map(|p| (p.line, p.kind.name()))
        .collect()
}

#[test]
fn bad_lines_are_problems_and_loading_goes_on() {
    let text = "{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":5,\"timestamp\":1}\n\
                not json\n\
                \n\
                {\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":\"x\",\"timestamp\":2}\n\
                {\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":7,\"timestamp\":3}\n";
    let l = load(text);
    assert_eq!(l.len(), 2);
    assert_eq!(kinds(&l), vec![(2, "bad-json"), (4, "bad-amount")]);
    assert_eq!(l.event(1).line, 5);
}

#[test]
fn invalid_utf8_and_long_lines() {
    let mut bytes =
        b"{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"timestamp\":1,\"amount\":1}\n".to_vec();
    bytes.extend_from_slice(b"{\"accountId\":\"\xff\",\"type\":\"DEPOSIT\",\"timestamp\":1}\n");
    let long = format!(
        "{{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"timestamp\":1,\"meta\":\"{}\"}}\n",
        "x".repeat(MAX_LINE)
    );
    bytes.extend_from_slice(long.as_bytes());
    bytes.extend_from_slice(
        b"{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"timestamp\":2,\"amount\":1}\n",
    );
    let l = load_bytes("t", bytes, &LoadOptions::default());
    assert_eq!(l.len(), 2);
    assert_eq!(kinds(&l), vec![(2, "invalid-utf8"), (3, "line-too-long")]);
}

#[test]
fn crlf_and_bom_are_accepted() {
    let text = "\u{feff}{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":5,\"timestamp\":1}\r\n\
                {\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":5,\"timestamp\":2}\r\n";
    let l = load(text);
    assert_eq!(l.len(), 2);
    assert!(l.problems().is_empty(), "{:?}", l.problems());
}

#[test]
fn a_json_array_gives_each_element_its_line() {
    let text = "[\n  {\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":5,\"timestamp\":1},\n  \
                {\"accountId\":\"a\",\n   \"type\":\"WITHDRAW\",\"amount\":2,\"timestamp\":2},\n  \
                {\"type\":\"DEPOSIT\",\"timestamp\":3},\n  {\"accountId\":\"b\",\"type\":\"DEPOSIT\",\"amount\":\"1.5\",\"timestamp\":4}\n]\n";
    let l = load(text);
    assert_eq!(l.len(), 3);
    let lines: Vec<u64> = (0..l.len()).map(|i| l.event(i).line).collect();
    assert_eq!(lines, vec![2, 3, 6]);
    assert_eq!(kinds(&l), vec![(5, "missing-field")]);
}

#[test]
fn a_cut_off_array_is_reported() {
    let l = load(
        "[{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":5,\"timestamp\":1},\n{\"accountId\":\"a\"",
    );
    assert_eq!(l.len(), 1);
    assert!(kinds(&l).iter().any(|(_, k)| *k == "bad-json"));
}

#[test]
fn a_json_lines_log_starting_with_an_array_line_is_read_line_by_line() {
    let text = "[\"schema v1\"]\n\
                {\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":5,\"timestamp\":1}\n\
                [garbage\n\
                {\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":7,\"timestamp\":2}\n";
    let l = load(text);
    assert_eq!(l.len(), 2);
    assert_eq!(kinds(&l), vec![(1, "bad-json"), (3, "bad-json")]);
}

#[test]
fn text_after_an_array_is_reported_on_its_own_line() {
    let l = load(
        "[\n{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":5,\"timestamp\":1}\n]\nxyz ]\n",
    );
    assert_eq!(l.len(), 1);
    assert_eq!(kinds(&l), vec![(4, "bad-json")]);
}

#[test]
fn an_unterminated_bad_last_line_is_a_torn_tail() {
    let l = load(
        "{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":5,\"timestamp\":1}\n{\"accountId\":\"a\",\"ty",
    );
    assert_eq!(kinds(&l), vec![(2, "torn-tail")]);
    // A hand-written file whose last line just lacks a newline is fine.
    let l = load("{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":5,\"timestamp\":1}");
    assert!(l.problems().is_empty());
    assert_eq!(l.len(), 1);
}

#[test]
fn a_log_read_from_an_offset_keeps_its_lines_and_chain() {
    let (first, h1) = chain::seal_line(
        r#"{"seq":1,"accountId":"a","type":"DEPOSIT","amount":"5","timestamp":1"#,
        &GENESIS,
    );
    let (second, h2) = chain::seal_line(
        r#"{"seq":2,"accountId":"a","type":"DEPOSIT","amount":"7","timestamp":2"#,
        &h1,
    );
    let (third, _) = chain::seal_line(
        r#"{"seq":3,"accountId":"b","type":"DEPOSIT","amount":"1","timestamp":3"#,
        &h2,
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.jsonl");
    std::fs::write(&path, format!("{first}\n{second}\n{third}\n")).unwrap();
    let offset = first.len() as u64 + 1;
    let resume = Resume {
        offset,
        line: 2,
        prev: h1,
        seq: 1,
    };
    let tail = load_file_from(&path, &LoadOptions::default(), resume).unwrap();
    assert_eq!(tail.len(), 2);
    assert_eq!(tail.event(0).line, 2);
    assert_eq!(tail.event(0).offset, offset);
    assert_eq!(tail.raw_text(1), third);
    assert_eq!(tail.integrity(), Integrity::Sealed);
    assert!(tail.problems().is_empty(), "{:?}", tail.problems());
    // A tail that does not chain to the given hash is broken at its first line.
    let wrong = load_file_from(
        &path,
        &LoadOptions::default(),
        Resume { prev: h2, ..resume },
    );
    assert_eq!(wrong.unwrap().integrity(), Integrity::Broken { line: 2 });
}

#[test]
fn records_keep_their_own_seq_from_the_first_chunk_on() {
    let l = load(
        "{\"seq\":1000,\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":5,\"timestamp\":1}\n\
         {\"seq\":1002,\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":5,\"timestamp\":2}\n",
    );
    assert_eq!((l.seq_of(0), l.seq_of(1)), (1000, 1002));
}

#[test]
fn a_log_whose_first_seals_were_stripped_is_broken_not_unsealed() {
    let (first, h1) = chain::seal_line(
        r#"{"seq":1,"accountId":"a","type":"DEPOSIT","amount":"5","timestamp":1"#,
        &GENESIS,
    );
    let (second, _) = chain::seal_line(
        r#"{"seq":2,"accountId":"a","type":"DEPOSIT","amount":"7","timestamp":2"#,
        &h1,
    );
    let stripped = first.split(",\"prev\"").next().unwrap().to_string() + "}";
    let l = load(&format!("{stripped}\n{second}\n"));
    assert_eq!(l.integrity(), Integrity::Broken { line: 2 });
    assert_eq!(kinds(&l), vec![(2, "chain-broken")]);
}

#[test]
fn a_seq_that_does_not_follow_breaks_a_sealed_log_wherever_the_chunks_are_cut() {
    let mut text = String::new();
    let mut prev = GENESIS;
    for i in 1..=60u64 {
        // Line 30 repeats seq 29 (and line 31 then does not follow it), line 45 jumps ahead.
        let seq = match i {
            30 => 29,
            45.. => i + 10,
            _ => i,
        };
        let body = format!(
            r#"{{"seq":{seq},"accountId":"a","type":"DEPOSIT","amount":"1","timestamp":{i}"#
        );
        let (line, hash) = chain::seal_line(&body, &prev);
        text.push_str(&line);
        text.push('\n');
        prev = hash;
    }
    for chunk in [1, 100, 1000, 4096, CHUNK] {
        let l = load_bytes_in(
            "t",
            text.clone().into_bytes(),
            &LoadOptions::default(),
            chunk,
        );
        assert_eq!(
            l.integrity(),
            Integrity::Broken { line: 30 },
            "chunk {chunk}"
        );
        let broken: Vec<u64> = l
            .problems()
            .iter()
            .filter(|p| p.kind == ProblemKind::ChainBroken)
            .map(|p| p.line)
            .collect();
        assert_eq!(broken, vec![30, 31, 45], "chunk {chunk}");
        // The recorded order stays the chain's, never re-sorted by seq.
        assert!((0..l.len()).all(|i| l.event(i).line == i as u64 + 1));
    }
}

#[test]
fn a_cancelled_load_stops_within_a_few_lines_of_a_chunk() {
    let text = "x\n".repeat(100 * CANCEL_EVERY as usize);
    let progress = Progress::default();
    progress.cancel.store(true, Ordering::Relaxed);
    let out = parse_line_chunk(
        &Names::default(),
        text.as_bytes(),
        0,
        false,
        Buffers::default(),
        Some(&progress),
    );
    assert!(out.lines <= CANCEL_EVERY, "{} lines parsed", out.lines);
    let mut records = Records::default();
    let done = records.add_lines_in(text.as_bytes(), 0, Some(&progress), CHUNK, &mut |_| {});
    assert!(!done);
    assert!(records.problems.len() as u64 <= CANCEL_EVERY);
}

#[test]
fn chunked_parsing_matches_one_chunk() {
    // Many lines, so that the file spans several chunks, with bad lines everywhere.
    let mut text = String::new();
    for i in 0..200_000u64 {
        if i % 997 == 0 {
            text.push_str("{broken\n");
        } else {
            text.push_str(&format!(
                "{{\"accountId\":\"acc-{}\",\"type\":\"DEPOSIT\",\"amount\":\"{}.01\",\"timestamp\":{}}}\n",
                i % 13,
                i % 100,
                1_000 + i
            ));
        }
    }
    assert!(text.len() > 2 * CHUNK);
    let whole = load(&text);
    let single = parse_line_chunk(
        &Names::default(),
        text.as_bytes(),
        0,
        false,
        Buffers::default(),
        None,
    );
    assert_eq!(whole.len(), single.events.len());
    assert_eq!(whole.problems().len(), single.problems.len());
    for (p, q) in whole.problems().iter().zip(&single.problems) {
        assert_eq!(p.line, q.line + 1);
    }
    for i in 0..whole.len() {
        assert_eq!(whole.event(i).line, single.events[i].line + 1);
        assert_eq!(whole.event(i).offset, single.events[i].offset);
    }
}
