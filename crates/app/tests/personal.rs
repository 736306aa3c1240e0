#![allow(clippy::unwrap_used)]
//! Personal data in the log (ADR 0018), through the command handler and a
//! log opened with the data folder's keys: a customer's name and email
//! are sealed on the way in (not in the segment files), read back whole
//! after a restart, and blank once the customer's key is destroyed, while
//! the hash chain stays byte for byte the same.

mod common;

use std::path::Path;

use app::commands::CommandHandler;
use domain::channel::{Channel, ChannelKind};
use domain::ids::{ChannelId, PartyId, UserId};
use domain::parties::{Party, PartyCommand, PartyName, PartyNameData, RegisterParty};
use domain::personal::SubjectKeys as _;
use domain::values::Label;
use eventlog::Options;
use uuid::Uuid;

const EMAIL: &str = "anastasia.volkova@example.org";

fn label(text: &str) -> Label {
    Label::parse("label", text).unwrap()
}

/// Every byte under `folder`, file by file.
fn files_under(folder: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
    found
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

fn party_state(directory: &Path, party: PartyId) -> domain::parties::PartyState {
    let (log, keys) = app::personal::open_log(directory, Options::default()).unwrap();
    let handler = CommandHandler::new(log, std::sync::Arc::new(keys));
    let stream = CommandHandler::stream::<Party>(party).unwrap();
    handler.load::<Party>(&stream).unwrap().0.unwrap()
}

/// Protects erasure end to end at the storage level: what the log holds is
/// ciphertext; the key opens it after a restart; without the key the
/// fields read blank, the rest (kind, owner, channel kind) stays, and
/// `verify` finds the same chain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customers_name_is_sealed_and_blank_once_its_key_is_gone() {
    let directory = tempfile::tempdir().unwrap();
    let anna = UserId::from_uuid(Uuid::now_v7());
    let party = PartyId::from_uuid(Uuid::now_v7());
    let head = {
        let app = common::fixed_app(directory.path());
        let register = PartyCommand::Register(RegisterParty {
            name: PartyName::Person {
                first_name: label("Anastasia"),
                last_name: Some(label("Volkova")),
            },
            company: None,
            job_title: Some(label("Chief buyer")),
            source: None,
            owner: anna,
            branch: None,
        });
        common::given::<Party, _>(&app, anna, party, register).await;
        let email = PartyCommand::AddChannel {
            channel_id: ChannelId::from_uuid(Uuid::now_v7()),
            channel: Channel::parse(ChannelKind::Email, EMAIL).unwrap(),
            label: Some(label("work")),
        };
        common::given::<Party, _>(&app, anna, party, email).await;
        let log = app.commands.log().clone();
        tokio::task::spawn_blocking(move || log.verify().unwrap().head)
            .await
            .unwrap()
    };

    for (file, bytes) in files_under(&directory.path().join("eventlog")) {
        assert!(!contains(&bytes, b"Volkova"), "{file} holds the name");
        assert!(
            !contains(&bytes, EMAIL.as_bytes()),
            "{file} holds the email"
        );
        assert!(
            !contains(&bytes, b"Chief buyer"),
            "{file} holds the job title"
        );
    }

    let folder = directory.path().to_owned();
    let state = tokio::task::spawn_blocking(move || party_state(&folder, party))
        .await
        .unwrap();
    assert_eq!(state.name.display_name(), "Anastasia Volkova");
    assert_eq!(state.channels[0].value, EMAIL);
    assert_eq!(state.job_title.as_deref(), Some("Chief buyer"));

    let folder = directory.path().to_owned();
    let (state, after) = tokio::task::spawn_blocking(move || {
        let keys = app::personal::Keys::open_in(&folder).unwrap();
        assert!(keys.erase(party.as_uuid()).unwrap());
        drop(keys);
        let state = party_state(&folder, party);
        let (log, _) = app::personal::open_log(&folder, Options::default()).unwrap();
        (state, log.verify().unwrap().head)
    })
    .await
    .unwrap();
    assert_eq!(
        state.name,
        PartyNameData::Person {
            first_name: String::new(),
            last_name: None
        }
    );
    assert_eq!(state.channels.len(), 1, "the channel is still there…");
    assert_eq!(state.channels[0].kind, ChannelKind::Email);
    assert_eq!(state.channels[0].value, "", "…without its address");
    assert_eq!(state.owner, anna);
    assert_eq!(after, head, "the chain is byte for byte the same");
}

/// Protects logs recorded before sealing existed (issue 15: "existing
/// logs upgrade"): a party registered in plain keeps its bytes in the log
/// (the chain cannot lose them), but once erased every reader gets its
/// personal fields blank, as for a sealed one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_party_recorded_before_sealing_reads_blank_once_erased() {
    use domain::DomainEvent as _;
    use domain::parties::{PartyEvent, PartyRegistered};
    let directory = tempfile::tempdir().unwrap();
    let party = PartyId::from_uuid(Uuid::now_v7());
    let folder = directory.path().to_owned();
    let state = tokio::task::spawn_blocking(move || {
        let (log, keys) = app::personal::open_log(&folder, Options::default()).unwrap();
        let legacy = PartyEvent::Registered(PartyRegistered {
            name: PartyNameData::Person {
                first_name: "Boris".to_owned(),
                last_name: Some("Legacyov".to_owned()),
            },
            company: None,
            job_title: None,
            source: None,
            owner: UserId::from_uuid(Uuid::from_u128(7)),
            branch: None,
        });
        log.append_blocking(
            &CommandHandler::stream::<Party>(party).unwrap(),
            eventlog::ExpectedVersion::NoStream,
            vec![eventlog::NewEvent::new(
                Uuid::now_v7(),
                legacy.event_type(),
                legacy.encode(),
            )],
            eventlog::AppendMeta::new(
                eventlog::Actor::system("an earlier version"),
                Uuid::now_v7(),
            ),
        )
        .unwrap();
        let plain = party_state_of(&log, &keys, party);
        assert_eq!(plain.name.display_name(), "Boris Legacyov");
        keys.erase(party.as_uuid()).unwrap();
        party_state_of(&log, &keys, party)
    })
    .await
    .unwrap();
    assert_eq!(state.name.display_name(), "");
    assert_eq!(state.owner, UserId::from_uuid(Uuid::from_u128(7)));
    let in_log = files_under(&directory.path().join("eventlog"))
        .iter()
        .any(|(_, bytes)| contains(bytes, b"Legacyov"));
    assert!(
        in_log,
        "the plain bytes stay in the log: docs/security.md says so"
    );
}

