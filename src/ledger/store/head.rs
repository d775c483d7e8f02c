//! The head of a sealed log, read from the end of the file without replaying it.

use std::fs::File;
use std::io;

use super::{HeadProblem, StoreError};
use crate::ledger::chain::{self, Digest256, GENESIS};
use crate::ledger::problem::MAX_LINE;
use crate::ledger::raw::read_exact_at;
use crate::ledger::record::parse_record;
use crate::ledger::time::Millis;

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
pub(super) fn line_start(file: &File, end: u64, limit: u64) -> io::Result<Option<u64>> {
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
        return Err(StoreError::TornTail {
            name: name.to_string(),
            line,
        });
    }
    let Some(line) = line_before(file, len).map_err(io)? else {
        return Err(StoreError::OnlyBlank {
            name: name.to_string(),
        });
    };
    // A record written after a blank line would put the blank line between records, which
    // breaks the chain for every reader.
    let end = line.start + line.bytes.len() as u64 + 1;
    if end < len {
        let blank = line_number(file, end).map_err(io)?;
        return Err(StoreError::TrailingBlank {
            name: name.to_string(),
            line: blank,
        });
    }
    let at_line = || line_number(file, line.start).unwrap_or(0);
    let refuse = |problem: HeadProblem| StoreError::BadHead {
        name: name.to_string(),
        line: at_line(),
        problem,
    };
    // A log kept with CRLF line ends: the record is what comes before the `\r`, as readers take it;
    // a byte order mark before the first line is not part of it either.
    let bytes = line.bytes.strip_suffix(b"\r").unwrap_or(&line.bytes);
    let bytes = match line.start {
        0 => bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes),
        _ => bytes,
    };
    if bytes.len() > MAX_LINE {
        return Err(refuse(HeadProblem::TooLong));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| refuse(HeadProblem::NotUtf8))?;
    let fields = parse_record(text).map_err(|e| refuse(HeadProblem::NotRecord(e.message)))?;
    let Some(seal) = fields.seal else {
        return Err(refuse(HeadProblem::NotSealed));
    };
    if chain::record_hash(bytes) != Some(seal.hash) {
        return Err(refuse(HeadProblem::Altered));
    }
    let Some(seq) = fields.seq else {
        return Err(refuse(HeadProblem::NoSeq));
    };
    // The head is only as good as its link to the record before: a record sealed onto the end
    // with a seq that does not follow would number the next one wrongly.
    let (expected_prev, expected_seq) = match line_before(file, line.start).map_err(io)? {
        None => (GENESIS, None),
        Some(before) => {
            if before.start + before.bytes.len() as u64 + 1 != line.start {
                return Err(refuse(HeadProblem::BlankBefore));
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
                    return Err(refuse(HeadProblem::PreviousUnsealed));
                }
            }
        }
    };
    if seal.prev != expected_prev {
        return Err(refuse(HeadProblem::PrevMismatch));
    }
    match expected_seq {
        Some(before) if before.checked_add(1) != Some(seq) => {
            return Err(refuse(HeadProblem::SeqGap { seq, before }));
        }
        None if seq == 0 => {
            return Err(refuse(HeadProblem::SeqZero));
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
pub(super) fn line_before_torn(file: &File, len: u64) -> io::Result<u64> {
    Ok(line_start(file, len, u64::MAX)?.unwrap_or(0))
}
