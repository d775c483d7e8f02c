//! Where events are in a database, and how one row becomes one record.
//!
//! Every row is rendered as one JSON object with FORMAT.md's canonical member names ("Members and
//! their aliases"), so that the very same parser, problems and replay engine read it. Values from a
//! JSON document in the row (an amount, an account) are copied as their raw JSON text: an amount
//! stored as a JSON number keeps its exact digits, never passing through binary floating point.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::copy::Tuple;
use crate::ledger::record::ALIASES;

/// Which store's schema a database follows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Message DB: `message_store.messages`.
    MessageDb,
    /// The Python `eventsourcing` library's stored events table (JSON in `state`).
    Eventsourcing { table: String },
    /// Any SELECT whose columns use the canonical names (a `data` JSON column is read too).
    Query { sql: String },
}

/// Which rows to read: all, or those after a position plus some positions below it.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub after: Option<u64>,
    pub also: Vec<u64>,
}

impl Filter {
    fn clause(&self, column: &str) -> String {
        let Some(after) = self.after else {
            return String::new();
        };
        let mut out = format!(" WHERE {column} > {after}");
        if !self.also.is_empty() {
            let list: Vec<String> = self.also.iter().map(u64::to_string).collect();
            let _ = write!(
                out,
                " OR {column} = ANY('{{{}}}'::bigint[])",
                list.join(",")
            );
        }
        out
    }
}

