//! Quotes in the browser (issue 19): a quote made from a customer's card
//! (a bad discount refused next to its field first), printed, sent and
//! accepted; the order it became confirmed by the processes (its
//! confirmation printed), shipped,
//! its delivery planned on a van and delivered from the driver's page,
//! and invoiced from its page; the invoice printed from the customer's
//! account, the browser fetching the PDF. The quote page in Arabic.

use super::catalog::type_into;
use super::*;

/// A new company, with no credit that would pay its invoices at once.
async fn company(app: &TestApp) -> PartyId {
    let party = PartyId::from_uuid(uuid::Uuid::now_v7());
    let register = domain::parties::PartyCommand::Register(domain::parties::RegisterParty {
        name: domain::parties::PartyName::Company {
            name: domain::values::Label::parse("name", "Quoted Trading LLC").unwrap(),
            legal_name: None,
        },
        company: None,
        job_title: None,
        source: None,
        owner: administrator().user,
        branch: None,
    });
    let executed = app
        .state
        .app
        .execute::<domain::parties::Party, _>(&administrator(), run(), party, register, None)
        .await
        .unwrap();
    app.state
        .read_models
        .wait_for(executed.last_position.unwrap())
        .await
        .unwrap();
    party
}

/// A price list in the company currency (an invoice in another needs
/// the day's rate) that prices `product` for everyone.
fn list_pricing(app: &TestApp, product: domain::ids::ProductId) -> domain::ids::PriceListId {
    let company = app.state.app.currency().company_currency().unwrap();
    app.state.read_models.catalog.read(|catalog| {
        catalog
            .price_lists()
            .into_iter()
            .find(|(_, list)| {
                company.is_none_or(|company| company == list.currency)
                    && list.prices.keys().any(|(priced, scope, _)| {
                        *priced == product && *scope == domain::catalog::PriceScope::Everyone
                    })
            })
            .map(|(id, _)| id)
            .expect("a list prices the demo's goods")
    })
}

async fn set_requisites(app: &TestApp) {
    let requisites = domain::currency::CompanyRequisitesSet {
        legal_name: "Hyper Trading Ltd".to_owned(),
        address: vec!["1 Sheikh Zayed Road".to_owned()],
        ids: vec![("VAT".to_owned(), "100234567800003".to_owned())],
        bank: Vec::new(),
    };
    app.state
        .app
        .documents()
        .set_requisites(&administrator(), run(), requisites)
        .await
        .unwrap();
}

