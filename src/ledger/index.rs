//! The loaded log: events in recorded order, interned names, problems, and the indexes that make
//! any moment a search instead of a replay.

use std::fs::File;
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::event::{AccountId, Effect, LedgerEvent, NO_ACCOUNT, TypeId, TypeMap, delta_for, flags};
use super::load::{NO_SEQ, RecordSpan, Records};
use super::money::Money;
use super::problem::{Problem, ProblemKind};
use super::record::{Fields, parse_record};
use super::time::format_time;

/// A table of strings stored once (account ids, type names); events hold indexes into it.
#[derive(Clone, Debug, Default)]
pub struct Names {
    ids: FxHashMap<Arc<str>, u32>,
    names: Vec<Arc<str>>,
}

impl Names {
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        let name: Arc<str> = Arc::from(name);
        self.names.push(name.clone());
        self.ids.insert(name, id);
        id
    }

    pub fn get(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    pub fn find(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }
}

/// Where the raw text of the records is, to show a record whole.
#[derive(Debug)]
pub enum RawSource {
    /// Text held in memory (the bundled sample, rows read from a database).
    Memory(Vec<u8>),
    /// A log file, read back at an event's offset (the file is never written).
    File(File),
}

impl RawSource {
    /// The bytes at `offset..offset + len`.
    pub fn read(&self, offset: u64, len: u32) -> std::io::Result<Vec<u8>> {
        match self {
            RawSource::Memory(bytes) => {
                let start = usize::try_from(offset).unwrap_or(usize::MAX);
                bytes
                    .get(start..start.saturating_add(len as usize))
                    .map(<[u8]>::to_vec)
                    .ok_or_else(|| std::io::Error::other("record out of range"))
            }
            RawSource::File(file) => {
                let mut buf = vec![0u8; len as usize];
                read_exact_at(file, &mut buf, offset)?;
                Ok(buf)
            }
        }
    }
}

#[cfg(unix)]
pub(crate) fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(not(unix))]
pub(crate) fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = file.try_clone()?;
    f.seek(SeekFrom::Start(offset))?;
    f.read_exact(buf)
}

/// Whether the history is tamper-evident.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Integrity {
    /// No hashes: everything works, but an edit would go unnoticed.
    Unsealed,
    /// Every record chains to the one before.
    Sealed,
    /// The chain breaks first at this line.
    Broken { line: u64 },
}

/// One entry of an account's history: the event and the balance right after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Posting {
    pub event: u32,
    pub balance: Money,
}

/// The history of one account.
#[derive(Clone, Debug, Default)]
pub struct AccountIndex {
    /// Every event touching the account in time order, with the running balance.
    pub(crate) time: Vec<Posting>,
    /// The same in recorded order, with balances replayed in that order; only for accounts whose
    /// events were recorded out of time order (otherwise `time` serves both).
    pub(crate) recorded: Option<Vec<Posting>>,
    /// Positions in `time` where the account was closed (`true`) or (re)opened (`false`).
    pub(crate) status_changes: Vec<(u32, bool)>,
}

/// A loaded log with its indexes. Nothing here writes to the source.
pub struct Ledger {
    pub(crate) name: String,
    pub(crate) types_map: TypeMap,
    /// What was read, in recorded order.
    pub(crate) records: Records,
    pub(crate) effects: Vec<Effect>,
    /// All problems (those of the lines and those about events), sorted by line.
    pub(crate) problems: Vec<Problem>,
    pub(crate) integrity: Integrity,
    pub(crate) raw: RawSource,
    pub(crate) source_len: u64,
    /// Event indexes sorted by (timestamp, recorded position).
    pub(crate) time_order: Vec<u32>,
    /// For each event, its position in `time_order`.
    pub(crate) time_rank: Vec<u32>,
    pub(crate) account_index: Vec<AccountIndex>,
    /// Account ids sorted by name.
    pub(crate) sorted_accounts: Vec<AccountId>,
}

impl Ledger {
    pub(crate) fn index(
        name: String,
        types_map: TypeMap,
        records: Records,
        raw: RawSource,
        source_len: u64,
    ) -> Ledger {
        let mut ledger = Ledger {
            name,
            types_map,
            records,
            effects: Vec::new(),
            problems: Vec::new(),
            integrity: Integrity::Unsealed,
            raw,
            source_len,
            time_order: Vec::new(),
            time_rank: Vec::new(),
            account_index: Vec::new(),
            sorted_accounts: Vec::new(),
        };
        ledger.reindex();
        ledger
    }

