//! The delivery of one shipment to its customer, one stream each
//! (`delivery-<id>`, the id derived from the shipment).
//!
//! Planned on a vehicle's day (its stop booked on the route first), in a
//! window if the customer asked for one, at a cost recorded against the
//! order; then loaded, on the way, and delivered with its proof (who took
//! the goods, when, a note) or failed with a reason. A failed delivery is
//! planned again, or its goods come back (returned). A planned or loaded
//! delivery may move to another day or vehicle.
//!
//! The receiver's name and the driver's note name people: they are sealed
//! with the delivery's key, which the customer's erasure destroys.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Window, load_measure};
use crate::Decider;
use crate::command::Issued;
use crate::domain_events;
use crate::error::DomainError;
use crate::ids::{
    BranchId, DeliveryId, OrderId, PartyId, ShipmentId, VehicleId, WarehouseId, ZoneId,
};
use crate::personal::{PersonalData, Slot, slot};
use crate::values::{Currency, Label};

const DELIVERY: &str = "delivery";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryPlanned {
    pub delivery: DeliveryId,
    pub order: OrderId,
    pub shipment: ShipmentId,
    pub party: PartyId,
    pub warehouse: WarehouseId,
    pub branch: Option<BranchId>,
    pub zone: Option<ZoneId>,
    pub day: NaiveDate,
    pub window: Option<Window>,
    pub vehicle: VehicleId,
    pub weight_kg: Decimal,
    pub volume_m3: Decimal,
    /// What the delivery costs the company, recorded against the order.
    pub cost: Decimal,
    pub currency: Currency,
}

/// Moved to another day, vehicle or window (or planned again after it
/// failed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryReplanned {
    pub day: NaiveDate,
    pub vehicle: VehicleId,
    pub window: Option<Window>,
    /// Where its stop was booked before.
    pub from_day: NaiveDate,
    pub from_vehicle: VehicleId,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryLoaded {}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryDeparted {}

/// The proof of delivery; its time is the event's business time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryDelivered {
    /// Who took the goods (sealed).
    pub receiver: String,
    /// The driver's note (sealed).
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryFailed {
    pub reason: String,
}

/// The goods of a failed delivery are back in the warehouse.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryReturned {}

domain_events! {
    /// Everything that can happen to a delivery.
    pub enum DeliveryEvent in "delivery" {
        Planned(DeliveryPlanned) = "DeliveryPlanned" v 1,
        Replanned(DeliveryReplanned) = "DeliveryReplanned" v 1,
        Loaded(DeliveryLoaded) = "DeliveryLoaded" v 1,
        Departed(DeliveryDeparted) = "DeliveryDeparted" v 1,
        Delivered(DeliveryDelivered) = "DeliveryDelivered" v 1,
        Failed(DeliveryFailed) = "DeliveryFailed" v 1,
        Returned(DeliveryReturned) = "DeliveryReturned" v 1,
    }
}

impl PersonalData for DeliveryEvent {
    const PERSONAL: bool = true;

    fn personal_slots(&mut self) -> Vec<Box<dyn Slot + '_>> {
        match self {
            Self::Delivered(delivered) => {
                vec![slot(&mut delivered.receiver), slot(&mut delivered.note)]
            }
            _ => Vec::new(),
        }
    }
}

/// A delivery to plan: the application reads the order, the shipment's
/// load and the zone's cost.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanDelivery {
    pub order: OrderId,
    pub shipment: ShipmentId,
    pub party: PartyId,
    pub warehouse: WarehouseId,
    pub branch: Option<BranchId>,
    pub zone: Option<ZoneId>,
    pub day: NaiveDate,
    pub window: Option<Window>,
    pub vehicle: VehicleId,
    pub weight_kg: Decimal,
    pub volume_m3: Decimal,
    pub cost: Decimal,
    pub currency: Currency,
}

#[derive(Clone, Debug, PartialEq)]
pub enum DeliveryCommand {
    Plan(PlanDelivery),
    Replan {
        day: NaiveDate,
        vehicle: VehicleId,
        window: Option<Window>,
    },
    Load,
    Depart,
    Deliver {
        receiver: Label,
        note: Option<Label>,
    },
    Fail {
        reason: Label,
    },
    Return,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeliveryStatus {
    Planned,
    Loaded,
    OnTheWay,
    Delivered,
    Failed,
    Returned,
}

impl DeliveryStatus {
    pub const ALL: [Self; 6] = [
        Self::Planned,
        Self::Loaded,
        Self::OnTheWay,
        Self::Delivered,
        Self::Failed,
        Self::Returned,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::Loaded => "loaded",
            Self::OnTheWay => "on_the_way",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Returned => "returned",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.key() == key)
    }

