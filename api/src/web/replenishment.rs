//! The replenishment page: what to order, per product and warehouse, and
//! from whom (`projections::replenishment`), with a box and a quantity
//! per line; the ticked lines become draft purchase orders, one per
//! supplier (`App::draft_replenishment`), in one click.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::access::{Action, Module};
use domain::catalog::Quantity;
use domain::ids::{ProductId, WarehouseId};
use projections::replenishment::{ReplenishmentPolicy, Suggestion, leave_made, suggest};
use serde::Deserialize;

use super::forms::{self, FormErrors};
use super::i18n::Tr;
use super::{Page, Section, Viewer, format};
use crate::AppState;

/// Lines shown at most: the most urgent first would need a sort the rule
/// does not give, so the page says when there are more.
const LINES_SHOWN_MAX: usize = 500;

/// One line of the page.
#[derive(Debug)]
pub struct LineView {
    pub index: usize,
    pub key: String,
    pub product: String,
    pub offers_href: String,
    pub warehouse: String,
    pub available: String,
    pub on_order: String,
    pub reorder_level: String,
    pub rate: String,
    pub lead: String,
    pub supplier: Option<String>,
    pub price: String,
    pub quantity: String,
    pub picked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "replenishment.html")]
pub struct ReplenishmentPage {
    page: Page,
    lines: Vec<LineView>,
    more: Option<String>,
    can_draft: bool,
    command: String,
    errors: FormErrors,
}

/// The form as typed: `pick_<n>` (the line's `product:warehouse`, when
/// ticked) and `quantity_<n>`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct DraftForm {
    #[serde(default)]
    pub command: String,
    #[serde(flatten)]
    pub rest: BTreeMap<String, String>,
}

fn render(
    state: &AppState,
    viewer: &Viewer,
    form: &DraftForm,
    errors: FormErrors,
) -> ReplenishmentPage {
    let page = Page::new(
        viewer,
        Section::Purchasing,
        "replenishment-title",
        "/purchases/replenishment".to_owned(),
    );
    let tr = page.tr;
    let lang = viewer.lang;
    let now = state.app.now();
    let found: Vec<Suggestion> = state.read_models.stock.read(|stock| {
        state
            .read_models
            .purchases
            .read(|purchases| suggest(stock, purchases, now, ReplenishmentPolicy::default()))
    });
    let mut found = found;
    state
        .read_models
        .production
        .read(|production| leave_made(&mut found, production));
    let total = found.len();
    let names = |suggestion: &Suggestion| {
        state.read_models.stock.read(|stock| {
            (
                stock
                    .product_info(suggestion.product)
                    .map(|info| format!("{} · {}", info.name, info.sku))
                    .unwrap_or_default(),
                stock
                    .warehouse_info(suggestion.warehouse)
                    .map(|info| info.name.clone())
                    .unwrap_or_default(),
            )
        })
    };
    let lines = found
        .iter()
        .take(LINES_SHOWN_MAX)
        .enumerate()
        .map(|(index, suggestion)| {
            let (product, warehouse) = names(suggestion);
            let key = format!("{}:{}", suggestion.product, suggestion.warehouse);
            let typed = form.rest.get(&format!("quantity_{index}")).cloned();
            LineView {
                index,
                picked: form.rest.get(&format!("pick_{index}")) == Some(&key),
                key,
                product,
                offers_href: format!("/purchases/products/{}", suggestion.product),
                warehouse,
                available: format::quantity(lang, suggestion.available),
                on_order: format::quantity(lang, suggestion.on_order),
                reorder_level: suggestion
                    .reorder_level
                    .map(|level| format::quantity(lang, level))
                    .unwrap_or_default(),
                rate: format::quantity(lang, suggestion.daily_rate),
                lead: tr.t1(
                    "offers-lead-days",
                    "days",
                    &suggestion.lead_time_days.to_string(),
                ),
                supplier: suggestion.supplier.map(|supplier| {
                    state.read_models.customers.read(|customers| {
                        customers
                            .resolve(supplier)
                            .map(|row| row.display_name.clone())
                            .unwrap_or_else(|| supplier.to_string())
                    })
                }),
                price: match (suggestion.unit_price, suggestion.currency) {
                    (Some(price), Some(currency)) => format::money(lang, price, currency),
                    _ => String::new(),
                },
                quantity: typed.unwrap_or_else(|| suggestion.quantity.normalize().to_string()),
            }
        })
        .collect();
    ReplenishmentPage {
        more: (total > LINES_SHOWN_MAX).then(|| {
            tr.t1(
                "replenishment-more",
                "count",
                &(total - LINES_SHOWN_MAX).to_string(),
            )
        }),
        lines,
        can_draft: viewer.allows(Module::Purchasing, Action::Create),
        command: if form.command.is_empty() {
            state.app.new_id().to_string()
        } else {
            form.command.clone()
        },
        errors,
        page,
    }
}

/// `GET /purchases/replenishment`.
pub async fn page(State(state): State<AppState>, viewer: Viewer) -> ReplenishmentPage {
    render(
        &state,
        &viewer,
        &DraftForm::default(),
        FormErrors::default(),
    )
}

/// `POST /purchases/replenishment`: the ticked lines drafted.
pub async fn draft(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<DraftForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let mut errors = FormErrors::default();
    let mut picks = Vec::new();
    for (key, value) in &form.rest {
        let Some(index) = key.strip_prefix("pick_") else {
            continue;
        };
        let Some((product, warehouse)) = value.split_once(':') else {
            continue;
        };
        let (Ok(product), Ok(warehouse)) = (
            product.parse::<ProductId>(),
            warehouse.parse::<WarehouseId>(),
        ) else {
            continue;
        };
        let quantity = form
            .rest
            .get(&format!("quantity_{index}"))
            .and_then(|raw| format::parse_decimal(raw.trim()))
            .and_then(|value| Quantity::parse("quantity", value).ok());
        match quantity {
            Some(quantity) => picks.push(app::replenishment::Pick {
                product,
                warehouse,
                quantity,
            }),
            None => errors.form = Some(tr.t("replenishment-bad-quantity")),
        }
    }
    if picks.is_empty() && errors.is_empty() {
        errors.form = Some(tr.t("replenishment-pick-one"));
    }
    if !errors.is_empty() {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&state, &viewer, &form, errors),
        )
            .into_response();
    }
    let run = app::Run {
        command_id: forms::command_id(&state.app, &form.command),
        expected_version: None,
    };
    let result = match viewer.caller() {
        Ok(caller) => state.app.draft_replenishment(&caller, run, picks).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(drafted) => {
            let position = drafted
                .iter()
                .filter_map(|drafted| drafted.executed.last_position)
                .max();
            forms::redirect_after(&state, position, "/purchases?status=draft").await
        }
        Err(error) => {
            let errors = FormErrors::from_command(tr, &error, &[]);
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&state, &viewer, &form, errors),
            )
                .into_response()
        }
    }
}
