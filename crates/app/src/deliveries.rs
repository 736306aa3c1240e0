//! Deliveries, once for every adapter: planning a shipment's delivery on
//! a vehicle's day (its stop booked on the route first, where the
//! capacity check runs, then the delivery planned), moving it to another
//! day or vehicle, ordering a day's stops, and what the driver records.
//!
//! Planning and moving touch two or three streams. Each write runs under
//! an id derived from the request's command id, so a retry of a request
//! a crash interrupted finds what was written and completes the rest; a
//! stop booked for a delivery that was then refused is released by the
//! same request. Every record named (the order and its shipment, the
//! vehicle, the zone) is checked before the first event.

use chrono::NaiveDate;
use domain::access::{Action, Module, Permission};
use domain::catalog::UnitPrice;
use domain::error::DomainError;
use domain::fleet::{
    Delivery, DeliveryCommand, PlanDelivery, Route, RouteCommand, Vehicle, Window, Zone, route_key,
};
use domain::ids::{DeliveryId, OrderId, ShipmentId, VehicleId, ZoneId, derived};
use domain::sales::Order;
use domain::{Decider, DomainEvent, Issued};
use eventlog::{AppendMeta, StreamName};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::access::{self, Caller, Kind};
use crate::commands::{CommandError, Executed, Execution};
use crate::{App, Run};

/// A delivery to plan for a shipment of an order.
#[derive(Clone, Debug)]
pub struct NewDelivery {
    pub order: OrderId,
    pub shipment: ShipmentId,
    pub vehicle: VehicleId,
    pub day: NaiveDate,
    pub window: Option<Window>,
    pub zone: Option<ZoneId>,
    pub weight_kg: Decimal,
    pub volume_m3: Decimal,
    /// What it costs; the zone's cost when absent (none: nothing).
    pub cost: Option<UnitPrice>,
    /// Book the stop even over the vehicle's capacity.
    pub allow_over: bool,
}

/// Where a delivery moves to.
#[derive(Clone, Copy, Debug)]
pub struct NewPlace {
    pub vehicle: VehicleId,
    pub day: NaiveDate,
    pub window: Option<Window>,
    pub allow_over: bool,
}

/// A delivery planned: its id (derived from the shipment) and the write.
#[derive(Clone, Debug)]
pub struct Planned {
    pub delivery: DeliveryId,
    pub executed: Executed,
}

/// The proof of delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proof {
    pub receiver: String,
    pub note: Option<String>,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// The delivery use cases of `app`.
#[derive(Debug)]
pub struct DeliveryUseCases<'a> {
    app: &'a App,
}

impl App {
    pub fn deliveries(&self) -> DeliveryUseCases<'_> {
        DeliveryUseCases { app: self }
    }
}

/// Planning and moving deliveries is warehouse work.
fn plans() -> Permission {
    Permission::new(Module::Inventory, Action::Create)
}

