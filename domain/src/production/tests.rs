//! Bills of materials and production orders as given / when / then.

use std::str::FromStr;

use proptest::prelude::*;

use super::*;
use crate::testing::{given, id, issue};

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn quantity(text: &str) -> Quantity {
    Quantity::parse("quantity", dec(text)).unwrap()
}

const TABLE: u128 = 1;
const LEG: u128 = 2;
const TOP: u128 = 3;

fn new_component(product: u128, per_unit: &str, scrap: &str) -> NewComponent {
    NewComponent {
        product: id(product),
        quantity: quantity(per_unit),
        scrap_percent: ScrapPercent::parse("scrap", dec(scrap)).unwrap(),
    }
}

fn component(product: u128, per_unit: &str, scrap: &str) -> BomComponent {
    BomComponent {
        product: id(product),
        quantity: dec(per_unit),
        scrap_percent: dec(scrap),
    }
}

fn assembly() -> NewOperation {
    NewOperation {
        name: Label::parse("name", "Assemble").unwrap(),
        work_centre: Label::parse("work_centre", "Bench 1").unwrap(),
        minutes: quantity("20"),
        hourly_rate: UnitPrice::parse("rate", dec("30")).unwrap(),
    }
}

fn operation() -> BomOperation {
    BomOperation {
        name: "Assemble".into(),
        work_centre: "Bench 1".into(),
        minutes: dec("20"),
        hourly_rate: dec("30"),
    }
}

fn define_table() -> BomCommand {
    BomCommand::Define(DefineBom {
        product: id(TABLE),
        components: vec![new_component(LEG, "4", "0"), new_component(TOP, "1", "5")],
        operations: vec![assembly()],
        lead_days: 2,
        note: None,
    })
}

fn defined(version: u32) -> BomEvent {
    BomEvent::VersionDefined(BomVersionDefined {
        product: id(TABLE),
        version,
        components: vec![component(LEG, "4", "0"), component(TOP, "1", "5")],
        operations: vec![operation()],
        lead_days: 2,
        note: None,
    })
}

fn activated(version: u32) -> BomEvent {
    BomEvent::VersionActivated(BomVersionActivated { version })
}

#[test]
fn a_first_version_is_active_at_once_and_later_ones_wait() {
    given::<Bom>([])
        .when(issue(define_table()))
        .then(vec![defined(1), activated(1)]);
    given::<Bom>([defined(1), activated(1)])
        .when(issue(define_table()))
        .then(vec![defined(2)]);
    given::<Bom>([defined(1), activated(1), defined(2)])
        .when(issue(BomCommand::Activate { version: 2 }))
        .then(vec![activated(2)]);
    given::<Bom>([defined(1), activated(1)])
        .when(issue(BomCommand::Activate { version: 1 }))
        .then_nothing();
    given::<Bom>([defined(1), activated(1)])
        .when(issue(BomCommand::Activate { version: 7 }))
        .then_invalid("version");
    given::<Bom>([])
        .when(issue(BomCommand::Activate { version: 1 }))
        .then_not_found();
}

#[test]
fn a_bill_refuses_itself_twice_listed_parts_and_emptiness() {
    let mut itself = DefineBom {
        product: id(TABLE),
        components: vec![new_component(TABLE, "1", "0")],
        operations: Vec::new(),
        lead_days: 0,
        note: None,
    };
    given::<Bom>([])
        .when(issue(BomCommand::Define(itself.clone())))
        .then_rejected("bom.component_is_product");
    itself.components = vec![new_component(LEG, "1", "0"), new_component(LEG, "3", "0")];
    given::<Bom>([])
        .when(issue(BomCommand::Define(itself.clone())))
        .then_invalid("components[1].product");
    itself.components = Vec::new();
    given::<Bom>([])
        .when(issue(BomCommand::Define(itself.clone())))
        .then_invalid("components");
    itself.components = vec![new_component(LEG, "1", "0")];
    itself.lead_days = LEAD_DAYS_MAX + 1;
    given::<Bom>([])
        .when(issue(BomCommand::Define(itself.clone())))
        .then_invalid("lead_days");
    itself.lead_days = 0;
    itself.product = id(LEG + 100);
    given::<Bom>([defined(1)])
        .when(issue(BomCommand::Define(itself)))
        .then_rejected("bom.other_product");
}

