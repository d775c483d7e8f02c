//! What `verify` can say of a topic, whose messages carry no hash chain: a digest per partition, a
//! SHA-256 chain over each message's encoding (FORMAT.md, "Kafka partitions"), printed as
//! `PARTITION:OFFSET:HASH` heads; a head kept earlier holds while no message up to its offset was
//! changed, inserted or removed.
//!
//! The encoding of a message, in this order: its offset (u64, big-endian), its timestamp (i64,
//! big-endian milliseconds), its key and its value (each a byte `0` when absent, else `1`, a u32
//! big-endian length and the bytes), the number of headers (u32) and each header in name order
//! (name length u32, name, value length u32, value). The chain starts at 32 zero bytes in each
//! partition; a link is `SHA-256(previous ‖ encoding)`.

use std::collections::BTreeMap;
use std::fmt;

use super::{KafkaError, KafkaSource, Message};
use crate::source::rows::link;

/// A partition's head: the last message's offset and the chain's hash there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    /// The partition.
    pub partition: u32,
    /// The offset of the message the hash is after.
    pub offset: u64,
    /// The chain's hash after that message.
    pub hash: [u8; 32],
}

impl fmt::Display for Head {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:", self.partition, self.offset)?;
        for b in self.hash {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// Reads kept heads: `P:OFFSET:HASH`, several separated by commas or spaces.
pub fn parse_heads(text: &str) -> Result<Vec<Head>, String> {
    let heads: Vec<Head> = text
        .split([',', ' ', '\n', '\t'])
        .filter(|h| !h.is_empty())
        .map(|h| {
            let bad = || {
                format!(
                    "`{}` is not a partition's head (PARTITION:OFFSET:HASH)",
                    crate::text::shorten(h, 40)
                )
            };
            let mut parts = h.splitn(3, ':');
            let partition = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
            let offset = parts.next().and_then(|o| o.parse().ok()).ok_or_else(bad)?;
            let hex = parts
                .next()
                .filter(|x| x.len() == 64 && x.bytes().all(|b| b.is_ascii_hexdigit()))
                .ok_or_else(bad)?;
            let mut hash = [0u8; 32];
            for (i, byte) in hash.iter_mut().enumerate() {
                *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
            }
            Ok(Head {
                partition,
                offset,
                hash,
            })
        })
        .collect::<Result<_, String>>()?;
    if heads.is_empty() {
        return Err("give the heads kept (PARTITION:OFFSET:HASH, separated by commas)".into());
    }
    Ok(heads)
}

/// One message's encoding, appended to `out`.
pub fn encode(m: &Message, out: &mut Vec<u8>) {
    fn bytes(b: Option<&[u8]>, out: &mut Vec<u8>) {
        match b {
            None => out.push(0),
            Some(b) => {
                out.push(1);
                out.extend_from_slice(&(b.len() as u32).to_be_bytes());
                out.extend_from_slice(b);
            }
        }
    }
    out.extend_from_slice(&m.offset.to_be_bytes());
    out.extend_from_slice(&m.time.to_be_bytes());
    bytes(m.key.as_deref(), out);
    bytes(m.value.as_deref(), out);
    out.extend_from_slice(&(m.headers.len() as u32).to_be_bytes());
    for (name, value) in &m.headers {
        out.extend_from_slice(&(name.len() as u32).to_be_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&(value.len() as u32).to_be_bytes());
        out.extend_from_slice(value);
    }
}

/// A partition as `verify` read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionDigest {
    /// The partition.
    pub partition: u32,
    /// Messages read.
    pub messages: u64,
    /// The first message's offset (above 0 once retention or a deletion removed the oldest).
    pub first: Option<u64>,
    /// The head; `None` for a partition with no message.
    pub head: Option<Head>,
}

/// How a kept head compares with the partition now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeadCheck {
    /// Every message up to the head is as it was.
    Holds,
    /// The chain differs at the head's offset: a message up to it was changed, inserted or
    /// removed.
    Differs {
        /// The hash the partition gives there now.
        found: [u8; 32],
    },
    /// The partition holds no message at the head's offset any more.
    Missing {
        /// Why, as a sentence (retention, compaction, a partition that ends before it).
        why: String,
    },
}

impl HeadCheck {
    /// Whether the kept head still holds.
    pub fn holds(&self) -> bool {
        matches!(self, HeadCheck::Holds)
    }
}

/// The digests of a topic's partitions, and the checks of the heads kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicDigest {
    /// The topic's address, without its password.
    pub name: String,
    /// Every partition, in order.
    pub partitions: Vec<PartitionDigest>,
    /// Each head given, and what it found.
    pub checks: Vec<(Head, HeadCheck)>,
}

