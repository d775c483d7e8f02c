use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::ledger::event::TypeMap;
use crate::ledger::state::state_at;
use crate::ledger::{Depth, Ledger, LoadOptions, Moment, load_bytes};

const RULES: &str = r#"
[state.Move]
set = { city = "meta.city", street = "street" }
[state.Frozen]
set = { status = "'frozen'" }
[state.Raise]
add = { limit = "amount" }
[state.Shut]
set = { status = "'closed'" }
unset = ["limit"]
"#;

fn load(log: &str, depth: Depth) -> Ledger {
    let options = LoadOptions {
        types: TypeMap::from_toml_str(RULES).unwrap(),
        depth,
    };
    load_bytes("t", log.as_bytes().to_vec(), &options)
}

fn text(fields: &Fields) -> Vec<(String, String, u32)> {
    fields
        .iter()
        .map(|(n, f)| (n.to_string(), f.value.to_string(), f.event))
        .collect()
}

const LOG: &str = r#"{"accountId":"a","type":"Move","timestamp":1,"street":"1 Oak Rd","meta":{"city":"Oldtown"}}
{"accountId":"a","type":"Raise","amount":"100.50","timestamp":2}
{"accountId":"a","type":"Raise","amount":"0.25","timestamp":3}
{"accountId":"b","type":"Frozen","timestamp":3}
{"accountId":"a","type":"Move","timestamp":5,"street":"12 Elm St"}
{"accountId":"a","type":"ProfileUpdated","timestamp":4,"email":"a@x","meta":{"tier":"gold"},"amount":"3"}
{"accountId":"a","type":"Raise","timestamp":6}
{"accountId":"a","type":"Shut","timestamp":7}
"#;

#[test]
fn each_rule_form_folds() {
    let l = load(LOG, Depth::Full);
    let t = Timeline::build(&l, l.find_account("a").unwrap(), Order::Time);
    let at = |ts| text(&t.fields_at(Moment::Time(ts)));
    let s = |a: &str, b: &str, e: u32| (a.to_string(), b.to_string(), e);
    assert_eq!(at(0), vec![]);
    assert_eq!(
        at(1),
        vec![s("city", "Oldtown", 0), s("street", "1 Oak Rd", 0)]
    );
    assert_eq!(at(3)[1], s("limit", "100.75", 2), "exact addition");
    // The default rule: every payload member that is not rewind's own, objects member by member.
    assert_eq!(
        at(4),
        vec![
            s("city", "Oldtown", 0),
            s("email", "a@x", 5),
            s("limit", "100.75", 2),
            s("meta.tier", "gold", 5),
            s("street", "1 Oak Rd", 0),
        ]
    );
    // An absent path leaves the field as it was, with a note.
    assert_eq!(at(5)[0], s("city", "Oldtown", 0));
    assert_eq!(at(5)[4], s("street", "12 Elm St", 4));
    let step = t.step_of(4).unwrap();
    assert_eq!(step.notes.len(), 1);
    assert!(
        step.notes[0].text.contains("`meta.city` is absent"),
        "{:?}",
        step.notes
    );
    let step = t.step_of(6).unwrap();
    assert!(step.changes.is_empty());
    assert!(step.notes[0].text.contains("`amount` is absent"));
    // A literal, and unset.
    let end = text(&t.fields_at(Moment::End));
    assert!(end.contains(&s("status", "closed", 7)));
    assert!(!end.iter().any(|(n, _, _)| n == "limit"));
    assert_eq!(
        t.step_of(7).unwrap().changes,
        vec![
            Change {
                field: "status".into(),
                old: None,
                new: Some(Value::Text("closed".into()))
            },
            Change {
                field: "limit".into(),
                old: Some(Value::Number("100.75".into())),
                new: None
            },
        ]
    );
    // Another account's rule never touches this one.
    let b = Timeline::build(&l, l.find_account("b").unwrap(), Order::Time);
    assert_eq!(
        text(&b.fields_at(Moment::End)),
        vec![s("status", "frozen", 3)]
    );
}

#[test]
fn the_two_orders_differ_where_the_log_does() {
    let l = load(LOG, Depth::Full);
    let a = l.find_account("a").unwrap();
    let time = Timeline::build(&l, a, Order::Time);
    let recorded = Timeline::build(&l, a, Order::Recorded);
    // In time order the profile update (recorded 6th, time 4) comes before the move at 5; in
    // recorded order after it. After the first five recorded events, the update is not known.
    let known = text(&recorded.fields_at(Moment::Seq(5)));
    assert!(!known.iter().any(|(n, _, _)| n == "email"));
    assert_eq!(recorded.steps_through(&l, 4), 4);
    assert_eq!(
        time.steps_through(&l, 4),
        5,
        "event 5 (time 4) is before event 4 (time 5)"
    );
    assert_eq!(time.steps_through(&l, 5), 4);
    let order: Vec<u32> = time.steps().iter().map(|s| s.event).collect();
    assert_eq!(order, vec![0, 1, 2, 5, 4, 6, 7]);
}

