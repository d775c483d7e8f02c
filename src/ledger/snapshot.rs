//! Snapshots: the state after the first N records of a sealed log, kept next to the log in
//! `FILE.snapshots/`, so that a balance reads only the records after them.
//!
//! A snapshot holds, for every account named in those N records, the balance, the number of
//! events, the sum of the amounts' sizes (to prove no sum can overflow when it is combined) and
//! the last open/close event, plus what binds it to the log: the seq, line and hash of record N
//! and the byte offset where its line ends. It is never trusted blindly: it is used only when the
//! record ending at that offset still carries that hash (the hash covers the whole chain before
//! it) and the record after it chains to it, and it answers a moment only when the moment
//! includes all N records: `--seq M` with M >= N, the end of the log, or a time at or after the
//! latest timestamp among the N records. The result is then exactly that of a full replay.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::book::Ledger;
use super::chain;
use super::event::{AccountId, Effect, NO_ACCOUNT, TypeMap};
use super::files::{self, Replace};
use super::load::{LoadOptions, Resume, load_file_from};
use super::money::Money;
use super::problem::ProblemKind;
use super::query::Moment;
use super::record::parse_record;
use super::recorded::Integrity;
use super::recorded::NO_SEQ;
use super::store::line_before;
use super::time::Millis;

/// The `format` member of every snapshot file.
pub const FORMAT: &str = "rewind-snapshot/1";

/// One account in a snapshot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountSnapshot {
    /// The account's name, as the log writes it.
    pub account_id: String,
    /// The balance after the N records (kept as decimal text in the file).
    #[serde(with = "money_text")]
    pub balance: Money,
    /// How many of the N records name the account (transfers to it included).
    pub events: usize,
    /// The sum of the sizes of the account's changes: a bound on any partial sum, in any order.
    #[serde(with = "money_text")]
    pub turnover: Money,
    /// Whether the account is closed after these records in recorded order.
    pub closed_in_recorded_order: bool,
    /// The last open/close event of the account in time order: its time and whether it closed.
    pub last_status: Option<Status>,
}

/// An open or close event: when, and which.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// The event's time, in milliseconds since 1970-01-01 UTC.
    pub timestamp_ms: Millis,
    /// Whether it closed the account (`false`: it opened it).
    pub closed: bool,
}

/// The state after the first `records` records of a sealed log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    /// Always [`FORMAT`]: a file of any other format is not read as a snapshot.
    pub format: String,
    /// How many records (events) the snapshot covers: the first N of the log.
    pub records: usize,
    /// The seq of record N.
    pub seq: u64,
    /// The line record N is on.
    pub line: u64,
    /// The byte offset just after record N's newline: where the rest of the log starts.
    pub offset: u64,
    /// The hash of record N.
    pub hash: String,
    /// The latest timestamp among the N records.
    pub max_timestamp_ms: Millis,
    /// Problems the log had up to record N when the snapshot was taken.
    pub problems: usize,
    /// The effect each type name in the N records had (other mappings make the snapshot void).
    pub types: BTreeMap<String, String>,
    /// Every account named in the N records, sorted by id.
    pub accounts: Vec<AccountSnapshot>,
}

mod money_text {
    use serde::{Deserialize, Deserializer, Serializer, de};

    use crate::ledger::money::Money;

