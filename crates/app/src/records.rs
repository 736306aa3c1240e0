//! The log's records read as CRM events, page by page, for the use cases
//! that look through the whole log (erasure, the subject access export).
//! A record that does not decode is an error naming its position, never
//! skipped.

use domain::CrmEvent;
use eventlog::{EventLog, ReadFilter, RecordedEvent};

use crate::commands::CommandError;

/// Records read per page.
const SCAN_PAGE_EVENTS: usize = 4_096;
/// Events of one stream read per page (below the log's cap on one read).
const STREAM_PAGE_EVENTS: usize = 1_000;

/// `record` as a CRM event; `None` for another module's, an error naming
/// its position when it does not decode.
fn decoded(record: &RecordedEvent) -> Result<Option<CrmEvent>, CommandError> {
    CrmEvent::decode(
        record.stream.category(),
        &record.event_type,
        record.schema_version,
        &record.payload,
    )
    .map_err(|source| CommandError::Undecodable {
        position: record.position,
        source,
    })
}

/// Hands every record `filter` lets through, oldest first, to `each` with
/// its event; records of other modules are passed over.
pub(crate) fn for_each(
    log: &EventLog,
    filter: &ReadFilter,
    mut each: impl FnMut(&RecordedEvent, CrmEvent) -> Result<(), CommandError>,
) -> Result<(), CommandError> {
    let mut next = 1;
    loop {
        let page = log.read_all(next, SCAN_PAGE_EVENTS, filter)?;
        for record in &page.events {
            let decoded = decoded(record)?;
            if let Some(event) = decoded {
                each(record, event)?;
            }
        }
        if page.reached_head {
            return Ok(());
        }
        next = page.next_position;
    }
}

/// Hands every event of `stream`, oldest first, to `each` with its
/// record, until `each` answers `true` (found) or the stream ends.
pub(crate) fn find_in_stream(
    log: &EventLog,
    stream: &eventlog::StreamName,
    mut each: impl FnMut(&RecordedEvent, CrmEvent) -> bool,
) -> Result<(), CommandError> {
    let mut next = 0;
    loop {
        let page = log.read_stream(stream, next, STREAM_PAGE_EVENTS)?;
        for record in &page {
            let decoded = decoded(record)?;
            if let Some(event) = decoded
                && each(record, event)
            {
                return Ok(());
            }
        }
        match page.last() {
            Some(last) if page.len() == STREAM_PAGE_EVENTS => next = last.version + 1,
            _ => return Ok(()),
        }
    }
}
