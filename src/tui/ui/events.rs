//! The events pane: the events in time (or recorded) order; the cursor's row highlighted, the
//! future dimmed, search matches highlighted, problems flagged.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Cell, Row, Table, Widget};

use super::{fit, fit_number, group, pane_block, visible};
use crate::ledger::event::flags;
use crate::ledger::search::Query;
use crate::ledger::time::format_time_short;
use crate::ledger::{Ledger, Money};
use crate::tui::state::{Order, State};
use crate::tui::theme::Theme;
use crate::tui::view::{MainView, Pane};

pub struct Events<'a> {
    pub state: &'a State,
    pub main: &'a MainView,
    pub theme: Theme,
}

/// How an event's amount reads in a list: the change the ledger applied to the event's own
/// account (its delta, signed), or, for an event that moves no money there (a close, a type of no
/// effect, a transfer that names no `to`, a transfer to itself), the amount as written in
/// parentheses. The delta comes with it (zero when nothing moved), for the cell's colour.
pub fn amount_text(ledger: &Ledger, i: usize) -> (String, Money) {
    let e = ledger.event(i);
    if !e.has_amount() {
        return (String::new(), Money::ZERO);
    }
    let delta = ledger.delta(i, e.account);
    if delta.is_zero() {
        (format!("({})", e.amount), delta)
    } else {
        (delta.signed_string(), delta)
    }
}

/// A cell whose text has the search's matches highlighted.
fn highlighted(text: String, query: Option<&Query>, theme: Theme) -> Line<'static> {
    let Some(query) = query else {
        return Line::from(text);
    };
    let ranges = query.ranges(&text);
    if ranges.is_empty() {
        return Line::from(text);
    }
    let mut spans = Vec::new();
    let mut at = 0;
    for (start, end) in ranges {
        if start > at {
            spans.push(Span::raw(text[at..start].to_string()));
        }
        spans.push(Span::styled(
            text[start..end].to_string(),
            theme.highlight(),
        ));
        at = end;
    }
    if at < text.len() {
        spans.push(Span::raw(text[at..].to_string()));
    }
    Line::from(spans)
}

