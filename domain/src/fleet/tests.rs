//! Every rule of vehicles, zones, routes and deliveries as given / when /
//! then, and the capacity check of a vehicle's day under any order of
//! bookings.

use std::str::FromStr;

use chrono::{NaiveDate, NaiveTime};
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::delivery::*;
use super::route::*;
use super::vehicle::*;
use super::zone::*;
use super::*;
use crate::Decider;
use crate::catalog::UnitPrice;
use crate::ids::{DeliveryId, ShipmentId, VehicleId};
use crate::personal::PersonalData;
use crate::testing::{given, id, issue};
use crate::values::{Currency, Label};

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn label(text: &str) -> Label {
    Label::parse("label", text).unwrap()
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 11).unwrap()
}

fn time(hour: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(hour, 0, 0).unwrap()
}

// ---------------------------------------------------------------- vehicles

fn details(plate: &str, kg: &str) -> VehicleDetails {
    VehicleDetails {
        plate: label(plate),
        name: label("Van 1"),
        capacity_kg: dec(kg),
        capacity_m3: dec("12"),
    }
}

fn registered() -> VehicleEvent {
    VehicleEvent::Registered(VehicleRegistered {
        plate: "A 123 BC".to_owned(),
        name: "Van 1".to_owned(),
        capacity_kg: dec("1500"),
        capacity_m3: dec("12"),
        driver: Some(id(7)),
        branch: None,
    })
}

#[test]
fn a_vehicle_is_registered_with_its_capacity_and_driver() {
    given::<Vehicle>([])
        .when(issue(VehicleCommand::Register {
            details: details("A 123 BC", "1500"),
            driver: Some(id(7)),
            branch: None,
        }))
        .then(vec![registered()]);
}

#[test]
fn a_vehicle_carries_something() {
    given::<Vehicle>([])
        .when(issue(VehicleCommand::Register {
            details: details("A 123 BC", "0"),
            driver: None,
            branch: None,
        }))
        .then_invalid("capacity_kg");
}

#[test]
fn a_vehicle_changes_its_driver_and_details_once_each() {
    given::<Vehicle>([registered()])
        .when(issue(VehicleCommand::AssignDriver(Some(id(7)))))
        .then_nothing();
    given::<Vehicle>([registered()])
        .when(issue(VehicleCommand::AssignDriver(None)))
        .then(vec![VehicleEvent::DriverAssigned(VehicleDriverAssigned {
            driver: None,
        })]);
    given::<Vehicle>([registered()])
        .when(issue(VehicleCommand::Change(details("A 123 BC", "1500"))))
        .then_nothing();
    given::<Vehicle>([registered()])
        .when(issue(VehicleCommand::Change(details("B 777 BC", "900"))))
        .then(vec![VehicleEvent::Changed(VehicleChanged {
            plate: "B 777 BC".to_owned(),
            name: "Van 1".to_owned(),
            capacity_kg: dec("900"),
            capacity_m3: dec("12"),
        })]);
}

#[test]
fn a_retired_vehicle_takes_no_change() {
    let retired = VehicleEvent::Retired(VehicleRetired {});
    given::<Vehicle>([registered(), retired.clone()])
        .when(issue(VehicleCommand::AssignDriver(None)))
        .then_rejected("vehicle.retired");
    given::<Vehicle>([registered(), retired])
        .when(issue(VehicleCommand::Retire))
        .then_nothing();
    given::<Vehicle>([])
        .when(issue(VehicleCommand::Retire))
        .then_not_found();
}

// ------------------------------------------------------------------- zones

