//! Reading PostgreSQL's binary COPY format: a header, then one tuple per row, each field a 32-bit
//! length (-1 for NULL) and its bytes. The rows stream from the server as they are produced.

use std::io::{self, BufRead, Read};
use std::ops::Range;

const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";

/// Reads the tuples of a binary COPY one at a time into a reused buffer.
pub struct TupleReader<R> {
    input: R,
    /// The current tuple's fields, concatenated.
    buf: Vec<u8>,
    /// Each field's bytes in `buf`, `None` for NULL.
    fields: Vec<Option<Range<usize>>>,
    /// The current tuple exactly as it came (field count, lengths, bytes), when kept.
    wire: Vec<u8>,
    /// Whether to keep each tuple's wire bytes (for digests).
    keep_wire: bool,
    /// Bytes of the input's buffer that the last tuple, read in place, still occupies.
    pending: usize,
    /// Bytes read so far.
    pub bytes: u64,
}

/// One row: its fields, and the row's bytes as the server sent them.
pub struct Tuple<'a> {
    buf: &'a [u8],
    fields: &'a [Option<Range<usize>>],
    pub wire: &'a [u8],
}

impl<'a> Tuple<'a> {
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The bytes of field `i` (`None` for NULL or a field past the end).
    pub fn get(&self, i: usize) -> Option<&'a [u8]> {
        self.fields
            .get(i)
            .and_then(|f| f.clone())
            .map(|r| &self.buf[r])
    }

    /// Field `i` as UTF-8 text.
    pub fn text(&self, i: usize) -> Option<&'a str> {
        self.get(i).and_then(|b| std::str::from_utf8(b).ok())
    }

    /// Field `i` as a binary `int8`, `int4` or `int2`.
    pub fn int(&self, i: usize) -> Option<i64> {
        let b = self.get(i)?;
        Some(match b.len() {
            8 => i64::from_be_bytes(b.try_into().ok()?),
            4 => i64::from(i32::from_be_bytes(b.try_into().ok()?)),
            2 => i64::from(i16::from_be_bytes(b.try_into().ok()?)),
            _ => return None,
        })
    }
}

impl<R: BufRead> TupleReader<R> {
    /// Reads and checks the header.
    pub fn new(mut input: R, keep_wire: bool) -> io::Result<TupleReader<R>> {
        let mut header = [0u8; 19];
        input.read_exact(&mut header)?;
        if &header[..11] != SIGNATURE {
            return Err(io::Error::other("not a binary COPY stream"));
        }
        let extension = u32::from_be_bytes(header[15..19].try_into().expect("4 bytes"));
        io::copy(
            &mut (&mut input).take(u64::from(extension)),
            &mut io::sink(),
        )?;
        Ok(TupleReader {
            input,
            buf: Vec::with_capacity(4096),
            fields: Vec::new(),
            wire: Vec::with_capacity(4096),
            keep_wire,
            pending: 0,
            bytes: 19 + u64::from(extension),
        })
    }

    /// The next row, or `None` at the end of the stream.
    pub fn next_tuple(&mut self) -> io::Result<Option<Tuple<'_>>> {
        self.input.consume(std::mem::take(&mut self.pending));
        self.fields.clear();
        // A row is nearly always whole in the input's buffer (the server sends one message per
        // row): then it is read in place, without a copy.
        let whole = whole_tuple(self.input.fill_buf()?, &mut self.fields);
        match whole {
            Whole::End => {
                self.input.consume(2);
                self.bytes += 2;
                return Ok(None);
            }
            Whole::Tuple(len) => {
                let chunk = &self.input.fill_buf()?[..len];
                self.pending = len;
                self.bytes += len as u64;
                return Ok(Some(Tuple {
                    buf: chunk,
                    fields: &self.fields,
                    wire: chunk,
                }));
            }
            Whole::Partial => self.fields.clear(),
        }
        self.buf.clear();
        self.fields.clear();
        self.wire.clear();
        let mut count = [0u8; 2];
        match self.input.read_exact(&mut count) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        }
        self.bytes += 2;
        let count = i16::from_be_bytes(count);
        if count < 0 {
            return Ok(None);
        }
        if self.keep_wire {
            self.wire.extend_from_slice(&count.to_be_bytes());
        }
        for _ in 0..count {
            let mut len = [0u8; 4];
            self.input.read_exact(&mut len)?;
            if self.keep_wire {
                self.wire.extend_from_slice(&len);
            }
            let len = i32::from_be_bytes(len);
            self.bytes += 4;
            if len < 0 {
                self.fields.push(None);
                continue;
            }
            let start = self.buf.len();
            self.buf.resize(start + len as usize, 0);
            self.input.read_exact(&mut self.buf[start..])?;
            if self.keep_wire {
                self.wire.extend_from_slice(&self.buf[start..]);
            }
            self.bytes += len as u64;
            self.fields.push(Some(start..self.buf.len()));
        }
        Ok(Some(Tuple {
            buf: &self.buf,
            fields: &self.fields,
            wire: &self.wire,
        }))
    }
}

