//! A strict, fast reader for the common shape of a record: one JSON object whose keys have no
//! escapes. It finds the members rewind reads as raw JSON text and checks that everything else is
//! valid JSON, without building anything.
//!
//! It never decides that a record is wrong: on anything it does not take (an error, an escaped
//! key, a control character, deep nesting) it returns `None`, and the full parser then gives the
//! same members or the exact reason. So whatever it accepts, serde_json accepts too, with the same
//! result. The walking itself is [`crate::ledger::json::read`]'s.

use super::{RawRecord, member_of};
use crate::ledger::json::read::{plain_string_end, quote_at, skip_ws, string_end, value_end};

/// Member names rewind does not read that a record may have for the scanner to take it.
const MAX_OTHERS: usize = 16;

/// The members of the record in `text`, or `None` to let the full parser decide.
pub(super) fn record(text: &str) -> Option<RawRecord<'_>> {
    // Nearly every record has no backslash and no control character: then each string simply
    // ends at the next quote. (A fold, not a search, so that it runs on whole vectors of bytes.)
    let plain = !text
        .bytes()
        .fold(false, |seen, c| seen | (c < 0x20) | (c == b'\\'));
    if plain {
        record_in::<true>(text)
    } else {
        record_in::<false>(text)
    }
}

/// [`record`], knowing whether the text has no backslash and no control character (`PLAIN`).
#[inline(always)]
fn record_in<const PLAIN: bool>(text: &str) -> Option<RawRecord<'_>> {
    let b = text.as_bytes();
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    let mut record = RawRecord::default();
    // The names rewind does not read, to notice one given twice; a record with more of them than
    // this is left to the full parser.
    let mut others: [&[u8]; MAX_OTHERS] = [&[]; MAX_OTHERS];
    let mut n_others = 0;
    i = skip_ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        i += 1;
    } else {
        loop {
            if b.get(i) != Some(&b'"') {
                return None;
            }
            let key_start = i + 1;
            let key_end = if PLAIN {
                quote_at(b, key_start)?
            } else {
                plain_string_end(b, key_start)?
            };
            i = skip_ws(b, key_end + 1);
            if b.get(i) != Some(&b':') {
                return None;
            }
            let value_start = skip_ws(b, i + 1);
            let mut plain = false;
            i = if b.get(value_start) == Some(&b'"') {
                let (end, escaped) = if PLAIN {
                    (quote_at(b, value_start + 1)? + 1, false)
                } else {
                    string_end(b, value_start)?
                };
                plain = !escaped;
                end
            } else {
                value_end(b, value_start, 0)?
            };
            let key = &b[key_start..key_end];
            if let Some(member) = member_of(key) {
                // Both ends are next to ASCII bytes (a quote, a digit, a letter of a literal, a
                // bracket), so they are character boundaries.
                record.offer(member, text.get(value_start..i)?, plain);
            } else {
                // Keys here have no escapes: equal names are equal bytes.
                record.repeated |= others[..n_others].contains(&key);
                *others.get_mut(n_others)? = key;
                n_others += 1;
            }
            i = skip_ws(b, i);
            match b.get(i) {
                Some(b',') => i = skip_ws(b, i + 1),
                Some(b'}') => {
                    i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    (skip_ws(b, i) == b.len()).then_some(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same_as_serde(text: &str) {
        let fast = record(text);
        let full = serde_json::from_str::<RawRecord>(text);
        if let Some(fast) = fast {
            let full = full.unwrap_or_else(|e| panic!("scanner took {text:?}, serde says {e}"));
            assert_eq!(fast, full, "{text:?}");
        }
    }

    #[test]
    fn the_common_shape_is_taken() {
        let text = r#"{"eventId":"5e","accountId":"acc-1","type":"DEPOSIT","amount":"43.80","timestamp":"2024-03-01T00:00:00.800Z"}"#;
        let r = record(text).expect("taken");
        assert_eq!(r.account.value, Some(r#""acc-1""#));
        assert!(r.account.plain);
        assert_eq!(r.amount.value, Some(r#""43.80""#));
        same_as_serde(text);
        let nested = r#" { "accountId" : 12 , "meta": {"a": [1, 2.5e-3, true, null, {"b": "\u00e9\n"}], "c": {}}, "amount": -0.5 } "#;
        let r = record(nested).expect("taken");
        assert_eq!(r.account.value, Some("12"));
        assert_eq!(r.amount.value, Some("-0.5"));
        same_as_serde(nested);
    }

    #[test]
    fn what_it_does_not_take_goes_to_the_full_parser() {
        for text in [
            "",
            "[1]",
            "{",
            "{}x",
            r#"{"a":1,}"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":-}"#,
            r#"{"a":1e}"#,
            r#"{"a":.5}"#,
            r#"{"a":tru}"#,
            r#"{"a":"x\q"}"#,
            r#"{"a":"x\u12"}"#,
            "{\"a\":\"tab\tinside\"}",
            r#"{"account\u0049d":"x"}"#,
            r#"{"a" 1}"#,
            r#"{"a":[1,]}"#,
            r#"{"a":{"b"}}"#,
            r#"{"a":NaN}"#,
            r#"{"a":1 2}"#,
        ] {
            assert!(record(text).is_none(), "{text:?}");
        }
    }

    #[test]
    fn duplicate_and_aliased_keys_resolve_as_in_the_full_parser() {
        for text in [
            r#"{"account":"b","accountId":"a","accountId":"c","ts":1,"timestamp":2}"#,
            r#"{"amount":1,"amount":2}"#,
            r#"{"x":"\"","to":"a\\b","id":"\ud800"}"#,
            r#"{"meta":1,"x":2,"meta":3}"#,
            r#"{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"a":16}"#,
        ] {
            assert!(record(text).is_some(), "{text:?}");
            same_as_serde(text);
        }
    }

    mod props {
        use proptest::prelude::*;

        use super::same_as_serde;

        /// Pieces records are made of, valid and not.
        const PIECES: &[&str] = &[
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            " ",
            "\t",
            "\n",
            "\"",
            "\\",
            "\\u00e9",
            "\\ud800",
            "\\x",
            "\u{1}",
            "\"accountId\"",
            "\"account\"",
            "\"type\"",
            "\"amount\"",
            "\"ts\"",
            "\"to\"",
            "\"seq\"",
            "\"meta\"",
            "\"a\"",
            "\"DEPOSIT\"",
            "\"1.50\"",
            "0",
            "01",
            "-",
            "-0",
            "1.5",
            "1.",
            ".5",
            "2e3",
            "2E-3",
            "1e",
            "true",
            "false",
            "null",
            "nul",
            "é",
            "x",
        ];

        fn record_text() -> impl Strategy<Value = String> {
            prop::collection::vec(prop::sample::select(PIECES), 0..40).prop_map(|p| p.concat())
        }

        /// Valid records with random spacing, nesting and aliases.
        fn valid_record() -> impl Strategy<Value = String> {
            let leaf = prop_oneof![
                Just(serde_json::json!(null)),
                any::<bool>().prop_map(serde_json::Value::from),
                any::<i64>().prop_map(serde_json::Value::from),
                any::<f64>()
                    .prop_filter("finite", |f| f.is_finite())
                    .prop_map(serde_json::Value::from),
                "[ -~é\\n\"\\\\]{0,8}".prop_map(serde_json::Value::from),
            ];
            let value = leaf.prop_recursive(3, 16, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                    prop::collection::btree_map("[a-z]{0,3}", inner, 0..4)
                        .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
                ]
            });
            let key = prop_oneof![
                prop::sample::select(
                    &[
                        "accountId",
                        "account",
                        "type",
                        "amount",
                        "timestamp",
                        "time",
                        "eventId",
                        "id",
                        "to",
                        "seq",
                        "prev",
                        "hash",
                        "meta",
                        "x"
                    ][..]
                )
                .prop_map(String::from),
                "[a-zA-Z_]{0,6}",
            ];
            (prop::collection::vec((key, value), 0..8), any::<bool>()).prop_map(
                |(members, pretty)| {
                    let body: Vec<String> = members
                        .iter()
                        .map(|(k, v)| {
                            let v = if pretty {
                                serde_json::to_string_pretty(v)
                            } else {
                                serde_json::to_string(v)
                            };
                            format!("{}:{}", serde_json::to_string(k).unwrap(), v.unwrap())
                        })
                        .collect();
                    let sep = if pretty { " ,\n " } else { "," };
                    format!("{{{}}}", body.join(sep))
                },
            )
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]

            #[test]
            fn pieces_agree_with_serde(text in record_text()) {
                same_as_serde(&text);
            }

            #[test]
            fn valid_records_are_taken_and_agree(text in valid_record()) {
                prop_assert!(super::super::record(&text).is_some(), "{}", text);
                same_as_serde(&text);
            }
        }
    }
}
