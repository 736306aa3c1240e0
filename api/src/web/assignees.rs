//! Users and groups as every page names them and offers them: whom a
//! task is for, whose tasks a list shows. A task for a group is each
//! member's (see `domain::group`), so a user's own tasks are theirs and
//! their groups'.

use domain::ids::{GroupId, UserId};
use domain::planning::Assignee;

use super::forms::OwnedChoice;
use super::i18n::Tr;
use crate::AppState;

/// Characters of an unknown id shown.
const ID_SHOWN: usize = 8;

fn short(id: uuid::Uuid) -> String {
    id.simple().to_string().chars().take(ID_SHOWN).collect()
}

/// How an assignee travels in a form or a query string: a user's id, or
/// `group:` and a group's id.
pub fn code(assignee: Assignee) -> String {
    match assignee {
        Assignee::User(user) => user.to_string(),
        Assignee::Group(group) => format!("group:{group}"),
    }
}

/// The assignee `raw` names, if it reads as one.
pub fn parse(raw: &str) -> Option<Assignee> {
    let raw = raw.trim();
    match raw.strip_prefix("group:") {
        Some(group) => group.parse::<GroupId>().ok().map(Assignee::Group),
        None => raw.parse::<UserId>().ok().map(Assignee::User),
    }
}

/// A user by name, a group as "Group: its name"; one the directory does
/// not know by the start of its id.
pub fn name(state: &AppState, tr: Tr, assignee: Assignee) -> String {
    state.read_models.users.read(|users| match assignee {
        Assignee::User(user) => users.user(user).map_or_else(
            || tr.t1("owner-user", "id", &short(user.as_uuid())),
            |row| row.display_name.clone(),
        ),
        Assignee::Group(group) => users.group(group).map_or_else(
            || tr.t1("owner-group", "id", &short(group.as_uuid())),
            |row| tr.t1("owner-group-named", "name", &row.name),
        ),
    })
}

/// The groups `user` is a member of.
pub fn groups_of(state: &AppState, user: UserId) -> Vec<GroupId> {
    state.read_models.users.read(|users| users.groups_of(user))
}

/// Everyone a task or calendar entry can be for: the users who may sign
/// in, by name, then the groups not disbanded, by name; what `chosen`
/// holds (codes, as a form holds them) stays chosen even if disabled,
/// disbanded or unknown, so saving a form never drops it silently.
pub fn choices(state: &AppState, tr: Tr, chosen: &[String]) -> Vec<OwnedChoice> {
    let chosen: Vec<&str> = chosen.iter().map(|raw| raw.trim()).collect();
    let (mut people, groups) = state.read_models.users.read(|users| {
        let people: Vec<(Assignee, String, bool)> = users
            .users()
            .map(|(id, row)| (Assignee::User(id), row.display_name.clone(), row.disabled))
            .collect();
        let groups: Vec<(Assignee, String, bool)> = users
            .groups()
            .into_iter()
            .map(|(id, row)| (Assignee::Group(id), row.name.clone(), row.disbanded))
            .collect();
        (people, groups)
    });
    people.sort_by(|a, b| a.1.cmp(&b.1));
    let mut choices: Vec<OwnedChoice> = Vec::new();
    for (assignee, label, retired) in people.into_iter().chain(groups) {
        let value = code(assignee);
        let selected = chosen.contains(&value.as_str());
        if retired && !selected {
            continue;
        }
        let label = match assignee {
            Assignee::User(_) => label,
            Assignee::Group(_) => tr.t1("owner-group-named", "name", &label),
        };
        choices.push(OwnedChoice {
            value,
            label,
            selected,
        });
    }
    for raw in chosen {
        if let Some(assignee) = parse(raw)
            && !choices.iter().any(|choice| choice.value == code(assignee))
        {
            choices.push(OwnedChoice {
                value: code(assignee),
                label: name(state, tr, assignee),
                selected: true,
            });
        }
    }
    choices
}
