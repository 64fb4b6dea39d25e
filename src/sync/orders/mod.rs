//! Flow 3: orders, marketplaces -> hub -> Odoo, exactly once.
//!
//! - **Capture** ([`poll`], [`webhook`]): each account is polled from a persisted cursor moved
//!   back by an overlap window; Shopify's webhooks arrive at once. Every copy of an order is
//!   stored by its marketplace id; a copy no newer than the stored one changes nothing
//!   ([`store`]), so duplicates, overlapping polls and out-of-order deliveries are harmless.
//! - **Reservation**: an imported order's quantities are held back from the marketplaces'
//!   allocation (flow 2) from the moment it is stored until Odoo counts it: the hub reads the
//!   stock Odoo shows after the confirmation and records the confirmation in the same
//!   transaction.
//! - **Odoo** ([`send`]): ready orders are claimed in batches with a lease, checked against Odoo
//!   by `client_order_ref` (an order created before a crash is found, never created twice),
//!   their customers found or created, then created and confirmed. An order Odoo refuses fails
//!   alone with Odoo's reason; the rest of its batch goes on.
//! - **Waiting**: an order with an unknown SKU waits as `unmapped`; mapping the SKU (a listing
//!   of that SKU for a product, through the facade, or the product arriving from Odoo) releases
//!   it.
//! - **Cancellation**: a marketplace cancellation cancels the Odoo order while nothing has been
//!   shipped, and is recorded either way.

pub mod mapping;
pub mod poll;
pub mod sandbox;
pub mod send;
pub mod store;
pub mod validate;
pub mod webhook;

/// Order states (`orders.state`).
pub mod state {
    /// Stored; goes to Odoo once paid (or waits with the reason).
    pub const RECEIVED: &str = "received";
    /// A line's SKU is not mapped to a product.
    pub const UNMAPPED: &str = "unmapped";
    /// Created in Odoo, not confirmed yet.
    pub const SENT: &str = "sent";
    pub const CONFIRMED: &str = "confirmed";
    pub const CANCELLED: &str = "cancelled";
    /// Refused by Odoo or by the hub's checks; the reason says why.
    pub const FAILED: &str = "failed";

    /// States of orders Odoo has nothing of (unless `odoo_order_id` says otherwise).
    pub const NOT_SENT: &[&str] = &[RECEIVED, UNMAPPED, FAILED, CANCELLED];
    /// States whose quantities the hub holds back from the marketplaces: Odoo does not count
    /// them yet.
    pub const RESERVING: &[&str] = &[RECEIVED, UNMAPPED, FAILED, SENT];
}

pub use self::poll::{PollAllOrders, PollOrders};
pub use self::send::{CancelOrders, SendOrders};

/// How long a job of this flow waits after `failures` failures in a row (the job queue's
/// backoff settings).
pub(crate) fn retry_wait(state: &crate::state::AppState, failures: u32) -> std::time::Duration {
    let jobs = &state.settings.jobs;
    crate::jobs::backoff(
        failures.saturating_add(1) as i32,
        std::time::Duration::from_millis(jobs.backoff_base_ms),
        std::time::Duration::from_secs(jobs.backoff_max_secs),
        &mut rand::rng(),
    )
}
