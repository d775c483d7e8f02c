//! The only writer of a log: lock, torn-tail check, head, append, fsync — and `repair`.
//!
//! An append takes an exclusive lock on the log (other writers wait; readers never lock, so they
//! never wait), reads the head from the end of the file without replaying it, writes the whole
//! sealed record and its newline with one `write`, then `fsync`s. Only then is the record
//! acknowledged. A record is never glued onto a torn last line, and nothing here ever truncates a
//! complete record.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::chain::{self, Digest256, GENESIS};
use super::event::TypeMap;
use super::files::{self, sync_dir};
use super::index::read_exact_at;
pub use super::new_event::{Field, Invalid, NewEvent, check_name, check_time, check_value};
use super::problem::MAX_LINE;
use super::record::{self, parse_record};
use super::time::{Millis, format_time};

/// Why a write was refused or failed. The message names the file (and the line where there is one)
/// and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The event may not be written; nothing was written.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The request or the state of the log does not allow it; nothing was written.
    #[error("{0}")]
    Refused(String),
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
    /// The record was written but could not be made durable: it is not acknowledged.
    #[error("{0}")]
    NotDurable(String),
}

fn io_error(path: &Path) -> impl Fn(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.display().to_string(),
        source,
    }
}

impl NewEvent {
    /// The record's members up to, not including, `prev` (the object is left open).
    fn body(&self, seq: u64, id: &str, ts: Millis) -> String {
        let q = |s: &str| serde_json::to_string(s).expect("strings serialize");
        let mut body = format!(
            "{{\"seq\":{seq},\"eventId\":{},\"accountId\":{},\"type\":{}",
            q(id),
            q(&self.account),
            q(&self.kind)
        );
        if let Some(amount) = self.amount {
            body.push_str(&format!(",\"amount\":\"{amount}\""));
        }
        if let Some(to) = &self.to {
            body.push_str(&format!(",\"to\":{}", q(to)));
        }
        body.push_str(&format!(",\"timestamp\":\"{}\"", format_time(ts)));
        if !self.meta.is_empty() {
            let meta: Vec<String> = self
                .meta
                .iter()
                .map(|(k, v)| format!("{}:{}", q(k), q(v)))
                .collect();
            body.push_str(&format!(",\"meta\":{{{}}}", meta.join(",")));
        }
        body
    }

    /// Checks that a record about to be written reads back as this event, with each member
    /// given once, so that every reader reads the same event.
    fn reads_back(&self, line: &str, seq: u64, id: &str, ts: Millis) -> Result<(), String> {
        let f = parse_record(line).map_err(|e| e.message)?;
        if f.repeated {
            return Err("a member is given twice".into());
        }
        let same = f.seq == Some(seq)
            && f.id.as_deref() == Some(id)
            && f.account == self.account
            && f.kind == self.kind
            && f.amount == self.amount
            && f.to.as_deref() == self.to.as_deref()
            && f.ts == ts
            && f.seal.is_some();
        if !same {
            return Err("its fields differ".into());
        }
        Ok(())
    }

    /// Whether an existing record is this very event (for an append repeated with the same id).
    /// The time is compared only when it was given.
    fn same_as(&self, line: &str) -> bool {
        let Ok(f) = parse_record(line) else {
            return false;
        };
        // Each detail once, as a string: a record that gives one twice is not this event (its
        // readers would not agree on which value it holds).
        let meta: Option<Vec<(String, String)>> = match record::members(line)
            .ok()
            .and_then(|m| m.into_iter().find(|(k, _)| k == "meta"))
        {
            None => Some(Vec::new()),
            Some((_, raw)) => record::members(&raw).ok().and_then(|all| {
                all.into_iter()
                    .map(|(k, v)| serde_json::from_str::<String>(&v).ok().map(|v| (k, v)))
                    .collect()
            }),
        };
        let mut wanted = self.meta.clone();
        wanted.sort();
        let meta = meta.map(|mut m| {
            m.sort();
            m
        });
        !f.repeated
            && f.account == self.account
            && f.kind == self.kind
            && f.amount == self.amount
            && f.to.as_deref() == self.to.as_deref()
            && self.at.is_none_or(|at| at == f.ts)
            && meta.as_ref() == Some(&wanted)
    }
}