/// Digests a partition's messages (in offset order), checking the heads kept for it.
pub fn digest_partition(
    partition: u32,
    messages: &[Message],
    expect: &[Head],
) -> (PartitionDigest, Vec<(Head, HeadCheck)>) {
    let mut hash = [0u8; 32];
    let mut buf = Vec::new();
    let mut at: BTreeMap<u64, [u8; 32]> = BTreeMap::new();
    let wanted: Vec<u64> = expect.iter().map(|h| h.offset).collect();
    for m in messages {
        buf.clear();
        encode(m, &mut buf);
        hash = link(&hash, &buf);
        if wanted.contains(&m.offset) {
            at.insert(m.offset, hash);
        }
    }
    let first = messages.first().map(|m| m.offset);
    let last = messages.last().map(|m| m.offset);
    let checks = expect
        .iter()
        .map(|h| {
            let check = match at.get(&h.offset) {
                Some(found) if *found == h.hash => HeadCheck::Holds,
                Some(found) => HeadCheck::Differs { found: *found },
                None => HeadCheck::Missing {
                    why: match (first, last) {
                        (None, _) | (_, None) => {
                            "the partition holds no message now (retention, or a deleted topic)"
                                .to_string()
                        }
                        (Some(first), _) if h.offset < first => format!(
                            "the partition now begins at offset {first}: the messages before \
                             it were removed (retention, or deleted records)"
                        ),
                        (_, Some(last)) if h.offset > last => format!(
                            "the partition now ends at offset {last}, before the head: messages \
                             were removed, or the topic was made again"
                        ),
                        _ => format!(
                            "no message at offset {} any more (compaction keeps only the latest \
                             message of each key)",
                            h.offset
                        ),
                    },
                },
            };
            (*h, check)
        })
        .collect();
    let digest = PartitionDigest {
        partition,
        messages: messages.len() as u64,
        first,
        head: last.map(|offset| Head {
            partition,
            offset,
            hash,
        }),
    };
    (digest, checks)
}

/// Reads every partition whole (from its earliest message) and digests it.
pub fn digest(source: &KafkaSource, expect: &[Head]) -> Result<TopicDigest, KafkaError> {
    let whole = KafkaSource {
        since: None,
        ..source.clone()
    };
    let (mut messages, ends) = whole.read(None)?;
    messages.sort_unstable_by_key(|m| (m.partition, m.offset));
    let mut partitions = Vec::new();
    let mut checks = Vec::new();
    let mut rest = messages.as_slice();
    for (partition, _) in &ends {
        let n = rest
            .iter()
            .take_while(|m| m.partition == *partition)
            .count();
        let (mine, others) = rest.split_at(n);
        rest = others;
        let kept: Vec<Head> = expect
            .iter()
            .filter(|h| h.partition == *partition)
            .copied()
            .collect();
        let (d, c) = digest_partition(*partition, mine, &kept);
        partitions.push(d);
        checks.extend(c);
    }
    for h in expect {
        if !ends.iter().any(|(p, _)| *p == h.partition) {
            checks.push((
                *h,
                HeadCheck::Missing {
                    why: format!("the topic has no partition {}", h.partition),
                },
            ));
        }
    }
    Ok(TopicDigest {
        name: source.name(),
        partitions,
        checks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(offset: u64, value: &str) -> Message {
        Message {
            partition: 0,
            offset,
            time: 1000 + offset as i64,
            key: Some(b"k".to_vec()),
            value: Some(value.as_bytes().to_vec()),
            headers: BTreeMap::from([("h".to_string(), b"v".to_vec())]),
        }
    }

    #[test]
    fn a_kept_head_holds_until_a_message_up_to_it_changes_or_goes() {
        let log = vec![m(0, "a"), m(1, "b"), m(2, "c")];
        let (d, _) = digest_partition(0, &log, &[]);
        let head = d.head.unwrap();
        assert_eq!(head.offset, 2);
        let text = head.to_string();
        assert_eq!(parse_heads(&text).unwrap(), [head]);
        let middle = digest_partition(0, &log[..2], &[]).0.head.unwrap();
        // Both heads hold on the partition as it is, and on one that grew.
        let mut grown = log.clone();
        grown.push(m(3, "d"));
        let (_, checks) = digest_partition(0, &grown, &[head, middle]);
        assert!(checks.iter().all(|(_, c)| c.holds()), "{checks:?}");
        // A changed value, header, key or timestamp breaks every head after it.
        for change in 0..4 {
            let mut changed = log.clone();
            match change {
                0 => changed[1].value = Some(b"B".to_vec()),
                1 => {
                    changed[1].headers.insert("h".into(), b"w".to_vec());
                }
                2 => changed[1].key = None,
                _ => changed[1].time += 1,
            }
            let (_, checks) = digest_partition(0, &changed, &[head, middle]);
            assert!(
                checks
                    .iter()
                    .all(|(_, c)| matches!(c, HeadCheck::Differs { .. })),
                "{change}: {checks:?}"
            );
        }
        // Removed at the start (retention), in the middle (compaction), or at the end.
        let (_, c) = digest_partition(0, &log[2..], &[middle]);
        assert!(
            matches!(&c[0].1, HeadCheck::Missing { why } if why.contains("retention")),
            "{c:?}"
        );
        let compacted = vec![log[0].clone(), log[2].clone()];
        let (_, c) = digest_partition(0, &compacted, &[middle, head]);
        assert!(
            matches!(&c[0].1, HeadCheck::Missing { why } if why.contains("compaction")),
            "{c:?}"
        );
        assert!(matches!(&c[1].1, HeadCheck::Differs { .. }), "{c:?}");
        let (_, c) = digest_partition(0, &log[..1], &[head]);
        assert!(
            matches!(&c[0].1, HeadCheck::Missing { why } if why.contains("ends at offset 0")),
            "{c:?}"
        );
    }

    #[test]
    fn heads_are_read_strictly() {
        for bad in [
            "",
            "0:1",
            "x:1:00",
            "0:1:abc",
            &format!("0:1:{}", "g".repeat(64)),
            &format!("0:1:0é{}", "0".repeat(61)),
            &format!("0:1:+f{}", "0".repeat(62)),
        ] {
            assert!(parse_heads(bad).is_err(), "{bad}");
        }
        let two = format!("0:5:{z}, 2:9:{z}", z = "0".repeat(64));
        assert_eq!(parse_heads(&two).unwrap().len(), 2);
    }
}
