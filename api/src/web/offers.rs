//! Where a product is bought: every supplier's offer for it (their code,
//! price and currency, minimum, pack size, lead time), which supplier
//! replenishment orders from, and the forms to set an offer, prefer a
//! supplier and withdraw an offer.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::access::{Action, Module};
use domain::catalog::{Quantity, UnitPrice};
use domain::ids::{PartyId, ProductId};
use domain::sourcing::{Offer, Sourcing, SourcingCommand};
use domain::values::{Currency, Label};
use serde::Deserialize;
use uuid::Uuid;

use super::forms::{self, FormErrors, OwnedChoice};
use super::i18n::Tr;
use super::purchases::{party_name, supplier_choices};
use super::{Page, Section, Viewer, format};
use crate::AppState;

/// One offer as the page shows it.
#[derive(Debug)]
pub struct OfferRow {
    pub supplier: String,
    pub supplier_id: String,
    pub supplier_href: String,
    pub code: String,
    pub price: String,
    pub minimum: String,
    pub pack: String,
    pub lead: String,
    pub preferred: bool,
    pub chosen: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "offers.html")]
pub struct OffersPage {
    page: Page,
    id: String,
    rows: Vec<OfferRow>,
    suppliers: Vec<OwnedChoice>,
    can_edit: bool,
    version: String,
    command: String,
    form: OfferForm,
    errors: FormErrors,
}

/// Every form of the page, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct OfferForm {
    #[serde(default)]
    pub supplier: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub price: String,
    #[serde(default)]
    pub minimum: String,
    #[serde(default)]
    pub pack: String,
    #[serde(default)]
    pub lead: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub command: String,
}

fn render(
    state: &AppState,
    viewer: &Viewer,
    raw_id: &str,
    form: OfferForm,
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let lang = viewer.lang;
    let product = raw_id.parse::<ProductId>().ok().and_then(|id| {
        state.read_models.stock.read(|stock| {
            stock
                .product_info(id)
                .map(|info| (id, format!("{} · {}", info.name, info.sku)))
        })
    });
    let Some((id, product)) = product else {
        let page = Page::new(
            viewer,
            Section::Purchasing,
            "offers-no-product",
            format!("/purchases/products/{raw_id}"),
        );
        let body = page.t("offers-no-product-body");
        return (
            StatusCode::NOT_FOUND,
            super::customers::NotFoundPage::new(page, body),
        )
            .into_response();
    };
    let mut page = Page::new(
        viewer,
        Section::Purchasing,
        "offers-title",
        format!("/purchases/products/{id}"),
    );
    page.title = page.tr.t1("offers-for", "product", &product);
    let tr = page.tr;
    let (offers, version) = state.app.load::<Sourcing>(id).unwrap_or_default();
    let chosen = offers.chosen().map(|(supplier, _)| supplier);
    let rows = offers
        .offers
        .iter()
        .map(|(supplier, offer)| OfferRow {
            supplier: party_name(state, *supplier),
            supplier_id: supplier.to_string(),
            supplier_href: format!("/customers/{supplier}"),
            code: offer.supplier_code.clone().unwrap_or_default(),
            price: format::money(lang, offer.price, offer.currency),
            minimum: offer
                .minimum_quantity
                .map(|value| format::quantity(lang, value))
                .unwrap_or_default(),
            pack: offer
                .pack_size
                .map(|value| format::quantity(lang, value))
                .unwrap_or_default(),
            lead: tr.t1(
                "offers-lead-days",
                "days",
                &offer.lead_time_days.to_string(),
            ),
            preferred: offers.preferred == Some(*supplier),
            chosen: chosen == Some(*supplier),
        })
        .collect();
    let suppliers = supplier_choices(state, tr, &form.supplier);
    let company_currency = state.app.currency().company_currency().ok().flatten();
    let mut form = form;
    if form.currency.is_empty() {
        form.currency = company_currency
            .map(|currency| currency.as_str().to_owned())
            .unwrap_or_default();
    }
    let page = OffersPage {
        id: id.to_string(),
        rows,
        suppliers,
        can_edit: viewer.allows(Module::Purchasing, Action::Edit),
        version: version
            .map(|version| version.to_string())
            .unwrap_or_default(),
        command: state.app.new_id().to_string(),
        form,
        errors,
        page,
    };
    (status, page).into_response()
}

