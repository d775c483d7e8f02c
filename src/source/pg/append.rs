//! Appends through a store's own write API, so that its concurrency rules are the ones that hold.
//!
//! For Message DB that is `message_store.write_message(id, stream_name, type, data, metadata,
//! expected_version)`: the event goes to the stream `CATEGORY-ACCOUNT` (category `account` unless
//! told otherwise) with `data = {"accountId", "amount", "to"}`, and an expected version makes the
//! store refuse the write when the stream has moved on. Message DB stamps the time itself.

use tokio_postgres::types::ToSql;

use super::{Layout, PgError, PgErrorKind, PgSource, Phase};
use crate::ledger::TypeMap;
use crate::ledger::json::write::{into_string, key, push_raw, push_str};
use crate::ledger::new_event::{Invalid, NewEvent};

/// Where an event is written, and on what condition.
#[derive(Clone, Debug, Default)]
pub struct Target {
    /// The stream's version the write expects (its last message's position; -1 for a new stream).
    pub expected_version: Option<i64>,
    /// The stream category; `account` when `None`.
    pub category: Option<String>,
}

/// Where an appended event landed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appended {
    /// The message's id: the event id given, or a fresh UUID from the server.
    pub id: String,
    /// The stream the message went to: `CATEGORY-ACCOUNT`.
    pub stream: String,
    /// The message's position in its stream (the stream's new version).
    pub position: i64,
    /// The message's position in the whole store.
    pub global_position: i64,
}

/// Why an append was not done. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    /// The event may not be written (the same rules as for a log file).
    #[error("{url}: {invalid}")]
    Invalid {
        /// The database's URL as shown: its password replaced by `***`.
        url: String,
        /// Why the event may not be written.
        invalid: Invalid,
    },
    /// The event gives its time, but Message DB stamps each message with the time it is written.
    #[error(
        "{url}: Message DB stamps each message with the time it is written; an event time \
             cannot be given"
    )]
    TimeGiven {
        /// The database's URL as shown: its password replaced by `***`.
        url: String,
    },
    /// The database refused it, or could not be reached.
    #[error(transparent)]
    Db(#[from] PgError),
}

/// The stream the event goes to.
pub fn stream(event: &NewEvent, target: &Target) -> String {
    format!(
        "{}-{}",
        target.category.as_deref().unwrap_or("account"),
        event.account
    )
}

/// The message's `data` (a JSON object; the amount keeps its exact digits).
pub fn data(event: &NewEvent) -> String {
    let mut out = Vec::with_capacity(64);
    out.push(b'{');
    key(&mut out, "accountId");
    push_str(&mut out, &event.account);
    if let Some(amount) = event.amount {
        key(&mut out, "amount");
        push_raw(&mut out, &amount.to_string());
    }
    if let Some(to) = &event.to {
        key(&mut out, "to");
        push_str(&mut out, to);
    }
    out.push(b'}');
    into_string(out)
}

/// The message's `metadata` (`None` without `meta`).
pub fn metadata(event: &NewEvent) -> Option<String> {
    if event.meta.is_empty() {
        return None;
    }
    let map: serde_json::Map<String, serde_json::Value> = event
        .meta
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    Some(serde_json::Value::Object(map).to_string())
}

/// Appends one event through Message DB's `write_message`, after holding it to the rules every
/// writer holds an event to ([`NewEvent::validate`]). A stream that is not at `expected_version`
/// makes the store refuse the write ([`PgErrorKind::Conflict`]); nothing is written then.
pub fn append(
    source: &PgSource,
    event: &NewEvent,
    target: &Target,
    types: &TypeMap,
) -> Result<Appended, AppendError> {
    if source.layout != Layout::MessageDb {
        return Err(PgError::new(
            PgErrorKind::Usage,
            source.name(),
            "appending is for Message DB (the store's write_message); other stores are \
             written by their own applications",
        )
        .into());
    }
    event
        .validate(types)
        .map_err(|invalid| AppendError::Invalid {
            url: source.name().to_string(),
            invalid,
        })?;
    if event.at.is_some() {
        return Err(AppendError::TimeGiven {
            url: source.name().to_string(),
        });
    }
    let mut session = source.connect()?;
    let err = |e: PgError| {
        let mut e = e.with_hint(&source.layout.expects());
        if e.message.contains("Wrong expected version") {
            e.kind = PgErrorKind::Conflict;
            e.message = format!(
                "the store refused the append, nothing was written: {}",
                e.message
                    .trim_start_matches("the server refused the write: ")
                    .trim()
            );
        }
        e
    };
    // Message DB's functions call each other without a schema.
    session
        .batch_execute(
            "BEGIN; SET LOCAL search_path = message_store, public",
            Phase::Writing,
        )
        .map_err(err)?;
    let id: String = match &event.id {
        Some(id) => id.clone(),
        None => session
            .query_one("SELECT gen_random_uuid()::text", &[], Phase::Writing)
            .map_err(err)?
            .get(0),
    };
    let stream = stream(event, target);
    let data = data(event);
    let metadata = metadata(event);
    let params: [&(dyn ToSql + Sync); 6] = [
        &id,
        &stream,
        &event.kind,
        &data,
        &metadata,
        &target.expected_version,
    ];
    let position: i64 = session
        .query_one(
            "SELECT message_store.write_message($1::varchar, $2::varchar, $3::varchar, \
             $4::text::jsonb, $5::text::jsonb, $6::bigint)",
            &params,
            Phase::Writing,
        )
        .map_err(err)?
        .get(0);
    let global_position: i64 = session
        .query_one(
            "SELECT global_position FROM message_store.messages WHERE id = $1::text::uuid",
            &[&id],
            Phase::Writing,
        )
        .map_err(err)?
        .get(0);
    session
        .batch_execute("COMMIT", Phase::Committing)
        .map_err(err)?;
    Ok(Appended {
        id,
        stream,
        position,
        global_position,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Money;

    #[test]
    fn data_keeps_the_amount_digits() {
        let e = NewEvent {
            account: "acc-\"1".to_string(),
            kind: "Deposited".to_string(),
            amount: Some(Money::parse("9007199254740993.07").unwrap()),
            to: Some("acc-2".to_string()),
            meta: vec![("by".to_string(), "ann".to_string())],
            ..NewEvent::default()
        };
        assert_eq!(
            data(&e),
            r#"{"accountId":"acc-\"1","amount":9007199254740993.07,"to":"acc-2"}"#
        );
        assert_eq!(metadata(&e).as_deref(), Some(r#"{"by":"ann"}"#));
        assert_eq!(stream(&e, &Target::default()), "account-acc-\"1");
    }
}