/// The last record of a sealed log, read from the end of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    /// `seq` 0 and the genesis hash for an empty log.
    pub digest: Digest256,
    /// The last record's time.
    pub ts: Option<Millis>,
    /// Where the last record starts.
    pub start: u64,
}

/// A line of the file: where it starts and its bytes (without the newline).
pub(crate) struct Line {
    pub start: u64,
    pub bytes: Vec<u8>,
}

/// The last line of `file[..end]` that is not blank, where `end` is 0 or just after a newline.
/// Blank is what readers skip: only whitespace (a `\r` included), or a byte order mark at the
/// start of the file. Reads backwards from `end`, at most one record's length (a longer line is
/// returned cut, and flagged by being over [`MAX_LINE`]).
pub(crate) fn line_before(file: &File, mut end: u64) -> io::Result<Option<Line>> {
    while end > 0 {
        // `end - 1` is the newline that ends the line; look for the one before it.
        let stop = end - 1;
        let limit = MAX_LINE as u64 + 2;
        let start = line_start(file, stop, limit)?.unwrap_or_else(|| stop - limit);
        if start < stop {
            let mut bytes = vec![0u8; (stop - start) as usize];
            read_exact_at(file, &mut bytes, start)?;
            let content = match start {
                0 => bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes),
                _ => &bytes[..],
            };
            if !content.iter().all(u8::is_ascii_whitespace) {
                return Ok(Some(Line { start, bytes }));
            }
        }
        end = start;
    }
    Ok(None)
}

/// Where the line that `file[..end]` ends in starts (just after the newline before it, or 0),
/// looking back at most `limit` bytes: `None` when the line is longer than that.
fn line_start(file: &File, end: u64, limit: u64) -> io::Result<Option<u64>> {
    const BLOCK: u64 = 64 << 10;
    let floor = end.saturating_sub(limit);
    let mut at = end;
    while at > floor {
        let from = at.saturating_sub(BLOCK).max(floor);
        let mut block = vec![0u8; (at - from) as usize];
        read_exact_at(file, &mut block, from)?;
        if let Some(i) = memchr::memrchr(b'\n', &block) {
            return Ok(Some(from + i as u64 + 1));
        }
        at = from;
    }
    Ok((floor == 0).then_some(0))
}

/// Counts the line a byte offset is on (1-based). Reads the file up to there: for messages only.
pub(crate) fn line_number(file: &File, offset: u64) -> io::Result<u64> {
    let mut newlines = 0u64;
    let mut buf = vec![0u8; 1 << 20];
    let mut at = 0;
    while at < offset {
        let n = (offset - at).min(buf.len() as u64) as usize;
        read_exact_at(file, &mut buf[..n], at)?;
        newlines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
        at += n as u64;
    }
    Ok(newlines + 1)
}