impl DeliveryUseCases<'_> {
    /// Plans the delivery of `new.shipment` on a vehicle's day: books its
    /// stop (refused over the vehicle's capacity unless `allow_over`),
    /// then plans it at the zone's cost.
    pub async fn plan(
        &self,
        by: &Caller,
        run: Run,
        new: NewDelivery,
    ) -> Result<Planned, CommandError> {
        let commands = &self.app.commands;
        let permission = plans();
        if by.grants.reach(permission).is_none() {
            return Err(CommandError::Forbidden { permission });
        }
        let order_read = Permission::new(Module::Orders, Action::Read);
        access::ensure_in_reach(commands, by, order_read, Kind::Order, new.order.as_uuid())?;
        let order = self
            .app
            .load::<Order>(new.order)?
            .0
            .ok_or_else(|| access::not_found(Kind::Order, new.order.as_uuid()))?;
        if !order.shipments.contains_key(&new.shipment) {
            return Err(DomainError::part_not_found("shipment", new.shipment).into());
        }
        // The shipment leaves from the order's warehouse: a storekeeper
        // plans the deliveries of their own branch's.
        access::ensure_warehouse_in_reach(commands, by, Action::Create, order.drafted.warehouse)?;
        let vehicle = self.vehicle(by, new.vehicle)?;
        let zone_cost = match new.zone {
            Some(zone) => Some(self.zone_cost(zone)?),
            None => None,
        };
        let delivery = DeliveryId::for_shipment(new.shipment);
        if self.app.load::<Delivery>(delivery)?.0.is_some() {
            return Err(DomainError::rejected(
                "delivery.already_planned",
                "this shipment's delivery is planned already: move it instead",
            )
            .into());
        }
        let currency = match self.app.currency().company_currency()? {
            Some(currency) => currency,
            None => order.drafted.currency,
        };
        let cost = new
            .cost
            .map(UnitPrice::value)
            .or(zone_cost)
            .unwrap_or_default();
        self.book(
            by,
            derived(run.command_id, b"route"),
            new.vehicle,
            &vehicle,
            new.day,
            delivery,
            (new.weight_kg, new.volume_m3),
            new.allow_over,
        )
        .await?;
        let plan = DeliveryCommand::Plan(PlanDelivery {
            order: new.order,
            shipment: new.shipment,
            party: order.drafted.party,
            warehouse: order.drafted.warehouse,
            branch: order.drafted.branch,
            zone: new.zone,
            day: new.day,
            window: new.window,
            vehicle: new.vehicle,
            weight_kg: new.weight_kg,
            volume_m3: new.volume_m3,
            cost,
            currency,
        });
        match self
            .app
            .execute::<Delivery, _>(by, run, delivery, plan, None)
            .await
        {
            Ok(executed) => Ok(Planned { delivery, executed }),
            Err(refused) => {
                // Nothing may keep the stop of a delivery never planned.
                self.release(
                    by,
                    derived(run.command_id, b"unbook"),
                    new.vehicle,
                    new.day,
                    delivery,
                )
                .await?;
                Err(refused)
            }
        }
    }

    /// Moves a planned (or failed) delivery to another vehicle, day or
    /// window: the new stop is booked first, then the delivery moved and
    /// its old stop released.
    pub async fn replan(
        &self,
        by: &Caller,
        run: Run,
        delivery: DeliveryId,
        place: NewPlace,
    ) -> Result<Executed, CommandError> {
        let permission = Permission::new(Module::Inventory, Action::Edit);
        access::ensure_in_reach(
            &self.app.commands,
            by,
            permission,
            Kind::Delivery,
            delivery.as_uuid(),
        )?;
        let state = self
            .app
            .load::<Delivery>(delivery)?
            .0
            .ok_or_else(|| access::not_found(Kind::Delivery, delivery.as_uuid()))?;
        let vehicle = self.vehicle(by, place.vehicle)?;
        let (from_vehicle, from_day) = (state.planned.vehicle, state.planned.day);
        let moved = from_vehicle != place.vehicle || from_day != place.day;
        if moved {
            self.book(
                by,
                derived(run.command_id, b"route"),
                place.vehicle,
                &vehicle,
                place.day,
                delivery,
                (state.planned.weight_kg, state.planned.volume_m3),
                place.allow_over,
            )
            .await?;
        }
        let command = DeliveryCommand::Replan {
            day: place.day,
            vehicle: place.vehicle,
            window: place.window,
        };
        let executed = match self
            .app
            .execute::<Delivery, _>(by, run, delivery, command, None)
            .await
        {
            Ok(executed) => executed,
            Err(refused) => {
                if moved {
                    self.release(
                        by,
                        derived(run.command_id, b"unbook"),
                        place.vehicle,
                        place.day,
                        delivery,
                    )
                    .await?;
                }
                return Err(refused);
            }
        };
        if moved {
            self.release(
                by,
                derived(run.command_id, b"release"),
                from_vehicle,
                from_day,
                delivery,
            )
            .await?;
        }
        Ok(executed)
    }

    /// What the driver (or the warehouse) records: loaded, on the way,
    /// delivered with its proof, failed, returned.
    pub async fn record(
        &self,
        by: &Caller,
        run: Run,
        delivery: DeliveryId,
        command: DeliveryCommand,
        occurred_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<Executed, CommandError> {
        if matches!(
            command,
            DeliveryCommand::Plan(_) | DeliveryCommand::Replan { .. }
        ) {
            return Err(DomainError::invalid(
                "command",
                "plan and move through their own use cases",
            )
            .into());
        }
        self.app
            .execute::<Delivery, _>(by, run, delivery, command, occurred_at)
            .await
    }

    /// The proof of a delivered delivery: who took the goods, the
    /// driver's note and when, read from its stream (blank after the
    /// customer's erasure).
    pub fn proof(&self, by: &Caller, delivery: DeliveryId) -> Result<Option<Proof>, CommandError> {
        let read = Permission::new(Module::Inventory, Action::Read);
        access::ensure_in_reach(
            &self.app.commands,
            by,
            read,
            Kind::Delivery,
            delivery.as_uuid(),
        )?;
        let stream = eventlog::StreamName::from_parts(
            <Delivery as Decider>::Event::CATEGORY,
            delivery.to_string(),
        )?;
        let mut proof = None;
        crate::records::find_in_stream(self.app.commands.log(), &stream, |record, event| {
            match event {
                domain::CrmEvent::Delivery(domain::fleet::DeliveryEvent::Delivered(delivered)) => {
                    proof = Some(Proof {
                        receiver: delivered.receiver,
                        note: delivered.note,
                        at: record.occurred_at,
                    });
                }
                // Planned again after a delivery: no proof stands.
                domain::CrmEvent::Delivery(domain::fleet::DeliveryEvent::Replanned(_)) => {
                    proof = None;
                }
                _ => {}
            }
            false
        })?;
        Ok(proof)
    }

    /// Puts a vehicle's day's stops in the order they are driven.
    pub async fn order_stops(
        &self,
        by: &Caller,
        run: Run,
        vehicle: VehicleId,
        day: NaiveDate,
        stops: Vec<DeliveryId>,
    ) -> Result<Executed, CommandError> {
        let permission = Permission::new(Module::Inventory, Action::Edit);
        access::ensure_in_reach(
            &self.app.commands,
            by,
            permission,
            Kind::Vehicle,
            vehicle.as_uuid(),
        )?;
        if self.app.load::<Vehicle>(vehicle)?.0.is_none() {
            return Err(access::not_found(Kind::Vehicle, vehicle.as_uuid()).into());
        }
        let execution = execution(by, run.command_id).expecting(run.expected_version);
        let order = RouteCommand::Order {
            vehicle,
            day,
            stops,
        };
        self.on_route(by, vehicle, day, order, &execution).await
    }

    /// The vehicle, existing, in reach and not retired.
    fn vehicle(
        &self,
        by: &Caller,
        vehicle: VehicleId,
    ) -> Result<domain::fleet::VehicleState, CommandError> {
        let read = Permission::new(Module::Inventory, Action::Read);
        access::ensure_in_reach(
            &self.app.commands,
            by,
            read,
            Kind::Vehicle,
            vehicle.as_uuid(),
        )?;
        let state = self
            .app
            .load::<Vehicle>(vehicle)?
            .0
            .ok_or_else(|| access::not_found(Kind::Vehicle, vehicle.as_uuid()))?;
        if state.retired {
            return Err(DomainError::rejected("vehicle.retired", "this vehicle is retired").into());
        }
        Ok(state)
    }

    /// What a delivery into `zone` costs; a retired zone takes none.
    fn zone_cost(&self, zone: ZoneId) -> Result<Decimal, CommandError> {
        let state = self
            .app
            .load::<Zone>(zone)?
            .0
            .ok_or_else(|| access::not_found(Kind::Zone, zone.as_uuid()))?;
        if state.retired {
            return Err(DomainError::rejected("zone.retired", "this zone is retired").into());
        }
        Ok(state.cost)
    }

    #[allow(clippy::too_many_arguments)]
    async fn book(
        &self,
        by: &Caller,
        command_id: Uuid,
        vehicle: VehicleId,
        state: &domain::fleet::VehicleState,
        day: NaiveDate,
        delivery: DeliveryId,
        (weight_kg, volume_m3): (Decimal, Decimal),
        allow_over: bool,
    ) -> Result<Executed, CommandError> {
        let book = RouteCommand::Book {
            vehicle,
            day,
            delivery,
            weight_kg,
            volume_m3,
            capacity_kg: state.capacity_kg,
            capacity_m3: state.capacity_m3,
            allow_over,
        };
        self.on_route(by, vehicle, day, book, &execution(by, command_id))
            .await
    }

    async fn release(
        &self,
        by: &Caller,
        command_id: Uuid,
        vehicle: VehicleId,
        day: NaiveDate,
        delivery: DeliveryId,
    ) -> Result<Executed, CommandError> {
        self.on_route(
            by,
            vehicle,
            day,
            RouteCommand::Release {
                vehicle,
                day,
                delivery,
            },
            &execution(by, command_id),
        )
        .await
    }

    async fn on_route(
        &self,
        by: &Caller,
        vehicle: VehicleId,
        day: NaiveDate,
        command: RouteCommand,
        execution: &Execution,
    ) -> Result<Executed, CommandError> {
        let issued = Issued::new(by.user, self.app.clock.now(), command);
        self.app
            .commands
            .execute::<Route, _>(&route_stream(vehicle, day)?, &issued, execution)
            .await
    }
}

/// The stream of `vehicle`'s day `day`.
pub fn route_stream(vehicle: VehicleId, day: NaiveDate) -> Result<StreamName, CommandError> {
    Ok(StreamName::from_parts(
        <Route as Decider>::Event::CATEGORY,
        route_key(vehicle, day),
    )?)
}

fn execution(by: &Caller, command_id: Uuid) -> Execution {
    Execution::new(AppendMeta::new(by.actor(), command_id)).with_command_id(command_id)
}
