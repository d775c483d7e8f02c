//! How rewind opens and creates the files it writes, so that no writer can be turned against
//! another file.
//!
//! - A log the user names may be reached through a symbolic link, but what is opened must be a
//!   regular file: the check is made on the opened descriptor (`fstat`), not on the path, so a
//!   FIFO, a device (`/dev/null`, a disk) or a folder is refused before a byte is written, and the
//!   open itself never blocks on a FIFO (`O_NONBLOCK`).
//! - A file rewind creates or keeps beside a log (`FILE.torn`, `FILE.snapshots/`) is never
//!   reached through a symbolic link (`O_NOFOLLOW`, `lstat`), must have one name only and belong
//!   to the user or to the log's owner.
//! - A file rewind writes whole (a sealed copy, a snapshot, an export) is written to a temporary
//!   file with a name no one can guess, created in the same folder with `O_EXCL` (so a planted
//!   link is never followed), synced, renamed into place and the folder synced: a reader, a crash
//!   or a `kill -9` leaves either no file under the final name or the whole file.
//! - Every file created beside a log gets the log's read and write bits, never wider (and the
//!   umask narrows them further), so a private log never gets a snapshot others can read.

use std::fs::{self, File, Metadata, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};

/// The permission bits of a file created when there is no log to take them from (an export of
/// the bundled sample or of a database): what any program gets, narrowed by the umask.
pub const DEFAULT_MODE: u32 = 0o666;

/// The permission bits of a file rewind creates beside `log`: the log's read and write bits
/// (never execute, set-id or sticky bits).
#[cfg(unix)]
pub fn file_mode(log: &Metadata) -> u32 {
    log.permissions().mode() & 0o666
}

#[cfg(not(unix))]
pub fn file_mode(_log: &Metadata) -> u32 {
    DEFAULT_MODE
}

/// The permission bits of a file rewind writes from a loaded log (an export): the log file's, or
/// [`DEFAULT_MODE`] for the bundled sample and a database.
pub fn ledger_mode(ledger: &super::Ledger) -> u32 {
    match &ledger.raw {
        super::RawSource::File(file) => file.metadata().map_or(0o600, |m| file_mode(&m)),
        super::RawSource::Memory(_) => DEFAULT_MODE,
    }
}

/// The permission bits of a folder rewind creates beside a log whose files get `mode`: the same
/// bits, with the search bit wherever there is the read bit.
pub fn dir_mode(mode: u32) -> u32 {
    let mode = mode & 0o666;
    mode | ((mode & 0o444) >> 2)
}

fn refusal(why: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, why)
}

/// What a file that is not a regular file is, for a message.
fn kind_of(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a folder"
    } else if t.is_symlink() {
        "a symbolic link"
    } else {
        "not a regular file"
    }
}

/// Refuses an opened file that is not a regular file; asks the descriptor, so that what is
/// checked is what will be written.
pub fn ensure_regular(file: &File) -> io::Result<Metadata> {
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Err(refusal(format!(
            "not a regular file ({}); rewind writes only to regular files",
            kind_of(&meta)
        )));
    }
    Ok(meta)
}

/// Flags for every open of a file to write: a FIFO must not block the open (it is refused right
/// after), and a terminal must not become ours.
#[cfg(unix)]
fn guarded(options: &mut OpenOptions, extra: i32) -> &mut OpenOptions {
    options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | extra)
}

/// Back to blocking I/O once the file is known to be a regular file.
#[cfg(unix)]
fn set_blocking(file: &File) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a descriptor this function's caller owns; no memory is passed.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags < 0 || libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Opens a file the user named (a log) with `options`, following a symbolic link the user gave,
/// and refuses it unless it is a regular file. A file `options` creates is created with
/// `O_EXCL` by the caller's `create_new`, which never follows a link.
pub fn open_regular(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    #[cfg(unix)]
    guarded(options, 0);
    let file = options.open(path)?;
    ensure_regular(&file)?;
    #[cfg(unix)]
    set_blocking(&file)?;
    Ok(file)
}

