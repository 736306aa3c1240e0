//! What the sales model answers: reports by period and dimension, the
//! top members, invoices aged as of a day, receivables and payments.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::hash::Hash;

use chrono::NaiveDate;
use domain::finance::PaymentMethod;
use domain::ids::{BranchId, InvoiceId, OrderId, PartyId, ProductId, UserId};
use domain::values::Currency;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use crate::day::Day;
use crate::day_rates::{FixedRate, convert};
use crate::fixed::{to_decimal, to_money};

use super::series::{BranchSeries, Entry, Figures, Members, Series};
use super::tracking::{InvoiceTrack, METHODS, PaymentSum, ProductInfo};
use super::{ReceivableDifference, Sales};

/// How a report's days are grouped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Period {
    /// One row per member over the whole range.
    Whole,
    Day,
    /// ISO weeks, from Monday.
    Week,
    Month,
}

/// What a report's rows are per.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dimension {
    Product,
    /// The product's category when the line was sold.
    Category,
    Customer,
    Manager,
    Branch,
}

/// Whom a row is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Member {
    /// The whole company.
    All,
    Product(ProductId),
    /// `None`: products without a category.
    Category(Option<String>),
    Customer(PartyId),
    /// `None`: orders without a manager.
    Manager(Option<UserId>),
    /// `None`: orders without a branch.
    Branch(Option<BranchId>),
}

/// Figures of a report row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SalesFigures {
    pub orders: i64,
    pub order_net: Decimal,
    pub cancelled_orders: i64,
    pub cancelled_net: Decimal,
    pub revenue: Decimal,
    pub cost: Decimal,
    /// Revenue less cost.
    pub margin: Decimal,
    pub units: Decimal,
    pub units_returned: Decimal,
    /// Revenue of imported lines whose cost the source did not give: the
    /// margin includes it whole.
    pub uncosted_revenue: Decimal,
}

/// Figures added up over days, wide enough never to overflow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Sum {
    orders: i128,
    cancelled_orders: i128,
    order_net: i128,
    cancelled_net: i128,
    revenue: i128,
    cost: i128,
    units: i128,
    units_returned: i128,
    uncosted_revenue: i128,
}

impl Sum {
    fn add(&mut self, figures: &Figures) {
        self.orders += i128::from(figures.orders);
        self.cancelled_orders += i128::from(figures.cancelled_orders);
        self.order_net += i128::from(figures.order_net);
        self.cancelled_net += i128::from(figures.cancelled_net);
        self.revenue += i128::from(figures.revenue);
        self.cost += i128::from(figures.cost);
        self.units += i128::from(figures.units);
        self.units_returned += i128::from(figures.units_returned);
        self.uncosted_revenue += i128::from(figures.uncosted_revenue);
    }

    /// Adds another sum to this one.
    fn absorb(&mut self, other: &Sum) {
        self.orders += other.orders;
        self.cancelled_orders += other.cancelled_orders;
        self.order_net += other.order_net;
        self.cancelled_net += other.cancelled_net;
        self.revenue += other.revenue;
        self.cost += other.cost;
        self.units += other.units;
        self.units_returned += other.units_returned;
        self.uncosted_revenue += other.uncosted_revenue;
    }

    fn figures(&self) -> SalesFigures {
        let count = |value: i128| i64::try_from(value).unwrap_or(i64::MAX);
        SalesFigures {
            orders: count(self.orders),
            order_net: to_money(self.order_net),
            cancelled_orders: count(self.cancelled_orders),
            cancelled_net: to_money(self.cancelled_net),
            revenue: to_money(self.revenue),
            cost: to_money(self.cost),
            margin: to_money(self.revenue - self.cost),
            units: to_decimal(self.units),
            units_returned: to_decimal(self.units_returned),
            uncosted_revenue: to_money(self.uncosted_revenue),
        }
    }

    fn measure(&self, measure: Measure) -> i128 {
        match measure {
            Measure::Orders => self.orders,
            Measure::OrderNet => self.order_net,
            Measure::Revenue => self.revenue,
            Measure::Cost => self.cost,
            Measure::Margin => self.revenue - self.cost,
            Measure::Units => self.units,
        }
    }
}

/// What a report counts, and in which currency it answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReportCurrency {
    /// The documents in this currency, in their own amounts.
    Only(Currency),
    /// Every document, in the company currency: a day's figures in
    /// another currency converted at that day's rate, rounded once
    /// ([`crate::day_rates`]); a margin is converted revenue less
    /// converted cost. Figures of a currency without a rate by their day
    /// are left out and named by [`Sales::unconverted`].
    Company,
}

