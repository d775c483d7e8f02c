//! Text from a log is data, never terminal control, and never a surprise in width.
//!
//! Three ways of showing text that came from outside (account ids, types, meta, raw lines, file
//! names, messages that quote them):
//!
//! - [`escape_control`], for lines printed on the command line: controls (C0, DEL, C1), the
//!   bidirectional controls and the line and paragraph separators are written escaped, so a log
//!   cannot move the cursor, clear the screen, set a window title or reorder what follows.
//! - [`visible`], for the explorer's cells and the command line's aligned tables: on top of that,
//!   everything whose width a terminal may draw otherwise than ratatui counts it is written
//!   escaped too (the rule is below), so every column stays where it is drawn.
//! - [`to_json`] / [`json_string`], for `--json`: the same characters as [`escape_control`]
//!   written as JSON `\uXXXX` escapes, so the output is still JSON whose parse is exactly the text
//!   of the log.
//!
//! # What [`visible`] shows as it is
//!
//! ratatui cuts a text into grapheme clusters and gives each the width `unicode-width` gives the
//! cluster; a terminal advances by the width of each character it prints (a character of width
//! zero joins the cell before it). The two agree on ordinary text of every script; they disagree
//! (or the character cannot be seen at all) on the classes below, which are therefore written as
//! `\u{hex}` (`\n`, `\t`, `\r`, `\e` for those four):
//!
//! 1. controls: C0, DEL and C1;
//! 2. format characters (general category Cf): the soft hyphen, zero-width space, non-joiner and
//!    joiner, the word joiner and invisible operators, the byte-order mark, the bidirectional
//!    marks, embeddings, overrides and isolates, tags…;
//! 3. the line and paragraph separators U+2028 and U+2029;
//! 4. the other default-ignorable code points: variation selectors (which turn a one-cell symbol
//!    into a two-cell emoji), the combining grapheme joiner, the Hangul fillers…;
//! 5. unassigned and private-use code points, whose width no terminal knows;
//! 6. regional indicators (two of them make a flag) and the emoji skin-tone modifiers;
//! 7. the halfwidth katakana sound marks U+FF9E/U+FF9F, which ratatui counts as two cells;
//! 8. a character of width zero (a combining mark…) that does not follow a character shown as it
//!    is, or follows a space: on its own it would join a border, a space or an escape, or not be
//!    drawn at all;
//! 9. and, whatever the tables above miss, any character but the first of a cluster whose width
//!    by ratatui's count is not the sum of its characters' widths, or which would draw nothing.
//!
//! So an emoji sequence joined with ZWJ (`👨‍👩‍👧`) reads `👨\u{200d}👩\u{200d}👧`: each emoji
//! on its own is two cells everywhere. Assumed of the terminal: East Asian "ambiguous" characters
//! are one cell wide (as in every locale but the CJK ones), and an emoji that stands alone is two
//! cells (as in every terminal since Unicode 9; one older than the Unicode version of
//! `unicode-width` may draw the newest emoji narrower). A backslash is not escaped: `\u{200b}`
//! typed out in a log reads the same as a zero-width space; `lookalike-account` problems and the
//! raw line in the details tell them apart.

use std::borrow::Cow;
use std::io;

use ratatui::buffer::CellWidth;
use serde::Serialize;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthChar;

/// The text with every control character shown escaped: `\n`, `\t`, `\r`, `\e` for ESC and
/// `\u{..}` for the others (C0, DEL, C1, the bidirectional controls and the line and paragraph
/// separators), so that a log cannot move the cursor, clear the screen or set a window title when
/// it is printed.
pub fn escape_control(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The text as a terminal can draw it in the width ratatui gives it: every character of the
/// classes in the [module's rule](self) written escaped. Every widget of the explorer passes text
/// from outside through this (or through `fit`, which calls it).
pub fn visible(text: &str) -> Cow<'_, str> {
    // Printable ASCII is drawn as it is, one cell a character.
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for cluster in text.graphemes(true) {
        push_cluster(&mut out, cluster);
    }
    // Escaping can change how the characters left around an escape cluster (rule 9 again), so
    // clusters are checked until none is left to fix; each round escapes at least one character.
    while let Some(fixed) = fix_clusters(&out) {
        out = fixed;
    }
    if out == text {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(out)
    }
}

/// The width ratatui gives a text drawn with [`visible`]: the sum of its clusters' widths.
pub fn visible_width(text: &str) -> usize {
    text.graphemes(true)
        .map(|g| usize::from(g.cell_width()))
        .sum()
}

