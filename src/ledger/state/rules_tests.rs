use super::*;
use crate::ledger::event::{Effect, TypeMap};

fn rules(text: &str) -> Rules {
    TypeMap::from_toml_str(text).unwrap().rules().clone()
}

fn refused(text: &str) -> (usize, String) {
    TypeMap::from_toml_str(text).unwrap_err()
}

fn path(p: &str) -> From {
    From::Path(Path::parse(p).unwrap())
}

#[test]
fn every_rule_form_is_read() {
    let r = rules(
        r#"credit = ["SalaryPaid"]

[state.AddressChanged]
set = { address = "address", city = "meta.city" }

[state.AccountFrozen]
set = { status = "'frozen'" }

[state.LimitRaised]
add = { limit = "amount", bonus = "'5.50'" }

[state.AccountClosed]
set = { status = "'closed'" }
unset = ["limit"]

[state.KycPassed.set]
kyc = "data.level"
"#,
    );
    let ops = |t: &str| r.rule(t).unwrap().ops.clone();
    assert_eq!(
        ops("ADDRESS_CHANGED"),
        vec![
            Op::Set {
                field: "address".into(),
                from: path("address")
            },
            Op::Set {
                field: "city".into(),
                from: path("meta.city")
            },
        ]
    );
    assert_eq!(
        ops("ACCOUNT_FROZEN"),
        vec![Op::Set {
            field: "status".into(),
            from: From::Literal("frozen".into())
        }]
    );
    assert_eq!(
        ops("LIMIT_RAISED"),
        vec![
            Op::Add {
                field: "bonus".into(),
                from: From::Literal("5.50".into())
            },
            Op::Add {
                field: "limit".into(),
                from: path("amount")
            },
        ]
    );
    let closed = ops("ACCOUNT_CLOSED");
    assert!(closed.contains(&Op::Unset {
        field: "limit".into()
    }));
    assert_eq!(
        ops("KYC_PASSED"),
        vec![Op::Set {
            field: "kyc".into(),
            from: path("data.level")
        }]
    );
    assert_eq!(
        r.rule("AddressChanged"),
        None,
        "looked up by normalised name"
    );
    assert!(r.checks().is_empty());
}

#[test]
fn a_type_with_a_rule_is_no_unknown_type_and_keeps_a_money_effect() {
    let map = TypeMap::from_toml_str(
        "[state.AccountFrozen]\nset = { status = \"'frozen'\" }\n[state.Deposit]\nset = { last = \"'d'\" }\n",
    )
    .unwrap();
    assert_eq!(map.effect("account-frozen"), Effect::Ignore);
    assert_eq!(map.effect("DEPOSIT"), Effect::Credit);
    assert_eq!(map.effect("Mystery"), Effect::Unknown);
}

#[test]
fn the_default_rule_takes_names_ending_in_changed_updated_or_set() {
    let map = TypeMap::default();
    for name in [
        "AddressChanged",
        "address_changed",
        "ProfileUpdated",
        "LIMIT_SET",
        "Changed",
    ] {
        assert_eq!(map.effect(name), Effect::Ignore, "{name}");
    }
    for name in ["Reset", "Unchanged", "SetLimit", "Changes", "Mystery"] {
        assert_eq!(map.effect(name), Effect::Unknown, "{name}");
    }
    // A team's own effect wins over the default.
    let map = TypeMap::from_toml_str("debit = [\"FeeSet\"]\n").unwrap();
    assert_eq!(map.effect("FeeSet"), Effect::Debit);
}

#[test]
fn checks_are_read_in_order() {
    let r = rules(
        r#"[[check]]
name = "large withdrawal"
when = "type:withdraw amount:>10000"

[[check]]
name = "frozen and moving"
when = "status = frozen and type:withdraw"
"#,
    );
    let names: Vec<&str> = r.checks().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, vec!["large withdrawal", "frozen and moving"]);
    assert_eq!(r.checks()[0].when.text(), "type:withdraw amount:>10000");
    assert!(r.checks()[1].when.has_state_terms());
}

#[test]
fn every_bad_rules_file_is_refused_with_its_line() {
    let cases: &[(&str, usize, &str)] = &[
        ("state = 3\n", 1, "must be tables of event types"),
        ("[state]\nAddressChanged = 1\n", 2, "must be a table"),
        ("credit = []\n[state.X]\n", 2, "has no set, add or unset"),
        (
            "[state.X]\nput = { a = \"b\" }\n",
            2,
            "`put` is not part of a state rule",
        ),
        ("[state.X]\nset = \"address\"\n", 2, "`set` must be a table"),
        ("[state.X]\n\nset = { a = 3 }\n", 3, "must be a path"),
        ("[state.X]\nset = { a = \"\" }\n", 2, "an empty path"),
        ("[state.X]\nset = { a = \"m..c\" }\n", 2, "empty part"),
        ("[state.X]\nset = { a = \"'open\" }\n", 2, "is not closed"),
        (
            "[state.X]\nadd = { a = \"'ten'\" }\n",
            2,
            "`add` takes a number",
        ),
        ("[state.X]\nunset = \"a\"\n", 2, "`unset` must be an array"),
        ("[state.X]\nunset = [1]\n", 2, "must hold field names"),
        (
            "[state.X]\nset = { a = \"p\" }\nunset = [\"a\"]\n",
            3,
            "changes `a` twice",
        ),
        (
            "[state.X]\nset = { balance = \"p\" }\n",
            2,
            "is the account's balance",
        ),
        ("[state.X]\nset = { \"\" = \"p\" }\n", 2, "empty field"),
        (
            "[state.FooChanged]\nset = { a = \"p\" }\n[state.foo-changed]\nset = { b = \"q\" }\n",
            3,
            "are one type",
        ),
        ("[state.\" \"]\nset = { a = \"p\" }\n", 1, "empty type name"),
        ("check = 1\n", 1, "must be [[check]] tables"),
        (
            "[[check]]\nname = \"x\"\n",
            1,
            "needs both `name` and `when`",
        ),
        ("[[check]]\nwhen = \"type:fee\"\n", 1, "needs both"),
        (
            "[[check]]\nname = \"\"\nwhen = \"type:fee\"\n",
            2,
            "non-empty string",
        ),
        ("[[check]]\nname = \"x\"\nwhen = 5\n", 3, "must be a string"),
        (
            "[[check]]\nname = \"x\"\nwhen = \"type:fee\"\nlevel = 2\n",
            4,
            "`level` is not part of a check",
        ),
        (
            "[[check]]\nname = \"x\"\n\nwhen = \"type:fee amount:>ten\"\n",
            4,
            "column 18",
        ),
        (
            "[[check]]\nname = \"x\"\nwhen = \"a\"\n[[check]]\nname = \"x\"\nwhen = \"type:fee\"\n",
            3,
            "`a` is not a condition",
        ),
        (
            "[[check]]\nname = \"x\"\nwhen = \"type:fee\"\n[[check]]\nname = \"x\"\nwhen = \"type:fee\"\n",
            4,
            "two checks are named `x`",
        ),
        ("[state.X]\nset = { a = \"p\" \n", 2, ""),
    ];
    for (text, line, message) in cases {
        let (got_line, got) = refused(text);
        assert_eq!(got_line, *line, "{text:?}: {got}");
        assert!(got.contains(message), "{text:?}: {got}");
    }
}

#[test]
fn a_file_without_rules_has_none() {
    assert_eq!(rules("credit = [\"A\"]\n"), Rules::default());
    let r = rules(include_str!("../../../assets/types.toml"));
    assert!(r.checks().is_empty());
}
