//! Checking that a source still holds what it held: the hash chain of a log's records, or the
//! digest of a store's rows when they carry no chain; and the Merkle tree a checkpoint signs.

use super::kafka::KafkaErrorKind;
use super::kafka::digest::TopicDigest;
use super::rows::{RowDigest, RowTree};
use super::{OpenError, Source};
use crate::ledger::Ledger;
use crate::ledger::chain::ExpectedDigest;
use crate::ledger::verify::{Report, verify};

/// What verifying a source found. (One is made per check and moved once: its size is no cost.)
#[allow(clippy::large_enum_variant)]
pub enum VerifyReport {
    /// The records carry a hash chain (a log file, the bundled sample): the log as read, and its
    /// chain's report.
    Chain {
        /// The log as read.
        ledger: Ledger,
        /// What its chain holds.
        report: Report,
    },
    /// A topic's partitions, each digested apart.
    Partitions(TopicDigest),
    /// The rows carry none (a database): the digest of the rows in order.
    Rows {
        /// The source's name, as [`Source::name`] gives it (a database's URL without its password).
        name: String,
        /// The digest of the rows in order, and the check of the kept one.
        digest: RowDigest,
    },
}

/// The Merkle tree over a source, as a checkpoint signs it.
#[allow(clippy::large_enum_variant)]
pub enum SourceTree {
    /// The records of a log (the tree is the log's own, [`crate::ledger::log_tree::LogTree`],
    /// over a log that is first checked to be an intact sealed log).
    Chain(Ledger),
    /// The rows of a store: each row's canonical encoding is a leaf.
    Rows {
        /// The source's name, as [`Source::name`] gives it (a database's URL without its password).
        name: String,
        /// The tree whose leaves are the rows' canonical encodings, in order.
        tree: RowTree,
    },
}

impl Source {
    /// Checks the source, and that it still holds `expect` when given. A source whose records
    /// carry a hash chain is read by `load` (which the caller gives, to show its progress as it
    /// does for every read); a store's rows are read here.
    pub fn verify<E: From<OpenError>>(
        &self,
        expect: Option<&ExpectedDigest>,
        load: impl FnOnce(&Source) -> Result<Ledger, E>,
    ) -> Result<VerifyReport, E> {
        match self {
            Source::File(_) | Source::Sample | Source::Stdin => {
                let ledger = load(self)?;
                let report = verify(&ledger, expect);
                Ok(VerifyReport::Chain { ledger, report })
            }
            Source::Pg(db) => Ok(VerifyReport::Rows {
                name: db.name().to_string(),
                digest: super::pg::digest::digest(db, expect).map_err(OpenError::Pg)?,
            }),
            Source::Kafka(topic) => {
                if expect.is_some() {
                    return Err(OpenError::Kafka(topic.error(
                        KafkaErrorKind::Usage,
                        "a topic is checked against the heads of its partitions \
                         (--expect P:OFFSET:HASH[,P:OFFSET:HASH…])",
                    ))
                    .into());
                }
                Ok(VerifyReport::Partitions(
                    super::kafka::digest::digest(topic, &[]).map_err(OpenError::Kafka)?,
                ))
            }
        }
    }

    /// For a source in partitions (a Kafka topic): the digest of each partition, checking the
    /// heads kept (`P:OFFSET:HASH`, several separated by commas); `None` for every other source.
    pub fn verify_heads(&self, heads: &str) -> Option<Result<TopicDigest, OpenError>> {
        let Source::Kafka(topic) = self else {
            return None;
        };
        Some(
            super::kafka::digest::parse_heads(heads)
                .map_err(|e| topic.error(KafkaErrorKind::Usage, format!("--expect: {e}")))
                .and_then(|heads| super::kafka::digest::digest(topic, &heads))
                .map_err(OpenError::Kafka),
        )
    }

    /// The Merkle tree over the source's records or rows; a log is read by `load`.
    pub fn tree<E: From<OpenError>>(
        &self,
        load: impl FnOnce(&Source) -> Result<Ledger, E>,
    ) -> Result<SourceTree, E> {
        match self {
            Source::File(_) | Source::Sample | Source::Stdin => Ok(SourceTree::Chain(load(self)?)),
            Source::Pg(db) => Ok(SourceTree::Rows {
                name: db.name().to_string(),
                tree: RowTree::new(super::pg::digest::leaf_hashes(db).map_err(OpenError::Pg)?),
            }),
            Source::Kafka(topic) => Err(OpenError::Kafka(topic.error(
                KafkaErrorKind::Usage,
                "a checkpoint signs the records of a log or the rows of a database; a topic's \
                 partitions are kept by their heads (`rewind verify` prints them)",
            ))
            .into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::LoadOptions;

    fn load(source: &Source) -> Result<Ledger, OpenError> {
        source.load(&LoadOptions::default(), None)
    }

    #[test]
    fn a_log_is_read_as_its_caller_says_and_its_chain_checked() {
        let mut asked = false;
        let report = Source::Sample
            .verify(None, |s| {
                asked = true;
                load(s)
            })
            .unwrap();
        assert!(asked);
        let VerifyReport::Chain { ledger, report } = report else {
            panic!("the sample's records carry a chain");
        };
        assert_eq!(report.records, ledger.len());
        assert!(matches!(
            Source::Sample.tree(load).unwrap(),
            SourceTree::Chain(l) if l.len() == ledger.len()
        ));
    }

    #[test]
    fn a_log_that_cannot_be_read_is_the_loads_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = Source::File(dir.path().join("missing.jsonl"));
        let e = missing
            .verify(None, |s| s.check().and_then(|()| load(s)))
            .err()
            .unwrap();
        assert!(matches!(e, OpenError::Unreadable { .. }), "{e}");
    }
}
