//! The audit trail for auditors: the log's events filtered by entity,
//! module, event type, actor and a time range (recorded or business
//! time), oldest first, each with its envelope, its payload as a readable
//! list of fields (an event is itself the change it records) and its
//! chained hash; links to the CSV and JSON Lines exports of the same
//! filter; the last verification of the hash chain with a button that
//! runs one; and from every event, the sales report as known right after
//! it.
//!
//! The query is the application's ([`app::audit::Trail`]), the API's too:
//! this module only reads the form, names bad fields next to themselves
//! with what was typed, and formats what the trail answers.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Duration, Months, SubsecRound, Timelike, Utc};
use domain::events::CrmEvent;
use eventlog::{Actor, StreamName};
use serde::Deserialize;

use super::Viewer;
use super::format;
use super::forms::{Choice, FormErrors, choices, redirect_after};
use super::i18n::{Lang, Tr};
use super::{Page, Section, query_string};
use crate::AppState;
use app::audit::{ActorFilter, Trail};
use app::commands::CommandError;
use domain::DomainError;

use crate::http::audit::{TimeKind, TrailEvent, TrailQuery, Verification, Verifications};

/// Events in a page of the table.
const AUDIT_PAGE_EVENTS: usize = 50;
/// Characters of a payload value shown in the table; the exports carry
/// the whole value.
const PAYLOAD_VALUE_CHARS_MAX: usize = 200;
/// Hex digits of a record's hash shown in the table.
const HASH_SHOWN_CHARS: usize = 12;
/// The codes of the time select.
const TIME_CODES: [&str; 2] = ["recorded", "occurred"];

/// The filter form as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct AuditForm {
    #[serde(default)]
    entity: String,
    #[serde(default)]
    module: String,
    #[serde(default)]
    event_type: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    time: String,
    /// The last position of the previous page.
    #[serde(default)]
    after: String,
}

impl AuditForm {
    /// The form's filters as a query string, without the page.
    fn query(&self) -> String {
        query_string(&[
            ("entity", &self.entity),
            ("module", &self.module),
            ("event_type", &self.event_type),
            ("actor", &self.actor),
            ("from", &self.from),
            ("to", &self.to),
            ("time", &self.time),
        ])
    }
}

/// Reads the form into the API's trail query; every bad field is
/// reported at once, next to itself.
fn parse_form(tr: Tr, form: &AuditForm) -> Result<TrailQuery, FormErrors> {
    let mut errors = FormErrors::default();
    let typed = |raw: &str| Some(raw.trim().to_owned()).filter(|text| !text.is_empty());
    let stream = typed(&form.entity);
    if let Some(stream) = &stream
        && StreamName::parse(stream.as_str()).is_err()
    {
        errors.add("entity", tr.t("audit-error-entity"));
    }
    let category = typed(&form.module);
    if let Some(category) = &category
        && !CrmEvent::CATEGORIES.contains(&category.as_str())
    {
        errors.add("module", tr.t("form-choose"));
    }
    let actor = typed(&form.actor);
    if let Some(actor) = &actor
        && ActorFilter::parse(actor).is_err()
    {
        errors.add("actor", tr.t("audit-error-actor"));
    }
    let mut moment = |field: &'static str, raw: &str| {
        let raw = typed(raw)?;
        let parsed = super::forms::parse_moment(&raw);
        if parsed.is_none() {
            errors.add(field, tr.t("audit-error-moment"));
        }
        parsed
    };
    let from = moment("from", &form.from);
    let to = moment("to", &form.to);
    if let (Some(from), Some(to)) = (from, to)
        && to <= from
    {
        errors.add("to", tr.t("audit-error-order"));
    }
    let time = match form.time.as_str() {
        "" | "recorded" => Some(TimeKind::Recorded),
        "occurred" => Some(TimeKind::Occurred),
        _ => None,
    };
    if time.is_none() {
        errors.add("time", tr.t("form-choose"));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(TrailQuery {
        stream,
        category,
        event_type: typed(&form.event_type),
        actor,
        from,
        to,
        time,
    })
}

