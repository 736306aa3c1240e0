//! Stock: the overview of one warehouse (its products in SKU order,
//! searched and paged, and the low-stock list of every warehouse), and the
//! product page's three forms: a goods receipt, a transfer between
//! warehouses and an inventory count.
//!
//! The forms run the stock decider through the command handler, one
//! stream per (product, warehouse); a transfer is `app`'s use case
//! ([`app::stock`]), with a command id derived from the form's, so sending
//! a form again after its second half failed completes it.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use domain::catalog::{ProductKind, Quantity, UnitPrice};
use domain::error::DomainError;
use domain::ids::{ProductId, WarehouseId};
use domain::inventory::StockCommand;
use domain::values::Label;
use projections::PAGE_ROWS_MAX;
use projections::models::catalog::{ProductCursor, ProductQuery};
use serde::Deserialize;
use uuid::Uuid;

use super::Viewer;
use super::catalog::{ProductQueryParams, SEARCH_TEXT_CHARS_MAX, StockForms, product_cursor};
use super::format;
use super::forms::OwnedChoice;
use super::forms::{self, FormErrors};
use super::i18n::Tr;
use super::{Page, Section, query_string};
use crate::AppState;
use app::commands::{CommandError, Executed};

/// Rows per page of a warehouse's stock.
const OVERVIEW_PAGE_ROWS: usize = 50;
/// Rows of the low-stock list.
const LOW_STOCK_ROWS: usize = 50;

// ------------------------------------------------------------ the forms

/// Which of the product page's stock forms was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StockAction {
    Receipt,
    Transfer,
    Count,
    WriteOff,
    ReorderLevel,
}

impl StockAction {
    /// The key of errors about the form as a whole, shown inside it.
    fn form_key(self) -> &'static str {
        match self {
            Self::Receipt => "receipt",
            Self::Transfer => "transfer",
            Self::Count => "count",
            Self::WriteOff => "writeoff",
            Self::ReorderLevel => "reorder",
        }
    }

    /// The field a quantity the stock cannot give is shown next to.
    fn quantity_field(self) -> &'static str {
        match self {
            Self::Receipt => "receipt_quantity",
            Self::Transfer => "transfer_quantity",
            Self::Count => "count_quantity",
            Self::WriteOff => "writeoff_quantity",
            Self::ReorderLevel => "reorder_level",
        }
    }
}

/// Why a form did nothing: its fields (already in the errors), or a
/// command.
#[derive(Debug)]
enum Failed {
    Fields,
    Command(CommandError),
}

impl From<CommandError> for Failed {
    fn from(error: CommandError) -> Self {
        Self::Command(error)
    }
}

/// A stock form as sent, for the product it acts on.
struct Sent<'a> {
    state: &'a AppState,
    viewer: &'a Viewer,
    tr: Tr,
    product: ProductId,
    form: &'a StockForms,
    command_id: Uuid,
}

