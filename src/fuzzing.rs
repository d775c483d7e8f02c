//! The checks behind the fuzz targets (`fuzz/fuzz_targets/*.rs`), one function per target. Each
//! takes arbitrary bytes and panics when rewind disagrees with an independent reference or breaks
//! a promise of the README; the unit tests at the end run every saved input of
//! `fuzz/corpus/<target>/` and `fuzz/artifacts/<target>/` through them, so a bug a fuzzer found
//! stays fixed.
//!
//! | target | what it holds rewind to |
//! |---|---|
//! | `scanner` | the fast record scanner against serde_json (same members, valid JSON objects only) |
//! | `money` | amounts against exact big-integer arithmetic |
//! | `time` | times against chrono's parsers, and the formatter against the parser |
//! | `loader` | a log loaded in chunks of any size against one pass; a JSON array laid out two ways |
//! | `chain` | `verify` on a sealed log under tampering: what it lets pass is what the chain proves |
//! | `snapshot` | the snapshot reader on damaged snapshots: refused, or bound and exact |
//! | `url` | PostgreSQL URLs: what is shown never depends on the password |

use num_bigint::BigInt;
use rust_decimal::Decimal;

use crate::ledger::money::{Money, MoneyError};

/// `money`: [`Money::parse`] against exact big-integer arithmetic. Whatever the spelling, a value
/// that some decimal of at most 28 places and 96 bits of mantissa holds is read, exactly, with the
/// written scale as far as the value allows; any other value is out of range; anything that is
/// not a decimal number is a syntax error.
pub fn money(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        check_money(text);
    }
}

/// The reference reading of an amount: `Some((n, e))` for the value `n × 10^e` of a well-formed
/// number, with its written scale.
fn reference_number(text: &str) -> Option<(BigInt, i64, i64)> {
    let re = regex::Regex::new(r"^([+-]?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$")
        .expect("a valid pattern");
    let c = re.captures(text)?;
    let frac = c.get(3).map_or("", |m| m.as_str());
    let digits = format!("{}{frac}", &c[2]);
    let mut n = BigInt::parse_bytes(digits.as_bytes(), 10).expect("digits");
    if &c[1] == "-" {
        n = -n;
    }
    // An exponent beyond i64 is as good as infinite here (saturated).
    let exp = c.get(4).map_or(0i64, |m| {
        let t = m.as_str();
        t.parse::<i64>().unwrap_or(if t.starts_with('-') {
            i64::MIN / 4
        } else {
            i64::MAX / 4
        })
    });
    let frac_len = frac.len() as i64;
    Some((n, exp - frac_len, frac_len - exp))
}

/// The mantissa of `n × 10^e` at `scale`, when that is an integer under 2^96 in magnitude.
fn mantissa_at(n: &BigInt, e: i64, scale: i64) -> Option<BigInt> {
    let shift = e + scale;
    let digits = n.magnitude().to_string().len() as i64;
    let m = if shift >= 0 {
        // Past 2^96 for sure: spare the big power.
        if digits + shift > 40 {
            return None;
        }
        n * BigInt::from(10u8).pow(shift as u32)
    } else {
        if -shift > digits {
            return None; // a non-zero n has fewer digits than it would need zeros
        }
        let p = BigInt::from(10u8).pow((-shift) as u32);
        if n % &p != BigInt::from(0u8) {
            return None;
        }
        n / p
    };
    (m.magnitude() < &(num_bigint::BigUint::from(1u8) << 96)).then_some(m)
}

/// Panics unless [`Money::parse`] reads `text` as the reference does.
pub fn check_money(text: &str) {
    let got = Money::parse(text);
    let Some((n, e, written)) = reference_number(text) else {
        assert!(
            matches!(got, Err(MoneyError::Syntax(_) | MoneyError::Empty)),
            "{text:?} is not a decimal number, but reads as {got:?}"
        );
        return;
    };
    let zero = BigInt::from(0u8);
    let scales: Vec<i64> = if n == zero {
        (0..=28).collect()
    } else {
        (0..=28)
            .filter(|&s| mantissa_at(&n, e, s).is_some())
            .collect()
    };
    let (Some(&least), Some(&most)) = (scales.first(), scales.last()) else {
        assert!(
            matches!(got, Err(MoneyError::OutOfRange(_))),
            "{text:?} cannot be held exactly, but reads as {got:?}"
        );
        return;
    };
    let value = got.unwrap_or_else(|err| panic!("{text:?} fits, but is refused: {err}"));
    let d: Decimal = value.as_decimal();
    let scale = written.clamp(least, most);
    assert_eq!(
        i64::from(d.scale()),
        scale,
        "{text:?}: the scale of {d} (written {written}, {least}..={most} hold the value)"
    );
    let expected = if n == zero {
        zero.clone()
    } else {
        mantissa_at(&n, e, scale).expect("a scale that holds the value")
    };
    assert_eq!(
        BigInt::from(d.mantissa()),
        expected,
        "{text:?} reads as {d}, not its value"
    );
    assert!(
        !(d.is_zero() && d.is_sign_negative()),
        "{text:?}: zero has no sign"
    );
}

