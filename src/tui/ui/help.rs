//! The help screen: every key of the keymap, grouped by where it applies. Generated from the
//! table the app itself uses.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use super::layout::centered;
use crate::tui::commands::COMMANDS;
use crate::tui::keymap::{BINDINGS, Context, keys_label};
use crate::tui::theme::Theme;

pub struct Help {
    pub theme: Theme,
    pub scroll: usize,
}

/// The help text, one line per binding under a title per context.
pub fn help_lines(theme: Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for context in Context::ALL {
        lines.push(Line::from(Span::styled(context.title(), theme.header())));
        for b in BINDINGS.iter().filter(|b| b.context == context) {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<18}", keys_label(b)), theme.key()),
                Span::raw(b.action.describe()),
            ]));
        }
        lines.push(Line::default());
    }
    lines.push(Line::from(Span::styled(
        "Commands (type : then one, Enter runs it)",
        theme.header(),
    )));
    for c in COMMANDS {
        let names: Vec<String> = c.names.iter().map(|n| format!(":{n}")).collect();
        lines.push(Line::from(vec![
            Span::styled(
                format!("  {:<18}", format!("{} {}", names.join("/"), c.takes)),
                theme.key(),
            ),
            Span::raw(c.describe),
        ]));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "While typing (a time, a search, a filter): Enter applies, Esc cancels, Backspace/Ctrl-u edit.",
        theme.muted(),
    )));
    lines.push(Line::from(Span::styled(
        "Mouse: the wheel scrolls a list, a click selects, a click on the timeline moves the cursor.",
        theme.muted(),
    )));
    lines
}

impl Widget for Help {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let popup = centered(area, 86, area.height.saturating_sub(2));
        Clear.render(popup, buf);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(self.theme.border_focused())
            .title(Span::styled(" Keys ", self.theme.title()))
            .title_bottom(Span::styled(
                " j/k scroll · Esc or ? close ",
                self.theme.muted(),
            ));
        Paragraph::new(help_lines(self.theme))
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((self.scroll.min(u16::MAX as usize) as u16, 0))
            .render(popup, buf);
    }
}
