#![allow(clippy::unwrap_used)]
//! The events catalogue in `docs/events.md` names every event type the
//! domain can store, so readers of the trail find each one documented.

use domain::CrmEvent;

/// Protects the catalogue from falling behind the code.
#[test]
fn every_event_type_is_in_the_catalogue() {
    let catalogue =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/events.md")).unwrap();
    let missing: Vec<&str> = CrmEvent::EVENT_TYPES
        .iter()
        .flat_map(|types| types.iter())
        .filter(|name| !catalogue.contains(&format!("`{name}`")))
        .copied()
        .collect();
    assert!(missing.is_empty(), "docs/events.md lacks {missing:?}");
}
