//! Moving the cursor by name: the `:` command line (a line, a seq, an account, a time, with Tab
//! completion and a history) and the jump list that remembers where each jump left from.

use super::app::App;
use super::commands::{self, Command};
use super::jumps::Place;
use super::view::{Pane, PromptEvent};

/// The most commands the history keeps.
const HISTORY: usize = 100;

impl App {
    /// Where the cursor is, as the jump list keeps it.
    fn place(&self) -> Place {
        Place {
            time: self.state.cursor.time,
            event: self.state.cursor_event(),
        }
    }

    fn go_to_place(&mut self, place: Place) {
        let state = &mut self.state;
        match (state.order, place.event) {
            (crate::tui::state::Order::Recorded, Some(i)) => state.set_pos(state.pos_of(i)),
            _ => state.jump_to_time(place.time),
        }
        self.status = Some(format!("back at {}", crate::tui::clock::full(place.time)));
    }

    /// A jump is about to move the cursor: remember where it was.
    pub(super) fn record_jump(&mut self) {
        let here = self.place();
        self.jumps.record(here);
    }

    pub(super) fn jump_back(&mut self) {
        let here = self.place();
        match self.jumps.back(here) {
            Some(place) => self.go_to_place(place),
            None => self.status = Some("no jump before this one".into()),
        }
    }

    pub(super) fn jump_forward(&mut self) {
        match self.jumps.forward() {
            Some(place) => self.go_to_place(place),
            None => self.status = Some("no jump after this one".into()),
        }
    }

    /// `''`: to where the last jump left from, and back again.
    pub(super) fn jump_toggle(&mut self) {
        let here = self.place();
        match self.jumps.toggle(here) {
            Some(place) => self.go_to_place(place),
            None => self.status = Some("no jump yet".into()),
        }
    }

    /// Tab and `↑`/`↓` in the command line.
    pub(super) fn command_key(&mut self, what: PromptEvent) {
        let history = &self.command_history;
        let ledger = &self.state.ledger;
        let paths = self
            .state
            .cursor_event()
            .map(|i| super::narrow::value_paths(&ledger.raw_text(i)))
            .unwrap_or_default();
        let Some(prompt) = self.prompt.as_mut() else {
            return;
        };
        match what {
            PromptEvent::Complete => match commands::complete(&prompt.input, ledger, &paths) {
                Some(done) => prompt.input = done,
                None => prompt.error = Some("nothing to complete".into()),
            },
            PromptEvent::Older if !history.is_empty() => {
                let at = prompt
                    .history_at
                    .map_or(0, |k| (k + 1).min(history.len() - 1));
                prompt.history_at = Some(at);
                prompt.input = history[history.len() - 1 - at].clone();
            }
            PromptEvent::Newer => match prompt.history_at {
                Some(0) | None => {
                    prompt.history_at = None;
                    prompt.input.clear();
                }
                Some(k) => {
                    prompt.history_at = Some(k - 1);
                    prompt.input = history[history.len() - k].clone();
                }
            },
            _ => {}
        }
    }

    /// Runs a `:` command; a wrong one keeps the line open with the reason.
    pub(super) fn submit_command(&mut self, input: &str) {
        if input.trim().is_empty() {
            self.prompt = None;
            return;
        }
        let command = match commands::parse(input) {
            Ok(c) => c,
            Err(e) => return self.prompt_error(e),
        };
        let result = self.run_command(command);
        match result {
            Ok(said) => {
                self.prompt = None;
                let line = input.trim().to_string();
                self.command_history.retain(|h| *h != line);
                self.command_history.push(line);
                if self.command_history.len() > HISTORY {
                    self.command_history.remove(0);
                }
                self.status = Some(said);
            }
            Err(e) => self.prompt_error(e),
        }
    }

    fn run_command(&mut self, command: Command) -> Result<String, String> {
        let ledger = &self.state.ledger;
        match command {
            Command::Message(partition, offset) => {
                let place = crate::ledger::MessagePlace { partition, offset };
                let line = ledger
                    .line_of(place)
                    .ok_or_else(|| format!("no message {partition}:{offset} in the view"))?;
                self.run_command(Command::Line(line))
                    .map(|_| format!("message {partition}:{offset}"))
            }
            Command::Line(n) => {
                if let Some(i) = self.state.event_on_line(n) {
                    self.record_jump();
                    let pos = self.state.pos_of(i);
                    self.state.set_pos(pos);
                    return Ok(format!("line {n}"));
                }
                // A line that is not an event: its problem.
                match ledger.problems().iter().position(|p| p.line == n) {
                    Some(k) => {
                        self.main.problem_sel = k;
                        self.record_jump();
                        self.state
                            .jump_to_problem(k)
                            .ok_or_else(|| format!("no line {n}"))
                    }
                    None => Err(format!("no event on line {n}")),
                }
            }
            Command::Copy(path) => self.copy_value(path.as_deref()),
            Command::Note(text) => {
                let i = self
                    .state
                    .cursor_event()
                    .ok_or_else(|| "no event at the cursor".to_string())?;
                let line = self.state.ledger.event(i).line;
                let place = self.state.ledger.place(line).phrase();
                if text.is_empty() {
                    self.state.notes.remove(&line);
                    Ok(format!("note on {place} removed"))
                } else {
                    self.state.notes.insert(line, text);
                    Ok(format!("note on {place} kept (`:save` saves it)"))
                }
            }
            Command::Save(path) => {
                let path = path
                    .map(std::path::PathBuf::from)
                    .unwrap_or_else(|| self.investigation_path());
                self.save_investigation(&path)?;
                Ok(format!(
                    "investigation saved to {} (open it with: rewind LOG --investigation FILE)",
                    path.display()
                ))
            }
            Command::Columns(fields) => {
                let said = if fields.is_empty() {
                    "the accounts pane shows no state fields".to_string()
                } else {
                    format!("the accounts pane shows {}", fields.join(", "))
                };
                self.state.account_columns = fields;
                Ok(said)
            }
            Command::Seq(n) => {
                let i = (0..ledger.len())
                    .find(|&i| ledger.seq_of(i) == n)
                    .ok_or_else(|| format!("no event of seq {n}"))?;
                self.record_jump();
                let pos = self.state.pos_of(i);
                self.state.set_pos(pos);
                Ok(format!("seq {n}"))
            }
            Command::Account(id) => {
                let sorted = ledger.accounts_sorted();
                let k = sorted
                    .iter()
                    .position(|&a| ledger.account_name(a) == id)
                    .or_else(|| {
                        let like: Vec<usize> = (0..sorted.len())
                            .filter(|&k| ledger.account_name(sorted[k]).contains(id.as_str()))
                            .collect();
                        (like.len() == 1).then(|| like[0])
                    })
                    .ok_or_else(|| format!("no account `{id}` (Tab completes ids)"))?;
                let account = sorted[k];
                let name = ledger.account_name(account).to_string();
                self.main.account_sel = k;
                self.main.focus = Pane::Accounts;
                // Its last event as of the cursor.
                let (postings, shown) = self.state.statement_rows(account);
                if let Some(p) = shown.checked_sub(1).map(|k| postings[k]) {
                    self.record_jump();
                    let pos = self.state.pos_of(p.event as usize);
                    self.state.set_pos(pos);
                }
                Ok(format!("account {}", crate::text::visible(&name)))
            }
            Command::Time(text) => {
                crate::tui::clock::take_note();
                let t = crate::tui::clock::parse(&text, self.state.cursor.time)?;
                self.record_jump();
                self.state.jump_to_time(t);
                Ok(crate::tui::clock::jumped_to(t))
            }
        }
    }
}
