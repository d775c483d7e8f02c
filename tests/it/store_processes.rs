//! The writers under real processes: appenders and seals killed with SIGKILL at random moments, and several
//! writers at once. The writers are this test binary run again as a child process (see
//! [`writer_child`]), appending through the same store the `append` command uses.

use crate::common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use common::run;
use rewind::ledger::new_event::NewEvent;
use rewind::ledger::store::{self, Appended, Expect};
use rewind::ledger::{Integrity, LoadOptions, Money, TypeMap, load_file};

/// Set in a child: the log to append to.
const LOG_VAR: &str = "REWIND_TEST_WRITER_LOG";
/// Set in a child: how many records to append (forever when absent).
const COUNT_VAR: &str = "REWIND_TEST_WRITER_COUNT";
/// Set in a child: its name, used as the account.
const NAME_VAR: &str = "REWIND_TEST_WRITER_NAME";

/// Not a test of its own: the body of a writer process. Without the variables it returns at once.
/// It appends in a loop and prints `acked SEQ` for each record only after the append returned.
#[test]
fn writer_child() {
    let Ok(log) = std::env::var(LOG_VAR) else {
        return;
    };
    let count: Option<u64> = std::env::var(COUNT_VAR).ok().map(|c| c.parse().unwrap());
    let name = std::env::var(NAME_VAR).unwrap_or_else(|_| "writer".into());
    let types = TypeMap::default();
    let mut out = std::io::stdout();
    // One event every writer tries to append: the log must end up with it once.
    let shared = NewEvent {
        id: Some("shared-1".into()),
        account: "shared".into(),
        kind: "DEPOSIT".into(),
        amount: Some(Money::parse("1").unwrap()),
        to: None,
        at: Some(1_709_294_400_000),
        meta: vec![],
    };
    if count.is_some() {
        store::append(Path::new(&log), &shared, Expect::default(), &types).unwrap();
    }
    let mut i = 0u64;
    while count.is_none_or(|c| i < c) {
        let event = NewEvent {
            id: None,
            account: name.clone(),
            kind: "DEPOSIT".into(),
            amount: Some(Money::parse("0.01").unwrap()),
            to: None,
            at: None,
            meta: vec![("n".into(), i.to_string())],
        };
        match store::append(Path::new(&log), &event, Expect::default(), &types) {
            Ok(Appended::New { head, .. }) => {
                writeln!(out, "acked {}", head.seq).unwrap();
                out.flush().unwrap();
            }
            other => panic!("append failed: {other:?}"),
        }
        i += 1;
    }
}

fn spawn_writer(log: &Path, name: &str, count: Option<u64>) -> Child {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "store_processes::writer_child",
        "--exact",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(LOG_VAR, log)
    .env(NAME_VAR, name)
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    if let Some(c) = count {
        cmd.env(COUNT_VAR, c.to_string());
    }
    cmd.spawn().unwrap()
}

/// The seqs a writer acknowledged, read from its stdout until it ends.
fn acked(child: &mut Child) -> std::thread::JoinHandle<Vec<u64>> {
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            // The test harness may have printed the start of a line before the first one.
            .filter_map(|l| {
                let at = l.find("acked ")?;
                l[at + "acked ".len()..].trim().parse().ok()
            })
            .collect()
    })
}

/// A small xorshift generator: random moments without another dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// The seqs of the records in the log, in file order.
fn seqs_in(log: &Path) -> Vec<u64> {
    let ledger = load_file(log, &LoadOptions::default(), None).unwrap();
    (0..ledger.len()).map(|i| ledger.seq_of(i)).collect()
}