    pub fn serialize<S: Serializer>(m: &Money, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(m)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Money, D::Error> {
        let text = String::deserialize(d)?;
        Money::parse(&text).map_err(de::Error::custom)
    }
}

/// The folder a log's snapshots are kept in: `FILE.snapshots/`.
pub fn snapshot_dir(log: &Path) -> PathBuf {
    let mut name = log.as_os_str().to_owned();
    name.push(".snapshots");
    PathBuf::from(name)
}

/// Whether every record has its own `seq`, increasing along the file, so that the recorded order
/// is the file order.
fn in_file_order(ledger: &Ledger) -> bool {
    let seqs = &ledger.records.seqs;
    let events = &ledger.records.events;
    seqs.len() == events.len()
        && !seqs.contains(&NO_SEQ)
        && seqs.windows(2).all(|w| w[0] < w[1])
        && events.windows(2).all(|w| w[0].offset < w[1].offset)
}

/// The accounts an event names (its account and its `to`), whatever it does to them.
fn named(ledger: &Ledger, i: usize) -> [AccountId; 2] {
    let e = ledger.event(i);
    [e.account, ledger.transfer_to(e).unwrap_or(NO_ACCOUNT)]
}

impl Snapshot {
    /// The state after the first `n` records of a loaded sealed log.
    pub fn take(ledger: &Ledger, n: usize) -> Result<Snapshot, String> {
        let name = ledger.name();
        match ledger.integrity() {
            Integrity::Sealed => {}
            Integrity::Unsealed => {
                return Err(format!(
                    "{name}: snapshots are only for sealed logs (`rewind seal` writes a sealed copy)"
                ));
            }
            Integrity::Broken { line } => {
                return Err(format!(
                    "{name}:{line}: the chain is broken, so no snapshot can be bound to it \
                     (`rewind verify {name}`)"
                ));
            }
        }
        if n == 0 || n > ledger.len() {
            return Err(format!(
                "{name}: a snapshot covers 1 to {} records, not {n}",
                ledger.len()
            ));
        }
        if !in_file_order(ledger) {
            return Err(format!(
                "{name}: the records' seqs do not increase along the file, so the recorded order \
                 is not the file order a snapshot is bound to"
            ));
        }
        let last = ledger.event(n - 1);
        let raw = ledger
            .raw(n - 1)
            .map_err(|e| format!("{name}:{}: {e}", last.line))?;
        let hash = std::str::from_utf8(&raw)
            .ok()
            .and_then(|t| parse_record(t).ok())
            .and_then(|f| f.seal)
            .map(|s| s.hash)
            .ok_or_else(|| format!("{name}:{}: the record is not sealed", last.line))?;
        let end = last.offset + u64::from(last.len);
        if ledger.raw.read(end, 1).ok().as_deref() != Some(b"\n") {
            return Err(format!(
                "{name}:{}: the record does not end with a newline",
                last.line
            ));
        }
        let mut types = BTreeMap::new();
        let mut seen: BTreeSet<AccountId> = BTreeSet::new();
        for i in 0..n {
            let e = ledger.event(i);
            types
                .entry(ledger.type_name(e.kind).to_string())
                .or_insert_with(|| ledger.effect(e.kind).name().to_string());
            seen.extend(named(ledger, i).into_iter().filter(|a| *a != NO_ACCOUNT));
        }
        let mut accounts = Vec::with_capacity(seen.len());
        for a in seen {
            let state = ledger.account_at(a, Moment::Seq(n as u64));
            let list = ledger.postings_recorded(a);
            let k = list.partition_point(|p| (p.event as usize) < n);
            let mut turnover = Money::ZERO;
            let mut last_status: Option<(Millis, u32, bool)> = None;
            for p in &list[..k] {
                turnover = turnover
                    .checked_add(ledger.delta(p.event as usize, a).abs())
                    .ok_or_else(|| {
                        format!(
                            "{name}: the balances of {} are too large to be kept exactly",
                            ledger.account_name(a)
                        )
                    })?;
                let e = ledger.event(p.event as usize);
                let effect = ledger.event_effect(e);
                if e.account == a && matches!(effect, Effect::Open | Effect::Close) {
                    let key = (e.ts, p.event, effect == Effect::Close);
                    if last_status.is_none_or(|s| (key.0, key.1) > (s.0, s.1)) {
                        last_status = Some(key);
                    }
                }
            }
            accounts.push(AccountSnapshot {
                account_id: ledger.account_name(a).to_string(),
                balance: state.balance,
                events: state.events,
                turnover,
                closed_in_recorded_order: state.closed,
                last_status: last_status.map(|(ts, _, closed)| Status {
                    timestamp_ms: ts,
                    closed,
                }),
            });
        }
        accounts.sort_by(|x, y| x.account_id.cmp(&y.account_id));
        Ok(Snapshot {
            format: FORMAT.to_string(),
            records: n,
            seq: ledger.seq_of(n - 1),
            line: last.line,
            offset: end + 1,
            hash: chain::to_hex(&hash),
            max_timestamp_ms: ledger.events()[..n]
                .iter()
                .map(|e| e.ts)
                .max()
                .expect("n >= 1"),
            problems: ledger
                .problems()
                .iter()
                .filter(|p| p.line <= last.line)
                .count(),
            types,
            accounts,
        })
    }

