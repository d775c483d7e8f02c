//! Values of fields, and reading them out of a record's payload by path (`meta.city`,
//! `data.address.line1`, `items.0`).
//!
//! A record with a `data` object (a Message DB or `eventsourcing` message, a CloudEvent) keeps
//! its payload there: a path whose first name is not a member of the record is read in `data`
//! (`address` reads `data.address`), and the default rule sets `data`'s members under their own names.
//!
//! The record is read from its raw JSON text each time a rule asks: nothing is stored at load.
//! Numbers are kept as their digits (never through `f64`), so that `add` is exact.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::value::RawValue;

use crate::ledger::money::Money;
use crate::ledger::record::ALIASES;

/// The value of a field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A JSON string (or a literal of a rule).
    Text(String),
    /// A JSON number, as written, or the exact result of an `add`.
    Number(String),
    /// Any other JSON value (`true`, an array, an empty object), as written.
    Json(String),
}

impl Value {
    /// The text shown for the value (a string without its quotes).
    pub fn text(&self) -> &str {
        match self {
            Value::Text(t) | Value::Number(t) | Value::Json(t) => t,
        }
    }

    /// The value as an exact decimal, when it is one (a number, or a string holding one).
    pub fn money(&self) -> Option<Money> {
        match self {
            Value::Text(t) | Value::Number(t) => Money::parse(t).ok(),
            Value::Json(_) => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.text())
    }
}

/// A place in a record: member names from the top, a number indexing an array.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Path {
    text: String,
    segments: Vec<String>,
}

impl Path {
    /// Reads `a.b.c`; refuses an empty path or an empty segment.
    pub fn parse(text: &str) -> Result<Path, String> {
        if text.trim().is_empty() {
            return Err("an empty path".into());
        }
        let segments: Vec<String> = text.split('.').map(str::to_string).collect();
        if segments.iter().any(|s| s.trim().is_empty()) {
            return Err(format!(
                "`{text}` has an empty part (write `a.b`, not `a..b`)"
            ));
        }
        Ok(Path {
            text: text.to_string(),
            segments,
        })
    }

    /// The path as written (`meta.city`).
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// What a path finds in a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    /// The value at the path.
    Value(Value),
    /// Nothing there (or `null`, which rewind reads as absent everywhere).
    Absent,
}

/// A JSON object's members, borrowed from its text (the last of a name given twice).
type Members<'a> = BTreeMap<String, &'a RawValue>;

fn members(text: &str) -> Option<Members<'_>> {
    serde_json::from_str(text).ok()
}

/// The value at `path` in the record `raw`, or in its `data` object when the path's first name
/// is not a member of the record.
pub fn lookup(raw: &str, path: &Path) -> Found {
    let (Some(top), Some((first, rest))) = (members(raw), path.segments.split_first()) else {
        return Found::Absent;
    };
    match (top.get(first.as_str()), top.get("data")) {
        (Some(value), _) => lookup_in(value.get(), rest),
        (None, Some(data)) => lookup_in(data.get(), &path.segments),
        (None, None) => Found::Absent,
    }
}

fn lookup_in(raw: &str, segments: &[String]) -> Found {
    let mut current: &str = raw;
    for segment in segments {
        let t = current.trim_start();
        let next: Option<&RawValue> = if t.starts_with('{') {
            members(t).and_then(|m| m.get(segment.as_str()).copied())
        } else if t.starts_with('[') {
            let items: Option<Vec<&RawValue>> = serde_json::from_str(t).ok();
            segment
                .parse::<usize>()
                .ok()
                .and_then(|k| items.and_then(|v| v.get(k).copied()))
        } else {
            None
        };
        match next {
            Some(v) => current = v.get(),
            None => return Found::Absent,
        }
    }
    match value_of(current) {
        Some(v) => Found::Value(v),
        None => Found::Absent,
    }
}

/// A JSON value's text as a field value; `None` for `null`.
fn value_of(text: &str) -> Option<Value> {
    let t = text.trim();
    match t.as_bytes().first()? {
        b'"' => serde_json::from_str::<String>(t).ok().map(Value::Text),
        b'n' => None,
        b'-' | b'0'..=b'9' => Some(Value::Number(t.to_string())),
        _ => Some(Value::Json(t.to_string())),
    }
}

/// Whether a top-level member name is one of rewind's own (an alias of account, type, time, id,
/// seq, amount or to, or the seal's `prev` and `hash`).
pub fn is_own_member(name: &str) -> bool {
    name == "prev" || name == "hash" || ALIASES.iter().any(|(_, names)| names.contains(&name))
}

/// Every payload member of a record that is not one of rewind's own, objects read member by
/// member (`meta.city`), in name order; `null` members are left out. When the record has a
/// non-empty `data` object, that object is the payload (the record's other members are its
/// envelope: stream, position, metadata).
pub fn payload(raw: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    if let Some(top) = members(raw) {
        let data = top.get("data").and_then(|d| {
            let t = d.get().trim_start();
            t.starts_with('{')
                .then(|| members(t))
                .flatten()
                .filter(|m| !m.is_empty())
        });
        for (name, value) in data.unwrap_or(top) {
            if !is_own_member(&name) {
                flatten(name, value.get(), &mut out);
            }
        }
    }
    out
}

