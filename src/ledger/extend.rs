//! Records that arrive after the load (a growing file, new database rows): they are read as the
//! first ones were, then only the new events are indexed when they simply continue the log, and
//! everything is indexed again otherwise.

use super::book::{AccountIndex, Depth, Ledger, Posting, Running};
use super::event::{NO_ACCOUNT, delta_for, flags};
use super::load::RecordSpan;
use super::money::Money;
use super::problem::Problem;
use super::raw::RawSource;
use super::recorded::NO_SEQ;

impl Ledger {
    /// Adds lines a file gained after it was loaded (`bytes` starts at `offset` in the file and
    /// ends with a newline), then brings every index up to date.
    pub fn extend_lines(&mut self, bytes: &[u8], offset: u64) {
        self.extend_lines_how(bytes, offset);
    }

    /// [`Ledger::extend_lines`], saying how the indexes were brought up to date.
    pub(crate) fn extend_lines_how(&mut self, bytes: &[u8], offset: u64) -> Reindexed {
        let before = Before::of(self);
        self.records.add_lines(bytes, offset);
        self.source_len = offset + bytes.len() as u64;
        self.bring_up_to_date(before)
    }

    /// Adds records that arrived after the load from a source held in memory (new database rows):
    /// their text is appended to the raw text, and every index is brought up to date.
    pub fn extend_records(&mut self, bytes: &[u8], records: &[RecordSpan]) {
        let RawSource::Memory(raw) = &mut self.raw else {
            panic!("extend_records is for sources held in memory");
        };
        let base = raw.len();
        raw.extend_from_slice(bytes);
        let before = Before::of(self);
        self.records.add_records(bytes, base as u64, records, None);
        self.source_len = base as u64 + bytes.len() as u64;
        self.bring_up_to_date(before);
    }

    /// Brings the indexes up to date with the records added since `before`: only the new events
    /// are indexed when they simply continue the log, and everything is indexed again otherwise.
    fn bring_up_to_date(&mut self, before: Before) -> Reindexed {
        if self.depth == Depth::Full && self.continues(&before) {
            self.index_new(&before);
            Reindexed::New
        } else {
            self.reindex();
            Reindexed::All
        }
    }

    /// Whether the records added since `before` leave everything derived from the earlier ones as
    /// it was: no new event goes back before the latest time so far or comes before another in
    /// `seq`, every new line comes after every earlier one, and there are not so many new events
    /// that indexing everything again costs about the same.
    fn continues(&self, before: &Before) -> bool {
        let events = &self.records.events;
        let new = &events[before.events..];
        let latest = self.last_time().unwrap_or(i64::MIN);
        let in_time = new.first().is_none_or(|e| e.ts >= latest)
            && new.windows(2).all(|w| w[0].ts <= w[1].ts);
        let lines_after = new.iter().all(|e| e.line > before.lines)
            && self.records.problems[before.problems..]
                .iter()
                .all(|p| p.line > before.lines);
        let seqs = &self.records.seqs;
        // Events with and without a seq side by side go by seq and by position, which may meet:
        // such a log is indexed again whole.
        let in_seq = seqs.is_empty()
            || (!seqs.contains(&NO_SEQ) && {
                let mut previous = seqs[..before.events].iter().max().copied();
                seqs[before.events..].iter().all(|&s| {
                    let ok = previous.is_none_or(|p| s > p);
                    previous = Some(s);
                    ok
                })
            });
        let few = new.len() <= (before.events / 4).max(4096);
        in_time && lines_after && in_seq && few && events.len() < u32::MAX as usize
    }

    /// Indexes the events added since `before`, which continue the log (see [`Ledger::continues`]):
    /// their problems, their place at the end of the time order and their postings. Gives exactly
    /// what [`Ledger::reindex`] gives.
    fn index_new(&mut self, before: &Before) {
        let n = self.records.events.len();
        let first = before.events;
        self.integrity = self
            .records
            .integrity(self.problems.iter().chain(&self.records.problems));
        for t in self.effects.len()..self.records.types.len() {
            let effect = self.types_map.effect(self.records.types.get(t as u32));
            self.effects.push(effect);
        }
        // Problems of the new lines and events, in the order a full pass finds them.
        let mut problems = self.records.problems.split_off(before.problems);
        for i in first..n {
            let previous = i.checked_sub(1).map(|p| &self.records.events[p]);
            self.facts_of(i, &self.records.events[i], previous, &mut problems);
        }
        problems.extend(self.new_duplicate_ids(first));
        if self.records.accounts.len() > before.accounts
            || self.sorted_accounts.len() < self.records.accounts.len()
        {
            problems.extend(self.lookalike_accounts(Some(first)));
        }
        self.time_order.extend(first as u32..n as u32);
        self.time_rank.extend(first as u32..n as u32);
        problems.extend(self.near_duplicates(&self.time_order, first));
        self.account_index
            .resize_with(self.records.accounts.len(), AccountIndex::default);
        let mut index = std::mem::take(&mut self.account_index);
        for i in first as u32..n as u32 {
            for account in self.touched(&self.records.events[i as usize]) {
                if account == NO_ACCOUNT {
                    continue;
                }
                let account_index = &mut index[account as usize];
                let mut running = Running {
                    balance: account_index.time.last().map_or(Money::ZERO, |p| p.balance),
                    events: account_index.time.len() as u32,
                    closed: account_index.status_changes.last().is_some_and(|c| c.1),
                    last_event: account_index.time.last().map(|p| p.event),
                };
                self.post(
                    i,
                    account,
                    &mut running,
                    Some(&mut *account_index),
                    &mut |p| problems.push(p),
                );
                // An account with late events keeps its recorded order too: the new event is last
                // in both orders.
                if let Some(recorded) = account_index.recorded.as_mut() {
                    let mut balance = recorded.last().map_or(Money::ZERO, |p| p.balance);
                    let e = &self.records.events[i as usize];
                    if let Some(d) = delta_for(e, self.event_effect(e), account)
                        && let Some(next) = balance.checked_add(d)
                    {
                        balance = next;
                    }
                    recorded.push(Posting { event: i, balance });
                }
            }
        }
        self.account_index = index;
        for p in &problems {
            if let Some(i) = p.event() {
                self.records.events[i as usize].flags |= flags::PROBLEM;
            }
        }
        problems.sort_by_key(Problem::order);
        self.problems.extend(problems);
        // New names, or a name left out so far that an event may now touch.
        if self.records.accounts.len() > before.accounts
            || self.sorted_accounts.len() < self.records.accounts.len()
        {
            self.sorted_accounts = self.sort_accounts();
            self.drop_untouched_accounts();
        }
        super::state::add_check_problems(self, first);
    }
}

/// How the indexes were brought up to date after records were added.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reindexed {
    /// Only the new events were indexed.
    New,
    /// Everything was indexed again.
    All,
}

/// How much there was before records were added.
struct Before {
    events: usize,
    problems: usize,
    accounts: usize,
    /// The last line read (every earlier event and problem is on it or before).
    lines: u64,
}

impl Before {
    fn of(ledger: &Ledger) -> Before {
        Before {
            events: ledger.records.events.len(),
            problems: ledger.records.problems.len(),
            accounts: ledger.records.accounts.len(),
            lines: ledger.records.lines,
        }
    }
}
