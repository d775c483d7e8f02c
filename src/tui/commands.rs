//! The `:` command line, as data: each command's names, what it takes and what it does. The help
//! lists them from this table; the app runs what [`parse`] reads.

use crate::ledger::Ledger;

/// One command of the `:` line.
pub struct CommandSpec {
    pub names: &'static [&'static str],
    pub takes: &'static str,
    pub describe: &'static str,
}

/// Every command, in the order the help lists them.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        names: &["line", "l"],
        takes: "N",
        describe: "go to the event on line N (`:1497` alone does the same; on a Kafka topic, \
                   the message P:OFFSET: `:2:417`)",
    },
    CommandSpec {
        names: &["seq", "s"],
        takes: "N",
        describe: "go to the event of seq N",
    },
    CommandSpec {
        names: &["account", "a"],
        takes: "ID",
        describe: "select an account (Tab completes) and go to its last event",
    },
    CommandSpec {
        names: &["columns", "cols"],
        takes: "FIELD…",
        describe: "show these state fields of each account as columns of the accounts pane, as of the cursor (`:columns city status`; `:columns` alone removes them)",
    },
    CommandSpec {
        names: &["note", "n"],
        takes: "TEXT",
        describe: "a note on the event at the cursor, shown in its details and saved with `:save` (`:note` alone removes it)",
    },
    CommandSpec {
        names: &["save", "w"],
        takes: "[PATH]",
        describe: "save the investigation (moment, order, filter, search, marks, notes, account) beside the log, or to PATH; `rewind LOG --investigation FILE` opens it",
    },
    CommandSpec {
        names: &["copy", "y"],
        takes: "[PATH]",
        describe: "copy a value of the event at the cursor (`:copy meta.authCode`, `:copy amount`; Tab completes the path), or alone its record as written (OSC 52)",
    },
    CommandSpec {
        names: &["time", "t"],
        takes: "TIME",
        describe: "go to a time, as `t` takes it (2024-03-14 15:59, -15m…)",
    },
];

/// What a command line asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Line(u64),
    /// A topic's message, by partition and offset.
    Message(u32, u64),
    Seq(u64),
    Account(String),
    Time(String),
    /// State fields shown as columns of the accounts pane (none: remove them).
    Columns(Vec<String>),
    /// A note on the event at the cursor (empty: remove it).
    Note(String),
    /// Save the investigation (to this path, or beside the log).
    Save(Option<String>),
    /// Copy a value of the event at the cursor by its path, or (none) its record.
    Copy(Option<String>),
}

/// Reads a command line (without its `:`).
pub fn parse(input: &str) -> Result<Command, String> {
    let input = input.trim();
    if let Ok(n) = input.parse::<u64>() {
        return Ok(Command::Line(n));
    }
    let message = |text: &str| {
        let (p, o) = text.split_once(':')?;
        Some(Command::Message(p.parse().ok()?, o.parse().ok()?))
    };
    if let Some(m) = message(input) {
        return Ok(m);
    }
    let (name, rest) = input.split_once(' ').unwrap_or((input, ""));
    let rest = rest.trim();
    let spec = COMMANDS
        .iter()
        .find(|c| c.names.contains(&name))
        .ok_or_else(|| {
            let names: Vec<&str> = COMMANDS.iter().map(|c| c.names[0]).collect();
            format!("`{name}` is not a command: {}", names.join(", "))
        })?;
    match spec.names[0] {
        "note" => return Ok(Command::Note(rest.to_string())),
        "save" => return Ok(Command::Save((!rest.is_empty()).then(|| rest.to_string()))),
        "copy" => return Ok(Command::Copy((!rest.is_empty()).then(|| rest.to_string()))),
        _ => {}
    }
    if spec.names[0] == "columns" {
        return Ok(Command::Columns(
            rest.split([' ', ','])
                .filter(|f| !f.is_empty())
                .map(str::to_string)
                .collect(),
        ));
    }
    if rest.is_empty() {
        return Err(format!(":{} takes {}", spec.names[0], spec.takes));
    }
    let number = || {
        rest.parse::<u64>()
            .map_err(|_| format!(":{} takes a number, not `{rest}`", spec.names[0]))
    };
    Ok(match spec.names[0] {
        "line" => match message(rest) {
            Some(m) => m,
            None => Command::Line(number()?),
        },
        "seq" => Command::Seq(number()?),
        "account" => Command::Account(rest.to_string()),
        _ => Command::Time(rest.to_string()),
    })
}

