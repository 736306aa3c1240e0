//! Finding 3: ids in bodies and query strings were never scope-checked
//! (only the path's first id was), and a record out of reach was answered
//! in other words than a missing one.

use super::*;

/// A request body naming a given customer.
type BodyFor<'a> = Box<dyn Fn(Uuid) -> Value + 'a>;

/// Protects every write that names a customer in its body: an order, a
/// deal, a task, a lead and a calendar entry for another manager's customer are answered exactly as
/// for a customer that does not exist, and write nothing.
#[tokio::test]
async fn writes_naming_another_managers_customer_are_answered_as_missing() {
    let app = spawn_app().await;
    let sam = person(&app, "sam", Role::SalesManager, None).await;
    let shop = open_shop(&app).await;
    let (pipeline, _) = super::super::crm::sales_pipeline(&app, &[("Qualify", 10)]).await;
    app.settle().await;
    let theirs = shop.party;
    let nobody = Uuid::now_v7();
    let bodies: [(&str, BodyFor); 5] = [
        (
            "/api/v1/orders",
            Box::new(
                |party| json!({"party": party, "price_list": shop.price_list, "warehouse": shop.warehouse}),
            ),
        ),
        (
            "/api/v1/deals",
            Box::new(|party| {
                json!({"title": "Theirs", "party": party, "pipeline": pipeline,
                       "amount": "1000", "currency": "EUR"})
            }),
        ),
        (
            "/api/v1/tasks",
            Box::new(
                |party| json!({"title": "Theirs", "party": party, "due": "2030-01-01T12:00:00Z"}),
            ),
        ),
        (
            "/api/v1/leads",
            Box::new(|party| json!({"title": "Theirs", "party": party})),
        ),
        (
            "/api/v1/calendar-entries",
            Box::new(move |party| {
                json!({"title": "Theirs", "party": party, "attendees": [sam.id],
                       "starts_at": "2030-01-01T12:00:00Z", "ends_at": "2030-01-01T13:00:00Z"})
            }),
        ),
    ];
    for (path, body) in &bodies {
        let head = app.state.log.head().position;
        let (status, out_of_reach) = json_as(
            &app,
            &sam.token,
            reqwest::Method::POST,
            path,
            Some(body(theirs)),
        )
        .await;
        let (missing_status, missing) = json_as(
            &app,
            &sam.token,
            reqwest::Method::POST,
            path,
            Some(body(nobody)),
        )
        .await;
        assert_alike(
            (status, &out_of_reach, theirs),
            (missing_status, &missing, nobody),
        );
        assert_eq!(app.state.log.head().position, head, "{path} wrote");
    }
    app.settle().await;
    let (_, orders) = json_as(
        &app,
        &app.token,
        reqwest::Method::GET,
        "/api/v1/orders",
        None,
    )
    .await;
    assert_eq!(orders["rows"].as_array().unwrap().len(), 0, "{orders:#}");
}

/// Protects the path's id the same way: another manager's customer and
/// a missing one get the same answer.
#[tokio::test]
async fn a_customer_out_of_reach_is_answered_as_a_missing_one() {
    let app = spawn_app().await;
    let sam = person(&app, "sam", Role::SalesManager, None).await;
    let theirs = app.company("Someone Elses Ltd").await;
    let nobody = Uuid::now_v7();
    let read = |id: Uuid| {
        json_as(
            &app,
            &sam.token,
            reqwest::Method::GET,
            format!("/api/v1/parties/{id}"),
            None,
        )
    };
    let (status, out_of_reach) = read(theirs).await;
    let (missing_status, missing) = read(nobody).await;
    assert_alike(
        (status, &out_of_reach, theirs),
        (missing_status, &missing, nobody),
    );
}

/// Protects the new-order page's query string: another manager's
/// customer is not named on it, nor can the form draft an order for it.
#[tokio::test]
async fn the_new_order_page_does_not_show_another_managers_customer() {
    let app = spawn_app().await;
    person(&app, "sam", Role::SalesManager, None).await;
    let shop = open_shop(&app).await;
    app.settle().await;
    let session = browser(&app, "sam").await;
    let (status, page) = session
        .get(&app, &format!("/orders/new?party={}", shop.party))
        .await;
    assert_eq!(status, 404);
    assert!(!page.contains("Acme"), "{page}");
    let head = app.state.log.head().position;
    let party = shop.party.to_string();
    let price_list = shop.price_list.to_string();
    let warehouse = shop.warehouse.to_string();
    let product = shop.product.to_string();
    let (status, page) = session
        .post(
            &app,
            "/orders/new",
            &[
                ("party", &party),
                ("price_list", &price_list),
                ("warehouse", &warehouse),
                ("product_1", &product),
                ("quantity_1", "1"),
            ],
        )
        .await;
    assert_eq!(status, 404);
    assert!(!page.contains("Acme"), "{page}");
    assert_eq!(app.state.log.head().position, head, "no order was drafted");
}

/// Protects the pages from the same oracle: another manager's customer,
/// order or deal gets the very page a missing one gets (but for the id
/// it names).
#[tokio::test]
async fn a_page_about_a_record_out_of_reach_is_the_page_of_a_missing_one() {
    let app = spawn_app().await;
    person(&app, "sam", Role::SalesManager, None).await;
    let shop = open_shop(&app).await;
    let order = confirmed_order(&app, &shop, "1").await;
    app.settle().await;
    let session = browser(&app, "sam").await;
    for (theirs, page_of) in [(shop.party, "/customers/"), (order, "/orders/")] {
        let nobody = Uuid::now_v7();
        let (status, out_of_reach) = session.get(&app, &format!("{page_of}{theirs}")).await;
        let (missing_status, missing) = session.get(&app, &format!("{page_of}{nobody}")).await;
        assert_eq!((status, missing_status), (404, 404), "{page_of}");
        assert_eq!(
            out_of_reach.replace(&theirs.to_string(), "ID"),
            missing.replace(&nobody.to_string(), "ID"),
            "{page_of}"
        );
    }
}
