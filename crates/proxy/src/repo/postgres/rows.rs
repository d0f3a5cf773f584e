//! Rows to values and back, and the notifications' short payloads (an id
//! and a version, never the record: a payload is at most 8000 bytes).

use std::time::Duration;

use tokio_postgres::Row;
use trellis_api::Phase;

use crate::{
    clock::millis,
    id::GenerationId,
    repo::{Event, Progress, StoreError, StoredGeneration, Task, TaskKind},
    store::from_columns,
};

const GENERATE: &str = "generate";
const EXTRACT: &str = "extract";

/// A generation from the columns of `schema::GENERATION_COLUMNS`.
pub fn stored(row: &Row) -> Result<(GenerationId, StoredGeneration), StoreError> {
    let id: String = row.try_get(0)?;
    let parsed = GenerationId::parse(&id).map_err(|_| StoreError::Damaged(format!("id {id:?}")))?;
    let extractions: i32 = row.try_get(3)?;
    let stored = from_columns(
        &id,
        &row.try_get::<_, String>(1)?,
        row.try_get(2)?,
        u32::try_from(extractions).unwrap_or_default(),
        row.try_get(4)?,
        row.try_get(5)?,
        row.try_get(6)?,
    )?;
    Ok((parsed, stored))
}

/// A task from the columns of `schema::TASK_COLUMNS`.
pub fn task(row: &Row) -> Result<Task, StoreError> {
    let id: String = row.try_get(1)?;
    let kind: String = row.try_get(2)?;
    let variant: Option<String> = row.try_get(3)?;
    let kind = match (kind.as_str(), variant) {
        (GENERATE, _) => TaskKind::Generate,
        (EXTRACT, Some(variant)) => TaskKind::Extract { variant },
        _ => return Err(StoreError::Damaged(format!("task of kind {kind:?}"))),
    };
    let expected: i64 = row.try_get(4)?;
    Ok(Task {
        seq: row.try_get(0)?,
        id: GenerationId::parse(&id).map_err(|_| StoreError::Damaged(format!("id {id:?}")))?,
        kind,
        expected: Duration::from_millis(u64::try_from(expected).unwrap_or_default()),
        needs: row.try_get(5)?,
    })
}

/// A task kind's columns: the kind and the variant.
pub fn kind_columns(kind: &TaskKind) -> (&'static str, Option<&str>) {
    match kind {
        TaskKind::Generate => (GENERATE, None),
        TaskKind::Extract { variant } => (EXTRACT, Some(variant)),
    }
}

/// Milliseconds as the `BIGINT` columns hold them.
pub fn ms(duration: Duration) -> i64 {
    i64::try_from(millis(duration)).unwrap_or(i64::MAX)
}

/// A version as the `BIGINT` column holds it.
pub fn version(version: u64) -> i64 {
    i64::try_from(version).unwrap_or(i64::MAX)
}

/// The payload telling other proxies that a record changed.
pub fn changed_payload(origin: &str, id: &GenerationId, version: u64) -> String {
    format!("c|{origin}|{id}|{version}")
}

/// The payload of a running job's estimate.
pub fn progress_payload(origin: &str, id: &GenerationId, progress: Progress) -> String {
    format!(
        "p|{origin}|{id}|{}|{}|{}",
        phase_name(progress.phase),
        progress.progress,
        progress.eta_seconds
    )
}

/// The payload telling that the line moved.
pub fn line_payload(origin: &str) -> String {
    format!("l|{origin}")
}

/// A phase's wire name (`extracting_glb`).
fn phase_name(phase: Phase) -> String {
    match serde_json::to_value(phase) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::new(),
    }
}

fn parse_phase(name: &str) -> Option<Phase> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
}

/// The event a notification carries, unless it came from `origin` (this
/// proxy, which told its own listeners already) or is unreadable.
pub fn event(payload: &str, origin: &str) -> Option<Event> {
    let mut fields = payload.split('|');
    let kind = fields.next()?;
    if fields.next()? == origin {
        return None;
    }
    let id = |text: Option<&str>| GenerationId::parse(text?).ok();
    match kind {
        "c" => Some(Event::Changed {
            id: id(fields.next())?,
            version: fields.next()?.parse().ok()?,
            stored: None,
        }),
        "p" => {
            let id = id(fields.next())?;
            let phase = parse_phase(fields.next()?)?;
            Some(Event::Progress {
                id,
                progress: Progress {
                    phase,
                    progress: fields.next()?.parse().ok()?,
                    eta_seconds: fields.next()?.parse().ok()?,
                },
            })
        }
        "l" => Some(Event::Line),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_read_back_and_a_proxy_skips_its_own() {
        let id = GenerationId::random().unwrap();
        let changed = changed_payload("a", &id, 7);
        assert!(event(&changed, "a").is_none());
        assert!(matches!(
            event(&changed, "b"),
            Some(Event::Changed { id: got, version: 7, stored: None }) if got == id
        ));
        let progress = Progress {
            phase: Phase::ExtractingGlb,
            progress: 0.5,
            eta_seconds: 12.25,
        };
        match event(&progress_payload("a", &id, progress), "b") {
            Some(Event::Progress { progress: got, .. }) => assert_eq!(got, progress),
            other => panic!("{other:?}"),
        }
        assert!(matches!(event(&line_payload("a"), "b"), Some(Event::Line)));
        assert!(event("x|a", "b").is_none());
        assert!(event(&format!("c|a|{id}|notanumber"), "b").is_none());
        assert!(changed.len() < 8000);
    }
}
