//! Calendar entries from the browser (issue 17): one planned from the
//! calendar (title, day, start and end, place, attendees), and an entry's
//! page to reschedule it, change its title and place or its attendees,
//! complete, reopen or cancel it. Days and times are UTC, as the week
//! view shows them. Reading and changing check the entry is the viewer's
//! (an attendee or its organizer) where their grant is their own, "missing"
//! and "out of reach" answering alike.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use domain::access::{Action, Module};
use domain::ids::{CalendarEntryId, UserId, derived};
use domain::planning::{
    Assignee, CalendarCommand, CalendarEntry, CalendarEntryState, CalendarEntryStatus,
    ScheduleCalendarEntry,
};
use domain::values::Label;

use super::assignees;
use super::forms::{self, FormErrors, OwnedChoice};
use super::i18n::Tr;
use super::{Page, Section, Viewer, format};
use crate::AppState;

/// An entry's form as sent: `attendee` may repeat.
#[derive(Clone, Debug, Default)]
pub struct EntryForm {
    pub title: String,
    pub day: String,
    pub start: String,
    pub end: String,
    pub location: String,
    pub reason: String,
    pub attendees: Vec<String>,
    /// Minutes before the start the attendees are reminded; blank: none.
    pub remind: String,
    pub command: String,
}

impl EntryForm {
    /// A new entry's form on `day`, an hour from nine, for `me`.
    pub fn blank(day: NaiveDate, me: UserId) -> Self {
        Self {
            day: day.to_string(),
            start: "09:00".to_owned(),
            end: "10:00".to_owned(),
            attendees: vec![me.to_string()],
            ..Self::default()
        }
    }

    pub fn attendees(&self) -> &[String] {
        &self.attendees
    }

    pub fn command(&self) -> &str {
        &self.command
    }

    pub fn remind(&self) -> &str {
        &self.remind
    }

    fn of(pairs: &[(String, String)]) -> Self {
        let field = |name: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == name)
                .map_or(String::new(), |(_, value)| value.clone())
        };
        Self {
            title: field("title"),
            day: field("day"),
            start: field("start"),
            end: field("end"),
            location: field("location"),
            reason: field("reason"),
            remind: field("remind"),
            attendees: pairs
                .iter()
                .filter(|(key, _)| key == "attendee")
                .map(|(_, value)| value.clone())
                .collect(),
            command: field("command"),
        }
    }

    fn current(entry: &CalendarEntryState) -> Self {
        Self {
            title: entry.title.clone(),
            day: entry.starts_at.date_naive().to_string(),
            start: entry.starts_at.format("%H:%M").to_string(),
            end: entry.ends_at.format("%H:%M").to_string(),
            location: entry.location.clone().unwrap_or_default(),
            reason: String::new(),
            attendees: entry
                .attendees
                .iter()
                .map(|attendee| assignees::code(*attendee))
                .collect(),
            remind: entry
                .remind_before_minutes
                .map(|minutes| minutes.to_string())
                .unwrap_or_default(),
            command: String::new(),
        }
    }
}

/// The start and end a form gives: a day and two times (the end on the
/// same day, or the next when it is not after the start: a night shift).
fn times(
    form: &EntryForm,
    tr: Tr,
    errors: &mut FormErrors,
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let day = NaiveDate::parse_from_str(form.day.trim(), "%Y-%m-%d").ok();
    if day.is_none() {
        errors.add("day", tr.t("form-date"));
    }
    let time = |raw: &str, field: &'static str, errors: &mut FormErrors| {
        let parsed = NaiveTime::parse_from_str(raw.trim(), "%H:%M").ok();
        if parsed.is_none() {
            errors.add(field, tr.t("entry-time-invalid"));
        }
        parsed
    };
    let start = time(&form.start, "start", errors);
    let end = time(&form.end, "end", errors);
    let (day, start, end) = (day?, start?, end?);
    let starts_at = day.and_time(start).and_utc();
    let mut ends_at = day.and_time(end).and_utc();
    if ends_at <= starts_at {
        ends_at += chrono::Duration::days(1);
    }
    Some((starts_at, ends_at))
}

/// The reminder choices offered, in minutes before the start.
const REMIND_CHOICES: [u32; 7] = [5, 10, 15, 30, 60, 120, 1_440];

/// The reminder a form asks for: `Some(None)` for none, `None` (with the
/// error next to the select) for what does not read.
fn reminder_of(form: &EntryForm, tr: Tr, errors: &mut FormErrors) -> Option<Option<u32>> {
    match form.remind.trim() {
        "" => Some(None),
        raw => match raw.parse::<u32>() {
            Ok(minutes) if minutes <= domain::planning::REMIND_BEFORE_MINUTES_MAX => {
                Some(Some(minutes))
            }
            _ => {
                errors.add("remind", tr.t("form-choose"));
                None
            }
        },
    }
}

