//! Branches, once for every adapter: an administrator opens one with a
//! code, a name and an address, changes them, closes and reopens it.
//!
//! A code is unique among branches (it is printed in document numbers and
//! reports): the directory says who holds a code before a branch takes
//! it. The check reads the read model, which may trail the log by the
//! moment it takes to fold the last write; two administrators giving the
//! same code in the same instant is the rare case this lets through, and
//! the branches page shows both.

use domain::branch::{Branch, BranchCommand, BranchDetails};
use domain::error::DomainError;
use domain::ids::BranchId;
use projections::CrmReadModels;

use crate::access::Caller;
use crate::commands::{CommandError, Executed};
use crate::{App, Run};

/// The refusal of a code another branch holds: a conflict with the
/// present (409 in the API).
pub const CODE_TAKEN: &str = "branch_code.already_exists";

/// Opens branch `id` with `details`, or gives a branch in use before it
/// had a name its details: refused if another branch holds the code.
pub async fn open(
    app: &App,
    models: &CrmReadModels,
    by: &Caller,
    run: Run,
    id: BranchId,
    details: BranchDetails,
) -> Result<Executed, CommandError> {
    code_free(models, id, &details)?;
    app.execute::<Branch, _>(by, run, id, BranchCommand::Open(details), None)
        .await
}

/// Changes branch `id`'s code, name and address: refused if another
/// branch holds the code.
pub async fn change(
    app: &App,
    models: &CrmReadModels,
    by: &Caller,
    run: Run,
    id: BranchId,
    details: BranchDetails,
) -> Result<Executed, CommandError> {
    code_free(models, id, &details)?;
    app.execute::<Branch, _>(by, run, id, BranchCommand::Change(details), None)
        .await
}

fn code_free(
    models: &CrmReadModels,
    id: BranchId,
    details: &BranchDetails,
) -> Result<(), CommandError> {
    let code = details.code.as_str();
    let holder = models.users.read(|users| users.branch_by_code(code));
    match holder {
        Some(holder) if holder != id => Err(DomainError::rejected(
            CODE_TAKEN,
            format!("branch {holder} already has code {code}"),
        )
        .into()),
        _ => Ok(()),
    }
}