impl Sent<'_> {
    /// Whether the viewer may move stock in `warehouse`: a storekeeper
    /// only in their branch's warehouses (`app`'s rule, checked again by
    /// the use case; here it puts the message next to the select).
    fn in_reach(&self, warehouse: WarehouseId) -> bool {
        self.caller().is_ok_and(|caller| {
            app::access::ensure_warehouse_in_reach(
                &self.state.commands,
                &caller,
                domain::access::Action::Create,
                warehouse,
            )
            .is_ok()
        })
    }

    /// An open warehouse chosen in a select, or an error next to it.
    fn warehouse(
        &self,
        raw: &str,
        field: &'static str,
        errors: &mut FormErrors,
    ) -> Option<WarehouseId> {
        let warehouse = raw.trim().parse::<WarehouseId>().ok().filter(|id| {
            self.state
                .read_models
                .stock
                .read(|stock| stock.warehouse_info(*id).is_some_and(|info| !info.closed))
                && self.in_reach(*id)
        });
        if warehouse.is_none() {
            errors.add(field, self.tr.t("form-choose"));
        }
        warehouse
    }

    /// A quantity more than zero, or an error next to its field.
    fn quantity(
        &self,
        raw: &str,
        field: &'static str,
        errors: &mut FormErrors,
    ) -> Option<Quantity> {
        let quantity =
            format::parse_decimal(raw).and_then(|value| Quantity::parse(field, value).ok());
        if quantity.is_none() {
            errors.add(field, self.tr.t("form-positive-number"));
        }
        quantity
    }

    /// Runs `command` on this product's stock in `warehouse` (`app`'s use
    /// case).
    async fn run(
        &self,
        warehouse: WarehouseId,
        command: StockCommand,
        occurred_at: Option<DateTime<Utc>>,
    ) -> Result<Executed, CommandError> {
        let command_id = self.command_id;
        let run = app::Run {
            command_id,
            expected_version: None,
        };
        self.state
            .app
            .stock()
            .record(
                &self.caller()?,
                run,
                (self.product, warehouse),
                command,
                occurred_at,
            )
            .await
    }

    /// The business time of a move, if earlier than now: a day (and a
    /// time, noon unless given), or an error next to the day.
    fn occurred_at(
        &self,
        (day, time): (&str, &str),
        field: &'static str,
        errors: &mut FormErrors,
    ) -> Result<Option<DateTime<Utc>>, ()> {
        let at = forms::moment(day, time, (12, 0));
        match at {
            Ok(Some(at)) if at > self.state.app.clock.now() => {
                errors.add(field, self.tr.t("form-date-time"));
                Err(())
            }
            Ok(at) => Ok(at),
            Err(()) => {
                errors.add(field, self.tr.t("form-date-time"));
                Err(())
            }
        }
    }

    /// Who sends the form.
    fn caller(&self) -> Result<app::access::Caller, CommandError> {
        self.viewer.caller()
    }

    async fn receive(&self, errors: &mut FormErrors) -> Result<Executed, Failed> {
        let warehouse = self.warehouse(&self.form.receipt_warehouse, "receipt_warehouse", errors);
        let quantity = self.quantity(&self.form.receipt_quantity, "receipt_quantity", errors);
        let unit_cost = format::parse_decimal(&self.form.receipt_unit_cost)
            .and_then(|value| UnitPrice::parse("receipt_unit_cost", value).ok());
        if unit_cost.is_none() {
            errors.add("receipt_unit_cost", self.tr.t("stock-cost-number"));
        }
        let reference =
            Label::parse_optional("receipt_reference", Some(&self.form.receipt_reference));
        if reference.is_err() {
            errors.add("receipt_reference", self.tr.t("form-one-line"));
        }
        let form = self.form;
        let at = self.occurred_at(
            (&form.receipt_day, &form.receipt_time),
            "receipt_day",
            errors,
        );
        let (Some(warehouse), Some(quantity), Some(unit_cost), Ok(reference), Ok(at)) =
            (warehouse, quantity, unit_cost, reference, at)
        else {
            return Err(Failed::Fields);
        };
        let command = StockCommand::Receive {
            quantity,
            unit_cost,
            reference,
        };
        Ok(self.run(warehouse, command, at).await?)
    }

    async fn write_off(&self, errors: &mut FormErrors) -> Result<Executed, Failed> {
        let form = self.form;
        let warehouse = self.warehouse(&form.writeoff_warehouse, "writeoff_warehouse", errors);
        let quantity = self.quantity(&form.writeoff_quantity, "writeoff_quantity", errors);
        // The reason is required: a write-off nobody can explain is the
        // first thing an auditor asks about.
        let reason = Label::parse("writeoff_reason", &form.writeoff_reason);
        if reason.is_err() {
            errors.add("writeoff_reason", self.tr.t("writeoff-reason-required"));
        }
        let at = self.occurred_at(
            (&form.writeoff_day, &form.writeoff_time),
            "writeoff_day",
            errors,
        );
        let (Some(warehouse), Some(quantity), Ok(reason), Ok(at)) =
            (warehouse, quantity, reason, at)
        else {
            return Err(Failed::Fields);
        };
        let command = StockCommand::Issue {
            quantity,
            reservation: None,
            reference: Some(reason),
            negative_allowed: false,
        };
        Ok(self.run(warehouse, command, at).await?)
    }

    async fn reorder_level(&self, errors: &mut FormErrors) -> Result<Executed, Failed> {
        let form = self.form;
        let warehouse = self.warehouse(&form.reorder_warehouse, "reorder_warehouse", errors);
        // Blank clears the level; zero is a level too.
        let level = match form.reorder_level.trim() {
            "" => Some(None),
            text => format::parse_decimal(text)
                .and_then(|value| Quantity::parse_break("reorder_level", value).ok())
                .map(Some),
        };
        if level.is_none() {
            errors.add("reorder_level", self.tr.t("count-not-negative"));
        }
        let (Some(warehouse), Some(level)) = (warehouse, level) else {
            return Err(Failed::Fields);
        };
        let command = StockCommand::SetReorderLevel { level };
        Ok(self.run(warehouse, command, None).await?)
    }

    async fn transfer(&self, errors: &mut FormErrors) -> Result<Executed, Failed> {
        let from = self.warehouse(&self.form.transfer_from, "transfer_from", errors);
        let to = self.warehouse(&self.form.transfer_to, "transfer_to", errors);
        if from.is_some() && from == to {
            errors.add("transfer_to", self.tr.t("transfer-same-warehouse"));
        }
        let quantity = self.quantity(&self.form.transfer_quantity, "transfer_quantity", errors);
        let (Some(from), Some(to), Some(quantity), true) = (from, to, quantity, errors.is_empty())
        else {
            return Err(Failed::Fields);
        };
        let run = app::Run {
            command_id: self.command_id,
            expected_version: None,
        };
        let transfer = app::stock::TransferStock {
            product: self.product,
            from,
            to,
            quantity,
        };
        let done = self
            .state
            .app
            .stock()
            .transfer(&self.caller()?, run, transfer)
            .await?;
        Ok(done.executed)
    }

    async fn count(&self, errors: &mut FormErrors) -> Result<Executed, Failed> {
        let warehouse = self.warehouse(&self.form.count_warehouse, "count_warehouse", errors);
        // Zero is a count too: the shelf is empty.
        let counted = format::parse_decimal(&self.form.count_quantity)
            .and_then(|value| Quantity::parse_break("count_quantity", value).ok());
        if counted.is_none() {
            errors.add("count_quantity", self.tr.t("count-not-negative"));
        }
        let form = self.form;
        let at = self.occurred_at((&form.count_day, &form.count_time), "count_day", errors);
        let (Some(warehouse), Some(counted), Ok(at)) = (warehouse, counted, at) else {
            return Err(Failed::Fields);
        };
        let command = StockCommand::Count { counted };
        Ok(self.run(warehouse, command, at).await?)
    }
}

