//! What the evidence commands (`keygen`, `checkpoint`, `prove`, `verify-bundle`, `verify
//! --expect CP`) share: reading keys and checkpoints from files, refusing logs that are not
//! intact sealed logs, writing new files, and the remembered state.

use super::output::note;
use std::path::Path;

use super::{Failure, SourceOptions};
use crate::ledger::Ledger;
use crate::ledger::checkpoint::{SignedCheckpoint, SigningKey, VerifierKey};
use crate::ledger::files::{self, Replace};
use crate::ledger::merkle::Hash;
use crate::ledger::remembered::{self, LogCheck, StateFile};
use crate::ledger::verify::verify;
use crate::source::evidence::{self, read_small};
use crate::text::escape_control;

/// Reads a signing key file, warning on stderr when others may read it.
pub fn read_signing_key(path: &Path) -> Result<SigningKey, Failure> {
    let bytes = read_small(path, "signing key").map_err(read_failure)?;
    let shown = path.display();
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| Failure::usage(format!("{shown}: not a signing key (not text)")))?;
    let key = SigningKey::parse(text).map_err(|e| {
        let hint = if VerifierKey::parse(text).is_ok() {
            " — this is a verifier key; sign with the `.key` file `rewind keygen` wrote"
        } else {
            ""
        };
        Failure::usage(format!("{shown}: {e}{hint}"))
    })?;
    #[cfg(unix)]
    if let Ok(meta) = std::fs::metadata(path) {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            let shown = escape_control(&shown.to_string()).into_owned();
            note(&format!(
                "rewind: warning: {shown}: the signing key can be read by others (mode \
                 {mode:03o}); `chmod 600 {shown}` keeps it yours"
            ));
        }
    }
    Ok(key)
}

/// A key or checkpoint that could not be read, as the command's failure (exit 2).
pub fn read_failure(e: evidence::ReadError) -> Failure {
    Failure::usage(e.to_string())
}

/// Reads a verifier key: the key's text itself (`name+id+key`) or a file holding it.
pub fn read_verifier_key(arg: &str) -> Result<VerifierKey, Failure> {
    evidence::read_verifier_key(arg).map_err(read_failure)
}

/// Reads a signed checkpoint file (its signatures are checked by whoever needs them).
pub fn read_checkpoint(path: &str) -> Result<SignedCheckpoint, Failure> {
    evidence::read_checkpoint(path).map_err(read_failure)
}

/// Refuses a log that is not an intact sealed log: a tree over it would prove nothing.
pub fn require_sealed(ledger: &Ledger, command: &str) -> Result<(), Failure> {
    let report = verify(ledger, None);
    let name = escape_control(ledger.name()).into_owned();
    if let Some(b) = &report.broken_at {
        return Err(Failure::found(format!(
            "{name}:{}: the chain is broken here ({}); `rewind {command}` works on an intact \
             sealed log",
            b.line,
            escape_control(&b.reason)
        )));
    }
    if let Some(line) = report.torn_tail {
        return Err(Failure::found(format!(
            "{name}:{line}: the last line is incomplete (an interrupted write); `rewind repair \
             {name}` moves it aside, then `rewind {command}` works"
        )));
    }
    if report.integrity == "unsealed" {
        return Err(Failure::usage(format!(
            "{name}: not sealed: `rewind {command}` needs a sealed log (`rewind seal {name} --out \
             SEALED` writes a sealed copy)"
        )));
    }
    Ok(())
}

/// Writes a new file whole (never over an existing one): a temporary file in the same folder,
/// synced, then linked into place.
pub fn write_new_file(path: &Path, bytes: &[u8], what: &str) -> Result<(), Failure> {
    let shown = path.display().to_string();
    let exists = || {
        Failure::usage(format!(
            "{shown}: already exists; rewind never overwrites a {what}"
        ))
    };
    if path.symlink_metadata().is_ok() {
        return Err(exists());
    }
    let io = |e: std::io::Error| Failure::usage(format!("{shown}: cannot write the {what}: {e}"));
    // What is written here (a checkpoint, a bundle, a verifier key) is meant to be passed on.
    files::write_whole(path, 0o644, Replace::Never, |file| {
        std::io::Write::write_all(file, bytes)
    })
    .map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            exists()
        } else {
            io(e)
        }
    })?;
    Ok(())
}

/// The state file to remember heads in, unless `--no-remember` (or no home to keep it in).
pub fn state(options: &SourceOptions) -> Option<StateFile> {
    options.remember().state()
}

/// Says on stderr that the remembered state could not be used (the answer does not change).
pub fn warn_state(e: &remembered::StateError) {
    note(&format!(
        "rewind: warning: remembered heads not used: {} (nothing is remembered until it is fixed \
         or removed)",
        escape_control(&e.to_string())
    ));
}

/// `records 403 and 404`, `record 7`, `records 1, 2 and 9`.
pub fn record_list(numbers: &[u64]) -> String {
    let shown: Vec<String> = numbers.iter().map(crate::text::group).collect();
    match shown.as_slice() {
        [] => "no record".into(),
        [one] => format!("record {one}"),
        [init @ .., last] if init.len() < 8 => format!("records {} and {last}", init.join(", ")),
        _ => format!(
            "{} records from {} to {}",
            crate::text::group(numbers.len()),
            shown[0],
            shown[shown.len() - 1]
        ),
    }
}

/// Checks a verified sealed log against the head remembered for its path, and remembers its
/// head when it is new or only grew (see [`evidence::remember_log`]); a state that cannot be used
/// is said on stderr.
pub fn remember_log(options: &SourceOptions, file: &str, ledger: &Ledger) -> Option<LogCheck> {
    evidence::remember_log(&options.remember(), file, ledger, &mut |e| warn_state(e))
}

/// Checks a tree of `origin` against the one remembered for it, and remembers it when it is new
/// or larger (see [`evidence::remember_origin`]).
pub fn remember_origin(
    options: &SourceOptions,
    origin: &str,
    size: u64,
    root: Hash,
    root_at: Option<&dyn Fn(u64) -> Option<Hash>>,
) -> Option<LogCheck> {
    evidence::remember_origin(&options.remember(), origin, size, root, root_at, &mut |e| {
        warn_state(e)
    })
}
