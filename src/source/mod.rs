#![warn(missing_docs)]
//! Where a log comes from: a file, the sample bundled in the binary, a PostgreSQL event store or a
//! Kafka topic.
//! Every one ends in the same [`Ledger`], so nothing downstream knows where its events were read.
//!
//! [`Source`] is an enum, not a trait: there are few stores, each is one folder here ([`file`],
//! [`pg`]), and a front-end asks a source what it can do ([`Source::load`], [`Source::follow`],
//! [`Source::append`], [`Source::verify`], [`Source::tree`], [`Source::log_file`] for snapshots
//! and the other file-only work) instead of matching on its kind. A new store is a new variant
//! and a new folder ([`kafka`] is one); the command line and the explorer only name it (its flags,
//! its address).
//! What a store whose rows carry no hash chain shows instead is in [`rows`].

pub mod append;
pub mod evidence;
pub mod file;
pub mod kafka;
pub mod pg;
pub mod rows;
pub mod verify;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use crate::ledger::event::TypeMapError;
pub use crate::ledger::follow::{FollowEvent, Follower};
use crate::ledger::remembered::{self, StateFile};
use crate::ledger::{Ledger, LoadError, LoadOptions, Progress, TypeMap, load_bytes};
pub use append::{AppendError, Appended, Message};
pub use file::packed::Packing;
use kafka::{KafkaError, KafkaErrorKind, KafkaSource};
use pg::{PgError, PgErrorKind, PgSource};
pub use verify::{SourceTree, VerifyReport};

/// Whether the path is a pipe (or any file that is not regular, nor a folder): read whole.
fn is_pipe(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// Loads bytes read whole (standard input, a pipe, a compressed file), decompressed first.
fn load_unpacked(
    name: &str,
    bytes: Vec<u8>,
    options: &LoadOptions,
) -> Result<(Ledger, Packing), OpenError> {
    let packing = Packing::of(&bytes);
    let (bytes, packing) = file::packed::unpack(bytes).map_err(|error| OpenError::Packed {
        name: name.to_string(),
        packing: packing.name(),
        error,
    })?;
    Ok((load_bytes(name, bytes, options), packing))
}

/// The name the bundled sample log carries.
pub const SAMPLE_NAME: &str = "sample.jsonl (bundled)";
/// The sample log bundled in the binary, opened when no log is given.
pub const SAMPLE: &[u8] = include_bytes!("../../assets/sample.jsonl");

/// A log to read.
#[derive(Clone, Debug)]
pub enum Source {
    /// A log file (JSON Lines or a JSON array).
    File(PathBuf),
    /// The sample log bundled in the binary.
    Sample,
    /// A PostgreSQL event store (boxed: it is much larger than a path).
    Pg(Box<PgSource>),
    /// Standard input (`-` on the command line), read to its end; read only.
    Stdin,
    /// A Kafka topic (boxed: it is much larger than a path).
    Kafka(Box<KafkaSource>),
}

/// The name a log read from standard input carries.
pub const STDIN_NAME: &str = "(standard input)";

/// How to read a source, and where to remember what was seen of it.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Extra event type names: a TOML file, read by [`Options::load_options`].
    pub types: Option<PathBuf>,
    /// Where the heads of verified logs and the trees of checked checkpoints are remembered.
    pub remember: Remember,
}

/// Where the remembered heads are kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Remember {
    /// `$XDG_STATE_HOME/rewind`, else `~/.local/state/rewind`.
    #[default]
    Default,
    /// This folder.
    In(PathBuf),
    /// Nothing is checked against nor remembered.
    Off,
}

impl Remember {
    /// The state file to remember heads in; `None` when remembering is off (or there is no home
    /// to keep it in).
    pub fn state(&self) -> Option<StateFile> {
        match self {
            Remember::Off => None,
            Remember::In(dir) => Some(StateFile::in_dir(dir.clone())),
            Remember::Default => remembered::default_dir().map(StateFile::in_dir),
        }
    }
}

impl Options {
    /// The options as a loader wants them (reads the types file).
    pub fn load_options(&self) -> Result<LoadOptions, OpenError> {
        let types = match &self.types {
            Some(path) => TypeMap::from_toml_file(path)?,
            None => TypeMap::default(),
        };
        Ok(LoadOptions {
            types,
            ..LoadOptions::default()
        })
    }
}

