//! Checking a loaded log's hash chain: where it breaks first, its head digest, and whether it
//! still holds a record whose digest was kept earlier.

use serde::Serialize;

use super::chain::{self, Digest256, ExpectedDigest, GENESIS};
use super::record::parse_record;
use super::remembered::LogCheck;
use super::{Integrity, Ledger, ProblemKind};

/// Where the chain breaks first.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Break {
    pub line: u64,
    pub seq: Option<u64>,
    pub reason: String,
}

/// The answer to `--expect`.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ExpectOutcome {
    pub digest: String,
    pub holds: bool,
    pub line: Option<u64>,
    pub reason: String,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub file: String,
    pub records: usize,
    /// `sealed`, `broken`, `unsealed` or `empty`.
    pub integrity: &'static str,
    /// The last complete record's digest (`0:000…` for an empty log).
    pub head: Option<String>,
    pub broken_at: Option<Break>,
    /// The line of an incomplete last line (an interrupted write).
    pub torn_tail: Option<u64>,
    pub expect: Option<ExpectOutcome>,
    /// Snapshots next to the log that do not match it (or cannot be read).
    pub snapshots: Vec<String>,
    /// Lines whose seq an earlier record already has: the chain holds, but a digest `SEQ:HASH`
    /// names such a record by its hash alone. (rewind never writes one; `check` lists them.)
    pub repeated_seqs: Vec<u64>,
    /// The log against the head remembered from an earlier run (absent when nothing is
    /// remembered, or remembering is off).
    pub remembered: Option<RememberedOutcome>,
}

/// The log next to the head seen before.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RememberedOutcome {
    /// `new`, `same`, `grew`, `rewritten` or `cut`.
    pub status: &'static str,
    /// What was found, for `rewritten` and `cut`.
    pub finding: Option<String>,
}

impl RememberedOutcome {
    pub fn of(check: &LogCheck, finding: Option<String>) -> RememberedOutcome {
        RememberedOutcome {
            status: match check {
                LogCheck::New => "new",
                LogCheck::Same => "same",
                LogCheck::Grew { .. } => "grew",
                LogCheck::Rewritten { .. } => "rewritten",
                LogCheck::Cut { .. } => "cut",
            },
            finding,
        }
    }
}

impl Report {
    pub fn ok(&self) -> bool {
        self.broken_at.is_none()
            && self.torn_tail.is_none()
            && matches!(self.integrity, "sealed" | "empty")
            && self.expect.as_ref().is_none_or(|e| e.holds)
            && self.snapshots.is_empty()
            && self.remembered.as_ref().is_none_or(|r| r.finding.is_none())
    }

    /// Whether the log is an intact sealed (or empty) log, whatever was expected of it.
    pub fn intact(&self) -> bool {
        self.broken_at.is_none()
            && self.torn_tail.is_none()
            && matches!(self.integrity, "sealed" | "empty")
    }
}

/// The seq and hash of the `i`-th event's record, read back from the log; `None` unless the
/// record's bytes still hash to the hash it carries.
pub fn record_digest(ledger: &Ledger, i: usize) -> Option<Digest256> {
    let raw = ledger.raw(i).ok()?;
    let text = std::str::from_utf8(&raw).ok()?;
    let seal = parse_record(text).ok()?.seal?;
    (chain::record_hash(&raw) == Some(seal.hash)).then_some(Digest256 {
        seq: ledger.seq_of(i),
        hash: seal.hash,
    })
}

