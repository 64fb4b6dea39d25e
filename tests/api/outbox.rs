//! The stock outbox on both backends: coalescing, claims that keep pushes of one listing apart,
//! versions that keep a newer quantity from being dropped, and the allocation that fills it.

use adlerdo::db::DbConnection;
use adlerdo::db::schema::{listings, marketplaces, order_lines, orders, products, stock_levels};
use adlerdo::marketplaces::Rejection;
use adlerdo::sync::accounts;
use adlerdo::sync::outbox::{self, Settle};
use adlerdo::sync::stock::allocate;
use diesel::prelude::*;

use crate::both_backends;
use crate::helpers::{Backend, TestDb};

both_backends!(
    newer_quantities_replace_older_ones,
    a_claimed_listing_is_sent_by_one_push_at_a_time,
    settling_follows_the_answers,
    allocation_queues_only_what_differs
);

/// An account and `n` live listings of products 1..=n (Odoo ids 101..).
fn seed(c: &mut DbConnection, n: i64, settings: &str) -> (i64, Vec<i64>) {
    let now = 1_000;
    let account: i64 =
        adlerdo::with_backend!(&mut *c, |c| diesel::insert_into(marketplaces::table)
            .values((
                marketplaces::kind.eq("ebay"),
                marketplaces::name.eq("Test"),
                marketplaces::settings.eq(settings),
                marketplaces::created_at.eq(now),
                marketplaces::updated_at.eq(now),
            ))
            .returning(marketplaces::id)
            .get_result(c))
        .unwrap();
    let mut ids = Vec::new();
    for i in 1..=n {
        let product: i64 =
            adlerdo::with_backend!(&mut *c, |c| diesel::insert_into(products::table)
                .values((
                    products::odoo_id.eq(Some(100 + i)),
                    products::sku.eq(Some(format!("SKU-{i}"))),
                    products::name.eq(format!("P{i}")),
                    products::display_name.eq(format!("P{i}")),
                    products::list_price.eq(1.0),
                    products::cost.eq(1.0),
                    products::currency.eq("EUR"),
                    products::attributes.eq("{}"),
                    products::storable.eq(1),
                    products::active.eq(1),
                    products::created_at.eq(now),
                    products::updated_at.eq(now),
                ))
                .returning(products::id)
                .get_result(c))
            .unwrap();
        let listing: i64 =
            adlerdo::with_backend!(&mut *c, |c| diesel::insert_into(listings::table)
                .values((
                    listings::marketplace_id.eq(account),
                    listings::product_id.eq(Some(product)),
                    listings::sku.eq(format!("SKU-{i}")),
                    listings::status.eq("active"),
                    listings::dirty.eq(0),
                    listings::created_at.eq(now),
                    listings::updated_at.eq(now),
                ))
                .returning(listings::id)
                .get_result(c))
            .unwrap();
        ids.push(listing);
    }
    (account, ids)
}

async fn newer_quantities_replace_older_ones(backend: Backend) {
    let t = TestDb::new(backend);
    let db = t.connect();
    let mut c = db.get().unwrap();
    let (account, ids) = seed(&mut c, 2, "{}");
    outbox::queue(&mut c, &[(ids[0], account, 5), (ids[1], account, 7)], 10).unwrap();
    outbox::queue(&mut c, &[(ids[0], account, 6)], 11).unwrap();
    let mut waiting = outbox::waiting(&mut c, &ids).unwrap();
    waiting.sort();
    assert_eq!(
        waiting,
        vec![(ids[0], 6), (ids[1], 7)],
        "one row per listing, the newest value"
    );
    assert_eq!(outbox::count_waiting(&mut c, account).unwrap(), 2);
}

async fn a_claimed_listing_is_sent_by_one_push_at_a_time(backend: Backend) {
    let t = TestDb::new(backend);
    let db = t.connect();
    let mut c = db.get().unwrap();
    let (account, ids) = seed(&mut c, 3, "{}");
    let rows: Vec<_> = ids.iter().map(|&l| (l, account, 1)).collect();
    outbox::queue(&mut c, &rows, 10).unwrap();
    let a = outbox::claim(&mut c, account, "a", 2, 20, 1_000).unwrap();
    let b = outbox::claim(&mut c, account, "b", 10, 20, 1_000).unwrap();
    assert_eq!(a.len(), 2, "oldest first, up to the limit");
    assert_eq!(b.len(), 1, "only what `a` does not hold");
    assert!(
        a.iter()
            .all(|r| b.iter().all(|s| s.listing_id != r.listing_id))
    );
    assert_eq!(b[0].sku, "SKU-3");
    assert!(
        outbox::claim(&mut c, account, "c", 10, 30, 1_000)
            .unwrap()
            .is_empty()
    );
    // A lost worker's claim expires.
    let c2 = outbox::claim(&mut c, account, "c", 10, 2_000, 3_000).unwrap();
    assert_eq!(c2.len(), 3, "expired claims are taken over");
}