    /// Writes the snapshot into `FILE.snapshots/` (created when missing, never a symbolic link),
    /// whole or not at all (see [`files::write_whole`]), with the log's permission bits at most.
    /// Returns its path.
    pub fn save(&self, log: &Path) -> std::io::Result<PathBuf> {
        let meta = fs::metadata(log)?;
        let dir = snapshot_dir(log);
        files::dir_beside(&dir, &meta)?;
        let path = dir.join(format!("{:020}.json", self.seq));
        let text = serde_json::to_string_pretty(self).expect("serializable");
        files::write_whole(&path, files::file_mode(&meta), Replace::Allowed, |f| {
            f.write_all(text.as_bytes())?;
            f.write_all(b"\n")
        })?;
        Ok(path)
    }

    /// Checks that the snapshot is still bound to the log: the record that ends at its offset
    /// carries its hash and seq, and the type names it saw still have the same effects.
    pub fn check_binding(&self, log: &File, types: &TypeMap) -> Result<(), String> {
        if self.format != FORMAT {
            return Err(format!("unknown format `{}`", self.format));
        }
        let len = log.metadata().map_err(|e| e.to_string())?.len();
        if len < self.offset {
            return Err(format!(
                "the log is {len} bytes, shorter than the {} it had up to seq {} (was it cut off?)",
                self.offset, self.seq
            ));
        }
        let mismatch = || {
            format!(
                "the record ending at byte {} is no longer seq {} with the hash the snapshot was \
                 taken after (was the log rewritten?)",
                self.offset, self.seq
            )
        };
        let line = line_before(log, self.offset)
            .map_err(|e| e.to_string())?
            .filter(|l| l.start + l.bytes.len() as u64 + 1 == self.offset)
            .ok_or_else(mismatch)?;
        let hash = chain::from_hex(&self.hash).ok_or_else(mismatch)?;
        let fields = std::str::from_utf8(&line.bytes)
            .ok()
            .and_then(|t| parse_record(t).ok())
            .ok_or_else(mismatch)?;
        let holds = fields.seal.is_some_and(|s| s.hash == hash)
            && chain::record_hash(&line.bytes) == Some(hash)
            && fields.seq == Some(self.seq);
        if !holds {
            return Err(mismatch());
        }
        for (name, effect) in &self.types {
            let now = types.effect(name).name();
            if now != effect {
                return Err(format!(
                    "it was taken when type `{name}` was a {effect}, and it is now a {now} \
                     (other --types)"
                ));
            }
        }
        Ok(())
    }

    /// Whether the snapshot holds everything a moment includes of the first N records.
    pub fn covers(&self, moment: Moment) -> bool {
        match moment {
            Moment::End => true,
            Moment::Time(t) => self.max_timestamp_ms <= t,
            Moment::Seq(m) => m >= self.records as u64,
        }
    }
}

/// The snapshots next to a log, newest (furthest into the log) first, after the files that
/// cannot be read as snapshots (each with the reason).
pub fn list(log: &Path) -> Vec<(PathBuf, Result<Snapshot, String>)> {
    let Ok(entries) = fs::read_dir(snapshot_dir(log)) else {
        return Vec::new();
    };
    let mut found: Vec<(PathBuf, Result<Snapshot, String>)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .map(|p| {
            let snapshot = fs::read_to_string(&p)
                .map_err(|e| e.to_string())
                .and_then(|t| serde_json::from_str::<Snapshot>(&t).map_err(|e| e.to_string()));
            (p, snapshot)
        })
        .collect();
    // Unreadable ones first, so that they are reported whichever snapshot answers.
    found.sort_by_key(|(p, s)| {
        (
            std::cmp::Reverse(s.as_ref().map_or(u64::MAX, |s| s.offset)),
            p.clone(),
        )
    });
    found
}

/// Compares every snapshot next to a log with what the log itself gives for the same records.
/// `balance` trusts a snapshot's balances once the record it is bound to still carries its hash;
/// this is the full check, for `verify`: one line per snapshot that does not match (or cannot be
/// read), empty when all hold.
pub fn audit(log: &Path, ledger: &Ledger) -> Vec<String> {
    let mut findings = Vec::new();
    for (path, snapshot) in list(log) {
        let shown = path.display();
        let stored = match snapshot {
            Ok(s) => s,
            Err(e) => {
                findings.push(format!("{shown}: not a snapshot: {e}"));
                continue;
            }
        };
        let fresh = match Snapshot::take(ledger, stored.records) {
            Ok(s) => s,
            Err(e) => {
                findings.push(format!("{shown}: cannot be checked against the log: {e}"));
                continue;
            }
        };
        let same_binding = (stored.seq, stored.line, stored.offset, &stored.hash)
            == (fresh.seq, fresh.line, fresh.offset, &fresh.hash);
        if !same_binding {
            findings.push(format!(
                "{shown}: bound to seq {} at offset {}, but the log's record {} is seq {} at offset {}",
                stored.seq, stored.offset, stored.records, fresh.seq, fresh.offset
            ));
        } else if let Some((a, b)) = stored
            .accounts
            .iter()
            .zip(&fresh.accounts)
            .find(|(a, b)| a != b)
        {
            findings.push(format!(
                "{shown}: says {} has balance {} after {} events; the log gives {} after {}",
                a.account_id, a.balance, a.events, b.balance, b.events
            ));
        } else if stored.accounts.len() != fresh.accounts.len()
            || stored.max_timestamp_ms != fresh.max_timestamp_ms
            || stored.types != fresh.types
        {
            findings.push(format!(
                "{shown}: does not match the log's first {} records",
                stored.records
            ));
        }
    }
    findings
}

/// An account as of a moment, by name: what `balance` prints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedState {
    /// The account's name, as the log writes it.
    pub account_id: String,
    /// Its balance at the moment.
    pub balance: Money,
    /// How many events name it up to the moment (transfers to it included).
    pub events: usize,
    /// Whether it has any event at or before the moment.
    pub exists: bool,
    /// Whether its last open/close event so far closed it.
    pub closed: bool,
}

