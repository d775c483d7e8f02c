//! Ctrl-C on the command line: a long load ends at once with exit 130, and a database query
//! is cancelled on the server, not left running there.

use crate::pgdb;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Waits (generously) until `ready` holds, failing with `what` otherwise.
fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready() {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn start(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_rewind"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rewind starts")
}

fn interrupt(child: &Child) {
    // SAFETY: sends SIGINT to the child this test started.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
}

/// Waits for the child to end (killing it after a generous limit); its exit code and stderr.
fn finish(mut child: Child) -> (Option<i32>, String) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            return (
                status.code(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            );
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("rewind did not end after Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether the process has `path` open.
fn has_open(pid: u32, path: &Path) -> bool {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten()
        .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target == path))
}

#[test]
fn ctrl_c_ends_a_long_file_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.jsonl");
    std::fs::write(&path, "x\n".repeat(10_000_000)).unwrap();
    let path = path.canonicalize().unwrap();
    let child = start(&["balance", path.to_str().unwrap()]);
    // The file is open: the load has started, and Ctrl-C is watched for.
    wait_until("rewind never opened the log", || {
        has_open(child.id(), &path)
    });
    interrupt(&child);
    let (code, err) = finish(child);
    assert_eq!(code, Some(130), "{err}");
    assert_eq!(
        err,
        format!("rewind: {}: the load was interrupted\n", path.display())
    );
}

#[test]
#[ignore = "needs PostgreSQL"]
fn ctrl_c_cancels_the_query_on_the_server() {
    let db = pgdb::empty_db("interrupt");
    let marker = format!("rewind_interrupt_{}", std::process::id());
    let query = format!(
        "SELECT 1 AS seq, 'a' AS account, 'DEPOSIT' AS type, now() AS ts \
         FROM pg_sleep(600) AS {marker}"
    );
    let mut admin = db.client();
    let mut running = move || -> i64 {
        admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE state = 'active' AND query LIKE '%' || $1 || '%' \
                 AND pid <> pg_backend_pid()",
                &[&marker],
            )
            .unwrap()
            .get(0)
    };
    for command in ["check", "balance"] {
        let child = start(&[command, &db.url, "--query", &query]);
        wait_until("the query never ran", || running() == 1);
        interrupt(&child);
        let (code, err) = finish(child);
        assert_eq!(code, Some(130), "{command}: {err}");
        assert!(err.ends_with(": the read was interrupted\n"), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        // The server stopped running it.
        wait_until("the query is still running on the server", || {
            running() == 0
        });
    }
}
