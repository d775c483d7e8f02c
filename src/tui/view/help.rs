//! The help screen over everything: it scrolls, and closes on the keys that opened it.

use crossterm::event::{KeyCode, KeyEvent};

/// The help screen's state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HelpView {
    /// Lines scrolled off the top.
    pub scroll: usize,
}

impl HelpView {
    /// Handles a key while the help is shown; `true` when it closes the help.
    pub fn handle_key(&mut self, event: KeyEvent) -> bool {
        match event.code {
            KeyCode::Down | KeyCode::Char('j') => self.scroll += 1,
            KeyCode::Up | KeyCode::Char('k') => self.scroll = self.scroll.saturating_sub(1),
            KeyCode::PageDown => self.scroll += 10,
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(10),
            KeyCode::Esc | KeyCode::Char('?' | 'q') | KeyCode::Enter | KeyCode::F(1) => {
                return true;
            }
            _ => {}
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers;

    fn press(help: &mut HelpView, code: KeyCode) -> bool {
        help.handle_key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn help_scrolls_and_closes() {
        let mut help = HelpView::default();
        assert!(!press(&mut help, KeyCode::Char('k')));
        assert_eq!(help.scroll, 0, "never above the top");
        press(&mut help, KeyCode::PageDown);
        press(&mut help, KeyCode::Char('j'));
        assert_eq!(help.scroll, 11);
        press(&mut help, KeyCode::PageUp);
        assert_eq!(help.scroll, 1);
        assert!(!press(&mut help, KeyCode::Char('x')));
        for close in [
            KeyCode::Esc,
            KeyCode::Char('?'),
            KeyCode::Char('q'),
            KeyCode::F(1),
        ] {
            assert!(press(&mut help, close), "{close:?}");
        }
    }
}