/// The first character of a name (account, type, event id, `--meta` key) that a name may not
/// hold: a control, a bidirectional control or another format character, a line or paragraph
/// separator, a default-ignorable (invisible) character, or an unassigned code point.
pub fn forbidden_in_name(text: &str) -> Option<char> {
    text.chars().find(|&c| {
        c.is_control() || is_invisible(c) || c.general_category() == GeneralCategory::Unassigned
    })
}

/// The first character of free text written into a record (a `--meta` value) that would not be
/// printed back as it is written: a control, a bidirectional control, a line or paragraph
/// separator.
pub fn forbidden_in_value(text: &str) -> Option<char> {
    text.chars().find(|&c| needs_escape(c))
}

/// What kind of character `c` is, for a message that refuses it: `U+202E (a bidirectional
/// control)`.
pub fn describe(c: char) -> String {
    let what = if is_bidi_control(c) {
        "a bidirectional control"
    } else if c.is_control() {
        "a control character"
    } else if matches!(c, '\u{2028}' | '\u{2029}') {
        "a line or paragraph separator"
    } else if is_invisible(c) {
        "an invisible character"
    } else if c.general_category() == GeneralCategory::Unassigned {
        "an unassigned code point"
    } else {
        "a character"
    };
    format!("U+{:04X} ({what})", c as u32)
}

/// A value as one line of JSON in which C0, DEL, C1, the bidirectional controls and the line and
/// paragraph separators are `\uXXXX` escapes: still JSON, parsed back to exactly the same strings,
/// and safe to print on a terminal.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    let mut out = Vec::with_capacity(128);
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, SafeFormatter);
    value
        .serialize(&mut serializer)
        .expect("values rewind prints serialize");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// A string as a JSON string literal, escaped as [`to_json`] escapes.
pub fn json_string(text: &str) -> String {
    to_json(text)
}

/// serde_json's compact output, with the characters of [`needs_escape`] that it leaves as they
/// are (all but C0) written as `\uXXXX`. serde_json has no option for this; its `Formatter` is the
/// documented place to change how strings are written.
struct SafeFormatter;

impl serde_json::ser::Formatter for SafeFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        write_json_safe(writer, fragment)
    }

    /// A raw value (a record as written in the log) is JSON already: every character of the
    /// escaped classes in it is inside a string (JSON's own syntax is ASCII), where a `\uXXXX`
    /// escape means the same character.
    fn write_raw_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        write_json_safe(writer, fragment)
    }
}

fn write_json_safe<W: ?Sized + io::Write>(writer: &mut W, text: &str) -> io::Result<()> {
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if needs_escape(c) {
            writer.write_all(&text.as_bytes()[start..i])?;
            // Every character of the escaped classes is in the Basic Multilingual Plane.
            write!(writer, "\\u{:04x}", c as u32)?;
            start = i + c.len_utf8();
        }
    }
    writer.write_all(&text.as_bytes()[start..])
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

/// What the command line and `--json` escape: controls, bidirectional controls, line and
/// paragraph separators.
fn needs_escape(c: char) -> bool {
    c.is_control() || is_bidi_control(c) || matches!(c, '\u{2028}' | '\u{2029}')
}

/// The bidirectional formatting characters: marks (LRM, RLM, ALM), embeddings and overrides
/// (U+202A–U+202E) and isolates (U+2066–U+2069).
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

/// A character that draws nothing where it stands: a format character (Cf), a line or paragraph
/// separator, or a default-ignorable code point.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c.general_category(),
        GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
    ) || is_default_ignorable(c)
}

/// Unicode's `Default_Ignorable_Code_Point` (DerivedCoreProperties.txt, unchanged since Unicode
/// 9.0): what a renderer shows as nothing when it cannot show it. No crate at hand exposes the
/// property; the ranges are few and stable.
pub fn is_default_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{00ad}'
            | '\u{034f}'
            | '\u{061c}'
            | '\u{115f}'..='\u{1160}'
            | '\u{17b4}'..='\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{3164}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{feff}'
            | '\u{ffa0}'
            | '\u{fff0}'..='\u{fff8}'
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0000}'..='\u{e0fff}'
    )
}

/// Rules 1–7 of [`visible`]: characters always written escaped.
fn always_escaped(c: char) -> bool {
    c.is_control()
        || is_invisible(c)
        || matches!(
            c.general_category(),
            GeneralCategory::Unassigned | GeneralCategory::PrivateUse | GeneralCategory::Surrogate
        )
        || matches!(c, '\u{1f1e6}'..='\u{1f1ff}' | '\u{1f3fb}'..='\u{1f3ff}' | '\u{ff9e}' | '\u{ff9f}')
        || c.width().is_some_and(|w| w > 2)
}

