//! The reference the event log is measured against: the same envelope in an
//! SQLite events table (WAL, `synchronous=FULL`, unique indexes on event id
//! and (stream, version)), written by one writer thread that commits
//! whatever is queued in one transaction. With `group_appends_max = 1` it
//! is the common "one transaction per append" design.

use std::path::Path;
use std::thread::JoinHandle;

use anyhow::Context as _;
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

pub struct SqliteAppend {
    pub stream: String,
    pub expected_version: Option<u64>,
    pub events: Vec<(Uuid, String, Vec<u8>)>,
    pub reply: oneshot::Sender<anyhow::Result<u64>>,
}

pub struct SqliteLog {
    sender: Option<mpsc::Sender<SqliteAppend>>,
    writer: Option<JoinHandle<anyhow::Result<()>>>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
    position INTEGER PRIMARY KEY,
    stream TEXT NOT NULL,
    version INTEGER NOT NULL,
    event_id BLOB NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    occurred_at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    correlation_id BLOB NOT NULL,
    causation_id BLOB,
    payload BLOB NOT NULL,
    hash BLOB NOT NULL,
    UNIQUE (stream, version)
);";

pub fn open_connection(path: &Path, durable: bool) -> anyhow::Result<Connection> {
    let connection = Connection::open(path).context("failed to open sqlite")?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", if durable { "FULL" } else { "NORMAL" })?;
    connection.execute_batch(SCHEMA)?;
    Ok(connection)
}

impl SqliteLog {
    pub fn open(path: &Path, durable: bool, group_appends_max: usize) -> anyhow::Result<Self> {
        let connection = open_connection(path, durable)?;
        let (sender, receiver) = mpsc::channel(4_096);
        let writer =
            std::thread::spawn(move || writer_loop(connection, receiver, group_appends_max));
        Ok(Self {
            sender: Some(sender),
            writer: Some(writer),
        })
    }

    pub fn sender(&self) -> mpsc::Sender<SqliteAppend> {
        self.sender.clone().expect("open")
    }

    pub fn close(mut self) -> anyhow::Result<()> {
        self.sender.take();
        if let Some(writer) = self.writer.take() {
            writer
                .join()
                .map_err(|_| anyhow::anyhow!("sqlite writer panicked"))??;
        }
        Ok(())
    }
}

fn writer_loop(
    mut connection: Connection,
    mut receiver: mpsc::Receiver<SqliteAppend>,
    group_appends_max: usize,
) -> anyhow::Result<()> {
    let (mut position, mut hash): (u64, Vec<u8>) = connection
        .query_row(
            "SELECT position, hash FROM events ORDER BY position DESC LIMIT 1",
            [],
            |row| Ok((row.get::<_, i64>(0)? as u64, row.get(1)?)),
        )
        .optional()?
        .unwrap_or((0, vec![0; 32]));
    let mut group = Vec::new();
    while let Some(first) = receiver.blocking_recv() {
        group.push(first);
        while group.len() < group_appends_max {
            match receiver.try_recv() {
                Ok(next) => group.push(next),
                Err(_) => break,
            }
        }
        let now = chrono::Utc::now().timestamp_micros();
        let transaction =
            connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut answers = Vec::with_capacity(group.len());
        {
            let mut find_id =
                transaction.prepare_cached("SELECT position FROM events WHERE event_id = ?1")?;
            let mut find_version =
                transaction.prepare_cached("SELECT max(version) FROM events WHERE stream = ?1")?;
            let mut insert = transaction.prepare_cached(
                "INSERT INTO events (position, stream, version, event_id, event_type, schema_version, \
                 recorded_at, occurred_at, actor, correlation_id, causation_id, payload, hash) \
                 VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?6, 'system:bench', ?7, NULL, ?8, ?9)",
            )?;
            for append in group.drain(..) {
                let first_id = append.events[0].0;
                let existing: Option<i64> = find_id
                    .query_row([first_id.as_bytes().as_slice()], |row| row.get(0))
                    .optional()?;
                if let Some(existing) = existing {
                    answers.push((append.reply, Ok(existing as u64)));
                    continue;
                }
                let current: Option<i64> =
                    find_version.query_row([&append.stream], |row| row.get(0))?;
                let current = current.map(|version| version as u64);
                if append.expected_version.is_some() && append.expected_version != current {
                    answers.push((append.reply, Err(anyhow::anyhow!("wrong expected version"))));
                    continue;
                }
                let first_position = position + 1;
                let first_version = current.map_or(0, |version| version + 1);
                for (version, (event_id, event_type, payload)) in
                    (first_version..).zip(&append.events)
                {
                    position += 1;
                    let mut hasher = Sha256::new();
                    hasher.update(&hash);
                    hasher.update(position.to_le_bytes());
                    hasher.update(append.stream.as_bytes());
                    hasher.update(event_id.as_bytes());
                    hasher.update(payload);
                    hash = hasher.finalize().to_vec();
                    insert.execute(params![
                        position as i64,
                        append.stream,
                        version as i64,
                        event_id.as_bytes().as_slice(),
                        event_type,
                        now,
                        first_id.as_bytes().as_slice(),
                        payload,
                        hash,
                    ])?;
                }
                answers.push((append.reply, Ok(first_position)));
            }
        }
        transaction.commit()?;
        for (reply, answer) in answers {
            let _ = reply.send(answer);
        }
    }
    Ok(())
}

/// A decoded row, as a projection would consume it.
#[allow(dead_code)] // the fields are read only to make the decode real
pub struct SqliteEvent {
    pub position: u64,
    pub stream: String,
    pub version: u64,
    pub event_id: Vec<u8>,
    pub event_type: String,
    pub recorded_at: i64,
    pub actor: String,
    pub payload: Vec<u8>,
    pub hash: Vec<u8>,
}

/// Reads every row in position order and decodes it; returns the count.
pub fn replay(path: &Path) -> anyhow::Result<u64> {
    let connection = open_connection(path, false)?;
    let mut statement = connection.prepare(
        "SELECT position, stream, version, event_id, event_type, recorded_at, actor, payload, hash \
         FROM events ORDER BY position",
    )?;
    let mut rows = statement.query([])?;
    let mut count = 0u64;
    let mut checksum = 0u64;
    while let Some(row) = rows.next()? {
        let event = SqliteEvent {
            position: row.get::<_, i64>(0)? as u64,
            stream: row.get(1)?,
            version: row.get::<_, i64>(2)? as u64,
            event_id: row.get(3)?,
            event_type: row.get(4)?,
            recorded_at: row.get(5)?,
            actor: row.get(6)?,
            payload: row.get(7)?,
            hash: row.get(8)?,
        };
        checksum = checksum.wrapping_add(event.position ^ event.payload.len() as u64);
        count += 1;
    }
    std::hint::black_box(checksum);
    Ok(count)
}
