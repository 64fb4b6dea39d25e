//! Flow 1, products Odoo → hub, against the Odoo emulator, on both backends.

use std::net::TcpListener;

use adlerdo::db::Db;
use adlerdo::db::models::ProductRow;
use adlerdo::db::schema::products;
use adlerdo::odoo::{OdooClient, OdooConfig};
use adlerdo::sim::odoo::{OdooSim, RunningSim, SANDBOX_API_KEY};
use adlerdo::sync::products::sync_products;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestDb};

async fn emulator(catalog: usize) -> RunningSim {
    OdooSim::new(18)
        .with_catalog(catalog)
        .start(TcpListener::bind("127.0.0.1:0").unwrap())
        .unwrap()
}

async fn client(sim: &RunningSim, page_size: usize) -> OdooClient {
    let mut config = OdooConfig::new(&sim.url, "odoo", "admin", SANDBOX_API_KEY);
    config.page_size = page_size;
    OdooClient::connect(config).await.unwrap()
}

async fn rows(db: &Db) -> Vec<ProductRow> {
    db.run(|c| {
        products::table
            .order(products::odoo_id)
            .select(ProductRow::as_select())
            .load(c)
    })
    .await
    .unwrap()
}

async fn by_sku(db: &Db, sku: &'static str) -> ProductRow {
    db.run(move |c| {
        products::table
            .filter(products::sku.eq(sku))
            .select(ProductRow::as_select())
            .first(c)
    })
    .await
    .unwrap()
}

/// A write as a user in Odoo would make it, a few seconds later than the previous ones.
fn odoo_write(sim: &RunningSim, model: &str, ids: Value, vals: Value, later_secs: i64) {
    sim.with(|s| {
        s.store.clock_offset_us += later_secs * 1_000_000;
        s.call(2, model, "write", &[ids, vals], &serde_json::Map::new())
            .unwrap();
    })
    .unwrap();
}

fn variant_count(sim: &RunningSim) -> usize {
    sim.with(|s| s.store.ids("product.product").count())
        .unwrap()
}

both_backends!(
    full_import_reads_every_variant_with_its_details,
    incremental_sync_reads_only_what_changed,
    pages_split_inside_one_second_lose_nothing,
    archived_and_deleted_products_are_marked_not_deleted,
    an_odoo_failure_mid_sync_keeps_what_was_stored,
);

async fn an_odoo_failure_mid_sync_keeps_what_was_stored(backend: Backend) {
    let t = TestDb::new(backend);
    let db = t.connect();
    let sim = emulator(40).await;
    let odoo = client(&sim, 10).await;
    // Odoo goes away after a few calls: the first pages are stored, then the sync fails.
    sim.with(|s| s.fail_after = Some(5)).unwrap();
    let err = sync_products(&db, &odoo, 0, true, &|_| {})
        .await
        .unwrap_err();
    assert!(
        format!("{err:#}").contains("server closed the connection"),
        "{err:#}"
    );
    let partial = rows(&db).await;
    assert!(
        !partial.is_empty() && partial.len() < variant_count(&sim),
        "stored {} rows",
        partial.len()
    );
    let cursor: String = db
        .run(|c| {
            adlerdo::db::schema::sync_state::table
                .find("odoo.products.variants")
                .select(adlerdo::db::schema::sync_state::value)
                .first(c)
        })
        .await
        .unwrap();
    let cursor: Value = serde_json::from_str(&cursor).unwrap();
    let newest_stored = partial
        .iter()
        .filter_map(|r| r.odoo_write_date.clone())
        .max();
    assert_eq!(
        cursor["write_date"].as_str().map(str::to_string),
        newest_stored,
        "cursor at the stored rows, not past them"
    );

    // Odoo is back: the next (incremental) sync completes the import, nothing missed.
    sim.with(|s| s.fail_after = None).unwrap();
    sync_products(&db, &odoo, 0, false, &|_| {}).await.unwrap();
    assert_eq!(rows(&db).await.len(), variant_count(&sim));
    sim.stop().await;
}