#[test]
fn a_zone_keeps_its_windows_in_order_once_each() {
    let morning = Window::parse("window", time(9), time(12)).unwrap();
    let afternoon = Window::parse("window", time(13), time(17)).unwrap();
    given::<Zone>([])
        .when(issue(ZoneCommand::Define(ZoneDetails {
            name: label("North"),
            cost: UnitPrice::parse("cost", dec("12.50")).unwrap(),
            windows: vec![afternoon, morning, afternoon],
        })))
        .then(vec![ZoneEvent::Defined(ZoneDefined {
            name: "North".to_owned(),
            cost: dec("12.50"),
            windows: vec![morning, afternoon],
        })]);
}

#[test]
fn a_window_ends_after_it_starts() {
    assert!(Window::parse("window", time(12), time(9)).is_err());
    assert!(Window::parse("window", time(9), time(9)).is_err());
    let odd = NaiveTime::from_hms_opt(9, 0, 30).unwrap();
    assert!(Window::parse("window", odd, time(10)).is_err());
}

#[test]
fn a_retired_zone_is_not_changed() {
    let defined = ZoneEvent::Defined(ZoneDefined {
        name: "North".to_owned(),
        cost: dec("10"),
        windows: Vec::new(),
    });
    given::<Zone>([defined.clone(), ZoneEvent::Retired(ZoneRetired {})])
        .when(issue(ZoneCommand::Change(ZoneDetails {
            name: label("South"),
            cost: UnitPrice::parse("cost", dec("1")).unwrap(),
            windows: Vec::new(),
        })))
        .then_rejected("zone.retired");
    given::<Zone>([defined])
        .when(issue(ZoneCommand::Define(ZoneDetails {
            name: label("North"),
            cost: UnitPrice::parse("cost", dec("1")).unwrap(),
            windows: Vec::new(),
        })))
        .then_rejected("zone.already_defined");
}

// ------------------------------------------------------------------ routes

fn book(delivery: u128, kg: &str, allow_over: bool) -> RouteCommand {
    RouteCommand::Book {
        vehicle: id(1),
        day: day(),
        delivery: id(delivery),
        weight_kg: dec(kg),
        volume_m3: dec("1"),
        capacity_kg: dec("1000"),
        capacity_m3: dec("10"),
        allow_over,
    }
}

fn booked(delivery: u128, kg: &str, over: bool) -> RouteEvent {
    RouteEvent::StopBooked(RouteStopBooked {
        vehicle: id(1),
        day: day(),
        delivery: id(delivery),
        weight_kg: dec(kg),
        volume_m3: dec("1"),
        capacity_kg: dec("1000"),
        capacity_m3: dec("10"),
        over_capacity: over,
    })
}

#[test]
fn a_stop_over_the_capacity_is_refused_unless_the_planner_goes_over() {
    given::<Route>([booked(10, "700", false)])
        .when(issue(book(11, "400", false)))
        .then_rejected("route.over_capacity");
    given::<Route>([booked(10, "700", false)])
        .when(issue(book(11, "400", true)))
        .then(vec![booked(11, "400", true)]);
    given::<Route>([booked(10, "700", false)])
        .when(issue(book(11, "300", false)))
        .then(vec![booked(11, "300", false)]);
}

#[test]
fn booking_a_stop_twice_changes_nothing_and_releasing_frees_its_load() {
    given::<Route>([booked(10, "700", false)])
        .when(issue(book(10, "700", false)))
        .then_nothing();
    let released = RouteEvent::StopReleased(RouteStopReleased {
        vehicle: id(1),
        day: day(),
        delivery: id(10),
    });
    given::<Route>([booked(10, "700", false), released.clone()])
        .when(issue(book(11, "900", false)))
        .then(vec![booked(11, "900", false)]);
    given::<Route>([booked(10, "700", false), released])
        .when(issue(RouteCommand::Release {
            vehicle: id(1),
            day: day(),
            delivery: id(10),
        }))
        .then_nothing();
}