fn party_state_of(
    log: &eventlog::EventLog,
    keys: &app::personal::Keys,
    party: PartyId,
) -> domain::parties::PartyState {
    let handler = CommandHandler::new(log.clone(), std::sync::Arc::new(keys.clone()));
    let stream = CommandHandler::stream::<Party>(party).unwrap();
    handler.load::<Party>(&stream).unwrap().0.unwrap()
}

/// Protects the erasure use case: only an administrator erases; the
/// party's keys go, so its fields read blank; a repeat destroys nothing
/// more; afterwards nothing personal (an interaction) can be recorded
/// about it, while a sales manager's attempt to erase changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_an_administrator_erases_and_nothing_personal_follows() {
    use app::access::Caller;
    use domain::access::Role;
    use domain::interactions::{Interaction, InteractionCommand, InteractionKind, LogInteraction};
    use domain::parties::ErasureReason;
    use domain::values::Text;
    let directory = tempfile::tempdir().unwrap();
    let app = common::fixed_app(directory.path());
    let admin: Caller =
        common::caller(UserId::from_uuid(Uuid::now_v7()), Role::Administrator, None);
    let anna = UserId::from_uuid(Uuid::now_v7());
    let manager = common::caller(anna, Role::SalesManager, None);
    let party = PartyId::from_uuid(Uuid::now_v7());
    let register = PartyCommand::Register(RegisterParty {
        name: PartyName::Person {
            first_name: label("Anastasia"),
            last_name: Some(label("Volkova")),
        },
        company: None,
        job_title: None,
        source: None,
        owner: anna,
        branch: None,
    });
    common::given::<Party, _>(&app, anna, party, register).await;
    let note = |body: &str| {
        InteractionCommand::Log(LogInteraction {
            party,
            deal: None,
            kind: InteractionKind::Note,
            subject: None,
            body: Text::parse("body", body).unwrap(),
        })
    };
    let interaction = Uuid::now_v7();
    app.execute::<Interaction, _>(
        &manager,
        common::run(),
        interaction,
        note("Likes tea"),
        None,
    )
    .await
    .unwrap();

    let head = common::head(&app);
    let refused = app
        .erasure()
        .erase(&manager, common::run(), party, ErasureReason::Request)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, app::commands::CommandError::Forbidden { .. }),
        "{refused:?}"
    );
    assert_eq!(common::head(&app), head, "nothing written");

    let erased = app
        .erasure()
        .erase(&admin, common::run(), party, ErasureReason::Request)
        .await
        .unwrap();
    assert_eq!(erased.parties, vec![party]);
    assert_eq!(
        erased.keys_destroyed, 2,
        "the party's key and its interaction's"
    );
    let again = app
        .erasure()
        .erase(&admin, common::run(), party, ErasureReason::Request)
        .await
        .unwrap();
    assert_eq!(again.keys_destroyed, 0);
    let (state, _) = app.load::<Party>(party).unwrap();
    let state = state.unwrap();
    assert!(state.erased && state.name.display_name().is_empty());

    let after = app
        .execute::<Interaction, _>(
            &manager,
            common::run(),
            Uuid::now_v7(),
            note("Back again"),
            None,
        )
        .await
        .unwrap_err();
    assert!(after.to_string().contains("erased"), "{after}");
}

/// Protects against guessing with the wrong keys: a log opened with a
/// keys file that lacks the key a record needs stops at that record and
/// names its position, rather than reading it as erased.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_read_without_its_keys_names_the_record_it_cannot_open() {
    let directory = tempfile::tempdir().unwrap();
    let anna = UserId::from_uuid(Uuid::now_v7());
    let party = PartyId::from_uuid(Uuid::now_v7());
    {
        let app = common::fixed_app(directory.path());
        let register = PartyCommand::Register(RegisterParty {
            name: PartyName::Company {
                name: label("Acme"),
                legal_name: None,
            },
            company: None,
            job_title: None,
            source: None,
            owner: anna,
            branch: None,
        });
        common::given::<Party, _>(&app, anna, party, register).await;
    }
    std::fs::remove_file(directory.path().join(app::personal::SUBJECT_KEYS_FILE)).unwrap();
    let folder = directory.path().to_owned();
    let refused = tokio::task::spawn_blocking(move || {
        let (log, keys) = app::personal::open_log(&folder, Options::default()).unwrap();
        let handler = CommandHandler::new(log, std::sync::Arc::new(keys));
        let stream = CommandHandler::stream::<Party>(party).unwrap();
        handler.load::<Party>(&stream).unwrap_err().to_string()
    })
    .await
    .unwrap();
    assert!(refused.contains("position 1"), "{refused}");
    assert!(refused.contains("no key for subject"), "{refused}");
}
