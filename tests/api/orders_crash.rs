//! The crash test of flow 3: the real binary imports orders from the three marketplace
//! simulators into the Odoo emulator (both running in this test, so they outlive the hub) and
//! is killed with SIGKILL at random moments, round after round, while new orders keep coming.
//! In the end every order is in Odoo exactly once.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use adlerdo::marketplaces::{Address, DRIVERS};
use adlerdo::odoo::{OdooClient, OdooConfig};
use adlerdo::ratelimit::TimeSource;
use adlerdo::sim::market::{RunningMarketSim, SimOptions, SimOrder, SimOrderLine};
use adlerdo::sim::odoo::{OdooSim, SANDBOX_API_KEY, SANDBOX_DB};
use rand::Rng as _;
use serde_json::{Value, json};

const ROUNDS: usize = 20;
const KEY_NAME: &str = "crash-test";

struct Hub {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
    port: u16,
}

impl Hub {
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_adlerdo"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_remove("RUST_LOG");
        for (key, _) in std::env::vars() {
            if key.starts_with("ADLERDO_") {
                cmd.env_remove(key);
            }
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    fn start(&self) -> Child {
        self.command(&["serve"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    async fn wait_healthy(&self, client: &reqwest::Client, child: &mut Child) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = client.get(self.url("/health")).send().await
                && r.status().is_success()
            {
                return;
            }
            assert!(child.try_wait().unwrap().is_none(), "the hub exited");
            assert!(Instant::now() < deadline, "the hub did not start");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

fn kill9(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

async fn facade(
    client: &reqwest::Client,
    hub: &Hub,
    key: &str,
    model: &str,
    method: &str,
    args: Value,
) -> Value {
    let login: Value = client
        .post(hub.url("/jsonrpc"))
        .json(
            &json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
            "service": "common", "method": "login", "args": ["adlerdo", KEY_NAME, key]}}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let uid = login["result"].clone();
    let r: Value = client
        .post(hub.url("/jsonrpc"))
        .json(
            &json!({"jsonrpc": "2.0", "method": "call", "id": 2, "params": {
            "service": "object", "method": "execute_kw",
            "args": ["adlerdo", uid, key, model, method, args, {}]}}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(r.get("error").is_none(), "{model}.{method}: {r}");
    r["result"].clone()
}

fn order(n: usize, sku: &str) -> SimOrder {
    SimOrder {
        buyer_name: format!("Buyer {}", n % 7),
        buyer_email: format!("buyer{}@example.com", n % 7),
        address: Address {
            name: Some(format!("Buyer {}", n % 7)),
            street: Some(format!("{n} Main Street")),
            city: Some("Springfield".into()),
            zip: Some("12345".into()),
            country_code: Some("US".into()),
            ..Address::default()
        },
        billing: None,
        lines: vec![SimOrderLine {
            sku: sku.into(),
            title: format!("Item {sku}"),
            quantity: 1 + (n % 3) as i64,
            unit_price: 10.0 + n as f64,
            discount: 0.0,
        }],
        shipping: 3.0,
        tax_rate: 0.0,
        currency: "USD".into(),
        paid: true,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_order_reaches_odoo_exactly_once_across_sigkills() {
    let odoo = OdooSim::new(18)
        .start(TcpListener::bind("127.0.0.1:0").unwrap())
        .unwrap();
    let mut sims: Vec<Box<dyn RunningMarketSim>> = Vec::new();
    for driver in DRIVERS {
        let options = SimOptions {
            // Hour-long rate limits in seconds: a hub restarted 20 times polls more often than
            // one that runs.
            time: TimeSource::scaled(600.0),
            ..SimOptions::default()
        };
        sims.push((driver.simulator)(options).await.unwrap());
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let env: Vec<(String, String)> = [
        ("ADLERDO_MODE", "live".to_string()),
        ("ADLERDO_SERVER__PORT", port.to_string()),
        ("ADLERDO_ODOO__URL", odoo.url.clone()),
        ("ADLERDO_ODOO__DATABASE", SANDBOX_DB.to_string()),
        ("ADLERDO_ODOO__LOGIN", "admin".to_string()),
        ("ADLERDO_ODOO__API_KEY", SANDBOX_API_KEY.to_string()),
        ("ADLERDO_ORDERS__POLL_SECS", "1".to_string()),
        ("ADLERDO_ORDERS__BATCH", "4".to_string()),
        ("ADLERDO_ORDERS__CLAIM_SECS", "5".to_string()),
        ("ADLERDO_JOBS__LEASE_SECS", "5".to_string()),
        ("ADLERDO_JOBS__BACKOFF_BASE_MS", "100".to_string()),
        ("ADLERDO_JOBS__BACKOFF_MAX_SECS", "2".to_string()),
        ("ADLERDO_SCHEDULE__PRODUCT_SYNC_SECS", "2".to_string()),
        ("ADLERDO_STOCK__POLL_SECS", "0".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let hub = Hub { dir, env, port };
    let out = hub
        .command(&["keys", "create", "--name", KEY_NAME])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let key = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_string();
    let client = reqwest::Client::new();

    // First start: the accounts, and the catalog from Odoo.
    let mut child = hub.start();
    hub.wait_healthy(&client, &mut child).await;
    for s in &sims {
        facade(
            &client,
            &hub,
            &key,
            "adlerdo.marketplace",
            "create",
            json!([{
                "kind": s.kind(), "name": format!("Crash {}", s.kind()),
                "settings": Value::Object(s.account_settings()),
                "credentials": Value::Object(s.account_credentials()),
            }]),
        )
        .await;
    }
    facade(
        &client,
        &hub,
        &key,
        "adlerdo.sync",
        "run",
        json!(["products_full"]),
    )
    .await;
    let odoo_client = OdooClient::connect(OdooConfig::new(
        &odoo.url,
        SANDBOX_DB,
        "admin",
        SANDBOX_API_KEY,
    ))
    .await
    .unwrap();
    let skus: Vec<String> = odoo_client
        .search_read(
            "product.product",
            json!([["default_code", "!=", false]]),
            &["default_code"],
            Some("id asc"),
            Some(5),
            0,
            None,
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.char_or_empty("default_code").unwrap())
        .collect();
    assert!(!skus.is_empty());
    kill9(&mut child);

    // Rounds: new orders on every marketplace, the hub started, killed at a random moment.
    let mut placed: Vec<String> = Vec::new();
    let mut rng = rand::rng();
    let mut n = 0;
    let mut interrupted = 0;
    for round in 0..ROUNDS {
        for s in &sims {
            n += 1;
            placed.push(s.seed_order(&order(n, &skus[n % skus.len()])));
        }
        let mut child = hub.start();
        hub.wait_healthy(&client, &mut child).await;
        let ms = rng.random_range(0..1500);
        tokio::time::sleep(Duration::from_millis(ms)).await;
        kill9(&mut child);
        let done = odoo_client
            .search_count(
                "sale.order",
                json!([["client_order_ref", "in", placed.clone()]]),
                None,
            )
            .await
            .unwrap();
        if (done as usize) < placed.len() {
            interrupted += 1;
        }
        log::info!(
            "round {round}: killed after {ms} ms with {done} of {} orders in Odoo",
            placed.len()
        );
    }
    // The kills must have landed while there was work to do, or the test proves nothing.
    assert!(
        interrupted >= ROUNDS / 4,
        "only {interrupted} rounds were cut short"
    );
    assert!(placed.iter().all(|p| !p.is_empty()));

    // Last start: everything ends up in Odoo, once.
    let mut child = hub.start();
    hub.wait_healthy(&client, &mut child).await;
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let status = facade(&client, &hub, &key, "adlerdo.sync", "status", json!([])).await;
        let confirmed = status["flows"]["orders"]["by_state"]["confirmed"]
            .as_u64()
            .unwrap_or(0);
        if confirmed as usize == placed.len() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{confirmed} of {} orders confirmed: {}",
            placed.len(),
            status["flows"]["orders"]
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    kill9(&mut child);
    let in_odoo = odoo_client
        .search_read(
            "sale.order",
            json!([["client_order_ref", "!=", false]]),
            &["client_order_ref", "state"],
            Some("id asc"),
            None,
            0,
            None,
        )
        .await
        .unwrap();
    let mut count: std::collections::BTreeMap<String, usize> = Default::default();
    for r in &in_odoo {
        let reference = r.char_or_empty("client_order_ref").unwrap();
        if placed.contains(&reference) {
            assert_eq!(r.char_or_empty("state").unwrap(), "sale", "{reference}");
            *count.entry(reference).or_default() += 1;
        }
    }
    for ext in &placed {
        assert_eq!(count.get(ext), Some(&1), "order {ext} in Odoo: {count:?}");
    }
    for s in &sims {
        s.stop().await;
    }
    odoo.stop().await;
}
