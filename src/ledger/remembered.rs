//! What rewind has seen, kept between runs in the user's state folder (`FORMAT.md`,
//! "Remembered heads"): the head of each sealed log it verified, by path, and the tree of each
//! origin whose checkpoint it checked. A log that no longer holds a head seen before was
//! rewritten, cut or swapped; one that only grew is fine.
//!
//! The state is advice kept for the user, never trusted to change an answer the log gives by
//! itself: a file that cannot be read or does not follow the format is reported and ignored (and
//! left as it is, so that nothing seen is lost by a damaged write), and nothing in it can make a
//! check pass.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::chain;
use super::merkle::Hash;
use super::time::{Millis, format_time, parse_time};

/// The file in the state folder.
pub const FILE_NAME: &str = "heads.json";

/// The largest state file read.
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// The version this code writes and reads.
pub const VERSION: u32 = 1;

/// Why the state cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StateError {
    /// The file is there but is not a state file of this version.
    #[error("{path}: not a file of remembered heads ({reason})")]
    Damaged {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The folder or file cannot be read or written.
    #[error("{path}: {reason}")]
    Io {
        /// The file or folder.
        path: String,
        /// The system's reason.
        reason: String,
    },
}

/// The head of a log when it was seen.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeenHead {
    /// The log's canonical path.
    pub path: String,
    /// Its number of records then.
    pub records: u64,
    /// The last record's seq.
    pub seq: u64,
    /// The last record's hash (lowercase hex).
    pub hash: String,
    /// When (RFC 3339, UTC).
    pub seen: String,
}

/// The tree of an origin when one of its checkpoints was seen.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeenTree {
    /// The checkpoint's origin.
    pub origin: String,
    /// Its tree size.
    pub size: u64,
    /// Its root (lowercase hex).
    pub root: String,
    /// When (RFC 3339, UTC).
    pub seen: String,
}

/// Everything remembered.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Remembered {
    /// [`VERSION`].
    pub version: u32,
    /// One head per log path.
    pub logs: Vec<SeenHead>,
    /// One tree per origin.
    pub origins: Vec<SeenTree>,
}

impl Default for Remembered {
    fn default() -> Remembered {
        Remembered {
            version: VERSION,
            logs: Vec::new(),
            origins: Vec::new(),
        }
    }
}

impl Remembered {
    /// Reads a state file's bytes strictly: the members of the format and no others, each path
    /// and origin once, hashes of 64 lowercase hex digits, times in RFC 3339.
    pub fn parse(bytes: &[u8]) -> Result<Remembered, String> {
        let r: Remembered = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if r.version != VERSION {
            return Err(format!(
                "version {} (this rewind reads {VERSION})",
                r.version
            ));
        }
        let mut paths = BTreeSet::new();
        for h in &r.logs {
            if !paths.insert(&h.path) {
                return Err(format!("the log {} is there twice", h.path));
            }
            check_hex(&h.hash)?;
            check_time(&h.seen)?;
        }
        let mut origins = BTreeSet::new();
        for t in &r.origins {
            if !origins.insert(&t.origin) {
                return Err(format!("the origin {} is there twice", t.origin));
            }
            check_hex(&t.root)?;
            check_time(&t.seen)?;
        }
        Ok(r)
    }

    /// The head remembered for a log path.
    pub fn log(&self, path: &str) -> Option<&SeenHead> {
        self.logs.iter().find(|h| h.path == path)
    }

    /// The tree remembered for an origin.
    pub fn origin(&self, origin: &str) -> Option<&SeenTree> {
        self.origins.iter().find(|t| t.origin == origin)
    }

    /// Remembers a log's head (replacing the one before).
    pub fn set_log(&mut self, head: SeenHead) {
        match self.logs.iter_mut().find(|h| h.path == head.path) {
            Some(h) => *h = head,
            None => self.logs.push(head),
        }
        self.logs.sort_by(|a, b| a.path.cmp(&b.path));
    }

    /// Remembers an origin's tree (replacing the one before).
    pub fn set_origin(&mut self, tree: SeenTree) {
        match self.origins.iter_mut().find(|t| t.origin == tree.origin) {
            Some(t) => *t = tree,
            None => self.origins.push(tree),
        }
        self.origins.sort_by(|a, b| a.origin.cmp(&b.origin));
    }

    /// The file's text.
    pub fn to_text(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("JSON");
        text.push('\n');
        text
    }
}

