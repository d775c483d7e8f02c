//! Logs that are not a plain file to map: standard input, and gzip or zstd files, read whole and
//! decompressed in memory (such a log is read only: nothing is ever written to it); and the
//! file that is no log at all, told apart from a log with bad lines.

use std::io::Read;
use std::path::Path;

/// How a file's bytes are packed, by their first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Packing {
    /// Not packed: the bytes are the log's own.
    Plain,
    /// gzip, decompressed in memory.
    Gzip,
    /// Zstandard, decompressed in memory.
    Zstd,
    /// Packings rewind does not read, named so that the refusal says what to do.
    Xz,
    /// bzip2, which rewind does not read.
    Bzip2,
    /// A zip archive, which rewind does not read.
    Zip,
}

impl Packing {
    /// The packing `head` (the first bytes of a file) starts with.
    pub fn of(head: &[u8]) -> Packing {
        if head.starts_with(&[0x1f, 0x8b]) {
            Packing::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Packing::Zstd
        } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
            Packing::Xz
        } else if head.starts_with(b"BZh") {
            Packing::Bzip2
        } else if head.starts_with(b"PK\x03\x04") {
            Packing::Zip
        } else {
            Packing::Plain
        }
    }

    /// The packing of the file at `path`: plain when it cannot be read (reading it says why),
    /// and for what is not a regular file (a pipe's first bytes, once read, are gone: such a
    /// file is read whole, and unpacked then).
    pub fn of_file(path: &Path) -> Packing {
        let mut head = [0u8; 6];
        // Asked before opening: opening a FIFO waits for a writer.
        if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
            return Packing::Plain;
        }
        let n = std::fs::File::open(path)
            .and_then(|mut f| read_up_to(&mut f, &mut head))
            .unwrap_or(0);
        Packing::of(&head[..n])
    }

    /// Its name, as messages say it.
    pub fn name(self) -> &'static str {
        match self {
            Packing::Plain => "plain",
            Packing::Gzip => "gzip",
            Packing::Zstd => "zstd",
            Packing::Xz => "xz",
            Packing::Bzip2 => "bzip2",
            Packing::Zip => "zip",
        }
    }

    /// The command that writes the text out, to pipe into `rewind … -`.
    fn cat(self) -> &'static str {
        match self {
            Packing::Plain => "cat",
            Packing::Gzip => "zcat",
            Packing::Zstd => "zstdcat",
            Packing::Xz => "xzcat",
            Packing::Bzip2 => "bzcat",
            Packing::Zip => "unzip -p",
        }
    }
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Bytes of a log as read, decompressed when they are gzip or zstd; other packings are left as
/// they are (and found to be no log). Returns the packing they were in.
pub fn unpack(bytes: Vec<u8>) -> std::io::Result<(Vec<u8>, Packing)> {
    unpack_within(bytes, memory_cap())
}

/// The most bytes a compressed log or standard input is read into: half the machine's memory
/// (`REWIND_MAX_IN_MEMORY` bytes when set), so that a small file that unpacks to terabytes (a
/// "zip bomb"), or an endless pipe, ends in a clear error rather than in the kernel's OOM killer.
pub fn memory_cap() -> u64 {
    if let Some(n) = std::env::var("REWIND_MAX_IN_MEMORY")
        .ok()
        .and_then(|v| bytes_of(&v))
    {
        return n;
    }
    let total = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
        m.lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    });
    total.map_or(8 << 30, |kb| kb * 1024 / 2)
}

/// `1000`, `512M`, `8G`, `1T` (powers of 1024, any case) as a number of bytes.
fn bytes_of(text: &str) -> Option<u64> {
    let t = text.trim();
    let (digits, shift) = match t.char_indices().last()? {
        (i, 'k' | 'K') => (&t[..i], 10),
        (i, 'm' | 'M') => (&t[..i], 20),
        (i, 'g' | 'G') => (&t[..i], 30),
        (i, 't' | 'T') => (&t[..i], 40),
        _ => (t, 0),
    };
    digits.trim().parse::<u64>().ok()?.checked_mul(1 << shift)
}

