//! The loaded log: events in recorded order, interned names, problems, and the indexes that make
//! any moment a search instead of a replay.

use std::fs::File;

use rayon::prelude::*;

use super::event::{AccountId, Effect, LedgerEvent, NO_ACCOUNT, TypeId, TypeMap, delta_for, flags};
use super::load::{Depth, NO_SEQ, RecordSpan, Records};
use super::memory::{huge_pages, prefetch};
use super::money::Money;
use super::problem::{Problem, ProblemKind, Reason};
use super::record::{Fields, parse_record};

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

/// The bytes of a source, from [`Ledger::source_bytes`].
pub enum SourceBytes<'a> {
    /// Held in memory.
    Memory(&'a [u8]),
    /// A mapped file.
    File(memmap2::Mmap),
}

impl std::ops::Deref for SourceBytes<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            SourceBytes::Memory(b) => b,
            SourceBytes::File(m) => m,
        }
    }
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

/// An account as a replay in time order leaves it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Running {
    pub(crate) balance: Money,
    /// Events on the account so far.
    pub(crate) events: u32,
    pub(crate) closed: bool,
    pub(crate) last_event: Option<u32>,
}

/// A loaded log with its indexes. Nothing here writes to the source.
pub struct Ledger {
    pub(crate) name: String,
    pub(crate) depth: Depth,
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
    /// For each event, its position in `time_order` ([`Depth::Full`] only).
    pub(crate) time_rank: Vec<u32>,
    /// Each account's postings ([`Depth::Full`] only).
    pub(crate) account_index: Vec<AccountIndex>,
    /// Each account at the end of the log ([`Depth::Summary`] only).
    pub(crate) ends: Vec<Running>,
    /// Account ids sorted by name.
    pub(crate) sorted_accounts: Vec<AccountId>,
}

impl Ledger {
    pub(crate) fn index(
        name: String,
        types_map: TypeMap,
        depth: Depth,
        records: Records,
        raw: RawSource,
        source_len: u64,
    ) -> Ledger {
        let mut ledger = Ledger {
            name,
            depth,
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
            ends: Vec::new(),
            sorted_accounts: Vec::new(),
        };
        ledger.reindex();
        ledger
    }

