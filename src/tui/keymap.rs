//! Keys as data: one table maps keys to actions in each context. The help screen and the hint line
//! are generated from this same table, so they cannot drift from what the keys do.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;

/// Where a binding applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// Everywhere (except while typing in a prompt).
    Global,
    /// The main screen with the accounts list focused.
    Accounts,
    /// The main screen with the events list focused.
    Events,
    /// The details of one event.
    Detail,
    /// An account's statement.
    Statement,
    /// The problems pane.
    Problems,
    /// What changed between two moments.
    Diff,
    /// An account's state card.
    Card,
    /// The blame of one field.
    Blame,
}

impl Context {
    pub const ALL: [Context; 9] = [
        Context::Global,
        Context::Events,
        Context::Accounts,
        Context::Problems,
        Context::Detail,
        Context::Statement,
        Context::Diff,
        Context::Card,
        Context::Blame,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::Accounts => "Accounts pane",
            Context::Events => "Events pane",
            Context::Detail => "Event details",
            Context::Statement => "Account statement",
            Context::Problems => "Problems pane",
            Context::Diff => "Diff between two moments",
            Context::Card => "Account state card",
            Context::Blame => "Blame of a field",
        }
    }
}

/// A key with its modifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

const fn key(code: KeyCode) -> Key {
    Key {
        code,
        modifiers: KeyModifiers::NONE,
    }
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        modifiers: KeyModifiers::CONTROL,
    }
}

const fn ch(c: char) -> Key {
    key(KeyCode::Char(c))
}

impl Key {
    /// How the key is written in help: `←`, `Ctrl-d`, `PgUp`, `g`.
    pub fn label(self) -> String {
        let base = match self.code {
            KeyCode::Left => "←".to_string(),
            KeyCode::Right => "→".to_string(),
            KeyCode::Up => "↑".to_string(),
            KeyCode::Down => "↓".to_string(),
            KeyCode::Home => "Home".to_string(),
            KeyCode::End => "End".to_string(),
            KeyCode::PageUp => "PgUp".to_string(),
            KeyCode::PageDown => "PgDn".to_string(),
            KeyCode::Enter => "Enter".to_string(),
            KeyCode::Esc => "Esc".to_string(),
            KeyCode::Tab => "Tab".to_string(),
            KeyCode::BackTab => "Shift-Tab".to_string(),
            KeyCode::Backspace => "Backspace".to_string(),
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            format!("Ctrl-{base}")
        } else {
            base
        }
    }

    fn matches(self, event: &KeyEvent) -> bool {
        if self.code != event.code {
            return false;
        }
        // Shifted characters arrive with SHIFT set by some terminals: the character says it all.
        let relevant = event.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        match event.code {
            KeyCode::Char(_) => relevant == self.modifiers,
            _ => (event.modifiers & !KeyModifiers::SHIFT) == self.modifiers,
        }
    }
}

/// One line of the table: keys, what they do, where, and whether the hint line shows them.
pub struct Binding {
    pub keys: &'static [Key],
    pub action: Action,
    pub context: Context,
    pub hint: bool,
}

const fn bind(context: Context, keys: &'static [Key], action: Action, hint: bool) -> Binding {
    Binding {
        keys,
        action,
        context,
        hint,
    }
}

use Action as A;
use Context as C;

