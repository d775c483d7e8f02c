//! Plain-text tables for people; JSON and CSV come from the same rows.

use std::fmt::Write as _;

use crate::text::{visible, visible_width};

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
