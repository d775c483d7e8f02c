//! Text from a log is data, never terminal control.

use std::borrow::Cow;

/// The text with every control character shown escaped: `\n`, `\t`, `\r`, `\e` for ESC and
/// `\u{..}` for the others (C0, DEL, C1 and the bidirectional overrides), so that a log cannot move
/// the cursor, clear the screen or set a window title when it is printed.
pub fn escape_control(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\e"),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The first `limit` characters of a text, with `…` when it was longer (for quoting a value in a
/// one-line message).
pub fn shorten(text: &str, limit: usize) -> String {
    let mut out: String = text.chars().take(limit).collect();
    if text.chars().nth(limit).is_some() {
        out.push('…');
    }
    out
}

/// A count with its digits grouped by thousands: `1234567` → `1,234,567`.
pub fn group(n: impl std::fmt::Display) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1 event`, `2 events`, `0 events`.
pub fn count(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(1234567u64), "1,234,567");
    }

    #[test]
    fn long_values_are_shortened() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("abcd", 3), "abc…");
        assert_eq!(shorten("ééé", 2), "éé…");
    }

    #[test]
    fn counts_agree_with_their_noun() {
        assert_eq!(count(0, "problem"), "0 problems");
        assert_eq!(count(1, "account"), "1 account");
        assert_eq!(count(797, "event"), "797 events");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_control("plain"), "plain");
        assert!(matches!(escape_control("plain"), Cow::Borrowed(_)));
        assert_eq!(escape_control("a\u{1b}[2Jb"), "a\\e[2Jb");
        assert_eq!(escape_control("t\u{1b}]0;owned\u{7}"), "t\\e]0;owned\\u{7}");
        assert_eq!(escape_control("x\ny\tz\r"), "x\\ny\\tz\\r");
        assert_eq!(escape_control("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(escape_control("\u{7f}"), "\\u{7f}");
        assert_eq!(escape_control("abc\u{202e}def"), "abc\\u{202e}def");
        assert_eq!(escape_control("naïve €"), "naïve €");
    }
}
