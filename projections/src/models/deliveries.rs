//! The fleet and its deliveries as planners, drivers and the director read
//! them: vehicles and zones; each delivery with its status and proof; a
//! vehicle's day (its stops in the order driven, their load against the
//! vehicle's capacity); the deliveries of an order and what they cost;
//! the late ones (still to make after their day) and the failed ones.
//! The proof of delivery (who took the goods) names a person and is not
//! kept here: it is read from the delivery's stream, sealed.
//!
//! A stop's order comes from its route's stream; a delivery moved to
//! another day or vehicle leaves its old route when that route releases
//! it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use domain::fleet::{DeliveryEvent, DeliveryStatus, RouteEvent, VehicleEvent, Window, ZoneEvent};
use domain::ids::{
    BranchId, DeliveryId, OrderId, PartyId, ShipmentId, UserId, VehicleId, WarehouseId, ZoneId,
};
use domain::values::Currency;
use domain::{CrmEvent, DomainEvent};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::envelope::Envelope;
use crate::model::ReadModel;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VehicleRow {
    pub plate: String,
    pub name: String,
    pub capacity_kg: Decimal,
    pub capacity_m3: Decimal,
    pub driver: Option<UserId>,
    pub branch: Option<BranchId>,
    pub retired: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneRow {
    pub name: String,
    pub cost: Decimal,
    pub windows: Vec<Window>,
    pub retired: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRow {
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
    pub status: DeliveryStatus,
    /// When it was delivered, failed or returned (business time).
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub closed_at: Option<DateTime<Utc>>,
    pub failure: Option<String>,
    /// Stream version of its latest event: the ETag of the delivery.
    pub version: u64,
}

impl DeliveryRow {
    /// Still to make after its day: late on `today`.
    pub fn late_on(&self, today: NaiveDate) -> bool {
        self.status.pending() && self.day < today
    }
}

/// One vehicle's day: its stops in order, their load and the capacity the
/// last stop was booked against.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteRow {
    pub stops: Vec<DeliveryId>,
    pub load_kg: Decimal,
    pub load_m3: Decimal,
    pub capacity_kg: Decimal,
    pub capacity_m3: Decimal,
    /// A stop was booked over the capacity knowingly.
    pub over_capacity: bool,
    /// Each stop's load, to take it out when it leaves.
    loads: BTreeMap<DeliveryId, (Decimal, Decimal)>,
    /// Stream version: the ETag a reordering sends back.
    pub version: u64,
}

/// Late and failed deliveries: the dashboard's figures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeliveryFigures {
    pub late: u64,
    pub failed: u64,
    /// Planned for today and not made yet.
    pub today: u64,
}

#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Deliveries {
    vehicles: BTreeMap<VehicleId, VehicleRow>,
    zones: BTreeMap<ZoneId, ZoneRow>,
    rows: FxHashMap<DeliveryId, DeliveryRow>,
    routes: BTreeMap<(VehicleId, NaiveDate), RouteRow>,
    by_order: BTreeMap<OrderId, Vec<DeliveryId>>,
    /// Pending deliveries by day: the late ones are a range.
    pending: BTreeSet<(NaiveDate, DeliveryId)>,
    failed: BTreeSet<DeliveryId>,
}

impl ReadModel for Deliveries {
    const NAME: &'static str = "deliveries";
    const VERSION: u32 = 1;
    const CATEGORIES: &'static [&'static str] = &[
        VehicleEvent::CATEGORY,
        ZoneEvent::CATEGORY,
        RouteEvent::CATEGORY,
        DeliveryEvent::CATEGORY,
    ];

    fn apply(&mut self, envelope: &Envelope<'_>) {
        match envelope.event {
            CrmEvent::Vehicle(event) => {
                self.apply_vehicle(VehicleId::from_uuid(envelope.aggregate), event)
            }
            CrmEvent::Zone(event) => self.apply_zone(ZoneId::from_uuid(envelope.aggregate), event),
            CrmEvent::Route(event) => self.apply_route(event, envelope.stream_version),
            CrmEvent::Delivery(event) => {
                self.apply_delivery(DeliveryId::from_uuid(envelope.aggregate), event, envelope)
            }
            _ => {}
        }
    }
}

impl Deliveries {
    fn apply_vehicle(&mut self, id: VehicleId, event: &VehicleEvent) {
        if let VehicleEvent::Registered(registered) = event {
            self.vehicles.insert(
                id,
                VehicleRow {
                    plate: registered.plate.clone(),
                    name: registered.name.clone(),
                    capacity_kg: registered.capacity_kg,
                    capacity_m3: registered.capacity_m3,
                    driver: registered.driver,
                    branch: registered.branch,
                    retired: false,
                },
            );
            return;
        }
        let Some(vehicle) = self.vehicles.get_mut(&id) else {
            return;
        };
        match event {
            VehicleEvent::Registered(_) => {}
            VehicleEvent::Changed(changed) => {
                vehicle.plate = changed.plate.clone();
                vehicle.name = changed.name.clone();
                vehicle.capacity_kg = changed.capacity_kg;
                vehicle.capacity_m3 = changed.capacity_m3;
            }
            VehicleEvent::DriverAssigned(assigned) => vehicle.driver = assigned.driver,
            VehicleEvent::Retired(_) => vehicle.retired = true,
        }
    }

