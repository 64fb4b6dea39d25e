//! AdlerDo: keeps Odoo ERP and online marketplaces in sync.

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod jobs;
pub mod metrics;
pub mod odoo;
pub mod routes;
pub mod rpc;
pub mod sim;
pub mod startup;
pub mod state;
pub mod sync;
pub mod telemetry;
