//! The lines typed at the bottom: a time to jump to (`t`), a search (`/`), a filter (`f`); and the
//! one-letter prompts of marks and diffs. A prompt edits its text and says when it is submitted
//! or cancelled; the app acts on what was typed.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::tui::state::Search;

/// The longest line a prompt takes, in characters.
const MAX_INPUT: usize = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptKind {
    Jump,
    Search,
    Filter,
    /// Where an export is written (prefilled with the default path).
    Export,
    /// A condition for `w`.
    When,
    /// A `:` command.
    Command,
    /// `a` in the accounts or events pane: the accounts selection follows what is typed.
    FindAccount,
}

/// A line the user is typing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: String,
    pub error: Option<String>,
    /// For a search: the search before this one, restored when the prompt is cancelled.
    pub saved_search: Option<Search>,
    /// For a command: which line of the history is shown (`↑`/`↓`), counted from the newest.
    pub history_at: Option<usize>,
    /// For a find in the accounts pane: the selection and the focus before it, restored when it
    /// is cancelled.
    pub saved_sel: Option<usize>,
    pub saved_focus: Option<super::Pane>,
}

/// What a key did to a prompt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptEvent {
    /// Nothing the app needs to know.
    None,
    /// The text changed.
    Edited,
    /// Enter: act on the text.
    Submit,
    /// Esc or Ctrl-c: close without acting.
    Cancel,
    /// Tab: complete what is typed.
    Complete,
    /// `↑` / `↓`: an older / a newer line of the history.
    Older,
    Newer,
}

impl Prompt {
    /// A prompt with `input` already typed (the filter being edited).
    pub fn new(kind: PromptKind, input: String) -> Prompt {
        Prompt {
            kind,
            input,
            error: None,
            saved_search: None,
            history_at: None,
            saved_sel: None,
            saved_focus: None,
        }
    }

    pub fn handle_key(&mut self, event: KeyEvent) -> PromptEvent {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        match event.code {
            KeyCode::Esc => PromptEvent::Cancel,
            KeyCode::Char('c') if ctrl => PromptEvent::Cancel,
            KeyCode::Enter => PromptEvent::Submit,
            KeyCode::Tab => PromptEvent::Complete,
            KeyCode::Up => PromptEvent::Older,
            KeyCode::Down => PromptEvent::Newer,
            KeyCode::Char('u') if ctrl => {
                self.input.clear();
                self.error = None;
                PromptEvent::Edited
            }
            KeyCode::Backspace => {
                self.input.pop();
                self.error = None;
                PromptEvent::Edited
            }
            KeyCode::Char(c) if !ctrl && !c.is_control() => {
                if self.input.chars().count() < MAX_INPUT {
                    self.input.push(c);
                }
                self.error = None;
                PromptEvent::Edited
            }
            _ => PromptEvent::None,
        }
    }
}

/// A key that waits for a second one (a mark's letter).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pending {
    SetMark,
    JumpMark,
    DiffFrom,
    DiffTo(char),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(prompt: &mut Prompt, code: KeyCode, modifiers: KeyModifiers) -> PromptEvent {
        prompt.handle_key(KeyEvent::new(code, modifiers))
    }

    #[test]
    fn a_prompt_edits_its_line_and_says_when_to_act() {
        let none = KeyModifiers::NONE;
        let mut p = Prompt::new(PromptKind::Jump, String::new());
        p.error = Some("not a time".into());
        assert_eq!(key(&mut p, KeyCode::Char('a'), none), PromptEvent::Edited);
        assert_eq!(p.error, None, "typing clears the error");
        key(&mut p, KeyCode::Char('b'), none);
        assert_eq!(key(&mut p, KeyCode::Backspace, none), PromptEvent::Edited);
        assert_eq!(p.input, "a");
        assert_eq!(
            key(&mut p, KeyCode::Char('u'), KeyModifiers::CONTROL),
            PromptEvent::Edited
        );
        assert_eq!(p.input, "");
        assert_eq!(
            key(&mut p, KeyCode::Char('x'), KeyModifiers::CONTROL),
            PromptEvent::None
        );
        assert_eq!(p.input, "", "control keys are not typed");
        for _ in 0..MAX_INPUT + 5 {
            key(&mut p, KeyCode::Char('9'), none);
        }
        assert_eq!(p.input.chars().count(), MAX_INPUT);
        assert_eq!(key(&mut p, KeyCode::Enter, none), PromptEvent::Submit);
        assert_eq!(key(&mut p, KeyCode::Esc, none), PromptEvent::Cancel);
        assert_eq!(
            key(&mut p, KeyCode::Char('c'), KeyModifiers::CONTROL),
            PromptEvent::Cancel
        );
    }
}
