//! An in-process Odoo stand-in that behaves as the real server is documented and recorded
//! (`../shared/docs/odoo-rpc.md`, `../shared/odoo/transcripts/`): the models the hub's flows
//! touch, Odoo's ORM semantics and its RPC envelopes, per version (16 to 19). It powers the
//! sandbox mode, the tests and the benchmarks.

pub mod http;
pub mod methods;
pub mod model;
pub mod orm;
pub mod search;
pub mod seed;
pub mod service;
pub mod store;

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::dev::ServerHandle;
use actix_web::web;

use super::market::{base_url, serve};

pub use self::seed::Seeded;
pub use self::service::{Server, User};
use self::store::Store;

/// The admin's API key in the emulated database (usable on RPC instead of the password).
pub const SANDBOX_API_KEY: &str = "5a6e64626f785f6b65795f666f725f61646c6572";
/// The emulated database's name, as in the recordings.
pub const SANDBOX_DB: &str = "odoo";

/// The time zone of the emulated users (their `context_get`, `session_info`, and the seed).
pub const TZ: &str = "Europe/Brussels";

/// A seeded emulated Odoo of one version, not yet serving.
pub struct OdooSim {
    shared: http::Shared,
    pub seeded: Seeded,
    pub version: u32,
}

/// A running emulator.
pub struct RunningSim {
    pub url: String,
    pub version: u32,
    pub seeded: Seeded,
    shared: http::Shared,
    handle: Mutex<ServerHandle>,
}

impl OdooSim {
    /// Odoo `version` (16 to 19) with the demo database: admin (uid 2) / `admin`, API key
    /// [`SANDBOX_API_KEY`].
    pub fn new(version: u32) -> Self {
        let version = version.clamp(16, 19);
        let mut store = Store::new(Arc::new(model::registry(version)));
        let seeded = seed::seed(&mut store);
        let server = Server {
            version,
            // The recorded 19.0 server's database is `odoo19`.
            db_name: if version >= 19 {
                format!("{SANDBOX_DB}19")
            } else {
                SANDBOX_DB.to_string()
            },
            store,
            users: vec![User {
                uid: seeded.admin,
                login: "admin".into(),
                password: "admin".into(),
                api_keys: vec![SANDBOX_API_KEY.into()],
            }],
            fail_after: None,
            sessions: std::collections::HashMap::new(),
        };
        Self {
            shared: Arc::new(Mutex::new(server)),
            seeded,
            version,
        }
    }

    /// Adds `n` generated products (benchmarks).
    pub fn with_catalog(self, n: usize) -> Self {
        if let Ok(mut s) = self.shared.lock() {
            seed::catalog(&mut s.store, &self.seeded, n);
        }
        self
    }

    /// Serves on `listener` (bind port 0 for tests) with one worker thread.
    pub fn start(self, listener: TcpListener) -> std::io::Result<RunningSim> {
        let url = base_url(&listener)?;
        let handle = serve_shared(listener, &self.shared, self.version)?;
        Ok(RunningSim {
            url,
            version: self.version,
            seeded: self.seeded,
            shared: self.shared,
            handle: Mutex::new(handle),
        })
    }
}

fn serve_shared(
    listener: TcpListener,
    shared: &http::Shared,
    version: u32,
) -> std::io::Result<ServerHandle> {
    let data = web::Data::new(http::SimBackend::new(Arc::clone(shared), version));
    serve(listener, None, 1, move |cfg| {
        cfg.app_data(data.clone()).configure(http::configure);
    })
}

impl RunningSim {
    /// Runs `f` on the emulated server, as a user working in Odoo would change data.
    pub fn with<R>(&self, f: impl FnOnce(&mut Server) -> R) -> Option<R> {
        self.shared.lock().ok().map(|mut s| f(&mut s))
    }

    /// Adds `n` generated products while serving (benchmarks in sandbox mode).
    pub fn add_catalog(&self, n: usize) {
        let seeded = self.seeded.clone();
        self.with(|s| seed::catalog(&mut s.store, &seeded, n));
    }

    /// Sets the on-hand quantity of a storable variant in the main stock location, as an Odoo
    /// user does with an inventory adjustment (a counted quantity on the quant, then applied).
    pub fn set_on_hand(&self, product_id: i64, quantity: f64) -> Result<(), String> {
        let (admin, location) = (self.seeded.admin, self.seeded.stock_location);
        self.with(|s| {
            let mut kw = serde_json::Map::new();
            kw.insert(
                "context".into(),
                serde_json::json!({"inventory_mode": true}),
            );
            let quant = s
                .call(
                    admin,
                    "stock.quant",
                    "create",
                    &[serde_json::json!({
                        "product_id": product_id,
                        "location_id": location,
                        "inventory_quantity": quantity,
                    })],
                    &kw,
                )
                .map_err(|e| e.to_string())?
                .and_then(|v| v.as_i64())
                .ok_or("stock.quant create answered no id")?;
            s.call(
                admin,
                "stock.quant",
                "action_apply_inventory",
                &[serde_json::json!([quant])],
                &serde_json::Map::new(),
            )
            .map_err(|e| e.to_string())?;
            Ok(())
        })
        .ok_or("the emulator is poisoned")?
    }

    fn handle(&self) -> ServerHandle {
        match self.handle.lock() {
            Ok(h) => h.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub async fn stop(&self) {
        self.handle().stop(true).await;
    }

    /// Test knob: Odoo goes down (connections are refused) until [`RunningSim::resume`].
    pub async fn pause(&self) {
        self.handle().stop(false).await;
    }

    /// Odoo comes back on the same address, with the same data.
    pub fn resume(&self) -> std::io::Result<()> {
        let address = self.url.trim_start_matches("http://");
        let listener = TcpListener::bind(address)?;
        let handle = serve_shared(listener, &self.shared, self.version)?;
        match self.handle.lock() {
            Ok(mut h) => *h = handle,
            Err(poisoned) => *poisoned.into_inner() = handle,
        }
        Ok(())
    }
}
