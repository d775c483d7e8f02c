//! The Merkle tree of RFC 6962 §2.1 over a sealed log's records, its inclusion and consistency
//! proofs, and their verification (the algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2).
//!
//! SHA-256 throughout: the hash of the empty tree is `SHA-256()`, a leaf's hash is
//! `SHA-256(0x00 || leaf)`, a node's `SHA-256(0x01 || left || right)`, and a tree of `n > 1`
//! leaves splits at `k`, the largest power of two below `n`. The leaves of a log are defined in
//! `FORMAT.md` ("Merkle leaves"); nothing here knows what a leaf holds.
//!
//! Written by hand rather than taken from a crate: the RFC's algorithms are a few dozen lines, the
//! crates that offer them bring their own storage models, and here the tree must be built in
//! parallel over a log of millions of records with only its upper levels kept in memory
//! ([`Tree`]).

use rayon::prelude::*;
use sha2::{Digest, Sha256};
use thiserror::Error;

/// A SHA-256 hash: of a leaf, a node or a whole tree.
pub type Hash = [u8; 32];

/// Why a proof could not be made or does not verify.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProofError {
    /// The leaf is not in a tree of that size.
    #[error("leaf {index} is not in a tree of {size} leaves")]
    IndexOutOfRange {
        /// The 0-based leaf index asked for.
        index: u64,
        /// The size of the tree.
        size: u64,
    },
    /// A tree larger than the one at hand was asked for.
    #[error("a tree of {asked} leaves was asked for, but only {known} are known")]
    TooLarge {
        /// The size asked for.
        asked: u64,
        /// The size of the tree at hand.
        known: u64,
    },
    /// The proof does not have the number of hashes the sizes call for.
    #[error("the proof has {got} hashes where {want} are needed")]
    WrongLength {
        /// Hashes in the proof.
        got: usize,
        /// Hashes the sizes call for.
        want: usize,
    },
    /// The proof leads to another root.
    #[error("the proof leads to another root than the checkpoint's")]
    RootMismatch,
    /// A consistency proof between these sizes means nothing or cannot exist.
    #[error("no consistency proof goes from a tree of {old} leaves to one of {new}")]
    BadSizes {
        /// The older (smaller) size.
        old: u64,
        /// The newer (larger) size.
        new: u64,
    },
}

/// The root of the empty tree: `SHA-256()` of nothing.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// A leaf's hash: `SHA-256(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// A node's hash: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    node_of(left, right)
}

fn node_of(left: &[u8], right: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The RFC's split of `n >= 2` leaves: the largest power of two smaller than `n`.
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// The root of a tree whose leaf hashes are all at hand.
pub fn root_of(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n as u64) as usize;
            node_hash(&root_of(&leaves[..k]), &root_of(&leaves[k..]))
        }
    }
}

/// The hashes of the complete subtrees of a tree, from some level up, which is all that proofs
/// and roots need besides a few leaves; the leaves below that level are hashed again when a proof
/// needs them (at most `2 * 2^base` of them per proof).
///
/// `levels[j][i]` is the hash of the complete subtree of `2^(base + j)` leaves starting at leaf
/// `i * 2^(base + j)`. With `base = 0` every leaf hash is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tree {
    size: u64,
    base: u32,
    levels: Vec<Vec<Hash>>,
}

/// The level from which [`Tree::build`] keeps hashes: blocks of 64 leaves, so a tree costs one
/// byte of memory per leaf and a proof rehashes at most 128 leaves.
pub const DEFAULT_BASE: u32 = 6;

impl Tree {
    /// The tree of `size` leaves whose `i`-th leaf hash is `leaf(i)`, keeping the levels from
    /// `base` up. Blocks of leaves are hashed in parallel.
    pub fn build(size: u64, base: u32, leaf: impl Fn(u64) -> Hash + Sync) -> Tree {
        let base = base.min(62);
        let block = 1u64 << base;
        let blocks = size >> base;
        let blocks = usize::try_from(blocks).expect("a tree that fits in memory");
        let first: Vec<Hash> = (0..blocks)
            .into_par_iter()
            .with_min_len(64)
            .map(|b| {
                let start = (b as u64) << base;
                complete_root((start..start + block).map(&leaf))
            })
            .collect();
        Tree::from_level(size, base, first)
    }

    /// The tree whose leaf hashes are `leaves`, every one of them kept.
    pub fn from_leaf_hashes(leaves: Vec<Hash>) -> Tree {
        Tree::from_level(leaves.len() as u64, 0, leaves)
    }