    /// Still to be made: planned, loaded or on the way.
    pub fn pending(self) -> bool {
        matches!(self, Self::Planned | Self::Loaded | Self::OnTheWay)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryState {
    pub planned: DeliveryPlanned,
    pub status: DeliveryStatus,
}

#[derive(Debug)]
pub struct Delivery;

fn wrong_status(delivery: &DeliveryState, doing: &str) -> DomainError {
    DomainError::rejected(
        "delivery.wrong_status",
        format!(
            "a delivery that is {} cannot be {doing}",
            delivery.status.key()
        ),
    )
}

impl Decider for Delivery {
    type State = Option<DeliveryState>;
    type Command = Issued<DeliveryCommand>;
    type Event = DeliveryEvent;
    type Error = DomainError;

    fn decide(
        state: &Self::State,
        issued: &Self::Command,
    ) -> Result<Vec<DeliveryEvent>, DomainError> {
        issued.business_time()?;
        if let DeliveryCommand::Plan(plan) = &issued.command {
            if state.is_some() {
                return Err(DomainError::rejected(
                    "delivery.already_planned",
                    "this shipment's delivery is planned already: move it instead",
                ));
            }
            return Ok(vec![DeliveryEvent::Planned(DeliveryPlanned {
                delivery: DeliveryId::for_shipment(plan.shipment),
                order: plan.order,
                shipment: plan.shipment,
                party: plan.party,
                warehouse: plan.warehouse,
                branch: plan.branch,
                zone: plan.zone,
                day: plan.day,
                window: plan.window,
                vehicle: plan.vehicle,
                weight_kg: load_measure("weight_kg", plan.weight_kg)?,
                volume_m3: load_measure("volume_m3", plan.volume_m3)?,
                cost: load_measure("cost", plan.cost)?,
                currency: plan.currency,
            })]);
        }
        let delivery = state
            .as_ref()
            .ok_or_else(|| DomainError::not_found(DELIVERY))?;
        use DeliveryStatus as S;
        match &issued.command {
            DeliveryCommand::Plan(_) => Ok(Vec::new()),
            DeliveryCommand::Replan {
                day,
                vehicle,
                window,
            } => {
                if !matches!(
                    delivery.status,
                    S::Planned | S::Loaded | S::Failed | S::Returned
                ) {
                    return Err(wrong_status(delivery, "moved"));
                }
                let planned = &delivery.planned;
                Ok(crate::unless_unchanged(
                    delivery.status == S::Planned
                        && planned.day == *day
                        && planned.vehicle == *vehicle
                        && planned.window == *window,
                    || {
                        DeliveryEvent::Replanned(DeliveryReplanned {
                            day: *day,
                            vehicle: *vehicle,
                            window: *window,
                            from_day: planned.day,
                            from_vehicle: planned.vehicle,
                        })
                    },
                ))
            }
            DeliveryCommand::Load => match delivery.status {
                S::Loaded => Ok(Vec::new()),
                S::Planned => Ok(vec![DeliveryEvent::Loaded(DeliveryLoaded {})]),
                _ => Err(wrong_status(delivery, "loaded")),
            },
            DeliveryCommand::Depart => match delivery.status {
                S::OnTheWay => Ok(Vec::new()),
                S::Planned | S::Loaded => Ok(vec![DeliveryEvent::Departed(DeliveryDeparted {})]),
                _ => Err(wrong_status(delivery, "on its way")),
            },
            DeliveryCommand::Deliver { receiver, note } => match delivery.status {
                S::Delivered => Ok(Vec::new()),
                status if status.pending() => {
                    Ok(vec![DeliveryEvent::Delivered(DeliveryDelivered {
                        receiver: receiver.as_str().to_owned(),
                        note: note.as_ref().map(|note| note.as_str().to_owned()),
                    })])
                }
                _ => Err(wrong_status(delivery, "delivered")),
            },
            DeliveryCommand::Fail { reason } => match delivery.status {
                S::Failed => Ok(Vec::new()),
                status if status.pending() => Ok(vec![DeliveryEvent::Failed(DeliveryFailed {
                    reason: reason.as_str().to_owned(),
                })]),
                _ => Err(wrong_status(delivery, "failed")),
            },
            DeliveryCommand::Return => match delivery.status {
                S::Returned => Ok(Vec::new()),
                S::Failed => Ok(vec![DeliveryEvent::Returned(DeliveryReturned {})]),
                _ => Err(wrong_status(delivery, "returned")),
            },
        }
    }

    fn evolve(state: Self::State, event: &DeliveryEvent) -> Self::State {
        if let DeliveryEvent::Planned(planned) = event {
            return Some(DeliveryState {
                planned: planned.clone(),
                status: DeliveryStatus::Planned,
            });
        }
        let mut delivery = state?;
        delivery.status = match event {
            DeliveryEvent::Planned(_) => delivery.status,
            DeliveryEvent::Replanned(replanned) => {
                delivery.planned.day = replanned.day;
                delivery.planned.vehicle = replanned.vehicle;
                delivery.planned.window = replanned.window;
                DeliveryStatus::Planned
            }
            DeliveryEvent::Loaded(_) => DeliveryStatus::Loaded,
            DeliveryEvent::Departed(_) => DeliveryStatus::OnTheWay,
            DeliveryEvent::Delivered(_) => DeliveryStatus::Delivered,
            DeliveryEvent::Failed(_) => DeliveryStatus::Failed,
            DeliveryEvent::Returned(_) => DeliveryStatus::Returned,
        };
        Some(delivery)
    }
}
