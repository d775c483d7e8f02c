//! Appending one event to a topic: the event, validated as every writer validates it, produced as
//! one message whose key is the account (so that an account stays in one partition, the one
//! Kafka's own default partitioner picks for that key) and whose timestamp is the event's time.

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use rskafka::client::partition::Compression;
use rskafka::record::Record;

use super::{KafkaError, KafkaErrorKind, KafkaSource};
use crate::ledger::TypeMap;
use crate::ledger::json::write::into_string;
use crate::ledger::new_event::{Invalid, NewEvent};
use crate::ledger::time::Millis;

/// A message produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Produced {
    /// The event's id.
    pub id: String,
    /// The partition it went to.
    pub partition: u32,
    /// Its offset there.
    pub offset: u64,
    /// The message's value, as written (a JSON object).
    pub value: String,
}

/// Why nothing was produced.
#[derive(Debug, thiserror::Error)]
pub enum ProduceError {
    /// The event may not be written (the same rules for every writer).
    #[error("{name}: {invalid}")]
    Invalid {
        /// The topic's address, without its password.
        name: String,
        /// Why.
        invalid: Invalid,
    },
    /// The brokers refused it, or could not be reached.
    #[error(transparent)]
    Kafka(#[from] KafkaError),
}

/// Kafka's `murmur2` (the Java client's `Utils.murmur2`), written here because no crate gives
/// Kafka's variant (its seed and its tail): the partition a key goes to must be the one every
/// other producer of the topic picks for it.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    let mut h: u32 = SEED ^ data.len() as u32;
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        let mut k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> 24;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = chunks.remainder();
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// The partition Kafka's default partitioner gives a key among `partitions`.
pub fn partition_of(key: &[u8], partitions: u32) -> u32 {
    (murmur2(key) & 0x7fff_ffff) as u32 % partitions.max(1)
}

/// The message's value: the event as a log's record, without a seq or a chain.
pub fn value(event: &NewEvent, id: &str, at: Millis) -> String {
    let mut out = Vec::with_capacity(128);
    out.push(b'{');
    event.write_members(id, at, &mut out);
    out.push(b'}');
    into_string(out)
}

/// Produces one event to the topic, and says where it went.
pub fn append(
    source: &KafkaSource,
    event: &NewEvent,
    types: &TypeMap,
) -> Result<Produced, ProduceError> {
    event
        .validate(types)
        .map_err(|invalid| ProduceError::Invalid {
            name: source.name(),
            invalid,
        })?;
    let at = event.at.unwrap_or_else(|| Utc::now().timestamp_millis());
    let id = event
        .id
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let value = value(event, &id, at);
    let timestamp = Utc
        .timestamp_millis_opt(at)
        .single()
        .ok_or_else(|| source.error(KafkaErrorKind::Usage, "the event's time is out of range"))?;
    let runtime = source.runtime()?;
    let produced = runtime.block_on(async {
        let client = source.client().await?;
        let partitions = source.partitions(&client).await?;
        let partition = partitions[partition_of(event.account.as_bytes(), partitions.len() as u32)
            as usize
            % partitions.len()];
        let writer = source.partition_client(&client, partition).await?;
        let record = Record {
            key: Some(event.account.as_bytes().to_vec()),
            value: Some(value.as_bytes().to_vec()),
            headers: BTreeMap::new(),
            timestamp,
        };
        let offsets = source
            .bounded(
                "producing the message",
                source.url.timeout,
                writer.produce(vec![record], Compression::NoCompression),
            )
            .await?;
        let offset = offsets.first().copied().ok_or_else(|| {
            source.error(
                KafkaErrorKind::Broker,
                "the broker gave no offset for the message",
            )
        })?;
        Ok::<_, KafkaError>((partition, offset.max(0) as u64))
    });
    runtime.shutdown_background();
    let (partition, offset) = produced?;
    Ok(Produced {
        id,
        partition,
        offset,
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur2_is_the_java_clients() {
        // The cases of Kafka's own UtilsTest.testMurmur2.
        for (key, hash) in [
            (&b"21"[..], -973_932_308),
            (b"foobar", -790_332_482),
            (b"a-little-bit-long-string", -985_981_536),
            (b"a-little-bit-longer-string", -1_486_304_829),
            (
                b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
                -58_897_971,
            ),
            (b"abc", 479_470_107),
        ] {
            assert_eq!(murmur2(key), hash, "{}", String::from_utf8_lossy(key));
        }
        assert!((0..100).all(|i| partition_of(format!("acc-{i}").as_bytes(), 3) < 3));
    }

    #[test]
    fn the_value_is_the_event_as_a_record_reads_it() {
        let event = NewEvent {
            account: "acc-1".into(),
            kind: "DEPOSIT".into(),
            amount: Some(crate::ledger::Money::parse("10.50").unwrap()),
            meta: vec![("note".into(), "a \"b\"".into())],
            ..NewEvent::default()
        };
        let v = value(&event, "e-1", 1_709_294_400_000);
        assert_eq!(
            v,
            r#"{"eventId":"e-1","accountId":"acc-1","type":"DEPOSIT","amount":"10.50","timestamp":"2024-03-01T12:00:00.000Z","meta":{"note":"a \"b\""}}"#
        );
    }
}
