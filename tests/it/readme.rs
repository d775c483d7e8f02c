//! The README's examples are real: every `$ rewind …` line in it is run, and what it prints must
//! be what the README shows under it.

use crate::common;

/// `(command line, expected output)` for every example on a file that is in the repository.
fn examples() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let mut out = Vec::new();
    let mut current: Option<(String, String)> = None;
    let mut in_block = false;
    // A block inside a list item is indented: its lines are read without that indentation. Such
    // blocks also show steps on a user's own log (`ledger.jsonl`): of those, the examples on the
    // bundled files are run.
    let mut indent = 0;
    for line in readme.lines() {
        let body = line.trim_start_matches(' ');
        if body.starts_with("```") {
            in_block = !in_block;
            indent = line.len() - body.len();
            out.extend(current.take());
            continue;
        }
        if !in_block {
            continue;
        }
        let line = &line[(line.len() - line.trim_start_matches(' ').len()).min(indent)..];
        if let Some(command) = line.strip_prefix("$ ") {
            out.extend(current.take());
            if indent > 0 && !command.contains("assets/") {
                continue;
            }
            current = Some((command.to_string(), String::new()));
        } else if let Some((_, expected)) = current.as_mut() {
            expected.push_str(line);
            expected.push('\n');
        }
    }
    out
}

/// A folder to run the examples in, one after the other (an example may read what an earlier one
/// wrote): a copy of `assets/`, its signing keys readable by their owner alone as `keygen` writes
/// them (a checkout does not keep that mode).
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let assets = dir.path().join("assets");
    std::fs::create_dir(&assets).unwrap();
    for entry in std::fs::read_dir("assets").unwrap() {
        let path = entry.unwrap().path();
        let to = assets.join(path.file_name().unwrap());
        std::fs::copy(&path, &to).unwrap();
        #[cfg(unix)]
        if path.extension().is_some_and(|e| e == "key") {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    }
    dir
}

#[test]
fn every_example_prints_what_the_readme_says() {
    let examples = examples();
    assert!(examples.len() >= 5, "found {} examples", examples.len());
    let dir = scratch();
    for (command, expected) in examples {
        let words = shell_words::split(&command).unwrap();
        assert_eq!(words[0], "rewind", "{command}");
        let out = common::rewind()
            .current_dir(dir.path())
            .args(&words[1..])
            .output()
            .unwrap();
        let mut actual = String::from_utf8(out.stdout).unwrap();
        actual.push_str(&String::from_utf8(out.stderr).unwrap());
        let trim = |s: &str| {
            let lines: Vec<&str> = s.lines().map(str::trim_end).collect();
            lines.join("\n").trim_end().to_string()
        };
        assert_eq!(
            trim(&actual),
            trim(&expected),
            "`{command}` printed something else"
        );
    }
}