/// The form's field a refusal of the trail query belongs to.
fn form_field(api_field: &str) -> Option<&'static str> {
    match api_field {
        "stream" => Some("entity"),
        "category" => Some("module"),
        "event_type" => Some("event_type"),
        "actor" => Some("actor"),
        "from" => Some("from"),
        "to" => Some("to"),
        _ => None,
    }
}

/// A payload as "field: value" lines: the top level's fields, each
/// value as text (a string as itself, anything nested as compact JSON),
/// cut at [`PAYLOAD_VALUE_CHARS_MAX`] characters. A payload that is not
/// an object is one line without a field name.
fn payload_fields(payload: &serde_json::Value) -> Vec<(String, String)> {
    let text = |value: &serde_json::Value| {
        let whole = match value {
            serde_json::Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        if whole.chars().count() > PAYLOAD_VALUE_CHARS_MAX {
            let mut cut: String = whole.chars().take(PAYLOAD_VALUE_CHARS_MAX).collect();
            cut.push('…');
            cut
        } else {
            whole
        }
    };
    match payload {
        serde_json::Value::Object(fields) => fields
            .iter()
            .map(|(name, value)| (name.clone(), text(value)))
            .collect(),
        other => vec![(String::new(), text(other))],
    }
}

/// How the actor filter names an actor.
fn actor_code(actor: &Actor) -> String {
    match actor {
        Actor::User { user_id, .. } => user_id.to_string(),
        Actor::System { process } => format!("system:{process}"),
    }
}

/// The UI page of a stream's entity, when it has one.
fn entity_url(stream: &StreamName) -> Option<String> {
    let id = uuid::Uuid::parse_str(stream.id()).ok()?;
    match stream.category() {
        "party" => Some(format!("/customers/{id}")),
        "order" => Some(format!("/orders/{id}")),
        _ => None,
    }
}

/// The sales report as known right after an event recorded at
/// `recorded_at`, over the month of its business day `occurred_at`. The
/// moment is rounded up to the second, the finest a `datetime-local`
/// field shows, so the event is in it.
fn known_at_url(recorded_at: DateTime<Utc>, occurred_at: DateTime<Utc>) -> String {
    let known_at = if recorded_at.nanosecond() == 0 {
        recorded_at
    } else {
        recorded_at.trunc_subsecs(0) + Duration::seconds(1)
    };
    let day = occurred_at.date_naive();
    let from = day.with_day(1).unwrap_or(day);
    let to = from
        .checked_add_months(Months::new(1))
        .map_or(day, |next| next - Duration::days(1));
    format!(
        "/reports?{}",
        query_string(&[
            (
                "known_at",
                &known_at.format("%Y-%m-%dT%H:%M:%S").to_string()
            ),
            ("from", &from.to_string()),
            ("to", &to.to_string()),
        ])
    )
}

/// An event of the table, every field formatted.
#[derive(Debug)]
pub struct EventView {
    pub position: u64,
    pub position_shown: String,
    pub recorded_at: String,
    pub occurred_at: String,
    /// Both moments whole (RFC 3339, to the microsecond), for `<time>`.
    pub recorded_at_exact: String,
    pub occurred_at_exact: String,
    pub module: String,
    pub entity: String,
    pub entity_url: Option<String>,
    pub event_type: String,
    pub actor: String,
    pub fields: Vec<(String, String)>,
    pub hash: String,
    pub hash_short: String,
    pub known_at_url: String,
}

/// The table of a page of the trail.
#[derive(Debug)]
pub struct TrailView {
    pub events: Vec<EventView>,
    pub next_url: Option<String>,
    pub csv_url: String,
    pub jsonl_url: String,
}

/// The last verification as the panel shows it.
#[derive(Debug)]
pub struct VerificationView {
    pub intact: bool,
    pub status: String,
    pub checked_at: String,
    pub records: String,
    pub head_position: Option<String>,
    pub head_hash: Option<String>,
    pub first_bad_position: Option<String>,
    pub problem: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
pub struct AuditPage {
    page: Page,
    form: AuditForm,
    errors: FormErrors,
    modules: Vec<Choice>,
    times: Vec<Choice>,
    trail: Option<TrailView>,
    verification: Option<VerificationView>,
    /// When the background verification now running began.
    running_since: Option<String>,
}

/// How long "Verify now" waits for the verification before answering: a
/// small log's result is shown at once, a large one runs on.
const VERIFY_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

fn position_text(lang: Lang, position: u64) -> String {
    format::integer(lang, i64::try_from(position).unwrap_or(i64::MAX))
}

fn module_label(tr: Tr, category: &str) -> String {
    if CrmEvent::CATEGORIES.contains(&category) {
        tr.t(&format!("audit-module-{category}"))
    } else {
        category.to_owned()
    }
}

fn exact(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn event_view(tr: Tr, event: &eventlog::RecordedEvent) -> EventView {
    let lang = tr.lang;
    let trail = TrailEvent::of(event);
    EventView {
        position: event.position,
        position_shown: position_text(lang, event.position),
        recorded_at: format::date_time(lang, event.recorded_at),
        occurred_at: format::date_time(lang, event.occurred_at),
        recorded_at_exact: exact(event.recorded_at),
        occurred_at_exact: exact(event.occurred_at),
        module: module_label(tr, event.stream.category()),
        entity: event.stream.to_string(),
        entity_url: entity_url(&event.stream),
        event_type: event.event_type.clone(),
        actor: actor_code(&event.actor),
        fields: trail
            .event
            .payload
            .as_ref()
            .map(payload_fields)
            .unwrap_or_default(),
        hash_short: trail.hash.chars().take(HASH_SHOWN_CHARS).collect(),
        hash: trail.hash,
        known_at_url: known_at_url(event.recorded_at, event.occurred_at),
    }
}

/// The API's export of the same filter (the trail query's own parameter
/// names; moments in RFC 3339), every page of it.
fn export_url(query: &TrailQuery, format: &str) -> String {
    let moment = |at: Option<DateTime<Utc>>| at.map(|at| at.to_rfc3339());
    let time = match query.time.unwrap_or_default() {
        TimeKind::Recorded => "recorded",
        TimeKind::Occurred => "occurred",
    };
    let (from, to) = (moment(query.from), moment(query.to));
    let filters = [
        ("stream", query.stream.as_deref()),
        ("category", query.category.as_deref()),
        ("event_type", query.event_type.as_deref()),
        ("actor", query.actor.as_deref()),
        ("from", from.as_deref()),
        ("to", to.as_deref()),
        ("time", Some(time)),
    ];
    let mut pairs = vec![("format", format)];
    pairs.extend(
        filters
            .iter()
            .filter_map(|(name, value)| value.map(|value| (*name, value))),
    );
    format!("/api/v1/audit/export?{}", query_string(&pairs))
}

fn verification_view(tr: Tr, verification: &Verification) -> VerificationView {
    let lang = tr.lang;
    VerificationView {
        intact: verification.intact,
        status: tr.t(if verification.intact {
            "audit-verify-intact"
        } else {
            "audit-verify-broken"
        }),
        checked_at: format::date_time(lang, verification.checked_at),
        records: position_text(lang, verification.records_checked),
        head_position: verification
            .head_position
            .map(|position| position_text(lang, position)),
        head_hash: verification.head_hash.clone(),
        first_bad_position: verification
            .first_bad_position
            .map(|position| position_text(lang, position)),
        problem: verification.problem.clone(),
    }
}

/// A page of the trail the form asks for, or the errors to show.
async fn trail_view(
    state: &AppState,
    tr: Tr,
    form: &AuditForm,
) -> Result<TrailView, (FormErrors, StatusCode)> {
    let query = parse_form(tr, form).map_err(|errors| (errors, StatusCode::BAD_REQUEST))?;
    let after: u64 = form.after.trim().parse().unwrap_or(0);
    let log = state.log.clone();
    let trail = Trail::parse(&log, &query.filter(), after).map_err(|error| {
        let mut errors = FormErrors::default();
        if let CommandError::Domain(DomainError::Invalid { field, .. }) = &error
            && let Some(field) = form_field(field)
        {
            errors.add(field, tr.t("form-invalid"));
            return (errors, StatusCode::BAD_REQUEST);
        }
        tracing::error!(%error, "the audit trail could not be read");
        errors.form = Some(tr.t("form-failed"));
        (errors, StatusCode::INTERNAL_SERVER_ERROR)
    })?;
    let step = tokio::task::spawn_blocking(move || trail.page(&log, AUDIT_PAGE_EVENTS))
        .await
        .map_err(anyhow::Error::from)
        .and_then(|step| step.map_err(anyhow::Error::from))
        .map_err(|error| {
            tracing::error!(error = format!("{error:#}"), "a page of the trail failed");
            let mut errors = FormErrors::default();
            errors.form = Some(tr.t("form-failed"));
            (errors, StatusCode::INTERNAL_SERVER_ERROR)
        })?;
    Ok(TrailView {
        events: step
            .rows
            .iter()
            .map(|event| event_view(tr, event))
            .collect(),
        next_url: step
            .next
            // The page's `after` is the last position looked at, so a page
            // that stopped at the scan bound continues where it stopped.
            .map(|next| format!("/audit?{}&after={}", form.query(), next.saturating_sub(1))),
        csv_url: export_url(&query, "csv"),
        jsonl_url: export_url(&query, "jsonl"),
    })
}

/// `GET /audit?entity&module&event_type&actor&from&to&time&after`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(form): Query<AuditForm>,
) -> Response {
    let back = format!("/audit?{}", form.query());
    let page = Page::new(&viewer, Section::Audit, "audit-title", back);
    let tr = page.tr;
    let (trail, errors, status) = match trail_view(&state, tr, &form).await {
        Ok(trail) => (Some(trail), FormErrors::default(), StatusCode::OK),
        Err((errors, status)) => (None, errors, status),
    };
    let time = if form.time.is_empty() {
        "recorded"
    } else {
        form.time.as_str()
    };
    let page = AuditPage {
        modules: choices(tr, "audit-module", CrmEvent::CATEGORIES, &form.module),
        times: choices(tr, "audit-time", &TIME_CODES, time),
        verification: state
            .verifications
            .last()
            .map(|verification| verification_view(tr, &verification)),
        running_since: state
            .verifications
            .running_since()
            .map(|since| format::date_time(tr.lang, since)),
        trail,
        errors,
        form,
        page,
    };
    (status, page).into_response()
}

/// `POST /audit/verify`: starts the API's own verification of the whole
/// hash chain in the background and goes back to the audit page, which
/// shows the result: at once for a small log (the answer waits a moment
/// for it), or "running since" for a large one until a reload after it
/// ends.
pub async fn verify(State(state): State<AppState>) -> Response {
    if let Some(running) = Verifications::start(&state) {
        let _ = tokio::time::timeout(VERIFY_WAIT, running).await;
    }
    redirect_after(&state, None, "/audit").await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    /// Every module of the log has its name in every language: a new
    /// aggregate (users came with the security issue) is not shown as a
    /// raw message id in the module filter.
    #[test]
    fn every_module_has_a_name_in_every_language() {
        for lang in Lang::ALL {
            let tr = Tr::new(lang);
            for category in CrmEvent::CATEGORIES {
                let id = format!("audit-module-{category}");
                assert_ne!(tr.t(&id), id, "{lang:?}");
            }
        }
    }

    fn form(actor: &str, from: &str, to: &str) -> AuditForm {
        AuditForm {
            actor: actor.to_owned(),
            from: from.to_owned(),
            to: to.to_owned(),
            ..AuditForm::default()
        }
    }

    /// A payload reads as "field: value": strings as themselves, numbers
    /// and booleans as written, anything nested as compact JSON, and a
    /// long value cut; a payload that is not an object is one line.
    #[test]
    fn payloads_flatten_one_level_into_readable_fields() {
        let payload = json!({
            "order": "0190",
            "quantity": 2,
            "paid": false,
            "lines": [{"sku": "A-1", "qty": "2"}],
            "note": null,
            "long": "x".repeat(PAYLOAD_VALUE_CHARS_MAX + 10),
        });
        let fields = payload_fields(&payload);
        let field = |name: &str| {
            fields
                .iter()
                .find(|(field, _)| field == name)
                .map(|(_, value)| value.clone())
                .unwrap()
        };
        assert_eq!(field("order"), "0190");
        assert_eq!(field("quantity"), "2");
        assert_eq!(field("paid"), "false");
        assert_eq!(field("lines"), r#"[{"qty":"2","sku":"A-1"}]"#);
        assert_eq!(field("note"), "null");
        assert_eq!(field("long").chars().count(), PAYLOAD_VALUE_CHARS_MAX + 1);
        assert!(field("long").ends_with('…'));
        assert_eq!(
            payload_fields(&json!("text")),
            vec![(String::new(), "text".to_owned())]
        );
        assert!(payload_fields(&json!({})).is_empty());
    }

    /// An empty form is the whole trail in recorded time; bad entity,
    /// actor, module, time and moments, and a range ending before it
    /// starts, are each named next to their field at once.
    #[test]
    fn the_filter_form_names_every_bad_field() {
        let tr = Tr::new(Lang::En);
        let query = parse_form(tr, &AuditForm::default()).unwrap();
        assert!(query.stream.is_none() && query.actor.is_none() && query.from.is_none());
        assert_eq!(query.time, Some(TimeKind::Recorded));

        let good = AuditForm {
            entity: " order-0190a ".to_owned(),
            module: "order".to_owned(),
            time: "occurred".to_owned(),
            ..form(
                "system:process-manager",
                "2026-04-05T10:30",
                "2026-04-06T00:00:00",
            )
        };
        let query = parse_form(tr, &good).unwrap();
        assert_eq!(query.stream.as_deref(), Some("order-0190a"));
        assert_eq!(
            query.from.map(|at| at.to_rfc3339()).as_deref(),
            Some("2026-04-05T10:30:00+00:00")
        );
        assert_eq!(query.time, Some(TimeKind::Occurred));

        let bad = AuditForm {
            entity: "Order X".to_owned(),
            module: "planet".to_owned(),
            time: "later".to_owned(),
            ..form("bob", "yesterday", "")
        };
        let errors = parse_form(tr, &bad).unwrap_err();
        for field in ["entity", "module", "actor", "from", "time"] {
            assert!(errors.get(field).is_some(), "{field} has an error");
        }
        let reversed =
            parse_form(tr, &form("", "2026-04-05T10:30", "2026-04-05T10:30")).unwrap_err();
        assert!(reversed.get("to").is_some(), "an empty range");
    }

    /// Every module of the log has a label; the report "as known at" an
    /// event includes it (rounded up to the second) over the month of its
    /// business day; parties and orders link to their pages.
    #[test]
    fn modules_are_labelled_and_events_link_to_their_report_and_entity() {
        let tr = Tr::new(Lang::En);
        for category in CrmEvent::CATEGORIES {
            assert_ne!(module_label(tr, category), *category, "{category}");
        }
        let recorded = DateTime::parse_from_rfc3339("2026-04-05T10:30:15.250Z")
            .unwrap()
            .with_timezone(&Utc);
        let occurred = DateTime::parse_from_rfc3339("2026-02-10T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            known_at_url(recorded, occurred),
            "/reports?known_at=2026-04-05T10%3A30%3A16&from=2026-02-01&to=2026-02-28"
        );
        let exact = recorded.trunc_subsecs(0);
        assert!(known_at_url(exact, occurred).contains("10%3A30%3A15"));
        let id = uuid::Uuid::now_v7();
        let order = StreamName::parse(format!("order-{id}")).unwrap();
        assert_eq!(entity_url(&order), Some(format!("/orders/{id}")));
        let party = StreamName::parse(format!("party-{id}")).unwrap();
        assert_eq!(entity_url(&party), Some(format!("/customers/{id}")));
        let stock = StreamName::parse(format!("stock-{id}")).unwrap();
        assert_eq!(entity_url(&stock), None);
    }
}
