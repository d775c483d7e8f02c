//! The evidence readers under damage: a signed checkpoint or an evidence bundle, however its bytes
//! were changed, is refused or proves only what the signer signed. A fuzzer cannot sign, so
//! whatever verifies under the sample key (`assets/ops-2024.pub`) must be the sample's own tree:
//! its size at most the sample's 799 records, its root the sample's root at that size, and every
//! record a bundle proves the sample's record at that place, byte for byte.

use std::sync::OnceLock;

use crate::ledger::bundle::{Proven, verify_bundle};
use crate::ledger::checkpoint::{Checkpoint, VerifierKey, verify_signed_checkpoint};
use crate::ledger::log_tree::LogTree;
use crate::ledger::merkle::Hash;
use crate::ledger::{LoadOptions, load_bytes};

const VERIFIER: &str = include_str!("../../assets/ops-2024.pub");
const SAMPLE: &[u8] = include_bytes!("../../assets/sample.jsonl");

/// The sample key, and the sample's records with the root of every prefix of its tree.
struct Reference {
    key: VerifierKey,
    records: Vec<String>,
    roots: Vec<Hash>,
}

fn reference() -> &'static Reference {
    static REFERENCE: OnceLock<Reference> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        let ledger = load_bytes("sample.jsonl", SAMPLE.to_vec(), &LoadOptions::default());
        let tree = LogTree::new(&ledger).expect("the sample's tree");
        let roots = (0..=tree.size())
            .map(|n| tree.root_at(n).expect("a prefix of the sample's tree"))
            .collect();
        let records = (0..tree.size())
            .map(|leaf| String::from_utf8_lossy(tree.record(leaf)).into_owned())
            .collect();
        Reference {
            key: VerifierKey::parse(VERIFIER.trim()).expect("the sample verifier key"),
            records,
            roots,
        }
    })
}

/// A checkpoint the sample key signed is one of the sample's tree.
fn is_the_samples(cp: &Checkpoint) {
    let r = reference();
    let size = usize::try_from(cp.size).expect("a size that fits");
    assert!(
        size < r.roots.len(),
        "a signed size beyond the sample: {}",
        cp.size
    );
    assert_eq!(
        cp.root, r.roots[size],
        "a signed root that is not the sample's"
    );
}

/// `cargo fuzz run checkpoint`: the signed checkpoint reader on damaged checkpoints.
pub fn checkpoint(data: &[u8]) {
    let r = reference();
    if let Ok((cp, signers)) = verify_signed_checkpoint(data, std::slice::from_ref(&r.key))
        && !signers.is_empty()
    {
        is_the_samples(&cp.checkpoint);
    }
}

/// `cargo fuzz run bundle`: the bundle reader on damaged bundles.
pub fn bundle(data: &[u8]) {
    let r = reference();
    match verify_bundle(data, std::slice::from_ref(&r.key), None) {
        Ok(Proven::Inclusion {
            checkpoint,
            records,
            ..
        }) => {
            is_the_samples(&checkpoint);
            for p in records {
                let place = usize::try_from(p.number).expect("a place that fits");
                assert!(
                    (1..=r.records.len()).contains(&place),
                    "a proven record outside the sample: {place}"
                );
                assert_eq!(
                    p.record.trim_end_matches(['\r', '\n']),
                    r.records[place - 1].trim_end_matches(['\r', '\n']),
                    "record {place} proven with other bytes"
                );
            }
        }
        Ok(Proven::Consistency { old, new, .. }) => {
            is_the_samples(&old);
            is_the_samples(&new);
            assert!(old.size <= new.size, "a consistency from a larger tree");
        }
        Err(_) => {}
    }
}
