//! What changed between two moments: the accounts whose balance moved, then the events between.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::events::amount_text;
use super::{fit, fit_padded};
use crate::ledger::diff::Diff;
use crate::text::{group, visible};
use crate::tui::state::totals::Totals;
use crate::tui::state::{State, moment_label};
use crate::tui::theme::Theme;

pub struct DiffView<'a> {
    pub state: &'a State,
    pub diff: &'a Diff,
    pub fields: &'a [crate::tui::view::field_diff::FieldChanges],
    pub theme: Theme,
    pub scroll: usize,
}

fn name(c: char) -> String {
    if c == '.' {
        "the cursor".into()
    } else {
        format!("mark {c}")
    }
}

impl Widget for DiffView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (state, theme, diff) = (self.state, self.theme, self.diff);
        let ledger = &state.ledger;
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border_focused())
            .title(Line::from(vec![
                Span::styled(" What changed ", theme.title()),
                Span::styled(
                    format!(
                        "from {} ({}) to {} ({}) ",
                        name(diff.from.name),
                        moment_label(diff.from.moment),
                        name(diff.to.name),
                        moment_label(diff.to.moment)
                    ),
                    theme.muted(),
                ),
            ]));
        let width = area.width.saturating_sub(2) as usize;
        let mut lines = vec![Line::from(vec![
            Span::styled(format!("{} ", group(diff.changed())), theme.header()),
            Span::raw(if diff.changed() == 1 {
                "account changed balance, "
            } else {
                "accounts changed balance, "
            }),
            Span::styled(format!("{} ", group(diff.events.len())), theme.header()),
            Span::raw(if diff.events.len() == 1 {
                "event between the two moments"
            } else {
                "events between the two moments"
            }),
        ])];
        let totals = Totals::of(ledger, diff.events.iter().map(|&i| i as usize));
        lines.push(Line::from(vec![
            Span::styled("totals ", theme.muted()),
            Span::raw(totals.summary(ledger)),
        ]));
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(
            format!(
                "{:<28} {:>14} {:>14} {:>14} {:>7}",
                "ACCOUNT", "BEFORE", "AFTER", "DELTA", "EVENTS"
            ),
            theme.header(),
        )));
        for row in &diff.rows {
            let delta_style = if row.delta.is_negative() {
                theme.debit()
            } else if row.delta.is_zero() {
                theme.muted()
            } else {
                theme.credit()
            };
            let after_style = if row.after.is_negative() {
                theme.negative()
            } else {
                Style::default()
            };
            lines.push(Line::from(vec![
                Span::raw(format!(
                    "{} ",
                    fit_padded(ledger.account_name(row.account), 28)
                )),
                Span::raw(format!("{:>14} ", row.before.to_string())),
                Span::styled(format!("{:>14} ", row.after.to_string()), after_style),
                Span::styled(format!("{:>14} ", row.delta.signed_string()), delta_style),
                Span::raw(format!("{:>7}", row.events)),
            ]));
        }
        lines.extend(super::field_diff::lines(ledger, self.fields, theme));
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(
            format!(
                "{:<19}  {:<28} {:<18} {:>13}  {:>8}",
                "TIME", "ACCOUNT", "TYPE", "AMOUNT", "LINE"
            ),
            theme.header(),
        )));
        for &i in &diff.events {
            let i = i as usize;
            let e = ledger.event(i);
            let account = match ledger.transfer_to(e) {
                Some(to) => format!(
                    "{} → {}",
                    visible(ledger.account_name(e.account)),
                    visible(ledger.account_name(to))
                ),
                None => ledger.account_name(e.account).to_string(),
            };
            let (amount, _) = amount_text(ledger, i);
            lines.push(Line::from(vec![
                Span::raw(format!("{:<19}  ", crate::tui::clock::short(e.ts))),
                Span::raw(format!("{} ", fit_padded(&account, 28))),
                Span::raw(format!("{} ", fit_padded(ledger.type_name(e.kind), 18))),
                Span::raw(format!("{amount:>13}  ")),
                Span::styled(format!("{:>8}", ledger.place(e.line)), theme.muted()),
            ]));
        }
        let lines: Vec<Line> = lines
            .into_iter()
            .skip(self.scroll)
            .map(|l| {
                // Keep rows on one line each; cut what does not fit.
                let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
                if crate::text::visible_width(&text) > width {
                    Line::from(fit(&text, width))
                } else {
                    l
                }
            })
            .collect();
        Paragraph::new(lines).block(block).render(area, buf);
    }
}
