//! Exact decimal amounts.
//!
//! Every amount and balance is a [`Money`]: a 96-bit decimal mantissa with a scale (28 significant
//! digits and more), parsed from the text of the log, never through binary floating point. Sums are
//! checked: an overflow is reported, never wrapped or rounded.

use std::fmt;

use rust_decimal::Decimal;

use crate::text::shorten;

/// An exact decimal amount of money (or a balance).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(Decimal);

/// Why a piece of text is not an amount.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The text is empty.
    #[error("empty amount")]
    Empty,
    /// The text is not a decimal number; holds the text.
    #[error("`{0}` is not a decimal number")]
    Syntax(String),
    /// The number cannot be held exactly (too many digits); holds the text.
    #[error(
        "`{0}` cannot be held exactly (at most 28 decimal places and 96 bits of mantissa, about 28 significant digits)"
    )]
    OutOfRange(String),
}

/// The largest number of digits after the decimal point an amount may have.
const MAX_SCALE: u32 = 28;

impl Money {
    /// Zero.
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Parses a decimal number: an optional sign, digits, an optional fraction and an optional
    /// exponent (`-12.50`, `100`, `1.5e3`). Anything else (`NaN`, `inf`, `1,000`, ` 5`, `.5`) is
    /// refused, as is a value that cannot be held exactly.
    ///
    /// Whether a value fits depends on the value alone, never on how it is spelled: leading and
    /// trailing zeros, and an exponent of any size on zero, cost nothing (`0e999999999` is zero,
    /// `100000000000000000000000000000e-2` is 10^27). The scale is the written one (`1.50` keeps
    /// its two decimals) as far as the value allows: at least what the value needs, at most 28
    /// decimals, and trailing zeros give way, exactly, when the mantissa needs the room.
    pub fn parse(text: &str) -> Result<Money, MoneyError> {
        if let Some(m) = Self::parse_short(text.as_bytes()) {
            return Ok(m);
        }
        let syntax = || MoneyError::Syntax(shorten(text, 40));
        let range = || MoneyError::OutOfRange(shorten(text, 40));
        let bytes = text.as_bytes();
        if bytes.is_empty() {
            return Err(MoneyError::Empty);
        }
        let digits_from =
            |i: usize| i + bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        let (negative, int_start) = match bytes[0] {
            b'-' => (true, 1),
            b'+' => (false, 1),
            _ => (false, 0),
        };
        let int_end = digits_from(int_start);
        if int_end == int_start {
            return Err(syntax());
        }
        let (frac_start, frac_end) = if bytes.get(int_end) == Some(&b'.') {
            let end = digits_from(int_end + 1);
            if end == int_end + 1 {
                return Err(syntax());
            }
            (int_end + 1, end)
        } else {
            (int_end, int_end)
        };
        let mut i = frac_end;
        // The exponent, saturated far beyond anything that matters: with at most a million
        // digits on a line, a power of ten past 10^15 leaves nothing but zero in range.
        const FAR: i64 = 1_000_000_000_000_000;
        let mut exponent: i64 = 0;
        if matches!(bytes.get(i), Some(b'e' | b'E')) {
            i += 1;
            let exp_negative = match bytes.get(i) {
                Some(b'-') => {
                    i += 1;
                    true
                }
                Some(b'+') => {
                    i += 1;
                    false
                }
                _ => false,
            };
            let exp_end = digits_from(i);
            if exp_end == i {
                return Err(syntax());
            }
            for &b in &bytes[i..exp_end] {
                exponent = (exponent * 10 + i64::from(b - b'0')).min(FAR);
            }
            if exp_negative {
                exponent = -exponent;
            }
            i = exp_end;
        }
        if i != bytes.len() {
            return Err(syntax());
        }
        let frac_len = (frac_end - frac_start) as i64;
        // The scale as written (digits after the point, less the exponent).
        let written_scale = frac_len - exponent;
        // The significant digits: the integer and fraction digits without leading and trailing
        // zeros. The value is `core × 10^power`.
        let all = bytes[int_start..int_end]
            .iter()
            .chain(&bytes[frac_start..frac_end]);
        let leading = all.clone().take_while(|b| **b == b'0').count();
        let total = (int_end - int_start) + (frac_end - frac_start);
        if leading == total {
            // Zero: the written scale, within what a decimal holds; never a sign.
            let scale = written_scale.clamp(0, i64::from(MAX_SCALE)) as u32;
            return Ok(Money(Decimal::from_i128_with_scale(0, scale)));
        }
        let trailing = all.clone().rev().take_while(|b| **b == b'0').count();
        let significant = total - leading - trailing;
        // 2^96 has 29 digits: a mantissa of more significant digits cannot be held.
        if significant > 29 {
            return Err(range());
        }
        let core = all
            .skip(leading)
            .take(significant)
            .fold(0u128, |m, b| m * 10 + u128::from(b - b'0'));
        let power = trailing as i64 - frac_len + exponent;
        // The scales that hold the value: from what its decimals need up to 28, while the
        // mantissa `core × 10^(power + scale)` stays within 96 bits.
        let least = (-power).max(0);
        if least > i64::from(MAX_SCALE) || power > 28 {
            return Err(range());
        }
        let fits = |scale: i64| -> Option<u128> {
            let m = core.checked_mul(10u128.checked_pow(u32::try_from(power + scale).ok()?)?)?;
            (m < 1u128 << 96).then_some(m)
        };
        if fits(least).is_none() {
            return Err(range());
        }
        let mut most = least;
        while most < i64::from(MAX_SCALE) && fits(most + 1).is_some() {
            most += 1;
        }
        let scale = written_scale.clamp(least, most);
        let mantissa = fits(scale).ok_or_else(range)?;
        let signed = if negative {
            -(mantissa as i128)
        } else {
            mantissa as i128
        };
        let value = Decimal::try_from_i128_with_scale(signed, scale as u32).map_err(|_| range())?;
        Ok(Money(value).normalized_zero())
    }

