//! Reading JSON without building it: the one place rewind walks JSON text by hand. A strict,
//! fast scanner (strings eight bytes at a time, numbers and literals to JSON's grammar, nesting up
//! to [`MAX_DEPTH`]) finds where values end and which members an object has, as raw text.
//!
//! Every reader here is held to serde_json: on anything it does not take (invalid JSON, a key
//! with escapes, deep nesting) it answers `None`, and its caller asks serde_json, which gives the
//! same answer or the exact reason. Whatever it takes, serde_json reads the same way. Records
//! ([`crate::ledger::record`]), the documents of a database's rows, the elements of a log written
//! as one array, and the members a sealed copy keeps are all read through it.

/// Nesting beyond this is left to the full parser.
pub(crate) const MAX_DEPTH: u32 = 64;

/// The first byte at or after `i` that is not JSON whitespace.
#[inline]
pub(crate) fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while let Some(&c) = b.get(i) {
        if !matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
            break;
        }
        i += 1;
    }
    i
}

/// Bytes that end the plain run of a string: the quote, a backslash, or a control character.
#[inline]
fn special(c: u8) -> bool {
    c == b'"' || c == b'\\' || c < 0x20
}

/// The position of the closing quote of a string starting at `i` (just after its opening quote)
/// that has no escape and no control character.
#[inline]
pub(crate) fn plain_string_end(b: &[u8], i: usize) -> Option<usize> {
    let end = plain_run_end(b, i)?;
    (b[end] == b'"').then_some(end)
}

