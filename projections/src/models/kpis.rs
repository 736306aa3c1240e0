//! The director's figures at a glance, each answered in microseconds.
//!
//! For a day (the caller passes today, or any past day; `apply` never reads
//! the clock): order intake and orders that day, payments received that
//! day, units shipped in that day's ISO week up to and including it, and
//! invoices overdue at the end of it (how many, how much). For a period
//! `from..=to`: intake, orders, payments and units summed over it, and the
//! invoices overdue at the end of its last day. Stock on hand of a product
//! over all warehouses, now or at the end of any day.
//!
//! The figures mean what they mean in the `sales` model: orders are
//! confirmed orders (and imported sales, on their order date) with their
//! net total, on the confirmation day; units are quantities shipped (and
//! imported as shipped), on the shipment day; payments are the amounts
//! received, whatever they paid. Amounts are per currency; once a company
//! currency is set they are also added up in it ([`CompanyKpis`]): a day's
//! intake and payments in another currency at that day's rate, what is
//! overdue at the end of the period at the rate of its last day
//! ([`crate::day_rates`]). Counts add up across currencies.
//!
//! Overdue: an invoice is overdue at the end of day D when D is after its
//! due date, it was issued by D, and what paid it by D (payments, credit
//! notes, credit applied, each on its own day) leaves something owed. Each
//! invoice contributes a few changes to a per-day list: one invoice and
//! what it owed on the first day it was overdue, less each later payment
//! on its day, and one invoice less on the day it was paid off. Overdue as
//! of D is the sum of the changes up to D: a walk over days, never over
//! invoices. A payment, even a back-dated one, takes the invoice's changes
//! out and puts the new ones in.
//!
//! Small by design: a few numbers per day, each product's on-hand changes
//! per day, and only the invoices still open. An invoice paid in full can
//! be paid no more, so its changes are final and the invoice is dropped.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use domain::currency::{CompanyEvent, RatesEvent};
use domain::finance::{AccountEvent, Allocation};
use domain::ids::{InvoiceId, ProductId};
use domain::inventory::StockEvent;
use domain::sales::{OrderEvent, SaleEvent};
use domain::values::Currency;
use domain::{CrmEvent, DomainEvent};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::day::Day;
use crate::day_rates::DayRates;
use crate::envelope::Envelope;
use crate::fixed::{from_decimal, to_decimal, to_money};
use crate::model::ReadModel;

/// Amounts of one day in one currency, in ten-thousandths.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct DayAmounts {
    /// Index into [`DirectorKpis::currencies`].
    currency: u16,
    intake: i64,
    payments: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct DayFigures {
    orders: i64,
    units: i64,
    amounts: Vec<DayAmounts>,
}

impl DayFigures {
    fn amounts_mut(&mut self, currency: u16) -> &mut DayAmounts {
        let place = match self
            .amounts
            .iter()
            .position(|amounts| amounts.currency == currency)
        {
            Some(place) => place,
            None => {
                self.amounts.push(DayAmounts {
                    currency,
                    intake: 0,
                    payments: 0,
                });
                self.amounts.len() - 1
            }
        };
        &mut self.amounts[place]
    }
}

/// An invoice not yet paid in full.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct OpenInvoice {
    currency: u16,
    issued: Day,
    due: Day,
    gross: i64,
    paid: i64,
    /// What paid part of it, by day, in the order it was recorded.
    paid_on: Vec<(Day, i64)>,
}

/// A change of the overdue figures on a day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct OverdueChange {
    invoices: i64,
    amount: i64,
}

