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
mod tests;
