//! The events pane: the events in time (or recorded) order; the cursor's row highlighted, the
//! future dimmed, search matches highlighted, problems flagged.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Cell, Row, Table, Widget};

use super::columns::{Column, allocate, middle, middle_pair, widest};
use super::{fit, pane_block};
use crate::ledger::event::flags;
use crate::ledger::record::members;
use crate::ledger::search::Query;
use crate::ledger::{Ledger, Money};
use crate::text::{group, visible};
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

/// What a row of the events pane says, before it is fitted to the columns.
struct RowText {
    event: usize,
    /// The account (and the other side of a transfer) as one text, for its natural width.
    account_plain: String,
    amount: String,
    delta: Money,
    balance: String,
    balance_value: Option<Money>,
    description: String,
}

impl RowText {
    fn of(state: &State, i: usize) -> RowText {
        let ledger = &state.ledger;
        let e = ledger.event(i);
        let account_plain = match ledger.transfer_to(e) {
            Some(to) => format!(
                "{} → {}",
                visible(ledger.account_name(e.account)),
                visible(ledger.account_name(to))
            ),
            None => visible(ledger.account_name(e.account)).into_owned(),
        };
        let (amount, delta) = amount_text(ledger, i);
        let balance_value = state.balance_after(i, e.account);
        RowText {
            event: i,
            account_plain,
            amount,
            delta,
            balance: balance_value.map(|b| b.to_string()).unwrap_or_default(),
            balance_value,
            description: description(ledger, i),
        }
    }
}

/// The `meta` members an event's description shows first.
const DESCRIBING: [&str; 8] = [
    "note",
    "description",
    "memo",
    "merchant",
    "payee",
    "reference",
    "source",
    "atm",
];

