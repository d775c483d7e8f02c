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

use super::copy::TupleReader;
use super::{Isolation, PgError, PgSource, Phase, begin_read};
use crate::ledger::chain::ExpectedDigest;
use crate::source::rows::{RowChain, RowDigest};

/// Computes the digest of every row of the source, in order, in a read-only transaction; checks
/// `expect` against it on the way.
pub fn digest(source: &PgSource, expect: Option<&ExpectedDigest>) -> Result<RowDigest, PgError> {
    let mut session = source.connect()?;
    begin_read(&mut session, Isolation::RepeatableRead).map_err(|e| source.read_error(e))?;
    let sql = format!(
        "COPY ({}) TO STDOUT (FORMAT binary)",
        source.layout.digest_select()
    );
    let reader = session.copy_out(&sql).map_err(|e| source.read_error(e))?;
    let mut tuples = TupleReader::new(reader, true).map_err(|e| source.stream_error(e))?;
    let mut chain = RowChain::new(expect);
    while let Some(t) = tuples.next_tuple().map_err(|e| source.stream_error(e))? {
        chain.push(source.layout.digest_position(&t), t.wire);
    }
    drop(tuples);
    session
        .batch_execute("COMMIT", Phase::Rows)
        .map_err(|e| source.read_error(e))?;
    Ok(chain.finish())
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