impl OpenInvoice {
    /// The changes this invoice makes to the overdue figures (see the
    /// module's comment).
    fn overdue_changes(&self) -> Vec<(Day, OverdueChange)> {
        let first = self.due.plus(1).max(self.issued);
        let mut payments = self.paid_on.clone();
        payments.sort_by_key(|(day, _)| *day);
        let paid_by_first = payments
            .iter()
            .filter(|(day, _)| *day <= first)
            .fold(0_i64, |sum, (_, amount)| sum.saturating_add(*amount));
        let mut owed = self.gross.saturating_sub(paid_by_first);
        if owed <= 0 {
            return Vec::new();
        }
        let mut changes = vec![(
            first,
            OverdueChange {
                invoices: 1,
                amount: owed,
            },
        )];
        for (day, amount) in payments.into_iter().filter(|(day, _)| *day > first) {
            let part = amount.min(owed);
            owed -= part;
            let paid_off = owed <= 0;
            changes.push((
                day,
                OverdueChange {
                    invoices: -i64::from(paid_off),
                    amount: -part,
                },
            ));
            if paid_off {
                break;
            }
        }
        changes
    }
}

/// A product's stock over all its warehouses.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct ProductStock {
    on_hand: i64,
    /// What each business day changed, sorted by day.
    changes: Vec<(Day, i64)>,
}

/// Overdue invoices in one currency.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overdue {
    pub invoices: i64,
    pub amount: Decimal,
}

/// The director's figures for a day or a period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kpis {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Orders taken (confirmed, or imported with an order date) in the
    /// period.
    pub orders: i64,
    /// Their net total, per currency.
    pub order_intake: BTreeMap<Currency, Decimal>,
    /// Payments received in the period, per currency.
    pub payments: BTreeMap<Currency, Decimal>,
    /// The first day units are counted from: for a day the Monday of its
    /// ISO week, for a period its first day. They are counted up to `to`.
    pub units_from: NaiveDate,
    pub units_shipped: Decimal,
    /// Invoices overdue at the end of `to`, per currency.
    pub overdue: BTreeMap<Currency, Overdue>,
    /// The amounts of every currency in the company currency, once one
    /// is set.
    pub in_company: Option<CompanyKpis>,
}

/// A period's amounts of every currency, in the company currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompanyKpis {
    pub currency: Currency,
    pub order_intake: Decimal,
    pub payments: Decimal,
    /// Overdue at the end of the period, at the rate of its last day.
    pub overdue: Decimal,
    /// Currencies with amounts on a day without any rate by then: left
    /// out of the figures above, which are then incomplete.
    pub unconverted: Vec<Currency>,
}

/// Adds up a period's amounts into [`CompanyKpis`].
pub(crate) struct CompanyTotals<'a> {
    rates: &'a DayRates,
    company: Currency,
    intake: i128,
    payments: i128,
    unconverted: Vec<Currency>,
}

impl<'a> CompanyTotals<'a> {
    /// `None` without a company currency.
    pub(crate) fn new(rates: &'a DayRates) -> Option<Self> {
        Some(CompanyTotals {
            rates,
            company: rates.company()?,
            intake: 0,
            payments: 0,
            unconverted: Vec::new(),
        })
    }

    fn converted(&mut self, amount: i64, currency: Currency, day: NaiveDate) -> i128 {
        if amount == 0 {
            return 0;
        }
        match self.rates.to_company(amount, currency, day) {
            Some(converted) => i128::from(converted),
            None => {
                if !self.unconverted.contains(&currency) {
                    self.unconverted.push(currency);
                }
                0
            }
        }
    }

    /// Intake and payments of one day in one currency (ten-thousandths).
    pub(crate) fn add(&mut self, day: NaiveDate, currency: Currency, intake: i64, payments: i64) {
        self.intake += self.converted(intake, currency, day);
        self.payments += self.converted(payments, currency, day);
    }

    /// The totals, with `overdue` (per currency at the end of `to`)
    /// converted at `to`'s rate.
    pub(crate) fn finish(
        mut self,
        overdue: &BTreeMap<Currency, Overdue>,
        to: NaiveDate,
    ) -> CompanyKpis {
        let mut overdue_total = 0_i128;
        for (currency, owed) in overdue {
            overdue_total += self.converted(from_decimal(owed.amount), *currency, to);
        }
        self.unconverted.sort();
        CompanyKpis {
            currency: self.company,
            order_intake: to_money(self.intake),
            payments: to_money(self.payments),
            overdue: to_money(overdue_total),
            unconverted: self.unconverted,
        }
    }
}