// ---------------------------------------------------------------------------------------------
// scanner

/// `scanner`: the record scanner against serde_json. What the fast scanner takes, serde_json
/// takes with the same members; a record that reads as an event is a JSON object and its
/// repeated-member finding is serde_json's list of keys; a line that is `bad-json` is no JSON
/// object.
pub fn scanner(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    crate::ledger::record::check_scanner(text);
    let object = crate::ledger::record::is_json_object(text);
    match crate::ledger::record::parse_record(text) {
        Ok(fields) => {
            assert!(object, "{text:?} reads as an event, but is no JSON object");
            let keys = serde_json::from_str::<Keys>(text).expect("an object").0;
            let mut sorted = keys.clone();
            sorted.sort();
            let repeated = sorted.windows(2).any(|w| w[0] == w[1]);
            assert_eq!(
                fields.repeated, repeated,
                "{text:?}: a repeated member is {}, the keys are {keys:?}",
                fields.repeated
            );
        }
        Err(e) if e.kind == crate::ledger::ProblemKind::BadJson => assert!(
            !object,
            "{text:?} is a JSON object, but reads as bad JSON: {}",
            e.message
        ),
        Err(e) => assert!(
            object,
            "{text:?} is not a JSON object, but reads as {:?}: {}",
            e.kind, e.message
        ),
    }
}

/// The member names of a JSON object in order, repeats kept (serde_json's map keeps one).
struct Keys(Vec<String>);

impl<'de> serde::Deserialize<'de> for Keys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Keys;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = map.next_key::<String>()? {
                    map.next_value::<serde::de::IgnoredAny>()?;
                    keys.push(k);
                }
                Ok(Keys(keys))
            }
        }
        d.deserialize_map(V)
    }
}

// ---------------------------------------------------------------------------------------------
// time

/// `time`: each line of the input read by [`parse_time`] (fast paths, a remembered date) and by
/// chrono's parsers alone, which must agree to the millisecond; a time read is written back by
/// [`format_time`] as text that reads as the same moment.
///
/// [`parse_time`]: crate::ledger::time::parse_time
/// [`format_time`]: crate::ledger::time::format_time
pub fn time(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Several times in a row, so that a remembered date meets the next one.
    for line in text.split('\n') {
        check_time(line);
    }
}

/// The reference reading of a time: what chrono's parsers give for the forms the README names.
fn reference_time(text: &str) -> Option<i64> {
    use crate::ledger::time::{EARLIEST, LATEST};
    use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
    let t = text.trim();
    // The README's forms beyond chrono's: the date and time may be joined by `t` too, and a time
    // with an offset may leave out its seconds (`2024-03-01T12:00Z`).
    let joined = regex::Regex::new(
        r"^(\d{4}-\d\d-\d\d)[Tt ](\d\d:\d\d)((?::\d\d(?:\.\d+)?)?)(Z|z|[+-]\d\d:\d\d)?$",
    )
    .expect("a valid pattern");
    let spelled;
    let t = match joined.captures(t) {
        Some(c) => {
            let seconds = if c[3].is_empty() && c.get(4).is_some() {
                ":00"
            } else {
                &c[3]
            };
            spelled = format!(
                "{}T{}{seconds}{}",
                &c[1],
                &c[2],
                c.get(4).map_or("", |m| m.as_str())
            );
            spelled.as_str()
        }
        None => t,
    };
    let ms = if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        t.parse::<i64>().ok()?
    } else if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        d.with_timezone(&Utc).timestamp_millis()
    } else if let Some(d) = [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
    {
        d.and_utc().timestamp_millis()
    } else {
        NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .ok()?
            .and_hms_opt(0, 0, 0)?
            .and_utc()
            .timestamp_millis()
    };
    (EARLIEST..=LATEST).contains(&ms).then_some(ms)
}

