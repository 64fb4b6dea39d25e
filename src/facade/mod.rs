//! The hub's Odoo-compatible RPC facade: the addon, admins' scripts and any Odoo client library
//! talk to the hub with Odoo's own protocols (`/jsonrpc`, `/xmlrpc/2`, `/xmlrpc`, the web
//! session routes, `call_kw` and JSON-2), over the hub's own models (`adlerdo.product`,
//! `adlerdo.listing`, ...). The routes and wire formats are the emulator's
//! ([`crate::rpc::http`]); this module is the [`Backend`] behind them.
//!
//! Authentication: an API key made with `adlerdo keys create --name NAME` is the password; the
//! login is the key's name, the uid its id. JSON-2 takes the key alone as a bearer token. Web
//! sessions (`/web/session/authenticate`) take the same key, are kept in memory and belong to
//! one replica. Failed logins are throttled per client address (Odoo's own cooldown rule, which
//! Odoo applies to web logins only, applied here to every protocol).

pub mod cache;
pub mod crypto;
pub mod listings;
pub mod model;
pub mod orm;
pub mod sql;
pub mod sync;

use std::net::IpAddr;
use std::time::Duration;

use actix_web::web;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use self::crypto::SecretBox;
use crate::rpc::error::{ExceptionKind, OdooException};
use crate::rpc::http::{Backend, Caller, Json2Refusal, Outcome, new_session_id};
use crate::rpc::service::{ServerFacts, ServiceCall, bind, uid_arg};
use crate::state::AppState;

/// The Odoo series whose protocol the facade speaks (envelopes, error shapes; JSON-2 as 19).
pub const ODOO_SERIES: u32 = 18;
/// `server_version`: Odoo's own form with an edition suffix, as Enterprise's `18.0+e`, so that
/// client libraries that parse the leading number see 18 and people see AdlerDo.
pub const SERVER_VERSION: &str = "18.0+adlerdo";

type Result<T> = std::result::Result<T, OdooException>;

/// A facade user: an API key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyUser {
    pub uid: i64,
    pub name: String,
}

/// The facade: the hub's state plus what the RPC layer needs (key cache, sessions, throttle).
pub struct Facade {
    pub state: AppState,
    pub secrets: SecretBox,
    /// Answers of read-only calls.
    pub reads: cache::ReadCache,
    /// SHA-256 of a key → its user (checked keys only; a revoked key lives on for the TTL).
    keys: moka::sync::Cache<[u8; 32], KeyUser>,
    /// Web sessions: session id → uid.
    sessions: moka::sync::Cache<String, i64>,
    /// Failed logins per client address, forgotten `login_cooldown_secs` after the last one.
    failures: moka::sync::Cache<IpAddr, u32>,
}

fn too_many_failures() -> OdooException {
    OdooException::new(
        ExceptionKind::AccessDenied,
        "Too many login failures, please wait a bit before trying again.",
    )
}

impl Facade {
    pub fn new(state: AppState, secrets: SecretBox) -> Self {
        let f = &state.settings.facade;
        let keys = moka::sync::Cache::builder()
            .max_capacity(10_000)
            .time_to_live(Duration::from_secs(f.key_cache_secs.max(1)))
            .build();
        let sessions = moka::sync::Cache::builder()
            .max_capacity(100_000)
            .time_to_idle(Duration::from_secs(7 * 24 * 3600))
            .build();
        let failures = moka::sync::Cache::builder()
            .max_capacity(100_000)
            .time_to_live(Duration::from_secs(f.login_cooldown_secs.max(1)))
            .build();
        let reads = cache::ReadCache::new(f.read_cache_ms);
        Self {
            state,
            secrets,
            reads,
            keys,
            sessions,
            failures,
        }
    }

    /// Registers the RPC routes with `facade` behind them.
    pub fn configure(facade: &web::Data<Self>, cfg: &mut web::ServiceConfig) {
        cfg.app_data(facade.clone());
        crate::rpc::http::configure::<Facade>(cfg);
    }

