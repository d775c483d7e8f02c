//! Sealing an unsealed log: the lines of its sealed copy, each record chained to the one before.
//! Writing the copy is the file source's job ([`crate::source::file::write_sealed`]).

use super::chain::{self, Digest256, GENESIS};
use super::json::write::{into_string, key, push_compact, push_new_uuid, push_u64};
use super::problem::MAX_LINE;
use super::record::{MAX_SEQ, members, parse_record};
use super::{Integrity, Ledger, ProblemKind};

/// Why a log cannot be sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SealError {
    /// The log is sealed already.
    AlreadySealed,
    /// A line that a sealed copy can neither leave out nor hold.
    Record {
        /// The line in the log.
        line: u64,
        /// What is wrong with it.
        why: String,
    },
}

/// The sealed lines of an unsealed log, in recorded order: every original member kept as it was
/// written (whitespace aside), `seq` and `eventId` added where missing, then `prev` and `hash`.
pub fn sealed_lines(ledger: &Ledger) -> Result<(Vec<String>, Digest256), SealError> {
    if !matches!(ledger.integrity(), Integrity::Unsealed) {
        return Err(SealError::AlreadySealed);
    }
    if let Some(p) = ledger.problems().iter().find(|p| {
        p.kind.is_bad_line()
            || matches!(p.kind, ProblemKind::TornTail | ProblemKind::DuplicateMember)
    }) {
        return Err(SealError::Record {
            line: p.line,
            why: format!(
                "{} — a sealed copy can neither leave this line out nor hold it; fix it first",
                ledger.message(p)
            ),
        });
    }
    let mut lines = Vec::with_capacity(ledger.len());
    let mut prev = GENESIS;
    let mut last_seq = 0u64;
    for i in 0..ledger.len() {
        let line_no = ledger.event(i).line;
        let refuse = |why: String| SealError::Record { line: line_no, why };
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
        let mut body = Vec::with_capacity(text.len() + 64);
        body.push(b'{');
        if fields.seq.is_none() {
            key(&mut body, "seq");
            push_u64(&mut body, seq);
        }
        if fields.id.is_none() {
            key(&mut body, "eventId");
            push_new_uuid(&mut body);
        }
        for (k, v) in &all {
            key(&mut body, k);
            push_compact(&mut body, v);
        }
        let body = into_string(body);
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
