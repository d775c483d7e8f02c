//! The checks of the `loader`, `chain` and `snapshot` targets: logs loaded in pieces, sealed logs
//! under tampering, damaged snapshots.

use crate::ledger::money::Money;

// ---------------------------------------------------------------------------------------------
// loader

/// `loader`: the first two bytes choose a chunk size (1 to 1024 bytes), the rest is a log. Loaded
/// in chunks of that size, it is the same ledger as in one pass: events, accounts, problems and
/// their texts, integrity, time order, balances at every moment; a summary load has the same
/// problems. A JSON array's problems come in the order of its elements, written one to a line or
/// all on one.
pub fn loader(data: &[u8]) {
    use crate::ledger::load::load_bytes_in;
    use crate::ledger::{Depth, LoadOptions};
    let (chunk, bytes) = match data {
        [a, b, rest @ ..] => (1 + usize::from(u16::from_le_bytes([*a, *b]) % 1024), rest),
        _ => return,
    };
    let options = LoadOptions::default();
    let whole = load_bytes_in("log", bytes.to_vec(), &options, usize::MAX);
    let cut = load_bytes_in("log", bytes.to_vec(), &options, chunk);
    same_ledger(&whole, &cut);
    let summary = LoadOptions {
        depth: Depth::Summary,
        ..LoadOptions::default()
    };
    let quick = load_bytes_in("log", bytes.to_vec(), &summary, chunk);
    assert_eq!(quick.problems(), whole.problems(), "a summary load");
    assert_eq!(quick.integrity(), whole.integrity(), "a summary load");
    array_two_ways(bytes, chunk);
}

/// A JSON array's elements written one to a line and all on one line: the same problems in the
/// same order (of kinds, and of the elements they are about).
fn array_two_ways(bytes: &[u8], chunk: usize) {
    use crate::ledger::load::load_bytes_in;
    use crate::ledger::{Ledger, LoadOptions};
    let Ok(serde_json::Value::Array(elements)) = serde_json::from_slice::<serde_json::Value>(bytes)
    else {
        return;
    };
    let texts: Vec<String> = elements.iter().map(|v| v.to_string()).collect();
    let lay = |separator: &str| format!("[{}]\n", texts.join(separator)).into_bytes();
    let options = LoadOptions::default();
    let lines = load_bytes_in("log", lay(",\n"), &options, chunk);
    let one = load_bytes_in("log", lay(","), &options, usize::MAX);
    // Each problem as its kind and the rank of the element it is about.
    let order = |l: &Ledger| -> Vec<(&'static str, usize)> {
        let mut starts: Vec<u64> = l.problems().iter().map(|p| p.at).collect();
        starts.sort_unstable();
        starts.dedup();
        l.problems()
            .iter()
            .map(|p| (p.kind.name(), starts.binary_search(&p.at).expect("listed")))
            .collect()
    };
    assert_eq!(
        order(&lines),
        order(&one),
        "the array laid out one element to a line, and on one line"
    );
}

