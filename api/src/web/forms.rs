//! What every form of the UI shares: errors shown next to their field,
//! a command id carried by the form so a second click runs nothing twice,
//! and the redirect after a successful POST that waits for the read
//! models, so the page it lands on already shows the change.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::error::DomainError;
use uuid::Uuid;

use super::i18n::Tr;
use crate::AppState;
use app::commands::CommandError;

/// How long a redirect waits for the read models to reach a write.
const READ_MODEL_WAIT_MILLIS_MAX: u64 = 5_000;

/// A choice of a `<select>`.
#[derive(Debug)]
pub struct Choice {
    pub value: &'static str,
    pub label: String,
    pub selected: bool,
}

/// The moment a form's day and time fields name (`default` hour and
/// minute when only the day is given), in UTC as the read models' days;
/// `None` when both are blank; `Err` when the day or the time does not
/// parse, or a time comes without a day.
pub fn moment(
    day: &str,
    time: &str,
    default: (u32, u32),
) -> Result<Option<chrono::DateTime<chrono::Utc>>, ()> {
    use chrono::{NaiveDate, NaiveTime};
    let (day, time) = (day.trim(), time.trim());
    if day.is_empty() {
        return if time.is_empty() { Ok(None) } else { Err(()) };
    }
    let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| ())?;
    let time = match time {
        "" => NaiveTime::from_hms_opt(default.0, default.1, 0).ok_or(())?,
        text => NaiveTime::parse_from_str(text, "%H:%M")
            .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M:%S"))
            .map_err(|_| ())?,
    };
    Ok(Some(day.and_time(time).and_utc()))
}

