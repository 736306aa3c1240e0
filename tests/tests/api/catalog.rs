//! The catalog's read models over HTTP: products and price lists.

use super::*;

/// Runs every scenario of this file, for the contract check in `main.rs`.
pub(crate) fn scenarios() {
    products_are_searched_filtered_by_category_and_paged();
    price_lists_are_listed_by_name_with_their_counts();
    a_second_product_with_a_known_sku_is_a_409();
}

/// Protects the catalog from two products under one SKU (what orders,
/// imports and people look products up by): a second definition is a
/// 409 naming the holder, whatever the case typed; a retry of the first
/// under its Idempotency-Key is still answered as a repeat.
#[tokio::test]
async fn a_second_product_with_a_known_sku_is_a_409() {
    let app = spawn_app().await;
    let body = json!({"sku": "BOLT-1", "name": "Bolt", "unit": "pcs",
                      "kind": "stock_tracked", "vat_percent": "20"});
    let key = [("idempotency-key", "define-bolt")];
    let first = app.post_with("/api/v1/products", body.clone(), &key).await;
    assert_eq!(first.status, StatusCode::CREATED, "{:#}", first.body);
    let first = first.written();
    app.get(&format!("/api/v1/products?wait_for={}", first.position))
        .await;

    let again = app.post_with("/api/v1/products", body.clone(), &key).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.written().id, first.id);

    let mut other = body;
    other["sku"] = json!("bolt-1");
    let taken = app.post("/api/v1/products", other).await;
    taken.assert_problem(409);
    assert!(
        taken.body["detail"]
            .as_str()
            .unwrap()
            .contains(&first.id.to_string()),
        "{:#}",
        taken.body
    );
}

/// Defines a product and returns the write.
async fn product(app: &TestApp, sku: &str, name: &str, category: &str) -> Written {
    app.write(
        "/api/v1/products",
        json!({"sku": sku, "name": name, "unit": "pcs", "kind": "stock_tracked",
               "vat_percent": "20", "category": category}),
    )
    .await
}

fn skus(answer: &Answer) -> Vec<String> {
    answer.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["sku"].as_str().unwrap().to_owned())
        .collect()
}

/// Protects the product list clients page through: SKU order, search by
/// part of a SKU or words of a name, the category filter, a cursor that
/// neither repeats nor skips, and a 400 naming the bad parameter.
#[tokio::test]
async fn products_are_searched_filtered_by_category_and_paged() {
    let app = spawn_app().await;
    product(&app, "NUT-2", "Hex nut M8", "Hardware").await;
    product(&app, "BOLT-1", "Hex bolt M8", "Hardware").await;
    let last = product(&app, "GLUE-7", "Wood glue", "Chemicals").await;

    let all = app
        .get(&format!("/api/v1/products?wait_for={}", last.position))
        .await;
    assert_eq!(all.status, StatusCode::OK, "{:#}", all.body);
    assert_eq!(skus(&all), ["BOLT-1", "GLUE-7", "NUT-2"]);
    let bolt = &all.body["rows"][0];
    assert_eq!(bolt["name"], "Hex bolt M8");
    assert_eq!(bolt["category"], "Hardware");
    assert_eq!(bolt["kind"], "stock_tracked");
    assert_eq!(dec(&bolt["vat_percent"]), Decimal::from(20));
    assert_eq!(bolt["discontinued"], false);
    assert!(all.body.get("next_cursor").is_none_or(Value::is_null));

    assert_eq!(
        skus(&app.get("/api/v1/products?q=hex%20m8").await),
        ["BOLT-1", "NUT-2"]
    );
    assert_eq!(skus(&app.get("/api/v1/products?q=lue-").await), ["GLUE-7"]);
    assert_eq!(
        skus(&app.get("/api/v1/products?category=Hardware").await),
        ["BOLT-1", "NUT-2"]
    );
    assert!(skus(&app.get("/api/v1/products?q=hex&category=Chemicals").await).is_empty());

    let first = app.get("/api/v1/products?limit=2").await;
    assert_eq!(skus(&first), ["BOLT-1", "GLUE-7"]);
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let second = app
        .get(&format!("/api/v1/products?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(skus(&second), ["NUT-2"]);
    assert!(second.body.get("next_cursor").is_none_or(Value::is_null));

    let bad_limit = app.get("/api/v1/products?limit=0").await;
    bad_limit.assert_problem(400);
    assert_eq!(bad_limit.field(), "limit");
    let bad_cursor = app.get("/api/v1/products?cursor=abc").await;
    bad_cursor.assert_problem(400);
    assert_eq!(bad_cursor.field(), "cursor");
    let short_cursor = app.get("/api/v1/products?cursor=00ff").await;
    short_cursor.assert_problem(400);
    assert_eq!(short_cursor.field(), "cursor");
    let long = "x".repeat(201);
    let too_long = app.get(&format!("/api/v1/products?q={long}")).await;
    too_long.assert_problem(400);
    assert_eq!(too_long.field(), "q");
}

/// Protects the price list list: every list by name with its currency
/// and how many prices and discounts it holds, paged by a cursor.
#[tokio::test]
async fn price_lists_are_listed_by_name_with_their_counts() {
    let app = spawn_app().await;
    let bolt = product(&app, "BOLT-1", "Hex bolt M8", "Hardware").await.id;
    let wholesale = app
        .write(
            "/api/v1/price-lists",
            json!({"name": "Wholesale", "currency": "USD"}),
        )
        .await
        .id;
    app.write(
        "/api/v1/price-lists",
        json!({"name": "Retail", "currency": "EUR", "prices_include_vat": true}),
    )
    .await;
    let last = app
        .write(
            &format!("/api/v1/price-lists/{wholesale}/prices"),
            json!({"product": bolt, "unit_price": "0.40", "segment": "dealers"}),
        )
        .await;

    let first = app
        .get(&format!(
            "/api/v1/price-lists?limit=1&wait_for={}",
            last.position
        ))
        .await;
    assert_eq!(first.status, StatusCode::OK, "{:#}", first.body);
    let rows = first.body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["name"], "Retail");
    assert_eq!(rows[0]["currency"], "EUR");
    assert_eq!(rows[0]["prices_include_vat"], true);
    assert_eq!(rows[0]["price_count"], 0);
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();

    let second = app
        .get(&format!("/api/v1/price-lists?limit=1&cursor={cursor}"))
        .await;
    let rows = second.body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], json!(wholesale));
    assert_eq!(rows[0]["currency"], "USD");
    assert_eq!(rows[0]["price_count"], 1);
    assert_eq!(rows[0]["discount_count"], 0);
    assert!(second.body.get("next_cursor").is_none_or(Value::is_null));

    let bad = app.get("/api/v1/price-lists?limit=501").await;
    bad.assert_problem(400);
    assert_eq!(bad.field(), "limit");
    let ahead = app.get("/api/v1/price-lists?wait_for=999999").await;
    ahead.assert_problem(400);
    assert_eq!(ahead.field(), "wait_for");
}