fn flatten(name: String, text: &str, out: &mut Vec<(String, Value)>) {
    let t = text.trim();
    if t.starts_with('{')
        && let Some(inner) = members(t)
        && !inner.is_empty()
    {
        for (member, value) in inner {
            flatten(format!("{name}.{member}"), value.get(), out);
        }
        return;
    }
    if let Some(v) = value_of(t) {
        out.push((name, v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RAW: &str = r#"{"accountId":"a","type":"AddressChanged","timestamp":1,"address":"12 Elm St","meta":{"city":"Harbourside","zip":null,"geo":{"lat":51.5}},"data":{"address":{"line1":"Flat 2"}},"items":[10,"x"],"flag":true,"limit":1500.10,"empty":{}}"#;

    fn at(path: &str) -> Found {
        lookup(RAW, &Path::parse(path).unwrap())
    }

    fn text(s: &str) -> Found {
        Found::Value(Value::Text(s.into()))
    }

    #[test]
    fn paths_read_nested_members_and_array_items() {
        assert_eq!(at("address"), text("12 Elm St"));
        assert_eq!(at("meta.city"), text("Harbourside"));
        assert_eq!(at("data.address.line1"), text("Flat 2"));
        assert_eq!(
            at("meta.geo.lat"),
            Found::Value(Value::Number("51.5".into()))
        );
        assert_eq!(at("items.1"), text("x"));
        assert_eq!(at("items.0"), Found::Value(Value::Number("10".into())));
        assert_eq!(at("flag"), Found::Value(Value::Json("true".into())));
        assert_eq!(at("empty"), Found::Value(Value::Json("{}".into())));
        assert_eq!(
            at("meta.geo"),
            Found::Value(Value::Json(r#"{"lat":51.5}"#.into()))
        );
    }

    #[test]
    fn numbers_keep_their_digits() {
        let Found::Value(v) = at("limit") else {
            panic!()
        };
        assert_eq!(v.text(), "1500.10");
        assert_eq!(v.money(), Some(Money::parse("1500.10").unwrap()));
    }

    #[test]
    fn absent_places_and_null_are_absent() {
        for path in [
            "nope",
            "meta.zip",
            "meta.nope",
            "address.line1",
            "items.2",
            "items.x",
            "meta.city.x",
        ] {
            assert_eq!(at(path), Found::Absent, "{path}");
        }
    }

    #[test]
    fn bad_paths_are_refused() {
        assert!(Path::parse("").is_err());
        assert!(Path::parse("a..b").is_err());
        assert!(Path::parse(".a").is_err());
        assert!(Path::parse("a.").is_err());
    }

    #[test]
    fn the_payload_leaves_out_rewinds_own_members() {
        let raw = r#"{"seq":3,"eventId":"e","account_id":"a","eventType":"X","ts":1,"amount":"1","to":"b","note":"hi","meta":{"city":"C","zip":null},"prev":"00","hash":"11"}"#;
        assert_eq!(
            payload(raw),
            vec![
                ("meta.city".to_string(), Value::Text("C".into())),
                ("note".to_string(), Value::Text("hi".into())),
            ]
        );
        assert!(payload("not json").is_empty());
    }

    #[test]
    fn a_data_object_is_the_payload() {
        // A Message DB message as rewind reads it: the envelope, and the message's data.
        let raw = r#"{"seq":9,"accountId":"a","type":"AddressChanged","timestamp":"2024-03-01T00:00:00Z","stream":"account-a","position":4,"data":{"accountId":"a","address":"12 Elm St","geo":{"lat":51.5}},"meta":{"user":"ops"}}"#;
        assert_eq!(
            payload(raw),
            vec![
                ("address".to_string(), Value::Text("12 Elm St".into())),
                ("geo.lat".to_string(), Value::Number("51.5".into())),
            ]
        );
        let at = |p: &str| lookup(raw, &Path::parse(p).unwrap());
        assert_eq!(at("address"), Found::Value(Value::Text("12 Elm St".into())));
        assert_eq!(at("data.address"), at("address"));
        assert_eq!(at("geo.lat"), Found::Value(Value::Number("51.5".into())));
        // The record's own members come first; `meta` stays where it is.
        assert_eq!(at("stream"), Found::Value(Value::Text("account-a".into())));
        assert_eq!(at("meta.user"), Found::Value(Value::Text("ops".into())));
        assert_eq!(at("user"), Found::Absent);
        assert_eq!(at("data.stream"), Found::Absent);
        // An empty or non-object `data` is an ordinary member.
        let raw = r#"{"type":"X","data":"text","note":"n"}"#;
        assert_eq!(
            payload(raw),
            vec![
                ("data".to_string(), Value::Text("text".into())),
                ("note".to_string(), Value::Text("n".into())),
            ]
        );
    }
}