#[test]
fn blame_lists_every_change_of_one_field() {
    let l = load(LOG, Depth::Full);
    let t = Timeline::build(&l, l.find_account("a").unwrap(), Order::Time);
    let blame: Vec<(u32, Option<String>, Option<String>)> = t
        .blame("limit")
        .map(|(s, c)| {
            (
                s.event,
                c.old.as_ref().map(Value::to_string),
                c.new.as_ref().map(Value::to_string),
            )
        })
        .collect();
    assert_eq!(
        blame,
        vec![
            (1, None, Some("100.50".into())),
            (2, Some("100.50".into()), Some("100.75".into())),
            (7, Some("100.75".into()), None),
        ]
    );
    assert_eq!(t.blame("nothing").count(), 0);
    assert_eq!(
        t.field_names(),
        vec!["city", "email", "limit", "meta.tier", "status", "street"]
    );
}

#[test]
fn the_diff_between_two_moments_lists_the_fields_that_differ() {
    let l = load(LOG, Depth::Full);
    let t = Timeline::build(&l, l.find_account("a").unwrap(), Order::Time);
    let (before, after) = (t.fields_at(Moment::Time(4)), t.fields_at(Moment::End));
    let diff: Vec<(String, Option<String>, Option<String>)> = before
        .diff(&after)
        .into_iter()
        .map(|c| {
            (
                c.field,
                c.old.map(|v| v.to_string()),
                c.new.map(|v| v.to_string()),
            )
        })
        .collect();
    let v = |s: &str| Some(s.to_string());
    assert_eq!(
        diff,
        vec![
            ("limit".to_string(), v("100.75"), None),
            ("status".to_string(), None, v("closed")),
            ("street".to_string(), v("1 Oak Rd"), v("12 Elm St")),
        ]
    );
    assert!(after.diff(&after).is_empty());
}

#[test]
fn state_at_gives_the_balance_and_who_moved_it() {
    let log = r#"{"accountId":"a","type":"DEPOSIT","amount":"10","timestamp":1}
{"accountId":"a","type":"Frozen","timestamp":2}
{"accountId":"b","type":"TRANSFER","amount":"4","to":"a","timestamp":3}
{"accountId":"a","type":"Frozen","amount":"99","timestamp":4}
"#;
    for depth in [Depth::Full, Depth::Summary] {
        let l = load(log, depth);
        let a = l.find_account("a").unwrap();
        let s = state_at(&l, a, Moment::Time(2));
        assert_eq!(s.balance, Money::parse("10").unwrap());
        assert_eq!(s.balance_event, Some(0));
        assert_eq!(s.fields.get("status").unwrap().event, 1);
        let s = state_at(&l, a, Moment::End);
        assert_eq!(s.balance_event, Some(2), "the transfer in, not the frozen");
        assert_eq!(s.fields.get("status").unwrap().event, 3);
        let s = state_at(&l, a, Moment::Seq(1));
        assert_eq!(s.order, Order::Recorded);
        assert!(s.fields.is_empty());
        assert!(s.exists);
    }
}

#[test]
fn a_record_with_a_member_twice_changes_nothing() {
    let log = "{\"accountId\":\"a\",\"type\":\"Frozen\",\"type\":\"Frozen\",\"timestamp\":1}\n";
    let l = load(log, Depth::Full);
    let t = Timeline::build(&l, 0, Order::Time);
    assert!(t.steps().is_empty());
}

// ----- the fold against an independent one -----

#[derive(Clone, Debug)]
struct Ev {
    account: u8,
    kind: u8,
    ts: i64,
    a: Option<u8>,
    b: Option<u8>,
}