async fn settling_follows_the_answers(backend: Backend) {
    let t = TestDb::new(backend);
    let db = t.connect();
    let mut c = db.get().unwrap();
    let (account, ids) = seed(&mut c, 4, "{}");
    let rows: Vec<_> = ids.iter().map(|&l| (l, account, 3)).collect();
    outbox::queue(&mut c, &rows, 10).unwrap();
    let claimed = outbox::claim(&mut c, account, "a", 10, 20, 1_000).unwrap();
    // While the push is in flight, a newer quantity arrives for the first listing.
    outbox::queue(&mut c, &[(ids[0], account, 9)], 25).unwrap();
    let by_sku = |sku: &str| claimed.iter().find(|r| r.sku == sku).unwrap();
    outbox::settle(
        &mut c,
        "a",
        &[
            (by_sku("SKU-1"), Settle::Accepted),
            (
                by_sku("SKU-2"),
                Settle::Rejected(Rejection::new("25709", "Invalid value")),
            ),
            (
                by_sku("SKU-3"),
                Settle::Retry {
                    not_before: 500,
                    reason: Some(Rejection::new("25025", "busy").retryable()),
                },
            ),
            (by_sku("SKU-4"), Settle::Accepted),
        ],
        30,
    )
    .unwrap();
    let mut waiting = outbox::waiting(&mut c, &ids).unwrap();
    waiting.sort();
    assert_eq!(
        waiting,
        vec![(ids[0], 9), (ids[2], 3)],
        "the newer value stays; the refused-for-now one waits; the rest are gone"
    );
    let listing = |id: i64, c: &mut DbConnection| {
        listings::table
            .find(id)
            .select((listings::last_quantity, listings::last_error))
            .first::<(Option<i64>, Option<String>)>(c)
            .unwrap()
    };
    assert_eq!(
        listing(ids[0], &mut c),
        (Some(3), None),
        "what was accepted is recorded"
    );
    assert_eq!(
        listing(ids[1], &mut c).1.as_deref(),
        Some("25709: Invalid value")
    );
    assert_eq!(listing(ids[3], &mut c), (Some(3), None));
    // The newer value is free for the next push at once; the retried one from 500.
    let next = outbox::claim(&mut c, account, "b", 10, 40, 1_000).unwrap();
    assert_eq!(next.iter().map(|r| r.quantity).collect::<Vec<_>>(), vec![9]);
    assert_eq!(outbox::next_due(&mut c, account).unwrap(), Some(500));
    let later = outbox::claim(&mut c, account, "c", 10, 600, 2_000).unwrap();
    assert_eq!(later.len(), 1);
    assert_eq!(later[0].attempts, 1);
}

async fn allocation_queues_only_what_differs(backend: Backend) {
    let t = TestDb::new(backend);
    let db = t.connect();
    let mut c = db.get().unwrap();
    let (account, ids) = seed(&mut c, 3, r#"{"stock_buffer": 1}"#);
    let now = 100;
    let levels: Vec<_> = [(101, 10.0), (102, 0.5)]
        .iter()
        .map(|&(id, free)| {
            (
                stock_levels::odoo_product_id.eq(id),
                stock_levels::scope.eq(""),
                stock_levels::on_hand.eq(free),
                stock_levels::free.eq(free),
                stock_levels::forecast.eq(free),
                stock_levels::updated_at.eq(now),
            )
        })
        .collect();
    adlerdo::with_backend!(&mut *c, |c| diesel::insert_into(stock_levels::table)
        .values(&levels)
        .execute(c))
    .unwrap();
    // Two units of the first product are sold on a marketplace and not yet in Odoo.
    let order: i64 = adlerdo::with_backend!(&mut *c, |c| diesel::insert_into(orders::table)
        .values((
            orders::marketplace_id.eq(account),
            orders::external_id.eq("O-1"),
            orders::state.eq("received"),
            orders::created_at.eq(now),
            orders::updated_at.eq(now),
        ))
        .returning(orders::id)
        .get_result(c))
    .unwrap();
    let product_1: i64 = listings::table
        .find(ids[0])
        .select(listings::product_id.assume_not_null())
        .first(&mut c)
        .unwrap();
    adlerdo::with_backend!(&mut *c, |c| diesel::insert_into(order_lines::table)
        .values((
            order_lines::order_id.eq(order),
            order_lines::product_id.eq(product_1),
            order_lines::quantity.eq(2.0),
        ))
        .execute(c))
    .unwrap();
    let accounts = accounts::load_all(&mut c).unwrap();
    let touched = allocate(&mut c, &accounts, &[101, 102, 103], now).unwrap();
    assert_eq!(touched.into_iter().collect::<Vec<_>>(), vec![account]);
    let mut waiting = outbox::waiting(&mut c, &ids).unwrap();
    waiting.sort();
    // 10 - 2 sold - 1 buffer = 7; 0.5 - 1 < 0 gives 0; the third has no figures: untouched.
    assert_eq!(waiting, vec![(ids[0], 7), (ids[1], 0)]);
    // Nothing new: nothing queued again (the versions do not move).
    let claimed = outbox::claim(&mut c, account, "a", 10, now, now + 1_000).unwrap();
    let settles: Vec<_> = claimed.iter().map(|r| (r, Settle::Accepted)).collect();
    outbox::settle(&mut c, "a", &settles, now).unwrap();
    let touched = allocate(&mut c, &accounts, &[101, 102, 103], now + 1).unwrap();
    assert!(
        touched.is_empty(),
        "what the marketplace has is not sent again"
    );
    // Odoo confirms the order (its units are in Odoo's figures now, which did not change here):
    // the quantity goes back up by 2.
    diesel::update(orders::table.find(order))
        .set(orders::state.eq("confirmed"))
        .execute(&mut c)
        .unwrap();
    allocate(&mut c, &accounts, &[101], now + 2).unwrap();
    assert_eq!(
        outbox::waiting(&mut c, &ids[..1]).unwrap(),
        vec![(ids[0], 9)]
    );
}
