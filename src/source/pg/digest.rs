//! Tamper evidence for a table anyone can UPDATE: a digest over its rows in order.
//!
//! Each row is encoded canonically as its fields *as text*, in a fixed order (for Message DB:
//! `global_position`, `position`, `id`, `stream_name`, `type`, `time` as
//! `YYYY-MM-DDTHH:MI:SS.ffffff`, `data`, `metadata`; for `eventsourcing`: `notification_id`,
//! `originator_id`, `originator_version`, `topic`, and the raw bytes of `state`; for `--query`: the
//! row as `row_to_json`), written as the number of fields (16-bit big-endian), then each field as
//! its length in bytes (32-bit big-endian, -1 for NULL) followed by its bytes. This is exactly a row
//! of PostgreSQL's binary COPY format of those text columns.
//!
//! The digest is a SHA-256 chain: `h0` = 32 zero bytes, `h(n)` = SHA-256(`h(n-1)` ‖ row `n`'s
//! encoding). It is printed as `SEQ:HASH`, the last row's position and the lowercase hex of its
//! `h`. Keeping a digest and checking it later with `verify --expect` proves that no row up to that
//! position was changed, removed, inserted or reordered since.

use sha2::{Digest, Sha256};

use super::copy::TupleReader;
use super::{Isolation, PgError, PgSource, Phase, begin_read};
use crate::ledger::chain::{Digest256, ExpectedDigest, GENESIS};

/// How a kept digest compares with the rows now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// The rows up to this position are as they were.
    Matches {
        /// The position checked.
        seq: u64,
    },
    /// The chain differs at the expected position: a row up to it was changed, removed or inserted.
    Differs {
        /// The position checked.
        seq: u64,
        /// The chain hash the rows give there now.
        found: [u8; 32],
    },
    /// No row has the expected position any more (it was removed, or the table was cut short).
    Missing {
        /// The position expected.
        seq: u64,
        /// The last row's position when the table ends before it; `None` when rows skip past it.
        last: Option<u64>,
    },
    /// A hash given without a position matches no row's chain.
    NotFound,
}

impl Check {
    /// Whether the kept digest still holds.
    pub fn is_match(&self) -> bool {
        matches!(self, Check::Matches { .. })
    }
}

/// The digest of a table, and the check of a kept digest when one was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Report {
    /// How many rows were read.
    pub rows: u64,
    /// The last row's position and chain hash; `None` for an empty table.
    pub head: Option<Digest256>,
    /// The check of the kept digest; `None` when none was given.
    pub check: Option<Check>,
}

impl Report {
    /// The head digest as printed: `SEQ:HASH` (`0:000…0` for no rows).
    pub fn head_text(&self) -> String {
        self.head
            .unwrap_or(Digest256 {
                seq: 0,
                hash: GENESIS,
            })
            .to_string()
    }
}

/// One link of the chain.
pub fn link(previous: &[u8; 32], row: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(previous);
    h.update(row);
    h.finalize().into()
}

/// Computes the digest of every row of the source, in order, in a read-only transaction; checks
/// `expect` against it on the way.
pub fn digest(source: &PgSource, expect: Option<&ExpectedDigest>) -> Result<Report, PgError> {
    let mut session = source.connect()?;
    begin_read(&mut session, Isolation::RepeatableRead).map_err(|e| source.read_error(e))?;
    let sql = format!(
        "COPY ({}) TO STDOUT (FORMAT binary)",
        source.layout.digest_select()
    );
    let reader = session.copy_out(&sql).map_err(|e| source.read_error(e))?;
    let mut tuples = TupleReader::new(reader, true).map_err(|e| source.stream_error(e))?;
    let mut hash = GENESIS;
    let mut rows = 0u64;
    let mut head = None;
    let mut check = None;
    while let Some(t) = tuples.next_tuple().map_err(|e| source.stream_error(e))? {
        rows += 1;
        let seq = source.layout.digest_position(&t).unwrap_or(rows);
        hash = link(&hash, t.wire);
        head = Some(Digest256 { seq, hash });
        if check.is_some() {
            continue;
        }
        match expect {
            Some(ExpectedDigest {
                seq: Some(want),
                hash: kept,
            }) => {
                if seq == *want {
                    check = Some(if hash == *kept {
                        Check::Matches { seq }
                    } else {
                        Check::Differs { seq, found: hash }
                    });
                } else if seq > *want {
                    check = Some(Check::Missing {
                        seq: *want,
                        last: None,
                    });
                }
            }
            Some(ExpectedDigest {
                seq: None,
                hash: kept,
            }) if hash == *kept => {
                check = Some(Check::Matches { seq });
            }
            _ => {}
        }
    }
    drop(tuples);
    session
        .batch_execute("COMMIT", Phase::Rows)
        .map_err(|e| source.read_error(e))?;
    let check = match (expect, check) {
        (None, _) => None,
        (Some(_), Some(c)) => Some(c),
        (Some(e), None) => Some(match e.seq {
            Some(seq) => Check::Missing {
                seq,
                last: head.map(|h| h.seq),
            },
            None => Check::NotFound,
        }),
    };
    Ok(Report { rows, head, check })
}

/// The RFC 6962 leaf hash of every row, in order: a row's leaf is its encoding above, the bytes
/// the digest chains (`FORMAT.md`, "Merkle leaves").
pub fn leaf_hashes(source: &PgSource) -> Result<Vec<crate::ledger::merkle::Hash>, PgError> {
    let mut session = source.connect()?;
    begin_read(&mut session, Isolation::RepeatableRead).map_err(|e| source.read_error(e))?;
    let sql = format!(
        "COPY ({}) TO STDOUT (FORMAT binary)",
        source.layout.digest_select()
    );
    let reader = session.copy_out(&sql).map_err(|e| source.read_error(e))?;
    let mut tuples = TupleReader::new(reader, true).map_err(|e| source.stream_error(e))?;
    let mut leaves = Vec::new();
    while let Some(t) = tuples.next_tuple().map_err(|e| source.stream_error(e))? {
        leaves.push(crate::ledger::merkle::leaf_hash(t.wire));
    }
    drop(tuples);
    session
        .batch_execute("COMMIT", Phase::Rows)
        .map_err(|e| source.read_error(e))?;
    Ok(leaves)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_covers_the_previous_link_and_the_row() {
        let row = [0u8, 1, 0, 0, 0, 1, b'7'];
        let mut h = Sha256::new();
        h.update([0u8; 32]);
        h.update(row);
        let expected: [u8; 32] = h.finalize().into();
        assert_eq!(link(&GENESIS, &row), expected);
        assert_ne!(link(&expected, &row), expected);
        let r = Report {
            rows: 0,
            head: None,
            check: None,
        };
        assert_eq!(r.head_text(), format!("0:{}", "0".repeat(64)));
    }
}
