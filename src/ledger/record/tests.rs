use super::*;

#[test]
fn canonical_fields() {
    let f = parse_record(
        r#"{"seq":3,"eventId":"e-1","accountId":"acc-1","type":"DEPOSIT","amount":"100.00","timestamp":"2024-03-01T12:00:00.000Z","meta":{"k":1}}"#,
    )
    .unwrap();
    assert_eq!(f.account, "acc-1");
    assert_eq!(f.kind, "DEPOSIT");
    assert_eq!(f.amount.unwrap().to_string(), "100.00");
    assert_eq!(f.ts, 1_709_294_400_000);
    assert_eq!(f.id.as_deref(), Some("e-1"));
    assert_eq!(f.seq, Some(3));
    assert_eq!(f.seal, None);
}

#[test]
fn every_alias_is_accepted() {
    for (canonical, aliases) in ALIASES {
        for alias in *aliases {
            let mut obj = serde_json::json!({
                "accountId": "a", "type": "DEPOSIT", "timestamp": 1, "amount": 1,
                "eventId": "x", "to": "b", "seq": 1
            });
            let map = obj.as_object_mut().unwrap();
            let value = map.remove(*canonical).unwrap();
            map.insert((*alias).to_string(), value.clone());
            let text = obj.to_string();
            let f = parse_record(&text).unwrap_or_else(|e| panic!("{alias}: {e:?}"));
            match *canonical {
                "accountId" => assert_eq!(f.account, "a"),
                "type" => assert_eq!(f.kind, "DEPOSIT"),
                "timestamp" => assert_eq!(f.ts, 1),
                "eventId" => assert_eq!(f.id.as_deref(), Some("x")),
                "to" => assert_eq!(f.to.as_deref(), Some("b")),
                "amount" => assert_eq!(f.amount.unwrap().to_string(), "1"),
                "seq" => assert_eq!(f.seq, Some(1)),
                _ => unreachable!(),
            }
        }
    }
}

