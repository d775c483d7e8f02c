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
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn h(s: &str) -> Hash {
        hex(s).try_into().unwrap()
    }

    // ----- an independent implementation, written straight from the text of RFC 6962 §2.1 -----

    /// `MTH(D[n])`.
    fn mth(d: &[Vec<u8>]) -> Hash {
        match d.len() {
            0 => Sha256::digest(b"").into(),
            1 => Sha256::digest([&[0u8][..], &d[0]].concat()).into(),
            n => {
                let mut k = 1;
                while k * 2 < n {
                    k *= 2;
                }
                Sha256::digest([&[1u8][..], &mth(&d[..k]), &mth(&d[k..])].concat()).into()
            }
        }
    }

    /// `PATH(m, D[n])`.
    fn path(m: usize, d: &[Vec<u8>]) -> Vec<Hash> {
        let n = d.len();
        if n <= 1 {
            return vec![];
        }
        let mut k = 1;
        while k * 2 < n {
            k *= 2;
        }
        if m < k {
            let mut p = path(m, &d[..k]);
            p.push(mth(&d[k..]));
            p
        } else {
            let mut p = path(m - k, &d[k..]);
            p.push(mth(&d[..k]));
            p
        }
    }

    /// `PROOF(m, D[n])`.
    fn proof(m: usize, d: &[Vec<u8>]) -> Vec<Hash> {
        fn subproof(m: usize, d: &[Vec<u8>], b: bool) -> Vec<Hash> {
            let n = d.len();
            if m == n {
                return if b { vec![] } else { vec![mth(d)] };
            }
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            if m <= k {
                let mut p = subproof(m, &d[..k], b);
                p.push(mth(&d[k..]));
                p
            } else {
                let mut p = subproof(m - k, &d[k..], false);
                p.push(mth(&d[..k]));
                p
            }
        }
        subproof(m, d, true)
    }

    fn leaves(n: usize) -> Vec<Vec<u8>> {
        (0..n).map(|i| format!("leaf {i}").into_bytes()).collect()
    }

    // ----- published vectors: github.com/transparency-dev/merkle (Apache License 2.0) -----

    /// `testonly/constants.go`: `LeafInputs()`.
    fn go_leaf_inputs() -> Vec<Vec<u8>> {
        [
            "",
            "00",
            "10",
            "2021",
            "3031",
            "40414243",
            "5051525354555657",
            "606162636465666768696a6b6c6d6e6f",
        ]
        .iter()
        .map(|s| hex(s))
        .collect()
    }

    /// `testonly/constants.go`: `RootHashes()`, by tree size from 0.
    const GO_ROOTS: [&str; 9] = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    /// `cmd/proofgen/main.go`: `inclusionProofs` (1-based leaf, tree size, path).
    fn go_inclusion_proofs() -> Vec<(u64, u64, Vec<&'static str>)> {
        vec![
            (1, 1, vec![]),
            (
                1,
                8,
                vec![
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                6,
                8,
                vec![
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
            (
                3,
                3,
                vec!["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
            ),
            (
                2,
                5,
                vec![
                    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ],
            ),
        ]
    }

    /// `cmd/proofgen/main.go`: `consistencyProofs` (old size, new size, proof).
    fn go_consistency_proofs() -> Vec<(u64, u64, Vec<&'static str>)> {
        vec![
            (1, 1, vec![]),
            (
                1,
                8,
                vec![
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                6,
                8,
                vec![
                    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
            (
                2,
                5,
                vec![
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ],
            ),
            (
                6,
                7,
                vec![
                    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
        ]
    }

    fn go_tree(base: u32) -> (Tree, Vec<Hash>) {
        let hashes: Vec<Hash> = go_leaf_inputs().iter().map(|l| leaf_hash(l)).collect();
        let tree = if base == 0 {
            Tree::from_leaf_hashes(hashes.clone())
        } else {
            let hs = hashes.clone();
            Tree::build(hashes.len() as u64, base, move |i| hs[i as usize])
        };
        (tree, hashes)
    }

    #[test]
    fn hashes_of_the_rfc_6962_test_vectors() {
        // rfc6962/rfc6962_test.go
        assert_eq!(empty_root(), h(GO_ROOTS[0]));
        assert_eq!(
            leaf_hash(b""),
            h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
        );
        assert_eq!(
            leaf_hash(b"L123456"),
            h("395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56")
        );
        assert_eq!(
            node_of(b"N123", b"N456"),
            h("aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb")
        );
    }

    #[test]
    fn roots_of_every_prefix_match_the_published_roots() {
        for base in [0, 1, 2, 6] {
            let (tree, hashes) = go_tree(base);
            let leaf = |i: u64| hashes[i as usize];
            for (size, want) in GO_ROOTS.iter().enumerate() {
                assert_eq!(
                    tree.root_at(size as u64, &leaf).unwrap(),
                    h(want),
                    "size {size}, base {base}"
                );
                assert_eq!(root_of(&hashes[..size]), h(want));
                assert_eq!(mth(&go_leaf_inputs()[..size]), h(want));
            }
        }
    }

    #[test]
    fn inclusion_proofs_match_the_published_ones_and_verify() {
        for base in [0, 2, 6] {
            let (tree, hashes) = go_tree(base);
            let leaf = |i: u64| hashes[i as usize];
            for (n, size, want) in go_inclusion_proofs() {
                let index = n - 1;
                let want: Vec<Hash> = want.iter().map(|s| h(s)).collect();
                let got = tree.inclusion_proof(index, size, &leaf).unwrap();
                assert_eq!(got, want, "leaf {index} of {size}, base {base}");
                verify_inclusion(
                    index,
                    size,
                    &hashes[index as usize],
                    &got,
                    &h(GO_ROOTS[size as usize]),
                )
                .unwrap();
            }
        }
    }

    #[test]
    fn consistency_proofs_match_the_published_ones_and_verify() {
        for base in [0, 2, 6] {
            let (tree, hashes) = go_tree(base);
            let leaf = |i: u64| hashes[i as usize];
            for (old, new, want) in go_consistency_proofs() {
                let want: Vec<Hash> = want.iter().map(|s| h(s)).collect();
                let got = tree.consistency_proof(old, new, &leaf).unwrap();
                assert_eq!(got, want, "{old} → {new}, base {base}");
                verify_consistency(
                    old,
                    new,
                    &got,
                    &h(GO_ROOTS[old as usize]),
                    &h(GO_ROOTS[new as usize]),
                )
                .unwrap();
            }
        }
    }

    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct InclusionProbe {
        leaf_idx: u64,
        tree_size: u64,
        root: String,
        leaf_hash: String,
        proof: Option<Vec<String>>,
        desc: String,
        want_err: bool,
        file: String,
    }

    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct ConsistencyProbe {
        size1: u64,
        size2: u64,
        root1: String,
        root2: String,
        proof: Option<Vec<String>>,
        desc: String,
        want_err: bool,
        file: String,
    }

    #[derive(serde::Deserialize)]
    struct Probes {
        inclusion: Vec<InclusionProbe>,
        consistency: Vec<ConsistencyProbe>,
    }

    /// A base64 hash of a vector; `None` where it holds another number of bytes than 32.
    fn b64(s: &str) -> Option<Hash> {
        STANDARD.decode(s).ok()?.try_into().ok()
    }

    /// A root of a vector. Some vectors hold other bytes than 32 there (`"don't care"`): those
    /// stand for a root that is the same exactly when their text is.
    fn b64_root(s: &str) -> Option<Hash> {
        let bytes = STANDARD.decode(s).ok()?;
        Some(
            bytes
                .clone()
                .try_into()
                .unwrap_or_else(|_| Sha256::digest([b"not a hash: ", &bytes[..]].concat()).into()),
        )
    }

    fn b64_proof(p: &Option<Vec<String>>) -> Option<Vec<Hash>> {
        p.iter().flatten().map(|s| b64(s)).collect()
    }

    /// Every probe of `testdata/` (happy paths, and flipped bits, swapped roots, garbage before
    /// and after, wrong sizes and indexes that must fail), packed into one file.
    #[test]
    fn the_published_probes_verify_exactly_when_they_should() {
        let probes: Probes =
            serde_json::from_str(include_str!("../../tests/data/rfc6962-vectors.json")).unwrap();
        assert!(probes.inclusion.len() > 90 && probes.consistency.len() > 90);
        for p in &probes.inclusion {
            let ok = (|| {
                let proof = b64_proof(&p.proof)?;
                verify_inclusion(
                    p.leaf_idx,
                    p.tree_size,
                    &b64(&p.leaf_hash)?,
                    &proof,
                    &b64_root(&p.root)?,
                )
                .ok()
            })()
            .is_some();
            assert_eq!(ok, !p.want_err, "{}: {}", p.file, p.desc);
        }
        for p in &probes.consistency {
            let ok = (|| {
                let proof = b64_proof(&p.proof)?;
                verify_consistency(
                    p.size1,
                    p.size2,
                    &proof,
                    &b64_root(&p.root1)?,
                    &b64_root(&p.root2)?,
                )
                .ok()
            })()
            .is_some();
            assert_eq!(ok, !p.want_err, "{}: {}", p.file, p.desc);
        }
    }

    #[test]
    fn every_proof_agrees_with_the_rfc_text_and_verifies_up_to_33_leaves() {
        let d = leaves(33);
        let hashes: Vec<Hash> = d.iter().map(|l| leaf_hash(l)).collect();
        for base in [0, 3] {
            let hs = hashes.clone();
            let tree = Tree::build(33, base, move |i| hs[i as usize]);
            let leaf = |i: u64| hashes[i as usize];
            for n in 1..=33u64 {
                let root = mth(&d[..n as usize]);
                assert_eq!(tree.root_at(n, &leaf).unwrap(), root);
                for m in 0..n {
                    let p = tree.inclusion_proof(m, n, &leaf).unwrap();
                    assert_eq!(p, path(m as usize, &d[..n as usize]), "PATH({m}, {n})");
                    assert_eq!(p.len(), inclusion_len(m, n));
                    verify_inclusion(m, n, &hashes[m as usize], &p, &root).unwrap();
                    // Another leaf, index, size or root does not verify.
                    let other = (m + 1) % n;
                    if other != m {
                        assert!(
                            verify_inclusion(other, n, &hashes[m as usize], &p, &root).is_err()
                        );
                        assert!(
                            verify_inclusion(m, n, &hashes[other as usize], &p, &root).is_err()
                        );
                    }
                    // (The size is not bound by the path alone, `(0, 3)` verifies as `(0, 4)`:
                    // the signed checkpoint binds size and root together.)
                    for (i, _) in p.iter().enumerate() {
                        let mut bad = p.clone();
                        bad[i][0] ^= 1;
                        assert!(verify_inclusion(m, n, &hashes[m as usize], &bad, &root).is_err());
                    }
                }
                for old in 1..=n {
                    let p = tree.consistency_proof(old, n, &leaf).unwrap();
                    assert_eq!(
                        p,
                        proof(old as usize, &d[..n as usize]),
                        "PROOF({old}, {n})"
                    );
                    let old_root = mth(&d[..old as usize]);
                    verify_consistency(old, n, &p, &old_root, &root).unwrap();
                    if old < n {
                        assert!(verify_consistency(old, n, &p, &root, &old_root).is_err());
                        assert!(verify_consistency(old + 1, n, &p, &old_root, &root).is_err());
                        let mut bad = p.clone();
                        bad[0][31] ^= 0x80;
                        assert!(verify_consistency(old, n, &bad, &old_root, &root).is_err());
                    }
                }
            }
        }
    }

    #[test]
    fn a_built_tree_keeps_one_hash_per_block_and_agrees_with_all_leaves_kept() {
        let n = 1000u64;
        let hashes: Vec<Hash> = (0..n).map(|i| leaf_hash(&i.to_le_bytes())).collect();
        let full = Tree::from_leaf_hashes(hashes.clone());
        let hs = hashes.clone();
        let built = Tree::build(n, DEFAULT_BASE, move |i| hs[i as usize]);
        assert_eq!(built.levels[0].len(), (n >> DEFAULT_BASE) as usize);
        let leaf = |i: u64| hashes[i as usize];
        assert_eq!(built.root(&leaf), root_of(&hashes));
        assert_eq!(full.root(&leaf), root_of(&hashes));
        for (m, size) in [(0, 1000), (999, 1000), (513, 700), (64, 65), (127, 128)] {
            assert_eq!(
                built.inclusion_proof(m, size, &leaf),
                full.inclusion_proof(m, size, &leaf)
            );
        }
        assert_eq!(
            built.consistency_proof(300, 1000, &leaf),
            full.consistency_proof(300, 1000, &leaf)
        );
        assert_eq!(
            built.inclusion_proof(5, 1001, &leaf),
            Err(ProofError::TooLarge {
                asked: 1001,
                known: 1000
            })
        );
        assert!(built.consistency_proof(0, 10, &leaf).is_err());
        assert!(built.consistency_proof(11, 10, &leaf).is_err());
    }

    #[test]
    fn the_empty_tree() {
        let tree = Tree::build(0, DEFAULT_BASE, |_| unreachable!());
        assert_eq!(tree.root(&|_| unreachable!()), empty_root());
        assert!(tree.inclusion_proof(0, 0, &|_| unreachable!()).is_err());
        assert!(verify_inclusion(0, 0, &empty_root(), &[], &empty_root()).is_err());
    }
}
