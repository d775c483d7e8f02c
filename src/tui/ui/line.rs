//! A line of the log that did not become an event: its number, why it was refused, and its text
//! as it stands in the file (escaped).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use super::field_line;
use crate::ledger::Place;
use crate::text::group;
use crate::text::visible;
use crate::tui::theme::Theme;
use crate::tui::view::LineView;
use crate::tui::view::line::SHOWN_BYTES;

pub struct UnreadableLine<'a> {
    pub view: &'a LineView,
    pub theme: Theme,
}

impl Widget for UnreadableLine<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (view, theme) = (self.view, self.theme);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border_focused())
            .title(Line::from(vec![
                Span::styled(
                    match view.place {
                        Place::Line(n) => format!(" Line {n} "),
                        place => format!(" {} ", place.phrase()),
                    },
                    theme.title(),
                ),
                Span::styled(
                    "not an event: refused when the log was read ",
                    theme.muted(),
                ),
            ]));
        let mut lines = vec![field_line(
            "line",
            vec![Span::raw(view.place.to_string())],
            theme,
        )];
        for (kind, why) in &view.problems {
            lines.push(field_line(
                "refused",
                vec![
                    Span::styled(format!("! {kind} "), theme.warning()),
                    Span::raw(visible(why).into_owned()),
                ],
                theme,
            ));
        }
        lines.push(field_line(
            "length",
            vec![Span::raw(format!("{} bytes", group(view.bytes)))],
            theme,
        ));
        lines.push(Line::default());
        let title = if view.cut {
            format!(
                "Raw {} (its first {} bytes; escaped)",
                view.place.phrase(),
                group(SHOWN_BYTES)
            )
        } else {
            format!(
                "Raw {} (escaped: \\e, \\xNN and \\u{{…}} stand for what cannot be drawn)",
                view.place.phrase()
            )
        };
        lines.push(Line::from(Span::styled(title, theme.header())));
        match &view.text {
            Some(text) if text.is_empty() => {
                lines.push(Line::from(Span::styled("(empty line)", theme.muted())))
            }
            Some(text) => lines.push(Line::from(text.clone())),
            None => lines.push(Line::from(Span::styled(
                "the line cannot be read again (the file changed?)",
                theme.error(),
            ))),
        }
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((view.scroll.min(u16::MAX as usize) as u16, 0))
            .render(area, buf);
    }
}
