use super::*;
use crate::ledger::{LoadOptions, load_bytes};

const LOG: &str = r#"{"accountId":"cust-dana","type":"WITHDRAW","amount":"400.00","timestamp":1}
{"accountId":"cust-dana","type":"WITHDRAW","amount":"10000.00","timestamp":2}
{"accountId":"cust-dana","type":"WITHDRAW","amount":"10000.01","timestamp":3}
{"accountId":"cust-bob","type":"MoneyTransferred","amount":"750","to":"cust-carol","timestamp":4}
{"accountId":"cust-ivan","type":"BillPaid","amount":"1240.00","timestamp":5}
{"accountId":"cust-kofi","type":"Mystery","to":"cust-dana","timestamp":6}
"#;

/// The events (indexes) at which a condition holds, with no state.
fn events(text: &str) -> Vec<usize> {
    let l = load_bytes("t", LOG.as_bytes().to_vec(), &LoadOptions::default());
    let plan = Condition::parse(text).unwrap().plan(&l);
    (0..l.len())
        .filter(|&i| plan.holds(Some(l.event(i)), &NoState))
        .collect()
}

fn column(text: &str) -> (usize, String) {
    let e = Condition::parse(text).unwrap_err();
    (e.column, e.message)
}

struct S(Money, Vec<(&'static str, Value)>);

impl StateView for S {
    fn balance(&self) -> Money {
        self.0
    }
    fn field(&self, name: &str) -> Option<&Value> {
        self.1.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

fn state_holds(text: &str, s: &S) -> bool {
    let l = load_bytes("t", Vec::new(), &LoadOptions::default());
    Condition::parse(text).unwrap().plan(&l).holds(None, s)
}

fn m(s: &str) -> Money {
    Money::parse(s).unwrap()
}

#[test]
fn event_terms_read_as_the_filter_reads_them() {
    assert_eq!(events("type:withdraw"), vec![0, 1, 2]);
    assert_eq!(events("type:withdraw amount:>10000"), vec![2]);
    assert_eq!(events("type:withdraw amount:>=10000"), vec![1, 2]);
    assert_eq!(events("amount:<400"), Vec::<usize>::new());
    assert_eq!(events("amount:<=400"), vec![0]);
    assert_eq!(events("amount:700..1240"), vec![3, 4]);
    assert_eq!(events("amount:1240"), vec![4]);
    assert_eq!(events("account:CAROL"), vec![3], "a transfer's to counts");
    assert_eq!(
        events("account:dana"),
        vec![0, 1, 2],
        "not a to on a non-transfer"
    );
    assert_eq!(events("type:bill-paid"), vec![4], "normalised");
    assert_eq!(events("a:ivan t:bill amt:1240.00"), vec![4], "short keys");
    assert_eq!(events("account:\"cust-bob\""), vec![3], "quoted value");
}

#[test]
fn and_or_not_and_parentheses_combine() {
    assert_eq!(events("type:withdraw and amount:400"), vec![0]);
    assert_eq!(events("type:bill or type:transferred"), vec![3, 4]);
    assert_eq!(events("not type:withdraw"), vec![3, 4, 5]);
    assert_eq!(
        events("(type:bill OR type:transferred) amount:>1000"),
        vec![4]
    );
    assert_eq!(
        events("type:withdraw amount:400 or account:ivan"),
        vec![0, 4],
        "and binds tighter than or"
    );
    assert_eq!(events("not (type:withdraw or type:mystery)"), vec![3, 4]);
    assert_eq!(events("NOT not type:mystery"), vec![5]);
}

#[test]
fn state_comparisons() {
    let s = S(
        m("-12.50"),
        vec![
            ("status", Value::Text("frozen".into())),
            ("address", Value::Text("12 Elm Street".into())),
            ("limit", Value::Number("1000.00".into())),
            ("meta.city", Value::Text("Harbourside".into())),
            ("since", Value::Text("2024-03-01".into())),
        ],
    );
    for (text, want) in [
        ("balance < 0", true),
        ("balance<0", true),
        ("balance >= -12.5", true),
        ("balance > -12.5", false),
        ("balance = -12.50", true),
        ("balance != 0", true),
        ("status = frozen", true),
        ("status == frozen", true),
        ("status = Frozen", false),
        ("status != frozen", false),
        ("address ~ \"elm\"", true),
        ("address ~ Oak", false),
        ("limit = 1000", true),
        ("limit > 999.99", true),
        ("limit <= 1000", true),
        ("meta.city = Harbourside", true),
        ("\"meta.city\" ~ harbour", true),
        ("since < 2024-03-02", true),
        ("nothing = x", false),
        ("nothing ~ x", false),
        ("nothing < 5", false),
        ("nothing != x", true),
        ("not nothing = x", true),
        ("status = frozen and balance < 0", true),
        ("status = open or balance < 0", true),
        ("status = frozen and type:withdraw", false),
    ] {
        assert_eq!(state_holds(text, &s), want, "{text}");
    }
}

#[test]
fn the_kinds_of_terms_are_known() {
    let c = Condition::parse("balance < 0 type:fee").unwrap();
    assert!(c.has_state_terms() && c.has_event_terms());
    let c = Condition::parse("type:fee").unwrap();
    assert!(!c.has_state_terms() && c.has_event_terms());
    let c = Condition::parse("not (status = x)").unwrap();
    assert!(c.has_state_terms() && !c.has_event_terms());
    assert_eq!(c.text(), "not (status = x)");
}

#[test]
fn errors_name_the_column_of_the_bad_token() {
    for (text, col, message) in [
        ("", 1, "an empty condition"),
        ("   ", 1, "an empty condition"),
        ("type:withdraw amount:>ten", 23, "amount"),
        ("amount:5..x", 11, "amount"),
        ("amount:9..5", 8, "is above"),
        ("kind:fee", 1, "`kind:` is not an event term"),
        ("type:", 6, "has no value"),
        ("status", 1, "`status` is not a condition"),
        ("status =", 9, "expected a value"),
        ("status = (", 10, "expected a value"),
        ("balance < zero", 11, "a balance is a number"),
        ("balance ~ 5", 1, "`~` is for texts"),
        ("(type:fee", 10, "expected `)`"),
        ("type:fee)", 9, "without its `(`"),
        (")", 1, "without its `(`"),
        ("and type:fee", 1, "needs a condition before it"),
        ("type:fee or", 12, "a condition is missing"),
        ("not", 4, "a condition is missing"),
        ("= 5", 1, "an operator without a field"),
        ("status ! frozen", 8, "`!` goes with `=`"),
        ("address ~ \"Elm", 11, "a quote is not closed"),
        (":x", 1, "without a key"),
        ("type:fee status", 10, "`status` is not a condition"),
        ("état = x y", 10, "`y` is not a condition"),
    ] {
        let (got_col, got) = column(text);
        assert_eq!(got_col, col, "{text:?}: {got}");
        assert!(got.contains(message), "{text:?}: {got}");
    }
    assert_eq!(
        Condition::parse("kind:x").unwrap_err().to_string(),
        "column 1: `kind:` is not an event term (use account:, type: or amount:)"
    );
}