/// Reads the head of a sealed log of `len` bytes. Refuses a torn last line, an unsealed log, and a
/// last record whose hash does not match its bytes.
pub fn read_head(file: &File, len: u64, name: &str) -> Result<Head, StoreError> {
    let io = |source| StoreError::Io {
        path: name.to_string(),
        source,
    };
    if len == 0 {
        return Ok(Head {
            digest: Digest256 {
                seq: 0,
                hash: GENESIS,
            },
            ts: None,
            start: 0,
        });
    }
    let mut last = [0u8];
    read_exact_at(file, &mut last, len - 1).map_err(io)?;
    if last[0] != b'\n' {
        let start = line_before_torn(file, len).map_err(io)?;
        let line = line_number(file, start).map_err(io)?;
        return Err(StoreError::Refused(format!(
            "{name}:{line}: the last line is incomplete (no newline at its end: an interrupted \
             write); nothing is appended after it: `rewind repair {name}` moves it aside"
        )));
    }
    let Some(line) = line_before(file, len).map_err(io)? else {
        return Err(StoreError::Refused(format!(
            "{name}: the file holds only blank lines, it is not a sealed log"
        )));
    };
    // A record written after a blank line would put the blank line between records, which
    // breaks the chain for every reader.
    let end = line.start + line.bytes.len() as u64 + 1;
    if end < len {
        let blank = line_number(file, end).map_err(io)?;
        return Err(StoreError::Refused(format!(
            "{name}:{blank}: the log ends with a blank line, which rewind never writes; nothing \
             is appended after it: `rewind repair {name}` takes blank lines off the end"
        )));
    }
    let at_line = || line_number(file, line.start).unwrap_or(0);
    let refuse = |why: &str| StoreError::Refused(format!("{name}:{}: {why}", at_line()));
    // A log kept with CRLF line ends: the record is what comes before the `\r`, as readers take it;
    // a byte order mark before the first line is not part of it either.
    let bytes = line.bytes.strip_suffix(b"\r").unwrap_or(&line.bytes);
    let bytes = match line.start {
        0 => bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes),
        _ => bytes,
    };
    if bytes.len() > MAX_LINE {
        return Err(refuse("the last line is over 1 MiB: it is not a record"));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| refuse("the last line is not UTF-8: it is not a record"))?;
    let fields = parse_record(text).map_err(|e| {
        refuse(&format!(
            "the last line is not a record ({}); `rewind verify {name}` checks the log",
            e.message
        ))
    })?;
    let Some(seal) = fields.seal else {
        return Err(refuse(&format!(
            "the log is not sealed (its last record has no `prev`/`hash`); \
             `rewind seal {name} --out SEALED` writes a sealed copy to append to"
        )));
    };
    if chain::record_hash(bytes) != Some(seal.hash) {
        return Err(refuse(&format!(
            "the last record's hash does not match its bytes (it was altered); \
             `rewind verify {name}` checks the log"
        )));
    }
    let Some(seq) = fields.seq else {
        return Err(refuse(
            "the last record has no `seq`, so the next one cannot be numbered",
        ));
    };
    // The head is only as good as its link to the record before: a record sealed onto the end
    // with a seq that does not follow would number the next one wrongly.
    let (expected_prev, expected_seq) = match line_before(file, line.start).map_err(io)? {
        None => (GENESIS, None),
        Some(before) => {
            if before.start + before.bytes.len() as u64 + 1 != line.start {
                return Err(refuse(&format!(
                    "a blank line stands before the last record, which rewind never writes; \
                     `rewind verify {name}` checks the log"
                )));
            }
            let bytes = before.bytes.strip_suffix(b"\r").unwrap_or(&before.bytes);
            let bytes = match before.start {
                0 => bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes),
                _ => bytes,
            };
            let previous = (bytes.len() <= MAX_LINE)
                .then(|| std::str::from_utf8(bytes).ok())
                .flatten()
                .and_then(|text| parse_record(text).ok());
            match previous.as_ref().and_then(|f| Some((f.seal?, f.seq?))) {
                Some((seal, s)) => (seal.hash, Some(s)),
                None => {
                    return Err(refuse(&format!(
                        "the line before the last record is not a sealed record with a seq; \
                         `rewind verify {name}` checks the log"
                    )));
                }
            }
        }
    };
    if seal.prev != expected_prev {
        return Err(refuse(&format!(
            "the last record's `prev` is not the hash of the record before it (the log was \
             altered); `rewind verify {name}` checks the log"
        )));
    }
    match expected_seq {
        Some(before) if before.checked_add(1) != Some(seq) => {
            return Err(refuse(&format!(
                "the last record is seq {seq}, but the record before it is seq {before}: the seqs \
                 of a sealed log go up by one (the log was altered); `rewind verify {name}` checks \
                 the log"
            )));
        }
        None if seq == 0 => {
            return Err(refuse(&format!(
                "the only record is seq 0, but the seqs of a sealed log start from 1 (seq 0 is \
                 the empty log); `rewind verify {name}` checks the log"
            )));
        }
        _ => {}
    }
    Ok(Head {
        digest: Digest256 {
            seq,
            hash: seal.hash,
        },
        ts: Some(fields.ts),
        start: line.start,
    })
}

/// Where the torn last line starts (just after the last newline).
fn line_before_torn(file: &File, len: u64) -> io::Result<u64> {
    Ok(line_start(file, len, u64::MAX)?.unwrap_or(0))
}

