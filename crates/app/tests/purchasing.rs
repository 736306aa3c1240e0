#![allow(clippy::unwrap_used)]
//! The purchasing and currency use cases of `app`, driven without HTTP at
//! a fixed time (2026-03-10 12:00 UTC) over a real log and the process
//! managers: a purchase order drafted for a supplier gets its number, a
//! delivery in a foreign currency enters stock at its day's rate plus its
//! landed costs, and every refusal (not a supplier, no company currency,
//! no rate, another branch's warehouse) comes before anything is written.

use std::str::FromStr;

mod common;

use app::App;
use app::access::Caller;
use app::commands::CommandError;
use app::process::{ProcessManager, ProcessSettings, stock_stream};
use app::purchasing::{Delivery, NewPurchase, NewPurchaseLine};
use chrono::{NaiveDate, TimeZone, Utc};
use common::{fixed_app, run};
use domain::access::Role;
use domain::catalog::{
    DefineProduct, Product, ProductCommand, ProductKind, Quantity, Sku, Unit, UnitPrice, VatRate,
};
use domain::error::DomainError;
use domain::finance::{DocumentKind, Series};
use domain::ids::{BranchId, PartyId, ProductId, PurchaseOrderId, SeriesId, UserId, WarehouseId};
use domain::inventory::{Stock, Warehouse, WarehouseCommand};
use domain::parties::{Party, PartyCommand, PartyName, PartyRoles, RegisterParty};
use domain::purchasing::{
    NewLandedCost, PurchaseCommand, PurchaseOrder, PurchaseStatus, ReceiveLine, Spread,
};
use domain::values::{Currency, ExchangeRate, Label};
use domain::{Decider, Issued};
use rust_decimal::Decimal;
use uuid::Uuid;

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn code(text: &str) -> Currency {
    Currency::parse("currency", text).unwrap()
}

fn label(text: &str) -> Label {
    Label::parse("label", text).unwrap()
}

/// A supplier, a customer who supplies nothing, two products, and a
/// warehouse in the north branch; EUR is the company currency and 1 USD
/// was worth 0.9 EUR on 2026-03-06 and 0.3333333333 on 2026-03-09.
struct Buyer {
    _directory: tempfile::TempDir,
    app: App,
    admin: Caller,
    supplier: PartyId,
    customer: PartyId,
    bolts: ProductId,
    nuts: ProductId,
    warehouse: WarehouseId,
    north: BranchId,
}

impl Buyer {
    async fn given<D, C>(&self, id: impl std::fmt::Display, command: C)
    where
        D: Decider<Command = Issued<C>, Error = DomainError>,
        D::Event: domain::DomainEvent,
        D::State: Send + 'static,
    {
        common::given::<D, C>(&self.app, UserId::from_uuid(Uuid::nil()), id, command).await;
    }

    fn stock(&self, product: ProductId) -> domain::inventory::StockState {
        self.app
            .commands
            .load::<Stock>(&stock_stream(product, self.warehouse).unwrap())
            .unwrap()
            .0
    }

    fn order(&self, order: PurchaseOrderId) -> domain::purchasing::PurchaseOrderState {
        self.app.load::<PurchaseOrder>(order).unwrap().0.unwrap()
    }

    async fn processes(&self) {
        let processes =
            ProcessManager::open(self.app.commands.clone(), ProcessSettings::default(), None)
                .unwrap();
        processes.catch_up().await.unwrap();
        let failures = processes.failures();
        assert!(failures.is_empty(), "{failures:?}");
    }

    fn new_purchase(&self, currency: Option<&str>) -> NewPurchase {
        NewPurchase {
            supplier: self.supplier,
            warehouse: self.warehouse,
            currency: currency.map(code),
            branch: None,
            buyer: None,
            reference: None,
            expected_on: None,
            lines: vec![
                NewPurchaseLine {
                    product: self.bolts,
                    quantity: Quantity::parse("quantity", dec("10")).unwrap(),
                    unit_price: UnitPrice::parse("unit_price", dec("3")).unwrap(),
                },
                NewPurchaseLine {
                    product: self.nuts,
                    quantity: Quantity::parse("quantity", dec("5")).unwrap(),
                    unit_price: UnitPrice::parse("unit_price", dec("12")).unwrap(),
                },
            ],
        }
    }

