//! Webhook deliveries (Shopify `orders/create`, `orders/updated`): verified by the account's
//! adapter over the raw body before anything is parsed, refused by it when stale (replays,
//! with the account's window), taken
//! once per delivery id, and stored like a polled order, so that a webhook and a poll of the
//! same order, in any order, end in the newest version of it.

use super::poll::reallocate;
use super::send::{CancelOrders, SendOrders};
use super::store;
use crate::jobs::now_ms;
use crate::marketplaces::WebhookError;
use crate::state::AppState;

/// What the HTTP edge answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// Stored (or a known delivery again): 200.
    Taken { duplicate: bool },
    /// 401 / 400 / 404 with the reason.
    Refused(WebhookError),
    /// The account does not exist or is disabled: 404.
    UnknownAccount,
}

/// Takes one delivery for an account.
pub async fn take(
    state: &AppState,
    marketplace_id: i64,
    headers: Vec<(String, String)>,
    body: &[u8],
) -> anyhow::Result<Delivery> {
    let (account, adapter) = match state.markets.get(&state.db, marketplace_id).await {
        Ok(found) => found,
        Err(_) => return Ok(Delivery::UnknownAccount),
    };
    if !account.enabled {
        return Ok(Delivery::UnknownAccount);
    }
    let now = now_ms();
    let event = match adapter.read_webhook(&headers, body, now) {
        Ok(e) => e,
        Err(e) => return Ok(Delivery::Refused(e)),
    };
    let delivery_id = event.delivery_id.clone();
    let topic = event.topic.clone();
    let order = event.order;
    let stored = state
        .db
        .write(move |c| {
            use diesel::Connection as _;
            c.transaction(|c| {
                if !store::first_delivery(c, marketplace_id, &delivery_id, &topic, now)? {
                    return Ok(None);
                }
                match &order {
                    Some(o) => Ok(Some(store::store_orders(
                        c,
                        marketplace_id,
                        std::slice::from_ref(o),
                        now,
                    )?)),
                    None => Ok(Some(store::Stored::default())),
                }
            })
        })
        .await?;
    let Some(stored) = stored else {
        return Ok(Delivery::Taken { duplicate: true });
    };
    state.queue.data_changed();
    if !stored.odoo_products.is_empty() {
        reallocate(state, stored.odoo_products.iter().copied().collect()).await?;
    }
    if stored.ready > 0 {
        state.queue.enqueue(&SendOrders::default()).await?;
    }
    if !stored.to_cancel.is_empty() {
        state.queue.enqueue(&CancelOrders::default()).await?;
    }
    Ok(Delivery::Taken { duplicate: false })
}