#[test]
fn writers_killed_at_random_moments_never_lose_an_acknowledged_record() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("crash.jsonl");
    let seed = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let mut rng = Rng(seed);
    let mut acknowledged: BTreeSet<u64> = BTreeSet::new();
    let started = Instant::now();
    let mut rounds = 0;
    // Bounded: at most 40 kills, and no new round after 25 seconds.
    while rounds < 40 && started.elapsed() < Duration::from_secs(25) {
        rounds += 1;
        let mut child = spawn_writer(&log, "crash", None);
        let reader = acked(&mut child);
        std::thread::sleep(Duration::from_millis(5 + rng.below(120)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        acknowledged.extend(reader.join().unwrap());
    }
    assert!(
        !acknowledged.is_empty(),
        "no writer lived long enough to append (seed {seed})"
    );
    let seqs = seqs_in(&log);
    let missing: Vec<&u64> = acknowledged
        .iter()
        .filter(|s| seqs.binary_search(s).is_err())
        .collect();
    assert!(
        missing.is_empty(),
        "acknowledged but lost: {missing:?} (seed {seed})"
    );
    assert_eq!(
        seqs,
        (1..=seqs.len() as u64).collect::<Vec<_>>(),
        "seqs 1..N without gap (seed {seed})"
    );
    // The chain holds up to any torn tail.
    let p = log.to_str().unwrap();
    let (code, out, _) = run(&["verify", p]);
    assert!(
        code == 0 || (code == 1 && !out.contains("chain broken") && out.contains("incomplete")),
        "{out} (seed {seed})"
    );
    // Repair, then appends work again and the chain verifies.
    let (code, _, err) = run(&["repair", p]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(&[
        "append",
        p,
        "--account",
        "after",
        "--type",
        "DEPOSIT",
        "--amount",
        "1",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = run(&["verify", p]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("head {}:", seqs.len() + 1)), "{out}");
}

#[test]
fn concurrent_writers_append_whole_records_with_consecutive_seqs() {
    const WRITERS: usize = 4;
    const EACH: u64 = 150;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("busy.jsonl");
    let mut children: Vec<(Child, std::thread::JoinHandle<Vec<u64>>)> = (0..WRITERS)
        .map(|w| {
            let mut child = spawn_writer(&log, &format!("w{w}"), Some(EACH));
            let reader = acked(&mut child);
            (child, reader)
        })
        .collect();
    let mut acknowledged = Vec::new();
    for (child, _) in &mut children {
        assert!(child.wait().unwrap().success());
    }
    for (_, reader) in children {
        acknowledged.extend(reader.join().unwrap());
    }
    let total = WRITERS * EACH as usize + 1;
    acknowledged.sort_unstable();
    assert_eq!(acknowledged.len(), WRITERS * EACH as usize);
    acknowledged.dedup();
    assert_eq!(
        acknowledged.len(),
        WRITERS * EACH as usize,
        "no seq given twice"
    );

    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.ends_with('\n'));
    assert_eq!(text.lines().count(), total, "whole lines only");
    // Each writer appends the same deposit again and again, a near-duplicate by design: the
    // search for those is off here, so that any problem left is one of the records themselves.
    let options = LoadOptions {
        types: TypeMap::from_toml_str("[duplicates]\nwindow = \"0\"\n").unwrap(),
        ..LoadOptions::default()
    };
    let ledger = load_file(&log, &options, None).unwrap();
    assert_eq!(ledger.len(), total);
    assert_eq!(ledger.integrity(), Integrity::Sealed);
    assert!(ledger.problems().is_empty(), "{:?}", ledger.problems());
    let seqs: Vec<u64> = (0..ledger.len()).map(|i| ledger.seq_of(i)).collect();
    assert_eq!(seqs, (1..=total as u64).collect::<Vec<_>>());
    for w in 0..WRITERS {
        let a = ledger.find_account(&format!("w{w}")).unwrap();
        let state = ledger.account_at(a, rewind::ledger::Moment::End);
        assert_eq!(state.events, EACH as usize);
        assert_eq!(state.balance.to_string(), "1.50");
    }
    let shared = ledger.find_account("shared").unwrap();
    assert_eq!(
        ledger
            .account_at(shared, rewind::ledger::Moment::End)
            .events,
        1,
        "the same id appended by every writer is in the log once"
    );
    let (code, out, _) = run(&["verify", log.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
}

/// The `head SEQ:HASH` line of a command's output.
fn head_of(stdout: &str) -> Option<String> {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("head "))
        .map(str::to_string)
}

#[test]
fn a_seal_killed_at_any_moment_leaves_no_copy_or_a_whole_one() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.jsonl");
    let options = rewind::ledger::generate::GenerateOptions {
        events: 30_000,
        accounts: 200,
        seed: 5,
        sealed: false,
    };
    let mut bytes = Vec::new();
    rewind::ledger::generate::generate(options, &mut bytes).unwrap();
    std::fs::write(&input, &bytes).unwrap();
    let out = dir.path().join("sealed.jsonl");
    let (i, o) = (input.to_str().unwrap(), out.to_str().unwrap());
    let (code, stdout, err) = run(&["seal", i, "--out", o]);
    assert_eq!(code, 0, "{err}");
    let full = head_of(&stdout).unwrap();
    assert!(full.starts_with("30000:"), "{full}");

    let seed = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let mut rng = Rng(seed);
    let mut whole = 0;
    for round in 0..8 {
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let path = entry.unwrap().path();
            if path != input {
                std::fs::remove_file(path).unwrap();
            }
        }
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("rewind"))
            .args(["seal", i, "--out", o])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        if round % 4 == 3 {
            // Anywhere in the run, the load included.
            std::thread::sleep(Duration::from_millis(rng.below(3_000)));
        } else {
            // While the copy is being written: as soon as a new file shows in the folder, a
            // random moment later.
            while std::fs::read_dir(dir.path()).unwrap().count() < 2
                && child.try_wait().unwrap().is_none()
            {
                std::thread::sleep(Duration::from_millis(1));
            }
            std::thread::sleep(Duration::from_micros(rng.below(300_000)));
        }
        let _ = child.kill(); // SIGKILL (it may have finished already)
        child.wait().unwrap();
        if out.exists() {
            whole += 1;
            let (code, stdout, _) = run(&["verify", o]);
            assert_eq!(code, 0, "round {round}: {stdout} (seed {seed})");
            assert_eq!(
                head_of(&stdout).as_deref(),
                Some(full.as_str()),
                "round {round}: a shorter copy was left (seed {seed})"
            );
        }
    }
    eprintln!("{whole} of 8 killed seals had finished");
}
