//! AdlerDo: keeps Odoo ERP and online marketplaces in sync.

/// mimalloc instead of the system allocator: request handling allocates on the HTTP workers and
/// frees on the database threads (and back), which glibc's malloc pays for in consolidation and
/// lock traffic (a third of the facade's CPU time in a `search_read` profile).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod facade;
pub mod jobs;
pub mod marketplaces;
pub mod metrics;
pub mod odoo;
pub mod ratelimit;
pub mod routes;
pub mod rpc;
pub mod sim;
pub mod spec;
pub mod startup;
pub mod state;
pub mod sync;
pub mod telemetry;
