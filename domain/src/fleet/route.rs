//! One vehicle's day: the stops it makes in order and what it carries,
//! one stream each (`route-<uuid>`, the id derived from the vehicle and
//! the day: [`route_key`]).
//!
//! A stop is booked with its load and the vehicle's capacity as the
//! application read it; the route refuses a stop that takes the load over
//! the capacity (`route.over_capacity`), unless the planner chose to go
//! over, which the stop records. Being one stream, the check holds
//! however many planners book at once.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::Decider;
use crate::command::Issued;
use crate::domain_events;
use crate::error::DomainError;
use crate::ids::{DeliveryId, VehicleId};

/// Most stops on one vehicle's day.
pub const ROUTE_STOPS_MAX: usize = 200;

/// The id of the stream of `vehicle`'s day `day`: a UUID derived from
/// both, so anyone who knows them finds it, and readers of the log see the
/// one-UUID stream id every aggregate has.
pub fn route_key(vehicle: VehicleId, day: NaiveDate) -> String {
    crate::ids::derived(vehicle.as_uuid(), format!("route:{day}").as_bytes()).to_string()
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteStopBooked {
    pub vehicle: VehicleId,
    pub day: NaiveDate,
    pub delivery: DeliveryId,
    pub weight_kg: Decimal,
    pub volume_m3: Decimal,
    /// The vehicle's capacity when the stop was booked.
    pub capacity_kg: Decimal,
    pub capacity_m3: Decimal,
    /// The planner took the load over the capacity knowingly.
    pub over_capacity: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteStopReleased {
    pub vehicle: VehicleId,
    pub day: NaiveDate,
    pub delivery: DeliveryId,
}

/// The stops in the order they are driven.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteStopsOrdered {
    pub vehicle: VehicleId,
    pub day: NaiveDate,
    pub stops: Vec<DeliveryId>,
}

domain_events! {
    /// Everything that can happen to a vehicle's day.
    pub enum RouteEvent in "route" {
        StopBooked(RouteStopBooked) = "RouteStopBooked" v 1,
        StopReleased(RouteStopReleased) = "RouteStopReleased" v 1,
        StopsOrdered(RouteStopsOrdered) = "RouteStopsOrdered" v 1,
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum RouteCommand {
    Book {
        vehicle: VehicleId,
        day: NaiveDate,
        delivery: DeliveryId,
        weight_kg: Decimal,
        volume_m3: Decimal,
        capacity_kg: Decimal,
        capacity_m3: Decimal,
        /// Book it even over the capacity.
        allow_over: bool,
    },
    Release {
        vehicle: VehicleId,
        day: NaiveDate,
        delivery: DeliveryId,
    },
    Order {
        vehicle: VehicleId,
        day: NaiveDate,
        stops: Vec<DeliveryId>,
    },
}

/// A stop with its load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stop {
    pub delivery: DeliveryId,
    pub weight_kg: Decimal,
    pub volume_m3: Decimal,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouteState {
    /// In the order they are driven.
    pub stops: Vec<Stop>,
}

impl RouteState {
    pub fn load_kg(&self) -> Decimal {
        self.stops.iter().map(|stop| stop.weight_kg).sum()
    }

    pub fn load_m3(&self) -> Decimal {
        self.stops.iter().map(|stop| stop.volume_m3).sum()
    }

    fn holds(&self, delivery: DeliveryId) -> bool {
        self.stops.iter().any(|stop| stop.delivery == delivery)
    }
}

#[derive(Debug)]
pub struct Route;

impl Decider for Route {
    type State = RouteState;
    type Command = Issued<RouteCommand>;
    type Event = RouteEvent;
    type Error = DomainError;

    fn decide(state: &RouteState, issued: &Self::Command) -> Result<Vec<RouteEvent>, DomainError> {
        issued.business_time()?;
        match &issued.command {
            RouteCommand::Book {
                vehicle,
                day,
                delivery,
                weight_kg,
                volume_m3,
                capacity_kg,
                capacity_m3,
                allow_over,
            } => {
                if state.holds(*delivery) {
                    return Ok(Vec::new());
                }
                if state.stops.len() >= ROUTE_STOPS_MAX {
                    return Err(DomainError::rejected(
                        "route.too_many_stops",
                        format!("a vehicle makes at most {ROUTE_STOPS_MAX} stops a day"),
                    ));
                }
                let kg = state.load_kg() + *weight_kg;
                let m3 = state.load_m3() + *volume_m3;
                let over = kg > *capacity_kg || m3 > *capacity_m3;
                if over && !allow_over {
                    return Err(DomainError::rejected(
                        "route.over_capacity",
                        format!(
                            "the vehicle would carry {kg} kg of {capacity_kg} and {m3} m³ of {capacity_m3} that day"
                        ),
                    ));
                }
                Ok(vec![RouteEvent::StopBooked(RouteStopBooked {
                    vehicle: *vehicle,
                    day: *day,
                    delivery: *delivery,
                    weight_kg: *weight_kg,
                    volume_m3: *volume_m3,
                    capacity_kg: *capacity_kg,
                    capacity_m3: *capacity_m3,
                    over_capacity: over,
                })])
            }
            RouteCommand::Release {
                vehicle,
                day,
                delivery,
            } => Ok(crate::unless_unchanged(!state.holds(*delivery), || {
                RouteEvent::StopReleased(RouteStopReleased {
                    vehicle: *vehicle,
                    day: *day,
                    delivery: *delivery,
                })
            })),
            RouteCommand::Order {
                vehicle,
                day,
                stops,
            } => {
                let mut wanted = stops.clone();
                wanted.sort();
                let mut held: Vec<DeliveryId> =
                    state.stops.iter().map(|stop| stop.delivery).collect();
                let current = held.clone();
                held.sort();
                if wanted != held {
                    return Err(DomainError::invalid(
                        "stops",
                        "must name every stop of the day once",
                    ));
                }
                Ok(crate::unless_unchanged(current == *stops, || {
                    RouteEvent::StopsOrdered(RouteStopsOrdered {
                        vehicle: *vehicle,
                        day: *day,
                        stops: stops.clone(),
                    })
                }))
            }
        }
    }

    fn evolve(mut state: RouteState, event: &RouteEvent) -> RouteState {
        match event {
            RouteEvent::StopBooked(booked) => state.stops.push(Stop {
                delivery: booked.delivery,
                weight_kg: booked.weight_kg,
                volume_m3: booked.volume_m3,
            }),
            RouteEvent::StopReleased(released) => state
                .stops
                .retain(|stop| stop.delivery != released.delivery),
            RouteEvent::StopsOrdered(ordered) => {
                let mut stops = std::mem::take(&mut state.stops);
                for delivery in &ordered.stops {
                    if let Some(at) = stops.iter().position(|stop| stop.delivery == *delivery) {
                        state.stops.push(stops.remove(at));
                    }
                }
                // Any stop the order did not name keeps its place at the end.
                state.stops.extend(stops);
            }
        }
        state
    }
}
