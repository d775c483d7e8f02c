//! Appending one event to a source: a sealed record after the head of a log file
//! ([`crate::ledger::store`]), or a message through a store's own write API ([`super::pg::append`]).
//! Every writer holds the event to the same rules ([`NewEvent::validate`]).

use super::Source;
use super::pg::{Layout, PgError, append as pg_append};
use crate::ledger::TypeMap;
use crate::ledger::new_event::{Invalid, NewEvent};
use crate::ledger::store::{self, Expect, StoreError};

/// What an append did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Appended {
    /// A log file: the record written, or the one already there.
    Record(store::Appended),
    /// A store's stream: the message written.
    Message(Message),
    /// A topic: the message produced.
    Produced(super::kafka::append::Produced),
}

/// A message written to a store's stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The event's id.
    pub id: String,
    /// The stream it went to.
    pub stream: String,
    /// Its position in its stream (the stream's new version).
    pub position: i64,
    /// Its position in the whole store.
    pub global_position: i64,
    /// The event's type, as written.
    pub kind: String,
    /// The message's `data`, as written (a JSON object).
    pub data: String,
}

/// Why an append was not done. Nothing was written (but see [`StoreError::NotDurable`]).
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    /// The source is never written to (the bundled sample, standard input).
    #[error("{name}: not written to")]
    ReadOnly {
        /// The source's name, as [`Source::name`] gives it (a database's URL without its password).
        name: String,
    },
    /// The store is written by its own applications, through no API rewind speaks.
    #[error(
        "{name}: appending is for Message DB; other stores are written by their own applications"
    )]
    OtherWriters {
        /// The source's name, as [`Source::name`] gives it (a database's URL without its password).
        name: String,
    },
    /// The event gives its time, but the store stamps each event with the time it is written.
    #[error("{name}: the store stamps each event with the time it is written")]
    TimeGiven {
        /// The source's name, as [`Source::name`] gives it (a database's URL without its password).
        name: String,
    },
    /// The event may not be written (the same rules for every writer).
    #[error("{name}: {invalid}")]
    Invalid {
        /// The source's name, as [`Source::name`] gives it (a database's URL without its password).
        name: String,
        /// Why the event may not be written.
        invalid: Invalid,
    },
    /// An expected count of events was given for a store that keeps no count per account.
    #[error(
        "{name}: --expect-seq cannot be checked on a topic: Kafka keeps no version per key, so \
         a write cannot be made to depend on the events before it"
    )]
    NoVersion {
        /// The source's name, as [`Source::name`] gives it (an address without its password).
        name: String,
    },
    /// The brokers refused it, or could not be reached.
    #[error(transparent)]
    Kafka(super::kafka::KafkaError),
    /// The log file's writer refused, or failed.
    #[error(transparent)]
    File(StoreError),
    /// The database refused it, or could not be reached.
    #[error(transparent)]
    Db(PgError),
}

impl Source {
    /// Whether the source stamps each event with the time it is written, so that an event may
    /// not give its own.
    pub fn stamps_times(&self) -> bool {
        matches!(self, Source::Pg(_))
    }

