//! The calendar: one owner's entries (the `calendar` read model) for a
//! day, the seven days from a Monday, or the weeks of a month, with the
//! previous and next a link away, and a form to plan an entry
//! (`calendar_entry`). Days and times are UTC, the business time zone
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
    /// Any day of the period to show (`YYYY-MM-DD`); today when empty.
    #[serde(default)]
    week: String,
    /// `day`, `week` (when empty) or `month`.
    #[serde(default)]
    view: String,
}

/// How much of the calendar a page shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum View {
    Day,
    Week,
    Month,
}

impl View {
    fn parse(raw: &str) -> Self {
        match raw {
            "day" => Self::Day,
            "month" => Self::Month,
            _ => Self::Week,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }

    /// The first and last day shown for a chosen day.
    fn span(self, chosen: NaiveDate) -> (NaiveDate, NaiveDate) {
        match self {
            Self::Day => (chosen, chosen),
            Self::Week => {
                let monday = monday_of(chosen);
                (monday, monday + Duration::days(WEEK_DAYS - 1))
            }
            Self::Month => {
                let first = chosen.with_day(1).unwrap_or(chosen);
                let last = first
                    .checked_add_months(chrono::Months::new(1))
                    .map_or(first, |next| next - Duration::days(1));
                (
                    monday_of(first),
                    monday_of(last) + Duration::days(WEEK_DAYS - 1),
                )
            }
        }
    }

    /// The day the previous and next links lead to.
    fn step(self, chosen: NaiveDate, forward: bool) -> NaiveDate {
        let days = |n: i64| {
            if forward {
                chosen + Duration::days(n)
            } else {
                chosen - Duration::days(n)
            }
        };
        match self {
            Self::Day => days(1),
            Self::Week => days(WEEK_DAYS),
            Self::Month => {
                let first = chosen.with_day(1).unwrap_or(chosen);
                let moved = if forward {
                    first.checked_add_months(chrono::Months::new(1))
                } else {
                    first.checked_sub_months(chrono::Months::new(1))
                };
                moved.unwrap_or(first)
            }
        }
    }
}

/// Entries a month's day shows; the rest are counted.
const MONTH_DAY_ENTRIES: usize = 3;

/// An entry on a day.
#[derive(Debug)]
pub struct EntryView {
    pub id: String,
    pub time: String,
    pub title: String,
    pub location: String,
}

/// A day of the period.
#[derive(Debug)]
pub struct DayView {
    pub date: String,
    pub heading: String,
    pub today: bool,
    /// Outside the month a month view shows (its first and last weeks).
    pub outside: bool,
    pub entries: Vec<EntryView>,
    /// Entries not listed (a month's day lists a few).
    pub more: usize,
    pub day_href: String,
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
    view: &'static str,
    view_urls: Vec<(&'static str, String, bool)>,
    /// The plan-an-entry form, as typed when it was refused.
    new_entry: super::calendar_entry::EntryForm,
    new_entry_errors: super::forms::FormErrors,
    new_entry_open: bool,
    attendees: Vec<super::forms::OwnedChoice>,
    reminders: Vec<super::forms::OwnedChoice>,
    command: String,
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

fn period_url(owner: Owner, view: View, day: NaiveDate) -> String {
    format!(
        "/calendar?{}",
        query_string(&[
            ("owner", &owner.code()),
            ("view", view.code()),
            ("week", &day.to_string()),
        ])
    )
}

/// `GET /calendar?owner&view&week`.
pub async fn week(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<WeekQuery>,
) -> Response {
    render(&state, &viewer, &query, None)
}

/// The calendar again with the plan-an-entry form as it was refused, on
/// the week of the day it asked for.
pub(super) async fn render_week(
    state: &AppState,
    viewer: &Viewer,
    pairs: &[(String, String)],
    failed: Option<(super::calendar_entry::EntryForm, super::forms::FormErrors)>,
) -> Response {
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map_or(String::new(), |(_, value)| value.clone())
    };
    let day = field("day");
    let query = WeekQuery {
        owner: String::new(),
        week: NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
            .map(|day| day.to_string())
            .unwrap_or_default(),
        view: String::new(),
    };
    render(state, viewer, &query, failed)
}

fn render(
    state: &AppState,
    viewer: &Viewer,
    query: &WeekQuery,
    failed: Option<(super::calendar_entry::EntryForm, super::forms::FormErrors)>,
) -> Response {
    let lang = viewer.lang;
    let tr = Tr::new(lang);
    let owner = Owner::asked(state, &query.owner, viewer);
    let view = View::parse(&query.view);
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
    let (first, last) = view.span(chosen);
    let from = start_of(first);
    let to = start_of(last + Duration::days(1));
    let (known, entries) = state.read_models.calendar.read(|calendar| {
        let entries: Vec<EntryRow> = calendar
            .agenda(&[owner.0], from, to)
            .into_iter()
            .cloned()
            .collect();
        (calendar.attendees(), entries)
    });
    let day_count = (last - first).num_days() + 1;
    let days = (0..day_count)
        .map(|offset| {
            let day = first + Duration::days(offset);
            let (start, end) = (start_of(day), start_of(day + Duration::days(1)));
            let mut on_day: Vec<EntryView> = entries
                .iter()
                .filter(|entry| entry.starts_at < end && entry.ends_at > start)
                .map(|entry| EntryView {
                    id: entry.id.to_string(),
                    time: entry_time(lang, entry, day),
                    title: entry.title.clone(),
                    location: entry.location.clone().unwrap_or_default(),
                })
                .collect();
            let more = if view == View::Month {
                let shown = on_day.len().min(MONTH_DAY_ENTRIES);
                on_day.split_off(shown).len()
            } else {
                0
            };
            DayView {
                date: day.to_string(),
                // The weekday's name and its comma are the language's.
                heading: tr.t1(
                    &format!("calendar-day-{}", day.weekday().number_from_monday()),
                    "date",
                    &format::date(lang, day),
                ),
                today: day == today,
                outside: view == View::Month && day.month() != chosen.month(),
                entries: on_day,
                more,
                day_href: period_url(owner, View::Day, day),
            }
        })
        .collect();
    // A month is named by its own first and last days, not the whole
    // weeks shown around it.
    let (named_first, named_last) = match view {
        View::Month => {
            let first_day = chosen.with_day(1).unwrap_or(chosen);
            let last_day = first_day
                .checked_add_months(chrono::Months::new(1))
                .map_or(first_day, |next| next - Duration::days(1));
            (first_day, last_day)
        }
        View::Day | View::Week => (first, last),
    };
    let range = if named_first == named_last {
        format::date(lang, named_first)
    } else {
        format!(
            "{} – {}",
            format::date(lang, named_first),
            format::date(lang, named_last)
        )
    };
    let back = format!(
        "/calendar?{}",
        query_string(&[
            ("owner", &query.owner),
            ("view", view.code()),
            ("week", typed)
        ])
    );
    let page = Page::new(viewer, Section::Tasks, "calendar-title", back);
    let (new_entry, new_entry_errors, new_entry_open) = match failed {
        Some((form, errors)) => (form, errors, true),
        None => (
            super::calendar_entry::EntryForm::blank(chosen, viewer.user()),
            super::forms::FormErrors::default(),
            false,
        ),
    };
    let attendees = super::calendar_entry::attendee_choices(state, tr, new_entry.attendees());
    let reminders = super::calendar_entry::reminder_choices(tr, new_entry.remind());
    let command = super::forms::command_id(&state.app, new_entry.command()).to_string();
    let view_urls = [View::Day, View::Week, View::Month]
        .into_iter()
        .map(|each| (each.code(), period_url(owner, each, chosen), each == view))
        .collect();
    let page = WeekPage {
        owners: owner_choices(state, tr, known, owner, viewer),
        week: chosen.to_string(),
        week_error,
        heading: tr.t1(
            match view {
                View::Day => "calendar-day-heading",
                View::Week => "calendar-week",
                View::Month => "calendar-month-heading",
            },
            "range",
            &range,
        ),
        days,
        previous_url: period_url(owner, view, view.step(chosen, false)),
        this_url: period_url(owner, view, today),
        next_url: period_url(owner, view, view.step(chosen, true)),
        tasks_href: format!("/tasks?{}", query_string(&[("owner", &owner.code())])),
        view: view.code(),
        view_urls,
        new_entry,
        new_entry_errors,
        new_entry_open,
        attendees,
        reminders,
        command,
        page,
    };
    let status = if new_entry_open {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        status
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
            reminder_fired: None,
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
