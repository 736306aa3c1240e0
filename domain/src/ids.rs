//! Identifiers of everything the domain names.
//!
//! Each is a UUID in its own type, so a `DealId` can never be passed where a
//! `PartyId` is expected. Ids are made by the caller (the application's id
//! generator, a test, the demo generator), never inside `decide`, so
//! deciding stays deterministic.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(text).map(Self)
            }
        }
    };
}

id_type!(
    /// A company or a person.
    PartyId
);
id_type!(
    /// One contact channel of a party (an email address, a phone…).
    ChannelId
);
id_type!(
    /// A logged call, email, meeting or note.
    InteractionId
);
id_type!(
    /// A sales pipeline.
    PipelineId
);
id_type!(
    /// A stage of a pipeline.
    StageId
);
id_type!(
    /// A lead: interest not yet qualified into a deal.
    LeadId
);
id_type!(
    /// A deal on a pipeline.
    DealId
);
id_type!(
    /// A task for a user or a group.
    TaskId
);
id_type!(
    /// A calendar entry (a planned meeting, call or appointment).
    CalendarEntryId
);
id_type!(
    /// A person who uses HyperCRM.
    UserId
);
id_type!(
    /// A group of users (a team, a department).
    GroupId
);
id_type!(
    /// A branch (office, shop) of the company.
    BranchId
);
id_type!(
    /// A product or service of the catalog.
    ProductId
);
id_type!(
    /// A price list.
    PriceListId
);
id_type!(
    /// A warehouse (a store room, a shop's back room, a van).
    WarehouseId
);
id_type!(
    /// A reservation of stock for an order line.
    ReservationId
);
id_type!(
    /// A transfer of stock between two warehouses.
    TransferId
);
id_type!(
    /// A sales order.
    OrderId
);
id_type!(
    /// A shipment of goods for an order.
    ShipmentId
);
id_type!(
    /// Goods a customer sent back on an order.
    ReturnId
);
id_type!(
    /// An invoice to a customer.
    InvoiceId
);
id_type!(
    /// A credit note: money owed back to a customer.
    CreditNoteId
);
id_type!(
    /// A payment received from a customer.
    PaymentId
);
id_type!(
    /// A retention rule: whose personal data is erased after how long
    /// without activity.
    RetentionRuleId
);
id_type!(
    /// One run of a retention rule.
    RetentionRunId
);
id_type!(
    /// A numbering series: invoices (or credit notes) of one branch in one
    /// year.
    SeriesId
);

id_type!(
    /// A purchase order: goods ordered from a supplier.
    PurchaseOrderId
);
id_type!(
    /// One delivery of a purchase order received into a warehouse.
    PurchaseReceiptId
);

id_type!(
    /// A supplier's invoice: what the company owes for goods bought.
    SupplierInvoiceId
);
id_type!(
    /// A payment made to a supplier.
    SupplierPaymentId
);
id_type!(
    /// A production order: goods made in the company's own workshop.
    ProductionOrderId
);
id_type!(
    /// A quote (commercial proposal) to a customer.
    QuoteId
);
id_type!(
    /// A vehicle of the company's own fleet.
    VehicleId
);
id_type!(
    /// A delivery zone: an area served with its own cost and windows.
    ZoneId
);
id_type!(
    /// The delivery of one shipment to its customer.
    DeliveryId
);
id_type!(
    /// A printed document as issued: the one original of an invoice, a
    /// quote's revision, a waybill …
    DocumentId
);

/// An id made from another id and a name, the same every time: version 5
/// (name-based) UUIDs. Ids that a rule or a process derives this way (the
/// reservation of an order line, the command a process issues for an event)
/// are found again by anyone who knows what they were made from, and a
/// repeated derivation never creates a second thing.
pub fn derived(from: Uuid, name: &[u8]) -> Uuid {
    Uuid::new_v5(&from, name)
}

impl DocumentId {
    /// The one original of a `kind` document for `source` (the invoice,
    /// order, quote … it prints): issuing it again finds it.
    pub fn original(kind: &str, source: Uuid) -> Self {
        Self::from_uuid(derived(source, format!("document:{kind}").as_bytes()))
    }
}

impl DeliveryId {
    /// The delivery of `shipment`: one per shipment, the same however
    /// often it is planned again.
    pub fn for_shipment(shipment: ShipmentId) -> Self {
        Self(derived(shipment.as_uuid(), b"delivery"))
    }
}

impl ReservationId {
    /// The reservation that holds stock for one line of an order.
    pub fn for_order_line(order: OrderId, line: u32) -> Self {
        let mut name = *b"order-line:\0\0\0\0";
        name[11..].copy_from_slice(&line.to_be_bytes());
        Self(derived(order.as_uuid(), &name))
    }

    /// The reservation that holds the `index`th component of a
    /// production order.
    pub fn for_production_component(order: ProductionOrderId, index: u32) -> Self {
        let mut name = *b"component:\0\0\0\0";
        name[10..].copy_from_slice(&index.to_be_bytes());
        Self(derived(order.as_uuid(), &name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Protects idempotent processes: a derived id depends on what it is
    /// made from, and only on that.
    #[test]
    fn derived_ids_are_stable_and_distinct() {
        let order = OrderId::from_uuid(Uuid::from_u128(7));
        assert_eq!(
            ReservationId::for_order_line(order, 1),
            ReservationId::for_order_line(order, 1)
        );
        assert_ne!(
            ReservationId::for_order_line(order, 1),
            ReservationId::for_order_line(order, 2)
        );
        let other = OrderId::from_uuid(Uuid::from_u128(8));
        assert_ne!(
            ReservationId::for_order_line(order, 1),
            ReservationId::for_order_line(other, 1)
        );
        assert_eq!(
            derived(Uuid::from_u128(1), b"x").get_version_num(),
            5,
            "a name-based UUID"
        );
    }
}
