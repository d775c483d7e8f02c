//! The explorer's clock: the zone its times are shown and typed in. UTC unless `--tz ZONE` or
//! `TZ` says otherwise; `u` switches between UTC and the local zone, which the header then names.
//! Inside, every moment stays UTC milliseconds: only the text shown and the text typed change.
//!
//! Typed times without an offset (`2024-03-14 15:59`) are read in the shown zone; with one
//! (`…Z`, `…+01:00`), epoch numbers and offsets (`-15m`) are what they say. A time of day alone
//! (`15:59`) is that time on the cursor's day; `today` and `yesterday` (alone, or with a time of
//! day) are the days of the wall clock.

use std::cell::RefCell;
use std::sync::OnceLock;

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone};

use crate::ledger::time::{
    MS_PER_DAY, Millis, format_time, format_time_short, parse_user_end, parse_user_time,
};

/// The zone the explorer starts in (`--tz`, or `TZ`); UTC when none was set.
static START: OnceLock<Option<(TimeZone, String)>> = OnceLock::new();

struct Clock {
    /// The zone shown: `None` for UTC.
    shown: Option<(TimeZone, String)>,
    /// What the last typed time needs said: a wall time the zone skipped or repeated.
    note: Option<String>,
}

thread_local! {
    static CLOCK: RefCell<Clock> = RefCell::new(Clock {
        shown: START.get().cloned().flatten(),
        note: None,
    });
}

/// A zone by its IANA name (`Europe/Berlin`), `UTC`, or `local` (the system's, `TZ` when set);
/// `None` for UTC.
pub fn zone(name: &str) -> Result<Option<(TimeZone, String)>, String> {
    if name.eq_ignore_ascii_case("local") {
        return Ok(system_zone());
    }
    if name.eq_ignore_ascii_case("utc") {
        return Ok(None);
    }
    TimeZone::get(name)
        .map(|tz| Some((tz, name.to_string())))
        .map_err(|_| {
            format!(
                "--tz {name}: not a time zone (an IANA name such as Europe/Berlin, UTC, or local)"
            )
        })
}

/// The system's zone (`TZ` when set); `None` when it is UTC.
pub fn system_zone() -> Option<(TimeZone, String)> {
    let (tz, name) = local();
    let utc = matches!(
        name.as_str(),
        "UTC" | "Etc/UTC" | "Etc/UCT" | "UCT" | "Zulu" | "Etc/Zulu"
    ) || tz == TimeZone::UTC;
    (!utc).then_some((tz, name))
}

/// The system's zone (`TZ` when set), with its name.
fn local() -> (TimeZone, String) {
    let tz = TimeZone::system();
    let name = tz.iana_name().unwrap_or("local").to_string();
    (tz, name)
}

/// Sets the zone the explorer starts in (once, before it starts).
pub fn start_in(zone: Option<(TimeZone, String)>) {
    let _ = START.set(zone);
}

/// Switches between UTC and the local zone (the one given at the start, else the system's);
/// returns what is shown now.
pub fn toggle() -> String {
    CLOCK.with(|c| {
        let mut c = c.borrow_mut();
        let was_local = c.shown.take().is_some();
        c.shown = if was_local {
            None
        } else {
            START.get().cloned().flatten().or_else(system_zone)
        };
        match &c.shown {
            Some((_, name)) => format!("times in {name} (u: back to UTC)"),
            None if was_local => "times in UTC".to_string(),
            None => "times in UTC: the local zone is UTC too (--tz ZONE names another)".to_string(),
        }
    })
}

/// The name of the zone shown; `None` for UTC.
pub fn shown_name() -> Option<String> {
    CLOCK.with(|c| c.borrow().shown.as_ref().map(|(_, name)| name.clone()))
}

/// Shows times in the zone of that name (`None`: UTC).
pub fn show(name: Option<&str>) -> Result<(), String> {
    let zone = match name {
        Some(n) => zone(n)?,
        None => None,
    };
    CLOCK.with(|c| c.borrow_mut().shown = zone);
    Ok(())
}

/// The zone's offset at `ms`, in milliseconds, and its abbreviation; `None` in UTC.
fn offset_at(ms: Millis) -> Option<(i64, String, String)> {
    CLOCK.with(|c| {
        let c = c.borrow();
        let (tz, name) = c.shown.as_ref()?;
        let at = Timestamp::from_millisecond(ms).ok()?;
        let info = tz.to_offset_info(at);
        Some((
            i64::from(info.offset().seconds()) * 1000,
            info.abbreviation().to_string(),
            name.clone(),
        ))
    })
}

