//! Stock movements for the trade benchmark: receipts and issues of every
//! product in one warehouse over five years, a few of them entered late
//! with an earlier business date (back-dated), each decided by the real
//! stock decider and appended in bulk.

use std::time::{Duration, Instant};

use chrono::{DateTime, Duration as Days, NaiveDate, TimeZone, Utc};
use domain::catalog::{Quantity, UnitPrice};
use domain::ids::{ProductId, UserId, WarehouseId};
use domain::inventory::{Stock, StockCommand, StockState};
use domain::{Decider, DomainEvent, Issued};
use eventlog::{Actor, AppendMeta, EventLog, ExpectedVersion, NewEvent, StreamName};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use uuid::Uuid;

/// Events per append: the log's limit is 1,000.
const APPEND_EVENTS: usize = 500;

/// What was written.
#[derive(Clone, Copy, Debug)]
pub struct StockHistory {
    pub movements: u64,
    pub backdated: u64,
    pub elapsed: Duration,
}

fn noon(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(12, 0, 0).unwrap_or_default())
}

/// Appends `per_product` movements for each of `products` in `warehouse`,
/// spread over `days` days from `first_day`; about one in a hundred is
/// back-dated by up to 30 days.
pub fn append(
    log: &EventLog,
    products: &[ProductId],
    warehouse: WarehouseId,
    per_product: usize,
    first_day: NaiveDate,
    days: u32,
) -> anyhow::Result<StockHistory> {
    let started = Instant::now();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let user = UserId::from_uuid(Uuid::nil());
    let mut movements = 0;
    let mut backdated = 0;
    for product in products {
        let stream = StreamName::from_parts("stock", format!("{product}-{warehouse}"))?;
        let mut expected = match log.stream_version(&stream)? {
            Some(version) => ExpectedVersion::Exact(version),
            None => ExpectedVersion::NoStream,
        };
        let mut state = StockState::default();
        let mut batch = Vec::with_capacity(APPEND_EVENTS);
        for index in 0..per_product {
            let day_index = (index as u64 * u64::from(days) / per_product as u64) as i64;
            let mut day = first_day + Days::days(day_index);
            if rng.random_range(0..100) == 0 && day_index > 30 {
                day -= Days::days(rng.random_range(1..=30));
                backdated += 1;
            }
            let command = if state.on_hand < Decimal::from(50) || index % 4 == 0 {
                StockCommand::Receive {
                    quantity: Quantity::parse(
                        "quantity",
                        Decimal::from(rng.random_range(50..200)),
                    )?,
                    unit_cost: UnitPrice::parse(
                        "unit_cost",
                        Decimal::new(rng.random_range(100..10_000), 2),
                    )?,
                    reference: None,
                }
            } else {
                StockCommand::Issue {
                    quantity: Quantity::parse("quantity", Decimal::from(rng.random_range(1..20)))?,
                    reservation: None,
                    reference: None,
                    negative_allowed: false,
                }
            };
            let issued = Issued::new(user, noon(day), command);
            for event in Stock::decide(&state, &issued)? {
                batch.push(
                    NewEvent::new(Uuid::now_v7(), event.event_type(), event.encode())
                        .with_schema_version(event.schema_version())
                        .occurred_at(noon(day)),
                );
                state = Stock::evolve(state, &event);
                movements += 1;
            }
            if batch.len() >= APPEND_EVENTS {
                let outcome = log.append_blocking(
                    &stream,
                    expected,
                    std::mem::take(&mut batch),
                    AppendMeta::new(Actor::system("bench-trade"), Uuid::now_v7()),
                )?;
                expected = ExpectedVersion::Exact(outcome.last_version);
            }
        }
        if !batch.is_empty() {
            log.append_blocking(
                &stream,
                expected,
                batch,
                AppendMeta::new(Actor::system("bench-trade"), Uuid::now_v7()),
            )?;
        }
    }
    log.sync_blocking()?;
    Ok(StockHistory {
        movements,
        backdated,
        elapsed: started.elapsed(),
    })
}
