//! Odoo's RPC wire formats and semantics, shared by the Odoo emulator (`sim::odoo`) and the
//! hub's Odoo-compatible facade: exceptions and their envelopes, Python argument binding.

pub mod datetime;
pub mod domain;
pub mod error;
pub mod http;
pub mod methods;
pub mod pysig;
pub mod service;
pub mod xmlrpc;
