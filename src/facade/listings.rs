//! The facade's side of listings and accounts: creating or changing a listing or an account
//! queues the pushes it calls for; `adlerdo.marketplace.publish` lists hub products on an
//! account; `adlerdo.listing.push` sends offers again.

use std::time::Duration;

use diesel::prelude::*;
use serde_json::{Value, json};

use super::Facade;
use super::orm::facade_run;
use crate::db::schema::listings as l;
use crate::jobs::now_ms;
use crate::rpc::error::OdooException;
use crate::sync::listings::{PushListings, queue_pushes};
use crate::sync::stock::PollStock;
use crate::sync::stock_push::PushStock;

type Result<T> = std::result::Result<T, OdooException>;

async fn enqueue_listing_pushes(facade: &Facade, accounts: &[i64]) -> Result<()> {
    queue_pushes(&facade.state, accounts, Duration::ZERO)
        .await
        .map_err(|e| OdooException::user(format!("{e:#}")))
}

/// After listings were created or changed: their accounts push them.
pub async fn listings_changed(facade: &Facade, listing_ids: Vec<i64>) -> Result<()> {
    let accounts = facade_run(facade, move |c| {
        Ok(l::table
            .filter(l::id.eq_any(&listing_ids))
            .select(l::marketplace_id)
            .distinct()
            .load::<i64>(c)?)
    })
    .await?;
    // A listing maps its SKU to a product: orders waiting for that SKU are released.
    facade
        .state
        .queue
        .enqueue(&crate::sync::orders::SendOrders::default())
        .await
        .map_err(|e| OdooException::user(e.to_string()))?;
    enqueue_listing_pushes(facade, &accounts).await
}

/// After accounts were changed (credentials fixed, stock rules edited, enabled again): what
/// waits for them goes out, and with new stock rules every quantity is worked out again.
pub async fn accounts_changed(facade: &Facade, ids: &[i64], settings_changed: bool) -> Result<()> {
    let queue = &facade.state.queue;
    let err = |e: crate::db::DbError| OdooException::user(e.to_string());
    for &marketplace_id in ids {
        queue
            .enqueue(&PushStock::new(marketplace_id))
            .await
            .map_err(err)?;
        queue
            .enqueue(&PushListings { marketplace_id })
            .await
            .map_err(err)?;
    }
    if settings_changed {
        queue.enqueue(&PollStock {}).await.map_err(err)?;
        // Enabled again, or new order settings: orders are polled and sent with them.
        for &marketplace_id in ids {
            queue
                .enqueue(&crate::sync::orders::PollOrders::new(marketplace_id))
                .await
                .map_err(err)?;
        }
        queue
            .enqueue(&crate::sync::orders::SendOrders::default())
            .await
            .map_err(err)?;
    }
    Ok(())
}

/// `adlerdo.listing.push()`: the offers of these listings are sent again.
pub async fn push(facade: &Facade, ids: Vec<i64>) -> Result<Value> {
    let now = now_ms();
    let ids2 = ids.clone();
    facade_run(facade, move |c| {
        Ok(diesel::update(l::table.filter(l::id.eq_any(&ids2)))
            .set((l::dirty.eq(1), l::updated_at.eq(now)))
            .execute(c)?)
    })
    .await?;
    facade.state.queue.data_changed();
    listings_changed(facade, ids).await?;
    Ok(json!(true))
}

/// `adlerdo.marketplace.publish(product_ids=None)`: lists hub products on these accounts: every
/// active product with a SKU (or those of `product_ids`) not listed there yet. A product already
/// on the marketplace under that SKU is linked, not duplicated. Answers how many listings were
/// made.
pub async fn publish(facade: &Facade, ids: Vec<i64>, product_ids: Option<&Value>) -> Result<Value> {
    let only: Option<Vec<i64>> = match product_ids {
        None | Some(Value::Null) | Some(Value::Bool(false)) => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|v| {
                    v.as_i64().filter(|i| *i > 0).ok_or_else(|| {
                        OdooException::type_error(format!(
                            "product_ids must be a list of positive integers, not {v}"
                        ))
                    })
                })
                .collect::<Result<_>>()?,
        ),
        Some(other) => {
            return Err(OdooException::type_error(format!(
                "product_ids must be a list of integers, not {}",
                crate::rpc::pysig::type_name(other)
            )));
        }
    };
    let now = now_ms();
    let accounts = ids.clone();
    let made = facade_run(facade, move |c| {
        Ok(crate::sync::listings::publish(
            c,
            &accounts,
            only.as_deref(),
            now,
        )?)
    })
    .await?;
    facade.state.queue.data_changed();
    enqueue_listing_pushes(facade, &ids).await?;
    Ok(json!(made))
}
