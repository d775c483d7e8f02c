//! What checking a log's history reads and keeps besides the log: verifier keys and signed
//! checkpoints from small files, and the heads and trees remembered from earlier runs.

use std::io::Read;
use std::path::Path;

use super::Remember;
use crate::ledger::Ledger;
use crate::ledger::chain::{self, Digest256, GENESIS};
use crate::ledger::checkpoint::{
    SignedCheckpoint, SigningKey, VerifierKey, read_signed_checkpoint,
};
use crate::ledger::merkle::Hash;
use crate::ledger::remembered::{
    self, LogCheck, SeenHead, SeenTree, StateError, check_log, check_origin,
};
use crate::ledger::verify::record_digest;

/// The largest key or checkpoint file read.
const MAX_SMALL_FILE: u64 = 1 << 20;

/// Why a key or a checkpoint could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file cannot be read.
    #[error("{path}: cannot read the {what}: {error}")]
    Unreadable {
        path: String,
        what: &'static str,
        error: std::io::Error,
    },
    /// The file is too large to be what it should be.
    #[error("{path}: over 1 MiB, too large to be a {what}")]
    TooLarge { path: String, what: &'static str },
    /// The file is not text.
    #[error("{path}: not a {what} (not text)")]
    NotText { path: String, what: &'static str },
    /// The text is not what it should be; `hint` says what it is instead, when that is known.
    #[error("{path}: {error}{hint}")]
    Invalid {
        path: String,
        error: String,
        hint: &'static str,
    },
}

/// Reads a small text file whole (a key or a checkpoint).
pub fn read_small(path: &Path, what: &'static str) -> Result<Vec<u8>, ReadError> {
    let shown = path.display().to_string();
    let unreadable = |error| ReadError::Unreadable {
        path: shown.clone(),
        what,
        error,
    };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let mut bytes = Vec::new();
    file.take(MAX_SMALL_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_SMALL_FILE {
        return Err(ReadError::TooLarge { path: shown, what });
    }
    Ok(bytes)
}

/// Reads a verifier key: the key's text itself (`name+id+key`) or a file holding it.
pub fn read_verifier_key(arg: &str) -> Result<VerifierKey, ReadError> {
    if !Path::new(arg).exists()
        && let Ok(key) = VerifierKey::parse(arg)
    {
        return Ok(key);
    }
    let bytes = read_small(Path::new(arg), "verifier key")?;
    let text = std::str::from_utf8(&bytes).map_err(|_| ReadError::NotText {
        path: arg.to_string(),
        what: "verifier key",
    })?;
    VerifierKey::parse(text).map_err(|e| ReadError::Invalid {
        path: arg.to_string(),
        error: e.to_string(),
        hint: if SigningKey::parse(text).is_ok() {
            " — this is the signing key, which must stay with its owner; give the `.pub` file"
        } else {
            ""
        },
    })
}

/// Reads a signed checkpoint file (its signatures are checked by whoever needs them).
pub fn read_checkpoint(path: &str) -> Result<SignedCheckpoint, ReadError> {
    let bytes = read_small(Path::new(path), "checkpoint")?;
    read_signed_checkpoint(&bytes).map_err(|e| ReadError::Invalid {
        path: path.to_string(),
        error: e.to_string(),
        hint: "",
    })
}

/// The key a log is remembered by: its canonical path.
pub fn log_key(path: &str) -> String {
    std::fs::canonicalize(path)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| path.to_string())
}

/// Checks a verified sealed log against the head remembered for its path, and remembers its
/// head when it is new or only grew (a rewritten or cut log keeps the head seen, so that it is
/// reported every time). `None` when nothing is remembered (turned off, or the state cannot be
/// used: then `warn` is told why; the answer does not change).
pub fn remember_log(
    remember: &Remember,
    file: &str,
    ledger: &Ledger,
    warn: &mut dyn FnMut(&StateError),
) -> Option<LogCheck> {
    let state = remember.state()?;
    let remembered = match state.load() {
        Ok(r) => r,
        Err(e) => {
            warn(&e);
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
                warn(&e);
            }
        }
    }
    Some(check)
}

/// Checks a tree of `origin` against the one remembered for it, and remembers it when it is new
/// or larger. `root_at(m)` gives the root of the first `m` records where the log is at hand;
/// without it (a bundle), only a tree of the same size can be compared (another root there is a
/// fork). `None` as for [`remember_log`].
pub fn remember_origin(
    remember: &Remember,
    origin: &str,
    size: u64,
    root: Hash,
    root_at: Option<&dyn Fn(u64) -> Option<Hash>>,
    warn: &mut dyn FnMut(&StateError),
) -> Option<LogCheck> {
    let state = remember.state()?;
    let remembered = match state.load() {
        Ok(r) => r,
        Err(e) => {
            warn(&e);
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
            warn(&e);
        }
    }
    Some(check)
}
