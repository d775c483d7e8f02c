use super::json::PG_EPOCH_MICROS;
use super::members::members_of;
use super::*;
use crate::ledger::json::read::members as scan_members;
use crate::ledger::record::parse_record;

#[test]
fn a_query_must_give_an_account_a_type_and_a_time() {
    let q = Layout::Query { sql: String::new() };
    assert_eq!(
        q.missing_columns(&["seq", "account", "kind", "created_at"])
            .unwrap(),
        "--query gives no column for type (type/eventType/event_type) and no `data` column to \
         read them from (its columns: seq, account, kind, created_at)"
    );
    assert_eq!(q.missing_columns(&["account_id", "event_type", "ts"]), None);
    assert_eq!(q.missing_columns(&["seq", "data"]), None);
    assert!(
        q.missing_columns(&[])
            .unwrap()
            .ends_with("(its columns: none)")
    );
    assert_eq!(Layout::MessageDb.missing_columns(&[]), None);
}
use crate::source::pg::copy::TupleReader;

fn render(layout: &Layout, fields: &[Option<Vec<u8>>]) -> (String, u64) {
    let row: Vec<Option<&[u8]>> = fields.iter().map(Option::as_deref).collect();
    let bytes = super::super::copy::stream(&[row]);
    let mut r = TupleReader::new(&bytes[..], false).unwrap();
    let t = r.next_tuple().unwrap().unwrap();
    let mut out = Vec::new();
    let line = layout.render(&t, 1, &mut out);
    (String::from_utf8(out).unwrap(), line)
}

fn text(s: &str) -> Option<Vec<u8>> {
    Some(s.as_bytes().to_vec())
}

fn message(stream: &str, data: Option<&str>) -> Vec<Option<Vec<u8>>> {
    // 2024-03-01T12:00:00.123456Z in microseconds since 2000-01-01.
    let micros: i64 = 1_709_294_400_123_456 - PG_EPOCH_MICROS;
    vec![
        Some(42i64.to_be_bytes().to_vec()),
        Some(3i64.to_be_bytes().to_vec()),
        Some((0u8..16).collect()),
        text(stream),
        text("Deposited"),
        Some(micros.to_be_bytes().to_vec()),
        data.map(|d| [&[1u8][..], d.as_bytes()].concat()),
        Some(b"\x01{\"correlationStreamName\": \"x\"}".to_vec()),
    ]
}