/// How a report adds up entries: those of one currency as they are, or
/// every currency's converted into the company's.
enum Counting {
    Only(u16),
    /// Per currency number, the rate of each day from `first` on (`None`:
    /// no rate by then), looked up once per report.
    Company {
        first: Day,
        rates: Vec<Vec<Option<FixedRate>>>,
    },
}

impl Counting {
    /// The runs of entries of `picked` over `from..=to` to add up: each
    /// series as it is, or, converting, one run per (day, currency) with
    /// a member's series of several branches added up first, so that a
    /// conversion rounds once per member, day and currency, whichever
    /// branches the figures are in.
    fn runs<'a>(&self, picked: Picked<'a>, from: Day, to: Day) -> Vec<Cow<'a, [Entry]>> {
        let mut runs: Vec<Cow<'a, [Entry]>> = picked
            .series()
            .map(|series| Cow::Borrowed(in_range(series, from, to)))
            .filter(|run| !run.is_empty())
            .collect();
        if matches!(self, Counting::Company { .. }) && runs.len() > 1 {
            let mut merged: Vec<Entry> = runs.iter().flat_map(|run| run.iter().copied()).collect();
            merged.sort_by_key(Entry::key);
            merged.dedup_by(|entry, kept| {
                let same = entry.key() == kept.key();
                if same {
                    kept.figures.absorb(&entry.figures);
                }
                same
            });
            runs = vec![Cow::Owned(merged)];
        }
        runs
    }

    /// Adds `entry` to `sum` if the report counts it.
    fn add(&self, sum: &mut Sum, entry: &Entry) {
        match self {
            Counting::Only(currency) => {
                if entry.currency == *currency {
                    sum.add(&entry.figures);
                }
            }
            Counting::Company { first, rates } => {
                let rate = rates
                    .get(usize::from(entry.currency))
                    .and_then(|days| days.get(usize::try_from(entry.day.days_since(*first)).ok()?))
                    .copied()
                    .flatten();
                match rate {
                    Some(rate) if rate.is_one() => sum.add(&entry.figures),
                    Some(rate) => sum.add(&entry.figures.converted(&rate)),
                    None => {}
                }
            }
        }
    }
}

/// A report over the days `from..=to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub currency: ReportCurrency,
    pub period: Period,
    /// `None`: the company as a whole.
    pub dimension: Option<Dimension>,
    /// `Some`: only the orders of this branch; `None`: every order.
    pub branch: Option<BranchId>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRow {
    /// The first day of the row's period (a week's Monday, a month's
    /// first, `from` for the whole range); only days within the range are
    /// counted, so a week cut by the range is counted in part.
    pub period: NaiveDate,
    pub member: Member,
    pub figures: SalesFigures,
}

/// What a top list ranks by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Measure {
    Orders,
    OrderNet,
    Revenue,
    Cost,
    Margin,
    Units,
}

/// The `limit` best members of a dimension over `from..=to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TopQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub currency: ReportCurrency,
    pub dimension: Dimension,
    pub measure: Measure,
    pub limit: usize,
    /// `Some`: only the orders of this branch; `None`: every order.
    pub branch: Option<BranchId>,
}

/// An invoice as it stands (or stood on a day).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceRow {
    pub invoice: InvoiceId,
    /// As printed, once the numbering series has given it one.
    pub number: Option<String>,
    pub party: PartyId,
    pub order: Option<OrderId>,
    pub branch: Option<BranchId>,
    pub currency: Currency,
    pub issued: NaiveDate,
    pub due: NaiveDate,
    pub gross: Decimal,
    pub paid: Decimal,
    pub outstanding: Decimal,
}

/// How far past its due date an open invoice is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AgeBucket {
    /// Not yet due, or due that very day.
    Current,
    Days1To30,
    Days31To60,
    Days61To90,
    Over90,
}

impl AgeBucket {
    pub fn of(days_overdue: i64) -> Self {
        match days_overdue {
            ..=0 => Self::Current,
            1..=30 => Self::Days1To30,
            31..=60 => Self::Days31To60,
            61..=90 => Self::Days61To90,
            _ => Self::Over90,
        }
    }
}

/// Open invoices and what they owe.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Aged {
    pub invoices: i64,
    pub outstanding: Decimal,
}

/// What is owed, by how overdue it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ageing {
    pub current: Aged,
    pub days_1_to_30: Aged,
    pub days_31_to_60: Aged,
    pub days_61_to_90: Aged,
    pub over_90: Aged,
}