    /// When every record carries a `seq`, the recorded order is the order of `seq`.
    fn order_by_seq(&mut self) {
        if self.records.seqs.is_empty()
            || self.records.seqs.contains(&NO_SEQ)
            || self.records.seqs.is_sorted()
        {
            return;
        }
        let mut perm: Vec<u32> = (0..self.records.events.len() as u32).collect();
        perm.sort_by_key(|&i| self.records.seqs[i as usize]);
        self.records.events = perm
            .iter()
            .map(|&i| self.records.events[i as usize])
            .collect();
        self.records.id_hashes = perm
            .iter()
            .map(|&i| self.records.id_hashes[i as usize])
            .collect();
        self.records.seqs = perm
            .iter()
            .map(|&i| self.records.seqs[i as usize])
            .collect();
    }

    /// Recomputes everything derived from the events: the effect of each type, the problems about
    /// events, the time order and every account's running balances.
    pub(crate) fn reindex(&mut self) {
        self.order_by_seq();
        self.integrity = self.records.integrity();
        self.effects = (0..self.records.types.len() as u32)
            .map(|t| self.types_map.effect(self.records.types.get(t)))
            .collect();
        for e in &mut self.records.events {
            e.flags &= !flags::PROBLEM;
        }
        let mut problems = self.records.problems.clone();
        self.event_facts(&mut problems);
        self.duplicate_ids(&mut problems);
        self.duplicate_seqs(&mut problems);
        self.order_in_time();
        self.replay_accounts(&mut problems);
        for p in &problems {
            if let Some(i) = p.event {
                self.records.events[i as usize].flags |= flags::PROBLEM;
            }
        }
        problems.sort_by_key(|p| (p.line, p.kind));
        self.problems = problems;
        let mut sorted: Vec<AccountId> = (0..self.records.accounts.len() as u32).collect();
        sorted.sort_by(|a, b| {
            self.records
                .accounts
                .get(*a)
                .cmp(self.records.accounts.get(*b))
        });
        self.sorted_accounts = sorted;
    }

    /// Problems about single events, and out-of-order timestamps, in recorded order.
    fn event_facts(&self, problems: &mut Vec<Problem>) {
        let mut previous: Option<&LedgerEvent> = None;
        for (i, e) in self.records.events.iter().enumerate() {
            let i = i as u32;
            let effect = self.effects[e.kind as usize];
            let type_name = self.records.types.get(u32::from(e.kind));
            if effect == Effect::Unknown {
                problems.push(Problem::event(
                    e.line,
                    i,
                    ProblemKind::UnknownType,
                    format!(
                        "unknown event type `{type_name}`: it moves no money (map it with --types)"
                    ),
                ));
            }
            if e.has_amount() && e.amount.is_negative() {
                problems.push(Problem::event(
                    e.line,
                    i,
                    ProblemKind::NegativeAmount,
                    format!(
                        "negative amount {} on a {type_name}: applied as written",
                        e.amount
                    ),
                ));
            }
            if effect.needs_amount() && !e.has_amount() {
                problems.push(Problem::event(
                    e.line,
                    i,
                    ProblemKind::MissingAmount,
                    format!("a {type_name} without an amount moves no money"),
                ));
            } else if effect == Effect::Transfer && e.to == NO_ACCOUNT {
                problems.push(Problem::event(
                    e.line,
                    i,
                    ProblemKind::MissingAmount,
                    format!("a {type_name} without `to` moves no money"),
                ));
            }
            if let Some(p) = previous
                && e.ts < p.ts
            {
                problems.push(Problem::event(
                    e.line,
                    i,
                    ProblemKind::OutOfOrder,
                    format!(
                        "recorded after line {} but its time {} is earlier than {}",
                        p.line,
                        format_time(e.ts),
                        format_time(p.ts)
                    ),
                ));
            }
            previous = Some(e);
        }
    }

    /// Events whose id an earlier event already used.
    fn duplicate_ids(&self, problems: &mut Vec<Problem>) {
        let mut pairs: Vec<(u64, u32)> = self
            .records
            .id_hashes
            .iter()
            .enumerate()
            .filter(|(_, h)| **h != 0)
            .map(|(i, h)| (*h, i as u32))
            .collect();
        pairs.par_sort_unstable();
        let mut start = 0;
        while start < pairs.len() {
            let mut end = start + 1;
            while end < pairs.len() && pairs[end].0 == pairs[start].0 {
                end += 1;
            }
            if end - start > 1 {
                // Equal hashes: compare the ids themselves (a hash collision is not a duplicate).
                let mut first_by_id: Vec<(String, u32)> = Vec::new();
                for &(_, i) in &pairs[start..end] {
                    let Some(id) = self.event_id(i as usize) else {
                        continue;
                    };
                    match first_by_id.iter().find(|(seen, _)| *seen == id) {
                        Some(&(_, first)) => {
                            let e = &self.records.events[i as usize];
                            problems.push(Problem::event(
                                e.line,
                                i,
                                ProblemKind::DuplicateId,
                                format!(
                                    "event id `{id}` was already used at line {}",
                                    self.records.events[first as usize].line
                                ),
                            ));
                        }
                        None => first_by_id.push((id, i)),
                    }
                }
            }
            start = end;
        }
    }