/// Two loads of the same bytes give the same ledger.
fn same_ledger(a: &crate::ledger::Ledger, b: &crate::ledger::Ledger) {
    use crate::ledger::Moment;
    assert_eq!(a.len(), b.len(), "events");
    assert_eq!(a.events(), b.events());
    for i in 0..a.len() {
        let (x, y) = (a.event(i), b.event(i));
        assert_eq!(a.account_name(x.account), b.account_name(y.account));
        assert_eq!(a.type_name(x.kind), b.type_name(y.kind));
        assert_eq!(a.seq_of(i), b.seq_of(i));
    }
    assert_eq!(a.problems(), b.problems());
    let texts = |l: &crate::ledger::Ledger| -> Vec<String> {
        let mut explain = l.explainer();
        l.problems().iter().map(|p| explain.message(p)).collect()
    };
    assert_eq!(texts(a), texts(b));
    assert_eq!(a.line_count(), b.line_count());
    assert_eq!(a.integrity(), b.integrity());
    assert_eq!(a.tail_state(), b.tail_state());
    assert_eq!(a.account_count(), b.account_count());
    assert_eq!(a.time_order(), b.time_order());
    assert_eq!(a.accounts_sorted(), b.accounts_sorted());
    let mut moments = vec![Moment::End];
    moments.extend((0..=a.len() as u64).map(Moment::Seq));
    for e in a.events() {
        moments.extend([Moment::Time(e.ts - 1), Moment::Time(e.ts)]);
    }
    for m in moments {
        assert_eq!(a.balances_at(m), b.balances_at(m), "{m:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// chain

/// A sealed log of `n` records (seqs 1 to n) over three accounts.
pub(super) fn sealed_log(n: usize, amounts: &[u8]) -> Vec<Vec<u8>> {
    use crate::ledger::chain::{GENESIS, seal_line};
    let mut prev = GENESIS;
    let mut lines = Vec::new();
    for i in 0..n {
        let amount = amounts.get(i).copied().unwrap_or(7);
        let kind = ["DEPOSIT", "WITHDRAWAL", "DEPOSIT"][i % 3];
        let body = format!(
            r#"{{"seq":{},"eventId":"e{i}","accountId":"a{}","type":"{kind}","amount":"{amount}.5","timestamp":{}"#,
            i + 1,
            i % 3,
            1_000 + i as u64 * (u64::from(amount) % 5)
        );
        let (line, hash) = seal_line(&body, &prev);
        lines.push(line.into_bytes());
        prev = hash;
    }
    lines
}

/// The hash a record line carries (its own `hash` member), or the genesis for none.
fn carried_hash(line: &[u8]) -> [u8; 32] {
    std::str::from_utf8(line)
        .ok()
        .and_then(|t| crate::ledger::record::parse_record(t).ok())
        .and_then(|f| f.seal)
        .map_or(crate::ledger::chain::GENESIS, |s| s.hash)
}

/// `chain`: `verify` on a sealed log after a script of tampering (bytes flipped, inserted or
/// deleted, lines dropped, repeated, swapped, records correctly sealed in with any seq, a record
/// rewritten and every hash after it recomputed). Whatever it lets pass is what the chain
/// proves:
/// - an intact chain counts its records one by one, and its head is its last record;
/// - without recomputed hashes, an intact chain is the original's records from the start, with
///   only records sealed onto the end after them;
/// - a digest of the original that still holds means the original's records, byte for byte,
///   begin the log, and every `balance --seq N` up to them is the original's.
pub fn chain(data: &[u8]) {
    use crate::ledger::chain::{Digest256, ExpectedDigest, record_hash, seal_line};
    use crate::ledger::verify::verify;
    use crate::ledger::{Integrity, LoadOptions, Moment, load_bytes};
    let Some((&n, script)) = data.split_first() else {
        return;
    };
    let n = 1 + usize::from(n % 8);
    let original = sealed_log(n, script);
    let text = |lines: &[Vec<u8>]| -> Vec<u8> {
        let mut t = lines.join(&b"\n"[..]);
        t.push(b'\n');
        t
    };
    let base = load_bytes("log", text(&original), &LoadOptions::default());
    let base_report = verify(&base, None);
    assert!(base_report.ok(), "the untouched log: {base_report:?}");
    let head = Digest256 {
        seq: n as u64,
        hash: carried_hash(&original[n - 1]),
    };
    assert_eq!(base_report.head, Some(head.to_string()));
    let mut lines = original.clone();
    let mut rehashed = false;
    let mut torn = false;
    // The records the script sealed in.
    let mut fresh: Vec<Vec<u8>> = Vec::new();
    for op in script.chunks(4) {
        let [op, x, y, z] = [0, 1, 2, 3].map(|i| op.get(i).copied().unwrap_or(0));
        if lines.is_empty() {
            break;
        }
        let at = usize::from(x) % lines.len();
        match op % 10 {
            0 => {
                let line = &mut lines[at];
                if !line.is_empty() {
                    let i = usize::from(y) % line.len();
                    line[i] ^= z | 1;
                }
            }
            1 => {
                let line = &mut lines[at];
                let i = usize::from(y) % (line.len() + 1);
                line.insert(i, z);
            }
            2 => {
                let line = &mut lines[at];
                if !line.is_empty() {
                    let i = usize::from(y) % line.len();
                    let end = (i + 1 + usize::from(z % 8)).min(line.len());
                    line.drain(i..end);
                }
            }
            3 => {
                lines.remove(at);
            }
            4 => {
                let copy = lines[at].clone();
                lines.insert(usize::from(y) % (lines.len() + 1), copy);
            }
            5 => {
                let other = usize::from(y) % lines.len();
                lines.swap(at, other);
            }
            6 | 7 => {
                // A record correctly sealed onto the end with any seq (`y`), or in before line
                // `at` with a seq near the one that would follow there.
                let (place, seq) = if op % 10 == 6 {
                    (lines.len(), u64::from(y))
                } else {
                    (at, (at as i64 + 1 + i64::from(y as i8 % 3)).max(0) as u64)
                };
                let prev = place
                    .checked_sub(1)
                    .map_or(crate::ledger::chain::GENESIS, |p| carried_hash(&lines[p]));
                let body = format!(
                    r#"{{"seq":{seq},"accountId":"a{}","type":"DEPOSIT","amount":"{z}","timestamp":{z}"#,
                    y % 3
                );
                let line = seal_line(&body, &prev).0.into_bytes();
                fresh.push(line.clone());
                lines.insert(place, line);
            }
            8 => {
                // Rewrite a record and recompute every hash from there on.
                rehashed = true;
                let mut prev = at
                    .checked_sub(1)
                    .map_or(crate::ledger::chain::GENESIS, |p| carried_hash(&lines[p]));
                for (k, line) in lines[at..].iter_mut().enumerate() {
                    let Some(body) = std::str::from_utf8(line)
                        .ok()
                        .and_then(|t| t.find(",\"prev\":").map(|i| t[..i].to_string()))
                    else {
                        break;
                    };
                    let body = if k == 0 {
                        body.replacen("\"amount\":\"", &format!("\"amount\":\"{z}"), 1)
                    } else {
                        body
                    };
                    let (sealed, hash) = seal_line(&body, &prev);
                    *line = sealed.into_bytes();
                    prev = hash;
                }
            }
            _ => torn = true,
        }
    }
    let mut tampered = text(&lines);
    if torn {
        tampered.pop();
    }
    let log = load_bytes("log", tampered, &LoadOptions::default());
    let expect = ExpectedDigest {
        seq: Some(head.seq),
        hash: head.hash,
    };
    let report = verify(&log, Some(&expect));
    let intact = report.broken_at.is_none()
        && report.torn_tail.is_none()
        && report.integrity == "sealed"
        && log.integrity() == Integrity::Sealed;
    if intact {
        for i in 1..log.len() {
            assert_eq!(
                log.seq_of(i),
                log.seq_of(i - 1) + 1,
                "an intact chain whose seqs do not count its records (record {i})"
            );
        }
        let last = log.len() - 1;
        let raw = log.raw(last).expect("in memory");
        let last_digest = Digest256 {
            seq: log.seq_of(last),
            hash: record_hash(&raw).expect("a sealed record"),
        };
        assert_eq!(
            report.head,
            Some(last_digest.to_string()),
            "the head is the last record"
        );
    }
    let hashed = |l: &crate::ledger::Ledger, i: usize| -> Vec<u8> {
        let raw = l.raw(i).expect("in memory");
        crate::ledger::chain::hashed_part(&raw)
            .map(<[u8]>::to_vec)
            .unwrap_or(raw)
    };
    if intact && !rehashed {
        // The original's first records, then only records sealed onto them.
        let kept = (0..log.len().min(n))
            .take_while(|&i| hashed(&log, i) == hashed(&base, i))
            .count();
        for i in kept..log.len() {
            let raw = log.raw(i).expect("in memory");
            assert!(
                fresh.contains(&raw),
                "an intact chain, not rehashed, whose record {i} is neither the original's nor \
                 one sealed onto it: {}",
                String::from_utf8_lossy(&raw)
            );
        }
    }
    if report.expect.as_ref().is_some_and(|e| e.holds) {
        // (An incomplete last line is reported besides, by `verify`'s exit status.)
        assert!(
            report.broken_at.is_none() && report.integrity == "sealed",
            "a digest holds on a broken log: {report:?}"
        );
        assert!(log.len() >= n, "a digest holds on a log that lost records");
        for i in 0..n {
            assert_eq!(
                hashed(&log, i),
                hashed(&base, i),
                "the digest holds, record {i} changed"
            );
        }
        for k in 0..=n as u64 {
            let m = Moment::Seq(k);
            let names = |l: &crate::ledger::Ledger| -> Vec<(String, Money)> {
                l.balances_at(m)
                    .into_iter()
                    .filter(|s| s.exists)
                    .map(|s| (l.account_name(s.account).to_string(), s.balance))
                    .collect()
            };
            assert_eq!(
                names(&log),
                names(&base),
                "the digest holds, balance --seq {k} changed"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// snapshot

/// The sealed log the `snapshot` target reads snapshots of, written once per process.
pub(super) fn snapshot_log()
-> &'static (tempfile::TempDir, std::path::PathBuf, crate::ledger::Ledger) {
    static LOG: std::sync::OnceLock<(
        tempfile::TempDir,
        std::path::PathBuf,
        crate::ledger::Ledger,
    )> = std::sync::OnceLock::new();
    LOG.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("log.jsonl");
        let mut text = Vec::new();
        for line in snapshot_log_lines() {
            text.extend_from_slice(&line);
            text.push(b'\n');
        }
        std::fs::write(&path, &text).expect("written");
        let ledger = crate::ledger::load_file(&path, &crate::ledger::LoadOptions::default(), None)
            .expect("a log");
        (dir, path, ledger)
    })
}

/// The records of the `snapshot` target's log: twelve, over four accounts, with an open, a close,
/// a transfer and times out of order.
pub fn snapshot_log_lines() -> Vec<Vec<u8>> {
    use crate::ledger::chain::{GENESIS, seal_line};
    let bodies = [
        r#""accountId":"a","type":"OPEN","timestamp":1000"#,
        r#""accountId":"a","type":"DEPOSIT","amount":"100.50","timestamp":2000"#,
        r#""accountId":"b","type":"DEPOSIT","amount":"7","timestamp":1500"#,
        r#""accountId":"a","type":"TRANSFER","amount":"20","to":"c","timestamp":3000"#,
        r#""accountId":"b","type":"WITHDRAWAL","amount":"10","timestamp":3500"#,
        r#""accountId":"c","type":"CLOSE","timestamp":4000"#,
        r#""accountId":"d","type":"DEPOSIT","amount":"0.001","timestamp":2500"#,
        r#""accountId":"a","type":"WITHDRAWAL","amount":"0.5","timestamp":5000"#,
        r#""accountId":"c","type":"OPEN","timestamp":6000"#,
        r#""accountId":"c","type":"DEPOSIT","amount":"3","timestamp":5500"#,
        r#""accountId":"d","type":"WITHDRAWAL","amount":"1","timestamp":7000"#,
        r#""accountId":"b","type":"DEPOSIT","amount":"2","timestamp":8000"#,
    ];
    let mut prev = GENESIS;
    bodies
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let (line, hash) = seal_line(&format!(r#"{{"seq":{},{b}"#, i + 1), &prev);
            prev = hash;
            line.into_bytes()
        })
        .collect()
}

/// `snapshot`: the input is a snapshot file of a fixed sealed log. The reader refuses it, or it is
/// bound to one of the log's records (that record's seq, hash and end); a snapshot that is what
/// `rewind snapshot` writes answers every moment it covers exactly as a full replay does.
pub fn snapshot(data: &[u8]) {
    use crate::ledger::snapshot::{Resumed, Snapshot, full_states};
    use crate::ledger::{LoadOptions, Moment};
    let Ok(snap) = serde_json::from_slice::<Snapshot>(data) else {
        return;
    };
    let (_dir, path, full) = snapshot_log();
    let Ok(resumed) = Resumed::open(path, &LoadOptions::default(), snap.clone()) else {
        return;
    };
    let bound = (1..=full.len()).any(|k| {
        Snapshot::take(full, k).is_ok_and(|t| {
            (t.seq, t.hash.as_str(), t.offset) == (snap.seq, snap.hash.as_str(), snap.offset)
        })
    });
    assert!(
        bound,
        "a snapshot bound to no record of the log was used: {snap:?}"
    );
    let genuine = Snapshot::take(full, snap.records).is_ok_and(|t| t == snap);
    let mut moments = vec![Moment::End];
    moments.extend((0..=full.len() as u64 + 1).map(Moment::Seq));
    moments.extend((0..90).map(|t| Moment::Time(t * 100)));
    for m in moments {
        if !resumed.snapshot.covers(m) {
            continue;
        }
        let states = resumed.states(m);
        if genuine {
            let want: Vec<_> = full_states(full, m)
                .into_iter()
                .filter(|s| s.exists || resumed.account_names().contains(&s.account_id.as_str()))
                .collect();
            assert_eq!(states.as_ref().ok(), Some(&want), "{m:?} from {snap:?}");
            assert_eq!(resumed.included(m), full.included(m), "{m:?}");
        }
    }
}