/// Quotes a possibly schema-qualified name (`schema.table`) as SQL identifiers.
pub fn quote_name(name: &str) -> String {
    name.split('.')
        .map(|part| format!("\"{}\"", part.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(".")
}

/// Seconds between 1970-01-01 and PostgreSQL's epoch, 2000-01-01.
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

impl Layout {
    /// The table whose planner statistics estimate the number of rows (for progress).
    pub fn table(&self) -> Option<String> {
        match self {
            Layout::MessageDb => Some("message_store.messages".to_string()),
            Layout::Eventsourcing { table } => Some(quote_name(table)),
            Layout::Query { .. } => None,
        }
    }

    /// What the source reads, for messages.
    pub fn describe(&self) -> String {
        match self {
            Layout::MessageDb => "message_store.messages".to_string(),
            Layout::Eventsourcing { table } => table.clone(),
            Layout::Query { .. } => "the query".to_string(),
        }
    }

    /// What a database must have for this layout (shown after a missing table or column).
    pub fn expects(&self) -> String {
        match self {
            Layout::MessageDb => {
                "the message-db preset reads message_store.messages(global_position, \
                 position, id, stream_name, type, time, data, metadata)"
                    .to_string()
            }
            Layout::Eventsourcing { table } => format!(
                "the eventsourcing preset reads {table}(notification_id, originator_id, \
                 originator_version, topic, state)"
            ),
            Layout::Query { .. } => {
                "--query must be a SELECT whose columns use the canonical names".to_string()
            }
        }
    }

    /// The column (or expression) that orders the rows: the position a problem's line is.
    fn position(&self) -> &'static str {
        match self {
            Layout::MessageDb => "global_position",
            Layout::Eventsourcing { .. } => "notification_id",
            Layout::Query { .. } => "q.seq",
        }
    }

    /// The SELECT whose rows [`Layout::render`] reads (as binary COPY). A whole table is read in
    /// its physical order (for these append-only tables, the order of position, and cheaper for
    /// the server than walking the index); the ledger orders rows by position in any case. Rows
    /// after a position are read in order.
    pub fn select(&self, filter: &Filter) -> String {
        let pos = self.position();
        let order = |column: &str| {
            if filter.after.is_some() {
                format!(" ORDER BY {column}")
            } else {
                String::new()
            }
        };
        match self {
            Layout::MessageDb => format!(
                "SELECT global_position, position, id, stream_name, type, time, data, metadata \
                 FROM message_store.messages{}{}",
                filter.clause(pos),
                order("global_position")
            ),
            Layout::Eventsourcing { table } => format!(
                "SELECT notification_id, originator_id::text, originator_version, topic, state \
                 FROM {}{}{}",
                quote_name(table),
                filter.clause(pos),
                order("notification_id")
            ),
            Layout::Query { sql } => {
                let order = if filter.after.is_some() {
                    " ORDER BY q.seq"
                } else {
                    ""
                };
                format!(
                    "SELECT row_to_json(q)::text FROM ({}) AS q{}{order}",
                    trim_sql(sql),
                    filter.clause(pos)
                )
            }
        }
    }

    /// For `--query`: a statement whose result columns are the query's (prepared, never run).
    pub(crate) fn columns_probe(&self) -> Option<String> {
        match self {
            Layout::Query { sql } => Some(format!("SELECT * FROM ({}) AS q", trim_sql(sql))),
            _ => None,
        }
    }

    /// For `--query`: what its columns lack to make events, or `None`. Without a `data` column,
    /// the account, the type and the time each need a column under one of their names.
    pub fn missing_columns(&self, columns: &[&str]) -> Option<String> {
        if !matches!(self, Layout::Query { .. }) || columns.contains(&"data") {
            return None;
        }
        let missing: Vec<String> = ALIASES
            .iter()
            .filter(|(c, _)| matches!(*c, "accountId" | "type" | "timestamp"))
            .filter(|(_, names)| !names.iter().any(|n| columns.contains(n)))
            .map(|(c, names)| format!("{c} ({})", names.join("/")))
            .collect();
        if missing.is_empty() {
            return None;
        }
        Some(format!(
            "--query gives no column for {} and no `data` column to read them from (its columns: {})",
            missing.join(", "),
            if columns.is_empty() {
                "none".to_string()
            } else {
                columns.join(", ")
            }
        ))
    }

    /// The SELECT whose rows a digest covers: every column as text, in a form that does not depend
    /// on session settings (see the README, "PostgreSQL event stores").
    pub fn digest_select(&self) -> String {
        match self {
            Layout::MessageDb => "SELECT global_position::text, position::text, id::text, \
                 stream_name, type, to_char(time, 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), data::text, \
                 metadata::text FROM message_store.messages ORDER BY global_position"
                .to_string(),
            Layout::Eventsourcing { table } => format!(
                "SELECT notification_id::text, originator_id::text, originator_version::text, \
                 topic, state FROM {} ORDER BY notification_id",
                quote_name(table)
            ),
            Layout::Query { sql } => {
                format!("SELECT row_to_json(q)::text FROM ({}) AS q", trim_sql(sql))
            }
        }
    }

    /// The position of a digest row (its first field), or `None` when the layout has none.
    pub fn digest_position(&self, t: &Tuple) -> Option<u64> {
        match self {
            Layout::Query { .. } => t
                .text(0)
                .and_then(|row| top_members(row, &["seq"]))
                .and_then(|m| m[0].and_then(|v| v.get().parse().ok())),
            _ => t.text(0).and_then(|s| s.parse().ok()),
        }
    }

    /// Renders one row as a JSON object at the end of `out`; returns the row's position (its
    /// problems' line), `ordinal` (1-based) when it has none.
    pub fn render(&self, t: &Tuple, ordinal: u64, out: &mut Vec<u8>) -> u64 {
        match self {
            Layout::MessageDb => render_message_db(t, ordinal, out),
            Layout::Eventsourcing { .. } => render_eventsourcing(t, ordinal, out),
            Layout::Query { .. } => render_query(t, ordinal, out),
        }
    }
}

/// A user's SQL without a trailing semicolon.
fn trim_sql(sql: &str) -> &str {
    sql.trim().trim_end_matches(';').trim_end()
}

/// Writes a JSON string.
fn push_str(out: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        serde_json::to_writer(&mut *out, s).expect("writing to memory");
    }
}

/// Writes a JSON string from bytes that should be UTF-8 (the record is checked as a whole later:
/// bytes that are not UTF-8 make it an `invalid-utf8` problem, as in a file).
fn push_text(out: &mut Vec<u8>, b: &[u8]) {
    if b.iter().all(|&c| c >= 0x20 && c != b'"' && c != b'\\') {
        out.push(b'"');
        out.extend_from_slice(b);
        out.push(b'"');
    } else {
        push_str(out, &String::from_utf8_lossy(b));
    }
}

/// Writes `"key":`, after a comma unless it is the first member.
fn key(out: &mut Vec<u8>, name: &str) {
    if out.last() != Some(&b'{') {
        out.push(b',');
    }
    push_str(out, name);
    out.push(b':');
}