    /// The common short form (`-?digits[.digits]`, at most 19 bytes) in one pass; `None` for
    /// anything else, which [`Money::parse`] then reads in full. Gives exactly what the full
    /// reading gives.
    #[inline]
    fn parse_short(bytes: &[u8]) -> Option<Money> {
        let (negative, digits) = match bytes.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, bytes),
        };
        if digits.is_empty() || digits.len() > 19 {
            return None;
        }
        let mut mantissa: u64 = 0;
        let mut scale: u32 = 0;
        let mut seen_point = false;
        for (i, &b) in digits.iter().enumerate() {
            match b {
                b'0'..=b'9' => {
                    mantissa = mantissa * 10 + u64::from(b - b'0');
                    scale += u32::from(seen_point);
                }
                // A point needs digits on both sides.
                b'.' if !seen_point && i > 0 && i + 1 < digits.len() => seen_point = true,
                _ => return None,
            }
        }
        // At most 19 digits here: within a u64, and a decimal's mantissa; zero has no sign.
        let value = Decimal::from_parts(
            mantissa as u32,
            (mantissa >> 32) as u32,
            0,
            negative && mantissa != 0,
            scale,
        );
        Some(Money(value))
    }

    /// The exact sum, or `None` when it cannot be held exactly (a decimal library would round
    /// it to 28 digits; money must not be rounded).
    pub fn checked_add(self, other: Money) -> Option<Money> {
        exact_add(self.0, other.0).map(|d| Money(d).normalized_zero())
    }

    /// The exact difference, or `None` when it cannot be held exactly.
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        exact_add(self.0, -other.0).map(|d| Money(d).normalized_zero())
    }

    /// Whether the amount is below zero.
    pub fn is_negative(self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }

    /// Whether the amount is zero (`0`, `-0` or `0.00` alike).
    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// Whether the amount is above zero.
    pub fn is_positive(self) -> bool {
        self.0.is_sign_positive() && !self.0.is_zero()
    }

    /// The amount without its sign.
    pub fn abs(self) -> Money {
        Money(self.0.abs())
    }

    /// `+12.50` for a positive amount, `-12.50` for a negative one, `0.00` for zero.
    pub fn signed_string(self) -> String {
        if self.is_positive() {
            format!("+{self}")
        } else {
            self.to_string()
        }
    }

    /// An amount from a decimal.
    pub fn from_decimal(value: Decimal) -> Money {
        Money(value).normalized_zero()
    }

    /// The decimal, for code that needs its arithmetic (charts scale balances to rows).
    pub fn as_decimal(self) -> Decimal {
        self.0
    }

    /// Zero never carries a sign: `-0.00` prints as `0.00`.
    fn normalized_zero(mut self) -> Money {
        if self.0.is_zero() {
            self.0.set_sign_positive(true);
        }
        self
    }
}

/// Adds two decimals exactly, or `None` when the sum cannot be held exactly. The sum keeps the
/// larger scale of the two (`1.50 + 1` is `2.50`) while it fits; past that, trailing zeros, which
/// carry no value, give way first (`0.500000000000000000 + 100000000000` is
/// `100000000000.5`), so only a sum that truly needs more than 28 digits is refused.
fn exact_add(a: Decimal, b: Decimal) -> Option<Decimal> {
    aligned_sum(a, b).or_else(|| aligned_sum(a.normalize(), b.normalize()))
}

