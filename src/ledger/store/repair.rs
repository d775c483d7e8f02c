//! `repair`: moves a torn last line aside, or takes blank lines off the end of a log.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::StoreError;
use super::error::io_error;
use super::head::{line_before, line_before_torn, line_number};
use crate::ledger::chain;
use crate::ledger::files::{self, sync_dir};
use crate::ledger::problem::MAX_LINE;
use crate::ledger::raw::read_exact_at;
use crate::ledger::record::parse_record;

/// What `repair` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Repaired {
    /// The log ends with a complete line: nothing to do.
    Nothing,
    /// The last line was a complete record that only lacked its newline: the newline was added.
    Completed {
        /// The record's line, counted from 1.
        line: u64,
    },
    /// Blank lines after the last record (bytes rewind never writes) were taken off the end;
    /// `line` is the first of them.
    Blank {
        /// The first blank line, counted from 1.
        line: u64,
        /// How many blank lines were taken off.
        lines: u64,
    },
    /// The torn last line was moved to `torn` (appended to it, followed by a newline).
    Moved {
        /// The torn line, counted from 1.
        line: u64,
        /// How many bytes were moved (the torn line, without the newline added after it).
        bytes: u64,
        /// Where they were moved to: `FILE.torn`.
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
    let not_a_log = |why: &'static str| StoreError::NotALog {
        name: name.clone(),
        why,
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
