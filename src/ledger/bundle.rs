//! Evidence bundles: records of a sealed log with their inclusion proofs and the signed checkpoint
//! they lead to, or a consistency proof between two signed checkpoints. A bundle is checked with
//! no access to the log (`FORMAT.md`, "Evidence bundles", is the specification).
//!
//! A bundle is one JSON object in the canonical form of RFC 8785 (members sorted, no whitespace,
//! integers plain, strings escaped minimally) followed by one newline. Reading is strict: unknown
//! or repeated members, another layout of the same JSON, a hash that is not canonical base64 of
//! 32 bytes, records out of order: each is an error, never a panic, so that no edit of a bundle
//! (not even of its whitespace) leaves it verifying. [`verify_bundle`] is the entry point a fuzz
//! target calls.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::chain;
use super::checkpoint::{
    Checkpoint, CheckpointError, NoteError, SignedCheckpoint, VerifierKey, read_signed_checkpoint,
};
use super::merkle::{self, Hash, ProofError};
use super::record::parse_record;

/// The value of a bundle's `format` member.
pub const FORMAT: &str = "rewind-bundle@v1";

/// The most records one bundle holds.
pub const MAX_RECORDS: usize = 1_000_000;

/// Why a bundle cannot be read (exit 2: it is not a bundle).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReadError {
    /// Not JSON, or not the members of a bundle.
    #[error("not an evidence bundle: {0}")]
    NotABundle(String),
    /// Another `format`.
    #[error("not an evidence bundle of this version (format `{0}`, expected `{FORMAT}`)")]
    Format(String),
    /// The JSON is not written as rewind writes bundles (RFC 8785 form and one final newline).
    #[error(
        "not in the canonical form of a bundle (RFC 8785 JSON and one newline): it was edited or \
         written by something else"
    )]
    NotCanonical,
}

/// Why a bundle does not prove what it says (exit 1).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VerifyError {
    /// A checkpoint in it cannot be read.
    #[error("{which} checkpoint cannot be read: {error}")]
    Checkpoint {
        /// `the` (inclusion), `the old` or `the new` (consistency).
        which: &'static str,
        /// What is wrong with it.
        error: CheckpointError,
    },
    /// A checkpoint is not signed by the keys given.
    #[error("{which} checkpoint: {error}")]
    Signature {
        /// `the`, `the old` or `the new`.
        which: &'static str,
        /// What is wrong with the signature.
        error: NoteError,
    },
    /// A checkpoint of another origin than the one expected.
    #[error("its checkpoint is for the ledger `{found}`, not `{expected}`")]
    Origin {
        /// The origin asked for.
        expected: String,
        /// The origin in the checkpoint.
        found: String,
    },
    /// No records.
    #[error("it holds no record")]
    Empty,
    /// Records not in increasing order of index, or one twice.
    #[error("its records are not in increasing order of their place in the log")]
    Order,
    /// A record's index is beyond the checkpoint's tree.
    #[error("record {number} is not in the checkpoint's tree of {size} records")]
    OutOfTree {
        /// The record's 1-based place.
        number: u64,
        /// The checkpoint's size.
        size: u64,
    },
    /// A record that is not a sealed record whose hash matches its bytes.
    #[error("record {number} is not an intact sealed record: {reason}")]
    BadRecord {
        /// The record's 1-based place.
        number: u64,
        /// Why.
        reason: String,
    },
    /// A record's inclusion proof does not lead to the checkpoint's root.
    #[error(
        "record {number} is not in the signed tree: its proof does not lead to the checkpoint's \
         root ({error})"
    )]
    Inclusion {
        /// The record's 1-based place.
        number: u64,
        /// What the proof check said.
        error: ProofError,
    },
    /// The two checkpoints are of different ledgers.
    #[error("the checkpoints are of different ledgers (`{old}` and `{new}`)")]
    Origins {
        /// The old checkpoint's origin.
        old: String,
        /// The new checkpoint's origin.
        new: String,
    },
    /// The consistency proof does not hold.
    #[error("the {old}-record tree is not shown to be a prefix of the {new}-record tree: {error}")]
    Consistency {
        /// The old size.
        old: u64,
        /// The new size.
        new: u64,
        /// What the proof check said.
        error: ProofError,
    },
}