    fn from_level(size: u64, base: u32, first: Vec<Hash>) -> Tree {
        let mut levels = vec![first];
        while levels.last().is_some_and(|l| l.len() >= 2) {
            let below = levels.last().expect("a level");
            let above: Vec<Hash> = below
                .par_chunks_exact(2)
                .with_min_len(1024)
                .map(|pair| node_hash(&pair[0], &pair[1]))
                .collect();
            levels.push(above);
        }
        Tree { size, base, levels }
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The level from which hashes are kept.
    pub fn base(&self) -> u32 {
        self.base
    }

    /// The `i`-th leaf hash when leaves are kept (`base` 0), else `leaf(i)`.
    fn leaf_at(&self, i: u64, leaf: &dyn Fn(u64) -> Hash) -> Hash {
        match (self.base, self.levels.first()) {
            (0, Some(l)) => l[i as usize],
            _ => leaf(i),
        }
    }

    /// The hash of the leaves `start..end` (a range of the RFC's recursion: `start` is a multiple
    /// of the largest power of two not above `end - start`).
    fn range(&self, start: u64, end: u64, leaf: &dyn Fn(u64) -> Hash) -> Hash {
        let n = end - start;
        match n {
            0 => empty_root(),
            1 => self.leaf_at(start, leaf),
            _ if n.is_power_of_two()
                && start.is_multiple_of(n)
                && n.trailing_zeros() >= self.base =>
            {
                let level = (n.trailing_zeros() - self.base) as usize;
                match self
                    .levels
                    .get(level)
                    .and_then(|l| l.get((start / n) as usize))
                {
                    Some(h) => *h,
                    None => self.split_range(start, end, leaf),
                }
            }
            _ => self.split_range(start, end, leaf),
        }
    }

    fn split_range(&self, start: u64, end: u64, leaf: &dyn Fn(u64) -> Hash) -> Hash {
        let k = split(end - start);
        node_hash(
            &self.range(start, start + k, leaf),
            &self.range(start + k, end, leaf),
        )
    }

    /// The root of the whole tree.
    pub fn root(&self, leaf: &dyn Fn(u64) -> Hash) -> Hash {
        self.range(0, self.size, leaf)
    }

    /// The root of the tree of the first `size` leaves.
    pub fn root_at(&self, size: u64, leaf: &dyn Fn(u64) -> Hash) -> Result<Hash, ProofError> {
        self.check_size(size)?;
        Ok(self.range(0, size, leaf))
    }

    fn check_size(&self, size: u64) -> Result<(), ProofError> {
        if size > self.size {
            return Err(ProofError::TooLarge {
                asked: size,
                known: self.size,
            });
        }
        Ok(())
    }

    /// The audit path of leaf `index` in the tree of the first `size` leaves (RFC 6962 §2.1.1,
    /// `PATH(m, D[n])`), from the leaf's sibling up.
    pub fn inclusion_proof(
        &self,
        index: u64,
        size: u64,
        leaf: &dyn Fn(u64) -> Hash,
    ) -> Result<Vec<Hash>, ProofError> {
        self.check_size(size)?;
        if index >= size {
            return Err(ProofError::IndexOutOfRange { index, size });
        }
        let mut proof = Vec::new();
        self.path(index, 0, size, leaf, &mut proof);
        Ok(proof)
    }

    /// `PATH(m, D[start:end])` with `m` absolute, pushed leaf side first.
    fn path(&self, m: u64, start: u64, end: u64, leaf: &dyn Fn(u64) -> Hash, out: &mut Vec<Hash>) {
        if end - start <= 1 {
            return;
        }
        let k = split(end - start);
        if m < start + k {
            self.path(m, start, start + k, leaf, out);
            out.push(self.range(start + k, end, leaf));
        } else {
            self.path(m, start + k, end, leaf, out);
            out.push(self.range(start, start + k, leaf));
        }
    }

    /// The consistency proof from the tree of the first `old` leaves to that of the first `new`
    /// (RFC 6962 §2.1.2, `PROOF(m, D[n])`); `0 < old <= new <= size`.
    pub fn consistency_proof(
        &self,
        old: u64,
        new: u64,
        leaf: &dyn Fn(u64) -> Hash,
    ) -> Result<Vec<Hash>, ProofError> {
        self.check_size(new)?;
        if old == 0 || old > new {
            return Err(ProofError::BadSizes { old, new });
        }
        let mut proof = Vec::new();
        self.subproof(old, 0, new, true, leaf, &mut proof);
        Ok(proof)
    }

    /// `SUBPROOF(m, D[start:end], b)` with `m` counted from `start`.
    fn subproof(
        &self,
        m: u64,
        start: u64,
        end: u64,
        complete: bool,
        leaf: &dyn Fn(u64) -> Hash,
        out: &mut Vec<Hash>,
    ) {
        let n = end - start;
        if m == n {
            if !complete {
                out.push(self.range(start, end, leaf));
            }
            return;
        }
        let k = split(n);
        if m <= k {
            self.subproof(m, start, start + k, complete, leaf, out);
            out.push(self.range(start + k, end, leaf));
        } else {
            self.subproof(m - k, start + k, end, false, leaf, out);
            out.push(self.range(start, start + k, leaf));
        }
    }
}

/// The root of a complete subtree (a power of two of leaves) from its leaf hashes in order,
/// without holding more than one hash per level.
fn complete_root(leaves: impl Iterator<Item = Hash>) -> Hash {
    let mut stack: Vec<(u32, Hash)> = Vec::with_capacity(64);
    for h in leaves {
        let mut node = (0u32, h);
        while let Some(&(level, left)) = stack.last() {
            if level != node.0 {
                break;
            }
            stack.pop();
            node = (level + 1, node_hash(&left, &node.1));
        }
        stack.push(node);
    }
    // Only a complete subtree is asked for, so one node is left; fold anything else from the
    // right as the RFC's split would for an incomplete one.
    let mut nodes = stack.into_iter().rev();
    let mut acc = nodes.next().map_or_else(empty_root, |(_, h)| h);
    for (_, left) in nodes {
        acc = node_hash(&left, &acc);
    }
    acc
}

/// The root that an inclusion proof of leaf `index` (whose hash is `leaf`) in a tree of `size`
/// leaves leads to (RFC 9162 §2.1.3.2).
pub fn root_from_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
) -> Result<Hash, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let want = inclusion_len(index, size);
    if proof.len() != want {
        return Err(ProofError::WrongLength {
            got: proof.len(),
            want,
        });
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return Err(ProofError::WrongLength {
                got: proof.len(),
                want,
            });
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::WrongLength {
            got: proof.len(),
            want,
        });
    }
    Ok(r)
}

