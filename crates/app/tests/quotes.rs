#![allow(clippy::unwrap_used)]
//! The quote use cases of `app` through the running application at a
//! fixed clock: a quote priced for its customer (their own price), every
//! refusal before the first event in the words a missing record gets, an
//! accepted quote made into a confirmed order by the processes, and a
//! lapsed quote expired once, also across a restart.

mod common;

use std::str::FromStr;
use std::sync::Arc;

use app::clock::FixedClock;
use app::commands::CommandError;
use app::quotes::{NewQuote, Offer, OfferedLine};
use app::running::Running;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use common::{assert_refused, caller, run};
use domain::access::Role;
use domain::catalog::{
    DefineProduct, PriceList, PriceListCommand, PriceScope, Product, ProductCommand, ProductKind,
    Quantity, Sku, Unit, UnitPrice, VatRate,
};
use domain::error::DomainError;
use domain::ids::{PartyId, PriceListId, ProductId, QuoteId, UserId, WarehouseId};
use domain::inventory::{Warehouse, WarehouseCommand};
use domain::parties::{Party, PartyCommand, PartyName, RegisterParty};
use domain::quotes::{Quote, QuoteCommand, QuoteStatus};
use domain::sales::{Order, OrderStatus};
use domain::values::{Currency, Label};
use eventlog::{Options, ReadFilter};
use rust_decimal::Decimal;
use uuid::Uuid;

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn label(text: &str) -> Label {
    Label::parse("label", text).unwrap()
}

fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).single().unwrap()
}

async fn start(directory: &std::path::Path, clock: Arc<FixedClock>) -> Running {
    Running::start(
        directory,
        Options::default(),
        clock,
        Arc::new(app::ids::SequentialIds::starting(1)),
    )
    .await
    .unwrap()
}

/// Sam (a sales manager) with a customer who has their own price (4.00
/// instead of the list's 5.00) and another manager's customer; a bolt;
/// a warehouse.
struct Shop {
    sam: UserId,
    sams: PartyId,
    theirs: PartyId,
    product: ProductId,
    price_list: PriceListId,
    warehouse: WarehouseId,
}

async fn open_shop(running: &Running) -> Shop {
    let id = || Uuid::now_v7();
    let shop = Shop {
        sam: UserId::from_uuid(id()),
        sams: PartyId::from_uuid(id()),
        theirs: PartyId::from_uuid(id()),
        product: ProductId::from_uuid(id()),
        price_list: PriceListId::from_uuid(id()),
        warehouse: WarehouseId::from_uuid(id()),
    };
    let app = &running.app;
    for (party, name, owner) in [
        (shop.sams, "Sams Own Ltd", shop.sam),
        (shop.theirs, "Someone Elses Ltd", UserId::from_uuid(id())),
    ] {
        common::given::<Party, _>(
            app,
            shop.sam,
            party,
            PartyCommand::Register(RegisterParty {
                name: PartyName::Company {
                    name: label(name),
                    legal_name: None,
                },
                company: None,
                job_title: None,
                source: None,
                owner,
                branch: None,
            }),
        )
        .await;
    }
    common::given::<Product, _>(
        app,
        shop.sam,
        shop.product,
        ProductCommand::Define(DefineProduct {
            sku: Sku::parse("sku", "BOLT-1").unwrap(),
            name: label("Bolt"),
            unit: Unit::parse("unit", "pcs").unwrap(),
            category: None,
            barcode: None,
            kind: ProductKind::StockTracked,
            vat: VatRate::parse("vat", dec("20")).unwrap(),
        }),
    )
    .await;
    common::given::<PriceList, _>(
        app,
        shop.sam,
        shop.price_list,
        PriceListCommand::Define {
            name: label("Retail"),
            currency: Currency::parse("currency", "EUR").unwrap(),
            prices_include_vat: false,
        },
    )
    .await;
    for (scope, price) in [
        (PriceScope::Everyone, "5"),
        (PriceScope::Party(shop.sams), "4"),
    ] {
        common::given::<PriceList, _>(
            app,
            shop.sam,
            shop.price_list,
            PriceListCommand::SetPrice {
                product: shop.product,
                scope,
                min_quantity: Quantity::parse_break("min_quantity", Decimal::ZERO).unwrap(),
                unit_price: UnitPrice::parse("unit_price", dec(price)).unwrap(),
            },
        )
        .await;
    }
    common::given::<Warehouse, _>(
        app,
        shop.sam,
        shop.warehouse,
        WarehouseCommand::Open {
            name: label("Main"),
            branch: None,
            allows_negative_stock: true,
        },
    )
    .await;
    shop
}