/// Every account of a fully loaded log as of a moment, sorted by id.
pub fn full_states(ledger: &Ledger, moment: Moment) -> Vec<NamedState> {
    ledger
        .balances_at(moment)
        .into_iter()
        .map(|s| NamedState {
            account_id: ledger.account_name(s.account).to_string(),
            balance: s.balance,
            events: s.events,
            exists: s.exists,
            closed: s.closed,
        })
        .collect()
}

/// A log read from a snapshot on: the snapshot, and the records after it.
pub struct Resumed {
    /// The snapshot the log was read from: the state after its first N records.
    pub snapshot: Snapshot,
    /// The records after the snapshot, with their own lines and offsets in the file.
    pub tail: Ledger,
    by_name: HashMap<String, usize>,
}

impl Resumed {
    /// Binds a snapshot to the log and reads the records after it. Fails (with the reason) when
    /// the snapshot no longer fits the log or the rest of the log does not continue its chain.
    pub fn open(log: &Path, options: &LoadOptions, snapshot: Snapshot) -> Result<Resumed, String> {
        let file = File::open(log).map_err(|e| e.to_string())?;
        snapshot.check_binding(&file, &options.types)?;
        let resume = Resume {
            offset: snapshot.offset,
            line: snapshot.line + 1,
            prev: chain::from_hex(&snapshot.hash).expect("checked by the binding"),
            seq: snapshot.seq,
        };
        let tail = load_file_from(log, options, resume).map_err(|e| e.to_string())?;
        if let Some(p) = tail
            .problems()
            .iter()
            .find(|p| matches!(p.kind, ProblemKind::ChainBroken | ProblemKind::TornTail))
        {
            return Err(format!(
                "line {} after it: {} ({})",
                p.line,
                tail.message(p),
                p.kind
            ));
        }
        let seqs_follow =
            in_file_order(&tail) && (tail.is_empty() || tail.seq_of(0) > snapshot.seq);
        if !seqs_follow {
            return Err("the seqs after it do not follow on from it along the file".into());
        }
        let by_name = snapshot
            .accounts
            .iter()
            .enumerate()
            .map(|(i, a)| (a.account_id.clone(), i))
            .collect();
        Ok(Resumed {
            snapshot,
            tail,
            by_name,
        })
    }

    /// Events in the whole log.
    pub fn len(&self) -> usize {
        self.snapshot.records + self.tail.len()
    }

    /// Whether the whole log has no events.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The latest timestamp in the whole log.
    pub fn last_time(&self) -> Option<Millis> {
        Some(
            self.tail
                .last_time()
                .map_or(self.snapshot.max_timestamp_ms, |t| {
                    t.max(self.snapshot.max_timestamp_ms)
                }),
        )
    }

    fn tail_moment(&self, moment: Moment) -> Moment {
        match moment {
            Moment::Seq(m) => Moment::Seq(m.saturating_sub(self.snapshot.records as u64)),
            other => other,
        }
    }

    /// How many events a moment includes (the moment must be covered).
    pub fn included(&self, moment: Moment) -> usize {
        self.snapshot.records + self.tail.included(self.tail_moment(moment))
    }

