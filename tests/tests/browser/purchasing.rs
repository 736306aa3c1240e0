//! Purchasing in the browser (issue 18): the demo's company currency,
//! rates pasted as CSV (a bad row refused with its line, nothing
//! recorded) and a day's rate entered on the rates page, a customer made a supplier
//! on its card, a purchase order in a foreign currency drafted (a bad
//! price refused next to its field with the typing kept), sent and
//! received with freight, the goods in stock at their landed cost, the
//! supplier's invoice recorded and paid;
//! the order page in Arabic.

use super::catalog::{choose, on_hand, stocked, type_into, value_of, wait_for_text};
use super::*;

/// Protects the whole purchase from the browser: 10 units at 4.00 USD,
/// 1 USD = 0.5 EUR today and 5.00 EUR of freight enter stock at
/// (10 × 4 × 0.5 + 5) / 10 = 2.50 EUR each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn goods_bought_abroad_enter_stock_at_their_landed_cost() {
    let app = spawn_app().await;
    let goods = stocked(&app, Decimal::ZERO);
    let before = on_hand(&app, goods.product, goods.main);
    let supplier = app.state.read_models.customers.read(|customers| {
        customers
            .rows()
            .find(|row| {
                !row.erased && !row.is_person() && row.roles.customer && !row.roles.supplier
            })
            .map(|row| row.id)
            .expect("a company in the demo")
    });
    let base = app.base.clone();
    let state = app.state.clone();
    let unit_cost = format::money(Lang::En, Decimal::new(25, 1), eur());
    in_browser(&app, "purchase_landed_cost", move |client| async move {
        // The demo keeps its books in EUR; rates come typed or pasted.
        client
            .goto(&format!("{base}/purchases/rates"))
            .await
            .unwrap();
        wait_for_text(&client, "#company-currency strong", "EUR").await;
        assert!(
            client
                .find(Locator::Css("#company-currency-form"))
                .await
                .is_err(),
            "the company currency is set once"
        );
        let today = Utc::now().date_naive().to_string();
        set_value(
            &client,
            "#rates-csv",
            &format!("currency,day,rate\nGBP,{today},1.17\nUSD,{today},zero"),
        )
        .await;
        let head = state.log.head().position;
        click(&client, "#rates-import-submit").await;
        wait_for(&client, "#rates-problems").await;
        // Without the isolation marks Fluent puts around each value.
        let problems = text_of(&client, "#rates-problems")
            .await
            .replace(['\u{2068}', '\u{2069}'], "");
        assert!(problems.contains("Line 3"), "{problems}");
        assert_eq!(state.log.head().position, head, "nothing was imported");
        type_into(&client, "#rate-currency", "usd").await;
        set_value(&client, "#rate-day", &today).await;
        type_into(&client, "#rate-value", "0.5").await;
        click(&client, "#rate-submit").await;
        wait_for(&client, "#rates-list").await;
        assert_eq!(
            text_of(&client, "#rates-list tbody tr:first-child td:last-child").await,
            "0.5"
        );

        client
            .goto(&format!("{base}/customers/{supplier}"))
            .await
            .unwrap();
        click(&client, "#edit-customer summary").await;
        click(&client, "#role-supplier").await;
        click(&client, "#roles-submit").await;
        wait_for_text(&client, "#customer-roles", "Customer, Supplier").await;

        client.goto(&format!("{base}/purchases/new")).await.unwrap();
        choose(&client, "#purchase-supplier", &supplier.to_string()).await;
        choose(&client, "#purchase-warehouse", &goods.main.to_string()).await;
        type_into(&client, "#purchase-currency", "USD").await;
        choose(&client, "#product-1", &goods.product.to_string()).await;
        type_into(&client, "#quantity-1", "10").await;
        type_into(&client, "#price-1", "four").await;
        let head = state.log.head().position;
        click(&client, "#new-purchase-submit").await;
        wait_for(&client, "#price-1-error").await;
        assert_eq!(value_of(&client, "#quantity-1").await, "10");
        assert_eq!(state.log.head().position, head, "nothing was written");
        type_into(&client, "#price-1", "4").await;
        click(&client, "#new-purchase-submit").await;
        wait_for(&client, "#send-submit").await;
        assert_eq!(
            text_of(&client, "#purchase-status").await,
            "Draft",
            "a new order is a draft"
        );
        click(&client, "#send-submit").await;
        wait_for(&client, "#receive-submit").await;
        assert_eq!(value_of(&client, "#receive-1").await, "10");
        type_into(&client, "#cost-label-1", "Freight").await;
        type_into(&client, "#cost-amount-1", "5").await;
        click(&client, "#receive-submit").await;
        wait_for_text(&client, "#purchase-status", "Received").await;
        let receipt = text_of(&client, "#purchase-receipts .unit-cost").await;
        assert_eq!(receipt, unit_cost);
        assert!(
            text_of(&client, "#purchase-heading").await.contains("PO-"),
            "the order has its number"
        );
        // The supplier's invoice, for what is not invoiced yet, and its
        // payment: the order ends paid.
        assert_eq!(value_of(&client, "#bill-amount").await, "40");
        click(&client, "#bill-submit").await;
        wait_for(&client, "#bill-number-error").await;
        type_into(&client, "#bill-number", "PT-4711").await;
        click(&client, "#bill-submit").await;
        wait_for(&client, "#bills-list .pay-form button").await;
        click(&client, "#bills-list .pay-form button").await;
        wait_for(&client, "#bills-list tr[data-bill]").await;
        // The order learns it is paid through the processes: look again
        // until it says so.
        let order_url = client.current_url().await.unwrap();
        let started = Instant::now();
        loop {
            if live_text_of(&client, "#purchase-status").await == "Paid" {
                break;
            }
            assert!(started.elapsed() < PAGE_WAIT, "the order never showed paid");
            tokio::time::sleep(Duration::from_millis(200)).await;
            client.goto(order_url.as_str()).await.unwrap();
        }
    })
    .await;
    assert_eq!(
        on_hand(&app, goods.product, goods.main),
        before + Decimal::from(10)
    );
}