fn offer(shop: &Shop, units: &str, valid_until: NaiveDate) -> Offer {
    Offer {
        lines: vec![OfferedLine {
            product: shop.product,
            quantity: Quantity::parse("quantity", dec(units)).unwrap(),
            discount_percent: Some(VatRate::parse("discount_percent", dec("10")).unwrap()),
        }],
        valid_until,
        terms: None,
    }
}

fn new_quote(shop: &Shop, party: PartyId, valid_until: NaiveDate) -> NewQuote {
    NewQuote {
        party,
        price_list: shop.price_list,
        warehouse: shop.warehouse,
        deal: None,
        branch: None,
        owner: None,
        offer: offer(shop, "3", valid_until),
    }
}

fn count_of(running: &Running, event_type: &str) -> usize {
    running
        .log
        .read_all(1, 10_000, &ReadFilter::event_types([event_type]))
        .unwrap()
        .events
        .len()
}

fn quote_of(running: &Running, quote: QuoteId) -> domain::quotes::QuoteState {
    running.app.load::<Quote>(quote).unwrap().0.unwrap()
}

/// Protects "prices resolved for that customer now" and the reach rules:
/// the customer's own price with the line's discount on top; another
/// manager's customer, a missing product and a role that may not quote
/// are refused before any event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quote_is_priced_for_its_customer_and_refused_out_of_reach() {
    let directory = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::at(start_time()));
    let running = start(directory.path(), clock).await;
    let shop = open_shop(&running).await;
    let sam = caller(shop.sam, Role::SalesManager, None);
    let quotes = running.app.quotes();
    let today = start_time().date_naive();
    let drafted = quotes
        .draft(&sam, run(), new_quote(&shop, shop.sams, today))
        .await
        .unwrap();
    let quote = quote_of(&running, drafted.quote);
    assert_eq!(quote.drafted.owner, shop.sam);
    let line = &quote.current.lines[0];
    assert_eq!((line.list_price, line.price), (dec("4"), dec("4")));
    assert_eq!(line.unit_price, dec("3.6"));
    assert_eq!(quote.current.total.net, dec("10.80"));

    let head = running.log.head().position;
    let theirs = quotes
        .draft(&sam, run(), new_quote(&shop, shop.theirs, today))
        .await
        .unwrap_err();
    assert_refused(&theirs, DomainError::part_not_found("party", shop.theirs));
    let mut missing_product = new_quote(&shop, shop.sams, today);
    let nothing = ProductId::from_uuid(Uuid::now_v7());
    missing_product.offer.lines[0].product = nothing;
    let missing = quotes
        .draft(&sam, run(), missing_product)
        .await
        .unwrap_err();
    assert_refused(&missing, DomainError::part_not_found("product", nothing));
    let keeper = caller(shop.sam, Role::Storekeeper, None);
    let forbidden = quotes
        .draft(&keeper, run(), new_quote(&shop, shop.sams, today))
        .await
        .unwrap_err();
    assert!(
        matches!(forbidden, CommandError::Forbidden { .. }),
        "{forbidden:?}"
    );
    // Another manager's quote is not even revised or sent by Sam.
    let admin = caller(shop.sam, Role::Administrator, None);
    let other = quotes
        .draft(&admin, run(), new_quote(&shop, shop.theirs, today))
        .await
        .unwrap();
    let head_before_sam = running.log.head().position;
    let revise = quotes
        .revise(&sam, run(), other.quote, offer(&shop, "1", today))
        .await
        .unwrap_err();
    assert_refused(
        &revise,
        DomainError::part_not_found("quote", other.quote.as_uuid()),
    );
    let send = quotes
        .answer(&sam, run(), other.quote, QuoteCommand::Send)
        .await
        .unwrap_err();
    assert_refused(
        &send,
        DomainError::part_not_found("quote", other.quote.as_uuid()),
    );
    assert!(
        head < head_before_sam,
        "only the administrator's draft was written"
    );
    assert_eq!(running.log.head().position, head_before_sam);
    // Prices are the use case's, never the caller's: a revision does not
    // come in through `answer`.
    let priced_by_caller = quotes
        .answer(
            &admin,
            run(),
            other.quote,
            QuoteCommand::Revise(domain::quotes::Revision {
                lines: Vec::new(),
                valid_until: today,
                terms: None,
            }),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&priced_by_caller, CommandError::Domain(error) if error.field() == Some("command")),
        "{priced_by_caller:?}"
    );
    running.shutdown().await.unwrap();
}

