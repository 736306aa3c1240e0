//! Branches as every page shows them: by name (with the code), and the
//! choices of a branch select. A branch in use before an administrator
//! named it shows the start of its id, so it can still be told apart.

use domain::ids::BranchId;

use super::forms::OwnedChoice;
use super::i18n::Tr;
use crate::AppState;

/// Characters of an unnamed branch's id shown.
const ID_SHOWN: usize = 8;

/// The branch's name as pages show it: "Moscow (MSK)", or "Branch
/// 1a2b3c4d" while it has no name; blank for none.
pub fn branch_name(state: &AppState, tr: Tr, branch: Option<BranchId>) -> String {
    let Some(branch) = branch else {
        return String::new();
    };
    state
        .read_models
        .users
        .read(|users| {
            users
                .branch(branch)
                .map(|row| format!("{} ({})", row.name, row.code))
        })
        .unwrap_or_else(|| unnamed(tr, branch))
}

fn unnamed(tr: Tr, branch: BranchId) -> String {
    let id = branch.to_string();
    tr.t1("branch-unnamed", "id", &id[..ID_SHOWN.min(id.len())])
}

/// The choices of a branch select: none, then every open branch by name,
/// and `current` (an id as typed or stored) even if closed or unnamed, so
/// what a record holds is never silently changed by saving the form.
pub fn branch_choices(state: &AppState, tr: Tr, current: &str) -> Vec<OwnedChoice> {
    choices_of(state, tr, current, tr.t("branch-none"), false)
}

/// The choices of a filter by branch: every branch, then each branch by
/// name, closed ones too (their history still counts), and `current`
/// even if no branch has its id.
pub fn branch_filter_choices(state: &AppState, tr: Tr, current: &str) -> Vec<OwnedChoice> {
    choices_of(state, tr, current, tr.t("branch-all"), true)
}

/// `first` for the empty value, then the branches by name.
fn choices_of(
    state: &AppState,
    tr: Tr,
    current: &str,
    first: String,
    with_closed: bool,
) -> Vec<OwnedChoice> {
    let current = current.trim();
    let mut choices = vec![OwnedChoice {
        value: String::new(),
        label: first,
        selected: current.is_empty(),
    }];
    let mut found = current.is_empty();
    state.read_models.users.read(|users| {
        for (id, row) in users.branches() {
            let value = id.to_string();
            let selected = value == current;
            if row.closed && !selected && !with_closed {
                continue;
            }
            found |= selected;
            choices.push(OwnedChoice {
                value,
                label: format!("{} ({})", row.name, row.code),
                selected,
            });
        }
    });
    if !found && let Ok(branch) = current.parse::<BranchId>() {
        choices.push(OwnedChoice {
            value: current.to_owned(),
            label: unnamed(tr, branch),
            selected: true,
        });
    }
    choices
}
