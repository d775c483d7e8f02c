//! `rewind completions SHELL` and `rewind man`, through the binary: the scripts and pages are made
//! from the command line's own definitions, so every subcommand is in them.

use std::process::{Command, Stdio};

use crate::common::{log_file, run};

/// The subcommands `rewind --help` lists (its own `help` aside).
fn subcommands() -> Vec<String> {
    let (code, out, err) = run(&["--help"]);
    assert_eq!(code, 0, "{err}");
    let names: Vec<String> = out
        .lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(String::from)
        .collect();
    // The list is read right: it holds the commands named in the README, these two among them.
    for expected in [
        "balance",
        "check",
        "checkpoint",
        "verify-bundle",
        "completions",
        "man",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected}: {names:?}");
    }
    names
}

/// The words of a script or page: `check` is one, `checkpoint` does not make it one.
fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|w| !w.is_empty())
        .collect()
}

fn script(shell: &str) -> String {
    let (code, out, err) = run(&["completions", shell]);
    assert_eq!(code, 0, "{shell}: {err}");
    assert_eq!(err, "", "{shell}");
    out
}

#[test]
fn every_shell_s_script_names_every_subcommand() {
    let names = subcommands();
    for (shell, marker) in [
        ("bash", "complete -F _rewind"),
        ("zsh", "#compdef rewind"),
        ("fish", "complete -c rewind"),
    ] {
        let text = script(shell);
        assert!(text.lines().count() > 20, "{shell}: {text}");
        assert!(text.contains(marker), "{shell}: no `{marker}`");
        let words = words(&text);
        for name in &names {
            assert!(words.contains(&name.as_str()), "{shell}: no `{name}`");
        }
        // Options are completed too, a subcommand's and the global ones (fish names them
        // without their dashes).
        for option in ["no-snapshot", "state-dir", "sealed"] {
            assert!(
                words.iter().any(|w| w.trim_start_matches('-') == option),
                "{shell}: no `--{option}`"
            );
        }
    }
}

#[test]
fn bash_accepts_the_bash_script_and_it_completes_subcommands_and_options() {
    let text = script("bash");
    let (_dir, path) = log_file("rewind.bash", &text);
    let syntax = Command::new("bash").arg("-n").arg(&path).output().unwrap();
    assert!(
        syntax.status.success(),
        "{}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    // What bash offers after `rewind verif<TAB>` and `rewind balance --no-s<TAB>`.
    let complete = |line: &[&str]| -> Vec<String> {
        let words = line.join(" ");
        let current = line.len() - 1;
        let program = format!(
            "source '{}'; COMP_WORDS=({words}); COMP_CWORD={current}; \
             _rewind rewind '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            path.display(),
            line[current],
            line[current - 1],
        );
        let out = Command::new("bash")
            .arg("-c")
            .arg(program)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(String::from)
            .collect()
    };
    assert_eq!(
        complete(&["rewind", "verif"]),
        ["verify", "verify-bundle"],
        "subcommands"
    );
    assert_eq!(
        complete(&["rewind", "balance", "--no-s"]),
        ["--no-snapshot"],
        "an option of the subcommand"
    );
    assert_eq!(
        complete(&["rewind", "completions", "z"]),
        ["zsh"],
        "the shells"
    );
}

#[test]
fn a_shell_rewind_does_not_know_is_refused_in_one_line() {
    for args in [
        &["completions", "tcsh"][..],
        &["completions"],
        &["completions", "bash", "zsh"],
    ] {
        let (code, out, err) = run(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert_eq!(out, "", "{args:?}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    }
    let (_, _, err) = run(&["completions", "tcsh"]);
    assert!(err.contains("bash, zsh, fish"), "{err}");
}

/// `text` with roff's escaped hyphens (`\-`) as plain ones.
fn unescaped(text: &str) -> String {
    text.replace("\\-", "-")
}

#[test]
fn the_manual_page_names_every_subcommand_and_each_has_a_page() {
    let names = subcommands();
    let (code, page, err) = run(&["man"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err, "");
    assert!(
        page.lines().any(|l| l.starts_with(".TH rewind 1 ")),
        "{page}"
    );
    let page = unescaped(&page);
    assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
    assert!(page.contains(".SH OPTIONS"), "{page}");
    for name in &names {
        assert!(page.contains(&format!("rewind-{name}(1)")), "no `{name}`");
        let (code, sub, err) = run(&["man", name]);
        assert_eq!(code, 0, "{name}: {err}");
        assert!(
            sub.lines()
                .any(|l| unescaped(l).starts_with(&format!(".TH rewind-{name} 1 "))),
            "{name}: {sub}"
        );
        assert!(
            unescaped(&sub).contains(&format!("rewind {name}")),
            "{name}: the synopsis names the command: {sub}"
        );
    }
    // A page for `help` or for something that is not a subcommand is refused.
    for name in ["help", "nope", "balanc"] {
        let (code, out, err) = run(&["man", name]);
        assert_eq!(code, 2, "{name}: {err}");
        assert_eq!(out, "");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("verify-bundle"), "the pages are listed: {err}");
    }
}

#[test]
fn man_renders_the_page() {
    let (code, page, err) = run(&["man"]);
    assert_eq!(code, 0, "{err}");
    let (_dir, path) = log_file("rewind.1", &page);
    // `man` reads a local file with -l; a machine without it has nothing to render with.
    let Ok(out) = Command::new("man")
        .arg("-l")
        .arg(&path)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .stdin(Stdio::null())
        .output()
    else {
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("NAME"), "{text}");
    assert!(
        text.contains("rewind - Time-travelling explorer for event-sourced ledgers"),
        "{text}"
    );
    assert!(text.contains("rewind-verify-bundle(1)"), "{text}");
}

#[test]
fn a_stdout_that_cannot_be_written_is_one_line_and_exit_2() {
    for args in [&["completions", "bash"][..], &["man"], &["man", "balance"]] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_rewind"))
            .args(args)
            .stdout(Stdio::from(full))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("No space left on device"), "{err}");
    }
}