/// What an append did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Appended {
    /// The record was written and made durable.
    New {
        record: String,
        head: Digest256,
        /// Something worth saying that did not stop the append (a time earlier than the head's).
        note: Option<String>,
    },
    /// The same event (same id and content) was already in the log: nothing was written.
    Existing {
        record: String,
        line: u64,
        head: Digest256,
    },
}

/// What an append asks of the log besides the event.
#[derive(Clone, Copy, Debug, Default)]
pub struct Expect {
    /// Append only if the head is at this seq (0: the log is empty).
    pub seq: Option<u64>,
}

/// Appends one event to the sealed log at `path` (created when missing).
pub fn append(
    path: &Path,
    event: &NewEvent,
    expect: Expect,
    types: &TypeMap,
) -> Result<Appended, StoreError> {
    event.validate(types)?;
    let name = path.display().to_string();
    // The size is checked before the file is touched (a refused append writes nothing, not even an
    // empty file): with the longest seq there is, the real record is never longer than this one.
    let probe_id = event.id.clone().unwrap_or_else(|| "0".repeat(36));
    let probe_ts = event
        .at
        .unwrap_or_else(|| chrono::Utc::now().timestamp_millis());
    let (probe, _) = chain::seal_line(
        &event.body(record::MAX_SEQ, &probe_id, probe_ts),
        &chain::GENESIS,
    );
    if probe.len() > MAX_LINE {
        return Err(StoreError::Refused(format!(
            "{name}: the record would be {} bytes, over the 1 MiB a line may hold; nothing was written",
            probe.len()
        )));
    }
    let io = io_error(path);
    // A log the user names may be a symbolic link to a regular file (it is followed); a new log is
    // created with O_EXCL, never through a link. Only a regular file is ever written.
    let open = || files::open_regular(path, OpenOptions::new().read(true).append(true));
    let mut file = match open() {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Some(n) = expect.seq.filter(|n| *n != 0) {
                return Err(StoreError::Refused(format!(
                    "{name}: --expect-seq {n}, but the log does not exist yet (its head is at seq 0)"
                )));
            }
            match files::open_regular(
                path,
                OpenOptions::new().read(true).append(true).create_new(true),
            ) {
                Ok(f) => f,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => match open() {
                    Ok(f) => f,
                    Err(e)
                        if e.kind() == io::ErrorKind::NotFound
                            && path.symlink_metadata().is_ok_and(|m| m.is_symlink()) =>
                    {
                        return Err(StoreError::Refused(format!(
                            "{name}: a symbolic link to a file that does not exist; append \
                             never creates a log through a link"
                        )));
                    }
                    Err(e) => return Err(io(e)),
                },
                Err(e) => return Err(io(e)),
            }
        }
        Err(e) => return Err(io(e)),
    };
    // Other writers wait here; readers never take the lock.
    file.lock().map_err(&io)?;
    let len = file.metadata().map_err(&io)?.len();
    let head = read_head(&file, len, &name)?;

    if let Some(id) = &event.id
        && let Some((start, line)) = find_id(&file, len, id).map_err(&io)?
    {
        let line_no = line_number(&file, start).map_err(&io)?;
        let text = String::from_utf8_lossy(&line).into_owned();
        if event.same_as(&text) {
            return Ok(Appended::Existing {
                record: text,
                line: line_no,
                head: head.digest,
            });
        }
        return Err(StoreError::Refused(format!(
            "{name}:{line_no}: event id `{}` is already in the log with other content; nothing \
             was written",
            crate::text::escape_control(id)
        )));
    }
    if let Some(n) = expect.seq
        && n != head.digest.seq
    {
        return Err(StoreError::Refused(format!(
            "{name}: --expect-seq {n}, but the head is at seq {} (head {}); nothing was written",
            head.digest.seq, head.digest
        )));
    }

    // Never wraps, and never writes a seq readers would refuse.
    let Some(seq) = head
        .digest
        .seq
        .checked_add(1)
        .filter(|s| *s <= record::MAX_SEQ)
    else {
        return Err(StoreError::Refused(format!(
            "{name}: the head is at seq {}, the largest seq a record may carry ({}): no record \
             can follow it; nothing was written",
            head.digest.seq,
            record::MAX_SEQ
        )));
    };
    let id = event
        .id
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let ts = event
        .at
        .unwrap_or_else(|| chrono::Utc::now().timestamp_millis());
    let (line, hash) = chain::seal_line(&event.body(seq, &id, ts), &head.digest.hash);
    debug_assert!(line.len() <= probe.len());
    event.reads_back(&line, seq, &id, ts).map_err(|why| {
        StoreError::Refused(format!(
            "{name}: the record would not read back as the event asked for ({why}); nothing \
             was written"
        ))
    })?;
    let mut bytes = line.into_bytes();
    bytes.push(b'\n');
    commit(&mut file, &bytes, len, &name, &id)?;
    if head.digest.seq == 0 {
        // The first record: the folder's entry for the file must be durable too.
        sync_dir(path).map_err(|e| {
            StoreError::NotDurable(format!(
                "{name}: the record (event id {id}) was written, but the folder could not be \
                 synced ({e}): it is not acknowledged; check with `rewind verify {name}`, and \
                 append again with --id {id} (a repeat is safe)"
            ))
        })?;
    }
    bytes.pop();
    let record = String::from_utf8(bytes).expect("built from strings");
    let note = match head.ts {
        Some(prev) if ts < prev => Some(format!(
            "{name}: the event's time {} is earlier than the previous record's {}; readers will \
             report it as out-of-order",
            format_time(ts),
            format_time(prev)
        )),
        _ => None,
    };
    Ok(Appended::New {
        record,
        head: Digest256 { seq, hash },
        note,
    })
}

