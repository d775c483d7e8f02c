//! A saved investigation: the cursor's moment, the order, the filter, the search, the marks, the
//! notes on events and the selected account, in a small JSON file (`:save [PATH]`; beside the
//! log by default) that `rewind LOG --investigation FILE` opens where it was left, so that a ticket
//! can carry it and a colleague lands there. It names the log's head digest when the log is an
//! intact sealed one: opened on a log whose head is another, it says so (and still opens).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::app::App;
use super::state::Order;
use crate::ledger::Moment;
use crate::ledger::files::{self, Replace};
use crate::ledger::time::{format_time, parse_time};

/// The largest investigation file read (a hostile one must not fill the memory).
const MAX_BYTES: u64 = 4 << 20;

/// A moment as written: `"end"`, `{"time": "…"}` or `{"seq": N}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SavedMoment {
    End,
    Time(String),
    Seq(u64),
}

impl SavedMoment {
    fn of(m: Moment) -> SavedMoment {
        match m {
            Moment::End => SavedMoment::End,
            Moment::Time(t) => SavedMoment::Time(format_time(t)),
            Moment::Seq(n) => SavedMoment::Seq(n),
        }
    }

    fn moment(&self) -> Result<Moment, String> {
        Ok(match self {
            SavedMoment::End => Moment::End,
            SavedMoment::Time(t) => Moment::Time(parse_time(t).map_err(|e| e.to_string())?),
            SavedMoment::Seq(n) => Moment::Seq(*n),
        })
    }
}

/// A note on an event: its line (what the line stands for, as shown) and the text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub line: u64,
    pub place: String,
    pub text: String,
}

/// What a saved investigation holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Investigation {
    /// The format's version: 1.
    pub rewind_investigation: u32,
    /// The log's name, as the explorer showed it.
    pub log: String,
    /// Its head digest (`SEQ:HASH`) when it was an intact sealed log.
    pub head: Option<String>,
    /// How many events it had.
    pub events: usize,
    pub moment: SavedMoment,
    /// `time` or `recorded`.
    pub order: String,
    pub filter: Option<String>,
    pub search: Option<String>,
    #[serde(default)]
    pub marks: BTreeMap<char, SavedMoment>,
    #[serde(default)]
    pub notes: Vec<Note>,
    pub account: Option<String>,
    /// The zone times were shown and typed in (the filter's times are read in it); `None`: UTC.
    #[serde(default)]
    pub zone: Option<String>,
}

impl Investigation {
    /// Reads a saved investigation; an error is one line naming the file.
    pub fn read(path: &Path) -> Result<Investigation, String> {
        let name = path.display();
        // Opened without blocking on a FIFO, refused unless a regular file, and read from the
        // one descriptor checked.
        let file = files::open_regular(path, std::fs::OpenOptions::new().read(true))
            .map_err(|e| format!("{name}: {e}"))?;
        let meta = file.metadata().map_err(|e| format!("{name}: {e}"))?;
        if meta.len() > MAX_BYTES {
            return Err(format!(
                "{name}: not an investigation (over {MAX_BYTES} bytes)"
            ));
        }
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::Read::take(file, MAX_BYTES + 1), &mut text)
            .map_err(|e| format!("{name}: {e}"))?;
        let inv: Investigation = serde_json::from_str(&text)
            .map_err(|e| format!("{name}:{}: not an investigation: {e}", e.line()))?;
        if inv.rewind_investigation != 1 {
            return Err(format!(
                "{name}: an investigation of version {}, this rewind reads version 1",
                inv.rewind_investigation
            ));
        }
        Ok(inv)
    }
}

impl App {
    /// What the explorer shows now, as an investigation.
    pub fn investigation(&self) -> Investigation {
        let state = &self.state;
        let ledger = &state.ledger;
        Investigation {
            rewind_investigation: 1,
            log: ledger.name().to_string(),
            head: self.evidence.head.clone(),
            events: ledger.len(),
            moment: SavedMoment::of(state.moment()),
            order: match state.order {
                Order::Time => "time".into(),
                Order::Recorded => "recorded".into(),
            },
            filter: state.filter.as_ref().map(|f| f.text.clone()),
            search: state.search.as_ref().map(|s| s.query.clone()),
            marks: state
                .marks
                .iter()
                .map(|(c, m)| (*c, SavedMoment::of(*m)))
                .collect(),
            notes: state
                .notes
                .iter()
                .map(|(line, text)| Note {
                    line: *line,
                    place: ledger.place(*line).to_string(),
                    text: text.clone(),
                })
                .collect(),
            account: ledger
                .accounts_sorted()
                .get(self.main.account_sel)
                .map(|&a| ledger.account_name(a).to_string()),
            zone: super::clock::shown_name(),
        }
    }