    /// Appends one event. `expect` is the number of events there must be before it: in the
    /// log (its head's seq; 0 for an empty or missing log), or in the account's stream (its
    /// version + 1; 0 for a new stream).
    pub fn append(
        &self,
        event: &NewEvent,
        expect: Option<u64>,
        types: &TypeMap,
    ) -> Result<Appended, AppendError> {
        match self {
            Source::File(path) => store::append(path, event, Expect { seq: expect }, types)
                .map(Appended::Record)
                .map_err(|e| match e {
                    StoreError::Invalid(invalid) => AppendError::Invalid {
                        name: path.display().to_string(),
                        invalid,
                    },
                    e => AppendError::File(e),
                }),
            Source::Sample | Source::Stdin => Err(AppendError::ReadOnly { name: self.name() }),
            Source::Kafka(topic) => {
                if expect.is_some() {
                    return Err(AppendError::NoVersion { name: self.name() });
                }
                use super::kafka::append::{ProduceError, append};
                append(topic, event, types)
                    .map(Appended::Produced)
                    .map_err(|e| match e {
                        ProduceError::Invalid { name, invalid } => {
                            AppendError::Invalid { name, invalid }
                        }
                        ProduceError::Kafka(e) => AppendError::Kafka(e),
                    })
            }
            Source::Pg(db) => {
                let name = || db.name().to_string();
                if db.layout != Layout::MessageDb {
                    return Err(AppendError::OtherWriters { name: name() });
                }
                if event.at.is_some() {
                    return Err(AppendError::TimeGiven { name: name() });
                }
                let target = pg_append::Target {
                    expected_version: expect.map(|n| n as i64 - 1),
                    category: None,
                };
                let done = pg_append::append(db, event, &target, types).map_err(|e| match e {
                    pg_append::AppendError::Invalid { invalid, .. } => AppendError::Invalid {
                        name: name(),
                        invalid,
                    },
                    pg_append::AppendError::TimeGiven { .. } => {
                        AppendError::TimeGiven { name: name() }
                    }
                    pg_append::AppendError::Db(e) => AppendError::Db(e),
                })?;
                Ok(Appended::Message(Message {
                    id: done.id,
                    stream: done.stream,
                    position: done.position,
                    global_position: done.global_position,
                    kind: event.kind.clone(),
                    data: pg_append::data(event),
                }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Money;

    fn deposit() -> NewEvent {
        NewEvent {
            account: "acc-1".into(),
            kind: "DEPOSIT".into(),
            amount: Some(Money::parse("1.00").unwrap()),
            at: Some(1_709_294_400_000),
            ..NewEvent::default()
        }
    }

    #[test]
    fn a_file_is_appended_to_after_its_head() {
        let dir = tempfile::tempdir().unwrap();
        let file = Source::File(dir.path().join("log.jsonl"));
        assert!(!file.stamps_times());
        let types = TypeMap::default();
        let done = file.append(&deposit(), Some(0), &types).unwrap();
        assert!(
            matches!(&done, Appended::Record(store::Appended::New { head, .. }) if head.seq == 1),
            "{done:?}"
        );
        // The head moved: the same expectation is refused, and nothing is written.
        let e = file.append(&deposit(), Some(0), &types).unwrap_err();
        assert!(
            matches!(e, AppendError::File(StoreError::HeadMoved { .. })),
            "{e}"
        );
        let mut bad = deposit();
        bad.amount = Some(Money::ZERO);
        let e = file.append(&bad, None, &types).unwrap_err();
        assert!(
            matches!(
                e,
                AppendError::Invalid {
                    invalid: Invalid::NotPositive { .. },
                    ..
                }
            ),
            "{e}"
        );
        let log = std::fs::read_to_string(dir.path().join("log.jsonl")).unwrap();
        assert_eq!(log.lines().count(), 1);
    }

    #[test]
    fn the_sample_and_a_store_without_a_write_api_are_not_written_to() {
        let e = Source::Sample
            .append(&deposit(), None, &TypeMap::default())
            .unwrap_err();
        assert!(matches!(e, AppendError::ReadOnly { .. }), "{e}");
        let db = super::super::pg::PgSource::new(
            "postgres://ann:pw@127.0.0.1:1/db",
            Layout::Query {
                sql: "SELECT 1".into(),
            },
        )
        .unwrap();
        let source = Source::Pg(Box::new(db));
        assert!(source.stamps_times());
        let e = source
            .append(&deposit(), None, &TypeMap::default())
            .unwrap_err();
        assert!(matches!(e, AppendError::OtherWriters { .. }), "{e}");
        assert!(!e.to_string().contains("pw"), "{e}");
    }
}
