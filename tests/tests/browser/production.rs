//! Production in the browser (issue 18): the whole flow a workshop runs:
//! components bought and received with freight, a bill of materials
//! defined, a production order planned, released and reported done, the
//! finished goods sold and shipped, and the margin report showing what
//! they cost: the components' landed cost rolled up with the operations.
//! And the order page in Arabic, with a shortage shown before release.

use super::catalog::{choose, type_into, wait_for_text};
use super::*;
use domain::catalog::{
    DefineProduct, PriceList, PriceListCommand, PriceScope, Product, ProductCommand, ProductKind,
    Quantity, Sku, Unit, UnitPrice, VatRate,
};
use domain::ids::{PriceListId, ProductId, WarehouseId};
use domain::values::Label;

/// A new stock-tracked product, `sku` and `name`.
async fn product(app: &TestApp, sku: &str, name: &str) -> ProductId {
    let id = ProductId::from_uuid(Uuid::now_v7());
    let command = ProductCommand::Define(DefineProduct {
        sku: Sku::parse("sku", sku).unwrap(),
        name: Label::parse("name", name).unwrap(),
        unit: Unit::parse("unit", "pcs").unwrap(),
        category: None,
        barcode: None,
        kind: ProductKind::StockTracked,
        vat: VatRate::parse("vat", Decimal::from(20)).unwrap(),
    });
    app.state
        .app
        .execute::<Product, _>(&administrator(), run(), id, command, None)
        .await
        .unwrap();
    id
}

/// A EUR price list selling `product` at `price`.
async fn price_list(app: &TestApp, product: ProductId, price: i64) -> PriceListId {
    let id = PriceListId::from_uuid(Uuid::now_v7());
    app.state
        .app
        .execute::<PriceList, _>(
            &administrator(),
            run(),
            id,
            PriceListCommand::Define {
                name: Label::parse("name", "Workshop").unwrap(),
                currency: eur(),
                prices_include_vat: false,
            },
            None,
        )
        .await
        .unwrap();
    let executed = app
        .state
        .app
        .execute::<PriceList, _>(
            &administrator(),
            run(),
            id,
            PriceListCommand::SetPrice {
                product,
                scope: PriceScope::Everyone,
                min_quantity: Quantity::parse_break("min", Decimal::ZERO).unwrap(),
                unit_price: UnitPrice::parse("price", Decimal::from(price)).unwrap(),
            },
            None,
        )
        .await
        .unwrap();
    app.state
        .read_models
        .wait_for(executed.last_position.unwrap())
        .await
        .unwrap();
    id
}

fn first_warehouse(app: &TestApp) -> WarehouseId {
    app.state.read_models.stock.read(|stock| {
        stock
            .warehouses()
            .into_iter()
            .find(|(_, info)| !info.closed)
            .map(|(id, _)| id)
            .unwrap()
    })
}

/// A demo party with the supplier role, and one that only buys.
fn supplier_and_customer(app: &TestApp) -> (PartyId, PartyId) {
    app.state.read_models.customers.read(|customers| {
        let supplier = customers
            .rows()
            .find(|row| !row.erased && row.roles.supplier)
            .map(|row| row.id)
            .expect("a supplier in the demo");
        let customer = customers
            .rows()
            .find(|row| {
                !row.erased && !row.is_person() && row.roles.customer && !row.roles.supplier
            })
            .map(|row| row.id)
            .expect("a customer in the demo");
        (supplier, customer)
    })
}

/// Reloads the page until `selector`'s text is `expected`: what the
/// processes do after a form's write shows a moment later.
async fn reload_until(client: &Client, selector: &str, expected: &str) {
    reload_until_text(client, selector, expected, |shown| shown == expected).await;
}

/// [`reload_until`], for a text that holds `needle`.
async fn reload_until_contains(client: &Client, selector: &str, needle: &str) {
    reload_until_text(client, selector, needle, |shown| shown.contains(needle)).await;
}

