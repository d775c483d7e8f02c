//! `rewind keygen NAME`: a fresh Ed25519 signing key (mode 0600) and its C2SP verifier key.

use super::output::{json_line, print};
use std::path::PathBuf;

use clap::Args;
use serde::Serialize;

use super::evidence::write_new_file;
use super::{Failure, Outcome};
use crate::ledger::checkpoint::{SigningKey, valid_name};
use crate::text::escape_control;

#[derive(Args, Debug)]
pub struct KeygenArgs {
    /// The key's name, as it appears in signatures (no spaces or `+`; a schema-less URL such as
    /// `example.com/ledger` avoids collisions).
    pub name: String,
    /// Where to write: `OUT.key` and `OUT.pub` (default: the name, with `/` and other characters
    /// that a file name should not hold as `_`, in the current folder).
    #[arg(long, value_name = "OUT")]
    pub out: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    name: String,
    signing_key: String,
    verifier_key_file: String,
    verifier_key: String,
}

/// A file name for a key name: letters, digits, `.`, `-` and `_` kept, anything else `_`.
fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if stem.starts_with('.') {
        format!("_{stem}")
    } else {
        stem
    }
}

pub fn run(args: KeygenArgs) -> Outcome {
    if !valid_name(&args.name) {
        return Err(Failure::usage(format!(
            "`{}` is not a key name: it must be non-empty, without spaces, `+` or control \
             characters",
            args.name
        )));
    }
    let base = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(file_stem(&args.name)));
    let with = |ext: &str| {
        let mut p = base.clone().into_os_string();
        p.push(ext);
        PathBuf::from(p)
    };
    let (key_path, pub_path) = (with(".key"), with(".pub"));
    for p in [&key_path, &pub_path] {
        if p.symlink_metadata().is_ok() {
            return Err(Failure::usage(format!(
                "{}: already exists; keygen never overwrites a key",
                p.display()
            )));
        }
    }
    let key = SigningKey::generate(&args.name).map_err(|e| Failure::usage(e.to_string()))?;
    let verifier = key.verifier().to_text();
    write_private(&key_path, format!("{}\n", key.to_text()).as_bytes())?;
    if let Err(e) = write_new_file(&pub_path, format!("{verifier}\n").as_bytes(), "key") {
        let _ = std::fs::remove_file(&key_path);
        return Err(e);
    }
    if args.json {
        let report = Report {
            name: args.name.clone(),
            signing_key: key_path.display().to_string(),
            verifier_key_file: pub_path.display().to_string(),
            verifier_key: verifier,
        };
        print(&json_line(&report))?;
    } else {
        print(&format!(
            "{}\n",
            escape_control(&format!(
                "wrote {} (the signing key of `{}`: keep it secret) and {} (its verifier key: give \
                 it to whoever checks your checkpoints)",
                key_path.display(),
                args.name,
                pub_path.display()
            ))
        ))?;
    }
    Ok(0)
}

/// Writes the signing key: a new file, readable and writable by its owner alone from the moment
/// it exists.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> Result<(), Failure> {
    use std::io::Write;
    let shown = path.display().to_string();
    let io = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Failure::usage(format!(
                "{shown}: already exists; keygen never overwrites a key"
            ))
        } else {
            Failure::usage(format!("{shown}: cannot write the key: {e}"))
        }
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io)?;
    let written = (|| {
        file.write_all(bytes)?;
        file.sync_all()?;
        crate::ledger::files::sync_dir(path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(path);
        return Err(io(e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names_become_plain_file_names() {
        assert_eq!(file_stem("ops-2024"), "ops-2024");
        assert_eq!(file_stem("example.com/ledger"), "example.com_ledger");
        assert_eq!(file_stem("..x"), "_..x");
        assert_eq!(file_stem("é"), "_");
    }
}