/// Runs one of the product page's stock forms; a refusal shows the page
/// again with everything typed and the reason next to the field or at the
/// top of that form.
async fn act(
    state: AppState,
    viewer: Viewer,
    raw_id: String,
    form: StockForms,
    action: StockAction,
) -> Response {
    let lang = viewer.lang;
    let tr = Tr::new(lang);
    let params = ProductQueryParams::default();
    let Some((product, row)) = super::catalog::known_product(&state, &raw_id) else {
        return super::catalog::render_product(
            &state,
            &viewer,
            &raw_id,
            &params,
            form,
            FormErrors::default(),
            StatusCode::NOT_FOUND,
        );
    };
    let mut errors = FormErrors::default();
    let command_id = Uuid::new_v5(
        &forms::command_id(&state.app, &form.command),
        format!("{action:?}").as_bytes(),
    );
    let sent = Sent {
        state: &state,
        viewer: &viewer,
        tr,
        product,
        form: &form,
        command_id,
    };
    let result = if row.kind == ProductKind::Service {
        errors.add(action.form_key(), tr.t("product-service-no-stock"));
        Err(Failed::Fields)
    } else {
        match action {
            StockAction::Receipt => sent.receive(&mut errors).await,
            StockAction::Transfer => sent.transfer(&mut errors).await,
            StockAction::Count => sent.count(&mut errors).await,
            StockAction::WriteOff => sent.write_off(&mut errors).await,
            StockAction::ReorderLevel => sent.reorder_level(&mut errors).await,
        }
    };
    match result {
        Ok(executed) => {
            // A move comes back to the page with what it did to the
            // balances after it (a back-dated one changed them all).
            let to = match (action, executed.last_position) {
                (StockAction::ReorderLevel, _) | (_, None) => {
                    format!("/catalog/products/{product}")
                }
                (_, Some(position)) => {
                    format!("/catalog/products/{product}?moved={position}#stock")
                }
            };
            forms::redirect_after(&state, executed.last_position, &to).await
        }
        Err(failed) => {
            if let Failed::Command(error) = failed {
                errors = command_errors(tr, &error, action);
            }
            super::catalog::render_product(
                &state,
                &viewer,
                &raw_id,
                &params,
                form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

/// A command's refusal, inside the form that was sent: too little stock
/// next to the quantity, anything else at the top of that form.
fn command_errors(tr: Tr, error: &CommandError, action: StockAction) -> FormErrors {
    let mut errors = FormErrors::default();
    if let CommandError::Domain(DomainError::Rejected { rule, .. }) = error
        && *rule == "stock.insufficient"
    {
        errors.add(action.quantity_field(), tr.t("stock-insufficient"));
        return errors;
    }
    let general = FormErrors::from_command(tr, error, &[]);
    if let Some(message) = general.form {
        errors.add(action.form_key(), message);
    }
    errors
}

/// `POST /catalog/products/{id}/{receipt,transfer,count,writeoff,reorder}`.
pub async fn stock_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((raw_id, action)): Path<(String, String)>,
    Form(form): Form<StockForms>,
) -> Response {
    let action = match action.as_str() {
        "receipt" => StockAction::Receipt,
        "transfer" => StockAction::Transfer,
        "count" => StockAction::Count,
        "writeoff" => StockAction::WriteOff,
        "reorder" => StockAction::ReorderLevel,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    act(state, viewer.clone(), raw_id, form, action).await
}

// ---------------------------------------------------------- the overview

#[derive(Debug, Default, Deserialize)]
pub struct OverviewQuery {
    #[serde(default)]
    warehouse: String,
    #[serde(default)]
    q: String,
    after_sku: Option<String>,
    after_id: Option<String>,
}

/// A product's stock in the chosen warehouse.
#[derive(Debug)]
pub struct OverviewRow {
    pub href: String,
    pub sku: String,
    pub name: String,
    pub on_hand: String,
    pub reserved: String,
    pub available: String,
    pub in_transit: String,
    pub reorder_level: String,
    pub low: bool,
}

/// A line of the low-stock list.
#[derive(Debug)]
pub struct LowRow {
    pub href: String,
    pub sku: String,
    pub name: String,
    pub warehouse: String,
    pub available: String,
    pub reorder_level: String,
    pub shortfall: String,
    pub in_transit: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "stock.html")]
pub struct OverviewPage {
    page: Page,
    warehouses: Vec<OwnedChoice>,
    q: String,
    rows: Vec<OverviewRow>,
    next_url: Option<String>,
    first_url: Option<String>,
    low: Vec<LowRow>,
}

/// `GET /catalog/stock`: one warehouse's stock (unless chosen, the first
/// open one by name) and the low-stock list.
pub async fn overview(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<OverviewQuery>,
) -> OverviewPage {
    let lang = viewer.lang;
    let q: String = query.q.chars().take(SEARCH_TEXT_CHARS_MAX).collect();
    let after = product_cursor(query.after_sku.as_ref(), query.after_id.as_ref());
    let paged = after.is_some();
    // A storekeeper chooses among their branch's warehouses only.
    let hidden = viewer
        .principal
        .as_ref()
        .and_then(|principal| crate::http::scope::warehouses_out_of_reach(&state, principal))
        .unwrap_or_default();
    let warehouses: Vec<(WarehouseId, String, bool)> = state.read_models.stock.read(|stock| {
        stock
            .warehouses()
            .into_iter()
            .filter(|(id, _)| !hidden.contains(&id.as_uuid()))
            .map(|(id, info)| (id, info.name.clone(), info.closed))
            .collect()
    });
    let chosen = query
        .warehouse
        .parse::<WarehouseId>()
        .ok()
        .filter(|id| warehouses.iter().any(|(known, _, _)| known == id))
        .or_else(|| {
            warehouses
                .iter()
                .find(|(_, _, closed)| !closed)
                .map(|(id, _, _)| *id)
        });
    let chosen_text = chosen.map(|id| id.to_string()).unwrap_or_default();
    let mut kept: Vec<(&str, &str)> = vec![("warehouse", chosen_text.as_str())];
    if !q.is_empty() {
        kept.push(("q", q.as_str()));
    }
    let back = format!("/catalog/stock?{}", query_string(&kept));
    let page = Page::new(&viewer, Section::Catalog, "stock-title", back.clone());
    let tr = page.tr;
    let closed = tr.t("stock-closed");
    let choices = warehouses
        .iter()
        .map(|(id, name, is_closed)| OwnedChoice {
            value: id.to_string(),
            label: if *is_closed {
                format!("{name} {closed}")
            } else {
                name.clone()
            },
            selected: Some(*id) == chosen,
        })
        .collect();

    let (rows, next) = match chosen {
        Some(warehouse) => warehouse_page(&state, lang, warehouse, &q, after),
        None => (Vec::new(), None),
    };
    let next_url = next.map(|(sku, id)| {
        let mut pairs = kept.clone();
        let id = id.to_string();
        pairs.push(("after_sku", &sku));
        pairs.push(("after_id", &id));
        format!("/catalog/stock?{}", query_string(&pairs))
    });
    let low = state.read_models.stock.read(|stock| {
        stock
            .low_stock(LOW_STOCK_ROWS)
            .into_iter()
            .map(|row| LowRow {
                href: format!("/catalog/products/{}", row.product),
                sku: row.sku,
                name: row.product_name,
                warehouse: row.warehouse_name,
                available: format::quantity(lang, row.available),
                reorder_level: format::quantity(lang, row.reorder_level),
                shortfall: format::quantity(lang, row.shortfall),
                in_transit: format::quantity(lang, row.in_transit),
            })
            .collect()
    });
    OverviewPage {
        warehouses: choices,
        q,
        rows,
        next_url,
        first_url: paged.then_some(back),
        low,
        page,
    }
}

/// A page of the products with stock in `warehouse`, in SKU order: the
/// catalog's search walked a model page at a time until the page is full,
/// so a page reads each product at most once.
fn warehouse_page(
    state: &AppState,
    lang: super::i18n::Lang,
    warehouse: WarehouseId,
    q: &str,
    mut after: Option<ProductCursor>,
) -> (Vec<OverviewRow>, Option<(String, ProductId)>) {
    let mut rows = Vec::with_capacity(OVERVIEW_PAGE_ROWS);
    // The last row shown: where the next page starts.
    let mut last_shown: Option<(String, ProductId)> = None;
    loop {
        let found = state.read_models.catalog.read(|catalog| {
            catalog.search(&ProductQuery {
                text: q.to_owned(),
                category: None,
                after: after.clone(),
                limit: PAGE_ROWS_MAX,
            })
        });
        let more = state.read_models.stock.read(|stock| {
            for (id, product) in &found.rows {
                let Some(balance) = stock.balance(*id, warehouse) else {
                    continue;
                };
                if rows.len() == OVERVIEW_PAGE_ROWS {
                    return true;
                }
                last_shown = Some((product.sku.clone(), *id));
                rows.push(OverviewRow {
                    href: format!("/catalog/products/{id}"),
                    sku: product.sku.clone(),
                    name: product.name.clone(),
                    on_hand: format::quantity(lang, balance.on_hand),
                    reserved: format::quantity(lang, balance.reserved),
                    available: format::quantity(lang, balance.available),
                    in_transit: format::quantity(lang, balance.in_transit),
                    reorder_level: balance
                        .reorder_level
                        .map(|level| format::quantity(lang, level))
                        .unwrap_or_default(),
                    low: balance
                        .reorder_level
                        .is_some_and(|level| balance.available < level),
                });
            }
            false
        });
        if more {
            return (rows, last_shown);
        }
        match found.next {
            Some(cursor) => after = Some(cursor),
            None => return (rows, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::Lang;

    /// Too little stock lands next to the quantity of the form that was
    /// sent; any other refusal or a conflict stands at the top of that
    /// form, never of another: it protects where the user sees why the
    /// stock did not change.
    #[test]
    fn a_refusal_lands_in_the_form_that_was_sent() {
        let tr = Tr::new(Lang::En);
        let short = CommandError::Domain(DomainError::rejected("stock.insufficient", "short"));
        let errors = command_errors(tr, &short, StockAction::Transfer);
        assert_eq!(
            errors.get("transfer_quantity"),
            Some(tr.t("stock-insufficient").as_str())
        );
        assert!(errors.get("transfer").is_none() && errors.form.is_none());

        let closed = CommandError::Domain(DomainError::rejected("warehouse.closed", "closed"));
        let errors = command_errors(tr, &closed, StockAction::Count);
        assert!(
            errors
                .get("count")
                .is_some_and(|text| text.contains("warehouse.closed"))
        );
        assert!(errors.get("receipt").is_none() && errors.form.is_none());

        let conflict = CommandError::Conflict {
            expected: 1,
            actual: Some(2),
        };
        let errors = command_errors(tr, &conflict, StockAction::Receipt);
        assert_eq!(errors.get("receipt"), Some(tr.t("form-conflict").as_str()));
    }
}