impl Ageing {
    pub fn bucket(&self, bucket: AgeBucket) -> &Aged {
        match bucket {
            AgeBucket::Current => &self.current,
            AgeBucket::Days1To30 => &self.days_1_to_30,
            AgeBucket::Days31To60 => &self.days_31_to_60,
            AgeBucket::Days61To90 => &self.days_61_to_90,
            AgeBucket::Over90 => &self.over_90,
        }
    }

    fn bucket_mut(&mut self, bucket: AgeBucket) -> &mut Aged {
        match bucket {
            AgeBucket::Current => &mut self.current,
            AgeBucket::Days1To30 => &mut self.days_1_to_30,
            AgeBucket::Days31To60 => &mut self.days_31_to_60,
            AgeBucket::Days61To90 => &mut self.days_61_to_90,
            AgeBucket::Over90 => &mut self.over_90,
        }
    }

    fn buckets(&self) -> [&Aged; 5] {
        [
            &self.current,
            &self.days_1_to_30,
            &self.days_31_to_60,
            &self.days_61_to_90,
            &self.over_90,
        ]
    }

    /// Everything owed.
    pub fn total(&self) -> Aged {
        self.sum(self.buckets())
    }

    /// Everything past its due date.
    pub fn overdue(&self) -> Aged {
        self.sum(self.buckets().into_iter().skip(1))
    }

    fn sum<'a>(&self, buckets: impl IntoIterator<Item = &'a Aged>) -> Aged {
        buckets
            .into_iter()
            .fold(Aged::default(), |total, aged| Aged {
                invoices: total.invoices + aged.invoices,
                outstanding: total.outstanding.saturating_add(aged.outstanding),
            })
    }

    fn add(&mut self, bucket: AgeBucket, outstanding: i64) {
        let aged = self.bucket_mut(bucket);
        aged.invoices += 1;
        aged.outstanding = aged
            .outstanding
            .saturating_add(to_money(i128::from(outstanding)));
    }
}

/// Receivables in one currency as of the end of a day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receivables {
    pub as_of: NaiveDate,
    pub currency: Currency,
    pub total: Ageing,
    /// Customers who owe something, the largest debt first.
    pub customers: Vec<(PartyId, Ageing)>,
}

/// An invoice open at the end of a day, with its age then.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenInvoice {
    /// Paid and outstanding as of that day.
    pub invoice: InvoiceRow,
    pub days_overdue: i64,
    pub bucket: AgeBucket,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MethodTotal {
    pub method: PaymentMethod,
    pub payments: i64,
    pub amount: Decimal,
}

/// Payments received on one day in one currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentDay {
    pub day: NaiveDate,
    /// Methods that received something, in the order of `PaymentMethod`.
    pub by_method: Vec<MethodTotal>,
    pub total: Decimal,
}

impl Sales {
    /// Every currency the model has figures in, in the order first seen.
    pub fn currencies(&self) -> &[Currency] {
        &self.currencies
    }

    pub fn product_info(&self, product: ProductId) -> Option<&ProductInfo> {
        self.product_info.get(&product)
    }

    /// Figures over `from..=to` per period and member: periods and members
    /// with nothing are left out. Rows are sorted by period, then member
    /// (products by SKU, categories by name, others by id).
    pub fn report(&self, query: &ReportQuery) -> Vec<ReportRow> {
        let Some(branch) = self.branch_filter(query.branch) else {
            return Vec::new();
        };
        if query.from > query.to {
            return Vec::new();
        }
        let from = Day::from_date(query.from);
        let to = Day::from_date(query.to);
        let Some(counting) = self.counting(query.currency, from, to) else {
            return Vec::new();
        };
        let period_of = |day: Day| match query.period {
            Period::Whole => from,
            Period::Day => day,
            Period::Week => day.week_start(),
            Period::Month => day.month_start(),
        };
        let mut rows = Vec::new();
        self.for_each_member(query.dimension, branch, |member, picked| {
            // Each series is in day order, so its periods come in order:
            // one sum per run of a period, added into the member's sums
            // (sorted by period) only when the period changes.
            let mut sums: Vec<(Day, Sum)> = Vec::new();
            for run in counting.runs(picked, from, to) {
                let mut current: Option<(Day, Sum)> = None;
                for entry in run.iter() {
                    let period = period_of(entry.day);
                    match &mut current {
                        Some((open, sum)) if *open == period => counting.add(sum, entry),
                        _ => {
                            if let Some((open, sum)) = current.take() {
                                add_period(&mut sums, open, &sum);
                            }
                            let mut sum = Sum::default();
                            counting.add(&mut sum, entry);
                            current = Some((period, sum));
                        }
                    }
                }
                if let Some((open, sum)) = current {
                    add_period(&mut sums, open, &sum);
                }
            }
            for (period, sum) in &sums {
                push_row(&mut rows, *period, member(), sum);
            }
        });
        rows.sort_by(|a, b| {
            a.period
                .cmp(&b.period)
                .then_with(|| self.compare_members(&a.member, &b.member))
        });
        rows
    }