/// Equality covers everything stored, so a snapshot round trip that loses
/// something shows up as a difference.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DirectorKpis {
    currencies: Vec<Currency>,
    days: BTreeMap<Day, DayFigures>,
    open_invoices: FxHashMap<InvoiceId, OpenInvoice>,
    /// Per currency number: the overdue changes by day.
    overdue: BTreeMap<u16, BTreeMap<Day, OverdueChange>>,
    stock: FxHashMap<ProductId, ProductStock>,
    /// To add up every currency in the company's.
    rates: DayRates,
}

impl ReadModel for DirectorKpis {
    const NAME: &'static str = "director_kpis";
    // 2: the company currency and rates.
    const VERSION: u32 = 2;
    const CATEGORIES: &'static [&'static str] = &[
        OrderEvent::CATEGORY,
        SaleEvent::CATEGORY,
        AccountEvent::CATEGORY,
        StockEvent::CATEGORY,
        CompanyEvent::CATEGORY,
        RatesEvent::CATEGORY,
    ];

    fn apply(&mut self, envelope: &Envelope<'_>) {
        let day = Day::of(envelope.occurred_at);
        match envelope.event {
            CrmEvent::Rates(event) => self.rates.apply_rates(event),
            CrmEvent::Company(event) => self.rates.apply_company(event),
            CrmEvent::Order(OrderEvent::Confirmed(confirmed)) => {
                let currency = self.currency_number(confirmed.currency);
                let figures = self.days.entry(day).or_default();
                figures.orders += 1;
                let amounts = figures.amounts_mut(currency);
                amounts.intake = amounts
                    .intake
                    .saturating_add(from_decimal(confirmed.total.net));
            }
            CrmEvent::Order(OrderEvent::Shipped(shipped)) => {
                let units = shipped.lines.iter().fold(0_i64, |sum, line| {
                    sum.saturating_add(from_decimal(line.quantity))
                });
                let figures = self.days.entry(day).or_default();
                figures.units = figures.units.saturating_add(units);
            }
            CrmEvent::Sale(SaleEvent::Imported(sale)) => {
                let currency = self.currency_number(sale.currency);
                let ordered = self
                    .days
                    .entry(Day::from_date(sale.ordered_on))
                    .or_default();
                ordered.orders += 1;
                let amounts = ordered.amounts_mut(currency);
                amounts.intake = amounts.intake.saturating_add(from_decimal(sale.total.net));
                let units = sale.lines.iter().fold(0_i64, |sum, line| {
                    sum.saturating_add(from_decimal(line.quantity))
                });
                let shipped = self
                    .days
                    .entry(Day::from_date(sale.shipped_on.unwrap_or(sale.ordered_on)))
                    .or_default();
                shipped.units = shipped.units.saturating_add(units);
            }
            CrmEvent::Account(event) => self.apply_account(day, event),
            CrmEvent::Stock(event) => {
                let change = match event {
                    StockEvent::Received(received) => received.quantity,
                    StockEvent::Issued(issued) => -issued.quantity,
                    StockEvent::Consumed(consumed) => -consumed.quantity,
                    StockEvent::TransferredOut(out) => -out.quantity,
                    StockEvent::TransferredIn(arrived) => arrived.quantity,
                    StockEvent::Counted(counted) => counted.difference,
                    StockEvent::Returned(returned) => returned.quantity,
                    StockEvent::Reserved(_)
                    | StockEvent::ReservationReleased(_)
                    | StockEvent::ReorderLevelSet(_) => return,
                };
                self.change_stock(
                    ProductId::from_uuid(envelope.aggregate),
                    day,
                    from_decimal(change),
                );
            }
            _ => {}
        }
    }
}

