//! A log file: checked before it is read, followed as it grows, and the sealed copy written
//! beside it. The reading itself is the ledger's ([`crate::ledger::load_file`]); every file is
//! written whole through [`crate::ledger::files::write_whole`].

pub mod packed;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use super::{FollowError, Follower, OpenError};
use crate::ledger::Ledger;
use crate::ledger::files::{self, Replace};
use crate::ledger::follow::FileFollower;

/// Refuses a path that cannot be opened, or that is a folder, before the log is read.
pub fn check_readable(path: &Path) -> Result<(), OpenError> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|error| OpenError::Unreadable {
        name: name.clone(),
        error,
    })?;
    let meta = file.metadata().map_err(|error| OpenError::Unreadable {
        name: name.clone(),
        error,
    })?;
    if meta.is_dir() {
        return Err(OpenError::Directory { name });
    }
    Ok(())
}

/// Follows a log file as it grows, from where `ledger` ends.
pub fn follow(path: &Path, ledger: &Ledger) -> Result<Box<dyn Follower>, FollowError> {
    let follower = FileFollower::new(path, ledger).map_err(FollowError::File)?;
    if follower.stopped() {
        return Err(FollowError::NoNewline);
    }
    Ok(Box::new(follower))
}

/// Writes a sealed copy whole or not at all, never over a file (see [`files::write_whole`]), with
/// the permission bits `mode`.
pub fn write_sealed(path: &Path, mode: u32, lines: &[String]) -> std::io::Result<()> {
    files::write_whole(path, mode, Replace::Never, |file| {
        let mut out = BufWriter::new(file);
        for line in lines {
            out.write_all(line.as_bytes())?;
            out.write_all(b"\n")?;
        }
        out.flush()
    })
}
