//! `rewind verify`: checks the hash chain; prints the head digest or the first broken record, and
//! with `--expect` proves that the log still holds a record a user kept the digest of.

use std::path::Path;

use clap::Args;
use serde::Serialize;

use super::output::{json_line, print};
use super::{Failure, Outcome, SourceOptions, open};
use crate::ledger::chain::{self, Digest256, ExpectedDigest, GENESIS};
use crate::ledger::record::parse_record;
use crate::ledger::snapshot;
use crate::ledger::{Integrity, Ledger, ProblemKind};
use crate::text::escape_control;

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// Log file, or a postgres:// URL (with --preset or --query).
    pub file: String,
    /// A digest kept earlier (`SEQ:HASH`, or a record's hash): the log must still hold that
    /// record, unchanged, with everything before it.
    #[arg(long, value_name = "DIGEST")]
    pub expect: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

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
}

impl Report {
    pub fn ok(&self) -> bool {
        self.broken_at.is_none()
            && self.torn_tail.is_none()
            && matches!(self.integrity, "sealed" | "empty")
            && self.expect.as_ref().is_none_or(|e| e.holds)
            && self.snapshots.is_empty()
    }
}

/// The seq and hash of the `i`-th event's record, read back from the log; `None` unless the
/// record's bytes still hash to the hash it carries.
fn record_digest(ledger: &Ledger, i: usize) -> Option<Digest256> {
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

pub fn run(args: VerifyArgs, options: &SourceOptions) -> Outcome {
    if let Some(db) = super::pg_source(&args.file, options)? {
        return super::database::verify(&db, args.expect.as_deref(), args.json);
    }
    let expect: Option<ExpectedDigest> = match &args.expect {
        Some(text) => Some(
            text.parse()
                .map_err(|e: String| Failure::usage(format!("--expect: {e}")))?,
        ),
        None => None,
    };
    let ledger = open(Some(&args.file), options)?;
    let mut report = verify(&ledger, expect.as_ref());
    report.snapshots = snapshot::audit(Path::new(&args.file), &ledger);
    if args.json {
        print(&json_line(&report))?;
    } else {
        print(&render_text(&report))?;
    }
    Ok(if report.ok() { 0 } else { 1 })
}

fn render_text(r: &Report) -> String {
    let name = escape_control(&r.file);
    let mut out = String::new();
    if let Some(b) = &r.broken_at {
        let seq = b.seq.map(|s| format!(" (seq {s})")).unwrap_or_default();
        out.push_str(&format!(
            "{name}:{}: chain broken{seq}: {}\n",
            b.line,
            escape_control(&b.reason)
        ));
    } else {
        match r.integrity {
            "unsealed" => out.push_str(&format!(
                "{name}: not sealed: the records carry no hash chain, so the history is not \
                 tamper-evident (`rewind seal` writes a sealed copy)\n"
            )),
            "empty" => out.push_str(&format!("{name}: empty log\n")),
            _ => out.push_str(&format!(
                "{name}: sealed, {} record{}, chain intact\n",
                r.records,
                if r.records == 1 { "" } else { "s" }
            )),
        }
    }
    // A last line that is itself where the chain breaks was altered, not cut short: moving it
    // aside would hide the evidence.
    let torn_and_broken = r
        .broken_at
        .as_ref()
        .is_some_and(|b| Some(b.line) == r.torn_tail);
    if let Some(line) = r.torn_tail.filter(|_| !torn_and_broken) {
        out.push_str(&format!(
            "{name}:{line}: the last line is incomplete (an interrupted write, never acknowledged); \
             `rewind repair {name}` moves it aside\n"
        ));
    }
    if let Some(&first) = r.repeated_seqs.first() {
        let more = match r.repeated_seqs.len() {
            1 => String::new(),
            n => format!(" and {} more", n - 1),
        };
        out.push_str(&format!(
            "{name}:{first}: note: this record repeats an earlier seq{more} (rewind never writes \
             that; `rewind check` lists each), so a digest for it is matched by its hash\n"
        ));
    }
    for finding in &r.snapshots {
        out.push_str(&format!("{}\n", escape_control(finding)));
    }
    if let Some(e) = &r.expect {
        let at = e.line.map(|l| format!(":{l}")).unwrap_or_default();
        let verdict = if e.holds { "holds" } else { "DOES NOT HOLD" };
        out.push_str(&format!(
            "{name}{at}: expected {} {verdict}: {}\n",
            e.digest, e.reason
        ));
    }
    if let Some(head) = &r.head {
        out.push_str(&format!("head {head}\n"));
    }
    out
}