fn push_u64(out: &mut Vec<u8>, n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

fn push_i64(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    push_u64(out, n.unsigned_abs());
}

/// A `timestamp` (microseconds since 2000-01-01, taken as UTC) as RFC 3339 with microseconds.
fn push_timestamp(out: &mut Vec<u8>, pg_micros: i64) {
    use chrono::{Datelike, Timelike};
    let Some(t) = pg_micros
        .checked_add(PG_EPOCH_MICROS)
        .and_then(chrono::DateTime::from_timestamp_micros)
    else {
        // `infinity` and the like: left for the parser to report.
        push_str(
            out,
            if pg_micros > 0 {
                "infinity"
            } else {
                "-infinity"
            },
        );
        return;
    };
    let two = |out: &mut Vec<u8>, n: u32| {
        out.push(b'0' + (n / 10) as u8);
        out.push(b'0' + (n % 10) as u8);
    };
    out.push(b'"');
    let year = t.year();
    if (0..=9999).contains(&year) {
        two(out, year as u32 / 100);
        two(out, year as u32 % 100);
    } else {
        let _ = std::io::Write::write_fmt(out, format_args!("{year:+05}"));
    }
    out.push(b'-');
    two(out, t.month());
    out.push(b'-');
    two(out, t.day());
    out.push(b'T');
    two(out, t.hour());
    out.push(b':');
    two(out, t.minute());
    out.push(b':');
    two(out, t.second());
    out.push(b'.');
    let micros = t.nanosecond() / 1000;
    two(out, micros / 10_000);
    two(out, micros / 100 % 100);
    two(out, micros % 100);
    out.extend_from_slice(b"Z\"");
}

fn push_uuid(out: &mut Vec<u8>, b: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push(b'-');
        }
        out.push(HEX[(byte >> 4) as usize]);
        out.push(HEX[(byte & 15) as usize]);
    }
    out.push(b'"');
}

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
fn jsonb_text<'a>(t: &Tuple<'a>, i: usize) -> Option<&'a [u8]> {
    let bytes = t.get(i)?;
    Some(match bytes.split_first() {
        Some((1, rest)) => rest,
        _ => bytes,
    })
}