/// Panics unless [`parse_time`](crate::ledger::time::parse_time) reads `text` as chrono does.
pub fn check_time(text: &str) {
    use crate::ledger::time::{format_time, parse_time, write_time};
    let got = parse_time(text).ok();
    assert_eq!(got, reference_time(text), "{text:?}");
    if let Some(ms) = got {
        let shown = format_time(ms);
        assert_eq!(
            parse_time(&shown).ok(),
            Some(ms),
            "{text:?} is shown as {shown:?}"
        );
        let mut written = Vec::new();
        write_time(ms, &mut written);
        assert_eq!(
            parse_time(std::str::from_utf8(&written).expect("ASCII")).ok(),
            Some(ms),
            "{text:?} is written as {written:?}"
        );
    }
}

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
fn sealed_log(n: usize, amounts: &[u8]) -> Vec<Vec<u8>> {
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
    use crate::cli::verify::verify;
    use crate::ledger::chain::{Digest256, ExpectedDigest, record_hash, seal_line};
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
fn snapshot_log() -> &'static (tempfile::TempDir, std::path::PathBuf, crate::ledger::Ledger) {
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

// ---------------------------------------------------------------------------------------------
// url

/// `url`: a PostgreSQL URL built from a template (the first `\u{1}` in it marks the password's
/// place) and a password, written raw or percent-encoded. When it is read with that password, the
/// same URL with another password of the same length is shown the same: nothing shown depends on
/// the password.
pub fn url(data: &[u8]) {
    use crate::source::pg::PgUrl;
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let Some((template, password)) = text.split_once('\u{0}') else {
        return;
    };
    if !template.contains('\u{1}') || password.is_empty() {
        return;
    }
    // Raw, a password may hold every printable ASCII character but `/`, `?` and `%` (README).
    let raw = mode % 2 == 0
        && password
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"/?%".contains(&b));
    let other: String = password
        .bytes()
        .map(|b| {
            // Another printable character of the same class.
            let c = if b.is_ascii_graphic() {
                b'!' + (b - b'!' + 7) % 94
            } else {
                b'x'
            };
            if raw && b"/?%".contains(&c) {
                'Q'
            } else {
                c as char
            }
        })
        .collect();
    if other == password {
        return;
    }
    let encode = |pw: &str| -> String {
        if raw {
            pw.to_string()
        } else {
            pw.bytes().map(|b| format!("%{b:02X}")).collect()
        }
    };
    let read = |pw: &str| PgUrl::parse(&template.replacen('\u{1}', &encode(pw), 1));
    let (Ok(a), Ok(b)) = (read(password), read(&other)) else {
        return;
    };
    if a.secret() != Some(password.as_bytes()) || b.secret() != Some(other.as_bytes()) {
        return;
    }
    assert_eq!(
        a.display(),
        b.display(),
        "what is shown depends on the password"
    );
    assert_eq!(a.user(), b.user(), "the user depends on the password");
    if password.len() >= 3 && !template.contains(password) {
        assert!(
            !a.display().contains(password),
            "{} shows the password",
            a.display()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs every saved input of a target (`fuzz/corpus/<target>/*`, then the crash inputs
    /// `fuzz/artifacts/<target>/*`) through its check, and names each one that fails.
    fn saved_inputs(target: &str, check: fn(&[u8])) {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
        let mut ran = 0;
        let mut failed = Vec::new();
        for dir in ["corpus", "artifacts"] {
            let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
                continue;
            };
            let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
            paths.sort();
            for path in paths.into_iter().filter(|p| p.is_file()) {
                let data = std::fs::read(&path).expect("readable");
                ran += 1;
                if std::panic::catch_unwind(|| check(&data)).is_err() {
                    failed.push(path.display().to_string());
                }
            }
        }
        assert!(
            ran > 0,
            "no saved inputs for `{target}` under {}",
            root.display()
        );
        assert!(
            failed.is_empty(),
            "{target}: {} of {ran} saved inputs fail: {failed:#?}",
            failed.len()
        );
    }

    /// The seeds of each target's corpus: inputs that reach each path of its check.
    /// `cargo test --lib -- --ignored write_seed_corpus` writes them to `fuzz/corpus/<target>/`.
    fn seeds() -> Vec<(&'static str, String, Vec<u8>)> {
        let mut out: Vec<(&'static str, String, Vec<u8>)> = Vec::new();
        let mut add = |target: &'static str, name: &str, data: Vec<u8>| {
            out.push((target, format!("seed-{name}"), data));
        };
        let records = [
            (
                "common",
                r#"{"eventId":"5e","accountId":"acc-1","type":"DEPOSIT","amount":"43.80","timestamp":"2024-03-01T00:00:00.800Z"}"#,
            ),
            (
                "nested",
                r#" { "accountId" : 12 , "meta": {"a": [1, 2.5e-3, true, null, {"b": "\u00e9\n"}], "c": {}}, "amount": -0.5 } "#,
            ),
            (
                "aliases",
                r#"{"account":"a","eventType":"DEPOSIT","amount":"1","ts":1,"id":"x","seq":3}"#,
            ),
            (
                "transfer",
                r#"{"accountId":"a","type":"TRANSFER","amount":"5","to":"b","timestamp":"2024-03-01 12:00"}"#,
            ),
            (
                "duplicate-amount",
                r#"{"accountId":"a","type":"DEPOSIT","amount":"1","amount":"1000","timestamp":1}"#,
            ),
            (
                "duplicate-escaped",
                r#"{"accountId":"a","accountI\u0064":"b","type":"DEPOSIT","timestamp":1}"#,
            ),
            (
                "duplicate-other",
                r#"{"accountId":"a","type":"DEPOSIT","timestamp":1,"x":1,"x":2}"#,
            ),
            (
                "alias-and-name",
                r#"{"accountId":"a","account":"b","type":"DEPOSIT","timestamp":1}"#,
            ),
            (
                "escaped-key",
                r#"{"account\u0049d":"x","type":"DEPOSIT","timestamp":1}"#,
            ),
            (
                "escapes",
                r#"{"accountId":"a\"b\\c\u0000","type":"DEPOSIT","timestamp":1,"meta":"\ud83d\ude00"}"#,
            ),
            (
                "control",
                "{\"accountId\":\"tab\tinside\",\"type\":\"DEPOSIT\",\"timestamp\":1}",
            ),
            (
                "null-members",
                r#"{"accountId":null,"account":"a","type":"DEPOSIT","timestamp":1,"amount":null}"#,
            ),
            (
                "numbers",
                r#"{"accountId":-0,"type":"DEPOSIT","amount":1.5e+3,"timestamp":1e3,"seq":18446744073709551616}"#,
            ),
            (
                "sealed",
                r#"{"seq":1,"accountId":"a","type":"DEPOSIT","amount":"1","timestamp":1,"prev":"0000000000000000000000000000000000000000000000000000000000000000","hash":"5fd924625a10e0baacdb8c3ba7bd41b4d4e8b2ec1e8cb6a3c5e2cb9f5e5e0b1c"}"#,
            ),
            ("trailing-comma", r#"{"a":1,}"#),
            ("leading-zero", r#"{"a":01}"#),
            ("not-object", "[1, 2]"),
            ("string", r#""text""#),
            ("empty-object", "{}"),
            (
                "deep",
                &format!("{{\"a\":{}1{}}}", "[".repeat(100), "]".repeat(100)),
            ),
            (
                "unicode",
                r#"{"accountId":"日本","type":"DEPOSIT","timestamp":"2024-03-01T00:00:00+09:00"}"#,
            ),
            ("text-after", r#"{"accountId":"a"} x"#),
        ];
        for (name, text) in records {
            add("scanner", name, text.as_bytes().to_vec());
        }
        for (i, amount) in [
            "0e999999999",
            "100000000000000000000000000000e-2",
            "79228162514264337593543950335",
            "79228162514264337593543950336",
            "-0.000e+0099",
            "1.10000000000000000000000000000000000",
            "1e-28",
            "1e-29",
            "000000000000000000000000000000000000012.50",
            "12.0e1",
            "1e999",
            "NaN",
            "",
            "-",
            "1.",
            ".5",
            "+7",
            "0.1",
            "-12.345",
        ]
        .iter()
        .enumerate()
        {
            add("money", &format!("{i:02}"), amount.as_bytes().to_vec());
        }
        for (i, t) in [
            "2024-03-01T12:00:00.000Z",
            "2024-03-01T12:00:00Z\n2024-03-01T23:59:59.999Z\n2024-03-02T00:00:00.000Z",
            "2024-02-29T00:00:00.000Z\n2023-02-29T00:00:00.000Z",
            "2024-03-01T12:00:00.123456789+05:30",
            "2024-03-01t12:00:00-00:00",
            "2024-03-01 12:00",
            "2024-03-01T12:00:59.5",
            "2024-03-01",
            "1709294400000",
            "  1709294400000 ",
            "0000-01-01T00:00:00Z\n9999-12-31T23:59:59.999Z\n0000-01-01T00:00:00+00:01",
            "1969-12-31T23:59:59.9995Z",
            "2024-13-01T00:00:00Z\n2024-03-32 00:00\n24:00",
            "99999999999999999999",
            "noon",
        ]
        .iter()
        .enumerate()
        {
            add("time", &format!("{i:02}"), t.as_bytes().to_vec());
        }
        let sealed: Vec<u8> = sealed_log(4, b"1234")
            .iter()
            .flat_map(|l| l.iter().copied().chain([b'\n']))
            .collect();
        let logs: [(&str, Vec<u8>); 9] = [
            ("lines", b"{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":\"5\",\"timestamp\":2}\nx\n{\"accountId\":\"a\",\"type\":\"WITHDRAWAL\",\"amount\":\"9\",\"timestamp\":1}\n\n{\"type\":\"DEPOSIT\",\"timestamp\":3}".to_vec()),
            ("crlf-bom", b"\xEF\xBB\xBF{\"accountId\":\"a\",\"type\":\"OPEN\",\"timestamp\":1,\"seq\":2}\r\n{\"accountId\":\"a\",\"type\":\"CLOSE\",\"timestamp\":1,\"seq\":1}\r\n".to_vec()),
            ("array", b"[{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":\"1\",\"timestamp\":1},\n 42, {\"accountId\":\"b\",\"type\":\"TRANSFER\",\"amount\":\"1\",\"timestamp\":0}]\n".to_vec()),
            ("array-open", b"[{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"timestamp\":1},".to_vec()),
            ("sealed", sealed.clone()),
            ("sealed-torn", sealed[..sealed.len() - 30].to_vec()),
            ("duplicates", b"{\"eventId\":\"x\",\"seq\":1,\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":\"79228162514264337593543950335\",\"timestamp\":1}\n{\"eventId\":\"x\",\"seq\":1,\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":\"1\",\"timestamp\":1}\n".to_vec()),
            ("lookalike", "{\"accountId\":\"cust-1\",\"type\":\"DEPOSIT\",\"amount\":\"1\",\"timestamp\":1}\n{\"accountId\":\"cust-1\u{200b}\",\"type\":\"DEPOSIT\",\"amount\":\"1\",\"timestamp\":2}\n".as_bytes().to_vec()),
            ("invalid-utf8", b"{\"accountId\":\"\xff\",\"type\":\"DEPOSIT\",\"timestamp\":1}\n{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"timestamp\":1}\n".to_vec()),
        ];
        for (name, log) in logs {
            for chunk in [1u16, 7, 64] {
                let mut data = chunk.wrapping_sub(1).to_le_bytes().to_vec();
                data.extend_from_slice(&log);
                add("loader", &format!("{name}-{chunk}"), data);
            }
        }
        let scripts: [(&str, &[u8]); 13] = [
            ("untouched", &[4]),
            ("flip", &[4, 0, 1, 30, 4]),
            ("insert-byte", &[4, 1, 2, 200, b' ']),
            ("delete-bytes", &[4, 2, 0, 10, 3]),
            ("drop-line", &[4, 3, 2, 0, 0]),
            ("repeat-line", &[4, 4, 1, 3, 0]),
            ("swap", &[4, 5, 0, 1, 0]),
            ("low-seq-appended", &[4, 6, 0, 0, 9]),
            ("next-seq-appended", &[4, 6, 0, 6, 9]),
            ("sealed-in", &[4, 7, 2, 0, 1]),
            ("rehashed", &[4, 8, 1, 0, 9]),
            ("torn", &[4, 9, 0, 0, 0]),
            ("cut-front", &[2, 3, 0, 0, 0, 8, 0, 0, 1]),
        ];
        for (name, script) in scripts {
            add("chain", name, script.to_vec());
        }
        let (_dir, _path, full) = snapshot_log();
        for n in 1..=full.len() {
            let snap = crate::ledger::snapshot::Snapshot::take(full, n).expect("a sealed log");
            add(
                "snapshot",
                &format!("{n:02}"),
                serde_json::to_vec_pretty(&snap).expect("JSON"),
            );
            if n % 4 == 0 {
                let mut forged = snap.clone();
                forged.accounts[0].balance = Money::parse("1000000").expect("money");
                add(
                    "snapshot",
                    &format!("{n:02}-forged"),
                    serde_json::to_vec(&forged).expect("JSON"),
                );
                let mut moved = snap.clone();
                moved.offset += 1;
                add(
                    "snapshot",
                    &format!("{n:02}-moved"),
                    serde_json::to_vec(&moved).expect("JSON"),
                );
            }
        }
        for (name, mode, template, password) in [
            (
                "user-part",
                0u8,
                "postgres://u:\u{1}@localhost/db",
                "hunter2",
            ),
            (
                "user-part-raw-at",
                0,
                "postgres://u:\u{1}@h:5432/db?sslmode=disable",
                "p@ss:w=rd#1&x",
            ),
            ("encoded", 1, "postgres://u:\u{1}@h/db", "hunt?er=22/é"),
            (
                "option",
                1,
                "postgresql://u@h/db?password=\u{1}&sslmode=disable",
                "s3cr3t&x=y",
            ),
            (
                "hosts",
                0,
                "postgres://u:\u{1}@h1,h2:5433/db?application_name=x",
                "pw-xyz",
            ),
        ] {
            let mut data = vec![mode];
            data.extend_from_slice(template.as_bytes());
            data.push(0);
            data.extend_from_slice(password.as_bytes());
            add("url", name, data);
        }
        out
    }

    #[test]
    fn every_seed_passes_its_check() {
        for (target, name, data) in seeds() {
            let check = match target {
                "scanner" => scanner,
                "money" => money,
                "time" => time,
                "loader" => loader,
                "chain" => chain,
                "snapshot" => snapshot,
                _ => url,
            };
            if std::panic::catch_unwind(|| check(&data)).is_err() {
                panic!("{target}/{name} fails");
            }
        }
    }

    #[test]
    #[ignore = "writes the seed corpus into the source tree"]
    fn write_seed_corpus() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
        for (target, name, data) in seeds() {
            let dir = root.join(target);
            std::fs::create_dir_all(&dir).expect("a folder");
            std::fs::write(dir.join(name), data).expect("written");
        }
    }

    #[test]
    fn saved_scanner_inputs() {
        saved_inputs("scanner", scanner);
    }

    #[test]
    fn saved_money_inputs() {
        saved_inputs("money", money);
    }

    #[test]
    fn saved_time_inputs() {
        saved_inputs("time", time);
    }

    #[test]
    fn saved_loader_inputs() {
        saved_inputs("loader", loader);
    }

    #[test]
    fn saved_chain_inputs() {
        saved_inputs("chain", chain);
    }

    #[test]
    fn saved_snapshot_inputs() {
        saved_inputs("snapshot", snapshot);
    }

    #[test]
    fn saved_url_inputs() {
        saved_inputs("url", url);
    }

    #[test]
    fn amounts_the_reference_knows() {
        for text in [
            "0e999999999",
            "0e-999999999",
            "-0.000e+00000000000000000000000000000000000000000000000000099",
            "100000000000000000000000000000e-2",
            "1.10000000000000000000000000000000000",
            "0.5000000000000000000000000000000000e1",
            "79228162514264337593543950335",
            "79228162514264337593543950336",
            "7922816251426433759354395033.5e1",
            "1e28",
            "1e29",
            "1e-28",
            "1e-29",
            "10e-29",
            "0.00000000000000000000000000010",
            "000000000000000000000000000000000000012.50",
            "12.0e1",
            "1.5e3",
            "1e999",
            "1e99999999999999999999999",
            "NaN",
            "",
            "-",
            "1.",
            ".5",
            "+7",
        ] {
            check_money(text);
        }
    }
}