fn record(e: &Ev) -> String {
    let account = ["a", "b"][e.account as usize];
    let mut out = format!("{{\"accountId\":\"{account}\",\"timestamp\":{}", e.ts);
    let kind = ["Move", "Frozen", "Raise", "Shut", "NameChanged", "DEPOSIT"][e.kind as usize];
    out.push_str(&format!(",\"type\":\"{kind}\""));
    match kind {
        "Move" => {
            if let Some(a) = e.a {
                out.push_str(&format!(",\"meta\":{{\"city\":\"c{a}\"}}"));
            }
            if let Some(b) = e.b {
                out.push_str(&format!(",\"street\":\"s{b}\""));
            }
        }
        "Raise" | "DEPOSIT" => {
            if let Some(a) = e.a {
                out.push_str(&format!(",\"amount\":\"{a}\""));
            }
        }
        "NameChanged" => {
            if let Some(a) = e.a {
                out.push_str(&format!(",\"name\":\"n{a}\""));
            }
            if let Some(b) = e.b {
                out.push_str(&format!(",\"meta\":{{\"city\":\"m{b}\"}}"));
            }
        }
        _ => {}
    }
    out.push_str("}\n");
    out
}

/// The fields of `account` after `events` (already in order): a plain reading of the rules.
fn naive(events: &[(usize, &Ev)], account: u8) -> BTreeMap<String, (String, u32)> {
    let mut f: BTreeMap<String, (String, u32)> = BTreeMap::new();
    for &(i, e) in events.iter().filter(|(_, e)| e.account == account) {
        let i = i as u32;
        let set = |f: &mut BTreeMap<String, (String, u32)>, k: &str, v: String| {
            f.insert(k.to_string(), (v, i));
        };
        match e.kind {
            0 => {
                if let Some(a) = e.a {
                    set(&mut f, "city", format!("c{a}"));
                }
                if let Some(b) = e.b {
                    set(&mut f, "street", format!("s{b}"));
                }
            }
            1 => set(&mut f, "status", "frozen".into()),
            2 => {
                if let Some(a) = e.a {
                    let before: i64 = f.get("limit").map_or(0, |(v, _)| v.parse().unwrap());
                    set(&mut f, "limit", (before + i64::from(a)).to_string());
                }
            }
            3 => {
                set(&mut f, "status", "closed".into());
                f.remove("limit");
            }
            4 => {
                if let Some(a) = e.a {
                    set(&mut f, "name", format!("n{a}"));
                }
                if let Some(b) = e.b {
                    set(&mut f, "meta.city", format!("m{b}"));
                }
            }
            _ => {}
        }
    }
    f
}

fn ev() -> impl Strategy<Value = Ev> {
    (
        0u8..2,
        0u8..6,
        0i64..8,
        proptest::option::of(0u8..5),
        proptest::option::of(0u8..5),
    )
        .prop_map(|(account, kind, ts, a, b)| Ev {
            account,
            kind,
            ts,
            a,
            b,
        })
}

proptest! {
    #[test]
    fn the_fold_at_every_moment_is_the_plain_fold(evs in proptest::collection::vec(ev(), 0..24)) {
        let log: String = evs.iter().map(record).collect();
        let l = load(&log, Depth::Full);
        let indexed: Vec<(usize, &Ev)> = evs.iter().enumerate().collect();
        for account in 0..2u8 {
            let Some(id) = l.find_account(["a", "b"][account as usize]) else { continue };
            let time = Timeline::build(&l, id, Order::Time);
            let recorded = Timeline::build(&l, id, Order::Recorded);
            let got = |fields: Fields| -> BTreeMap<String, (String, u32)> {
                fields.iter().map(|(n, f)| (n.to_string(), (f.value.to_string(), f.event))).collect()
            };
            // Time order: every moment a time can name.
            for t in -1..9 {
                let mut upto: Vec<(usize, &Ev)> =
                    indexed.iter().copied().filter(|(_, e)| e.ts <= t).collect();
                upto.sort_by_key(|(i, e)| (e.ts, *i));
                prop_assert_eq!(got(time.fields_at(Moment::Time(t))), naive(&upto, account));
            }
            // Recorded order: after each number of events.
            for n in 0..=evs.len() {
                prop_assert_eq!(
                    got(recorded.fields_at(Moment::Seq(n as u64))),
                    naive(&indexed[..n], account)
                );
            }
            // Right after each event, in both orders.
            let mut by_time = indexed.clone();
            by_time.sort_by_key(|(i, e)| (e.ts, *i));
            for (k, &(i, _)) in by_time.iter().enumerate() {
                let through = time.steps_through(&l, i as u32);
                prop_assert_eq!(got(time.fields_after(through)), naive(&by_time[..=k], account));
            }
            for i in 0..evs.len() {
                let through = recorded.steps_through(&l, i as u32);
                prop_assert_eq!(got(recorded.fields_after(through)), naive(&indexed[..=i], account));
            }
            prop_assert_eq!(got(time.fields_at(Moment::End)), naive(&by_time, account));
        }
    }
}