/// The file operations a commit needs, so that their failures can be tested.
pub(crate) trait LogFile {
    fn write_once(&mut self, bytes: &[u8]) -> io::Result<usize>;
    fn sync(&mut self) -> io::Result<()>;
    fn truncate(&mut self, len: u64) -> io::Result<()>;
}

impl LogFile for File {
    fn write_once(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.write(bytes)
    }
    fn sync(&mut self) -> io::Result<()> {
        self.sync_all()
    }
    fn truncate(&mut self, len: u64) -> io::Result<()> {
        self.set_len(len)
    }
}

/// Writes the whole record with one `write`, then makes it durable. A short or failed write is
/// taken back (the bytes are ours and were never acknowledged); a failed `fsync` is reported and
/// never retried, since after it the kernel no longer says whether the data reached the disk.
pub(crate) fn commit(
    file: &mut impl LogFile,
    bytes: &[u8],
    old_len: u64,
    name: &str,
    id: &str,
) -> Result<(), StoreError> {
    let written = file.write_once(bytes);
    if !matches!(written, Ok(n) if n == bytes.len()) {
        let why = match written {
            Ok(n) => format!("only {n} of {} bytes were written", bytes.len()),
            Err(e) => e.to_string(),
        };
        return Err(match file.truncate(old_len).and_then(|()| file.sync()) {
            Ok(()) => StoreError::Io {
                path: name.to_string(),
                source: io::Error::other(format!("{why}; nothing was appended")),
            },
            Err(e) => StoreError::NotDurable(format!(
                "{name}: the write failed ({why}) and could not be taken back ({e}): the log may \
                 end with a torn line; `rewind repair {name}` moves it aside"
            )),
        });
    }
    file.sync().map_err(|e| {
        StoreError::NotDurable(format!(
            "{name}: the record (event id {id}) was written but fsync failed ({e}): it is not \
             acknowledged and may not survive a crash; check with `rewind verify {name}`, and \
             append again with --id {id} (a repeat is safe)"
        ))
    })
}

