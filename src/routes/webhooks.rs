//! `POST /webhooks/{marketplace_id}`: marketplace webhook deliveries (Shopify order topics).
//! The raw body goes to the account's adapter, which checks its signature before anything is
//! parsed; the answer is quick (the work that follows is queued), as Shopify wants a 2xx within
//! five seconds.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::error::AppError;
use crate::marketplaces::WebhookError;
use crate::state::AppState;
use crate::sync::orders::webhook::{self, Delivery};

pub async fn receive(
    req: HttpRequest,
    path: web::Path<i64>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let marketplace_id = path.into_inner();
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .filter_map(|(name, value)| {
            Some((
                name.as_str().to_ascii_lowercase(),
                value.to_str().ok()?.to_string(),
            ))
        })
        .collect();
    let outcome = webhook::take(&state, marketplace_id, headers, &body)
        .await
        .map_err(AppError::Internal)?;
    Ok(match outcome {
        Delivery::Taken { duplicate } => {
            HttpResponse::Ok().json(json!({"status": "ok", "duplicate": duplicate}))
        }
        Delivery::UnknownAccount => HttpResponse::NotFound()
            .json(json!({"error": format!("no enabled marketplace account {marketplace_id}")})),
        Delivery::Refused(e) => {
            let (mut builder, message) = match &e {
                WebhookError::BadSignature => (
                    HttpResponse::Unauthorized(),
                    "the signature does not match the body".to_string(),
                ),
                WebhookError::Stale => (
                    HttpResponse::Unauthorized(),
                    "the delivery is older than the replay window".to_string(),
                ),
                WebhookError::Malformed(why) => (
                    HttpResponse::BadRequest(),
                    format!("unreadable delivery: {why}"),
                ),
                WebhookError::NotSupported => (
                    HttpResponse::NotFound(),
                    "this account takes no webhooks".to_string(),
                ),
            };
            log::warn!("webhook for account {marketplace_id} refused: {message}");
            builder.json(json!({"error": message}))
        }
    })
}
