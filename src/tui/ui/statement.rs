//! An account's statement up to the cursor, under a chart of its balance over time.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Cell, Row, Table, Widget};

use super::chart::BalanceChart;
use super::{fit, fit_number};
use crate::ledger::AccountId;
use crate::ledger::time::format_time_short;
use crate::tui::state::State;
use crate::tui::theme::Theme;

pub struct Statement<'a> {
    pub state: &'a State,
    pub theme: Theme,
    pub account: AccountId,
    /// The selected row; `None` follows the latest row.
    pub scroll: Option<usize>,
}

impl Widget for Statement<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (state, theme) = (self.state, self.theme);
        let ledger = &state.ledger;
        let account = self.account;
        let account_state = ledger.account_at(account, state.moment());
        let name = fit(ledger.account_name(account), 40);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border_focused())
            .title(Line::from(vec![
                Span::styled(format!(" Statement of {name} "), theme.title()),
                Span::styled(
                    format!(
                        "up to the cursor · {} events · balance ",
                        account_state.events
                    ),
                    theme.muted(),
                ),
                Span::styled(
                    account_state.balance.to_string(),
                    if account_state.balance.is_negative() {
                        theme.negative()
                    } else {
                        theme.header()
                    },
                ),
                Span::raw(if account_state.closed {
                    " · closed "
                } else {
                    " "
                }),
            ]));
        let inner = block.inner(area);
        block.render(area, buf);
        let chart_height = (inner.height / 2).clamp(4, 14).min(inner.height);
        let [chart_area, table_area] =
            Layout::vertical([Constraint::Length(chart_height), Constraint::Min(0)]).areas(inner);
        BalanceChart {
            ledger,
            account,
            cursor: state.cursor.time,
            theme,
        }
        .render(chart_area, buf);

        let (postings, rows_total) = state.statement_rows(account);
        let visible = table_area.height.saturating_sub(1) as usize;
        let selected = self.scroll.unwrap_or(rows_total.saturating_sub(1));
        let start = (selected + 1).saturating_sub(visible);
        let rows: Vec<Row> = postings[..rows_total]
            .iter()
            .enumerate()
            .skip(start)
            .take(visible)
            .map(|(k, p)| {
                let i = p.event as usize;
                let e = ledger.event(i);
                let delta = ledger.delta(i, account);
                let other = if e.account == account {
                    ledger.transfer_to(e).filter(|o| *o != account)
                } else {
                    Some(e.account)
                };
                let delta_style = if delta.is_negative() {
                    theme.debit()
                } else if delta.is_zero() {
                    theme.muted()
                } else {
                    theme.credit()
                };
                Row::new(vec![
                    Cell::from(format_time_short(e.ts)),
                    Cell::from(fit(ledger.type_name(e.kind), 18)),
                    Cell::from(
                        Text::from(fit_number(&delta.signed_string(), 13))
                            .alignment(Alignment::Right),
                    )
                    .style(delta_style),
                    Cell::from(
                        Text::from(fit_number(&p.balance.to_string(), 13))
                            .alignment(Alignment::Right),
                    )
                    .style(if p.balance.is_negative() {
                        theme.negative()
                    } else {
                        Style::default()
                    }),
                    Cell::from(
                        other
                            .map(|o| format!("↔ {}", fit(ledger.account_name(o), 24)))
                            .unwrap_or_default(),
                    ),
                    Cell::from(format!("line {}", e.line)).style(theme.muted()),
                ])
                .style(if Some(k) == self.scroll {
                    theme.selected()
                } else {
                    Style::default()
                })
            })
            .collect();
        let header = Row::new(vec![
            Cell::from("TIME"),
            Cell::from("TYPE"),
            Cell::from(Text::from("AMOUNT").alignment(Alignment::Right)),
            Cell::from(Text::from("BALANCE").alignment(Alignment::Right)),
            Cell::from("WITH"),
            Cell::from(""),
        ])
        .style(theme.header());
        Table::new(
            rows,
            [
                Constraint::Length(19),
                Constraint::Length(18),
                Constraint::Length(13),
                Constraint::Length(13),
                Constraint::Fill(1),
                Constraint::Length(12),
            ],
        )
        .header(header)
        .render(table_area, buf);
    }
}
