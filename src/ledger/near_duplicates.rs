//! Near-duplicates: the same account, type and amount (and `to`, and the same value of every key
//! the mapping file names) again within a short window, under a new id — the usual signature of a
//! retried request recorded twice, which no repeated id gives away. Both events must carry an id:
//! in a log without ids, a repeated record is as likely a second real event.
//!
//! One pass over the events in time order keeps, for each (account, type, amount, `to`) seen
//! within the window, its latest event; an event that finds one is a `possible-duplicate` of the
//! first event of that run. What is kept is only what the window holds, so a log without
//! repeats costs a hash per event.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::book::Ledger;
use super::problem::{Problem, ProblemKind, Reason};
use super::time::Millis;

/// How near-duplicates are looked for: the `[duplicates]` table of the type mapping file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Duplicates {
    /// How far apart (in milliseconds) two events may be and still be one repeated: an event
    /// exactly `window` after the other counts. 0 turns the search off.
    pub window: Millis,
    /// Members that must hold the same value too: `meta.KEY` for a key of `meta`, any other name
    /// for a member of the record.
    pub keys: Vec<String>,
}

/// Two minutes: a request retried after a timeout is recorded well within it.
pub const DEFAULT_WINDOW: Millis = 2 * 60 * 1000;

impl Default for Duplicates {
    fn default() -> Self {
        Duplicates {
            window: DEFAULT_WINDOW,
            keys: Vec::new(),
        }
    }
}

/// Reads a window: a whole number and a unit, `ms`, `s`, `m` or `h` (`90s`, `2m`); `0` is off.
pub fn parse_window(text: &str) -> Result<Millis, String> {
    let t = text.trim();
    if t == "0" {
        return Ok(0);
    }
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits);
    let scale = match unit {
        "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => 0,
    };
    match number
        .parse::<i64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
    {
        Some(ms) if scale > 0 && !number.is_empty() => Ok(ms),
        _ => Err(format!(
            "`{text}` is not a window (a whole number with ms, s, m or h: `90s`, `2m`)"
        )),
    }
}

impl Duplicates {
    /// Takes the `[duplicates]` table out of a mapping file (`window = "2m"`, `keys = [...]`);
    /// errors carry the 1-based line of the file `text`.
    pub(crate) fn from_toml(
        text: &str,
        table: &mut toml::Table,
    ) -> Result<Duplicates, (usize, String)> {
        let mut out = Duplicates::default();
        let Some(value) = table.remove("duplicates") else {
            return Ok(out);
        };
        let line = text
            .lines()
            .position(|l| l.trim() == "[duplicates]")
            .map_or(1, |i| i + 1);
        let bad = |message: String| (line, message);
        let toml::Value::Table(t) = value else {
            return Err(bad("`duplicates` must be a table: [duplicates]".into()));
        };
        for (key, value) in t {
            match key.as_str() {
                "window" => {
                    let w = value
                        .as_str()
                        .ok_or_else(|| bad("`window` must be a string such as \"2m\"".into()))?;
                    out.window = parse_window(w).map_err(bad)?;
                }
                "keys" => {
                    let list = value
                        .as_array()
                        .ok_or_else(|| bad("`keys` must be an array of member names".into()))?;
                    out.keys = list
                        .iter()
                        .map(|k| match k.as_str() {
                            Some(k) if !k.trim().is_empty() => Ok(k.trim().to_string()),
                            _ => Err(bad(
                                "`keys` must hold member names such as \"meta.merchant\"".into(),
                            )),
                        })
                        .collect::<Result<_, _>>()?;
                }
                other => {
                    return Err(bad(format!(
                        "unknown key `{other}` in [duplicates] (use window and keys)"
                    )));
                }
            }
        }
        Ok(out)
    }
}

/// A hasher for keys that are hashes already.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// The latest event of a run of repeats within the window, and the first of the run.
#[derive(Clone, Copy)]
struct Run {
    latest: u32,
    first: u32,
}

impl Ledger {
    /// `possible-duplicate` problems of the events at `order[start..]` (event indexes in time
    /// order); events before `start` are looked back at, and those with an index below `report`
    /// are not reported (they were, when they were new).
    pub(super) fn near_duplicates(&self, order: &[u32], report: usize) -> Vec<Problem> {
        let rules = self.types_map.duplicates();
        let mut problems = Vec::new();
        let window = rules.window;
        if window <= 0 || order.len() < 2 {
            return problems;
        }
        let events = &self.records.events;
        // The events earlier than the window before the first to report can repeat nothing.
        let first_ts = order
            .iter()
            .find(|&&i| i as usize >= report)
            .map(|&i| events[i as usize].ts);
        let Some(first_ts) = first_ts else {
            return problems;
        };
        let start =
            order.partition_point(|&i| events[i as usize].ts < first_ts.saturating_sub(window));
        let order = &order[start..];
        let key = |i: u32| {
            let e = &events[i as usize];
            let amount = e.amount.as_decimal().normalize().serialize();
            let mut h = xxhash_rust::xxh3::Xxh3::new();
            h.update(&e.account.to_le_bytes());
            h.update(&e.to.to_le_bytes());
            h.update(&e.kind.to_le_bytes());
            h.update(&amount);
            h.digest()
        };
        let mut runs: HashMap<u64, Run, BuildHasherDefault<Prehashed>> = HashMap::default();
        // The key of each event in the window, in time order (`None`: it moves no amount).
        let mut keys: std::collections::VecDeque<(u32, Option<u64>)> = Default::default();
        for &i in order {
            let e = &events[i as usize];
            // Out of the window: what only it kept goes.
            while let Some(&(old, h)) = keys.front()
                && events[old as usize].ts < e.ts.saturating_sub(window)
            {
                if let Some(h) = h
                    && runs.get(&h).is_some_and(|r| r.latest == old)
                {
                    runs.remove(&h);
                }
                keys.pop_front();
            }
            if !self.counts(i) {
                keys.push_back((i, None));
                continue;
            }
            let h = key(i);
            keys.push_back((i, Some(h)));
            let run = match runs.get(&h) {
                Some(&run) if self.repeats(run.latest, i) => Run {
                    latest: i,
                    first: run.first,
                },
                _ => Run {
                    latest: i,
                    first: i,
                },
            };
            if run.first != i && i as usize >= report {
                problems.push(Problem::on_event(
                    e.line,
                    e.offset,
                    i,
                    ProblemKind::PossibleDuplicate,
                    Reason::NearDuplicate {
                        original: run.first.to_le_bytes(),
                    },
                ));
            }
            runs.insert(h, run);
        }
        problems
    }