/// A run under a new command id.
fn fresh() -> app::Run {
    app::Run {
        command_id: Uuid::now_v7(),
        expected_version: None,
    }
}

/// Protects the Arabic purchase pages: right to left with Arabic labels,
/// and a delivery with nothing in it refused in Arabic next to the lines.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_purchase_order_page_in_arabic_refuses_an_empty_delivery() {
    let app = spawn_app().await;
    let goods = stocked(&app, Decimal::ZERO);
    let caller = app::access::Caller::process("test");
    let currency = app.state.app.currency();
    currency
        .set_company_currency(&caller, fresh(), eur())
        .await
        .unwrap();
    let supplier = app.state.read_models.customers.read(|customers| {
        customers
            .rows()
            .find(|row| !row.erased && !row.is_person())
            .map(|row| row.id)
            .unwrap()
    });
    app.state
        .app
        .execute::<domain::parties::Party, _>(
            &caller,
            fresh(),
            supplier,
            domain::parties::PartyCommand::SetRoles(domain::parties::PartyRoles {
                customer: true,
                supplier: true,
            }),
            None,
        )
        .await
        .unwrap();
    let drafted = app
        .state
        .app
        .purchasing()
        .draft(
            &caller,
            fresh(),
            app::purchasing::NewPurchase {
                supplier,
                warehouse: goods.main,
                currency: None,
                branch: None,
                buyer: None,
                reference: None,
                expected_on: None,
                lines: vec![app::purchasing::NewPurchaseLine {
                    product: goods.product,
                    quantity: domain::catalog::Quantity::parse("q", Decimal::from(3)).unwrap(),
                    unit_price: domain::catalog::UnitPrice::parse("p", Decimal::ONE).unwrap(),
                }],
            },
        )
        .await
        .unwrap();
    let sent = app
        .state
        .app
        .execute::<domain::purchasing::PurchaseOrder, _>(
            &caller,
            fresh(),
            drafted.order,
            domain::purchasing::PurchaseCommand::Send,
            None,
        )
        .await
        .unwrap();
    app.state
        .read_models
        .wait_for(sent.last_position.unwrap())
        .await
        .unwrap();
    let url = format!("{}/purchases/{}", app.base, drafted.order);
    in_browser(&app, "purchase_arabic", move |client| async move {
        client.goto(&url).await.unwrap();
        wait_for(&client, "#receive-form").await;
        choose_language(&client, "ar").await;
        wait_for(&client, r#"html[dir="rtl"][lang="ar"]"#).await;
        type_into(&client, "#receive-1", "0").await;
        click(&client, "#receive-submit").await;
        let error = text_of(&client, "#receive-error").await;
        assert_eq!(error, arabic("purchase-receive-needs-a-line"));
        assert_eq!(
            text_of(&client, "#purchase-status").await,
            arabic("purchase-status-sent")
        );
    })
    .await;
}