    /// The company currency, once a rate names it.
    pub fn company_currency(&self) -> Option<Currency> {
        self.rates.company()
    }

    /// How `currency` is counted over `from..=to`; `None` when nothing
    /// would be (a currency without figures, or no company currency).
    fn counting(&self, currency: ReportCurrency, from: Day, to: Day) -> Option<Counting> {
        match currency {
            ReportCurrency::Only(currency) => self.find_currency(currency).map(Counting::Only),
            ReportCurrency::Company => {
                self.rates.company()?;
                // Every entry of any member is in the company's series:
                // no table beyond its days.
                let (Some(first), Some(last)) = (self.total.first(), self.total.last()) else {
                    return Some(Counting::Company {
                        first: from,
                        rates: Vec::new(),
                    });
                };
                let (from, to) = (from.max(first.day), to.min(last.day));
                let days = usize::try_from(to.days_since(from) + 1).unwrap_or(0);
                let rates = self
                    .currencies
                    .iter()
                    .map(|currency| {
                        (0..days)
                            .map(|offset| {
                                let day = from.plus(i32::try_from(offset).unwrap_or(i32::MAX));
                                self.rates.rate(*currency, day.date()).map(FixedRate::of)
                            })
                            .collect()
                    })
                    .collect();
                Some(Counting::Company { first: from, rates })
            }
        }
    }

    /// The rate `entry`'s figures convert into the company currency at.
    fn company_rate(&self, entry: &Entry) -> Option<Decimal> {
        let currency = self.currencies.get(usize::from(entry.currency))?;
        self.rates.rate(*currency, entry.day.date())
    }

    /// The currencies with figures over `from..=to` (in `branch`, or in
    /// every branch) on a day without any rate into the company currency
    /// by then: what a [`ReportCurrency::Company`] report leaves out.
    pub fn unconverted(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        branch: Option<BranchId>,
    ) -> Vec<Currency> {
        let mut left_out: Vec<Currency> = Vec::new();
        let Some(branch) = self.branch_filter(branch) else {
            return left_out;
        };
        let (from, to) = (Day::from_date(from), Day::from_date(to));
        self.for_each_member(None, branch, |_, picked| {
            for series in picked.series() {
                for entry in in_range(series, from, to) {
                    if self.company_rate(entry).is_none()
                        && let Some(currency) = self.currencies.get(usize::from(entry.currency))
                        && !left_out.contains(currency)
                    {
                        left_out.push(*currency);
                    }
                }
            }
        });
        left_out.sort();
        left_out
    }

    /// The branch number a query is limited to: `Some(None)` for every
    /// branch, `None` for a branch without any figures.
    fn branch_filter(&self, branch: Option<BranchId>) -> Option<Option<u32>> {
        match branch {
            None => Some(None),
            Some(branch) => self.branches.index.get(&Some(branch)).map(|n| Some(*n)),
        }
    }

    /// The `limit` members with the largest `measure` over the range, the
    /// largest first (ties by member); members with nothing are left out.
    pub fn top(&self, query: &TopQuery) -> Vec<ReportRow> {
        let limit = query.limit.clamp(1, crate::PAGE_ROWS_MAX);
        let Some(branch) = self.branch_filter(query.branch) else {
            return Vec::new();
        };
        if query.from > query.to {
            return Vec::new();
        }
        let (from, to) = (Day::from_date(query.from), Day::from_date(query.to));
        let Some(counting) = self.counting(query.currency, from, to) else {
            return Vec::new();
        };
        let mut ranked: Vec<(Member, Sum)> = Vec::new();
        self.for_each_member(Some(query.dimension), branch, |member, picked| {
            let mut sum = Sum::default();
            for run in counting.runs(picked, from, to) {
                for entry in run.iter() {
                    counting.add(&mut sum, entry);
                }
            }
            if sum != Sum::default() {
                ranked.push((member(), sum));
            }
        });
        let order = |a: &(Member, Sum), b: &(Member, Sum)| {
            b.1.measure(query.measure)
                .cmp(&a.1.measure(query.measure))
                .then_with(|| self.compare_members(&a.0, &b.0))
        };
        // Only the best `limit` are sorted, not every customer.
        if ranked.len() > limit {
            ranked.select_nth_unstable_by(limit, order);
            ranked.truncate(limit);
        }
        ranked.sort_by(order);
        ranked
            .into_iter()
            .map(|(member, sum)| ReportRow {
                period: query.from,
                member,
                figures: sum.figures(),
            })
            .collect()
    }