    /// Saves the investigation to `path` (replacing an earlier save there, never writing through
    /// a link planted under that name), with the log's permission bits at most.
    pub fn save_investigation(&self, path: &Path) -> Result<(), String> {
        // Only an earlier investigation is replaced: never the log (`:w LOG` by habit), never
        // another file.
        if std::fs::symlink_metadata(path).is_ok() && Investigation::read(path).is_err() {
            return Err(format!(
                "{}: already there and not an investigation; nothing was written (give another path)",
                path.display()
            ));
        }
        let text =
            serde_json::to_string_pretty(&self.investigation()).map_err(|e| e.to_string())?;
        let mode = files::ledger_mode(&self.state.ledger);
        files::write_whole(path, mode, Replace::Allowed, |f| {
            use std::io::Write;
            f.write_all(text.as_bytes())?;
            f.write_all(b"\n")
        })
        .map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Where `:save` writes without a path: beside the log, `LOG.investigation.json`.
    pub fn investigation_path(&self) -> PathBuf {
        let name = self.state.ledger.name();
        let base = Path::new(name)
            .file_name()
            .map_or_else(|| "rewind".into(), |n| n.to_string_lossy().into_owned());
        let safe: String = base
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || "._-".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let dir = Path::new(name)
            .parent()
            .filter(|d| !d.as_os_str().is_empty() && d.is_dir())
            .map_or_else(|| self.export_dir.clone(), Path::to_path_buf);
        dir.join(format!("{safe}.investigation.json"))
    }

    /// Opens where the investigation was left; says on the status line what differs.
    pub fn resume(&mut self, inv: &Investigation) -> Result<(), String> {
        let mut said = Vec::new();
        if inv.head.is_some() && inv.head != self.evidence.head {
            said.push(format!(
                "saved on head {}, the log's head is {} now",
                inv.head.as_deref().unwrap_or("—"),
                self.evidence
                    .head
                    .as_deref()
                    .unwrap_or("none (not an intact sealed log)")
            ));
        } else if inv.events != self.state.ledger.len() {
            said.push(format!(
                "saved with {} events, the log has {} now",
                inv.events,
                self.state.ledger.len()
            ));
        }
        // Everything read first: a file that holds a bad part changes nothing.
        let moment = inv.moment.moment()?;
        let mut marks = Vec::new();
        for (c, m) in &inv.marks {
            if !c.is_ascii_lowercase() {
                return Err(format!(
                    "a mark is a letter a-z, not `{}`",
                    c.escape_default()
                ));
            }
            marks.push((*c, m.moment()?));
        }
        // The zone first: the saved filter's times were typed in it.
        if inv.zone != super::clock::shown_name() {
            super::clock::show(inv.zone.as_deref())?;
            said.push(format!(
                "times in {}, as saved",
                inv.zone.as_deref().unwrap_or("UTC")
            ));
        }
        if inv.order == "recorded" && self.state.order == Order::Time {
            self.state.toggle_order();
        }
        self.state.go_to_moment(moment);
        self.state.marks.extend(marks);
        let mut moved = 0;
        for note in &inv.notes {
            // A note stays with its event: where the line now stands for another (a topic read
            // from elsewhere), it is left out and said.
            if self.state.ledger.place(note.line).to_string() == note.place {
                self.state.notes.insert(note.line, note.text.clone());
            } else {
                moved += 1;
            }
        }
        if moved > 0 {
            said.push(format!(
                "{moved} note(s) are on events this log no longer holds there"
            ));
        }
        if let Some(id) = &inv.account {
            self.select_account(id);
        }
        if let Some(text) = &inv.search {
            self.state.run_search(text);
        }
        if let Some(text) = &inv.filter {
            self.submit_filter(text);
            if self.state.filter.as_ref().map(|f| f.text.as_str()) != Some(text.trim()) {
                said.push(format!("its filter `{text}` could not be read"));
            }
        }
        self.keep_in_view();
        self.status = Some(if said.is_empty() {
            "investigation resumed: moment, order, filter, search, marks and notes".to_string()
        } else {
            format!("investigation resumed, but {}", said.join("; "))
        });
        Ok(())
    }
}
