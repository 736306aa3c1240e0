//! Personal data in events, sealed per data subject (ADR 0018).
//!
//! An event of a personal category (a party, an interaction, a lead) names
//! its personal fields: a party's names, job title, channel values and
//! labels, tags, source, custom values and archive reason; an
//! interaction's subject, body and withdrawal reason; a lead's title,
//! contact, company, email, phone and source. Everything else (kinds,
//! ids, owners, branches, amounts, dates) stays readable.
//!
//! [`seal`] stores such an event as a sealed envelope: the event with its
//! personal fields blanked, and the fields themselves encrypted with the
//! subject's key ([`SubjectKeys`]; the subject is the event's aggregate).
//! Its schema version carries [`SEALED`]. [`open`] reads it back; when the
//! subject was erased the fields stay blank and the answer says so.
//! Events recorded before sealing existed decode as they always did.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::codec::{DecodeError, DomainEvent, decode_payload, encode_payload};

/// The schema-version bit of a sealed envelope; the rest is the inner
/// event's own schema version.
pub const SEALED: u16 = 0x8000;

/// One personal field, taken out of its event and put back.
pub trait Slot {
    /// The field's value, encoded; the field is left at its blank value.
    fn take(&mut self) -> Vec<u8>;
    /// Puts an encoded value back into the field.
    fn restore(&mut self, bytes: &[u8]) -> Result<(), DecodeError>;
}

struct FieldSlot<'a, T>(&'a mut T);

impl<T: Serialize + DeserializeOwned + Default> Slot for FieldSlot<'_, T> {
    fn take(&mut self) -> Vec<u8> {
        encode_payload(&std::mem::take(self.0))
    }

    fn restore(&mut self, bytes: &[u8]) -> Result<(), DecodeError> {
        *self.0 = decode_payload("personal field", bytes)?;
        Ok(())
    }
}

/// A personal field as a [`Slot`]; its blank value is its `Default`.
pub fn slot<T: Serialize + DeserializeOwned + Default>(field: &mut T) -> Box<dyn Slot + '_> {
    Box::new(FieldSlot(field))
}

/// The personal fields an event holds.
pub trait PersonalData {
    /// Whether events of this aggregate are about a data subject (the
    /// aggregate itself).
    const PERSONAL: bool = false;

    /// The event's personal fields, always in the same order.
    fn personal_slots(&mut self) -> Vec<Box<dyn Slot + '_>> {
        Vec::new()
    }
}

/// Sealed bytes: the nonce and the ciphertext with its tag.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    pub nonce: [u8; 24],
    pub ciphertext: Vec<u8>,
}

/// Why a subject's key could not seal or open.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Nothing personal may be recorded about an erased subject.
    #[error("subject {0} was erased")]
    Erased(Uuid),
    #[error("{0}")]
    Failed(String),
}

/// The keys of the data subjects: the application hands the vault in.
pub trait SubjectKeys: Send + Sync {
    fn seal(&self, subject: Uuid, plaintext: &[u8]) -> Result<Sealed, KeyError>;
    /// `Ok(None)`: the subject was erased.
    fn open(&self, subject: Uuid, sealed: &Sealed) -> Result<Option<Vec<u8>>, KeyError>;
    /// Destroys the subject's key for good; whether one was destroyed now.
    fn erase(&self, subject: Uuid) -> Result<bool, KeyError>;
}

/// The stored form of a sealed event.
#[derive(Serialize, Deserialize)]
struct Envelope {
    subject: Uuid,
    sealed: Sealed,
    /// The event with its personal fields blanked, as it encodes.
    public: Vec<u8>,
}

/// How a decoded event's personal fields read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Personal {
    /// Recorded before sealing existed, or without personal fields.
    Plain,
    /// Sealed and opened with the subject's key.
    Opened,
    /// Sealed for a subject that was erased: its fields are blank.
    Erased,
}

