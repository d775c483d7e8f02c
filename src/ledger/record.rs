//! One record of a log (a JSON object) read into typed fields, with FORMAT.md's aliases.
//!
//! Values are first taken as raw JSON text, so an amount written as a JSON number is
//! parsed from its digits and never passes through `f64`.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::money::Money;
use super::problem::ProblemKind;
use super::time::{EARLIEST, LATEST, Millis, parse_time};
use crate::text::shorten;

mod scan;

/// The largest `seq` a record may carry: 2^63 - 1, PostgreSQL's largest `bigint`. Larger ones are
/// a `bad-field` problem, so that a seq and the next one (`seq + 1`) are always numbers rewind
/// holds exactly.
pub const MAX_SEQ: u64 = i64::MAX as u64;

/// Which member a key names, and its rank among the aliases (lower wins).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Member {
    Account(u8),
    Type(u8),
    Amount,
    Time(u8),
    Id(u8),
    To(u8),
    Seq,
    Prev,
    Hash,
}

/// The alias table of FORMAT.md ("Members and their aliases"), in order of precedence.
pub const ALIASES: &[(&str, &[&str])] = &[
    ("accountId", &["accountId", "account", "account_id"]),
    ("type", &["type", "eventType", "event_type"]),
    ("amount", &["amount"]),
    (
        "timestamp",
        &["timestamp", "time", "ts", "createdAt", "created_at"],
    ),
    ("eventId", &["eventId", "id", "event_id"]),
    ("to", &["to", "toAccountId", "to_account"]),
    ("seq", &["seq"]),
];

#[inline(always)]
fn member_of(key: &[u8]) -> Option<Member> {
    // By length first: each key is then compared with at most four names of that length.
    Some(match key.len() {
        2 => match key {
            b"ts" => Member::Time(2),
            b"id" => Member::Id(1),
            b"to" => Member::To(0),
            _ => return None,
        },
        3 if key == b"seq" => Member::Seq,
        4 => match key {
            b"type" => Member::Type(0),
            b"time" => Member::Time(1),
            b"prev" => Member::Prev,
            b"hash" => Member::Hash,
            _ => return None,
        },
        6 if key == b"amount" => Member::Amount,
        7 => match key {
            b"account" => Member::Account(1),
            b"eventId" => Member::Id(0),
            _ => return None,
        },
        8 if key == b"event_id" => Member::Id(2),
        9 => match key {
            b"accountId" => Member::Account(0),
            b"timestamp" => Member::Time(0),
            b"eventType" => Member::Type(1),
            b"createdAt" => Member::Time(3),
            _ => return None,
        },
        10 => match key {
            b"account_id" => Member::Account(2),
            b"event_type" => Member::Type(2),
            b"created_at" => Member::Time(4),
            b"to_account" => Member::To(2),
            _ => return None,
        },
        11 if key == b"toAccountId" => Member::To(1),
        _ => return None,
    })
}

impl Member {
    /// One bit per member name (each alias its own), to notice a name given twice.
    #[inline(always)]
    fn bit(self) -> u32 {
        1 << match self {
            Member::Account(r) => r,
            Member::Type(r) => 3 + r,
            Member::Amount => 6,
            Member::Time(r) => 7 + r,
            Member::Id(r) => 12 + r,
            Member::To(r) => 15 + r,
            Member::Seq => 18,
            Member::Prev => 19,
            Member::Hash => 20,
        }
    }
}

/// A value kept with the rank of the alias it came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Slot<'a> {
    rank: u8,
    /// The value's JSON text, as written.
    value: Option<&'a str>,
    /// The value is a string without escapes: its text is what is between the quotes.
    plain: bool,
}

impl<'a> Slot<'a> {
    #[inline(always)]
    fn offer(&mut self, rank: u8, value: &'a str, plain: bool) {
        // A `null` counts as absent: it fills only an empty slot, and any value takes its place.
        let null = |v: &str| v == "null";
        if self.value.is_none()
            || (!null(value) && (rank < self.rank || self.value.is_some_and(null)))
        {
            self.rank = rank;
            self.value = Some(value);
            self.plain = plain;
        }
    }

    /// The text of a string value (`None` for another JSON type).
    fn string(&self) -> Option<Cow<'a, str>> {
        let v = self.value?;
        if self.plain {
            return Some(Cow::Borrowed(&v[1..v.len() - 1]));
        }
        json_string(v)
    }

    /// A string, or a number taken as its digits (ids and accounts are sometimes numbers).
    fn name(&self) -> Option<Cow<'a, str>> {
        match self.value {
            Some(v) if is_number(v) => Some(Cow::Borrowed(v)),
            _ => self.string(),
        }
    }
}