/// An event's `meta` in a few words: its values, the describing ones first (`note`, `merchant`,
/// `payee`…), joined by ` · `. Empty when the event has no `meta`.
pub fn description(ledger: &Ledger, i: usize) -> String {
    let raw = ledger.raw_text(i);
    let Ok(members) = members(&raw) else {
        return String::new();
    };
    let Some((_, meta)) = members.iter().find(|(k, _)| k == "meta") else {
        return String::new();
    };
    let value: serde_json::Value = match serde_json::from_str(meta) {
        Ok(v) => v,
        Err(_) => return meta.clone(),
    };
    let serde_json::Value::Object(map) = value else {
        return match value {
            serde_json::Value::String(s) => s,
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        };
    };
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort_by_key(|k| {
        DESCRIBING
            .iter()
            .position(|d| d == k)
            .unwrap_or(DESCRIBING.len())
    });
    keys.iter()
        .filter_map(|k| match &map[k.as_str()] {
            serde_json::Value::String(s) if s.is_empty() => None,
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Null => None,
            other => Some(other.to_string()),
        })
        .collect::<Vec<_>>()
        .join(" · ")
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
                    "· {} hidden by filter {} {} ",
                    group(hidden),
                    fit(&filter.text, (area.width as usize / 3).max(12)),
                    state
                        .filter_totals
                        .as_ref()
                        .map(|t| t.net_text())
                        .unwrap_or_default()
                ),
                theme.warning(),
            ));
        }
        if let Some(search) = &state.search {
            title.push(Span::styled(
                format!(
                    "· /{} {} match{} {} ",
                    fit(&search.query, 24),
                    group(search.events.len()),
                    if search.events.len() == 1 { "" } else { "es" },
                    search.totals.net_text()
                ),
                theme.key(),
            ));
        }
        let block = pane_block(title, focused, theme);
        let inner = block.inner(area);
        block.render(area, buf);
        let rows_available = inner.height.saturating_sub(1) as usize;
        let wide = inner.width >= 96;
        let time_width: usize = if wide { 19 } else { 14 };
        // Every column as wide as its widest visible value; amounts, balances and times are
        // never cut, and ids only in the middle when nothing else can give way.
        let shown: Vec<usize> = (self.main.events_offset..state.listed())
            .take(rows_available)
            .map(|k| state.event_at(state.listed_pos(k)))
            .collect();
        let texts: Vec<RowText> = shown.iter().map(|&i| RowText::of(state, i)).collect();
        // Milliseconds where a neighbour shares the second with another millisecond, so that
        // the order within a second shows; the column widens for them only when one does.
        let times: Vec<i64> = shown.iter().map(|&i| ledger.event(i).ts).collect();
        let with_ms: Vec<bool> = (0..times.len())
            .map(|n| {
                let close = |m: usize| {
                    times[m].div_euclid(1000) == times[n].div_euclid(1000) && times[m] != times[n]
                };
                (n > 0 && close(n - 1)) || (n + 1 < times.len() && close(n + 1))
            })
            .collect();
        let any_ms = with_ms.iter().any(|&b| b);
        let time_width = time_width + if any_ms { 4 } else { 0 };
        let amount_width = widest(texts.iter().map(|t| t.amount.as_str()), 6);
        let balance_width = widest(texts.iter().map(|t| t.balance.as_str()), 7);
        let account_width = widest(texts.iter().map(|t| t.account_plain.as_str()), 7);
        let type_width = widest(
            texts
                .iter()
                .map(|t| ledger.type_name(ledger.event(t.event).kind)),
            4,
        );
        let description_width = widest(texts.iter().map(|t| t.description.as_str()), 0);
        let mut columns = vec![
            Column::fixed(2),
            Column::fixed(time_width),
            Column::flexible(account_width, 6, 2, 1),
            Column::flexible(type_width, 6, 1, 1),
            Column::fixed(amount_width),
            Column::fixed(balance_width),
        ];
        if description_width > 0 {
            columns.push(Column::flexible(description_width.max(11), 12, 0, 6).droppable());
        }
        let widths = allocate(inner.width as usize, &columns, 1);
        let width_of = |k: usize| widths.get(k).copied().flatten();
        let (account_width, type_width) = (width_of(2).unwrap_or(0), width_of(3).unwrap_or(0));
        let description_width = width_of(6);
        let query = state.search.as_ref().and_then(|s| Query::new(&s.query));
        let rows: Vec<Row> = texts
            .iter()
            .enumerate()
            .map(|(n, text)| {
                let pos = state.listed_pos(self.main.events_offset + n);
                let i = text.event;
                let e = ledger.event(i);
                let at_cursor = state.cursor.pos == Some(pos);
                let future = state.is_future(pos);
                let problem = e.flags & flags::PROBLEM != 0;
                // The cursor's mark beside, never instead of, the problem's.
                let gutter = match (at_cursor, problem, future) {
                    (true, true, _) => "▶!",
                    (true, false, _) => "▶ ",
                    (false, true, _) => " !",
                    (false, false, true) => " ·",
                    _ => "  ",
                };
                let time = crate::tui::clock::short(e.ts);
                let mut time = if wide { time } else { time[5..].to_string() };
                if with_ms[n] {
                    time.push_str(&format!(".{:03}", e.ts.rem_euclid(1000)));
                }
                // Each name shown on its own first: a mark that starts one must not join the
                // space before it.
                let account = match ledger.transfer_to(e) {
                    Some(to) => middle_pair(
                        ledger.account_name(e.account),
                        ledger.account_name(to),
                        account_width,
                    ),
                    _ => middle(ledger.account_name(e.account), account_width),
                };
                let delta = text.delta;
                let amount_style = if future {
                    Style::default()
                } else if delta.is_negative() {
                    theme.debit()
                } else if delta.is_positive() {
                    theme.credit()
                } else {
                    theme.muted()
                };
                let balance = text.balance_value;
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
                let mut cells = vec![
                    Cell::from(gutter).style(if problem {
                        theme.warning()
                    } else {
                        Style::default()
                    }),
                    Cell::from(time).style(if matched {
                        theme.highlight()
                    } else {
                        Style::default()
                    }),
                    Cell::from(highlighted(account, q, theme)),
                    Cell::from(highlighted(
                        fit(ledger.type_name(e.kind), type_width),
                        q,
                        theme,
                    )),
                    Cell::from(
                        Text::from(highlighted(text.amount.clone(), q, theme))
                            .alignment(Alignment::Right),
                    )
                    .style(amount_style),
                    Cell::from(Text::from(text.balance.clone()).alignment(Alignment::Right))
                        .style(balance_style),
                ];
                if let Some(w) = description_width {
                    cells.push(
                        Cell::from(highlighted(fit(&text.description, w), q, theme)).style(
                            if future {
                                Style::default()
                            } else {
                                theme.muted()
                            },
                        ),
                    );
                }
                Row::new(cells).style(row_style)
            })
            .collect();
        let mut header = vec![
            Cell::from(""),
            Cell::from("TIME"),
            Cell::from("ACCOUNT"),
            Cell::from("TYPE"),
            Cell::from(Text::from("AMOUNT").alignment(Alignment::Right)),
            Cell::from(Text::from("BALANCE").alignment(Alignment::Right)),
        ];
        if description_width.is_some() {
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