impl DirectorKpis {
    fn currency_number(&mut self, currency: Currency) -> u16 {
        if let Some(number) = self.currencies.iter().position(|known| *known == currency) {
            return u16::try_from(number).unwrap_or(u16::MAX);
        }
        self.currencies.push(currency);
        // Three upper-case letters make at most 17,576 currencies.
        u16::try_from(self.currencies.len() - 1).unwrap_or(u16::MAX)
    }

    fn change_stock(&mut self, product: ProductId, day: Day, change: i64) {
        let stock = self.stock.entry(product).or_default();
        stock.on_hand = stock.on_hand.saturating_add(change);
        let changes = &mut stock.changes;
        // Mostly the newest day; a back-dated movement goes to its place.
        let place = changes.partition_point(|(known, _)| *known < day);
        match changes.get_mut(place) {
            Some((known, total)) if *known == day => *total = total.saturating_add(change),
            _ => changes.insert(place, (day, change)),
        }
    }

    /// Adds an invoice's overdue changes (`sign` 1) or takes them out (-1).
    fn count_overdue(&mut self, invoice: &OpenInvoice, sign: i64) {
        let days = self.overdue.entry(invoice.currency).or_default();
        for (day, change) in invoice.overdue_changes() {
            let total = days.entry(day).or_default();
            total.invoices += sign * change.invoices;
            total.amount = total.amount.saturating_add(sign * change.amount);
            if *total == OverdueChange::default() {
                days.remove(&day);
            }
        }
    }

    fn pay(&mut self, day: Day, allocations: &[Allocation]) {
        for allocation in allocations {
            let Some(mut invoice) = self.open_invoices.remove(&allocation.invoice) else {
                continue;
            };
            self.count_overdue(&invoice, -1);
            let amount = from_decimal(allocation.amount);
            invoice.paid = invoice.paid.saturating_add(amount);
            invoice.paid_on.push((day, amount));
            self.count_overdue(&invoice, 1);
            if invoice.paid < invoice.gross {
                self.open_invoices.insert(allocation.invoice, invoice);
            }
        }
    }

    fn apply_account(&mut self, day: Day, event: &AccountEvent) {
        match event {
            AccountEvent::InvoiceIssued(issued) => {
                if self.open_invoices.contains_key(&issued.invoice) {
                    return;
                }
                let invoice = OpenInvoice {
                    currency: self.currency_number(issued.currency),
                    issued: day,
                    due: Day::from_date(issued.due),
                    gross: from_decimal(issued.total.gross),
                    paid: 0,
                    paid_on: Vec::new(),
                };
                self.count_overdue(&invoice, 1);
                if invoice.gross > 0 {
                    self.open_invoices.insert(issued.invoice, invoice);
                }
            }
            AccountEvent::CreditNoteIssued(note) => self.pay(day, &note.applied),
            AccountEvent::PaymentReceived(payment) => {
                self.pay(day, &payment.allocations);
                let currency = self.currency_number(payment.currency);
                let amounts = self.days.entry(day).or_default().amounts_mut(currency);
                amounts.payments = amounts
                    .payments
                    .saturating_add(from_decimal(payment.amount));
            }
            AccountEvent::CreditApplied(applied) => self.pay(
                day,
                &[Allocation {
                    invoice: applied.invoice,
                    amount: applied.amount,
                }],
            ),
            AccountEvent::InvoiceSettled(_) | AccountEvent::ExchangeDifferenceRealized(_) => {}
        }
    }

    /// The figures of `day`: that day's intake, orders and payments, its
    /// ISO week's units up to it, and what was overdue at its end.
    pub fn on(&self, day: NaiveDate) -> Kpis {
        let week_start = Day::from_date(day).week_start().date();
        let mut kpis = self.over(day, day);
        kpis.units_from = week_start;
        kpis.units_shipped = self.units(week_start, day);
        kpis
    }

