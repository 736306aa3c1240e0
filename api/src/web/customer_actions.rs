//! What the customer card changes: log a call, email, meeting or note in
//! one step, and create a task about the customer. Each is a plain POST
//! form on the card; a success redirects back to the card once the
//! timeline holds the new entry, a failure shows the card again with what
//! was typed and the error next to its field.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{NaiveDate, NaiveTime};
use domain::ids::{PartyId, UserId};
use domain::interactions::{
    CallOutcome, Direction, Interaction, InteractionCommand, InteractionKind, LogInteraction,
};
use domain::planning::{Assignee, CreateTask, Link, Priority, Task, TaskCommand};
use domain::values::{Label, Text};
use domain::{Decider, DomainError, DomainEvent, Issued};
use serde::Deserialize;

use super::Viewer;
use super::customers::render_card;
use super::forms::{self, FormErrors};
use super::i18n::Tr;
use crate::AppState;

/// The kinds of interaction the form offers, by code.
pub const KIND_CODES: [&str; 4] = ["call", "email", "meeting", "note"];
/// Directions of a call or an email, by code.
pub const DIRECTION_CODES: [&str; 2] = ["outbound", "inbound"];
/// How a call ended, by code.
pub const OUTCOME_CODES: [&str; 5] = [
    "connected",
    "no_answer",
    "busy",
    "left_voicemail",
    "wrong_number",
];
/// Task priorities, by code.
pub const PRIORITY_CODES: [&str; 4] = ["low", "normal", "high", "urgent"];

/// The "log an interaction" form as typed.
#[derive(Clone, Debug, Deserialize)]
pub struct LogForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub direction: String,
    #[serde(default)]
    pub minutes: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub body: String,
    /// How a call ended, by code.
    #[serde(default)]
    pub outcome: String,
    /// A link to the call's recording.
    #[serde(default)]
    pub recording_url: String,
    /// Where a meeting took place.
    #[serde(default)]
    pub location: String,
    /// When it happened, if earlier than now: a day and a time (UTC, the
    /// business time of the read models).
    #[serde(default)]
    pub occurred_on: String,
    #[serde(default)]
    pub occurred_time: String,
    #[serde(default)]
    pub command: String,
}

impl LogForm {
    /// An empty form carrying command id `command`.
    pub fn blank(command: uuid::Uuid) -> Self {
        Self {
            kind: "call".to_owned(),
            direction: "outbound".to_owned(),
            minutes: String::new(),
            subject: String::new(),
            body: String::new(),
            outcome: "connected".to_owned(),
            recording_url: String::new(),
            location: String::new(),
            occurred_on: String::new(),
            occurred_time: String::new(),
            command: command.to_string(),
        }
    }
}

/// When an earlier interaction happened, if its day is given alone.
const NOON: (u32, u32) = (12, 0);

/// The "create a task" form as typed.
#[derive(Clone, Debug, Deserialize)]
pub struct TaskForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub due: String,
    #[serde(default)]
    pub priority: String,
    #[serde(default)]
    pub command: String,
}

impl TaskForm {
    /// An empty form carrying command id `command`.
    pub fn blank(command: uuid::Uuid) -> Self {
        Self {
            title: String::new(),
            due: String::new(),
            priority: "normal".to_owned(),
            command: command.to_string(),
        }
    }
}

/// What the card shows in its two forms.
#[derive(Debug)]
pub struct CardForms {
    pub log: LogForm,
    pub log_errors: FormErrors,
    pub task: TaskForm,
    pub task_errors: FormErrors,
    /// The erase form (administrators): its reason and command id.
    pub erase: EraseShown,
    pub erase_error: Option<String>,
    /// The card's edit form that failed, if one did.
    pub edit: Option<super::customer_edit::EditShown>,
    /// The command id every edit form carries; each form's own derives
    /// from it and what the form changes.
    pub edit_command: String,
    /// The "open a deal" form.
    pub deal: super::customer_deal::DealForm,
    pub deal_errors: FormErrors,
}

/// The erase form as shown.
#[derive(Debug)]
pub struct EraseShown {
    pub reason: String,
    pub command: String,
}

impl CardForms {
    /// Empty forms, each with a fresh command id from `app`.
    pub fn blank(app: &app::App) -> Self {
        Self {
            log: LogForm::blank(app.new_id()),
            log_errors: FormErrors::default(),
            task: TaskForm::blank(app.new_id()),
            task_errors: FormErrors::default(),
            erase: EraseShown {
                reason: "request".to_owned(),
                command: app.new_id().to_string(),
            },
            erase_error: None,
            edit: None,
            edit_command: app.new_id().to_string(),
            deal: super::customer_deal::DealForm::blank(app.new_id()),
            deal_errors: FormErrors::default(),
        }
    }

