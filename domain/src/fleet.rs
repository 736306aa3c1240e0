//! The company's own fleet and the deliveries it makes.
//!
//! - [`vehicle`]: a vehicle (plate, what it carries in kg and m³, its
//!   driver), one stream each.
//! - [`zone`]: a delivery zone (its name, what a delivery there costs,
//!   the windows it is served in), one stream each.
//! - [`route`]: one vehicle's day, `route-<uuid>` (derived from the vehicle and the day): its stops in
//!   order and their load, the consistency boundary of the capacity
//!   check, so two planners cannot overload a vehicle together.
//! - [`delivery`]: the delivery of one shipment, from planned to
//!   delivered (with proof) or failed, one stream each, its id derived
//!   from the shipment.
//!
//! Planning a delivery books its stop on the route first (which may
//! refuse it for capacity), then plans the delivery; the application
//! runs both under ids derived from one command, so a retry completes
//! what a crash interrupted.

use chrono::NaiveTime;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::catalog::Quantity;
use crate::error::DomainError;

pub mod delivery;
pub mod route;
pub mod vehicle;
pub mod zone;

pub use delivery::{
    Delivery, DeliveryCommand, DeliveryEvent, DeliveryState, DeliveryStatus, PlanDelivery,
};
pub use route::{Route, RouteCommand, RouteEvent, RouteState, route_key};
pub use vehicle::{Vehicle, VehicleCommand, VehicleEvent, VehicleState};
pub use zone::{Zone, ZoneCommand, ZoneEvent, ZoneState};

/// A time of day a delivery is made in: `from` before `to`, to the minute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Window {
    pub from: NaiveTime,
    pub to: NaiveTime,
}

impl Window {
    pub fn parse(field: &str, from: NaiveTime, to: NaiveTime) -> Result<Self, DomainError> {
        use chrono::Timelike;
        if from.second() != 0 || to.second() != 0 || from.nanosecond() != 0 || to.nanosecond() != 0
        {
            return Err(DomainError::invalid(field, "must be whole minutes"));
        }
        if from >= to {
            return Err(DomainError::invalid(field, "must end after it starts"));
        }
        Ok(Self { from, to })
    }
}

/// A weight in kilograms or a volume in cubic metres: zero or more, at
/// most four decimals.
pub fn load_measure(field: &str, value: Decimal) -> Result<Decimal, DomainError> {
    Quantity::parse_break(field, value).map(Quantity::value)
}

/// What a vehicle carries at most: more than zero.
pub fn capacity_measure(field: &str, value: Decimal) -> Result<Decimal, DomainError> {
    Quantity::parse(field, value).map(Quantity::value)
}

#[cfg(test)]
mod tests;