    /// The figures of `from..=to`: intake, orders, payments and units
    /// summed over it, and what was overdue at the end of `to`. An empty
    /// range (`from` after `to`) sums nothing.
    pub fn over(&self, from: NaiveDate, to: NaiveDate) -> Kpis {
        let mut orders = 0_i64;
        let mut intake: BTreeMap<u16, i128> = BTreeMap::new();
        let mut payments: BTreeMap<u16, i128> = BTreeMap::new();
        let mut in_company = CompanyTotals::new(&self.rates);
        if from <= to {
            for (day, figures) in self.days.range(Day::from_date(from)..=Day::from_date(to)) {
                orders = orders.saturating_add(figures.orders);
                for amounts in &figures.amounts {
                    *intake.entry(amounts.currency).or_default() += i128::from(amounts.intake);
                    *payments.entry(amounts.currency).or_default() += i128::from(amounts.payments);
                    if let (Some(totals), Some(currency)) = (
                        in_company.as_mut(),
                        self.currencies.get(usize::from(amounts.currency)),
                    ) {
                        totals.add(day.date(), *currency, amounts.intake, amounts.payments);
                    }
                }
            }
        }
        let overdue = self.overdue(to);
        Kpis {
            from,
            to,
            orders,
            order_intake: self.by_currency(intake),
            payments: self.by_currency(payments),
            units_from: from,
            units_shipped: self.units(from, to),
            in_company: in_company.map(|totals| totals.finish(&overdue, to)),
            overdue,
        }
    }

    fn by_currency(&self, sums: BTreeMap<u16, i128>) -> BTreeMap<Currency, Decimal> {
        sums.into_iter()
            .filter(|(_, sum)| *sum != 0)
            .filter_map(|(number, sum)| {
                Some((*self.currencies.get(usize::from(number))?, to_money(sum)))
            })
            .collect()
    }

    fn units(&self, from: NaiveDate, to: NaiveDate) -> Decimal {
        if from > to {
            return to_decimal(0);
        }
        let units = self
            .days
            .range(Day::from_date(from)..=Day::from_date(to))
            .map(|(_, figures)| i128::from(figures.units))
            .sum();
        to_decimal(units)
    }

    /// Invoices overdue at the end of `as_of`, per currency that has any.
    pub fn overdue(&self, as_of: NaiveDate) -> BTreeMap<Currency, Overdue> {
        let as_of = Day::from_date(as_of);
        let mut overdue = BTreeMap::new();
        for (number, days) in &self.overdue {
            let (invoices, amount) =
                days.range(..=as_of)
                    .fold((0_i64, 0_i128), |(invoices, amount), (_, change)| {
                        (
                            invoices + change.invoices,
                            amount + i128::from(change.amount),
                        )
                    });
            if invoices == 0 && amount == 0 {
                continue;
            }
            if let Some(currency) = self.currencies.get(usize::from(*number)) {
                overdue.insert(
                    *currency,
                    Overdue {
                        invoices,
                        amount: to_money(amount),
                    },
                );
            }
        }
        overdue
    }

    /// A product's stock on hand over all warehouses, as the events
    /// recorded so far leave it.
    pub fn stock_on_hand(&self, product: ProductId) -> Decimal {
        to_decimal(
            self.stock
                .get(&product)
                .map_or(0, |stock| i128::from(stock.on_hand)),
        )
    }

    /// A product's stock on hand over all warehouses at the end of `day`
    /// (business time, back-dated movements at their place).
    pub fn stock_on_hand_at(&self, product: ProductId, day: NaiveDate) -> Decimal {
        let day = Day::from_date(day);
        let on_hand = self.stock.get(&product).map_or(0, |stock| {
            stock
                .changes
                .iter()
                .take_while(|(known, _)| *known <= day)
                .map(|(_, change)| i128::from(*change))
                .sum()
        });
        to_decimal(on_hand)
    }
}
