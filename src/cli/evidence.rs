//! What the evidence commands (`keygen`, `checkpoint`, `prove`, `verify-bundle`, `verify
//! --expect CP`) share: reading keys and checkpoints from files, refusing logs that are not
//! intact sealed logs, writing new files, and the remembered state.

use super::output::note;
use std::io::Read;
use std::path::Path;

use super::{Failure, SourceOptions};
use crate::ledger::Ledger;
use crate::ledger::chain::{self, Digest256, GENESIS};
use crate::ledger::checkpoint::{
    SignedCheckpoint, SigningKey, VerifierKey, read_signed_checkpoint,
};
use crate::ledger::files::{self, Replace};
use crate::ledger::merkle::Hash;
use crate::ledger::remembered::{
    self, LogCheck, SeenHead, SeenTree, StateFile, check_log, check_origin,
};
use crate::ledger::verify::{record_digest, verify};
use crate::text::escape_control;

/// The largest key or checkpoint file read.
const MAX_SMALL_FILE: u64 = 1 << 20;

/// Reads a small text file whole (a key or a checkpoint).
fn read_small(path: &Path, what: &str) -> Result<Vec<u8>, Failure> {
    let shown = path.display();
    let file = std::fs::File::open(path)
        .map_err(|e| Failure::usage(format!("{shown}: cannot read the {what}: {e}")))?;
    let mut bytes = Vec::new();
    file.take(MAX_SMALL_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::usage(format!("{shown}: cannot read the {what}: {e}")))?;
    if bytes.len() as u64 > MAX_SMALL_FILE {
        return Err(Failure::usage(format!(
            "{shown}: over 1 MiB, too large to be a {what}"
        )));
    }
    Ok(bytes)
}

/// Reads a signing key file, warning on stderr when others may read it.
pub fn read_signing_key(path: &Path) -> Result<SigningKey, Failure> {
    let bytes = read_small(path, "signing key")?;
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

/// Reads a verifier key: the key's text itself (`name+id+key`) or a file holding it.
pub fn read_verifier_key(arg: &str) -> Result<VerifierKey, Failure> {
    if !Path::new(arg).exists()
        && let Ok(key) = VerifierKey::parse(arg)
    {
        return Ok(key);
    }
    let bytes = read_small(Path::new(arg), "verifier key")?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| Failure::usage(format!("{arg}: not a verifier key (not text)")))?;
    VerifierKey::parse(text).map_err(|e| {
        let hint = if SigningKey::parse(text).is_ok() {
            " — this is the signing key, which must stay with its owner; give the `.pub` file"
        } else {
            ""
        };
        Failure::usage(format!("{arg}: {e}{hint}"))
    })
}

/// Reads a signed checkpoint file (its signatures are checked by whoever needs them).
pub fn read_checkpoint(path: &str) -> Result<SignedCheckpoint, Failure> {
    let bytes = read_small(Path::new(path), "checkpoint")?;
    read_signed_checkpoint(&bytes).map_err(|e| Failure::usage(format!("{path}: {e}")))
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
    if options.no_remember {
        return None;
    }
    options
        .state_dir
        .clone()
        .or_else(remembered::default_dir)
        .map(StateFile::in_dir)
}

/// Says on stderr that the remembered state could not be used (the answer does not change).
pub fn warn_state(e: &remembered::StateError) {
    note(&format!(
        "rewind: warning: remembered heads not used: {} (nothing is remembered until it is fixed \
         or removed)",
        escape_control(&e.to_string())
    ));
}

/// The key a log is remembered by: its canonical path.
pub fn log_key(path: &str) -> String {
    std::fs::canonicalize(path)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| path.to_string())
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
/// head when it is new or only grew (a rewritten or cut log keeps the head seen, so that it is
/// reported every time). `None` when nothing is remembered (turned off, or the state cannot be
/// used: then a warning says so).
pub fn remember_log(options: &SourceOptions, file: &str, ledger: &Ledger) -> Option<LogCheck> {
    let state = state(options)?;
    let remembered = match state.load() {
        Ok(r) => r,
        Err(e) => {
            warn_state(&e);
            return None;
        }
    };
    let key = log_key(file);
    let records = ledger.len() as u64;
    let hash_of = |n: u64| {
        let i = usize::try_from(n.checked_sub(1)?).ok()?;
        (i < ledger.len())
            .then(|| record_digest(ledger, i))
            .flatten()
            .map(|d| d.hash)
    };
    let check = check_log(remembered.log(&key), records, hash_of);
    if matches!(check, LogCheck::New | LogCheck::Grew { .. }) {
        let head = match ledger.len() {
            0 => Some(Digest256 {
                seq: 0,
                hash: GENESIS,
            }),
            n => record_digest(ledger, n - 1),
        };
        if let Some(head) = head {
            let seen = SeenHead {
                path: key,
                records,
                seq: head.seq,
                hash: chain::to_hex(&head.hash),
                seen: remembered::now(),
            };
            if let Err(e) = state.update(|r| r.set_log(seen)) {
                warn_state(&e);
            }
        }
    }
    Some(check)
}

/// Checks a tree of `origin` against the one remembered for it, and remembers it when it is new
/// or larger. `root_at(m)` gives the root of the first `m` records where the log is at hand;
/// without it (a bundle), only a tree of the same size can be compared (another root there is a
/// fork).
pub fn remember_origin(
    options: &SourceOptions,
    origin: &str,
    size: u64,
    root: Hash,
    root_at: Option<&dyn Fn(u64) -> Option<Hash>>,
) -> Option<LogCheck> {
    let state = state(options)?;
    let remembered = match state.load() {
        Ok(r) => r,
        Err(e) => {
            warn_state(&e);
            return None;
        }
    };
    let seen = remembered.origin(origin);
    let check = match (root_at, seen) {
        (Some(root_at), _) => check_origin(seen, size, root_at),
        (None, Some(s)) if s.size > size => LogCheck::Same,
        (None, Some(s)) if s.size < size => LogCheck::Grew { from: s.size },
        (None, _) => check_origin(seen, size, |m| (m == size).then_some(root)),
    };
    if matches!(check, LogCheck::New | LogCheck::Grew { .. }) {
        let tree = SeenTree {
            origin: origin.to_string(),
            size,
            root: chain::to_hex(&root),
            seen: remembered::now(),
        };
        if let Err(e) = state.update(|r| r.set_origin(tree)) {
            warn_state(&e);
        }
    }
    Some(check)
}