    /// Whether event `i` can repeat or be repeated: it moves an amount, and says it once.
    fn counts(&self, i: u32) -> bool {
        let e = &self.records.events[i as usize];
        e.has_amount() && !e.is_ambiguous()
    }

    /// Whether event `b` repeats event `a` (recorded earlier in time order, within the window):
    /// the same account, `to`, type and amount, both with an id and not the same one (that is a
    /// `duplicate-id`), and the same value of every key the mapping file names.
    fn repeats(&self, a: u32, b: u32) -> bool {
        let (ea, eb) = (
            &self.records.events[a as usize],
            &self.records.events[b as usize],
        );
        if ea.account != eb.account
            || ea.to != eb.to
            || ea.kind != eb.kind
            || ea.amount != eb.amount
        {
            return false;
        }
        // Both carry an id, and not the same one: a log without ids gives no sign of a retry
        // (a repeated record there is as likely a second real event).
        let (ha, hb) = (
            self.records.id_hashes[a as usize],
            self.records.id_hashes[b as usize],
        );
        if ha == 0
            || hb == 0
            || (ha == hb && self.event_id(a as usize) == self.event_id(b as usize))
        {
            return false;
        }
        let keys = &self.types_map.duplicates().keys;
        keys.is_empty() || {
            let (va, vb) = (self.record_value(a), self.record_value(b));
            keys.iter().all(|k| member(&va, k) == member(&vb, k))
        }
    }

    /// The record of event `i` as JSON (`Null` when it cannot be read again).
    fn record_value(&self, i: u32) -> serde_json::Value {
        self.raw(i as usize)
            .ok()
            .and_then(|raw| serde_json::from_slice(&raw).ok())
            .unwrap_or(serde_json::Value::Null)
    }
}

/// The value of `key` in a record: `meta.KEY` is a key of its `meta`, any other name a member.
/// A key absent from both is equal (both lack it).
fn member<'a>(record: &'a serde_json::Value, key: &str) -> Option<&'a serde_json::Value> {
    match key.strip_prefix("meta.") {
        Some(k) => record.get("meta").and_then(|m| m.get(k)),
        None => record.get(key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn withdrawals(from: i64, times: &[i64]) -> String {
        times
            .iter()
            .enumerate()
            .map(|(k, t)| {
                format!(
                    "{{\"eventId\":\"e{}\",\"accountId\":\"a\",\"type\":\"WITHDRAW\",\
                     \"amount\":\"5\",\"timestamp\":{}}}\n",
                    from + k as i64,
                    1_710_000_000_000 + t
                )
            })
            .collect()
    }

    #[test]
    fn a_repeat_that_arrives_while_following_is_found_as_a_full_load_finds_it() {
        use crate::ledger::extend::Reindexed;
        use crate::ledger::{LoadOptions, load_bytes};
        // The first repeat is in the first part; the second repeats across the parts; the last
        // one is past the window of every other.
        let first = withdrawals(0, &[0, 1000, 500_000]);
        let more = withdrawals(3, &[560_000, 2_000_000]);
        let options = LoadOptions::default();
        let mut ledger = load_bytes("t.jsonl", first.clone().into_bytes(), &options);
        let how = ledger.extend_lines_how(more.as_bytes(), first.len() as u64);
        assert_eq!(how, Reindexed::New);
        let whole = load_bytes("t.jsonl", format!("{first}{more}").into_bytes(), &options);
        let lines = |l: &Ledger| -> Vec<u64> {
            l.problems()
                .iter()
                .filter(|p| p.kind == ProblemKind::PossibleDuplicate)
                .map(|p| p.line)
                .collect()
        };
        assert_eq!(lines(&whole), [2, 4]);
        assert_eq!(ledger.problems(), whole.problems());
    }

    #[test]
    fn a_problem_stays_a_few_tens_of_bytes() {
        assert!(std::mem::size_of::<Problem>() <= 40);
    }

    #[test]
    fn windows_are_a_number_and_a_unit() {
        assert_eq!(parse_window("2m"), Ok(120_000));
        assert_eq!(parse_window("90s"), Ok(90_000));
        assert_eq!(parse_window("1500ms"), Ok(1500));
        assert_eq!(parse_window("1h"), Ok(3_600_000));
        assert_eq!(parse_window("0"), Ok(0));
        assert_eq!(parse_window("0s"), Ok(0));
        for bad in [
            "",
            "m",
            "2",
            "2 m",
            "-2m",
            "1.5m",
            "2d",
            "99999999999999999h",
        ] {
            assert!(parse_window(bad).is_err(), "{bad:?}");
        }
    }
}