/// Why a bundle is not evidence: it cannot be read, or it does not verify.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BundleError {
    /// Exit 2.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// Exit 1.
    #[error(transparent)]
    Verify(#[from] VerifyError),
}

/// One record of an inclusion bundle, as written.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BundleRecord {
    /// The record's 0-based leaf index (its place in the log, less one).
    pub index: u64,
    /// The inclusion proof, base64 hashes from the leaf's sibling up.
    pub proof: Vec<String>,
    /// The record exactly as in the log, without its line end.
    pub record: String,
}

/// The JSON of a bundle, members in RFC 8785 order (sorted by name).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Bundle {
    /// Records and the checkpoint they are in.
    Inclusion {
        /// The signed checkpoint (a C2SP signed note).
        checkpoint: String,
        /// [`FORMAT`].
        format: String,
        /// The records, in increasing order of index.
        records: Vec<BundleRecord>,
    },
    /// A consistency proof between two checkpoints of one ledger.
    Consistency {
        /// [`FORMAT`].
        format: String,
        /// The newer (larger) signed checkpoint.
        new: String,
        /// The older (smaller) signed checkpoint.
        old: String,
        /// The consistency proof, base64 hashes (RFC 6962 §2.1.2).
        proof: Vec<String>,
    },
}

impl Bundle {
    /// An inclusion bundle: `records` are (leaf index, record bytes, proof), in increasing order.
    pub fn inclusion(checkpoint: &str, records: Vec<(u64, String, Vec<Hash>)>) -> Bundle {
        Bundle::Inclusion {
            checkpoint: checkpoint.to_string(),
            format: FORMAT.to_string(),
            records: records
                .into_iter()
                .map(|(index, record, proof)| BundleRecord {
                    index,
                    proof: encode(&proof),
                    record,
                })
                .collect(),
        }
    }

    /// A consistency bundle.
    pub fn consistency(old: &str, new: &str, proof: &[Hash]) -> Bundle {
        Bundle::Consistency {
            format: FORMAT.to_string(),
            new: new.to_string(),
            old: old.to_string(),
            proof: encode(proof),
        }
    }

    /// The bundle's bytes: canonical JSON and one newline.
    pub fn to_text(&self) -> String {
        // The members in RFC 8785 order, whatever order serde would give them (a record's are
        // declared in that order).
        let mut top: BTreeMap<&str, serde_json::Value> = BTreeMap::new();
        let json = |v: &dyn erased::ToJson| v.to_json();
        match self {
            Bundle::Inclusion {
                checkpoint,
                format,
                records,
            } => {
                top.insert("checkpoint", json(checkpoint));
                top.insert("format", json(format));
                top.insert("kind", json(&"inclusion"));
                top.insert("records", json(records));
            }
            Bundle::Consistency {
                format,
                new,
                old,
                proof,
            } => {
                top.insert("format", json(format));
                top.insert("kind", json(&"consistency"));
                top.insert("new", json(new));
                top.insert("old", json(old));
                top.insert("proof", json(proof));
            }
        }
        let mut text = serde_json::to_string(&top).expect("a bundle is JSON");
        text.push('\n');
        text
    }

    /// Reads a bundle strictly (see the module's documentation).
    pub fn parse(bytes: &[u8]) -> Result<Bundle, ReadError> {
        let bundle: Bundle =
            serde_json::from_slice(bytes).map_err(|e| ReadError::NotABundle(one_line(&e)))?;
        let format = match &bundle {
            Bundle::Inclusion { format, .. } | Bundle::Consistency { format, .. } => format,
        };
        if format != FORMAT {
            return Err(ReadError::Format(crate::text::shorten(format, 40)));
        }
        if let Bundle::Inclusion { records, .. } = &bundle
            && records.len() > MAX_RECORDS
        {
            return Err(ReadError::NotABundle(format!(
                "more than {MAX_RECORDS} records"
            )));
        }
        if bundle.to_text().as_bytes() != bytes {
            return Err(ReadError::NotCanonical);
        }
        Ok(bundle)
    }
}