/// The sum on the common scale of `a` and `b`, in 128-bit integers.
fn aligned_sum(a: Decimal, b: Decimal) -> Option<Decimal> {
    let mut scale = a.scale().max(b.scale());
    let align = |d: Decimal| {
        d.mantissa()
            .checked_mul(10i128.checked_pow(scale - d.scale())?)
    };
    let mut sum = align(a)?.checked_add(align(b)?)?;
    // A decimal's mantissa has 96 bits.
    while sum.unsigned_abs() >= 1u128 << 96 {
        if scale == 0 || sum % 10 != 0 {
            return None;
        }
        sum /= 10;
        scale -= 1;
    }
    Some(Decimal::from_i128_with_scale(sum, scale))
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::ops::Neg for Money {
    type Output = Money;
    /// The same amount with the opposite sign.
    fn neg(self) -> Money {
        Money(-self.0).normalized_zero()
    }
}

impl std::str::FromStr for Money {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Money::parse(s)
    }
}

impl serde::Serialize for Money {
    /// Amounts are JSON strings, so that no reader rounds them through a float.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    #[test]
    fn ten_tenths_make_exactly_one() {
        let mut sum = Money::ZERO;
        for _ in 0..10 {
            sum = sum.checked_add(m("0.1")).unwrap();
        }
        assert_eq!(sum, m("1"));
        assert_eq!(sum.to_string(), "1.0");
    }

    #[test]
    fn large_values_survive_a_round_trip() {
        for text in [
            "9007199254740993.07",
            "90071992547409.93",
            "12345678901234567890.12345678",
            "-0.0000000000000000000000000001",
        ] {
            assert_eq!(m(text).to_string(), text);
        }
    }

    #[test]
    fn trailing_zeros_never_cost_range() {
        // Eighteen decimals, as crypto amounts have: the sum still holds a hundred billion.
        let sum = m("0.500000000000000000")
            .checked_add(m("100000000000"))
            .unwrap();
        assert_eq!(sum, m("100000000000.5"));
        // One trailing zero gave way to make room.
        assert_eq!(sum.to_string(), "100000000000.50000000000000000");
        let sum = m("0.0000000000000000000000000000")
            .checked_add(m("10"))
            .unwrap();
        assert_eq!(sum, m("10"));
        // Written with more trailing zeros than fit: the value is read exactly.
        let wide = m("100000000000.000000000000000000");
        assert_eq!(wide, m("100000000000"));
        assert_eq!(m("1.10000000000000000000000000000000000"), m("1.1"));
        assert_eq!(m("1.50").to_string(), "1.50");
        assert_eq!(m("0.000").to_string(), "0.000");
        assert_eq!(m("12.0e1"), m("120"));
        // A sum that needs more than 28 digits is still refused, never rounded.
        let tiny = m("0.0000000000000000000000000001");
        assert_eq!(tiny.checked_add(m("100")), None);
        // Digits that carry value still count.
        assert!(Money::parse("100000000000.000000000000000001").is_err());
    }

    #[test]
    fn sums_are_exact_where_floats_are_not() {
        // 0.1 + 0.2 is 0.30000000000000004 in f64.
        assert_eq!(m("0.1").checked_add(m("0.2")).unwrap().to_string(), "0.3");
        let big = m("9007199254740993.07").checked_add(m("0.01")).unwrap();
        assert_eq!(big.to_string(), "9007199254740993.08");
    }

    #[test]
    fn accepts_json_number_forms() {
        assert_eq!(m("100").to_string(), "100");
        assert_eq!(m("-12.50").to_string(), "-12.50");
        assert_eq!(m("1.5e3").to_string(), "1500");
        assert_eq!(m("25E-2").to_string(), "0.25");
        assert_eq!(m("+7").to_string(), "7");
        assert_eq!(m("000.10").to_string(), "0.10");
        assert_eq!(m("0e5").to_string(), "0");
    }

    #[test]
    fn the_short_form_reads_as_the_full_reading_does() {
        for text in [
            "0",
            "-0",
            "-0.00",
            "000.10",
            "12.50",
            "-12.50",
            "9999999999999999999",
            "1.00000000000000001",
            "123456789.123456789",
            "-0.00000000000000001",
            "7",
            "0.0",
        ] {
            let short = Money::parse_short(text.as_bytes()).expect(text);
            let full = Money::parse(&format!("{text}e0")).unwrap();
            assert_eq!(short, full, "{text}");
            assert_eq!(short.to_string(), full.to_string(), "{text}");
            assert_eq!(short.0.scale(), full.0.scale(), "{text}");
        }
        for text in [
            "",
            "-",
            ".5",
            "5.",
            "1.2.3",
            "+1",
            "1e5",
            "12345678901234567890",
            "1,0",
        ] {
            assert!(Money::parse_short(text.as_bytes()).is_none(), "{text}");
        }
    }

