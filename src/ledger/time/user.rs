//! Times given by a person (on the command line, in the explorer's prompts): every form of the
//! log, epoch seconds with an `s` (`1715682151s`), epoch milliseconds with `ms`, or an offset
//! from a moment known later (`-15m` from the last event, the cursor, now).
//!
//! A time is read into a [`UserTime`] before any log is opened; an offset is resolved once,
//! against the moment it is relative to, when that is known.

use super::{
    MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, MS_PER_SECOND, Millis, TimeError, error, in_range,
    parse_time,
};

/// The smallest bare number taken for epoch seconds given by mistake: 1e9 seconds is
/// 2001-09-09, while 1e9 milliseconds is 1970-01-12.
const SECONDS_FROM: i64 = 1_000_000_000;
/// 1971-01-01T00:00:00Z in milliseconds: a bare number at or above it is a moment after 1970 in
/// milliseconds, and is read as such.
const SECONDS_UNTIL: i64 = 31_536_000_000;

/// A time as a person gave it, read before the moment it may be relative to is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserTime {
    /// A moment.
    At(Millis),
    /// An offset in milliseconds from a base moment (the last event, the cursor, now), with the
    /// text it was read from (for the error when the base moves it out of range).
    Offset { ms: i64, text: String },
}

impl UserTime {
    /// Reads a time: any form of the log, `N` + `s` (epoch seconds), `N` + `ms` (epoch
    /// milliseconds), or a signed offset such as `-15m`. A bare number that reads as a moment of
    /// 1970 in milliseconds but as a plausible one in seconds (`1715682151`) is refused with a
    /// hint, as it is almost always seconds given by mistake.
    pub fn parse(text: &str) -> Result<UserTime, TimeError> {
        if let Some(ms) = parse_relative(text) {
            return Ok(UserTime::Offset {
                ms,
                text: crate::text::shorten(text.trim(), 40),
            });
        }
        parse_absolute(text).map(UserTime::At)
    }

    /// Reads the end of a range: as [`UserTime::parse`], except that a date alone
    /// (`2024-03-14`) stands for the whole day, up to its last millisecond.
    pub fn parse_end(text: &str) -> Result<UserTime, TimeError> {
        match UserTime::parse(text)? {
            UserTime::At(at) if is_date_only(text) => {
                in_range(at + MS_PER_DAY - 1, text).map(UserTime::At)
            }
            other => Ok(other),
        }
    }

    /// The moment, an offset taken from `base`; an error when that leaves the years 0000–9999.
    pub fn resolve(&self, base: Millis) -> Result<Millis, TimeError> {
        match self {
            UserTime::At(at) => Ok(*at),
            UserTime::Offset { ms, text } => {
                let at = base.checked_add(*ms).ok_or_else(|| error(text))?;
                in_range(at, text)
            }
        }
    }

    /// The moment when it does not depend on a base.
    pub fn absolute(&self) -> Option<Millis> {
        match self {
            UserTime::At(at) => Some(*at),
            UserTime::Offset { .. } => None,
        }
    }
}

impl std::str::FromStr for UserTime {
    type Err = TimeError;
    fn from_str(text: &str) -> Result<UserTime, TimeError> {
        UserTime::parse(text)
    }
}

/// A moment given by a person: a log's form, or digits with `s` or `ms`; bare digits that look
/// like seconds are refused.
fn parse_absolute(text: &str) -> Result<Millis, TimeError> {
    let trimmed = text.trim();
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if let Some(number) = trimmed.strip_suffix("ms").filter(|n| digits(n)) {
        let ms: i64 = number.parse().map_err(|_| error(text))?;
        return in_range(ms, text);
    }
    if let Some(number) = trimmed.strip_suffix('s').filter(|n| digits(n)) {
        let seconds: i64 = number.parse().map_err(|_| error(text))?;
        let ms = seconds
            .checked_mul(MS_PER_SECOND)
            .ok_or_else(|| error(text))?;
        return in_range(ms, text);
    }
    if digits(trimmed)
        && trimmed
            .parse::<i64>()
            .is_ok_and(|n| (SECONDS_FROM..SECONDS_UNTIL).contains(&n))
    {
        return Err(TimeError::LooksLikeSeconds {
            text: trimmed.to_string(),
        });
    }
    parse_time(text)
}

