//! The events pane: every event in time order; the cursor's row highlighted, the future dimmed.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Cell, Row, Table, Widget};

use super::fit;
use crate::ledger::event::flags;
use crate::ledger::time::format_time_short;
use crate::ledger::{Effect, Ledger};
use crate::tui::app::{App, Pane};
use crate::tui::theme::Theme;

pub struct Events<'a> {
    pub app: &'a App,
    pub theme: Theme,
}

/// How an event's amount reads in a list: signed by its effect on its own account.
pub fn amount_text(ledger: &Ledger, i: usize) -> (String, Effect) {
    let e = ledger.event(i);
    let effect = ledger.effect(e.kind);
    if !e.has_amount() {
        return (String::new(), effect);
    }
    let text = match effect {
        Effect::Credit | Effect::Open => e.amount.signed_string(),
        Effect::Debit | Effect::Transfer => (-e.amount).signed_string(),
        // No effect on balances: the amount as written, in parentheses.
        Effect::Close | Effect::Ignore | Effect::Unknown => format!("({})", e.amount),
    };
    (text, effect)
}

impl Widget for Events<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (app, theme) = (self.app, self.theme);
        let ledger = &app.ledger;
        let focused = app.focus == Pane::Events;
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(if focused {
                theme.border_focused()
            } else {
                theme.border()
            })
            .title(Line::from(vec![
                Span::styled(" Events ", theme.title()),
                Span::styled("in time order ", theme.muted()),
            ]));
        let inner = block.inner(area);
        block.render(area, buf);
        let rows_available = inner.height.saturating_sub(1) as usize;
        let wide = inner.width >= 96;
        let time_width: u16 = if wide { 19 } else { 14 };
        let flexible = inner.width.saturating_sub(2 + time_width + 12 + 12 + 5) as usize;
        let account_width = flexible * 3 / 5;
        let type_width = flexible - account_width;
        let order = ledger.time_order();
        let rows: Vec<Row> = (app.events_offset..order.len())
            .take(rows_available)
            .map(|pos| {
                let i = order[pos] as usize;
                let e = ledger.event(i);
                let at_cursor = app.cursor.pos == Some(pos);
                let future = e.ts > app.cursor.time;
                let gutter = match (at_cursor, e.flags & flags::PROBLEM != 0, future) {
                    (true, _, _) => "▶",
                    (false, true, _) => "!",
                    (false, false, true) => "·",
                    _ => " ",
                };
                let time = format_time_short(e.ts);
                let time = if wide { time } else { time[5..].to_string() };
                let account = match e.to_account() {
                    Some(to) if ledger.effect(e.kind) == Effect::Transfer => format!(
                        "{} → {}",
                        ledger.account_name(e.account),
                        ledger.account_name(to)
                    ),
                    _ => ledger.account_name(e.account).to_string(),
                };
                let (amount, effect) = amount_text(ledger, i);
                let amount_style = match effect {
                    _ if future => Style::default(),
                    Effect::Credit | Effect::Open => theme.credit(),
                    Effect::Debit | Effect::Transfer => theme.debit(),
                    _ => theme.muted(),
                };
                let balance = ledger.balance_after(i, e.account);
                let balance_style = match balance {
                    Some(b) if b.is_negative() && !future => theme.negative(),
                    _ => Style::default(),
                };
                let row_style = if at_cursor {
                    theme.cursor_row()
                } else if future {
                    theme.future()
                } else {
                    Style::default()
                };
                Row::new(vec![
                    Cell::from(gutter).style(if gutter == "!" && !at_cursor {
                        theme.warning()
                    } else {
                        Style::default()
                    }),
                    Cell::from(time),
                    Cell::from(fit(&account, account_width)),
                    Cell::from(fit(ledger.type_name(e.kind), type_width)),
                    Cell::from(Text::from(amount).alignment(Alignment::Right)).style(amount_style),
                    Cell::from(
                        Text::from(balance.map(|b| b.to_string()).unwrap_or_default())
                            .alignment(Alignment::Right),
                    )
                    .style(balance_style),
                ])
                .style(row_style)
            })
            .collect();
        let header = Row::new(vec![
            Cell::from(""),
            Cell::from("TIME"),
            Cell::from("ACCOUNT"),
            Cell::from("TYPE"),
            Cell::from(Text::from("AMOUNT").alignment(Alignment::Right)),
            Cell::from(Text::from("BALANCE").alignment(Alignment::Right)),
        ])
        .style(theme.header());
        Table::new(
            rows,
            [
                Constraint::Length(1),
                Constraint::Length(time_width),
                Constraint::Length(account_width as u16),
                Constraint::Length(type_width as u16),
                Constraint::Length(12),
                Constraint::Length(12),
            ],
        )
        .header(header)
        .render(inner, buf);
    }
}