    fn duplicate_seqs(&self, problems: &mut Vec<Problem>) {
        if self.records.seqs.is_empty() {
            return;
        }
        let mut pairs: Vec<(u64, u32)> = self
            .records
            .seqs
            .iter()
            .enumerate()
            .filter(|(_, s)| **s != NO_SEQ)
            .map(|(i, s)| (*s, i as u32))
            .collect();
        pairs.sort_unstable();
        for w in pairs.windows(2) {
            if w[0].0 == w[1].0 {
                let e = &self.records.events[w[1].1 as usize];
                problems.push(Problem::event(
                    e.line,
                    w[1].1,
                    ProblemKind::DuplicateSeq,
                    format!(
                        "seq {} was already used at line {}",
                        w[1].0, self.records.events[w[0].1 as usize].line
                    ),
                ));
            }
        }
    }

    fn order_in_time(&mut self) {
        let mut order: Vec<u32> = (0..self.records.events.len() as u32).collect();
        let events = &self.records.events;
        if !events.is_sorted_by_key(|e| e.ts) {
            // Stable: events with the same time keep their recorded order.
            order.par_sort_by_key(|&i| events[i as usize].ts);
        }
        let mut rank = vec![0u32; order.len()];
        for (r, &i) in order.iter().enumerate() {
            rank[i as usize] = r as u32;
        }
        self.time_order = order;
        self.time_rank = rank;
    }

    /// Replays every account in time order: running balances, overdrafts, events after a close.
    fn replay_accounts(&mut self, problems: &mut Vec<Problem>) {
        let n_accounts = self.records.accounts.len();
        let mut index: Vec<AccountIndex> = vec![AccountIndex::default(); n_accounts];
        let mut balance = vec![Money::ZERO; n_accounts];
        let mut closed = vec![false; n_accounts];
        for &i in &self.time_order {
            let e = &self.records.events[i as usize];
            let effect = self.effects[e.kind as usize];
            let mut touched = [e.account, NO_ACCOUNT];
            if effect == Effect::Transfer && e.to != NO_ACCOUNT && e.to != e.account {
                touched[1] = e.to;
            }
            for account in touched.into_iter().filter(|a| *a != NO_ACCOUNT) {
                let a = account as usize;
                let name = self.records.accounts.get(account);
                if closed[a] && effect != Effect::Open {
                    problems.push(Problem::event(
                        e.line,
                        i,
                        ProblemKind::AfterClose,
                        format!("event on account {name} after it was closed"),
                    ));
                }
                let position = index[a].time.len() as u32;
                match effect {
                    Effect::Close if account == e.account => {
                        closed[a] = true;
                        index[a].status_changes.push((position, true));
                    }
                    Effect::Open if account == e.account && closed[a] => {
                        closed[a] = false;
                        index[a].status_changes.push((position, false));
                    }
                    _ => {}
                }
                if let Some(delta) = delta_for(e, effect, account) {
                    match balance[a].checked_add(delta) {
                        Some(next) => {
                            if next.is_negative() && !balance[a].is_negative() {
                                problems.push(Problem::event(
                                    e.line,
                                    i,
                                    ProblemKind::Overdraft,
                                    format!("balance of {name} goes below zero: {} → {next}", balance[a]),
                                ));
                            }
                            balance[a] = next;
                        }
                        None => problems.push(Problem::event(
                            e.line,
                            i,
                            ProblemKind::Overflow,
                            format!(
                                "balance of {name} would leave the range of exact decimals; the amount is not applied"
                            ),
                        )),
                    }
                }
                index[a].time.push(Posting {
                    event: i,
                    balance: balance[a],
                });
            }
        }
        for (a, account) in index.iter_mut().enumerate() {
            if !account.time.is_sorted_by_key(|p| p.event) {
                account.recorded = Some(self.replay_recorded(a as AccountId, &account.time));
            }
        }
        self.account_index = index;
    }