/// Finds the record whose event id is `id` in the first `len` bytes of the log. Looks for the id's
/// JSON text (a string, or the bare digits of a numeric id), then reads each candidate line.
fn find_id(file: &File, len: u64, id: &str) -> io::Result<Option<(u64, Vec<u8>)>> {
    if len == 0 {
        return Ok(None);
    }
    // SAFETY: read only, and the lock keeps other writers away while the map lives.
    let map = unsafe { memmap2::MmapOptions::new().len(len as usize).map(file) }?;
    let bytes: &[u8] = &map;
    let mut needles = vec![serde_json::to_string(id).expect("strings serialize")];
    if id.bytes().all(|b| b.is_ascii_digit()) {
        needles.push(id.to_string());
    }
    for needle in &needles {
        let mut from = 0;
        while let Some(i) = memchr::memmem::find(&bytes[from..], needle.as_bytes()) {
            let hit = from + i;
            let start = memchr::memrchr(b'\n', &bytes[..hit]).map_or(0, |j| j + 1);
            let end = memchr::memchr(b'\n', &bytes[hit..]).map_or(bytes.len(), |j| hit + j);
            let line = &bytes[start..end];
            if let Ok(text) = std::str::from_utf8(line)
                && let Ok(fields) = parse_record(text)
                && fields.id.as_deref() == Some(id)
            {
                return Ok(Some((start as u64, line.to_vec())));
            }
            from = end.max(hit + 1);
            if from >= bytes.len() {
                break;
            }
        }
    }
    Ok(None)
}

/// What `repair` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Repaired {
    /// The log ends with a complete line: nothing to do.
    Nothing,
    /// The last line was a complete record that only lacked its newline: the newline was added.
    Completed { line: u64 },
    /// Blank lines after the last record (bytes rewind never writes) were taken off the end;
    /// `line` is the first of them.
    Blank { line: u64, lines: u64 },
    /// The torn last line was moved to `torn` (appended to it, followed by a newline).
    Moved {
        line: u64,
        bytes: u64,
        torn: PathBuf,
    },
}

/// Where `repair` keeps torn tails: `FILE.torn`.
pub fn torn_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".torn");
    PathBuf::from(name)
}

/// Moves a torn last line (an interrupted write) out of the log, into `FILE.torn`, or takes blank
/// lines off its end. Complete records are never touched: a last record that is whole but lacks
/// its newline gets the newline.
pub fn repair(path: &Path) -> Result<Repaired, StoreError> {
    let io = io_error(path);
    let name = path.display().to_string();
    let mut file =
        files::open_regular(path, OpenOptions::new().read(true).write(true)).map_err(&io)?;
    file.lock().map_err(&io)?;
    let log = file.metadata().map_err(&io)?;
    let len = log.len();
    if len == 0 {
        return Ok(Repaired::Nothing);
    }
    let not_a_log = |why: &str| {
        StoreError::Refused(format!(
            "{name}: not a log: {why} (repair works on JSON Lines logs); nothing was changed"
        ))
    };
    let mut last = [0u8];
    read_exact_at(&file, &mut last, len - 1).map_err(&io)?;
    if last[0] == b'\n' {
        // Only blank lines can follow the last line that is not.
        let end = line_before(&file, len)
            .map_err(&io)?
            .map_or(0, |l| l.start + l.bytes.len() as u64 + 1);
        if end == len {
            return Ok(Repaired::Nothing);
        }
        if let Some(why) = why_not_a_log(&file, end, b"").map_err(&io)? {
            return Err(not_a_log(why));
        }
        let mut blank = vec![0u8; (len - end) as usize];
        read_exact_at(&file, &mut blank, end).map_err(&io)?;
        let line = line_number(&file, end).map_err(&io)?;
        file.set_len(end).map_err(&io)?;
        file.sync_all().map_err(&io)?;
        return Ok(Repaired::Blank {
            line,
            lines: memchr::memchr_iter(b'\n', &blank).count() as u64,
        });
    }
    let start = line_before_torn(&file, len).map_err(&io)?;
    let line = line_number(&file, start).map_err(&io)?;
    let tail_len = len - start;
    // Only as much of the line as a record can be is read (to see whether it is one); a longer
    // line is copied aside a block at a time, never held in memory whole.
    let mut tail = vec![0u8; tail_len.min(MAX_LINE as u64 + 2) as usize];
    read_exact_at(&file, &mut tail, start).map_err(&io)?;
    if tail_len <= MAX_LINE as u64 + 1 && is_complete_record(&tail) {
        use std::io::{Seek, SeekFrom};
        file.seek(SeekFrom::End(0)).map_err(&io)?;
        file.write_all(b"\n").map_err(&io)?;
        file.sync_all().map_err(&io)?;
        return Ok(Repaired::Completed { line });
    }
    // Only a log loses its last line.
    if let Some(why) = why_not_a_log(&file, start, &tail).map_err(&io)? {
        return Err(not_a_log(why));
    }
    // First keep the bytes, durably; only then take them out of the log.
    let torn = torn_path(path);
    let torn_name = torn.clone();
    let torn_io = io_error(&torn_name);
    let mut out = files::open_beside_for_append(&torn, &log).map_err(&torn_io)?;
    drop(tail);
    let mut block = vec![0u8; tail_len.min(1 << 20) as usize];
    let mut at = start;
    while at < len {
        let n = (len - at).min(block.len() as u64) as usize;
        read_exact_at(&file, &mut block[..n], at).map_err(&io)?;
        out.write_all(&block[..n]).map_err(&torn_io)?;
        at += n as u64;
    }
    out.write_all(b"\n").map_err(&torn_io)?;
    out.sync_all().map_err(&torn_io)?;
    sync_dir(&torn).map_err(&torn_io)?;
    file.set_len(start).map_err(&io)?;
    file.sync_all().map_err(&io)?;
    Ok(Repaired::Moved {
        line,
        bytes: tail_len,
        torn,
    })
}

