use proptest::prelude::*;
use serde_json::Value;

use super::*;

#[test]
fn numbers_and_uuids_are_written_as_serde_and_uuid_write_them() {
    let mut out = Vec::new();
    for n in [0, 7, 10, u64::MAX] {
        out.clear();
        push_u64(&mut out, n);
        assert_eq!(out, n.to_string().as_bytes());
    }
    for n in [0, -1, i64::MIN, i64::MAX] {
        out.clear();
        push_i64(&mut out, n);
        assert_eq!(out, n.to_string().as_bytes());
    }
    out.clear();
    let id: Vec<u8> = (0u8..16).map(|b| b * 17).collect();
    push_uuid(&mut out, &id);
    assert_eq!(out, b"\"00112233-4455-6677-8899-aabbccddeeff\"");
    out.clear();
    push_new_uuid(&mut out);
    let text: String = serde_json::from_slice(&out).unwrap();
    assert_eq!(uuid::Uuid::parse_str(&text).unwrap().get_version_num(), 4);
}

#[test]
fn compacting_keeps_strings_whole() {
    let mut out = Vec::new();
    push_compact(&mut out, "{ \"a b\" : [1, 2],\n \"c\": \"x \\\" y\" }");
    assert_eq!(into_string(out), "{\"a b\":[1,2],\"c\":\"x \\\" y\"}");
}

/// JSON values with random nesting and text, control characters included.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        "[ -~é\\n\\t\"\\\\\u{1}\u{7f}\u{202e}]{0,8}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(any::<String>(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Writes a value with the writers here (objects and arrays opened and closed by hand).
fn write(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => push_raw(out, "null"),
        Value::Bool(b) => push_raw(out, if *b { "true" } else { "false" }),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => push_u64(out, u),
            (None, Some(i)) => push_i64(out, i),
            _ => push_raw(out, &n.to_string()),
        },
        Value::String(s) => push_str(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(out, item);
            }
            out.push(b']');
        }
        Value::Object(members) => {
            out.push(b'{');
            for (k, v) in members {
                key(out, k);
                write(out, v);
            }
            out.push(b'}');
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn what_is_written_parses_to_the_value_written(v in value()) {
        let mut out = Vec::new();
        write(&mut out, &v);
        let back: Value = serde_json::from_slice(&out).expect("the writers write JSON");
        prop_assert_eq!(&back, &v);
        // Compacted, pretty JSON is the same value on one line.
        let pretty = serde_json::to_string_pretty(&v).expect("values serialize");
        let mut compact = Vec::new();
        push_compact(&mut compact, &pretty);
        prop_assert!(!compact.contains(&b'\n'));
        let back: Value = serde_json::from_slice(&compact).expect("compacted JSON is JSON");
        prop_assert_eq!(back, v);
    }

    #[test]
    fn text_bytes_are_a_string_of_their_text(b in prop::collection::vec(any::<u8>(), 0..24)) {
        let mut out = Vec::new();
        push_text(&mut out, &b);
        match std::str::from_utf8(&b) {
            Ok(text) => {
                let back: String = serde_json::from_slice(&out).expect("a JSON string");
                prop_assert_eq!(back, text);
            }
            // Bytes that are not UTF-8 are left for the record's check, or replaced when they
            // must be escaped anyway.
            Err(_) => prop_assert!(out.starts_with(b"\"") && out.ends_with(b"\"")),
        }
    }
}