    /// Drafts and sends the two-line order (10 bolts at 3, 5 nuts at 12).
    async fn sent_order(&self, currency: Option<&str>) -> PurchaseOrderId {
        let drafted = self
            .app
            .purchasing()
            .draft(&self.admin, run(), self.new_purchase(currency))
            .await
            .unwrap();
        self.app
            .execute::<PurchaseOrder, _>(
                &self.admin,
                run(),
                drafted.order,
                PurchaseCommand::Send,
                None,
            )
            .await
            .unwrap();
        drafted.order
    }
}

fn someone(role: Role, branch: Option<BranchId>) -> Caller {
    common::caller(UserId::from_uuid(Uuid::now_v7()), role, branch)
}

async fn buyer(with_currency: bool) -> Buyer {
    let directory = tempfile::tempdir().unwrap();
    let app = fixed_app(directory.path());
    let north = BranchId::from_uuid(Uuid::now_v7());
    let buyer = Buyer {
        _directory: directory,
        app,
        admin: someone(Role::Administrator, None),
        supplier: PartyId::from_uuid(Uuid::now_v7()),
        customer: PartyId::from_uuid(Uuid::now_v7()),
        bolts: ProductId::from_uuid(Uuid::now_v7()),
        nuts: ProductId::from_uuid(Uuid::now_v7()),
        warehouse: WarehouseId::from_uuid(Uuid::now_v7()),
        north,
    };
    for (product, sku) in [(buyer.bolts, "BOLT-1"), (buyer.nuts, "NUT-1")] {
        buyer
            .given::<Product, _>(
                product,
                ProductCommand::Define(DefineProduct {
                    sku: Sku::parse("sku", sku).unwrap(),
                    name: label(sku),
                    unit: Unit::parse("unit", "pcs").unwrap(),
                    category: None,
                    barcode: None,
                    kind: ProductKind::StockTracked,
                    vat: VatRate::parse("vat", dec("20")).unwrap(),
                }),
            )
            .await;
    }
    buyer
        .given::<Warehouse, _>(
            buyer.warehouse,
            WarehouseCommand::Open {
                name: label("North"),
                branch: Some(north),
                allows_negative_stock: false,
            },
        )
        .await;
    for (party, name) in [
        (buyer.supplier, "Steelworks"),
        (buyer.customer, "Corner Shop"),
    ] {
        buyer
            .given::<Party, _>(
                party,
                PartyCommand::Register(RegisterParty {
                    name: PartyName::Company {
                        name: label(name),
                        legal_name: None,
                    },
                    company: None,
                    job_title: None,
                    source: None,
                    owner: UserId::from_uuid(Uuid::nil()),
                    branch: None,
                }),
            )
            .await;
    }
    buyer
        .given::<Party, _>(
            buyer.supplier,
            PartyCommand::SetRoles(PartyRoles {
                customer: false,
                supplier: true,
            }),
        )
        .await;
    if with_currency {
        let currency = buyer.app.currency();
        currency
            .set_company_currency(&buyer.admin, run(), code("EUR"))
            .await
            .unwrap();
        for (day, rate) in [(6, "0.9"), (9, "0.3333333333")] {
            currency
                .set_rate(
                    &buyer.admin,
                    run(),
                    code("USD"),
                    NaiveDate::from_ymd_opt(2026, 3, day).unwrap(),
                    ExchangeRate::parse("rate", dec(rate)).unwrap(),
                )
                .await
                .unwrap();
        }
    }
    buyer
}

fn assert_rejected(error: &CommandError, rule: &str) {
    assert!(
        matches!(error, CommandError::Domain(domain) if domain.rule() == Some(rule)),
        "expected {rule}, got {error:?}"
    );
}

