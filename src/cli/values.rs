//! The values of flags, read by the argument parser into typed values before any log is opened:
//! a mistyped time, amount or `KEY=VALUE` is refused as fast on a log of ten million events as on
//! an empty one. A time relative to the last event stays an offset until the log is loaded.

use std::borrow::Cow;

use crate::ledger::Money;
use crate::ledger::money::MoneyError;
use crate::ledger::time::{TimeError, UserTime};
use crate::source;

/// Why the value of a flag cannot be read; worded with the flag's name by [`ValueError::for_flag`].
#[derive(Debug, thiserror::Error)]
pub enum ValueError {
    #[error("{0}")]
    Time(#[from] TimeError),
    #[error("{0}")]
    Amount(#[from] MoneyError),
    #[error("`{0}`: expected KEY=VALUE")]
    Meta(String),
}

impl ValueError {
    /// The one-line message for `flag` (`--at`): `--at: … is not a time …`,
    /// ``--meta `x`: expected KEY=VALUE``.
    pub fn for_flag(&self, flag: &str) -> String {
        match self {
            ValueError::Meta(text) => format!("{flag} `{text}`: expected KEY=VALUE"),
            other => format!("{flag}: {other}"),
        }
    }
}

/// The value as an error may show it: a database URL given by mistake with its password masked.
/// (An error shortens a long value, and a shortened URL is one the masking of the whole message
/// no longer finds.) A URL is never a time or an amount, so it is refused the same either way.
fn shown(text: &str) -> Cow<'_, str> {
    if !source::is_address(text.trim_start()) {
        return Cow::Borrowed(text);
    }
    match source::shown_address(text.trim()) {
        Ok(url) => Cow::Owned(url),
        Err(_) if crate::source::kafka::is_url(text.trim_start()) => Cow::Borrowed("kafka://…"),
        Err(_) => Cow::Borrowed("postgres://…"),
    }
}

/// A time: any form of the log, epoch seconds with `s`, or an offset such as `-15m`.
pub fn time(text: &str) -> Result<UserTime, ValueError> {
    Ok(UserTime::parse(&shown(text))?)
}

/// The end of a range: as [`time`], a date alone being its whole day.
pub fn end_time(text: &str) -> Result<UserTime, ValueError> {
    Ok(UserTime::parse_end(&shown(text))?)
}

/// An exact decimal amount (its sign is checked with the event it belongs to).
pub fn amount(text: &str) -> Result<Money, ValueError> {
    Ok(Money::parse(&shown(text))?)
}

/// `KEY=VALUE`, split at the first `=` (the names are checked with the event they belong to).
pub fn meta(text: &str) -> Result<(String, String), ValueError> {
    match text.split_once('=') {
        Some((k, v)) => Ok((k.to_string(), v.to_string())),
        None => Err(ValueError::Meta(
            crate::text::escape_control(&shown(text)).into_owned(),
        )),
    }
}

/// The message of an argument error whose value one of the parsers above refused, as the
/// command line words every other refusal (`--at: …`); `None` for any other error.
pub fn refused_value(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() != ErrorKind::ValueValidation {
        return None;
    }
    let value = std::error::Error::source(e)?.downcast_ref::<ValueError>()?;
    let flag = match e.get(ContextKind::InvalidArg)? {
        // `--at <TIME>`: the flag alone.
        ContextValue::String(arg) => arg.split_whitespace().next()?.to_string(),
        _ => return None,
    };
    Some(value.for_flag(&flag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_value_is_read_or_refused_with_todays_words() {
        assert_eq!(time("-15m").unwrap(), UserTime::parse("-15m").unwrap());
        assert!(matches!(time("2024-03-01"), Ok(UserTime::At(_))));
        let day = crate::ledger::time::parse_time("2024-03-01").unwrap();
        assert_eq!(
            end_time("2024-03-01").unwrap(),
            UserTime::At(day + crate::ledger::time::MS_PER_DAY - 1)
        );
        assert_eq!(
            time("garbage").unwrap_err().for_flag("--at"),
            "--at: `garbage` is not a time (use RFC 3339 like 2024-03-01T12:00:00Z, \
             `2024-03-01 12:00`, or epoch milliseconds)"
        );
        assert!(
            time("1715682151")
                .unwrap_err()
                .for_flag("--at")
                .starts_with("--at: 1715682151 looks like seconds since 1970; write 1715682151s")
        );
        assert_eq!(amount("12.50").unwrap(), Money::parse("12.50").unwrap());
        assert!(
            amount("abc")
                .unwrap_err()
                .for_flag("--amount")
                .starts_with("--amount: ")
        );
        // A database URL given by mistake never shows its password, however the value is cut.
        let url = "postgres://ann:hunter22@127.0.0.1:5432/a-database-with-a-long-name";
        for message in [
            time(url).unwrap_err().for_flag("--at"),
            end_time(&format!(" {url}")).unwrap_err().for_flag("--to"),
            amount(url).unwrap_err().for_flag("--amount"),
            meta(url).unwrap_err().for_flag("--meta"),
            time("postgres://ann:hunter22@[bad")
                .unwrap_err()
                .for_flag("--at"),
        ] {
            assert!(!message.contains("hunter22"), "{message}");
            assert!(message.contains("postgres://"), "{message}");
        }
        assert_eq!(meta("k=a=b").unwrap(), ("k".into(), "a=b".into()));
        assert_eq!(meta("=x").unwrap(), ("".into(), "x".into()));
        assert_eq!(
            meta("novalue").unwrap_err().for_flag("--meta"),
            "--meta `novalue`: expected KEY=VALUE"
        );
        assert_eq!(
            meta("a\u{1b}[2J").unwrap_err().for_flag("--meta"),
            format!(
                "--meta `{}`: expected KEY=VALUE",
                crate::text::escape_control("a\u{1b}[2J")
            )
        );
    }
}