/// The error for a name that is a symbolic link where rewind creates or keeps a file.
fn planted_link(path: &Path) -> io::Error {
    refusal(format!(
        "{} is a symbolic link; rewind never writes through a link where it creates a file \
         (remove it)",
        path.display()
    ))
}

/// Refuses a file (or folder) rewind keeps beside `log` that belongs to someone else than the
/// user and the log's owner: its content would be theirs to read or change.
#[cfg(unix)]
fn ensure_owner(meta: &Metadata, log: &Metadata, path: &Path) -> io::Result<()> {
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me && meta.uid() != log.uid() {
        return Err(refusal(format!(
            "{} belongs to another user (uid {}); rewind keeps nothing of a log in it",
            path.display(),
            meta.uid()
        )));
    }
    Ok(())
}

/// Whether an open with `O_NOFOLLOW` failed because the name is a symbolic link.
fn is_link_refused(e: &io::Error) -> bool {
    #[cfg(unix)]
    return e.raw_os_error() == Some(libc::ELOOP);
    #[cfg(not(unix))]
    return false;
}

/// Opens `path`, a file rewind keeps beside `log` and appends to (`FILE.torn`), creating it with
/// the log's permission bits when missing. Never follows a symbolic link, refuses anything but a
/// regular file with one name that belongs to the user or the log's owner, and narrows bits wider
/// than the log's.
pub fn open_beside_for_append(path: &Path, log: &Metadata) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).append(true).create(true);
    #[cfg(unix)]
    {
        options.mode(file_mode(log));
        guarded(&mut options, libc::O_NOFOLLOW);
    }
    let file = options.open(path).map_err(|e| {
        if is_link_refused(&e) {
            planted_link(path)
        } else {
            e
        }
    })?;
    let meta = ensure_regular(&file)?;
    #[cfg(unix)]
    {
        set_blocking(&file)?;
        if meta.nlink() != 1 {
            return Err(refusal(format!(
                "{} has {} names (hard links); rewind appends only to a file of its own",
                path.display(),
                meta.nlink()
            )));
        }
        ensure_owner(&meta, log, path)?;
        let bits = meta.permissions().mode() & 0o7777;
        let allowed = file_mode(log);
        if bits & !allowed != 0 {
            file.set_permissions(fs::Permissions::from_mode(bits & allowed))?;
        }
    }
    #[cfg(not(unix))]
    let _ = (meta, log);
    Ok(file)
}

/// Creates the folder `dir` beside `log` (`FILE.snapshots/`) with bits from the log's, or takes
/// the one there: a real folder (not a symbolic link) that belongs to the user or the log's owner.
pub fn dir_beside(dir: &Path, log: &Metadata) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    builder.mode(dir_mode(file_mode(log)));
    match builder.create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    let meta = fs::symlink_metadata(dir)?;
    if meta.file_type().is_symlink() {
        return Err(planted_link(dir));
    }
    if !meta.is_dir() {
        return Err(refusal(format!(
            "{} is not a folder ({})",
            dir.display(),
            kind_of(&meta)
        )));
    }
    #[cfg(unix)]
    ensure_owner(&meta, log, dir)?;
    #[cfg(not(unix))]
    let _ = log;
    Ok(())
}

/// Whether [`write_whole`] may replace a file already under the final name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Replace {
    /// Replace it (a snapshot taken again).
    Allowed,
    /// Fail with [`io::ErrorKind::AlreadyExists`] and leave it as it is (a sealed copy, an
    /// export).
    Never,
}