/// Protects the cost of goods bought abroad: 10 bolts at 3 USD and 5 nuts
/// at 12 USD arrive on 2026-03-10, a Tuesday without a rate of its own,
/// so Monday's 0.3333333333 holds: values 10.00 and 20.00 EUR; 10 EUR of
/// freight by value adds 3.33 and 6.67; the bolts enter stock at 1.333
/// and the nuts at 5.334. The order is numbered PO-2026-000001.
#[tokio::test]
async fn a_foreign_delivery_enters_stock_at_its_days_rate_plus_landed_costs() {
    let buyer = buyer(true).await;
    let order = buyer.sent_order(Some("USD")).await;
    let delivery = Delivery {
        lines: None,
        landed_costs: vec![NewLandedCost {
            label: label("Freight"),
            amount: UnitPrice::parse("amount", dec("10")).unwrap(),
        }],
        spread: Spread::ByValue,
    };
    buyer
        .app
        .purchasing()
        .receive(&buyer.admin, run(), order, delivery, None)
        .await
        .unwrap();
    buyer.processes().await;
    assert_eq!(buyer.order(order).status, PurchaseStatus::Received);
    let bolts = buyer.stock(buyer.bolts);
    assert_eq!(
        (bolts.on_hand, bolts.average_cost),
        (dec("10"), dec("1.333"))
    );
    let nuts = buyer.stock(buyer.nuts);
    assert_eq!((nuts.on_hand, nuts.average_cost), (dec("5"), dec("5.334")));
    let series = buyer
        .app
        .load::<Series>(SeriesId::of(
            DocumentKind::PurchaseOrder,
            Some(buyer.north),
            2026,
        ))
        .unwrap()
        .0;
    assert_eq!(series.last, 1, "numbered in the warehouse's branch");
    assert!(series.numbered.contains(&order.as_uuid()));
}

/// Protects back-dated receipts: a delivery dated 2026-03-06 converts at
/// that day's 0.9, not today's rate: 10 bolts at 3 USD enter at 2.70.
#[tokio::test]
async fn a_back_dated_delivery_converts_at_the_rate_of_its_day() {
    let buyer = buyer(true).await;
    let order = buyer.sent_order(Some("USD")).await;
    let delivery = Delivery {
        lines: Some(vec![ReceiveLine {
            line: 1,
            quantity: Quantity::parse("quantity", dec("10")).unwrap(),
        }]),
        ..Delivery::default()
    };
    let friday = Utc.with_ymd_and_hms(2026, 3, 6, 15, 0, 0).single().unwrap();
    buyer
        .app
        .purchasing()
        .receive(&buyer.admin, run(), order, delivery, Some(friday))
        .await
        .unwrap();
    buyer.processes().await;
    assert_eq!(buyer.stock(buyer.bolts).average_cost, dec("2.7"));
    assert_eq!(buyer.order(order).status, PurchaseStatus::PartiallyReceived);
    // Before any rate was entered there is nothing to convert at.
    let early = Utc.with_ymd_and_hms(2026, 3, 5, 15, 0, 0).single().unwrap();
    let head = common::head(&buyer.app);
    let refused = buyer
        .app
        .purchasing()
        .receive(&buyer.admin, run(), order, Delivery::default(), Some(early))
        .await
        .unwrap_err();
    assert_rejected(&refused, "currency.no_rate");
    assert_eq!(common::head(&buyer.app), head, "nothing written");
}

/// Protects the books' currency: no purchase order before the company
/// currency is set, and the currency is set once.
#[tokio::test]
async fn the_company_currency_comes_first_and_is_set_once() {
    let buyer = buyer(false).await;
    let refused = buyer
        .app
        .purchasing()
        .draft(&buyer.admin, run(), buyer.new_purchase(None))
        .await
        .unwrap_err();
    assert_rejected(&refused, "company.currency_unset");
    let currency = buyer.app.currency();
    currency
        .set_company_currency(&buyer.admin, run(), code("EUR"))
        .await
        .unwrap();
    let refused = currency
        .set_company_currency(&buyer.admin, run(), code("USD"))
        .await
        .unwrap_err();
    assert_rejected(&refused, "company.currency_set");
    // Only an administrator sets it.
    let refused = currency
        .set_company_currency(&someone(Role::Director, None), run(), code("EUR"))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, CommandError::Forbidden { .. }),
        "{refused:?}"
    );
    // An order drafted without a currency is in the company's.
    let drafted = buyer
        .app
        .purchasing()
        .draft(&buyer.admin, run(), buyer.new_purchase(None))
        .await
        .unwrap();
    assert_eq!(buyer.order(drafted.order).currency, code("EUR"));
    assert_eq!(buyer.order(drafted.order).lines.len(), 2);
}

