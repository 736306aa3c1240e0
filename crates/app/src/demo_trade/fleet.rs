//! The demo company's fleet: two vans and two delivery zones, and the
//! last shipments delivered by them: the older ones delivered with their
//! proof, one failed the day before the end, one still on its way from
//! then (late) and three planned for today (the real one), so the route sheets, the driver's page and the
//! dashboard's late and failed deliveries have something to show.

use chrono::{Duration, NaiveDate, NaiveTime};
use domain::catalog::UnitPrice;
use domain::fleet::delivery::{Delivery, DeliveryCommand, PlanDelivery};
use domain::fleet::route::{Route, RouteCommand};
use domain::fleet::vehicle::{Vehicle, VehicleCommand, VehicleDetails};
use domain::fleet::zone::{Zone, ZoneCommand, ZoneDetails};
use domain::fleet::{Window, route_key};
use domain::ids::{DeliveryId, UserId, VehicleId, ZoneId};
use domain::sales::Order;
use domain::{Decider, DomainEvent};
use eventlog::StreamName;
use rust_decimal::Decimal;

use super::{Simulation, at_noon, label};

/// Shipments the fleet delivers, the last of the demo's.
const DELIVERED_SHIPMENTS: usize = 8;

/// Writes the fleet and its deliveries, ending `end` (today).
pub(super) async fn seed(
    simulation: &mut Simulation,
    admin: UserId,
    end: NaiveDate,
) -> anyhow::Result<()> {
    let opened = at_noon(end - Duration::days(30));
    let mut vans = Vec::new();
    for (plate, name, kg, m3) in [
        ("HC 101 A", "Van 1", 1_200, 10),
        ("HC 102 A", "Van 2", 800, 6),
    ] {
        let van = VehicleId::from_uuid(simulation.next_id("vehicle"));
        let register = VehicleCommand::Register {
            details: VehicleDetails {
                plate: label(plate),
                name: label(name),
                capacity_kg: Decimal::from(kg),
                capacity_m3: Decimal::from(m3),
            },
            driver: None,
            branch: None,
        };
        simulation
            .run::<Vehicle, _>(van, admin, opened, register)
            .await?;
        vans.push((van, Decimal::from(kg), Decimal::from(m3)));
    }
    let window = |from: u32, to: u32| -> anyhow::Result<Window> {
        let time = |hour| NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or_default();
        Ok(Window::parse("window", time(from), time(to))?)
    };
    let city = ZoneId::from_uuid(simulation.next_id("zone"));
    let define = ZoneCommand::Define(ZoneDetails {
        name: label("City"),
        cost: UnitPrice::parse("cost", Decimal::new(1_500, 2))?,
        windows: vec![window(9, 12)?, window(13, 17)?],
    });
    simulation
        .run::<Zone, _>(city, admin, opened, define)
        .await?;
    let region = ZoneId::from_uuid(simulation.next_id("zone"));
    let define = ZoneCommand::Define(ZoneDetails {
        name: label("Region"),
        cost: UnitPrice::parse("cost", Decimal::new(3_500, 2))?,
        windows: vec![window(10, 16)?],
    });
    simulation
        .run::<Zone, _>(region, admin, opened, define)
        .await?;

    let last: Vec<_> = simulation
        .shipped
        .iter()
        .rev()
        .take(DELIVERED_SHIPMENTS)
        .copied()
        .collect();
    // Nothing is recorded later than now, which the deciders refuse.
    let not_after_now = |at: chrono::DateTime<chrono::Utc>| at.min(chrono::Utc::now());
    for (index, (order, shipment, _)) in last.into_iter().enumerate() {
        // The newest shipments go out today, the oldest two days ago.
        let days_ago = match index {
            0..=2 => 0,
            3..=4 => 1,
            _ => 2,
        };
        // Today's stops are on the real today, so a demo of an older
        // span still fills the driver's page.
        let day = if days_ago == 0 {
            chrono::Utc::now().date_naive().max(end)
        } else {
            end - Duration::days(days_ago)
        };
        let (van, capacity_kg, capacity_m3) = vans[index % vans.len()];
        let zone = if index % 3 == 2 { region } else { city };
        let (Some(state), _) = simulation
            .handler
            .load::<Order>(&crate::commands::CommandHandler::stream::<Order>(order)?)?
        else {
            continue;
        };
        let delivery = DeliveryId::for_shipment(shipment);
        let weight = Decimal::from(40 + 35 * (index as i64 % 4));
        let route =
            StreamName::from_parts(<Route as Decider>::Event::CATEGORY, route_key(van, day))?;
        let book = RouteCommand::Book {
            vehicle: van,
            day,
            delivery,
            weight_kg: weight,
            volume_m3: Decimal::new(5, 1),
            capacity_kg,
            capacity_m3,
            allow_over: false,
        };
        let booked = simulation
            .run_on::<Route, _>(
                &route,
                admin,
                not_after_now(at_noon(day) - Duration::hours(4)),
                book,
            )
            .await;
        if booked.is_err() {
            simulation.tolerate(booked)?;
            continue;
        }
        let plan = DeliveryCommand::Plan(PlanDelivery {
            order,
            shipment,
            party: state.drafted.party,
            warehouse: state.drafted.warehouse,
            branch: state.drafted.branch,
            zone: Some(zone),
            day,
            window: Some(if zone == region {
                window(10, 16)?
            } else {
                window(9, 12)?
            }),
            vehicle: van,
            weight_kg: weight,
            volume_m3: Decimal::new(5, 1),
            cost: Decimal::new(if zone == region { 3_500 } else { 1_500 }, 2),
            currency: simulation.eur,
        });
        let morning = not_after_now(at_noon(day) - Duration::hours(3));
        let result = simulation
            .run::<Delivery, _>(delivery, admin, morning, plan)
            .await;
        simulation.tolerate(result)?;
        let mut steps = Vec::new();
        match (days_ago, index) {
            (0, _) => {}
            // Yesterday: one failed, one still on its way (late).
            (1, 3) => {
                steps.push(DeliveryCommand::Depart);
                steps.push(DeliveryCommand::Fail {
                    reason: label("Nobody at the address"),
                });
            }
            (1, _) => steps.push(DeliveryCommand::Depart),
            _ => {
                steps.push(DeliveryCommand::Load);
                steps.push(DeliveryCommand::Depart);
                steps.push(DeliveryCommand::Deliver {
                    receiver: label("Reception desk"),
                    note: None,
                });
            }
        }
        for (step, command) in steps.into_iter().enumerate() {
            let at = not_after_now(at_noon(day) + Duration::hours(step as i64));
            let result = simulation
                .run::<Delivery, _>(delivery, admin, at, command)
                .await;
            simulation.tolerate(result)?;
        }
    }
    Ok(())
}