mod erased {
    /// Anything serializable, as a JSON value (lets one closure take members of several types).
    pub trait ToJson {
        fn to_json(&self) -> serde_json::Value;
    }

    impl<T: serde::Serialize> ToJson for T {
        fn to_json(&self) -> serde_json::Value {
            serde_json::to_value(self).expect("a bundle is JSON")
        }
    }
}

fn one_line(e: &serde_json::Error) -> String {
    e.to_string().replace('\n', " ")
}

fn encode(proof: &[Hash]) -> Vec<String> {
    proof.iter().map(|h| STANDARD.encode(h)).collect()
}

/// The hashes of a proof; `None` if one is not the canonical base64 of 32 bytes.
fn decode(proof: &[String]) -> Option<Vec<Hash>> {
    proof
        .iter()
        .map(|s| STANDARD.decode(s).ok()?.try_into().ok())
        .collect()
}

/// One record a bundle proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvenRecord {
    /// Its 1-based place in the log.
    pub number: u64,
    /// The record as written.
    pub record: String,
}

/// What a verified bundle proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proven {
    /// These records are in the signed tree.
    Inclusion {
        /// The checkpoint.
        checkpoint: Checkpoint,
        /// The names of the keys that signed it.
        signers: Vec<String>,
        /// The records.
        records: Vec<ProvenRecord>,
    },
    /// The old tree is a prefix of the new one.
    Consistency {
        /// The older checkpoint.
        old: Checkpoint,
        /// The newer checkpoint.
        new: Checkpoint,
        /// The names of the keys that signed both.
        signers: Vec<String>,
    },
}

/// Reads and checks a bundle against verifier keys (and, when given, the origin it must be
/// for): what it proves, or why it is not evidence.
pub fn verify_bundle(
    bytes: &[u8],
    keys: &[VerifierKey],
    origin: Option<&str>,
) -> Result<Proven, BundleError> {
    match Bundle::parse(bytes)? {
        Bundle::Inclusion {
            checkpoint,
            records,
            ..
        } => {
            let (cp, signers) = signed(&checkpoint, "the", keys, origin)?;
            let size = cp.checkpoint.size;
            if records.is_empty() {
                return Err(VerifyError::Empty.into());
            }
            if records.windows(2).any(|w| w[0].index >= w[1].index) {
                return Err(VerifyError::Order.into());
            }
            let mut proven = Vec::with_capacity(records.len());
            for r in records {
                let number = r.index.saturating_add(1);
                if r.index >= size {
                    return Err(VerifyError::OutOfTree { number, size }.into());
                }
                check_record(&r.record)
                    .map_err(|reason| VerifyError::BadRecord { number, reason })?;
                let proof = decode(&r.proof).ok_or(VerifyError::Inclusion {
                    number,
                    error: ProofError::RootMismatch,
                })?;
                merkle::verify_inclusion(
                    r.index,
                    size,
                    &merkle::leaf_hash(r.record.as_bytes()),
                    &proof,
                    &cp.checkpoint.root,
                )
                .map_err(|error| VerifyError::Inclusion { number, error })?;
                proven.push(ProvenRecord {
                    number,
                    record: r.record,
                });
            }
            Ok(Proven::Inclusion {
                checkpoint: cp.checkpoint,
                signers,
                records: proven,
            })
        }
        Bundle::Consistency {
            new, old, proof, ..
        } => {
            let (old_cp, old_signers) = signed(&old, "the old", keys, origin)?;
            let (new_cp, new_signers) = signed(&new, "the new", keys, origin)?;
            let (old, new) = (old_cp.checkpoint, new_cp.checkpoint);
            if old.origin != new.origin {
                return Err(VerifyError::Origins {
                    old: old.origin,
                    new: new.origin,
                }
                .into());
            }
            let fail = |error| VerifyError::Consistency {
                old: old.size,
                new: new.size,
                error,
            };
            let proof = decode(&proof).ok_or_else(|| fail(ProofError::RootMismatch))?;
            if old.size == 0 {
                // The empty tree is a prefix of every tree; its root is fixed.
                if !proof.is_empty() || old.root != merkle::empty_root() {
                    return Err(fail(ProofError::RootMismatch).into());
                }
            } else {
                merkle::verify_consistency(old.size, new.size, &proof, &old.root, &new.root)
                    .map_err(fail)?;
            }
            let signers = old_signers
                .into_iter()
                .filter(|s| new_signers.contains(s))
                .collect();
            Ok(Proven::Consistency { old, new, signers })
        }
    }
}