    /// When every record carries a `seq`, the recorded order is the order of `seq` — except in a
    /// sealed log, whose order is the chain's: there each seq must follow the one before (a
    /// record that breaks that breaks the chain), and no record moves.
    fn order_by_seq(&mut self) {
        if self.records.sealed == Some(true)
            || self.records.seqs.is_empty()
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
    ///
    /// The steps that do not depend on one another run side by side, and each one on all cores;
    /// problems are then put in the one order a sequential pass would give (by line and kind, and
    /// in the order they were found).
    pub(crate) fn reindex(&mut self) {
        self.order_by_seq();
        self.effects = (0..self.records.types.len() as u32)
            .map(|t| self.types_map.effect(self.records.types.get(t)))
            .collect();
        self.records
            .events
            .par_iter_mut()
            .with_min_len(1 << 14)
            .for_each(|e| e.flags &= !flags::PROBLEM);
        let this = &*self;
        let ((order, (accounts, ends, replayed)), (facts, (ids, (seqs, sorted)))) = rayon::join(
            || {
                let order = this.order_in_time();
                let replayed = this.replay_accounts(&order.0);
                (order, replayed)
            },
            || {
                rayon::join(
                    || this.event_facts(),
                    || {
                        rayon::join(
                            || this.duplicate_ids(),
                            || rayon::join(|| this.duplicate_seqs(), || this.sort_accounts()),
                        )
                    },
                )
            },
        );
        // The problems of the lines stay (they are moved here from the records once indexed, and
        // only those of lines read since are still there); those about events are found again.
        let mut problems = std::mem::take(&mut self.problems);
        problems.retain(|p| p.event().is_none());
        if problems.is_empty() {
            // Moved, not copied: a log of bad lines may hold millions.
            problems = std::mem::take(&mut self.records.problems);
        } else {
            problems.append(&mut self.records.problems);
        }
        self.integrity = self.records.integrity(problems.iter());
        problems.extend(facts);
        problems.extend(ids);
        problems.extend(seqs);
        problems.extend(replayed);
        problems.extend(self.lookalike_accounts(None));
        for p in &problems {
            if let Some(i) = p.event() {
                self.records.events[i as usize].flags |= flags::PROBLEM;
            }
        }
        if !problems.is_sorted_by_key(Problem::order) {
            problems.par_sort_by_key(Problem::order);
        }
        self.problems = problems;
        (self.time_order, self.time_rank) = order;
        self.account_index = accounts;
        self.ends = ends;
        self.sorted_accounts = sorted;
        self.drop_untouched_accounts();
        super::state::add_check_problems(self, 0);
    }

    /// Leaves out of the account list the names no event touches: a `to` on an event that is not
    /// a transfer names no account. (They keep their number, which nothing lists.)
    fn drop_untouched_accounts(&mut self) {
        let full = self.depth == Depth::Full;
        let (index, ends) = (&self.account_index, &self.ends);
        self.sorted_accounts.retain(|&a| {
            if full {
                !index[a as usize].time.is_empty()
            } else {
                ends[a as usize].events > 0
            }
        });
    }

    fn sort_accounts(&self) -> Vec<AccountId> {
        let names = &self.records.accounts;
        let mut sorted: Vec<AccountId> = (0..names.len() as u32).collect();
        sorted.par_sort_unstable_by(|a, b| names.get(*a).cmp(names.get(*b)));
        sorted
    }

    /// Problems about single events, and out-of-order timestamps, in recorded order.
    fn event_facts(&self) -> Vec<Problem> {
        const PIECE: usize = 1 << 16;
        let events = &self.records.events;
        events
            .par_chunks(PIECE)
            .enumerate()
            .flat_map_iter(|(k, piece)| {
                let first = k * PIECE;
                let mut problems = Vec::new();
                let mut previous = first.checked_sub(1).map(|i| &events[i]);
                for (j, e) in piece.iter().enumerate() {
                    self.facts_of(first + j, e, previous, &mut problems);
                    previous = Some(e);
                }
                problems
            })
            .collect()
    }

    /// The problems about event `i` by itself, and against the event recorded before it
    /// (`previous`, event `i - 1`).
    fn facts_of(
        &self,
        i: usize,
        e: &LedgerEvent,
        previous: Option<&LedgerEvent>,
        problems: &mut Vec<Problem>,
    ) {
        let i = i as u32;
        let effect = self.event_effect(e);
        let mut found =
            |kind, reason| problems.push(Problem::on_event(e.line, e.offset, i, kind, reason));
        if e.is_ambiguous() {
            found(ProblemKind::DuplicateMember, Reason::Event);
        }
        if effect == Effect::Unknown {
            found(ProblemKind::UnknownType, Reason::Event);
        }
        if e.has_amount() && e.amount.is_negative() {
            found(ProblemKind::NegativeAmount, Reason::Event);
        }
        if effect.needs_amount() && !e.has_amount() {
            found(ProblemKind::MissingAmount, Reason::Event);
        } else if effect == Effect::Transfer && e.to == NO_ACCOUNT {
            found(ProblemKind::MissingAmount, Reason::MissingTo);
        }
        if let Some(p) = previous
            && e.ts < p.ts
        {
            let previous = (i - 1).to_le_bytes();
            found(ProblemKind::OutOfOrder, Reason::OutOfOrder { previous });
        }
    }

    /// Events whose id an earlier event already used.
    fn duplicate_ids(&self) -> Vec<Problem> {
        equal_hashes(&self.records.id_hashes)
            .iter()
            .flat_map(|group| self.duplicates_in(group))
            .collect()
    }

    /// The duplicates among events whose ids have the same hash (ascending): the hash says they
    /// may be the same, the ids themselves decide (a hash collision is not a duplicate).
    fn duplicates_in(&self, group: &[u32]) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut first_by_id: Vec<(String, u32)> = Vec::new();
        for &i in group {
            let Some(id) = self.event_id(i as usize) else {
                continue;
            };
            match first_by_id.iter().find(|(seen, _)| *seen == id) {
                Some(&(_, first)) => {
                    let e = &self.records.events[i as usize];
                    problems.push(Problem::on_event(
                        e.line,
                        e.offset,
                        i,
                        ProblemKind::DuplicateId,
                        Reason::DuplicateId {
                            first: first.to_le_bytes(),
                        },
                    ));
                }
                None => first_by_id.push((id, i)),
            }
        }
        problems
    }

