//! The tree and its proofs against the RFC text's own definitions and published test vectors.

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
        serde_json::from_str(include_str!("../../../tests/data/rfc6962-vectors.json")).unwrap();
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
                    assert!(verify_inclusion(other, n, &hashes[m as usize], &p, &root).is_err());
                    assert!(verify_inclusion(m, n, &hashes[other as usize], &p, &root).is_err());
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
