//! Defining and changing products from the browser (issue 17): a new
//! product (SKU, name, unit, category, barcode, kind, VAT) through
//! `app::catalog::define_product` (a SKU another product holds is refused
//! next to its field), and a product's edit page (name, category,
//! barcode, VAT, discontinued). Every field is checked before anything is
//! written; each change is the product's own command, and one that
//! changes nothing records nothing.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::catalog::{
    DefineProduct, Product, ProductCommand, ProductKind, ProductState, Sku, Unit, VatRate,
};
use domain::ids::{ProductId, derived};
use domain::values::Label;
use serde::Deserialize;

use super::forms::{self, Choice, FormErrors};
use super::i18n::Tr;
use super::{Page, Section, Viewer, format};
use crate::AppState;

/// Product kinds, by code.
const KIND_CODES: [&str; 2] = ["stock_tracked", "service"];

/// The product form as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ProductForm {
    #[serde(default)]
    sku: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    barcode: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    vat_percent: String,
    /// `yes` when ticked (edit only).
    #[serde(default)]
    discontinued: Option<String>,
    #[serde(default)]
    command: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "product_form.html")]
pub struct ProductFormPage {
    page: Page,
    /// `None` for a new product.
    id: Option<String>,
    form: ProductForm,
    kinds: Vec<Choice>,
    errors: FormErrors,
    command: String,
}

fn render(
    state: &AppState,
    viewer: &Viewer,
    id: Option<ProductId>,
    form: ProductForm,
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let (title, back) = match id {
        Some(id) => ("product-edit-title", format!("/catalog/products/{id}/edit")),
        None => ("product-new-title", "/catalog/products/new".to_owned()),
    };
    let page = Page::new(viewer, Section::Catalog, title, back);
    let kinds = forms::choices(page.tr, "product-kind", &KIND_CODES, &form.kind);
    let command = forms::command_id(&state.app, &form.command).to_string();
    (
        status,
        ProductFormPage {
            page,
            id: id.map(|id| id.to_string()),
            form,
            kinds,
            errors,
            command,
        },
    )
        .into_response()
}

fn optional(errors: &mut FormErrors, tr: Tr, field: &'static str, raw: &str) -> Option<Label> {
    Label::parse_optional(field, Some(raw))
        .map_err(|_| errors.add(field, tr.t("form-one-line")))
        .ok()
        .flatten()
}

fn vat_of(errors: &mut FormErrors, tr: Tr, raw: &str) -> Option<VatRate> {
    format::parse_decimal(raw)
        .and_then(|percent| VatRate::parse("vat_percent", percent).ok())
        .or_else(|| {
            errors.add("vat_percent", tr.t("form-vat"));
            None
        })
}

/// `GET /catalog/products/new`.
pub async fn new_form(State(state): State<AppState>, viewer: Viewer) -> Response {
    let form = ProductForm {
        unit: "pcs".to_owned(),
        kind: "stock_tracked".to_owned(),
        vat_percent: "20".to_owned(),
        ..ProductForm::default()
    };
    render(
        &state,
        &viewer,
        None,
        form,
        FormErrors::default(),
        StatusCode::OK,
    )
}