async fn full_import_reads_every_variant_with_its_details(backend: Backend) {
    let t = TestDb::new(backend);
    let db = t.connect();
    let sim = emulator(0).await;
    let odoo = client(&sim, 7).await;
    let report = sync_products(&db, &odoo, 300, true, &|_| {}).await.unwrap();
    let all = rows(&db).await;
    assert_eq!(all.len(), variant_count(&sim));
    assert_eq!(report.variants_read, all.len());
    assert!(report.pages >= all.len() / 7, "{report:?}");

    let desk = by_sku(&db, "DESK0005").await;
    assert_eq!(desk.odoo_id, Some(45));
    assert_eq!(desk.name, "Customizable Desk");
    assert_eq!(
        desk.display_name,
        "[DESK0005] Customizable Desk (Custom, White)"
    );
    assert_eq!(
        desk.description.as_deref(),
        Some("160x80cm, with large legs.")
    );
    assert_eq!(desk.currency, "USD");
    assert_eq!(desk.storable, 1);
    assert_eq!(desk.active, 1);
    assert!(desk.barcode.is_some());
    let attrs: Value = serde_json::from_str(&desk.attributes).unwrap();
    assert_eq!(
        attrs,
        json!([{"attribute": "Legs", "value": "Custom", "price_extra": 0.0}, {"attribute": "Color", "value": "White", "price_extra": 0.0}])
    );
    let alu = by_sku(&db, "DESK0003").await;
    assert_eq!(alu.list_price, 800.0, "list price plus the Aluminium extra");
    sim.stop().await;
}

async fn incremental_sync_reads_only_what_changed(backend: Backend) {
    let t = TestDb::new(backend);
    let db = t.connect();
    let sim = emulator(300).await;
    let odoo = client(&sim, 100).await;
    sync_products(&db, &odoo, 0, true, &|_| {}).await.unwrap();
    let total = rows(&db).await.len();

    // Nothing changed: the incremental sync reads nothing new.
    let idle = sync_products(&db, &odoo, 0, false, &|_| {}).await.unwrap();
    assert!(idle.variants_read <= 1, "{idle:?}");

    // A variant changes in Odoo (a few seconds later): one row is updated.
    odoo_write(
        &sim,
        "product.product",
        json!([5]),
        json!({"default_code": "FURN_7777-B", "standard_price": 57.5, "barcode": false}),
        3,
    );
    let report = sync_products(&db, &odoo, 0, false, &|_| {}).await.unwrap();
    assert_eq!(report.variants_read, 1, "{report:?}");
    // Variants changed since the cursor, their templates, templates changed on their own.
    assert_eq!(
        report.rpc_calls, 3,
        "one changed product among {total}: {report:?}"
    );
    let chair = by_sku(&db, "FURN_7777-B").await;
    assert_eq!((chair.odoo_id, chair.cost), (Some(5), 57.5));
    assert_eq!(
        chair.barcode, None,
        "a value cleared in Odoo is cleared in the hub"
    );

    // A template's own field changes (its variants' write_date does not move).
    odoo_write(
        &sim,
        "product.template",
        json!([9]),
        json!({"list_price": 790.0, "description_sale": "New desk"}),
        3,
    );
    let report = sync_products(&db, &odoo, 0, false, &|_| {}).await.unwrap();
    assert_eq!(report.templates_changed, 1, "{report:?}");
    let desk = by_sku(&db, "DESK0001").await;
    assert_eq!(
        (desk.list_price, desk.description.as_deref()),
        (790.0, Some("New desk"))
    );
    assert_eq!(rows(&db).await.len(), total, "updates, not new rows");
    sim.stop().await;
}

