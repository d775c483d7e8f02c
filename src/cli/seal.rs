//! `rewind seal`: writes a sealed copy of an unsealed log; never changes IN, never overwrites OUT.

use std::io::{BufWriter, Write};
use std::path::Path;

use clap::Args;
use serde::Serialize;

use super::output::{json_line, print_after};
use super::{Failure, Outcome, SourceOptions, open};
use crate::ledger::chain::{self, Digest256, GENESIS};
use crate::ledger::files::{self, Replace};
use crate::ledger::problem::MAX_LINE;
use crate::ledger::record::{MAX_SEQ, members, parse_record};
use crate::ledger::{Integrity, Ledger, ProblemKind};

#[derive(Args, Debug)]
pub struct SealArgs {
    /// The unsealed log to copy.
    pub input: String,
    /// Where to write the sealed copy (must not exist).
    #[arg(long, value_name = "OUT")]
    pub out: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    input: &'a str,
    out: &'a str,
    records: usize,
    head: String,
}

/// A JSON text without the whitespace between its tokens (strings are kept byte for byte), so
/// that a record written over several lines becomes one line.
pub fn compact_json(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in raw.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_ascii_whitespace() {
            out.push(c);
        }
    }
    out
}

/// The sealed lines of an unsealed log, in recorded order: every original member kept as it was
/// written (whitespace aside), `seq` and `eventId` added where missing, then `prev` and `hash`.
pub fn sealed_lines(ledger: &Ledger) -> Result<(Vec<String>, Digest256), Failure> {
    let name = ledger.name();
    if !matches!(ledger.integrity(), Integrity::Unsealed) {
        return Err(Failure::usage(format!(
            "{name}: the log is already sealed; `rewind verify {name}` checks it"
        )));
    }
    if let Some(p) = ledger.problems().iter().find(|p| {
        p.kind.is_bad_line()
            || matches!(p.kind, ProblemKind::TornTail | ProblemKind::DuplicateMember)
    }) {
        return Err(Failure::usage(format!(
            "{name}:{}: {} — a sealed copy can neither leave this line out nor hold it; fix it first",
            p.line,
            ledger.message(p)
        )));
    }
    let mut lines = Vec::with_capacity(ledger.len());
    let mut prev = GENESIS;
    let mut last_seq = 0u64;
    for i in 0..ledger.len() {
        let line_no = ledger.event(i).line;
        let refuse = |why: String| Failure::usage(format!("{name}:{line_no}: {why}"));
        let raw = ledger
            .raw(i)
            .map_err(|e| refuse(format!("cannot read the record again: {e}")))?;
        let text = String::from_utf8(raw).map_err(|_| refuse("not UTF-8".into()))?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let fields = parse_record(text).map_err(|e| refuse(e.message))?;
        let all = members(text).map_err(refuse)?;
        if all.iter().any(|(k, _)| k == "prev" || k == "hash") {
            return Err(refuse(
                "the record has a `prev` or `hash` member of its own, which a sealed record \
                 keeps for its chain"
                    .into(),
            ));
        }
        let seq = match fields.seq {
            // The first record may start anywhere from 1; each next one follows it by one.
            Some(s) if (i == 0 && s > 0) || (i > 0 && s == last_seq + 1) => s,
            Some(s) if i == 0 => {
                return Err(refuse(format!(
                    "seq {s}: the seqs of a sealed log start from 1 (0 is the empty log)"
                )));
            }
            Some(s) => {
                return Err(refuse(format!(
                    "seq {s} does not follow seq {last_seq}: the seqs of a sealed log go up by \
                     one from record to record"
                )));
            }
            None if last_seq < MAX_SEQ => last_seq + 1,
            None => {
                return Err(refuse(format!(
                    "the record has no seq, and none can follow seq {last_seq}, the largest a \
                     record may carry"
                )));
            }
        };
        last_seq = seq;
        let mut body = String::from("{");
        let mut parts: Vec<String> = Vec::with_capacity(all.len() + 2);
        if fields.seq.is_none() {
            parts.push(format!("\"seq\":{seq}"));
        }
        if fields.id.is_none() {
            parts.push(format!("\"eventId\":\"{}\"", uuid::Uuid::new_v4()));
        }
        for (k, v) in &all {
            parts.push(format!(
                "{}:{}",
                serde_json::to_string(k).expect("strings serialize"),
                compact_json(v)
            ));
        }
        body.push_str(&parts.join(","));
        let (line, hash) = chain::seal_line(&body, &prev);
        if line.len() > MAX_LINE {
            return Err(refuse(format!(
                "sealed, the record would be {} bytes, over the 1 MiB a line may hold",
                line.len()
            )));
        }
        prev = hash;
        lines.push(line);
    }
    Ok((
        lines,
        Digest256 {
            seq: last_seq,
            hash: prev,
        },
    ))
}

/// Writes the sealed copy whole or not at all, never over a file (see [`files::write_whole`]).
fn write_new(path: &Path, mode: u32, lines: &[String]) -> std::io::Result<()> {
    files::write_whole(path, mode, Replace::Never, |file| {
        let mut out = BufWriter::new(file);
        for line in lines {
            out.write_all(line.as_bytes())?;
            out.write_all(b"\n")?;
        }
        out.flush()
    })
}

pub fn run(args: SealArgs, options: &SourceOptions) -> Outcome {
    let out = Path::new(&args.out);
    if out.exists() {
        return Err(Failure::usage(format!(
            "{}: already exists; seal never overwrites a file",
            args.out
        )));
    }
    let ledger = open(Some(&args.input), options)?;
    let (lines, head) = sealed_lines(&ledger)?;
    // The copy gets the input's permission bits, never wider.
    let mode = std::fs::metadata(&args.input)
        .map(|m| files::file_mode(&m))
        .map_err(|e| Failure::usage(format!("{}: {e}", args.input)))?;
    write_new(out, mode, &lines).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Failure::usage(format!(
                "{}: already exists; seal never overwrites a file",
                args.out
            ))
        } else {
            Failure::usage(format!("{}: {e}", args.out))
        }
    })?;
    let text = if args.json {
        json_line(&Report {
            input: &args.input,
            out: &args.out,
            records: lines.len(),
            head: head.to_string(),
        })
    } else {
        format!(
            "{}\nhead {head}\n",
            crate::text::escape_control(&format!(
                "sealed {} records of {} into {}",
                lines.len(),
                args.input,
                args.out
            ))
        )
    };
    print_after(&text, || {
        crate::text::escape_control(&format!(
            "{}: the sealed copy was written (head {head})",
            args.out
        ))
        .into_owned()
    })?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compacting_keeps_strings_whole() {
        assert_eq!(
            compact_json("{ \"a b\" : [1, 2],\n \"c\": \"x \\\" y\" }"),
            "{\"a b\":[1,2],\"c\":\"x \\\" y\"}"
        );
    }
}