    fn database(&self) -> &str {
        &self.state.settings.facade.database
    }

    /// The `db` argument: the facade's database name, or the error Odoo gives for a database
    /// that does not exist.
    fn check_db(&self, db: &Value) -> Result<()> {
        let name = db.as_str().unwrap_or_default();
        if name == self.database() {
            Ok(())
        } else {
            Err(OdooException::new(
                ExceptionKind::OperationalError,
                format!(
                    "connection to server failed: FATAL:  database \"{name}\" does not exist\n"
                ),
            ))
        }
    }

    fn throttled(&self, caller: Caller) -> bool {
        let after = self.state.settings.facade.login_cooldown_after;
        after > 0
            && caller
                .ip
                .and_then(|ip| self.failures.get(&ip))
                .is_some_and(|n| n >= after)
    }

    fn failed(&self, caller: Caller) {
        if let Some(ip) = caller.ip {
            let n = self.failures.get(&ip).unwrap_or(0).saturating_add(1);
            self.failures.insert(ip, n);
            if n == self.state.settings.facade.login_cooldown_after {
                log::warn!("facade: {n} failed logins from {ip}; refusing it for a while");
            }
        }
    }

    /// The user of an API key (cached), or `None`.
    async fn key_user(&self, key: &str) -> Result<Option<KeyUser>> {
        let digest: [u8; 32] = Sha256::digest(key.as_bytes()).into();
        if let Some(user) = self.keys.get(&digest) {
            return Ok(Some(user));
        }
        let presented = key.to_string();
        let found = self
            .state
            .db
            .write(move |c| crate::auth::verify_key(c, &presented))
            .await
            .map_err(db_exception)?;
        Ok(found.map(|k| {
            let user = KeyUser {
                uid: k.id,
                name: k.name,
            };
            self.keys.insert(digest, user.clone());
            user
        }))
    }

    /// Checks credentials under the throttle: `Ok(None)` for wrong ones (counted).
    async fn authenticate(
        &self,
        caller: Caller,
        check: impl FnOnce(&KeyUser) -> bool,
        key: &str,
    ) -> Result<Option<KeyUser>> {
        if self.throttled(caller) {
            return Err(too_many_failures());
        }
        let user = self.key_user(key).await?.filter(check);
        match (&user, caller.ip) {
            (Some(_), Some(ip)) => self.failures.invalidate(&ip),
            (None, _) => self.failed(caller),
            _ => {}
        }
        Ok(user)
    }

    /// `common.login`: the uid for `login` (the key's name) and the key.
    async fn login(&self, caller: Caller, login: &str, key: &str) -> Result<Option<i64>> {
        Ok(self
            .authenticate(caller, |u| u.name == login, key)
            .await?
            .map(|u| u.uid))
    }

    /// The uid of an `object` call, or AccessDenied.
    async fn check_user(&self, caller: Caller, uid: &Value, password: &Value) -> Result<i64> {
        let uid = uid_arg(uid)?;
        let key = password.as_str().unwrap_or_default();
        self.authenticate(caller, |u| u.uid == uid, key)
            .await?
            .map(|u| u.uid)
            .ok_or_else(OdooException::access_denied)
    }

    fn new_session(&self, uid: i64) -> String {
        let sid = new_session_id();
        self.sessions.insert(sid.clone(), uid);
        sid
    }

    async fn user_name(&self, uid: i64) -> String {
        let found = self
            .state
            .db
            .run(move |c| {
                use diesel::prelude::*;
                crate::db::schema::api_keys::table
                    .find(uid)
                    .select(crate::db::schema::api_keys::name)
                    .first::<String>(c)
                    .optional()
            })
            .await;
        found.ok().flatten().unwrap_or_default()
    }
}

/// A database failure as the exception a client sees (the details go to the log).
pub fn db_exception(e: crate::db::DbError) -> OdooException {
    log::error!("facade: database error: {e}");
    OdooException::new(
        ExceptionKind::OperationalError,
        format!("the hub's database failed: {e}"),
    )
}

