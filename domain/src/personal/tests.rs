#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::sync::Mutex;

use proptest::prelude::*;

use super::*;
use crate::channel::ChannelKind;
use crate::ids::{ChannelId, UserId};
use crate::parties::{ChannelAdded, PartyEvent, PartyNameData, PartyRegistered};

/// Keys for tests: "seals" by XOR with a byte per subject (not a cipher;
/// the vault's own tests cover the cryptography) and forgets erased ones.
#[derive(Default)]
struct TestKeys {
    erased: Mutex<BTreeSet<Uuid>>,
}

impl TestKeys {
    fn mask(subject: Uuid) -> u8 {
        subject.as_bytes()[15] | 0x80
    }
}

impl SubjectKeys for TestKeys {
    fn seal(&self, subject: Uuid, plaintext: &[u8]) -> Result<Sealed, KeyError> {
        if self.erased.lock().unwrap().contains(&subject) {
            return Err(KeyError::Erased(subject));
        }
        let mask = Self::mask(subject);
        Ok(Sealed {
            nonce: [0; 24],
            ciphertext: plaintext.iter().map(|byte| byte ^ mask).collect(),
        })
    }

    fn open(&self, subject: Uuid, sealed: &Sealed) -> Result<Option<Vec<u8>>, KeyError> {
        if self.erased.lock().unwrap().contains(&subject) {
            return Ok(None);
        }
        let mask = Self::mask(subject);
        Ok(Some(
            sealed.ciphertext.iter().map(|byte| byte ^ mask).collect(),
        ))
    }

    fn erase(&self, subject: Uuid) -> Result<bool, KeyError> {
        Ok(self.erased.lock().unwrap().insert(subject))
    }
}

fn registered(first: &str, last: Option<&str>) -> PartyEvent {
    PartyEvent::Registered(PartyRegistered {
        name: PartyNameData::Person {
            first_name: first.to_owned(),
            last_name: last.map(str::to_owned),
        },
        company: None,
        job_title: Some("Buyer".to_owned()),
        source: Some("fair".to_owned()),
        owner: UserId::from_uuid(Uuid::from_u128(7)),
        branch: None,
    })
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// Protects what the log holds: a party's names and channel values are
/// not in the stored bytes; the owner (not personal) is; opened with the
/// key the event is whole again.
#[test]
fn a_sealed_event_keeps_no_personal_text_and_opens_whole() {
    let keys = TestKeys::default();
    let subject = Uuid::from_u128(42);
    let event = registered("Anastasia", Some("Volkova"));
    let (version, payload) = seal(&event, subject, &keys).unwrap();
    assert_eq!(version, SEALED | 1);
    assert!(!contains(&payload, b"Anastasia") && !contains(&payload, b"Volkova"));
    assert!(!contains(&payload, b"Buyer"));
    assert!(
        contains(&payload, Uuid::from_u128(7).as_bytes()),
        "the owner stays readable"
    );
    assert_eq!(sealed_subject(version, &payload), Some(subject));
    let (opened, personal) =
        open::<PartyEvent>("PartyRegistered", version, &payload, &keys).unwrap();
    assert_eq!(personal, Personal::Opened);
    assert_eq!(opened, event);

    let channel = PartyEvent::ChannelAdded(ChannelAdded {
        channel_id: ChannelId::from_uuid(Uuid::from_u128(3)),
        kind: ChannelKind::Email,
        value: "anastasia@example.org".to_owned(),
        label: None,
    });
    let (version, payload) = seal(&channel, subject, &keys).unwrap();
    assert!(!contains(&payload, b"anastasia@example.org"));
    let (opened, _) = open::<PartyEvent>("ChannelAdded", version, &payload, &keys).unwrap();
    assert_eq!(opened, channel);
}

/// Protects erasure's reading: once the subject's key is gone, the event
/// still decodes, with blank personal fields and everything else intact,
/// and says it was erased; nothing new is sealed for the subject.
#[test]
fn an_erased_subjects_event_reads_blank_but_whole() {
    let keys = TestKeys::default();
    let subject = Uuid::from_u128(42);
    let (version, payload) =
        seal(&registered("Anastasia", Some("Volkova")), subject, &keys).unwrap();
    keys.erase(subject).unwrap();
    let (opened, personal) =
        open::<PartyEvent>("PartyRegistered", version, &payload, &keys).unwrap();
    assert_eq!(personal, Personal::Erased);
    let PartyEvent::Registered(registered) = opened else {
        panic!("a registration");
    };
    assert_eq!(
        registered.name,
        PartyNameData::Person {
            first_name: String::new(),
            last_name: None
        },
        "the kind stays, the names are blank"
    );
    assert_eq!(registered.job_title, None);
    assert_eq!(registered.owner, UserId::from_uuid(Uuid::from_u128(7)));
    assert_eq!(
        seal(&self::registered("New", None), subject, &keys),
        Err(KeyError::Erased(subject))
    );
}

/// Protects history recorded before sealing existed, and events that hold
/// nothing personal: both are stored and read exactly as before.
#[test]
fn plain_events_read_as_they_always_did() {
    let keys = TestKeys::default();
    let event = registered("Old", None);
    let (opened, personal) =
        open::<PartyEvent>("PartyRegistered", 1, &event.encode(), &keys).unwrap();
    assert_eq!((opened, personal), (event, Personal::Plain));
    let restored = PartyEvent::Restored(crate::parties::PartyRestored {});
    let (version, payload) = seal(&restored, Uuid::from_u128(1), &keys).unwrap();
    assert_eq!(
        (version, payload),
        (1, restored.encode()),
        "no envelope when nothing is personal"
    );
    assert_eq!(sealed_subject(1, &restored.encode()), None);
}

/// Protects "corrupt storage is reported": an envelope whose sealed part
/// holds another number of fields than the event has is an error, not a
/// half-filled event.
#[test]
fn a_sealed_part_of_the_wrong_shape_is_an_error() {
    let keys = TestKeys::default();
    let subject = Uuid::from_u128(5);
    let event = registered("A", None);
    let mut public = event.clone();
    for mut slot in public.personal_slots() {
        slot.take();
    }
    let envelope = Envelope {
        subject,
        sealed: keys
            .seal(subject, &encode_payload(&vec![vec![0u8]]))
            .unwrap(),
        public: public.encode(),
    };
    let error = open::<PartyEvent>(
        "PartyRegistered",
        SEALED | 1,
        &encode_payload(&envelope),
        &keys,
    )
    .unwrap_err();
    assert!(error.to_string().contains("sealed fields"), "{error}");
}

proptest! {
    /// Whatever a person is called, sealing and opening gives the event
    /// back unchanged.
    #[test]
    fn any_name_round_trips(first in ".{0,40}", last in proptest::option::of(".{0,40}")) {
        let keys = TestKeys::default();
        let event = registered(&first, last.as_deref());
        let (version, payload) = seal(&event, Uuid::from_u128(9), &keys).unwrap();
        let (opened, _) = open::<PartyEvent>("PartyRegistered", version, &payload, &keys).unwrap();
        prop_assert_eq!(opened, event);
    }
}