/// How a reminder reads: "15 minutes before", "2 hours before", "1 day
/// before".
fn reminder_label(tr: Tr, minutes: u32) -> String {
    let count = |n: u32| super::format::integer(tr.lang, i64::from(n));
    if minutes > 0 && minutes.is_multiple_of(1_440) {
        tr.plural(
            "entry-remind-days",
            i64::from(minutes / 1_440),
            &count(minutes / 1_440),
        )
    } else if minutes > 0 && minutes.is_multiple_of(60) {
        tr.plural(
            "entry-remind-hours",
            i64::from(minutes / 60),
            &count(minutes / 60),
        )
    } else {
        tr.plural("entry-remind-minutes", i64::from(minutes), &count(minutes))
    }
}

/// The reminder select: none, the usual times, and `current` (as stored)
/// even if it is none of them.
pub(super) fn reminder_choices(tr: Tr, current: &str) -> Vec<OwnedChoice> {
    let current = current.trim();
    let mut minutes: Vec<u32> = REMIND_CHOICES.to_vec();
    if let Ok(stored) = current.parse::<u32>()
        && !minutes.contains(&stored)
    {
        minutes.push(stored);
        minutes.sort_unstable();
    }
    let mut choices = vec![OwnedChoice {
        value: String::new(),
        label: tr.t("entry-remind-none"),
        selected: current.is_empty(),
    }];
    choices.extend(minutes.into_iter().map(|minutes| OwnedChoice {
        value: minutes.to_string(),
        label: reminder_label(tr, minutes),
        selected: current == minutes.to_string(),
    }));
    choices
}

/// The users and groups chosen as attendees, or an error next to the
/// select.
fn attendees_of(form: &EntryForm, tr: Tr, errors: &mut FormErrors) -> Option<Vec<Assignee>> {
    let mut chosen: Vec<Assignee> = Vec::new();
    for raw in &form.attendees {
        match assignees::parse(raw) {
            Some(attendee) if !chosen.contains(&attendee) => chosen.push(attendee),
            Some(_) => {}
            None => {
                errors.add("attendees", tr.t("form-choose"));
                return None;
            }
        }
    }
    if chosen.is_empty() {
        errors.add("attendees", tr.t("entry-attendees-required"));
        return None;
    }
    Some(chosen)
}

/// Every active user and group as an attendee choice, `chosen` selected.
pub(super) fn attendee_choices(state: &AppState, tr: Tr, chosen: &[String]) -> Vec<OwnedChoice> {
    assignees::choices(state, tr, chosen)
}

/// `POST /calendar/entries`: plans an entry, the viewer its organizer.
pub async fn schedule(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let form = EntryForm::of(&pairs);
    let mut errors = FormErrors::default();
    let title = Label::parse("title", &form.title)
        .map_err(|_| errors.add("title", tr.t("form-required-line")))
        .ok();
    let location = Label::parse_optional("location", Some(&form.location))
        .map_err(|_| errors.add("location", tr.t("form-one-line")))
        .ok();
    let times = times(&form, tr, &mut errors);
    let attendees = attendees_of(&form, tr, &mut errors);
    let remind = reminder_of(&form, tr, &mut errors);
    let (Some(title), Some(location), Some((starts_at, ends_at)), Some(attendees), Some(remind)) =
        (title, location, times, attendees, remind)
    else {
        return super::calendar::render_week(&state, &viewer, &pairs, Some((form, errors))).await;
    };
    let command_id = forms::command_id(&state.app, &form.command);
    let id = CalendarEntryId::from_uuid(derived(command_id, b"calendar-entry"));
    let command = CalendarCommand::Schedule(ScheduleCalendarEntry {
        title,
        starts_at,
        ends_at,
        attendees,
        location,
        link: None,
        remind_before_minutes: remind,
    });
    let run = app::Run {
        command_id,
        expected_version: None,
    };
    let done = forms::execute_as::<CalendarEntry, _>(&state, &viewer, run, id, command).await;
    match done {
        Ok(executed) => {
            forms::redirect_after(
                &state,
                executed.last_position,
                &format!("/calendar/entries/{id}"),
            )
            .await
        }
        Err(error) => {
            let errors = FormErrors::from_command(
                tr,
                &error,
                &[("ends_at", "end"), ("attendees", "attendees")],
            );
            super::calendar::render_week(&state, &viewer, &pairs, Some((form, errors))).await
        }
    }
}

// ------------------------------------------------------------ one entry

#[derive(Template, WebTemplate)]
#[template(path = "calendar_entry.html")]
pub struct EntryPage {
    page: Page,
    id: String,
    when: String,
    status: String,
    scheduled: bool,
    completed: bool,
    attendee_names: String,
    week_href: String,
    attendees: Vec<OwnedChoice>,
    reminders: Vec<OwnedChoice>,
    /// The reminder as it stands, in words; blank for none.
    reminder: String,
    can_edit: bool,
    form: EntryForm,
    failed: String,
    errors: FormErrors,
    command: String,
}

fn readable(
    state: &AppState,
    viewer: &Viewer,
    raw: &str,
) -> Option<(CalendarEntryId, CalendarEntryState)> {
    let id: CalendarEntryId =
        super::readable_id(state, viewer, raw, app::access::Kind::CalendarEntry)?;
    let (entry, _) = state.app.load::<CalendarEntry>(id).ok()?;
    entry.map(|entry| (id, entry))
}

