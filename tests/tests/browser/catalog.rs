//! The catalog and stock pages in the browser: a product found by search,
//! the stock forms (receipt, transfer, count) changing the figures shown,
//! a bad quantity refused next to its field, and the Arabic catalog.

use super::*;

use domain::catalog::ProductKind;
use domain::ids::{ProductId, WarehouseId};

/// A stock-tracked product of the demo with at least `available` free in
/// the first warehouse, both warehouses (by name), and the product's SKU
/// and name.
pub(super) struct Stocked {
    pub(super) product: ProductId,
    sku: String,
    name: String,
    pub(super) main: WarehouseId,
    pub(super) back_room: WarehouseId,
}

pub(super) fn stocked(app: &TestApp, available: Decimal) -> Stocked {
    let warehouses = app.state.read_models.stock.read(|stock| {
        stock
            .warehouses()
            .into_iter()
            .filter(|(_, info)| !info.closed)
            .map(|(id, _)| id)
            .collect::<Vec<_>>()
    });
    assert!(warehouses.len() >= 2, "the demo has two warehouses");
    let (main, back_room) = (warehouses[0], warehouses[1]);
    let product = app.state.read_models.stock.read(|stock| {
        stock
            .products()
            .into_iter()
            .filter(|(_, info)| !info.discontinued && info.kind == ProductKind::StockTracked)
            .find(|(id, _)| {
                stock
                    .balance(*id, main)
                    .is_some_and(|balance| balance.available >= available)
            })
            .map(|(id, _)| id)
            .expect("a product with stock in the first warehouse")
    });
    let (sku, name) = app.state.read_models.catalog.read(|catalog| {
        let row = catalog.product(product).unwrap();
        (row.sku.clone(), row.name.clone())
    });
    Stocked {
        product,
        sku,
        name,
        main,
        back_room,
    }
}

pub(super) fn on_hand(app: &TestApp, product: ProductId, warehouse: WarehouseId) -> Decimal {
    app.state.read_models.stock.read(|stock| {
        stock
            .balance(product, warehouse)
            .map(|balance| balance.on_hand)
            .unwrap_or_default()
    })
}

pub(super) fn shown(value: Decimal) -> String {
    format::quantity(Lang::En, value)
}