fn too_big(cap: u64) -> std::io::Error {
    std::io::Error::other(format!(
        "over {} bytes, more than rewind reads into memory (half the machine's; \
         REWIND_MAX_IN_MEMORY sets it): write it to a file, unpacked, which rewind reads in place",
        crate::text::group(cap)
    ))
}

/// [`unpack`] with at most `cap` bytes unpacked.
pub fn unpack_within(bytes: Vec<u8>, cap: u64) -> std::io::Result<(Vec<u8>, Packing)> {
    let packing = Packing::of(&bytes);
    let mut out = Vec::new();
    let read_capped = |reader: &mut dyn Read, out: &mut Vec<u8>| -> std::io::Result<()> {
        let left = cap.saturating_sub(out.len() as u64);
        reader.take(left.saturating_add(1)).read_to_end(out)?;
        if out.len() as u64 > cap {
            return Err(too_big(cap));
        }
        Ok(())
    };
    match packing {
        Packing::Gzip => {
            read_capped(&mut flate2::read::MultiGzDecoder::new(&bytes[..]), &mut out)?;
        }
        Packing::Zstd => {
            // One frame after the other: `zstd -T0` and concatenated files write several.
            let mut rest = &bytes[..];
            while !rest.is_empty() {
                let mut decoder = ruzstd::decoding::StreamingDecoder::new(&mut rest)
                    .map_err(std::io::Error::other)?;
                read_capped(&mut decoder, &mut out)?;
            }
        }
        _ => return Ok((bytes, packing)),
    }
    Ok((out, packing))
}

/// Reads standard input to its end.
pub fn read_stdin() -> std::io::Result<Vec<u8>> {
    read_capped(&mut std::io::stdin().lock())
}

/// Reads a file read whole (a pipe, a compressed file) up to [`memory_cap`].
pub fn read_file(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    read_capped(&mut std::fs::File::open(path)?)
}

fn read_capped(reader: &mut dyn Read) -> std::io::Result<Vec<u8>> {
    let cap = memory_cap();
    let mut bytes = Vec::new();
    reader.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(too_big(cap));
    }
    Ok(bytes)
}

/// Why bytes in which no line is an event are no log: what they look like, and for a packing
/// rewind does not read, the command that unpacks them. `packing` is the one the bytes were
/// found in (they are given unpacked).
pub fn not_a_log(bytes: &[u8], packing: Packing, name: &str) -> String {
    let what = if is_binary(bytes) {
        "binary data"
    } else {
        "no line is an event"
    };
    match packing {
        Packing::Plain => what.to_string(),
        Packing::Gzip | Packing::Zstd => format!("{} data in which {what}", packing.name()),
        other => format!("{}? try: {} {name} | rewind … -", other.name(), other.cat()),
    }
}

