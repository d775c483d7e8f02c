//! The field changes of a diff: account, field, value before → value after.

use ratatui::text::{Line, Span};

use super::fit_padded;
use super::state_card::value_text;
use crate::ledger::Ledger;
use crate::tui::theme::Theme;
use crate::tui::view::field_diff::FieldChanges;

/// The lines of the field changes (nothing when no field changed).
pub fn lines(ledger: &Ledger, fields: &[FieldChanges], theme: Theme) -> Vec<Line<'static>> {
    let total: usize = fields.iter().map(|f| f.changes.len()).sum();
    if total == 0 {
        return Vec::new();
    }
    let mut lines = vec![
        Line::default(),
        Line::from(vec![
            Span::styled(format!("{} ", crate::text::group(total)), theme.header()),
            Span::raw(if total == 1 {
                "field changed"
            } else {
                "fields changed"
            }),
        ]),
        Line::from(Span::styled(
            format!("{:<28} {:<20} BEFORE → AFTER", "ACCOUNT", "FIELD"),
            theme.header(),
        )),
    ];
    for f in fields {
        for c in &f.changes {
            lines.push(Line::from(vec![
                Span::raw(format!(
                    "{} ",
                    fit_padded(ledger.account_name(f.account), 28)
                )),
                Span::styled(format!("{} ", fit_padded(&c.field, 20)), theme.key()),
                Span::raw(super::visible(&value_text(c.old.as_ref())).into_owned()),
                Span::styled(" → ", theme.muted()),
                Span::styled(
                    super::visible(&value_text(c.new.as_ref())).into_owned(),
                    theme.highlight(),
                ),
            ]));
        }
    }
    lines
}
