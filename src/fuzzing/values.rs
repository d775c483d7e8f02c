//! The checks of the `money`, `scanner` and `time` targets: amounts, records and times read from
//! text, against independent references.

use num_bigint::BigInt;
use rust_decimal::Decimal;

use crate::ledger::money::{Money, MoneyError};

/// `money`: [`Money::parse`] against exact big-integer arithmetic. Whatever the spelling, a value
/// that some decimal of at most 28 places and 96 bits of mantissa holds is read, exactly, with the
/// written scale as far as the value allows; any other value is out of range; anything that is
/// not a decimal number is a syntax error.
pub fn money(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        check_money(text);
    }
}

/// The reference reading of an amount: `Some((n, e))` for the value `n × 10^e` of a well-formed
/// number, with its written scale.
fn reference_number(text: &str) -> Option<(BigInt, i64, i64)> {
    let re = regex::Regex::new(r"^([+-]?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$")
        .expect("a valid pattern");
    let c = re.captures(text)?;
    let frac = c.get(3).map_or("", |m| m.as_str());
    let digits = format!("{}{frac}", &c[2]);
    let mut n = BigInt::parse_bytes(digits.as_bytes(), 10).expect("digits");
    if &c[1] == "-" {
        n = -n;
    }
    // An exponent beyond i64 is as good as infinite here (saturated).
    let exp = c.get(4).map_or(0i64, |m| {
        let t = m.as_str();
        t.parse::<i64>().unwrap_or(if t.starts_with('-') {
            i64::MIN / 4
        } else {
            i64::MAX / 4
        })
    });
    let frac_len = frac.len() as i64;
    Some((n, exp - frac_len, frac_len - exp))
}

/// The mantissa of `n × 10^e` at `scale`, when that is an integer under 2^96 in magnitude.
fn mantissa_at(n: &BigInt, e: i64, scale: i64) -> Option<BigInt> {
    let shift = e + scale;
    let digits = n.magnitude().to_string().len() as i64;
    let m = if shift >= 0 {
        // Past 2^96 for sure: spare the big power.
        if digits + shift > 40 {
            return None;
        }
        n * BigInt::from(10u8).pow(shift as u32)
    } else {
        if -shift > digits {
            return None; // a non-zero n has fewer digits than it would need zeros
        }
        let p = BigInt::from(10u8).pow((-shift) as u32);
        if n % &p != BigInt::from(0u8) {
            return None;
        }
        n / p
    };
    (m.magnitude() < &(num_bigint::BigUint::from(1u8) << 96)).then_some(m)
}

/// Panics unless [`Money::parse`] reads `text` as the reference does.
pub fn check_money(text: &str) {
    let got = Money::parse(text);
    let Some((n, e, written)) = reference_number(text) else {
        assert!(
            matches!(got, Err(MoneyError::Syntax(_) | MoneyError::Empty)),
            "{text:?} is not a decimal number, but reads as {got:?}"
        );
        return;
    };
    let zero = BigInt::from(0u8);
    let scales: Vec<i64> = if n == zero {
        (0..=28).collect()
    } else {
        (0..=28)
            .filter(|&s| mantissa_at(&n, e, s).is_some())
            .collect()
    };
    let (Some(&least), Some(&most)) = (scales.first(), scales.last()) else {
        assert!(
            matches!(got, Err(MoneyError::OutOfRange(_))),
            "{text:?} cannot be held exactly, but reads as {got:?}"
        );
        return;
    };
    let value = got.unwrap_or_else(|err| panic!("{text:?} fits, but is refused: {err}"));
    let d: Decimal = value.as_decimal();
    let scale = written.clamp(least, most);
    assert_eq!(
        i64::from(d.scale()),
        scale,
        "{text:?}: the scale of {d} (written {written}, {least}..={most} hold the value)"
    );
    let expected = if n == zero {
        zero.clone()
    } else {
        mantissa_at(&n, e, scale).expect("a scale that holds the value")
    };
    assert_eq!(
        BigInt::from(d.mantissa()),
        expected,
        "{text:?} reads as {d}, not its value"
    );
    assert!(
        !(d.is_zero() && d.is_sign_negative()),
        "{text:?}: zero has no sign"
    );
}

// ---------------------------------------------------------------------------------------------
// scanner

