//! Property: for random logs and random moments, the indexed engine answers exactly what a naive
//! full replay (written here, independently, in integer minor units) answers.

use proptest::prelude::*;
use rewind::ledger::{LoadOptions, Moment, load_bytes};

#[derive(Clone, Debug)]
struct Ev {
    account: u8,
    kind: &'static str,
    /// Amount in ten-thousandths; `None` when absent.
    amount: Option<i64>,
    to: Option<u8>,
    ts: i64,
}

const KINDS: &[&str] = &[
    "DEPOSIT",
    "MoneyDeposited",
    "withdraw",
    "FEE",
    "TRANSFER",
    "ACCOUNT_OPENED",
    "ACCOUNT_CLOSED",
    "REFUND",
    "SomethingElse",
];

fn ev() -> impl Strategy<Value = Ev> {
    (
        0u8..5,
        prop::sample::select(KINDS),
        prop::option::weighted(0.9, -5_000i64..2_000_000),
        prop::option::weighted(0.5, 0u8..5),
        0i64..50,
    )
        .prop_map(|(account, kind, amount, to, ts)| Ev {
            account,
            kind,
            amount,
            to,
            ts: 1_700_000_000_000 + ts * 1000,
        })
}

fn minor_to_text(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    format!("{sign}{}.{:04}", a / 10_000, a % 10_000)
}

fn text_to_minor(text: &str) -> i64 {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let mut frac = frac.to_string();
    while frac.len() < 4 {
        frac.push('0');
    }
    let v = int.parse::<i64>().unwrap() * 10_000 + frac.parse::<i64>().unwrap();
    if neg { -v } else { v }
}

fn to_jsonl(events: &[Ev], as_numbers: bool) -> String {
    let mut out = String::new();
    for e in events {
        out.push_str(&format!(
            r#"{{"accountId":"acc-{}","type":"{}","timestamp":{}"#,
            e.account, e.kind, e.ts
        ));
        if let Some(a) = e.amount {
            let text = minor_to_text(a);
            if as_numbers {
                out.push_str(&format!(r#","amount":{text}"#));
            } else {
                out.push_str(&format!(r#","amount":"{text}""#));
            }
        }
        if let Some(to) = e.to {
            out.push_str(&format!(r#","to":"acc-{to}""#));
        }
        out.push_str("}\n");
    }
    out
}

/// What an event does to `account`, in minor units, by the table of FORMAT.md ("Event types").
fn effect(e: &Ev, account: u8) -> i64 {
    let Some(amount) = e.amount else { return 0 };
    match e.kind {
        "DEPOSIT" | "MoneyDeposited" | "REFUND" | "ACCOUNT_OPENED" if e.account == account => {
            amount
        }
        "withdraw" | "FEE" if e.account == account => -amount,
        "TRANSFER" => match e.to {
            None => 0,
            Some(to) if to == e.account => 0,
            Some(to) if to == account => amount,
            Some(_) if e.account == account => -amount,
            Some(_) => 0,
        },
        _ => 0,
    }
}

fn touches(e: &Ev, account: u8) -> bool {
    e.account == account || (e.kind == "TRANSFER" && e.to == Some(account))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn engine_equals_naive_full_replay(
        events in prop::collection::vec(ev(), 0..60),
        numbers in any::<bool>(),
        probes in prop::collection::vec(0i64..52, 1..8),
        seqs in prop::collection::vec(0u64..65, 1..5),
    ) {
        let text = to_jsonl(&events, numbers);
        let ledger = load_bytes("prop.jsonl", text.into_bytes(), &LoadOptions::default());
        prop_assert_eq!(ledger.len(), events.len());
        let mut moments: Vec<(Moment, Vec<&Ev>)> = Vec::new();
        for p in probes {
            let t = 1_700_000_000_000 + p * 1000 - 1 + (p % 3);
            moments.push((Moment::Time(t), events.iter().filter(|e| e.ts <= t).collect()));
        }
        for n in seqs {
            moments.push((Moment::Seq(n), events.iter().take(n as usize).collect()));
        }
        moments.push((Moment::End, events.iter().collect()));
        for (moment, included) in moments {
            prop_assert_eq!(ledger.included(moment), included.len(), "{:?}", moment);
            for account in 0..5u8 {
                let name = format!("acc-{account}");
                let Some(id) = ledger.find_account(&name) else {
                    prop_assert!(!events.iter().any(|e| touches(e, account) || e.to == Some(account)));
                    continue;
                };
                let state = ledger.account_at(id, moment);
                let expected: i64 = included.iter().map(|e| effect(e, account)).sum();
                let count = included.iter().filter(|e| touches(e, account)).count();
                prop_assert_eq!(text_to_minor(&state.balance.to_string()), expected, "{} {:?}", name, moment);
                prop_assert_eq!(state.events, count, "{} {:?}", name, moment);
                prop_assert_eq!(state.exists, count > 0);
            }
        }
        // Running balances: after each event, in time order, equal the naive sum of everything
        // at or before it in time order (ties broken by recorded position).
        for (i, e) in events.iter().enumerate() {
            let id = ledger.find_account(&format!("acc-{}", e.account)).unwrap();
            let expected: i64 = events
                .iter()
                .enumerate()
                .filter(|(j, o)| (o.ts, *j) <= (e.ts, i))
                .map(|(_, o)| effect(o, e.account))
                .sum();
            let got = ledger.balance_after(i, id).unwrap();
            prop_assert_eq!(text_to_minor(&got.to_string()), expected);
            let expected_recorded: i64 = events[..=i].iter().map(|o| effect(o, e.account)).sum();
            let got = ledger.balance_after_recorded(i, id).unwrap();
            prop_assert_eq!(text_to_minor(&got.to_string()), expected_recorded);
        }
    }
}