/// Why a source could not be opened or read.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The types file could not be read.
    #[error(transparent)]
    Types(#[from] TypeMapError),
    /// A log file cannot be opened.
    #[error("{name}: {error}")]
    Unreadable {
        /// The log's path (or the name standard input is shown by), as the message shows it.
        name: String,
        /// The operating system's error.
        error: std::io::Error,
    },
    /// A folder where a log file was expected.
    #[error("{name}: is a directory, not a log file")]
    Directory {
        /// The folder's path, as the message shows it.
        name: String,
    },
    /// A log file could not be read (or its read was stopped).
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A database could not be read (or its read was stopped).
    #[error(transparent)]
    Pg(#[from] PgError),
    /// A topic could not be read (or its read was stopped).
    #[error(transparent)]
    Kafka(#[from] KafkaError),
    /// The read ended without an answer.
    #[error("{name}: the load failed unexpectedly")]
    Failed {
        /// The source's name: its path, or a database's URL without password.
        name: String,
    },
    /// Not one line of the file is an event: it is some other kind of file.
    #[error("{name}: not a JSON Lines log ({why})")]
    NotALog {
        /// The log's path (or the name standard input is shown by), as the message shows it.
        name: String,
        /// What the bytes look like instead (and the command that unpacks a packing rewind does
        /// not read).
        why: String,
    },
    /// Compressed data that cannot be decompressed.
    #[error("{name}: the {packing} data cannot be read: {error}")]
    Packed {
        /// The log's path (or the name standard input is shown by), as the message shows it.
        name: String,
        /// The packing the data is in: `gzip`, `zstd`, `xz`, `bzip2` or `zip`.
        packing: &'static str,
        /// Why it cannot be unpacked.
        error: std::io::Error,
    },
}

impl OpenError {
    /// Whether the read was stopped by its caller.
    pub fn is_interrupted(&self) -> bool {
        match self {
            OpenError::Load(LoadError::Cancelled { .. }) => true,
            OpenError::Pg(e) => e.kind == PgErrorKind::Cancelled,
            OpenError::Kafka(e) => e.kind == KafkaErrorKind::Cancelled,
            _ => false,
        }
    }
}

/// Why a source is not followed for new events.
#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    /// The source never grows (the bundled sample).
    #[error("the log does not grow")]
    Fixed,
    /// The file cannot be opened again to follow it.
    #[error("{0}")]
    File(std::io::Error),
    /// The last line has no newline: what follows it could not be told apart from it.
    #[error("the last line has no newline, so the log is not followed for new events")]
    NoNewline,
    /// The database cannot be followed.
    #[error("not following new rows: {}", .0.message)]
    Pg(PgError),
}

/// Why a source cannot do what only a log file does (snapshots, repair, sealing, proofs).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: not a log file")]
pub struct NotAFile {
    /// The source as it may be shown.
    pub name: String,
}

/// Whether a source given on the command line is a store's address (a `postgres://` URL or a
/// `kafka://` topic) rather than a file path.
pub fn is_address(text: &str) -> bool {
    let text = text.trim_start();
    pg::is_url(text) || kafka::is_url(text)
}

/// A store's address as it may be shown (its password masked), or why it cannot be read (a
/// sentence that shows none of it).
pub fn shown_address(text: &str) -> Result<String, String> {
    let text = text.trim_start();
    if kafka::is_url(text) {
        return kafka::KafkaUrl::parse(text)
            .map(|u| u.to_string())
            .map_err(|e| e.to_string());
    }
    pg::PgUrl::parse(text)
        .map(|u| u.to_string())
        .map_err(|e| e.to_string())
}

impl Source {
    /// The name a ledger read from here carries (a database's URL without its password).
    pub fn name(&self) -> String {
        match self {
            Source::File(path) => path.display().to_string(),
            Source::Sample => SAMPLE_NAME.to_string(),
            Source::Pg(db) => db.name().to_string(),
            Source::Stdin => STDIN_NAME.to_string(),
            Source::Kafka(topic) => topic.name(),
        }
    }

    /// Says before any long work whether the source can be read at all: a file that is not
    /// there, or a folder. (A database is asked when it is read.)
    pub fn check(&self) -> Result<(), OpenError> {
        match self {
            Source::File(path) => file::check_readable(path),
            Source::Sample | Source::Pg(_) | Source::Stdin | Source::Kafka(_) => Ok(()),
        }
    }

    /// Reads every event into a ledger. `progress` counts bytes and events; setting its cancel
    /// flag stops the read ([`OpenError::is_interrupted`]).
    pub fn load(
        &self,
        options: &LoadOptions,
        progress: Option<&Progress>,
    ) -> Result<Ledger, OpenError> {
        let name = self.name();
        let (ledger, packing) = match self {
            Source::File(path) => match Packing::of_file(path) {
                Packing::Plain if !is_pipe(path) => (
                    crate::ledger::load_file(path, options, progress)?,
                    Packing::Plain,
                ),
                _ => {
                    let bytes =
                        file::packed::read_file(path).map_err(|error| OpenError::Unreadable {
                            name: name.clone(),
                            error,
                        })?;
                    load_unpacked(&name, bytes, options)?
                }
            },
            Source::Stdin => {
                let bytes = file::packed::read_stdin().map_err(|error| OpenError::Unreadable {
                    name: name.clone(),
                    error,
                })?;
                load_unpacked(&name, bytes, options)?
            }
            Source::Sample => return Ok(load_bytes(SAMPLE_NAME, SAMPLE.to_vec(), options)),
            Source::Pg(db) => return Ok(db.load(options, progress)?),
            Source::Kafka(topic) => return Ok(topic.load(options, progress)?),
        };
        // Not one line is an event, some are not blank, and none looks like a record: some
        // other kind of file, which no command should take for an empty log with problems.
        if ledger.is_empty() && !ledger.problems().is_empty() {
            let bytes = ledger
                .source_bytes()
                .map_err(|error| OpenError::Unreadable {
                    name: name.clone(),
                    error,
                })?;
            if !file::packed::looks_like_records(&bytes) {
                let why = file::packed::not_a_log(&bytes, packing, &name);
                return Err(OpenError::NotALog { name, why });
            }
        }
        Ok(ledger)
    }

    /// How the log's bytes are packed: [`Packing::Plain`] for a file read in place, the packing
    /// of a compressed file (read whole into memory, and never written).
    pub fn packing(&self) -> Packing {
        match self {
            Source::File(path) => Packing::of_file(path),
            _ => Packing::Plain,
        }
    }

    /// Whether a read told to stop should be waited for before the process ends: a database's
    /// read sends a cancel request to the server, so that its query does not run on there. (A
    /// file still being indexed is not waited for.)
    pub fn waits_for_stop(&self) -> bool {
        matches!(self, Source::Pg(_) | Source::Kafka(_))
    }

    /// The flag that ends every wait for the source when set (a database's, whose query is then
    /// cancelled on the server); `None` for a source read without waiting on anyone.
    pub fn stop_flag(&self) -> Option<&Arc<AtomicBool>> {
        match self {
            Source::Pg(db) => Some(db.stop.flag()),
            Source::Kafka(topic) => Some(&topic.stop),
            Source::File(_) | Source::Sample | Source::Stdin => None,
        }
    }

    /// Whether the source is read at once, with no progress worth showing (the bundled sample).
    pub fn is_instant(&self) -> bool {
        matches!(self, Source::Sample)
    }

    /// Whether the records carry a hash chain rewind checks, and may be checked against a kept
    /// digest or a checkpoint after loading (a database's rows are checked by their digest).
    pub fn is_chained(&self) -> bool {
        !matches!(self, Source::Pg(_) | Source::Kafka(_))
    }

    /// The path the heads seen of this source are remembered by; `None` for one that is not
    /// remembered (the bundled sample, a database).
    pub fn remembered_as(&self) -> Option<&str> {
        match self {
            Source::File(path) => path.to_str(),
            Source::Sample | Source::Pg(_) | Source::Stdin | Source::Kafka(_) => None,
        }
    }

    /// The log file itself, for what only a file has or does (snapshots beside it, repair,
    /// sealing, proofs).
    pub fn log_file(&self) -> Result<&Path, NotAFile> {
        match self {
            Source::File(path) => Ok(path),
            _ => Err(NotAFile { name: self.name() }),
        }
    }

    /// A follower that brings `ledger`, read from here, up to date with what is added to the
    /// source. A database is read every `interval` on a thread of its own, so that a slow server
    /// never holds up the caller.
    pub fn follow(
        &self,
        ledger: &Ledger,
        interval: Duration,
    ) -> Result<Box<dyn Follower>, FollowError> {
        match self {
            Source::File(path) if self.packing() == Packing::Plain => file::follow(path, ledger),
            Source::File(_) | Source::Sample | Source::Stdin => Err(FollowError::Fixed),
            Source::Pg(db) => {
                let follower = pg::PgFollower::new(db, ledger, pg::FollowOptions::default())
                    .map_err(FollowError::Pg)?;
                Ok(Box::new(pg::Background::spawn(follower, interval)))
            }
            Source::Kafka(topic) => Ok(Box::new(kafka::follow::KafkaFollower::spawn(
                topic, ledger, interval,
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_loads_at_once_and_is_neither_followed_nor_a_file() {
        let sample = Source::Sample;
        assert!(sample.is_instant() && sample.is_chained() && !sample.waits_for_stop());
        let ledger = sample.load(&LoadOptions::default(), None).unwrap();
        assert_eq!(ledger.name(), SAMPLE_NAME);
        assert!(!ledger.is_empty());
        assert!(matches!(
            sample.follow(&ledger, Duration::ZERO),
            Err(FollowError::Fixed)
        ));
        assert_eq!(sample.remembered_as(), None);
        assert_eq!(
            sample.log_file().unwrap_err().to_string(),
            "sample.jsonl (bundled): not a log file"
        );
    }

    #[test]
    fn a_file_is_checked_loaded_and_followed_unless_its_last_line_is_cut() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.jsonl");
        let file = Source::File(path.clone());
        let missing = file.check().unwrap_err();
        assert!(matches!(missing, OpenError::Unreadable { .. }), "{missing}");
        assert!(!missing.is_interrupted());
        let folder = Source::File(dir.path().to_path_buf());
        assert_eq!(
            folder.check().unwrap_err().to_string(),
            format!("{}: is a directory, not a log file", dir.path().display())
        );
        let line = r#"{"seq":1,"accountId":"a","type":"OPEN","timestamp":"2024-01-01T00:00:00Z"}"#;
        std::fs::write(&path, format!("{line}\n")).unwrap();
        file.check().unwrap();
        assert_eq!(file.log_file().unwrap(), path.as_path());
        assert_eq!(file.remembered_as(), path.to_str());
        let ledger = file.load(&LoadOptions::default(), None).unwrap();
        assert_eq!(ledger.len(), 1);
        assert!(file.follow(&ledger, Duration::ZERO).is_ok());
        std::fs::write(&path, line).unwrap();
        let ledger = file.load(&LoadOptions::default(), None).unwrap();
        let refused = file.follow(&ledger, Duration::ZERO).err().unwrap();
        assert!(matches!(refused, FollowError::NoNewline), "{refused}");
    }

    #[test]
    fn a_stopped_load_is_an_interruption() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.jsonl");
        std::fs::write(&path, "{}\n".repeat(1000)).unwrap();
        let progress = Progress::default();
        progress
            .cancel
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let e = Source::File(path)
            .load(&LoadOptions::default(), Some(&progress))
            .err()
            .unwrap();
        assert!(e.is_interrupted(), "{e}");
    }

    #[test]
    fn remembering_goes_where_it_is_told_or_nowhere() {
        assert!(Remember::Off.state().is_none());
        let dir = tempfile::tempdir().unwrap();
        assert!(Remember::In(dir.path().to_path_buf()).state().is_some());
    }

    #[test]
    fn an_address_is_told_from_a_path_and_shown_without_its_password() {
        assert!(is_address("postgres://ann:pw@h/db"));
        assert!(!is_address("./postgres.jsonl"));
        assert_eq!(
            shown_address("postgres://ann:hunter22@h/db").unwrap(),
            "postgres://ann:***@h/db"
        );
    }
}
