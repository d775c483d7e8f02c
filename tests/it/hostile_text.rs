//! Text that is not what it looks like, through the real binary: `--json` and text output never
//! pass a control or bidirectional character raw, `append` refuses them in names and prints back
//! exactly what it wrote, and accounts that only look different are reported.

use crate::common;

use common::{json, log_file, run};

/// Account names, each with one character a terminal must not receive raw (as raw characters in
/// the log, which JSON allows, except ESC, which JSON must escape).
const HOSTILE: [&str; 9] = [
    "cust\u{85}1",
    "cust\u{9b}2",
    "cust\u{202e}3",
    "cust\u{2066}4",
    "cust\u{200f}5",
    "cust\u{61c}6",
    "cust\u{2028}7",
    "cust\u{7f}8",
    "cust\u{1b}9",
];

fn hostile_log() -> String {
    let mut log = String::new();
    for (i, name) in HOSTILE.iter().enumerate() {
        let name = serde_json::to_string(name).unwrap();
        log.push_str(&format!(
            "{{\"eventId\":\"e{i}\",\"accountId\":{name},\"type\":\"DEPOSIT\",\"amount\":\"{}\",\"timestamp\":{},\"meta\":{{\"note\":\"\u{202e}gnp.exe\u{9b}\"}}}}\n",
            i + 1,
            1_000 + i
        ));
    }
    log
}

/// C0, DEL, C1, the bidirectional controls, the line and paragraph separators.
fn is_terminal_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{61c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

fn assert_no_terminal_control(what: &str, out: &str) {
    let raw: Vec<String> = out
        .chars()
        .filter(|&c| is_terminal_control(c) && c != '\n')
        .map(|c| format!("U+{:04X}", c as u32))
        .collect();
    assert!(raw.is_empty(), "{what} passes {raw:?} raw: {out:?}");
}

#[test]
fn json_output_escapes_c1_and_bidirectional_controls_and_parses_back_to_the_log() {
    let (_dir, path) = log_file("hostile.jsonl", &hostile_log());
    let p = path.to_str().unwrap();
    let (code, out, err) = run(&["balance", p, "--json"]);
    assert_eq!(code, 0, "{err}");
    assert_no_terminal_control("balance --json", &out);
    let v = json(&out);
    let mut names: Vec<String> = v["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["accountId"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    let mut expected: Vec<String> = HOSTILE.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(names, expected, "the parse is exactly the log's text");
    assert!(out.contains("\\u202e") && out.contains("\\u009b"), "{out}");

    for name in HOSTILE {
        let (code, out, err) = run(&["history", p, "--account", name, "--json"]);
        assert_eq!(code, 0, "{err}");
        assert_no_terminal_control("history --json", &out);
        let v = json(&out);
        assert_eq!(v["accountId"], name);
    }

    // check --json: the problems quote the names (an unknown type here).
    let log = hostile_log().replace("DEPOSIT", "Launched\u{202e}");
    let (_dir2, path2) = log_file("hostile2.jsonl", &log);
    let (code, out, _) = run(&["check", path2.to_str().unwrap(), "--json"]);
    assert_eq!(code, 1);
    assert_no_terminal_control("check --json", &out);
    let v = json(&out);
    assert!(
        v["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Launched\u{202e}"),
        "{out}"
    );
}

#[test]
fn text_output_escapes_c1_and_every_bidirectional_control() {
    let (_dir, path) = log_file("hostile.jsonl", &hostile_log());
    let p = path.to_str().unwrap();
    let (code, out, err) = run(&["balance", p]);
    assert_eq!(code, 0, "{err}");
    assert_no_terminal_control("balance", &out);
    for shown in [
        "cust\\u{85}1",
        "cust\\u{9b}2",
        "cust\\u{202e}3",
        "cust\\u{2066}4",
        "cust\\u{200f}5",
        "cust\\u{61c}6",
        "cust\\u{2028}7",
        "cust\\u{7f}8",
        "cust\\e9",
    ] {
        assert!(out.contains(shown), "{shown} in {out}");
    }
    let (_, out, _) = run(&["history", p, "--account", HOSTILE[2], "--csv"]);
    assert_no_terminal_control("history --csv", &out);
}

#[test]
fn append_refuses_control_bidirectional_and_invisible_characters_in_names() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.jsonl");
    let p = path.to_str().unwrap();
    let hostile = [
        '\u{202e}', '\u{2067}', '\u{200e}', '\u{61c}', '\u{200b}', '\u{200d}', '\u{2060}',
        '\u{feff}', '\u{ad}', '\u{2028}', '\u{85}', '\u{1b}', '\u{fe0f}',
    ];
    for c in hostile {
        let name = format!("cust{c}1");
        let cases: Vec<(&str, Vec<&str>)> = vec![
            (
                "--account",
                vec!["--account", &name, "--type", "DEPOSIT", "--amount", "1"],
            ),
            (
                "--to",
                vec![
                    "--account",
                    "a",
                    "--type",
                    "TRANSFER",
                    "--amount",
                    "1",
                    "--to",
                    &name,
                ],
            ),
            (
                "--type",
                vec!["--account", "a", "--type", &name, "--amount", "1"],
            ),
            (
                "--id",
                vec![
                    "--account",
                    "a",
                    "--type",
                    "DEPOSIT",
                    "--amount",
                    "1",
                    "--id",
                    &name,
                ],
            ),
        ];
        for (field, args) in cases {
            let mut all = vec!["append", p];
            all.extend(args);
            let (code, out, err) = run(&all);
            let point = format!("U+{:04X}", c as u32);
            assert_eq!(code, 2, "{field} {point}: {out}{err}");
            assert!(out.is_empty(), "{out}");
            assert_eq!(err.lines().count(), 1, "{err}");
            assert!(
                err.contains(field) && err.contains(&point),
                "{field} {point}: {err}"
            );
            assert_no_terminal_control("the refusal", &err);
            assert!(!err.contains(c), "{err:?}");
            assert!(!path.exists(), "nothing is written");
        }
    }
    // A meta value that would not print back as written is refused too.
    let (code, _, err) = run(&[
        "append",
        p,
        "--account",
        "a",
        "--type",
        "DEPOSIT",
        "--amount",
        "1",
        "--meta",
        "note=gnp\u{202e}exe",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--meta note") && err.contains("U+202E"),
        "{err}"
    );
    assert!(!path.exists());
}

#[test]
fn append_prints_back_exactly_the_bytes_it_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.jsonl");
    let p = path.to_str().unwrap();
    let (code, out, err) = run(&[
        "append",
        p,
        "--account",
        "Zoë-日本-😀",
        "--type",
        "DEPOSIT",
        "--amount",
        "1",
        "--meta",
        "note=family 👨\u{200d}👩\u{200d}👧 \"quoted\" \\ back",
    ]);
    assert_eq!(code, 0, "{err}");
    let written = std::fs::read_to_string(&path).unwrap();
    let record = out.lines().next().unwrap();
    assert_eq!(format!("{record}\n"), written);
    // And as JSON, the record parses to the same values.
    let (code, out, err) = run(&[
        "append",
        p,
        "--account",
        "Zoë-日本-😀",
        "--type",
        "DEPOSIT",
        "--amount",
        "2",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    assert_eq!(v["record"]["accountId"], "Zoë-日本-😀");
}