/// The zone shown, for the header: `None` in UTC, else `Europe/Berlin (CET)` at `ms`.
pub fn zone_label(ms: Millis) -> Option<String> {
    offset_at(ms).map(|(_, abbr, name)| {
        if abbr == name {
            name
        } else {
            format!("{name} ({abbr})")
        }
    })
}

/// `2024-03-14 15:59:03`, in the shown zone.
pub fn short(ms: Millis) -> String {
    match offset_at(ms) {
        Some((offset, ..)) => format_time_short(ms.saturating_add(offset)),
        None => format_time_short(ms),
    }
}

/// `2024-03-14T15:59:03.000Z`, or `2024-03-14T16:59:03.000+01:00` in another zone.
pub fn full(ms: Millis) -> String {
    match offset_at(ms) {
        Some((offset, ..)) => {
            let local = format_time(ms.saturating_add(offset));
            let sign = if offset < 0 { '-' } else { '+' };
            let minutes = offset.abs() / 60_000;
            format!(
                "{}{sign}{:02}:{:02}",
                local.trim_end_matches('Z'),
                minutes / 60,
                minutes % 60
            )
        }
        None => format_time(ms),
    }
}

/// Whether a typed time says its own zone: an offset or `Z`, epoch numbers, or an offset from
/// the cursor.
fn says_its_zone(t: &str) -> bool {
    let lower = t.to_ascii_lowercase();
    if lower.starts_with(['+', '-']) || lower.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    if lower.ends_with('z')
        || lower.ends_with("ms")
        || lower.ends_with('s') && lower[..lower.len() - 1].bytes().all(|b| b.is_ascii_digit())
    {
        return true;
    }
    // `…T15:59:00+01:00`, `… 15:59-0500`: a sign after a time of day.
    match lower.rfind(['+', '-']) {
        Some(p) => {
            let rest = &lower[p + 1..];
            lower[..p].contains(':')
                && !rest.is_empty()
                && rest.bytes().all(|b| b.is_ascii_digit() || b == b':')
        }
        None => false,
    }
}

/// Local wall time `naive` (UTC milliseconds of the same digits) in the shown zone, as a moment.
/// A wall time the zone skipped (clocks put forward) is read as the same span after the gap, and
/// one it repeated (clocks put back) as its first occurrence, as RFC 5545 and `jiff` do; either
/// way the note for [`take_note`] says so.
fn from_local(naive: Millis) -> Millis {
    CLOCK.with(|c| {
        let mut c = c.borrow_mut();
        let Some((tz, name)) = &c.shown else {
            return naive;
        };
        let civil: Option<DateTime> = Timestamp::from_millisecond(naive)
            .ok()
            .map(|t| Offset::UTC.to_datetime(t));
        let Some(ambiguous) = civil.map(|dt| tz.to_ambiguous_timestamp(dt)) else {
            return naive;
        };
        let Ok(moment) = ambiguous.compatible() else {
            return naive;
        };
        let wall = match naive.rem_euclid(1000) {
            0 => format_time_short(naive),
            ms => format!("{}.{ms:03}", format_time_short(naive)),
        };
        let shown = |t: Timestamp| tz.to_datetime(t).strftime("%H:%M:%S").to_string();
        let note = match ambiguous.offset() {
            jiff::tz::AmbiguousOffset::Unambiguous { .. } => None,
            jiff::tz::AmbiguousOffset::Gap { before, after } => Some(format!(
                "{wall} does not exist in {name} (the clocks went forward from {} to {}): read as {}",
                offset_text(before),
                offset_text(after),
                shown(moment)
            )),
            jiff::tz::AmbiguousOffset::Fold { before, after } => Some(format!(
                "{wall} happened twice in {name}: the first ({}) is taken; type {}{} for the second",
                offset_text(before),
                wall.replace(' ', "T"),
                offset_text(after)
            )),
        };
        // Two times in one line (a filter's from: and to:) keep both notes.
        c.note = match (c.note.take(), note) {
            (Some(a), Some(b)) => Some(format!("{a}; {b}")),
            (a, b) => a.or(b),
        };
        moment.as_millisecond()
    })
}

