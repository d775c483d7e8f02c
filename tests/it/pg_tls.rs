//! TLS to the server, with libpq's `sslmode` meanings, against the server `.ci/run` starts with a
//! certificate for `localhost` signed by a throwaway authority (`REWIND_TEST_PG_CA`).

use crate::common;
use crate::pgdb;

use std::io::{Read, Write};

use common::{json, run};
use pgdb::{TestDb, write_message};
use rewind::source::pg::{PgUrl, Phase};

/// The test database, its authority's certificate and one of an authority that signed nothing
/// there.
fn setup(test: &str) -> (TestDb, String, String) {
    let db = pgdb::message_db(test);
    let var = |name: &str| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| panic!("{name} is not set: the server has no TLS set up"))
    };
    (db, var("REWIND_TEST_PG_CA"), var("REWIND_TEST_PG_ROGUE_CA"))
}

fn with_query(url: &str, query: &str) -> String {
    format!("{url}?{query}")
}

/// Whether the connection `url` opens is encrypted, as the server sees it.
fn encrypted(url: &str) -> Result<bool, String> {
    let url = PgUrl::parse(url).map_err(|e| e.to_string())?;
    let mut client = url.connect().map_err(|e| e.to_string())?;
    let row = client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
            Phase::FirstRow,
        )
        .map_err(|e| e.to_string())?;
    Ok(row.get(0))
}

#[test]
#[ignore = "needs PostgreSQL"]
fn sslmode_decides_encryption_and_how_much_of_the_certificate_is_checked() {
    let (db, ca, rogue) = setup("tls_modes");
    let ip = db.url.clone();
    let localhost = db.url.replace("127.0.0.1", "localhost");
    assert_ne!(ip, localhost);

    assert_eq!(encrypted(&with_query(&ip, "sslmode=disable")), Ok(false));
    // libpq's default: encrypted when the server offers it, the certificate not checked.
    assert_eq!(encrypted(&ip), Ok(true));
    assert_eq!(encrypted(&with_query(&ip, "sslmode=prefer")), Ok(true));
    assert_eq!(encrypted(&with_query(&ip, "sslmode=require")), Ok(true));

    // verify-full: the authority and the name; the certificate names localhost only.
    let full = format!("sslmode=verify-full&sslrootcert={ca}");
    assert_eq!(encrypted(&with_query(&localhost, &full)), Ok(true));
    let mismatch = encrypted(&with_query(&ip, &full)).unwrap_err();
    assert!(mismatch.contains("certificate"), "{mismatch}");
    // verify-ca: the authority only.
    let chain = format!("sslmode=verify-ca&sslrootcert={ca}");
    assert_eq!(encrypted(&with_query(&ip, &chain)), Ok(true));
    // Another authority's roots: every checking mode refuses, `require` included (as in libpq,
    // `require` with roots given checks the chain).
    for mode in ["verify-full", "verify-ca", "require"] {
        let query = format!("sslmode={mode}&sslrootcert={rogue}");
        let e = encrypted(&with_query(&localhost, &query)).unwrap_err();
        assert!(e.contains("UnknownIssuer"), "{mode}: {e}");
    }
    let query = format!("sslmode=require&sslrootcert={ca}");
    assert_eq!(encrypted(&with_query(&ip, &query)), Ok(true));
    // The system's roots do not include the test authority.
    let system = encrypted(&with_query(
        &localhost,
        "sslmode=verify-full&sslrootcert=system",
    ))
    .unwrap_err();
    assert!(
        system.contains("certificate") || system.contains("no trusted certificates"),
        "{system}"
    );
    // Missing roots are said plainly.
    let missing = encrypted(&with_query(
        &localhost,
        "sslmode=verify-full&sslrootcert=/nonexistent/ca.pem",
    ))
    .unwrap_err();
    assert!(
        missing.contains("sslrootcert /nonexistent/ca.pem"),
        "{missing}"
    );
}

#[test]
#[ignore = "needs PostgreSQL"]
fn the_commands_read_over_a_verified_connection_and_refuse_an_unverified_one() {
    let (db, ca, _) = setup("tls_commands");
    let mut c = db.client();
    write_message(&mut c, "account-a", "Deposited", r#"{"amount":"12.34"}"#);
    let localhost = db.url.replace("127.0.0.1", "localhost");
    let url = with_query(&localhost, &format!("sslmode=verify-full&sslrootcert={ca}"));
    let (code, out, err) = run(&["balance", &url, "--preset", "message-db", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["accounts"][0]["balance"], "12.34");

    let bad = with_query(&db.url, &format!("sslmode=verify-full&sslrootcert={ca}"));
    let (code, out, err) = run(&["balance", &bad, "--preset", "message-db"]);
    assert_eq!(code, 2, "{out}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("certificate"), "{err}");
    let password = db.url.split(':').nth(2).unwrap().split('@').next().unwrap();
    assert!(!err.contains(password), "{err}");
}

/// A server that answers every request for TLS with `N` (no TLS here) and then hangs up.
fn server_without_tls() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(8) {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 8];
            if stream.read_exact(&mut request).is_ok() {
                let _ = stream.write_all(b"N");
            }
        }
    });
    port
}

#[test]
#[ignore = "needs PostgreSQL"]
fn modes_that_ask_for_tls_never_fall_back_to_plain_text() {
    // The refusal comes before any login; the checking modes need the test authority's roots.
    let (_db, ca, _) = setup("tls_no_fallback");
    let port = server_without_tls();
    for mode in ["require", "verify-ca", "verify-full"] {
        let url =
            format!("postgres://u:secret-pw@localhost:{port}/db?sslmode={mode}&sslrootcert={ca}");
        let e = encrypted(&url).unwrap_err();
        assert!(e.contains("TLS"), "{mode}: {e}");
        assert!(!e.contains("secret-pw"), "{e}");
    }
}
