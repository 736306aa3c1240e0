//! Leads in the browser (issue 17): the open leads (a sales manager's
//! own) with a form to capture one; a lead's page with its details and
//! forms to assign it, disqualify or reopen it, and convert it into a deal
//! (registering its company or contact as a customer when it names none:
//! `app::leads::convert_registering`). Out of reach answers as missing;
//! each refusal shows the page again with the typing kept.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use domain::access::{Action, Module};
use domain::ids::{LeadId, PipelineId, UserId, derived};
use domain::pipeline::{CaptureLead, EmailAddress, Lead, LeadCommand, PhoneNumber};
use domain::values::{Currency, Label, Money};
use projections::models::pipeline_board::LeadStatus;
use serde::Deserialize;

use super::forms::{self, FormErrors, OwnedChoice};
use super::i18n::Tr;
use super::{Page, Section, Viewer, format};
use crate::AppState;

/// Leads on a page of the list.
const LEADS_SHOWN: usize = 50;

/// The list's search and where its page starts, as the query has them.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct LeadList {
    #[serde(default)]
    q: String,
    /// The previous page's last lead: `<microseconds>_<id>`.
    #[serde(default)]
    before: String,
}

impl LeadList {
    fn cursor(&self) -> Option<(chrono::DateTime<chrono::Utc>, LeadId)> {
        let (micros, id) = self.before.trim().split_once('_')?;
        let at = chrono::DateTime::from_timestamp_micros(micros.parse().ok()?)?;
        Some((at, id.parse().ok()?))
    }

    fn url(&self, before: Option<(chrono::DateTime<chrono::Utc>, LeadId)>) -> String {
        let before = before
            .map(|(at, id)| format!("{}_{id}", at.timestamp_micros()))
            .unwrap_or_default();
        format!(
            "/leads?{}",
            super::query_string(&[("q", &self.q), ("before", &before)])
        )
    }
}

/// Whether `lead` matches every word of `words` (lower case) in its
/// title, contact, company, email, phone or source.
fn matches(lead: &projections::models::pipeline_board::LeadRow, words: &[String]) -> bool {
    if words.is_empty() {
        return true;
    }
    let text = [
        Some(&lead.title),
        lead.contact_name.as_ref(),
        lead.company_name.as_ref(),
        lead.email.as_ref(),
        lead.phone.as_ref(),
        lead.source.as_ref(),
    ]
    .into_iter()
    .flatten()
    .map(|part| part.to_lowercase())
    .collect::<Vec<_>>()
    .join(" ");
    words.iter().all(|word| text.contains(word.as_str()))
}

/// Every lead form's fields; each form sends the ones it has.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct LeadForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    company_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    pipeline: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    expected_close: String,
    #[serde(default)]
    command: String,
}

/// A lead on the list.
#[derive(Debug)]
pub struct LeadLine {
    href: String,
    title: String,
    contact: String,
    source: String,
    captured: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "leads.html")]
pub struct LeadsPage {
    page: Page,
    q: String,
    leads: Vec<LeadLine>,
    next_url: Option<String>,
    newest_url: Option<String>,
    form: LeadForm,
    errors: FormErrors,
    command: String,
    can_capture: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "lead.html")]
pub struct LeadPage {
    page: Page,
    id: String,
    title: String,
    details: Vec<(String, String)>,
    status: String,
    open: bool,
    disqualified: bool,
    converted_deal: Option<String>,
    owners: Vec<OwnedChoice>,
    pipelines: Vec<OwnedChoice>,
    form: LeadForm,
    /// The form that failed, if one did.
    failed: String,
    errors: FormErrors,
    command: String,
    can_edit: bool,
}

fn optional_label(
    errors: &mut FormErrors,
    tr: Tr,
    field: &'static str,
    raw: &str,
) -> Option<Label> {
    Label::parse_optional(field, Some(raw))
        .map_err(|_| errors.add(field, tr.t("form-one-line")))
        .ok()
        .flatten()
}