/// Protects the replenishment click: an offer set on a product's
/// suppliers page (a bad lead time refused next to it, the typing kept)
/// makes that supplier preferred; on the replenishment page the product's
/// line names the supplier, and ticking it drafts a purchase order from
/// them, shown among the drafts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticked_suggestion_becomes_a_draft_from_its_supplier() {
    let app = spawn_app().await;
    // A reorder level above what the main warehouse holds makes the
    // product needed now.
    let goods = stocked(&app, Decimal::ZERO);
    let product = goods.product;
    let raised = app
        .state
        .app
        .stock()
        .record(
            &app::access::Caller::process("test"),
            fresh(),
            (product, goods.main),
            domain::inventory::StockCommand::SetReorderLevel {
                level: Some(domain::catalog::Quantity::parse("l", Decimal::from(100_000)).unwrap()),
            },
            None,
        )
        .await
        .unwrap();
    app.state
        .read_models
        .wait_for(raised.last_position.unwrap())
        .await
        .unwrap();
    let supplier = app.state.read_models.customers.read(|customers| {
        customers
            .search(&projections::models::customers::CustomerQuery {
                role: Some(projections::models::customers::RoleFilter::Supplier),
                limit: 10,
                ..Default::default()
            })
            .rows
            .iter()
            .find(|row| row.display_name.starts_with("Rheinstahl"))
            .map(|row| row.id)
            .unwrap()
    });
    let base = app.base.clone();
    let state = app.state.clone();
    in_browser(&app, "replenishment_click", move |client| async move {
        client
            .goto(&format!("{base}/purchases/products/{product}"))
            .await
            .unwrap();
        choose(&client, "#offer-supplier", &supplier.to_string()).await;
        type_into(&client, "#offer-price", "1.25").await;
        type_into(&client, "#offer-lead", "999").await;
        let head = state.log.head().position;
        click(&client, "#offer-submit").await;
        wait_for(&client, "#offer-lead-error").await;
        assert_eq!(value_of(&client, "#offer-price").await, "1.25");
        assert_eq!(state.log.head().position, head, "nothing was written");
        type_into(&client, "#offer-lead", "3").await;
        click(&client, "#offer-submit").await;
        let row = format!("#offers-list tr[data-supplier=\"{supplier}\"]");
        wait_for(&client, &format!("{row} .prefer, {row} .preferred")).await;
        if count_now(&client, &format!("{row} .prefer")).await > 0 {
            click(&client, &format!("{row} .prefer")).await;
            wait_for(&client, &format!("{row} .preferred")).await;
        }

        client
            .goto(&format!("{base}/purchases/replenishment"))
            .await
            .unwrap();
        wait_for(&client, "#replenishment-list").await;
        let href = format!("/purchases/products/{product}");
        let picked = client
            .execute(
                "const link = [...document.querySelectorAll('#replenishment-list a')].find(a => a.getAttribute('href') === arguments[0]);\
                 const box = link.closest('tr').querySelector('input[type=checkbox]');\
                 box.click(); return link.closest('tr').textContent;",
                vec![href.into()],
            )
            .await
            .unwrap();
        let row_text = picked.as_str().unwrap_or_default().to_owned();
        assert!(row_text.contains("Rheinstahl"), "{row_text}");
        click(&client, "#replenishment-submit").await;
        wait_for(&client, "#purchase-list").await;
        let drafts = text_of(&client, "#purchase-list").await;
        assert!(drafts.contains("Rheinstahl"), "{drafts}");
    })
    .await;
}

