//! Writing JSON straight into the bytes of a record: strings, keys, integers (through `itoa`),
//! uuids (through `uuid`), JSON text kept as it was written, or compacted onto one line. Each
//! writer appends to a `Vec<u8>`; objects are opened and closed by their caller, and [`key`]
//! puts the comma between members.
//!
//! Amounts are written from their exact digits, never through a float. What is written here
//! parses with serde_json to the value it was given (the property tests say so).

use super::read::string_end;

/// Writes a JSON string.
pub fn push_str(out: &mut Vec<u8>, s: &str) {
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
pub fn push_text(out: &mut Vec<u8>, b: &[u8]) {
    if b.iter().all(|&c| c >= 0x20 && c != b'"' && c != b'\\') {
        out.push(b'"');
        out.extend_from_slice(b);
        out.push(b'"');
    } else {
        push_str(out, &String::from_utf8_lossy(b));
    }
}

/// Writes `"key":`, after a comma unless it is the first member of the object.
pub fn key(out: &mut Vec<u8>, name: &str) {
    if out.last() != Some(&b'{') {
        out.push(b',');
    }
    push_str(out, name);
    out.push(b':');
}

/// Writes a number.
pub fn push_u64(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// Writes a number.
pub fn push_i64(out: &mut Vec<u8>, n: i64) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// Writes a uuid given as its 16 bytes as a JSON string in its hyphenated lowercase form (other
/// bytes, which no uuid column holds, in lowercase hex).
pub fn push_uuid(out: &mut Vec<u8>, b: &[u8]) {
    out.push(b'"');
    match uuid::Uuid::from_slice(b) {
        Ok(id) => {
            let mut buf = uuid::Uuid::encode_buffer();
            out.extend_from_slice(id.hyphenated().encode_lower(&mut buf).as_bytes());
        }
        Err(_) => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            for byte in b {
                out.push(HEX[usize::from(byte >> 4)]);
                out.push(HEX[usize::from(byte & 15)]);
            }
        }
    }
    out.push(b'"');
}

/// Writes a fresh random (version 4) uuid as a JSON string.
pub fn push_new_uuid(out: &mut Vec<u8>) {
    push_uuid(out, uuid::Uuid::new_v4().as_bytes());
}

/// Writes JSON text as it is (a value read elsewhere, or the digits of an amount).
pub fn push_raw(out: &mut Vec<u8>, json: &str) {
    out.extend_from_slice(json.as_bytes());
}

/// Writes a JSON text without the whitespace between its tokens, its strings byte for byte, so
/// that a value written over several lines takes one.
pub fn push_compact(out: &mut Vec<u8>, json: &str) {
    let b = json.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                // A string that does not end (no valid JSON has one) is kept to the end.
                let end = string_end(b, i).map_or(b.len(), |(end, _)| end);
                out.extend_from_slice(&b[i..end]);
                i = end;
            }
            c if c.is_ascii_whitespace() => i += 1,
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
}

/// What was written, as text: everything here writes UTF-8 when given text.
pub fn into_string(out: Vec<u8>) -> String {
    String::from_utf8(out).expect("JSON written from text is UTF-8")
}

#[cfg(test)]
mod tests;
