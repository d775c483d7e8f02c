//! What a store whose rows carry no hash chain offers instead: a digest over its rows in order
//! (a SHA-256 chain over each row's canonical encoding, `FORMAT.md`), checked against a digest
//! kept earlier, and the Merkle tree whose leaves are those encodings, for checkpoints.

use sha2::{Digest, Sha256};

use crate::ledger::chain::{Digest256, ExpectedDigest, GENESIS};
use crate::ledger::merkle::{Hash, ProofError, Tree};

/// How a kept digest compares with the rows now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// The rows up to this position are as they were.
    Matches { seq: u64 },
    /// The chain differs at the expected position: a row up to it was changed, removed or inserted.
    Differs { seq: u64, found: [u8; 32] },
    /// No row has the expected position any more (it was removed, or the table was cut short).
    Missing { seq: u64, last: Option<u64> },
    /// A hash given without a position matches no row's chain.
    NotFound,
}

impl Check {
    pub fn is_match(&self) -> bool {
        matches!(self, Check::Matches { .. })
    }
}

/// The digest of a store's rows, and the check of a kept digest when one was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowDigest {
    pub rows: u64,
    /// The last row's position and chain hash; `None` for an empty table.
    pub head: Option<Digest256>,
    pub check: Option<Check>,
}

impl RowDigest {
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

/// The digest being computed over rows handed to it in order, checking a kept digest on the way.
#[derive(Debug)]
pub struct RowChain<'a> {
    expect: Option<&'a ExpectedDigest>,
    hash: [u8; 32],
    rows: u64,
    head: Option<Digest256>,
    check: Option<Check>,
}

impl<'a> RowChain<'a> {
    /// A chain over no row yet, to be checked against `expect` when given.
    pub fn new(expect: Option<&'a ExpectedDigest>) -> RowChain<'a> {
        RowChain {
            expect,
            hash: GENESIS,
            rows: 0,
            head: None,
            check: None,
        }
    }

    /// The next row: its canonical encoding, and its position when the store has one (else its
    /// rank, from 1).
    pub fn push(&mut self, seq: Option<u64>, row: &[u8]) {
        self.rows += 1;
        let seq = seq.unwrap_or(self.rows);
        self.hash = link(&self.hash, row);
        self.head = Some(Digest256 {
            seq,
            hash: self.hash,
        });
        if self.check.is_some() {
            return;
        }
        match self.expect {
            Some(ExpectedDigest {
                seq: Some(want),
                hash: kept,
            }) => {
                if seq == *want {
                    self.check = Some(if self.hash == *kept {
                        Check::Matches { seq }
                    } else {
                        Check::Differs {
                            seq,
                            found: self.hash,
                        }
                    });
                } else if seq > *want {
                    self.check = Some(Check::Missing {
                        seq: *want,
                        last: None,
                    });
                }
            }
            Some(ExpectedDigest {
                seq: None,
                hash: kept,
            }) if self.hash == *kept => {
                self.check = Some(Check::Matches { seq });
            }
            _ => {}
        }
    }

    /// The digest of every row pushed, and how the kept digest compares with it.
    pub fn finish(self) -> RowDigest {
        let check = match (self.expect, self.check) {
            (None, _) => None,
            (Some(_), Some(c)) => Some(c),
            (Some(e), None) => Some(match e.seq {
                Some(seq) => Check::Missing {
                    seq,
                    last: self.head.map(|h| h.seq),
                },
                None => Check::NotFound,
            }),
        };
        RowDigest {
            rows: self.rows,
            head: self.head,
            check,
        }
    }
}

/// The RFC 6962 tree over a store's rows, every leaf hash kept.
#[derive(Debug)]
pub struct RowTree {
    tree: Tree,
}

impl RowTree {
    /// The tree over these leaf hashes, in order.
    pub fn new(leaves: Vec<Hash>) -> RowTree {
        RowTree {
            tree: Tree::from_leaf_hashes(leaves),
        }
    }

    /// The number of rows.
    pub fn size(&self) -> u64 {
        self.tree.size()
    }

    /// The root over every row.
    pub fn root(&self) -> Hash {
        self.tree.root(&Self::kept)
    }

    /// The root over the first `size` rows.
    pub fn root_at(&self, size: u64) -> Result<Hash, ProofError> {
        self.tree.root_at(size, &Self::kept)
    }

    fn kept(_: u64) -> Hash {
        unreachable!("every leaf is kept")
    }
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
        let r = RowDigest {
            rows: 0,
            head: None,
            check: None,
        };
        assert_eq!(r.head_text(), format!("0:{}", "0".repeat(64)));
    }

    #[test]
    fn a_kept_digest_is_found_differs_or_is_missing() {
        let rows: [&[u8]; 3] = [b"a", b"b", b"c"];
        let digest = |expect: Option<&ExpectedDigest>| {
            let mut chain = RowChain::new(expect);
            for (i, row) in rows.iter().enumerate() {
                chain.push(Some(10 + i as u64), row);
            }
            chain.finish()
        };
        let all = digest(None);
        assert_eq!(all.rows, 3);
        assert_eq!(all.check, None);
        let head = all.head.unwrap();
        assert_eq!(head.seq, 12);
        let second = link(&link(&GENESIS, b"a"), b"b");
        let kept = |seq, hash| ExpectedDigest { seq, hash };
        assert_eq!(
            digest(Some(&kept(Some(11), second))).check,
            Some(Check::Matches { seq: 11 })
        );
        assert_eq!(
            digest(Some(&kept(None, second))).check,
            Some(Check::Matches { seq: 11 })
        );
        assert_eq!(
            digest(Some(&kept(Some(12), second))).check,
            Some(Check::Differs {
                seq: 12,
                found: head.hash
            })
        );
        assert_eq!(
            digest(Some(&kept(Some(13), second))).check,
            Some(Check::Missing {
                seq: 13,
                last: Some(12)
            })
        );
        assert_eq!(
            digest(Some(&kept(Some(5), second))).check,
            Some(Check::Missing { seq: 5, last: None })
        );
        assert_eq!(
            digest(Some(&kept(None, GENESIS))).check,
            Some(Check::NotFound)
        );
    }

    #[test]
    fn the_tree_of_rows_is_the_tree_of_their_leaves() {
        use crate::ledger::merkle::{leaf_hash, root_of};
        let leaves: Vec<Hash> = [b"a", b"b", b"c"].iter().map(|r| leaf_hash(*r)).collect();
        let tree = RowTree::new(leaves.clone());
        assert_eq!(tree.size(), 3);
        assert_eq!(tree.root(), root_of(&leaves));
        assert_eq!(tree.root_at(2).unwrap(), root_of(&leaves[..2]));
        assert!(tree.root_at(4).is_err());
    }
}