    /// An account's postings in recorded order, with balances replayed in that order.
    fn replay_recorded(&self, account: AccountId, time: &[Posting]) -> Vec<Posting> {
        let mut events: Vec<u32> = time.iter().map(|p| p.event).collect();
        events.sort_unstable();
        let mut balance = Money::ZERO;
        events
            .into_iter()
            .map(|i| {
                let e = &self.records.events[i as usize];
                if let Some(d) = delta_for(e, self.effects[e.kind as usize], account)
                    && let Some(next) = balance.checked_add(d)
                {
                    balance = next;
                }
                Posting { event: i, balance }
            })
            .collect()
    }

    /// Adds lines a file gained after it was loaded (`bytes` starts at `offset` in the file and
    /// ends with a newline), then brings every index up to date.
    pub fn extend_lines(&mut self, bytes: &[u8], offset: u64) {
        self.records.add_lines(bytes, offset, None);
        self.source_len = offset + bytes.len() as u64;
        self.reindex();
    }

    /// Adds records that arrived after the load from a source held in memory (new database rows):
    /// their text is appended to the raw text, and every index is brought up to date.
    pub fn extend_records(&mut self, bytes: &[u8], records: &[RecordSpan]) {
        let RawSource::Memory(raw) = &mut self.raw else {
            panic!("extend_records is for sources held in memory");
        };
        let base = raw.len();
        raw.extend_from_slice(bytes);
        self.records.add_records(bytes, base as u64, records, None);
        self.source_len = raw.len() as u64;
        self.reindex();
    }

    // ----- simple accessors -----

    /// The name the log was opened by (a path or a URL without password).
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn len(&self) -> usize {
        self.records.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.events.is_empty()
    }

    /// The `i`-th event in recorded order.
    pub fn event(&self, i: usize) -> &LedgerEvent {
        &self.records.events[i]
    }

    pub fn events(&self) -> &[LedgerEvent] {
        &self.records.events
    }

    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    pub fn integrity(&self) -> Integrity {
        self.integrity
    }

    /// Lines in the source (records, bad lines and blank lines).
    pub fn line_count(&self) -> u64 {
        self.records.lines
    }

    /// Bytes of the source that were read.
    pub fn source_len(&self) -> u64 {
        self.source_len
    }

    pub fn account_count(&self) -> usize {
        self.records.accounts.len()
    }

    pub fn account_name(&self, account: AccountId) -> &str {
        self.records.accounts.get(account)
    }

    pub fn find_account(&self, name: &str) -> Option<AccountId> {
        self.records.accounts.find(name)
    }

    /// Every account, sorted by name.
    pub fn accounts_sorted(&self) -> &[AccountId] {
        &self.sorted_accounts
    }

    /// Distinct event type names in the log.
    pub fn type_count(&self) -> usize {
        self.records.types.len()
    }

    pub fn type_name(&self, kind: TypeId) -> &str {
        self.records.types.get(u32::from(kind))
    }

    pub fn effect(&self, kind: TypeId) -> Effect {
        self.effects[kind as usize]
    }

    /// The event's position in the log: its own `seq` member, or its 1-based place in recorded order.
    pub fn seq_of(&self, i: usize) -> u64 {
        match self.records.seqs.get(i) {
            Some(&s) if s != NO_SEQ => s,
            _ => i as u64 + 1,
        }
    }

    /// The raw text of the `i`-th event as it stands in the source.
    pub fn raw(&self, i: usize) -> std::io::Result<Vec<u8>> {
        let e = &self.records.events[i];
        self.raw.read(e.offset, e.len)
    }

    /// The raw record as text (lossy only if the source changed under us).
    pub fn raw_text(&self, i: usize) -> String {
        match self.raw(i) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => format!("<the record cannot be read again: {e}>"),
        }
    }

    /// The event's id, read back from its record.
    pub fn event_id(&self, i: usize) -> Option<String> {
        if self.records.events[i].flags & flags::HAS_ID == 0 {
            return None;
        }
        let text = self.raw_text(i);
        parse_record(&text)
            .ok()
            .and_then(|f: Fields| f.id.map(|id| id.into_owned()))
    }

    /// The change the `i`-th event makes to `account` (zero when it moves no money there).
    pub fn delta(&self, i: usize, account: AccountId) -> Money {
        let e = &self.records.events[i];
        delta_for(e, self.effects[e.kind as usize], account).unwrap_or(Money::ZERO)
    }

    /// Where the source ended when it was read, and whether its last line lacked a newline.
    pub fn tail_state(&self) -> (u64, bool) {
        (self.source_len, self.records.unterminated_tail)
    }
}
