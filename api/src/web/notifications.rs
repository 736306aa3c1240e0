//! Notifications in the open pages (issue 17): `GET /notifications/stream`
//! is a server-sent event stream, per signed-in user, of the reminders
//! delivered to them from now on (`TaskReminderFired` on a task assigned
//! to them or their group, `CalendarEntryReminderFired` on an entry they
//! organize or attend; `app::reminders`). `assets/app.js` opens it on every page and
//! shows each as a message in the page's live region; a reminder that
//! fired while no page was open is on the dashboard's list instead.
//! Reminders long past (a first start over an old history) fire without a
//! message: they are listed, not announced.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use domain::CrmEvent;
use domain::planning::{Assignee, CalendarEvent, TaskEvent};
use eventlog::{ReadFilter, RecordedEvent};
use futures_util::Stream;
use serde::Serialize;

use super::Viewer;
use crate::AppState;

/// A comment this often keeps an idle stream open through proxies.
const KEEP_ALIVE_SECONDS: u64 = 15;
/// A reminder older than this when delivered is listed, not announced.
const ANNOUNCED_WITHIN_MINUTES: i64 = 60;

/// What one message carries.
#[derive(Debug, Serialize)]
struct Reminder {
    title: String,
    href: String,
}

/// Whether a task or entry for `assignee` is `user`'s: theirs, or their
/// group's.
fn is_for(state: &AppState, user: domain::ids::UserId, assignee: Assignee) -> bool {
    match assignee {
        Assignee::User(assigned) => assigned == user,
        Assignee::Group(group) => super::assignees::groups_of(state, user).contains(&group),
    }
}

/// The reminder `record` delivers to `user`, if it is one for them and
/// recent enough to announce: a task's, or a calendar entry's (to its
/// organizer and attendees).
fn reminder_for(
    state: &AppState,
    user: domain::ids::UserId,
    record: &RecordedEvent,
) -> Option<Reminder> {
    let decoded = CrmEvent::decode(
        record.stream.category(),
        &record.event_type,
        record.schema_version,
        &record.payload,
    )
    .ok()??;
    let remind_at = match &decoded {
        CrmEvent::Task(TaskEvent::ReminderFired(fired)) => fired.remind_at,
        CrmEvent::Calendar(CalendarEvent::ReminderFired(fired)) => fired.remind_at,
        _ => return None,
    };
    let now = state.app.now();
    if remind_at < now - chrono::Duration::minutes(ANNOUNCED_WITHIN_MINUTES) {
        return None;
    }
    if let CrmEvent::Calendar(_) = decoded {
        let entry = record
            .stream
            .id()
            .parse::<domain::ids::CalendarEntryId>()
            .ok()?;
        let (organizer, attendees, title) = state.read_models.calendar.read(|calendar| {
            calendar
                .get(entry)
                .map(|row| (row.organizer, row.attendees.clone(), row.title.clone()))
        })?;
        let for_user = organizer == user
            || attendees
                .iter()
                .any(|attendee| is_for(state, user, *attendee));
        return for_user.then(|| Reminder {
            title,
            href: format!("/calendar/entries/{entry}"),
        });
    }
    let task = record.stream.id().parse::<domain::ids::TaskId>().ok()?;
    let (assignee, title) = state
        .read_models
        .tasks
        .read(|tasks| tasks.get(task).map(|row| (row.assignee, row.title.clone())))?;
    // A group's task reminds every member.
    is_for(state, user, assignee).then(|| Reminder {
        title,
        href: "/tasks".to_owned(),
    })
}

/// `GET /notifications/stream`.
pub async fn stream(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let user = viewer.user();
    let head = state.log.head().position;
    // Only the deliveries: the stream wakes for nothing else.
    let filter = ReadFilter::event_types(["TaskReminderFired", "CalendarEntryReminderFired"]);
    let subscription = state.log.subscribe_filtered(head, filter);
    let events = futures_util::stream::unfold(
        (subscription, state),
        move |(mut subscription, state)| async move {
            loop {
                let next = tokio::select! {
                    next = subscription.next() => next,
                    () = state.stopped() => return None,
                };
                let record = match next {
                    Ok(record) => record,
                    Err(error) => {
                        tracing::info!(%error, "a notifications stream ends");
                        return None;
                    }
                };
                if let Some(reminder) = reminder_for(&state, user, &record) {
                    let data = serde_json::to_string(&reminder).unwrap_or_default();
                    let event = Event::default().event("reminder").data(data);
                    return Some((Ok(event), (subscription, state)));
                }
            }
        },
    );
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(KEEP_ALIVE_SECONDS)))
}