fn leads_page(
    state: &AppState,
    viewer: &Viewer,
    list: &LeadList,
    form: LeadForm,
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let page = Page::new(
        viewer,
        Section::Pipeline,
        "leads-title",
        "/leads".to_owned(),
    );
    let owner = viewer
        .principal
        .as_ref()
        .and_then(|principal| principal.only_owner(Module::Sales, Action::Read));
    let lang = viewer.lang;
    let words: Vec<String> = list.q.split_whitespace().map(str::to_lowercase).collect();
    let before = list.cursor();
    let (leads, next) = state.read_models.pipeline_board.read(|board| {
        let (rows, next) = board.open_leads_page(before, LEADS_SHOWN, |lead| {
            !lead.erased && owner.is_none_or(|owner| lead.owner == owner) && matches(lead, &words)
        });
        let leads: Vec<LeadLine> = rows
            .into_iter()
            .map(|lead| LeadLine {
                href: format!("/leads/{}", lead.id),
                title: lead.title.clone(),
                contact: [lead.contact_name.clone(), lead.company_name.clone()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · "),
                source: lead.source.clone().unwrap_or_default(),
                captured: format::date(lang, lead.captured_at.date_naive()),
            })
            .collect();
        (leads, next)
    });
    let command = forms::command_id(&state.app, &form.command).to_string();
    (
        status,
        LeadsPage {
            page,
            q: list.q.clone(),
            leads,
            next_url: next.map(|next| list.url(Some(next))),
            newest_url: before.map(|_| list.url(None)),
            form,
            errors,
            command,
            can_capture: viewer.allows(Module::Sales, Action::Create),
        },
    )
        .into_response()
}

/// `GET /leads?q&before`: open leads newest first, a page at a time,
/// found by words of their title, contact, company, email, phone or
/// source.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::extract::Query(list): axum::extract::Query<LeadList>,
) -> Response {
    leads_page(
        &state,
        &viewer,
        &list,
        LeadForm::default(),
        FormErrors::default(),
        StatusCode::OK,
    )
}