    /// The error of `field` in the failed edit form `action`.
    pub fn edit_error(&self, action: &str, field: &str) -> Option<&str> {
        self.edit
            .as_ref()
            .filter(|shown| shown.is(action))
            .and_then(|shown| shown.errors.get(field))
    }

    /// The error of the failed edit form `action` as a whole (for the
    /// channel forms: about `channel`, or any when it is empty).
    pub fn edit_form_error(&self, action: &str, channel: &str) -> Option<&str> {
        self.edit
            .as_ref()
            .filter(|shown| {
                shown.is(action) && (channel.is_empty() || shown.form.channel == channel)
            })
            .and_then(|shown| shown.errors.form.as_deref())
    }

    /// The error of `field` of the failed form `action` about `channel`.
    pub fn channel_error(&self, action: &str, channel: &str, field: &str) -> Option<&str> {
        self.edit
            .as_ref()
            .filter(|shown| shown.is_about(action, channel))
            .and_then(|shown| shown.errors.get(field))
    }

    /// What was typed in the failed edit form `action`, field by field.
    pub fn typed(&self, action: &str) -> Option<&super::customer_edit::EditForm> {
        self.edit
            .as_ref()
            .filter(|shown| shown.is(action))
            .map(|shown| &shown.form)
    }
}

/// The form parsed into a command, or the errors of every field at once.
fn parse_log(
    tr: Tr,
    party: PartyId,
    form: &LogForm,
) -> Result<(LogInteraction, Option<chrono::DateTime<chrono::Utc>>), FormErrors> {
    let mut errors = FormErrors::default();
    let direction = Direction::from_code(&form.direction).unwrap_or(Direction::Outbound);
    let minutes = match form.minutes.trim() {
        "" => Some(0),
        text => text.parse::<u32>().ok(),
    };
    if minutes.is_none() {
        errors.add("minutes", tr.t("form-whole-number"));
    }
    let minutes = minutes.unwrap_or(0);
    let outcome = CallOutcome::from_code(&form.outcome);
    if form.kind == "call" && outcome.is_none() {
        errors.add("outcome", tr.t("form-choose"));
    }
    let optional_text = |raw: &str| {
        let raw = raw.trim();
        (!raw.is_empty()).then(|| raw.to_owned())
    };
    let location = Label::parse_optional("location", Some(&form.location));
    if location.is_err() {
        errors.add("location", tr.t("form-one-line"));
    }
    let occurred = forms::moment(&form.occurred_on, &form.occurred_time, NOON);
    if occurred.is_err() {
        errors.add("occurred_on", tr.t("form-date-time"));
    }
    let kind = match form.kind.as_str() {
        "call" => Some(InteractionKind::Call {
            direction,
            duration_seconds: minutes.saturating_mul(60),
            outcome: outcome.unwrap_or(CallOutcome::Connected),
            recording_url: optional_text(&form.recording_url),
        }),
        "email" => Some(InteractionKind::Email { direction }),
        "meeting" => Some(InteractionKind::Meeting {
            duration_minutes: minutes,
            location: location
                .clone()
                .ok()
                .flatten()
                .map(|label| label.as_str().to_owned()),
        }),
        "note" => Some(InteractionKind::Note),
        _ => None,
    };
    if kind.is_none() {
        errors.add("kind", tr.t("form-choose"));
    }
    let subject = Label::parse_optional("subject", Some(&form.subject));
    if subject.is_err() {
        errors.add("subject", tr.t("form-one-line"));
    }
    let body = Text::parse("body", &form.body);
    if body.is_err() {
        errors.add("body", tr.t("form-too-long"));
    }
    // The recording link is checked as the decider checks it, so its
    // error shows next to its field before anything is sent.
    let kind = match kind.map(InteractionKind::parse) {
        Some(Ok(kind)) => Some(kind),
        Some(Err(DomainError::Invalid { field, .. })) => {
            let form_field = if field.contains("recording") {
                "recording_url"
            } else {
                "minutes"
            };
            errors.add(form_field, tr.t("form-invalid"));
            None
        }
        Some(Err(_)) | None => None,
    };
    match (kind, subject, body, occurred) {
        (Some(kind), Ok(subject), Ok(body), Ok(occurred)) if errors.is_empty() => Ok((
            LogInteraction {
                party,
                deal: None,
                kind,
                subject,
                body,
            },
            occurred,
        )),
        _ => Err(errors),
    }
}

