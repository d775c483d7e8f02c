//! The cells of the CSV files rewind writes, guarded so that no text from the log reaches a
//! spreadsheet as a formula.

use crate::text::escape_control;

/// A cell of a CSV file rewind writes.
pub enum Cell<'a> {
    /// Text that comes from the log (an id, a type, an account): see [`csv_text`].
    Text(&'a str),
    /// A number or a time rewind formatted itself (a seq, an amount, a balance): written as it
    /// is, so that a spreadsheet reads a number (`-5.00` included).
    Plain(String),
}

/// Text from the log as a CSV cell. Control characters are escaped as everywhere else (a CSV is
/// often looked at in a terminal), and a cell a spreadsheet would take for a formula (it begins
/// with `=`, `+`, `-`, `@`, a tab or a carriage return, OWASP's list) gets a leading `'`, which
/// makes a spreadsheet show it as text instead of running it (`=HYPERLINK(…)`).
pub fn csv_text(text: &str) -> String {
    let formula = |t: &str| t.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let shown = escape_control(text);
    // Checked before and after escaping: whatever the escaping, such a cell stays guarded.
    if formula(text) || formula(&shown) {
        format!("'{shown}")
    } else {
        shown.into_owned()
    }
}

/// Writes one CSV record; every CSV writer of rewind goes through this, so that no text from the
/// log reaches a spreadsheet unguarded.
pub fn csv_row<W: std::io::Write>(out: &mut csv::Writer<W>, cells: &[Cell]) -> csv::Result<()> {
    out.write_record(cells.iter().map(|c| match c {
        Cell::Text(t) => csv_text(t),
        Cell::Plain(p) => p.clone(),
    }))
}

/// Writes the header record of a CSV file.
pub fn csv_header<W: std::io::Write>(out: &mut csv::Writer<W>, names: &[&str]) -> csv::Result<()> {
    out.write_record(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_text_a_spreadsheet_would_run_is_kept_as_text() {
        for (raw, written) in [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "'=HYPERLINK(\"http://x\",\"y\")",
            ),
            ("+1", "'+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\\t=1"),
            ("\r=1", "'\\r=1"),
            ("cust-1", "cust-1"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(csv_text(raw), written, "{raw:?}");
        }
        let mut w = csv::Writer::from_writer(Vec::new());
        csv_row(&mut w, &[Cell::Text("-5"), Cell::Plain("-5.00".into())]).unwrap();
        assert_eq!(
            String::from_utf8(w.into_inner().unwrap()).unwrap(),
            "'-5,-5.00\n"
        );
    }
}
