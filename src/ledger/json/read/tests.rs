use proptest::prelude::*;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::*;

#[test]
fn special_bytes_are_found_in_any_position() {
    for at in 0..8 {
        for c in [b'"', b'\\', 0x00, 0x1f] {
            let mut word = [b'a'; 8];
            word[at] = c;
            assert!(has_special(u64::from_le_bytes(word)), "{c} at {at}");
        }
    }
    assert!(!has_special(u64::from_le_bytes(*b"acc-0279")));
    assert!(!has_special(u64::from_le_bytes(*b" ~!#[]{}")));
}

/// The first occurrence of each wanted member, as serde_json reads the object.
fn serde_members(json: &str, wanted: &[&str]) -> Option<Vec<Option<String>>> {
    struct Wanted<'w>(&'w [&'w str]);
    impl<'de> Visitor<'de> for Wanted<'_> {
        type Value = Vec<Option<String>>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut found = vec![None; self.0.len()];
            while let Some(k) = map.next_key::<String>()? {
                match self.0.iter().position(|w| *w == k) {
                    Some(i) if found[i].is_none() => {
                        let v: &RawValue = map.next_value()?;
                        found[i] = Some(v.get().to_string());
                    }
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(found)
        }
    }
    let mut d = serde_json::Deserializer::from_str(json);
    let found = d.deserialize_map(Wanted(wanted)).ok()?;
    d.end().ok()?;
    Some(found)
}

const WANTED: [&str; 3] = ["accountId", "amount", "to"];

fn members_agree(doc: &str) {
    let scan = members(doc.as_bytes(), WANTED).map(|m| {
        m.iter()
            .map(|v| v.map(|b| String::from_utf8(b.to_vec()).expect("UTF-8")))
            .collect::<Vec<_>>()
    });
    if let Some(scan) = scan {
        let serde = serde_members(doc, &WANTED);
        assert_eq!(Some(scan), serde, "{doc:?}");
    }
}

#[test]
fn members_are_those_serde_reads_or_none() {
    for doc in [
        r#"{"to": "b", "amount": 9007199254740993.07, "accountId": "acc-1"}"#,
        r#"{"a": {"amount": 1, "s": "}\"{"}, "amount": -1.5e3, "x": [1, {"to": 2}], "to": null}"#,
        r#"{"accountId": "a\"b\\", "amount": "12.30", "accountId": "second"}"#,
        r#" { "amount" : true , "to":"é→" } "#,
        r#"{}"#,
    ] {
        assert!(members(doc.as_bytes(), WANTED).is_some(), "{doc}");
        members_agree(doc);
    }
    for doc in [
        r#"{"a\u0041": 1, "amount": 2}"#,
        r#"[1, 2]"#,
        r#""text""#,
        r#"{"amount": tru}"#,
        r#"{"amount": 1} x"#,
        r#"{"amount": 01}"#,
        "{\"to\": \"a\tb\"}",
    ] {
        assert!(members(doc.as_bytes(), WANTED).is_none(), "{doc}");
    }
}

#[test]
fn an_array_element_ends_at_its_comma_or_bracket() {
    let text = b"[{\"a\":\"x,]\"}\n, 12 ,{\"b\":[1,\n2]}]";
    let (end, lines) = array_element_end(text, 1);
    assert_eq!(&text[1..end], b"{\"a\":\"x,]\"}\n");
    assert_eq!((text[end], lines), (b',', 1));
    let (end, lines) = array_element_end(text, 15);
    assert_eq!((&text[15..end], lines), (&b"12 "[..], 0));
    let (end, lines) = array_element_end(text, 19);
    assert_eq!((&text[19..end], lines), (&b"{\"b\":[1,\n2]}"[..], 1));
    // Not JSON: cut at the first comma outside strings and brackets, newlines in strings counted.
    let bad = b"{\"a\":tru, \"s\":\"\n\"}, 2";
    let (end, lines) = array_element_end(bad, 0);
    assert_eq!((&bad[..end], lines), (&b"{\"a\":tru, \"s\":\"\n\"}"[..], 1));
    let junk = b"{\"a\":1} x\n, 2";
    assert_eq!(array_element_end(junk, 0), (10, 1));
    assert_eq!(array_element_end(b"  ", 2), (2, 0));
}

/// JSON values with random nesting and text.
fn value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::json!(null)),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        "[ -~é\\n\"\\\\,\\]\\[{}]{0,8}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map("(accountId|amount|to|[a-z]{0,3})", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Pieces documents are made of, valid and not.
const PIECES: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    " ",
    "\n",
    "\"",
    "\\",
    "\\u00e9",
    "\\x",
    "\u{1}",
    "\"amount\"",
    "\"to\"",
    "\"accountId\"",
    "\"a\"",
    "0",
    "01",
    "-",
    "1.5",
    "1.",
    "2e3",
    "true",
    "nul",
    "é",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn members_of_valid_objects_are_taken_and_agree(v in value(), pretty in any::<bool>()) {
        let doc = if pretty {
            serde_json::to_string_pretty(&v)
        } else {
            serde_json::to_string(&v)
        }
        .expect("values serialize");
        if v.is_object() {
            prop_assert!(members(doc.as_bytes(), WANTED).is_some(), "{}", doc);
        }
        members_agree(&doc);
    }

    #[test]
    fn members_of_pieces_agree_with_serde(
        pieces in prop::collection::vec(prop::sample::select(PIECES), 0..30)
    ) {
        members_agree(&pieces.concat());
    }

    /// The elements of an array as serde_json writes it, pretty or not, are its values.
    #[test]
    fn array_elements_are_the_values_of_the_array(
        values in prop::collection::vec(value(), 0..6),
        pretty in any::<bool>(),
    ) {
        let array = serde_json::Value::from(values);
        let text = if pretty {
            serde_json::to_string_pretty(&array)
        } else {
            serde_json::to_string(&array)
        }
        .expect("values serialize");
        let b = text.as_bytes();
        let mut i = skip_ws(b, 1);
        let mut found = Vec::new();
        while b.get(i).is_some_and(|c| *c != b']') {
            let (end, lines) = array_element_end(b, i);
            // Every line the element spans is counted, as the lines of the log are.
            prop_assert_eq!(lines, memchr::memchr_iter(b'\n', &b[i..end]).count() as u64);
            let element: serde_json::Value =
                serde_json::from_slice(&b[i..end]).expect("an element is a value");
            found.push(element);
            i = if b[end] == b',' { skip_ws(b, end + 1) } else { end };
        }
        // (Read back by the same parser: serde_json reads floats to the nearest, not exactly.)
        let whole: Vec<serde_json::Value> = serde_json::from_str(&text).expect("an array");
        prop_assert_eq!(found, whole);
    }
}
