#![allow(clippy::unwrap_used)]
//! The auditor's trail, read from the log without HTTP: filtered by
//! module, a page at a time, continued where a page stopped.

mod common;

use app::audit::{Trail, TrailFilter};
use domain::ids::{PartyId, UserId, WarehouseId};
use domain::inventory::{Warehouse, WarehouseCommand};
use domain::parties::{Party, PartyCommand, PartyName, RegisterParty};
use domain::values::Label;
use uuid::Uuid;

fn label(text: &str) -> Label {
    Label::parse("label", text).unwrap()
}

/// Protects the trail's filter and paging: only the module asked for,
/// oldest first, a page of the size asked, and the next page from where
/// the last one stopped, until the range is exhausted.
#[tokio::test]
async fn the_trail_pages_through_one_module_oldest_first() {
    let directory = tempfile::tempdir().unwrap();
    let app = common::fixed_app(directory.path());
    let anna = UserId::from_uuid(Uuid::now_v7());
    let parties = [Uuid::now_v7(), Uuid::now_v7()];
    for (number, party) in parties.iter().enumerate() {
        let register = PartyCommand::Register(RegisterParty {
            name: PartyName::Company {
                name: label(&format!("Customer {number}")),
                legal_name: None,
            },
            company: None,
            job_title: None,
            source: None,
            owner: anna,
            branch: None,
        });
        common::given::<Party, _>(&app, anna, PartyId::from_uuid(*party), register).await;
        let open = WarehouseCommand::Open {
            name: label(&format!("Hall {number}")),
            branch: None,
            allows_negative_stock: false,
        };
        let warehouse = WarehouseId::from_uuid(Uuid::now_v7());
        common::given::<Warehouse, _>(&app, anna, warehouse, open).await;
    }
    let log = app.commands.log();
    let filter = TrailFilter {
        category: Some("party".to_owned()),
        ..TrailFilter::default()
    };
    let mut trail = Trail::parse(log, &filter, 0).unwrap();
    let first = trail.page(log, 1).unwrap();
    assert_eq!(first.rows.len(), 1);
    assert_eq!(
        first.rows[0].stream.as_str(),
        format!("party-{}", parties[0])
    );
    trail.continue_from(first.next.unwrap());
    let second = trail.page(log, 1).unwrap();
    assert_eq!(second.rows.len(), 1);
    assert_eq!(
        second.rows[0].stream.as_str(),
        format!("party-{}", parties[1])
    );
    if let Some(next) = second.next {
        trail.continue_from(next);
        assert!(trail.page(log, 1).unwrap().rows.is_empty());
    }
    let refused = Trail::parse(
        log,
        &TrailFilter {
            actor: Some("bob".to_owned()),
            ..TrailFilter::default()
        },
        0,
    )
    .unwrap_err();
    assert!(refused.to_string().contains("actor"), "{refused}");
}