fn check_hex(text: &str) -> Result<(), String> {
    match chain::from_hex(text) {
        Some(h) if chain::to_hex(&h) == text => Ok(()),
        _ => Err(format!(
            "`{}` is not a hash",
            crate::text::shorten(text, 70)
        )),
    }
}

fn check_time(text: &str) -> Result<(), String> {
    parse_time(text)
        .map(|_| ())
        .map_err(|_| format!("`{}` is not a time", crate::text::shorten(text, 40)))
}

/// When something was seen, as the messages show it: `2024-06-12 09:14 UTC`.
pub fn shown_time(seen: &str) -> String {
    match parse_time(seen) {
        Ok(ms) => match format_time(ms).get(..16) {
            Some(minute) => format!("{} UTC", minute.replace('T', " ")),
            None => seen.to_string(),
        },
        Err(_) => seen.to_string(),
    }
}

/// The time of now as the state file keeps it.
pub fn now() -> String {
    format_time(chrono::Utc::now().timestamp_millis() as Millis)
}

/// The state folder: `$XDG_STATE_HOME/rewind` (an absolute path, as the XDG specification asks),
/// else `~/.local/state/rewind`; `None` without a home.
pub fn default_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("XDG_STATE_HOME").map(PathBuf::from)
        && dir.is_absolute()
    {
        return Some(dir.join("rewind"));
    }
    let home = std::env::var_os("HOME").map(PathBuf::from)?;
    home.is_absolute()
        .then(|| home.join(".local").join("state").join("rewind"))
}

/// The state file of a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateFile {
    dir: PathBuf,
}

impl StateFile {
    /// The state file in `dir` (created when something is first remembered).
    pub fn in_dir(dir: impl Into<PathBuf>) -> StateFile {
        StateFile { dir: dir.into() }
    }

    /// The file's path.
    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    fn damaged(&self, reason: impl Into<String>) -> StateError {
        StateError::Damaged {
            path: self.path().display().to_string(),
            reason: reason.into(),
        }
    }

    fn io(&self, path: &Path, e: &std::io::Error) -> StateError {
        StateError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        }
    }

    /// What is remembered (nothing when there is no file yet).
    pub fn load(&self) -> Result<Remembered, StateError> {
        let path = self.path();
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Remembered::default());
            }
            Err(e) => return Err(self.io(&path, &e)),
        };
        let meta = file.metadata().map_err(|e| self.io(&path, &e))?;
        if !meta.is_file() {
            return Err(self.damaged("not a regular file"));
        }
        if meta.len() > MAX_BYTES {
            return Err(self.damaged(format!("over {} MiB", MAX_BYTES >> 20)));
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        use std::io::Read;
        (&file)
            .take(MAX_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| self.io(&path, &e))?;
        Remembered::parse(&bytes).map_err(|reason| self.damaged(reason))
    }

    /// Reads what is remembered, lets `change` change it, and writes it back, under a lock so
    /// that two rewinds do not lose each other's heads. Nothing is written when the file cannot
    /// be read, nor when `change` changes nothing. The file is replaced whole (a new file, synced,
    /// then renamed over it), readable by its owner only.
    pub fn update(&self, change: impl FnOnce(&mut Remembered)) -> Result<(), StateError> {
        create_private_dir(&self.dir).map_err(|e| self.io(&self.dir, &e))?;
        let lock_path = self.dir.join(format!("{FILE_NAME}.lock"));
        let lock = open_private(&lock_path).map_err(|e| self.io(&lock_path, &e))?;
        lock.lock().map_err(|e| self.io(&lock_path, &e))?;
        let mut state = self.load()?;
        let before = state.clone();
        change(&mut state);
        if state == before {
            return Ok(());
        }
        let path = self.path();
        let write = || -> std::io::Result<()> {
            let mut tmp = tempfile::Builder::new()
                .prefix(".heads")
                .tempfile_in(&self.dir)?;
            set_private(tmp.as_file())?;
            tmp.write_all(state.to_text().as_bytes())?;
            tmp.as_file().sync_all()?;
            tmp.persist(&path).map_err(|e| e.error)?;
            Ok(())
        };
        write().map_err(|e| self.io(&path, &e))
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
    }
    #[cfg(not(unix))]
    fs::create_dir_all(dir)
}

fn open_private(path: &Path) -> std::io::Result<File> {
    let mut options = fs::OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)
}

fn set_private(file: &File) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
    }
    let _ = file;
    Ok(())
}