/// `GET /purchases/products/{id}`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Response {
    render(
        &state,
        &viewer,
        &id,
        OfferForm::default(),
        FormErrors::default(),
        StatusCode::OK,
    )
}

fn parse_offer(tr: Tr, form: &OfferForm, errors: &mut FormErrors) -> Option<Offer> {
    let supplier = form.supplier.parse::<PartyId>().ok();
    if supplier.is_none() {
        errors.add("supplier", tr.t("form-choose"));
    }
    let code = Label::parse_optional("code", Some(&form.code));
    if code.is_err() {
        errors.add("code", tr.t("form-one-line"));
    }
    let currency = Currency::parse("currency", &form.currency).ok();
    if currency.is_none() {
        errors.add("currency", tr.t("form-currency"));
    }
    let price = format::parse_decimal(form.price.trim())
        .and_then(|value| UnitPrice::parse("price", value).ok());
    if price.is_none() {
        errors.add("price", tr.t("form-amount"));
    }
    let optional_quantity = |raw: &str| match raw.trim() {
        "" => Some(None),
        text => format::parse_decimal(text)
            .and_then(|value| Quantity::parse("q", value).ok())
            .map(Some),
    };
    let minimum = optional_quantity(&form.minimum);
    if minimum.is_none() {
        errors.add("minimum", tr.t("form-positive-number"));
    }
    let pack = optional_quantity(&form.pack);
    if pack.is_none() {
        errors.add("pack", tr.t("form-positive-number"));
    }
    let lead = form
        .lead
        .trim()
        .parse::<u16>()
        .ok()
        .filter(|days| *days <= domain::sourcing::LEAD_TIME_DAYS_MAX);
    if lead.is_none() {
        errors.add("lead", tr.t("offers-lead-invalid"));
    }
    Some(Offer {
        supplier: supplier?,
        supplier_code: code.ok()?,
        currency: currency?,
        price: price?,
        minimum_quantity: minimum?,
        pack_size: pack?,
        lead_time_days: lead?,
    })
}

/// `POST /purchases/products/{id}/{offer,prefer,withdraw}`.
pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((raw_id, action)): Path<(String, String)>,
    Form(form): Form<OfferForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let Ok(product) = raw_id.parse::<ProductId>() else {
        return render(
            &state,
            &viewer,
            &raw_id,
            form,
            FormErrors::default(),
            StatusCode::NOT_FOUND,
        );
    };
    let command_id = Uuid::new_v5(
        &forms::command_id(&state.app, &form.command),
        action.as_bytes(),
    );
    let run = app::Run {
        command_id,
        expected_version: form.version.parse::<u64>().ok(),
    };
    let mut errors = FormErrors::default();
    let caller = match viewer.caller() {
        Ok(caller) => caller,
        Err(error) => {
            let errors = FormErrors::from_command(tr, &error, &[]);
            return render(
                &state,
                &viewer,
                &raw_id,
                form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let result = match action.as_str() {
        "offer" => match parse_offer(tr, &form, &mut errors) {
            Some(offer) => Some(
                state
                    .app
                    .purchasing()
                    .set_offer(&caller, run, product, offer)
                    .await,
            ),
            None => None,
        },
        "prefer" | "withdraw" => match form.supplier.parse::<PartyId>() {
            Ok(supplier) => {
                let command = if action == "prefer" {
                    SourcingCommand::Prefer {
                        supplier: Some(supplier),
                    }
                } else {
                    SourcingCommand::WithdrawOffer { supplier }
                };
                Some(
                    state
                        .app
                        .execute::<Sourcing, _>(&caller, run, product, command, None)
                        .await,
                )
            }
            Err(_) => {
                errors.form = Some(tr.t("form-not-found"));
                None
            }
        },
        _ => {
            return render(
                &state,
                &viewer,
                &raw_id,
                form,
                FormErrors::default(),
                StatusCode::NOT_FOUND,
            );
        }
    };
    match result {
        Some(Ok(executed)) => {
            forms::redirect_after(
                &state,
                executed.last_position,
                &format!("/purchases/products/{product}"),
            )
            .await
        }
        Some(Err(error)) => {
            let errors = FormErrors::from_command(
                tr,
                &error,
                &[
                    ("lead_time_days", "lead"),
                    ("supplier_code", "code"),
                    ("supplier", "supplier"),
                ],
            );
            render(
                &state,
                &viewer,
                &raw_id,
                form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        None => render(
            &state,
            &viewer,
            &raw_id,
            form,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    }
}