/// Protects suppliers: a party that is only a customer is no supplier.
#[tokio::test]
async fn goods_are_bought_from_suppliers_only() {
    let buyer = buyer(true).await;
    let mut new = buyer.new_purchase(None);
    new.supplier = buyer.customer;
    let head = common::head(&buyer.app);
    let refused = buyer
        .app
        .purchasing()
        .draft(&buyer.admin, run(), new)
        .await
        .unwrap_err();
    assert_rejected(&refused, "purchase.not_a_supplier");
    assert_eq!(common::head(&buyer.app), head);
}

/// Protects other branches' stock: a storekeeper of another branch
/// cannot receive into the north warehouse (refused as a missing order,
/// nothing written); the north's storekeeper can; a sales manager only
/// reads purchase orders.
#[tokio::test]
async fn only_a_storekeeper_of_the_warehouses_branch_receives() {
    let buyer = buyer(true).await;
    let order = buyer.sent_order(None).await;
    let head = common::head(&buyer.app);
    let south = someone(Role::Storekeeper, Some(BranchId::from_uuid(Uuid::now_v7())));
    let refused = buyer
        .app
        .purchasing()
        .receive(&south, run(), order, Delivery::default(), None)
        .await
        .unwrap_err();
    common::assert_refused(
        &refused,
        DomainError::NotFound {
            entity: "purchase order",
            id: Some(order.as_uuid()),
        },
    );
    let manager = someone(Role::SalesManager, None);
    let refused = buyer
        .app
        .execute::<PurchaseOrder, _>(
            &manager,
            run(),
            order,
            PurchaseCommand::Cancel {
                reason: label("no"),
            },
            None,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(refused, CommandError::Forbidden { .. }),
        "{refused:?}"
    );
    assert_eq!(common::head(&buyer.app), head, "nothing written");
    let north = someone(Role::Storekeeper, Some(buyer.north));
    buyer
        .app
        .purchasing()
        .receive(&north, run(), order, Delivery::default(), None)
        .await
        .unwrap();
    buyer.processes().await;
    assert_eq!(buyer.stock(buyer.bolts).on_hand, dec("10"));
}

/// Protects against doubled stock: the same receipt retried (the same
/// command id) and the processes run twice bring the goods in once.
#[tokio::test]
async fn a_retried_receipt_brings_the_goods_in_once() {
    let buyer = buyer(true).await;
    let order = buyer.sent_order(None).await;
    let retried = run();
    for _ in 0..2 {
        buyer
            .app
            .purchasing()
            .receive(&buyer.admin, retried, order, Delivery::default(), None)
            .await
            .unwrap();
        buyer.processes().await;
    }
    assert_eq!(buyer.stock(buyer.bolts).on_hand, dec("10"));
    assert_eq!(buyer.stock(buyer.nuts).on_hand, dec("5"));
}

fn offer_of(supplier: PartyId, price: &str, lead_time_days: u16) -> domain::sourcing::Offer {
    domain::sourcing::Offer {
        supplier,
        supplier_code: None,
        currency: code("EUR"),
        price: UnitPrice::parse("price", dec(price)).unwrap(),
        minimum_quantity: None,
        pack_size: None,
        lead_time_days,
    }
}

