//! Every event of the CRM and trade modules, as one type, for the readers
//! of the whole log (projections, the audit trail, the live feed).

use crate::access::UserEvent;
use crate::branch::BranchEvent;
use crate::catalog::{PriceListEvent, ProductEvent};
use crate::codec::{DecodeError, DomainEvent};
use crate::currency::{CompanyEvent, RatesEvent};
use crate::documents::DocumentEvent;
use crate::finance::{AccountEvent, SeriesEvent};
use crate::fleet::{DeliveryEvent, RouteEvent, VehicleEvent, ZoneEvent};
use crate::group::GroupEvent;
use crate::interactions::InteractionEvent;
use crate::inventory::{StockEvent, WarehouseEvent};
use crate::parties::PartyEvent;
use crate::payables::PayableEvent;
use crate::pipeline::{DealEvent, LeadEvent, PipelineEvent};
use crate::planning::{CalendarEvent, TaskEvent};
use crate::production::{BomEvent, ProductionEvent};
use crate::purchasing::PurchaseEvent;
use crate::quotes::QuoteEvent;
use crate::retention::RetentionEvent;
use crate::sales::{OrderEvent, SaleEvent};
use crate::sourcing::SourcingEvent;

macro_rules! crm_events {
    ($($variant:ident($event:ty)),+ $(,)?) => {
        /// An event of any aggregate.
        #[derive(Clone, Debug, PartialEq)]
        pub enum CrmEvent {
            $($variant($event),)+
        }

        /// Serializes the event's payload alone, as its aggregate's
        /// event type does.
        impl serde::Serialize for CrmEvent {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    $(Self::$variant(event) => serde::Serialize::serialize(event, serializer),)+
                }
            }
        }

        impl CrmEvent {
            /// The stream categories whose events this type decodes.
            pub const CATEGORIES: &'static [&'static str] = &[$(<$event>::CATEGORY),+];

            /// The event type names of every aggregate, one list each.
            pub const EVENT_TYPES: &'static [&'static [&'static str]] =
                &[$(<$event>::EVENT_TYPES),+];

            /// Decodes a stored event of a CRM stream category; `Ok(None)`
            /// for a category that belongs to another module.
            pub fn decode(
                category: &str,
                event_type: &str,
                schema_version: u16,
                payload: &[u8],
            ) -> Result<Option<Self>, DecodeError> {
                $(
                    if category == <$event>::CATEGORY {
                        return <$event>::decode(event_type, schema_version, payload)
                            .map(|event| Some(Self::$variant(event)));
                    }
                )+
                Ok(None)
            }

            /// Decodes a stored event of a CRM stream category as
            /// [`Self::decode`] does, opening its sealed personal fields
            /// with `keys`.
            pub fn open(
                category: &str,
                event_type: &str,
                schema_version: u16,
                payload: &[u8],
                keys: &dyn crate::personal::SubjectKeys,
            ) -> Result<Option<(Self, crate::personal::Personal)>, DecodeError> {
                $(
                    if category == <$event>::CATEGORY {
                        return crate::personal::open::<$event>(event_type, schema_version, payload, keys)
                            .map(|(event, personal)| Some((Self::$variant(event), personal)));
                    }
                )+
                Ok(None)
            }

            /// The schema version and payload to store: personal fields
            /// sealed with the key of `subject`, the event's aggregate.
            pub fn seal(
                &self,
                subject: uuid::Uuid,
                keys: &dyn crate::personal::SubjectKeys,
            ) -> Result<(u16, Vec<u8>), crate::personal::KeyError> {
                match self {
                    $(Self::$variant(event) => crate::personal::seal(event, subject, keys),)+
                }
            }

            /// Whether events of `category` hold personal fields.
            pub fn personal_category(category: &str) -> bool {
                $(
                    if category == <$event>::CATEGORY {
                        return <$event as crate::personal::PersonalData>::PERSONAL;
                    }
                )+
                false
            }

            /// Blanks the event's personal fields (an erased subject's
            /// event recorded before sealing existed reads so).
            pub fn blank_personal(&mut self) {
                use crate::personal::PersonalData as _;
                match self {
                    $(Self::$variant(event) => {
                        for mut slot in event.personal_slots() {
                            slot.take();
                        }
                    })+
                }
            }

            /// The stream category of the aggregate the event belongs to.
            pub fn category(&self) -> &'static str {
                match self {
                    $(Self::$variant(_) => <$event>::CATEGORY,)+
                }
            }

            pub fn event_type(&self) -> &'static str {
                match self {
                    $(Self::$variant(event) => event.event_type(),)+
                }
            }

            pub fn schema_version(&self) -> u16 {
                match self {
                    $(Self::$variant(event) => event.schema_version(),)+
                }
            }

            pub fn encode(&self) -> Vec<u8> {
                match self {
                    $(Self::$variant(event) => event.encode(),)+
                }
            }
        }

        $(
            impl From<$event> for CrmEvent {
                fn from(event: $event) -> Self {
                    Self::$variant(event)
                }
            }
        )+
    };
}

crm_events! {
    Party(PartyEvent),
    Interaction(InteractionEvent),
    Pipeline(PipelineEvent),
    Lead(LeadEvent),
    Deal(DealEvent),
    Task(TaskEvent),
    Calendar(CalendarEvent),
    Product(ProductEvent),
    PriceList(PriceListEvent),
    Warehouse(WarehouseEvent),
    Stock(StockEvent),
    Order(OrderEvent),
    Sale(SaleEvent),
    Account(AccountEvent),
    Series(SeriesEvent),
    User(UserEvent),
    Retention(RetentionEvent),
    Branch(BranchEvent),
    Group(GroupEvent),
    Purchase(PurchaseEvent),
    Company(CompanyEvent),
    Rates(RatesEvent),
    Sourcing(SourcingEvent),
    Payable(PayableEvent),
    Bom(BomEvent),
    Production(ProductionEvent),
    Document(DocumentEvent),
    Quote(QuoteEvent),
    Vehicle(VehicleEvent),
    Zone(ZoneEvent),
    Route(RouteEvent),
    Delivery(DeliveryEvent),
}
