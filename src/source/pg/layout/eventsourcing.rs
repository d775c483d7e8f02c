//! A row of the Python `eventsourcing` library's stored events as one record.

use std::borrow::Cow;

use serde_json::value::RawValue;

use super::super::copy::Tuple;
use super::members::top_members;
use crate::ledger::json::write::{key, push_i64, push_str, push_u64};

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
pub(super) fn render_eventsourcing(t: &Tuple, ordinal: u64, out: &mut Vec<u8>) -> u64 {
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