impl Widget for Events<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (state, theme) = (self.state, self.theme);
        let ledger = &state.ledger;
        let focused = self.main.focus == Pane::Events;
        let mut title = vec![
            Span::styled(" Events ", theme.title()),
            match state.order {
                Order::Time => Span::styled("in time order ", theme.muted()),
                Order::Recorded => Span::styled("in RECORDED order (seq) ", theme.warning()),
            },
        ];
        if let Some(filter) = &state.filter {
            let hidden = ledger.len() - state.listed();
            title.push(Span::styled(
                format!(
                    "· {} hidden by filter {} ",
                    group(hidden),
                    fit(&filter.text, (area.width as usize / 3).max(12))
                ),
                theme.warning(),
            ));
        }
        if let Some(search) = &state.search {
            title.push(Span::styled(
                format!(
                    "· /{} {} match{} ",
                    fit(&search.query, 24),
                    group(search.events.len()),
                    if search.events.len() == 1 { "" } else { "es" }
                ),
                theme.key(),
            ));
        }
        let block = pane_block(title, focused, theme);
        let inner = block.inner(area);
        block.render(area, buf);
        let rows_available = inner.height.saturating_sub(1) as usize;
        let wide = inner.width >= 96;
        let time_width: u16 = if wide { 19 } else { 14 };
        // Amount and balance columns as wide as the widest visible value (amounts of 28 digits
        // are shown whole, never cut from the left).
        let shown = (self.main.events_offset..state.listed()).take(rows_available);
        let (mut amount_width, mut balance_width) = (12usize, 12usize);
        for k in shown {
            let i = state.event_at(state.listed_pos(k));
            amount_width = amount_width.max(amount_text(ledger, i).0.chars().count());
            let e = ledger.event(i);
            if let Some(b) = state.balance_after(i, e.account) {
                balance_width = balance_width.max(b.to_string().len());
            }
        }
        // ...as long as the account and type columns keep room.
        let cap = (inner.width.saturating_sub(2 + time_width + 5 + 24) / 2).max(8) as usize;
        let (amount_width, balance_width) = (amount_width.min(cap), balance_width.min(cap));
        let flexible = inner
            .width
            .saturating_sub(2 + time_width + (amount_width + balance_width) as u16 + 5)
            as usize;
        let account_width = flexible * 3 / 5;
        let type_width = flexible - account_width;
        let query = state.search.as_ref().and_then(|s| Query::new(&s.query));
        let rows: Vec<Row> = (self.main.events_offset..state.listed())
            .take(rows_available)
            .map(|k| {
                let pos = state.listed_pos(k);
                let i = state.event_at(pos);
                let e = ledger.event(i);
                let at_cursor = state.cursor.pos == Some(pos);
                let future = state.is_future(pos);
                let problem = e.flags & flags::PROBLEM != 0;
                let gutter = match (at_cursor, problem, future) {
                    (true, _, _) => "▶",
                    (false, true, _) => "!",
                    (false, false, true) => "·",
                    _ => " ",
                };
                let time = format_time_short(e.ts);
                let time = if wide { time } else { time[5..].to_string() };
                let account = match ledger.transfer_to(e) {
                    // Each name shown on its own first: a mark that starts one must not join the
                    // space before it.
                    Some(to) => format!(
                        "{} → {}",
                        visible(ledger.account_name(e.account)),
                        visible(ledger.account_name(to))
                    ),
                    _ => ledger.account_name(e.account).to_string(),
                };
                let (amount, delta) = amount_text(ledger, i);
                let amount_style = if future {
                    Style::default()
                } else if delta.is_negative() {
                    theme.debit()
                } else if delta.is_positive() {
                    theme.credit()
                } else {
                    theme.muted()
                };
                let balance = state.balance_after(i, e.account);
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
                let matched = state.is_match(i);
                let q = if matched { query.as_ref() } else { None };
                Row::new(vec![
                    Cell::from(gutter).style(if problem && !at_cursor {
                        theme.warning()
                    } else {
                        Style::default()
                    }),
                    Cell::from(time).style(if matched {
                        theme.highlight()
                    } else {
                        Style::default()
                    }),
                    Cell::from(highlighted(fit(&account, account_width), q, theme)),
                    Cell::from(highlighted(
                        fit(ledger.type_name(e.kind), type_width),
                        q,
                        theme,
                    )),
                    Cell::from(
                        Text::from(highlighted(fit_number(&amount, amount_width), q, theme))
                            .alignment(Alignment::Right),
                    )
                    .style(amount_style),
                    Cell::from(
                        Text::from(
                            balance
                                .map(|b| fit_number(&b.to_string(), balance_width))
                                .unwrap_or_default(),
                        )
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
                Constraint::Length(amount_width as u16),
                Constraint::Length(balance_width as u16),
            ],
        )
        .header(header)
        .render(inner, buf);
        if state.listed() == 0 && inner.height > 1 {
            let message = if state.filter.is_some() {
                "no event passes the filter (F clears it)"
            } else {
                "the log has no events"
            };
            Line::from(Span::styled(message, theme.muted())).render(
                Rect {
                    y: inner.y + 1,
                    height: 1,
                    ..inner
                },
                buf,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::amount_text;
    use crate::ledger::{LoadOptions, load_bytes};

    #[test]
    fn amounts_read_as_the_change_the_ledger_applied() {
        let log = [
            r#"{"accountId":"a","type":"DEPOSIT","amount":"100","timestamp":1}"#,
            r#"{"accountId":"a","type":"WITHDRAW","amount":"30","timestamp":2}"#,
            r#"{"accountId":"a","type":"TRANSFER","amount":"20","to":"b","timestamp":3}"#,
            r#"{"accountId":"a","type":"TRANSFER","amount":"7","timestamp":4}"#,
            r#"{"accountId":"a","type":"TRANSFER","amount":"5","to":"a","timestamp":5}"#,
            r#"{"accountId":"a","type":"ACCOUNT_CLOSED","amount":"9","timestamp":6}"#,
            r#"{"accountId":"a","type":"MYSTERY","amount":"4","timestamp":7}"#,
            r#"{"accountId":"a","type":"DEPOSIT","amount":"-3","timestamp":8}"#,
            r#"{"accountId":"a","type":"WITHDRAW","timestamp":9}"#,
        ]
        .join("\n");
        let l = load_bytes("t", log.into_bytes(), &LoadOptions::default());
        let texts: Vec<String> = (0..l.len()).map(|i| amount_text(&l, i).0).collect();
        assert_eq!(
            texts,
            ["+100", "-30", "-20", "(7)", "(5)", "(9)", "(4)", "-3", ""],
            "a transfer without `to` and one to itself move nothing"
        );
        for i in 0..l.len() {
            assert_eq!(
                amount_text(&l, i).1,
                l.delta(i, l.event(i).account),
                "event {i}"
            );
        }
    }
}