    fn duplicate_seqs(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let seqs = &self.records.seqs;
        if seqs.is_empty() {
            return problems;
        }
        // An event without a `seq` among events with one goes by its position in the log, which
        // may be another event's seq.
        let mut pairs: Vec<(u64, u32)> = (0..seqs.len())
            .map(|i| (self.seq_of(i), i as u32))
            .collect();
        // Logs with a `seq` nearly always have it increasing: then the pairs are already sorted.
        if !pairs.is_sorted() {
            pairs.par_sort_unstable();
        }
        for w in pairs.windows(2) {
            if w[0].0 == w[1].0 {
                let (first, second) = (w[0].1, w[1].1);
                let e = &self.records.events[second as usize];
                problems.push(Problem::on_event(
                    e.line,
                    e.offset,
                    second,
                    ProblemKind::DuplicateSeq,
                    Reason::DuplicateSeq {
                        first: first.to_le_bytes(),
                    },
                ));
            }
        }
        problems
    }

    /// Event indexes sorted by (timestamp, recorded position), and each event's rank in that order.
    fn order_in_time(&self) -> (Vec<u32>, Vec<u32>) {
        let events = &self.records.events;
        let n = events.len();
        // Most events come in time order: those that do not go back before the latest time so far
        // stay where they are (they are sorted already); the few late ones are sorted and each is
        // put before the first of the others that comes after it.
        let late = late_events(events);
        let key = |i: u32| (events[i as usize].ts, i);
        if late.is_empty() {
            let mut order: Vec<u32> = Vec::with_capacity(n);
            huge_pages(&order);
            order.par_extend((0..n as u32).into_par_iter());
            let rank = if self.depth == Depth::Full {
                order.clone()
            } else {
                Vec::new()
            };
            return (order, rank);
        }
        if late.len() > n / 64 {
            // A log in no particular order: sort it all (stable: events with the same time keep
            // their recorded order).
            drop(late);
            let mut order: Vec<u32> = Vec::with_capacity(n);
            huge_pages(&order);
            order.par_extend((0..n as u32).into_par_iter());
            order.par_sort_by_key(|&i| events[i as usize].ts);
            return self.with_ranks(order);
        }
        // The late events by position (as found), and by time (stable: events with the same time
        // keep their recorded order).
        let positions = late;
        let mut late = positions.clone();
        late.par_sort_by_key(|&i| events[i as usize].ts);
        let is_late = |i: u32| positions.binary_search(&i).is_ok();
        // The first event at or after position `i` that is not late (or `n`).
        let next_in_order = |mut i: u32| {
            while i < n as u32 && is_late(i) {
                i += 1;
            }
            i
        };
        // Where a late event goes: before the first event that is not late and comes after it in
        // time order (their keys grow with their positions), found by a binary search.
        let first_after = |k: (i64, u32)| -> u32 {
            let (mut lo, mut hi) = (0u32, n as u32);
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                let j = next_in_order(mid);
                if j == n as u32 || key(j) > k {
                    hi = mid;
                } else {
                    lo = j + 1;
                }
            }
            next_in_order(lo)
        };
        // Ascending, since the late events are sorted by key.
        let places: Vec<u32> = late.iter().map(|&l| first_after(key(l))).collect();
        let mut order = Vec::with_capacity(n);
        huge_pages(&order);
        // The events that are not late, run by run between two late positions or two places,
        // with the late events put in at their places.
        let (mut next_late, mut next_skip) = (0, 0);
        let mut i = 0u32;
        while i < n as u32 {
            while next_late < late.len() && places[next_late] <= i {
                order.push(late[next_late]);
                next_late += 1;
            }
            if positions.get(next_skip) == Some(&i) {
                next_skip += 1;
                i += 1;
                continue;
            }
            let end = [positions.get(next_skip), places.get(next_late)]
                .into_iter()
                .flatten()
                .copied()
                .fold(n as u32, u32::min);
            order.extend(i..end);
            i = end;
        }
        order.extend_from_slice(&late[next_late..]);
        self.with_ranks(order)
    }

    /// The time order with each event's rank in it ([`Depth::Full`] only).
    fn with_ranks(&self, order: Vec<u32>) -> (Vec<u32>, Vec<u32>) {
        if self.depth != Depth::Full {
            return (order, Vec::new());
        }
        let n = order.len();
        let mut rank = Vec::with_capacity(n);
        huge_pages(&rank);
        rank.resize(n, 0u32);
        for (r, &i) in order.iter().enumerate() {
            rank[i as usize] = r as u32;
        }
        (order, rank)
    }

    /// Replays every account in time order: running balances, overdrafts, events after a close.
    ///
    /// Accounts do not depend on one another, so they are shared out among the threads, each
    /// replaying its own accounts along the whole time order. The problems found are put back in
    /// the order a single pass would find them in.
    /// At [`Depth::Full`] each account's postings are kept; at [`Depth::Summary`] only its state
    /// at the end.
    fn replay_accounts(&self, order: &[u32]) -> (Vec<AccountIndex>, Vec<Running>, Vec<Problem>) {
        let n_accounts = self.records.accounts.len();
        let counts = self.postings_per_account();
        let parts = rayon::current_num_threads().clamp(1, 64);
        // Accounts to parts, the busiest first, each to the part with the fewest postings so far.
        let mut by_size: Vec<u32> = (0..n_accounts as u32).collect();
        by_size.sort_unstable_by_key(|&a| std::cmp::Reverse(counts[a as usize]));
        let mut part_of = vec![0u8; n_accounts];
        let mut load = vec![0u64; parts];
        for a in by_size {
            let p = (0..parts).min_by_key(|&p| load[p]).unwrap_or(0);
            part_of[a as usize] = p as u8;
            load[p] += u64::from(counts[a as usize]);
        }
        let results: Vec<PartReplay> = (0..parts)
            .into_par_iter()
            .map(|p| self.replay_part(order, &part_of, p as u8, &counts))
            .collect();
        let full = self.depth == Depth::Full;
        let mut index: Vec<AccountIndex> = Vec::new();
        let mut ends: Vec<Running> = Vec::new();
        if full {
            index.resize_with(n_accounts, AccountIndex::default);
        } else {
            ends.resize(n_accounts, Running::default());
        }
        let mut found = Vec::new();
        for (accounts, problems) in results {
            for (a, running, account) in accounts {
                if full {
                    index[a as usize] = account;
                } else {
                    ends[a as usize] = running;
                }
            }
            found.extend(problems);
        }
        found.sort_by_key(|(position, slot, _)| (*position, *slot));
        let found = found.into_iter().map(|(_, _, p)| p).collect();
        if !full {
            return (index, ends, found);
        }
        index
            .par_iter_mut()
            .enumerate()
            .filter(|(_, account)| !account.time.is_sorted_by_key(|p| p.event))
            .for_each(|(a, account)| {
                account.recorded = Some(self.replay_recorded(a as AccountId, &account.time));
            });
        (index, ends, found)
    }

    /// How many postings each account will have (an event on it, or a transfer to it).
    fn postings_per_account(&self) -> Vec<u32> {
        let n_accounts = self.records.accounts.len();
        self.records
            .events
            .par_chunks(1 << 16)
            .fold(
                || vec![0u32; n_accounts],
                |mut counts, piece| {
                    for e in piece {
                        let [a, to] = self.touched(e);
                        counts[a as usize] += 1;
                        if to != NO_ACCOUNT {
                            counts[to as usize] += 1;
                        }
                    }
                    counts
                },
            )
            .reduce(
                || vec![0u32; n_accounts],
                |mut a, b| {
                    a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                    a
                },
            )
    }

    /// The accounts an event has a posting on: its account, and the other side of a transfer
    /// (or [`NO_ACCOUNT`]).
    #[inline]
    pub(crate) fn touched(&self, e: &LedgerEvent) -> [AccountId; 2] {
        let effect = self.event_effect(e);
        if effect == Effect::Transfer && e.to != NO_ACCOUNT && e.to != e.account {
            [e.account, e.to]
        } else {
            [e.account, NO_ACCOUNT]
        }
    }

    /// The replay of the accounts of one part: their indexes, and the problems found, each with
    /// its position in time order and which side of the event it is about.
    fn replay_part(&self, order: &[u32], part_of: &[u8], part: u8, counts: &[u32]) -> PartReplay {
        let n_accounts = self.records.accounts.len();
        let full = self.depth == Depth::Full;
        let mut index: Vec<AccountIndex> = Vec::new();
        if full {
            index.resize_with(n_accounts, AccountIndex::default);
            for (a, account) in index.iter_mut().enumerate() {
                if part_of[a] == part {
                    account.time = Vec::with_capacity(counts[a] as usize);
                }
            }
        }
        let mut running = vec![Running::default(); n_accounts];
        let mut problems = Vec::new();
        // With many accounts their states are spread over megabytes: those of the event a few
        // steps further on are fetched while this one is replayed.
        const AHEAD: usize = 16;
        for (position, &i) in order.iter().enumerate() {
            if let Some(&j) = order.get(position + AHEAD) {
                let ahead = &self.records.events[j as usize];
                for a in [ahead.account, ahead.to] {
                    if part_of.get(a as usize) == Some(&part) {
                        prefetch(&running[a as usize]);
                        if let Some(account) = index.get(a as usize) {
                            prefetch(account);
                        }
                    }
                }
            }
            let e = &self.records.events[i as usize];
            let touched = self.touched(e);
            if part_of[touched[0] as usize] != part
                && (touched[1] == NO_ACCOUNT || part_of[touched[1] as usize] != part)
            {
                continue;
            }
            for (slot, account) in touched.into_iter().enumerate() {
                if account == NO_ACCOUNT || part_of[account as usize] != part {
                    continue;
                }
                let a = account as usize;
                self.post(
                    i,
                    account,
                    &mut running[a],
                    index.get_mut(a),
                    &mut |problem| problems.push((position as u32, slot as u8, problem)),
                );
            }
        }
        let mut index = index.into_iter();
        let mine = running
            .into_iter()
            .enumerate()
            .map(|(a, running)| (a, running, index.next().unwrap_or_default()))
            .filter(|(a, _, _)| part_of[*a] == part)
            .map(|(a, running, account)| (a as u32, running, account))
            .collect();
        (mine, problems)
    }

    /// Event `i` on `account`, the next in time order: its posting with the running balance, the
    /// account's status, and the problems it shows (an event after a close, an overdraft, an
    /// amount that cannot be added).
    ///
    /// `index` receives the posting when the account's postings are kept.
    pub(crate) fn post(
        &self,
        i: u32,
        account: AccountId,
        running: &mut Running,
        mut index: Option<&mut AccountIndex>,
        found: &mut dyn FnMut(Problem),
    ) {
        let e = &self.records.events[i as usize];
        let effect = self.event_effect(e);
        let side = u8::from(account != e.account);
        let mut problem =
            |kind, reason| found(Problem::on_event(e.line, e.offset, i, kind, reason));
        if running.closed && effect != Effect::Open {
            problem(ProblemKind::AfterClose, Reason::AfterClose { side });
        }
        let position = running.events;
        match effect {
            Effect::Close if account == e.account => {
                running.closed = true;
                if let Some(index) = index.as_deref_mut() {
                    index.status_changes.push((position, true));
                }
            }
            Effect::Open if account == e.account && running.closed => {
                running.closed = false;
                if let Some(index) = index.as_deref_mut() {
                    index.status_changes.push((position, false));
                }
            }
            _ => {}
        }
        let balance = &mut running.balance;
        if let Some(delta) = delta_for(e, effect, account) {
            match balance.checked_add(delta) {
                Some(next) => {
                    if next.is_negative() && !balance.is_negative() {
                        let before = balance.as_decimal().serialize();
                        problem(ProblemKind::Overdraft, Reason::Overdraft { side, before });
                    }
                    *balance = next;
                }
                None => problem(ProblemKind::Overflow, Reason::Overflow { side }),
            }
        }
        running.events += 1;
        running.last_event = Some(i);
        if let Some(index) = index {
            index.time.push(Posting {
                event: i,
                balance: running.balance,
            });
        }
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
                if let Some(d) = delta_for(e, self.event_effect(e), account)
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

    /// Duplicate ids among the events from `first` on, against every event before them: the
    /// earlier events are looked at only by their id hashes, in one pass.
    fn new_duplicate_ids(&self, first: usize) -> Vec<Problem> {
        let hashes = &self.records.id_hashes;
        let mut new: Vec<(u64, u32)> = (first..hashes.len())
            .filter(|&i| hashes[i] != 0)
            .map(|i| (hashes[i], i as u32))
            .collect();
        if new.is_empty() {
            return Vec::new();
        }
        new.sort_unstable();
        // A cheap filter on the top bits before the exact look-up.
        let mut filter = 0u64;
        for &(h, _) in &new {
            filter |= 1 << (h >> 58);
        }
        let mut earlier: Vec<(u64, u32)> = hashes[..first]
            .par_iter()
            .enumerate()
            .filter(|(_, h)| {
                filter & (1 << (**h >> 58)) != 0
                    && **h != 0
                    && new.binary_search_by_key(*h, |&(x, _)| x).is_ok()
            })
            .map(|(i, h)| (*h, i as u32))
            .collect();
        earlier.extend(new.iter().copied());
        earlier.sort_unstable();
        // The groups of equal hashes that hold a new event, as a full pass sees them.
        let mut problems = Vec::new();
        let mut start = 0;
        while start < earlier.len() {
            let mut end = start + 1;
            while end < earlier.len() && earlier[end].0 == earlier[start].0 {
                end += 1;
            }
            if end - start > 1 && earlier[end - 1].1 as usize >= first {
                let group: Vec<u32> = earlier[start..end].iter().map(|p| p.1).collect();
                problems.extend(
                    self.duplicates_in(&group)
                        .into_iter()
                        .filter(|p| p.event().is_some_and(|i| i as usize >= first)),
                );
            }
            start = end;
        }
        problems
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

    /// The counterparty of a transfer; `None` for any other event (a `to` on an event of another
    /// kind moves nothing to anyone).
    pub fn transfer_to(&self, e: &LedgerEvent) -> Option<AccountId> {
        match self.event_effect(e) {
            Effect::Transfer => e.to_account(),
            _ => None,
        }
    }

    /// Every account some event touches, sorted by name.
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

    /// What an event does: the effect of its type, or none at all for a record that gives a
    /// member more than once (readers disagree on what it says).
    #[inline]
    pub fn event_effect(&self, e: &LedgerEvent) -> Effect {
        if e.is_ambiguous() {
            Effect::Ignore
        } else {
            self.effects[e.kind as usize]
        }
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

    /// Every byte of the source: the text held in memory, or the file mapped read-only (the
    /// offsets of the events index it).
    pub fn source_bytes(&self) -> std::io::Result<SourceBytes<'_>> {
        match &self.raw {
            RawSource::Memory(bytes) => Ok(SourceBytes::Memory(bytes)),
            RawSource::File(file) => {
                if file.metadata()?.len() < self.source_len {
                    return Err(std::io::Error::other(
                        "the file is shorter than when it was read",
                    ));
                }
                // SAFETY: the map is read-only; rewind never writes the log it reads, and a
                // writer that truncates it under us is caught by the check above or by the
                // hashes of what is read.
                let map = unsafe { memmap2::Mmap::map(file) }?;
                Ok(SourceBytes::File(map))
            }
        }
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
        delta_for(e, self.event_effect(e), account).unwrap_or(Money::ZERO)
    }

    /// Where the source ended when it was read, and whether its last line lacked a newline.
    pub fn tail_state(&self) -> (u64, bool) {
        (self.source_len, self.records.unterminated_tail)
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

/// What replaying some of the accounts gives: each account's index, and the problems found, each
/// with its position in time order and the side of the event it is about (0: its account, 1: the
/// other side of a transfer).
type PartReplay = (Vec<(u32, Running, AccountIndex)>, Vec<(u32, u8, Problem)>);

/// The positions (ascending) of the events that go back before the latest time recorded before
/// them. Pieces of the list are scanned on all cores, each from the latest time of the pieces
/// before it.
fn late_events(events: &[LedgerEvent]) -> Vec<u32> {
    late_events_in(events, 1 << 16)
}

/// [`late_events`] with pieces of `piece` events.
fn late_events_in(events: &[LedgerEvent], piece: usize) -> Vec<u32> {
    let latest: Vec<i64> = events
        .par_chunks(piece)
        .map(|piece| piece.iter().map(|e| e.ts).max().unwrap_or(i64::MIN))
        .collect();
    let mut before = Vec::with_capacity(latest.len());
    let mut so_far = i64::MIN;
    for t in latest {
        before.push(so_far);
        so_far = so_far.max(t);
    }
    events
        .par_chunks(piece)
        .zip(before)
        .enumerate()
        .flat_map_iter(|(k, (events, mut latest))| {
            let mut late = Vec::new();
            for (j, e) in events.iter().enumerate() {
                if e.ts >= latest {
                    latest = e.ts;
                } else {
                    late.push((k * piece + j) as u32);
                }
            }
            late
        })
        .collect()
}

/// Groups of positions in `hashes` that hold the same non-zero hash (each group ascending, the
/// groups in order of hash), found without sorting the whole list: the hashes are shared out into
/// buckets by their top bits, in parallel; each bucket finds its repeated values with a small
/// table of its own; a last pass picks the positions of those few values.
fn equal_hashes(hashes: &[u64]) -> Vec<Vec<u32>> {
    let n = hashes.len();
    if n < 2 {
        return Vec::new();
    }
    let bits = (usize::BITS - (n / 1024).leading_zeros()).clamp(1, 16);
    let buckets = 1usize << bits;
    let bucket = |h: u64| (h >> (64 - bits)) as usize;
    let block = (n / (rayon::current_num_threads() * 4)).max(1 << 16);
    // Per block: how many hashes fall in each bucket, and where each bucket starts in the block's
    // region of the scratch list.
    let counts: Vec<Vec<u32>> = hashes
        .par_chunks(block)
        .map(|piece| {
            let mut c = vec![0u32; buckets];
            for &h in piece.iter().filter(|h| **h != 0) {
                c[bucket(h)] += 1;
            }
            c
        })
        .collect();
    let mut region_start = Vec::with_capacity(counts.len());
    let mut starts: Vec<Vec<usize>> = Vec::with_capacity(counts.len());
    let mut total = 0usize;
    for c in &counts {
        region_start.push(total);
        let mut at = Vec::with_capacity(buckets);
        for &x in c {
            at.push(total);
            total += x as usize;
        }
        starts.push(at);
    }
    let mut scratch: Vec<u64> = Vec::with_capacity(total);
    huge_pages(&scratch);
    scratch.resize(total, 0);
    let mut regions = Vec::with_capacity(counts.len());
    let mut rest = scratch.as_mut_slice();
    for k in 0..counts.len() {
        let end = region_start.get(k + 1).copied().unwrap_or(total);
        let (region, tail) = rest.split_at_mut(end - region_start[k]);
        regions.push(region);
        rest = tail;
    }
    regions
        .into_par_iter()
        .zip(hashes.par_chunks(block))
        .zip(&starts)
        .zip(&region_start)
        .for_each(|(((region, piece), starts), &base)| {
            let mut at: Vec<usize> = starts.iter().map(|s| s - base).collect();
            for &h in piece.iter().filter(|h| **h != 0) {
                let b = bucket(h);
                region[at[b]] = h;
                at[b] += 1;
            }
        });
    // The values met more than once, bucket by bucket.
    let scratch = &scratch;
    let mut repeated: Vec<u64> = (0..buckets)
        .into_par_iter()
        .with_min_len(64)
        .map_init(Vec::new, |table: &mut Vec<u64>, b| {
            let len: usize = counts.iter().map(|c| c[b] as usize).sum();
            let size = (len * 2).next_power_of_two().max(16);
            table.clear();
            table.resize(size, 0);
            let mask = size - 1;
            let mut found = Vec::new();
            for (k, c) in counts.iter().enumerate() {
                for &h in &scratch[starts[k][b]..starts[k][b] + c[b] as usize] {
                    let mut at = h as usize & mask;
                    loop {
                        match table[at] {
                            0 => {
                                table[at] = h;
                                break;
                            }
                            v if v == h => {
                                found.push(h);
                                break;
                            }
                            _ => at = (at + 1) & mask,
                        }
                    }
                }
            }
            found
        })
        .flatten_iter()
        .collect();
    if repeated.is_empty() {
        return Vec::new();
    }
    repeated.par_sort_unstable();
    repeated.dedup();
    // Where those values are: a filter on some bits, then the exact look-up.
    let mut filter = vec![0u64; 1024];
    let slot = |h: u64| ((h >> 16) & 0xFFFF) as usize;
    for &h in &repeated {
        filter[slot(h) / 64] |= 1 << (slot(h) % 64);
    }
    let mut pairs: Vec<(u64, u32)> = hashes
        .par_iter()
        .enumerate()
        .filter(|(_, h)| {
            filter[slot(**h) / 64] & (1 << (slot(**h) % 64)) != 0
                && **h != 0
                && repeated.binary_search(h).is_ok()
        })
        .map(|(i, h)| (*h, i as u32))
        .collect();
    pairs.par_sort_unstable();
    pairs
        .chunk_by(|a, b| a.0 == b.0)
        .map(|group| group.iter().map(|p| p.1).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{equal_hashes, late_events_in};

    /// The groups the plain way: positions by hash, in order of hash.
    fn reference(hashes: &[u64]) -> Vec<Vec<u32>> {
        let mut by_hash: std::collections::BTreeMap<u64, Vec<u32>> = Default::default();
        for (i, &h) in hashes.iter().enumerate() {
            if h != 0 {
                by_hash.entry(h).or_default().push(i as u32);
            }
        }
        by_hash.into_values().filter(|g| g.len() > 1).collect()
    }

    proptest! {
        #[test]
        fn equal_hashes_are_grouped_as_the_plain_way_groups_them(
            small in prop::collection::vec(0u64..40, 0..3000),
            spread in any::<u64>(),
        ) {
            // Few distinct values spread over the whole range (so that every bucket is used),
            // with zeros (no id) among them.
            let hashes: Vec<u64> = small
                .iter()
                .map(|&v| if v == 0 { 0 } else { v.wrapping_mul(spread | 1).rotate_left(v as u32) | 1 })
                .collect();
            prop_assert_eq!(equal_hashes(&hashes), reference(&hashes));
        }
    }

    /// A log of events at `times`, at both depths, is ordered as a stable sort by time.
    fn assert_time_order(times: &[i64]) -> Result<(), TestCaseError> {
        for depth in [crate::ledger::Depth::Full, crate::ledger::Depth::Summary] {
            let text: String = times
                .iter()
                .map(|t| {
                    format!(
                        "{{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":1,\"timestamp\":{t}}}\n"
                    )
                })
                .collect();
            let options = crate::ledger::LoadOptions {
                depth,
                ..Default::default()
            };
            let l = crate::ledger::load_bytes("t", text.into_bytes(), &options);
            let mut expected: Vec<u32> = (0..times.len() as u32).collect();
            expected.sort_by_key(|&i| times[i as usize]);
            prop_assert_eq!(l.time_order(), &expected[..]);
            if depth == crate::ledger::Depth::Full {
                for (r, &i) in expected.iter().enumerate() {
                    prop_assert_eq!(l.time_rank(i as usize), r);
                }
            }
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn the_time_order_is_a_stable_sort_by_time(
            times in prop::collection::vec(0i64..60, 0..400),
            forward in any::<bool>(),
        ) {
            // Mostly forward with a few late events, or anything at all.
            let times: Vec<i64> = if forward {
                times.iter().enumerate().map(|(i, t)| if t % 9 == 0 { t * 3 } else { i as i64 * 2 }).collect()
            } else {
                times
            };
            assert_time_order(&times)?;
        }
    }

    proptest! {
        #[test]
        fn late_events_found_piece_by_piece_are_those_one_pass_finds(
            times in prop::collection::vec(-5i64..60, 0..300),
            piece in 1usize..40,
        ) {
            let events: Vec<crate::ledger::LedgerEvent> = times
                .iter()
                .map(|&ts| crate::ledger::LedgerEvent {
                    ts,
                    amount: crate::ledger::Money::ZERO,
                    offset: 0,
                    line: 0,
                    len: 0,
                    account: 0,
                    to: 0,
                    kind: 0,
                    flags: 0,
                })
                .collect();
            let mut expected = Vec::new();
            let mut latest = i64::MIN;
            for (i, &t) in times.iter().enumerate() {
                if t >= latest {
                    latest = t;
                } else {
                    expected.push(i as u32);
                }
            }
            prop_assert_eq!(late_events_in(&events, piece), expected);
        }

        #[test]
        fn the_time_order_with_a_few_late_events_is_a_stable_sort_by_time(
            late in prop::collection::vec((0usize..2000, 0i64..4000), 0..20),
            ties in any::<bool>(),
        ) {
            // Events in time order (in pairs of equal times, or not) with a few that go back:
            // fewer than one in 64, so that they are put in place rather than all sorted.
            let mut times: Vec<i64> = (0..2000i64).map(|i| if ties { i / 2 * 2 } else { i * 2 }).collect();
            for &(at, t) in &late {
                times[at] = t;
            }
            assert_time_order(&times)?;
        }
    }

    #[test]
    fn a_large_list_with_a_few_repeats() {
        let mut hashes: Vec<u64> = (1..200_000u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        hashes[150_000] = hashes[3];
        hashes[199_000] = hashes[3];
        hashes[70_000] = hashes[69_999];
        assert_eq!(equal_hashes(&hashes), reference(&hashes));
        assert_eq!(equal_hashes(&hashes).len(), 2);
    }
}