    /// The time a moment stands for, as [`Ledger::time_of`] gives it.
    pub fn time_of(&self, moment: Moment) -> Option<Millis> {
        match moment {
            Moment::Time(t) => Some(t),
            Moment::End => self.last_time(),
            Moment::Seq(_) => {
                let tail = self.tail.time_of(self.tail_moment(moment));
                Some(tail.map_or(self.snapshot.max_timestamp_ms, |t| {
                    t.max(self.snapshot.max_timestamp_ms)
                }))
            }
        }
    }

    /// Every account name, sorted.
    pub fn account_names(&self) -> Vec<&str> {
        let mut names: BTreeSet<&str> = self
            .snapshot
            .accounts
            .iter()
            .map(|a| a.account_id.as_str())
            .collect();
        names.extend(
            self.tail
                .accounts_sorted()
                .iter()
                .map(|&a| self.tail.account_name(a)),
        );
        names.into_iter().collect()
    }

    /// One account as of a covered moment, or `None` when the log does not name it. An error
    /// when the sums could reach the limit of exact decimals, where the order of additions
    /// matters: then only a full replay answers exactly.
    pub fn state(&self, name: &str, moment: Moment) -> Result<Option<NamedState>, String> {
        debug_assert!(self.snapshot.covers(moment));
        let before = self.by_name.get(name).map(|&i| &self.snapshot.accounts[i]);
        let after = self
            .tail
            .find_account(name)
            .map(|a| self.tail_part(a, moment));
        if before.is_none() && after.is_none() {
            return Ok(None);
        }
        let after = after.unwrap_or(TailPart {
            balance: Money::ZERO,
            events: 0,
            turnover: Some(Money::ZERO),
            status: None,
        });
        let (balance, events, turnover) = match before {
            Some(b) => (b.balance, b.events, b.turnover),
            None => (Money::ZERO, 0, Money::ZERO),
        };
        let too_large = || format!("the balances of {name} are too large to combine exactly");
        after
            .turnover
            .and_then(|t| turnover.checked_add(t))
            .ok_or_else(too_large)?;
        let balance = balance.checked_add(after.balance).ok_or_else(too_large)?;
        let closed = match moment {
            Moment::Seq(_) => match after.status {
                Some((_, closed)) => closed,
                None => before.is_some_and(|b| b.closed_in_recorded_order),
            },
            Moment::Time(_) | Moment::End => {
                let earlier = before.and_then(|b| b.last_status);
                match (earlier, after.status) {
                    // The records after the snapshot come later in the log, so they win ties.
                    (Some(s), Some((ts, _))) if ts < s.timestamp_ms => s.closed,
                    (_, Some((_, closed))) => closed,
                    (Some(s), None) => s.closed,
                    (None, None) => false,
                }
            }
        };
        let events = events + after.events;
        Ok(Some(NamedState {
            account_id: name.to_string(),
            balance,
            events,
            exists: events > 0,
            closed,
        }))
    }

    /// Every account as of a covered moment, sorted by id.
    pub fn states(&self, moment: Moment) -> Result<Vec<NamedState>, String> {
        self.account_names()
            .into_iter()
            .map(|n| self.state(n, moment).map(|s| s.expect("a name of the log")))
            .collect()
    }

    /// What the records after the snapshot do to one account as of a moment.
    fn tail_part(&self, account: AccountId, moment: Moment) -> TailPart {
        let tail = &self.tail;
        let moment = self.tail_moment(moment);
        let state = tail.account_at(account, moment);
        let list = match moment {
            Moment::Seq(_) => tail.postings_recorded(account),
            _ => tail.postings(account),
        };
        let included = &list[..state.events];
        let turnover = included.iter().try_fold(Money::ZERO, |sum, p| {
            sum.checked_add(tail.delta(p.event as usize, account).abs())
        });
        let status = included.iter().rev().find_map(|p| {
            let e = tail.event(p.event as usize);
            let effect = tail.event_effect(e);
            (e.account == account && matches!(effect, Effect::Open | Effect::Close))
                .then_some((e.ts, effect == Effect::Close))
        });
        TailPart {
            balance: state.balance,
            events: state.events,
            turnover,
            status,
        }
    }
}

#[derive(Clone, Copy)]
struct TailPart {
    balance: Money,
    events: usize,
    /// `None` when the sum itself leaves the range of exact decimals.
    turnover: Option<Money>,
    /// The last open/close event included (time, closed) in the moment's order.
    status: Option<(Millis, bool)>,
}
