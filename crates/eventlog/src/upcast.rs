//! Upcasters: reading old events as today's shape.
//!
//! History is never rewritten. When an event's payload changes shape, its
//! schema version goes up and an upcaster is registered that turns the old
//! payload into the next version's. Reads apply the chain (v1 → v2 → v3…)
//! so the domain only ever sees the current shape, while the stored bytes
//! and their hashes stay exactly as they were written.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::event::RecordedEvent;

/// Turns a payload of one schema version into the next version's payload.
pub type UpcastFn = dyn Fn(&[u8]) -> std::result::Result<Vec<u8>, String> + Send + Sync;

/// Opens payloads stored sealed (their personal fields encrypted, ADR
/// 0018) before upcasting: given a record as stored, it may replace its
/// payload and schema version with the plain ones. Records it does not
/// recognise as sealed are left alone.
pub trait PayloadOpener: Send + Sync {
    fn open(&self, event: &mut RecordedEvent) -> std::result::Result<(), String>;
}

/// Upcasters keyed by (event type, schema version they read), and the
/// opener of sealed payloads that runs first.
#[derive(Default)]
pub struct UpcasterRegistry {
    upcasters: HashMap<(String, u16), Box<UpcastFn>>,
    opener: Option<Arc<dyn PayloadOpener>>,
}

impl fmt::Debug for UpcasterRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut keys: Vec<_> = self.upcasters.keys().collect();
        keys.sort();
        f.debug_struct("UpcasterRegistry")
            .field("upcasters", &keys)
            .field("opener", &self.opener.is_some())
            .finish()
    }
}

/// Registering a second upcaster for the same (type, version) is a bug in
/// the caller's wiring.
#[derive(Debug, thiserror::Error)]
#[error("an upcaster for {event_type} v{schema_version} is already registered")]
pub struct DuplicateUpcaster {
    pub event_type: String,
    pub schema_version: u16,
}

impl UpcasterRegistry {
    pub fn new() -> Self {
        Self::default()
    }

    /// Opens sealed payloads with `opener` before any upcaster runs.
    #[must_use]
    pub fn opening_with(mut self, opener: Arc<dyn PayloadOpener>) -> Self {
        self.opener = Some(opener);
        self
    }

    /// Registers how `event_type` payloads of `from_version` become
    /// `from_version + 1` payloads.
    pub fn register(
        &mut self,
        event_type: &str,
        from_version: u16,
        upcast: impl Fn(&[u8]) -> std::result::Result<Vec<u8>, String> + Send + Sync + 'static,
    ) -> std::result::Result<(), DuplicateUpcaster> {
        let key = (event_type.to_owned(), from_version);
        if self.upcasters.contains_key(&key) || from_version == u16::MAX {
            return Err(DuplicateUpcaster {
                event_type: event_type.to_owned(),
                schema_version: from_version,
            });
        }
        self.upcasters.insert(key, Box::new(upcast));
        Ok(())
    }

    /// The schema version an event of this type and version reads as after
    /// all upcasters ran.
    pub fn current_version(&self, event_type: &str, mut schema_version: u16) -> u16 {
        while self
            .upcasters
            .contains_key(&(event_type.to_owned(), schema_version))
        {
            schema_version += 1;
        }
        schema_version
    }

