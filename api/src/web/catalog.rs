//! The catalog: the product list (search by SKU, name or barcode, a
//! category filter, forward pages) and the product page (what it is, its
//! prices in every price list, its stock per warehouse, the movements
//! ledger newest first, and the goods receipt, transfer and inventory
//! count forms, whose handlers live in [`super::stock`]).
//!
//! Search and paging run in the catalog read model, a walk in SKU order
//! from the cursor, so a page costs the same however far down it is.
//! Stock and movements come from the stock read model.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use domain::catalog::{Discount, PriceScope, ProductKind};
use domain::ids::{PartyId, ProductId, WarehouseId};
use projections::models::catalog::{ProductCursor, ProductQuery, ProductRow};
use projections::models::stock::{LedgerCursor, LedgerQuery, MovementEffect, MovementKind};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::Viewer;
use super::customers::NotFoundPage;
use super::format;
use super::forms::FormErrors;
use super::forms::OwnedChoice;
use super::i18n::{Lang, Tr};
use super::{Page, Section, query_string};
use crate::AppState;

/// Rows per page of the product list.
const LIST_PAGE_ROWS: usize = 50;
/// Movements per page of the ledger on a product's page.
const LEDGER_PAGE_ROWS: usize = 25;
/// Longest search text taken from a request.
pub const SEARCH_TEXT_CHARS_MAX: usize = 200;
/// Decimal places a unit cost is shown with.
const COST_DECIMALS: u32 = 4;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    category: String,
    after_sku: Option<String>,
    after_id: Option<String>,
}

/// A row of the product list, ready to show.
#[derive(Debug)]
pub struct ListRow {
    pub href: String,
    pub sku: String,
    pub name: String,
    pub category: String,
    pub unit: String,
    pub on_hand: String,
    pub discontinued: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "catalog.html")]
pub struct ListPage {
    page: Page,
    q: String,
    categories: Vec<OwnedChoice>,
    rows: Vec<ListRow>,
    showing: String,
    next_url: Option<String>,
    first_url: Option<String>,
}

/// A page cursor from its two link parameters.
pub fn product_cursor(sku: Option<&String>, id: Option<&String>) -> Option<ProductCursor> {
    let id = id?.parse::<ProductId>().ok()?;
    Some(ProductCursor {
        sku: sku?.clone(),
        id,
    })
}

