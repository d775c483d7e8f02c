//! A database of its own for each test, on the server `.ci/run` starts.
//!
//! `REWIND_TEST_PG_URL` names a superuser connection (`postgres://user:pw@host:port/postgres`);
//! `REWIND_TEST_MESSAGE_DB_TEMPLATE` a database with the Message DB schema installed, copied for
//! each test. The tests that use them are `#[ignore = "needs PostgreSQL"]`, and fail when run
//! (`cargo test -- --ignored`) without them.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use postgres::{Client, NoTls};

/// The server's URL; a test that asks for it fails without it.
pub fn server_url(test: &str) -> String {
    match std::env::var("REWIND_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "{test} needs a PostgreSQL server: set REWIND_TEST_PG_URL (and \
             REWIND_TEST_MESSAGE_DB_TEMPLATE), or run .ci/run"
        ),
    }
}

/// A database made for one test, dropped at the end.
pub struct TestDb {
    admin: String,
    pub name: String,
    /// The database's URL (with the password).
    pub url: String,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// `url` with its database replaced.
pub fn with_db(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let slash = base.rfind('/').expect("a URL with a database");
    format!("{}/{db}{query}", &base[..slash])
}

fn create(test: &str, template: Option<&str>) -> TestDb {
    let admin = server_url(test);
    let name = format!(
        "rw_{}_{}_{}",
        test.to_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(30)
            .collect::<String>(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let mut c = Client::connect(&admin, NoTls).expect("connect to the test server");
    c.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .unwrap();
    let sql = match template {
        Some(t) => format!("CREATE DATABASE {name} TEMPLATE {t}"),
        None => format!("CREATE DATABASE {name}"),
    };
    // Copies of one template started at once may find it busy for a moment.
    let mut tries = 0;
    loop {
        match c.batch_execute(&sql) {
            Ok(()) => break,
            Err(e) if tries < 50 && e.to_string().contains("db error") => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            Err(e) => panic!("{sql}: {e:?}"),
        }
    }
    let url = with_db(&admin, &name);
    TestDb { admin, name, url }
}

/// A database with the Message DB schema.
pub fn message_db(test: &str) -> TestDb {
    server_url(test);
    let template = std::env::var("REWIND_TEST_MESSAGE_DB_TEMPLATE")
        .expect("REWIND_TEST_MESSAGE_DB_TEMPLATE names the database with Message DB installed");
    create(test, Some(&template))
}

/// An empty database.
pub fn empty_db(test: &str) -> TestDb {
    create(test, None)
}

impl TestDb {
    pub fn client(&self) -> Client {
        let mut c = Client::connect(&self.url, NoTls).expect("connect to the test database");
        c.batch_execute("SET search_path = message_store, public")
            .unwrap();
        c
    }

    pub fn sql(&self, sql: &str) {
        self.client()
            .batch_execute(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    }

    /// The server's port.
    pub fn port(&self) -> u16 {
        let config: postgres::Config = self.url.parse().unwrap();
        config.get_ports().first().copied().unwrap_or(5432)
    }
}

/// Writes one message through Message DB's own `write_message`; returns its stream position.
pub fn write_message(
    c: &mut impl postgres::GenericClient,
    stream: &str,
    kind: &str,
    data: &str,
) -> i64 {
    let id = uuid_v4();
    c.query_one(
        "SELECT message_store.write_message($1, $2, $3, $4::text::jsonb)",
        &[&id, &stream, &kind, &data],
    )
    .unwrap_or_else(|e| panic!("write_message: {e:?}"))
    .get(0)
}

/// A random UUID (version 4) as text.
pub fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        ^ (u64::from(COUNTER.fetch_add(1, Ordering::Relaxed)) << 40)
        ^ u64::from(std::process::id());
    let mut x = seed | 1;
    for byte in &mut b {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *byte = x as u8;
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut c) = Client::connect(&self.admin, NoTls) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}