/// Checks a loaded log's chain and, when given, that it holds the expected record.
pub fn verify(ledger: &Ledger, expect: Option<&ExpectedDigest>) -> Report {
    let torn_tail = ledger
        .problems()
        .iter()
        .find(|p| p.kind == ProblemKind::TornTail)
        .map(|p| p.line);
    // An incomplete last line that is not a record is an interrupted write, not a break; a last
    // line that is a record is checked like any other.
    let torn_is_a_record =
        torn_tail.is_some_and(|line| ledger.events().iter().any(|e| e.line == line));
    let nothing_readable = ledger.is_empty() && !ledger.problems().is_empty();
    let broken_at = ledger
        .problems()
        .iter()
        .filter(|p| {
            (p.kind == ProblemKind::ChainBroken
                && (Some(p.line) != torn_tail || torn_is_a_record))
                // No line of the file is a record: the first bad one is where it breaks.
                || (nothing_readable && p.kind.is_bad_line())
        })
        .min_by_key(|p| p.line)
        .map(|p| Break {
            line: p.line,
            seq: ledger
                .events()
                .iter()
                .position(|e| e.line == p.line)
                .map(|i| ledger.seq_of(i)),
            reason: ledger.message(p),
        });
    let last = ledger
        .events()
        .iter()
        .enumerate()
        .max_by_key(|(_, e)| e.offset)
        .map(|(i, _)| i);
    let sealed = !matches!(ledger.integrity(), Integrity::Unsealed);
    let integrity = match (ledger.is_empty(), sealed, &broken_at) {
        (true, _, None) => "empty",
        (_, _, Some(_)) => "broken",
        (false, true, None) => "sealed",
        (false, false, None) => "unsealed",
    };
    let head = match (integrity, last) {
        ("empty", _) => Some(Digest256 {
            seq: 0,
            hash: GENESIS,
        }),
        ("sealed", Some(i)) => record_digest(ledger, i),
        _ => None,
    };
    let expect = expect.map(|wanted| check_expected(ledger, wanted, head, broken_at.as_ref()));
    Report {
        file: ledger.name().to_string(),
        records: ledger.len(),
        integrity,
        head: head.map(|h| h.to_string()),
        broken_at,
        torn_tail,
        expect,
        snapshots: Vec::new(),
        repeated_seqs: ledger
            .problems()
            .iter()
            .filter(|p| p.kind == ProblemKind::DuplicateSeq)
            .map(|p| p.line)
            .collect(),
        remembered: None,
    }
}

fn check_expected(
    ledger: &Ledger,
    wanted: &ExpectedDigest,
    head: Option<Digest256>,
    broken: Option<&Break>,
) -> ExpectOutcome {
    let digest = match wanted.seq {
        Some(seq) => format!("{seq}:{}", chain::to_hex(&wanted.hash)),
        None => chain::to_hex(&wanted.hash),
    };
    let outcome = |holds: bool, line: Option<u64>, reason: String| ExpectOutcome {
        digest: digest.clone(),
        holds,
        line,
        reason,
    };
    if wanted.seq == Some(0) || (wanted.seq.is_none() && wanted.hash == GENESIS) {
        return if wanted.hash == GENESIS {
            outcome(
                true,
                None,
                "the empty log's digest holds for any log".into(),
            )
        } else {
            outcome(
                false,
                None,
                "seq 0 is the empty log: its hash is 64 zeros".into(),
            )
        };
    }
    let Some(head) = head else {
        return outcome(
            false,
            broken.map(|b| b.line),
            "the log is not an intact sealed log, so it cannot prove it holds that record".into(),
        );
    };
    let with_seq = |i: usize| wanted.seq.is_none_or(|s| ledger.seq_of(i) == s);
    // The record with that seq and hash (a log may repeat a seq: `check` reports it); else the
    // first with that seq, to say what it holds now.
    let found = (0..ledger.len())
        .filter(|&i| with_seq(i))
        .find_map(|i| {
            record_digest(ledger, i)
                .filter(|d| d.hash == wanted.hash)
                .map(|d| (i, d))
        })
        .or_else(|| {
            let i = (0..ledger.len()).find(|&i| with_seq(i))?;
            wanted.seq.and(record_digest(ledger, i).map(|d| (i, d)))
        });
    match (found, wanted.seq) {
        (Some((i, d)), _) if d.hash == wanted.hash => outcome(
            true,
            Some(ledger.event(i).line),
            format!(
                "the log still holds seq {} unchanged, and everything before it",
                d.seq
            ),
        ),
        (Some((i, d)), _) => outcome(
            false,
            Some(ledger.event(i).line),
            format!(
                "seq {} now has hash {}, not the expected one: the history up to it was rewritten",
                d.seq,
                chain::to_hex(&d.hash)
            ),
        ),
        (None, Some(seq)) if seq > head.seq => outcome(
            false,
            None,
            format!(
                "the log ends at seq {} (head {head}), before the expected seq {seq}: records were cut off",
                head.seq
            ),
        ),
        (None, Some(seq)) => outcome(false, None, format!("no record has seq {seq}")),
        (None, None) => outcome(
            false,
            None,
            format!(
                "no record has that hash: the log was cut off before it, or rewritten (head is now {head})"
            ),
        ),
    }
}
