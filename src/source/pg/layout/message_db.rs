//! A Message DB row (`message_store.messages`) as one record.

use super::super::copy::Tuple;
use super::json::push_timestamp;
use super::members::{jsonb_text, members_of};
use crate::ledger::json::write::{key, push_i64, push_text, push_u64, push_uuid};

/// Message DB: account = `data.accountId`, else the id part of `stream_name` (after the first
/// `-`); type = `type`; amount = `data.amount`; time = `time` (UTC); seq = `global_position`;
/// event id = `id`; transfer target = `data.to`; `metadata` is shown as meta.
pub(super) fn render_message_db(t: &Tuple, ordinal: u64, out: &mut Vec<u8>) -> u64 {
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
