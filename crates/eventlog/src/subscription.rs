//! Catch-up-then-live subscriptions.
//!
//! A subscription reads the log from its position in pages, then waits for
//! the writer to publish a new head and reads again. The log itself is the
//! buffer: the subscription holds at most one page, the writer only keeps
//! the latest head in a watch channel, so a slow subscriber costs neither
//! the writer nor memory, and because every read is by position there are
//! no gaps and no duplicates, whether an event arrives during catch-up or
//! live.

use std::collections::VecDeque;

use tokio::sync::watch;

use crate::EventLog;
use crate::error::{Error, Result};
use crate::event::{Head, RecordedEvent};
use crate::read::ReadFilter;

/// Events a subscription reads from the log per page.
pub const SUBSCRIPTION_PAGE_EVENTS: usize = 512;

/// Yields every event after a position, in order, exactly once.
#[derive(Debug)]
pub struct Subscription {
    log: EventLog,
    committed: watch::Receiver<Head>,
    next_position: u64,
    filter: ReadFilter,
    page: VecDeque<RecordedEvent>,
}

impl EventLog {
    /// Subscribes to every event after `after_position` (0 for the whole
    /// log), in order: first those already stored, then new ones as they
    /// become durable.
    pub fn subscribe(&self, after_position: u64) -> Subscription {
        self.subscribe_filtered(after_position, ReadFilter::all())
    }

    /// Like [`Self::subscribe`], delivering only events matching `filter`.
    pub fn subscribe_filtered(&self, after_position: u64, filter: ReadFilter) -> Subscription {
        Subscription {
            log: self.clone(),
            committed: self.inner.committed.clone(),
            next_position: after_position.saturating_add(1),
            filter,
            page: VecDeque::new(),
        }
    }
}

impl Subscription {
    /// The next event; waits while the subscriber is at the head. A
    /// subscription keeps the log open while it lives.
    pub async fn next(&mut self) -> Result<RecordedEvent> {
        loop {
            if let Some(event) = self.page.pop_front() {
                return Ok(event);
            }
            let committed = self.committed.borrow_and_update().position;
            if self.next_position <= committed {
                let page = self.log.read_all(
                    self.next_position,
                    SUBSCRIPTION_PAGE_EVENTS,
                    &self.filter,
                )?;
                self.next_position = page.next_position;
                self.page.extend(page.events);
                continue;
            }
            // A head published after the borrow above marks the channel
            // changed, so this cannot miss a wake-up.
            if self.committed.changed().await.is_err() {
                return Err(Error::Closed);
            }
        }
    }

    /// The position the subscription will read next.
    pub fn next_position(&self) -> u64 {
        self.next_position
    }
}
