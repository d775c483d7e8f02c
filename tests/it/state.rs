//! State beyond money end to end: `[state.X]` rules and `[[check]]` in the mapping file,
//! `rewind state`, `blame` and `when`.

use crate::common;

use common::{json, log_file, run};

const RULES: &str = r#"
[state.AddressChanged]
set = { address = "address", city = "meta.city", line1 = "data.address.line1" }
[state.AccountFrozen]
set = { status = "'frozen'" }
[state.LimitRaised]
add = { limit = "amount" }
[state.AccountClosed]
set = { status = "'closed'" }
unset = ["limit"]

[[check]]
name = "large withdrawal"
when = "type:withdraw amount:>10000"

[[check]]
name = "frozen and moving"
when = "status = frozen and type:withdraw"
"#;

/// Recorded out of order at line 4: the address change at 10:00 was recorded after the
/// shipment at 11:00.
const LOG: &str = r#"{"seq":1,"accountId":"ann","type":"DEPOSIT","amount":"20000","timestamp":"2024-03-01T09:00:00Z"}
{"seq":2,"accountId":"ann","type":"AddressChanged","timestamp":"2024-03-01T09:30:00Z","address":"1 Oak Rd","meta":{"city":"Oldtown"},"data":{"address":{"line1":"Flat 1"}}}
{"seq":3,"accountId":"ann","type":"CardStatusChanged","timestamp":"2024-03-01T11:00:00Z","card":"shipped"}
{"seq":4,"accountId":"ann","type":"AddressChanged","timestamp":"2024-03-01T10:00:00Z","address":"12 Elm St"}
{"seq":5,"accountId":"ann","type":"LimitRaised","amount":"100.10","timestamp":"2024-03-02T09:00:00Z"}
{"seq":6,"accountId":"ann","type":"LimitRaised","amount":"0.15","timestamp":"2024-03-02T10:00:00Z"}
{"seq":7,"accountId":"ann","type":"WITHDRAW","amount":"10000.01","timestamp":"2024-03-03T09:00:00Z"}
{"seq":8,"accountId":"ann","type":"AccountFrozen","timestamp":"2024-03-04T09:00:00Z"}
{"seq":9,"accountId":"ann","type":"WITHDRAW","amount":"10001","timestamp":"2024-03-04T10:00:00Z"}
{"seq":10,"accountId":"ann","type":"AccountClosed","timestamp":"2024-03-05T09:00:00Z"}
{"seq":11,"accountId":"bob","type":"ProfileUpdated","timestamp":"2024-03-05T09:00:00Z","email":"=HYPERLINK(\"x\")","amount":"7"}
"#;

struct Fixture {
    _dir: tempfile::TempDir,
    log: String,
    types: String,
}

fn fixture() -> Fixture {
    let (dir, log) = log_file("state.jsonl", LOG);
    let types = dir.path().join("types.toml");
    std::fs::write(&types, RULES).unwrap();
    Fixture {
        log: log.to_str().unwrap().to_string(),
        types: types.to_str().unwrap().to_string(),
        _dir: dir,
    }
}

fn rewind(f: &Fixture, args: &[&str]) -> (i32, String, String) {
    let mut all: Vec<&str> = args.to_vec();
    all.insert(1, &f.log);
    all.extend(["--types", &f.types]);
    run(&all)
}

