//! Branches: the offices, shops and depots of the company (issue 17).
//!
//! A branch is one stream, `branch-<id>`, kept by an administrator: a short
//! code (what order and invoice numbers and the reports print), a name and
//! an address. Users, customers, warehouses and documents already name a
//! branch by id; this gives the id a name. A branch that has been in use
//! before it was named is named by opening a branch with that id. A closed
//! branch keeps its name on everything that names it and is offered for no
//! new record; it can be reopened.
//!
//! Codes are unique among branches: the application checks that against
//! the directory before it opens or recodes one (a decider sees one
//! stream only).

use serde::{Deserialize, Serialize};

use crate::Decider;
use crate::command::Issued;
use crate::domain_events;
use crate::error::DomainError;
use crate::values::{Label, Text};

/// Longest branch code, in characters.
pub const CODE_CHARS_MAX: usize = 10;

const ENTITY: &str = "branch";

/// A branch's short code: one to ten capital Latin letters, digits or
/// hyphens, starting with a letter or digit (`HQ`, `MSK-2`). Typed in any
/// case; kept in capitals, so `msk` and `MSK` are the same code.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BranchCode(String);

impl BranchCode {
    pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
        let code = raw.trim().to_ascii_uppercase();
        let well_formed = !code.is_empty()
            && code.chars().count() <= CODE_CHARS_MAX
            && code
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
            && !code.starts_with('-');
        if well_formed {
            Ok(Self(code))
        } else {
            Err(DomainError::invalid(
                field,
                format!(
                    "must be 1 to {CODE_CHARS_MAX} Latin letters, digits or hyphens, not starting with a hyphen"
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What an administrator says about a branch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BranchDetails {
    pub code: BranchCode,
    pub name: Label,
    /// Its postal address, as printed on documents.
    pub address: Option<Text>,
}

// ---------------------------------------------------------------- events

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchOpened {
    pub code: String,
    pub name: String,
    pub address: Option<String>,
}

/// New details: the whole of them, so the event reads alone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchChanged {
    pub code: String,
    pub name: String,
    pub address: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchClosed {}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchReopened {}

domain_events! {
    /// Everything that can happen to a branch.
    pub enum BranchEvent in "branch" {
        Opened(BranchOpened) = "BranchOpened" v 1,
        Changed(BranchChanged) = "BranchChanged" v 1,
        Closed(BranchClosed) = "BranchClosed" v 1,
        Reopened(BranchReopened) = "BranchReopened" v 1,
    }
}

// -------------------------------------------------------------- commands

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BranchCommand {
    Open(BranchDetails),
    Change(BranchDetails),
    Close,
    Reopen,
}

// ----------------------------------------------------------------- state

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BranchState {
    pub code: String,
    pub name: String,
    pub address: Option<String>,
    pub closed: bool,
}

impl BranchState {
    fn details_are(&self, details: &BranchDetails) -> bool {
        self.code == details.code.as_str()
            && self.name == details.name.as_str()
            && self.address.as_deref() == details.address.as_ref().map(Text::as_str)
    }
}

/// The branch decider. State is `None` until the branch is opened.
#[derive(Debug)]
pub struct Branch;

impl Decider for Branch {
    type State = Option<BranchState>;
    type Command = Issued<BranchCommand>;
    type Event = BranchEvent;
    type Error = DomainError;

    fn decide(
        state: &Self::State,
        issued: &Self::Command,
    ) -> Result<Vec<BranchEvent>, DomainError> {
        issued.business_time()?;
        let details = |details: &BranchDetails| {
            (
                details.code.as_str().to_owned(),
                details.name.as_str().to_owned(),
                details
                    .address
                    .as_ref()
                    .map(|address| address.as_str().to_owned()),
            )
        };
        if let BranchCommand::Open(opened) = &issued.command {
            if state.is_some() {
                return Err(DomainError::rejected(
                    "branch.already_opened",
                    "this branch is already open",
                ));
            }
            let (code, name, address) = details(opened);
            return Ok(vec![BranchEvent::Opened(BranchOpened {
                code,
                name,
                address,
            })]);
        }
        let branch = state
            .as_ref()
            .ok_or_else(|| DomainError::not_found(ENTITY))?;
        match &issued.command {
            BranchCommand::Open(_) => Ok(Vec::new()),
            BranchCommand::Change(_) if branch.closed => Err(DomainError::rejected(
                "branch.closed",
                "this branch is closed: reopen it to change it",
            )),
            BranchCommand::Change(changed) if branch.details_are(changed) => Ok(Vec::new()),
            BranchCommand::Change(changed) => {
                let (code, name, address) = details(changed);
                Ok(vec![BranchEvent::Changed(BranchChanged {
                    code,
                    name,
                    address,
                })])
            }
            BranchCommand::Close if branch.closed => Ok(Vec::new()),
            BranchCommand::Close => Ok(vec![BranchEvent::Closed(BranchClosed {})]),
            BranchCommand::Reopen if !branch.closed => Ok(Vec::new()),
            BranchCommand::Reopen => Ok(vec![BranchEvent::Reopened(BranchReopened {})]),
        }
    }

    fn evolve(state: Self::State, event: &BranchEvent) -> Self::State {
        if let BranchEvent::Opened(opened) = event {
            return Some(BranchState {
                code: opened.code.clone(),
                name: opened.name.clone(),
                address: opened.address.clone(),
                closed: false,
            });
        }
        let mut branch = state?;
        match event {
            BranchEvent::Opened(_) => {}
            BranchEvent::Changed(changed) => {
                branch.code.clone_from(&changed.code);
                branch.name.clone_from(&changed.name);
                branch.address.clone_from(&changed.address);
            }
            BranchEvent::Closed(_) => branch.closed = true,
            BranchEvent::Reopened(_) => branch.closed = false,
        }
        Some(branch)
    }
}

#[cfg(test)]
mod tests;
