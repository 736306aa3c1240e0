//! Orders changed from their page (issue 17): a draft's line quantity
//! changed (a bad quantity refused first) and a line removed; the order
//! cancelled (an empty reason refused first).

use super::catalog::type_into;
use super::*;

/// Protects the draft's line forms and the cancellation from the order's
/// page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drafts_lines_change_and_the_order_is_cancelled() {
    let app = spawn_app().await;
    let (products, warehouse) = app.state.read_models.stock.read(|stock| {
        let products: Vec<domain::ids::ProductId> = stock
            .products()
            .into_iter()
            .filter(|(_, info)| !info.discontinued)
            .map(|(product, _)| product)
            .take(2)
            .collect();
        let warehouse = stock
            .warehouses()
            .into_iter()
            .next()
            .map(|(id, _)| id)
            .unwrap();
        (products, warehouse)
    });
    let party = app.state.read_models.customers.read(|customers| {
        customers
            .rows()
            .filter(|row| !row.is_person() && !row.erased)
            .max_by_key(|row| row.id)
            .map(|row| row.id)
            .unwrap()
    });
    let base = app.base.clone();
    in_browser(&app, "order_changes", move |client| async move {
        client
            .goto(&format!("{base}/orders/new?party={party}"))
            .await
            .unwrap();
        client
            .find(Locator::Css("#order-warehouse"))
            .await
            .unwrap()
            .select_by_value(&warehouse.to_string())
            .await
            .unwrap();
        for (index, product) in products.iter().enumerate() {
            let row = index + 1;
            client
                .find(Locator::Css(&format!("#product-{row}")))
                .await
                .unwrap()
                .select_by_value(&product.to_string())
                .await
                .unwrap();
            type_into(&client, &format!("#quantity-{row}"), "2").await;
        }
        click(&client, "#new-order-submit").await;
        wait_for(&client, r#"#order-status[data-status="draft"]"#).await;
        wait_for_count(&client, "#order-lines tbody tr", 2).await;

        type_into(&client, "#draft-quantity-1", "zero").await;
        click(
            &client,
            ".draft-line[data-line='1'] form.inline-form button",
        )
        .await;
        wait_for(&client, "#draft-line-error").await;
        type_into(&client, "#draft-quantity-1", "5").await;
        click(
            &client,
            ".draft-line[data-line='1'] form.inline-form button",
        )
        .await;
        wait_for(&client, r#"#draft-quantity-1[value="5"]"#).await;

        click(
            &client,
            ".draft-line[data-line='2'] form[action$='remove-line'] button",
        )
        .await;
        // The second line is gone.
        wait_for_count(&client, "#order-lines tbody tr", 1).await;

        click(&client, "#cancel-order summary").await;
        click(&client, "#cancel-submit").await;
        wait_for(&client, "#cancel-reason-error").await;
        type_into(&client, "#cancel-reason", "The customer ordered elsewhere").await;
        click(&client, "#cancel-submit").await;
        wait_for(&client, r#"#order-status[data-status="cancelled"]"#).await;
    })
    .await;
}

/// Protects partial shipments and invoicing a part: two of five are
/// shipped (the order then partly shipped), an empty shipment is refused
/// next to the form, and the shipment alone is invoiced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn part_of_an_order_is_shipped_and_that_shipment_invoiced() {
    let app = spawn_app().await;
    let (product, warehouse) = super::goods_in_stock(&app, Decimal::from(50));
    let party = app.state.read_models.customers.read(|customers| {
        customers
            .rows()
            .filter(|row| !row.is_person() && !row.erased)
            .max_by_key(|row| row.id)
            .map(|row| row.id)
            .unwrap()
    });
    let base = app.base.clone();
    in_browser(&app, "order_partial", move |client| async move {
        client
            .goto(&format!("{base}/orders/new?party={party}"))
            .await
            .unwrap();
        super::catalog::choose(&client, "#order-warehouse", &warehouse.to_string()).await;
        super::catalog::choose(&client, "#product-1", &product.to_string()).await;
        type_into(&client, "#quantity-1", "5").await;
        click(&client, "#new-order-submit").await;
        wait_for(&client, r#"#order-status[data-status="draft"]"#).await;
        click(&client, "#confirm-submit").await;
        wait_for(&client, r#"#order-status[data-status="confirmed"]"#).await;
        assert_eq!(super::catalog::value_of(&client, "#ship-1").await, "5");

        type_into(&client, "#ship-1", "0").await;
        click(&client, "#ship-submit").await;
        wait_for(&client, "#ship-error").await;

        type_into(&client, "#ship-1", "2").await;
        click(&client, "#ship-submit").await;
        wait_for(&client, r#"#order-status[data-status="partially_shipped"]"#).await;
        assert_eq!(super::catalog::value_of(&client, "#ship-1").await, "3");

        let shipment = client
            .find(Locator::Css("#invoice-shipment option:nth-child(2)"))
            .await
            .unwrap()
            .attr("value")
            .await
            .unwrap()
            .unwrap();
        super::catalog::choose(&client, "#invoice-shipment", &shipment).await;
        click(&client, "#invoice-submit").await;
        wait_for(&client, "#order-invoices").await;
        let invoiced = text_of(&client, "#order-lines tbody tr:first-child td:nth-child(6)").await;
        assert_eq!(invoiced, "2", "only the shipment was invoiced");
    })
    .await;
}
