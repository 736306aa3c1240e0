//! Signed receipts of the log's head over HTTP (issue 15, ADR 0017).
//!
//! `GET /audit/signing-key` names the installation's Ed25519 public key
//! (what an auditor pins), `GET /audit/receipt` signs a receipt of the
//! head now, and `POST /audit/receipt/check` says whether the log still
//! holds exactly what a receipt saw, naming where it differs if not. The
//! receipt and its check are `app::receipts`'; this module only carries
//! them in JSON.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use app::receipts::{Anchor, Receipt, ReceiptCheck, ReceiptError, ReceiptOutcome};

use super::TAG_AUDIT;
use super::error::{ApiError, Problem};
use super::extract::ApiJson;
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(signing_key))
        .routes(routes!(issue))
        .routes(routes!(check))
}

/// The installation's signing key.
#[derive(Debug, Serialize, ToSchema)]
pub struct SigningKey {
    /// Always `ed25519`.
    pub algorithm: &'static str,
    /// The public key, 32 bytes in hex.
    pub public_key: String,
}

/// A signed receipt, as the file holds it (format in docs/security.md).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptBody {
    /// `hypercrm-receipt/1`.
    pub format: String,
    /// The log's head position when it was signed.
    pub position: u64,
    /// The chained SHA-256 of the record at `position` (hex).
    pub head_hash: String,
    pub signed_at: DateTime<Utc>,
    /// `[position, first 16 bytes of that record's hash in hex]`,
    /// ascending.
    #[schema(value_type = Vec<Vec<serde_json::Value>>)]
    pub anchors: Vec<Anchor>,
    /// The Ed25519 public key that signed it (hex).
    pub public_key: String,
    /// The Ed25519 signature (hex).
    pub signature: String,
}

impl From<Receipt> for ReceiptBody {
    fn from(receipt: Receipt) -> Self {
        Self {
            format: receipt.format,
            position: receipt.position,
            head_hash: receipt.head_hash,
            signed_at: receipt.signed_at,
            anchors: receipt.anchors,
            public_key: receipt.public_key,
            signature: receipt.signature,
        }
    }
}

impl From<ReceiptBody> for Receipt {
    fn from(body: ReceiptBody) -> Self {
        Self {
            format: body.format,
            position: body.position,
            head_hash: body.head_hash,
            signed_at: body.signed_at,
            anchors: body.anchors,
            public_key: body.public_key,
            signature: body.signature,
        }
    }
}

/// What the log holds against a receipt.
#[derive(Clone, Copy, Debug, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptFinding {
    /// Exactly what the receipt saw, up to its position.
    Matches,
    /// The log ends before the receipt's position: records were removed.
    Shorter,
    /// A record up to the receipt's position was rewritten.
    Differs,
}

/// A receipt checked against the log.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptReport {
    pub finding: ReceiptFinding,
    /// The receipt's position and signing time.
    pub position: u64,
    pub signed_at: DateTime<Utc>,
    pub public_key: String,
    /// Whether this installation's key signed it (a valid signature by
    /// another key is reported, not refused).
    pub signed_by_this_installation: bool,
    /// The log's head now.
    pub head_position: u64,
    /// With `differs`: the first rewritten record lies after this
    /// position…
    pub differs_after: Option<u64>,
    /// …and at or before this one; the same record when
    /// `differs_after + 1 == differs_at`.
    pub differs_at: Option<u64>,
}

impl ReceiptReport {
    pub fn of(outcome: &ReceiptOutcome, head_position: u64) -> Self {
        let (finding, differs_after, differs_at) = match outcome.check {
            ReceiptCheck::Matches => (ReceiptFinding::Matches, None, None),
            ReceiptCheck::Shorter { .. } => (ReceiptFinding::Shorter, None, None),
            ReceiptCheck::Differs { after, at } => (ReceiptFinding::Differs, Some(after), Some(at)),
        };
        Self {
            finding,
            position: outcome.position,
            signed_at: outcome.signed_at,
            public_key: outcome.public_key.clone(),
            signed_by_this_installation: outcome.signed_by_this_installation == Some(true),
            head_position,
            differs_after,
            differs_at,
        }
    }
}

/// How a receipt that cannot be checked is answered.
pub fn receipt_error(error: ReceiptError) -> ApiError {
    match error {
        ReceiptError::Malformed(problem) => ApiError::invalid("receipt", problem),
        ReceiptError::BadSignature => ApiError::Rejected {
            rule: "receipt.bad_signature".to_owned(),
            message: ReceiptError::BadSignature.to_string(),
        },
        other => ApiError::Internal(anyhow::Error::from(other)),
    }
}

/// The installation's Ed25519 public key, which signs receipts.
#[utoipa::path(get, path = "/audit/signing-key", tag = TAG_AUDIT,
    responses((status = 200, body = SigningKey)))]
async fn signing_key(State(state): State<AppState>) -> Json<SigningKey> {
    Json(SigningKey {
        algorithm: "ed25519",
        public_key: state.signer().public_key_hex(),
    })
}

/// A receipt of the log's head, signed now: keep it somewhere the server's
/// operator cannot reach, and check the log against it later.
#[utoipa::path(get, path = "/audit/receipt", tag = TAG_AUDIT,
    responses((status = 200, body = ReceiptBody)))]
async fn issue(State(state): State<AppState>) -> Result<Json<ReceiptBody>, ApiError> {
    let now = state.app.now();
    let signer = state.signer().clone();
    let log = state.log.clone();
    let receipt = tokio::task::spawn_blocking(move || signer.issue(&log, now))
        .await
        .map_err(|error| ApiError::Internal(anyhow::anyhow!("signing failed: {error}")))?
        .map_err(receipt_error)?;
    Ok(Json(receipt.into()))
}

/// Whether the log still holds exactly what a receipt saw; a receipt whose
/// signature does not verify is refused (422, `receipt.bad_signature`).
#[utoipa::path(post, path = "/audit/receipt/check", tag = TAG_AUDIT,
    request_body = ReceiptBody,
    responses(
        (status = 200, body = ReceiptReport),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
async fn check(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ReceiptBody>,
) -> Result<Json<ReceiptReport>, ApiError> {
    let receipt = Receipt::from(body);
    let signer = state.signer().clone();
    let log = state.log.clone();
    let report = tokio::task::spawn_blocking(move || {
        let outcome = receipt.check(&log, Some(&signer))?;
        Ok::<_, ReceiptError>(ReceiptReport::of(&outcome, log.head().position))
    })
    .await
    .map_err(|error| ApiError::Internal(anyhow::anyhow!("the check failed: {error}")))?
    .map_err(receipt_error)?;
    Ok(Json(report))
}
