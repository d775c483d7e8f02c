//! Where each record is in its source, as a person names it: a file's line number (or a database
//! row's position), or a message of a partitioned topic as `PARTITION:OFFSET`.
//!
//! Inside the ledger every record has a `line` (1-based, in the order read); a source whose
//! records are not lines keeps beside them the place each line stands for, and every answer that
//! names a record names it through [`super::Ledger::place`].

use std::fmt;

/// A message's place in a partitioned topic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MessagePlace {
    /// The partition.
    pub partition: u32,
    /// The message's offset in its partition.
    pub offset: u64,
}

/// What the records' lines stand for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Places {
    /// Lines of a file, or the rows' positions of a database: a line is shown as it is.
    #[default]
    Lines,
    /// Messages of a topic: line N (1-based) is the Nth message read, at `places[N - 1]`.
    Messages(Vec<MessagePlace>),
}

/// One record's place, as shown: `42` for a line, `0:17` for a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// A line (or a row's position).
    Line(u64),
    /// A message of a topic.
    Message(MessagePlace),
}

impl Places {
    /// The place line `line` stands for.
    pub fn place(&self, line: u64) -> Place {
        match self {
            Places::Lines => Place::Line(line),
            Places::Messages(places) => match line
                .checked_sub(1)
                .and_then(|i| places.get(usize::try_from(i).ok()?))
            {
                Some(m) => Place::Message(*m),
                None => Place::Line(line),
            },
        }
    }

    /// Whether the records are messages of a topic (whose own `seq` members do not order them).
    pub fn are_messages(&self) -> bool {
        matches!(self, Places::Messages(_))
    }
}

impl Place {
    /// The place in a sentence: `line 42`, or `message 0:17`.
    pub fn phrase(&self) -> String {
        match self {
            Place::Line(line) => format!("line {line}"),
            Place::Message(m) => format!("message {}:{}", m.partition, m.offset),
        }
    }
}

/// Widths and alignment apply (`{:>8}`), as for a number.
impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Place::Line(line) => line.to_string(),
            Place::Message(m) => format!("{}:{}", m.partition, m.offset),
        };
        f.pad(&text)
    }
}

/// A line is a number in JSON, as it always was; a message's place is the string `"P:OFFSET"`.
impl serde::Serialize for Place {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Place::Line(line) => s.serialize_u64(*line),
            Place::Message(_) => s.collect_str(self),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_shown_as_they_are_and_messages_by_partition_and_offset() {
        assert_eq!(Places::Lines.place(42).to_string(), "42");
        assert_eq!(Places::Lines.place(42).phrase(), "line 42");
        let topic = Places::Messages(vec![
            MessagePlace {
                partition: 2,
                offset: 0,
            },
            MessagePlace {
                partition: 0,
                offset: 17,
            },
        ]);
        assert_eq!(topic.place(2).to_string(), "0:17");
        assert_eq!(
            format!("{:>6}|{:<4}|", topic.place(2), Places::Lines.place(7)),
            "  0:17|7   |"
        );
        assert_eq!(topic.place(2).phrase(), "message 0:17");
        assert_eq!(topic.place(1).to_string(), "2:0");
        // A line that stands for no message (none should be asked for) is shown as a line.
        assert_eq!(topic.place(0), Place::Line(0));
        assert_eq!(topic.place(3), Place::Line(3));
        assert_eq!(serde_json::to_string(&topic.place(2)).unwrap(), r#""0:17""#);
        assert_eq!(serde_json::to_string(&Places::Lines.place(7)).unwrap(), "7");
    }
}
