//! Signed receipts on the audit page (issue 15, ADR 0017): the
//! installation's public key to pin, a receipt of the head to download
//! now, the receipts written to the receipts folder, and a form that
//! checks a pasted receipt against the log, naming the first position
//! that differs. The receipts and their check are `app::receipts`'.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Form, http::header};
use serde::Deserialize;

use app::receipts::folder::{self, position_in_name};
use app::receipts::{Receipt, ReceiptCheck, ReceiptError, ReceiptOutcome};

use super::format;
use super::i18n::{Lang, Tr};
use super::{Page, Section, Viewer};
use crate::AppState;

/// Receipts of the folder listed, newest first.
const LISTED_MAX: usize = 20;

/// The check form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct CheckForm {
    #[serde(default)]
    receipt: String,
}

/// A receipt of the folder, for the list.
#[derive(Debug)]
pub struct ListedReceipt {
    pub name: String,
    pub position: String,
}

/// What a check found, worded.
#[derive(Debug)]
pub struct CheckView {
    /// `matches`, `shorter`, `differs`, or `refused` (not a receipt, or
    /// its signature does not verify).
    pub finding: &'static str,
    pub summary: String,
    pub details: Vec<(String, String)>,
    /// A valid signature by another key than this installation's.
    pub foreign_key: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "receipts.html")]
pub struct ReceiptsPage {
    page: Page,
    public_key: String,
    folder: String,
    /// How often receipts are written and how many are kept.
    schedule: String,
    listed: Vec<ListedReceipt>,
    /// How many receipts of the folder are not listed, if any.
    more: Option<String>,
    form: CheckForm,
    checked: Option<CheckView>,
}

fn count(value: impl TryInto<i64>) -> i64 {
    value.try_into().unwrap_or(i64::MAX)
}

/// A count or a position, formatted for the language.
fn number(lang: Lang, value: impl TryInto<i64>) -> String {
    format::integer(lang, count(value))
}

fn position_text(lang: Lang, position: u64) -> String {
    number(lang, position)
}

/// The outcome in words.
fn check_view(tr: Tr, outcome: &ReceiptOutcome) -> CheckView {
    let lang = tr.lang;
    let position = position_text(lang, outcome.position);
    let signed_at = format::date_time(lang, outcome.signed_at);
    let mut details = vec![
        (tr.t("receipts-position"), position.clone()),
        (tr.t("receipts-signed-at"), signed_at.clone()),
    ];
    let (finding, summary) = match outcome.check {
        ReceiptCheck::Matches => (
            "matches",
            tr.t2(
                "receipts-matches",
                "position",
                &position,
                "signed",
                &signed_at,
            ),
        ),
        ReceiptCheck::Shorter { head } => {
            details.push((tr.t("receipts-head"), position_text(lang, head)));
            (
                "shorter",
                tr.t1("receipts-shorter", "head", &position_text(lang, head)),
            )
        }
        ReceiptCheck::Differs { after, at } if after + 1 == at => (
            "differs",
            tr.t1("receipts-differs-at", "at", &position_text(lang, at)),
        ),
        ReceiptCheck::Differs { after, at } => (
            "differs",
            tr.t2(
                "receipts-differs-between",
                "after",
                &position_text(lang, after),
                "at",
                &position_text(lang, at),
            ),
        ),
    };
    CheckView {
        finding,
        summary,
        details,
        foreign_key: (outcome.signed_by_this_installation == Some(false))
            .then(|| outcome.public_key.clone()),
    }
}

fn refused_view(tr: Tr, error: &ReceiptError) -> CheckView {
    let (summary, detail) = match error {
        ReceiptError::BadSignature => (tr.t("receipts-bad-signature"), None),
        ReceiptError::Malformed(problem) => (tr.t("receipts-malformed"), Some(problem.clone())),
        other => {
            tracing::error!(error = %other, "a receipt could not be checked");
            (tr.t("receipts-failed"), None)
        }
    };
    CheckView {
        finding: "refused",
        summary,
        details: detail
            .map(|problem| vec![(tr.t("receipts-problem"), problem)])
            .unwrap_or_default(),
        foreign_key: None,
    }
}

fn receipts_page(
    state: &AppState,
    viewer: &Viewer,
    form: CheckForm,
    checked: Option<CheckView>,
) -> ReceiptsPage {
    let page = Page::new(
        viewer,
        Section::Audit,
        "receipts-title",
        "/audit/receipts".to_owned(),
    );
    let tr = page.tr;
    let schedule = &state.receipts;
    let files = folder::receipts_in(&schedule.directory).unwrap_or_else(|error| {
        tracing::error!(
            error = format!("{error:#}"),
            "the receipts folder cannot be read"
        );
        Vec::new()
    });
    let listed: Vec<ListedReceipt> = files
        .iter()
        .rev()
        .take(LISTED_MAX)
        .filter_map(|path| {
            let name = path.file_name()?.to_str()?.to_owned();
            let position = position_in_name(&name)?;
            Some(ListedReceipt {
                position: position_text(tr.lang, position),
                name,
            })
        })
        .collect();
    ReceiptsPage {
        public_key: state.signer().public_key_hex(),
        folder: schedule.directory.display().to_string(),
        schedule: format!(
            "{} {}",
            schedule.every.map_or_else(
                || tr.t("receipts-every-off"),
                |every| {
                    let minutes = every.as_secs() / 60;
                    tr.plural("receipts-every", count(minutes), &number(tr.lang, minutes))
                },
            ),
            tr.t1("receipts-keep", "keep", &number(tr.lang, schedule.keep)),
        ),
        more: Some(files.len().saturating_sub(listed.len()))
            .filter(|more| *more > 0)
            .map(|more| tr.t1("receipts-more", "more", &number(tr.lang, more))),
        listed,
        form,
        checked,
        page,
    }
}