/// `GET /catalog`.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ListQuery>,
) -> ListPage {
    let q: String = query.q.chars().take(SEARCH_TEXT_CHARS_MAX).collect();
    let category: String = query.category.chars().take(SEARCH_TEXT_CHARS_MAX).collect();
    let after = product_cursor(query.after_sku.as_ref(), query.after_id.as_ref());
    let paged = after.is_some();
    let filters = [("q", q.as_str()), ("category", category.as_str())];
    let kept: Vec<(&str, &str)> = filters
        .iter()
        .copied()
        .filter(|(_, value)| !value.is_empty())
        .collect();
    let back = if kept.is_empty() {
        "/catalog".to_owned()
    } else {
        format!("/catalog?{}", query_string(&kept))
    };
    let page = Page::new(&viewer, Section::Catalog, "catalog-title", back.clone());
    let tr = page.tr;
    let search = ProductQuery {
        text: q.clone(),
        category: (!category.is_empty()).then(|| category.clone()),
        after,
        limit: LIST_PAGE_ROWS,
    };
    let (found, mut categories) = state.read_models.catalog.read(|catalog| {
        let categories: Vec<OwnedChoice> = catalog
            .categories()
            .map(|(name, _)| OwnedChoice {
                value: name.to_owned(),
                label: name.to_owned(),
                selected: name == category,
            })
            .collect();
        (catalog.search(&search), categories)
    });
    categories.insert(
        0,
        OwnedChoice {
            value: String::new(),
            label: tr.t("catalog-category-all"),
            selected: category.is_empty(),
        },
    );
    // A storekeeper's on-hand figures are those of their branch's
    // warehouses (read before the model's lock, which this takes too).
    let hidden = viewer
        .principal
        .as_ref()
        .and_then(|principal| crate::http::scope::warehouses_out_of_reach(&state, principal))
        .unwrap_or_default();
    let rows = state.read_models.stock.read(|stock| {
        let on_hand = |id: ProductId| -> Decimal {
            stock
                .product_stock(id)
                .warehouses
                .iter()
                .filter(|balance| !hidden.contains(&balance.warehouse.as_uuid()))
                .map(|balance| balance.on_hand)
                .sum()
        };
        found
            .rows
            .iter()
            .map(|(id, row)| ListRow {
                href: format!("/catalog/products/{id}"),
                sku: row.sku.clone(),
                name: row.name.clone(),
                category: row.category.clone().unwrap_or_default(),
                unit: row.unit.clone(),
                on_hand: match row.kind {
                    ProductKind::StockTracked => format::quantity(tr.lang, on_hand(*id)),
                    ProductKind::Service => String::new(),
                },
                discontinued: row.discontinued,
            })
            .collect::<Vec<_>>()
    });
    let next_url = found.next.map(|cursor| {
        let mut pairs = kept.clone();
        let id = cursor.id.to_string();
        pairs.push(("after_sku", &cursor.sku));
        pairs.push(("after_id", &id));
        format!("/catalog?{}", query_string(&pairs))
    });
    let count = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    ListPage {
        showing: tr.plural("catalog-showing", count, &format::integer(tr.lang, count)),
        q,
        categories,
        rows,
        next_url,
        first_url: paged.then_some(back),
        page,
    }
}

// ------------------------------------------------------------ the product

/// A price of the product on one list.
#[derive(Debug)]
pub struct PriceView {
    pub list: String,
    pub scope: String,
    pub from_quantity: String,
    pub unit_price: String,
    pub vat_note: String,
}

/// A standing discount that applies to the product.
#[derive(Debug)]
pub struct DiscountView {
    pub list: String,
    pub scope: String,
    pub applies_to: String,
    pub discount: String,
}

/// The product's stock in one warehouse.
#[derive(Debug)]
pub struct StockView {
    pub warehouse_id: String,
    pub warehouse: String,
    pub on_hand: String,
    pub reserved: String,
    pub available: String,
    pub in_transit: String,
    pub average_cost: String,
    pub reorder_level: String,
}

/// A movement of the ledger.
#[derive(Debug)]
pub struct MovementView {
    pub when: String,
    pub datetime: String,
    pub warehouse: String,
    pub kind: String,
    pub change: String,
    pub balance: String,
    pub unit_cost: String,
    pub detail: String,
    /// Where the detail leads: the production order that used or made the
    /// goods.
    pub detail_href: Option<String>,
}

/// What the three stock forms were sent with, as typed: each form's
/// fields have their own names, so an error lands next to the right one
/// and the other forms keep their defaults.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct StockForms {
    #[serde(default)]
    pub command: String,
    #[serde(default)]
    pub receipt_warehouse: String,
    #[serde(default)]
    pub receipt_quantity: String,
    #[serde(default)]
    pub receipt_unit_cost: String,
    #[serde(default)]
    pub receipt_reference: String,
    #[serde(default)]
    pub transfer_from: String,
    #[serde(default)]
    pub transfer_to: String,
    #[serde(default)]
    pub transfer_quantity: String,
    #[serde(default)]
    pub count_warehouse: String,
    #[serde(default)]
    pub count_quantity: String,
    #[serde(default)]
    pub writeoff_warehouse: String,
    #[serde(default)]
    pub writeoff_quantity: String,
    #[serde(default)]
    pub writeoff_reason: String,
    #[serde(default)]
    pub reorder_warehouse: String,
    #[serde(default)]
    pub reorder_level: String,
    /// The business day and time of a receipt, write-off or count, if
    /// earlier than now (blank: now).
    #[serde(default)]
    pub receipt_day: String,
    #[serde(default)]
    pub receipt_time: String,
    #[serde(default)]
    pub writeoff_day: String,
    #[serde(default)]
    pub writeoff_time: String,
    #[serde(default)]
    pub count_day: String,
    #[serde(default)]
    pub count_time: String,
}

