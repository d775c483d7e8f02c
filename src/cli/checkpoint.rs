//! `rewind checkpoint FILE --key KEY [--origin NAME]`: a signed C2SP checkpoint (origin, size,
//! RFC 6962 root) of a sealed log.

use super::output::{json_line, print};
use std::path::PathBuf;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use clap::Args;
use serde::Serialize;

use super::evidence::{
    read_signing_key, remember_log, remember_origin, require_sealed, write_new_file,
};
use super::progress::load_reporting;
use super::{Failure, Outcome, SourceOptions, load_options, source_of};
use crate::ledger::checkpoint::{Checkpoint, SigningKey, valid_name};
use crate::ledger::log_tree::LogTree;
use crate::ledger::merkle::Hash;
use crate::ledger::{Depth, LoadOptions};
use crate::source::{Source, SourceTree};
use crate::text::escape_control;

#[derive(Args, Debug)]
pub struct CheckpointArgs {
    /// Sealed log file.
    pub file: String,
    /// The signing key (`rewind keygen` writes one).
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// The ledger's name in the checkpoint (default: the key's name, as C2SP recommends).
    #[arg(long, value_name = "NAME")]
    pub origin: Option<String>,
    /// Also write the checkpoint to this new file.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    origin: &'a str,
    size: u64,
    root: String,
    signed_by: &'a str,
    checkpoint: &'a str,
}

pub fn run(args: CheckpointArgs, options: &SourceOptions) -> Outcome {
    let key = read_signing_key(&args.key)?;
    let origin = args
        .origin
        .clone()
        .unwrap_or_else(|| key.name().to_string());
    if !valid_name(&origin) {
        return Err(Failure::usage(format!(
            "--origin: `{origin}` is not a ledger name: it must be non-empty, without spaces, `+` \
             or control characters"
        )));
    }
    if let Some(out) = &args.out
        && out.symlink_metadata().is_ok()
    {
        return Err(Failure::usage(format!(
            "{}: already exists; rewind never overwrites a checkpoint",
            out.display()
        )));
    }
    // The tree: over the records of a sealed log file, or the rows of a database (each row's
    // canonical encoding, the bytes its digest chains).
    let source = source_of(Some(&args.file), options)?;
    super::interruptible(&source);
    let load = |source: &Source| {
        let load = LoadOptions {
            depth: Depth::Summary,
            ..load_options(options)?
        };
        load_reporting(source, &load)
    };
    let ledger = match source.tree(load)? {
        SourceTree::Rows { name, tree } => {
            let root_at = |m: u64| tree.root_at(m).ok();
            return sign(
                &args,
                options,
                &key,
                &origin,
                &name,
                tree.size(),
                tree.root(),
                &root_at,
            );
        }
        SourceTree::Chain(ledger) => ledger,
    };
    require_sealed(&ledger, "checkpoint")?;
    let name = escape_control(&args.file).into_owned();
    // A log must never sign two checkpoints that disagree: refuse when the log no longer holds
    // what was seen of it, or of its origin, before.
    if let Some(check) = remember_log(options, &args.file, &ledger)
        && let Some(finding) = check.finding()
    {
        return Err(Failure::found(format!(
            "{name}: {finding}; not signing a checkpoint of a rewritten history"
        )));
    }
    let tree = LogTree::new(&ledger)
        .map_err(|e| Failure::usage(format!("{name}: cannot read the log again: {e}")))?;
    let root_at = |m: u64| tree.root_at(m).ok();
    sign(
        &args,
        options,
        &key,
        &origin,
        &name,
        tree.size(),
        tree.root(),
        &root_at,
    )
}

/// Signs the checkpoint of a tree (unless it disagrees with the tree seen before for its
/// origin), writes it where `--out` says, and prints it.
#[allow(clippy::too_many_arguments)]
fn sign(
    args: &CheckpointArgs,
    options: &SourceOptions,
    key: &SigningKey,
    origin: &str,
    name: &str,
    size: u64,
    root: Hash,
    root_at: &dyn Fn(u64) -> Option<Hash>,
) -> Outcome {
    if let Some(check) = remember_origin(options, origin, size, root, Some(root_at))
        && let Some(finding) = check.origin_finding(origin)
    {
        return Err(Failure::found(format!(
            "{name}: {finding}; not signing a checkpoint that disagrees with one seen before"
        )));
    }
    let checkpoint = Checkpoint {
        origin: origin.to_string(),
        size,
        root,
        extensions: Vec::new(),
    };
    let signed = checkpoint.sign(key);
    if let Some(out) = &args.out {
        write_new_file(out, signed.as_bytes(), "checkpoint")?;
    }
    if args.json {
        let report = Report {
            origin,
            size: checkpoint.size,
            root: STANDARD.encode(root),
            signed_by: key.name(),
            checkpoint: &signed,
        };
        print(&json_line(&report))?;
    } else {
        print(&signed)?;
    }
    Ok(0)
}
