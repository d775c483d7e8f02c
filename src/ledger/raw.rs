//! The raw text of the records, read back from where it was read: a file at an event's offset, or
//! the text held in memory.

use std::fs::File;

/// Where the raw text of the records is, to show a record whole.
#[derive(Debug)]
pub enum RawSource {
    /// Text held in memory (the bundled sample, rows read from a database).
    Memory(Vec<u8>),
    /// A log file, read back at an event's offset (the file is never written).
    File(File),
}

impl RawSource {
    /// The bytes at `offset..offset + len`.
    pub fn read(&self, offset: u64, len: u32) -> std::io::Result<Vec<u8>> {
        match self {
            RawSource::Memory(bytes) => {
                let start = usize::try_from(offset).unwrap_or(usize::MAX);
                bytes
                    .get(start..start.saturating_add(len as usize))
                    .map(<[u8]>::to_vec)
                    .ok_or_else(|| std::io::Error::other("record out of range"))
            }
            RawSource::File(file) => {
                let mut buf = vec![0u8; len as usize];
                read_exact_at(file, &mut buf, offset)?;
                Ok(buf)
            }
        }
    }
}

#[cfg(unix)]
pub(crate) fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(not(unix))]
pub(crate) fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = file.try_clone()?;
    f.seek(SeekFrom::Start(offset))?;
    f.read_exact(buf)
}

/// The bytes of a source, from [`Ledger::source_bytes`](crate::ledger::Ledger::source_bytes).
pub enum SourceBytes<'a> {
    /// Held in memory.
    Memory(&'a [u8]),
    /// A mapped file.
    File(memmap2::Mmap),
}

impl std::ops::Deref for SourceBytes<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            SourceBytes::Memory(b) => b,
            SourceBytes::File(m) => m,
        }
    }
}
