//! Opening a deal from a customer's card (issue 17): a title, a pipeline
//! (its first stage), an amount with its currency and an expected close;
//! `app::deals` opens it, checking the customer and the pipeline first.
//! A refusal shows the card again with the typing kept.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use domain::ids::PipelineId;
use domain::values::{Currency, Label, Money};
use serde::Deserialize;

use super::Viewer;
use super::customer_actions::{CardForms, known_party};
use super::customers::render_card;
use super::format;
use super::forms::{self, FormErrors};
use super::i18n::Tr;
use crate::AppState;

/// The "open a deal" form as typed.
#[derive(Clone, Debug, Deserialize)]
pub struct DealForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub pipeline: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub expected_close: String,
    #[serde(default)]
    pub command: String,
}

impl DealForm {
    /// An empty form carrying command id `command`.
    pub fn blank(command: uuid::Uuid) -> Self {
        Self {
            title: String::new(),
            pipeline: String::new(),
            amount: String::new(),
            currency: "EUR".to_owned(),
            expected_close: String::new(),
            command: command.to_string(),
        }
    }
}

fn parse(
    tr: Tr,
    party: domain::ids::PartyId,
    form: &DealForm,
) -> Result<app::deals::NewDeal, FormErrors> {
    let mut errors = FormErrors::default();
    let title = Label::parse("title", &form.title)
        .map_err(|_| errors.add("title", tr.t("form-required-line")))
        .ok();
    let pipeline = form
        .pipeline
        .parse::<PipelineId>()
        .map_err(|_| errors.add("pipeline", tr.t("form-choose")))
        .ok();
    let currency = Currency::parse("currency", form.currency.trim())
        .map_err(|_| errors.add("currency", tr.t("form-currency")))
        .ok();
    let amount = format::parse_decimal(&form.amount).and_then(|amount| {
        currency.and_then(|currency| Money::parse("amount", amount, currency).ok())
    });
    if amount.is_none() {
        errors.add("amount", tr.t("form-amount"));
    }
    let expected_close = match form.expected_close.trim() {
        "" => None,
        raw => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map_err(|_| errors.add("expected_close", tr.t("form-date")))
            .ok(),
    };
    match (title, pipeline, amount) {
        (Some(title), Some(pipeline), Some(amount)) if errors.is_empty() => {
            Ok(app::deals::NewDeal {
                title,
                party,
                pipeline,
                stage: None,
                probability: None,
                amount,
                expected_close,
                owner: None,
                lead: None,
            })
        }
        _ => Err(errors),
    }
}

/// `POST /customers/{id}/deals`: opens the deal and goes back to the
/// card, whose timeline shows it.
pub async fn open(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<DealForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let Some(party) = known_party(&state, &id) else {
        return render_card(
            &state,
            viewer.clone(),
            &id,
            CardForms::blank(&state.app),
            StatusCode::NOT_FOUND,
        )
        .await;
    };
    let shown_again = |errors: FormErrors, form: DealForm| {
        let mut forms = CardForms::blank(&state.app);
        forms.deal = form;
        forms.deal_errors = errors;
        forms
    };
    let new = match parse(tr, party, &form) {
        Ok(new) => new,
        Err(errors) => {
            let forms = shown_again(errors, form);
            return render_card(
                &state,
                viewer.clone(),
                &id,
                forms,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let run = app::Run {
        command_id: forms::command_id(&state.app, &form.command),
        expected_version: None,
    };
    let opened = match viewer.caller() {
        Ok(caller) => state.app.deals().open(&caller, run, new).await,
        Err(error) => Err(error),
    };
    match opened {
        Ok(opened) => {
            let location = format!("/customers/{party}#timeline-heading");
            forms::redirect_after(&state, opened.executed.last_position, &location).await
        }
        Err(error) => {
            let errors = FormErrors::from_command(
                tr,
                &error,
                &[
                    ("title", "title"),
                    ("amount", "amount"),
                    ("stage", "pipeline"),
                    ("expected_close", "expected_close"),
                ],
            );
            let forms = shown_again(errors, form);
            render_card(
                &state,
                viewer.clone(),
                &id,
                forms,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}
