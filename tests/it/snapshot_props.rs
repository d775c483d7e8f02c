//! Property: a balance from a snapshot plus the records after it equals a full replay, at every
//! moment the snapshot covers — for random sealed logs (late events, closes and reopens,
//! transfers, unknown types) and random snapshot points, taken before the log grew.

use std::io::Write;

use proptest::prelude::*;
use rewind::ledger::chain::{GENESIS, seal_line};
use rewind::ledger::snapshot::{Resumed, Snapshot, full_states};
use rewind::ledger::{LoadOptions, Moment, load_file};

#[derive(Clone, Debug)]
struct Ev {
    account: u8,
    kind: &'static str,
    /// Hundredths; `None` when absent.
    amount: Option<u32>,
    to: Option<u8>,
    ts: i64,
}

const KINDS: &[&str] = &[
    "DEPOSIT",
    "DEPOSIT",
    "WITHDRAW",
    "TRANSFER",
    "ACCOUNT_OPENED",
    "ACCOUNT_CLOSED",
    "FEE",
    "Renamed",
];

const T0: i64 = 1_700_000_000_000;

fn ev() -> impl Strategy<Value = Ev> {
    (
        0u8..5,
        prop::sample::select(KINDS),
        prop::option::weighted(0.9, 1u32..100_000),
        prop::option::weighted(0.4, 0u8..6),
        0i64..40,
    )
        .prop_map(|(account, kind, amount, to, ts)| Ev {
            account,
            kind,
            amount,
            to,
            ts: T0 + ts * 1000,
        })
}

/// The events as sealed lines, chained from the genesis.
fn sealed_lines(events: &[Ev]) -> Vec<String> {
    let mut prev = GENESIS;
    events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let mut body = format!(
                r#"{{"seq":{},"eventId":"e{i}","accountId":"acc-{}","type":"{}""#,
                i + 1,
                e.account,
                e.kind
            );
            if let Some(a) = e.amount {
                body.push_str(&format!(r#","amount":"{}.{:02}""#, a / 100, a % 100));
            }
            if let Some(to) = e.to {
                body.push_str(&format!(r#","to":"acc-{to}""#));
            }
            body.push_str(&format!(r#","timestamp":{}"#, e.ts));
            let (line, hash) = seal_line(&body, &prev);
            prev = hash;
            line
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]

    #[test]
    fn snapshot_plus_tail_equals_full_replay(
        events in prop::collection::vec(ev(), 1..50),
        cut in any::<prop::sample::Index>(),
        probes in prop::collection::vec(0i64..42, 1..6),
    ) {
        let n = cut.index(events.len()) + 1;
        let lines = sealed_lines(&events);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.jsonl");
        let options = LoadOptions::default();

        // The snapshot is taken when the log holds the first n records...
        std::fs::write(&path, lines[..n].iter().map(|l| format!("{l}\n")).collect::<String>())
            .unwrap();
        let early = load_file(&path, &options, None).unwrap();
        let snapshot = Snapshot::take(&early, n).unwrap();
        prop_assert!(snapshot.save(&path).is_ok());
        // ...then the log grows.
        let mut f = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
        for l in &lines[n..] {
            writeln!(f, "{l}").unwrap();
        }
        drop(f);

        let full = load_file(&path, &options, None).unwrap();
        let resumed = Resumed::open(&path, &options, snapshot.clone()).unwrap();
        prop_assert_eq!(resumed.len(), full.len());
        prop_assert_eq!(resumed.last_time(), full.last_time());
        prop_assert_eq!(resumed.tail.len(), events.len() - n);

        // Every moment the snapshot covers: the end, every --seq from n on, and times at and
        // around every timestamp from the latest one in the snapshot on.
        let mut moments = vec![Moment::End];
        moments.extend((n as u64..=events.len() as u64 + 1).map(Moment::Seq));
        let mut times: Vec<i64> = events.iter().map(|e| e.ts).chain(probes.iter().map(|p| T0 + p * 1000)).collect();
        times.extend(times.clone().iter().flat_map(|t| [t - 1, t + 1]));
        moments.extend(times.into_iter().map(Moment::Time));
        let mut covered = 0;
        for m in moments {
            if !snapshot.covers(m) {
                continue;
            }
            covered += 1;
            prop_assert_eq!(resumed.included(m), full.included(m), "{:?}", m);
            prop_assert_eq!(resumed.time_of(m), full.time_of(m), "{:?}", m);
            let states = resumed.states(m).unwrap();
            prop_assert_eq!(&states, &full_states(&full, m), "{:?} with the snapshot after {} records", m, n);
            for s in &states {
                prop_assert_eq!(resumed.state(&s.account_id, m).unwrap(), Some(s.clone()));
            }
        }
        prop_assert!(covered >= 2, "the end and --seq n are always covered");
        // Moments before the snapshot are not covered, and say so.
        prop_assert!(!snapshot.covers(Moment::Seq(n as u64 - 1)));
        prop_assert!(!snapshot.covers(Moment::Time(snapshot.max_timestamp_ms - 1)));
    }
}
