//! AdlerDo: keeps Odoo ERP and online marketplaces in sync.

pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod jobs;
pub mod metrics;
pub mod routes;
pub mod startup;
pub mod state;
pub mod telemetry;