/// The choices of a warehouse select (open warehouses by name).
#[derive(Debug)]
pub struct WarehouseSelects {
    pub receipt: Vec<OwnedChoice>,
    pub transfer_from: Vec<OwnedChoice>,
    pub transfer_to: Vec<OwnedChoice>,
    pub count: Vec<OwnedChoice>,
    pub writeoff: Vec<OwnedChoice>,
    pub reorder: Vec<OwnedChoice>,
}

#[derive(Template, WebTemplate)]
#[template(path = "product.html")]
pub struct ProductPage {
    page: Page,
    id: String,
    sku: String,
    name: String,
    category: String,
    unit: String,
    vat: String,
    barcode: String,
    kind: String,
    discontinued: bool,
    negative_allowed: String,
    prices: Vec<PriceView>,
    discounts: Vec<DiscountView>,
    stock_tracked: bool,
    stock: Vec<StockView>,
    total_on_hand: String,
    total_available: String,
    movements: Vec<MovementView>,
    effect: Option<EffectView>,
    older_url: Option<String>,
    newest_url: Option<String>,
    /// Warehouses the forms offer; no forms without any.
    selects: WarehouseSelects,
    has_warehouses: bool,
    command: String,
    values: StockForms,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
pub struct ProductQueryParams {
    /// The ledger continues after this movement: its business time in
    /// microseconds since 1970 and its log position. Text, so a mangled
    /// link shows the newest movements rather than an error.
    ledger_at: Option<String>,
    ledger_position: Option<String>,
    /// A stock form just wrote the movement at this log position: the
    /// page says what it did to the balances after it.
    pub moved: Option<String>,
}

/// What the movement a stock form just wrote did, in words.
#[derive(Debug)]
pub struct EffectView {
    saved: String,
    balances: String,
}

impl EffectView {
    fn of(lang: Lang, effect: &MovementEffect, warehouse: &str) -> Self {
        let tr = Tr::new(lang);
        let saved = tr.counted(
            "movement-saved",
            0,
            &[
                ("kind", &tr.t(movement_message(effect.kind))),
                ("change", &change_text(lang, effect.change)),
                ("warehouse", warehouse),
                ("when", &format::date_time(lang, effect.occurred_at)),
            ],
        );
        let later = i64::try_from(effect.later).unwrap_or(i64::MAX);
        let balances = tr.counted(
            "movement-balances",
            later,
            &[
                ("after", &format::quantity(lang, effect.balance_after)),
                ("now", &format::quantity(lang, effect.balance_now)),
                ("later", &format::integer(lang, later)),
            ],
        );
        Self { saved, balances }
    }
}

fn ledger_cursor(params: &ProductQueryParams) -> Option<LedgerCursor> {
    let micros = params.ledger_at.as_deref()?.parse::<i64>().ok()?;
    Some(LedgerCursor {
        occurred_at: DateTime::<Utc>::from_timestamp_micros(micros)?,
        position: params.ledger_position.as_deref()?.parse().ok()?,
    })
}

pub(super) fn scope_text(state: &AppState, tr: Tr, scope: &PriceScope) -> String {
    match scope {
        PriceScope::Everyone => tr.t("product-scope-everyone"),
        PriceScope::Segment(tag) => tr.t1("product-scope-segment", "segment", tag),
        PriceScope::Party(party) => tr.t1(
            "product-scope-party",
            "customer",
            &customer_name(state, *party),
        ),
    }
}

fn customer_name(state: &AppState, party: PartyId) -> String {
    state.read_models.customers.read(|customers| {
        customers
            .resolve(party)
            .map(|row| row.display_name.clone())
            .unwrap_or_else(|| party.to_string())
    })
}

fn movement_message(kind: MovementKind) -> &'static str {
    match kind {
        MovementKind::Received => "movement-received",
        MovementKind::Issued => "movement-issued",
        MovementKind::TransferredOut => "movement-transferred-out",
        MovementKind::TransferredIn => "movement-transferred-in",
        MovementKind::Counted => "movement-counted",
        MovementKind::Returned => "movement-returned",
        MovementKind::Consumed => "movement-consumed",
    }
}