/// `scanner`: the record scanner against serde_json. What the fast scanner takes, serde_json
/// takes with the same members; a record that reads as an event is a JSON object and its
/// repeated-member finding is serde_json's list of keys; a line that is `bad-json` is no JSON
/// object.
pub fn scanner(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    crate::ledger::record::check_scanner(text);
    let object = crate::ledger::record::is_json_object(text);
    match crate::ledger::record::parse_record(text) {
        Ok(fields) => {
            assert!(object, "{text:?} reads as an event, but is no JSON object");
            let keys = serde_json::from_str::<Keys>(text).expect("an object").0;
            let mut sorted = keys.clone();
            sorted.sort();
            let repeated = sorted.windows(2).any(|w| w[0] == w[1]);
            assert_eq!(
                fields.repeated, repeated,
                "{text:?}: a repeated member is {}, the keys are {keys:?}",
                fields.repeated
            );
        }
        Err(e) if e.kind == crate::ledger::ProblemKind::BadJson => assert!(
            !object,
            "{text:?} is a JSON object, but reads as bad JSON: {}",
            e.message
        ),
        Err(e) => assert!(
            object,
            "{text:?} is not a JSON object, but reads as {:?}: {}",
            e.kind, e.message
        ),
    }
}

/// The member names of a JSON object in order, repeats kept (serde_json's map keeps one).
struct Keys(Vec<String>);

impl<'de> serde::Deserialize<'de> for Keys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Keys;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = map.next_key::<String>()? {
                    map.next_value::<serde::de::IgnoredAny>()?;
                    keys.push(k);
                }
                Ok(Keys(keys))
            }
        }
        d.deserialize_map(V)
    }
}

// ---------------------------------------------------------------------------------------------
// time

/// `time`: each line of the input read by [`parse_time`] (fast paths, a remembered date) and by
/// chrono's parsers alone, which must agree to the millisecond; a time read is written back by
/// [`format_time`] as text that reads as the same moment.
///
/// [`parse_time`]: crate::ledger::time::parse_time
/// [`format_time`]: crate::ledger::time::format_time
pub fn time(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Several times in a row, so that a remembered date meets the next one.
    for line in text.split('\n') {
        check_time(line);
    }
}

/// The reference reading of a time: what chrono's parsers give for the forms the README names.
fn reference_time(text: &str) -> Option<i64> {
    use crate::ledger::time::{EARLIEST, LATEST};
    use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
    let t = text.trim();
    // The README's forms beyond chrono's: the date and time may be joined by `t` too, and a time
    // with an offset may leave out its seconds (`2024-03-01T12:00Z`).
    let joined = regex::Regex::new(
        r"^(\d{4}-\d\d-\d\d)[Tt ](\d\d:\d\d)((?::\d\d(?:\.\d+)?)?)(Z|z|[+-]\d\d:\d\d)?$",
    )
    .expect("a valid pattern");
    let spelled;
    let t = match joined.captures(t) {
        Some(c) => {
            let seconds = if c[3].is_empty() && c.get(4).is_some() {
                ":00"
            } else {
                &c[3]
            };
            spelled = format!(
                "{}T{}{seconds}{}",
                &c[1],
                &c[2],
                c.get(4).map_or("", |m| m.as_str())
            );
            spelled.as_str()
        }
        None => t,
    };
    let ms = if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        t.parse::<i64>().ok()?
    } else if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        d.with_timezone(&Utc).timestamp_millis()
    } else if let Some(d) = [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
    {
        d.and_utc().timestamp_millis()
    } else {
        NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .ok()?
            .and_hms_opt(0, 0, 0)?
            .and_utc()
            .timestamp_millis()
    };
    (EARLIEST..=LATEST).contains(&ms).then_some(ms)
}

/// Panics unless [`parse_time`](crate::ledger::time::parse_time) reads `text` as chrono does.
pub fn check_time(text: &str) {
    use crate::ledger::time::{format_time, parse_time, write_time};
    let got = parse_time(text).ok();
    assert_eq!(got, reference_time(text), "{text:?}");
    if let Some(ms) = got {
        let shown = format_time(ms);
        assert_eq!(
            parse_time(&shown).ok(),
            Some(ms),
            "{text:?} is shown as {shown:?}"
        );
        let mut written = Vec::new();
        write_time(ms, &mut written);
        assert_eq!(
            parse_time(std::str::from_utf8(&written).expect("ASCII")).ok(),
            Some(ms),
            "{text:?} is written as {written:?}"
        );
    }
}
