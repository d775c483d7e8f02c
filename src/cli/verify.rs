//! `rewind verify`: checks the hash chain; prints the head digest or the first broken record, and
//! with `--expect` proves that the log still holds a record a user kept the digest of.

use std::path::Path;

use super::output::{json_line, print};
use super::progress::load_reporting;
use super::{Failure, Outcome, SourceOptions, load_options, source_of};
use crate::ledger::Ledger;
use crate::ledger::chain::ExpectedDigest;
use crate::ledger::checkpoint::{SignedCheckpoint, VerifierKey};
use crate::ledger::log_tree::LogTree;
use crate::ledger::snapshot;
use crate::ledger::verify::{ExpectOutcome, RememberedOutcome, Report, verify};
use crate::source::{Source, SourceTree, VerifyReport};
use crate::text::{escape_control, group};
use clap::Args;

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
    let source = source_of(Some(&args.file), options)?;
    super::interruptible(&source);
    if let Some(heads) = args.expect.as_deref()
        && let Some(found) = source.verify_heads(heads)
    {
        return super::topic::verify(&found.map_err(super::open_failure)?, args.json);
    }
    let expected = expected(&args)?;
    let keys = args
        .key
        .iter()
        .map(|k| super::evidence::read_verifier_key(k))
        .collect::<Result<Vec<_>, _>>()?;
    let load = |source: &Source| load_reporting(source, &load_options(options)?);

    let (ledger, mut report) = match &expected {
        Some(Expected::Checkpoint(cp)) => match source.tree(load)? {
            SourceTree::Rows { name, tree } => {
                return super::database::verify_checkpoint(
                    &name,
                    &tree,
                    cp,
                    &keys,
                    args.origin.as_deref(),
                    args.json,
                );
            }
            SourceTree::Chain(ledger) => {
                let mut report = verify(&ledger, None);
                report.expect = Some(check_checkpoint(
                    &ledger,
                    &report,
                    cp,
                    &keys,
                    args.origin.as_deref(),
                    options,
                ));
                (ledger, report)
            }
        },
        Some(Expected::Digest(d)) => match source.verify(Some(d), load)? {
            VerifyReport::Rows { name, digest } => {
                return super::database::verify(&name, &digest, args.expect.as_deref(), args.json);
            }
            VerifyReport::Chain { ledger, report } => (ledger, report),
            VerifyReport::Partitions(d) => return super::topic::verify(&d, args.json),
        },
        None => match source.verify(None, load)? {
            VerifyReport::Rows { name, digest } => {
                return super::database::verify(&name, &digest, None, args.json);
            }
            VerifyReport::Partitions(d) => return super::topic::verify(&d, args.json),
            VerifyReport::Chain { ledger, report } => (ledger, report),
        },
    };
    // Standard input has no snapshots beside it, and no name to remember its head by.
    let stdin = args.file == "-";
    if !stdin {
        report.snapshots = snapshot::audit(Path::new(&args.file), &ledger);
    }
    if report.intact()
        && !stdin
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