/// `state --json` as (field, value, seq that set it).
fn fields(f: &Fixture, extra: &[&str]) -> Vec<(String, String, u64)> {
    let mut args = vec!["state", "--account", "ann", "--json"];
    args.extend(extra);
    let (code, out, err) = rewind(f, &args);
    assert_eq!(code, 0, "{err}");
    json(&out)["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["name"].as_str().unwrap().to_string(),
                v["value"].as_str().unwrap().to_string(),
                v["setBy"]["seq"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn f3(a: &str, b: &str, c: u64) -> (String, String, u64) {
    (a.to_string(), b.to_string(), c)
}

#[test]
fn state_shows_each_field_with_the_event_that_set_it_in_either_order() {
    let f = fixture();
    // In time order the card (11:00) went out after the address change made at 10:00.
    assert_eq!(
        fields(&f, &["--at", "2024-03-01T11:00:00Z"]),
        vec![
            f3("address", "12 Elm St", 4),
            f3("card", "shipped", 3),
            f3("city", "Oldtown", 2),
            f3("line1", "Flat 1", 2),
        ]
    );
    // In recorded order, after the shipment (seq 3), the system still had the old address.
    assert_eq!(
        fields(&f, &["--seq", "3"]),
        vec![
            f3("address", "1 Oak Rd", 2),
            f3("card", "shipped", 3),
            f3("city", "Oldtown", 2),
            f3("line1", "Flat 1", 2),
        ]
    );
    // The second change has no city: the city stays as it was.
    assert!(fields(&f, &["--seq", "4"]).contains(&f3("city", "Oldtown", 2)));
    // add is exact; unset removes; the literal.
    assert!(fields(&f, &["--at", "2024-03-02T10:00:00Z"]).contains(&f3("limit", "100.25", 6)));
    let end = fields(&f, &[]);
    assert!(end.contains(&f3("status", "closed", 10)), "{end:?}");
    assert!(!end.iter().any(|(n, _, _)| n == "limit"), "{end:?}");
}

#[test]
fn state_gives_the_balance_and_the_moment() {
    let f = fixture();
    let (code, out, _) = rewind(
        &f,
        &["state", "--account", "ann", "--json", "--at", "2024-03-03"],
    );
    assert_eq!(code, 0);
    let v = json(&out);
    assert_eq!(v["balance"]["value"], "20000");
    assert_eq!(v["balance"]["setBy"]["seq"], 1);
    assert_eq!(v["order"], "time");
    assert_eq!(v["asOf"]["seq"], 6);
    let (_, out, _) = rewind(&f, &["state", "--account", "ann", "--json", "--seq", "2"]);
    assert_eq!(json(&out)["order"], "recorded");
    let (code, out, _) = rewind(
        &f,
        &["state", "--account", "ann", "--at", "2024-03-01T11:00:00Z"],
    );
    assert_eq!(code, 0);
    assert!(
        out.starts_with("ann as of 2024-03-01T11:00:00.000Z · 4 of 11 events · time order\n"),
        "{out}"
    );
    assert!(out.contains("address  12 Elm St"), "{out}");
    let (code, _, err) = rewind(&f, &["state", "--account", "nobody"]);
    assert_eq!(code, 2);
    assert!(err.contains("no account `nobody`"), "{err}");
}

#[test]
fn the_default_rule_sets_every_payload_member_that_is_not_rewinds_own() {
    let f = fixture();
    let (code, out, _) = run(&["state", &f.log, "--account", "bob", "--json"]);
    assert_eq!(code, 0);
    let v = json(&out);
    let names: Vec<&str> = v["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["email"], "amount, seq, type… are rewind's own");
    // Without a mapping file, *Changed / *Updated types are no unknown type.
    let (_, out, _) = run(&["check", &f.log, "--json"]);
    let v = json(&out);
    assert!(
        v["problems"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["kind"] != "unknown-type" || p["line"] != 11),
        "{v}"
    );
    // And the sample's AddressChanged works as shipped.
    let (_, out, _) = run(&[
        "state",
        "assets/sample.jsonl",
        "--account",
        "cust-kofi",
        "--json",
    ]);
    let v = json(&out);
    let field = |name: &str| {
        v["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap_or_else(|| panic!("{name}: {v}"))
            .clone()
    };
    assert_eq!(field("meta.city")["value"], "Millbrook");
    assert_eq!(field("meta.city")["setBy"]["line"], 799);
    assert_eq!(field("meta.card")["value"], "shipped");
    assert_eq!(field("meta.card")["setBy"]["line"], 798);
}

#[test]
fn blame_lists_every_change_in_text_json_and_guarded_csv() {
    let f = fixture();
    let (code, out, _) = rewind(&f, &["blame", "--account", "ann", "--field", "address"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(
        lines[1].contains("2  2024-03-01T09:30:00.000Z  AddressChanged  (not set)  →  1 Oak Rd"),
        "{out}"
    );
    assert!(
        lines[2].contains("4  2024-03-01T10:00:00.000Z  AddressChanged  1 Oak Rd   →  12 Elm St"),
        "{out}"
    );
    let (_, out, _) = rewind(
        &f,
        &["blame", "--account", "ann", "--field", "limit", "--json"],
    );
    let v = json(&out);
    let changes: Vec<(u64, serde_json::Value, serde_json::Value)> = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["seq"].as_u64().unwrap(),
                c["old"].clone(),
                c["new"].clone(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        vec![
            (5, serde_json::Value::Null, "100.10".into()),
            (6, "100.10".into(), "100.25".into()),
            (10, "100.25".into(), serde_json::Value::Null),
        ]
    );
    assert_eq!(v["order"], "time");
    // Recorded order: the same changes of the address, in the order they were written.
    let (_, out, _) = rewind(
        &f,
        &[
            "blame",
            "--account",
            "ann",
            "--field",
            "address",
            "--recorded",
            "--json",
        ],
    );
    assert_eq!(json(&out)["order"], "recorded");
    let (code, out, _) = run(&[
        "blame",
        &f.log,
        "--account",
        "bob",
        "--field",
        "email",
        "--csv",
    ]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "seq,line,timestamp,type,old,new\n11,11,2024-03-05T09:00:00.000Z,ProfileUpdated,,\"'=HYPERLINK(\"\"x\"\")\"\n"
    );
    let (code, _, err) = rewind(&f, &["blame", "--account", "ann", "--field", "nope"]);
    assert_eq!(code, 2);
    assert!(
        err.contains(
            "no event sets `nope` on ann (its fields: address, card, city, limit, line1, status)"
        ),
        "{err}"
    );
}

/// `when --json` as (start seq, end seq).
fn when(f: &Fixture, args: &[&str]) -> Vec<(u64, Option<u64>)> {
    let mut all = vec!["when", "--json"];
    all.extend(args);
    let (code, out, err) = rewind(f, &all);
    assert_eq!(code, 0, "{err}");
    json(&out)["intervals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["start"]["seq"].as_u64().unwrap(),
                i["end"]["seq"].as_u64(),
            )
        })
        .collect()
}

#[test]
fn when_gives_every_interval_at_its_exact_boundaries() {
    let f = fixture();
    assert_eq!(when(&f, &["address ~ elm"]), vec![(4, None)]);
    assert_eq!(when(&f, &["status = frozen"]), vec![(8, Some(10))]);
    assert_eq!(
        when(&f, &["balance", "<", "10000"]),
        vec![(7, None), (11, None)],
        "words as arguments; bob, at zero, too"
    );
    assert_eq!(when(&f, &["limit > 100.2"]), vec![(6, Some(10))]);
    assert_eq!(
        when(&f, &["--account", "ann", "type:withdraw amount:>10000"]),
        vec![(7, Some(8)), (9, Some(10))]
    );
    // In recorded order the Elm address arrives with seq 4, after the shipment.
    assert_eq!(
        when(&f, &["--recorded", "address ~ elm and card = shipped"]),
        vec![(4, None)]
    );
    assert_eq!(
        when(&f, &["address ~ elm and card = shipped"]),
        vec![(3, None)],
        "time order: the card left at 11:00 with Elm known"
    );
    // The boundaries are the times of those events, to the millisecond.
    let status_at = |t: &str| {
        fields(&f, &["--at", t])
            .into_iter()
            .any(|(n, v, _)| n == "status" && v == "frozen")
    };
    assert!(!status_at("2024-03-04T08:59:59.999Z"));
    assert!(status_at("2024-03-04T09:00:00.000Z"));
    assert!(status_at("2024-03-05T08:59:59.999Z"));
    assert!(!status_at("2024-03-05T09:00:00.000Z"));
    let (_, out, _) = rewind(&f, &["when", "--json", "status = frozen"]);
    let v = json(&out);
    assert_eq!(
        v["intervals"][0]["start"]["timestamp"],
        "2024-03-04T09:00:00.000Z"
    );
    assert_eq!(
        v["intervals"][0]["end"]["timestamp"],
        "2024-03-05T09:00:00.000Z"
    );
    assert_eq!(v["intervals"][0]["last"]["seq"], 9);
    // Text, and a condition that never holds.
    let (code, out, _) = rewind(&f, &["when", "status = frozen"]);
    assert_eq!(code, 0);
    let row = out.lines().nth(1).unwrap();
    let words: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        words,
        vec![
            "ann",
            "2024-03-04T09:00:00.000Z",
            "8",
            "AccountFrozen",
            "2024-03-05T09:00:00.000Z",
            "10",
            "AccountClosed"
        ],
        "{out}"
    );
    let (code, out, err) = rewind(&f, &["when", "status = open"]);
    assert_eq!((code, out.as_str()), (0, ""));
    assert!(err.contains("`status = open` never holds"), "{err}");
}

#[test]
fn a_bad_condition_names_its_column_and_reads_nothing() {
    for (condition, message) in [
        (
            "balance < zero",
            "condition `balance < zero`: column 11: `zero`: a balance is a number",
        ),
        ("kind:x", "column 1: `kind:` is not an event term"),
        ("(status = x", "column 12: expected `)`"),
    ] {
        let (code, out, err) = run(&["when", "/no/such/log.jsonl", condition]);
        assert_eq!(code, 2, "{condition}");
        assert!(out.is_empty());
        assert!(err.contains(message), "{condition}: {err}");
    }
}

#[test]
fn checks_make_problems_of_their_name() {
    let f = fixture();
    let (code, out, _) = rewind(&f, &["check"]);
    assert_eq!(code, 1);
    let checks: Vec<&str> = out.lines().filter(|l| l.contains(": check: ")).collect();
    assert_eq!(checks.len(), 3, "{out}");
    assert!(
        checks[0].ends_with(
            ":7: check: large withdrawal (the check `type:withdraw amount:>10000` holds)"
        ),
        "{out}"
    );
    assert!(
        checks[1].ends_with(
            ":9: check: large withdrawal (the check `type:withdraw amount:>10000` holds)"
        ),
        "{out}"
    );
    assert!(
        checks[2].ends_with(
            ":9: check: frozen and moving (the check `status = frozen and type:withdraw` holds)"
        ),
        "{out}"
    );
    let (_, out, _) = rewind(&f, &["check", "--json"]);
    let v = json(&out);
    let kinds: Vec<(u64, &str)> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "check")
        .map(|p| (p["line"].as_u64().unwrap(), p["message"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds.len(), 3);
    assert_eq!(kinds[0].0, 7);
    // Without the file, no check.
    let (_, out, _) = run(&["check", &f.log]);
    assert!(!out.contains(": check: "), "{out}");
}

#[test]
fn every_bad_rules_file_is_refused_with_its_line_and_nothing_runs() {
    let cases: &[(&str, &str)] = &[
        (
            "[state.X]\nput = { a = \"b\" }\n",
            ":2: `put` is not part of a state rule",
        ),
        (
            "[state.X]\nset = { a = \"m..c\" }\n",
            ":2: `a`: `m..c` has an empty part",
        ),
        (
            "credit = [\"A\"]\n\n[state.X]\nadd = { a = \"'x'\" }\n",
            ":4: `a`: `add` takes a number",
        ),
        ("[state.X]\n", ":1: [state.X] has no set, add or unset"),
        (
            "[[check]]\nname = \"c\"\nwhen = \"amount:>x\"\n",
            ":3: check `when`: column 9: amount",
        ),
        (
            "[[check]]\nname = \"c\"\n",
            ":1: a check needs both `name` and `when`",
        ),
        ("[state.X]\nset = { a = 1 }\n", ":2: `a` must be a path"),
        ("[state.X]\nunset = \"a\"\n", ":2: `unset` must be an array"),
    ];
    let (dir, log) = log_file("l.jsonl", LOG);
    for (i, (rules, message)) in cases.iter().enumerate() {
        let types = dir.path().join(format!("bad{i}.toml"));
        std::fs::write(&types, rules).unwrap();
        for command in ["state", "check", "balance"] {
            let mut args = vec![
                command,
                log.to_str().unwrap(),
                "--types",
                types.to_str().unwrap(),
            ];
            if command == "state" {
                args.extend(["--account", "ann"]);
            }
            let (code, out, err) = run(&args);
            assert_eq!(code, 2, "{rules:?} {command}");
            assert!(out.is_empty(), "{out}");
            assert!(
                err.contains(&format!("{}{message}", types.display())),
                "{rules:?}: {err}"
            );
        }
    }
}
