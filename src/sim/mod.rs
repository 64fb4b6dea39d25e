//! Simulators of the systems the hub talks to, for sandbox mode, tests and benchmarks.

pub mod odoo;
