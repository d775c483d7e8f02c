//! Loading: bytes of a log (JSON Lines or one JSON array) → events, problems and the chain state.
//!
//! Records are parsed in chunks on all cores; each chunk interns its own strings and checks the
//! chain inside itself. Chunks are then merged in order (line numbers, interned ids and the chain
//! links between chunks are fixed up), so the result is exactly that of a sequential pass.

mod array;
mod builder;
mod chunk;
mod detect;
mod merge;
mod pace;
mod torn;
mod wave;

use std::fs::File;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::book::{Depth, Ledger};
use super::event::TypeMap;
use super::raw::RawSource;
use super::recorded::{Link, Records};
pub use builder::{Builder, RecordSpan};
pub(crate) use chunk::{diagnose, too_long_text};
use detect::is_array;
pub use pace::{Pace, Phase};

/// How to read a log.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// The effect of each event type, and the state rules and checks.
    pub types: TypeMap,
    /// How much of the indexes to build.
    pub depth: Depth,
}

/// Progress of a load, shared with whoever shows it; `cancel` stops the load early.
#[derive(Debug, Default)]
pub struct Progress {
    /// Bytes to read in all: the file's length (for a database, an estimate until the read ends).
    pub bytes_total: AtomicU64,
    /// Bytes read and parsed so far.
    pub bytes_done: AtomicU64,
    /// Events read so far.
    pub events: AtomicU64,
    /// Every byte is read: indexing has begun (set by the load itself, since `bytes_total` of a
    /// database or a topic is an estimate that the bytes read may pass).
    pub read: AtomicBool,
    /// Set by whoever shows the progress to stop the load; the load then ends as cancelled.
    pub cancel: AtomicBool,
}

impl Progress {
    /// Whether the load was asked to stop.
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// Why a log could not be opened at all (a bad line is a problem, not an error).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The log could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The log's path, as the message shows it.
        path: String,
        /// The operating system's error, or that the path is a folder.
        source: std::io::Error,
    },
    /// The load was stopped through [`Progress::cancel`] before it ended.
    #[error("{path}: the load was interrupted")]
    Cancelled {
        /// The log's path, as the message shows it.
        path: String,
    },
}

/// Size of the pieces a JSON Lines file is cut into for parsing in parallel.
pub(crate) const CHUNK: usize = 2 << 20;

/// Loads a log file. The file is read once; what stays in memory is the compact events and their
/// indexes, and raw records are read back from the file when asked for.
pub fn load_file(
    path: &Path,
    options: &LoadOptions,
    progress: Option<&Progress>,
) -> Result<Ledger, LoadError> {
    load_file_at(path, options, progress, None)
}

/// Where to start reading a sealed log other than at its beginning (the records after a
/// snapshot): the lines before are taken as read, and the chain continues from `prev`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resume {
    /// The byte offset of the first line to read (0, or just after a newline).
    pub offset: u64,
    /// The line number of that line (1-based).
    pub line: u64,
    /// The hash the first record must name as `prev`.
    pub prev: [u8; 32],
    /// The seq of the record before: the first record read must carry the next one.
    pub seq: u64,
}

/// Loads the part of a sealed log file from `resume.offset` on. Events keep their offsets in the
/// file and their line numbers in it; a first record that does not chain to `resume.prev` is a
/// `chain-broken` problem, as anywhere else.
pub fn load_file_from(
    path: &Path,
    options: &LoadOptions,
    resume: Resume,
) -> Result<Ledger, LoadError> {
    load_file_at(path, options, None, Some(resume))
}