/// `POST /leads`: captures a lead and opens its page.
pub async fn capture(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<LeadForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let mut errors = FormErrors::default();
    let title = Label::parse("title", &form.title)
        .map_err(|_| errors.add("title", tr.t("form-required-line")))
        .ok();
    let contact_name = optional_label(&mut errors, tr, "contact_name", &form.contact_name);
    let company_name = optional_label(&mut errors, tr, "company_name", &form.company_name);
    let source = optional_label(&mut errors, tr, "source", &form.source);
    let email = match form.email.trim() {
        "" => None,
        raw => EmailAddress::parse("email", raw)
            .map_err(|_| errors.add("email", tr.t("form-email")))
            .ok(),
    };
    let phone = match form.phone.trim() {
        "" => None,
        raw => PhoneNumber::parse("phone", raw)
            .map_err(|_| errors.add("phone", tr.t("form-phone")))
            .ok(),
    };
    let Some(title) = title.filter(|_| errors.is_empty()) else {
        return leads_page(
            &state,
            &viewer,
            &LeadList::default(),
            form,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let command_id = forms::command_id(&state.app, &form.command);
    let lead = LeadId::from_uuid(derived(command_id, b"lead"));
    let capture = LeadCommand::Capture(CaptureLead {
        title,
        contact_name,
        company_name,
        email,
        phone,
        party: None,
        source,
        owner: viewer.user(),
    });
    let run = app::Run {
        command_id,
        expected_version: None,
    };
    let result = forms::execute_as::<Lead, _>(&state, &viewer, run, lead, capture).await;
    match result {
        Ok(executed) => {
            forms::redirect_after(&state, executed.last_position, &format!("/leads/{lead}")).await
        }
        Err(error) => {
            let errors = FormErrors::from_command(
                tr,
                &error,
                &[
                    ("email", "email"),
                    ("phone", "phone"),
                    ("contact_name", "contact_name"),
                ],
            );
            leads_page(
                &state,
                &viewer,
                &LeadList::default(),
                form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

/// The lead `raw` names, if the viewer may read it.
fn readable(state: &AppState, viewer: &Viewer, raw: &str) -> Option<LeadId> {
    super::readable_id(state, viewer, raw, app::access::Kind::Lead)
}

fn lead_page(
    state: &AppState,
    viewer: &Viewer,
    raw: &str,
    shown: Option<(&str, LeadForm, FormErrors)>,
    status: StatusCode,
) -> Response {
    let Some(id) = readable(state, viewer, raw) else {
        return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    };
    let page = Page::new(
        viewer,
        Section::Pipeline,
        "lead-title",
        format!("/leads/{id}"),
    );
    let tr = page.tr;
    let Some(lead) = state
        .read_models
        .pipeline_board
        .read(|board| board.lead(id).cloned())
    else {
        return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    };
    let users: Vec<(UserId, String)> = state.read_models.users.read(|users| {
        let mut found: Vec<(UserId, String)> = users
            .users()
            .filter(|(_, user)| !user.disabled)
            .map(|(id, user)| (id, user.display_name.clone()))
            .collect();
        found.sort_by(|a, b| a.1.cmp(&b.1));
        found
    });
    let owner_name = users
        .iter()
        .find(|(user, _)| *user == lead.owner)
        .map_or_else(|| lead.owner.to_string(), |(_, name)| name.clone());
    let mut details = Vec::new();
    for (label, value) in [
        ("lead-contact", lead.contact_name.clone()),
        ("lead-company", lead.company_name.clone()),
        ("channel-email", lead.email.clone()),
        ("channel-mobile-phone", lead.phone.clone()),
        ("customer-source", lead.source.clone()),
        ("lead-owner", Some(owner_name)),
        ("lead-disqualified-reason", lead.disqualified_reason.clone()),
    ] {
        if let Some(value) = value.filter(|value| !value.is_empty()) {
            details.push((tr.t(label), value));
        }
    }
    let (status_text, converted_deal) = match lead.status {
        LeadStatus::Open => (tr.t("lead-status-open"), None),
        LeadStatus::Disqualified => (tr.t("lead-status-disqualified"), None),
        LeadStatus::Converted { deal, .. } => {
            (tr.t("lead-status-converted"), Some(deal.to_string()))
        }
    };
    let (failed, form, errors) = match shown {
        Some((failed, form, errors)) => (failed.to_owned(), form, errors),
        None => (
            String::new(),
            LeadForm {
                currency: "EUR".to_owned(),
                owner: lead.owner.to_string(),
                ..LeadForm::default()
            },
            FormErrors::default(),
        ),
    };
    let owners = users
        .into_iter()
        .map(|(user, name)| OwnedChoice {
            selected: user.to_string() == form.owner,
            value: user.to_string(),
            label: name,
        })
        .collect();
    let pipelines = state.read_models.pipeline_board.read(|board| {
        board
            .pipelines()
            .into_iter()
            .map(|pipeline| OwnedChoice {
                value: pipeline.id.to_string(),
                label: pipeline.name.clone(),
                selected: pipeline.id.to_string() == form.pipeline,
            })
            .collect()
    });
    let command = forms::command_id(&state.app, &form.command).to_string();
    (
        status,
        LeadPage {
            page,
            id: id.to_string(),
            title: lead.title.clone(),
            details,
            status: status_text,
            open: lead.status == LeadStatus::Open && !lead.erased,
            disqualified: lead.status == LeadStatus::Disqualified && !lead.erased,
            converted_deal,
            owners,
            pipelines,
            form,
            failed,
            errors,
            command,
            can_edit: !lead.erased && viewer.allows(Module::Sales, Action::Edit),
        },
    )
        .into_response()
}

/// `GET /leads/{id}`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Response {
    lead_page(&state, &viewer, &id, None, StatusCode::OK)
}

/// The conversion form parsed, or its errors.
fn conversion(tr: Tr, form: &LeadForm) -> Result<app::leads::ConvertLead, FormErrors> {
    let mut errors = FormErrors::default();
    let pipeline = form
        .pipeline
        .parse::<PipelineId>()
        .map_err(|_| errors.add("pipeline", tr.t("form-choose")))
        .ok();
    let currency = Currency::parse("currency", form.currency.trim())
        .map_err(|_| errors.add("currency", tr.t("form-currency")))
        .ok();
    let amount = format::parse_decimal(&form.amount)
        .ok_or(())
        .map_err(|()| errors.add("amount", tr.t("form-amount")))
        .ok();
    let expected_close = match form.expected_close.trim() {
        "" => None,
        raw => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map_err(|_| errors.add("expected_close", tr.t("form-date")))
            .ok(),
    };
    let money = match (amount, currency) {
        (Some(amount), Some(currency)) => Money::parse("amount", amount, currency)
            .map_err(|_| errors.add("amount", tr.t("form-amount")))
            .ok(),
        _ => None,
    };
    match (pipeline, money) {
        (Some(pipeline), Some(amount)) if errors.is_empty() => Ok(app::leads::ConvertLead {
            party: None,
            pipeline,
            stage: None,
            probability: None,
            amount,
            expected_close,
            title: None,
            owner: None,
        }),
        _ => Err(errors),
    }
}

/// `POST /leads/{id}/{assign,disqualify,reopen,convert}`.
pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<LeadForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let Some(lead) = readable(&state, &viewer, &id) else {
        return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    };
    let caller = match viewer.caller() {
        Ok(caller) => caller,
        Err(_) => {
            return super::refused_page(StatusCode::FORBIDDEN, viewer.lang, "refused-forbidden");
        }
    };
    let run = app::Run {
        command_id: forms::command_id(&state.app, &form.command),
        expected_version: None,
    };
    let mut errors = FormErrors::default();
    let command = match action.as_str() {
        "assign" => form
            .owner
            .parse::<UserId>()
            .map_err(|_| errors.add("owner", tr.t("form-choose")))
            .ok()
            .map(LeadCommand::AssignOwner),
        "disqualify" => Label::parse("reason", &form.reason)
            .map_err(|_| errors.add("reason", tr.t("form-required-line")))
            .ok()
            .map(|reason| LeadCommand::Disqualify { reason }),
        "reopen" => Some(LeadCommand::Reopen),
        "convert" => {
            let into = match conversion(tr, &form) {
                Ok(into) => into,
                Err(errors) => {
                    return lead_page(
                        &state,
                        &viewer,
                        &id,
                        Some(("convert", form, errors)),
                        StatusCode::UNPROCESSABLE_ENTITY,
                    );
                }
            };
            let pipeline = into.pipeline;
            return match state
                .app
                .leads()
                .convert_registering(&caller, run, lead, into)
                .await
            {
                Ok(executed) => {
                    let location = format!("/pipeline?pipeline={pipeline}");
                    forms::redirect_after(&state, executed.last_position, &location).await
                }
                Err(error) => {
                    let errors = FormErrors::from_command(
                        tr,
                        &error,
                        &[
                            ("amount", "amount"),
                            ("stage", "pipeline"),
                            ("party", "pipeline"),
                        ],
                    );
                    lead_page(
                        &state,
                        &viewer,
                        &id,
                        Some(("convert", form, errors)),
                        StatusCode::UNPROCESSABLE_ENTITY,
                    )
                }
            };
        }
        _ => return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found"),
    };
    let Some(command) = command.filter(|_| errors.is_empty()) else {
        return lead_page(
            &state,
            &viewer,
            &id,
            Some((&action, form, errors)),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    match state
        .app
        .execute::<Lead, _>(&caller, run, lead, command, None)
        .await
    {
        Ok(executed) => {
            forms::redirect_after(&state, executed.last_position, &format!("/leads/{lead}")).await
        }
        Err(error) => {
            let errors =
                FormErrors::from_command(tr, &error, &[("reason", "reason"), ("owner", "owner")]);
            lead_page(
                &state,
                &viewer,
                &id,
                Some((&action, form, errors)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}