/// Protects acceptance: the processes make the order from the quote's
/// lines at the quoted price, although the list changed since, and
/// confirm it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accepted_quote_becomes_an_order_confirmed_at_the_quoted_price() {
    let directory = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::at(start_time()));
    let running = start(directory.path(), clock).await;
    let shop = open_shop(&running).await;
    let sam = caller(shop.sam, Role::SalesManager, None);
    let quotes = running.app.quotes();
    let today = start_time().date_naive();
    let drafted = quotes
        .draft(&sam, run(), new_quote(&shop, shop.sams, today))
        .await
        .unwrap();
    quotes
        .answer(&sam, run(), drafted.quote, QuoteCommand::Send)
        .await
        .unwrap();
    common::given::<PriceList, _>(
        &running.app,
        shop.sam,
        shop.price_list,
        PriceListCommand::SetPrice {
            product: shop.product,
            scope: PriceScope::Party(shop.sams),
            min_quantity: Quantity::parse_break("min_quantity", Decimal::ZERO).unwrap(),
            unit_price: UnitPrice::parse("unit_price", dec("9")).unwrap(),
        },
    )
    .await;
    let accepted = quotes.accept(&sam, run(), drafted.quote).await.unwrap();
    running.processes.catch_up().await.unwrap();
    let order = running
        .app
        .load::<Order>(accepted.order)
        .unwrap()
        .0
        .expect("the processes made the order");
    assert_eq!(order.status, OrderStatus::Confirmed);
    let line = &order.lines[&1].confirmed;
    assert_eq!((line.unit_price, line.quantity), (dec("3.6"), dec("3")));
    assert_eq!(order.drafted.manager, Some(shop.sam));
    assert_eq!(
        quote_of(&running, drafted.quote).order,
        Some(accepted.order)
    );
    // A second acceptance (another request) is refused: the quote is
    // closed, and there is still one order.
    let again = quotes.accept(&sam, run(), drafted.quote).await.unwrap_err();
    assert!(
        matches!(&again, CommandError::Domain(error) if error.rule() == Some("quote.closed")),
        "{again:?}"
    );
    running.processes.catch_up().await.unwrap();
    assert_eq!(count_of(&running, "OrderConfirmed"), 1);
    running.shutdown().await.unwrap();
}

/// Protects "expired once, also after a restart": nothing while the
/// quote is valid, one expiry the day after its last valid day, none on a
/// second look or after the application starts again; an accepted quote
/// never expires.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lapsed_quote_expires_once_across_a_restart() {
    let directory = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::at(start_time()));
    let running = start(directory.path(), clock.clone()).await;
    let shop = open_shop(&running).await;
    let sam = caller(shop.sam, Role::SalesManager, None);
    let quotes = running.app.quotes();
    let until = start_time().date_naive() + Duration::days(2);
    let lapsing = quotes
        .draft(&sam, run(), new_quote(&shop, shop.sams, until))
        .await
        .unwrap()
        .quote;
    let accepted = quotes
        .draft(&sam, run(), new_quote(&shop, shop.sams, until))
        .await
        .unwrap()
        .quote;
    for quote in [lapsing, accepted] {
        quotes
            .answer(&sam, run(), quote, QuoteCommand::Send)
            .await
            .unwrap();
    }
    quotes.accept(&sam, run(), accepted).await.unwrap();

    let early = quotes.expire_due(&running.read_models).await.unwrap();
    assert!(early.is_empty(), "valid until the end of its last day");
    clock.advance(Duration::days(2) + Duration::hours(14));
    assert!(
        quotes
            .expire_due(&running.read_models)
            .await
            .unwrap()
            .is_empty(),
        "its last valid day is not over"
    );
    clock.advance(Duration::hours(2));
    // The application's own look may come first: either way, one expiry.
    quotes.expire_due(&running.read_models).await.unwrap();
    assert_eq!(count_of(&running, "QuoteExpired"), 1);
    assert_eq!(quote_of(&running, lapsing).status, QuoteStatus::Expired);
    assert_eq!(quote_of(&running, accepted).status, QuoteStatus::Accepted);
    assert!(
        quotes
            .expire_due(&running.read_models)
            .await
            .unwrap()
            .is_empty(),
        "a second look expires nothing"
    );
    running.shutdown().await.unwrap();
    drop(running);

    let running = start(directory.path(), clock).await;
    let after = running
        .app
        .quotes()
        .expire_due(&running.read_models)
        .await
        .unwrap();
    assert!(after.is_empty(), "nothing again after a restart");
    assert_eq!(count_of(&running, "QuoteExpired"), 1);
    running.shutdown().await.unwrap();
}