#[test]
fn stops_are_ordered_only_as_a_whole() {
    let history = [booked(10, "1", false), booked(11, "1", false)];
    given::<Route>(history.clone())
        .when(issue(RouteCommand::Order {
            vehicle: id(1),
            day: day(),
            stops: vec![id(11), id(10)],
        }))
        .then(vec![RouteEvent::StopsOrdered(RouteStopsOrdered {
            vehicle: id(1),
            day: day(),
            stops: vec![id(11), id(10)],
        })]);
    given::<Route>(history.clone())
        .when(issue(RouteCommand::Order {
            vehicle: id(1),
            day: day(),
            stops: vec![id(11)],
        }))
        .then_invalid("stops");
    given::<Route>(history)
        .when(issue(RouteCommand::Order {
            vehicle: id(1),
            day: day(),
            stops: vec![id(10), id(11)],
        }))
        .then_nothing();
}

#[test]
fn a_routes_stream_is_named_by_vehicle_and_day() {
    let vehicle: VehicleId = id(1);
    let key = route_key(vehicle, day());
    assert_eq!(key, route_key(vehicle, day()));
    assert!(uuid::Uuid::parse_str(&key).is_ok(), "{key}");
    assert_ne!(key, route_key(vehicle, day().succ_opt().unwrap()));
    assert_ne!(key, route_key(id(2), day()));
}

proptest! {
    /// Whatever loads are booked in whatever order, without going over,
    /// the day never carries more than the vehicle takes.
    #[test]
    fn a_day_never_carries_more_than_the_vehicle_without_the_planners_say(
        loads in prop::collection::vec(0u32..600, 1..30),
    ) {
        let mut state = RouteState::default();
        for (index, kg) in loads.into_iter().enumerate() {
            let command = RouteCommand::Book {
                vehicle: id(1),
                day: day(),
                delivery: id(index as u128 + 1),
                weight_kg: Decimal::from(kg),
                volume_m3: Decimal::ZERO,
                capacity_kg: dec("1000"),
                capacity_m3: dec("10"),
                allow_over: false,
            };
            if let Ok(events) = Route::decide(&state, &issue(command)) {
                for event in &events {
                    state = Route::evolve(state, event);
                }
            }
            prop_assert!(state.load_kg() <= dec("1000"));
        }
    }
}

// -------------------------------------------------------------- deliveries

fn plan() -> PlanDelivery {
    PlanDelivery {
        order: id(20),
        shipment: id(21),
        party: id(22),
        warehouse: id(23),
        branch: None,
        zone: Some(id(24)),
        day: day(),
        window: Some(Window::parse("window", time(9), time(12)).unwrap()),
        vehicle: id(1),
        weight_kg: dec("120"),
        volume_m3: dec("0.8"),
        cost: dec("12.50"),
        currency: Currency::parse("currency", "EUR").unwrap(),
    }
}

fn planned() -> DeliveryEvent {
    let plan = plan();
    DeliveryEvent::Planned(DeliveryPlanned {
        delivery: DeliveryId::for_shipment(plan.shipment),
        order: plan.order,
        shipment: plan.shipment,
        party: plan.party,
        warehouse: plan.warehouse,
        branch: None,
        zone: plan.zone,
        day: plan.day,
        window: plan.window,
        vehicle: plan.vehicle,
        weight_kg: plan.weight_kg,
        volume_m3: plan.volume_m3,
        cost: plan.cost,
        currency: plan.currency,
    })
}

fn failed() -> DeliveryEvent {
    DeliveryEvent::Failed(DeliveryFailed {
        reason: "Nobody at the address".to_owned(),
    })
}

#[test]
fn a_delivery_is_planned_once_under_its_shipments_id() {
    given::<Delivery>([])
        .when(issue(DeliveryCommand::Plan(plan())))
        .then(vec![planned()]);
    given::<Delivery>([planned()])
        .when(issue(DeliveryCommand::Plan(plan())))
        .then_rejected("delivery.already_planned");
    let shipment: ShipmentId = id(21);
    assert_eq!(
        DeliveryId::for_shipment(shipment),
        DeliveryId::for_shipment(shipment)
    );
}

