//! The orders list (issue 17): pages of 50 with a link to older ones,
//! found by number, by the sequence a customer reads out or by customer
//! name, narrowed by status; a status that does not read is refused next
//! to its select with the search kept; the list in Arabic.

use super::catalog::{choose, type_into, value_of};
use super::*;

/// Protects the list's paging, search and status filter end to end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_are_paged_found_by_number_or_customer_and_filtered_by_status() {
    let app = spawn_app().await;
    let (count, second_page_first, numbered, party) = app.state.read_models.orders.read(|orders| {
        let first = orders.page(50, None, None);
        let second = first.next.map(|next| orders.page(50, Some(next), None));
        let numbered = first
            .rows
            .iter()
            .find_map(|row| row.summary.number.as_deref().map(str::to_owned));
        (
            orders.len(),
            second.and_then(|page| page.rows.first().map(|row| row.order)),
            numbered,
            first.rows[0].summary.party,
        )
    });
    assert!(
        count > 50,
        "the demo has more than a page of orders: {count}"
    );
    let second_page_first = second_page_first.unwrap();
    let number = numbered.expect("the demo's recent orders are numbered");
    let customer = app
        .state
        .read_models
        .customers
        .read(|customers| customers.resolve(party).unwrap().display_name.clone());
    let word = customer.split_whitespace().next().unwrap().to_lowercase();
    let base = app.base.clone();
    in_browser(&app, "order_list", move |client| async move {
        client.goto(&format!("{base}/orders")).await.unwrap();
        wait_for(&client, "#order-list").await;
        let rows = client
            .find_all(Locator::Css("#order-list tbody tr"))
            .await
            .unwrap();
        assert_eq!(rows.len(), 50, "a page of 50");
        click(&client, "#orders-older").await;
        wait_for(&client, "#orders-newest").await;
        let first = client
            .find(Locator::Css("#order-list tbody tr a"))
            .await
            .unwrap()
            .attr("href")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(first, format!("/orders/{second_page_first}"));

        type_into(&client, "#order-search", &number).await;
        click(&client, "#order-filter-submit").await;
        wait_for_text(&client, "#order-list", &number).await;
        let rows = client
            .find_all(Locator::Css("#order-list tbody tr"))
            .await
            .unwrap();
        assert_eq!(rows.len(), 1, "one order has the number {number}");

        type_into(&client, "#order-search", &word).await;
        click(&client, "#order-filter-submit").await;
        wait_for(&client, &format!(r#"#order-search[value="{word}"]"#)).await;
        let cells = client
            .find_all(Locator::Css("#order-list tbody tr td:nth-of-type(2)"))
            .await
            .unwrap();
        assert!(!cells.is_empty(), "{customer:?} has orders");
        for cell in cells {
            let name = cell.text().await.unwrap().to_lowercase();
            assert!(name.contains(&word), "{name:?} matches {word:?}");
        }

        type_into(&client, "#order-search", "").await;
        choose(&client, "#order-status", "confirmed").await;
        click(&client, "#order-filter-submit").await;
        wait_for(
            &client,
            r#"#order-status option[value="confirmed"][selected]"#,
        )
        .await;
        for cell in client
            .find_all(Locator::Css("#order-list tbody tr td:nth-of-type(3)"))
            .await
            .unwrap()
        {
            assert_eq!(cell.text().await.unwrap(), "Confirmed");
        }

        client
            .goto(&format!("{base}/orders?q=acme&status=lost"))
            .await
            .unwrap();
        wait_for(&client, "#order-status-error").await;
        assert_eq!(value_of(&client, "#order-search").await, "acme");

        choose_language(&client, "ar").await;
        wait_for(&client, "html[dir=rtl]").await;
        wait_for_text(&client, "#order-filter-submit", "عرض").await;
    })
    .await;
}
