//! The reference for the trade benchmark: the same order lines in SQLite,
//! loaded the way a careful engineer would (one transaction, a prepared
//! statement, an index that covers the report), and the same report.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use rusqlite::{Connection, params};

/// Monthly revenue by category: (category, month 1–12) → cents.
pub type MonthlyByCategory = BTreeMap<(String, u32), i64>;

pub struct SqliteSales {
    connection: Connection,
}

/// What loading the rows took.
#[derive(Debug)]
pub struct LoadReport {
    pub rows: u64,
    pub load: Duration,
    pub index: Duration,
}

fn cents(text: &str) -> anyhow::Result<i64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, "0"));
    let fraction = format!("{fraction:0<2}");
    Ok(whole.parse::<i64>()? * 100 + fraction[..2].parse::<i64>()?)
}

impl SqliteSales {
    /// Loads `orders_csv` (the generated flat order lines) into a fresh
    /// database at `database`.
    pub fn load(orders_csv: &Path, database: &Path) -> anyhow::Result<(Self, LoadReport)> {
        let _ = std::fs::remove_file(database);
        let mut connection = Connection::open(database)?;
        connection.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-262144;
             CREATE TABLE order_lines (
                 order_no TEXT NOT NULL, order_date TEXT NOT NULL, ship_date TEXT NOT NULL,
                 customer_id TEXT NOT NULL, product_id TEXT NOT NULL, category TEXT NOT NULL,
                 quantity INTEGER NOT NULL, amount_cents INTEGER NOT NULL, cost_cents INTEGER NOT NULL);",
        )?;
        let started = Instant::now();
        let file = std::fs::File::open(orders_csv)
            .with_context(|| format!("failed to open {}", orders_csv.display()))?;
        let mut rows = 0;
        let transaction = connection.transaction()?;
        {
            let mut insert = transaction
                .prepare("INSERT INTO order_lines VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")?;
            for line in std::io::BufReader::with_capacity(1 << 20, file)
                .lines()
                .skip(1)
            {
                let line = line?;
                let cells: Vec<&str> = line.split(',').collect();
                anyhow::ensure!(cells.len() == 13, "a malformed generated line: {line}");
                let quantity: i64 = cells[8].parse()?;
                insert.execute(params![
                    cells[0],
                    cells[1],
                    cells[2],
                    cells[3],
                    cells[5],
                    cells[7],
                    quantity,
                    cents(cells[11])?,
                    cents(cells[12])? * quantity,
                ])?;
                rows += 1;
            }
        }
        transaction.commit()?;
        let load = started.elapsed();
        let started = Instant::now();
        connection.execute_batch(
            "CREATE INDEX order_lines_by_ship_date ON order_lines (ship_date, category, amount_cents); ANALYZE;",
        )?;
        let index = started.elapsed();
        Ok((Self { connection }, LoadReport { rows, load, index }))
    }

    /// Revenue (net, by ship date) per category and month of `year`.
    pub fn monthly_revenue_by_category(&self, year: i32) -> anyhow::Result<MonthlyByCategory> {
        let mut statement = self.connection.prepare_cached(
            "SELECT category, CAST(substr(ship_date, 6, 2) AS INTEGER) AS month, SUM(amount_cents)
             FROM order_lines WHERE ship_date >= ?1 AND ship_date < ?2
             GROUP BY category, month",
        )?;
        let from = format!("{year}-01-01");
        let to = format!("{}-01-01", year + 1);
        let rows = statement.query_map(params![from, to], |row| {
            Ok((
                (row.get::<_, String>(0)?, row.get::<_, u32>(1)?),
                row.get::<_, i64>(2)?,
            ))
        })?;
        let mut report = MonthlyByCategory::new();
        for row in rows {
            let (key, cents) = row?;
            report.insert(key, cents);
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cents_reads_the_generated_amounts() {
        assert_eq!(cents("12.34").unwrap(), 1234);
        assert_eq!(cents("7.5").unwrap(), 750);
        assert_eq!(cents("3").unwrap(), 300);
    }
}
