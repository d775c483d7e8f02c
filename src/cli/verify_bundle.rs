//! `rewind verify-bundle BUNDLE --key VERIFIER`: checks an evidence bundle offline, without the
//! log, and says what it proves in words a support agent can paste (exit 0 it holds, 1 it does
//! not, 2 it cannot be read).

use super::output::{json_line, print};
use std::io::Read;
use std::path::Path;

use clap::Args;
use serde::Serialize;

use super::evidence::{read_verifier_key, record_list, remember_origin};
use super::{Failure, Outcome, SourceOptions};
use crate::ledger::bundle::{BundleError, Proven, ProvenRecord, verify_bundle};
use crate::ledger::record::parse_record;
use crate::ledger::time::format_time;
use crate::text::{escape_control, group};

/// The largest bundle read (a million records is about a gigabyte).
const MAX_BUNDLE: u64 = 2 << 30;

#[derive(Args, Debug)]
pub struct VerifyBundleArgs {
    /// The bundle (`rewind prove` writes one).
    pub bundle: String,
    /// The verifier key of the checkpoint's signer: a `.pub` file or the key's text. Repeat for
    /// several keys (one of them must have signed).
    #[arg(long, value_name = "VERIFIER", required = true)]
    pub key: Vec<String>,
    /// The ledger the bundle must be about (the checkpoint's origin).
    #[arg(long, value_name = "NAME")]
    pub origin: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RecordOut<'a> {
    number: u64,
    record: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    bundle: &'a str,
    holds: bool,
    kind: Option<&'static str>,
    origin: Option<&'a str>,
    size: Option<u64>,
    old_size: Option<u64>,
    signed_by: Vec<&'a str>,
    records: Vec<RecordOut<'a>>,
    /// What it proves, or why it does not hold.
    statement: String,
}

/// `2024-03-14T15:59:03.120Z cust-dana WITHDRAW 400.00 (seq 403, event 73e3…)`.
fn brief(r: &ProvenRecord) -> String {
    let Ok(f) = parse_record(&r.record) else {
        return crate::text::shorten(&r.record, 120);
    };
    let mut out = format!("{} {}", format_time(f.ts), f.account);
    if let Some(to) = &f.to {
        out.push_str(&format!(" → {to}"));
    }
    out.push_str(&format!(" {}", f.kind));
    if let Some(amount) = f.amount {
        out.push_str(&format!(" {amount}"));
    }
    let mut tail = Vec::new();
    if let Some(seq) = f.seq {
        tail.push(format!("seq {seq}"));
    }
    if let Some(id) = &f.id {
        tail.push(format!("event {id}"));
    }
    if !tail.is_empty() {
        out.push_str(&format!(" ({})", tail.join(", ")));
    }
    out
}

fn signers(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    quoted.join(" and ")
}

pub fn run(args: VerifyBundleArgs, options: &SourceOptions) -> Outcome {
    let keys = args
        .key
        .iter()
        .map(|k| read_verifier_key(k))
        .collect::<Result<Vec<_>, _>>()?;
    let name = escape_control(&args.bundle).into_owned();
    let file = std::fs::File::open(Path::new(&args.bundle))
        .map_err(|e| Failure::usage(format!("{name}: cannot read the bundle: {e}")))?;
    let mut bytes = Vec::new();
    file.take(MAX_BUNDLE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::usage(format!("{name}: cannot read the bundle: {e}")))?;
    if bytes.len() as u64 > MAX_BUNDLE {
        return Err(Failure::usage(format!("{name}: too large to be a bundle")));
    }
    let proven = match verify_bundle(&bytes, &keys, args.origin.as_deref()) {
        Ok(p) => p,
        Err(BundleError::Read(e)) => return Err(Failure::usage(format!("{name}: {e}"))),
        Err(BundleError::Verify(e)) => {
            let statement = format!("DOES NOT HOLD: {e}");
            if args.json {
                let report = Report {
                    bundle: &args.bundle,
                    holds: false,
                    kind: None,
                    origin: None,
                    size: None,
                    old_size: None,
                    signed_by: Vec::new(),
                    records: Vec::new(),
                    statement,
                };
                print(&json_line(&report))?;
            } else {
                print(&format!(
                    "{}\n",
                    escape_control(&format!("{name}: {statement}"))
                ))?;
            }
            return Ok(1);
        }
    };
    let (origin, size, root) = match &proven {
        Proven::Inclusion { checkpoint, .. } => {
            (&checkpoint.origin, checkpoint.size, checkpoint.root)
        }
        Proven::Consistency { new, .. } => (&new.origin, new.size, new.root),
    };
    let fork =
        remember_origin(options, origin, size, root, None).and_then(|c| c.origin_finding(origin));
    let statement = match &proven {
        Proven::Inclusion {
            checkpoint,
            signers: by,
            records,
        } => {
            let numbers: Vec<u64> = records.iter().map(|r| r.number).collect();
            let these = match records.len() {
                1 => "this event is".to_string(),
                n => format!("these {} events are", group(n)),
            };
            format!(
                "{these} {} of the ledger `{}` whose {}-record checkpoint was signed by {}",
                record_list(&numbers),
                checkpoint.origin,
                group(checkpoint.size),
                signers(by)
            )
        }
        Proven::Consistency {
            old,
            new,
            signers: by,
        } => format!(
            "the {}-record checkpoint of the ledger `{}` is a prefix of its {}-record checkpoint: \
             none of its first {} records was changed or removed since (both signed by {})",
            group(old.size),
            new.origin,
            group(new.size),
            group(old.size),
            signers(by)
        ),
    };
    let holds = fork.is_none();
    if args.json {
        let (kind, old_size, signed_by, records) = match &proven {
            Proven::Inclusion {
                signers, records, ..
            } => (
                "inclusion",
                None,
                signers.iter().map(String::as_str).collect(),
                records
                    .iter()
                    .map(|r| RecordOut {
                        number: r.number,
                        record: &r.record,
                    })
                    .collect(),
            ),
            Proven::Consistency { old, signers, .. } => (
                "consistency",
                Some(old.size),
                signers.iter().map(String::as_str).collect(),
                Vec::new(),
            ),
        };
        let report = Report {
            bundle: &args.bundle,
            holds,
            kind: Some(kind),
            origin: Some(origin),
            size: Some(size),
            old_size,
            signed_by,
            records,
            statement: match &fork {
                Some(f) => format!("{statement}; but {f}"),
                None => statement.clone(),
            },
        };
        print(&json_line(&report))?;
    } else {
        let mut out = format!("{name}: holds: {statement}\n");
        if let Proven::Inclusion { records, .. } = &proven {
            for r in records {
                out.push_str(&format!("record {}: {}\n", group(r.number), brief(r)));
            }
        }
        if let Some(f) = &fork {
            out.push_str(&format!("{name}: {f}\n"));
        }
        print(&escape_control_lines(&out))?;
    }
    Ok(if holds { 0 } else { 1 })
}

/// Escapes control characters line by line (the newlines between lines stay).
fn escape_control_lines(text: &str) -> String {
    text.split_inclusive('\n')
        .map(|l| {
            let (body, nl) = l.strip_suffix('\n').map_or((l, ""), |b| (b, "\n"));
            format!("{}{nl}", escape_control(body))
        })
        .collect()
}
