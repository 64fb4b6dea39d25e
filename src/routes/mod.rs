//! HTTP routes and middleware.

mod health;
mod metrics;
mod status;
mod webhooks;

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::CONTENT_LENGTH;
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::error::AppError;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(index))
        .route("/health", web::get().to(health::health))
        .route("/metrics", web::get().to(metrics::metrics))
        .route(
            "/webhooks/{marketplace_id}",
            web::post().to(webhooks::receive),
        );
}

/// A browser gets the status page; an API client (`Accept: application/json`, or no HTML in
/// its `Accept`) gets what the hub is and holds as JSON.
async fn index(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let accept = req
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if accept.contains("text/html") {
        return status::page(&state).await;
    }
    summary(state).await
}

/// What the hub is and holds: version, mode, the Odoo it syncs with, and catalog figures.
async fn summary(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    use diesel::prelude::*;
    let (products, active, waiting) = state
        .db
        .run(|c| {
            use crate::db::schema::products::dsl as p;
            let all: i64 = p::products.count().get_result(c)?;
            let active: i64 = p::products.filter(p::active.eq(1)).count().get_result(c)?;
            let waiting: i64 = p::products
                .filter(p::pending.is_not_null())
                .count()
                .get_result(c)?;
            Ok((all, active, waiting))
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({
        "name": "AdlerDo",
        "version": env!("CARGO_PKG_VERSION"),
        "mode": state.settings.mode,
        "odoo": state.settings.odoo.url,
        "catalog": {"products": products, "active": active, "waiting_for_odoo": waiting},
        "links": {"status": "/ (text/html)", "health": "/health", "metrics": "/metrics"},
    })))
}

pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound(format!(
        "{} {}",
        req.method(),
        req.path()
    )))
}

/// Rejects a declared body over `server.body_limit_bytes` before any handler reads it (the
/// extractors enforce the same limit on bodies without a length).
pub async fn body_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // The RPC routes read their bodies under the same limit and refuse in their own protocol.
    if is_rpc_path(req.path()) {
        return next.call(req).await;
    }
    let limit = req
        .app_data::<web::Data<AppState>>()
        .map_or(usize::MAX, |s| s.settings.server.body_limit_bytes);
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(size) = declared.filter(|&size| size > limit) {
        return Err(AppError::PayloadTooLarge { size, limit }.into());
    }
    next.call(req).await
}

/// The facade's routes (Odoo's RPC and web session paths).
fn is_rpc_path(path: &str) -> bool {
    path == "/jsonrpc"
        || path.starts_with("/xmlrpc/")
        || path.starts_with("/web/")
        || path.starts_with("/json/")
}

/// Counts requests and their latency by route pattern (not by raw path).
pub async fn record_metrics(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = req.method().to_string();
    let result = next.call(req).await;
    if let Some(state) = state {
        let (route, status) = match &result {
            Ok(res) => (
                res.request()
                    .match_pattern()
                    .unwrap_or_else(|| "unmatched".into()),
                res.status().as_u16(),
            ),
            Err(e) => (
                "unmatched".into(),
                e.as_response_error().status_code().as_u16(),
            ),
        };
        state
            .metrics
            .http_request(&method, &route, status, started.elapsed());
    }
    result
}