enum Whole {
    /// A whole tuple of this many bytes is at the start of the buffer (field ranges filled in).
    Tuple(usize),
    /// The end-of-data marker.
    End,
    /// The buffer holds only part of the next tuple (or nothing).
    Partial,
}

/// Reads the field ranges of the tuple at the start of `chunk`, if it is all there.
fn whole_tuple(chunk: &[u8], fields: &mut Vec<Option<Range<usize>>>) -> Whole {
    let Some(count) = chunk.get(..2) else {
        return Whole::Partial;
    };
    let count = i16::from_be_bytes([count[0], count[1]]);
    if count < 0 {
        return Whole::End;
    }
    let mut at = 2;
    for _ in 0..count {
        let Some(len) = chunk.get(at..at + 4) else {
            return Whole::Partial;
        };
        let len = i32::from_be_bytes([len[0], len[1], len[2], len[3]]);
        at += 4;
        if len < 0 {
            fields.push(None);
            continue;
        }
        let end = at + len as usize;
        if end > chunk.len() {
            return Whole::Partial;
        }
        fields.push(Some(at..end));
        at = end;
    }
    Whole::Tuple(at)
}

/// A binary COPY stream of `rows` (with a header extension to skip), for tests.
#[cfg(test)]
pub(crate) fn stream(rows: &[Vec<Option<&[u8]>>]) -> Vec<u8> {
    let mut out = SIGNATURE.to_vec();
    out.extend_from_slice(&0u32.to_be_bytes());
    out.extend_from_slice(&4u32.to_be_bytes());
    out.extend_from_slice(b"skip");
    for row in rows {
        out.extend_from_slice(&(row.len() as i16).to_be_bytes());
        for f in row {
            match f {
                Some(b) => {
                    out.extend_from_slice(&(b.len() as i32).to_be_bytes());
                    out.extend_from_slice(b);
                }
                None => out.extend_from_slice(&(-1i32).to_be_bytes()),
            }
        }
    }
    out.extend_from_slice(&(-1i16).to_be_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tuples_nulls_and_the_trailer() {
        let seven = 7i64.to_be_bytes();
        let bytes = stream(&[
            vec![Some(&seven[..]), Some(b"abc"), None],
            vec![Some(&[0, 0, 0, 9][..]), Some(b""), Some(b"x")],
        ]);
        let mut r = TupleReader::new(&bytes[..], true).unwrap();
        let t = r.next_tuple().unwrap().unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!(t.int(0), Some(7));
        assert_eq!(t.text(1), Some("abc"));
        assert_eq!(t.get(2), None);
        assert_eq!(t.wire.len(), 2 + 4 + 8 + 4 + 3 + 4);
        let t = r.next_tuple().unwrap().unwrap();
        assert_eq!(t.int(0), Some(9));
        assert_eq!(t.text(1), Some(""));
        assert!(r.next_tuple().unwrap().is_none());
        assert_eq!(r.bytes, bytes.len() as u64);
    }

    #[test]
    fn tuples_split_across_buffers_are_read_whole() {
        let seven = 7i64.to_be_bytes();
        let bytes = stream(&[
            vec![Some(&seven[..]), Some(b"abcdefghij"), None],
            vec![Some(&seven[..]), Some(b"xyz"), Some(b"")],
        ]);
        for capacity in 1..bytes.len() {
            let input = std::io::BufReader::with_capacity(capacity, &bytes[..]);
            let mut r = TupleReader::new(input, true).unwrap();
            let t = r.next_tuple().unwrap().unwrap();
            assert_eq!(
                (t.int(0), t.text(1), t.get(2)),
                (Some(7), Some("abcdefghij"), None)
            );
            assert_eq!(t.wire.len(), 2 + 12 + 14 + 4);
            let t = r.next_tuple().unwrap().unwrap();
            assert_eq!((t.text(1), t.text(2)), (Some("xyz"), Some("")));
            assert!(r.next_tuple().unwrap().is_none(), "capacity {capacity}");
            assert_eq!(r.bytes, bytes.len() as u64);
        }
    }

    #[test]
    fn a_cut_stream_is_an_error() {
        let bytes = stream(&[vec![Some(b"abcdef")]]);
        let mut r = TupleReader::new(&bytes[..bytes.len() - 5], false).unwrap();
        assert!(r.next_tuple().is_err());
    }
}
