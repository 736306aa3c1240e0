//! The calendar's week view: one owner's entries (the `calendar` read
//! model) for the seven days from a Monday, with the previous and next
//! weeks a link away. Days and times are UTC, the business time zone
//! until users have their own; weekday names come from the catalogue and
//! dates from `format`, so the week reads in the user's language, and the
//! days run right to left on an Arabic page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use projections::models::calendar::EntryRow;
use serde::Deserialize;

use super::Viewer;
use super::format;
use super::i18n::{Lang, Tr};
use super::tasks::{Owner, OwnerChoice, owner_choices};
use super::{Page, Section, query_string};
use crate::AppState;

/// Days in the view.
const WEEK_DAYS: i64 = 7;

/// The week view's query as typed.
#[derive(Debug, Default, Deserialize)]
pub struct WeekQuery {
    #[serde(default)]
    owner: String,
    /// Any day of the week to show (`YYYY-MM-DD`); this week when empty.
    #[serde(default)]
    week: String,
}

/// An entry on a day.
#[derive(Debug)]
pub struct EntryView {
    pub id: String,
    pub time: String,
    pub title: String,
    pub location: String,
}

/// A day of the week.
#[derive(Debug)]
pub struct DayView {
    pub date: String,
    pub heading: String,
    pub today: bool,
    pub entries: Vec<EntryView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "calendar.html")]
pub struct WeekPage {
    page: Page,
    owners: Vec<OwnerChoice>,
    week: String,
    week_error: Option<String>,
    heading: String,
    days: Vec<DayView>,
    previous_url: String,
    this_url: String,
    next_url: String,
    tasks_href: String,
}

/// The Monday of the week holding `day`.
fn monday_of(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

/// The start of a day, in UTC.
fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// An entry's time as shown on `day`: hours when it starts and ends that
/// day, dates too when it runs over midnight.
fn entry_time(lang: Lang, entry: &EntryRow, day: NaiveDate) -> String {
    let within = |at: DateTime<Utc>| at.date_naive() == day;
    if within(entry.starts_at)
        && (within(entry.ends_at) || entry.ends_at == start_of(day + Duration::days(1)))
    {
        format!(
            "{}–{}",
            entry.starts_at.format("%H:%M"),
            entry.ends_at.format("%H:%M")
        )
    } else {
        format!(
            "{} – {}",
            format::date_time(lang, entry.starts_at),
            format::date_time(lang, entry.ends_at)
        )
    }
}

fn week_url(owner: Owner, monday: NaiveDate) -> String {
    format!(
        "/calendar?{}",
        query_string(&[("owner", &owner.code()), ("week", &monday.to_string())])
    )
}

/// `GET /calendar?owner&week`.
pub async fn week(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<WeekQuery>,
) -> Response {
    let lang = viewer.lang;
    let tr = Tr::new(lang);
    let owner = Owner::asked(&query.owner, &viewer);
    let today = state.app.now().date_naive();
    let typed = query.week.trim();
    let (chosen, week_error, status) = if typed.is_empty() {
        (today, None, StatusCode::OK)
    } else {
        match NaiveDate::parse_from_str(typed, "%Y-%m-%d") {
            Ok(day) => (day, None, StatusCode::OK),
            // The current week stays in view while the field asks for a fix.
            Err(_) => (today, Some(tr.t("error-date")), StatusCode::BAD_REQUEST),
        }
    };
    let monday = monday_of(chosen);
    let from = start_of(monday);
    let to = start_of(monday + Duration::days(WEEK_DAYS));
    let (known, entries) = state.read_models.calendar.read(|calendar| {
        let entries: Vec<EntryRow> = calendar
            .agenda(&[owner.0], from, to)
            .into_iter()
            .cloned()
            .collect();
        (calendar.attendees(), entries)
    });
    let days = (0..WEEK_DAYS)
        .map(|offset| {
            let day = monday + Duration::days(offset);
            let (start, end) = (start_of(day), start_of(day + Duration::days(1)));
            DayView {
                date: day.to_string(),
                // The weekday's name and its comma are the language's.
                heading: tr.t1(
                    &format!("calendar-day-{}", day.weekday().number_from_monday()),
                    "date",
                    &format::date(lang, day),
                ),
                today: day == today,
                entries: entries
                    .iter()
                    .filter(|entry| entry.starts_at < end && entry.ends_at > start)
                    .map(|entry| EntryView {
                        id: entry.id.to_string(),
                        time: entry_time(lang, entry, day),
                        title: entry.title.clone(),
                        location: entry.location.clone().unwrap_or_default(),
                    })
                    .collect(),
            }
        })
        .collect();
    let sunday = monday + Duration::days(WEEK_DAYS - 1);
    let range = format!(
        "{} – {}",
        format::date(lang, monday),
        format::date(lang, sunday)
    );
    let back = if query.owner.is_empty() && typed.is_empty() {
        "/calendar".to_owned()
    } else {
        format!(
            "/calendar?{}",
            query_string(&[("owner", &query.owner), ("week", typed)])
        )
    };
    let page = Page::new(&viewer, Section::Tasks, "calendar-title", back);
    let page = WeekPage {
        owners: owner_choices(tr, known, owner, &viewer),
        week: if typed.is_empty() {
            monday.to_string()
        } else {
            typed.to_owned()
        },
        week_error,
        heading: tr.t1("calendar-week", "range", &range),
        days,
        previous_url: week_url(owner, monday - Duration::days(WEEK_DAYS)),
        this_url: week_url(owner, monday_of(today)),
        next_url: week_url(owner, monday + Duration::days(WEEK_DAYS)),
        tasks_href: format!("/tasks?{}", query_string(&[("owner", &owner.code())])),
        page,
    };
    (status, page).into_response()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use chrono::TimeZone;
    use domain::ids::{CalendarEntryId, UserId};
    use projections::models::calendar::EntryStatus;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    /// Every day of a week, Sunday included, belongs to the week from the
    /// Monday before it.
    #[test]
    fn a_week_starts_on_monday() {
        assert_eq!(monday_of(day("2026-11-23")), day("2026-11-23"));
        assert_eq!(monday_of(day("2026-11-29")), day("2026-11-23"));
        assert_eq!(monday_of(day("2026-11-30")), day("2026-11-30"));
        assert_eq!(monday_of(day("2027-01-01")), day("2026-12-28"));
    }

    /// An entry within a day shows its hours; one over midnight shows its
    /// dates on each day it touches.
    #[test]
    fn an_entry_over_midnight_shows_its_dates() {
        let entry = |start: DateTime<Utc>, hours: i64| EntryRow {
            id: CalendarEntryId::from_uuid(uuid::Uuid::nil()),
            title: "Visit".to_owned(),
            starts_at: start,
            ends_at: start + Duration::hours(hours),
            attendees: Vec::new(),
            location: None,
            link: None,
            remind_before_minutes: None,
            organizer: UserId::from_uuid(uuid::Uuid::nil()),
            status: EntryStatus::Scheduled,
            version: 0,
        };
        let nine = Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap();
        assert_eq!(
            entry_time(Lang::En, &entry(nine, 1), day("2026-11-24")),
            "09:00–10:00"
        );
        let late = Utc.with_ymd_and_hms(2026, 11, 24, 22, 0, 0).unwrap();
        assert_eq!(
            entry_time(Lang::Ru, &entry(late, 4), day("2026-11-25")),
            "24.11.2026 22:00 – 25.11.2026 02:00"
        );
    }
}
