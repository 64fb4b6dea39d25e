//! The sync flows between Odoo, the hub and the marketplaces; each runs as jobs.

pub mod accounts;
pub mod allocation;
pub mod listings;
pub mod orders;
pub mod outbox;
pub mod products;
pub mod push;
pub mod stock;
pub mod stock_push;