/// Writes the file `path` whole, with the permission bits `mode` (narrowed by the umask): `write`
/// fills a temporary file in the same folder (an unguessable name, created with `O_EXCL`), which
/// is synced, renamed to `path` (without replacing a file there, for [`Replace::Never`]) and the
/// folder synced. On any error, or if the process is killed, no file appears under `path`; the
/// temporary file is removed on error (a `kill -9` may leave one, named `.NAME.….tmp`).
pub fn write_whole(
    path: &Path,
    mode: u32,
    replace: Replace,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<()> {
    let folder = folder_of(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp").rand_bytes(12);
    #[cfg(unix)]
    builder.permissions(fs::Permissions::from_mode(mode & 0o666));
    #[cfg(not(unix))]
    let _ = mode;
    let mut tmp = builder.tempfile_in(&folder)?;
    write(tmp.as_file_mut())?;
    tmp.as_file().sync_all()?;
    match replace {
        Replace::Allowed => tmp.persist(path).map(drop),
        Replace::Never => tmp.persist_noclobber(path).map(drop),
    }
    .map_err(|e| e.error)?;
    sync_dir(path)
}

/// The folder holding `path` (`.` for a bare name).
fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Makes the entries of the folder holding `path` durable (a new file's name).
pub fn sync_dir(path: &Path) -> io::Result<()> {
    File::open(folder_of(path))?.sync_all()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn modes_take_the_logs_read_and_write_bits() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        fs::write(&log, "").unwrap();
        fs::set_permissions(&log, fs::Permissions::from_mode(0o4751)).unwrap();
        let meta = fs::metadata(&log).unwrap();
        assert_eq!(file_mode(&meta), 0o640);
        assert_eq!(dir_mode(0o640), 0o750);
        assert_eq!(dir_mode(0o600), 0o700);
    }

    #[test]
    fn a_whole_file_is_never_written_through_a_link_and_never_clobbers_when_told_not_to() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, "keep").unwrap();
        let out = dir.path().join("out");
        symlink(&victim, &out).unwrap();
        let err = write_whole(&out, 0o600, Replace::Never, |f| {
            io::Write::write_all(f, b"new")
        })
        .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&victim).unwrap(), b"keep");
        // Replacing replaces the link itself, never its target.
        write_whole(&out, 0o600, Replace::Allowed, |f| {
            io::Write::write_all(f, b"new")
        })
        .unwrap();
        assert_eq!(fs::read(&victim).unwrap(), b"keep");
        assert!(!fs::symlink_metadata(&out).unwrap().file_type().is_symlink());
        assert_eq!(fs::read(&out).unwrap(), b"new");
        // A failed write leaves nothing behind, not even the temporary file.
        let failed = dir.path().join("failed");
        write_whole(&failed, 0o600, Replace::Never, |_| {
            Err(io::Error::other("disk full"))
        })
        .unwrap_err();
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn a_kept_file_beside_a_log_is_never_a_link_a_device_or_shared() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        fs::write(&log, "").unwrap();
        fs::set_permissions(&log, fs::Permissions::from_mode(0o600)).unwrap();
        let meta = fs::metadata(&log).unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, "keep").unwrap();
        let link = dir.path().join("log.torn");
        symlink(&victim, &link).unwrap();
        let err = open_beside_for_append(&link, &meta).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        fs::remove_file(&link).unwrap();
        fs::hard_link(&victim, &link).unwrap();
        let err = open_beside_for_append(&link, &meta).unwrap_err();
        assert!(err.to_string().contains("hard links"), "{err}");
        fs::remove_file(&link).unwrap();
        let err = open_beside_for_append(Path::new("/dev/null"), &meta).unwrap_err();
        assert!(err.to_string().contains("character device"), "{err}");
        // Created with the log's bits; a wider existing one is narrowed.
        open_beside_for_append(&link, &meta).unwrap();
        let bits = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        assert_eq!(bits(&link) & !0o600, 0);
        fs::set_permissions(&link, fs::Permissions::from_mode(0o644)).unwrap();
        open_beside_for_append(&link, &meta).unwrap();
        assert_eq!(bits(&link), 0o600);
        // A folder beside the log: never a link.
        let target = dir.path().join("elsewhere");
        fs::create_dir(&target).unwrap();
        let snapshots = dir.path().join("log.snapshots");
        symlink(&target, &snapshots).unwrap();
        let err = dir_beside(&snapshots, &meta).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        fs::remove_file(&snapshots).unwrap();
        dir_beside(&snapshots, &meta).unwrap();
        assert_eq!(bits(&snapshots) & !0o700, 0);
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let name = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid C string.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
        let err = open_regular(&fifo, OpenOptions::new().read(true).append(true)).unwrap_err();
        assert!(err.to_string().contains("a FIFO"), "{err}");
    }
}
