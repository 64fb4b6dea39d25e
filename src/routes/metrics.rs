use actix_web::HttpResponse;
use actix_web::web;

use crate::jobs::queue;
use crate::state::AppState;

/// Prometheus text exposition. Queue depths are read from the database; when it is down the
/// other metrics are still served.
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let counts = match state.db.run(queue::counts).await {
        Ok(counts) => counts,
        Err(e) => {
            log::warn!("metrics: cannot read queue depths: {e}");
            Vec::new()
        }
    };
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render(&counts))
}
