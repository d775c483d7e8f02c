//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use assert_cmd::Command;

/// The built `rewind` binary.
pub fn rewind() -> Command {
    Command::cargo_bin("rewind").expect("the rewind binary is built")
}

/// Writes `text` to a fresh file in a temporary folder; the folder lives as long as the guard.
pub fn log_file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write fixture");
    (dir, path)
}

/// Runs rewind and returns (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    let out = rewind().args(args).output().expect("rewind runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Parses stdout as JSON.
pub fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}