    /// Calls `visit` with each member of `dimension` (the company when
    /// `None`) and its series in `branch` (a branch number; `None`: every
    /// branch); the member is made only when asked for.
    fn for_each_member<'a>(
        &'a self,
        dimension: Option<Dimension>,
        branch: Option<u32>,
        mut visit: impl FnMut(&dyn Fn() -> Member, Picked<'a>),
    ) {
        fn each<'a, K: Eq + Hash>(
            members: &'a Members<K>,
            branch: Option<u32>,
            make: impl Fn(&K) -> Member,
            visit: &mut impl FnMut(&dyn Fn() -> Member, Picked<'a>),
        ) {
            for (key, series) in members.keys.iter().zip(&members.series) {
                if !series.is_empty() {
                    visit(&|| make(key), Picked::Branches { series, branch });
                }
            }
        }
        match (dimension, branch) {
            (None, None) => visit(&|| Member::All, Picked::Whole(&self.total)),
            (None, Some(branch)) => {
                if let Some(series) = self.branches.series.get(branch as usize) {
                    let branch = Some(branch);
                    visit(&|| Member::All, Picked::Branches { series, branch });
                }
            }
            (Some(Dimension::Product), _) => each(
                &self.products,
                branch,
                |key| Member::Product(*key),
                &mut visit,
            ),
            (Some(Dimension::Category), _) => each(
                &self.categories,
                branch,
                |key| Member::Category(key.clone()),
                &mut visit,
            ),
            (Some(Dimension::Customer), _) => each(
                &self.customers,
                branch,
                |key| Member::Customer(*key),
                &mut visit,
            ),
            (Some(Dimension::Manager), _) => each(
                &self.managers,
                branch,
                |key| Member::Manager(*key),
                &mut visit,
            ),
            (Some(Dimension::Branch), _) => each(
                &self.branches,
                branch,
                |key| Member::Branch(*key),
                &mut visit,
            ),
        }
    }

    fn compare_members(&self, a: &Member, b: &Member) -> Ordering {
        match (a, b) {
            (Member::Product(a), Member::Product(b)) => {
                let sku = |product: &ProductId| {
                    self.product_info.get(product).map(|info| info.sku.as_str())
                };
                sku(a).cmp(&sku(b)).then_with(|| a.cmp(b))
            }
            _ => a.cmp(b),
        }
    }

    /// An invoice as it stands now.
    /// The exchange differences realized on customer payments from `from`
    /// to `to`, by day.
    pub fn differences(&self, from: NaiveDate, to: NaiveDate) -> Vec<&ReceivableDifference> {
        self.differences_in(from, to, None, None)
    }

    /// [`Self::differences`] on invoices in `currency` only, and of one
    /// branch's invoices only, when given.
    pub fn differences_in(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        currency: Option<Currency>,
        branch: Option<BranchId>,
    ) -> Vec<&ReceivableDifference> {
        let in_branch = |invoice: InvoiceId| {
            branch.is_none()
                || self
                    .invoice_index
                    .get(&invoice)
                    .and_then(|index| self.invoices.get(*index as usize))
                    .is_some_and(|track| track.branch == branch)
        };
        let mut rows: Vec<&ReceivableDifference> = self
            .differences
            .iter()
            .filter(|row| row.day >= from && row.day <= to)
            .filter(|row| currency.is_none_or(|currency| row.currency == currency))
            .filter(|row| in_branch(row.invoice))
            .collect();
        rows.sort_by_key(|row| row.day);
        rows
    }

    pub fn invoice(&self, invoice: InvoiceId) -> Option<InvoiceRow> {
        let index = *self.invoice_index.get(&invoice)?;
        let track = self.invoices.get(index as usize)?;
        self.invoice_row(track, track.paid)
    }

    /// A customer's invoices as they stand now, in the order issued.
    pub fn invoices_of(&self, party: PartyId) -> Vec<InvoiceRow> {
        let Some(customer) = self.customers.index.get(&party) else {
            return Vec::new();
        };
        self.invoices
            .iter()
            .filter(|track| track.customer == *customer)
            .filter_map(|track| self.invoice_row(track, track.paid))
            .collect()
    }

