//! A read model as it stands, or as the log knew it at a past moment
//! ("as known at", knowledge time): the one way a report of the UI reads
//! either, so both kinds of "as of" answer from the same query.
//!
//! Knowledge time folds the model again from the nearest older snapshot
//! up to the last event recorded by then (`projections::as_known_at`), on
//! a blocking thread; a few such folds run at once and the rest wait, so
//! reports cannot take every core from the live models.

use chrono::{DateTime, Utc};
use projections::{Projection, ReadModel};

use crate::AppState;

/// Folds "as known at" run at once.
pub const KNOWN_AT_FOLDS_MAX: usize = 2;

static KNOWN_AT_FOLDS: tokio::sync::Semaphore =
    tokio::sync::Semaphore::const_new(KNOWN_AT_FOLDS_MAX);

/// What `query` answers over the model `M`: the live one (`known_at`
/// absent), or the model folded from the events recorded up to
/// `known_at`, with the last position that fold includes.
pub async fn read<M, R>(
    state: &AppState,
    live: &Projection<M>,
    known_at: Option<DateTime<Utc>>,
    query: impl FnOnce(&M) -> R + Send + 'static,
) -> anyhow::Result<(R, Option<u64>)>
where
    M: ReadModel,
    R: Send + 'static,
{
    let Some(known_at) = known_at else {
        return Ok((live.read(query), None));
    };
    // The semaphore is never closed; were it, the report fails plainly.
    let _permit = KNOWN_AT_FOLDS.acquire().await?;
    let log = state.log.clone();
    let store = state.read_models.store.clone();
    tokio::task::spawn_blocking(move || {
        let known = projections::as_known_at::<M>(&log, &store, known_at).map_err(|error| {
            anyhow::Error::new(error).context(format!(
                "failed to fold the {} model as known then",
                M::NAME
            ))
        })?;
        Ok((query(&known.model), Some(known.position)))
    })
    .await?
}