/// The first quote at or after `i` (in a text with no backslash: the end of a string).
#[inline]
pub(crate) fn quote_at(b: &[u8], mut i: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(word) = b.get(i..i + 8) {
        let x = u64::from_le_bytes(word.try_into().ok()?) ^ (ONES * u64::from(b'"'));
        // The lowest flagged byte is exactly the first quote.
        let bits = x.wrapping_sub(ONES) & !x & HIGH;
        if bits != 0 {
            return Some(i + (bits.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b[i..].iter().position(|c| *c == b'"').map(|p| i + p)
}

/// Which bytes of the word are `"`, `\` or below 0x20: the high bit of each such byte, exactly
/// for the lowest one (the classic zero-byte test; bits above a set one may be spurious).
#[inline]
fn special_bits(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let quote = zero_byte(word ^ (ONES * u64::from(b'"')));
    let backslash = zero_byte(word ^ (ONES * u64::from(b'\\')));
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGH;
    quote | backslash | control
}

#[cfg(test)]
fn has_special(word: u64) -> bool {
    special_bits(word) != 0
}

/// The position just after the string value starting at `i` (its opening quote), and whether it
/// has escapes; escapes are checked the way serde_json checks the strings it skips.
#[inline]
pub(crate) fn string_end(b: &[u8], i: usize) -> Option<(usize, bool)> {
    let mut i = i + 1;
    let mut escaped = false;
    loop {
        let end = plain_run_end(b, i)?;
        match b[end] {
            b'"' => return Some((end + 1, escaped)),
            b'\\' => {
                escaped = true;
                i = match *b.get(end + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => end + 2,
                    b'u' => {
                        let hex = b.get(end + 2..end + 6)?;
                        if !hex.iter().all(u8::is_ascii_hexdigit) {
                            return None;
                        }
                        end + 6
                    }
                    _ => return None,
                }
            }
            _ => return None, // a control character
        }
    }
}

/// The first special byte (`"`, `\` or a control character) at or after `i`.
#[inline]
fn plain_run_end(b: &[u8], mut i: usize) -> Option<usize> {
    // Eight bytes at a time: the lowest flagged byte of a word is the first special one.
    while let Some(word) = b.get(i..i + 8) {
        let bits = special_bits(u64::from_le_bytes(word.try_into().ok()?));
        if bits != 0 {
            return Some(i + (bits.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if special(c) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// The position just after a JSON number starting at `i`, with JSON's grammar exactly:
/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
#[inline]
pub(crate) fn number_end(b: &[u8], mut i: usize) -> Option<usize> {
    let digits = |mut i: usize| {
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        (i > start).then_some(i)
    };
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match *b.get(i)? {
        b'0' => i += 1,
        b'1'..=b'9' => i = digits(i)?,
        _ => return None,
    }
    if b.get(i) == Some(&b'.') {
        i = digits(i + 1)?;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        i = digits(i)?;
    }
    // A digit right after `0` (a leading zero) is not JSON.
    if b.get(i).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    Some(i)
}

/// The position just after the JSON value starting at `i`, nested `depth` deep (0 for a document);
/// `None` when it is not valid JSON or nests deeper than [`MAX_DEPTH`].
#[inline]
pub(crate) fn value_end(b: &[u8], i: usize, depth: u32) -> Option<usize> {
    match *b.get(i)? {
        b'"' => string_end(b, i).map(|(end, _)| end),
        b'-' | b'0'..=b'9' => number_end(b, i),
        b't' => b[i..].starts_with(b"true").then_some(i + 4),
        b'f' => b[i..].starts_with(b"false").then_some(i + 5),
        b'n' => b[i..].starts_with(b"null").then_some(i + 4),
        b'[' if depth < MAX_DEPTH => {
            let mut i = skip_ws(b, i + 1);
            if b.get(i) == Some(&b']') {
                return Some(i + 1);
            }
            loop {
                i = skip_ws(b, value_end(b, i, depth + 1)?);
                match *b.get(i)? {
                    b',' => i = skip_ws(b, i + 1),
                    b']' => return Some(i + 1),
                    _ => return None,
                }
            }
        }
        b'{' if depth < MAX_DEPTH => {
            let mut i = skip_ws(b, i + 1);
            if b.get(i) == Some(&b'}') {
                return Some(i + 1);
            }
            loop {
                if b.get(i) != Some(&b'"') {
                    return None;
                }
                i = skip_ws(b, string_end(b, i)?.0);
                if b.get(i) != Some(&b':') {
                    return None;
                }
                i = skip_ws(b, value_end(b, skip_ws(b, i + 1), depth + 1)?);
                match *b.get(i)? {
                    b',' => i = skip_ws(b, i + 1),
                    b'}' => return Some(i + 1),
                    _ => return None,
                }
            }
        }
        _ => None,
    }
}

/// The raw text of some top-level members of a JSON object (the first occurrence of each), or
/// `None` when the text is not an object the scanner takes (then serde_json decides: see
/// [`crate::ledger::record::members`]). No allocation.
pub(crate) fn members<'a, const N: usize>(
    json: &'a [u8],
    wanted: [&str; N],
) -> Option<[Option<&'a [u8]>; N]> {
    let b = json;
    let mut found = [None; N];
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return (skip_ws(b, i + 1) == b.len()).then_some(found);
    }
    loop {
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let key_end = plain_string_end(b, i + 1)?;
        let key = &b[i + 1..key_end];
        i = skip_ws(b, key_end + 1);
        if b.get(i) != Some(&b':') {
            return None;
        }
        let start = skip_ws(b, i + 1);
        let end = value_end(b, start, 0)?;
        if let Some(k) = wanted.iter().position(|w| w.as_bytes() == key)
            && found[k].is_none()
        {
            found[k] = Some(&b[start..end]);
        }
        i = skip_ws(b, end);
        match b.get(i) {
            Some(b',') => i = skip_ws(b, i + 1),
            Some(b'}') => return (skip_ws(b, i + 1) == b.len()).then_some(found),
            _ => return None,
        }
    }
}

/// Where the element of a JSON array that starts at `i` ends, and how many newlines it spans:
/// at the `,` or `]` (or the end of the text) after it. A valid value is scanned strictly; an
/// element that is not one is cut at the first `,` or `]` outside its strings and brackets, so
/// that it stays one piece for the record parser to refuse with its reason.
pub(crate) fn array_element_end(b: &[u8], i: usize) -> (usize, u64) {
    if let Some(end) = value_end(b, i, 0) {
        let next = skip_ws(b, end);
        if matches!(b.get(next), None | Some(b',' | b']')) {
            // A valid value has no newline inside its strings: every one is between tokens.
            return (next, memchr::memchr_iter(b'\n', &b[i..next]).count() as u64);
        }
    }
    loose_element_end(b, i)
}

/// [`array_element_end`] for an element that is not valid JSON: brackets are counted and
/// strings skipped (a backslash escapes the byte after it), and nothing is checked.
fn loose_element_end(b: &[u8], mut i: usize) -> (usize, u64) {
    let mut lines = 0;
    let mut depth = 0i32;
    let mut in_string = false;
    while i < b.len() {
        let c = b[i];
        if in_string {
            match c {
                b'\\' => i += 1,
                b'"' => in_string = false,
                b'\n' => lines += 1,
                _ => {}
            }
        } else {
            match c {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth > 0 => depth -= 1,
                b',' | b']' if depth == 0 => break,
                b'\n' => lines += 1,
                _ => {}
            }
        }
        i += 1;
    }
    (i.min(b.len()), lines)
}

#[cfg(test)]
mod tests;
