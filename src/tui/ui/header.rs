//! Two lines on top: what is open, and where the cursor is.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::fit;
use crate::ledger::Integrity;
use crate::text::group;
use crate::text::visible;
use crate::tui::app::{App, Follow};
use crate::tui::state::Order;
use crate::tui::theme::Theme;

pub struct Header<'a> {
    pub app: &'a App,
    pub theme: Theme,
}

impl Widget for Header<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (app, theme) = (self.app, self.theme);
        let state = &app.state;
        let ledger = &state.ledger;
        let width = area.width as usize;
        // The parts of the first line, each with how early it gives way when the line is too
        // narrow: the path first, then the head digest, the counts, following; the integrity
        // and the problem count never.
        let mut parts: Vec<(u8, Vec<Span<'static>>)> = Vec::new();
        parts.push((3, vec![Span::raw(plural(ledger.len(), "event"))]));
        parts.push((
            2,
            vec![Span::raw(plural(ledger.accounts_sorted().len(), "account"))],
        ));
        parts.push((
            u8::MAX,
            vec![match ledger.integrity() {
                Integrity::Sealed => Span::styled("✓ sealed, chain verified", theme.ok()),
                Integrity::Unsealed => {
                    Span::styled("unsealed: history not tamper-evident", theme.warning())
                }
                Integrity::Broken { line } => {
                    Span::styled(format!("✗ chain BROKEN at line {line}"), theme.error())
                }
            }],
        ));
        // A finding about the history goes first: it is the news.
        if let Some((note, bad)) = &app.evidence.note {
            parts.push((
                u8::MAX,
                vec![if *bad {
                    Span::styled(
                        format!(" {note} "),
                        theme.error().add_modifier(Modifier::REVERSED),
                    )
                } else {
                    Span::styled(note.clone(), theme.ok())
                }],
            ));
        }
        if let Some(head) = &app.evidence.head {
            let short: String = head
                .chars()
                .take(head.find(':').map_or(0, |c| c + 9))
                .collect();
            parts.push((
                1,
                vec![Span::styled(format!("head {short}"), theme.muted())],
            ));
        }
        match &app.follow {
            Follow::Off => {}
            Follow::On { added } => parts.push((
                4,
                vec![Span::styled(
                    if *added == 0 {
                        "following".to_string()
                    } else {
                        format!("following: +{} new", group(*added))
                    },
                    theme.ok(),
                )],
            )),
            Follow::Stopped { .. } => parts.push((
                u8::MAX,
                vec![Span::styled(
                    " ✗ LOG CHANGED ON DISK: view frozen ",
                    theme.error().add_modifier(Modifier::REVERSED),
                )],
            )),
        }
        let problems = ledger.problems().len();
        parts.push((
            u8::MAX,
            vec![if problems == 0 {
                Span::styled("no problems", theme.muted())
            } else {
                Span::styled(
                    format!(
                        "⚠ {} problem{}",
                        group(problems),
                        if problems == 1 { "" } else { "s" }
                    ),
                    theme.warning(),
                )
            }],
        ));
        let span_width = |spans: &[Span]| spans.iter().map(|s| s.width()).sum::<usize>();
        let parts_width =
            |parts: &[(u8, Vec<Span>)]| parts.iter().map(|(_, s)| span_width(s) + 3).sum::<usize>();
        let title = " rewind ";
        // What the path may have: the rest, or nothing below a few columns.
        while title.len() + parts_width(&parts) > width {
            let Some(k) = (0..parts.len())
                .filter(|&k| parts[k].0 < u8::MAX)
                .min_by_key(|&k| parts[k].0)
            else {
                break;
            };
            if title.len() + parts_width(&parts) > width {
                parts.remove(k);
            }
        }
        let room = width.saturating_sub(title.len() + parts_width(&parts));
        let mut first = vec![Span::styled(title, theme.title())];
        let name = fit(ledger.name(), room.min(width / 3));
        if room >= 8 {
            first.push(Span::raw(name));
        }
        for (n, (_, spans)) in parts.into_iter().enumerate() {
            if n > 0 || room >= 8 {
                first.push(Span::styled(" · ", theme.muted()));
            }
            first.extend(spans);
        }

        let cursor = state.cursor;
        let mut second = vec![Span::styled(" as of ", theme.muted())];
        if state.order == Order::Recorded {
            second = vec![Span::styled(" RECORDED ORDER · as of ", theme.warning())];
        }
        if ledger.is_empty() {
            second.push(Span::raw("— (the log has no events)"));
        } else {
            match state.order {
                Order::Time => {
                    second.push(Span::styled(
                        crate::tui::clock::full(cursor.time),
                        theme.header(),
                    ));
                    if let Some(zone) = crate::tui::clock::zone_label(cursor.time) {
                        second.push(Span::styled(format!(" {zone}"), theme.warning()));
                    }
                    second.push(Span::styled(" · ", theme.muted()));
                    if let Some(pos) = cursor.pos {
                        second.push(Span::raw(format!(
                            "event {} of {}",
                            group(pos + 1),
                            group(ledger.len())
                        )));
                    }
                }
                Order::Recorded => {
                    second.push(Span::styled(
                        format!(
                            "seq {} of {}",
                            group(cursor.pos.map_or(0, |p| p + 1)),
                            group(ledger.len())
                        ),
                        theme.header(),
                    ));
                    second.push(Span::styled(" · ", theme.muted()));
                    second.push(Span::raw(crate::tui::clock::full(cursor.time)));
                }
            }
            match state.cursor_event() {
                Some(i) => {
                    let e = ledger.event(i);
                    second.push(Span::styled(" · ", theme.muted()));
                    // Each name shown on its own first: a mark that starts one must not join the
                    // space before it.
                    let summary = format!(
                        "{} {} {}",
                        visible(ledger.type_name(e.kind)),
                        visible(ledger.account_name(e.account)),
                        ledger.place(e.line).phrase()
                    );
                    second.push(Span::raw(fit(&summary, width / 2)));
                }
                None => {
                    if state.order == Order::Recorded {
                        second.push(Span::styled(" · ", theme.muted()));
                    }
                    second.push(Span::styled("before the first event", theme.muted()));
                }
            }
        }
        Line::from(first).render(Rect { height: 1, ..area }, buf);
        if area.height > 1 {
            Line::from(second).render(
                Rect {
                    y: area.y + 1,
                    height: 1,
                    ..area
                },
                buf,
            );
        }
    }
}

/// `1 event`, `1,234 events`.
fn plural(n: usize, word: &str) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("{} {word}{s}", group(n))
}