/// Why a file whose lines before `end` are complete, followed by `tail`, is not a JSON Lines log
/// (`None` when it is one): it is a JSON array, or none of its lines reads as a record. A file
/// whose only line is a torn first record (it starts as every record rewind writes does) is a
/// log.
fn why_not_a_log(file: &File, end: u64, tail: &[u8]) -> io::Result<Option<&'static str>> {
    let mut head = [0u8; 4096];
    let n = (file.metadata()?.len()).min(head.len() as u64) as usize;
    read_exact_at(file, &mut head[..n], 0)?;
    let head = head[..n]
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(&head[..n]);
    if head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Ok(Some("it is a JSON array"));
    }
    if holds_a_record(file, end)? || (end == 0 && tail.starts_with(b"{\"seq\":")) {
        return Ok(None);
    }
    Ok(Some("no line of it reads as a JSON object record"))
}

/// Whether a line of `file[..end]` reads as a record: what tells a log from any other file.
/// Stops at the first one (the first line of a log); only lines that start with `{` are parsed.
fn holds_a_record(file: &File, end: u64) -> io::Result<bool> {
    if end == 0 {
        return Ok(false);
    }
    // SAFETY: read only, and the lock keeps other writers away while the map lives.
    let map = unsafe { memmap2::MmapOptions::new().len(end as usize).map(file) }?;
    let bytes: &[u8] = &map;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    Ok(bytes.split(|b| *b == b'\n').any(|line| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let from = line.iter().position(|b| !b.is_ascii_whitespace());
        from.is_some_and(|i| {
            line[i] == b'{'
                && std::str::from_utf8(&line[i..]).is_ok_and(|text| parse_record(text).is_ok())
        })
    }))
}

