//! A row of the user's own `--query` as one record: its columns, and the members of a `data` JSON
//! column, read with the record's aliases.

use serde_json::value::RawValue;

use super::super::copy::Tuple;
use super::members::all_members;
use crate::ledger::json::write::key;
use crate::ledger::record::ALIASES;

/// The canonical name an alias stands for (`account` → `accountId`).
fn canonical(name: &str) -> Option<&'static str> {
    ALIASES
        .iter()
        .find(|(_, all)| all.contains(&name))
        .map(|(c, _)| *c)
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
pub(super) fn render_query(t: &Tuple, ordinal: u64, out: &mut Vec<u8>) -> u64 {
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