async fn reload_until_text(
    client: &Client,
    selector: &str,
    expected: &str,
    shows: impl Fn(&str) -> bool,
) {
    let url = client.current_url().await.unwrap();
    let started = Instant::now();
    loop {
        if shows(&live_text_of(client, selector).await) {
            return;
        }
        assert!(
            started.elapsed() < PAGE_WAIT,
            "{selector} never showed {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        client.goto(url.as_str()).await.unwrap();
    }
}

/// Protects the rolled-up cost from purchase to margin: 10 frames at 3.00
/// with 5.00 of freight enter stock at 3.50; a workbench is 2 frames and
/// 30 minutes at 20.00 an hour, so 4 made cost 2 × 3.50 + 10.00 = 17.00
/// each; 3 sold and shipped cost 51.00 in the margin report.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn components_bought_become_goods_sold_at_their_rolled_up_cost() {
    let app = spawn_app().await;
    let frame = product(&app, "FRAME-77", "Bench frame").await;
    let bench = product(&app, "BENCH-77", "Workbench").await;
    let prices = price_list(&app, bench, 60).await;
    let warehouse = first_warehouse(&app);
    let (supplier, customer) = supplier_and_customer(&app);
    let base = app.base.clone();
    let money = |amount: i64| format::money(Lang::En, Decimal::from(amount), eur());
    let (unit_cost, sold_cost) = (money(17), money(51));
    in_browser(&app, "production_whole_flow", move |client| async move {
        // Buy the components, with freight.
        client.goto(&format!("{base}/purchases/new")).await.unwrap();
        choose(&client, "#purchase-supplier", &supplier.to_string()).await;
        choose(&client, "#purchase-warehouse", &warehouse.to_string()).await;
        type_into(&client, "#purchase-currency", "EUR").await;
        choose(&client, "#product-1", &frame.to_string()).await;
        type_into(&client, "#quantity-1", "10").await;
        type_into(&client, "#price-1", "3").await;
        click(&client, "#new-purchase-submit").await;
        wait_for(&client, "#send-submit").await;
        click(&client, "#send-submit").await;
        wait_for(&client, "#receive-submit").await;
        type_into(&client, "#cost-label-1", "Freight").await;
        type_into(&client, "#cost-amount-1", "5").await;
        click(&client, "#receive-submit").await;
        wait_for_text(&client, "#purchase-status", "Received").await;

        // The workbench's bill: two frames and half an hour at the bench.
        client
            .goto(&format!("{base}/production/products/{bench}"))
            .await
            .unwrap();
        wait_for(&client, "#bom-none").await;
        choose(&client, "#component-1", &frame.to_string()).await;
        type_into(&client, "#quantity-1", "2").await;
        type_into(&client, "#operation-1", "Assemble").await;
        type_into(&client, "#centre-1", "Bench").await;
        type_into(&client, "#minutes-1", "30").await;
        type_into(&client, "#rate-1", "20").await;
        click(&client, "#bom-submit").await;
        wait_for(&client, "#bom-version-1").await;
        assert!(
            text_of(&client, "#bom-version-1 header").await.contains("active"),
            "the first version is active"
        );

        // Plan 4, release, report them made.
        client.goto(&format!("{base}/production")).await.unwrap();
        choose(&client, "#plan-product", &bench.to_string()).await;
        choose(&client, "#plan-warehouse", &warehouse.to_string()).await;
        type_into(&client, "#plan-quantity", "4").await;
        click(&client, "#plan-submit").await;
        wait_for(&client, "#production-release").await;
        assert_eq!(text_of(&client, "#production-status").await, "Planned");
        // Numbered by the processes a moment after planning.
        reload_until_contains(&client, "#production-heading", "MO-").await;
        click(&client, "#production-release").await;
        wait_for_text(&client, "#production-status", "Released").await;
        reload_until(&client, "#production-components .reserved", "8").await;
        type_into(&client, "#complete-quantity", "4").await;
        click(&client, "#complete-submit").await;
        wait_for_text(&client, "#production-status", "Done").await;
        reload_until(&client, "#production-completions .unit-cost", &unit_cost).await;
        // The bench's stock card names the order that made it, linked.
        let order_url = client.current_url().await.unwrap();
        client
            .goto(&format!("{base}/catalog/products/{bench}"))
            .await
            .unwrap();
        let made = "#movements a[href^='/production/']";
        wait_for(&client, made).await;
        // Without the isolation marks Fluent puts around each value.
        let named = text_of(&client, made)
            .await
            .replace(['\u{2068}', '\u{2069}'], "");
        assert!(named.starts_with("Production order MO-"), "{named}");
        assert_eq!(
            format!("{base}{}", client.find(Locator::Css(made)).await.unwrap().attr("href").await.unwrap().unwrap()),
            order_url.as_str()
        );

        // Sell 3 and ship them.
        client
            .goto(&format!("{base}/orders/new?party={customer}"))
            .await
            .unwrap();
        choose(&client, "#order-price-list", &prices.to_string()).await;
        choose(&client, "#order-warehouse", &warehouse.to_string()).await;
        choose(&client, "#product-1", &bench.to_string()).await;
        type_into(&client, "#quantity-1", "3").await;
        click(&client, "#new-order-submit").await;
        wait_for(&client, "#confirm-submit").await;
        click(&client, "#confirm-submit").await;
        wait_for(&client, "#ship-submit").await;
        click(&client, "#ship-submit").await;
        wait_for_text(&client, "#order-status", "Shipped").await;

        // The margin report: the goods cost what they were made for.
        let today = Utc::now().date_naive();
        client
            .goto(&format!(
                "{base}/reports?from={today}&to={today}&group_by=whole&dimension=product&currency=EUR"
            ))
            .await
            .unwrap();
        let cost_cell = format!("#report-table tr[data-member='{bench}'] td:nth-of-type(6)");
        reload_until(&client, &cost_cell, &sold_cost).await;
    })
    .await;
}

