//! What the commands write: stdout and stderr without a panic, plain-text tables for people, and
//! CSV cells; JSON comes from the same rows.
//!
//! Every command writes its answer with [`print`] (or [`print_after`] once it has changed a file),
//! never with `println!`, which panics when stdout cannot be written (a full disk, `/dev/full`):
//! a write error is one line on stderr and exit 2. Notes and errors go to stderr with [`note`],
//! which ignores a failure (there is nowhere left to report it).

use std::fmt::Write as _;
use std::io::Write as _;

use super::Failure;

use crate::text::{visible, visible_width};

/// Writes `text` to stdout, all of it, and flushes it. A failure is returned, never a panic.
pub fn print(text: &str) -> Result<(), Failure> {
    write_stdout(text).map_err(|e| output_failure(&e, None))
}

/// [`print`] for a command that has already done its work (a record appended, a file written):
/// a failure to print says what was `done` first, so that no one takes it for a failed command.
pub fn print_after(text: &str, done: impl FnOnce() -> String) -> Result<(), Failure> {
    write_stdout(text).map_err(|e| output_failure(&e, Some(done())))
}

fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// The failure for an error writing stdout: one line, exit 2; `done` says what the command had
/// already done. A reader that went away (`| head`) is no failure of ours and ends quietly (on
/// Unix, SIGPIPE ends the process before the error is even seen).
pub fn output_failure(e: &std::io::Error, done: Option<String>) -> Failure {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return Failure {
            code: 0,
            message: String::new(),
        };
    }
    Failure::usage(match done {
        Some(done) => format!("{done}; but the output could not be written: {e}"),
        None => format!("cannot write the output: {e}"),
    })
}

/// A value as one line of JSON, with its newline.
pub fn json_line(value: &impl serde::Serialize) -> String {
    let mut line = crate::text::to_json(value);
    line.push('\n');
    line
}

/// Writes one line to stderr (a note, an error); a failure to write it is ignored.
pub fn note(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.write_all(b"\n");
    let _ = err.flush();
}

/// Column alignment.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A table printed with aligned columns. Cells are shown as the explorer shows them
/// ([`visible`]): log text never drives the terminal, and every character a terminal could draw
/// wider or narrower than counted is escaped, so the columns stay aligned.
pub struct Table {
    headers: Vec<(&'static str, Align)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[(&'static str, Align)]) -> Table {
        Table {
            headers: headers.to_vec(),
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<String>) {
        debug_assert_eq!(row.len(), self.headers.len());
        self.rows
            .push(row.into_iter().map(|c| visible(&c).into_owned()).collect());
    }

    pub fn render(&self) -> String {
        let mut widths: Vec<usize> = self.headers.iter().map(|(h, _)| visible_width(h)).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(visible_width(cell));
            }
        }
        let mut out = String::new();
        let header: Vec<String> = self.headers.iter().map(|(h, _)| h.to_string()).collect();
        for row in std::iter::once(&header).chain(&self.rows) {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                let (_, align) = self.headers[i];
                let pad = widths[i] - visible_width(cell);
                if i > 0 {
                    line.push_str("  ");
                }
                match align {
                    Align::Left => {
                        line.push_str(cell);
                        line.extend(std::iter::repeat_n(' ', pad));
                    }
                    Align::Right => {
                        line.extend(std::iter::repeat_n(' ', pad));
                        line.push_str(cell);
                    }
                }
            }
            let _ = writeln!(out, "{}", line.trim_end());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_cells_are_escaped() {
        let mut t = Table::new(&[("ACCOUNT", Align::Left), ("BALANCE", Align::Right)]);
        t.push(vec!["acc-1".into(), "900.00".into()]);
        t.push(vec!["x\u{1b}[2J".into(), "-5".into()]);
        assert_eq!(
            t.render(),
            "ACCOUNT  BALANCE\nacc-1     900.00\nx\\e[2J        -5\n"
        );
        // Invisible and joined characters are escaped, wide ones counted as two columns.
        let mut t = Table::new(&[("ACCOUNT", Align::Left), ("BALANCE", Align::Right)]);
        t.push(vec!["cust-1\u{200b}".into(), "1".into()]);
        t.push(vec!["👨\u{200d}👩".into(), "2".into()]);
        t.push(vec!["日本".into(), "3".into()]);
        assert_eq!(
            t.render(),
            "ACCOUNT         BALANCE\n\
             cust-1\\u{200b}        1\n\
             👨\\u{200d}👩          2\n\
             日本                  3\n"
        );
    }
}
