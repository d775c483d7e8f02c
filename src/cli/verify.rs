//! `rewind verify`: checks the hash chain; prints the head digest or the first broken record, and
//! with `--expect` proves that the log still holds a record a user kept the digest of.

use std::path::Path;

use clap::Args;
use serde::Serialize;

use super::output::{json_line, print};
use super::{Failure, Outcome, SourceOptions, open};
use crate::ledger::chain::{self, Digest256, ExpectedDigest, GENESIS};
use crate::ledger::checkpoint::{SignedCheckpoint, VerifierKey};
use crate::ledger::log_tree::LogTree;
use crate::ledger::record::parse_record;
use crate::ledger::remembered::LogCheck;
use crate::ledger::snapshot;
use crate::ledger::{Integrity, Ledger, ProblemKind};
use crate::text::{escape_control, group};

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// Log file, or a postgres:// URL (with --preset or --query).
    pub file: String,
    /// A digest kept earlier (`SEQ:HASH`, or a record's hash), or a signed checkpoint file: the
    /// log must still hold that record, or that tree, unchanged, with everything before it.
    #[arg(long, value_name = "DIGEST|CP")]
    pub expect: Option<String>,
    /// With --expect CP: the verifier key of the checkpoint's signer (a `.pub` file or the key's
    /// text); repeat for several.
    #[arg(long, value_name = "VERIFIER")]
    pub key: Vec<String>,
    /// With --expect CP: the ledger the checkpoint must be of (its origin).
    #[arg(long, value_name = "NAME")]
    pub origin: Option<String>,
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
    fn of(check: &LogCheck, finding: Option<String>) -> RememberedOutcome {
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
    fn intact(&self) -> bool {
        self.broken_at.is_none()
            && self.torn_tail.is_none()
            && matches!(self.integrity, "sealed" | "empty")
    }
}

/// The seq and hash of the `i`-th event's record, read back from the log; `None` unless the
/// record's bytes still hash to the hash it carries.
pub(crate) fn record_digest(ledger: &Ledger, i: usize) -> Option<Digest256> {
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

/// What `--expect` names: a digest, or a signed checkpoint read from a file.
enum Expected {
    Digest(ExpectedDigest),
    Checkpoint(SignedCheckpoint),
}

fn expected(args: &VerifyArgs) -> Result<Option<Expected>, Failure> {
    let Some(text) = &args.expect else {
        if !args.key.is_empty() || args.origin.is_some() {
            return Err(Failure::usage(
                "--key and --origin go with --expect CHECKPOINT".to_string(),
            ));
        }
        return Ok(None);
    };
    match text.parse::<ExpectedDigest>() {
        Ok(d) if args.key.is_empty() && args.origin.is_none() => Ok(Some(Expected::Digest(d))),
        Ok(_) => Err(Failure::usage(
            "--key and --origin go with --expect CHECKPOINT, not with a digest".to_string(),
        )),
        Err(_) if Path::new(text).is_file() => Ok(Some(Expected::Checkpoint(
            super::evidence::read_checkpoint(text)?,
        ))),
        Err(e) => Err(Failure::usage(format!(
            "--expect: {e}, nor a checkpoint file"
        ))),
    }
}

/// Checks a loaded log against a signed checkpoint: its first `size` records must be the tree the
/// checkpoint signs (and, with keys, the signature must be one of theirs).
fn check_checkpoint(
    ledger: &Ledger,
    report: &Report,
    cp: &SignedCheckpoint,
    keys: &[VerifierKey],
    origin: Option<&str>,
    options: &SourceOptions,
) -> ExpectOutcome {
    let c = &cp.checkpoint;
    let outcome = |holds: bool, line: Option<u64>, reason: String| ExpectOutcome {
        digest: format!("checkpoint of `{}` at {} records", c.origin, group(c.size)),
        holds,
        line,
        reason,
    };
    let signed = if keys.is_empty() {
        " (its signature was not checked: give --key VERIFIER)".to_string()
    } else {
        match cp.verify(keys) {
            Ok(by) => format!(" (signed by `{}`)", by.join("` and `")),
            Err(e) => return outcome(false, None, e.to_string()),
        }
    };
    if let Some(o) = origin
        && o != c.origin
    {
        return outcome(
            false,
            None,
            format!("the checkpoint is for the ledger `{}`, not `{o}`", c.origin),
        );
    }
    if !report.intact() {
        return outcome(
            false,
            report.broken_at.as_ref().map(|b| b.line),
            "the log is not an intact sealed log, so it cannot prove it holds that tree".into(),
        );
    }
    let tree = match LogTree::new(ledger) {
        Ok(t) => t,
        Err(e) => return outcome(false, None, format!("cannot read the log again: {e}")),
    };
    let line_of =
        |n: u64| (n > 0 && n <= tree.size()).then(|| ledger.event(tree.event_of(n - 1)).line);
    if c.size > tree.size() {
        return outcome(
            false,
            None,
            format!(
                "the log ends at record {}, before the checkpoint's {}: records were cut off",
                group(tree.size()),
                group(c.size)
            ),
        );
    }
    if tree.root_at(c.size).ok() != Some(c.root) {
        return outcome(
            false,
            line_of(c.size),
            format!(
                "the log's first {} records are not the tree the checkpoint signed: the history \
                 up to record {} was rewritten",
                group(c.size),
                group(c.size)
            ),
        );
    }
    let root_at = |m: u64| tree.root_at(m).ok();
    if let Some(check) = super::evidence::remember_origin(
        options,
        &c.origin,
        tree.size(),
        tree.root(),
        Some(&root_at),
    ) && let Some(finding) = check.origin_finding(&c.origin)
    {
        return outcome(false, None, finding);
    }
    outcome(
        true,
        line_of(c.size),
        format!(
            "the log's first {} records are the tree the checkpoint signed{signed}",
            group(c.size)
        ),
    )
}

pub fn run(args: VerifyArgs, options: &SourceOptions) -> Outcome {
    let expected = expected(&args)?;
    let keys = args
        .key
        .iter()
        .map(|k| super::evidence::read_verifier_key(k))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(db) = super::pg_source(&args.file, options)? {
        if let Some(Expected::Checkpoint(cp)) = &expected {
            return super::database::verify_checkpoint(
                &db,
                cp,
                &keys,
                args.origin.as_deref(),
                args.json,
            );
        }
        return super::database::verify(&db, args.expect.as_deref(), args.json);
    }
    let ledger = open(Some(&args.file), options)?;
    let digest = match &expected {
        Some(Expected::Digest(d)) => Some(d),
        _ => None,
    };
    let mut report = verify(&ledger, digest);
    if let Some(Expected::Checkpoint(cp)) = &expected {
        report.expect = Some(check_checkpoint(
            &ledger,
            &report,
            cp,
            &keys,
            args.origin.as_deref(),
            options,
        ));
    }
    report.snapshots = snapshot::audit(Path::new(&args.file), &ledger);
    if report.intact()
        && let Some(check) = super::evidence::remember_log(options, &args.file, &ledger)
    {
        report.remembered = Some(RememberedOutcome::of(&check, check.finding()));
    }
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
    if let Some(finding) = r.remembered.as_ref().and_then(|m| m.finding.as_ref()) {
        out.push_str(&format!("{name}: {finding}\n"));
    }
    if let Some(head) = &r.head {
        out.push_str(&format!("head {head}\n"));
    }
    out
}
