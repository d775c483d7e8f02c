//! Following a log file as another process appends to it: new lines become events, and anything
//! that is not an append (the file shrank, was replaced, or bytes already read changed) is
//! reported, never reloaded silently.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use xxhash_rust::xxh3::xxh3_64;

use super::book::Ledger;
use super::raw::read_exact_at;

/// Fingerprints cover the file in blocks of this size.
const BLOCK: u64 = 1 << 20;
/// Bytes re-verified per poll, beyond the last block (the whole file is covered round-robin).
const VERIFY_PER_POLL: u64 = 32 << 20;
/// Bytes read at once when the file grew.
const READ_MAX: u64 = 64 << 20;

/// What a poll found.
#[derive(Debug, PartialEq, Eq)]
pub enum FollowEvent {
    /// Nothing new since the last poll.
    Unchanged,
    /// New complete lines were read; this many events were added.
    Grew {
        /// How many events were added.
        events: usize,
    },
    /// The file changed in a way that is not an append. Following stops.
    Changed {
        /// What changed, as a sentence.
        reason: String,
    },
}

/// Something that can bring a ledger up to date with its source.
pub trait Follower {
    /// Reads what the source gained since the last poll into `ledger`, and says what it found.
    fn poll(&mut self, ledger: &mut Ledger) -> FollowEvent;
}

/// Follows a log file.
pub struct FileFollower {
    path: PathBuf,
    file: File,
    /// Bytes of the file the ledger holds (up to the end of the last complete line read).
    consumed: u64,
    /// A hash of each block of `0..consumed` (the last one possibly partial).
    blocks: Vec<u64>,
    /// The next block to re-verify.
    next: usize,
    modified: Option<SystemTime>,
    #[cfg(unix)]
    inode: (u64, u64),
    stopped: bool,
}

fn read_at(file: &File, offset: u64, len: u64) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0u8; len as usize];
    read_exact_at(file, &mut buf, offset)?;
    Ok(buf)
}

impl FileFollower {
    /// Starts following `path`, which `ledger` was loaded from. Fingerprints what was read.
    pub fn new(path: &Path, ledger: &Ledger) -> std::io::Result<FileFollower> {
        let file = File::open(path)?;
        let meta = file.metadata()?;
        let (read, unterminated) = ledger.tail_state();
        let mut follower = FileFollower {
            path: path.to_path_buf(),
            file,
            consumed: read,
            blocks: Vec::new(),
            next: 0,
            modified: meta.modified().ok(),
            #[cfg(unix)]
            inode: {
                use std::os::unix::fs::MetadataExt;
                (meta.dev(), meta.ino())
            },
            // A last line without its newline was read as it was: following would glue new bytes
            // onto it, so it is not attempted.
            stopped: unterminated,
        };
        follower.blocks = follower.fingerprint(read)?;
        Ok(follower)
    }

    /// Whether following had to stop (or could not start, see [`FileFollower::new`]).
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    /// The hash of each block of the first `len` bytes, on all cores, read through a map of the
    /// file (no copy).
    fn fingerprint(&self, len: u64) -> std::io::Result<Vec<u64>> {
        use rayon::prelude::*;
        if len == 0 {
            return Ok(Vec::new());
        }
        // SAFETY: the map is only read, and only up to `len`, which the file held when it was
        // loaded; a writer that truncates the log meanwhile is outside what rewind defends
        // against (the blocks are checked again on every poll).
        let map = unsafe {
            memmap2::MmapOptions::new()
                .len(len as usize)
                .map(&self.file)
        }?;
        Ok(map.par_chunks(BLOCK as usize).map(xxh3_64).collect())
    }

    fn hash_block(&self, b: u64) -> std::io::Result<u64> {
        let start = b * BLOCK;
        let end = (start + BLOCK).min(self.consumed);
        Ok(xxh3_64(&read_at(&self.file, start, end - start)?))
    }

    /// Re-hashes block `b` and compares it with the fingerprint taken when it was read.
    fn verify_block(&self, b: usize) -> Result<(), String> {
        match self.hash_block(b as u64) {
            Ok(h) if h == self.blocks[b] => Ok(()),
            Ok(_) => Err(format!(
                "bytes already read changed in {} (between offsets {} and {})",
                self.path.display(),
                b as u64 * BLOCK,
                ((b as u64 + 1) * BLOCK).min(self.consumed)
            )),
            Err(e) => Err(format!(
                "{} can no longer be read: {e}",
                self.path.display()
            )),
        }
    }

    fn changed(&mut self, reason: String) -> FollowEvent {
        self.stopped = true;
        FollowEvent::Changed { reason }
    }