#[test]
fn scrap_is_a_percentage_below_a_hundred_with_two_places() {
    assert!(ScrapPercent::parse("scrap", dec("-1")).is_err());
    assert!(ScrapPercent::parse("scrap", dec("100")).is_err());
    assert!(ScrapPercent::parse("scrap", dec("2.125")).is_err());
    assert_eq!(
        ScrapPercent::parse("scrap", dec("2.50")).unwrap().value(),
        dec("2.5")
    );
}

#[test]
fn needs_round_up_once_and_operations_cost_per_unit() {
    // 3 units × 1 × 1.05 = 3.15; 7 × 0.3333 × 1.10 = 2.56641 → 2.5665.
    assert_eq!(component(TOP, "1", "5").needed_for(dec("3")), dec("3.15"));
    assert_eq!(
        component(TOP, "0.3333", "10").needed_for(dec("7")),
        dec("2.5665")
    );
    // 20 minutes at 30 an hour is 10; 7 minutes at 10 is 1.1666… → 1.1667.
    assert_eq!(operations_cost(&[operation()]), dec("10"));
    let short = BomOperation {
        minutes: dec("7"),
        hourly_rate: dec("10"),
        ..operation()
    };
    assert_eq!(operations_cost(&[short]), dec("1.1667"));
}

// ------------------------------------------------------------ production

const ORDER: u128 = 50;
const WAREHOUSE: u128 = 60;

fn order_id() -> ProductionOrderId {
    id(ORDER)
}

fn reservation(index: u32) -> ReservationId {
    ReservationId::for_production_component(order_id(), index)
}

fn plan_tables(units: &str) -> ProductionCommand {
    ProductionCommand::Plan(PlanProduction {
        order: order_id(),
        product: id(TABLE),
        bom_version: 1,
        warehouse: id(WAREHOUSE),
        branch: None,
        quantity: quantity(units),
        due_on: NaiveDate::from_ymd_opt(2026, 12, 20).unwrap(),
        components: vec![component(LEG, "4", "0"), component(TOP, "1", "5")],
        operations: vec![operation()],
    })
}

fn planned(units: &str) -> ProductionEvent {
    let units = dec(units);
    ProductionEvent::Planned(ProductionOrderPlanned {
        order: order_id(),
        product: id(TABLE),
        bom_version: 1,
        warehouse: id(WAREHOUSE),
        branch: None,
        quantity: units,
        due_on: NaiveDate::from_ymd_opt(2026, 12, 20).unwrap(),
        components: vec![
            PlannedComponent {
                component: component(LEG, "4", "0"),
                required: component(LEG, "4", "0").needed_for(units),
                reservation: reservation(0),
            },
            PlannedComponent {
                component: component(TOP, "1", "5"),
                required: component(TOP, "1", "5").needed_for(units),
                reservation: reservation(1),
            },
        ],
        operations_cost: dec("10"),
    })
}

fn held(index: u32, product: u128, quantity: &str) -> ComponentReservation {
    ComponentReservation {
        product: id(product),
        reservation: reservation(index),
        quantity: dec(quantity),
    }
}

fn released() -> ProductionEvent {
    ProductionEvent::Released(ProductionOrderReleased {
        warehouse: id(WAREHOUSE),
        reservations: vec![held(0, LEG, "40"), held(1, TOP, "10.5")],
    })
}

fn completed(completion: u32, units: &str, legs: &str, tops: &str) -> ProductionEvent {
    ProductionEvent::Completed(ProductionCompleted {
        completion,
        product: id(TABLE),
        warehouse: id(WAREHOUSE),
        quantity: dec(units),
        consumed: vec![held(0, LEG, legs), held(1, TOP, tops)],
    })
}

fn consumed(completion: u32, product: u128, quantity: &str, cost: &str) -> ProductionEvent {
    ProductionEvent::ComponentConsumed(ComponentConsumed {
        completion,
        product: id(product),
        quantity: dec(quantity),
        unit_cost: dec(cost),
    })
}

fn record(completion: u32, product: u128, quantity: &str, cost: &str) -> ProductionCommand {
    ProductionCommand::RecordConsumption {
        completion,
        product: id(product),
        quantity: dec(quantity),
        unit_cost: dec(cost),
    }
}