/// The line completed by Tab: a command's name, after `account ` the account ids that start with
/// what is typed, after `copy ` the paths of the values of the event at the cursor (`paths`): the
/// longest part they share, the whole one when only one does.
pub fn complete(input: &str, ledger: &Ledger, paths: &[String]) -> Option<String> {
    match input.split_once(' ') {
        None => {
            let names: Vec<&str> = COMMANDS
                .iter()
                .map(|c| c.names[0])
                .filter(|n| n.starts_with(input))
                .collect();
            match names.as_slice() {
                [one] => Some(format!("{one} ")),
                _ => None,
            }
        }
        Some((name, typed)) if COMMANDS[2].names.contains(&name) => {
            let ids = ledger
                .accounts_sorted()
                .iter()
                .map(|&a| ledger.account_name(a));
            longest_start(name, typed, ids)
        }
        Some((name, typed)) if name == "copy" || name == "y" => {
            longest_start(name, typed, paths.iter().map(String::as_str))
        }
        Some(_) => None,
    }
}

/// `NAME DONE`, where DONE is the longest start shared by the `candidates` that start with
/// `typed`, when it is longer than `typed`.
fn longest_start<'a>(
    name: &str,
    typed: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<String> {
    let ids: Vec<&str> = candidates.filter(|id| id.starts_with(typed)).collect();
    let first = ids.first()?;
    let mut common = first.len();
    for id in &ids[1..] {
        common = common.min(
            first
                .char_indices()
                .zip(id.chars())
                .find(|((_, a), b)| a != b)
                .map_or(first.len().min(id.len()), |((i, _), _)| i),
        );
    }
    let done = &first[..common];
    (done.len() > typed.len()).then(|| format!("{name} {done}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{LoadOptions, load_bytes};

    #[test]
    fn commands_are_read_from_their_names() {
        assert_eq!(parse("1497"), Ok(Command::Line(1497)));
        assert_eq!(parse(" line 12 "), Ok(Command::Line(12)));
        assert_eq!(parse("l 12"), Ok(Command::Line(12)));
        assert_eq!(parse("2:417"), Ok(Command::Message(2, 417)));
        assert_eq!(parse("line 0:3"), Ok(Command::Message(0, 3)));
        assert_eq!(parse("seq 7"), Ok(Command::Seq(7)));
        assert_eq!(
            parse("columns city, status"),
            Ok(Command::Columns(vec!["city".into(), "status".into()]))
        );
        assert_eq!(parse("columns"), Ok(Command::Columns(Vec::new())));
        assert_eq!(
            parse("account cust-0417"),
            Ok(Command::Account("cust-0417".into()))
        );
        assert_eq!(
            parse("time 2024-03-14 15:59"),
            Ok(Command::Time("2024-03-14 15:59".into()))
        );
        assert!(parse("seq x").unwrap_err().contains("takes a number"));
        assert!(parse("seq").unwrap_err().contains("takes N"));
        assert!(parse("jump 3").unwrap_err().contains("not a command"));
    }

    #[test]
    fn tab_completes_commands_and_account_ids() {
        let log = [
            r#"{"accountId":"cust-0417","type":"DEPOSIT","amount":"1","timestamp":1}"#,
            r#"{"accountId":"cust-04170","type":"DEPOSIT","amount":"1","timestamp":2}"#,
            r#"{"accountId":"bob","type":"DEPOSIT","amount":"1","timestamp":3}"#,
        ]
        .join("\n");
        let l = load_bytes("t", log.into_bytes(), &LoadOptions::default());
        assert_eq!(complete("acc", &l, &[]).as_deref(), Some("account "));
        assert_eq!(
            complete("account c", &l, &[]).as_deref(),
            Some("account cust-0417")
        );
        assert_eq!(
            complete("account cust-0417", &l, &[]),
            None,
            "two ids start so"
        );
        assert_eq!(complete("a b", &l, &[]).as_deref(), Some("a bob"));
        assert_eq!(complete("account z", &l, &[]), None);
        assert_eq!(complete("seq 1", &l, &[]), None);
    }
}
