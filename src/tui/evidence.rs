//! What the explorer's header says of a log's history: its head digest, whether the log still
//! holds the head seen before, and whether it holds what `--expect` names (a digest or a signed
//! checkpoint), exactly as `rewind verify` would say it.

use std::io::Write;

use super::run::Error;
use crate::ledger::Ledger;
use crate::ledger::chain::ExpectedDigest;
use crate::ledger::log_tree::LogTree;
use crate::ledger::remembered::StateError;
use crate::ledger::verify::verify;
use crate::source;
use crate::source::evidence::{read_checkpoint, read_verifier_key, remember_log};
use crate::text::{escape_control, group};
use crate::tui::app::Evidence;

/// What the log is checked against: a digest kept earlier (`SEQ:HASH`) or a signed checkpoint
/// file, and the verifier keys of the checkpoint's signers.
#[derive(Clone, Debug, Default)]
pub struct Expectation {
    pub expect: Option<String>,
    pub keys: Vec<String>,
    /// A saved investigation to open where it was left (`--investigation FILE`).
    pub resume: Option<crate::tui::investigation::Investigation>,
}

/// Checks a loaded log: `file` is its path (`None` for the bundled sample, which is not
/// remembered). A bad `--expect` or `--key` is an error before the explorer opens.
pub fn assess(
    ledger: &Ledger,
    file: Option<&str>,
    options: &source::Options,
    expected: &Expectation,
) -> Result<Evidence, Error> {
    let keys = expected
        .keys
        .iter()
        .map(|k| read_verifier_key(k))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Error::Evidence)?;
    let digest = match &expected.expect {
        Some(text) => match text.parse::<ExpectedDigest>() {
            Ok(d) => Some(Ok(d)),
            Err(_) if std::path::Path::new(text).is_file() => {
                Some(Err(read_checkpoint(text).map_err(Error::Evidence)?))
            }
            Err(e) => return Err(Error::Expect(e)),
        },
        None => None,
    };
    let report = verify(ledger, digest.as_ref().and_then(|d| d.as_ref().ok()));
    let intact = report.broken_at.is_none()
        && report.torn_tail.is_none()
        && matches!(report.integrity, "sealed" | "empty");
    let mut evidence = Evidence {
        head: report.head.clone().filter(|_| intact),
        note: None,
        checkpoint: None,
    };
    match &digest {
        Some(Ok(_)) => {
            if let Some(e) = &report.expect {
                evidence.note = Some(if e.holds {
                    (format!("✓ expected {} holds", short(&e.digest)), false)
                } else {
                    (
                        format!("✗ expected {} DOES NOT HOLD", short(&e.digest)),
                        true,
                    )
                });
            }
        }
        Some(Err(cp)) => {
            let c = &cp.checkpoint;
            let what = format!("checkpoint `{}` of {}", c.origin, group(c.size));
            let signed = if keys.is_empty() {
                Ok(())
            } else {
                cp.verify(&keys).map(|_| ()).map_err(|e| e.to_string())
            };
            let tree_holds = intact
                && LogTree::new(ledger)
                    .ok()
                    .and_then(|t| t.root_at(c.size).ok())
                    == Some(c.root);
            if tree_holds && signed.is_ok() {
                evidence.checkpoint = Some(cp.text.clone());
            }
            evidence.note = Some(match (signed, tree_holds) {
                (Ok(()), true) if keys.is_empty() => {
                    (format!("✓ {what} holds (signature not checked)"), false)
                }
                (Ok(()), true) => (format!("✓ {what} holds"), false),
                (Err(e), _) => (format!("✗ {what}: {e}"), true),
                (Ok(()), false) => (format!("✗ {what} DOES NOT HOLD"), true),
            });
        }
        None => {}
    }
    // A rewritten history outranks everything else the header could say.
    if intact
        && let Some(path) = file
        && let Some(check) = remember_log(&options.remember, path, ledger, &mut warn_state)
    {
        if let Some(finding) = check.finding() {
            evidence.note = Some((finding, true));
        } else if evidence.note.is_none() && check != crate::ledger::remembered::LogCheck::New {
            evidence.note = Some(("✓ holds the head seen before".to_string(), false));
        }
    }
    Ok(evidence)
}

/// Says on stderr that the remembered state could not be used (what the header says of the log
/// does not change).
fn warn_state(e: &StateError) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "rewind: warning: remembered heads not used: {} (nothing is remembered until it is fixed \
         or removed)",
        escape_control(&e.to_string())
    );
    let _ = err.flush();
}

/// `799:ad7d2d34…` for a digest.
fn short(digest: &str) -> String {
    match digest.find(':') {
        Some(c) if digest.len() > c + 9 => format!("{}…", &digest[..c + 9]),
        _ if digest.len() > 12 => format!("{}…", &digest[..8]),
        _ => digest.to_string(),
    }
}