/// A choice whose value is an id or a name (a customer, a warehouse, a
/// pipeline), not a stable code.
#[derive(Debug)]
pub struct OwnedChoice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The choices of a select over stable codes, each labelled by
/// `<prefix>-<code>` in the catalogue.
pub fn choices(tr: Tr, prefix: &str, codes: &[&'static str], selected: &str) -> Vec<Choice> {
    codes
        .iter()
        .map(|code| Choice {
            value: code,
            label: tr.t(&format!("{prefix}-{}", code.replace('_', "-"))),
            selected: *code == selected,
        })
        .collect()
}

/// Errors of one submitted form: per field, already translated, and one
/// for the form as a whole.
#[derive(Debug, Default)]
pub struct FormErrors {
    fields: Vec<(&'static str, String)>,
    pub form: Option<String>,
}

impl FormErrors {
    /// The status a page shown with these errors answers: 200 when there
    /// are none, else 422 (the form is shown again to be fixed).
    pub fn status(&self) -> axum::http::StatusCode {
        if self.is_empty() {
            axum::http::StatusCode::OK
        } else {
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        }
    }

    pub fn add(&mut self, field: &'static str, message: String) {
        if self.get(field).is_none() {
            self.fields.push((field, message));
        }
    }

    /// Removes the error of `field` and gives it back.
    pub fn take(&mut self, field: &str) -> Option<String> {
        let index = self.fields.iter().position(|(name, _)| *name == field)?;
        Some(self.fields.remove(index).1)
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, message)| message.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.form.is_none()
    }

    /// Files a command's error: a bad field next to the form field it came
    /// from (`fields` maps a prefix of the domain's field path to the
    /// form's field), anything else at the top of the form. Messages come
    /// from the catalogue; the domain's own English text is not shown.
    pub fn from_command(
        tr: Tr,
        error: &CommandError,
        fields: &[(&str, &'static str)],
    ) -> FormErrors {
        let mut errors = FormErrors::default();
        match error {
            CommandError::Domain(DomainError::Invalid { field, .. }) => {
                match fields.iter().find(|(prefix, _)| field.starts_with(prefix)) {
                    Some((_, form_field)) => errors.add(form_field, tr.t("form-invalid")),
                    None => errors.form = Some(tr.t("form-invalid")),
                }
            }
            CommandError::Domain(DomainError::Rejected { rule, .. }) => {
                errors.form = Some(tr.t1("form-rejected", "rule", rule));
            }
            CommandError::Domain(DomainError::NotFound { .. }) => {
                errors.form = Some(tr.t("form-not-found"));
            }
            CommandError::Conflict { .. } | CommandError::Contended => {
                errors.form = Some(tr.t("form-conflict"));
            }
            CommandError::Forbidden { .. } => {
                errors.form = Some(tr.t("refused-forbidden"));
            }
            other => {
                tracing::error!(error = %other, "a form's command failed");
                errors.form = Some(tr.t("form-failed"));
            }
        }
        errors
    }
}

/// The command id a form carried (rendered into it as a hidden field), or
/// a fresh one: submitting the same form twice then runs its command once.
///
/// Only a v7 id from the last week (or a minute ahead, for clock skew) is
/// taken. Its time prefix goes into the command's event ids, and the event
/// log groups ids by that prefix: a forged prefix shared by many commands
/// would make one index bucket grow without bound.
pub fn command_id(app: &app::App, raw: &str) -> Uuid {
    kept_command_id(raw, app.now()).unwrap_or_else(|| app.new_id())
}

/// The command id `raw`, if it is one rendered into a form recently
/// before `now`.
fn kept_command_id(raw: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Uuid> {
    raw.parse::<Uuid>()
        .ok()
        .filter(|id| rendered_recently(*id, now))
}

const FORM_COMMAND_AGE_MAX: chrono::TimeDelta = chrono::TimeDelta::days(7);
const FORM_COMMAND_SKEW_MAX: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

fn rendered_recently(id: Uuid, now: chrono::DateTime<chrono::Utc>) -> bool {
    let Some((seconds, nanos)) = id.get_timestamp().map(|at| at.to_unix()) else {
        return false;
    };
    let Some(at) = i64::try_from(seconds)
        .ok()
        .and_then(|seconds| chrono::DateTime::from_timestamp(seconds, nanos))
    else {
        return false;
    };
    id.get_version_num() == 7
        && at <= now + FORM_COMMAND_SKEW_MAX
        && now - at <= FORM_COMMAND_AGE_MAX
}

/// After a write at `position`: waits (a bounded time) until every read
/// model has folded it, then sends the browser to `location` with
/// 303 See Other, so reloading the page does not post again.
pub async fn redirect_after(state: &AppState, position: Option<u64>, location: &str) -> Response {
    if let Some(position) = position {
        let waited = tokio::time::timeout(
            Duration::from_millis(READ_MODEL_WAIT_MILLIS_MAX),
            state.read_models.wait_for(position),
        )
        .await;
        match waited {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::error!(%error, "a read model stopped"),
            Err(_) => tracing::warn!(position, "the read models are behind a UI write"),
        }
    }
    match HeaderValue::from_str(location) {
        Ok(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// A moment as a `datetime-local` field sends it (UTC, the business time
/// zone), or in RFC 3339.
pub fn parse_moment(raw: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let raw = raw.trim();
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|layout| chrono::NaiveDateTime::parse_from_str(raw, layout).ok())
        .map(|moment| moment.and_utc())
        .or_else(|| {
            chrono::DateTime::parse_from_rfc3339(raw)
                .ok()
                .map(|moment| moment.with_timezone(&chrono::Utc))
        })
}

/// Runs one command of aggregate `D` as the viewer (`App::execute`, which
/// checks them against the record and every record the command names):
/// the tail every form that changes one record shares.
pub async fn execute_as<D, C>(
    state: &crate::AppState,
    viewer: &super::Viewer,
    run: app::Run,
    id: impl Into<Uuid>,
    command: C,
) -> Result<app::commands::Executed, CommandError>
where
    D: app::guarded::Guarded + domain::Decider<Command = domain::Issued<C>, Error = DomainError>,
    D::Event: domain::DomainEvent,
    D::State: Send + 'static,
    C: app::guarded::Guard,
{
    let caller = viewer.caller()?;
    state
        .app
        .execute::<D, C>(&caller, run, id, command, None)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::Lang;

    fn v7_at(at: chrono::DateTime<chrono::Utc>) -> Uuid {
        let seconds = u64::try_from(at.timestamp()).unwrap();
        Uuid::new_v7(uuid::Timestamp::from_unix(
            uuid::NoContext,
            seconds,
            at.timestamp_subsec_nanos(),
        ))
    }

    /// Protects retries and the event-id index: a form's recent v7
    /// command id is kept (a second submission is a repeat); a stale, future
    /// or timeless one is replaced, so a client cannot choose the time
    /// prefix its events' ids share.
    #[test]
    fn a_form_keeps_only_a_recent_v7_command_id() {
        let now = chrono::Utc::now();
        let recent = v7_at(now - chrono::TimeDelta::hours(3));
        assert_eq!(kept_command_id(&recent.to_string(), now), Some(recent));
        for refused in [
            v7_at(now - chrono::TimeDelta::days(8)),
            v7_at(now + chrono::TimeDelta::hours(1)),
            v7_at(chrono::DateTime::UNIX_EPOCH),
            Uuid::new_v5(&Uuid::NAMESPACE_OID, b"forged"),
            Uuid::nil(),
            Uuid::max(),
        ] {
            assert_eq!(kept_command_id(&refused.to_string(), now), None);
        }
        assert_eq!(kept_command_id("not an id", now), None);
    }

    /// A bad field of a command lands next to the form field it came from;
    /// a broken rule stands above the form with its code: it protects
    /// where users see why nothing was saved.
    #[test]
    fn command_errors_land_next_to_their_form_field_or_above_the_form() {
        let tr = Tr::new(Lang::En);
        let invalid =
            CommandError::Domain(DomainError::invalid("kind.duration_seconds", "too long"));
        let errors = FormErrors::from_command(tr, &invalid, &[("kind.duration", "minutes")]);
        assert!(errors.get("minutes").is_some());
        assert!(errors.form.is_none());

        let rejected = CommandError::Domain(DomainError::rejected("deal.closed", "closed"));
        let errors = FormErrors::from_command(tr, &rejected, &[]);
        assert!(
            errors
                .form
                .as_deref()
                .is_some_and(|text| text.contains("deal.closed"))
        );

        let conflict = CommandError::Conflict {
            expected: 1,
            actual: Some(2),
        };
        let errors = FormErrors::from_command(tr, &conflict, &[]);
        assert_eq!(errors.form, Some(tr.t("form-conflict")));
    }

    /// Only the first error of a field is kept, so a field shows one
    /// message.
    #[test]
    fn a_field_keeps_its_first_error() {
        let mut errors = FormErrors::default();
        errors.add("title", "first".to_owned());
        errors.add("title", "second".to_owned());
        assert_eq!(errors.get("title"), Some("first"));
        assert!(!errors.is_empty());
    }
}