    fn apply_zone(&mut self, id: ZoneId, event: &ZoneEvent) {
        match event {
            ZoneEvent::Defined(defined) => {
                self.zones.insert(
                    id,
                    ZoneRow {
                        name: defined.name.clone(),
                        cost: defined.cost,
                        windows: defined.windows.clone(),
                        retired: false,
                    },
                );
            }
            ZoneEvent::Changed(changed) => {
                if let Some(zone) = self.zones.get_mut(&id) {
                    zone.name = changed.name.clone();
                    zone.cost = changed.cost;
                    zone.windows = changed.windows.clone();
                }
            }
            ZoneEvent::Retired(_) => {
                if let Some(zone) = self.zones.get_mut(&id) {
                    zone.retired = true;
                }
            }
        }
    }

    fn apply_route(&mut self, event: &RouteEvent, version: u64) {
        match event {
            RouteEvent::StopBooked(booked) => {
                let route = self.routes.entry((booked.vehicle, booked.day)).or_default();
                route.stops.push(booked.delivery);
                route
                    .loads
                    .insert(booked.delivery, (booked.weight_kg, booked.volume_m3));
                route.load_kg += booked.weight_kg;
                route.load_m3 += booked.volume_m3;
                route.capacity_kg = booked.capacity_kg;
                route.capacity_m3 = booked.capacity_m3;
                route.over_capacity |= booked.over_capacity;
                route.version = version;
            }
            RouteEvent::StopReleased(released) => {
                if let Some(route) = self.routes.get_mut(&(released.vehicle, released.day)) {
                    route.stops.retain(|stop| *stop != released.delivery);
                    if let Some((kg, m3)) = route.loads.remove(&released.delivery) {
                        route.load_kg -= kg;
                        route.load_m3 -= m3;
                    }
                    route.version = version;
                }
            }
            RouteEvent::StopsOrdered(ordered) => {
                if let Some(route) = self.routes.get_mut(&(ordered.vehicle, ordered.day)) {
                    route.stops = ordered.stops.clone();
                    route.version = version;
                }
            }
        }
    }

    fn apply_delivery(&mut self, id: DeliveryId, event: &DeliveryEvent, envelope: &Envelope<'_>) {
        if let DeliveryEvent::Planned(planned) = event {
            self.rows.insert(
                id,
                DeliveryRow {
                    order: planned.order,
                    shipment: planned.shipment,
                    party: planned.party,
                    warehouse: planned.warehouse,
                    branch: planned.branch,
                    zone: planned.zone,
                    day: planned.day,
                    window: planned.window,
                    vehicle: planned.vehicle,
                    weight_kg: planned.weight_kg,
                    volume_m3: planned.volume_m3,
                    cost: planned.cost,
                    currency: planned.currency,
                    status: DeliveryStatus::Planned,
                    closed_at: None,
                    failure: None,
                    version: envelope.stream_version,
                },
            );
            self.by_order.entry(planned.order).or_default().push(id);
            self.pending.insert((planned.day, id));
            return;
        }
        let Some(row) = self.rows.get_mut(&id) else {
            return;
        };
        self.pending.remove(&(row.day, id));
        self.failed.remove(&id);
        match event {
            DeliveryEvent::Planned(_) => {}
            DeliveryEvent::Replanned(replanned) => {
                row.day = replanned.day;
                row.vehicle = replanned.vehicle;
                row.window = replanned.window;
                row.status = DeliveryStatus::Planned;
                row.failure = None;
                row.closed_at = None;
            }
            DeliveryEvent::Loaded(_) => row.status = DeliveryStatus::Loaded,
            DeliveryEvent::Departed(_) => row.status = DeliveryStatus::OnTheWay,
            // The proof names people: it stays in the log, sealed, and
            // is read from there (`app::deliveries`), not kept here.
            DeliveryEvent::Delivered(_) => {
                row.status = DeliveryStatus::Delivered;
                row.closed_at = Some(envelope.occurred_at);
            }
            DeliveryEvent::Failed(failed) => {
                row.status = DeliveryStatus::Failed;
                row.failure = Some(failed.reason.clone());
                row.closed_at = Some(envelope.occurred_at);
            }
            DeliveryEvent::Returned(_) => {
                row.status = DeliveryStatus::Returned;
                row.closed_at = Some(envelope.occurred_at);
            }
        }
        row.version = envelope.stream_version;
        if row.status.pending() {
            self.pending.insert((row.day, id));
        }
        if row.status == DeliveryStatus::Failed {
            self.failed.insert(id);
        }
    }