/// The schema version and payload to store for `event` of aggregate
/// `subject`: sealed when it holds personal fields.
pub fn seal<E>(event: &E, subject: Uuid, keys: &dyn SubjectKeys) -> Result<(u16, Vec<u8>), KeyError>
where
    E: DomainEvent,
{
    let version = event.schema_version();
    if !E::PERSONAL {
        return Ok((version, event.encode()));
    }
    let mut public = event.clone();
    let fields: Vec<Vec<u8>> = public
        .personal_slots()
        .iter_mut()
        .map(|slot| slot.take())
        .collect();
    if fields.is_empty() {
        return Ok((version, event.encode()));
    }
    let sealed = keys.seal(subject, &encode_payload(&fields))?;
    let envelope = Envelope {
        subject,
        sealed,
        public: public.encode(),
    };
    Ok((version | SEALED, encode_payload(&envelope)))
}

/// Decodes a stored event, opening its personal fields with `keys`.
pub fn open<E>(
    event_type: &str,
    schema_version: u16,
    payload: &[u8],
    keys: &dyn SubjectKeys,
) -> Result<(E, Personal), DecodeError>
where
    E: DomainEvent,
{
    if schema_version & SEALED == 0 {
        return Ok((
            E::decode(event_type, schema_version, payload)?,
            Personal::Plain,
        ));
    }
    let unreadable = |reason: String| DecodeError::Malformed {
        event_type: event_type.to_owned(),
        reason,
    };
    let envelope: Envelope = decode_payload(event_type, payload)?;
    let mut event = E::decode(event_type, schema_version & !SEALED, &envelope.public)?;
    let opened = keys
        .open(envelope.subject, &envelope.sealed)
        .map_err(|error| unreadable(format!("sealed fields: {error}")))?;
    let Some(plaintext) = opened else {
        return Ok((event, Personal::Erased));
    };
    let fields: Vec<Vec<u8>> = decode_payload(event_type, &plaintext)?;
    let mut slots = event.personal_slots();
    if slots.len() != fields.len() {
        return Err(unreadable(format!(
            "{} sealed fields for {} personal fields",
            fields.len(),
            slots.len()
        )));
    }
    for (slot, bytes) in slots.iter_mut().zip(&fields) {
        slot.restore(bytes)?;
    }
    drop(slots);
    Ok((event, Personal::Opened))
}

/// The subject a stored event was sealed for, if it was.
pub fn sealed_subject(schema_version: u16, payload: &[u8]) -> Option<Uuid> {
    if schema_version & SEALED == 0 {
        return None;
    }
    decode_payload::<Envelope>("sealed", payload)
        .ok()
        .map(|envelope| envelope.subject)
}

/// Keys for readers that have none: every sealed field reads as erased,
/// and nothing can be sealed. For tools that read the log without the
/// data folder's vault.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoKeys;

impl SubjectKeys for NoKeys {
    fn seal(&self, subject: Uuid, _: &[u8]) -> Result<Sealed, KeyError> {
        Err(KeyError::Failed(format!(
            "no keys to seal subject {subject}'s personal data"
        )))
    }

    fn open(&self, _: Uuid, _: &Sealed) -> Result<Option<Vec<u8>>, KeyError> {
        Ok(None)
    }

    fn erase(&self, subject: Uuid) -> Result<bool, KeyError> {
        Err(KeyError::Failed(format!(
            "no keys to erase subject {subject}"
        )))
    }
}

macro_rules! impersonal {
    ($($event:ty),+ $(,)?) => {
        $( impl PersonalData for $event {} )+
    };
}

impersonal!(
    crate::pipeline::PipelineEvent,
    crate::pipeline::DealEvent,
    crate::planning::TaskEvent,
    crate::planning::CalendarEvent,
    crate::catalog::ProductEvent,
    crate::catalog::PriceListEvent,
    crate::inventory::WarehouseEvent,
    crate::inventory::StockEvent,
    crate::sales::OrderEvent,
    crate::sales::SaleEvent,
    crate::finance::AccountEvent,
    crate::finance::SeriesEvent,
    crate::access::UserEvent,
    crate::retention::RetentionEvent,
    crate::branch::BranchEvent,
    crate::group::GroupEvent,
    crate::purchasing::PurchaseEvent,
    crate::quotes::QuoteEvent,
    crate::fleet::VehicleEvent,
    crate::fleet::ZoneEvent,
    crate::fleet::RouteEvent,
    crate::currency::CompanyEvent,
    crate::currency::RatesEvent,
    crate::sourcing::SourcingEvent,
    crate::payables::PayableEvent,
    crate::production::BomEvent,
    crate::production::ProductionEvent,
);

#[cfg(test)]
mod tests;