/// Protects the replenishment click: picks of two products from two
/// suppliers become two draft orders, each at its supplier's price; a
/// product nobody offers refuses the whole selection before anything is
/// written; an offer names a supplier, never a mere customer.
#[tokio::test]
async fn a_selection_becomes_one_draft_order_per_supplier() {
    use app::replenishment::Pick;
    let buyer = buyer(true).await;
    let purchasing = buyer.app.purchasing();
    let refused = purchasing
        .set_offer(
            &buyer.admin,
            run(),
            buyer.bolts,
            offer_of(buyer.customer, "1", 3),
        )
        .await
        .unwrap_err();
    assert_rejected(&refused, "purchase.not_a_supplier");
    purchasing
        .set_offer(
            &buyer.admin,
            run(),
            buyer.bolts,
            offer_of(buyer.supplier, "0.42", 5),
        )
        .await
        .unwrap();
    let pick = |product, quantity: &str| Pick {
        product,
        warehouse: buyer.warehouse,
        quantity: Quantity::parse("quantity", dec(quantity)).unwrap(),
    };
    let head = common::head(&buyer.app);
    let refused = buyer
        .app
        .draft_replenishment(
            &buyer.admin,
            run(),
            vec![pick(buyer.bolts, "100"), pick(buyer.nuts, "40")],
        )
        .await
        .unwrap_err();
    assert_rejected(&refused, "replenishment.no_supplier");
    assert_eq!(common::head(&buyer.app), head, "nothing written");

    // A second supplier for the nuts.
    let other = PartyId::from_uuid(Uuid::now_v7());
    buyer
        .given::<Party, _>(
            other,
            PartyCommand::Register(RegisterParty {
                name: PartyName::Company {
                    name: label("Nutworks"),
                    legal_name: None,
                },
                company: None,
                job_title: None,
                source: None,
                owner: UserId::from_uuid(Uuid::nil()),
                branch: None,
            }),
        )
        .await;
    buyer
        .given::<Party, _>(
            other,
            PartyCommand::SetRoles(PartyRoles {
                customer: false,
                supplier: true,
            }),
        )
        .await;
    purchasing
        .set_offer(&buyer.admin, run(), buyer.nuts, offer_of(other, "0.07", 2))
        .await
        .unwrap();
    let drafted = buyer
        .app
        .draft_replenishment(
            &buyer.admin,
            run(),
            vec![pick(buyer.bolts, "100"), pick(buyer.nuts, "40")],
        )
        .await
        .unwrap();
    assert_eq!(drafted.len(), 2);
    let mut orders: Vec<(PartyId, Decimal)> = drafted
        .iter()
        .map(|drafted| {
            let order = buyer.order(drafted.order);
            let line = order.lines.values().next().unwrap();
            (order.supplier, line.unit_price)
        })
        .collect();
    orders.sort();
    let mut expected = vec![(buyer.supplier, dec("0.42")), (other, dec("0.07"))];
    expected.sort();
    assert_eq!(orders, expected);
}

/// Protects payables end to end: a USD order received in full is
/// invoiced on 2026-03-06 (0.9: 90.00 USD worth 81.00 EUR) and paid today
/// (0.3333333333: 30.00 EUR), a realized gain of 51.00 EUR recorded as its
/// own event; the processes then mark the order invoiced and paid. An
/// invoice naming another supplier's order, or a draft, is refused before
/// anything is written; paying is the accountant's, not the purchaser's.
#[tokio::test]
async fn a_supplier_invoice_paid_at_another_rate_realizes_the_difference() {
    use app::payables::{NewSupplierInvoice, NewSupplierPayment};
    use domain::finance::PaymentMethod;
    use domain::payables::Payable;
    let buyer = buyer(true).await;
    let order = buyer.sent_order(Some("USD")).await;
    buyer
        .app
        .purchasing()
        .receive(&buyer.admin, run(), order, Delivery::default(), None)
        .await
        .unwrap();
    let invoice = |order| NewSupplierInvoice {
        order: Some(order),
        number: label("INV-77"),
        currency: None,
        amount: UnitPrice::parse("amount", dec("90")).unwrap(),
        issued_on: NaiveDate::from_ymd_opt(2026, 3, 6).unwrap(),
        due: NaiveDate::from_ymd_opt(2026, 4, 5).unwrap(),
    };
    let head = common::head(&buyer.app);
    let refused = buyer
        .app
        .record_supplier_invoice(&buyer.admin, run(), buyer.customer, invoice(order))
        .await
        .unwrap_err();
    assert_rejected(&refused, "purchase.not_a_supplier");
    let draft = buyer
        .app
        .purchasing()
        .draft(&buyer.admin, run(), buyer.new_purchase(None))
        .await
        .unwrap()
        .order;
    let head_after_draft = common::head(&buyer.app);
    assert!(head_after_draft > head);
    let refused = buyer
        .app
        .record_supplier_invoice(&buyer.admin, run(), buyer.supplier, invoice(draft))
        .await
        .unwrap_err();
    assert_rejected(&refused, "purchase.not_sent");
    assert_eq!(
        common::head(&buyer.app),
        head_after_draft,
        "nothing written"
    );

    let recorded = buyer
        .app
        .record_supplier_invoice(&buyer.admin, run(), buyer.supplier, invoice(order))
        .await
        .unwrap();
    let payment = NewSupplierPayment {
        method: PaymentMethod::BankTransfer,
        currency: code("USD"),
        amount: UnitPrice::parse("amount", dec("90")).unwrap(),
        allocations: Some(vec![(
            recorded.id,
            UnitPrice::parse("part", dec("90")).unwrap(),
        )]),
        reference: None,
    };
    let purchaser = someone(Role::Purchaser, None);
    let refused = buyer
        .app
        .pay_supplier(&purchaser, run(), buyer.supplier, payment.clone(), None)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, CommandError::Forbidden { .. }),
        "{refused:?}"
    );
    let accountant = someone(Role::Accountant, None);
    buyer
        .app
        .pay_supplier(&accountant, run(), buyer.supplier, payment, None)
        .await
        .unwrap();
    buyer.processes().await;
    assert_eq!(
        supplier_gains(&payable_events(&buyer.app)),
        vec![dec("51.00")]
    );
    assert_eq!(buyer.order(order).status, PurchaseStatus::Paid);
    let payables = buyer.app.load::<Payable>(buyer.supplier).unwrap().0;
    assert_eq!(payables.invoices[&recorded.id].outstanding(), Decimal::ZERO);
}

