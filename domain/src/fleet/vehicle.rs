//! A vehicle of the fleet: its plate, what it carries at most (kg and
//! m³) and who drives it; retired, it takes no new stops.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::capacity_measure;
use crate::Decider;
use crate::command::Issued;
use crate::domain_events;
use crate::error::DomainError;
use crate::ids::{BranchId, UserId};
use crate::values::Label;

const VEHICLE: &str = "vehicle";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VehicleRegistered {
    pub plate: String,
    /// What it is called in the yard ("Van 2").
    pub name: String,
    pub capacity_kg: Decimal,
    pub capacity_m3: Decimal,
    pub driver: Option<UserId>,
    pub branch: Option<BranchId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VehicleChanged {
    pub plate: String,
    pub name: String,
    pub capacity_kg: Decimal,
    pub capacity_m3: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VehicleDriverAssigned {
    pub driver: Option<UserId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VehicleRetired {}

domain_events! {
    /// Everything that can happen to a vehicle.
    pub enum VehicleEvent in "vehicle" {
        Registered(VehicleRegistered) = "VehicleRegistered" v 1,
        Changed(VehicleChanged) = "VehicleChanged" v 1,
        DriverAssigned(VehicleDriverAssigned) = "VehicleDriverAssigned" v 1,
        Retired(VehicleRetired) = "VehicleRetired" v 1,
    }
}

/// A vehicle's description as a command gives it.
#[derive(Clone, Debug, PartialEq)]
pub struct VehicleDetails {
    pub plate: Label,
    pub name: Label,
    pub capacity_kg: Decimal,
    pub capacity_m3: Decimal,
}

#[derive(Clone, Debug, PartialEq)]
pub enum VehicleCommand {
    Register {
        details: VehicleDetails,
        driver: Option<UserId>,
        branch: Option<BranchId>,
    },
    Change(VehicleDetails),
    AssignDriver(Option<UserId>),
    Retire,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VehicleState {
    pub plate: String,
    pub name: String,
    pub capacity_kg: Decimal,
    pub capacity_m3: Decimal,
    pub driver: Option<UserId>,
    pub branch: Option<BranchId>,
    pub retired: bool,
}

#[derive(Debug)]
pub struct Vehicle;

fn checked(details: &VehicleDetails) -> Result<(Decimal, Decimal), DomainError> {
    Ok((
        capacity_measure("capacity_kg", details.capacity_kg)?,
        capacity_measure("capacity_m3", details.capacity_m3)?,
    ))
}

impl Decider for Vehicle {
    type State = Option<VehicleState>;
    type Command = Issued<VehicleCommand>;
    type Event = VehicleEvent;
    type Error = DomainError;

    fn decide(
        state: &Self::State,
        issued: &Self::Command,
    ) -> Result<Vec<VehicleEvent>, DomainError> {
        issued.business_time()?;
        if let VehicleCommand::Register {
            details,
            driver,
            branch,
        } = &issued.command
        {
            if state.is_some() {
                return Err(DomainError::rejected(
                    "vehicle.already_registered",
                    "this vehicle is already registered",
                ));
            }
            let (capacity_kg, capacity_m3) = checked(details)?;
            return Ok(vec![VehicleEvent::Registered(VehicleRegistered {
                plate: details.plate.as_str().to_owned(),
                name: details.name.as_str().to_owned(),
                capacity_kg,
                capacity_m3,
                driver: *driver,
                branch: *branch,
            })]);
        }
        let vehicle = state
            .as_ref()
            .ok_or_else(|| DomainError::not_found(VEHICLE))?;
        if vehicle.retired && !matches!(issued.command, VehicleCommand::Retire) {
            return Err(DomainError::rejected(
                "vehicle.retired",
                "this vehicle is retired",
            ));
        }
        match &issued.command {
            VehicleCommand::Register { .. } => Ok(Vec::new()),
            VehicleCommand::Change(details) => {
                let (capacity_kg, capacity_m3) = checked(details)?;
                Ok(crate::unless_unchanged(
                    vehicle.plate == details.plate.as_str()
                        && vehicle.name == details.name.as_str()
                        && vehicle.capacity_kg == capacity_kg
                        && vehicle.capacity_m3 == capacity_m3,
                    || {
                        VehicleEvent::Changed(VehicleChanged {
                            plate: details.plate.as_str().to_owned(),
                            name: details.name.as_str().to_owned(),
                            capacity_kg,
                            capacity_m3,
                        })
                    },
                ))
            }
            VehicleCommand::AssignDriver(driver) => {
                Ok(crate::unless_unchanged(vehicle.driver == *driver, || {
                    VehicleEvent::DriverAssigned(VehicleDriverAssigned { driver: *driver })
                }))
            }
            VehicleCommand::Retire => Ok(crate::unless_unchanged(vehicle.retired, || {
                VehicleEvent::Retired(VehicleRetired {})
            })),
        }
    }

    fn evolve(state: Self::State, event: &VehicleEvent) -> Self::State {
        if let VehicleEvent::Registered(registered) = event {
            return Some(VehicleState {
                plate: registered.plate.clone(),
                name: registered.name.clone(),
                capacity_kg: registered.capacity_kg,
                capacity_m3: registered.capacity_m3,
                driver: registered.driver,
                branch: registered.branch,
                retired: false,
            });
        }
        let mut vehicle = state?;
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
        Some(vehicle)
    }
}
