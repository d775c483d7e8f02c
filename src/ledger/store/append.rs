//! Appends one event: lock, head, one `write` of the sealed record, `fsync`.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

use super::error::io_error;
use super::head::{line_number, read_head};
use super::{Durability, ReadBack, StoreError};
use crate::ledger::chain::{self, Digest256};
use crate::ledger::event::TypeMap;
use crate::ledger::files::{self, sync_dir};
use crate::ledger::json::write::{into_string, key, push_u64};
use crate::ledger::new_event::NewEvent;
use crate::ledger::problem::MAX_LINE;
use crate::ledger::record::{self, parse_record};
use crate::ledger::time::{Millis, format_time};

impl NewEvent {
    /// The record's members up to, not including, `prev` (the object is left open).
    pub(super) fn body(&self, seq: u64, id: &str, ts: Millis) -> String {
        let mut body = Vec::with_capacity(128);
        body.push(b'{');
        key(&mut body, "seq");
        push_u64(&mut body, seq);
        self.write_members(id, ts, &mut body);
        into_string(body)
    }

    /// Checks that a record about to be written reads back as this event, with each member
    /// given once, so that every reader reads the same event.
    fn reads_back(&self, line: &str, seq: u64, id: &str, ts: Millis) -> Result<(), ReadBack> {
        let f = parse_record(line).map_err(|e| ReadBack::Unreadable(e.message))?;
        if f.repeated {
            return Err(ReadBack::Repeated);
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
            return Err(ReadBack::Differs);
        }
        Ok(())
    }

    /// Whether an existing record is this very event (for an append repeated with the same id).
    /// The time is compared only when it was given.
    pub(super) fn same_as(&self, line: &str) -> bool {
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

/// What an append did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Appended {
    /// The record was written and made durable.
    New {
        /// The record written, without its newline.
        record: String,
        /// The log's new head: the record's seq and hash.
        head: Digest256,
        /// Something worth saying that did not stop the append (a time earlier than the head's).
        note: Option<String>,
    },
    /// The same event (same id and content) was already in the log: nothing was written.
    Existing {
        /// The record already in the log, without its newline.
        record: String,
        /// Its line, counted from 1.
        line: u64,
        /// The log's head (unchanged).
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
        return Err(StoreError::TooLong {
            name,
            bytes: probe.len(),
        });
    }
    let io = io_error(path);
    // A log the user names may be a symbolic link to a regular file (it is followed); a new log is
    // created with O_EXCL, never through a link. Only a regular file is ever written.
    let open = || files::open_regular(path, OpenOptions::new().read(true).append(true));
    let mut file = match open() {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Some(n) = expect.seq.filter(|n| *n != 0) {
                return Err(StoreError::NoLog { name, expected: n });
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
                        return Err(StoreError::DanglingLink { name });
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
        return Err(StoreError::IdTaken {
            name,
            line: line_no,
            id: id.clone(),
        });
    }
    if let Some(n) = expect.seq
        && n != head.digest.seq
    {
        return Err(StoreError::HeadMoved {
            name,
            expected: n,
            head: head.digest,
        });
    }

    // Never wraps, and never writes a seq readers would refuse.
    let Some(seq) = head
        .digest
        .seq
        .checked_add(1)
        .filter(|s| *s <= record::MAX_SEQ)
    else {
        return Err(StoreError::SeqsExhausted {
            name,
            seq: head.digest.seq,
        });
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
    event
        .reads_back(&line, seq, &id, ts)
        .map_err(|why| StoreError::WouldNotReadBack {
            name: name.clone(),
            why,
        })?;
    let mut bytes = line.into_bytes();
    bytes.push(b'\n');
    commit(&mut file, &bytes, len, &name, &id)?;
    if head.digest.seq == 0 {
        // The first record: the folder's entry for the file must be durable too.
        sync_dir(path).map_err(|e| StoreError::NotDurable {
            name: name.clone(),
            id: id.clone(),
            failure: Durability::Folder(e),
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
            Err(undo) => StoreError::TornWrite {
                name: name.to_string(),
                why,
                undo,
            },
        });
    }
    file.sync().map_err(|e| StoreError::NotDurable {
        name: name.to_string(),
        id: id.to_string(),
        failure: Durability::Fsync(e),
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