    /// The row of an invoice of which `paid` was paid; `None` only if its
    /// customer or currency numbers were lost, which `apply` never does.
    fn invoice_row(&self, track: &InvoiceTrack, paid: i64) -> Option<InvoiceRow> {
        Some(InvoiceRow {
            invoice: track.invoice,
            number: track.number.as_deref().map(str::to_owned),
            party: *self.customers.key(track.customer)?,
            order: track.order,
            branch: track.branch,
            currency: *self.currencies.get(usize::from(track.currency))?,
            issued: track.issued.date(),
            due: track.due.date(),
            gross: to_money(i128::from(track.gross)),
            paid: to_money(i128::from(paid)),
            outstanding: to_money(i128::from(track.gross) - i128::from(paid)),
        })
    }

    /// Invoices in `currency` issued by the end of `as_of` and not paid in
    /// full by then, each with what it owed then and its days overdue.
    /// `branch`: `None` for every branch, `Some` for the invoices of that
    /// one (`Some(None)`: of none).
    pub(super) fn open_at(
        &self,
        as_of: Day,
        currency: Currency,
        branch: Option<Option<BranchId>>,
    ) -> impl Iterator<Item = (&InvoiceTrack, i64, i64)> + '_ {
        let currency = self.find_currency(currency);
        self.invoices
            .iter()
            .filter(move |track| {
                Some(track.currency) == currency
                    && branch.is_none_or(|branch| track.branch == branch)
                    && track.issued <= as_of
                    && track.paid_off.is_none_or(|paid_off| paid_off > as_of)
            })
            .filter_map(move |track| {
                let outstanding = track.gross.saturating_sub(track.paid_by(as_of));
                (outstanding > 0).then(|| (track, outstanding, as_of.days_since(track.due)))
            })
    }

    /// What customers owed in `currency` at the end of `as_of`, aged by
    /// days past due, in total only: the dashboard's figure, without the
    /// per-customer breakdown and its sort (most of `receivables`' cost
    /// with many customers in debt).
    pub fn receivables_total(&self, as_of: NaiveDate, currency: Currency) -> Ageing {
        self.receivables_total_in(as_of, currency, None)
    }

    /// [`Self::receivables_total`] of one branch's invoices, or of all.
    pub fn receivables_total_in(
        &self,
        as_of: NaiveDate,
        currency: Currency,
        branch: Option<BranchId>,
    ) -> Ageing {
        let mut total = Ageing::default();
        let open = self.open_at(Day::from_date(as_of), currency, branch.map(Some));
        for (_, outstanding, days_overdue) in open {
            total.add(AgeBucket::of(days_overdue), outstanding);
        }
        total
    }

    /// What customers owed in `currency` at the end of `as_of`, aged by
    /// days past due: in total and per customer.
    pub fn receivables(&self, as_of: NaiveDate, currency: Currency) -> Receivables {
        self.receivables_in(as_of, currency, None)
    }

    /// [`Self::receivables`] of one branch's invoices, or of all.
    pub fn receivables_in(
        &self,
        as_of: NaiveDate,
        currency: Currency,
        branch: Option<BranchId>,
    ) -> Receivables {
        self.receivables_of(as_of, currency, branch, &[(currency, Decimal::ONE)])
    }

    /// What customers owed in every currency at the end of `as_of` (of
    /// one branch's invoices, or of all), in the company currency: each
    /// invoice's outstanding amount converted at the rate of `as_of`, as a
    /// balance is valued on its day, rounded once. With the currencies
    /// whose invoices were left out for want of a rate by then; `None`
    /// without a company currency.
    pub fn receivables_in_company(
        &self,
        as_of: NaiveDate,
        branch: Option<BranchId>,
    ) -> Option<(Receivables, Vec<Currency>)> {
        let company = self.rates.company()?;
        let mut rated = Vec::with_capacity(self.currencies.len());
        let mut left_out = Vec::new();
        for currency in &self.currencies {
            match self.rates.rate(*currency, as_of) {
                Some(rate) => rated.push((*currency, rate)),
                None => {
                    let owed = self.open_at(Day::from_date(as_of), *currency, branch.map(Some));
                    if owed.into_iter().next().is_some() {
                        left_out.push(*currency);
                    }
                }
            }
        }
        left_out.sort();
        Some((
            self.receivables_of(as_of, company, branch, &rated),
            left_out,
        ))
    }

    /// Receivables in `currency` of the invoices in each of `rated`'s
    /// currencies, converted at its rate.
    fn receivables_of(
        &self,
        as_of: NaiveDate,
        currency: Currency,
        branch: Option<BranchId>,
        rated: &[(Currency, Decimal)],
    ) -> Receivables {
        let mut total = Ageing::default();
        let mut by_customer: FxHashMap<u32, (Ageing, i64)> = FxHashMap::default();
        for (of, rate) in rated {
            let open = self.open_at(Day::from_date(as_of), *of, branch.map(Some));
            for (track, outstanding, days_overdue) in open {
                let outstanding = if *rate == Decimal::ONE {
                    outstanding
                } else {
                    convert(outstanding, *rate)
                };
                let bucket = AgeBucket::of(days_overdue);
                total.add(bucket, outstanding);
                let (ageing, owed) = by_customer.entry(track.customer).or_default();
                ageing.add(bucket, outstanding);
                *owed = owed.saturating_add(outstanding);
            }
        }
        let mut customers: Vec<(PartyId, Ageing, i64)> = by_customer
            .into_iter()
            .filter_map(|(customer, (ageing, owed))| {
                Some((*self.customers.key(customer)?, ageing, owed))
            })
            .collect();
        customers.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        Receivables {
            as_of,
            currency,
            total,
            customers: customers
                .into_iter()
                .map(|(party, ageing, _)| (party, ageing))
                .collect(),
        }
    }

    /// Invoices in `currency` open at the end of `as_of` (of one customer,
    /// or of all), the most overdue first, at most `limit`.
    pub fn open_invoices(
        &self,
        as_of: NaiveDate,
        currency: Currency,
        party: Option<PartyId>,
        limit: usize,
    ) -> Vec<OpenInvoice> {
        let limit = limit.clamp(1, crate::PAGE_ROWS_MAX);
        let customer = match party {
            Some(party) => match self.customers.index.get(&party) {
                Some(customer) => Some(*customer),
                None => return Vec::new(),
            },
            None => None,
        };
        let mut open: Vec<(&InvoiceTrack, i64, i64)> = self
            .open_at(Day::from_date(as_of), currency, None)
            .filter(|(track, _, _)| customer.is_none_or(|customer| track.customer == customer))
            .collect();
        open.sort_by(|a, b| {
            b.2.cmp(&a.2)
                .then_with(|| a.0.issued.cmp(&b.0.issued))
                .then_with(|| a.0.invoice.cmp(&b.0.invoice))
        });
        open.truncate(limit);
        open.into_iter()
            .filter_map(|(track, outstanding, days_overdue)| {
                Some(OpenInvoice {
                    invoice: self.invoice_row(track, track.gross.saturating_sub(outstanding))?,
                    days_overdue,
                    bucket: AgeBucket::of(days_overdue),
                })
            })
            .collect()
    }

    /// Payments received in `currency` per day over `from..=to`; days
    /// without any are left out.
    pub fn payments(&self, from: NaiveDate, to: NaiveDate, currency: Currency) -> Vec<PaymentDay> {
        self.payments_in(from, to, currency, None)
    }

    /// [`Self::payments`] in one branch (what paid its invoices), or in all.
    pub fn payments_in(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        currency: Currency,
        branch: Option<BranchId>,
    ) -> Vec<PaymentDay> {
        let Some(currency) = self.find_currency(currency) else {
            return Vec::new();
        };
        self.payment_days(from, to, branch, |_, of, amount| {
            (of == currency).then_some(amount)
        })
    }

    /// [`Self::payments_in`] of every currency in the company currency:
    /// each day's sum per currency and method at that day's rate, rounded
    /// once; with the currencies left out for want of a rate. `None`
    /// without a company currency.
    pub fn payments_in_company(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        branch: Option<BranchId>,
    ) -> Option<(Vec<PaymentDay>, Vec<Currency>)> {
        self.rates.company()?;
        let mut left_out: Vec<Currency> = Vec::new();
        let days = self.payment_days(from, to, branch, |day, of, amount| {
            let currency = *self.currencies.get(usize::from(of))?;
            let converted = self.rates.to_company(amount, currency, day.date());
            if converted.is_none() && !left_out.contains(&currency) {
                left_out.push(currency);
            }
            converted
        });
        left_out.sort();
        Some((days, left_out))
    }

    /// The payments of `from..=to` (in `branch`, or all) per day and
    /// method, each sum's amount as `counted` takes it (`None`: left out).
    fn payment_days(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        branch: Option<BranchId>,
        counted: impl FnMut(Day, u16, i64) -> Option<i64>,
    ) -> Vec<PaymentDay> {
        if from > to {
            return Vec::new();
        }
        let (from, to) = (Day::from_date(from), Day::from_date(to));
        match branch {
            None => {
                let range = (from, 0, 0)..=(to, u16::MAX, u8::MAX);
                payment_days(
                    self.payments.range(range).map(|(key, sum)| (*key, sum)),
                    counted,
                )
            }
            Some(branch) => {
                let Some(branch) = self.branches.index.get(&Some(branch)).copied() else {
                    return Vec::new();
                };
                let range = (branch, from, 0, 0)..=(branch, to, u16::MAX, u8::MAX);
                let sums = self
                    .branch_payments
                    .range(range)
                    .map(|((_, day, of, method), sum)| ((*day, *of, *method), sum));
                payment_days(sums, counted)
            }
        }
    }
}