/// `GET /audit/receipts`.
pub async fn page(State(state): State<AppState>, viewer: Viewer) -> Response {
    receipts_page(&state, &viewer, CheckForm::default(), None).into_response()
}

/// `POST /audit/receipts`: checks the pasted receipt against the log and
/// shows what it found, the receipt left in the field.
pub async fn check(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<CheckForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let log = state.log.clone();
    let signer = state.signer().clone();
    let json = form.receipt.clone();
    let outcome =
        tokio::task::spawn_blocking(move || Receipt::parse_and_check(&json, &log, Some(&signer)))
            .await;
    let (status, checked) = match outcome {
        Ok(Ok(outcome)) => (StatusCode::OK, check_view(tr, &outcome)),
        Ok(Err(error)) => (StatusCode::UNPROCESSABLE_ENTITY, refused_view(tr, &error)),
        Err(error) => {
            tracing::error!(%error, "the receipt check failed");
            let failed = ReceiptError::Malformed(String::new());
            (StatusCode::INTERNAL_SERVER_ERROR, refused_view(tr, &failed))
        }
    };
    (status, receipts_page(&state, &viewer, form, Some(checked))).into_response()
}

/// A receipt's JSON as a file to save.
fn receipt_download(name: &str, json: String) -> Response {
    super::export::download_as(name, "application/json", json)
}

/// `GET /audit/receipts/new`: a receipt of the head, signed now, saved as
/// a file.
pub async fn download_new(State(state): State<AppState>, viewer: Viewer) -> Response {
    let now = state.app.now();
    let log = state.log.clone();
    let signer = state.signer().clone();
    match tokio::task::spawn_blocking(move || signer.issue(&log, now)).await {
        Ok(Ok(receipt)) => receipt_download(
            &folder::file_name(receipt.signed_at, receipt.position),
            receipt.to_json(),
        ),
        failed => {
            tracing::error!(?failed, "signing a receipt failed");
            super::refused_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                viewer.lang,
                "receipts-failed",
            )
        }
    }
}

/// `GET /audit/receipts/{name}`: a receipt of the folder, saved as a file.
pub async fn download_listed(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(name): Path<String>,
) -> Response {
    match folder::read_named(&state.receipts.directory, &name) {
        Ok(Some(json)) => receipt_download(&name, json),
        Ok(None) => super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found"),
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "a receipt could not be read");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CACHE_CONTROL, "no-store")],
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn outcome(check: ReceiptCheck, ours: Option<bool>) -> ReceiptOutcome {
        ReceiptOutcome {
            check,
            position: 1_234,
            signed_at: DateTime::UNIX_EPOCH,
            public_key: "ab".repeat(32),
            signed_by_this_installation: ours,
        }
    }

    /// Every finding reads in every language, names its positions, and a
    /// foreign key is pointed out.
    #[test]
    fn every_finding_is_worded_in_every_language() {
        for lang in Lang::ALL {
            let tr = Tr::new(lang);
            let cases = [
                (ReceiptCheck::Matches, "matches"),
                (ReceiptCheck::Shorter { head: 7 }, "shorter"),
                (ReceiptCheck::Differs { after: 2, at: 3 }, "differs"),
                (ReceiptCheck::Differs { after: 2, at: 900 }, "differs"),
            ];
            for (check, finding) in cases {
                let view = check_view(tr, &outcome(check.clone(), Some(true)));
                assert_eq!(view.finding, finding);
                assert!(!view.summary.starts_with("receipts-"), "{lang:?} {check:?}");
                assert!(view.foreign_key.is_none());
            }
            let differs = check_view(
                tr,
                &outcome(ReceiptCheck::Differs { after: 2, at: 3 }, None),
            );
            assert!(differs.summary.contains('3'), "{}", differs.summary);
            let foreign = check_view(tr, &outcome(ReceiptCheck::Matches, Some(false)));
            assert_eq!(foreign.foreign_key, Some("ab".repeat(32)));
            for error in [
                ReceiptError::BadSignature,
                ReceiptError::Malformed("x".to_owned()),
            ] {
                let view = refused_view(tr, &error);
                assert_eq!(view.finding, "refused");
                assert!(!view.summary.starts_with("receipts-"), "{lang:?}");
            }
        }
    }
}
