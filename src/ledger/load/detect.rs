//! Which format a log is in: one JSON array or JSON Lines, sealed or not.

use crate::ledger::record::parse_record;
use crate::ledger::recorded::Records;

/// Whether a log is one JSON array: it starts with `[`, and either ends with `]` or its first line
/// is not a whole JSON value (an array cut off). A JSON Lines log whose first line is a whole value
/// starting with `[` (a header, a stray line) is read line by line, so that the events after it
/// still load.
pub(super) fn is_array(bytes: &[u8]) -> bool {
    if first_byte(bytes) != Some(b'[') {
        return false;
    }
    if bytes
        .iter()
        .rev()
        .copied()
        .find(|b| !b.is_ascii_whitespace())
        == Some(b']')
    {
        return true;
    }
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or(bytes);
    serde_json::from_slice::<serde::de::IgnoredAny>(first_line).is_err()
}

fn first_byte(bytes: &[u8]) -> Option<u8> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    bytes.iter().copied().find(|b| !b.is_ascii_whitespace())
}

/// Whether a sealed log starts here: the first record that parses carries `prev` and `hash`.
fn detect_sealed(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    for line in bytes.split(|b| *b == b'\n').take(1000) {
        let Ok(text) = std::str::from_utf8(line) else {
            continue;
        };
        if text.trim().is_empty() {
            continue;
        }
        if let Ok(fields) = parse_record(text.trim_end_matches('\r')) {
            return fields.seal.is_some();
        }
    }
    false
}

impl Records {
    /// Whether the log is sealed, decided by the first record of the first bytes read. A
    /// topic's messages never are: Kafka does not chain them, and the `prev` and `hash` members
    /// a producer copied from a log chain that log's order, not the topic's.
    pub(super) fn sealed(&mut self, bytes: &[u8]) -> bool {
        if self.places.are_messages() {
            return *self.sealed.get_or_insert(false);
        }
        *self.sealed.get_or_insert_with(|| detect_sealed(bytes))
    }
}
