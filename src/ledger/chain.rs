//! The hash chain of a sealed log.
//!
//! Each record is one line whose last two members are `"prev"` and `"hash"`. `hash` is the
//! lowercase hex SHA-256 of the line's bytes from its first byte up to, not including, the
//! `,"hash":` member; `prev` is the previous record's `hash`, 64 zeros for the first record.

use std::fmt;

use sha2::{Digest, Sha256};

/// The `prev` of the first record.
pub const GENESIS: [u8; 32] = [0; 32];

/// The member that ends the hashed part of a record.
pub const HASH_MEMBER: &[u8] = b",\"hash\":\"";

/// The SHA-256 of a record's hashed part, or `None` when the line does not end with the
/// `,"hash":"<64 hex>"}` member as a sealed record must.
pub fn record_hash(line: &[u8]) -> Option<[u8; 32]> {
    let hashed = hashed_part(line)?;
    Some(Sha256::digest(hashed).into())
}

/// The bytes of a record that its `hash` covers.
pub fn hashed_part(line: &[u8]) -> Option<&[u8]> {
    // `,"hash":"` + 64 hex digits + `"}`
    const TAIL: usize = HASH_MEMBER.len() + 64 + 2;
    if line.len() < TAIL + 1 || !line.ends_with(b"\"}") {
        return None;
    }
    let at = line.len() - TAIL;
    (&line[at..at + HASH_MEMBER.len()] == HASH_MEMBER).then_some(&line[..at])
}

/// Seals a record: `body` is the record's JSON object without its closing brace (`{"seq":1,…`, at
/// least one member); the result is the whole line (without newline) ending with `"prev"` and
/// `"hash"`, and the new hash.
pub fn seal_line(body: &str, prev: &[u8; 32]) -> (String, [u8; 32]) {
    let mut line = String::with_capacity(body.len() + 160);
    line.push_str(body);
    line.push_str(",\"prev\":\"");
    line.push_str(&to_hex(prev));
    line.push('"');
    let hash: [u8; 32] = Sha256::digest(line.as_bytes()).into();
    line.push_str(",\"hash\":\"");
    line.push_str(&to_hex(&hash));
    line.push_str("\"}");
    (line, hash)
}

/// Lowercase hex of a hash.
pub fn to_hex(hash: &[u8; 32]) -> String {
    let mut s = String::with_capacity(64);
    for b in hash {
        s.push(char::from_digit(u32::from(b >> 4), 16).expect("nibble"));
        s.push(char::from_digit(u32::from(b & 15), 16).expect("nibble"));
    }
    s
}

/// Parses 64 hex digits (either case).
pub fn from_hex(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        out[i] = (hi << 4 | lo) as u8;
    }
    Some(out)
}

/// The head digest of a sealed log: the last record's seq and hash, written `SEQ:HASH`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Digest256 {
    /// The record's seq (0 for the empty log).
    pub seq: u64,
    /// The record's hash (all zeros for the empty log).
    pub hash: [u8; 32],
}

impl fmt::Display for Digest256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.seq, to_hex(&self.hash))
    }
}

/// What a user gives to `verify --expect`: a record's hash, or `SEQ:HASH`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExpectedDigest {
    /// The seq given before the colon; `None` when only a hash was given.
    pub seq: Option<u64>,
    /// The record's hash.
    pub hash: [u8; 32],
}

impl std::str::FromStr for ExpectedDigest {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (seq, hash) = match text.split_once(':') {
            Some((seq, hash)) => (
                Some(
                    seq.parse::<u64>()
                        .map_err(|_| format!("`{seq}` is not a seq in digest `{text}`"))?,
                ),
                hash,
            ),
            None => (None, text),
        };
        let hash = from_hex(hash)
            .ok_or_else(|| format!("`{text}` is not a digest (SEQ:HASH with 64 hex digits)"))?;
        Ok(ExpectedDigest { seq, hash })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_covers_the_line_up_to_the_hash_member() {
        let body = r#"{"seq":1,"accountId":"a","type":"DEPOSIT","amount":"1","timestamp":"2024-03-01T12:00:00.000Z","prev":"0000000000000000000000000000000000000000000000000000000000000000""#;
        let expected: [u8; 32] = Sha256::digest(body.as_bytes()).into();
        let line = format!(r#"{body},"hash":"{}"}}"#, to_hex(&expected));
        assert_eq!(record_hash(line.as_bytes()), Some(expected));
        assert_eq!(hashed_part(line.as_bytes()), Some(body.as_bytes()));
    }

    #[test]
    fn sealing_a_body_gives_a_line_that_checks() {
        let (line, hash) = seal_line(r#"{"seq":1,"accountId":"a""#, &GENESIS);
        assert!(
            line.starts_with(r#"{"seq":1,"accountId":"a","prev":"0000"#),
            "{line}"
        );
        assert_eq!(record_hash(line.as_bytes()), Some(hash));
        let fields = crate::ledger::record::parse_record(&line);
        assert!(
            fields.is_err(),
            "no type or time: not an event, but the seal is well formed"
        );
        let (next, _) = seal_line(r#"{"seq":2"#, &hash);
        assert!(next.contains(&format!(r#""prev":"{}""#, to_hex(&hash))));
    }

    #[test]
    fn a_line_without_the_trailing_hash_member_is_not_sealed() {
        assert_eq!(record_hash(br#"{"a":1}"#), None);
        let misplaced = format!(r#"{{"hash":"{}","a":1}}"#, "0".repeat(64));
        assert_eq!(record_hash(misplaced.as_bytes()), None);
    }

    #[test]
    fn hex_round_trip_and_digests() {
        let h: [u8; 32] = core::array::from_fn(|i| i as u8 * 7);
        assert_eq!(from_hex(&to_hex(&h)), Some(h));
        assert_eq!(from_hex(&to_hex(&h).to_uppercase()), Some(h));
        assert_eq!(from_hex("xyz"), None);
        let d = Digest256 { seq: 12, hash: h };
        let e: ExpectedDigest = d.to_string().parse().unwrap();
        assert_eq!(
            e,
            ExpectedDigest {
                seq: Some(12),
                hash: h
            }
        );
        let e: ExpectedDigest = to_hex(&h).parse().unwrap();
        assert_eq!(e.seq, None);
        assert!("12:abc".parse::<ExpectedDigest>().is_err());
        assert!("x:".parse::<ExpectedDigest>().is_err());
    }
}