fn is_date_only(text: &str) -> bool {
    let t = text.trim().as_bytes();
    t.len() == 10
        && t.iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
}

/// A signed offset such as `-15m`, `+2h`, `-1d`, `+30s`, `-500ms` or `+1w`, in milliseconds.
/// Returns `None` when the text is not of that form.
pub fn parse_relative(text: &str) -> Option<i64> {
    let text = text.trim();
    let (sign, rest) = match text.as_bytes().first()? {
        b'-' => (-1, &text[1..]),
        b'+' => (1, &text[1..]),
        _ => return None,
    };
    let split = rest.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = rest.split_at(split);
    if number.is_empty() {
        return None;
    }
    let n: i64 = number.parse().ok()?;
    let unit_ms = match unit {
        "ms" => 1,
        "s" => MS_PER_SECOND,
        "m" | "min" => MS_PER_MINUTE,
        "h" => MS_PER_HOUR,
        "d" => MS_PER_DAY,
        "w" => 7 * MS_PER_DAY,
        _ => return None,
    };
    n.checked_mul(unit_ms)?.checked_mul(sign)
}

/// A time given by a person: an absolute time in any accepted form, or an offset from `base`.
pub fn parse_user_time(text: &str, base: Millis) -> Result<Millis, TimeError> {
    UserTime::parse(text)?.resolve(base)
}

