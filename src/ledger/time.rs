//! Moments: UTC milliseconds since the Unix epoch.
//!
//! The log may give a time as an RFC 3339 string with any offset, a naive
//! `YYYY-MM-DD HH:MM[:SS[.fff]]` string (taken as UTC), or an integer of epoch milliseconds. Inside,
//! every moment is an `i64` of UTC milliseconds; digits below the millisecond are cut off.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// UTC milliseconds since 1970-01-01T00:00:00Z.
pub type Millis = i64;

pub const MS_PER_SECOND: i64 = 1_000;
pub const MS_PER_MINUTE: i64 = 60 * MS_PER_SECOND;
pub const MS_PER_HOUR: i64 = 60 * MS_PER_MINUTE;
pub const MS_PER_DAY: i64 = 24 * MS_PER_HOUR;

mod user;

pub use user::{UserTime, parse_relative, parse_user_end, parse_user_time};

/// Why a piece of text is not a time.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error(
        "`{text}` is not a time (use RFC 3339 like 2024-03-01T12:00:00Z, `2024-03-01 12:00`, or epoch milliseconds)"
    )]
    NotATime { text: String },
    /// A bare number a person gave that reads as a moment of 1970 in milliseconds but as a
    /// plausible moment in seconds: most likely seconds.
    #[error(
        "{text} looks like seconds since 1970; write {text}s for seconds or {text}000 for milliseconds"
    )]
    LooksLikeSeconds { text: String },
}

fn error(text: &str) -> TimeError {
    TimeError::NotATime {
        text: crate::text::shorten(text, 40),
    }
}

/// The first moment of year 0000 and the last of year 9999: the times rewind reads and writes.
pub const EARLIEST: Millis = -62_167_219_200_000;
pub const LATEST: Millis = 253_402_300_799_999;

/// A moment within the years 0000–9999, or why not.
pub fn in_range(ms: Millis, text: &str) -> Result<Millis, TimeError> {
    if (EARLIEST..=LATEST).contains(&ms) {
        Ok(ms)
    } else {
        Err(error(text))
    }
}

/// Parses a time written as text: RFC 3339, the naive form, or a string of epoch-millisecond digits.
pub fn parse_time(text: &str) -> Result<Millis, TimeError> {
    parse_time_any(text).and_then(|ms| in_range(ms, text))
}

fn parse_time_any(text: &str) -> Result<Millis, TimeError> {
    // Trimming looks at Unicode whitespace; most times start and end with a visible ASCII byte.
    let visible = |b: Option<&u8>| b.is_some_and(|b| (0x21..0x80).contains(b));
    let trimmed = if visible(text.as_bytes().first()) && visible(text.as_bytes().last()) {
        text
    } else {
        text.trim()
    };
    if let Some(ms) = parse_fast(trimmed.as_bytes()) {
        return Ok(ms);
    }
    if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return trimmed.parse::<i64>().map_err(|_| error(text));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(trimmed) {
        return Ok(t.with_timezone(&Utc).timestamp_millis());
    }
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(trimmed, format) {
            return Ok(t.and_utc().timestamp_millis());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(trimmed, "%Y-%m-%d") {
        return Ok(d
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc()
            .timestamp_millis());
    }
    Err(error(text))
}

/// The fast path for the forms nearly every log uses:
/// `YYYY-MM-DD[T ]HH:MM[:SS[.fff…]][Z|±HH:MM]`. Returns `None` for anything else (the slow path
/// then decides).
fn parse_fast(b: &[u8]) -> Option<Millis> {
    if let Some(ms) = parse_canonical(b) {
        return Some(ms);
    }
    fn digits(b: &[u8], at: usize, n: usize) -> Option<i64> {
        let mut v = 0i64;
        for &c in b.get(at..at + n)? {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i64::from(c - b'0');
        }
        Some(v)
    }
    if b.len() < 16 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' {
        return None;
    }
    let hour = digits(b, 11, 2)?;
    let minute = digits(b, 14, 2)?;
    let mut i = 16;
    let mut second = 0;
    let mut millis = 0;
    if b.get(i) == Some(&b':') {
        second = digits(b, i + 1, 2)?;
        i += 3;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                if i - start < 3 {
                    millis = millis * 10 + i64::from(b[i] - b'0');
                }
                i += 1;
            }
            let n = i - start;
            if n == 0 {
                return None;
            }
            for _ in n..3 {
                millis *= 10;
            }
        }
    }
    let offset_minutes = match b.get(i) {
        None => 0,
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) if i + 6 == b.len() && b[i + 3] == b':' => {
            let h = digits(b, i + 1, 2)?;
            let m = digits(b, i + 4, 2)?;
            if h > 23 || m > 59 {
                return None;
            }
            let total = h * 60 + m;
            if sign == b'-' { -total } else { total }
        }
        _ => return None,
    };
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let days = day_number(b[..10].try_into().ok()?)?;
    let local = days * MS_PER_DAY
        + hour * MS_PER_HOUR
        + minute * MS_PER_MINUTE
        + second * MS_PER_SECOND
        + millis;
    Some(local - offset_minutes * MS_PER_MINUTE)
}