#[test]
fn a_planned_order_copies_its_bill_and_release_reserves_what_it_needs() {
    given::<ProductionOrder>([])
        .when(issue(plan_tables("10")))
        .then(vec![planned("10")]);
    given::<ProductionOrder>([planned("10")])
        .when(issue(plan_tables("10")))
        .then_rejected("production.already_planned");
    given::<ProductionOrder>([planned("10")])
        .when(issue(ProductionCommand::Release))
        .then(vec![released()]);
    given::<ProductionOrder>([planned("10"), released()])
        .when(issue(ProductionCommand::Release))
        .then_nothing();
    given::<ProductionOrder>([planned("10")])
        .when(issue(ProductionCommand::Start))
        .then_rejected("production.not_released");
    given::<ProductionOrder>([])
        .when(issue(ProductionCommand::Release))
        .then_not_found();
}

#[test]
fn a_completion_starts_the_order_and_asks_for_its_components() {
    given::<ProductionOrder>([planned("10"), released()])
        .when(issue(ProductionCommand::Complete {
            quantity: quantity("4"),
            finish: false,
        }))
        .then(vec![
            ProductionEvent::Started(ProductionStarted {}),
            completed(1, "4", "16", "4.2"),
        ]);
    given::<ProductionOrder>([planned("10")])
        .when(issue(ProductionCommand::Complete {
            quantity: quantity("4"),
            finish: false,
        }))
        .then_rejected("production.not_released");
    given::<ProductionOrder>([planned("10"), released(), completed(1, "4", "16", "4.2")])
        .when(issue(ProductionCommand::Complete {
            quantity: quantity("7"),
            finish: false,
        }))
        .then_invalid("quantity");
}

#[test]
fn the_last_consumption_costs_the_output_from_what_the_stock_said() {
    let history = [planned("10"), released(), completed(1, "4", "16", "4.2")];
    given::<ProductionOrder>(history.clone())
        .when(issue(record(1, LEG, "16", "2.5")))
        .then(vec![consumed(1, LEG, "16", "2.5")]);
    let mut after_legs = history.to_vec();
    after_legs.push(consumed(1, LEG, "16", "2.5"));
    // 16 × 2.5 + 4.2 × 30.1 = 40 + 126.42 = 166.42; operations 4 × 10;
    // (166.42 + 40) ÷ 4 = 51.605.
    given::<ProductionOrder>(after_legs.clone())
        .when(issue(record(1, TOP, "4.2", "30.1")))
        .then(vec![
            consumed(1, TOP, "4.2", "30.1"),
            ProductionEvent::OutputCosted(ProductionOutputCosted {
                completion: 1,
                product: id(TABLE),
                warehouse: id(WAREHOUSE),
                quantity: dec("4"),
                components_cost: dec("166.42"),
                operations_cost: dec("40"),
                unit_cost: dec("51.605"),
            }),
        ]);
    // Told twice (a replayed process): nothing more.
    given::<ProductionOrder>(after_legs)
        .when(issue(record(1, LEG, "16", "2.5")))
        .then_nothing();
    given::<ProductionOrder>(history)
        .when(issue(record(9, LEG, "16", "2.5")))
        .then_nothing();
}

#[test]
fn the_last_units_finish_the_order_and_let_go_of_the_rest() {
    let history = [planned("10"), released(), completed(1, "4", "16", "4.2")];
    given::<ProductionOrder>(history.clone())
        .when(issue(ProductionCommand::Complete {
            quantity: quantity("6"),
            finish: false,
        }))
        .then(vec![
            completed(2, "6", "24", "6.3"),
            ProductionEvent::Finished(ProductionOrderFinished {
                warehouse: id(WAREHOUSE),
                released: vec![held(0, LEG, "0"), held(1, TOP, "0.0")],
            }),
        ]);
    // Stopped early: what was not used is let go.
    given::<ProductionOrder>(history.clone())
        .when(issue(ProductionCommand::Finish))
        .then(vec![ProductionEvent::Finished(ProductionOrderFinished {
            warehouse: id(WAREHOUSE),
            released: vec![held(0, LEG, "24"), held(1, TOP, "6.3")],
        })]);
    given::<ProductionOrder>(history.clone())
        .when(issue(ProductionCommand::Cancel {
            reason: Label::parse("reason", "no").unwrap(),
        }))
        .then_rejected("production.partly_produced");
    given::<ProductionOrder>([planned("10"), released()])
        .when(issue(ProductionCommand::Finish))
        .then_rejected("production.nothing_produced");
}

