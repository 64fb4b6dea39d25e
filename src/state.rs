//! The one application state: everything handlers and jobs share, no globals.

use std::sync::Arc;

use crate::config::Settings;
use crate::db::Db;
use crate::jobs::Queue;
use crate::metrics::Metrics;
use crate::odoo::OdooConnector;
use crate::sim::market::RunningMarketSim;
use crate::sim::odoo::RunningSim;
use crate::sync::accounts::Markets;

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub queue: Queue,
    pub metrics: Arc<Metrics>,
    /// The Odoo the hub syncs with (connected on first use).
    pub odoo: Arc<OdooConnector>,
    /// In sandbox mode, the Odoo emulator standing in for it.
    pub odoo_sim: Option<Arc<RunningSim>>,
    /// The marketplace accounts' adapters.
    pub markets: Arc<Markets>,
    /// In sandbox mode, the marketplace simulators standing in for the marketplaces.
    pub market_sims: Arc<Vec<Box<dyn RunningMarketSim>>>,
}
