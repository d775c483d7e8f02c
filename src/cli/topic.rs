//! What `verify` and `append` say of a Kafka topic: the heads of its partitions (Kafka does not
//! chain messages, so rewind digests each partition), and a message produced.

use serde::Serialize;
use serde_json::value::RawValue;

use super::output::{json_line, note, print, print_after};
use super::{Failure, Outcome};
use crate::ledger::chain::to_hex;
use crate::source::kafka::append::Produced;
use crate::source::kafka::digest::{HeadCheck, TopicDigest};
use crate::text::group;

#[derive(Serialize)]
struct PartitionRow {
    partition: u32,
    messages: u64,
    first: Option<u64>,
    head: Option<String>,
}

#[derive(Serialize)]
struct CheckRow {
    expected: String,
    holds: bool,
    reason: String,
}

#[derive(Serialize)]
struct Report<'a> {
    source: &'a str,
    partitions: Vec<PartitionRow>,
    heads: Vec<String>,
    checks: Vec<CheckRow>,
    holds: Option<bool>,
}

fn reason(check: &HeadCheck, partition: u32, offset: u64) -> String {
    match check {
        HeadCheck::Holds => {
            format!("partition {partition} holds every message up to offset {offset} unchanged")
        }
        HeadCheck::Differs { found } => format!(
            "partition {partition} differs at offset {offset} (now {partition}:{offset}:{}): a \
             message up to it was changed, inserted or removed (compaction and retention \
             remove messages too)",
            to_hex(found)
        ),
        HeadCheck::Missing { why } => format!("partition {partition}, offset {offset}: {why}"),
    }
}

/// `rewind verify kafka://… [--expect HEADS]`: prints each partition's head (`P:OFFSET:HASH`);
/// with heads kept, exit 1 unless every one still holds.
pub fn verify(d: &TopicDigest, json: bool) -> Outcome {
    let heads: Vec<String> = d
        .partitions
        .iter()
        .filter_map(|p| p.head.map(|h| h.to_string()))
        .collect();
    let checks: Vec<CheckRow> = d
        .checks
        .iter()
        .map(|(h, c)| CheckRow {
            expected: h.to_string(),
            holds: c.holds(),
            reason: reason(c, h.partition, h.offset),
        })
        .collect();
    let holds = (!checks.is_empty()).then(|| checks.iter().all(|c| c.holds));
    if json {
        let out = Report {
            source: &d.name,
            partitions: d
                .partitions
                .iter()
                .map(|p| PartitionRow {
                    partition: p.partition,
                    messages: p.messages,
                    first: p.first,
                    head: p.head.map(|h| h.to_string()),
                })
                .collect(),
            heads: heads.clone(),
            checks: Vec::new(),
            holds,
        };
        let mut out = out;
        out.checks = checks;
        print(&json_line(&out))?;
        return Ok(if holds == Some(false) { 1 } else { 0 });
    }
    if holds != Some(false) {
        print(&heads.iter().map(|h| format!("{h}\n")).collect::<String>())?;
    }
    let name = &d.name;
    let messages: u64 = d.partitions.iter().map(|p| p.messages).sum();
    for p in d.partitions.iter().filter(|p| p.head.is_none()) {
        note(&format!(
            "rewind: {name}: partition {} holds no message",
            p.partition
        ));
    }
    if checks.is_empty() {
        note(&format!(
            "rewind: {name}: {} message{} in {} partition{}; Kafka does not chain messages, so \
             these heads are rewind's digest of each partition: keep them, and check them later \
             with --expect '{}'",
            group(messages),
            if messages == 1 { "" } else { "s" },
            d.partitions.len(),
            if d.partitions.len() == 1 { "" } else { "s" },
            heads.join(",")
        ));
        return Ok(0);
    }
    let failed: Vec<&CheckRow> = checks.iter().filter(|c| !c.holds).collect();
    for c in checks.iter().filter(|c| c.holds) {
        note(&format!("rewind: {name}: {}", c.reason));
    }
    if failed.is_empty() {
        return Ok(0);
    }
    for c in &failed[..failed.len() - 1] {
        note(&format!("rewind: {name}: {}", c.reason));
    }
    Err(Failure::found(format!(
        "{name}: {}",
        failed[failed.len() - 1].reason
    )))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Record<'a> {
    position: String,
    partition: u32,
    offset: u64,
    event_id: &'a str,
    value: &'a RawValue,
}

#[derive(Serialize)]
struct AppendReport<'a> {
    appended: bool,
    record: Record<'a>,
}

/// `rewind append kafka://… …`: prints the message produced, and where it went.
pub fn appended(name: &str, done: &Produced, json: bool) -> Outcome {
    // The value as written: the amount's digits must not pass through a float.
    let value = RawValue::from_string(done.value.clone())
        .map_err(|e| Failure::usage(format!("{name}: {e}")))?;
    let position = format!("{}:{}", done.partition, done.offset);
    let record = Record {
        position: position.clone(),
        partition: done.partition,
        offset: done.offset,
        event_id: &done.id,
        value: &value,
    };
    let text = if json {
        json_line(&AppendReport {
            appended: true,
            record,
        })
    } else {
        json_line(&record)
    };
    print_after(&text, || {
        format!("{name}: the message was produced at {position}")
    })?;
    note(&format!(
        "rewind: {name}: produced at {position} (partition {}, which the account's key picks), \
         acknowledged by the broker",
        done.partition
    ));
    Ok(0)
}
