//! The sync flows between Odoo, the hub and the marketplaces; each runs as jobs.

pub mod products;
pub mod push;
pub mod stock;
