//! An account's statement up to the cursor, under a chart of its balance over time.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Cell, Row, Table, Widget};

use super::chart::BalanceChart;
use super::columns::{Column, allocate, middle, widest};
use super::events::description;
use super::fit;
use crate::ledger::AccountId;
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
        let shown: Vec<(usize, &crate::ledger::Posting)> = postings[..rows_total]
            .iter()
            .enumerate()
            .skip(start)
            .take(visible)
            .collect();
        // Times, amounts and balances whole; the line, the description and the type give way
        // first, the other account's id last and only in the middle.
        let texts: Vec<[String; 6]> = shown
            .iter()
            .map(|(_, p)| {
                let i = p.event as usize;
                let e = ledger.event(i);
                let other = if e.account == account {
                    ledger.transfer_to(e).filter(|o| *o != account)
                } else {
                    Some(e.account)
                };
                [
                    crate::tui::clock::short(e.ts),
                    visible_text(ledger.type_name(e.kind)),
                    ledger.delta(i, account).signed_string(),
                    p.balance.to_string(),
                    other
                        .map(|o| visible_text(ledger.account_name(o)))
                        .unwrap_or_default(),
                    description(ledger, i),
                ]
            })
            .collect();
        let natural = |k: usize, floor: usize| widest(texts.iter().map(|t| t[k].as_str()), floor);
        let line_width = shown
            .iter()
            .map(|(_, p)| {
                ledger
                    .place(ledger.event(p.event as usize).line)
                    .phrase()
                    .len()
            })
            .max()
            .unwrap_or(4);
        let mut columns = vec![
            Column::fixed(natural(0, 4)),
            Column::flexible(natural(1, 4), 6, 2, 1),
            Column::fixed(natural(2, 6)),
            Column::fixed(natural(3, 7)),
            Column::flexible(natural(4, 4) + 2, 8, 3, 1).droppable(),
            Column::flexible(line_width, line_width, 1, 0).droppable(),
        ];
        let has_description = texts.iter().any(|t| !t[5].is_empty());
        if has_description {
            columns.push(Column::flexible(natural(5, 11), 12, 0, 6).droppable());
        }
        let widths = allocate(table_area.width as usize, &columns, 1);
        let rows: Vec<Row> = shown
            .iter()
            .zip(&texts)
            .map(|((k, p), t)| {
                let i = p.event as usize;
                let e = ledger.event(i);
                let delta = ledger.delta(i, account);
                let delta_style = if delta.is_negative() {
                    theme.debit()
                } else if delta.is_zero() {
                    theme.muted()
                } else {
                    theme.credit()
                };
                let mut cells = vec![
                    Cell::from(t[0].clone()),
                    Cell::from(fit(&t[1], widths[1].unwrap_or(0))),
                    Cell::from(Text::from(t[2].clone()).alignment(Alignment::Right))
                        .style(delta_style),
                    Cell::from(Text::from(t[3].clone()).alignment(Alignment::Right)).style(
                        if p.balance.is_negative() {
                            theme.negative()
                        } else {
                            Style::default()
                        },
                    ),
                ];
                if let Some(w) = widths[4] {
                    cells.push(Cell::from(if t[4].is_empty() {
                        String::new()
                    } else {
                        format!("↔ {}", middle(&t[4], w.saturating_sub(2)))
                    }));
                }
                if widths[5].is_some() {
                    cells.push(Cell::from(ledger.place(e.line).phrase()).style(theme.muted()));
                }
                if let Some(w) = widths.get(6).copied().flatten() {
                    cells.push(Cell::from(fit(&t[5], w)).style(theme.muted()));
                }
                Row::new(cells).style(if Some(*k) == self.scroll {
                    theme.selected()
                } else {
                    Style::default()
                })
            })
            .collect();
        let mut header = vec![
            Cell::from("TIME"),
            Cell::from("TYPE"),
            Cell::from(Text::from("AMOUNT").alignment(Alignment::Right)),
            Cell::from(Text::from("BALANCE").alignment(Alignment::Right)),
        ];
        if widths[4].is_some() {
            header.push(Cell::from("WITH"));
        }
        if widths[5].is_some() {
            header.push(Cell::from(""));
        }
        if widths.get(6).copied().flatten().is_some() {
            header.push(Cell::from("DESCRIPTION"));
        }
        let header = Row::new(header).style(theme.header());
        let constraints: Vec<Constraint> = widths
            .iter()
            .flatten()
            .map(|&w| Constraint::Length(w as u16))
            .collect();
        Table::new(rows, constraints)
            .header(header)
            .render(table_area, buf);
    }
}

fn visible_text(text: &str) -> String {
    crate::text::visible(text).into_owned()
}
