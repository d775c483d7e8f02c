//! Following a Message DB database at the library level: rows written while following appear, and
//! a row whose position commits late is not skipped.

use crate::pgdb;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use rewind::ledger::follow::{FollowEvent, Follower};
use rewind::ledger::{Ledger, LoadOptions, Moment, Progress};
use rewind::source::pg::{Background, FollowOptions, Layout, PgFollower, PgSource};

use pgdb::write_message;

fn balances(ledger: &Ledger) -> Vec<(String, String)> {
    ledger
        .balances_at(Moment::End)
        .iter()
        .map(|s| {
            (
                ledger.account_name(s.account).to_string(),
                s.balance.to_string(),
            )
        })
        .collect()
}

fn seqs(ledger: &Ledger) -> Vec<u64> {
    (0..ledger.len()).map(|i| ledger.seq_of(i)).collect()
}

/// Polls until `done` holds, for at most ten seconds (the server is local; this bounds a failure).
fn poll_until(
    follower: &mut PgFollower,
    ledger: &mut Ledger,
    mut done: impl FnMut(&PgFollower, &Ledger) -> bool,
) {
    let start = Instant::now();
    loop {
        follower.poll(ledger).expect("poll");
        if done(follower, ledger) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "gave up waiting: high {}, waiting {:?}, seqs {:?}",
            follower.high(),
            follower.waiting(),
            seqs(ledger)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
#[ignore = "needs PostgreSQL"]
fn follow_adds_new_rows_and_waits_for_late_commits() {
    let db = pgdb::message_db("follow");
    let mut c = db.client();
    write_message(&mut c, "account-a", "Deposited", r#"{"amount":10}"#);
    write_message(&mut c, "account-b", "Deposited", r#"{"amount":1.5}"#);
    let source = PgSource::new(&db.url, Layout::MessageDb).unwrap();
    let progress = Progress::default();
    let mut ledger = source
        .load(&LoadOptions::default(), Some(&progress))
        .unwrap();
    assert_eq!(ledger.len(), 2);
    assert_eq!(progress.events.load(Ordering::Relaxed), 2);
    let done = progress.bytes_done.load(Ordering::Relaxed);
    assert!(done > 0 && done == progress.bytes_total.load(Ordering::Relaxed));
    let options = FollowOptions {
        grace: Duration::from_millis(50),
        max_wait: Duration::from_secs(600),
        ..FollowOptions::default()
    };
    let mut follower = PgFollower::new(&source, &ledger, options).unwrap();
    assert_eq!(follower.poll(&mut ledger).unwrap(), 0);
    assert_eq!(follower.watermark(), 2);

    // A row written while following appears.
    write_message(&mut c, "account-a", "Withdrawn", r#"{"amount":"2.25"}"#);
    poll_until(&mut follower, &mut ledger, |_, l| l.len() == 3);
    assert_eq!(
        balances(&ledger),
        vec![("a".into(), "7.75".into()), ("b".into(), "1.5".into())]
    );

    // A writer takes position 4 and holds its transaction open; another commits position 5.
    let mut slow = db.client();
    let mut open = slow.transaction().unwrap();
    write_message(&mut open, "account-late", "Deposited", r#"{"amount":100}"#);
    write_message(&mut c, "savings-s", "Deposited", r#"{"amount":0.01}"#);
    poll_until(&mut follower, &mut ledger, |f, _| f.high() == 5);
    assert_eq!(follower.waiting(), vec![4]);
    assert_eq!(follower.watermark(), 3);
    // However often it polls, position 4 is waited for while its transaction is open.
    for _ in 0..5 {
        std::thread::sleep(Duration::from_millis(100));
        follower.poll(&mut ledger).unwrap();
        assert_eq!(follower.waiting(), vec![4]);
    }
    assert_eq!(seqs(&ledger), vec![1, 2, 3, 5]);
    open.commit().unwrap();
    drop(slow);
    poll_until(&mut follower, &mut ledger, |_, l| l.len() == 5);
    assert_eq!(seqs(&ledger), vec![1, 2, 3, 4, 5]);
    assert_eq!(follower.watermark(), 5);
    assert_eq!(follower.skipped(), 0);
    assert_eq!(
        balances(&ledger),
        vec![
            ("a".into(), "7.75".into()),
            ("b".into(), "1.5".into()),
            ("late".into(), "100".into()),
            ("s".into(), "0.01".into()),
        ]
    );

    // A position whose writer rolled back is given up once no transaction could still hold it.
    let mut undone = db.client();
    let mut tx = undone.transaction().unwrap();
    write_message(&mut tx, "account-gone", "Deposited", r#"{"amount":1}"#);
    tx.rollback().unwrap();
    write_message(&mut c, "account-a", "Deposited", r#"{"amount":1}"#);
    poll_until(&mut follower, &mut ledger, |f, _| {
        f.high() == 7 && f.waiting().is_empty()
    });
    assert_eq!(follower.skipped(), 1);
    assert_eq!(follower.watermark(), 7);
    assert_eq!(seqs(&ledger), vec![1, 2, 3, 4, 5, 7]);
}

#[test]
#[ignore = "needs PostgreSQL"]
fn a_hole_at_load_time_is_waited_for_too() {
    let db = pgdb::message_db("follow_load_hole");
    let mut c = db.client();
    write_message(&mut c, "account-a", "Deposited", r#"{"amount":1}"#);
    // Position 2 is taken by an open transaction when the ledger is loaded.
    let mut slow = db.client();
    let mut open = slow.transaction().unwrap();
    write_message(&mut open, "account-late", "Deposited", r#"{"amount":2}"#);
    write_message(&mut c, "savings-s", "Deposited", r#"{"amount":3}"#);
    let source = PgSource::new(&db.url, Layout::MessageDb).unwrap();
    let mut ledger = source.load(&LoadOptions::default(), None).unwrap();
    assert_eq!(seqs(&ledger), vec![1, 3]);
    let options = FollowOptions {
        grace: Duration::from_millis(50),
        max_wait: Duration::from_secs(600),
        ..FollowOptions::default()
    };
    let mut follower = PgFollower::new(&source, &ledger, options).unwrap();
    assert_eq!(follower.waiting(), vec![2]);
    std::thread::sleep(Duration::from_millis(100));
    follower.poll(&mut ledger).unwrap();
    assert_eq!(follower.waiting(), vec![2]);
    open.commit().unwrap();
    poll_until(&mut follower, &mut ledger, |_, l| l.len() == 3);
    assert_eq!(seqs(&ledger), vec![1, 2, 3]);
}

#[test]
#[ignore = "needs PostgreSQL"]
fn reads_on_their_own_thread_arrive_at_the_next_poll_and_an_error_stops_following() {
    let db = pgdb::message_db("follow_background");
    let mut c = db.client();
    write_message(&mut c, "account-a", "Deposited", r#"{"amount":1}"#);
    let source = PgSource::new(&db.url, Layout::MessageDb).unwrap();
    let mut ledger = source.load(&LoadOptions::default(), None).unwrap();
    let follower = PgFollower::new(&source, &ledger, FollowOptions::default()).unwrap();
    let mut follower = Background::spawn(follower, Duration::from_millis(20));
    // Nothing new: a poll returns at once with nothing.
    assert_eq!(follower.poll(&mut ledger), FollowEvent::Unchanged);

    write_message(&mut c, "account-a", "Deposited", r#"{"amount":"2.50"}"#);
    write_message(&mut c, "account-b", "Deposited", r#"{"amount":4}"#);
    let start = Instant::now();
    let mut added = 0;
    while added < 2 {
        match follower.poll(&mut ledger) {
            FollowEvent::Grew { events } => added += events,
            FollowEvent::Unchanged => std::thread::sleep(Duration::from_millis(20)),
            other => panic!("unexpected {other:?}"),
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "rows never arrived"
        );
    }
    assert_eq!(added, 2);
    assert_eq!(
        balances(&ledger),
        vec![("a".into(), "3.50".into()), ("b".into(), "4".into())]
    );

    // The table goes away: the next reads fail, and following stops with the reason.
    db.sql("ALTER TABLE message_store.messages RENAME TO messages_gone");
    let start = Instant::now();
    let reason = loop {
        match follower.poll(&mut ledger) {
            FollowEvent::Changed { reason } => break reason,
            FollowEvent::Unchanged => std::thread::sleep(Duration::from_millis(20)),
            other => panic!("unexpected {other:?}"),
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the error never arrived"
        );
    };
    assert!(reason.contains("messages"), "{reason}");
    assert_eq!(ledger.len(), 3);
}