async fn pages_split_inside_one_second_lose_nothing(backend: Backend) {
    let t = TestDb::new(backend);
    let db = t.connect();
    // The generated catalog is written in one transaction: one write_date for all of it.
    let sim = emulator(50).await;
    let odoo = client(&sim, 4).await;
    sync_products(&db, &odoo, 0, false, &|_| {}).await.unwrap();
    assert_eq!(rows(&db).await.len(), variant_count(&sim));
    // Many writes in one second, then an incremental sync with small pages.
    sim.with(|s| {
        s.store.clock_offset_us += 5_000_000;
        let ids: Vec<i64> = s
            .store
            .ids("product.product")
            .filter(|id| id % 3 == 0)
            .collect();
        s.call(
            2,
            "product.product",
            "write",
            &[json!(ids), json!({"standard_price": 1.25})],
            &serde_json::Map::new(),
        )
        .unwrap();
    })
    .unwrap();
    sync_products(&db, &odoo, 0, false, &|_| {}).await.unwrap();
    for row in rows(&db).await {
        let id = row.odoo_id.unwrap();
        if id % 3 == 0 {
            assert_eq!(row.cost, 1.25, "variant {id} missed");
        }
    }
    sim.stop().await;
}

async fn archived_and_deleted_products_are_marked_not_deleted(backend: Backend) {
    let t = TestDb::new(backend);
    let db = t.connect();
    let sim = emulator(0).await;
    let odoo = client(&sim, 50).await;
    sync_products(&db, &odoo, 0, true, &|_| {}).await.unwrap();
    let total = rows(&db).await.len();

    odoo_write(
        &sim,
        "product.product",
        json!([26]),
        json!({"active": false}),
        2,
    );
    sync_products(&db, &odoo, 0, false, &|_| {}).await.unwrap();
    assert_eq!(by_sku(&db, "FURN_1118").await.active, 0, "archived in Odoo");

    // A variant without stock (one with quants cannot be deleted, in Odoo as here).
    sim.with(|s| {
        s.call(
            2,
            "product.product",
            "unlink",
            &[json!([41])],
            &serde_json::Map::new(),
        )
        .unwrap()
    })
    .unwrap();
    let report = sync_products(&db, &odoo, 0, true, &|_| {}).await.unwrap();
    assert_eq!(report.deactivated, 1);
    assert_eq!(
        by_sku(&db, "FURN_0002").await.active,
        0,
        "deleted in Odoo: kept, inactive"
    );
    assert_eq!(rows(&db).await.len(), total);
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odoo_down_or_wrong_credentials_fail_cleanly() {
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let err = OdooClient::connect(OdooConfig::new(&url, "odoo", "admin", "x"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, adlerdo::odoo::OdooError::Transport(_)),
        "{err:?}"
    );

    let sim = emulator(0).await;
    let err = OdooClient::connect(OdooConfig::new(&sim.url, "odoo", "admin", "wrong-key"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, adlerdo::odoo::OdooError::AccessDenied),
        "{err:?}"
    );
    sim.stop().await;
}

/// Every supported Odoo version: 16 and 17 (`detailed_type`), 18 (`is_storable`), 19 (JSON-2).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_from_every_odoo_version() {
    for version in [16, 17, 18, 19] {
        let t = TestDb::new(Backend::Sqlite);
        let db = t.connect();
        let sim = OdooSim::new(version)
            .start(TcpListener::bind("127.0.0.1:0").unwrap())
            .unwrap();
        let database = if version >= 19 { "odoo19" } else { "odoo" };
        let odoo = OdooClient::connect(OdooConfig::new(
            &sim.url,
            database,
            "admin",
            SANDBOX_API_KEY,
        ))
        .await
        .unwrap();
        assert_eq!(odoo.version().major, version);
        let report = sync_products(&db, &odoo, 0, true, &|_| {}).await.unwrap();
        assert_eq!(report.variants_read, variant_count(&sim), "Odoo {version}");
        let desk = by_sku(&db, "DESK0005").await;
        assert_eq!(
            desk.storable, 1,
            "Odoo {version}: storable flag read from the version's field"
        );
        assert_eq!(
            desk.display_name,
            "[DESK0005] Customizable Desk (Custom, White)"
        );
        let service = rows(&db)
            .await
            .into_iter()
            .find(|r| r.odoo_id == Some(1))
            .unwrap();
        assert_eq!(service.storable, 0, "Odoo {version}");
        sim.stop().await;
    }
}