/// The explorer's keys. Context bindings are looked up before global ones.
#[rustfmt::skip]
pub static BINDINGS: &[Binding] = &[
    // Moving in time works in every view.
    // (The hint line shows the hinted keys in this order, as many as fit.)
    bind(C::Global, &[key(KeyCode::Left), ch('h')], A::StepBack, true),
    bind(C::Global, &[key(KeyCode::Right), ch('l')], A::StepForward, true),
    bind(C::Global, &[ch('t')], A::JumpPrompt, true),
    bind(C::Global, &[ch('[')], A::HourBack, true),
    bind(C::Global, &[ch(']')], A::HourForward, true),
    bind(C::Global, &[ch('{')], A::DayBack, true),
    bind(C::Global, &[ch('}')], A::DayForward, true),
    bind(C::Global, &[ch('H'), ctrl('b')], A::PageBack, false),
    bind(C::Global, &[ch('L'), ctrl('f')], A::PageForward, false),
    bind(C::Global, &[key(KeyCode::Home), ch('g')], A::First, true),
    bind(C::Global, &[key(KeyCode::End), ch('G')], A::Last, true),
    // Investigating.
    bind(C::Global, &[ch('/')], A::Search, true),
    bind(C::Global, &[ch('n')], A::NextMatch, false),
    bind(C::Global, &[ch('N')], A::PrevMatch, false),
    bind(C::Global, &[ch('e')], A::NextProblem, true),
    bind(C::Global, &[ch('E')], A::PrevProblem, true),
    bind(C::Global, &[ch('f')], A::Filter, true),
    bind(C::Global, &[ch('F')], A::ClearFilter, false),
    bind(C::Global, &[ch('&')], A::SearchToFilter, false),
    bind(C::Global, &[ch('*')], A::Pivot, false),
    bind(C::Global, &[ch('o')], A::ToggleOrder, false),
    bind(C::Global, &[ch('m')], A::SetMark, true),
    bind(C::Global, &[ch('\'')], A::JumpMark, false),
    bind(C::Global, &[ch('d')], A::Diff, true),
    bind(C::Global, &[ch('x')], A::Export, false),
    bind(C::Global, &[ch('y')], A::CopyDigest, false),
    bind(C::Global, &[ch('w')], A::When, false),
    bind(C::Global, &[ch('=')], A::Totals, false),
    bind(C::Global, &[ch(':')], A::Command, true),
    bind(C::Global, &[ctrl('o')], A::JumpBack, false),
    bind(C::Global, &[ctrl('i'), ctrl('n')], A::JumpForward, false),
    bind(C::Global, &[ch('(')], A::MinuteBack, false),
    bind(C::Global, &[ch(')')], A::MinuteForward, false),
    bind(C::Global, &[ch('u')], A::ToggleZone, false),
    bind(C::Global, &[ch('R')], A::Reload, false),
    bind(C::Global, &[ch('z')], A::ZoomIn, false),
    bind(C::Global, &[ch('Z')], A::ZoomOut, false),
    bind(C::Global, &[ch('?'), key(KeyCode::F(1))], A::Help, true),
    bind(C::Global, &[key(KeyCode::Esc)], A::Back, false),
    bind(C::Global, &[ch('q'), ctrl('c')], A::Quit, true),
    // The events list: moving in it moves the time cursor.
    bind(C::Events, &[key(KeyCode::Up), ch('k')], A::StepBack, true),
    bind(C::Events, &[key(KeyCode::Down), ch('j')], A::StepForward, true),
    bind(C::Events, &[key(KeyCode::PageUp), ctrl('u')], A::PageBack, false),
    bind(C::Events, &[key(KeyCode::PageDown), ctrl('d')], A::PageForward, false),
    bind(C::Events, &[key(KeyCode::Enter)], A::Open, true),
    bind(C::Events, &[key(KeyCode::Tab)], A::NextPane, true),
    bind(C::Events, &[key(KeyCode::BackTab)], A::PrevPane, false),
    bind(C::Events, &[ch('a')], A::FindAccount, false),
    // The accounts list.
    bind(C::Accounts, &[key(KeyCode::Up), ch('k')], A::Up, true),
    bind(C::Accounts, &[key(KeyCode::Down), ch('j')], A::Down, true),
    bind(C::Accounts, &[key(KeyCode::PageUp), ctrl('u')], A::ListPageUp, false),
    bind(C::Accounts, &[key(KeyCode::PageDown), ctrl('d')], A::ListPageDown, false),
    bind(C::Accounts, &[key(KeyCode::Enter)], A::Open, true),
    bind(C::Accounts, &[key(KeyCode::Tab)], A::NextPane, true),
    bind(C::Accounts, &[key(KeyCode::BackTab)], A::PrevPane, false),
    bind(C::Accounts, &[ch('a')], A::FindAccount, true),
    // The problems list.
    bind(C::Problems, &[key(KeyCode::Up), ch('k')], A::Up, true),
    bind(C::Problems, &[key(KeyCode::Down), ch('j')], A::Down, true),
    bind(C::Problems, &[key(KeyCode::PageUp), ctrl('u')], A::ListPageUp, false),
    bind(C::Problems, &[key(KeyCode::PageDown), ctrl('d')], A::ListPageDown, false),
    bind(C::Problems, &[key(KeyCode::Enter)], A::Open, true),
    bind(C::Problems, &[key(KeyCode::Tab)], A::NextPane, true),
    bind(C::Problems, &[key(KeyCode::BackTab)], A::PrevPane, false),
    // Event details.
    bind(C::Detail, &[key(KeyCode::Up), ch('k')], A::Up, true),
    bind(C::Detail, &[key(KeyCode::Down), ch('j')], A::Down, true),
    bind(C::Detail, &[key(KeyCode::PageUp), ctrl('u')], A::ListPageUp, false),
    bind(C::Detail, &[key(KeyCode::PageDown), ctrl('d')], A::ListPageDown, false),
    bind(C::Detail, &[key(KeyCode::Esc), key(KeyCode::Enter)], A::Back, true),
    bind(C::Detail, &[ch('y')], A::CopyRecord, true),
    bind(C::Detail, &[ch('Y')], A::CopyValue, true),
    // Account statement.
    bind(C::Statement, &[key(KeyCode::Up), ch('k')], A::Up, true),
    bind(C::Statement, &[key(KeyCode::Down), ch('j')], A::Down, true),
    bind(C::Statement, &[key(KeyCode::PageUp), ctrl('u')], A::ListPageUp, false),
    bind(C::Statement, &[key(KeyCode::PageDown), ctrl('d')], A::ListPageDown, false),
    bind(C::Statement, &[key(KeyCode::Esc), key(KeyCode::Enter)], A::Back, true),
    bind(C::Statement, &[ch('x')], A::Export, true),
    // What changed between two moments.
    bind(C::Diff, &[key(KeyCode::Up), ch('k')], A::Up, true),
    bind(C::Diff, &[key(KeyCode::Down), ch('j')], A::Down, true),
    bind(C::Diff, &[key(KeyCode::PageUp), ctrl('u')], A::ListPageUp, false),
    bind(C::Diff, &[key(KeyCode::PageDown), ctrl('d')], A::ListPageDown, false),
    bind(C::Diff, &[key(KeyCode::Esc), key(KeyCode::Enter)], A::Back, true),
    bind(C::Diff, &[ch('x')], A::Export, true),
    // An account's state card: its fields as of the cursor.
    bind(C::Card, &[key(KeyCode::Up), ch('k')], A::Up, true),
    bind(C::Card, &[key(KeyCode::Down), ch('j')], A::Down, true),
    bind(C::Card, &[key(KeyCode::PageUp), ctrl('u')], A::ListPageUp, false),
    bind(C::Card, &[key(KeyCode::PageDown), ctrl('d')], A::ListPageDown, false),
    bind(C::Card, &[key(KeyCode::Enter), ch('b')], A::Blame, true),
    bind(C::Card, &[ch('s')], A::OpenStatement, true),
    bind(C::Card, &[ch('x')], A::Export, false),
    // The blame of one field: every change, each a jump.
    bind(C::Blame, &[key(KeyCode::Up), ch('k')], A::Up, true),
    bind(C::Blame, &[key(KeyCode::Down), ch('j')], A::Down, true),
    bind(C::Blame, &[key(KeyCode::PageUp), ctrl('u')], A::ListPageUp, false),
    bind(C::Blame, &[key(KeyCode::PageDown), ctrl('d')], A::ListPageDown, false),
    bind(C::Blame, &[key(KeyCode::Enter)], A::Open, true),
    bind(C::Blame, &[key(KeyCode::Esc)], A::Back, true),
];