/// What a log is, next to the head remembered for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogCheck {
    /// Nothing was remembered for it.
    New,
    /// It still ends at the head seen.
    Same,
    /// It holds the head seen, and more records after it.
    Grew {
        /// The records it had.
        from: u64,
    },
    /// The record at the place of the head seen is another one.
    Rewritten {
        /// The head's place (1-based).
        record: u64,
        /// When it was seen.
        seen: String,
    },
    /// The log ends before the head seen.
    Cut {
        /// The head's place (1-based).
        record: u64,
        /// The records the log holds now.
        now: u64,
        /// When it was seen.
        seen: String,
    },
}

impl LogCheck {
    /// Whether the log lost or changed something seen before.
    pub fn is_rewrite(&self) -> bool {
        matches!(self, LogCheck::Rewritten { .. } | LogCheck::Cut { .. })
    }

    /// The finding in words (`None` when all is well).
    pub fn finding(&self) -> Option<String> {
        match self {
            LogCheck::Rewritten { record, seen } => Some(format!(
                "✗ HISTORY REWRITTEN since {}: record {} is not the one seen then",
                shown_time(seen),
                crate::text::group(record)
            )),
            LogCheck::Cut { record, now, seen } => Some(format!(
                "✗ HISTORY CUT since {}: record {} was seen then, the log now ends at record {}",
                shown_time(seen),
                crate::text::group(record),
                crate::text::group(now)
            )),
            _ => None,
        }
    }
}

impl LogCheck {
    /// The finding in words for the tree of an origin (`None` when all is well).
    pub fn origin_finding(&self, origin: &str) -> Option<String> {
        match self {
            LogCheck::Rewritten { record, seen } => Some(format!(
                "✗ HISTORY REWRITTEN since {}: the first {} records of `{origin}` are not the tree \
                 seen then",
                shown_time(seen),
                crate::text::group(record)
            )),
            LogCheck::Cut { record, now, seen } => Some(format!(
                "✗ HISTORY CUT since {}: `{origin}` had {} records then, the log now ends at \
                 record {}",
                shown_time(seen),
                crate::text::group(record),
                crate::text::group(now)
            )),
            _ => None,
        }
    }
}

/// Compares a log with the head remembered for it: `records` is how many it holds now, and
/// `hash_of(n)` the hash of its `n`-th record (1-based).
pub fn check_log(
    seen: Option<&SeenHead>,
    records: u64,
    hash_of: impl Fn(u64) -> Option<Hash>,
) -> LogCheck {
    let Some(seen) = seen else {
        return LogCheck::New;
    };
    if seen.records == 0 {
        return if records == 0 {
            LogCheck::Same
        } else {
            LogCheck::Grew { from: 0 }
        };
    }
    if records < seen.records {
        return LogCheck::Cut {
            record: seen.records,
            now: records,
            seen: seen.seen.clone(),
        };
    }
    let held = hash_of(seen.records).map(|h| chain::to_hex(&h));
    if held.as_deref() != Some(seen.hash.as_str()) {
        return LogCheck::Rewritten {
            record: seen.records,
            seen: seen.seen.clone(),
        };
    }
    if records == seen.records {
        LogCheck::Same
    } else {
        LogCheck::Grew { from: seen.records }
    }
}

