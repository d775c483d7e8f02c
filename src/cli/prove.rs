//! `rewind prove`: an evidence bundle of a sealed log, checked by `verify-bundle` without the log:
//! records with their inclusion proofs to a signed checkpoint, or a consistency proof between two
//! checkpoints.

use super::output::{json_line, print};
use std::path::PathBuf;

use clap::{ArgGroup, Args};
use serde::Serialize;

use super::evidence::{read_checkpoint, record_list, remember_log, require_sealed, write_new_file};
use super::{Failure, Outcome, SourceOptions, find_account, open, resolve_time, values};
use crate::ledger::bundle::Bundle;
use crate::ledger::checkpoint::SignedCheckpoint;
use crate::ledger::log_tree::LogTree;
use crate::ledger::time::{UserTime, format_time};
use crate::text::{escape_control, group};

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("what").required(true).args(["seq", "account", "consistency"])))]
pub struct ProveArgs {
    /// Sealed log file.
    pub file: String,
    /// The records with these seqs.
    #[arg(long, value_name = "N", num_args = 1..)]
    pub seq: Vec<u64>,
    /// Every record of this account (its events, and transfers to it).
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// With --account: only events at or after this time.
    #[arg(
        long,
        value_name = "T",
        allow_hyphen_values = true,
        requires = "account",
        value_parser = values::time
    )]
    pub from: Option<UserTime>,
    /// With --account: only events at or before this time (a date alone is the whole day).
    #[arg(
        long,
        value_name = "T",
        allow_hyphen_values = true,
        requires = "account",
        value_parser = values::end_time
    )]
    pub to: Option<UserTime>,
    /// Prove that checkpoint OLD's tree is a prefix of checkpoint NEW's.
    #[arg(long, value_names = ["OLD", "NEW"], num_args = 2, conflicts_with = "checkpoint")]
    pub consistency: Vec<String>,
    /// The signed checkpoint the records are proved in (`rewind checkpoint` makes one).
    #[arg(long, value_name = "CP", required_unless_present = "consistency")]
    pub checkpoint: Option<String>,
    /// The bundle to write (a new file).
    #[arg(long, value_name = "BUNDLE")]
    pub out: PathBuf,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    bundle: String,
    kind: &'static str,
    origin: String,
    size: u64,
    /// The records' places in the log (1-based), for an inclusion bundle.
    records: Vec<u64>,
    /// The old tree's size, for a consistency bundle.
    old_size: Option<u64>,
}

/// Checks that the log's first `cp.size` records are the checkpoint's tree.
fn matches_log(
    tree: &LogTree,
    cp: &SignedCheckpoint,
    path: &str,
    name: &str,
) -> Result<(), Failure> {
    let c = &cp.checkpoint;
    if c.size > tree.size() {
        return Err(Failure::found(format!(
            "{path}: the checkpoint of `{}` has {} records, the log {name} only {}: it is of \
             another log, or records were cut off",
            c.origin,
            group(c.size),
            group(tree.size())
        )));
    }
    if tree.root_at(c.size).ok() != Some(c.root) {
        return Err(Failure::found(format!(
            "{path}: the checkpoint of `{}` is not of this log: the first {} records of {name} \
             have another root (the log was rewritten, or the checkpoint is of another log)",
            c.origin,
            group(c.size)
        )));
    }
    Ok(())
}