/// Protects the order page before release and in Arabic: a component
/// the stock cannot cover is marked short, and reporting more than is
/// there is refused with the Arabic message, nothing written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shortage_shows_before_release_and_refuses_a_report_in_arabic() {
    let app = spawn_app().await;
    let part = product(&app, "PART-88", "Spare part").await;
    let kit = product(&app, "KIT-88", "Repair kit").await;
    let warehouse = first_warehouse(&app);
    let production = app.state.app.production();
    production
        .define_bom(
            &administrator(),
            run(),
            domain::production::DefineBom {
                product: kit,
                components: vec![domain::production::NewComponent {
                    product: part,
                    quantity: Quantity::parse("q", Decimal::from(3)).unwrap(),
                    scrap_percent: domain::production::ScrapPercent::parse("s", Decimal::ZERO)
                        .unwrap(),
                }],
                operations: Vec::new(),
                lead_days: 0,
                note: None,
            },
        )
        .await
        .unwrap();
    let planned = production
        .plan(
            &administrator(),
            run(),
            app::production::NewProduction {
                product: kit,
                warehouse,
                quantity: Quantity::parse("q", Decimal::from(2)).unwrap(),
                due_on: Utc::now().date_naive(),
                branch: None,
            },
        )
        .await
        .unwrap();
    app.state
        .read_models
        .wait_for(planned.executed.last_position.unwrap())
        .await
        .unwrap();
    let order = planned.order;
    let base = app.base.clone();
    let state = app.state.clone();
    let message = arabic("production-refused-short");
    in_browser(&app, "production_shortage_ar", move |client| async move {
        client
            .goto(&format!("{base}/production/{order}"))
            .await
            .unwrap();
        choose_language(&client, "ar").await;
        wait_for(&client, "#production-short-note").await;
        assert_eq!(
            text_of(&client, "#production-components tr.short td:last-child").await,
            format::quantity(Lang::Ar, Decimal::from(6))
        );
        click(&client, "#production-release").await;
        wait_for(&client, "#complete-quantity").await;
        let head = state.log.head().position;
        type_into(&client, "#complete-quantity", "1").await;
        click(&client, "#complete-submit").await;
        wait_for(&client, "#production-error").await;
        assert_eq!(
            text_of(&client, "#production-error").await,
            message,
            "the Arabic refusal"
        );
        assert_eq!(state.log.head().position, head, "nothing was written");
    })
    .await;
}

/// Protects the bill form: a half-filled component row and an operation
/// without minutes are shown with their errors and the typing kept,
/// nothing written; fixed, the version is recorded and the order list
/// offers the product to plan.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bill_with_a_half_filled_row_is_shown_again_with_its_errors() {
    let app = spawn_app().await;
    let part = product(&app, "PART-99", "Hinge").await;
    let door = product(&app, "DOOR-99", "Cabinet door").await;
    let base = app.base.clone();
    let state = app.state.clone();
    in_browser(&app, "bom_form_errors", move |client| async move {
        client
            .goto(&format!("{base}/production/products/{door}"))
            .await
            .unwrap();
        wait_for(&client, "#bom-none").await;
        choose(&client, "#component-1", &part.to_string()).await;
        type_into(&client, "#quantity-1", "2").await;
        type_into(&client, "#scrap-1", "120").await;
        type_into(&client, "#operation-1", "Hang").await;
        type_into(&client, "#centre-1", "Bench").await;
        let head = state.log.head().position;
        click(&client, "#bom-submit").await;
        wait_for(&client, "#component-1-error").await;
        wait_for(&client, "#operation-1-error").await;
        assert_eq!(state.log.head().position, head, "nothing was written");
        assert_eq!(super::catalog::value_of(&client, "#scrap-1").await, "120");
        assert_eq!(
            super::catalog::value_of(&client, "#centre-1").await,
            "Bench"
        );
        type_into(&client, "#scrap-1", "5").await;
        type_into(&client, "#minutes-1", "6").await;
        type_into(&client, "#rate-1", "30").await;
        click(&client, "#bom-submit").await;
        wait_for(&client, "#bom-version-1").await;
        let operations = text_of(&client, "#bom-version-1 header").await;
        assert!(
            operations.contains(&format::money(Lang::En, Decimal::from(3), eur())),
            "6 minutes at 30 an hour: {operations}"
        );
        client.goto(&format!("{base}/production")).await.unwrap();
        choose(&client, "#plan-product", &door.to_string()).await;
    })
    .await;
}
