//! The accounts pane: every account with its balance as of the cursor.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Span, Text};
use ratatui::widgets::{Cell, Row, Table, Widget};

use super::{fit, fit_number, group, pane_block};
use crate::ledger::time::format_time;
use crate::tui::state::State;
use crate::tui::theme::Theme;
use crate::tui::view::{MainView, Pane};

pub struct Accounts<'a> {
    pub state: &'a State,
    pub main: &'a MainView,
    pub theme: Theme,
}

impl Widget for Accounts<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (state, main, theme) = (self.state, self.main, self.theme);
        let ledger = &state.ledger;
        let focused = main.focus == Pane::Accounts;
        let block = pane_block(
            vec![
                Span::styled(" Accounts ", theme.title()),
                Span::styled(
                    format!("{} ", group(ledger.accounts_sorted().len())),
                    theme.muted(),
                ),
            ],
            focused,
            theme,
        );
        let inner = block.inner(area);
        block.render(area, buf);
        let rows_available = inner.height.saturating_sub(1) as usize;
        let cursor_event = state.cursor_event().map(|i| ledger.event(i));
        let moment = state.moment();
        // The balance column as wide as the widest visible balance, leaving the name some room.
        let balance_width = ledger
            .accounts_sorted()
            .iter()
            .skip(main.account_offset)
            .take(rows_available)
            .map(|&a| ledger.account_at(a, moment).balance.to_string().len())
            .max()
            .unwrap_or(0)
            .clamp(
                12,
                (inner.width.saturating_sub(2 + 5 + 11 + 4 + 8) as usize).max(12),
            );
        let name_width = inner
            .width
            .saturating_sub(2 + balance_width as u16 + 5 + 11 + 4)
            as usize;
        let rows: Vec<Row> = ledger
            .accounts_sorted()
            .iter()
            .enumerate()
            .skip(main.account_offset)
            .take(rows_available)
            .map(|(index, &account)| {
                let account_state = ledger.account_at(account, moment);
                let touched = cursor_event.is_some_and(|e| e.account == account || e.to == account);
                let gutter = if !account_state.exists {
                    " "
                } else if touched {
                    "●"
                } else if account_state.closed {
                    "✕"
                } else {
                    " "
                };
                let text = fit_number(&account_state.balance.to_string(), balance_width);
                let (balance, balance_style) = if !account_state.exists {
                    ("—".to_string(), theme.future())
                } else if account_state.balance.is_negative() {
                    (text, theme.negative())
                } else {
                    (text, theme.base())
                };
                let last = match account_state.last_event {
                    Some(i) => short_time(ledger.event(i as usize).ts),
                    None => "not yet".to_string(),
                };
                let row_style = if index == main.account_sel && focused {
                    theme.selected()
                } else if !account_state.exists {
                    theme.future()
                } else {
                    Style::default()
                };
                let marker = if index == main.account_sel {
                    "▸"
                } else {
                    gutter
                };
                Row::new(vec![
                    Cell::from(marker),
                    Cell::from(fit(ledger.account_name(account), name_width)),
                    Cell::from(Text::from(balance).alignment(Alignment::Right))
                        .style(balance_style),
                    Cell::from(
                        Text::from(account_state.events.to_string()).alignment(Alignment::Right),
                    ),
                    Cell::from(last),
                ])
                .style(row_style)
            })
            .collect();
        let header = Row::new(vec![
            Cell::from(""),
            Cell::from("ACCOUNT"),
            Cell::from(Text::from("BALANCE").alignment(Alignment::Right)),
            Cell::from(Text::from("EVTS").alignment(Alignment::Right)),
            Cell::from("LAST"),
        ])
        .style(theme.header());
        Table::new(
            rows,
            [
                Constraint::Length(1),
                Constraint::Fill(1),
                Constraint::Length(balance_width as u16),
                Constraint::Length(5),
                Constraint::Length(11),
            ],
        )
        .header(header)
        .render(inner, buf);
    }
}

/// `03-14 15:59` for narrow columns.
fn short_time(ts: i64) -> String {
    let full = format_time(ts);
    full.get(5..16).map(|s| s.replace('T', " ")).unwrap_or(full)
}
