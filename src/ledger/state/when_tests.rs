use proptest::prelude::*;

use super::*;
use crate::ledger::condition::Condition;
use crate::ledger::event::TypeMap;
use crate::ledger::state::{View, state_at};
use crate::ledger::{Depth, LoadOptions, Moment, load_bytes};

const RULES: &str =
    "[state.Frozen]\nset = { status = \"'frozen'\" }\n[state.Thawed]\nunset = [\"status\"]\n";

fn load(log: &str) -> Ledger {
    let options = LoadOptions {
        types: TypeMap::from_toml_str(RULES).unwrap(),
        depth: Depth::Full,
    };
    load_bytes("t", log.as_bytes().to_vec(), &options)
}

/// (account, start, last, end) of every interval.
fn spans(l: &Ledger, condition: &str, order: Order) -> Vec<(String, u32, u32, Option<u32>)> {
    let c = Condition::parse(condition).unwrap();
    intervals(l, &c, l.accounts_sorted(), order)
        .into_iter()
        .map(|i| {
            (
                l.account_name(i.account).to_string(),
                i.start,
                i.last,
                i.end,
            )
        })
        .collect()
}

const LOG: &str = r#"{"accountId":"a","type":"DEPOSIT","amount":"10","timestamp":100}
{"accountId":"a","type":"WITHDRAW","amount":"15","timestamp":200}
{"accountId":"a","type":"DEPOSIT","amount":"2","timestamp":300}
{"accountId":"a","type":"DEPOSIT","amount":"3","timestamp":400}
{"accountId":"b","type":"Frozen","timestamp":250}
{"accountId":"b","type":"DEPOSIT","amount":"1","timestamp":260}
{"accountId":"b","type":"Thawed","timestamp":270}
{"accountId":"a","type":"WITHDRAW","amount":"1","timestamp":500}
{"accountId":"a","type":"DEPOSIT","amount":"1","timestamp":500}
{"accountId":"a","type":"WITHDRAW","amount":"9000","timestamp":600}
"#;

fn a(s: u32, l: u32, e: Option<u32>) -> (String, u32, u32, Option<u32>) {
    ("a".to_string(), s, l, e)
}

#[test]
fn intervals_begin_and_end_at_the_events_that_make_and_break_them() {
    let l = load(LOG);
    // -5 at 200 until 0 at 400; 0 at 500 hides a dip inside one millisecond; -9000 at 600 on.
    assert_eq!(
        spans(&l, "balance < 0", Order::Time),
        vec![a(1, 2, Some(3)), a(9, 9, None)]
    );
    assert_eq!(
        spans(&l, "balance <= 0", Order::Time),
        vec![a(1, 9, None), ("b".to_string(), 4, 4, Some(5))],
        "zero at 400 holds, and the events at 500 leave it at zero; b is at zero until it is paid"
    );
    assert_eq!(
        spans(&l, "status = frozen", Order::Time),
        vec![("b".to_string(), 4, 5, Some(6))]
    );
    // An event condition holds at its event, until the account's next event.
    assert_eq!(
        spans(&l, "type:withdraw amount:>=15", Order::Time),
        vec![a(1, 1, Some(2)), a(9, 9, None)]
    );
    // In recorded order every event is a moment: the dip at 500 shows.
    assert_eq!(
        spans(&l, "balance < 0 and not type:withdraw", Order::Recorded),
        vec![a(2, 2, Some(3))]
    );
    assert_eq!(spans(&l, "balance > 1000000", Order::Time), vec![]);
}

#[test]
fn a_state_interval_holds_at_exactly_the_times_it_covers() {
    let l = load(LOG);
    for text in [
        "balance < 0",
        "balance <= 0",
        "status = frozen",
        "balance > 5",
    ] {
        let c = Condition::parse(text).unwrap();
        let plan = c.plan(&l);
        let found = intervals(&l, &c, l.accounts_sorted(), Order::Time);
        for &account in l.accounts_sorted() {
            let first = l.event(l.postings(account)[0].event as usize).ts;
            for t in (first..=700)
                .step_by(10)
                .chain([199, 200, 201, 399, 400, 499, 500])
            {
                if t < first {
                    continue;
                }
                let s = state_at(&l, account, Moment::Time(t));
                let view = View {
                    balance: s.balance,
                    fields: &s.fields,
                };
                let holds = plan.holds(None, &view);
                let covered = found.iter().any(|i| {
                    i.account == account
                        && l.event(i.start as usize).ts <= t
                        && i.end.is_none_or(|e| t < l.event(e as usize).ts)
                });
                assert_eq!(
                    holds,
                    covered,
                    "{text} at {t} for {}",
                    l.account_name(account)
                );
            }
        }
    }
}

proptest! {
    #[test]
    fn intervals_match_the_state_at_every_moment(
        evs in proptest::collection::vec((0u8..2, 0u8..4, 0i64..12, 1u8..20), 1..30)
    ) {
        let mut log = String::new();
        for (acc, kind, ts, amount) in &evs {
            let account = ["a", "b"][*acc as usize];
            let kind = ["DEPOSIT", "WITHDRAW", "Frozen", "Thawed"][*kind as usize];
            log.push_str(&format!(
                "{{\"accountId\":\"{account}\",\"type\":\"{kind}\",\"amount\":\"{amount}\",\"timestamp\":{ts}}}\n"
            ));
        }
        let l = load(&log);
        for text in ["balance < 0", "status = frozen or balance > 30", "not status = frozen"] {
            let c = Condition::parse(text).unwrap();
            let plan = c.plan(&l);
            for order in [Order::Time, Order::Recorded] {
                let found = intervals(&l, &c, l.accounts_sorted(), order);
                for &account in l.accounts_sorted() {
                    let events = account_events(&l, account, order);
                    // Every moment from the account's first event on.
                    let moments: Vec<(Moment, u32)> = match order {
                        Order::Time => {
                            let first = l.event(events[0] as usize).ts;
                            (first..13).map(|t| (Moment::Time(t), t as u32)).collect()
                        }
                        Order::Recorded => events
                            .iter()
                            .map(|&i| (Moment::Seq(u64::from(i) + 1), i))
                            .collect(),
                    };
                    for (moment, at) in moments {
                        let s = state_at(&l, account, moment);
                        let view = View { balance: s.balance, fields: &s.fields };
                        let holds = plan.holds(None, &view);
                        let covered = found.iter().any(|i| {
                            i.account == account && match order {
                                Order::Time => {
                                    let ts = |e: u32| l.event(e as usize).ts;
                                    ts(i.start) <= i64::from(at)
                                        && i.end.is_none_or(|e| i64::from(at) < ts(e))
                                }
                                Order::Recorded => {
                                    i.start <= at && i.end.is_none_or(|e| at < e)
                                }
                            }
                        });
                        prop_assert_eq!(holds, covered, "{} {:?} {:?}", text, order, moment);
                    }
                }
            }
        }
    }
}
