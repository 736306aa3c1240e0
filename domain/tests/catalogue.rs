#![allow(clippy::unwrap_used)]
//! The events catalogue in `docs/events.md` names every event type the
//! domain can store, so readers of the trail find each one documented.

use domain::DomainEvent;
use domain::catalog::{PriceListEvent, ProductEvent};
use domain::interactions::InteractionEvent;
use domain::inventory::{StockEvent, WarehouseEvent};
use domain::parties::PartyEvent;
use domain::pipeline::{DealEvent, LeadEvent, PipelineEvent};
use domain::planning::{CalendarEvent, TaskEvent};

/// Protects the catalogue from falling behind the code.
#[test]
fn every_event_type_is_in_the_catalogue() {
    let catalogue =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/events.md")).unwrap();
    let all = [
        PartyEvent::EVENT_TYPES,
        InteractionEvent::EVENT_TYPES,
        PipelineEvent::EVENT_TYPES,
        LeadEvent::EVENT_TYPES,
        DealEvent::EVENT_TYPES,
        TaskEvent::EVENT_TYPES,
        CalendarEvent::EVENT_TYPES,
        ProductEvent::EVENT_TYPES,
        PriceListEvent::EVENT_TYPES,
        WarehouseEvent::EVENT_TYPES,
        StockEvent::EVENT_TYPES,
    ];
    let missing: Vec<&str> = all
        .iter()
        .flat_map(|types| types.iter())
        .filter(|name| !catalogue.contains(&format!("`{name}`")))
        .copied()
        .collect();
    assert!(missing.is_empty(), "docs/events.md lacks {missing:?}");
}