    pub fn vehicles(&self) -> impl Iterator<Item = (VehicleId, &VehicleRow)> {
        self.vehicles.iter().map(|(id, row)| (*id, row))
    }

    pub fn vehicle(&self, id: VehicleId) -> Option<&VehicleRow> {
        self.vehicles.get(&id)
    }

    /// Whether another vehicle than `except` has `plate` (any spacing and
    /// case).
    pub fn plate_taken(&self, plate: &str, except: Option<VehicleId>) -> bool {
        let key = |text: &str| {
            text.chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .flat_map(char::to_uppercase)
                .collect::<String>()
        };
        let wanted = key(plate);
        self.vehicles
            .iter()
            .any(|(id, row)| Some(*id) != except && key(&row.plate) == wanted)
    }

    pub fn zones(&self) -> impl Iterator<Item = (ZoneId, &ZoneRow)> {
        self.zones.iter().map(|(id, row)| (*id, row))
    }

    pub fn zone(&self, id: ZoneId) -> Option<&ZoneRow> {
        self.zones.get(&id)
    }

    pub fn get(&self, id: DeliveryId) -> Option<&DeliveryRow> {
        self.rows.get(&id)
    }

    /// `vehicle`'s day: its route and its deliveries in the order driven.
    pub fn day_plan(
        &self,
        vehicle: VehicleId,
        day: NaiveDate,
    ) -> (RouteRow, Vec<(DeliveryId, &DeliveryRow)>) {
        let route = self
            .routes
            .get(&(vehicle, day))
            .cloned()
            .unwrap_or_default();
        let stops = route
            .stops
            .iter()
            .filter_map(|id| self.rows.get(id).map(|row| (*id, row)))
            .collect();
        (route, stops)
    }

    /// The vehicles with stops on `day`, by vehicle.
    pub fn routes_on(&self, day: NaiveDate) -> Vec<(VehicleId, &RouteRow)> {
        self.routes
            .iter()
            .filter(|((_, route_day), route)| *route_day == day && !route.stops.is_empty())
            .map(|((vehicle, _), route)| (*vehicle, route))
            .collect()
    }

    /// The deliveries of `order`, in the order planned, and what they cost
    /// per currency.
    pub fn of_order(&self, order: OrderId) -> Vec<(DeliveryId, &DeliveryRow)> {
        self.by_order
            .get(&order)
            .into_iter()
            .flatten()
            .filter_map(|id| self.rows.get(id).map(|row| (*id, row)))
            .collect()
    }

    /// What the deliveries of `order` cost, per currency.
    pub fn cost_of_order(&self, order: OrderId) -> BTreeMap<Currency, Decimal> {
        let mut costs = BTreeMap::new();
        for (_, row) in self.of_order(order) {
            *costs.entry(row.currency).or_default() += row.cost;
        }
        costs
    }

    /// Late deliveries on `today` (oldest first), at most `limit`.
    pub fn late(&self, today: NaiveDate, limit: usize) -> Vec<(DeliveryId, &DeliveryRow)> {
        self.pending
            .range(..(today, DeliveryId::from_uuid(uuid::Uuid::nil())))
            .take(limit)
            .filter_map(|(_, id)| self.rows.get(id).map(|row| (*id, row)))
            .collect()
    }

    /// Failed deliveries not yet planned again or returned.
    pub fn failed(&self, limit: usize) -> Vec<(DeliveryId, &DeliveryRow)> {
        self.failed
            .iter()
            .take(limit)
            .filter_map(|id| self.rows.get(id).map(|row| (*id, row)))
            .collect()
    }

    /// The dashboard's figures on `today`, of one branch if given.
    pub fn figures(&self, today: NaiveDate, branch: Option<BranchId>) -> DeliveryFigures {
        let mine = |row: &DeliveryRow| branch.is_none_or(|branch| row.branch == Some(branch));
        let nil = DeliveryId::from_uuid(uuid::Uuid::nil());
        let max = DeliveryId::from_uuid(uuid::Uuid::max());
        DeliveryFigures {
            late: self
                .pending
                .range(..(today, nil))
                .filter(|(_, id)| self.rows.get(id).is_some_and(mine))
                .count() as u64,
            failed: self
                .failed
                .iter()
                .filter(|id| self.rows.get(id).is_some_and(mine))
                .count() as u64,
            today: self
                .pending
                .range((today, nil)..=(today, max))
                .filter(|(_, id)| self.rows.get(id).is_some_and(mine))
                .count() as u64,
        }
    }
}
