//! Suppliers' offers for a product (their code, price and currency,
//! minimum, pack size, lead time) and the preferred supplier: what
//! replenishment orders from whom.

use axum::extract::State;
use axum::http::StatusCode;
use domain::catalog::{Quantity, UnitPrice};
use domain::ids::{PartyId, ProductId};
use domain::sourcing::{Offer, Sourcing, SourcingCommand};
use domain::values::{Currency, Label};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, Problem};
use super::extract::{ApiJson, ApiPath, Versioned, WriteHeaders, Written};
use super::writes::{Changed, ChangedUnlessStale, aggregate_write};
use super::{TAG_PURCHASING, load};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(set_offer, list_offers))
        .routes(routes!(withdraw_offer))
        .routes(routes!(prefer_supplier))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferRequest {
    /// A party with the supplier role.
    pub supplier: Uuid,
    pub supplier_code: Option<String>,
    pub currency: String,
    #[schema(value_type = String)]
    pub price: Decimal,
    #[schema(value_type = Option<String>)]
    pub minimum_quantity: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub pack_size: Option<Decimal>,
    /// Days from ordering to the goods arriving (at most 365).
    pub lead_time_days: u16,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplierRequest {
    pub supplier: Uuid,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferRequest {
    /// Absent: no preference.
    pub supplier: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OfferResponse {
    pub supplier: Uuid,
    pub supplier_code: Option<String>,
    pub currency: String,
    #[schema(value_type = String)]
    pub price: Decimal,
    #[schema(value_type = Option<String>)]
    pub minimum_quantity: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub pack_size: Option<Decimal>,
    pub lead_time_days: u16,
    pub preferred: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OffersResponse {
    pub product: Uuid,
    pub offers: Vec<OfferResponse>,
    /// Whom replenishment orders from: the preferred supplier, else the
    /// quickest.
    pub chosen: Option<Uuid>,
    pub version: Option<u64>,
}

/// Sets a supplier's offer for a product (again replaces it).
#[utoipa::path(post, path = "/products/{id}/offers", tag = TAG_PURCHASING,
    request_body = OfferRequest,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The offers' version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Changed))]
async fn set_offer(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<OfferRequest>,
) -> Result<Written, ApiError> {
    let offer = Offer {
        supplier: PartyId::from_uuid(request.supplier),
        supplier_code: Label::parse_optional("supplier_code", request.supplier_code.as_deref())?,
        currency: Currency::parse("currency", &request.currency)?,
        price: UnitPrice::parse("price", request.price)?,
        minimum_quantity: request
            .minimum_quantity
            .map(|value| Quantity::parse("minimum_quantity", value))
            .transpose()?,
        pack_size: request
            .pack_size
            .map(|value| Quantity::parse("pack_size", value))
            .transpose()?,
        lead_time_days: request.lead_time_days,
    };
    let executed = state
        .app
        .purchasing()
        .set_offer(
            &headers.principal.caller(),
            headers.run(),
            ProductId::from_uuid(id),
            offer,
        )
        .await?;
    Ok(Written::new(&state, StatusCode::OK, id, &executed))
}

aggregate_write! {
    /// Withdraws a supplier's offer (and the preference, if it was theirs);
    /// no offer of theirs is no change.
    withdraw_offer: "/products/{id}/offers/withdraw", TAG_PURCHASING, Sourcing, SupplierRequest, ChangedUnlessStale,
    |_state, _id, request, _headers| super::parsed::<SourcingCommand>(|| Ok(SourcingCommand::WithdrawOffer {
        supplier: PartyId::from_uuid(request.supplier),
    }))
}

aggregate_write! {
    /// Prefers a supplier with an offer (or, without one, none).
    prefer_supplier: "/products/{id}/offers/prefer", TAG_PURCHASING, Sourcing, PreferRequest, Changed,
    |_state, _id, request, _headers| super::parsed::<SourcingCommand>(|| Ok(SourcingCommand::Prefer {
        supplier: request.supplier.map(PartyId::from_uuid),
    }))
}

/// A product's offers, as its stream has them, with its version as `ETag`.
#[utoipa::path(get, path = "/products/{id}/offers", tag = TAG_PURCHASING,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = OffersResponse, headers(("ETag" = String, description = "The stream version: send it as If-Match"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_offers(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Versioned<OffersResponse>, ApiError> {
    let (offers, version) = load::<Sourcing>(&state, id)?;
    Ok(Versioned(
        version,
        OffersResponse {
            product: id,
            chosen: offers.chosen().map(|(supplier, _)| supplier.as_uuid()),
            offers: offers
                .offers
                .iter()
                .map(|(supplier, offer)| OfferResponse {
                    supplier: supplier.as_uuid(),
                    supplier_code: offer.supplier_code.clone(),
                    currency: offer.currency.as_str().to_owned(),
                    price: offer.price,
                    minimum_quantity: offer.minimum_quantity,
                    pack_size: offer.pack_size,
                    lead_time_days: offer.lead_time_days,
                    preferred: offers.preferred == Some(*supplier),
                })
                .collect(),
            version,
        },
    ))
}
