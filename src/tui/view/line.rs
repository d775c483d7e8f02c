//! A line of the log that did not become an event: its text (escaped), its number, and why it
//! was refused. It scrolls, and closes back to the main screen.

use super::{Effect, add_clamped, list_delta};
use crate::text::visible;
use crate::tui::action::Action;
use crate::tui::state::State;

/// The most of an unreadable line shown (a line of the log can be up to 1 MiB, or over).
pub const SHOWN_BYTES: usize = 16 * 1024;

/// An unreadable line on screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineView {
    /// The line's number in the file (or a database row's position).
    pub line: u64,
    /// What the line stands for in the source (a topic's `PARTITION:OFFSET`).
    pub place: crate::ledger::Place,
    /// Why it was refused: each problem on the line, `(kind, text)`.
    pub problems: Vec<(String, String)>,
    /// The line's text, escaped so that nothing in it can act on the terminal; `None` when it
    /// cannot be read again.
    pub text: Option<String>,
    /// How many bytes the line has, and whether only the first [`SHOWN_BYTES`] are in `text`.
    pub bytes: usize,
    pub cut: bool,
    /// Lines scrolled off the top.
    pub scroll: usize,
}

impl LineView {
    /// The view of the line of problem `problem`, read back from the log.
    pub fn of(state: &State, problem: usize) -> Option<LineView> {
        let ledger = &state.ledger;
        let p = ledger.problems().get(problem)?;
        let problems = ledger
            .problems()
            .iter()
            .filter(|q| q.line == p.line && q.event().is_none())
            .map(|q| (q.kind.name().to_string(), ledger.message(q)))
            .collect();
        let (text, bytes, cut) = match ledger.source_bytes() {
            Ok(source) => {
                let from = usize::try_from(p.at)
                    .unwrap_or(usize::MAX)
                    .min(source.len());
                let rest = &source[from..];
                let len = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
                let shown = len.min(SHOWN_BYTES);
                (Some(escape_bytes(&rest[..shown])), len, shown < len)
            }
            Err(_) => (None, 0, false),
        };
        Some(LineView {
            line: p.line,
            place: ledger.place(p.line),
            problems,
            text,
            bytes,
            cut,
            scroll: 0,
        })
    }

    pub fn handle(&mut self, action: Action, page: usize) -> Option<Effect> {
        match action {
            Action::Back => Some(Effect::Close),
            _ => {
                self.move_by(list_delta(action, page)?);
                None
            }
        }
    }

    pub fn move_by(&mut self, delta: i64) {
        self.scroll = add_clamped(self.scroll, delta, usize::MAX / 2);
    }
}

/// Bytes as text a terminal can draw: valid UTF-8 through [`visible`] (controls escaped), every
/// byte that is not UTF-8 as `\xNN`, and a carriage return at the end kept visible as `\r`.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        out.push_str(&visible(chunk.valid()));
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape_bytes;

    #[test]
    fn bytes_are_escaped_for_the_terminal() {
        assert_eq!(escape_bytes(b"plain"), "plain");
        assert_eq!(escape_bytes(b"a\x1b[2Jb"), "a\\e[2Jb");
        assert_eq!(escape_bytes(b"\xff\xfeok\r"), "\\xff\\xfeok\\r");
        assert_eq!(escape_bytes("caf\u{e9}".as_bytes()), "caf\u{e9}");
    }
}
