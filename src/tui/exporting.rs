//! `x`: what is on screen written to CSV and JSON files. The path is shown first, prefilled with
//! the default name in the export folder, and can be edited; nothing is written until Enter, and
//! a failure names the path it could not write.

use std::path::{Path, PathBuf};

use super::app::App;
use super::export::{
    events_stem, export_bundle, export_events_as, export_statement_as, statement_stem,
};
use super::view::{BlameView, CardView, DiffView, Pane, Prompt, PromptKind, StatementView, View};
use crate::ledger::{AccountId, Moment};

/// What an export writes, decided when `x` is pressed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExportJob {
    /// The events between two moments (a diff), labelled `a-b`.
    Events { events: Vec<u32>, label: String },
    /// An account's statement up to a moment.
    Statement { account: AccountId, moment: Moment },
}

impl App {
    /// Decides what `x` writes here and asks where, prefilled with the default path.
    pub(super) fn export(&mut self) {
        let state = &self.state;
        let job = match (&self.view, self.main.focus) {
            (View::Diff(DiffView { diff, .. }), _) => ExportJob::Events {
                events: diff.events.clone(),
                label: format!("{}-{}", diff.from.name, diff.to.name).replace('.', "cursor"),
            },
            (View::Statement(StatementView { account, .. }), _)
            | (View::Card(CardView { account, .. }), _)
            | (
                View::Blame(BlameView {
                    card: CardView { account, .. },
                    ..
                }),
                _,
            ) => ExportJob::Statement {
                account: *account,
                moment: state.moment(),
            },
            (View::Main, Pane::Problems) => {
                self.status =
                    Some("export: select an account, open a statement, or open a diff (d)".into());
                return;
            }
            (View::Main, Pane::Accounts)
            | (View::Main, Pane::Events)
            | (View::Detail(_), _)
            | (View::Line(_), _) => {
                let account = if self.main.focus == Pane::Accounts && self.view == View::Main {
                    self.main.selected_account(state)
                } else {
                    state.cursor_event().map(|i| state.ledger.event(i).account)
                };
                let Some(account) = account else {
                    self.status = Some("nothing to export here".into());
                    return;
                };
                ExportJob::Statement {
                    account,
                    moment: state.moment(),
                }
            }
        };
        let stem = match &job {
            ExportJob::Events { label, .. } => events_stem(label),
            ExportJob::Statement { account, moment } => {
                statement_stem(&state.ledger, *account, *moment)
            }
        };
        let path = self.export_dir.join(format!("{stem}.csv"));
        self.export_job = Some(job);
        self.prompt = Some(Prompt::new(
            PromptKind::Export,
            path.to_string_lossy().into_owned(),
        ));
    }

    /// Writes the export to the path typed (its JSON beside it, under the same name).
    pub(super) fn submit_export(&mut self, input: &str) {
        let typed = input.trim();
        if typed.is_empty() {
            self.prompt_error(
                "type a path to write the CSV file to (the JSON goes beside it)".into(),
            );
            return;
        }
        let Some(job) = self.export_job.clone() else {
            self.prompt = None;
            return;
        };
        let path = PathBuf::from(typed);
        let (dir, stem) = split_target(&path);
        let state = &self.state;
        let result = match &job {
            ExportJob::Events { events, label } => {
                export_events_as(&dir, &stem, &state.ledger, events, label)
            }
            ExportJob::Statement { account, moment } => {
                export_statement_as(&dir, &stem, &state.ledger, *account, *moment)
            }
        };
        let (csv, json) = match result {
            Ok(paths) => paths,
            Err(e) => {
                // The prompt stays open on the path, to be corrected.
                self.prompt_error(format!("cannot write {}: {e}", path.display()));
                return;
            }
        };
        self.prompt = None;
        self.export_job = None;
        let events: Vec<usize> = match &job {
            ExportJob::Events { events, .. } => events.iter().map(|&e| e as usize).collect(),
            ExportJob::Statement { account, .. } => state.statement_events(*account),
        };
        let bundle = match &self.evidence.checkpoint {
            None => String::new(),
            Some(cp) => match export_bundle(&json, &state.ledger, &events, cp) {
                Ok(Some((path, 0))) => format!(", and the bundle {}", path.display()),
                Ok(Some((path, later))) => format!(
                    ", and the bundle {} ({} after the checkpoint left out)",
                    path.display(),
                    crate::text::count(later, "event")
                ),
                Ok(None) => ", no bundle (no event in the checkpoint's tree)".into(),
                Err(e) => format!(", no bundle ({e})"),
            },
        };
        self.status = Some(format!(
            "wrote {} and {}{bundle}",
            csv.display(),
            json.display()
        ));
    }
}

/// The folder and the name (without `.csv`) of a typed path; a folder alone takes the default
/// name's place as `export`.
fn split_target(path: &Path) -> (PathBuf, String) {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".into());
    let stem = name
        .strip_suffix(".csv")
        .or_else(|| name.strip_suffix(".json"))
        .unwrap_or(&name)
        .to_string();
    (dir, stem)
}

#[cfg(test)]
mod tests {
    use super::split_target;
    use std::path::{Path, PathBuf};

    #[test]
    fn a_typed_path_names_the_folder_and_the_files() {
        assert_eq!(
            split_target(Path::new("/tmp/out/dana.csv")),
            (PathBuf::from("/tmp/out"), "dana".to_string())
        );
        assert_eq!(
            split_target(Path::new("dana")),
            (PathBuf::from("."), "dana".to_string())
        );
        assert_eq!(
            split_target(Path::new("x/dana.json")),
            (PathBuf::from("x"), "dana".to_string())
        );
    }
}