/// Protects the payables page (issue 18): a 50 USD invoice due 35 days
/// ago and unpaid sits in the 31–60 days column; a 100 USD invoice of
/// yesterday (1 USD = 0.90 EUR) paid today (0.80) realizes a gain of
/// 10.00 EUR, shown with the span's total; 20 USD more paid for no invoice
/// is listed as the supplier's advance; the page in Arabic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_is_owed_to_suppliers_and_the_exchange_differences_show() {
    use app::payables::{NewSupplierInvoice, NewSupplierPayment};
    use domain::catalog::UnitPrice;
    use domain::values::Label;
    let app = spawn_app().await;
    let admin = administrator();
    let supplier = app.state.read_models.customers.read(|customers| {
        customers
            .rows()
            .find(|row| !row.erased && row.roles.supplier)
            .map(|row| row.id)
            .expect("a supplier in the demo")
    });
    let usd = Currency::parse("currency", "USD").unwrap();
    let (yesterday, today) = dollar_at_90_then_80(&app, &admin).await;
    let invoice = |number: &str, amount: i64, issued_on, due| NewSupplierInvoice {
        order: None,
        number: Label::parse("number", number).unwrap(),
        currency: Some(usd),
        amount: UnitPrice::parse("amount", Decimal::from(amount)).unwrap(),
        issued_on,
        due,
    };
    let old = today - chrono::Days::new(40);
    app.state
        .app
        .record_supplier_invoice(
            &admin,
            run(),
            supplier,
            invoice("OLD-1", 50, old, today - chrono::Days::new(35)),
        )
        .await
        .unwrap();
    let fresh = app
        .state
        .app
        .record_supplier_invoice(
            &admin,
            run(),
            supplier,
            invoice("NEW-1", 100, yesterday, today + chrono::Days::new(30)),
        )
        .await
        .unwrap();
    let paid = app
        .state
        .app
        .pay_supplier(
            &admin,
            run(),
            supplier,
            NewSupplierPayment {
                method: PaymentMethod::BankTransfer,
                currency: usd,
                amount: UnitPrice::parse("amount", Decimal::from(100)).unwrap(),
                allocations: Some(vec![(
                    fresh.id,
                    UnitPrice::parse("amount", Decimal::from(100)).unwrap(),
                )]),
                reference: None,
            },
            None,
        )
        .await
        .unwrap();
    // 20 more, named for no invoice: an advance.
    let advance = app
        .state
        .app
        .pay_supplier(
            &admin,
            run(),
            supplier,
            NewSupplierPayment {
                method: PaymentMethod::BankTransfer,
                currency: usd,
                amount: UnitPrice::parse("amount", Decimal::from(20)).unwrap(),
                allocations: Some(Vec::new()),
                reference: None,
            },
            None,
        )
        .await
        .unwrap();
    app.state
        .read_models
        .wait_for(
            paid.executed
                .last_position
                .max(advance.executed.last_position)
                .unwrap(),
        )
        .await
        .unwrap();
    let base = app.base.clone();
    let gain = format::money(Lang::En, Decimal::from(10), eur());
    let overdue = format::money(Lang::En, Decimal::from(50), usd);
    let held = format::money(Lang::En, Decimal::from(20), usd);
    in_browser(&app, "payables", move |client| async move {
        client.goto(&format!("{base}/purchases")).await.unwrap();
        click(&client, "#payables-link").await;
        wait_for(&client, "#payables-form").await;
        // Today's differences only: the demo's own payments are older.
        set_value(&client, "#payables-from", &today.to_string()).await;
        click(&client, "#payables-submit").await;
        wait_for(&client, &format!("#payables-from[value='{today}']")).await;
        let row = format!("#payables-list tr:has(a[href='/customers/{supplier}'])");
        assert_eq!(
            text_of(&client, &format!("{row} td:nth-of-type(5)")).await,
            overdue,
            "31–60 days"
        );
        assert_eq!(text_of(&client, "#differences-total").await, gain);
        let advances = text_of(&client, "#advances-list tbody").await;
        assert!(
            advances.contains(&held),
            "the advance is listed: {advances}"
        );
        assert!(
            text_of(&client, "#differences-list tbody")
                .await
                .contains("NEW-1"),
            "the invoice is named"
        );
        choose_language(&client, "ar").await;
        wait_for(&client, "html[dir='rtl'] #payables-list").await;
        assert_eq!(text_of(&client, "h1").await, arabic("payables-title"));
    })
    .await;
}