/// Payment sums keyed (day, currency, method), in key order, as days:
/// each sum's amount as `counted` takes it, methods of one day added up
/// across the currencies counted.
fn payment_days<'a>(
    sums: impl Iterator<Item = ((Day, u16, u8), &'a PaymentSum)>,
    mut counted: impl FnMut(Day, u16, i64) -> Option<i64>,
) -> Vec<PaymentDay> {
    let mut days: Vec<(PaymentDay, i128)> = Vec::new();
    for ((day, of, method), sum) in sums {
        let Some(method) = METHODS.get(usize::from(method)) else {
            continue;
        };
        let Some(amount) = counted(day, of, sum.amount) else {
            continue;
        };
        let date = day.date();
        if days.last().is_none_or(|(last, _)| last.day != date) {
            days.push((
                PaymentDay {
                    day: date,
                    by_method: Vec::new(),
                    total: to_money(0),
                },
                0,
            ));
        }
        if let Some((last, total)) = days.last_mut() {
            *total += i128::from(amount);
            last.total = to_money(*total);
            match last
                .by_method
                .iter_mut()
                .find(|paid| paid.method == *method)
            {
                Some(paid) => {
                    paid.payments += sum.payments;
                    paid.amount = paid.amount.saturating_add(to_money(i128::from(amount)));
                }
                None => last.by_method.push(MethodTotal {
                    method: *method,
                    payments: sum.payments,
                    amount: to_money(i128::from(amount)),
                }),
            }
        }
    }
    let place = |method: &PaymentMethod| METHODS.iter().position(|known| known == method);
    days.into_iter()
        .map(|(mut day, _)| {
            // Several currencies' methods of a day, back in method order.
            day.by_method.sort_by_key(|paid| place(&paid.method));
            day
        })
        .collect()
}