fn parse_task(
    tr: Tr,
    party: PartyId,
    form: &TaskForm,
    by: UserId,
) -> Result<CreateTask, FormErrors> {
    let mut errors = FormErrors::default();
    let title = Label::parse("title", &form.title);
    if title.is_err() {
        errors.add("title", tr.t("form-required-line"));
    }
    let due = match form.due.trim() {
        "" => Ok(None),
        text => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            // Due by the end of the business day (UTC, as the read models).
            .map(|day| {
                Some(
                    day.and_time(NaiveTime::from_hms_opt(23, 59, 0).unwrap_or_default())
                        .and_utc(),
                )
            })
            .map_err(|_| ()),
    };
    if due.is_err() {
        errors.add("due", tr.t("form-date"));
    }
    let priority = Priority::from_code(&form.priority);
    if priority.is_none() {
        errors.add("priority", tr.t("form-choose"));
    }
    match (title, due, priority) {
        (Ok(title), Ok(due), Some(priority)) => Ok(CreateTask {
            title,
            description: Text::default(),
            // A task made on the card is for the one who makes it.
            assignee: Assignee::User(by),
            due,
            remind_at: None,
            priority,
            link: Some(Link::Party(party)),
        }),
        _ => Err(errors),
    }
}

/// The customer a form was posted for, if they exist.
pub(super) fn known_party(state: &AppState, id: &str) -> Option<PartyId> {
    let id = id.parse::<PartyId>().ok()?;
    state
        .read_models
        .customers
        .read(|customers| customers.resolve(id).map(|row| row.id))
}

/// One of the card's forms: what it parses into, which aggregate its
/// command creates, and how it is shown again after a failure.
trait CardForm: Sized {
    /// The command the form parses into.
    type Command: app::guarded::Guard + Send + Sync + 'static;
    /// The decider of the aggregate the command creates; its id is the
    /// form's command id, so a resubmitted form creates nothing twice.
    type Decider: app::guarded::Guarded
        + Decider<Command = Issued<Self::Command>, Error = DomainError>;
    /// Where a command error's field path shows on the form.
    const FIELD_OF_PATH: &'static [(&'static str, &'static str)];

    /// The command id the form was rendered with.
    fn command_id_text(&self) -> &str;
    /// The command, and when it happened if earlier than now.
    fn parse(
        &self,
        tr: Tr,
        party: PartyId,
        by: UserId,
    ) -> Result<(Self::Command, Option<chrono::DateTime<chrono::Utc>>), FormErrors>;
    /// The card's forms with this one as typed and its errors.
    fn shown_again(self, app: &app::App, errors: FormErrors) -> CardForms;
}

impl CardForm for LogForm {
    type Command = InteractionCommand;
    type Decider = Interaction;
    const FIELD_OF_PATH: &'static [(&'static str, &'static str)] = &[
        ("kind.duration", "minutes"),
        ("kind.recording", "recording_url"),
        ("subject", "subject"),
        ("body", "body"),
        ("occurred_at", "occurred_on"),
    ];

    fn command_id_text(&self) -> &str {
        &self.command
    }

    fn parse(
        &self,
        tr: Tr,
        party: PartyId,
        _by: UserId,
    ) -> Result<(InteractionCommand, Option<chrono::DateTime<chrono::Utc>>), FormErrors> {
        parse_log(tr, party, self).map(|(log, occurred)| (InteractionCommand::Log(log), occurred))
    }

    fn shown_again(self, app: &app::App, errors: FormErrors) -> CardForms {
        CardForms {
            log: self,
            log_errors: errors,
            ..CardForms::blank(app)
        }
    }
}

impl CardForm for TaskForm {
    type Command = TaskCommand;
    type Decider = Task;
    const FIELD_OF_PATH: &'static [(&'static str, &'static str)] =
        &[("title", "title"), ("due", "due"), ("remind", "due")];

    fn command_id_text(&self) -> &str {
        &self.command
    }

    fn parse(
        &self,
        tr: Tr,
        party: PartyId,
        by: UserId,
    ) -> Result<(TaskCommand, Option<chrono::DateTime<chrono::Utc>>), FormErrors> {
        parse_task(tr, party, self, by).map(|task| (TaskCommand::Create(task), None))
    }

    fn shown_again(self, app: &app::App, errors: FormErrors) -> CardForms {
        CardForms {
            task: self,
            task_errors: errors,
            ..CardForms::blank(app)
        }
    }
}