/// Protects the customer side of several currencies as a user sees it: a
/// 100 USD invoice of yesterday (1 USD = 0.90 EUR) paid today (0.80)
/// brought in 10.00 EUR less than it was worth: the sales report in
/// dollars lists the loss under its receivables, named by customer, with
/// the span's total; the section in Arabic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customers_dollar_payment_shows_its_exchange_loss_in_the_sales_report() {
    use domain::finance::{Account, AccountCommand};
    use domain::ids::{InvoiceId, PaymentId};
    use domain::sales::Amounts;
    use domain::values::Money;
    let app = spawn_app().await;
    let admin = administrator();
    let (customer, name) = app.state.read_models.customers.read(|customers| {
        customers
            .rows()
            .find(|row| !row.erased && !row.is_person() && row.roles.customer)
            .map(|row| (row.id, row.display_name.clone()))
            .expect("a customer in the demo")
    });
    let usd = Currency::parse("currency", "USD").unwrap();
    let (yesterday, today) = dollar_at_90_then_80(&app, &admin).await;
    let hundred = Decimal::from(100);
    let noon = |day: chrono::NaiveDate| day.and_hms_opt(12, 0, 0).unwrap().and_utc();
    app.state
        .app
        .execute::<Account, _>(
            &admin,
            run(),
            customer,
            AccountCommand::IssueInvoice {
                invoice: InvoiceId::from_uuid(Uuid::now_v7()),
                order: None,
                branch: None,
                currency: usd,
                total: Amounts {
                    net: hundred,
                    vat: Decimal::ZERO,
                    gross: hundred,
                },
                due: today,
                rate: None,
            },
            Some(noon(yesterday)),
        )
        .await
        .unwrap();
    let paid = app
        .state
        .app
        .execute::<Account, _>(
            &admin,
            run(),
            customer,
            AccountCommand::ReceivePayment {
                payment: PaymentId::from_uuid(Uuid::now_v7()),
                method: PaymentMethod::BankTransfer,
                amount: Money::parse("amount", hundred, usd).unwrap(),
                allocations: None,
                reference: None,
                rate: None,
            },
            None,
        )
        .await
        .unwrap();
    app.state
        .read_models
        .wait_for(paid.last_position.unwrap())
        .await
        .unwrap();
    let base = app.base.clone();
    let loss = format::money(Lang::En, Decimal::from(-10), eur());
    in_browser(&app, "customer_exchange_loss", move |client| async move {
        client
            .goto(&format!(
                "{base}/reports?from={yesterday}&to={today}&group_by=day&currency=USD"
            ))
            .await
            .unwrap();
        wait_for(&client, "#customer-differences").await;
        assert_eq!(text_of(&client, "#customer-differences-total").await, loss);
        let rows = text_of(&client, "#customer-differences tbody").await;
        assert!(rows.contains(&name), "the customer is named: {rows}");
        assert!(
            client
                .find(Locator::Css("#customer-differences-total.loss"))
                .await
                .is_ok(),
            "a loss is marked"
        );
        choose_language(&client, "ar").await;
        wait_for(&client, "html[dir='rtl'] #customer-differences").await;
        assert_eq!(
            text_of(&client, "#differences-heading").await,
            arabic("reports-differences")
        );
    })
    .await;
}