    /// Brings an event up to the newest shape its type has. The hash keeps
    /// naming the stored bytes, so audits still see what was written.
    pub fn upcast(&self, mut event: RecordedEvent) -> Result<RecordedEvent> {
        if let Some(opener) = &self.opener {
            let stored_version = event.schema_version;
            opener.open(&mut event).map_err(|reason| Error::Upcast {
                position: event.position,
                event_type: event.event_type.clone(),
                schema_version: stored_version,
                reason,
            })?;
        }
        if self.upcasters.is_empty() {
            return Ok(event);
        }
        let mut key = (std::mem::take(&mut event.event_type), event.schema_version);
        while let Some(upcast) = self.upcasters.get(&key) {
            event.payload = upcast(&event.payload).map_err(|reason| Error::Upcast {
                position: event.position,
                event_type: key.0.clone(),
                schema_version: key.1,
                reason,
            })?;
            // `register` refuses u16::MAX, so this cannot overflow.
            key.1 += 1;
        }
        event.event_type = key.0;
        event.schema_version = key.1;
        Ok(event)
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use uuid::Uuid;

    use super::*;
    use crate::event::Actor;
    use crate::stream::StreamName;

    fn stored(event_type: &str, schema_version: u16, payload: &[u8]) -> RecordedEvent {
        RecordedEvent {
            position: 3,
            stream: StreamName::parse("customer-1").unwrap(),
            version: 0,
            event_id: Uuid::from_u128(1),
            event_type: event_type.to_owned(),
            schema_version,
            recorded_at: Utc::now(),
            occurred_at: Utc::now(),
            actor: Actor::system("test"),
            correlation_id: Uuid::from_u128(2),
            causation_id: None,
            payload: payload.to_vec(),
            hash: [7; 32],
        }
    }

    fn registry() -> UpcasterRegistry {
        let mut registry = UpcasterRegistry::new();
        registry
            .register("CustomerRegistered", 1, |payload| {
                let mut next = payload.to_vec();
                next.extend_from_slice(b"+v2");
                Ok(next)
            })
            .unwrap();
        registry
            .register("CustomerRegistered", 2, |payload| {
                let mut next = payload.to_vec();
                next.extend_from_slice(b"+v3");
                Ok(next)
            })
            .unwrap();
        registry
    }

    #[test]
    fn an_old_event_is_upcast_through_every_version_in_order() {
        let event = registry()
            .upcast(stored("CustomerRegistered", 1, b"v1"))
            .unwrap();
        assert_eq!(event.schema_version, 3);
        assert_eq!(event.payload, b"v1+v2+v3");
        assert_eq!(event.hash, [7; 32], "the hash still names the stored bytes");
    }

    #[test]
    fn a_current_event_and_an_unknown_type_pass_unchanged() {
        let registry = registry();
        let current = registry
            .upcast(stored("CustomerRegistered", 3, b"v3"))
            .unwrap();
        assert_eq!(
            (current.schema_version, current.payload.as_slice()),
            (3, &b"v3"[..])
        );
        let other = registry.upcast(stored("DealWon", 1, b"x")).unwrap();
        assert_eq!(
            (other.schema_version, other.event_type.as_str()),
            (1, "DealWon")
        );
        assert_eq!(registry.current_version("CustomerRegistered", 1), 3);
    }

    #[test]
    fn a_failing_upcaster_reports_the_position_and_version() {
        let mut registry = UpcasterRegistry::new();
        registry
            .register("DealWon", 1, |_| Err("amount missing".to_owned()))
            .unwrap();
        let error = registry.upcast(stored("DealWon", 1, b"x")).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("position 3") && message.contains("schema version 1"),
            "{message}"
        );
    }

    #[test]
    fn registering_the_same_version_twice_is_refused() {
        let mut registry = registry();
        let error = registry
            .register("CustomerRegistered", 1, |p| Ok(p.to_vec()))
            .unwrap_err();
        assert_eq!(error.schema_version, 1);
        assert!(
            registry
                .register("X", u16::MAX, |p| Ok(p.to_vec()))
                .is_err()
        );
    }

    /// Opens version 0x8001 by dropping its first byte; refuses 0x8002.
    struct TestOpener;

    impl PayloadOpener for TestOpener {
        fn open(&self, event: &mut RecordedEvent) -> std::result::Result<(), String> {
            match event.schema_version {
                0x8001 => {
                    event.payload.remove(0);
                    event.schema_version = 1;
                    Ok(())
                }
                0x8002 => Err("no key".to_owned()),
                _ => Ok(()),
            }
        }
    }

    /// Protects the order of reading sealed history: the opener runs
    /// before the upcasters, so an opened v1 payload is then upcast; a
    /// payload it cannot open is an error naming the record's position and
    /// stored version, never skipped; the hash still names stored bytes.
    #[test]
    fn sealed_payloads_are_opened_before_upcasting() {
        let registry = registry().opening_with(Arc::new(TestOpener));
        let event = registry
            .upcast(stored("CustomerRegistered", 0x8001, b"Xv1"))
            .unwrap();
        assert_eq!(
            (event.schema_version, event.payload.as_slice()),
            (3, &b"v1+v2+v3"[..])
        );
        assert_eq!(event.hash, [7; 32]);
        let plain = UpcasterRegistry::new()
            .opening_with(Arc::new(TestOpener))
            .upcast(stored("Noted", 1, b"n"))
            .unwrap();
        assert_eq!(plain.payload, b"n");
        match registry.upcast(stored("CustomerRegistered", 0x8002, b"x")) {
            Err(Error::Upcast {
                position,
                schema_version,
                reason,
                ..
            }) => assert_eq!(
                (position, schema_version, reason.as_str()),
                (3, 0x8002, "no key")
            ),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
}