/// The members rewind reads, as raw JSON text. Everything else in the object is skipped here and
/// shown from the raw record when asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RawRecord<'a> {
    account: Slot<'a>,
    kind: Slot<'a>,
    amount: Slot<'a>,
    time: Slot<'a>,
    id: Slot<'a>,
    to: Slot<'a>,
    seq: Slot<'a>,
    prev: Slot<'a>,
    hash: Slot<'a>,
    /// The member names rewind reads that were met ([`Member::bit`]).
    seen: u32,
    /// Some member name (any, not only those rewind reads) is given more than once.
    repeated: bool,
}

impl<'a> RawRecord<'a> {
    /// Takes a member's value; `plain` says it is a string without escapes.
    #[inline(always)]
    fn offer(&mut self, member: Member, value: &'a str, plain: bool) {
        let bit = member.bit();
        self.repeated |= self.seen & bit != 0;
        self.seen |= bit;
        match member {
            Member::Account(r) => self.account.offer(r, value, plain),
            Member::Type(r) => self.kind.offer(r, value, plain),
            Member::Amount => self.amount.offer(0, value, plain),
            Member::Time(r) => self.time.offer(r, value, plain),
            Member::Id(r) => self.id.offer(r, value, plain),
            Member::To(r) => self.to.offer(r, value, plain),
            Member::Seq => self.seq.offer(0, value, plain),
            Member::Prev => self.prev.offer(0, value, plain),
            Member::Hash => self.hash.offer(0, value, plain),
        }
    }
}

/// A key that borrows from the input when it can.
struct Key<'a>(Cow<'a, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

impl<'de> de::Deserialize<'de> for RawRecord<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RecordVisitor;
        impl<'de> Visitor<'de> for RecordVisitor {
            type Value = RawRecord<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object (one event)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut record = RawRecord::default();
                // The other names, decoded, to notice one given twice (`"a\u0062"` is `"ab"`).
                let mut others: Vec<Cow<'de, str>> = Vec::new();
                while let Some(key) = map.next_key::<Key<'de>>()? {
                    let Some(member) = member_of(key.0.as_bytes()) else {
                        record.repeated |= others.contains(&key.0);
                        others.push(key.0);
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    };
                    let value: &'de RawValue = map.next_value()?;
                    let value = value.get();
                    let plain = value.len() >= 2
                        && value.starts_with('"')
                        && !value.as_bytes().contains(&b'\\');
                    record.offer(member, value, plain);
                }
                Ok(record)
            }
        }
        deserializer.deserialize_map(RecordVisitor)
    }
}

/// The fields of one event, checked and typed.
#[derive(Clone, Debug, PartialEq)]
pub struct Fields<'a> {
    pub account: Cow<'a, str>,
    pub kind: Cow<'a, str>,
    pub amount: Option<Money>,
    pub ts: Millis,
    pub id: Option<Cow<'a, str>>,
    pub to: Option<Cow<'a, str>>,
    pub seq: Option<u64>,
    /// `prev` and `hash` of a sealed record.
    pub seal: Option<Seal>,
    /// A member name is given more than once: readers disagree on which value counts (rewind
    /// takes the first, many JSON readers the last), so the event must move no money.
    pub repeated: bool,
}

/// The chain members of a sealed record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seal {
    pub prev: [u8; 32],
    pub hash: [u8; 32],
}

/// Why a record cannot become an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordError {
    pub kind: ProblemKind,
    pub message: String,
}

fn fail<T>(kind: ProblemKind, message: impl Into<String>) -> Result<T, RecordError> {
    Err(RecordError {
        kind,
        message: message.into(),
    })
}

/// The text of a JSON string value, borrowed when it has no escapes.
pub fn json_string(text: &str) -> Option<Cow<'_, str>> {
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    // A plain loop: most strings are short, and this is cheaper than a search routine for them.
    if !inner.bytes().any(|b| b == b'\\') {
        return Some(Cow::Borrowed(inner));
    }
    serde_json::from_str::<String>(text).ok().map(Cow::Owned)
}

fn is_number(raw: &str) -> bool {
    raw.as_bytes()
        .first()
        .is_some_and(|b| b.is_ascii_digit() || *b == b'-')
}

/// 64 lowercase hex digits in a JSON string (a sealed record writes its hashes in lowercase).
fn hex32(raw: &str) -> Option<[u8; 32]> {
    let text = raw.strip_prefix('"')?.strip_suffix('"')?;
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    super::chain::from_hex(text)
}

