//! Flow 4, products hub → Odoo, against the Odoo emulator, on both backends.

use std::net::TcpListener;

use adlerdo::config::JobSettings;
use adlerdo::db::Db;
use adlerdo::db::models::ProductRow;
use adlerdo::db::schema::{product_conflicts, products};
use adlerdo::jobs::Queue;
use adlerdo::odoo::{OdooClient, OdooConfig};
use adlerdo::sim::odoo::{OdooSim, RunningSim, SANDBOX_API_KEY};
use adlerdo::sync::products::sync_products;
use adlerdo::sync::push::{create_product, edit_product, push_products};
use diesel::prelude::*;
use serde_json::{Map, Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestDb};

struct Fixture {
    _t: TestDb,
    db: Db,
    queue: Queue,
    sim: RunningSim,
    odoo: OdooClient,
}

async fn fixture(backend: Backend) -> Fixture {
    let t = TestDb::new(backend);
    let db = t.connect();
    let sim = OdooSim::new(18)
        .start(TcpListener::bind("127.0.0.1:0").unwrap())
        .unwrap();
    let odoo = OdooClient::connect(OdooConfig::new(&sim.url, "odoo", "admin", SANDBOX_API_KEY))
        .await
        .unwrap();
    sync_products(&db, &odoo, 0, true, &|_| {}).await.unwrap();
    let queue = Queue::new(db.clone(), &JobSettings::default());
    Fixture {
        _t: t,
        db,
        queue,
        sim,
        odoo,
    }
}

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

impl Fixture {
    async fn row(&self, odoo_id: i64) -> ProductRow {
        self.db
            .run(move |c| {
                products::table
                    .filter(products::odoo_id.eq(odoo_id))
                    .select(ProductRow::as_select())
                    .first(c)
            })
            .await
            .unwrap()
    }
    /// Reads Odoo as a user would see it.
    fn odoo_read(&self, model: &str, id: i64, fields: &[&str]) -> Value {
        self.sim
            .with(|s| {
                s.call(2, model, "read", &[json!([id]), json!(fields)], &Map::new())
                    .unwrap()
                    .unwrap()[0]
                    .clone()
            })
            .unwrap()
    }
    fn odoo_write(&self, model: &str, id: i64, vals: Value) {
        self.sim
            .with(|s| {
                s.store.clock_offset_us += 2_000_000;
                s.call(2, model, "write", &[json!([id]), vals], &Map::new())
                    .unwrap();
            })
            .unwrap();
    }
}

both_backends!(
    hub_edits_reach_odoo,
    a_change_made_in_odoo_meanwhile_is_a_conflict_not_an_overwrite,
    products_created_in_the_hub_are_created_in_odoo_once,
    a_failing_odoo_keeps_the_changes_waiting,
);

async fn hub_edits_reach_odoo(backend: Backend) {
    let f = fixture(backend).await;
    let before = f.row(5).await;
    f.sim
        .with(|s| s.store.clock_offset_us += 2_000_000)
        .unwrap();
    edit_product(
        &f.db,
        &f.queue,
        before.id,
        obj(json!({"name": "Office Chair Pro", "list_price": 99.0, "cost": 60.0})),
    )
    .await
    .unwrap();
    let edited = f.row(5).await;
    assert_eq!(
        (edited.name.as_str(), edited.list_price),
        ("Office Chair Pro", 99.0),
        "the hub shows the change at once"
    );
    assert!(edited.pending.is_some());

    let report = push_products(&f.db, &f.odoo).await.unwrap();
    assert_eq!(report.updated, 1);
    assert_eq!(
        f.odoo_read("product.template", 5, &["name", "list_price"])["list_price"],
        99.0
    );
    assert_eq!(
        f.odoo_read("product.template", 5, &["name"])["name"],
        "Office Chair Pro"
    );
    assert_eq!(
        f.odoo_read("product.product", 5, &["standard_price"])["standard_price"],
        60.0
    );
    let after = f.row(5).await;
    assert_eq!(after.pending, None);
    assert_eq!(after.push_error, None);
    assert!(
        after.odoo_write_date > before.odoo_write_date,
        "the new Odoo write date is the next base"
    );
}