/// `common.version()` of the facade.
pub fn version_info() -> Value {
    json!({
        "server_version": SERVER_VERSION,
        "server_version_info": [ODOO_SERIES, 0, 0, "final", 0, "adlerdo"],
        "server_serie": format!("{ODOO_SERIES}.0"),
        "protocol_version": 1,
        "adlerdo_version": env!("CARGO_PKG_VERSION"),
    })
}

impl Backend for Facade {
    fn version(&self) -> u32 {
        ODOO_SERIES
    }

    fn serves_json2(&self) -> bool {
        true
    }

    fn body_limit(&self) -> usize {
        self.state.settings.server.body_limit_bytes
    }

    fn version_info(&self) -> Value {
        version_info()
    }

    fn databases(&self) -> Vec<String> {
        vec![self.database().to_string()]
    }

    async fn dispatch(
        &self,
        caller: Caller,
        service: String,
        method: String,
        args: Vec<Value>,
    ) -> Result<Outcome> {
        Ok(Some(match bind(&service, &method, args)? {
            ServiceCall::Login {
                db,
                login,
                password,
            } => {
                self.check_db(&db)?;
                self.login(caller, &login, &password)
                    .await?
                    .map_or(json!(false), |uid| json!(uid))
            }
            ServiceCall::Execute {
                db,
                uid,
                password,
                model,
                method,
                args,
                kwargs,
            } => {
                self.check_db(&db)?;
                let uid = self.check_user(caller, &uid, &password).await?;
                return orm::call_kw(self, uid, &model, &method, &args, &kwargs).await;
            }
            other => {
                return Ok(other.describe(ServerFacts {
                    version_info: version_info(),
                    about: "AdlerDo: keeps Odoo and online marketplaces in sync",
                    server_version: SERVER_VERSION,
                    database: self.database(),
                }));
            }
        }))
    }

    async fn web_login(
        &self,
        caller: Caller,
        db: String,
        login: String,
        password: String,
    ) -> Result<(String, i64)> {
        if db != self.database() {
            return Err(OdooException::new(
                ExceptionKind::AccessError,
                "Database not found.",
            ));
        }
        let uid = self
            .login(caller, &login, &password)
            .await?
            .ok_or_else(OdooException::access_denied)?;
        Ok((self.new_session(uid), uid))
    }

    fn session_uid(&self, sid: &str) -> Option<i64> {
        self.sessions.get(sid)
    }

    fn end_session(&self, sid: &str) {
        self.sessions.invalidate(sid);
    }

    async fn session_info(&self, uid: i64, base_url: &str) -> Value {
        let name = self.user_name(uid).await;
        json!({
            "uid": uid,
            "is_system": true,
            "is_admin": true,
            "is_public": false,
            "is_internal_user": true,
            "user_context": orm::user_context(uid),
            "db": self.database(),
            "server_version": SERVER_VERSION,
            "server_version_info": [ODOO_SERIES, 0, 0, "final", 0, "adlerdo"],
            "name": name,
            "username": name,
            "partner_id": false,
            "partner_display_name": name,
            "web.base.url": base_url,
            "user_companies": false,
            "currencies": {},
        })
    }

    fn has_model(&self, model: &str) -> bool {
        orm::has_model(model)
    }

    async fn call(
        &self,
        uid: i64,
        model: String,
        method: String,
        args: Vec<Value>,
        kwargs: Map<String, Value>,
    ) -> Result<Outcome> {
        orm::call_kw(self, uid, &model, &method, &args, &kwargs).await
    }

    async fn uid_for_key(&self, caller: Caller, key: String) -> Option<i64> {
        match self.authenticate(caller, |_| true, &key).await {
            Ok(user) => user.map(|u| u.uid),
            Err(_) => None,
        }
    }

    async fn call_json2(
        &self,
        uid: i64,
        model: String,
        method: String,
        body: Map<String, Value>,
    ) -> std::result::Result<Outcome, Json2Refusal> {
        orm::call_json2(self, uid, &model, &method, &body).await
    }
}