#[test]
fn a_message_db_row_keeps_the_exact_amount() {
    let (json, line) = render(
        &Layout::MessageDb,
        &message(
            "account-7",
            Some(r#"{"to": "acc-2", "amount": 9007199254740993.07, "accountId": "acc-1"}"#),
        ),
    );
    assert_eq!(line, 42);
    let f = parse_record(&json).unwrap();
    assert_eq!(f.account, "acc-1");
    assert_eq!(f.amount.unwrap().to_string(), "9007199254740993.07");
    assert_eq!(f.to.as_deref(), Some("acc-2"));
    assert_eq!(f.seq, Some(42));
    assert_eq!(f.kind, "Deposited");
    assert_eq!(f.ts, 1_709_294_400_123);
    assert_eq!(
        f.id.as_deref(),
        Some("00010203-0405-0607-0809-0a0b0c0d0e0f")
    );
    assert!(
        json.contains(r#""timestamp":"2024-03-01T12:00:00.123456Z""#),
        "{json}"
    );
    assert!(
        json.contains(r#""meta":{"correlationStreamName": "x"}"#),
        "{json}"
    );
}

#[test]
fn the_account_falls_back_to_the_stream_id() {
    let (json, _) = render(
        &Layout::MessageDb,
        &message("account:command-12-34", Some(r#"{"amount": "5"}"#)),
    );
    assert_eq!(parse_record(&json).unwrap().account, "12-34");
    let (json, _) = render(&Layout::MessageDb, &message("account-9", None));
    let f = parse_record(&json).unwrap();
    assert_eq!(f.account, "9");
    assert_eq!(f.amount, None);
    // A stream without an id and no accountId: the record says what is missing.
    let (json, _) = render(&Layout::MessageDb, &message("account", Some("[1]")));
    assert!(parse_record(&json).is_err());
}

#[test]
fn eventsourcing_rows_unwrap_transcoded_values() {
    let state = r#"{"amount":{"_type_":"decimal_str","_data_":"12.30"},"timestamp":{"_type_":"datetime_iso","_data_":"2024-03-01T12:00:00.5+00:00"},"to":{"_type_":"uuid_hex","_data_":"000102030405060708090a0b0c0d0e0f"}}"#;
    let (json, line) = render(
        &Layout::Eventsourcing {
            table: "x".to_string(),
        },
        &[
            Some(5i64.to_be_bytes().to_vec()),
            text("8c1b0a2e-0000-4000-8000-000000000001"),
            Some(2i64.to_be_bytes().to_vec()),
            text("bank.domain:Account.MoneyTransferred"),
            text(state),
        ],
    );
    assert_eq!(line, 5);
    let f = parse_record(&json).unwrap();
    assert_eq!(f.account, "8c1b0a2e-0000-4000-8000-000000000001");
    assert_eq!(f.kind, "MoneyTransferred");
    assert_eq!(f.amount.unwrap().to_string(), "12.30");
    assert_eq!(f.ts, 1_709_294_400_500);
    assert_eq!(
        f.to.as_deref(),
        Some("00010203-0405-0607-0809-0a0b0c0d0e0f")
    );
}

#[test]
fn query_rows_read_data_with_the_aliases() {
    let row = r#"{"seq":7,"account":"acc-1","amount":1.10,"data":{"accountId":"other","eventType":"DEPOSIT","ts":"2024-03-01 12:00"}}"#;
    let (json, line) = render(&Layout::Query { sql: String::new() }, &[text(row)]);
    assert_eq!(line, 7);
    let f = parse_record(&json).unwrap();
    // A column wins over data; data fills in what the columns lack.
    assert_eq!(f.account, "acc-1");
    assert_eq!(f.kind, "DEPOSIT");
    assert_eq!(f.amount.unwrap().to_string(), "1.10");
    assert_eq!(f.ts, 1_709_294_400_000);
    // A bytea column holding JSON.
    let row = r#"{"seq":8,"data":"\\x7b2274797065223a2244455030534954227d"}"#;
    let (json, _) = render(&Layout::Query { sql: String::new() }, &[text(row)]);
    assert!(json.contains(r#""type":"DEP0SIT""#), "{json}");
}

#[test]
fn the_plain_scan_agrees_with_serde() {
    let docs = [
        r#"{"to": "b", "amount": 9007199254740993.07, "accountId": "acc-1"}"#,
        r#"{"a": {"amount": 1, "s": "}\"{"}, "amount": -1.5e3, "x": [1, {"to": 2}], "to": null}"#,
        r#"{"accountId": "a\"b\\", "amount": "12.30", "accountId": "second"}"#,
        r#" { "amount" : true , "to":"é→" } "#,
        r#"{}"#,
        r#"{"a\u0041": 1, "amount": 2}"#,
        r#"[1, 2]"#,
        r#""text""#,
    ];
    for doc in docs {
        let serde = top_members(doc, &["accountId", "amount", "to"]).map(|m| {
            m.iter()
                .map(|v| v.map(|r| r.get().to_string()))
                .collect::<Vec<_>>()
        });
        let scan = members_of(doc.as_bytes(), ["accountId", "amount", "to"]).map(|m| {
            m.iter()
                .map(|v| v.map(|b| String::from_utf8(b.to_vec()).unwrap()))
                .collect::<Vec<_>>()
        });
        assert_eq!(scan, serde, "{doc}");
    }
    assert_eq!(scan_members(br#"{"a\u0041": 1}"#, ["x"]), None);
}

#[test]
fn filters_and_names() {
    let f = Filter {
        after: Some(10),
        also: vec![3, 7],
    };
    assert!(
        Layout::MessageDb
            .select(&f)
            .contains("WHERE global_position > 10 OR global_position = ANY('{3,7}'::bigint[])")
    );
    assert_eq!(
        quote_name("public.my\"events"),
        "\"public\".\"my\"\"events\""
    );
    let q = Layout::Query {
        sql: "select 1 as seq; ".to_string(),
    };
    assert_eq!(
        q.select(&Filter::default()),
        "SELECT row_to_json(q)::text FROM (select 1 as seq) AS q"
    );
}