async fn a_change_made_in_odoo_meanwhile_is_a_conflict_not_an_overwrite(backend: Backend) {
    let f = fixture(backend).await;
    let id = f.row(5).await.id;
    edit_product(&f.db, &f.queue, id, obj(json!({"list_price": 99.0})))
        .await
        .unwrap();
    // Meanwhile somebody changes the price in Odoo.
    f.odoo_write("product.template", 5, json!({"list_price": 75.0}));

    let report = push_products(&f.db, &f.odoo).await.unwrap();
    assert_eq!(report.conflicts, 1);
    assert_eq!(
        f.odoo_read("product.template", 5, &["list_price"])["list_price"],
        75.0,
        "Odoo's value is not overwritten"
    );
    let row = f.row(5).await;
    assert!(row.push_error.unwrap().starts_with("conflict:"));
    assert_eq!(row.list_price, 99.0, "the hub's version is kept too");
    let (hub, theirs): (String, String) =
        f.db.run(move |c| {
            product_conflicts::table
                .filter(product_conflicts::product_id.eq(id))
                .select((
                    product_conflicts::hub_values,
                    product_conflicts::odoo_values,
                ))
                .first(c)
        })
        .await
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&hub).unwrap()["list_price"],
        99.0
    );
    assert_eq!(
        serde_json::from_str::<Value>(&theirs).unwrap()["list_price"],
        75.0
    );
    // The sync from Odoo does not overwrite the waiting hub change either.
    sync_products(&f.db, &f.odoo, 0, false, &|_| {})
        .await
        .unwrap();
    assert_eq!(f.row(5).await.list_price, 99.0);
}

async fn products_created_in_the_hub_are_created_in_odoo_once(backend: Backend) {
    let f = fixture(backend).await;
    let id = create_product(&f.db, &f.queue, obj(json!({"name": "Hub Stool", "sku": "HUB-001", "barcode": "2900000000999", "list_price": 45.0, "cost": 20.0})))
        .await
        .unwrap();
    let report = push_products(&f.db, &f.odoo).await.unwrap();
    assert_eq!(report.created, 1);
    let row: ProductRow =
        f.db.run(move |c| {
            products::table
                .find(id)
                .select(ProductRow::as_select())
                .first(c)
        })
        .await
        .unwrap();
    let variant = row.odoo_id.expect("linked to the Odoo product");
    let odoo = f.odoo_read(
        "product.product",
        variant,
        &[
            "default_code",
            "barcode",
            "name",
            "list_price",
            "standard_price",
        ],
    );
    assert_eq!(odoo["default_code"], "HUB-001");
    assert_eq!(odoo["barcode"], "2900000000999");
    assert_eq!(odoo["name"], "Hub Stool");
    assert_eq!(odoo["list_price"], 45.0);
    assert_eq!(odoo["standard_price"], 20.0);

    // A push that created the product but crashed before recording it runs again: it finds the
    // product by SKU instead of creating a second one.
    f.db.run(move |c| {
        diesel::update(products::table.find(id))
            .set((
                products::odoo_id.eq(None::<i64>),
                products::pending.eq(Some(r#"{"name":"Hub Stool","sku":"HUB-001"}"#)),
            ))
            .execute(c)
    })
    .await
    .unwrap();
    push_products(&f.db, &f.odoo).await.unwrap();
    let count = f
        .sim
        .with(|s| {
            s.call(
                2,
                "product.product",
                "search_count",
                &[json!([["default_code", "=", "HUB-001"]])],
                &Map::new(),
            )
            .unwrap()
            .unwrap()
        })
        .unwrap();
    assert_eq!(count, 1, "created in Odoo exactly once");
}

async fn a_failing_odoo_keeps_the_changes_waiting(backend: Backend) {
    let f = fixture(backend).await;
    let id = f.row(6).await.id;
    let err = edit_product(&f.db, &f.queue, id, obj(json!({"list_price": -1})))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("list_price"), "{err}");
    let err = edit_product(&f.db, &f.queue, id, obj(json!({"color": "red"})))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("color"), "{err}");

    edit_product(&f.db, &f.queue, id, obj(json!({"cost": 12.5})))
        .await
        .unwrap();
    f.sim.with(|s| s.fail_after = Some(0)).unwrap();
    assert!(push_products(&f.db, &f.odoo).await.is_err());
    let row = f.row(6).await;
    assert!(row.pending.is_some(), "kept for the retry");
    assert!(
        row.push_error
            .unwrap()
            .contains("server closed the connection")
    );
    f.sim.with(|s| s.fail_after = None).unwrap();
    push_products(&f.db, &f.odoo).await.unwrap();
    assert_eq!(
        f.odoo_read("product.product", 6, &["standard_price"])["standard_price"],
        12.5
    );
    assert_eq!(f.row(6).await.pending, None);
}
