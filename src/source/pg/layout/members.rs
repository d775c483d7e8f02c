//! Reading the members of a JSON document in a row (a `jsonb` column, `row_to_json` text) as
//! raw text: the JSON scanner ([`read::members`]) for the usual documents, serde for anything
//! else.

use std::borrow::Cow;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::super::copy::Tuple;
use crate::ledger::json::read;

/// The raw values of some top-level members of a JSON object (the first occurrence of each), or
/// `None` when the text is not a JSON object.
pub(crate) fn top_members<'a>(json: &'a str, wanted: &[&str]) -> Option<Vec<Option<&'a RawValue>>> {
    struct Wanted<'w>(&'w [&'w str]);
    impl<'de> de::DeserializeSeed<'de> for Wanted<'_> {
        type Value = Vec<Option<&'de RawValue>>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_map(self)
        }
    }
    impl<'de> Visitor<'de> for Wanted<'_> {
        type Value = Vec<Option<&'de RawValue>>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut found = vec![None; self.0.len()];
            while let Some(k) = map.next_key::<Cow<'de, str>>()? {
                match self.0.iter().position(|w| *w == k) {
                    Some(i) if found[i].is_none() => found[i] = Some(map.next_value()?),
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(found)
        }
    }
    let mut d = serde_json::Deserializer::from_str(json);
    de::DeserializeSeed::deserialize(Wanted(wanted), &mut d).ok()
}

/// A `jsonb` field in binary form (a version byte, 1, then the JSON text), or a `json`/`text`
/// field holding JSON.
pub(super) fn jsonb_text<'a>(t: &Tuple<'a>, i: usize) -> Option<&'a [u8]> {
    let bytes = t.get(i)?;
    Some(match bytes.split_first() {
        Some((1, rest)) => rest,
        _ => bytes,
    })
}

/// Some top-level members of a JSON document as raw text: the plain scan, else serde.
pub(super) fn members_of<'a, const N: usize>(
    json: &'a [u8],
    wanted: [&str; N],
) -> Option<[Option<&'a [u8]>; N]> {
    if let Some(found) = read::members(json, wanted) {
        return Some(found);
    }
    let found = top_members(std::str::from_utf8(json).ok()?, &wanted)?;
    Some(std::array::from_fn(|i| {
        found[i].map(|v| v.get().as_bytes())
    }))
}

/// Every member of a JSON object with its raw text, in order.
pub(super) fn all_members(json: &str) -> Option<Vec<(Cow<'_, str>, &RawValue)>> {
    struct All;
    impl<'de> de::DeserializeSeed<'de> for All {
        type Value = Vec<(Cow<'de, str>, &'de RawValue)>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_map(self)
        }
    }
    impl<'de> Visitor<'de> for All {
        type Value = Vec<(Cow<'de, str>, &'de RawValue)>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(k) = map.next_key::<Cow<'de, str>>()? {
                out.push((k, map.next_value()?));
            }
            Ok(out)
        }
    }
    let mut d = serde_json::Deserializer::from_str(json);
    de::DeserializeSeed::deserialize(All, &mut d).ok()
}