pub fn run(args: ProveArgs, options: &SourceOptions) -> Outcome {
    if args.out.symlink_metadata().is_ok() {
        return Err(Failure::usage(format!(
            "{}: already exists; rewind never overwrites a bundle",
            args.out.display()
        )));
    }
    let name = escape_control(&args.file).into_owned();
    let checkpoints: Vec<(String, SignedCheckpoint)> = match &args.checkpoint {
        Some(cp) => vec![(cp.clone(), read_checkpoint(cp)?)],
        None => args
            .consistency
            .iter()
            .map(|p| Ok((p.clone(), read_checkpoint(p)?)))
            .collect::<Result<_, Failure>>()?,
    };
    let ledger = open(Some(&args.file), options)?;
    require_sealed(&ledger, "prove")?;
    if let Some(check) = remember_log(options, &args.file, &ledger)
        && let Some(finding) = check.finding()
    {
        return Err(Failure::found(format!("{name}: {finding}")));
    }
    let tree = LogTree::new(&ledger)
        .map_err(|e| Failure::usage(format!("{name}: cannot read the log again: {e}")))?;
    for (path, cp) in &checkpoints {
        matches_log(&tree, cp, &escape_control(path), &name)?;
    }
    let (bundle, report) = if let [(_, cp)] = checkpoints.as_slice() {
        let size = cp.checkpoint.size;
        let leaves = select(&args, &ledger, &tree, &name)?;
        if let Some(&late) = leaves.iter().find(|&&l| l >= size) {
            return Err(Failure::usage(format!(
                "{name}: record {} came after the checkpoint's {} records: make a new checkpoint \
                 to prove it",
                group(late + 1),
                group(size)
            )));
        }
        let mut records = Vec::with_capacity(leaves.len());
        for &leaf in &leaves {
            let record = String::from_utf8(tree.record(leaf).to_vec()).map_err(|_| {
                Failure::usage(format!("{name}: record {} is not UTF-8", group(leaf + 1)))
            })?;
            let proof = tree
                .inclusion_proof(leaf, size)
                .map_err(|e| Failure::usage(format!("{name}: {e}")))?;
            records.push((leaf, record, proof));
        }
        let report = Report {
            bundle: args.out.display().to_string(),
            kind: "inclusion",
            origin: cp.checkpoint.origin.clone(),
            size,
            records: leaves.iter().map(|l| l + 1).collect(),
            old_size: None,
        };
        (Bundle::inclusion(&cp.text, records), report)
    } else {
        let [(old_path, old), (new_path, new)] = checkpoints.as_slice() else {
            unreachable!("clap asks for two checkpoints")
        };
        let (o, n) = (&old.checkpoint, &new.checkpoint);
        if o.origin != n.origin {
            return Err(Failure::usage(format!(
                "{}: the checkpoints are of different ledgers (`{}` in {}, `{}` in {})",
                name,
                o.origin,
                escape_control(old_path),
                n.origin,
                escape_control(new_path)
            )));
        }
        if o.size > n.size {
            return Err(Failure::usage(format!(
                "{}: the old checkpoint ({} records) is larger than the new one ({}): give them \
                 as --consistency OLD NEW",
                name,
                group(o.size),
                group(n.size)
            )));
        }
        let proof = if o.size == 0 || o.size == n.size {
            Vec::new()
        } else {
            tree.consistency_proof(o.size, n.size)
                .map_err(|e| Failure::usage(format!("{name}: {e}")))?
        };
        let report = Report {
            bundle: args.out.display().to_string(),
            kind: "consistency",
            origin: n.origin.clone(),
            size: n.size,
            records: Vec::new(),
            old_size: Some(o.size),
        };
        (Bundle::consistency(&old.text, &new.text, &proof), report)
    };
    write_new_file(&args.out, bundle.to_text().as_bytes(), "bundle")?;
    if args.json {
        print(&json_line(&report))?;
    } else {
        let what = match report.old_size {
            None => format!(
                "{} with {}, in the {}-record checkpoint of `{}`",
                record_list(&report.records),
                if report.records.len() == 1 {
                    "its inclusion proof"
                } else {
                    "their inclusion proofs"
                },
                group(report.size),
                report.origin
            ),
            Some(old) => format!(
                "the consistency of the {}-record checkpoint of `{}` with its {}-record one",
                group(old),
                report.origin,
                group(report.size)
            ),
        };
        print(&format!(
            "{}\n",
            escape_control(&format!("wrote {}: {what}", report.bundle))
        ))?;
    }
    Ok(0)
}

/// The leaves the arguments ask for, in increasing order.
fn select(
    args: &ProveArgs,
    ledger: &crate::ledger::Ledger,
    tree: &LogTree,
    name: &str,
) -> Result<Vec<u64>, Failure> {
    let mut leaves = Vec::new();
    if let Some(account) = &args.account {
        let id = find_account(ledger, account)?;
        let last = ledger.last_time();
        let from = args
            .from
            .as_ref()
            .map(|t| resolve_time(t, last, "--from"))
            .transpose()?;
        let to = args
            .to
            .as_ref()
            .map(|t| resolve_time(t, last, "--to"))
            .transpose()?;
        for p in ledger.postings(id) {
            let ts = ledger.event(p.event as usize).ts;
            if from.is_none_or(|f| ts >= f) && to.is_none_or(|t| ts <= t) {
                leaves.push(tree.leaf_of(p.event as usize));
            }
        }
        if leaves.is_empty() {
            let window = match (from, to) {
                (None, None) => String::new(),
                _ => format!(
                    " from {} to {}",
                    from.map_or("the start".into(), format_time),
                    to.map_or("the end".into(), format_time)
                ),
            };
            return Err(Failure::usage(format!(
                "{name}: no event of `{account}`{window}: nothing to prove"
            )));
        }
    } else {
        for &seq in &args.seq {
            let found: Vec<usize> = (0..ledger.len())
                .filter(|&i| ledger.seq_of(i) == seq)
                .collect();
            match found.as_slice() {
                [i] => leaves.push(tree.leaf_of(*i)),
                [] => {
                    return Err(Failure::usage(format!("{name}: no record has seq {seq}")));
                }
                _ => {
                    return Err(Failure::usage(format!(
                        "{name}: {} records have seq {seq}; a proof needs one",
                        found.len()
                    )));
                }
            }
        }
    }
    leaves.sort_unstable();
    leaves.dedup();
    Ok(leaves)
}