#[test]
fn a_negative_load_is_refused_by_field() {
    let mut plan = plan();
    plan.weight_kg = dec("-1");
    given::<Delivery>([])
        .when(issue(DeliveryCommand::Plan(plan)))
        .then_invalid("weight_kg");
}

#[test]
fn a_delivery_goes_from_loaded_to_delivered_with_its_proof() {
    given::<Delivery>([planned()])
        .when(issue(DeliveryCommand::Load))
        .then(vec![DeliveryEvent::Loaded(DeliveryLoaded {})]);
    given::<Delivery>([planned(), DeliveryEvent::Loaded(DeliveryLoaded {})])
        .when(issue(DeliveryCommand::Depart))
        .then(vec![DeliveryEvent::Departed(DeliveryDeparted {})]);
    let delivered = DeliveryEvent::Delivered(DeliveryDelivered {
        receiver: "Anna at reception".to_owned(),
        note: Some("Left at the back door".to_owned()),
    });
    given::<Delivery>([planned(), DeliveryEvent::Departed(DeliveryDeparted {})])
        .when(issue(DeliveryCommand::Deliver {
            receiver: label("Anna at reception"),
            note: Some(label("Left at the back door")),
        }))
        .then(vec![delivered.clone()]);
    given::<Delivery>([planned(), delivered.clone()])
        .when(issue(DeliveryCommand::Deliver {
            receiver: label("Someone else"),
            note: None,
        }))
        .then_nothing();
    for command in [
        DeliveryCommand::Load,
        DeliveryCommand::Fail {
            reason: label("late"),
        },
        DeliveryCommand::Replan {
            day: day(),
            vehicle: id(2),
            window: None,
        },
    ] {
        given::<Delivery>([planned(), delivered.clone()])
            .when(issue(command))
            .then_rejected("delivery.wrong_status");
    }
}

#[test]
fn a_failed_delivery_is_planned_again_or_its_goods_come_back() {
    let next_day = day().succ_opt().unwrap();
    given::<Delivery>([planned(), failed()])
        .when(issue(DeliveryCommand::Replan {
            day: next_day,
            vehicle: id(2),
            window: None,
        }))
        .then(vec![DeliveryEvent::Replanned(DeliveryReplanned {
            day: next_day,
            vehicle: id(2),
            window: None,
            from_day: day(),
            from_vehicle: id(1),
        })]);
    given::<Delivery>([planned(), failed()])
        .when(issue(DeliveryCommand::Return))
        .then(vec![DeliveryEvent::Returned(DeliveryReturned {})]);
    given::<Delivery>([planned()])
        .when(issue(DeliveryCommand::Return))
        .then_rejected("delivery.wrong_status");
}

#[test]
fn a_delivery_on_its_way_is_not_moved_and_a_planned_one_unchanged_is_not_moved() {
    given::<Delivery>([planned(), DeliveryEvent::Departed(DeliveryDeparted {})])
        .when(issue(DeliveryCommand::Replan {
            day: day(),
            vehicle: id(2),
            window: None,
        }))
        .then_rejected("delivery.wrong_status");
    let plan = plan();
    given::<Delivery>([planned()])
        .when(issue(DeliveryCommand::Replan {
            day: plan.day,
            vehicle: plan.vehicle,
            window: plan.window,
        }))
        .then_nothing();
}

#[test]
fn the_receiver_and_the_note_are_personal() {
    let mut delivered = DeliveryEvent::Delivered(DeliveryDelivered {
        receiver: "Anna".to_owned(),
        note: Some("x".to_owned()),
    });
    assert_eq!(delivered.personal_slots().len(), 2);
    assert!(planned().personal_slots().is_empty());
    assert!(
        DeliveryStatus::ALL
            .into_iter()
            .all(|status| DeliveryStatus::parse(status.key()) == Some(status))
    );
}