/// The form rewind writes, `YYYY-MM-DDTHH:MM:SS.mmmZ`, read by fixed positions; `None` for
/// anything else (then [`parse_fast`] reads it in general).
#[inline]
fn parse_canonical(b: &[u8]) -> Option<Millis> {
    let b: &[u8; 24] = b.try_into().ok()?;
    if b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'.'
        || b[23] != b'Z'
    {
        return None;
    }
    let d = |i: usize| b[i].wrapping_sub(b'0');
    // Every digit is below 10 when their maximum is.
    let max = d(11)
        .max(d(12))
        .max(d(14))
        .max(d(15))
        .max(d(17))
        .max(d(18))
        .max(d(20))
        .max(d(21))
        .max(d(22));
    if max >= 10 {
        return None;
    }
    let two = |i: usize| i64::from(d(i)) * 10 + i64::from(d(i + 1));
    let (hour, minute, second) = (two(11), two(14), two(17));
    let millis = two(20) * 10 + i64::from(d(22));
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let days = day_number(b[..10].try_into().ok()?)?;
    Some(
        days * MS_PER_DAY
            + hour * MS_PER_HOUR
            + minute * MS_PER_MINUTE
            + second * MS_PER_SECOND
            + millis,
    )
}

/// The day number of a `YYYY-MM-DD` date, `None` when it is not a valid date. The last date
/// read is remembered (per thread): the records of a log come day after day.
fn day_number(date: &[u8; 10]) -> Option<i64> {
    use std::cell::Cell;
    thread_local! {
        static LAST: Cell<([u8; 10], i64)> = const { Cell::new(([0; 10], 0)) };
    }
    let (last, days) = LAST.get();
    if last == *date {
        return Some(days);
    }
    let number = |range: std::ops::Range<usize>| {
        date[range].iter().try_fold(0i64, |v, &c| {
            c.is_ascii_digit().then(|| v * 10 + i64::from(c - b'0'))
        })
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    LAST.set((*date, days));
    Some(days)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The calendar date of a day number since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Writes `YYYY-MM-DD?HH:MM:SS` with `separator` between date and time, then `.mmmZ` when
/// `millis`; `None` for years outside 0..=9999 (left to chrono).
fn format_parts(ms: Millis, separator: char, millis: bool) -> Option<String> {
    let mut out = Vec::with_capacity(24);
    write_parts(ms, separator as u8, millis, &mut out)?;
    String::from_utf8(out).ok()
}

/// [`format_parts`] into a buffer, without allocating; `false` (and nothing written) for years
/// outside 0..=9999.
fn write_parts(ms: Millis, separator: u8, millis: bool, out: &mut Vec<u8>) -> Option<()> {
    fn push(out: &mut Vec<u8>, value: i64, width: u32) {
        let mut divisor = 10i64.pow(width - 1);
        while divisor > 0 {
            out.push(b'0' + (value / divisor % 10) as u8);
            divisor /= 10;
        }
    }
    let (year, month, day) = civil_from_days(ms.div_euclid(MS_PER_DAY));
    if !(0..=9999).contains(&year) {
        return None;
    }
    let in_day = ms.rem_euclid(MS_PER_DAY);
    push(out, year, 4);
    out.push(b'-');
    push(out, month, 2);
    out.push(b'-');
    push(out, day, 2);
    out.push(separator);
    push(out, in_day / MS_PER_HOUR, 2);
    out.push(b':');
    push(out, in_day % MS_PER_HOUR / MS_PER_MINUTE, 2);
    out.push(b':');
    push(out, in_day % MS_PER_MINUTE / MS_PER_SECOND, 2);
    if millis {
        out.push(b'.');
        push(out, in_day % MS_PER_SECOND, 3);
        out.push(b'Z');
    }
    Some(())
}

/// Appends [`format_time`] of `ms` to `out`, without allocating for the usual years.
pub fn write_time(ms: Millis, out: &mut Vec<u8>) {
    if write_parts(ms, b'T', true, out).is_none() {
        out.extend_from_slice(format_time(ms).as_bytes());
    }
}

/// `2024-03-01T12:00:00.000Z`: the one way rewind writes a moment.
pub fn format_time(ms: Millis) -> String {
    format_parts(ms, 'T', true)
        .or_else(|| {
            DateTime::<Utc>::from_timestamp_millis(ms)
                .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        })
        .unwrap_or_else(|| format!("{ms}ms"))
}

/// A shorter form for narrow columns: `2024-03-01 12:00:00`.
pub fn format_time_short(ms: Millis) -> String {
    format_parts(ms, ' ', false)
        .or_else(|| {
            DateTime::<Utc>::from_timestamp_millis(ms)
                .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        })
        .unwrap_or_else(|| format!("{ms}ms"))
}

/// The moment `num / den` of the way from `first` to `last` (computed without overflow, whatever
/// the span).
pub fn between(first: Millis, last: Millis, num: i128, den: i128) -> Millis {
    if den == 0 {
        return first;
    }
    let span = i128::from(last) - i128::from(first);
    (i128::from(first) + span * num / den) as Millis
}

/// Where `t` stands between `first` and `last`, scaled to `0..=steps` (clamped).
pub fn fraction_of(t: Millis, first: Millis, last: Millis, steps: i128) -> i128 {
    if last <= first {
        return 0;
    }
    let t = t.clamp(first, last);
    (i128::from(t) - i128::from(first)) * steps / (i128::from(last) - i128::from(first))
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Millis = 1_709_294_400_000; // 2024-03-01T12:00:00Z

    #[test]
    fn rfc3339_with_any_offset_is_normalised_to_utc() {
        assert_eq!(parse_time("2024-03-01T12:00:00Z").unwrap(), T);
        assert_eq!(parse_time("2024-03-01T12:00:00.000Z").unwrap(), T);
        assert_eq!(parse_time("2024-03-01T13:00:00+01:00").unwrap(), T);
        assert_eq!(parse_time("2024-03-01T06:30:00-05:30").unwrap(), T);
        assert_eq!(parse_time("2024-03-01t12:00:00z").unwrap(), T);
        assert_eq!(parse_time("2024-03-01T12:00:00.123Z").unwrap(), T + 123);
        assert_eq!(parse_time("2024-03-01T12:00:00.1Z").unwrap(), T + 100);
        // Below the millisecond is cut off, not rounded.
        assert_eq!(parse_time("2024-03-01T12:00:00.123999Z").unwrap(), T + 123);
    }

    #[test]
    fn naive_times_are_utc() {
        assert_eq!(parse_time("2024-03-01 12:00").unwrap(), T);
        assert_eq!(parse_time("2024-03-01 12:00:00").unwrap(), T);
        assert_eq!(parse_time("2024-03-01 12:00:00.250").unwrap(), T + 250);
        assert_eq!(parse_time("2024-03-01T12:00:00").unwrap(), T);
        assert_eq!(parse_time("2024-03-01").unwrap(), T - 12 * MS_PER_HOUR);
    }

    #[test]
    fn epoch_millisecond_digits() {
        assert_eq!(parse_time("1709294400000").unwrap(), T);
        assert_eq!(parse_time("0").unwrap(), 0);
    }

    #[test]
    fn fast_path_agrees_with_chrono() {
        for text in [
            "1999-12-31T23:59:59.999Z",
            "2000-02-29T00:00:00Z",
            "2024-12-31T23:59:59+14:00",
            "1970-01-01T00:00:00Z",
            "1969-07-20T20:17:40Z",
            "2038-01-19T03:14:08-12:00",
        ] {
            let chrono = DateTime::parse_from_rfc3339(text)
                .unwrap()
                .timestamp_millis();
            assert_eq!(parse_fast(text.as_bytes()), Some(chrono), "{text}");
        }
    }

    #[test]
    fn times_outside_the_years_0000_to_9999_are_refused() {
        assert_eq!(
            parse_time("-62167219200000").ok(),
            None,
            "digits are never negative"
        );
        assert!(parse_time("253402300799999").is_ok());
        assert!(parse_time("253402300800000").is_err());
        assert!(parse_time("9000000000000000000").is_err());
        assert_eq!(format_time(EARLIEST), "0000-01-01T00:00:00.000Z");
        assert_eq!(format_time(LATEST), "9999-12-31T23:59:59.999Z");
        assert!(in_range(EARLIEST - 1, "x").is_err());
    }

    #[test]
    fn refuses_what_is_not_a_time() {
        for bad in [
            "",
            "yesterday",
            "2024-13-01T00:00:00Z",
            "2024-02-30T00:00:00Z",
            "2023-02-29 00:00",
            "2024-03-01T25:00:00Z",
            "2024-03-01T12:00:00+1",
            "12:00",
            "2024-03-01T12:00:00.Z",
        ] {
            assert!(parse_time(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn the_fast_formatter_agrees_with_chrono() {
        let mut ms = -86_400_000 * 365 * 3 + 17;
        while ms < 4_102_444_800_000 {
            let chrono = DateTime::<Utc>::from_timestamp_millis(ms)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%S%.3fZ")
                .to_string();
            assert_eq!(format_time(ms), chrono);
            ms += 7_777_777_777;
        }
        assert_eq!(format_time(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn formats_round_trip() {
        assert_eq!(format_time(T + 7), "2024-03-01T12:00:00.007Z");
        assert_eq!(parse_time(&format_time(T + 7)).unwrap(), T + 7);
        assert_eq!(format_time_short(T), "2024-03-01 12:00:00");
    }

    #[test]
    fn spans_of_any_size() {
        assert_eq!(between(0, 100, 1, 4), 25);
        assert_eq!(between(i64::MIN, i64::MAX, 1, 2), -1);
        assert_eq!(between(i64::MIN, i64::MAX, 1, 1), i64::MAX);
        assert_eq!(fraction_of(50, 0, 100, 10), 5);
        assert_eq!(fraction_of(i64::MAX, i64::MIN, i64::MAX, 99), 99);
        assert_eq!(fraction_of(7, 7, 7, 99), 0);
    }

    #[test]
    fn written_times_are_the_formatted_ones() {
        let mut out = Vec::new();
        for ms in [
            0,
            1,
            -1,
            1_709_251_200_000,
            1_709_294_400_123,
            951_782_400_000,
            253_402_300_799_999,
            253_402_300_800_000,
            -62_167_219_200_000,
            -62_167_219_200_001,
        ]
        .into_iter()
        .chain((0..2_000).map(|k| 1_700_000_000_000 + k * 987_654_321))
        {
            out.clear();
            write_time(ms, &mut out);
            assert_eq!(
                String::from_utf8(out.clone()).unwrap(),
                format_time(ms),
                "{ms}"
            );
        }
    }

    #[test]
    fn a_remembered_date_never_lets_an_invalid_one_through() {
        assert!(parse_time("2024-02-29T10:00:00Z").is_ok());
        assert!(parse_time("2023-02-29T10:00:00Z").is_err());
        assert!(parse_time("2024-02-29T10:00:00Z").is_ok());
        assert!(parse_time("2024-02-30T10:00:00Z").is_err());
        assert!(parse_time("2024-13-01T10:00:00Z").is_err());
        assert_eq!(
            parse_time("2024-03-01T00:00:00.800Z").unwrap(),
            parse_time("2024-03-01T00:00:00Z").unwrap() + 800
        );
    }

    #[test]
    fn the_canonical_form_reads_as_the_general_one() {
        for text in [
            "2024-03-01T00:00:00.800Z",
            "1970-01-01T00:00:00.000Z",
            "2024-02-29T23:59:59.999Z",
            "9999-12-31T23:59:59.999Z",
            "0001-01-01T00:00:00.000Z",
        ] {
            let canonical = parse_canonical(text.as_bytes()).expect(text);
            // The same moment written another way goes through the general path.
            let general = parse_time(&text.replace('Z', "+00:00")).unwrap();
            assert_eq!(canonical, general, "{text}");
            assert_eq!(format_time(canonical), text);
        }
        for text in [
            "2024-03-01T24:00:00.000Z",
            "2024-03-01T00:60:00.000Z",
            "2024-03-01T00:00:60.000Z",
            "2024-02-30T00:00:00.000Z",
            "2024-03-01T00:00:00.0a0Z",
            "2024-03-01t00:00:00.000Z",
        ] {
            assert!(parse_canonical(text.as_bytes()).is_none(), "{text}");
        }
    }
}