/// Protects advances: 90 USD paid to a supplier before any invoice (on 9
/// March, 0.3333333333: 30.00 EUR) pays their invoice of 6 March when it is
/// recorded (90 at 0.9: 81.00 EUR, a gain of 51.00 on the advance), and the
/// order ends paid through the processes.
#[tokio::test]
async fn an_advance_pays_the_suppliers_next_invoice() {
    use app::payables::{NewSupplierInvoice, NewSupplierPayment};
    use domain::finance::PaymentMethod;
    use domain::payables::{Payable, PayableEvent};
    let buyer = buyer(true).await;
    let order = buyer.sent_order(Some("USD")).await;
    buyer
        .app
        .purchasing()
        .receive(&buyer.admin, run(), order, Delivery::default(), None)
        .await
        .unwrap();
    let accountant = someone(Role::Accountant, None);
    buyer
        .app
        .pay_supplier(
            &accountant,
            run(),
            buyer.supplier,
            NewSupplierPayment {
                method: PaymentMethod::BankTransfer,
                currency: code("USD"),
                amount: UnitPrice::parse("amount", dec("90")).unwrap(),
                allocations: None,
                reference: None,
            },
            None,
        )
        .await
        .unwrap();
    let payables = buyer.app.load::<Payable>(buyer.supplier).unwrap().0;
    assert_eq!(payables.advance(code("USD")), dec("90"));
    let recorded = buyer
        .app
        .record_supplier_invoice(
            &accountant,
            run(),
            buyer.supplier,
            NewSupplierInvoice {
                order: Some(order),
                number: label("INV-78"),
                currency: None,
                amount: UnitPrice::parse("amount", dec("90")).unwrap(),
                issued_on: NaiveDate::from_ymd_opt(2026, 3, 6).unwrap(),
                due: NaiveDate::from_ymd_opt(2026, 4, 5).unwrap(),
            },
        )
        .await
        .unwrap();
    buyer.processes().await;
    let payables = buyer.app.load::<Payable>(buyer.supplier).unwrap().0;
    assert_eq!(payables.invoices[&recorded.id].outstanding(), Decimal::ZERO);
    assert_eq!(payables.advance(code("USD")), Decimal::ZERO);
    assert_eq!(buyer.order(order).status, PurchaseStatus::Paid);
    let events = payable_events(&buyer.app);
    assert_eq!(supplier_gains(&events), vec![dec("51.00")]);
    assert!(
        events
            .iter()
            .any(|event| matches!(event, PayableEvent::AdvanceApplied(applied) if applied.amount == dec("90")))
    );
}

/// Every supplier's payables event in the log, in order.
fn payable_events(app: &App) -> Vec<domain::payables::PayableEvent> {
    common::events(app)
        .into_iter()
        .filter_map(|event| match event {
            domain::CrmEvent::Payable(event) => Some(event),
            _ => None,
        })
        .collect()
}

/// The gains of the exchange differences among `events`.
fn supplier_gains(events: &[domain::payables::PayableEvent]) -> Vec<Decimal> {
    events
        .iter()
        .filter_map(|event| match event {
            domain::payables::PayableEvent::ExchangeDifferenceRealized(difference) => {
                Some(difference.gain)
            }
            _ => None,
        })
        .collect()
}