/// Waits until the element matching `css` reads `expected` (the page it
/// is on may be the one before a redirect for a moment).
pub(super) async fn wait_for_text(client: &Client, css: &str, expected: &str) {
    let started = Instant::now();
    loop {
        let text = live_text_of(client, css).await;
        if text == expected {
            return;
        }
        assert!(
            started.elapsed() < PAGE_WAIT,
            "{css} reads {text}, not {expected}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(super) async fn choose(client: &Client, css: &str, value: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .select_by_value(value)
        .await
        .unwrap();
}

pub(super) async fn type_into(client: &Client, css: &str, text: &str) {
    let field = client.find(Locator::Css(css)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

pub(super) async fn value_of(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// A product searched by its SKU is the one row of the list and opens its
/// page with its SKU, name and prices: it protects the server-side search
/// over the catalog read model and the link to the product page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_product_found_by_search_opens_its_page() {
    let app = spawn_app().await;
    let goods = stocked(&app, Decimal::ONE);
    let base = app.base.clone();
    in_browser(&app, "catalog_search", move |client| async move {
        client.goto(&format!("{base}/catalog")).await.unwrap();
        wait_for(&client, "#product-list").await;
        type_into(&client, "#catalog-search", &goods.sku).await;
        click(&client, "#catalog-search-submit").await;
        wait_for_text(
            &client,
            "#product-list tbody tr:first-child td bdi",
            &goods.sku,
        )
        .await;
        let rows = client
            .find_all(Locator::Css("#product-list tbody tr"))
            .await
            .unwrap();
        assert_eq!(rows.len(), 1, "one product has this SKU");
        click(&client, "#product-list tbody tr:first-child a").await;
        wait_for_text(&client, "#product-sku", &goods.sku).await;
        assert_eq!(text_of(&client, "#product-heading").await, goods.name);
        assert!(
            client
                .current_url()
                .await
                .unwrap()
                .path()
                .ends_with(&goods.product.to_string())
        );
        wait_for(&client, "#product-prices tbody tr").await;
        wait_for(&client, "#product-stock").await;
    })
    .await;
}

/// Typing a SKU narrows the product list without a page load (htmx
/// fetches the list, the address follows): it protects the live search
/// wiring of the catalog page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_product_list_narrows_while_typing_without_a_reload() {
    let app = spawn_app().await;
    let goods = stocked(&app, Decimal::ONE);
    let base = app.base.clone();
    in_browser(&app, "catalog_live_search", move |client| async move {
        client.goto(&format!("{base}/catalog")).await.unwrap();
        wait_for(&client, "#product-list").await;
        client
            .execute("window.hypercrmMarker = 'same page';", vec![])
            .await
            .unwrap();
        client
            .find(Locator::Css("#catalog-search"))
            .await
            .unwrap()
            .send_keys(&goods.sku)
            .await
            .unwrap();
        let started = Instant::now();
        loop {
            let skus: Vec<String> = serde_json::from_value(
                client
                    .execute(
                        "return Array.from(document.querySelectorAll(\
                         '#product-list tbody td:first-child bdi'))\
                         .map(cell => cell.textContent.trim());",
                        vec![],
                    )
                    .await
                    .unwrap(),
            )
            .unwrap();
            if skus == [goods.sku.clone()] {
                break;
            }
            assert!(
                started.elapsed() < PAGE_WAIT,
                "the list did not narrow: {skus:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let marker = client
            .execute("return window.hypercrmMarker;", vec![])
            .await
            .unwrap();
        assert_eq!(marker, json!("same page"), "the page was not reloaded");
        let address = client.current_url().await.unwrap();
        assert!(address.query().unwrap_or("").contains("q="), "{address}");
    })
    .await;
}

/// A goods receipt raises the on-hand figure the product page shows for
/// that warehouse by the quantity received: it protects the form, the
/// stock decider through the command handler and the redirect that waits
/// for the stock read model.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receipt_raises_the_stock_shown() {
    let app = spawn_app().await;
    let goods = stocked(&app, Decimal::ONE);
    let before = on_hand(&app, goods.product, goods.main);
    let expected = shown(before + Decimal::from(5));
    let url = format!("{}/catalog/products/{}", app.base, goods.product);
    let row = format!("#stock-{} .on-hand", goods.main);
    in_browser(&app, "catalog_receipt", move |client| async move {
        client.goto(&url).await.unwrap();
        wait_for_text(&client, &row, &shown(before)).await;
        choose(&client, "#receipt-warehouse", &goods.main.to_string()).await;
        type_into(&client, "#receipt-quantity", "5").await;
        type_into(&client, "#receipt-unit-cost", "2.5").await;
        type_into(&client, "#receipt-reference", "Delivery note 17").await;
        click(&client, "#receipt-submit").await;
        wait_for_text(&client, &row, &expected).await;
        let newest = text_of(&client, "#product-movements tbody tr:first-child").await;
        assert!(newest.contains("Delivery note 17"), "{newest}");
    })
    .await;
}

/// A transfer takes the quantity out of one warehouse and into the other,
/// both shown on the product page: it protects the two halves the form
/// runs (out at the source's cost, in at the destination).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_moves_stock_between_warehouses() {
    let app = spawn_app().await;
    let quantity = Decimal::from(3);
    let goods = stocked(&app, quantity);
    let from = shown(on_hand(&app, goods.product, goods.main) - quantity);
    let to = shown(on_hand(&app, goods.product, goods.back_room) + quantity);
    let url = format!("{}/catalog/products/{}", app.base, goods.product);
    in_browser(&app, "catalog_transfer", move |client| async move {
        client.goto(&url).await.unwrap();
        choose(&client, "#transfer-from", &goods.main.to_string()).await;
        choose(&client, "#transfer-to", &goods.back_room.to_string()).await;
        type_into(&client, "#transfer-quantity", "3").await;
        click(&client, "#transfer-submit").await;
        wait_for_text(&client, &format!("#stock-{} .on-hand", goods.main), &from).await;
        wait_for_text(
            &client,
            &format!("#stock-{} .on-hand", goods.back_room),
            &to,
        )
        .await;
    })
    .await;
}

/// An inventory count sets the on-hand figure to what was counted: it
/// protects the count form and the domain's `Count`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_count_sets_the_quantity_shown() {
    let app = spawn_app().await;
    let goods = stocked(&app, Decimal::ONE);
    let url = format!("{}/catalog/products/{}", app.base, goods.product);
    in_browser(&app, "catalog_count", move |client| async move {
        client.goto(&url).await.unwrap();
        choose(&client, "#count-warehouse", &goods.main.to_string()).await;
        type_into(&client, "#count-quantity", "42").await;
        click(&client, "#count-submit").await;
        wait_for_text(&client, &format!("#stock-{} .on-hand", goods.main), "42").await;
        let newest = text_of(&client, "#product-movements tbody tr:first-child").await;
        assert!(newest.contains("Inventory count"), "{newest}");
    })
    .await;
}

/// A receipt with a quantity that is not a number is refused next to that
/// field with everything typed kept, and a transfer of more than the
/// warehouse holds is refused next to its quantity: it protects the
/// promise that a bad value or a refused rule loses nothing and changes
/// nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_quantity_is_shown_next_to_its_field_with_the_typing_kept() {
    let app = spawn_app().await;
    let goods = stocked(&app, Decimal::ONE);
    let before = (
        on_hand(&app, goods.product, goods.main),
        on_hand(&app, goods.product, goods.back_room),
    );
    let head = app.state.log.head().position;
    let url = format!("{}/catalog/products/{}", app.base, goods.product);
    let main = goods.main.to_string();
    let back_room = goods.back_room.to_string();
    in_browser(&app, "catalog_bad_quantity", move |client| async move {
        client.goto(&url).await.unwrap();
        choose(&client, "#receipt-warehouse", &main).await;
        type_into(&client, "#receipt-quantity", "five").await;
        type_into(&client, "#receipt-unit-cost", "3,5").await;
        type_into(&client, "#receipt-reference", "Kept reference").await;
        click(&client, "#receipt-submit").await;
        let error = text_of(&client, "#receipt-quantity-error").await;
        assert!(!error.is_empty());
        let quantity = client
            .find(Locator::Css("#receipt-quantity"))
            .await
            .unwrap();
        assert_eq!(
            quantity.attr("aria-invalid").await.unwrap().as_deref(),
            Some("true")
        );
        assert_eq!(
            quantity.attr("aria-describedby").await.unwrap().as_deref(),
            Some("receipt-quantity-error")
        );
        assert_eq!(value_of(&client, "#receipt-quantity").await, "five");
        assert_eq!(value_of(&client, "#receipt-unit-cost").await, "3,5");
        assert_eq!(
            value_of(&client, "#receipt-reference").await,
            "Kept reference"
        );
        assert_eq!(value_of(&client, "#receipt-warehouse").await, main);

        choose(&client, "#transfer-from", &main).await;
        choose(&client, "#transfer-to", &back_room).await;
        type_into(&client, "#transfer-quantity", "1000000").await;
        click(&client, "#transfer-submit").await;
        let error = text_of(&client, "#transfer-quantity-error").await;
        assert!(error.contains("does not hold"), "{error}");
        assert_eq!(value_of(&client, "#transfer-quantity").await, "1000000");
        assert_eq!(value_of(&client, "#transfer-to").await, back_room);
    })
    .await;
    assert_eq!(app.state.log.head().position, head, "nothing was written");
    assert_eq!(
        (
            on_hand(&app, goods.product, goods.main),
            on_hand(&app, goods.product, goods.back_room)
        ),
        before
    );
}

/// The catalog in Arabic is right to left with Arabic labels, the table
/// included: it protects the mirrored layout of the new pages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalog_page_in_arabic_is_right_to_left() {
    let app = spawn_app().await;
    let base = app.base.clone();
    let title = arabic("catalog-title");
    in_browser(&app, "catalog_arabic", move |client| async move {
        client.goto(&format!("{base}/catalog")).await.unwrap();
        wait_for(&client, "#product-list").await;
        choose_language(&client, "ar").await;
        wait_for(&client, r#"html[dir="rtl"][lang="ar"]"#).await;
        assert_eq!(client.current_url().await.unwrap().path(), "/catalog");
        assert_eq!(text_of(&client, "main h1").await, title);
        let direction = client
            .execute(
                "return getComputedStyle(document.querySelector('#product-list')).direction;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(direction, json!("rtl"));
    })
    .await;
}

/// A page's status and body over plain HTTP.
async fn fetch(request: reqwest::RequestBuilder) -> (u16, String) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// A form post, URL-encoded as a browser sends it.
fn post_form(
    client: &reqwest::Client,
    url: String,
    pairs: &[(&str, &str)],
) -> reqwest::RequestBuilder {
    let encode = |text: &str| {
        text.bytes()
            .map(|byte| {
                if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
                    char::from(byte).to_string()
                } else {
                    format!("%{byte:02X}")
                }
            })
            .collect::<String>()
    };
    let body = pairs
        .iter()
        .map(|(key, value)| format!("{}={}", encode(key), encode(value)))
        .collect::<Vec<_>>()
        .join("&");
    client
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
}

/// The `href` of the element with `id` in a page.
fn href_of(page: &str, id: &str) -> Option<String> {
    let at = page.find(&format!(r#"id="{id}""#))?;
    let tag_start = page[..at].rfind('<')?;
    let tag = &page[tag_start..at + page[at..].find('>')?];
    let href = tag.split(r#"href=""#).nth(1)?.split('"').next()?;
    Some(href.replace("&#38;", "&").replace("&amp;", "&"))
}

/// Protects the pages' edges without a browser: an unknown product is a
/// 404 page and its forms write nothing; a service cannot receive stock;
/// a quantity too large for the domain or a garbage ledger cursor is an
/// answer, not a crash; the ledger's older pages, the stock overview with
/// its low-stock list and the list's next page render.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_pages_answer_bad_input_without_writing_or_crashing() {
    let app = spawn_app().await;
    let client = client_for(&app.base);
    let base = app.base.clone();
    let head = app.state.log.head().position;
    let goods = stocked(&app, Decimal::ONE);

    let unknown = Uuid::now_v7();
    for path in [
        format!("/catalog/products/{unknown}"),
        "/catalog/products/not-an-id".to_owned(),
    ] {
        let (status, page) = fetch(client.get(format!("{base}{path}"))).await;
        assert_eq!(status, 404, "{path}");
        assert!(page.contains("Product not found"), "{path}");
    }
    for action in ["receipt", "transfer", "count"] {
        let (status, _) = fetch(post_form(
            &client,
            format!("{base}/catalog/products/{unknown}/{action}"),
            &[("receipt_quantity", "1"), ("count_quantity", "1")],
        ))
        .await;
        assert_eq!(status, 404, "{action} of an unknown product");
    }

    let (status, _) = fetch(post_form(
        &client,
        format!("{base}/catalog/products/{}/steal", goods.product),
        &[("receipt_quantity", "1")],
    ))
    .await;
    assert_eq!(status, 404, "no such stock form");

    let service = app.state.read_models.catalog.read(|catalog| {
        catalog
            .search(&projections::models::catalog::ProductQuery {
                limit: 200,
                ..Default::default()
            })
            .rows
            .into_iter()
            .find(|(_, row)| row.kind == ProductKind::Service)
            .map(|(id, _)| id)
            .expect("the demo sells a service")
    });
    let main = goods.main.to_string();
    let (status, page) = fetch(post_form(
        &client,
        format!("{base}/catalog/products/{service}/receipt"),
        &[
            ("receipt_warehouse", main.as_str()),
            ("receipt_quantity", "1"),
            ("receipt_unit_cost", "1"),
        ],
    ))
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("A service has no stock."));

    let huge = "9".repeat(40);
    let (status, page) = fetch(post_form(
        &client,
        format!("{base}/catalog/products/{}/count", goods.product),
        &[
            ("count_warehouse", main.as_str()),
            ("count_quantity", huge.as_str()),
        ],
    ))
    .await;
    assert_eq!(status, 422);
    assert!(page.contains(r#"id="count-quantity-error""#));
    assert!(page.contains(&huge), "the typing is kept");
    let (status, page) = fetch(post_form(
        &client,
        format!("{base}/catalog/products/{}/transfer", goods.product),
        &[
            ("transfer_from", main.as_str()),
            ("transfer_to", main.as_str()),
            ("transfer_quantity", "1"),
        ],
    ))
    .await;
    assert_eq!(status, 422);
    assert!(
        page.contains(r#"id="transfer-to-error""#),
        "one warehouse twice"
    );
    assert_eq!(app.state.log.head().position, head, "nothing was written");

    let product_page = format!("{base}/catalog/products/{}", goods.product);
    let (status, _) = fetch(client.get(format!(
        "{product_page}?ledger_at=99999999999999999&ledger_position=x"
    )))
    .await;
    assert_eq!(status, 200, "a mangled cursor starts from the newest");
    let (status, _) = fetch(client.get(format!(
        "{product_page}?ledger_at=9223372036854775807&ledger_position=1"
    )))
    .await;
    assert_eq!(status, 200, "a time out of range starts from the newest");

    // Receipts through the form give a product more than a page (25) of
    // movements.
    let busiest = goods.product;
    for number in 0..26 {
        let reference = format!("Receipt {number}");
        let (status, _) = fetch(post_form(
            &client,
            format!("{product_page}/receipt"),
            &[
                ("receipt_warehouse", main.as_str()),
                ("receipt_quantity", "1"),
                ("receipt_unit_cost", "1"),
                ("receipt_reference", reference.as_str()),
            ],
        ))
        .await;
        assert_eq!(status, 200, "after the redirect, the product page");
    }
    let (_, page) = fetch(client.get(format!("{base}/catalog/products/{busiest}"))).await;
    let movements = app
        .state
        .read_models
        .stock
        .read(|stock| stock.movement_count(busiest, None));
    let older = href_of(&page, "movements-older")
        .unwrap_or_else(|| panic!("an older page of {movements} movements"));
    let (status, older_page) = fetch(client.get(format!("{base}{older}"))).await;
    assert_eq!(status, 200);
    assert!(older_page.contains("Newest movements"));

    let (status, overview) = fetch(client.get(format!("{base}/catalog/stock"))).await;
    assert_eq!(status, 200);
    assert!(overview.contains(r#"id="stock-list""#));
    assert!(overview.contains(r#"id="low-stock""#) || overview.contains(r#"id="low-stock-none""#));
    // The demo's catalog fits one page: enough more products that the
    // list has a next page to follow.
    define_products(&app, 60).await;
    let (status, list) = fetch(client.get(format!("{base}/catalog"))).await;
    assert_eq!(status, 200);
    let next = href_of(&list, "catalog-next").expect("a catalog of more than one page");
    let (status, second) = fetch(client.get(format!("{base}{next}"))).await;
    assert_eq!(status, 200);
    assert!(second.contains(r#"id="product-list""#), "{second}");
    assert!(
        second.contains("/catalog/products/"),
        "the second page lists products"
    );
}

/// Defines `count` more products (the administrator's), and waits until
/// the catalog shows them.
async fn define_products(app: &TestApp, count: usize) {
    let caller = app::access::Caller {
        user: domain::ids::UserId::from_uuid(Uuid::nil()),
        branch: None,
        grants: domain::access::Grants::of_roles(&[domain::access::Role::Administrator]),
        token: None,
        process: None,
    };
    let mut last = 0;
    for index in 0..count {
        let command = domain::catalog::ProductCommand::Define(domain::catalog::DefineProduct {
            sku: domain::catalog::Sku::parse("sku", &format!("EXTRA-{index:03}")).unwrap(),
            name: domain::values::Label::parse("name", &format!("Extra item {index}")).unwrap(),
            unit: domain::catalog::Unit::parse("unit", "pcs").unwrap(),
            category: None,
            barcode: None,
            kind: ProductKind::StockTracked,
            vat: domain::catalog::VatRate::parse("vat", Decimal::from(20)).unwrap(),
        });
        let run = app::Run {
            command_id: Uuid::now_v7(),
            expected_version: None,
        };
        let executed = app
            .state
            .app
            .execute::<domain::catalog::Product, _>(&caller, run, Uuid::now_v7(), command, None)
            .await
            .unwrap();
        last = executed.last_position.unwrap_or(last);
    }
    app.state.read_models.wait_for(last).await.unwrap();
}

/// Protects products from the browser (issue 17): a SKU another product
/// holds is refused next to its field with the typing kept; a new one is
/// defined and its page opens; the edit form changes its VAT and marks it
/// discontinued.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_product_is_defined_and_then_edited_from_the_browser() {
    let app = spawn_app().await;
    let taken = app.state.read_models.catalog.read(|catalog| {
        catalog
            .search(&projections::models::catalog::ProductQuery {
                text: String::new(),
                category: None,
                after: None,
                limit: 1,
            })
            .rows[0]
            .1
            .sku
            .clone()
    });
    let base = app.base.clone();
    let state = app.state.clone();
    in_browser(&app, "product_forms", move |client| async move {
        client.goto(&format!("{base}/catalog")).await.unwrap();
        click(&client, "#new-product-link").await;
        wait_for(&client, "#product-form").await;
        type_into(&client, "#product-sku-field", &taken).await;
        type_into(&client, "#product-name", "LED panel 60x60").await;
        type_into(&client, "#product-vat", "20").await;
        click(&client, "#product-submit").await;
        wait_for(&client, "#product-sku-field-error").await;
        assert_eq!(value_of(&client, "#product-name").await, "LED panel 60x60");

        type_into(&client, "#product-sku-field", "LED-6060-NEW").await;
        click(&client, "#product-submit").await;
        wait_for(&client, "#product-heading").await;
        assert_eq!(
            text_of(&client, "#product-heading").await,
            "LED panel 60x60"
        );

        click(&client, "#edit-product-link").await;
        wait_for(&client, "#product-form").await;
        type_into(&client, "#product-vat", "7").await;
        click(&client, "#product-discontinued").await;
        click(&client, "#product-submit").await;
        wait_for(&client, "#product-heading").await;
        let id = state
            .read_models
            .catalog
            .read(|catalog| catalog.product_by_sku("LED-6060-NEW"))
            .unwrap();
        let head = state.log.head().position;
        state.read_models.catalog.wait_for(head).await.unwrap();
        let row = state
            .read_models
            .catalog
            .read(|catalog| catalog.product(id).cloned())
            .unwrap();
        assert_eq!(row.vat_percent, rust_decimal::Decimal::from(7));
        assert!(row.discontinued);
    })
    .await;
}