/// Whether some line of `bytes` looks like a record that could not be read (UTF-8 text within
/// the line limit that starts with `{`), or the whole is a JSON array: then the bytes are a log
/// with damaged records, whose problems are listed, not some other kind of file. The first
/// thousand lines that are not blank are looked at.
pub fn looks_like_records(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let starts = |line: &[u8], c: u8| {
        line.len() <= crate::ledger::problem::MAX_LINE
            && std::str::from_utf8(line)
                .is_ok_and(|t| t.trim_start().as_bytes().first() == Some(&c))
    };
    let mut lines = bytes
        .split(|b| *b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .take(1000)
        .peekable();
    if lines.peek().is_some_and(|first| starts(first, b'[')) {
        return true;
    }
    lines.any(|line| starts(line, b'{'))
}

/// Whether the first bytes look like no text: a NUL, or bytes that are not UTF-8.
fn is_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return true;
    }
    match std::str::from_utf8(head) {
        Ok(_) => false,
        // A character cut by the end of the window is still text.
        Err(e) => e.error_len().is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_small_file_that_unpacks_past_the_cap_is_refused_not_read_whole() {
        // A megabyte of zeros packs into about a kilobyte: a bomb in miniature.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&vec![b'0'; 1 << 20]).unwrap();
        let packed = gz.finish().unwrap();
        assert!(packed.len() < 4096);
        let e = unpack_within(packed.clone(), 64 << 10).unwrap_err();
        assert!(
            e.to_string().contains("more than rewind reads into memory"),
            "{e}"
        );
        let (whole, packing) = unpack_within(packed, 1 << 20).unwrap();
        assert_eq!((whole.len(), packing), (1 << 20, Packing::Gzip));
        assert!(memory_cap() > 0);
        assert_eq!(bytes_of("8G"), Some(8 << 30));
        assert_eq!(bytes_of(" 512m "), Some(512 << 20));
        assert_eq!(bytes_of("1000"), Some(1000));
        assert_eq!(bytes_of("lots"), None);
    }

    #[test]
    fn packings_are_told_by_their_first_bytes() {
        assert_eq!(Packing::of(b"\x1f\x8b\x08"), Packing::Gzip);
        assert_eq!(Packing::of(b"\x28\xb5\x2f\xfd"), Packing::Zstd);
        assert_eq!(Packing::of(b"\xfd7zXZ\0"), Packing::Xz);
        assert_eq!(Packing::of(b"BZh9"), Packing::Bzip2);
        assert_eq!(Packing::of(b"PK\x03\x04"), Packing::Zip);
        assert_eq!(Packing::of(b"{\"a\":1}"), Packing::Plain);
        assert_eq!(Packing::of(b"\x1f"), Packing::Plain);
        assert_eq!(Packing::of(b""), Packing::Plain);
    }

    #[test]
    fn gzip_is_unpacked_and_plain_bytes_stay_as_they_are() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"{\"x\":1}\n").unwrap();
        let (bytes, packing) = unpack(gz.finish().unwrap()).unwrap();
        assert_eq!(
            (bytes.as_slice(), packing),
            (&b"{\"x\":1}\n"[..], Packing::Gzip)
        );
        let (bytes, packing) = unpack(b"plain\n".to_vec()).unwrap();
        assert_eq!(
            (bytes.as_slice(), packing),
            (&b"plain\n"[..], Packing::Plain)
        );
        // Cut gzip data is an error, not a shorter log.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&[b'a'; 10_000]).unwrap();
        let mut cut = gz.finish().unwrap();
        cut.truncate(cut.len() / 2);
        assert!(unpack(cut).is_err());
    }

    #[test]
    fn damaged_records_are_told_from_other_files() {
        assert!(looks_like_records(b"hello\n{seq:1\n"));
        assert!(looks_like_records(b"\n  [1, 2\n"));
        assert!(looks_like_records(b"\xEF\xBB\xBF{\"a\":1}\n"));
        assert!(!looks_like_records(b"hello\nworld\n"));
        assert!(!looks_like_records(b"\xff{\n"));
        assert!(!looks_like_records(b"hello [1]\n"));
        let long = format!("{{{}\n", "x".repeat(MAX + 1));
        assert!(!looks_like_records(long.as_bytes()));
    }

    const MAX: usize = crate::ledger::problem::MAX_LINE;

    #[test]
    fn what_no_log_looks_like() {
        assert_eq!(not_a_log(b"\0\x01\x02", Packing::Plain, "f"), "binary data");
        assert_eq!(not_a_log(b"\xff\xfe{", Packing::Plain, "f"), "binary data");
        assert_eq!(
            not_a_log(b"hello\nworld\n", Packing::Plain, "f"),
            "no line is an event"
        );
        // A character cut at the end of the window read is not binary.
        let mut text = vec![b'a'; 8191];
        text.extend("é".as_bytes());
        assert_eq!(not_a_log(&text, Packing::Plain, "f"), "no line is an event");
        assert_eq!(
            not_a_log(b"x", Packing::Gzip, "f.gz"),
            "gzip data in which no line is an event"
        );
        assert_eq!(
            not_a_log(b"\xfd7zXZ\0", Packing::Xz, "f.xz"),
            "xz? try: xzcat f.xz | rewind … -"
        );
    }
}