/// The raw text of some top-level members of a JSON object, by a plain scan (no allocation): the
/// fast path for the documents of a JSON column. `None` when the scan meets anything it does not
/// handle (a key with escapes, text that is not an object), and the caller asks serde instead.
fn scan_members<'a, const N: usize>(
    json: &'a [u8],
    wanted: [&str; N],
) -> Option<[Option<&'a [u8]>; N]> {
    let b = json;
    let ws = |i: &mut usize| {
        while *i < b.len() && matches!(b[*i], b' ' | b'\t' | b'\n' | b'\r') {
            *i += 1;
        }
    };
    // The end of the string that starts at `i` (just past its closing quote).
    let string_end = |mut i: usize| -> Option<usize> {
        i += 1;
        loop {
            match memchr::memchr2(b'"', b'\\', b.get(i..)?)? {
                n if b[i + n] == b'"' => return Some(i + n + 1),
                n => i += n + 2,
            }
        }
    };
    let value_end = |i: usize| -> Option<usize> {
        match *b.get(i)? {
            b'"' => string_end(i),
            b'{' | b'[' => {
                let mut depth = 0usize;
                let mut j = i;
                loop {
                    match *b.get(j)? {
                        b'"' => {
                            j = string_end(j)?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                return Some(j + 1);
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
            }
            _ => {
                let mut j = i;
                while j < b.len()
                    && !matches!(b[j], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
                {
                    j += 1;
                }
                (j > i).then_some(j)
            }
        }
    };
    let mut found = [None; N];
    let mut i = 0;
    ws(&mut i);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    ws(&mut i);
    if b.get(i) == Some(&b'}') {
        return Some(found);
    }
    loop {
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let key_end = string_end(i)?;
        let key = &json[i + 1..key_end - 1];
        if key.contains(&b'\\') {
            return None;
        }
        i = key_end;
        ws(&mut i);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i += 1;
        ws(&mut i);
        let end = value_end(i)?;
        if let Some(k) = wanted.iter().position(|w| w.as_bytes() == key)
            && found[k].is_none()
        {
            found[k] = Some(&json[i..end]);
        }
        i = end;
        ws(&mut i);
        match b.get(i) {
            Some(b',') => {
                i += 1;
                ws(&mut i);
            }
            Some(b'}') => return Some(found),
            _ => return None,
        }
    }
}

/// Some top-level members of a JSON document as raw text: the plain scan, else serde.
fn members_of<'a, const N: usize>(
    json: &'a [u8],
    wanted: [&str; N],
) -> Option<[Option<&'a [u8]>; N]> {
    if let Some(found) = scan_members(json, wanted) {
        return Some(found);
    }
    let found = top_members(std::str::from_utf8(json).ok()?, &wanted)?;
    Some(std::array::from_fn(|i| {
        found[i].map(|v| v.get().as_bytes())
    }))
}

/// Message DB: account = `data.accountId`, else the id part of `stream_name` (after the first
/// `-`); type = `type`; amount = `data.amount`; time = `time` (UTC); seq = `global_position`;
/// event id = `id`; transfer target = `data.to`; `metadata` is shown as meta.
fn render_message_db(t: &Tuple, ordinal: u64, out: &mut Vec<u8>) -> u64 {
    let seq = t.int(0).and_then(|n| u64::try_from(n).ok());
    let data = jsonb_text(t, 6);
    let members = data
        .and_then(|d| members_of(d, ["accountId", "amount", "to"]))
        .unwrap_or([None; 3]);
    out.push(b'{');
    if let Some(seq) = seq {
        key(out, "seq");
        push_u64(out, seq);
    }
    if let Some(id) = t.get(2).filter(|b| b.len() == 16) {
        key(out, "eventId");
        push_uuid(out, id);
    }
    let stream = t.get(3);
    let stream_id = stream.and_then(|s| memchr::memchr(b'-', s).map(|i| &s[i + 1..]));
    match (members[0], stream_id) {
        (Some(account), _) if account != b"null" => {
            key(out, "accountId");
            out.extend_from_slice(account);
        }
        (_, Some(id)) if !id.is_empty() => {
            key(out, "accountId");
            push_text(out, id);
        }
        _ => {}
    }
    if let Some(kind) = t.get(4) {
        key(out, "type");
        push_text(out, kind);
    }
    if let Some(amount) = members[1] {
        key(out, "amount");
        out.extend_from_slice(amount);
    }
    if let Some(to) = members[2] {
        key(out, "to");
        out.extend_from_slice(to);
    }
    if let Some(time) = t.int(5) {
        key(out, "timestamp");
        push_timestamp(out, time);
    }
    if let Some(stream) = stream {
        key(out, "stream");
        push_text(out, stream);
    }
    if let Some(position) = t.int(1) {
        key(out, "position");
        push_i64(out, position);
    }
    if let Some(data) = data {
        key(out, "data");
        out.extend_from_slice(data);
    }
    if let Some(meta) = jsonb_text(t, 7) {
        key(out, "meta");
        out.extend_from_slice(meta);
    }
    out.push(b'}');
    seq.unwrap_or(ordinal)
}

/// A value the `eventsourcing` library's JSON transcoder wrapped as `{"_type_": .., "_data_": ..}`
/// (decimals, datetimes, UUIDs), unwrapped; UUIDs written as hex get their dashes back.
fn unwrap_transcoded(raw: &RawValue) -> Cow<'_, str> {
    let text = raw.get();
    if !text.starts_with('{') {
        return Cow::Borrowed(text);
    }
    let Some(m) = top_members(text, &["_type_", "_data_"]) else {
        return Cow::Borrowed(text);
    };
    match (m[0], m[1]) {
        (Some(kind), Some(data)) => {
            if kind.get() == "\"uuid_hex\""
                && let Some(hex) = data
                    .get()
                    .strip_prefix('"')
                    .and_then(|s| s.strip_suffix('"'))
                && hex.len() == 32
            {
                return Cow::Owned(format!(
                    "\"{}-{}-{}-{}-{}\"",
                    &hex[..8],
                    &hex[8..12],
                    &hex[12..16],
                    &hex[16..20],
                    &hex[20..]
                ));
            }
            Cow::Borrowed(data.get())
        }
        _ => Cow::Borrowed(text),
    }
}

/// The class name at the end of a topic (`module.path:Outer.Inner` → `Inner`).
fn topic_class(topic: &str) -> &str {
    let qualname = topic.rsplit_once(':').map_or(topic, |(_, q)| q);
    qualname.rsplit_once('.').map_or(qualname, |(_, c)| c)
}

/// The `eventsourcing` library: seq = `notification_id`; account = `state.accountId`, else
/// `originator_id`; type = the event class at the end of `topic`; amount, time and transfer target
/// = `state.amount`, `state.timestamp`, `state.to` (unwrapped from the transcoder's wrappers).
fn render_eventsourcing(t: &Tuple, ordinal: u64, out: &mut Vec<u8>) -> u64 {
    let seq = t.int(0).and_then(|n| u64::try_from(n).ok());
    let state = t.get(4);
    let state_text = state.and_then(|b| std::str::from_utf8(b).ok());
    let members =
        state_text.and_then(|s| top_members(s, &["accountId", "amount", "to", "timestamp"]));
    let m = members.clone().unwrap_or_else(|| vec![None; 4]);
    out.push(b'{');
    if let Some(seq) = seq {
        key(out, "seq");
        push_u64(out, seq);
    }
    let originator = t.text(1);
    match (m[0], originator) {
        (Some(account), _) if account.get() != "null" => {
            key(out, "accountId");
            out.extend_from_slice(unwrap_transcoded(account).as_bytes());
        }
        (_, Some(o)) => {
            key(out, "accountId");
            push_str(out, o);
        }
        _ => {}
    }
    let topic = t.text(3);
    if let Some(topic) = topic {
        key(out, "type");
        push_str(out, topic_class(topic));
    }
    for (name, value) in [("amount", m[1]), ("to", m[2]), ("timestamp", m[3])] {
        if let Some(v) = value {
            key(out, name);
            out.extend_from_slice(unwrap_transcoded(v).as_bytes());
        }
    }
    if let Some(o) = originator {
        key(out, "originatorId");
        push_str(out, o);
    }
    if let Some(v) = t.int(2) {
        key(out, "originatorVersion");
        push_i64(out, v);
    }
    if let Some(topic) = topic {
        key(out, "topic");
        push_str(out, topic);
    }
    match (state, members) {
        (Some(_), Some(_)) => {
            key(out, "state");
            out.extend_from_slice(state_text.unwrap_or("null").as_bytes());
        }
        (Some(bytes), None) => {
            key(out, "state");
            push_str(
                out,
                &format!(
                    "<{} bytes that are not a JSON object (compressed or encrypted?)>",
                    bytes.len()
                ),
            );
        }
        (None, _) => {}
    }
    out.push(b'}');
    seq.unwrap_or(ordinal)
}

/// The canonical name an alias stands for (`account` → `accountId`).
fn canonical(name: &str) -> Option<&'static str> {
    ALIASES
        .iter()
        .find(|(_, all)| all.contains(&name))
        .map(|(c, _)| *c)
}

/// Every member of a JSON object with its raw text, in order.
fn all_members(json: &str) -> Option<Vec<(Cow<'_, str>, &RawValue)>> {
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

/// The JSON a `data` column holds: a JSON value as is, a string or `bytea` holding JSON decoded.
fn data_json(raw: &RawValue) -> Option<String> {
    let text = raw.get();
    if text.starts_with('{') {
        return Some(text.to_string());
    }
    let s: String = serde_json::from_str(text).ok()?;
    let bytes = match s.strip_prefix("\\x") {
        Some(hex) if hex.len() % 2 == 0 => (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
            .collect::<Option<Vec<u8>>>()?,
        _ => s.into_bytes(),
    };
    let json = String::from_utf8(bytes).ok()?;
    json.trim_start().starts_with('{').then_some(json)
}

/// `--query`: the row's columns as they are (`row_to_json`), plus the members of a `data` JSON
/// column whose meaning no column gives (read with the same aliases).
fn render_query(t: &Tuple, ordinal: u64, out: &mut Vec<u8>) -> u64 {
    let Some(row) = t.text(0) else {
        out.extend_from_slice(b"{}");
        return ordinal;
    };
    let Some(members) = all_members(row) else {
        out.extend_from_slice(row.as_bytes());
        return ordinal;
    };
    // A NULL column gives nothing: `data` may fill it in.
    let members: Vec<_> = members
        .into_iter()
        .filter(|(k, v)| v.get() != "null" || canonical(k).is_none())
        .collect();
    let mut given: Vec<&'static str> = members.iter().filter_map(|(k, _)| canonical(k)).collect();
    let data = members
        .iter()
        .find(|(k, _)| k == "data")
        .and_then(|(_, v)| data_json(v));
    let data_members = data.as_deref().and_then(all_members).unwrap_or_default();
    out.push(b'{');
    let mut seq = None;
    for (k, v) in &members {
        if k == "data" {
            continue;
        }
        if k == "seq" {
            seq = v.get().parse::<u64>().ok();
        }
        key(out, k);
        out.extend_from_slice(v.get().as_bytes());
    }
    for (k, v) in &data_members {
        if let Some(c) = canonical(k)
            && !given.contains(&c)
        {
            given.push(c);
            key(out, k);
            out.extend_from_slice(v.get().as_bytes());
        }
    }
    if let Some(data) = &data {
        key(out, "data");
        out.extend_from_slice(data.as_bytes());
    } else if let Some((_, v)) = members.iter().find(|(k, _)| k == "data") {
        key(out, "data");
        out.extend_from_slice(v.get().as_bytes());
    }
    out.push(b'}');
    seq.unwrap_or(ordinal)
}

#[cfg(test)]
mod tests {
    use super::*;
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
}