/// A line that is a whole record: it parses, and if it is sealed its hash matches its bytes.
fn is_complete_record(line: &[u8]) -> bool {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let Ok(text) = std::str::from_utf8(line) else {
        return false;
    };
    match parse_record(text) {
        Ok(f) => match f.seal {
            Some(seal) => chain::record_hash(line) == Some(seal.hash),
            None => true,
        },
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Money;

    fn event() -> NewEvent {
        NewEvent {
            id: Some("e-1".into()),
            account: "acc-1".into(),
            kind: "DEPOSIT".into(),
            amount: Some(Money::parse("100.00").unwrap()),
            to: None,
            at: Some(1_709_294_400_000),
            meta: vec![("note".into(), "first \"one\"".into())],
        }
    }

    #[test]
    fn the_body_is_spec_shaped_and_the_sealed_line_parses_back() {
        let e = event();
        let (line, hash) = chain::seal_line(&e.body(1, "e-1", e.at.unwrap()), &GENESIS);
        assert!(line.starts_with(
            r#"{"seq":1,"eventId":"e-1","accountId":"acc-1","type":"DEPOSIT","amount":"100.00","timestamp":"2024-03-01T12:00:00.000Z","meta":{"note":"first \"one\""},"prev":"000"#
        ), "{line}");
        let f = parse_record(&line).unwrap();
        assert_eq!(f.seal.unwrap().hash, hash);
        assert_eq!(f.seq, Some(1));
        assert!(e.same_as(&line));
        let mut other = e.clone();
        other.amount = Some(Money::parse("100.01").unwrap());
        assert!(!other.same_as(&line));
        let mut no_time = e.clone();
        no_time.at = None;
        assert!(
            no_time.same_as(&line),
            "a repeat without --at is the same event"
        );
    }

    /// A file whose writes and syncs fail on demand.
    struct Faulty {
        data: Vec<u8>,
        short_write: bool,
        fail_sync: bool,
        syncs: usize,
    }

    impl LogFile for Faulty {
        fn write_once(&mut self, bytes: &[u8]) -> io::Result<usize> {
            let n = if self.short_write {
                bytes.len() / 2
            } else {
                bytes.len()
            };
            self.data.extend_from_slice(&bytes[..n]);
            Ok(n)
        }
        fn sync(&mut self) -> io::Result<()> {
            self.syncs += 1;
            if self.fail_sync {
                Err(io::Error::other("I/O error"))
            } else {
                Ok(())
            }
        }
        fn truncate(&mut self, len: u64) -> io::Result<()> {
            self.data.truncate(len as usize);
            Ok(())
        }
    }

    #[test]
    fn a_failed_fsync_is_reported_once_and_never_taken_for_success() {
        let mut f = Faulty {
            data: b"x\n".to_vec(),
            short_write: false,
            fail_sync: true,
            syncs: 0,
        };
        let err = commit(&mut f, b"record\n", 2, "log.jsonl", "e-9").unwrap_err();
        assert!(matches!(err, StoreError::NotDurable(_)));
        let text = err.to_string();
        assert!(
            text.contains("fsync failed") && text.contains("--id e-9"),
            "{text}"
        );
        assert_eq!(f.syncs, 1, "never retried");
    }

    #[test]
    fn a_short_write_is_taken_back() {
        let mut f = Faulty {
            data: b"x\n".to_vec(),
            short_write: true,
            fail_sync: false,
            syncs: 0,
        };
        let err = commit(&mut f, b"record\n", 2, "log.jsonl", "e-9").unwrap_err();
        assert!(err.to_string().contains("nothing was appended"), "{err}");
        assert_eq!(f.data, b"x\n");
    }

    #[test]
    fn lines_are_found_backwards_across_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l");
        let long = "y".repeat(200_000);
        std::fs::write(&path, format!("a\n{long}\n\n")).unwrap();
        let file = File::open(&path).unwrap();
        let len = file.metadata().unwrap().len();
        let line = line_before(&file, len).unwrap().unwrap();
        assert_eq!(line.start, 2);
        assert_eq!(line.bytes.len(), 200_000);
        let first = line_before(&file, 2).unwrap().unwrap();
        assert_eq!((first.start, first.bytes), (0, b"a".to_vec()));
        assert!(line_before(&file, 0).unwrap().is_none());
        assert_eq!(line_number(&file, 2).unwrap(), 2);
        // A torn last line, and a line longer than a record can be (returned cut, over the limit).
        let huge = "z".repeat(MAX_LINE + 100);
        std::fs::write(&path, format!("a\n{long}\n{huge}\nb")).unwrap();
        let file = File::open(&path).unwrap();
        let len = file.metadata().unwrap().len();
        assert_eq!(line_before_torn(&file, len).unwrap(), len - 1);
        let cut = line_before(&file, len - 1).unwrap().unwrap();
        assert!(cut.bytes.len() > MAX_LINE && cut.bytes.iter().all(|b| *b == b'z'));
        assert_eq!(line_number(&file, cut.start).unwrap(), 3);
        let before = line_before(&file, 2 + long.len() as u64 + 1)
            .unwrap()
            .unwrap();
        assert_eq!((before.start, before.bytes.len()), (2, long.len()));
    }
}