/// Runs a card form: its command, then back to the card's timeline; or
/// the card again with the form as typed and each error next to its field.
async fn submit<F>(state: &AppState, viewer: Viewer, id: &str, form: F) -> Response
where
    F: CardForm,
    <F::Decider as Decider>::Event: DomainEvent,
    <F::Decider as Decider>::State: Send + 'static,
{
    let tr = Tr::new(viewer.lang);
    let Some(party) = known_party(state, id) else {
        return render_card(
            state,
            viewer.clone(),
            id,
            CardForms::blank(&state.app),
            StatusCode::NOT_FOUND,
        )
        .await;
    };
    let (command, occurred) = match form.parse(tr, party, viewer.user()) {
        Ok(parsed) => parsed,
        Err(errors) => {
            let forms = form.shown_again(&state.app, errors);
            return render_card(
                state,
                viewer.clone(),
                id,
                forms,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let command_id = forms::command_id(&state.app, form.command_id_text());
    let run = app::Run {
        command_id,
        expected_version: None,
    };
    let result = match viewer.caller() {
        Ok(caller) => {
            state
                .app
                .execute::<F::Decider, _>(&caller, run, command_id, command, occurred)
                .await
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(executed) => {
            let location = format!("/customers/{party}#timeline-heading");
            forms::redirect_after(state, executed.last_position, &location).await
        }
        Err(error) => {
            let errors = FormErrors::from_command(tr, &error, F::FIELD_OF_PATH);
            let forms = form.shown_again(&state.app, errors);
            render_card(
                state,
                viewer.clone(),
                id,
                forms,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// `POST /customers/{id}/interactions`.
pub async fn log_interaction(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<LogForm>,
) -> Response {
    submit(&state, viewer.clone(), &id, form).await
}

/// `POST /customers/{id}/tasks`.
pub async fn create_task(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<TaskForm>,
) -> Response {
    submit(&state, viewer.clone(), &id, form).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::web::i18n::Lang;

    /// Every bad field is reported at once, so one round trip shows all
    /// that needs fixing.
    #[test]
    fn a_log_form_reports_every_bad_field_together() {
        let form = LogForm {
            kind: "fax".to_owned(),
            minutes: "ten".to_owned(),
            subject: "a".repeat(300),
            ..LogForm::blank(uuid::Uuid::now_v7())
        };
        let errors = parse_log(
            Tr::new(Lang::En),
            PartyId::from_uuid(uuid::Uuid::nil()),
            &form,
        )
        .unwrap_err();
        for field in ["kind", "minutes", "subject"] {
            assert!(errors.get(field).is_some(), "{field} has an error");
        }
        assert!(errors.get("body").is_none());
    }

    /// An earlier day and time become the interaction's business time;
    /// a day alone means noon; a time without a day, or a bad one, is an
    /// error on the day's field; a bad recording link on its own.
    #[test]
    fn an_earlier_time_and_a_recording_link_are_read_from_the_form() {
        let form = LogForm {
            occurred_on: "2026-03-02".to_owned(),
            occurred_time: "09:30".to_owned(),
            outcome: "no_answer".to_owned(),
            recording_url: "https://pbx.example/rec/1.mp3".to_owned(),
            ..LogForm::blank(uuid::Uuid::now_v7())
        };
        let (log, occurred) = parse_log(
            Tr::new(Lang::En),
            PartyId::from_uuid(uuid::Uuid::nil()),
            &form,
        )
        .unwrap();
        assert_eq!(
            occurred.map(|at| at.to_rfc3339()),
            Some("2026-03-02T09:30:00+00:00".to_owned())
        );
        assert!(matches!(
            log.kind,
            InteractionKind::Call {
                outcome: CallOutcome::NoAnswer,
                recording_url: Some(_),
                ..
            }
        ));
        assert_eq!(
            forms::moment("2026-03-02", "", NOON)
                .unwrap()
                .map(|at| at.to_rfc3339()),
            Some("2026-03-02T12:00:00+00:00".to_owned())
        );
        for (day, time) in [("", "09:30"), ("2 March", ""), ("2026-03-02", "half past")] {
            assert!(forms::moment(day, time, NOON).is_err(), "{day:?} {time:?}");
        }
        let bad_link = LogForm {
            recording_url: "ftp://pbx/1".to_owned(),
            ..LogForm::blank(uuid::Uuid::now_v7())
        };
        let errors = parse_log(
            Tr::new(Lang::En),
            PartyId::from_uuid(uuid::Uuid::nil()),
            &bad_link,
        )
        .unwrap_err();
        assert!(errors.get("recording_url").is_some());
    }

    /// A call's minutes become the call's seconds.
    #[test]
    fn a_call_of_five_minutes_lasts_three_hundred_seconds() {
        let form = LogForm {
            minutes: "5".to_owned(),
            ..LogForm::blank(uuid::Uuid::now_v7())
        };
        let (log, occurred) = parse_log(
            Tr::new(Lang::En),
            PartyId::from_uuid(uuid::Uuid::nil()),
            &form,
        )
        .unwrap();
        assert_eq!(occurred, None, "now, unless a day is given");
        assert!(matches!(
            log.kind,
            InteractionKind::Call {
                duration_seconds: 300,
                ..
            }
        ));
    }
}
