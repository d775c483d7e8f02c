//! Writing the times of a rendered row as JSON (the rest is written by
//! [`crate::ledger::json::write`]).

use crate::ledger::json::write::push_str;

/// Seconds between 1970-01-01 and PostgreSQL's epoch, 2000-01-01.
pub(super) const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

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