#[test]
fn cancelling_lets_go_of_the_reservations_once_released() {
    let reason = || Label::parse("reason", "customer withdrew").unwrap();
    given::<ProductionOrder>([planned("10")])
        .when(issue(ProductionCommand::Cancel { reason: reason() }))
        .then(vec![ProductionEvent::Cancelled(ProductionOrderCancelled {
            reason: "customer withdrew".into(),
            warehouse: id(WAREHOUSE),
            released: Vec::new(),
        })]);
    given::<ProductionOrder>([planned("10"), released()])
        .when(issue(ProductionCommand::Cancel { reason: reason() }))
        .then(vec![ProductionEvent::Cancelled(ProductionOrderCancelled {
            reason: "customer withdrew".into(),
            warehouse: id(WAREHOUSE),
            released: vec![held(0, LEG, "40"), held(1, TOP, "10.5")],
        })]);
    let cancelled = ProductionEvent::Cancelled(ProductionOrderCancelled {
        reason: "customer withdrew".into(),
        warehouse: id(WAREHOUSE),
        released: Vec::new(),
    });
    given::<ProductionOrder>([planned("10"), cancelled])
        .when(issue(ProductionCommand::Release))
        .then_rejected("production.not_open");
}

#[test]
fn operations_alone_are_costed_at_once() {
    let mut plan = plan_tables("2");
    if let ProductionCommand::Plan(plan) = &mut plan {
        plan.components.clear();
    }
    let planned = ProductionOrder::decide(&None, &issue(plan)).unwrap();
    let mut state = None;
    for event in &planned {
        state = ProductionOrder::evolve(state, event);
    }
    state = ProductionOrder::evolve(
        state,
        &ProductionEvent::Released(ProductionOrderReleased {
            warehouse: id(WAREHOUSE),
            reservations: Vec::new(),
        }),
    );
    let events = ProductionOrder::decide(
        &state,
        &issue(ProductionCommand::Complete {
            quantity: quantity("2"),
            finish: false,
        }),
    )
    .unwrap();
    let costed = events
        .iter()
        .find_map(|event| match event {
            ProductionEvent::OutputCosted(costed) => Some(costed.unit_cost),
            _ => None,
        })
        .expect("costed at once");
    assert_eq!(costed, dec("10"));
    assert!(matches!(events.last(), Some(ProductionEvent::Finished(_))));
}

proptest! {
    /// However a run is split into completions and whatever the stock
    /// charged, the output's cost is the components' cost plus the
    /// operations', within the rounding of one unit cost per completion.
    #[test]
    fn completions_carry_every_cost_into_the_output(
        splits in prop::collection::vec(1u32..5, 1..6),
        leg_cost in 0u32..100_000,
        top_cost in 0u32..100_000,
    ) {
        let total: u32 = splits.iter().sum();
        let mut state = None;
        let mut history = vec![planned(&total.to_string()), released()];
        for event in &history {
            state = ProductionOrder::evolve(state, event);
        }
        let leg_cost = Decimal::new(i64::from(leg_cost), 3);
        let top_cost = Decimal::new(i64::from(top_cost), 3);
        let mut output_value = Decimal::ZERO;
        let mut charged = Decimal::ZERO;
        for units in &splits {
            let decided = ProductionOrder::decide(&state, &issue(ProductionCommand::Complete {
                quantity: Quantity::parse("q", Decimal::from(*units)).unwrap(),
                finish: false,
            })).unwrap();
            let mut asks = Vec::new();
            for event in &decided {
                if let ProductionEvent::Completed(completed) = event {
                    asks.push((completed.completion, completed.consumed.clone()));
                }
                state = ProductionOrder::evolve(state, event);
                history.push(event.clone());
            }
            for (completion, consumed) in asks {
                for used in consumed {
                    let cost = if used.product == id(LEG) { leg_cost } else { top_cost };
                    charged += used.quantity * cost;
                    let told = ProductionOrder::decide(&state, &issue(ProductionCommand::RecordConsumption {
                        completion,
                        product: used.product,
                        quantity: used.quantity,
                        unit_cost: cost,
                    })).unwrap();
                    for event in &told {
                        if let ProductionEvent::OutputCosted(costed) = event {
                            output_value += costed.quantity * costed.unit_cost;
                            prop_assert!(costed.unit_cost.scale() <= 4, "rounded once, to four places");
                        }
                        state = ProductionOrder::evolve(state, event);
                    }
                }
            }
        }
        let expected = charged + Decimal::from(total) * dec("10");
        let tolerance = Decimal::new(5, 5) * Decimal::from(total);
        prop_assert!((output_value - expected).abs() <= tolerance,
            "output {output_value} against {expected}");
        let order = state.unwrap();
        prop_assert_eq!(order.status, ProductionStatus::Done);
        prop_assert!(order.pending.is_empty());
    }
}