/// Protects the director's one figure on the report page: with no
/// currency chosen it counts every currency in the company's (the demo
/// sells in euros and, once, in dollars), says so, and its total is the
/// model's; chosen, the dollars are shown alone, in dollars. In Arabic
/// the choice reads in Arabic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sales_report_adds_every_currency_in_the_company_one() {
    use projections::models::sales::{Period, ReportCurrency, ReportQuery};
    let app = spawn_app().await;
    let to = Utc::now().date_naive();
    let from = to - chrono::Duration::days(364);
    let usd = Currency::parse("currency", "USD").unwrap();
    let order_net = |currency| {
        app.state.read_models.sales.read(|sales| {
            sales
                .report(&ReportQuery {
                    from,
                    to,
                    currency,
                    period: Period::Whole,
                    dimension: None,
                    branch: None,
                })
                .first()
                .map(|row| row.figures.order_net)
                .unwrap()
        })
    };
    let every = format::money(Lang::En, order_net(ReportCurrency::Company), eur());
    let dollars = format::money(Lang::En, order_net(ReportCurrency::Only(usd)), usd);
    let only_euros = format::money(Lang::En, order_net(ReportCurrency::Only(eur())), eur());
    assert_ne!(every, only_euros, "the dollars count in the company total");
    let base = app.base.clone();
    in_browser(&app, "report_every_currency", move |client| async move {
        client
            .goto(&format!(
                "{base}/reports?from={from}&to={to}&group_by=whole"
            ))
            .await
            .unwrap();
        wait_for(&client, "#report-converted-note").await;
        assert_eq!(value_of(&client, "#report-currency").await, "company");
        assert!(
            text_of(&client, "#report-converted-note")
                .await
                .contains("EUR"),
        );
        // The second figure of the total row: the net order intake.
        assert_eq!(
            text_of(&client, "#report-total td:nth-of-type(2)").await,
            every
        );
        choose(&client, "#report-currency", "USD").await;
        click(&client, "#report-submit").await;
        wait_for_text(&client, "#report-total td:nth-of-type(2)", &dollars).await;
        assert!(
            client
                .find(Locator::Css("#report-converted-note"))
                .await
                .is_err(),
            "one currency is not converted"
        );
        choose_language(&client, "ar").await;
        wait_for(&client, "html[dir='rtl'] #report-currency").await;
        let every_label = client
            .find(Locator::Css("#report-currency option[value='company']"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(every_label.starts_with("كل العملات"), "{every_label}");
    })
    .await;
}

/// Enters the dollar at 0.90 EUR yesterday and 0.80 today; answers the
/// two days.
async fn dollar_at_90_then_80(
    app: &TestApp,
    admin: &app::access::Caller,
) -> (chrono::NaiveDate, chrono::NaiveDate) {
    use domain::values::ExchangeRate;
    let usd = Currency::parse("currency", "USD").unwrap();
    let today = Utc::now().date_naive();
    let yesterday = today.pred_opt().unwrap();
    for (day, rate) in [(yesterday, 9), (today, 8)] {
        app.state
            .app
            .currency()
            .set_rate(
                admin,
                run(),
                usd,
                day,
                ExchangeRate::parse("rate", Decimal::new(rate, 1)).unwrap(),
            )
            .await
            .unwrap();
    }
    (yesterday, today)
}