    #[test]
    fn refuses_what_is_not_an_exact_decimal() {
        for bad in [
            "", "abc", "NaN", "inf", "-", "1,000", " 5", "5 ", ".5", "5.", "1e", "0x10", "1.2.3",
            "--1",
        ] {
            assert!(Money::parse(bad).is_err(), "{bad:?} should be refused");
        }
        for too_big in ["1e999", "123456789012345678901234567890", "1e29"] {
            assert!(
                matches!(Money::parse(too_big), Err(MoneyError::OutOfRange(_))),
                "{too_big} should be out of range"
            );
        }
    }

    #[test]
    fn a_sum_that_would_need_rounding_is_refused() {
        // 28 nines plus a cent needs 30 digits: no decimal of 96 bits holds it exactly.
        let big = m("9999999999999999999999999999");
        assert!(big.checked_add(m("0.01")).is_none());
        assert!(big.checked_sub(m("0.5")).is_none());
        assert!(
            m("0.0000000000000000000000000001")
                .checked_add(m("100"))
                .is_none()
        );
        // What fits stays exact, whatever the scales.
        assert_eq!(
            m("12345678901234567890.12345678")
                .checked_add(m("0.00000001"))
                .unwrap()
                .to_string(),
            "12345678901234567890.12345679"
        );
        assert_eq!(
            m("1.5").checked_sub(m("2.25")).unwrap().to_string(),
            "-0.75"
        );
    }

    #[test]
    fn overflow_is_reported_not_wrapped() {
        let max = m("79228162514264337593543950335");
        assert!(max.checked_add(m("1")).is_none());
        assert!((-max).checked_sub(m("1")).is_none());
    }

    #[test]
    fn zero_has_no_sign() {
        assert_eq!(m("-0.00").to_string(), "0.00");
        assert_eq!(m("5.00").checked_sub(m("5")).unwrap().to_string(), "0.00");
        assert!(!m("-0").is_negative());
    }

    #[test]
    fn exact_values_fit_whatever_their_spelling() {
        assert_eq!(m("0e999999999"), Money::ZERO);
        assert_eq!(
            m("0e-999999999").to_string(),
            "0.0000000000000000000000000000"
        );
        let big = m("100000000000000000000000000000e-2");
        assert_eq!(big, m("1000000000000000000000000000"));
        assert_eq!(big.to_string(), "1000000000000000000000000000.0");
        assert_eq!(
            m("7922816251426433759354395033.5e1"),
            m("79228162514264337593543950335")
        );
        assert_eq!(m("10e-29").to_string(), "0.0000000000000000000000000001");
        assert!(matches!(
            Money::parse("1e-29"),
            Err(MoneyError::OutOfRange(_))
        ));
    }

    mod props {
        use proptest::prelude::*;

        /// Spellings of numbers: any sign, leading and trailing zeros, a point anywhere, an
        /// exponent small, large or absurd (with leading zeros too), and a few broken forms.
        fn spelling() -> impl Strategy<Value = String> {
            let digits = "[0-9]{0,32}";
            let exponent = prop_oneof![
                Just(String::new()),
                (-60i64..60).prop_map(|e| format!("e{e}")),
                (
                    prop::sample::select(&["e", "E", "e+", "e-", "E-"][..]),
                    "0{0,3}",
                    prop_oneof![0u64..100, 0u64..1_000_000_000_000, Just(u64::MAX)],
                )
                    .prop_map(|(e, zeros, n)| format!("{e}{zeros}{n}")),
            ];
            (
                prop::sample::select(&["", "-", "+"][..]),
                "0{0,40}",
                digits,
                "0{0,40}",
                any::<prop::sample::Index>(),
                exponent,
                prop_oneof![8 => Just(""), 1 => Just("x"), 1 => Just(".")],
            )
                .prop_map(|(sign, lead, core, trail, point, exp, junk)| {
                    let body = format!("{lead}{core}{trail}");
                    let body = if body.is_empty() {
                        "0".to_string()
                    } else {
                        body
                    };
                    let at = point.index(body.len() + 1);
                    let body = if at == 0 || at == body.len() {
                        body
                    } else {
                        format!("{}.{}", &body[..at], &body[at..])
                    };
                    format!("{sign}{body}{exp}{junk}")
                })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(4000))]

            #[test]
            fn amounts_read_as_exact_arithmetic_says(text in spelling()) {
                crate::fuzzing::check_money(&text);
            }
        }
    }

    #[test]
    fn signed_strings() {
        assert_eq!(m("12.5").signed_string(), "+12.5");
        assert_eq!(m("-3").signed_string(), "-3");
        assert_eq!(m("0").signed_string(), "0");
    }
}