/// `POST /catalog/products/new`: defines the product and opens its page.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<ProductForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let mut errors = FormErrors::default();
    let sku = Sku::parse("sku", &form.sku)
        .map_err(|_| errors.add("sku", tr.t("form-sku")))
        .ok();
    let name = Label::parse("name", &form.name)
        .map_err(|_| errors.add("name", tr.t("form-required-line")))
        .ok();
    let unit = Unit::parse("unit", &form.unit)
        .map_err(|_| errors.add("unit", tr.t("form-unit")))
        .ok();
    let category = optional(&mut errors, tr, "category", &form.category);
    let barcode = optional(&mut errors, tr, "barcode", &form.barcode);
    let kind = match form.kind.as_str() {
        "stock_tracked" => Some(ProductKind::StockTracked),
        "service" => Some(ProductKind::Service),
        _ => {
            errors.add("kind", tr.t("form-choose"));
            None
        }
    };
    let vat = vat_of(&mut errors, tr, &form.vat_percent);
    let (Some(sku), Some(name), Some(unit), Some(kind), Some(vat), true) =
        (sku, name, unit, kind, vat, errors.is_empty())
    else {
        return render(
            &state,
            &viewer,
            None,
            form,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let command_id = forms::command_id(&state.app, &form.command);
    let id = ProductId::from_uuid(derived(command_id, b"product"));
    let define = DefineProduct {
        sku,
        name,
        unit,
        category,
        barcode,
        kind,
        vat,
    };
    let run = app::Run {
        command_id,
        expected_version: None,
    };
    let defined = match viewer.caller() {
        Ok(caller) => {
            app::catalog::define_product(&state.app, &state.read_models, &caller, run, id, define)
                .await
        }
        Err(error) => Err(error),
    };
    match defined {
        Ok(executed) => {
            let location = format!("/catalog/products/{id}");
            forms::redirect_after(&state, executed.last_position, &location).await
        }
        Err(error) => {
            let mut errors = FormErrors::default();
            match &error {
                app::commands::CommandError::Domain(domain::DomainError::Rejected {
                    rule, ..
                }) if *rule == app::catalog::SKU_TAKEN => {
                    errors.add("sku", tr.t("form-sku-taken"));
                }
                _ => errors = FormErrors::from_command(tr, &error, &[("vat", "vat_percent")]),
            }
            render(
                &state,
                &viewer,
                None,
                form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

/// The product `raw` names, with its state.
fn product_of(state: &AppState, raw: &str) -> Option<(ProductId, ProductState)> {
    let id = raw.parse::<ProductId>().ok()?;
    let (product, _) = state.app.load::<Product>(id).ok()?;
    product.map(|product| (id, product))
}

/// `GET /catalog/products/{id}/edit`.
pub async fn edit_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Response {
    let Some((id, product)) = product_of(&state, &raw) else {
        return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    };
    let form = ProductForm {
        sku: product.sku.clone(),
        name: product.name.clone(),
        unit: product.unit.clone(),
        category: product.category.clone().unwrap_or_default(),
        barcode: product.barcode.clone().unwrap_or_default(),
        kind: match product.kind {
            ProductKind::StockTracked => "stock_tracked",
            ProductKind::Service => "service",
        }
        .to_owned(),
        vat_percent: product.vat_percent.normalize().to_string(),
        discontinued: product.discontinued.then(|| "yes".to_owned()),
        command: String::new(),
    };
    render(
        &state,
        &viewer,
        Some(id),
        form,
        FormErrors::default(),
        StatusCode::OK,
    )
}

/// `POST /catalog/products/{id}/edit`: every change the form makes, each
/// the product's own command, after every field is checked.
pub async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Form(form): Form<ProductForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let Some((id, product)) = product_of(&state, &raw) else {
        return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    };
    let mut errors = FormErrors::default();
    let name = Label::parse("name", &form.name)
        .map_err(|_| errors.add("name", tr.t("form-required-line")))
        .ok();
    let category = optional(&mut errors, tr, "category", &form.category);
    let barcode = optional(&mut errors, tr, "barcode", &form.barcode);
    let vat = vat_of(&mut errors, tr, &form.vat_percent);
    let (Some(name), Some(vat), true) = (name, vat, errors.is_empty()) else {
        // The fields the form cannot change show as they are.
        let shown = ProductForm {
            sku: product.sku.clone(),
            unit: product.unit.clone(),
            ..form
        };
        return render(
            &state,
            &viewer,
            Some(id),
            shown,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let discontinue = if form.discontinued.is_some() {
        ProductCommand::Discontinue
    } else {
        ProductCommand::Reinstate
    };
    let commands = [
        ProductCommand::Rename(name),
        ProductCommand::Categorize(category),
        ProductCommand::SetBarcode(barcode),
        ProductCommand::SetVatRate(vat),
        discontinue,
    ];
    let caller = match viewer.caller() {
        Ok(caller) => caller,
        Err(_) => {
            return super::refused_page(StatusCode::FORBIDDEN, viewer.lang, "refused-forbidden");
        }
    };
    let base = forms::command_id(&state.app, &form.command);
    let mut last = None;
    for (step, command) in commands.into_iter().enumerate() {
        let run = app::Run {
            command_id: derived(base, format!("step-{step}").as_bytes()),
            expected_version: None,
        };
        match state
            .app
            .execute::<Product, _>(&caller, run, id, command, None)
            .await
        {
            Ok(executed) => last = executed.last_position.or(last),
            Err(error) => {
                let errors = FormErrors::from_command(
                    tr,
                    &error,
                    &[
                        ("name", "name"),
                        ("category", "category"),
                        ("barcode", "barcode"),
                        ("vat", "vat_percent"),
                    ],
                );
                let shown = ProductForm {
                    sku: product.sku.clone(),
                    unit: product.unit.clone(),
                    ..form
                };
                return render(
                    &state,
                    &viewer,
                    Some(id),
                    shown,
                    errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                );
            }
        }
    }
    forms::redirect_after(&state, last, &format!("/catalog/products/{id}")).await
}
