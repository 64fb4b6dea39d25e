//! Stock, Odoo -> hub: the quantities of the variants Odoo reports as changed (the addon's
//! `notify_stock_changed`), read on every basis (on hand, free, forecast) in one `read` per page
//! and kept in `stock_levels`, from which the marketplaces' quantities are allocated.

use anyhow::Context as _;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::DbConnection;
use crate::db::schema::stock_levels;
use crate::jobs::{Job, now_ms};
use crate::odoo::OdooClient;
use crate::odoo::stock::StockBasis;
use crate::state::AppState;

/// One variant's quantities.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quantities {
    pub odoo_product_id: i64,
    pub on_hand: f64,
    pub free: f64,
    pub forecast: f64,
}

/// Reads the quantities of `ids` from Odoo (variants that no longer exist are left out).
pub async fn read_quantities(client: &OdooClient, ids: &[i64]) -> anyhow::Result<Vec<Quantities>> {
    let fields = [
        StockBasis::OnHand.field(),
        StockBasis::Free.field(),
        StockBasis::Forecast.field(),
    ];
    client
        .read("product.product", ids, &fields, None)
        .await?
        .iter()
        .map(|r| {
            Ok(Quantities {
                odoo_product_id: r.id(),
                on_hand: r.float(fields[0])?,
                free: r.float(fields[1])?,
                forecast: r.float(fields[2])?,
            })
        })
        .collect()
}

/// Stores quantities (insert or replace); returns how many rows changed.
pub fn store(conn: &mut DbConnection, levels: &[Quantities], now: i64) -> QueryResult<usize> {
    let mut n = 0;
    for q in levels {
        n += crate::with_backend!(&mut *conn, |c| diesel::insert_into(stock_levels::table)
            .values((
                stock_levels::odoo_product_id.eq(q.odoo_product_id),
                stock_levels::on_hand.eq(q.on_hand),
                stock_levels::free.eq(q.free),
                stock_levels::forecast.eq(q.forecast),
                stock_levels::updated_at.eq(now),
            ))
            .on_conflict(stock_levels::odoo_product_id)
            .do_update()
            .set((
                stock_levels::on_hand.eq(q.on_hand),
                stock_levels::free.eq(q.free),
                stock_levels::forecast.eq(q.forecast),
                stock_levels::updated_at.eq(now),
            ))
            .execute(c))?;
    }
    Ok(n)
}

/// Reads the quantities of the variants Odoo reported as changed.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SyncStockIds {
    pub ids: Vec<i64>,
}

impl Job for SyncStockIds {
    const KIND: &'static str = "odoo.stock.sync_ids";
    /// Stock before catalog work.
    const PRIORITY: i32 = 10;
    type Context = AppState;

    async fn run(self, state: AppState) -> anyhow::Result<()> {
        let client = state.odoo.client().await.context("connecting to Odoo")?;
        let levels = read_quantities(client, &self.ids).await?;
        let now = now_ms();
        let n = state
            .db
            .write(move |c| c.transaction(|c| store(c, &levels, now)))
            .await?;
        log::info!(
            "stock of {} variant(s) read from Odoo: {n} stored",
            self.ids.len()
        );
        Ok(())
    }
}