/// Compares the tree of a log with the one remembered for its origin: `size` is how many records
/// it holds, `root_at(m)` the root of its first `m`.
pub fn check_origin(
    seen: Option<&SeenTree>,
    size: u64,
    root_at: impl Fn(u64) -> Option<Hash>,
) -> LogCheck {
    let Some(seen) = seen else {
        return LogCheck::New;
    };
    if size < seen.size {
        return LogCheck::Cut {
            record: seen.size,
            now: size,
            seen: seen.seen.clone(),
        };
    }
    if root_at(seen.size).map(|h| chain::to_hex(&h)).as_deref() != Some(seen.root.as_str()) {
        return LogCheck::Rewritten {
            record: seen.size,
            seen: seen.seen.clone(),
        };
    }
    if size == seen.size {
        LogCheck::Same
    } else {
        LogCheck::Grew { from: seen.size }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn head(path: &str, records: u64, hash: Hash) -> SeenHead {
        SeenHead {
            path: path.into(),
            records,
            seq: records,
            hash: chain::to_hex(&hash),
            seen: "2024-06-12T09:14:00.000Z".into(),
        }
    }

    #[test]
    fn a_log_that_grew_is_fine_and_a_rewritten_or_cut_one_is_not() {
        let hashes: Vec<Hash> = (0..10u8).map(|i| [i; 32]).collect();
        let hash_of = |n: u64| hashes.get(n as usize - 1).copied();
        let seen = head("/l", 7, [6; 32]);
        assert_eq!(check_log(None, 10, hash_of), LogCheck::New);
        assert_eq!(check_log(Some(&seen), 7, hash_of), LogCheck::Same);
        assert_eq!(
            check_log(Some(&seen), 10, hash_of),
            LogCheck::Grew { from: 7 }
        );
        let other = head("/l", 7, [9; 32]);
        let rewritten = check_log(Some(&other), 10, hash_of);
        assert_eq!(
            rewritten.finding().unwrap(),
            "✗ HISTORY REWRITTEN since 2024-06-12 09:14 UTC: record 7 is not the one seen then"
        );
        let cut = check_log(Some(&seen), 5, hash_of);
        assert!(cut.is_rewrite());
        assert_eq!(
            cut.finding().unwrap(),
            "✗ HISTORY CUT since 2024-06-12 09:14 UTC: record 7 was seen then, the log now ends at record 5"
        );
        let big = head("/l", 7032, [1; 32]);
        assert!(
            check_log(Some(&big), 8000, |_| Some([2; 32]))
                .finding()
                .unwrap()
                .contains("record 7,032 is not")
        );
    }

    #[test]
    fn the_state_round_trips_and_is_written_for_its_owner_alone() {
        let dir = tempfile::tempdir().unwrap();
        let state = StateFile::in_dir(dir.path().join("rewind"));
        assert_eq!(state.load().unwrap(), Remembered::default());
        state.update(|r| r.set_log(head("/a", 3, [1; 32]))).unwrap();
        state
            .update(|r| {
                r.set_log(head("/a", 4, [2; 32]));
                r.set_origin(SeenTree {
                    origin: "bank-prod".into(),
                    size: 4,
                    root: chain::to_hex(&[3; 32]),
                    seen: now(),
                });
            })
            .unwrap();
        let r = state.load().unwrap();
        assert_eq!(r.logs.len(), 1);
        assert_eq!(r.log("/a").unwrap().records, 4);
        assert_eq!(r.origin("bank-prod").unwrap().size, 4);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(state.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let mode = fs::metadata(dir.path().join("rewind"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o700);
        }
    }

    #[test]
    fn a_damaged_state_file_is_reported_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let state = StateFile::in_dir(dir.path());
        let good = {
            let mut r = Remembered::default();
            r.set_log(head("/a", 3, [0xab; 32]));
            r.to_text()
        };
        for bad in [
            "not json".to_string(),
            good.replace("\"version\": 1", "\"version\": 2"),
            good.replace("\"records\": 3", "\"records\": -3"),
            good.replace("\"seq\": 3,", "\"seq\": 3, \"seq\": 4,"),
            good.replace("\"seq\": 3,", "\"seq\": 3, \"extra\": 4,"),
            good.replace(&chain::to_hex(&[0xab; 32]), &chain::to_hex(&[0xab; 32]).to_uppercase()),
            good.replace("2024-06-12T09:14:00.000Z", "yesterday"),
            good.replace("\"logs\": [", "\"logs\": [{\"path\":\"/a\",\"records\":1,\"seq\":1,\"hash\":\"0000000000000000000000000000000000000000000000000000000000000000\",\"seen\":\"2024-01-01T00:00:00Z\"},"),
        ] {
            assert_ne!(bad, good);
            fs::write(state.path(), &bad).unwrap();
            assert!(
                matches!(state.load(), Err(StateError::Damaged { .. })),
                "{bad}"
            );
            assert!(state.update(|r| r.set_log(head("/b", 1, [0; 32]))).is_err());
            assert_eq!(fs::read_to_string(state.path()).unwrap(), bad, "left alone");
        }
        fs::remove_file(state.path()).unwrap();
        fs::create_dir(state.path()).unwrap();
        assert!(state.load().is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_state_file_that_is_a_symlink_is_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, "precious").unwrap();
        let state = StateFile::in_dir(dir.path().join("s"));
        fs::create_dir(dir.path().join("s")).unwrap();
        std::os::unix::fs::symlink(&victim, state.path()).unwrap();
        // The link leads to something that is not a state file: nothing is written.
        assert!(state.update(|r| r.set_log(head("/b", 1, [0; 32]))).is_err());
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_the_state_reader(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = Remembered::parse(&bytes);
        }
    }
}
