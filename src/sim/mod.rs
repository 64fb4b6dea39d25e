//! Simulators of the systems the hub talks to, for sandbox mode, tests and benchmarks.

pub mod amazon;
pub mod ebay;
pub mod market;
pub mod odoo;
pub mod shopify;
