//! The checks behind the fuzz targets (`fuzz/fuzz_targets/*.rs`), one function per target. Each
//! takes arbitrary bytes and panics when rewind disagrees with an independent reference; the
//! unit tests at the end run every saved input of `fuzz/corpus/<target>/` and
//! `fuzz/artifacts/<target>/` through them, so a bug a fuzzer found stays fixed.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_the_reference_knows() {
        for text in [
            "0e999999999",
            "0e-999999999",
            "-0.000e+00000000000000000000000000000000000000000000000000099",
            "100000000000000000000000000000e-2",
            "1.10000000000000000000000000000000000",
            "0.5000000000000000000000000000000000e1",
            "79228162514264337593543950335",
            "79228162514264337593543950336",
            "7922816251426433759354395033.5e1",
            "1e28",
            "1e29",
            "1e-28",
            "1e-29",
            "10e-29",
            "0.00000000000000000000000000010",
            "000000000000000000000000000000000000012.50",
            "12.0e1",
            "1.5e3",
            "1e999",
            "1e99999999999999999999999",
            "NaN",
            "",
            "-",
            "1.",
            ".5",
            "+7",
        ] {
            check_money(text);
        }
    }
}
