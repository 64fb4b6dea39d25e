//! The hub's status page at `/`, loaded in headless Chromium (Debian's `chromium`, which
//! `.ci/run` installs): it renders the live figures of the flows, the accounts and the orders.

use std::process::Command;
use std::time::Duration;

use adlerdo::db::schema::products;
use adlerdo::marketplaces::Address;
use adlerdo::sim::market::{SimOrder, SimOrderLine};
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{call, eventually, spawn_sandbox};

/// The page as Chromium renders it (its DOM after loading).
fn rendered(url: &str) -> String {
    let browser = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("Debian's chromium package (apt-get install chromium)");
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            &format!("--user-data-dir={}", profile.path().display()),
            "--dump-dom",
            url,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "chromium: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_page_renders_the_live_figures_in_chromium() {
    let app = spawn_sandbox().await;
    let (count, sku): (i64, String) = app
        .state
        .db
        .run(|c| {
            let n = products::table.count().get_result(c)?;
            let sku = products::table
                .filter(products::sku.is_not_null())
                .filter(products::odoo_id.is_not_null())
                .order(products::id)
                .select(products::sku.assume_not_null())
                .first(c)?;
            Ok((n, sku))
        })
        .await
        .unwrap();
    // An order on the eBay simulator, and one whose SKU nobody knows.
    let ebay = app
        .state
        .market_sims
        .iter()
        .find(|s| s.kind() == "ebay")
        .unwrap();
    let order = |sku: &str, buyer: &str| SimOrder {
        buyer_name: buyer.into(),
        buyer_email: format!("{}@example.com", buyer.to_lowercase().replace(' ', ".")),
        address: Address {
            name: Some(buyer.into()),
            street: Some("1 Page Street".into()),
            city: Some("Springfield".into()),
            zip: Some("12345".into()),
            country_code: Some("US".into()),
            ..Address::default()
        },
        billing: None,
        lines: vec![SimOrderLine {
            sku: sku.into(),
            title: "Thing".into(),
            quantity: 1,
            unit_price: 12.0,
            discount: 0.0,
        }],
        shipping: 0.0,
        tax_rate: 0.0,
        currency: "USD".into(),
        paid: true,
    };
    let good = ebay.seed_order(&order(&sku, "Page Reader"));
    let waiting = ebay.seed_order(&order("NO-SUCH-SKU", "Mystery Buyer"));
    call(&app, "adlerdo.sync", "run", json!(["orders"]), json!({})).await;
    let app_ref = &app;
    eventually(60, "the order is confirmed", || async move {
        app_ref.wait_for_jobs(Duration::from_secs(30)).await;
        let status: Value = call(app_ref, "adlerdo.sync", "status", json!([]), json!({})).await;
        if status["flows"]["orders"]["by_state"]["confirmed"] == json!(1) {
            Ok(())
        } else {
            Err(status["flows"]["orders"].to_string())
        }
    })
    .await;

    let dom = rendered(&app.url("/"));
    assert!(dom.contains("<h1>AdlerDo</h1>"), "{dom}");
    assert!(dom.contains("id=\"mode\">sandbox<"), "{dom}");
    assert!(
        dom.contains(&format!("{count} products")),
        "the catalog's size: {dom}"
    );
    for name in ["Sandbox eBay", "Sandbox Amazon", "Sandbox Shopify"] {
        assert!(dom.contains(name), "{name}: {dom}");
    }
    assert!(dom.contains(&good), "the confirmed order is listed: {dom}");
    let attention = dom.split("id=\"attention\"").nth(1).unwrap_or("");
    assert!(
        attention.contains(&waiting) && attention.contains("unknown SKU: NO-SUCH-SKU"),
        "the order waiting for a mapping needs someone: {dom}"
    );
    assert!(dom.contains("confirmed: 1"), "{dom}");
    assert!(dom.contains("unmapped: 1"), "{dom}");
    // API clients still get JSON at the same address.
    let json: Value = app
        .client
        .get(app.url("/"))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(json["catalog"]["products"], json!(count));
    app.stop().await.unwrap();
}
