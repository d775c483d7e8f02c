//! TLS to the server, with libpq's `sslmode` meanings, against the server `.ci/run` starts with a
//! certificate for `localhost` signed by a throwaway authority (`REWIND_TEST_PG_CA`).

mod common;
mod pgdb;

use common::{json, run};
use pgdb::{TestDb, write_message};
use rewind::source::pg::PgUrl;

/// The test database and its authority's certificate, or `None` when the server has no TLS set up.
fn setup(test: &str) -> Option<(TestDb, String)> {
    let db = pgdb::message_db(test)?;
    match std::env::var("REWIND_TEST_PG_CA") {
        Ok(ca) if !ca.is_empty() => Some((db, ca)),
        _ if std::env::var("REWIND_REQUIRE_PG").as_deref() == Ok("1") => {
            panic!("REWIND_REQUIRE_PG=1 but REWIND_TEST_PG_CA is not set")
        }
        _ => None,
    }
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
        )
        .map_err(|e| e.to_string())?;
    Ok(row.get(0))
}

#[test]
fn sslmode_decides_encryption_and_how_much_of_the_certificate_is_checked() {
    let Some((db, ca)) = setup("tls_modes") else {
        return;
    };
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
fn the_commands_read_over_a_verified_connection_and_refuse_an_unverified_one() {
    let Some((db, ca)) = setup("tls_commands") else {
        return;
    };
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