/// A checkpoint of a bundle, read and its signatures checked.
fn signed(
    text: &str,
    which: &'static str,
    keys: &[VerifierKey],
    origin: Option<&str>,
) -> Result<(SignedCheckpoint, Vec<String>), VerifyError> {
    let cp = read_signed_checkpoint(text.as_bytes())
        .map_err(|error| VerifyError::Checkpoint { which, error })?;
    let signers = cp
        .verify(keys)
        .map_err(|error| VerifyError::Signature { which, error })?;
    if let Some(expected) = origin
        && cp.checkpoint.origin != expected
    {
        return Err(VerifyError::Origin {
            expected: expected.to_string(),
            found: cp.checkpoint.origin.clone(),
        });
    }
    Ok((cp, signers))
}

/// Checks that a record is a sealed record whose `hash` is that of its bytes.
fn check_record(record: &str) -> Result<(), String> {
    if record.contains(['\n', '\r']) {
        return Err("it holds a line end".into());
    }
    let fields = parse_record(record).map_err(|e| e.message)?;
    let seal = fields
        .seal
        .ok_or_else(|| "it carries no `prev` and `hash`".to_string())?;
    match chain::record_hash(record.as_bytes()) {
        Some(h) if h == seal.hash => Ok(()),
        _ => Err("its `hash` is not the hash of its bytes".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::checkpoint::SigningKey;
    use crate::ledger::merkle::Tree;
    use proptest::prelude::*;

    /// A small sealed log, its leaves, a key and a checkpoint of its first `size` records.
    struct Fixture {
        lines: Vec<String>,
        tree: Tree,
        key: SigningKey,
    }

    impl Fixture {
        fn new(n: usize) -> Fixture {
            let mut prev = chain::GENESIS;
            let mut lines = Vec::new();
            for i in 1..=n {
                let body = format!(
                    r#"{{"seq":{i},"accountId":"acc-{}","type":"DEPOSIT","amount":"{i}.00","timestamp":"2024-03-01T12:00:{:02}.000Z""#,
                    i % 3,
                    i % 60
                );
                let (line, hash) = chain::seal_line(&body, &prev);
                prev = hash;
                lines.push(line);
            }
            let hashes: Vec<Hash> = lines
                .iter()
                .map(|l| merkle::leaf_hash(l.as_bytes()))
                .collect();
            Fixture {
                lines,
                tree: Tree::from_leaf_hashes(hashes),
                key: SigningKey::from_seed("ops-2024", &[1; 32]).unwrap(),
            }
        }

        fn leaf(&self) -> impl Fn(u64) -> Hash + '_ {
            |i| merkle::leaf_hash(self.lines[i as usize].as_bytes())
        }

        fn checkpoint(&self, size: u64) -> String {
            Checkpoint {
                origin: "bank-prod".into(),
                size,
                root: self.tree.root_at(size, &self.leaf()).unwrap(),
                extensions: vec![],
            }
            .sign(&self.key)
        }

        fn inclusion(&self, size: u64, indexes: &[u64]) -> String {
            let records = indexes
                .iter()
                .map(|&i| {
                    (
                        i,
                        self.lines[i as usize].clone(),
                        self.tree.inclusion_proof(i, size, &self.leaf()).unwrap(),
                    )
                })
                .collect();
            Bundle::inclusion(&self.checkpoint(size), records).to_text()
        }

        fn consistency(&self, old: u64, new: u64) -> String {
            let proof = self.tree.consistency_proof(old, new, &self.leaf()).unwrap();
            Bundle::consistency(&self.checkpoint(old), &self.checkpoint(new), &proof).to_text()
        }

        fn keys(&self) -> Vec<VerifierKey> {
            vec![self.key.verifier()]
        }
    }

    #[test]
    fn bundles_are_written_in_rfc_8785_form() {
        let b = Bundle::inclusion(
            "cp\u{1}\"é",
            vec![(3, "{\"a\":\"\\u00e9/\"}".into(), vec![[0; 32]])],
        );
        assert_eq!(
            b.to_text(),
            "{\"checkpoint\":\"cp\\u0001\\\"é\",\"format\":\"rewind-bundle@v1\",\"kind\":\"inclusion\",\
             \"records\":[{\"index\":3,\"proof\":[\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"],\
             \"record\":\"{\\\"a\\\":\\\"\\\\u00e9/\\\"}\"}]}\n"
        );
        let c = Bundle::consistency("o", "n", &[]);
        assert_eq!(
            c.to_text(),
            "{\"format\":\"rewind-bundle@v1\",\"kind\":\"consistency\",\"new\":\"n\",\"old\":\"o\",\"proof\":[]}\n"
        );
        assert_eq!(Bundle::parse(c.to_text().as_bytes()), Ok(c));
    }

    #[test]
    fn an_inclusion_bundle_verifies_and_says_what_it_proves() {
        let f = Fixture::new(20);
        let text = f.inclusion(20, &[2, 3]);
        assert!(
            text.starts_with(r#"{"checkpoint":"bank-prod\n20\n"#),
            "{text}"
        );
        assert!(text.ends_with("}\n") && !text[..text.len() - 1].contains('\n'));
        match verify_bundle(text.as_bytes(), &f.keys(), Some("bank-prod")).unwrap() {
            Proven::Inclusion {
                checkpoint,
                signers,
                records,
            } => {
                assert_eq!(checkpoint.size, 20);
                assert_eq!(signers, vec!["ops-2024"]);
                assert_eq!(records.len(), 2);
                assert_eq!(records[0].number, 3);
                assert_eq!(records[1].record, f.lines[3]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_bundle_reveals_no_other_record() {
        let f = Fixture::new(20);
        let text = f.inclusion(20, &[2, 3]);
        for (i, line) in f.lines.iter().enumerate() {
            let hash = &line[line.len() - 66..line.len() - 2];
            let escaped = serde_json::to_string(line).unwrap();
            let inner = &escaped[1..escaped.len() - 1];
            // A record's own hash is the `prev` of the next: that much of record 5 shows in
            // record 4 (as in the log). Nothing of any other record does.
            let shown = text.contains(inner);
            assert_eq!(shown, i == 2 || i == 3, "record {}", i + 1);
            if !(1..=3).contains(&i) {
                assert!(!text.contains(hash), "record {}'s hash shows", i + 1);
            }
        }
    }

    #[test]
    fn each_bad_bundle_is_refused_with_its_reason() {
        let f = Fixture::new(20);
        let good = f.inclusion(20, &[2, 3]);
        let keys = f.keys();
        let verify = |t: &str| verify_bundle(t.as_bytes(), &keys, None);
        assert!(verify(&good).is_ok());
        // Another key.
        let other = SigningKey::from_seed("ops-2024", &[2; 32]).unwrap();
        assert!(matches!(
            verify_bundle(good.as_bytes(), &[other.verifier()], None),
            Err(BundleError::Verify(VerifyError::Signature { .. }))
        ));
        // Another origin expected.
        assert!(matches!(
            verify_bundle(good.as_bytes(), &keys, Some("bank-test")),
            Err(BundleError::Verify(VerifyError::Origin { .. }))
        ));
        // Truncated, not JSON, whitespace added, a member repeated or unknown.
        assert!(matches!(
            verify(&good[..good.len() / 2]),
            Err(BundleError::Read(ReadError::NotABundle(_)))
        ));
        assert!(matches!(
            verify(&good.replacen(",\"format\"", ", \"format\"", 1)),
            Err(BundleError::Read(ReadError::NotCanonical))
        ));
        assert!(matches!(
            verify(&good.replacen("}\n", "}", 1)),
            Err(BundleError::Read(ReadError::NotCanonical))
        ));
        let twice = good.replacen(
            r#","format":"rewind-bundle@v1""#,
            r#","format":"rewind-bundle@v1","format":"rewind-bundle@v1""#,
            1,
        );
        assert!(matches!(verify(&twice), Err(BundleError::Read(_))));
        let unknown = good.replacen(r#","kind""#, r#","extra":1,"kind""#, 1);
        assert!(matches!(verify(&unknown), Err(BundleError::Read(_))));
        // A proof for another size: the records of a 20-record bundle under a 19-record checkpoint.
        let other_size = good.replacen(
            &serde_json::to_string(&f.checkpoint(20)).unwrap(),
            &serde_json::to_string(&f.checkpoint(19)).unwrap(),
            1,
        );
        assert!(matches!(
            verify(&other_size),
            Err(BundleError::Verify(VerifyError::Inclusion {
                number: 3,
                ..
            }))
        ));
        // Records out of order, or beyond the tree.
        let backwards = f.inclusion(20, &[3, 2]);
        assert_eq!(
            verify(&backwards),
            Err(BundleError::Verify(VerifyError::Order))
        );
        let beyond = good.replacen(r#"{"index":3,"#, r#"{"index":25,"#, 1);
        assert_eq!(
            verify(&beyond),
            Err(BundleError::Verify(VerifyError::OutOfTree {
                number: 26,
                size: 20
            }))
        );
    }

    #[test]
    fn a_consistency_bundle_verifies_and_a_forked_one_does_not() {
        let f = Fixture::new(20);
        let keys = f.keys();
        for (old, new) in [(1, 20), (7, 20), (16, 20), (20, 20), (0, 5)] {
            let text = if old == 0 {
                Bundle::consistency(&f.checkpoint(0), &f.checkpoint(new), &[]).to_text()
            } else {
                f.consistency(old, new)
            };
            match verify_bundle(text.as_bytes(), &keys, None).unwrap() {
                Proven::Consistency { old: o, new: n, .. } => {
                    assert_eq!((o.size, n.size), (old, new));
                }
                other => panic!("{other:?}"),
            }
        }
        // A log rewritten at record 3 and re-signed: its 7-record tree is no prefix of this one.
        let mut forked = Fixture::new(20);
        forked.lines[2] = forked.lines[2].replace("\"3.00\"", "\"300.00\"");
        let hashes: Vec<Hash> = forked
            .lines
            .iter()
            .map(|l| merkle::leaf_hash(l.as_bytes()))
            .collect();
        forked.tree = Tree::from_leaf_hashes(hashes);
        let proof = f.tree.consistency_proof(7, 20, &f.leaf()).unwrap();
        let text = Bundle::consistency(&forked.checkpoint(7), &f.checkpoint(20), &proof).to_text();
        assert!(matches!(
            verify_bundle(text.as_bytes(), &keys, None),
            Err(BundleError::Verify(VerifyError::Consistency { .. }))
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_bytes_never_panic_the_bundle_reader(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let f = Fixture::new(3);
            let _ = verify_bundle(&bytes, &f.keys(), None);
        }

        #[test]
        fn arbitrary_json_never_panics_the_bundle_reader(
            index in any::<u64>(),
            proof in proptest::collection::vec("[A-Za-z0-9+/=]{0,48}", 0..70),
            record in ".{0,80}",
            checkpoint in ".{0,200}",
        ) {
            let f = Fixture::new(3);
            let b = Bundle::Inclusion {
                checkpoint,
                format: FORMAT.into(),
                records: vec![BundleRecord { index, proof, record }],
            };
            let _ = verify_bundle(b.to_text().as_bytes(), &f.keys(), None);
        }

        #[test]
        fn a_one_byte_edit_of_a_bundle_never_verifies(at in any::<usize>(), byte in any::<u8>(), consistency in any::<bool>()) {
            let f = Fixture::new(9);
            let text = if consistency { f.consistency(5, 9) } else { f.inclusion(9, &[4, 5, 8]) };
            let mut bytes = text.into_bytes();
            let at = at % bytes.len();
            prop_assume!(bytes[at] != byte);
            bytes[at] = byte;
            prop_assert!(verify_bundle(&bytes, &f.keys(), None).is_err());
        }
    }
}