/// The end of a range given by a person: as [`parse_user_time`], except that a date alone
/// (`2024-03-14`) stands for the whole day, up to its last millisecond.
pub fn parse_user_end(text: &str, base: Millis) -> Result<Millis, TimeError> {
    UserTime::parse_end(text)?.resolve(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Millis = 1_709_294_400_000; // 2024-03-01T12:00:00Z

    #[test]
    fn a_date_alone_ends_a_range_at_the_end_of_its_day() {
        let day = parse_time("2024-03-14").unwrap();
        assert_eq!(
            parse_user_end("2024-03-14", 0).unwrap(),
            day + MS_PER_DAY - 1
        );
        assert_eq!(
            parse_user_end(" 2024-03-14 ", 0).unwrap(),
            day + MS_PER_DAY - 1
        );
        assert_eq!(
            parse_user_end("2024-03-14 12:00", 0).unwrap(),
            day + 12 * MS_PER_HOUR
        );
        assert_eq!(parse_user_end("+1h", day).unwrap(), day + MS_PER_HOUR);
        assert!(parse_user_end("9999-12-31", 0).is_ok());
    }

    #[test]
    fn an_offset_cannot_leave_the_years_a_time_can_be_written_in() {
        assert_eq!(parse_user_time("-1d", T).unwrap(), T - MS_PER_DAY);
        assert!(parse_user_time("+1000000000w", T).is_err());
        assert!(parse_user_time("-200000w", T).is_err());
    }

    #[test]
    fn relative_offsets() {
        assert_eq!(parse_relative("-15m"), Some(-15 * MS_PER_MINUTE));
        assert_eq!(parse_relative("+2h"), Some(2 * MS_PER_HOUR));
        assert_eq!(parse_relative("-1d"), Some(-MS_PER_DAY));
        assert_eq!(parse_relative("+30s"), Some(30_000));
        assert_eq!(parse_relative("-500ms"), Some(-500));
        assert_eq!(parse_relative("+1w"), Some(7 * MS_PER_DAY));
        for bad in ["15m", "-m", "-15", "-15y", "", "-1.5h"] {
            assert_eq!(parse_relative(bad), None, "{bad}");
        }
        assert_eq!(parse_user_time("-1h", T).unwrap(), T - MS_PER_HOUR);
        assert_eq!(parse_user_time("2024-03-01 12:00", 0).unwrap(), T);
        assert!(parse_user_time("soon", T).is_err());
    }

    #[test]
    fn epoch_seconds_given_by_mistake_are_refused_with_a_hint() {
        let err = parse_user_time("1715682151", 0).unwrap_err();
        assert_eq!(
            err.to_string(),
            "1715682151 looks like seconds since 1970; write 1715682151s for seconds or \
             1715682151000 for milliseconds"
        );
        assert!(matches!(err, TimeError::LooksLikeSeconds { .. }));
        // The edges: 1e9 seconds (2001) is refused, one below is 1970-01-12 in milliseconds.
        assert!(parse_user_time("1000000000", 0).is_err());
        assert_eq!(parse_user_time("999999999", 0).unwrap(), 999_999_999);
        // The last number below 1971 in milliseconds is refused; 1971 itself is milliseconds.
        assert!(parse_user_time("31535999999", 0).is_err());
        assert_eq!(
            parse_user_time("31536000000", 0).unwrap(),
            parse_time("1971-01-01T00:00:00Z").unwrap()
        );
        // Milliseconds of today, and small numbers, are read as before.
        assert_eq!(parse_user_time("1709294400000", 0).unwrap(), T);
        assert_eq!(parse_user_time("0", 0).unwrap(), 0);
        assert_eq!(parse_user_time("1", 0).unwrap(), 1);
        // Surrounded by spaces or with leading zeros it is still the same number.
        assert!(matches!(
            parse_user_time(" 1715682151 ", 0),
            Err(TimeError::LooksLikeSeconds { text }) if text == "1715682151"
        ));
        assert!(parse_user_time("01715682151", 0).is_err());
        // The log itself is read as it always was: digits are milliseconds.
        assert_eq!(parse_time("1715682151").unwrap(), 1_715_682_151);
        // An offset is never taken for seconds.
        assert_eq!(parse_user_time("+1715682151ms", 0).unwrap(), 1_715_682_151);
    }

    #[test]
    fn epoch_seconds_and_milliseconds_by_suffix() {
        assert_eq!(parse_user_time("1709294400s", 0).unwrap(), T);
        assert_eq!(parse_user_time(" 1709294400s ", 0).unwrap(), T);
        assert_eq!(parse_user_time("0s", 0).unwrap(), 0);
        assert_eq!(parse_user_time("1715682151ms", 0).unwrap(), 1_715_682_151);
        assert_eq!(parse_user_time("1709294400000ms", 0).unwrap(), T);
        assert_eq!(
            parse_user_time("253402300799s", 0).unwrap(),
            parse_time("9999-12-31T23:59:59Z").unwrap()
        );
        for bad in [
            "253402300800s",
            "99999999999999999999s",
            "9223372036854775807s",
            "s",
            "ms",
            "1.5s",
            "1e9s",
            "17 s",
            "0x10s",
            "1709294400S",
            "253402300800000ms",
        ] {
            let err = parse_user_time(bad, 0).unwrap_err();
            assert!(matches!(err, TimeError::NotATime { .. }), "{bad}: {err}");
        }
        // `-5s` is an offset, not a moment.
        assert_eq!(parse_user_time("-5s", T).unwrap(), T - 5_000);
    }

    #[test]
    fn a_user_time_is_read_once_and_resolved_later() {
        assert_eq!(
            UserTime::parse("2024-03-01 12:00").unwrap(),
            UserTime::At(T)
        );
        let offset = UserTime::parse(" -15m ").unwrap();
        assert_eq!(
            offset,
            UserTime::Offset {
                ms: -15 * MS_PER_MINUTE,
                text: "-15m".into()
            }
        );
        assert_eq!(offset.absolute(), None);
        assert_eq!(offset.resolve(T).unwrap(), T - 15 * MS_PER_MINUTE);
        assert_eq!(UserTime::At(T).resolve(0).unwrap(), T);
        assert_eq!(UserTime::At(T).absolute(), Some(T));
        // Out of range only once resolved, and the error names the text given.
        let far = UserTime::parse("+1000000000w")
            .unwrap()
            .resolve(T)
            .unwrap_err();
        assert!(far.to_string().contains("`+1000000000w`"), "{far}");
        let week = UserTime::parse("-200000w").unwrap();
        assert!(week.resolve(0).is_err());
        assert!(
            week.resolve(T)
                .unwrap_err()
                .to_string()
                .contains("`-200000w`")
        );
        // The end of a range: a date alone is its whole day, resolved when read.
        assert_eq!(
            UserTime::parse_end("2024-03-01").unwrap(),
            UserTime::At(T + 12 * MS_PER_HOUR - 1)
        );
        assert!(matches!(
            UserTime::parse_end("1715682151"),
            Err(TimeError::LooksLikeSeconds { .. })
        ));
        assert_eq!(
            "-1h".parse::<UserTime>().unwrap().resolve(T).unwrap(),
            T - MS_PER_HOUR
        );
    }
}
