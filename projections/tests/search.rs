#![allow(clippy::unwrap_used)]
//! Customer search against a brute-force reference: for random customer
//! lists and queries, paging through the results gives exactly the
//! parties that hold every query word as a token prefix, in name order.

use chrono::{TimeZone, Utc};
use domain::CrmEvent;
use domain::channel::ChannelKind;
use domain::ids::{PartyId, UserId};
use domain::parties::{
    ChannelAdded, PartyEvent, PartyNameData, PartyRegistered, PartyRenamed, PartyTagged,
};
use eventlog::Actor;
use projections::feed::Feed;
use projections::models::customers::{CustomerQuery, Customers};
use proptest::prelude::*;
use uuid::Uuid;

const FIRST: [&str; 5] = ["Ivan", "Ivana", "Olga", "Anna", "Petr"];
const LAST: [&str; 5] = ["Petrov", "Petrova", "Ivanov", "Smith", "Annan"];
const TAGS: [&str; 3] = ["vip", "retail", "vip2"];

#[derive(Clone, Debug)]
enum Step {
    Register {
        party: u8,
        first: usize,
        last: usize,
    },
    Rename {
        party: u8,
        first: usize,
        last: usize,
    },
    Tag {
        party: u8,
        tag: usize,
    },
    Email {
        party: u8,
        first: usize,
        last: usize,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0u8..60, 0..5usize, 0..5usize).prop_map(|(party, first, last)| Step::Register { party, first, last }),
        1 => (0u8..60, 0..5usize, 0..5usize).prop_map(|(party, first, last)| Step::Rename { party, first, last }),
        1 => (0u8..60, 0..3usize).prop_map(|(party, tag)| Step::Tag { party, tag }),
        1 => (0u8..60, 0..5usize, 0..5usize).prop_map(|(party, first, last)| Step::Email { party, first, last }),
    ]
}

fn name(first: usize, last: usize) -> PartyNameData {
    PartyNameData::Person {
        first_name: FIRST[first].into(),
        last_name: Some(LAST[last].into()),
    }
}

fn build(steps: &[Step]) -> Customers {
    let mut model = Customers::default();
    let mut feed = Feed::new(Actor::system("test"));
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap();
    let mut registered = std::collections::HashSet::new();
    for (number, step) in steps.iter().enumerate() {
        let (party, event): (u8, CrmEvent) = match step {
            Step::Register { party, first, last } => {
                if !registered.insert(*party) {
                    continue;
                }
                let event = PartyEvent::Registered(PartyRegistered {
                    name: name(*first, *last),
                    company: None,
                    job_title: None,
                    source: None,
                    owner: UserId::from_uuid(Uuid::from_u128(1)),
                    branch: None,
                });
                (*party, event.into())
            }
            Step::Rename { party, first, last } => (
                *party,
                PartyEvent::Renamed(PartyRenamed {
                    name: name(*first, *last),
                })
                .into(),
            ),
            Step::Tag { party, tag } => (
                *party,
                PartyEvent::Tagged(PartyTagged {
                    tag: TAGS[*tag].into(),
                })
                .into(),
            ),
            Step::Email { party, first, last } => {
                let value =
                    format!("{}.{}{number}@example.com", FIRST[*first], LAST[*last]).to_lowercase();
                let event = PartyEvent::ChannelAdded(ChannelAdded {
                    channel_id: domain::ids::ChannelId::from_uuid(Uuid::from_u128(number as u128)),
                    kind: ChannelKind::Email,
                    value,
                    label: None,
                });
                (*party, event.into())
            }
        };
        if !registered.contains(&party) {
            continue;
        }
        feed.apply(
            &mut model,
            Uuid::from_u128(u128::from(party) + 1),
            event,
            at,
            None,
        );
    }
    model
}

/// Every page of a search, followed by cursor.
fn search_all(model: &Customers, text: &str, limit: usize) -> Vec<PartyId> {
    let mut found = Vec::new();
    let mut after = None;
    loop {
        let page = model.search(&CustomerQuery {
            text: text.into(),
            limit,
            after,
            ..CustomerQuery::default()
        });
        found.extend(page.rows.iter().map(|row| row.id));
        match page.next {
            Some(next) => after = Some(next),
            None => return found,
        }
    }
}

/// What search must return: parties where every word is a prefix of some
/// word of the name, of an email (whole, local part, domain or its words)
/// or a tag, in name order.
fn reference(model: &Customers, text: &str) -> Vec<PartyId> {
    let terms = projections::text::query_terms(text);
    let mut rows: Vec<_> = model
        .rows()
        .filter(|row| {
            let mut tokens = Vec::new();
            projections::text::words(&row.display_name, &mut tokens);
            for channel in &row.channels {
                projections::text::channel_tokens(channel.kind, &channel.value, &mut tokens);
            }
            tokens.extend(row.tags.iter().map(|tag| tag.as_str().into()));
            terms
                .iter()
                .all(|term| tokens.iter().any(|token| token.starts_with(term.as_str())))
        })
        .map(|row| (row.sort_key.clone(), row.id))
        .collect();
    rows.sort();
    rows.into_iter().map(|(_, id)| id).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Protects search results and paging from index bugs.
    #[test]
    fn search_pages_equal_the_brute_force_answer(
        steps in proptest::collection::vec(step(), 1..200),
        query in proptest::sample::select(vec!["ivan", "ivan petrov", "petrov", "petrova", "pet", "vip", "an", "a", "olga smith", "ivan.petrov", "example.com", "retail ivan", "zzz"]),
        limit in 1usize..7,
    ) {
        let model = build(&steps);
        prop_assert_eq!(search_all(&model, query, limit), reference(&model, query));
    }
}