/// The series a report reads of one member: the company's whole series,
/// or a member's series of one branch or of all.
#[derive(Clone, Copy, Debug)]
pub(super) enum Picked<'a> {
    Whole(&'a Series),
    Branches {
        series: &'a BranchSeries,
        /// `None`: every branch.
        branch: Option<u32>,
    },
}

impl<'a> Picked<'a> {
    /// The series picked: the company's, or a member's of one branch or
    /// of every branch (each in day order; together in no order).
    pub(super) fn series(self) -> impl Iterator<Item = &'a Series> {
        let (whole, branches, branch) = match self {
            Picked::Whole(series) => (Some(series), None, None),
            Picked::Branches { series, branch } => (None, Some(series), branch),
        };
        whole.into_iter().chain(
            branches
                .into_iter()
                .flatten()
                .filter(move |(of, _)| branch.is_none_or(|wanted| wanted == *of))
                .map(|(_, series)| series),
        )
    }
}

/// Adds `sum` to the sum of `period` in `sums`, kept sorted by period.
fn add_period(sums: &mut Vec<(Day, Sum)>, period: Day, sum: &Sum) {
    match sums.last_mut() {
        Some((last, total)) if *last == period => total.absorb(sum),
        Some((last, _)) if *last < period => sums.push((period, *sum)),
        None => sums.push((period, *sum)),
        Some(_) => match sums.binary_search_by_key(&period, |(day, _)| *day) {
            Ok(found) => sums[found].1.absorb(sum),
            Err(place) => sums.insert(place, (period, *sum)),
        },
    }
}

/// The entries of `series` from `from` to `to`: a binary search for the
/// first, then a walk.
pub(super) fn in_range(series: &Series, from: Day, to: Day) -> &[Entry] {
    let start = series.partition_point(|entry| entry.day < from);
    let end = start + series[start..].partition_point(|entry| entry.day <= to);
    &series[start..end]
}

fn push_row(rows: &mut Vec<ReportRow>, period: Day, member: Member, sum: &Sum) {
    if *sum == Sum::default() {
        return;
    }
    rows.push(ReportRow {
        period: period.date(),
        member,
        figures: sum.figures(),
    });
}