/// Whether a link's target, fetched by the page itself, is a PDF.
async fn fetches_a_pdf(client: &Client, css: &str) -> String {
    client
        .execute_async(
            r#"const [css, done] = arguments;
               fetch(document.querySelector(css).href)
                 .then(r => r.arrayBuffer().then(b => done(r.headers.get('content-type') + ' '
                   + String.fromCharCode(...new Uint8Array(b.slice(0, 5))))))
                 .catch(e => done('failed: ' + e));"#,
            vec![serde_json::json!(css)],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Goes to `url` until `css` shows: what the processes do comes a moment
/// after the page that caused it.
async fn reload_until(client: &Client, url: &str, css: &str) {
    let started = Instant::now();
    loop {
        client.goto(url).await.unwrap();
        if count_now(client, css).await > 0 {
            return;
        }
        assert!(started.elapsed() < PAGE_WAIT, "{css} never showed on {url}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Protects the way from a quote to an invoice in the UI: the new-quote
/// form (a refusal keeps the typing), printing the quote, sending and
/// accepting it; the order the processes made confirmed at the quoted
/// price, shipped and invoiced on its page; the invoice's PDF.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quote_is_accepted_and_its_order_delivered_and_invoiced() {
    let app = spawn_app().await;
    set_requisites(&app).await;
    let (product, warehouse) = goods_in_stock(&app, Decimal::from(20));
    let party = company(&app).await;
    let price_list = list_pricing(&app, product);
    let van = domain::ids::VehicleId::from_uuid(uuid::Uuid::now_v7());
    let register = domain::fleet::VehicleCommand::Register {
        details: domain::fleet::vehicle::VehicleDetails {
            plate: domain::values::Label::parse("plate", "Q 100").unwrap(),
            name: domain::values::Label::parse("name", "Van").unwrap(),
            capacity_kg: Decimal::from(1000),
            capacity_m3: Decimal::from(8),
        },
        driver: None,
        branch: None,
    };
    let registered = app
        .state
        .app
        .execute::<domain::fleet::Vehicle, _>(&administrator(), run(), van, register, None)
        .await
        .unwrap();
    app.state
        .read_models
        .wait_for(registered.last_position.unwrap())
        .await
        .unwrap();
    let base = app.base.clone();
    let state = app.state.clone();
    in_browser(&app, "quote_flow", move |client| async move {
        client
            .goto(&format!("{base}/customers/{party}"))
            .await
            .unwrap();
        click(&client, "#new-quote").await;
        wait_for(&client, "#quote-form").await;
        client
            .find(Locator::Css("#quote-price-list"))
            .await
            .unwrap()
            .select_by_value(&price_list.to_string())
            .await
            .unwrap();
        client
            .find(Locator::Css("#quote-warehouse"))
            .await
            .unwrap()
            .select_by_value(&warehouse.to_string())
            .await
            .unwrap();
        client
            .find(Locator::Css("#product-1"))
            .await
            .unwrap()
            .select_by_value(&product.to_string())
            .await
            .unwrap();
        type_into(&client, "#quantity-1", "2").await;
        type_into(&client, "#discount-1", "150").await;
        let head = state.log.head().position;
        click(&client, "#quote-submit").await;
        wait_for(&client, "#discount-1-error").await;
        assert_eq!(state.log.head().position, head, "nothing was written");
        type_into(&client, "#discount-1", "5").await;
        click(&client, "#quote-submit").await;
        wait_for(&client, r#"#quote-status[data-status="draft"]"#).await;
        let quote_url = client.current_url().await.unwrap().to_string();
        let quoted = text_of(&client, "#quote-lines tbody .unit-price").await;

        click(&client, "#quote-print").await;
        reload_until(&client, &quote_url, "#quote-copy").await;
        assert_eq!(
            fetches_a_pdf(&client, "#quote-copy").await,
            "application/pdf %PDF-"
        );

        click(&client, "#send-submit").await;
        wait_for(&client, r#"#quote-status[data-status="sent"]"#).await;
        click(&client, "#accept-submit").await;
        wait_for(&client, r#"#quote-status[data-status="accepted"]"#).await;
        let order_url = client
            .find(Locator::Css("#quote-order"))
            .await
            .unwrap()
            .attr("href")
            .await
            .unwrap()
            .unwrap();
        let order_url = format!("{base}{order_url}");
        reload_until(
            &client,
            &order_url,
            r#"#order-status[data-status="confirmed"]"#,
        )
        .await;
        assert_eq!(
            text_of(&client, "#order-lines tbody .unit-price").await,
            quoted,
            "the order has the quoted price"
        );
        click(&client, "#confirmation-print").await;
        reload_until(&client, &order_url, "#confirmation-copy").await;
        assert_eq!(
            fetches_a_pdf(&client, "#confirmation-copy").await,
            "application/pdf %PDF-"
        );
        click(&client, "#ship-submit").await;
        wait_for(&client, r#"#order-status[data-status="shipped"]"#).await;

        // The shipment goes out on the van today; the driver delivers it.
        client
            .find(Locator::Css("#delivery-vehicle"))
            .await
            .unwrap()
            .select_by_value(&van.to_string())
            .await
            .unwrap();
        type_into(&client, "#delivery-weight", "12").await;
        click(&client, "#plan-delivery-submit").await;
        wait_for(
            &client,
            r#"#delivery-list .delivery-status[data-status="planned"]"#,
        )
        .await;
        client
            .goto(&format!("{base}/fleet/day?vehicle={van}"))
            .await
            .unwrap();
        wait_for_count(&client, "#route-stops tbody tr", 1).await;
        client.goto(&format!("{base}/driver")).await.unwrap();
        wait_for(&client, ".driver-stop .depart-submit").await;
        click(&client, ".driver-stop .depart-submit").await;
        wait_for(&client, r#".driver-stop[data-status="on_the_way"]"#).await;
        type_into(&client, ".driver-stop .receiver", "Front desk").await;
        click(&client, ".driver-stop .deliver-submit").await;
        wait_for(&client, r#".driver-stop[data-status="delivered"]"#).await;
        client.goto(&order_url).await.unwrap();
        wait_for(
            &client,
            r#"#delivery-list .delivery-status[data-status="delivered"]"#,
        )
        .await;
        click(&client, "#invoice-submit").await;
        wait_for(&client, "#order-invoices").await;

        let account = format!("{base}/customers/{party}/account");
        reload_until(&client, &account, ".print-invoice").await;
        click(&client, ".print-invoice").await;
        reload_until(&client, &account, ".print-copy").await;
        assert_eq!(
            fetches_a_pdf(&client, ".print-copy").await,
            "application/pdf %PDF-"
        );
    })
    .await;
}

/// Protects the Arabic quote page: right to left, in Arabic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quote_page_in_arabic_is_right_to_left() {
    let app = spawn_app().await;
    let (product, warehouse) = goods_in_stock(&app, Decimal::from(5));
    let party = company(&app).await;
    let price_list = list_pricing(&app, product);
    let drafted = app
        .state
        .app
        .quotes()
        .draft(
            &administrator(),
            run(),
            app::quotes::NewQuote {
                party,
                price_list,
                warehouse,
                deal: None,
                branch: None,
                owner: None,
                offer: app::quotes::Offer {
                    lines: vec![app::quotes::OfferedLine {
                        product,
                        quantity: domain::catalog::Quantity::parse("q", Decimal::ONE).unwrap(),
                        discount_percent: None,
                    }],
                    valid_until: Utc::now().date_naive() + chrono::Duration::days(7),
                    terms: None,
                },
            },
        )
        .await;
    let quote = drafted.unwrap().quote;
    let url = format!("{}/quotes/{quote}", app.base);
    in_browser(&app, "quote_ar", move |client| async move {
        client.goto(&url).await.unwrap();
        wait_for(&client, "#quote-lines").await;
        choose_language(&client, "ar").await;
        wait_for(&client, r#"html[dir="rtl"][lang="ar"]"#).await;
        assert_eq!(
            text_of(&client, "#quote-actions-heading").await,
            arabic("order-actions")
        );
        assert_eq!(text_of(&client, "#quote-status").await, "مسودة");
    })
    .await;
}
