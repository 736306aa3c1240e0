//! What the company owes its suppliers, once for every adapter: a
//! supplier's invoice recorded at the rate of its day (billing a purchase
//! order of theirs, or not), and a payment made at the rate of its own
//! day, allocated to their invoices (the realized exchange differences
//! follow from the two rates, `domain::payables`).
//!
//! The supplier must be a party with the supplier role within the
//! caller's reach; an invoice's purchase order must be that supplier's
//! and sent. Every check runs before the first event; the order learns of
//! its invoices through the processes.

use chrono::{DateTime, NaiveDate, Utc};
use domain::catalog::UnitPrice;
use domain::error::DomainError;
use domain::finance::PaymentMethod;
use domain::ids::{PartyId, PurchaseOrderId, SupplierInvoiceId, SupplierPaymentId, derived};
use domain::payables::{PaySupplier, Payable, PayableCommand, RecordSupplierInvoice};
use domain::purchasing::{PurchaseOrder, PurchaseStatus};
use domain::values::{Currency, Label};

use crate::access::{self, Caller, Kind};
use crate::commands::{CommandError, Executed};
use crate::{App, Run};

/// A supplier's invoice as typed.
#[derive(Clone, Debug)]
pub struct NewSupplierInvoice {
    pub order: Option<PurchaseOrderId>,
    /// The supplier's own number.
    pub number: Label,
    /// `None`: the order's currency (an invoice without an order must
    /// name one).
    pub currency: Option<Currency>,
    pub amount: UnitPrice,
    pub issued_on: NaiveDate,
    pub due: NaiveDate,
}

/// A payment to a supplier as typed.
#[derive(Clone, Debug)]
pub struct NewSupplierPayment {
    pub method: PaymentMethod,
    pub currency: Currency,
    pub amount: UnitPrice,
    /// `None`: the oldest due first.
    pub allocations: Option<Vec<(SupplierInvoiceId, UnitPrice)>>,
    pub reference: Option<Label>,
}

/// A write on a supplier's payables: the id it made and what it wrote.
#[derive(Clone, Debug)]
pub struct PayableWritten<I> {
    pub id: I,
    pub executed: Executed,
}

impl App {
    /// Records a supplier's invoice at the rate of the day it was issued;
    /// its id derives from the run's command id.
    pub async fn record_supplier_invoice(
        &self,
        by: &Caller,
        run: Run,
        supplier: PartyId,
        new: NewSupplierInvoice,
    ) -> Result<PayableWritten<SupplierInvoiceId>, CommandError> {
        self.purchasing().ensure_supplier(by, supplier)?;
        let currency = match new.order {
            Some(order) => {
                let permission = domain::access::Permission::new(
                    domain::access::Module::Purchasing,
                    domain::access::Action::Read,
                );
                access::ensure_in_reach(
                    &self.commands,
                    by,
                    permission,
                    Kind::PurchaseOrder,
                    order.as_uuid(),
                )?;
                let Some(state) = self.load::<PurchaseOrder>(order)?.0 else {
                    return Err(access::not_found(Kind::PurchaseOrder, order.as_uuid()).into());
                };
                if state.supplier != supplier {
                    return Err(DomainError::rejected(
                        "payable.other_supplier",
                        "this purchase order is another supplier's",
                    )
                    .into());
                }
                if matches!(
                    state.status,
                    PurchaseStatus::Draft | PurchaseStatus::Cancelled
                ) {
                    return Err(DomainError::rejected(
                        "purchase.not_sent",
                        "only a purchase order sent to the supplier is invoiced",
                    )
                    .into());
                }
                if new
                    .currency
                    .is_some_and(|currency| currency != state.currency)
                {
                    return Err(DomainError::invalid(
                        "currency",
                        format!("the purchase order is in {}", state.currency),
                    )
                    .into());
                }
                state.currency
            }
            None => new
                .currency
                .ok_or_else(|| DomainError::invalid("currency", "name the invoice's currency"))?,
        };
        let rate = self.currency().rate_for(currency, noon(new.issued_on))?;
        let invoice = SupplierInvoiceId::from_uuid(derived(run.command_id, b"supplier-invoice"));
        let command = PayableCommand::RecordInvoice(RecordSupplierInvoice {
            invoice,
            order: new.order,
            number: new.number,
            currency,
            amount: new.amount,
            rate: rate.rate,
            issued_on: new.issued_on,
            due: new.due,
        });
        let executed = self
            .execute::<Payable, _>(by, run, supplier, command, None)
            .await?;
        Ok(PayableWritten {
            id: invoice,
            executed,
        })
    }

    /// Pays a supplier (back-dated to `occurred_at` if given) at the rate
    /// of the payment's day; its id derives from the run's command id.
    pub async fn pay_supplier(
        &self,
        by: &Caller,
        run: Run,
        supplier: PartyId,
        new: NewSupplierPayment,
        occurred_at: Option<DateTime<Utc>>,
    ) -> Result<PayableWritten<SupplierPaymentId>, CommandError> {
        self.purchasing().ensure_supplier(by, supplier)?;
        let at = occurred_at.unwrap_or_else(|| self.now());
        let rate = self.currency().rate_for(new.currency, at)?;
        let payment = SupplierPaymentId::from_uuid(derived(run.command_id, b"supplier-payment"));
        let command = PayableCommand::Pay(PaySupplier {
            payment,
            method: new.method,
            currency: new.currency,
            amount: new.amount,
            rate: rate.rate,
            allocations: new.allocations,
            reference: new.reference,
        });
        let executed = self
            .execute::<Payable, _>(by, run, supplier, command, occurred_at)
            .await?;
        Ok(PayableWritten {
            id: payment,
            executed,
        })
    }
}

/// Noon of `day`: the business time of a document of that day.
fn noon(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(12, 0, 0).unwrap_or_default().and_utc()
}
