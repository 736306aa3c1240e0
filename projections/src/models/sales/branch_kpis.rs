//! The director's figures of one branch, for the dashboard's branch
//! filter and its branches side by side. They mean what the
//! `director_kpis` model's figures mean (which know no branches), read
//! from this model's per-branch series, per-branch payments and
//! invoices: the figures of every branch, "no branch" included, add up to
//! the company's (a property test holds both models to it).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use domain::ids::BranchId;
use domain::values::Currency;
use rust_decimal::Decimal;

use crate::day::Day;
use crate::fixed::{to_decimal, to_money};
use crate::models::kpis::{CompanyTotals, Kpis, Overdue};

use super::Sales;
use super::queries::{Picked, in_range};

impl Sales {
    /// The figures of `branch` (`None`: the orders and invoices without
    /// one) on `day`: its intake, orders and payments, its ISO week's
    /// units up to it, and what was overdue at its end.
    pub fn branch_kpis_on(&self, branch: Option<BranchId>, day: NaiveDate) -> Kpis {
        let week_start = Day::from_date(day).week_start().date();
        let mut kpis = self.branch_kpis_over(branch, day, day);
        kpis.units_from = week_start;
        kpis.units_shipped = self.branch_units(branch, week_start, day);
        kpis
    }

    /// The figures of `branch` over `from..=to`; an empty range sums
    /// nothing but still says what was overdue at the end of `to`.
    pub fn branch_kpis_over(
        &self,
        branch: Option<BranchId>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Kpis {
        let mut orders = 0_i64;
        let mut intake: BTreeMap<u16, i128> = BTreeMap::new();
        let mut payments: BTreeMap<u16, i128> = BTreeMap::new();
        let mut in_company = CompanyTotals::new(&self.rates);
        let number = self.branches.index.get(&branch).copied();
        if let Some(number) = number.filter(|_| from <= to) {
            let (first, last) = (Day::from_date(from), Day::from_date(to));
            for series in self.branch_series(number).series() {
                for entry in in_range(series, first, last) {
                    orders = orders.saturating_add(i64::from(entry.figures.orders));
                    *intake.entry(entry.currency).or_default() +=
                        i128::from(entry.figures.order_net);
                    if let (Some(totals), Some(currency)) = (
                        in_company.as_mut(),
                        self.currencies.get(usize::from(entry.currency)),
                    ) {
                        totals.add(entry.day.date(), *currency, entry.figures.order_net, 0);
                    }
                }
            }
            let range = (number, first, 0, 0)..=(number, last, u16::MAX, u8::MAX);
            for ((_, day, currency, _), sum) in self.branch_payments.range(range) {
                *payments.entry(*currency).or_default() += i128::from(sum.amount);
                if let (Some(totals), Some(currency)) = (
                    in_company.as_mut(),
                    self.currencies.get(usize::from(*currency)),
                ) {
                    totals.add(day.date(), *currency, 0, sum.amount);
                }
            }
        }
        let overdue = self.branch_overdue(branch, to);
        Kpis {
            from,
            to,
            orders,
            order_intake: self.amounts(intake),
            payments: self.amounts(payments),
            units_from: from,
            units_shipped: self.branch_units(branch, from, to),
            in_company: in_company.map(|totals| totals.finish(&overdue, to)),
            overdue,
        }
    }

    /// Every branch that orders landed in (`None`: orders without one),
    /// in the order first seen.
    pub fn branches_with_figures(&self) -> Vec<Option<BranchId>> {
        self.branches
            .keys
            .iter()
            .zip(&self.branches.series)
            .filter(|(_, series)| !series.is_empty())
            .map(|(branch, _)| *branch)
            .collect()
    }

    fn branch_series(&self, number: u32) -> Picked<'_> {
        match self.branches.series.get(number as usize) {
            Some(series) => Picked::Branches {
                series,
                branch: Some(number),
            },
            None => Picked::Whole(&EMPTY),
        }
    }

    fn branch_units(&self, branch: Option<BranchId>, from: NaiveDate, to: NaiveDate) -> Decimal {
        let mut units = 0_i128;
        if let Some(number) = self.branches.index.get(&branch).filter(|_| from <= to) {
            let (first, last) = (Day::from_date(from), Day::from_date(to));
            for series in self.branch_series(*number).series() {
                for entry in in_range(series, first, last) {
                    units += i128::from(entry.figures.units);
                }
            }
        }
        to_decimal(units)
    }

    /// Invoices of `branch` overdue at the end of `as_of`, per currency.
    fn branch_overdue(
        &self,
        branch: Option<BranchId>,
        as_of: NaiveDate,
    ) -> BTreeMap<Currency, Overdue> {
        let mut overdue = BTreeMap::new();
        for currency in &self.currencies {
            let (mut invoices, mut amount) = (0_i64, 0_i128);
            for (_, outstanding, days_overdue) in
                self.open_at(Day::from_date(as_of), *currency, Some(branch))
            {
                if days_overdue > 0 {
                    invoices += 1;
                    amount += i128::from(outstanding);
                }
            }
            if invoices > 0 {
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

    /// Sums per currency number as amounts per currency, zeros left out.
    fn amounts(&self, sums: BTreeMap<u16, i128>) -> BTreeMap<Currency, Decimal> {
        sums.into_iter()
            .filter(|(_, sum)| *sum != 0)
            .filter_map(|(number, sum)| {
                Some((*self.currencies.get(usize::from(number))?, to_money(sum)))
            })
            .collect()
    }
}

/// The series of a branch with no figures.
static EMPTY: super::series::Series = Vec::new();
