//! The end of the input: a last line without a newline, torn by an interrupted write or just
//! written by hand.

use super::detect::is_array;
use crate::ledger::problem::{Problem, ProblemKind, Reason};
use crate::ledger::recorded::Records;

impl Records {
    /// Looks at the very end of the input: a last line without a newline.
    pub(crate) fn finish_tail(&mut self, bytes: &[u8]) {
        let last_nl = memchr::memrchr(b'\n', bytes).map_or(0, |i| i + 1);
        let tail = &bytes[last_nl..];
        if tail.iter().all(u8::is_ascii_whitespace) || is_array(bytes) {
            return;
        }
        self.unterminated_tail = true;
        let line = self.lines;
        let bad = self
            .problems
            .iter()
            .rposition(|p| p.line == line && p.kind.is_bad_line());
        if let Some(i) = bad {
            // Its text says so, before what is wrong with the line (see `Ledger::message`).
            self.problems[i].kind = ProblemKind::TornTail;
            // An interrupted write is not an alteration: the records before it are intact, and
            // `verify` says so too.
            self.problems
                .retain(|p| !(p.line == line && p.kind == ProblemKind::ChainBroken));
        } else if self.sealed == Some(true) {
            self.problems.push(Problem::line(
                line,
                last_nl as u64,
                ProblemKind::TornTail,
                Reason::TornRecord,
            ));
        }
    }
}