#[test]
fn the_first_alias_in_the_table_wins() {
    let f = parse_record(
        r#"{"account":"second","accountId":"first","ts":5,"timestamp":7,"eventType":"X","type":"Y"}"#,
    )
    .unwrap();
    assert_eq!(f.account, "first");
    assert_eq!(f.ts, 7);
    assert_eq!(f.kind, "Y");
    let f = parse_record(r#"{"account_id":"c","account":"b","type":"T","time":1}"#).unwrap();
    assert_eq!(f.account, "b");
}

#[test]
fn field_names_are_case_sensitive() {
    let e = parse_record(r#"{"AccountId":"a","type":"T","timestamp":1}"#).unwrap_err();
    assert_eq!(e.kind, ProblemKind::MissingField);
    assert!(e.message.contains("accountId"), "{}", e.message);
}

#[test]
fn number_amounts_are_read_from_their_digits() {
    let f = parse_record(
        r#"{"accountId":"a","type":"DEPOSIT","timestamp":1,"amount":9007199254740993.07}"#,
    )
    .unwrap();
    assert_eq!(f.amount.unwrap().to_string(), "9007199254740993.07");
}

#[test]
fn node_format_epoch_millis() {
    let f = parse_record(
        r#"{"accountId":"acc-1","type":"DEPOSIT","amount":1000,"timestamp":1709294400000}"#,
    )
    .unwrap();
    assert_eq!(f.ts, 1_709_294_400_000);
}

#[test]
fn escaped_strings_are_decoded() {
    let f =
        parse_record(r#"{"accountId":"a\u0041\"","type":"DEP\u004fSIT","timestamp":1}"#).unwrap();
    assert_eq!(f.account, "aA\"");
    assert_eq!(f.kind, "DEPOSIT");
}

#[test]
fn numeric_ids_and_accounts() {
    let f = parse_record(r#"{"accountId":42,"type":"T","timestamp":1,"id":7,"to":43}"#).unwrap();
    assert_eq!(f.account, "42");
    assert_eq!(f.id.as_deref(), Some("7"));
    assert_eq!(f.to.as_deref(), Some("43"));
}

#[test]
fn bad_records_say_why() {
    let cases = [
        ("{not json", ProblemKind::BadJson),
        ("[1,2]", ProblemKind::BadJson),
        (r#"{"type":"T","timestamp":1}"#, ProblemKind::MissingField),
        (
            r#"{"accountId":"a","timestamp":1}"#,
            ProblemKind::MissingField,
        ),
        (r#"{"accountId":"a","type":"T"}"#, ProblemKind::MissingField),
        (
            r#"{"accountId":"","type":"T","timestamp":1}"#,
            ProblemKind::MissingField,
        ),
        (
            r#"{"accountId":"a","type":"T","timestamp":"noon"}"#,
            ProblemKind::BadTime,
        ),
        (
            r#"{"accountId":"a","type":"T","timestamp":1.5}"#,
            ProblemKind::BadTime,
        ),
        (
            r#"{"accountId":"a","type":"T","timestamp":true}"#,
            ProblemKind::BadTime,
        ),
        (
            r#"{"accountId":"a","type":"T","timestamp":1,"amount":"ten"}"#,
            ProblemKind::BadAmount,
        ),
        (
            r#"{"accountId":"a","type":"T","timestamp":1,"amount":[1]}"#,
            ProblemKind::BadAmount,
        ),
        (
            r#"{"accountId":"a","type":"T","timestamp":1,"amount":1e999}"#,
            ProblemKind::BadAmount,
        ),
        (
            r#"{"accountId":{},"type":"T","timestamp":1}"#,
            ProblemKind::BadField,
        ),
        (
            r#"{"accountId":"a","type":5,"timestamp":1}"#,
            ProblemKind::BadField,
        ),
        (
            r#"{"accountId":"a","type":"T","timestamp":1,"seq":-1}"#,
            ProblemKind::BadField,
        ),
        (
            r#"{"accountId":"a","type":"T","timestamp":1,"seq":18446744073709551615}"#,
            ProblemKind::BadField,
        ),
        (
            r#"{"accountId":"a","type":"T","timestamp":1,"seq":9223372036854775808}"#,
            ProblemKind::BadField,
        ),
        (
            r#"{"accountId":"a","type":"T","timestamp":1,"hash":"00"}"#,
            ProblemKind::ChainBroken,
        ),
    ];
    for (text, kind) in cases {
        let e = parse_record(text).unwrap_err();
        assert_eq!(e.kind, kind, "{text}: {}", e.message);
        assert!(!e.message.contains('\n'));
    }
}

#[test]
fn the_largest_seq_is_taken_and_no_larger() {
    let f =
        parse_record(r#"{"accountId":"a","type":"T","ts":1,"seq":9223372036854775807}"#).unwrap();
    assert_eq!(f.seq, Some(MAX_SEQ));
    let e = parse_record(r#"{"accountId":"a","type":"T","ts":1,"seq":"18446744073709551615"}"#)
        .unwrap_err();
    assert!(e.message.contains("largest seq"), "{}", e.message);
}

#[test]
fn null_members_count_as_absent() {
    let f = parse_record(
        r#"{"accountId":"a","type":"T","timestamp":1,"amount":null,"to":null,"id":null}"#,
    )
    .unwrap();
    assert_eq!(f.amount, None);
    assert_eq!(f.to, None);
    assert_eq!(f.id, None);
    // A null alias gives way to the next one that has a value, wherever it stands.
    let f = parse_record(
        r#"{"accountId":null,"account":"b","type":null,"event_type":"T","timestamp":null,"time":5,"id":"x","eventId":null}"#,
    )
    .unwrap();
    assert_eq!(f.account, "b");
    assert_eq!(f.kind, "T");
    assert_eq!(f.ts, 5);
    assert_eq!(f.id.as_deref(), Some("x"));
    let f = parse_record(r#"{"account":"b","accountId":null,"type":"T","ts":1}"#).unwrap();
    assert_eq!(f.account, "b");
    // An empty id identifies nothing.
    let f = parse_record(r#"{"accountId":"a","type":"T","ts":1,"eventId":""}"#).unwrap();
    assert_eq!(f.id, None);
}

#[test]
fn a_member_given_twice_is_noticed_whatever_its_name() {
    for text in [
        r#"{"accountId":"a","type":"DEPOSIT","ts":1,"amount":"1","amount":"1000"}"#,
        r#"{"accountId":"a","accountId":"b","type":"DEPOSIT","ts":1}"#,
        r#"{"accountId":"a","type":"DEPOSIT","type":"ACCOUNT_CLOSED","ts":1}"#,
        r#"{"accountId":"a","type":"T","ts":1,"seq":1,"seq":2}"#,
        r#"{"accountId":"a","type":"T","ts":1,"meta":{},"meta":{"x":1}}"#,
        r#"{"accountId":"a","type":"T","ts":1,"note":1,"x":2,"note":3}"#,
        // The same name, one spelled with an escape.
        r#"{"accountId":"a","type":"T","ts":1,"amount":1,"amount":2}"#,
        r#"{"accountId":"a","type":"T","ts":1,"note":1,"note":2}"#,
    ] {
        let f = parse_record(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        assert!(f.repeated, "{text}");
        assert!(repeated_member(text).is_some(), "{text}");
    }
    let (name, values) = repeated_member(
        r#"{"accountId":"a","type":"DEPOSIT","ts":1,"amount":"1","amount":"1000"}"#,
    )
    .unwrap();
    assert_eq!(
        (name.as_str(), values),
        (
            "amount",
            vec![r#""1""#.to_string(), r#""1000""#.to_string()]
        )
    );
    // Aliases of one meaning are different names: the first in the table wins, as always.
    for text in [
        r#"{"accountId":"a","account":"b","type":"T","ts":1,"time":2}"#,
        r#"{"accountId":"a","type":"T","ts":1,"meta":{"k":1,"k":2}}"#,
    ] {
        let f = parse_record(text).unwrap();
        assert!(!f.repeated, "{text}");
    }
}

#[test]
fn members_keep_order_and_raw_text() {
    let m = members(r#"{"b":1.10,"a":{"x":[1, 2]},"c":"s"}"#).unwrap();
    assert_eq!(
        m,
        vec![
            ("b".to_string(), "1.10".to_string()),
            ("a".to_string(), r#"{"x":[1, 2]}"#.to_string()),
            ("c".to_string(), r#""s""#.to_string()),
        ]
    );
}
