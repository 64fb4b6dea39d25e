//! The emulator's HTTP surface: Odoo's RPC routes (shared with the hub's facade, see
//! [`crate::rpc::http`]) over the emulated server, and werkzeug's 404 for anything else.

use std::sync::{Arc, Mutex, MutexGuard};

use actix_web::web;
use serde_json::{Map, Value};

use super::service::Server;
use crate::rpc::error::{ExceptionKind, OdooException};
use crate::rpc::http::{Backend, Caller, Json2Refusal, Outcome};

pub type Shared = Arc<Mutex<Server>>;

/// The largest request the emulator reads (Odoo itself has no limit on RPC bodies).
const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// The emulated server as an RPC [`Backend`].
pub struct SimBackend {
    shared: Shared,
    version: u32,
}

impl SimBackend {
    pub fn new(shared: Shared, version: u32) -> Self {
        Self { shared, version }
    }

    fn lock(&self) -> Result<MutexGuard<'_, Server>, OdooException> {
        self.shared.lock().map_err(|_| poisoned())
    }

    /// Runs `f` on the server off the async workers (ORM calls can be long on big catalogs).
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Server) -> Result<T, OdooException> + Send + 'static,
    ) -> Result<T, OdooException> {
        let shared = Arc::clone(&self.shared);
        web::block(move || {
            let mut guard = shared.lock().map_err(|_| poisoned())?;
            f(&mut guard)
        })
        .await
        .map_err(|e| {
            OdooException::new(
                ExceptionKind::Exception,
                format!("emulator task failed: {e}"),
            )
        })?
    }
}

fn poisoned() -> OdooException {
    OdooException::new(ExceptionKind::Exception, "emulator state poisoned")
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    crate::rpc::http::configure::<SimBackend>(cfg);
    cfg.default_service(web::to(crate::rpc::http::not_found));
}

impl Backend for SimBackend {
    fn version(&self) -> u32 {
        self.version
    }

    fn body_limit(&self) -> usize {
        BODY_LIMIT
    }

    fn version_info(&self) -> Value {
        self.lock().map(|s| s.version_info()).unwrap_or(Value::Null)
    }

    fn databases(&self) -> Vec<String> {
        self.lock()
            .map(|s| vec![s.db_name.clone()])
            .unwrap_or_default()
    }

    async fn dispatch(
        &self,
        _caller: Caller,
        service: String,
        method: String,
        args: Vec<Value>,
    ) -> Result<Outcome, OdooException> {
        self.blocking(move |s| s.dispatch(&service, &method, &args))
            .await
    }

    async fn web_login(
        &self,
        _caller: Caller,
        db: String,
        login: String,
        password: String,
    ) -> Result<(String, i64), OdooException> {
        self.lock()?.web_login(&db, &login, &password)
    }

    fn session_uid(&self, sid: &str) -> Option<i64> {
        self.lock().ok()?.sessions.get(sid).copied()
    }

    fn end_session(&self, sid: &str) {
        if let Ok(mut s) = self.lock() {
            s.sessions.remove(sid);
        }
    }

    async fn session_info(&self, uid: i64, base_url: &str) -> Value {
        self.lock()
            .map(|s| s.session_info(uid, base_url))
            .unwrap_or(Value::Null)
    }

    fn has_model(&self, model: &str) -> bool {
        self.lock()
            .is_ok_and(|s| s.store.reg.model(model).is_some())
    }

    async fn call(
        &self,
        uid: i64,
        model: String,
        method: String,
        args: Vec<Value>,
        kwargs: Map<String, Value>,
    ) -> Result<Outcome, OdooException> {
        self.blocking(move |s| s.call(uid, &model, &method, &args, &kwargs))
            .await
    }

    async fn uid_for_key(&self, _caller: Caller, key: String) -> Option<i64> {
        self.lock().ok()?.uid_for_key(&key)
    }

    async fn call_json2(
        &self,
        uid: i64,
        model: String,
        method: String,
        body: Map<String, Value>,
    ) -> Result<Outcome, Json2Refusal> {
        self.blocking(move |s| Ok(s.call_json2(uid, &model, &method, &body)))
            .await?
    }
}