/// A signed quantity: a plus sign on what came in.
fn change_text(lang: Lang, change: Decimal) -> String {
    let shown = format::quantity(lang, change);
    if change > Decimal::ZERO {
        format!("+{shown}")
    } else {
        shown
    }
}

fn not_found(viewer: &Viewer, raw_id: &str) -> Response {
    let page = Page::new(
        viewer,
        Section::Catalog,
        "product-not-found",
        format!("/catalog/products/{raw_id}"),
    );
    let body = page.t("product-not-found-body");
    (StatusCode::NOT_FOUND, NotFoundPage::new(page, body)).into_response()
}

/// The product a path names, if the catalog knows it.
pub fn known_product(state: &AppState, raw_id: &str) -> Option<(ProductId, ProductRow)> {
    let id = raw_id.parse::<ProductId>().ok()?;
    state
        .read_models
        .catalog
        .read(|catalog| catalog.product(id).cloned())
        .map(|row| (id, row))
}

/// Open warehouses by name, each marked chosen if its id is `chosen`.
fn warehouse_choices(
    warehouses: &[(WarehouseId, String)],
    chosen: &str,
    placeholder: String,
) -> Vec<OwnedChoice> {
    let mut choices = vec![OwnedChoice {
        value: String::new(),
        label: placeholder,
        selected: chosen.is_empty(),
    }];
    choices.extend(warehouses.iter().map(|(id, name)| OwnedChoice {
        value: id.to_string(),
        label: name.clone(),
        selected: id.to_string() == chosen,
    }));
    choices
}