fn render(
    state: &AppState,
    viewer: &Viewer,
    raw: &str,
    failed: Option<(&str, EntryForm, FormErrors)>,
) -> Response {
    let Some((id, entry)) = readable(state, viewer, raw) else {
        return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    };
    let mut page = Page::new(
        viewer,
        Section::Tasks,
        "entry-title",
        format!("/calendar/entries/{id}"),
    );
    let tr = page.tr;
    let lang = tr.lang;
    page.title = entry.title.clone();
    let names: Vec<String> = entry
        .attendees
        .iter()
        .map(|attendee| assignees::name(state, tr, *attendee))
        .collect();
    let (failed, form, errors) = match failed {
        Some((failed, form, errors)) => (failed.to_owned(), form, errors),
        None => (
            String::new(),
            EntryForm::current(&entry),
            FormErrors::default(),
        ),
    };
    let attendees = attendee_choices(state, tr, &form.attendees);
    let command = forms::command_id(&state.app, &form.command).to_string();
    let status = errors.status();
    let page = EntryPage {
        page,
        id: id.to_string(),
        when: format!(
            "{} – {}",
            format::date_time(lang, entry.starts_at),
            format::date_time(lang, entry.ends_at)
        ),
        status: tr.t(match entry.status {
            CalendarEntryStatus::Scheduled => "entry-scheduled",
            CalendarEntryStatus::Completed => "entry-completed",
            CalendarEntryStatus::Cancelled => "entry-cancelled",
        }),
        scheduled: entry.status == CalendarEntryStatus::Scheduled,
        completed: entry.status == CalendarEntryStatus::Completed,
        attendee_names: names.join(", "),
        week_href: format!("/calendar?week={}", entry.starts_at.date_naive()),
        attendees,
        reminders: reminder_choices(tr, &form.remind),
        reminder: entry
            .remind_before_minutes
            .map(|minutes| reminder_label(tr, minutes))
            .unwrap_or_default(),
        can_edit: viewer.allows(Module::Planning, Action::Edit),
        form,
        failed,
        errors,
        command,
    };
    (status, page).into_response()
}

/// `GET /calendar/entries/{id}`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Response {
    render(&state, &viewer, &raw, None)
}

/// `POST /calendar/entries/{id}/{reschedule,edit,attendees,reminder,complete,reopen,cancel}`.
pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((raw, action)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let Some((id, _)) = readable(&state, &viewer, &raw) else {
        return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    };
    let form = EntryForm::of(&pairs);
    let mut errors = FormErrors::default();
    let command = match action.as_str() {
        "reschedule" => times(&form, tr, &mut errors)
            .map(|(starts_at, ends_at)| CalendarCommand::Reschedule { starts_at, ends_at }),
        "edit" => {
            let title = Label::parse("title", &form.title)
                .map_err(|_| errors.add("title", tr.t("form-required-line")))
                .ok();
            let location = Label::parse_optional("location", Some(&form.location))
                .map_err(|_| errors.add("location", tr.t("form-one-line")))
                .ok();
            title
                .zip(location)
                .map(|(title, location)| CalendarCommand::Edit { title, location })
        }
        "attendees" => attendees_of(&form, tr, &mut errors)
            .map(|attendees| CalendarCommand::ChangeAttendees { attendees }),
        "reminder" => reminder_of(&form, tr, &mut errors).map(|remind_before_minutes| {
            CalendarCommand::SetReminder {
                remind_before_minutes,
            }
        }),
        "complete" => Some(CalendarCommand::Complete),
        "reopen" => Some(CalendarCommand::Reopen),
        "cancel" => Label::parse_optional("reason", Some(&form.reason))
            .map_err(|_| errors.add("reason", tr.t("form-one-line")))
            .ok()
            .map(|reason| CalendarCommand::Cancel { reason }),
        _ => return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found"),
    };
    let Some(command) = command.filter(|_| errors.is_empty()) else {
        return render(&state, &viewer, &raw, Some((&action, form, errors)));
    };
    let run = app::Run {
        command_id: uuid::Uuid::new_v5(
            &forms::command_id(&state.app, &form.command),
            action.as_bytes(),
        ),
        expected_version: None,
    };
    let done = forms::execute_as::<CalendarEntry, _>(&state, &viewer, run, id, command).await;
    match done {
        Ok(executed) => {
            forms::redirect_after(
                &state,
                executed.last_position,
                &format!("/calendar/entries/{id}"),
            )
            .await
        }
        Err(error) => {
            let mut errors = FormErrors::from_command(
                tr,
                &error,
                &[
                    ("ends_at", "end"),
                    ("attendees", "attendees"),
                    ("remind_before_minutes", "remind"),
                ],
            );
            if let Some(message) = errors.form.take() {
                errors.form = Some(message);
            }
            render(&state, &viewer, &raw, Some((&action, form, errors)))
        }
    }
}
