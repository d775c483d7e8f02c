//! Writing the JSON of a rendered row: strings, keys, numbers, times and uuids, straight into the
//! record's bytes.

/// Seconds between 1970-01-01 and PostgreSQL's epoch, 2000-01-01.
pub(super) const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// Writes a JSON string.
pub(super) fn push_str(out: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        serde_json::to_writer(&mut *out, s).expect("writing to memory");
    }
}

/// Writes a JSON string from bytes that should be UTF-8 (the record is checked as a whole later:
/// bytes that are not UTF-8 make it an `invalid-utf8` problem, as in a file).
pub(super) fn push_text(out: &mut Vec<u8>, b: &[u8]) {
    if b.iter().all(|&c| c >= 0x20 && c != b'"' && c != b'\\') {
        out.push(b'"');
        out.extend_from_slice(b);
        out.push(b'"');
    } else {
        push_str(out, &String::from_utf8_lossy(b));
    }
}

/// Writes `"key":`, after a comma unless it is the first member.
pub(super) fn key(out: &mut Vec<u8>, name: &str) {
    if out.last() != Some(&b'{') {
        out.push(b',');
    }
    push_str(out, name);
    out.push(b':');
}

pub(super) fn push_u64(out: &mut Vec<u8>, n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

pub(super) fn push_i64(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    push_u64(out, n.unsigned_abs());
}

/// A `timestamp` (microseconds since 2000-01-01, taken as UTC) as RFC 3339 with microseconds.
pub(super) fn push_timestamp(out: &mut Vec<u8>, pg_micros: i64) {
    use chrono::{Datelike, Timelike};
    let Some(t) = pg_micros
        .checked_add(PG_EPOCH_MICROS)
        .and_then(chrono::DateTime::from_timestamp_micros)
    else {
        // `infinity` and the like: left for the parser to report.
        push_str(
            out,
            if pg_micros > 0 {
                "infinity"
            } else {
                "-infinity"
            },
        );
        return;
    };
    let two = |out: &mut Vec<u8>, n: u32| {
        out.push(b'0' + (n / 10) as u8);
        out.push(b'0' + (n % 10) as u8);
    };
    out.push(b'"');
    let year = t.year();
    if (0..=9999).contains(&year) {
        two(out, year as u32 / 100);
        two(out, year as u32 % 100);
    } else {
        let _ = std::io::Write::write_fmt(out, format_args!("{year:+05}"));
    }
    out.push(b'-');
    two(out, t.month());
    out.push(b'-');
    two(out, t.day());
    out.push(b'T');
    two(out, t.hour());
    out.push(b':');
    two(out, t.minute());
    out.push(b':');
    two(out, t.second());
    out.push(b'.');
    let micros = t.nanosecond() / 1000;
    two(out, micros / 10_000);
    two(out, micros / 100 % 100);
    two(out, micros % 100);
    out.extend_from_slice(b"Z\"");
}

pub(super) fn push_uuid(out: &mut Vec<u8>, b: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push(b'-');
        }
        out.push(HEX[(byte >> 4) as usize]);
        out.push(HEX[(byte & 15) as usize]);
    }
    out.push(b'"');
}