    fn check(&mut self) -> Result<Option<u64>, String> {
        let meta = std::fs::metadata(&self.path)
            .map_err(|e| format!("{} is gone: {e}", self.path.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            if (meta.dev(), meta.ino()) != self.inode {
                return Err(format!(
                    "{} was replaced by another file",
                    self.path.display()
                ));
            }
        }
        let len = meta.len();
        if len < self.consumed {
            return Err(format!(
                "{} shrank from {} to {len} bytes: events already shown were removed",
                self.path.display(),
                self.consumed
            ));
        }
        let modified = meta.modified().ok();
        let touched = modified != self.modified;
        self.modified = modified;
        let n = self.blocks.len();
        if n > 0 {
            // The last block always; all of them when the file was touched without growing
            // (an edit in place); otherwise the next ones round-robin.
            self.verify_block(n - 1)?;
            let budget = if touched && len == self.consumed {
                n
            } else {
                (VERIFY_PER_POLL / BLOCK) as usize
            };
            for _ in 0..budget.min(n) {
                let b = self.next % n;
                self.next = (self.next + 1) % n;
                self.verify_block(b)?;
            }
        }
        Ok((len > self.consumed).then_some(len))
    }
}

impl Follower for FileFollower {
    fn poll(&mut self, ledger: &mut Ledger) -> FollowEvent {
        if self.stopped {
            return FollowEvent::Unchanged;
        }
        let len = match self.check() {
            Ok(Some(len)) => len,
            Ok(None) => return FollowEvent::Unchanged,
            Err(reason) => return self.changed(reason),
        };
        let want = (len - self.consumed).min(READ_MAX);
        let bytes = match read_at(&self.file, self.consumed, want) {
            Ok(b) => b,
            Err(e) => return self.changed(format!("{}: {e}", self.path.display())),
        };
        // Only complete lines: a writer may be in the middle of the next one.
        let Some(end) = memchr::memrchr(b'\n', &bytes).map(|i| i + 1) else {
            return FollowEvent::Unchanged;
        };
        let before = ledger.len();
        let start = self.consumed;
        ledger.extend_lines(&bytes[..end], start);
        self.consumed = start + end as u64;
        // Fingerprint the new bytes: the last partial block again, then new blocks.
        let first = start / BLOCK;
        self.blocks.truncate(first as usize);
        for b in first..self.consumed.div_ceil(BLOCK) {
            match self.hash_block(b) {
                Ok(h) => self.blocks.push(h),
                Err(e) => return self.changed(format!("{}: {e}", self.path.display())),
            }
        }
        FollowEvent::Grew {
            events: ledger.len() - before,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::ledger::{LoadOptions, load_file};

    fn line(i: usize) -> String {
        format!("{{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":\"1\",\"timestamp\":{i}}}\n")
    }

    fn setup(lines: usize) -> (tempfile::TempDir, PathBuf, Ledger, FileFollower) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("live.jsonl");
        let text: String = (0..lines).map(line).collect();
        std::fs::write(&path, text).unwrap();
        let ledger = load_file(&path, &LoadOptions::default(), None).unwrap();
        let follower = FileFollower::new(&path, &ledger).unwrap();
        (dir, path, ledger, follower)
    }

    fn append(path: &Path, text: &str) {
        let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
        f.write_all(text.as_bytes()).unwrap();
    }

    #[test]
    fn appended_lines_become_events_and_partial_lines_wait() {
        let (_dir, path, mut ledger, mut f) = setup(10);
        assert_eq!(f.poll(&mut ledger), FollowEvent::Unchanged);
        append(&path, &(line(10) + &line(11)));
        assert_eq!(f.poll(&mut ledger), FollowEvent::Grew { events: 2 });
        assert_eq!(ledger.len(), 12);
        assert_eq!(ledger.event(11).line, 12);
        // Half a line: nothing yet; the rest: one event.
        let next = line(12);
        append(&path, &next[..10]);
        assert_eq!(f.poll(&mut ledger), FollowEvent::Unchanged);
        append(&path, &next[10..]);
        assert_eq!(f.poll(&mut ledger), FollowEvent::Grew { events: 1 });
        assert_eq!(ledger.len(), 13);
        let a = ledger.find_account("a").unwrap();
        assert_eq!(
            ledger
                .account_at(a, crate::ledger::Moment::End)
                .balance
                .to_string(),
            "13"
        );
    }

    #[test]
    fn an_earlier_byte_rewritten_is_flagged() {
        let (_dir, path, mut ledger, mut f) = setup(50);
        let mut bytes = std::fs::read(&path).unwrap();
        let at = bytes.iter().position(|b| *b == b'1').unwrap();
        bytes[at] = b'9';
        std::fs::write(&path, &bytes).unwrap();
        match f.poll(&mut ledger) {
            FollowEvent::Changed { reason } => assert!(reason.contains("changed"), "{reason}"),
            other => panic!("{other:?}"),
        }
        // Nothing is reloaded; following stays stopped.
        assert_eq!(ledger.len(), 50);
        append(&path, &line(50));
        assert_eq!(f.poll(&mut ledger), FollowEvent::Unchanged);
        assert!(f.stopped());
    }

    #[test]
    fn a_shrunk_or_replaced_file_is_flagged() {
        let (_dir, path, mut ledger, mut f) = setup(20);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(bytes.len() as u64 - 5)
            .unwrap();
        match f.poll(&mut ledger) {
            FollowEvent::Changed { reason } => assert!(reason.contains("shrank"), "{reason}"),
            other => panic!("{other:?}"),
        }
        let (_dir, path, mut ledger, mut f) = setup(20);
        let tmp = path.with_extension("new");
        std::fs::write(&tmp, std::fs::read(&path).unwrap()).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
        match f.poll(&mut ledger) {
            FollowEvent::Changed { reason } => assert!(reason.contains("replaced"), "{reason}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn new_sealed_records_are_verified_as_they_arrive() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sealed.jsonl");
        let sample = std::fs::read_to_string("assets/sample.jsonl").unwrap();
        let lines: Vec<&str> = sample.lines().collect();
        std::fs::write(&path, lines[..100].join("\n") + "\n").unwrap();
        let mut ledger = load_file(&path, &LoadOptions::default(), None).unwrap();
        let mut f = FileFollower::new(&path, &ledger).unwrap();
        append(&path, &(lines[100..110].join("\n") + "\n"));
        assert_eq!(f.poll(&mut ledger), FollowEvent::Grew { events: 10 });
        assert_eq!(ledger.integrity(), crate::ledger::Integrity::Sealed);
        // A record that does not chain (line 112 written where 111 belongs).
        append(&path, &(lines[111].to_string() + "\n"));
        assert_eq!(f.poll(&mut ledger), FollowEvent::Grew { events: 1 });
        assert_eq!(
            ledger.integrity(),
            crate::ledger::Integrity::Broken { line: 111 }
        );
    }
}