/// The product page, with the stock forms as typed and their errors.
pub fn render_product(
    state: &AppState,
    viewer: &Viewer,
    raw_id: &str,
    params: &ProductQueryParams,
    values: StockForms,
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let lang = viewer.lang;
    let Some((id, product)) = known_product(state, raw_id) else {
        return not_found(viewer, raw_id);
    };
    let mut page = Page::new(
        viewer,
        Section::Catalog,
        "product-title",
        format!("/catalog/products/{id}"),
    );
    let tr = page.tr;
    page.title = product.name.clone();
    let yes_no = |flag: bool| tr.t(if flag { "product-yes" } else { "product-no" });

    let (prices, discounts) = state
        .read_models
        .catalog
        .read(|catalog| (catalog.product_prices(id), catalog.product_discounts(id)));
    let prices = prices
        .into_iter()
        .map(|price| PriceView {
            list: price.list_name,
            scope: scope_text(state, tr, &price.scope),
            from_quantity: format::quantity(lang, price.min_quantity),
            unit_price: format::money(lang, price.unit_price, price.currency),
            vat_note: tr.t(if price.prices_include_vat {
                "product-vat-included"
            } else {
                "product-vat-excluded"
            }),
        })
        .collect();
    let discounts = discounts
        .into_iter()
        .map(|discount| DiscountView {
            list: discount.list_name,
            scope: scope_text(state, tr, &discount.scope),
            applies_to: tr.t(if discount.for_this_product {
                "product-discount-this-product"
            } else {
                "product-discount-all-products"
            }),
            discount: match discount.discount {
                Discount::Percent(percent) => {
                    format!("{} %", format::quantity(lang, percent))
                }
                Discount::Amount(amount) => format::money(lang, amount, discount.currency),
            },
        })
        .collect();

    let ledger_query = LedgerQuery {
        after: ledger_cursor(params),
        limit: LEDGER_PAGE_ROWS,
        newest_first: true,
        ..LedgerQuery::of(id)
    };
    // A storekeeper sees the stock of their branch's warehouses only
    // (read before the model's lock, which this takes too).
    let hidden = viewer
        .principal
        .as_ref()
        .and_then(|principal| crate::http::scope::warehouses_out_of_reach(state, principal))
        .unwrap_or_default();
    let shown = |warehouse: WarehouseId| !hidden.contains(&warehouse.as_uuid());
    let (stock, totals, ledger, warehouses) = state.read_models.stock.read(|stock| {
        let name = |warehouse: WarehouseId| {
            stock
                .warehouse_info(warehouse)
                .map(|info| info.name.clone())
                .unwrap_or_else(|| warehouse.to_string())
        };
        let mut product_stock = stock.product_stock(id);
        if !hidden.is_empty() {
            product_stock
                .warehouses
                .retain(|balance| shown(balance.warehouse));
            let balances = &product_stock.warehouses;
            product_stock.totals = projections::models::stock::StockTotals {
                on_hand: balances.iter().map(|balance| balance.on_hand).sum(),
                reserved: balances.iter().map(|balance| balance.reserved).sum(),
                available: balances.iter().map(|balance| balance.available).sum(),
                in_transit: balances.iter().map(|balance| balance.in_transit).sum(),
                value: balances.iter().map(|balance| balance.value).sum(),
            };
        }
        let rows: Vec<StockView> = product_stock
            .warehouses
            .iter()
            .map(|balance| StockView {
                warehouse_id: balance.warehouse.to_string(),
                warehouse: name(balance.warehouse),
                on_hand: format::quantity(lang, balance.on_hand),
                reserved: format::quantity(lang, balance.reserved),
                available: format::quantity(lang, balance.available),
                in_transit: format::quantity(lang, balance.in_transit),
                average_cost: format::decimal(lang, balance.average_cost, COST_DECIMALS),
                reorder_level: balance
                    .reorder_level
                    .map(|level| format::quantity(lang, level))
                    .unwrap_or_default(),
            })
            .collect();
        let ledger = stock.ledger(&ledger_query);
        let movements: Vec<MovementView> = ledger
            .entries
            .iter()
            .filter(|entry| shown(entry.warehouse))
            .map(|entry| MovementView {
                when: format::date_time(lang, entry.occurred_at),
                datetime: entry.occurred_at.to_rfc3339(),
                warehouse: name(entry.warehouse),
                kind: tr.t(movement_message(entry.kind)),
                change: change_text(lang, entry.change),
                balance: format::quantity(lang, entry.warehouse_balance_after),
                unit_cost: format::decimal(lang, entry.unit_cost, COST_DECIMALS),
                detail: match (&entry.reference, &entry.transfer) {
                    (_, Some(link)) => tr.t1(
                        if entry.kind == MovementKind::TransferredOut {
                            "movement-to"
                        } else {
                            "movement-from"
                        },
                        "warehouse",
                        &name(link.warehouse),
                    ),
                    (Some(reference), None) => reference.clone(),
                    (None, None) => String::new(),
                },
                detail_href: None,
            })
            .collect();
        let effect = params
            .moved
            .as_deref()
            .and_then(|position| position.parse::<u64>().ok())
            .and_then(|position| stock.movement_effect(id, position))
            .filter(|effect| shown(effect.warehouse))
            .map(|effect| EffectView::of(lang, &effect, &name(effect.warehouse)));
        let warehouses: Vec<(WarehouseId, String)> = stock
            .warehouses()
            .into_iter()
            .filter(|(id, info)| !info.closed && shown(*id))
            .map(|(id, info)| (id, info.name.clone()))
            .collect();
        (
            rows,
            product_stock.totals,
            (movements, ledger.next, effect),
            warehouses,
        )
    });
    let (mut movements, next, effect) = ledger;
    // Named by the production model, read after the stock's lock is let
    // go: "production <id>" becomes the order's number, linked.
    name_production_orders(state, tr, &mut movements);
    let older_url = next.map(|cursor| {
        format!(
            "/catalog/products/{id}?ledger_at={}&ledger_position={}#movements",
            cursor.occurred_at.timestamp_micros(),
            cursor.position
        )
    });
    let newest_url = ledger_query
        .after
        .is_some()
        .then(|| format!("/catalog/products/{id}#movements"));
    let choose = tr.t("stock-choose-warehouse");
    let selects = WarehouseSelects {
        receipt: warehouse_choices(&warehouses, &values.receipt_warehouse, choose.clone()),
        transfer_from: warehouse_choices(&warehouses, &values.transfer_from, choose.clone()),
        transfer_to: warehouse_choices(&warehouses, &values.transfer_to, choose.clone()),
        count: warehouse_choices(&warehouses, &values.count_warehouse, choose.clone()),
        writeoff: warehouse_choices(&warehouses, &values.writeoff_warehouse, choose.clone()),
        reorder: warehouse_choices(&warehouses, &values.reorder_warehouse, choose),
    };
    let page = ProductPage {
        id: id.to_string(),
        sku: product.sku,
        category: product.category.unwrap_or_default(),
        unit: product.unit,
        vat: format!("{} %", format::quantity(lang, product.vat_percent)),
        barcode: product.barcode.unwrap_or_default(),
        kind: tr.t(match product.kind {
            ProductKind::StockTracked => "product-kind-stock-tracked",
            ProductKind::Service => "product-kind-service",
        }),
        discontinued: product.discontinued,
        negative_allowed: yes_no(product.allows_negative_stock),
        name: product.name,
        prices,
        discounts,
        stock_tracked: product.kind == ProductKind::StockTracked,
        stock,
        total_on_hand: format::quantity(lang, totals.on_hand),
        total_available: format::quantity(lang, totals.available),
        movements,
        effect,
        older_url,
        newest_url,
        has_warehouses: !warehouses.is_empty(),
        selects,
        // A fresh id for a fresh page; a refused form keeps its id, so a
        // transfer whose second half failed completes when sent again.
        command: if values.command.is_empty() {
            state.app.new_id().to_string()
        } else {
            values.command.clone()
        },
        values,
        errors,
        page,
    };
    (status, page).into_response()
}

/// `GET /catalog/products/{id}`.
pub async fn product(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw_id): Path<String>,
    Query(params): Query<ProductQueryParams>,
) -> Response {
    render_product(
        &state,
        &viewer,
        &raw_id,
        &params,
        StockForms::default(),
        FormErrors::default(),
        StatusCode::OK,
    )
}

/// Gives the movements a production order caused (`production <id>`) the
/// order's number and a link to it.
fn name_production_orders(state: &AppState, tr: Tr, movements: &mut [MovementView]) {
    let orders: Vec<(usize, domain::ids::ProductionOrderId)> = movements
        .iter()
        .enumerate()
        .filter_map(|(index, movement)| {
            domain::process::produced_by(&movement.detail).map(|order| (index, order))
        })
        .collect();
    if orders.is_empty() {
        return;
    }
    state.read_models.production.read(|production| {
        for (index, order) in orders {
            let number = production
                .get(order)
                .and_then(|row| row.number.as_deref().map(str::to_owned))
                .unwrap_or_else(|| order.to_string().chars().skip(28).collect());
            let movement = &mut movements[index];
            movement.detail = tr.t1("movement-production", "number", &number);
            movement.detail_href = Some(format!("/production/{order}"));
        }
    });
}