/// The number of hashes in the inclusion proof of leaf `index` in a tree of `size > index` leaves:
/// one per level where the paths to `index` and to the last leaf diverge, plus one per left
/// sibling above that.
pub fn inclusion_len(index: u64, size: u64) -> usize {
    let inner = 64 - (index ^ (size - 1)).leading_zeros();
    let border = (index >> inner).count_ones();
    (inner + border) as usize
}

/// The number of hashes in the consistency proof from `old` to `new` leaves (`0 < old < new`),
/// following the recursion of `PROOF(m, D[n])` on the sizes alone.
pub fn consistency_len(old: u64, new: u64) -> usize {
    let (mut m, mut n, mut complete, mut len) = (old, new, true, 0);
    while m != n {
        let k = split(n);
        len += 1;
        if m <= k {
            n = k;
        } else {
            m -= k;
            n -= k;
            complete = false;
        }
    }
    len + usize::from(!complete)
}

/// Checks that `proof` shows leaf `index` (hash `leaf`) in the tree of `size` leaves with `root`.
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if root_from_inclusion(index, size, leaf, proof)? == *root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}

/// Checks that `proof` shows the tree of `old` leaves with `old_root` to be a prefix of the tree
/// of `new` leaves with `new_root` (RFC 9162 §2.1.4.2). Equal sizes need an empty proof and equal
/// roots; a proof from the empty tree means nothing and is refused, as Go's
/// `transparency-dev/merkle` does.
pub fn verify_consistency(
    old: u64,
    new: u64,
    proof: &[Hash],
    old_root: &Hash,
    new_root: &Hash,
) -> Result<(), ProofError> {
    if old == 0 || old > new {
        return Err(ProofError::BadSizes { old, new });
    }
    if old == new {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength {
                got: proof.len(),
                want: 0,
            });
        }
        return if old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    let want = consistency_len(old, new);
    if proof.len() != want {
        return Err(ProofError::WrongLength {
            got: proof.len(),
            want,
        });
    }
    // A proof from a power-of-two size does not repeat the old root: it starts the path.
    let mut path: Vec<&Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(old_root);
    }
    path.extend(proof.iter());
    let (mut f, mut s) = (old - 1, new - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (*path[0], *path[0]);
    for c in &path[1..] {
        if s == 0 {
            return Err(ProofError::RootMismatch);
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::RootMismatch);
    }
    if fr == *old_root && sr == *new_root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}

#[cfg(test)]
mod tests;
