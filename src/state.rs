//! The one application state: everything handlers and jobs share, no globals.

use std::sync::Arc;

use crate::config::Settings;
use crate::db::Db;
use crate::jobs::Queue;
use crate::metrics::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub queue: Queue,
    pub metrics: Arc<Metrics>,
}
