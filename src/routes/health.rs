use actix_web::HttpResponse;
use actix_web::web;
use serde_json::json;

use crate::state::AppState;

/// 200 when the database answers, 503 (with the reason) when it does not.
pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    let backend = state.db.backend();
    let body = |status: &str, database: serde_json::Value| {
        json!({
            "status": status,
            "version": env!("CARGO_PKG_VERSION"),
            "mode": state.settings.mode,
            "database": database,
        })
    };
    match state.db.ping().await {
        Ok(()) => HttpResponse::Ok().json(body("ok", json!({"backend": backend, "status": "ok"}))),
        Err(e) => {
            log::warn!("health check: {e}");
            HttpResponse::ServiceUnavailable().json(body(
                "unavailable",
                json!({"backend": backend, "status": "unavailable", "error": e.to_string()}),
            ))
        }
    }
}
