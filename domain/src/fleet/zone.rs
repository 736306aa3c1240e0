//! A delivery zone: an area served by the fleet, what one delivery there
//! costs (in the company's currency) and the windows it is served in.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::Window;
use crate::Decider;
use crate::catalog::UnitPrice;
use crate::command::Issued;
use crate::domain_events;
use crate::error::DomainError;
use crate::values::Label;

const ZONE: &str = "delivery zone";
/// Most windows one zone is served in.
pub const ZONE_WINDOWS_MAX: usize = 12;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneDefined {
    pub name: String,
    /// What one delivery into the zone costs the company.
    pub cost: Decimal,
    pub windows: Vec<Window>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneChanged {
    pub name: String,
    pub cost: Decimal,
    pub windows: Vec<Window>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneRetired {}

domain_events! {
    /// Everything that can happen to a delivery zone.
    pub enum ZoneEvent in "zone" {
        Defined(ZoneDefined) = "ZoneDefined" v 1,
        Changed(ZoneChanged) = "ZoneChanged" v 1,
        Retired(ZoneRetired) = "ZoneRetired" v 1,
    }
}

/// A zone as a command gives it.
#[derive(Clone, Debug, PartialEq)]
pub struct ZoneDetails {
    pub name: Label,
    pub cost: UnitPrice,
    pub windows: Vec<Window>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ZoneCommand {
    Define(ZoneDetails),
    Change(ZoneDetails),
    Retire,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneState {
    pub name: String,
    pub cost: Decimal,
    pub windows: Vec<Window>,
    pub retired: bool,
}

#[derive(Debug)]
pub struct Zone;

/// The windows in order, each once; at most [`ZONE_WINDOWS_MAX`].
fn windows(details: &ZoneDetails) -> Result<Vec<Window>, DomainError> {
    if details.windows.len() > ZONE_WINDOWS_MAX {
        return Err(DomainError::invalid(
            "windows",
            format!("a zone has at most {ZONE_WINDOWS_MAX} windows"),
        ));
    }
    let mut windows = details.windows.clone();
    windows.sort();
    windows.dedup();
    Ok(windows)
}

impl Decider for Zone {
    type State = Option<ZoneState>;
    type Command = Issued<ZoneCommand>;
    type Event = ZoneEvent;
    type Error = DomainError;

    fn decide(state: &Self::State, issued: &Self::Command) -> Result<Vec<ZoneEvent>, DomainError> {
        issued.business_time()?;
        match (&issued.command, state) {
            (ZoneCommand::Define(details), None) => Ok(vec![ZoneEvent::Defined(ZoneDefined {
                name: details.name.as_str().to_owned(),
                cost: details.cost.value(),
                windows: windows(details)?,
            })]),
            (ZoneCommand::Define(_), Some(_)) => Err(DomainError::rejected(
                "zone.already_defined",
                "this zone is already defined",
            )),
            (_, None) => Err(DomainError::not_found(ZONE)),
            (_, Some(zone)) if zone.retired => {
                if matches!(issued.command, ZoneCommand::Retire) {
                    Ok(Vec::new())
                } else {
                    Err(DomainError::rejected(
                        "zone.retired",
                        "this zone is retired",
                    ))
                }
            }
            (ZoneCommand::Change(details), Some(zone)) => {
                let windows = windows(details)?;
                Ok(crate::unless_unchanged(
                    zone.name == details.name.as_str()
                        && zone.cost == details.cost.value()
                        && zone.windows == windows,
                    || {
                        ZoneEvent::Changed(ZoneChanged {
                            name: details.name.as_str().to_owned(),
                            cost: details.cost.value(),
                            windows,
                        })
                    },
                ))
            }
            (ZoneCommand::Retire, Some(_)) => Ok(vec![ZoneEvent::Retired(ZoneRetired {})]),
        }
    }

    fn evolve(state: Self::State, event: &ZoneEvent) -> Self::State {
        match event {
            ZoneEvent::Defined(defined) => Some(ZoneState {
                name: defined.name.clone(),
                cost: defined.cost,
                windows: defined.windows.clone(),
                retired: false,
            }),
            ZoneEvent::Changed(changed) => state.map(|zone| ZoneState {
                name: changed.name.clone(),
                cost: changed.cost,
                windows: changed.windows.clone(),
                ..zone
            }),
            ZoneEvent::Retired(_) => state.map(|zone| ZoneState {
                retired: true,
                ..zone
            }),
        }
    }
}