fn alias_list(canonical: &str) -> String {
    ALIASES
        .iter()
        .find(|(c, _)| *c == canonical)
        .map(|(_, all)| all.join("/"))
        .unwrap_or_else(|| canonical.to_string())
}

/// The check of the `scanner` fuzz target: whatever the fast scanner takes, serde_json takes too,
/// with the same members, the same repeated-member finding, and a JSON object.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) fn check_scanner(text: &str) {
    let Some(fast) = scan::record(text) else {
        return;
    };
    let full = serde_json::from_str::<RawRecord>(text)
        .unwrap_or_else(|e| panic!("the scanner took {text:?}, serde_json says {e}"));
    assert_eq!(fast, full, "{text:?}");
    assert!(
        is_json_object(text),
        "the scanner took {text:?}, which is not a JSON object"
    );
}

/// Whether `text` is one JSON object, by serde_json's full parse. A lone surrogate escape
/// (`"\udc00"`), which JSON's grammar allows but a Rust string cannot hold, is checked by the
/// grammar alone.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) fn is_json_object(text: &str) -> bool {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v) => v.is_object(),
        Err(e) if e.to_string().contains("surrogate") => {
            text.trim_start().starts_with('{') && serde_json::from_str::<IgnoredAny>(text).is_ok()
        }
        Err(_) => false,
    }
}

/// Parses one record (a JSON object in UTF-8) into typed fields.
pub fn parse_record(text: &str) -> Result<Fields<'_>, RecordError> {
    let raw = match scan::record(text) {
        Some(raw) => raw,
        // Anything the scanner does not take (an error, a rarer form) gets the full parser, which
        // gives the same members or says exactly what is wrong.
        None => match serde_json::from_str::<RawRecord>(text) {
            Ok(raw) => raw,
            Err(e) => return fail(ProblemKind::BadJson, json_error_message(&e)),
        },
    };
    let account = match raw.account.value {
        None => return fail(ProblemKind::MissingField, missing("accountId")),
        Some("null") => {
            return fail(ProblemKind::MissingField, missing("accountId"));
        }
        Some(v) => match raw.account.name() {
            Some(a) if !is_blank(&a) => a,
            Some(_) => return fail(ProblemKind::MissingField, "the account is empty"),
            None => {
                return fail(
                    ProblemKind::BadField,
                    format!("account {} is not a string", shorten(v, 40)),
                );
            }
        },
    };
    let kind = match raw.kind.value {
        None => return fail(ProblemKind::MissingField, missing("type")),
        Some("null") => return fail(ProblemKind::MissingField, missing("type")),
        Some(v) => match raw.kind.string() {
            Some(t) if !is_blank(&t) => t,
            Some(_) => return fail(ProblemKind::MissingField, "the event type is empty"),
            None => {
                return fail(
                    ProblemKind::BadField,
                    format!("type {} is not a string", shorten(v, 40)),
                );
            }
        },
    };
    let ts = match raw.time.value {
        None => return fail(ProblemKind::MissingField, missing("timestamp")),
        Some("null") => {
            return fail(ProblemKind::MissingField, missing("timestamp"));
        }
        Some(v) => parse_time_value(v, raw.time.string())?,
    };
    let amount = match raw.amount.value {
        None => None,
        Some("null") => None,
        Some(v) => Some(parse_amount_value(v, raw.amount.string())?),
    };
    let id = match raw.id.value {
        None => None,
        Some("null") => None,
        Some(v) => match raw.id.name() {
            // An empty id identifies nothing.
            Some(id) if is_blank(&id) => None,
            Some(id) => Some(id),
            None => {
                return fail(
                    ProblemKind::BadField,
                    format!("event id {} is not a string", shorten(v, 40)),
                );
            }
        },
    };
    let to = match raw.to.value {
        None => None,
        Some("null") => None,
        Some(v) => match raw.to.name() {
            Some(to) if is_blank(&to) => None,
            Some(to) => Some(to),
            None => {
                return fail(
                    ProblemKind::BadField,
                    format!("`to` {} is not an account", shorten(v, 40)),
                );
            }
        },
    };
    let seq = match raw.seq.value {
        None => None,
        Some("null") => None,
        Some(v) => match raw.seq.name().and_then(|s| s.parse::<u64>().ok()) {
            Some(n) if n <= MAX_SEQ => Some(n),
            Some(_) => {
                return fail(
                    ProblemKind::BadField,
                    format!(
                        "seq {} is over {MAX_SEQ}, the largest seq rewind takes",
                        shorten(v, 40)
                    ),
                );
            }
            None => {
                return fail(
                    ProblemKind::BadField,
                    format!("seq {} is not a non-negative integer", shorten(v, 40)),
                );
            }
        },
    };
    let seal = match (raw.prev.value, raw.hash.value) {
        (None, None) => None,
        (Some(p), Some(h)) => match (hex32(p), hex32(h)) {
            (Some(prev), Some(hash)) => Some(Seal { prev, hash }),
            _ => {
                return fail(
                    ProblemKind::ChainBroken,
                    "`prev` and `hash` must be 64 lowercase hex digits",
                );
            }
        },
        _ => {
            return fail(
                ProblemKind::ChainBroken,
                "a sealed record needs both `prev` and `hash`",
            );
        }
    };
    Ok(Fields {
        account,
        kind,
        amount,
        ts,
        id,
        to,
        seq,
        seal,
        repeated: raw.repeated,
    })
}

