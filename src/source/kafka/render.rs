//! A message as a record: its value is the event, completed from the message where the value
//! leaves something out. The message key is the account when the value has none, the message
//! timestamp the time when it has none, and the headers become a `headers` object (when the value
//! has no member of that name). A value that is not a JSON object is kept as it is, so that the
//! ledger reports it as it would a line that is not an event; it is never dropped.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::ledger::json::write;
use crate::ledger::record::ALIASES;
use crate::ledger::time::write_time;

/// One message as read from a partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The partition it is in.
    pub partition: u32,
    /// Its offset in the partition.
    pub offset: u64,
    /// Its timestamp, in UTC milliseconds.
    pub time: i64,
    /// Its key, when it has one.
    pub key: Option<Vec<u8>>,
    /// Its value (`None`: a tombstone).
    pub value: Option<Vec<u8>>,
    /// Its headers, by name.
    pub headers: BTreeMap<String, Vec<u8>>,
}

/// What the value's top-level members already give.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Gives {
    account: bool,
    time: bool,
    headers: bool,
    members: usize,
}

fn is_alias(name: &str, canonical: &str) -> bool {
    ALIASES
        .iter()
        .find(|(c, _)| *c == canonical)
        .is_some_and(|(_, names)| names.contains(&name))
}

/// Reads a key without keeping it: only what it is matters.
struct KeyKind;

#[derive(Clone, Copy)]
enum Kind {
    Account,
    Time,
    Headers,
    Other,
}

impl<'de> DeserializeSeed<'de> for KeyKind {
    type Value = Kind;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Kind, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for KeyKind {
    type Value = Kind;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member name")
    }
    fn visit_str<E: de::Error>(self, name: &str) -> Result<Kind, E> {
        Ok(if is_alias(name, "accountId") {
            Kind::Account
        } else if is_alias(name, "timestamp") {
            Kind::Time
        } else if name == "headers" {
            Kind::Headers
        } else {
            Kind::Other
        })
    }
}

struct ObjectKeys;

impl<'de> Visitor<'de> for ObjectKeys {
    type Value = Gives;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Gives, A::Error> {
        let mut gives = Gives::default();
        while let Some(kind) = map.next_key_seed(KeyKind)? {
            map.next_value::<IgnoredAny>()?;
            gives.members += 1;
            match kind {
                Kind::Account => gives.account = true,
                Kind::Time => gives.time = true,
                Kind::Headers => gives.headers = true,
                Kind::Other => {}
            }
        }
        Ok(gives)
    }
}

/// What a value's members give, when it is one JSON object.
fn object_gives(value: &[u8]) -> Option<Gives> {
    let mut d = serde_json::Deserializer::from_slice(value);
    let gives = d.deserialize_map(ObjectKeys).ok()?;
    d.end().ok()?;
    Some(gives)
}

/// Appends the message's record to `out`, on one line (without its newline).
pub fn render(m: &Message, out: &mut Vec<u8>) {
    let Some(value) = &m.value else {
        // A tombstone: a record that is not an event, reported as such.
        out.extend_from_slice(b"null");
        return;
    };
    let (Some(gives), Ok(text)) = (object_gives(value), std::str::from_utf8(value)) else {
        // Not an object: kept as it is, for the ledger to report, each line break as the
        // control character U+001F so that it stays one record. (Not a space: a line break
        // inside a string is what made some values invalid, and a space would make them valid;
        // a control character is invalid anywhere in JSON, so the value stays refused.)
        out.extend(value.iter().map(|&b| match b {
            b'\n' | b'\r' => 0x1f,
            b => b,
        }));
        return;
    };
    let start = out.len();
    write::push_compact(out, text.trim());
    // The object's closing brace goes back on after the members added.
    if out.last() == Some(&b'}') && out.len() > start {
        out.pop();
    }
    if !gives.account
        && let Some(key) = m.key.as_deref().filter(|k| !k.is_empty())
    {
        write::key(out, "accountId");
        write::push_text(out, key);
    }
    if !gives.time {
        write::key(out, "timestamp");
        out.push(b'"');
        write_time(m.time, out);
        out.push(b'"');
    }
    if !gives.headers && !m.headers.is_empty() {
        write::key(out, "headers");
        out.push(b'{');
        for (name, value) in &m.headers {
            write::key(out, name);
            // Headers are often binary: bytes that are not UTF-8 are shown as U+FFFD.
            write::push_str(out, &String::from_utf8_lossy(value));
        }
        out.push(b'}');
    }
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(value: &str) -> Message {
        Message {
            partition: 1,
            offset: 7,
            time: 1_709_294_400_000,
            key: Some(b"acc-1".to_vec()),
            value: Some(value.as_bytes().to_vec()),
            headers: BTreeMap::new(),
        }
    }

    fn rendered(m: &Message) -> String {
        let mut out = Vec::new();
        render(m, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_key_and_timestamp_fill_in_what_the_value_leaves_out() {
        assert_eq!(
            rendered(&message(r#"{"type":"DEPOSIT","amount":"5.00"}"#)),
            r#"{"type":"DEPOSIT","amount":"5.00","accountId":"acc-1","timestamp":"2024-03-01T12:00:00.000Z"}"#
        );
        // What the value gives is kept, under whichever alias it uses.
        assert_eq!(
            rendered(&message(
                "{\n  \"account\": \"b\",\n  \"type\": \"X\",\n  \"ts\": 5\n}\n"
            )),
            r#"{"account":"b","type":"X","ts":5}"#
        );
        let mut m = message("{}");
        m.headers.insert("source".into(), b"branch \"7\"".to_vec());
        m.key = None;
        assert_eq!(
            rendered(&m),
            r#"{"timestamp":"2024-03-01T12:00:00.000Z","headers":{"source":"branch \"7\""}}"#
        );
        let mut m = message(r#"{"headers":1}"#);
        m.headers.insert("h".into(), b"v".to_vec());
        assert_eq!(
            rendered(&m),
            r#"{"headers":1,"accountId":"acc-1","timestamp":"2024-03-01T12:00:00.000Z"}"#
        );
    }

    #[test]
    fn a_value_that_is_not_an_object_is_kept_for_the_ledger_to_report() {
        for value in [
            "not json",
            "[1,2]",
            "{\"a\":1} trailing",
            "{\"a\":",
            "\"x\"",
        ] {
            assert_eq!(rendered(&message(value)), value);
        }
        assert_eq!(rendered(&message("two\nlines")), "two\u{1f}lines");
        // A line break inside a string made this value invalid; it stays invalid.
        let broken = "{\"accountId\":\"a\nb\",\"type\":\"DEPOSIT\",\"amount\":\"5\"}";
        let shown = rendered(&message(broken));
        assert!(
            serde_json::from_str::<serde_json::Value>(&shown).is_err(),
            "{shown}"
        );
        let mut m = message("");
        m.value = None;
        assert_eq!(rendered(&m), "null");
    }

    #[test]
    fn every_rendered_object_parses_back() {
        for value in [
            r#"{"type":"A","amount":1e2,"meta":{"k":[1,{"x":"y z"}]}}"#,
            r#"{"accountId":"\u00e9\n","type":"B"}"#,
        ] {
            let mut m = message(value);
            m.headers.insert("n\"q".into(), vec![0xff, b'a']);
            let text = rendered(&m);
            let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert!(parsed.get("timestamp").is_some(), "{text}");
        }
    }
}