fn load_file_at(
    path: &Path,
    options: &LoadOptions,
    progress: Option<&Progress>,
    resume: Option<Resume>,
) -> Result<Ledger, LoadError> {
    let name = path.display().to_string();
    let io = |source| LoadError::Io {
        path: name.clone(),
        source,
    };
    let mut file = File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if meta.is_dir() {
        return Err(io(std::io::Error::other("is a directory, not a log file")));
    }
    if !meta.is_file() && resume.is_none() {
        // A pipe, a FIFO, /dev/stdin: no size to map, so the text is read whole.
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut bytes).map_err(io)?;
        return Ok(load_bytes(&name, bytes, options));
    }
    let len = meta.len() as usize;
    if let Some(p) = progress {
        p.bytes_total.store(len as u64, Ordering::Relaxed);
    }
    let mut builder = Builder::new(name.clone(), options.clone());
    let first = match resume {
        Some(r) if r.offset > len as u64 => {
            return Err(io(std::io::Error::other(format!(
                "the file is {len} bytes, shorter than the offset {} to read from",
                r.offset
            ))));
        }
        Some(r) => {
            builder.records.resume_at(r);
            r.offset as usize
        }
        None => 0,
    };
    if len > 0 {
        // SAFETY: the map is only read. A log is append-only; a writer that truncates the file
        // while it loads is outside what rewind can defend against.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(io)?;
        let bytes: &[u8] = &map;
        if resume.is_none() && is_array(bytes) {
            builder.records.add_array(bytes, 0, progress, CHUNK);
        } else {
            let _ = map.advise(memmap2::Advice::Sequential);
            // What is parsed need not stay resident: the events hold offsets into the file.
            let mut release = |range: std::ops::Range<usize>| {
                let (start, end) = (first + range.start, first + range.end);
                // Whole pages only: the page an unreleased line starts on stays.
                let page = 4096;
                let start = start.div_ceil(page) * page;
                let end = if end == len { end } else { end / page * page };
                if start < end {
                    // SAFETY: DontNeed on a read-only shared file mapping only drops pages from
                    // this process; reading them again faults them in from the page cache.
                    let _ = unsafe {
                        map.unchecked_advise_range(
                            memmap2::UncheckedAdvice::DontNeed,
                            start,
                            end - start,
                        )
                    };
                }
            };
            let done = builder.records.add_lines_in(
                &bytes[first..],
                first as u64,
                progress,
                CHUNK,
                &mut release,
            );
            if !done {
                return Err(LoadError::Cancelled { path: name });
            }
        }
        builder.records.finish_tail(bytes);
    }
    if progress.is_some_and(Progress::cancelled) {
        return Err(LoadError::Cancelled { path: name });
    }
    let raw = RawSource::File(file);
    Ok(builder.build(raw, len as u64, progress))
}

/// Loads a log held in memory (the bundled sample, tests, text from a pipe).
pub fn load_bytes(name: &str, bytes: Vec<u8>, options: &LoadOptions) -> Ledger {
    load_bytes_in(name, bytes, options, CHUNK)
}

/// [`load_bytes`] with the text cut into chunks of about `chunk` bytes for parsing in parallel:
/// the result is the same whatever the size (one chunk is a plain sequential pass).
pub(crate) fn load_bytes_in(
    name: &str,
    bytes: Vec<u8>,
    options: &LoadOptions,
    chunk: usize,
) -> Ledger {
    let mut builder = Builder::new(name.to_string(), options.clone());
    if is_array(&bytes) {
        builder.records.add_array(&bytes, 0, None, chunk);
    } else {
        builder
            .records
            .add_lines_in(&bytes, 0, None, chunk, &mut |_| {});
    }
    builder.records.finish_tail(&bytes);
    let len = bytes.len() as u64;
    builder.build(RawSource::Memory(bytes), len, None)
}

impl Records {
    /// Starts the records as if the lines before `resume.line` had been read from a sealed log.
    fn resume_at(&mut self, resume: Resume) {
        self.sealed = Some(true);
        self.lines = resume.line.saturating_sub(1);
        self.link = Link::after(resume.prev, Some(resume.seq));
    }
}

#[cfg(test)]
mod extend_props;
#[cfg(test)]
mod pieces_props;

#[cfg(test)]
mod tests;