/// Whether a text is empty or only whitespace (most names start with a visible ASCII byte).
fn is_blank(text: &str) -> bool {
    match text.as_bytes().first() {
        Some(b) if (0x21..0x80).contains(b) => false,
        _ => text.trim().is_empty(),
    }
}

fn missing(canonical: &str) -> String {
    format!("missing {} ({})", canonical, alias_list(canonical))
}

/// A time from its JSON text, and its string value when it is a string.
fn parse_time_value(text: &str, string: Option<Cow<'_, str>>) -> Result<Millis, RecordError> {
    if is_number(text) {
        return match text.parse::<i64>() {
            Ok(ms) if (EARLIEST..=LATEST).contains(&ms) => Ok(ms),
            Ok(_) => fail(
                ProblemKind::BadTime,
                format!(
                    "time {} (epoch milliseconds) is outside the years 0000–9999",
                    shorten(text, 40)
                ),
            ),
            Err(_) => fail(
                ProblemKind::BadTime,
                format!(
                    "time {} is not an integer of epoch milliseconds",
                    shorten(text, 40)
                ),
            ),
        };
    }
    match string {
        Some(s) => parse_time(&s).map_err(|e| RecordError {
            kind: ProblemKind::BadTime,
            message: e.to_string(),
        }),
        None => fail(
            ProblemKind::BadTime,
            format!(
                "time {} is neither a string nor epoch milliseconds",
                shorten(text, 40)
            ),
        ),
    }
}

/// An amount from its JSON text, and its string value when it is a string.
fn parse_amount_value(text: &str, string: Option<Cow<'_, str>>) -> Result<Money, RecordError> {
    let digits = if is_number(text) {
        Cow::Borrowed(text)
    } else if let Some(s) = string {
        s
    } else {
        return fail(
            ProblemKind::BadAmount,
            format!(
                "amount {} is neither a number nor a decimal string",
                shorten(text, 40)
            ),
        );
    };
    Money::parse(&digits).map_err(|e| RecordError {
        kind: ProblemKind::BadAmount,
        message: format!("amount: {e}"),
    })
}

/// serde_json's message without its "at line 1 column N" tail (the line is the log's line),
/// keeping the column.
pub fn json_error_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let base = match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    };
    match e.classify() {
        serde_json::error::Category::Data => format!("not an event: {base}"),
        _ => format!("invalid JSON: {base} (column {})", e.column()),
    }
}

/// Every member of a record in order, with its raw JSON text: for showing an event whole.
pub fn members(text: &str) -> Result<Vec<(String, String)>, String> {
    struct Members(Vec<(String, String)>);
    impl<'de> de::Deserialize<'de> for Members {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Members;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a JSON object")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                    let mut out = Vec::new();
                    while let Some(key) = map.next_key::<Key<'de>>()? {
                        let value: &'de RawValue = map.next_value()?;
                        out.push((key.0.into_owned(), value.get().to_string()));
                    }
                    Ok(Members(out))
                }
            }
            deserializer.deserialize_map(V)
        }
    }
    serde_json::from_str::<Members>(text)
        .map(|m| m.0)
        .map_err(|e| json_error_message(&e))
}

/// The first member name a record gives more than once, with every value given for it (as
/// written), or `None` when each name is given once.
pub fn repeated_member(text: &str) -> Option<(String, Vec<String>)> {
    let all = members(text).ok()?;
    let (name, _) = all
        .iter()
        .enumerate()
        .find(|(i, (k, _))| all[..*i].iter().any(|(seen, _)| seen == k))
        .map(|(_, m)| m)?;
    let values = all
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect();
    Some((name.clone(), values))
}

#[cfg(test)]
mod tests;
