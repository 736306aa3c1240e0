//! Possible duplicate customers (issue 17): active customers that share a
//! phone number or an email (as stored, which the domain normalizes), or
//! whose names are the same once case, punctuation, spacing and the
//! common legal forms are set aside ("ACME Ltd." and "Acme"). A walk
//! over the customers model's rows on request: a company's few thousand
//! customers cost a few milliseconds, and the list is opened now and then,
//! not on every page.

use std::collections::BTreeMap;

use domain::channel::ChannelKind;
use domain::ids::{PartyId, UserId};

use super::customers::{CustomerRow, CustomerStatus, Customers};

/// Legal forms set aside when names are compared, lower-case.
const LEGAL_FORMS: &[&str] = &[
    "ltd", "llc", "inc", "gmbh", "ag", "sa", "srl", "bv", "plc", "corp", "co", "ооо", "оао", "зао",
    "ао", "ип", "пао",
];

/// Why customers are thought to be the same.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Likeness {
    /// They share this phone number (`MobilePhone` stands for any phone)
    /// or email.
    Channel(ChannelKind, String),
    /// Their names compare equal as this key.
    Name(String),
}

/// Customers that may be one, in name order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuplicateGroup {
    pub likeness: Likeness,
    pub parties: Vec<PartyId>,
}

/// A name as compared: lower case, letters and digits only, words
/// joined by one space, legal forms left out.
pub fn name_key(name: &str) -> String {
    name.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty() && !LEGAL_FORMS.contains(word))
        .collect::<Vec<_>>()
        .join(" ")
}

fn counts(row: &CustomerRow, owner: Option<UserId>) -> bool {
    row.status == CustomerStatus::Active
        && !row.erased
        && owner.is_none_or(|owner| row.owner == owner)
}

impl Customers {
    /// Groups of two or more active customers (only `owner`'s, if given)
    /// that share a phone or an email, then those with the same name key;
    /// at most `limit` groups, each once (a pair found by its phone is
    /// not listed again by its name).
    pub fn possible_duplicates(&self, owner: Option<UserId>, limit: usize) -> Vec<DuplicateGroup> {
        let mut by_channel: BTreeMap<(ChannelKind, &str), Vec<&CustomerRow>> = BTreeMap::new();
        let mut by_name: BTreeMap<String, Vec<&CustomerRow>> = BTreeMap::new();
        for row in self.rows().filter(|row| counts(row, owner)) {
            for channel in &row.channels {
                // A work phone and a mobile with one number are one number.
                let kind = match channel.kind {
                    ChannelKind::WorkPhone | ChannelKind::MobilePhone => ChannelKind::MobilePhone,
                    ChannelKind::Email => ChannelKind::Email,
                    _ => continue,
                };
                if !channel.value.is_empty() {
                    by_channel
                        .entry((kind, channel.value.as_str()))
                        .or_default()
                        .push(row);
                }
            }
            let key = name_key(&row.display_name);
            if !key.is_empty() {
                by_name.entry(key).or_default().push(row);
            }
        }
        let mut groups = Vec::new();
        let mut seen: Vec<Vec<PartyId>> = Vec::new();
        let candidates = by_channel
            .into_iter()
            .map(|((kind, value), rows)| (Likeness::Channel(kind, value.to_owned()), rows))
            .chain(
                by_name
                    .into_iter()
                    .map(|(key, rows)| (Likeness::Name(key), rows)),
            );
        for (likeness, mut rows) in candidates {
            if groups.len() >= limit {
                break;
            }
            rows.sort_by(|a, b| a.sort_key.cmp(&b.sort_key).then(a.id.cmp(&b.id)));
            let mut parties: Vec<PartyId> = rows.iter().map(|row| row.id).collect();
            parties.dedup();
            if parties.len() < 2 || seen.contains(&parties) {
                continue;
            }
            seen.push(parties.clone());
            groups.push(DuplicateGroup { likeness, parties });
        }
        groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_without_case_punctuation_or_legal_form() {
        assert_eq!(name_key("ACME Ltd."), "acme");
        assert_eq!(name_key("  Acme,  LLC "), "acme");
        assert_eq!(name_key("ООО «Ромашка»"), "ромашка");
        assert_eq!(name_key("Anna  Berg"), "anna berg");
        assert_ne!(name_key("Acme North"), name_key("Acme"));
    }
}