/// The action a key asks for in a context, if any.
pub fn action_for(context: Context, event: &KeyEvent) -> Option<Action> {
    let find = |ctx: Context| {
        BINDINGS
            .iter()
            .filter(|b| b.context == ctx)
            .find(|b| b.keys.iter().any(|k| k.matches(event)))
            .map(|b| b.action)
    };
    find(context).or_else(|| find(Context::Global))
}

/// `←/h` for a binding.
pub fn keys_label(binding: &Binding) -> String {
    binding
        .keys
        .iter()
        .map(|k| k.label())
        .collect::<Vec<_>>()
        .join("/")
}

/// The hint line for a context: its own hinted bindings, then the global ones, paired where two
/// actions share a hint (`[/] hour`). A hint the context already gives is not repeated.
pub fn hints(context: Context) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = Vec::new();
    let own = BINDINGS.iter().filter(|b| b.hint && b.context == context);
    let global = BINDINGS
        .iter()
        .filter(|b| b.hint && b.context == Context::Global);
    let mut from_context = 0;
    for b in own.chain(global) {
        let label = b.keys[0].label();
        let hint = b.action.hint();
        if let Some(last) = out.last_mut()
            && last.1 == hint
        {
            last.0 = format!("{}/{label}", last.0);
            continue;
        }
        if b.context == Context::Global
            && let Some(same) = out[..from_context].iter_mut().find(|(_, h)| *h == hint)
        {
            same.0 = format!("{}/{label}", same.0);
            continue;
        }
        out.push((label, hint));
        if b.context != Context::Global {
            from_context = out.len();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn the_spec_minimum_keys_are_bound() {
        let cases = [
            (Context::Events, press(KeyCode::Left), Action::StepBack),
            (Context::Events, press(KeyCode::Char('h')), Action::StepBack),
            (
                Context::Accounts,
                press(KeyCode::Right),
                Action::StepForward,
            ),
            (
                Context::Accounts,
                press(KeyCode::Char('l')),
                Action::StepForward,
            ),
            (Context::Events, press(KeyCode::Home), Action::First),
            (Context::Events, press(KeyCode::Char('g')), Action::First),
            (Context::Events, press(KeyCode::End), Action::Last),
            (Context::Events, press(KeyCode::Char('G')), Action::Last),
            (
                Context::Events,
                press(KeyCode::Char('t')),
                Action::JumpPrompt,
            ),
            (Context::Accounts, press(KeyCode::Tab), Action::NextPane),
            (Context::Accounts, press(KeyCode::Down), Action::Down),
            (Context::Events, press(KeyCode::Down), Action::StepForward),
            (Context::Accounts, press(KeyCode::Char('k')), Action::Up),
            (Context::Accounts, press(KeyCode::Enter), Action::Open),
            (Context::Detail, press(KeyCode::Esc), Action::Back),
            (Context::Statement, press(KeyCode::Char('?')), Action::Help),
            (Context::Statement, press(KeyCode::Char('q')), Action::Quit),
        ];
        for (ctx, ev, action) in cases {
            assert_eq!(action_for(ctx, &ev), Some(action), "{ctx:?} {ev:?}");
        }
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(action_for(Context::Events, &ctrl_c), Some(Action::Quit));
        // Shift arrives with capitals on some terminals.
        let shift_g = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(action_for(Context::Events, &shift_g), Some(Action::Last));
        assert_eq!(
            action_for(Context::Events, &press(KeyCode::Char('Q'))),
            None
        );
    }

    #[test]
    fn no_key_is_bound_twice_in_one_context() {
        for ctx in Context::ALL {
            let keys: Vec<Key> = BINDINGS
                .iter()
                .filter(|b| b.context == ctx)
                .flat_map(|b| b.keys.iter().copied())
                .collect();
            for (i, k) in keys.iter().enumerate() {
                assert!(
                    !keys[i + 1..].contains(k),
                    "{ctx:?}: {} bound twice",
                    k.label()
                );
            }
        }
    }

    #[test]
    fn hints_pair_related_keys() {
        let h = hints(Context::Events);
        assert!(h.contains(&("[/]".to_string(), "hour")), "{h:?}");
        assert!(h.contains(&("Enter".to_string(), "open")), "{h:?}");
        assert_eq!(
            h.iter().filter(|(_, what)| *what == "step").count(),
            1,
            "{h:?}"
        );
    }
}
