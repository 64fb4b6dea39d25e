//! Integration tests: one binary, the real server on port 0, real SQLite files and real
//! PostgreSQL databases.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::result_large_err
)]

mod helpers;

mod cli;
mod deploy;
mod facade;
mod facade_sql;
mod http;
mod keys;
mod market_amazon;
mod market_ebay;
mod market_shopify;
mod migrations;
mod odoo_fidelity;
mod orders;
mod orders_crash;
mod outbox;
mod products_push;
mod products_sync;
mod python_clients;
mod queue;
mod runner;
mod scheduler;
mod spec;
mod status_page;
mod stock_flow;