/// An offset as a typed time writes it: `+01:00`.
fn offset_text(offset: Offset) -> String {
    let s = offset.seconds();
    let sign = if s < 0 { '-' } else { '+' };
    let m = s.unsigned_abs() / 60;
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

/// What the times typed since the last call need said, once: wall times the shown zone skipped
/// or repeated. Call it before reading a line of times, to forget what an earlier one left.
pub fn take_note() -> Option<String> {
    CLOCK.with(|c| c.borrow_mut().note.take())
}

/// The shown zone's midnight of the day holding `ms`, as wall-clock digits in UTC milliseconds.
fn local_day(ms: Millis) -> Millis {
    let offset = offset_at(ms).map_or(0, |(o, ..)| o);
    (ms + offset).div_euclid(MS_PER_DAY) * MS_PER_DAY
}

/// A time of day, `HH:MM[:SS]`, as milliseconds after midnight.
fn time_of_day(t: &str) -> Option<Millis> {
    // `9:30`, `15:59`, `15:59:03`, `15:59:03.5` (milliseconds at most).
    let (whole, fraction) = match t.split_once('.') {
        Some((w, f)) if (1..=3).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()) => {
            (w, format!("{f:0<3}").parse::<i64>().ok()?)
        }
        Some(_) => return None,
        None => (t, 0),
    };
    let parts: Vec<&str> = whole.split(':').collect();
    let digits = |p: &&str, most: usize| {
        (1..=most).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    if !(2..=3).contains(&parts.len())
        || !digits(&parts[0], 2)
        || parts[1..].iter().any(|p| p.len() != 2 || !digits(p, 2))
        || (fraction > 0 && parts.len() != 3)
    {
        return None;
    }
    let n: Vec<i64> = parts.iter().map(|p| p.parse().unwrap_or(99)).collect();
    let (h, m, s) = (n[0], n[1], n.get(2).copied().unwrap_or(0));
    (h < 24 && m < 60 && s < 60).then_some(((h * 60 + m) * 60 + s) * 1000 + fraction)
}

/// A typed time, read in the shown zone; `base` is the cursor (offsets and times of day).
pub fn parse(text: &str, base: Millis) -> Result<Millis, String> {
    read(text, base, false)
}

/// The end of a range: as [`parse`], a date alone being its whole day.
pub fn parse_end(text: &str, base: Millis) -> Result<Millis, String> {
    read(text, base, true)
}

fn read(text: &str, base: Millis, end: bool) -> Result<Millis, String> {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    let now = Timestamp::now().as_millisecond();
    let (day, rest) = if let Some(rest) = lower.strip_prefix("yesterday") {
        (Some(local_day(now) - MS_PER_DAY), rest.trim())
    } else if let Some(rest) = lower.strip_prefix("today") {
        (Some(local_day(now)), rest.trim())
    } else {
        (None, lower.as_str())
    };
    if let Some(day) = day {
        let within = if rest.is_empty() {
            if end { MS_PER_DAY - 1 } else { 0 }
        } else {
            time_of_day(rest)
                .ok_or_else(|| format!("`{t}`: a day, then a time of day such as 15:59"))?
        };
        return Ok(from_local(day + within));
    }
    if let Some(within) = time_of_day(&lower) {
        return Ok(from_local(local_day(base) + within));
    }
    let read = if end {
        parse_user_end(t, base)
    } else {
        parse_user_time(t, base)
    };
    let ms = read.map_err(|e| e.to_string())?;
    Ok(if says_its_zone(t) { ms } else { from_local(ms) })
}

/// The status after a jump to a typed time: where, and the note of a skipped or repeated wall time.
pub fn jumped_to(t: Millis) -> String {
    match take_note() {
        Some(note) => format!("jumped to {}: {note}", full(t)),
        None => format!("jumped to {}", full(t)),
    }
}

/// Runs `f` with the shown zone set to `zone` (for tests), then back to what it was.
pub fn with_zone<T>(zone: Option<(TimeZone, String)>, f: impl FnOnce() -> T) -> T {
    let before = CLOCK.with(|c| std::mem::replace(&mut c.borrow_mut().shown, zone));
    let out = f();
    CLOCK.with(|c| c.borrow_mut().shown = before);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::time::parse_time;

    fn berlin() -> Option<(TimeZone, String)> {
        zone("Europe/Berlin").unwrap()
    }

    #[test]
    fn a_wall_time_the_zone_skipped_or_repeated_is_said() {
        with_zone(berlin(), || {
            // 31 March 2024: Berlin's clocks went from 02:00 to 03:00.
            let t = parse("2024-03-31 02:30", 0).unwrap();
            assert_eq!(full(t), "2024-03-31T03:30:00.000+02:00");
            let note = take_note().unwrap();
            assert!(note.contains("2024-03-31 02:30:00 does not exist in Europe/Berlin (the clocks went forward from +01:00 to +02:00)"), "{note}");
            assert!(note.contains("read as 03:30:00"), "{note}");
            assert_eq!(take_note(), None, "said once");
            // 27 October 2024: 02:30 happened twice; the first is taken, and the second named.
            let t = parse("2024-10-27 02:30", 0).unwrap();
            assert_eq!(full(t), "2024-10-27T02:30:00.000+02:00");
            let note = jumped_to(t);
            assert!(note.contains("happened twice in Europe/Berlin"), "{note}");
            assert!(note.contains("the first (+02:00) is taken"), "{note}");
            assert!(
                note.contains("type 2024-10-27T02:30:00+01:00 for the second"),
                "{note}"
            );
            let second = parse("2024-10-27T02:30:00+01:00", 0).unwrap();
            assert_eq!(second - t, 3_600_000);
            // An ordinary time says nothing more; two in one line keep both notes; milliseconds
            // are kept in what is said.
            parse("2024-03-31 01:30", 0).unwrap();
            assert_eq!(take_note(), None);
            parse("2024-03-31 02:30", 0).unwrap();
            parse("2024-10-27 02:30:00.500", 0).unwrap();
            let both = take_note().unwrap();
            assert!(
                both.contains("does not exist") && both.contains("; "),
                "{both}"
            );
            assert!(
                both.contains("type 2024-10-27T02:30:00.500+01:00 for the second"),
                "{both}"
            );
            assert_eq!(jumped_to(0), format!("jumped to {}", full(0)));
        });
        // In UTC no wall time is skipped.
        parse("2024-03-31 02:30", 0).unwrap();
        assert_eq!(take_note(), None);
    }

    #[test]
    fn times_are_shown_and_typed_in_the_zone_shown() {
        let t = parse_time("2024-03-14T15:59:03Z").unwrap();
        assert_eq!(short(t), "2024-03-14 15:59:03");
        with_zone(berlin(), || {
            assert_eq!(short(t), "2024-03-14 16:59:03");
            assert_eq!(full(t), "2024-03-14T16:59:03.000+01:00");
            assert_eq!(zone_label(t).unwrap(), "Europe/Berlin (CET)");
            // Summer time.
            let july = parse_time("2024-07-01T10:00:00Z").unwrap();
            assert_eq!(full(july), "2024-07-01T12:00:00.000+02:00");
            // Typed without an offset: Berlin's; with one, or as an offset: what it says.
            assert_eq!(parse("2024-03-14 16:59:03", 0).unwrap(), t);
            assert_eq!(parse("2024-03-14T15:59:03Z", 0).unwrap(), t);
            assert_eq!(parse("2024-03-14T16:59:03+01:00", 0).unwrap(), t);
            assert_eq!(parse("-1h", t).unwrap(), t - 3_600_000);
            assert_eq!(parse("1710431943000", 0).unwrap(), t);
            // A time of day alone: on the cursor's day, in Berlin.
            assert_eq!(parse("16:59:03", t + 5 * 3_600_000).unwrap(), t);
            // A date alone: Berlin's midnight, and for an end its last millisecond.
            assert_eq!(
                parse("2024-03-14", 0).unwrap(),
                parse_time("2024-03-13T23:00:00Z").unwrap()
            );
            assert_eq!(
                parse_end("2024-03-14", 0).unwrap(),
                parse_time("2024-03-14T22:59:59.999Z").unwrap()
            );
        });
        assert_eq!(zone_label(t), None);
        assert_eq!(parse("15:59:03", t - 3_600_000).unwrap(), t);
        assert_eq!(parse("15:59:03.5", t).unwrap(), t + 500);
        assert_eq!(
            parse("9:30", t).unwrap(),
            parse_time("2024-03-14T09:30:00Z").unwrap()
        );
        assert!(parse("15:59.5", t).is_err() && parse("24:00", t).is_err());
        assert!(zone("Mars/Olympus").is_err());
        assert_eq!(zone("UTC").unwrap().map(|z| z.1), None);
    }

    #[test]
    fn today_and_yesterday_are_days_of_the_wall_clock() {
        let now = Timestamp::now().as_millisecond();
        let today = parse("today", 0).unwrap();
        assert!(today <= now && now - today < MS_PER_DAY);
        assert_eq!(parse("yesterday", 0).unwrap(), today - MS_PER_DAY);
        assert_eq!(
            parse("yesterday 15:59", 0).unwrap(),
            today - MS_PER_DAY + (15 * 60 + 59) * 60_000
        );
        assert_eq!(parse_end("today", 0).unwrap(), today + MS_PER_DAY - 1);
        assert!(parse("yesterday 25:00", 0).is_err());
    }
}
