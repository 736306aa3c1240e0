//! Registering a customer from the browser (issue 17): a company or a
//! person (of a company, when opened from the company's card), with a
//! first email and phone, a source and tags, in one form. Every field is
//! checked at once and shown next to its input with the typing kept; the
//! registration is `app::parties`' (the same checks as the API's).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::channel::{Channel, ChannelKind};
use domain::ids::PartyId;
use domain::parties::{PartyName, RegisterParty};
use domain::values::{Label, Tag};
use serde::Deserialize;

use app::parties::NewCustomer;

use super::forms::{self, FormErrors};
use super::i18n::Tr;
use super::{Page, Section, Viewer};
use crate::AppState;

/// The form as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewCustomerForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub legal_name: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub job_title: String,
    /// The company a person works at (its id, from the company's card).
    #[serde(default)]
    pub company: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub source: String,
    /// Tags separated by commas.
    #[serde(default)]
    pub tags: String,
    #[serde(default)]
    pub command: String,
}

/// `?company=` on the way in, from a company's card.
#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    company: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "customer_new.html")]
pub struct NewCustomerPage {
    page: Page,
    form: NewCustomerForm,
    /// The company's name, when the form is for one of its people.
    company_name: Option<String>,
    person: bool,
    command: String,
    errors: FormErrors,
}

/// The company `raw` names, if it is one the viewer reaches: `(id, name)`.
fn company_of(state: &AppState, viewer: &Viewer, raw: &str) -> Option<(PartyId, String)> {
    let id: PartyId = super::readable_id(state, viewer, raw, app::access::Kind::Party)?;
    state.read_models.customers.read(|customers| {
        customers
            .resolve(id)
            .filter(|row| !row.is_person() && !row.erased)
            .map(|row| (row.id, row.display_name.clone()))
    })
}

fn render(
    state: &AppState,
    viewer: &Viewer,
    form: NewCustomerForm,
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let page = Page::new(
        viewer,
        Section::Customers,
        "customer-new-title",
        "/customers/new".to_owned(),
    );
    let company_name = company_of(state, viewer, &form.company).map(|(_, name)| name);
    let command = forms::command_id(&state.app, &form.command).to_string();
    let person = form.kind == "person";
    (
        status,
        NewCustomerPage {
            page,
            form,
            company_name,
            person,
            command,
            errors,
        },
    )
        .into_response()
}

/// `GET /customers/new[?company=]`: a blank form (for a person of the
/// company, when one is named).
pub async fn form(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<NewQuery>,
) -> Response {
    let company = company_of(&state, &viewer, &query.company);
    let form = NewCustomerForm {
        kind: if company.is_some() {
            "person"
        } else {
            "company"
        }
        .to_owned(),
        company: company.map(|(id, _)| id.to_string()).unwrap_or_default(),
        ..NewCustomerForm::default()
    };
    render(&state, &viewer, form, FormErrors::default(), StatusCode::OK)
}

/// An optional one-line field: blank is none.
fn optional_label(
    errors: &mut FormErrors,
    tr: Tr,
    field: &'static str,
    raw: &str,
) -> Option<Label> {
    match Label::parse_optional(field, Some(raw)) {
        Ok(label) => label,
        Err(_) => {
            errors.add(field, tr.t("form-one-line"));
            None
        }
    }
}

/// The form parsed, or every field's error at once.
fn parse(
    state: &AppState,
    viewer: &Viewer,
    tr: Tr,
    form: &NewCustomerForm,
) -> Result<NewCustomer, FormErrors> {
    let mut errors = FormErrors::default();
    let required =
        |errors: &mut FormErrors, field: &'static str, raw: &str| match Label::parse(field, raw) {
            Ok(label) => Some(label),
            Err(_) => {
                errors.add(field, tr.t("form-required-line"));
                None
            }
        };
    let (name, company, job_title) = match form.kind.as_str() {
        "company" => {
            let name = required(&mut errors, "name", &form.name);
            let legal_name = optional_label(&mut errors, tr, "legal_name", &form.legal_name);
            let name = name.map(|name| PartyName::Company { name, legal_name });
            (name, None, None)
        }
        "person" => {
            let first_name = required(&mut errors, "first_name", &form.first_name);
            let last_name = optional_label(&mut errors, tr, "last_name", &form.last_name);
            let job_title = optional_label(&mut errors, tr, "job_title", &form.job_title);
            let company = match form.company.trim() {
                "" => None,
                raw => match company_of(state, viewer, raw) {
                    Some((company, _)) => Some(company),
                    None => {
                        errors.add("company", tr.t("form-not-found"));
                        None
                    }
                },
            };
            let name = first_name.map(|first_name| PartyName::Person {
                first_name,
                last_name,
            });
            (name, company, job_title)
        }
        _ => {
            errors.add("kind", tr.t("form-choose"));
            (None, None, None)
        }
    };
    let mut channels = Vec::new();
    for (field, kind, message, raw) in [
        ("email", ChannelKind::Email, "form-email", &form.email),
        ("phone", ChannelKind::MobilePhone, "form-phone", &form.phone),
    ] {
        if raw.trim().is_empty() {
            continue;
        }
        match Channel::parse(kind, raw) {
            Ok(channel) => channels.push((channel, None)),
            Err(_) => errors.add(field, tr.t(message)),
        }
    }
    let source = optional_label(&mut errors, tr, "source", &form.source);
    let mut tags: Vec<Tag> = Vec::new();
    for raw in form.tags.split(',').filter(|raw| !raw.trim().is_empty()) {
        match Tag::parse("tags", raw) {
            Ok(tag) if !tags.contains(&tag) => tags.push(tag),
            Ok(_) => {}
            Err(_) => errors.add("tags", tr.t("form-tags")),
        }
    }
    if tags.len() > app::parties::FIRST_TAGS_MAX {
        errors.add("tags", tr.t("form-tags"));
    }
    match name {
        Some(name) if errors.is_empty() => Ok(NewCustomer {
            register: RegisterParty {
                name,
                company,
                job_title,
                source,
                owner: viewer.user(),
                branch: viewer
                    .principal
                    .as_ref()
                    .and_then(|principal| principal.branch),
            },
            channels,
            tags,
        }),
        _ => Err(errors),
    }
}

/// `POST /customers/new`: registers the customer and opens its card; or
/// the form again, as typed, with each error next to its field.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<NewCustomerForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let new = match parse(&state, &viewer, tr, &form) {
        Ok(new) => new,
        Err(errors) => {
            return render(
                &state,
                &viewer,
                form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let command_id = forms::command_id(&state.app, &form.command);
    let party = PartyId::from_uuid(domain::ids::derived(command_id, b"party"));
    let run = app::Run {
        command_id,
        expected_version: None,
    };
    let registered = match viewer.caller() {
        Ok(caller) => state.app.parties().register(&caller, run, party, new).await,
        Err(error) => Err(error),
    };
    match registered {
        Ok(executed) => {
            forms::redirect_after(
                &state,
                executed.last_position,
                &format!("/customers/{party}"),
            )
            .await
        }
        Err(error) => {
            let errors = FormErrors::from_command(
                tr,
                &error,
                &[
                    ("company", "company"),
                    ("channels", "email"),
                    ("tags", "tags"),
                ],
            );
            render(
                &state,
                &viewer,
                form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}