/// Rules 1–8 for one cluster of the text.
fn push_cluster(out: &mut String, cluster: &str) {
    // Whether the last thing written is a character shown as it is, which a mark can join.
    let mut joinable = false;
    for c in cluster.chars() {
        if always_escaped(c) || (c.width() == Some(0) && !joinable) {
            push_escaped(out, c);
            joinable = false;
        } else {
            out.push(c);
            // A mark on a space is a mark on its own.
            joinable = !c.is_whitespace();
        }
    }
}

/// Whether ratatui draws a cluster in as many cells as a terminal advances printing it.
fn cluster_agrees(cluster: &str) -> bool {
    let cells = usize::from(cluster.cell_width());
    let advance: usize = cluster.chars().map(|c| c.width().unwrap_or(0)).sum();
    cells > 0 && cells == advance
}

/// Rule 9: the text with the clusters that do not agree fixed, or `None` when all agree.
fn fix_clusters(text: &str) -> Option<String> {
    if text.graphemes(true).all(cluster_agrees) {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for cluster in text.graphemes(true) {
        if cluster_agrees(cluster) {
            out.push_str(cluster);
            continue;
        }
        // Keep the first character when it has a width of its own; escape the others (an ASCII
        // character is part of an escape already written, and is kept).
        let mut chars = cluster.chars();
        let first = chars.next().expect("a cluster is never empty");
        let keep_first = !first.is_ascii() && first.width().unwrap_or(0) > 0 && {
            let mut alone = String::new();
            alone.push(first);
            cluster_agrees(&alone)
        };
        for (k, c) in cluster.chars().enumerate() {
            if c.is_ascii() || (k == 0 && keep_first) {
                out.push(c);
            } else {
                push_escaped(&mut out, c);
            }
        }
    }
    Some(out)
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        '\u{1b}' => out.push_str("\\e"),
        c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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

    #[test]
    fn every_bidirectional_control_and_separator_is_escaped_on_the_command_line() {
        for c in [
            '\u{61c}', '\u{200e}', '\u{200f}', '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}',
            '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}', '\u{2028}', '\u{2029}',
            '\u{85}', '\u{9f}',
        ] {
            let text = format!("a{c}b");
            assert_eq!(
                escape_control(&text),
                format!("a\\u{{{:x}}}b", c as u32),
                "U+{:04X}",
                c as u32
            );
        }
    }

    #[test]
    fn what_a_terminal_cannot_measure_is_shown_escaped() {
        let cases = [
            ("cust-1", "cust-1"),
            ("naïve €", "naïve €"),
            ("日本語", "日本語"),
            ("e\u{301}", "e\u{301}"),
            ("😀", "😀"),
            ("soft\u{ad}hyphen", "soft\\u{ad}hyphen"),
            ("cust\u{200b}-1", "cust\\u{200b}-1"),
            ("a\u{200c}b\u{200d}c", "a\\u{200c}b\\u{200d}c"),
            ("word\u{2060}joiner\u{feff}", "word\\u{2060}joiner\\u{feff}"),
            ("line\u{2028}para\u{2029}", "line\\u{2028}para\\u{2029}"),
            ("abc\u{202e}def\u{2066}", "abc\\u{202e}def\\u{2066}"),
            ("\u{200e}\u{200f}\u{61c}", "\\u{200e}\\u{200f}\\u{61c}"),
            ("\u{9b}2J", "\\u{9b}2J"),
            ("x\u{1b}[2J", "x\\e[2J"),
            ("❤\u{fe0f}", "❤\\u{fe0f}"),
            ("👨\u{200d}👩\u{200d}👧", "👨\\u{200d}👩\\u{200d}👧"),
            ("🇫🇷", "\\u{1f1eb}\\u{1f1f7}"),
            ("👍🏽", "👍\\u{1f3fd}"),
            ("\u{301}alone", "\\u{301}alone"),
            ("a \u{301}b", "a \\u{301}b"),
            ("\u{e000}", "\\u{e000}"),
            ("\u{378}", "\\u{378}"),
            ("ﾊﾞ", "ﾊ\\u{ff9e}"),
            ("\u{3164}", "\\u{3164}"),
        ];
        for (text, shown) in cases {
            assert_eq!(visible(text), shown, "{text:?}");
        }
        assert!(matches!(visible("plain"), Cow::Borrowed(_)));
        assert!(matches!(visible("日本語"), Cow::Borrowed(_)));
    }

    /// What must hold of anything [`visible`] gives: nothing of the escaped classes is left, each
    /// cluster is drawn by ratatui in the cells a terminal advances, and showing it again changes
    /// nothing.
    fn assert_measurable(text: &str) {
        let shown = visible(text);
        for c in shown.chars() {
            assert!(
                !always_escaped(c),
                "{text:?} → {shown:?}: U+{:04X} left",
                c as u32
            );
        }
        for cluster in shown.graphemes(true) {
            assert!(
                cluster_agrees(cluster),
                "{text:?} → {shown:?}: {cluster:?} is {} cells for ratatui",
                cluster.cell_width()
            );
        }
        assert_eq!(visible(&shown), shown, "{text:?}");
        assert_eq!(
            visible_width(&shown),
            shown.chars().map(|c| c.width().unwrap_or(0)).sum::<usize>(),
            "{text:?}"
        );
    }

    #[test]
    fn every_character_alone_and_after_a_letter_is_measurable() {
        // Every code point of the planes in use (basic, supplementary, tags and variation
        // selectors); of the uniform rest (CJK extensions, unassigned planes, private use), a
        // sample.
        let dense = (0..0x2_0000).chain(0xe_0000..0xe_0200);
        let sparse = (0x2_0000..0x11_0000).step_by(251);
        for c in dense.chain(sparse).filter_map(char::from_u32) {
            assert_measurable(&c.to_string());
            assert_measurable(&format!("a{c}"));
        }
    }

    fn hostile() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "a",
            "é",
            "e",
            "\u{301}",
            "\u{302}",
            "日",
            "😀",
            "👨",
            "👩",
            "\u{200d}",
            "\u{200b}",
            "\u{ad}",
            "\u{fe0f}",
            "\u{fe0e}",
            "\u{1f1eb}",
            "\u{1f1f7}",
            "\u{1f3fd}",
            "\u{2028}",
            "\u{202e}",
            "\u{1b}",
            "\u{9b}",
            "\u{20e3}",
            "1",
            "ل",
            "ا",
            "\u{1100}",
            "\u{1161}",
            "\u{11a8}",
            "\u{d4e}",
            "\u{600}",
            "ﾊ",
            "\u{ff9e}",
            " ",
            "\\",
            "क",
            "\u{93e}",
            "\u{94d}",
            "\u{e0067}",
            "\u{1f3f4}",
        ]);
        prop::collection::vec(
            prop_oneof![3 => pieces.prop_map(str::to_string), 1 => any::<char>().prop_map(String::from)],
            0..12,
        )
        .prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn hostile_mixtures_are_measurable(text in hostile()) {
            assert_measurable(&text);
        }

        #[test]
        fn json_parses_back_to_the_original_and_holds_no_terminal_control(text in hostile()) {
            let json = json_string(&text);
            prop_assert!(!json.chars().any(needs_escape), "{json:?}");
            let back: String = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back, text);
        }
    }

    #[test]
    fn json_escapes_c1_bidi_and_separators() {
        assert_eq!(
            json_string("a\u{9b}b\u{202e}c\u{2028}d\u{7f}\u{1b}"),
            "\"a\\u009bb\\u202ec\\u2028d\\u007f\\u001b\""
        );
        let raw =
            serde_json::value::RawValue::from_string("{\"note\":\"\u{202e}gnp.exe\"}".to_string())
                .unwrap();
        let json = to_json(&raw);
        assert_eq!(json, "{\"note\":\"\\u202egnp.exe\"}");
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["note"], "\u{202e}gnp.exe");
        assert_eq!(to_json(&vec!["plain", "日本"]), "[\"plain\",\"日本\"]");
    }

    #[test]
    fn names_refuse_what_they_cannot_show() {
        assert_eq!(forbidden_in_name("cust-1"), None);
        assert_eq!(forbidden_in_name("Zoë 日本 😀"), None);
        for c in [
            '\u{202e}', '\u{200b}', '\u{ad}', '\u{1b}', '\u{9b}', '\u{2028}', '\u{fe0f}', '\u{378}',
        ] {
            assert_eq!(
                forbidden_in_name(&format!("a{c}b")),
                Some(c),
                "U+{:04X}",
                c as u32
            );
        }
        assert_eq!(forbidden_in_value("a note 👨\u{200d}👩"), None);
        assert_eq!(forbidden_in_value("a\u{202e}b"), Some('\u{202e}'));
        assert_eq!(describe('\u{202e}'), "U+202E (a bidirectional control)");
        assert_eq!(describe('\u{200b}'), "U+200B (an invisible character)");
        assert_eq!(describe('\u{1b}'), "U+001B (a control character)");
    }
}
