//! The RPC services of the emulated server (`common`, `db`, `object`), as `dispatch_rpc` runs
//! them: argument binding, authentication, one transaction per call.

use serde_json::{Map, Value, json};

use super::methods::{Outcome, call_kw};
use super::store::Store;
use crate::rpc::error::{ExceptionKind, OdooException};
use crate::rpc::service::{ServerFacts, ServiceCall, bind, uid_arg};

type Result<T> = std::result::Result<T, OdooException>;

/// A user of the emulated database.
#[derive(Clone, Debug)]
pub struct User {
    pub uid: i64,
    pub login: String,
    pub password: String,
    /// API keys usable instead of the password on RPC.
    pub api_keys: Vec<String>,
}

/// The emulated server: its database (one, named like the real recordings' `odoo`), users and
/// version.
#[derive(Debug)]
pub struct Server {
    pub version: u32,
    pub db_name: String,
    pub store: Store,
    pub users: Vec<User>,
    /// Test knob: after this many more `object` calls succeed, every later one fails (as a
    /// database that went away does) until it is set back to `None`.
    pub fail_after: Option<u64>,
    /// Web sessions: cookie value → uid.
    pub sessions: std::collections::HashMap<String, i64>,
}

impl Server {
    /// `common.version()`.
    pub fn version_info(&self) -> Value {
        let v = self.version;
        json!({
            "server_version": format!("{v}.0"),
            "server_version_info": [v, 0, 0, "final", 0, ""],
            "server_serie": format!("{v}.0"),
            "protocol_version": 1,
        })
    }

    fn check_db(&self, db: &Value) -> Result<()> {
        let name = db.as_str().unwrap_or_default();
        if name == self.db_name {
            Ok(())
        } else {
            Err(OdooException::new(
                ExceptionKind::OperationalError,
                format!(
                    "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  database \"{name}\" does not exist\n"
                ),
            ))
        }
    }

    /// The uid for `login` and a password or API key, if they match an active user.
    pub fn authenticate(&self, login: &str, secret: &str) -> Option<i64> {
        self.users
            .iter()
            .find(|u| {
                u.login == login
                    && !secret.is_empty()
                    && (u.password == secret || u.api_keys.iter().any(|k| k == secret))
            })
            .map(|u| u.uid)
    }

    /// The uid whose API key this is (JSON-2 bearer authentication).
    pub fn uid_for_key(&self, key: &str) -> Option<i64> {
        self.users
            .iter()
            .find(|u| u.api_keys.iter().any(|k| k == key))
            .map(|u| u.uid)
    }

    fn check_user(&self, uid: &Value, password: &Value) -> Result<i64> {
        let uid = uid_arg(uid)?;
        let secret = password.as_str().unwrap_or_default();
        let Some(user) = self.users.iter().find(|u| u.uid == uid) else {
            return Err(OdooException::missing("res.users", &[uid], uid));
        };
        if secret.is_empty()
            || (user.password != secret && !user.api_keys.iter().any(|k| k == secret))
        {
            return Err(OdooException::access_denied());
        }
        Ok(uid)
    }

    /// `dispatch_rpc(service, method, args)`.
    pub fn dispatch(&mut self, service: &str, method: &str, args: &[Value]) -> Result<Outcome> {
        Ok(Some(match bind(service, method, args.to_vec())? {
            ServiceCall::Login {
                db,
                login,
                password,
            } => {
                self.check_db(&db)?;
                self.authenticate(&login, &password)
                    .map_or(json!(false), |u| json!(u))
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
                return self.execute(&db, &uid, &password, &model, &method, &args, &kwargs);
            }
            other => {
                return Ok(other.describe(ServerFacts {
                    version_info: self.version_info(),
                    about: "See http://openerp.com",
                    server_version: &format!("{}.0", self.version),
                    database: &self.db_name,
                }));
            }
        }))
    }

    /// `object.execute_kw` after binding: authenticate, then run the method in one transaction
    /// (on error, nothing of it is kept).
    #[allow(clippy::too_many_arguments)]
    fn execute(
        &mut self,
        db: &Value,
        uid: &Value,
        password: &Value,
        model: &str,
        method: &str,
        args: &[Value],
        kwargs: &Map<String, Value>,
    ) -> Result<Outcome> {
        self.check_db(db)?;
        let uid = self.check_user(uid, password)?;
        self.call(uid, model, method, args, kwargs)
    }

    /// Runs one JSON-2 call as `uid` in its own transaction.
    pub fn call_json2(
        &mut self,
        uid: i64,
        model: &str,
        method: &str,
        body: &Map<String, Value>,
    ) -> std::result::Result<Outcome, super::methods::Json2Refusal> {
        self.injected_fault()
            .map_err(super::methods::Json2Refusal::Exception)?;
        self.store.uid = uid;
        self.store.begin();
        self.store.snapshot();
        let result = super::methods::call_json2(&mut self.store, model, method, body);
        if result.is_err() {
            self.store.restore();
        } else {
            self.store.commit();
        }
        result
    }

    /// `ir.http.session_info()` for `uid` (the keys the RPC clients read; the web client's own
    /// settings are left out).
    pub fn session_info(&self, uid: i64, base_url: &str) -> Value {
        let user = self.users.iter().find(|u| u.uid == uid);
        let partner = self
            .store
            .stored("res.users", uid, "partner_id")
            .as_i64()
            .unwrap_or(0);
        let company = self
            .store
            .stored("res.users", uid, "company_id")
            .as_i64()
            .unwrap_or(1);
        let v = self.version;
        json!({
            "uid": uid,
            "is_system": true,
            "is_admin": true,
            "is_public": false,
            "is_internal_user": true,
            "user_context": crate::rpc::methods::user_context(uid, super::TZ),
            "db": self.db_name,
            "server_version": format!("{v}.0"),
            "server_version_info": [v, 0, 0, "final", 0, ""],
            "support_url": "https://www.odoo.com/buy",
            "name": self.store.stored("res.users", uid, "name"),
            "username": user.map(|u| u.login.clone()),
            "partner_write_date": self.store.row("res.partner", partner).map(|r| super::store::format_datetime(r.write_us)),
            "partner_display_name": self.store.display_name("res.partner", partner),
            "partner_id": partner,
            "web.base.url": base_url,
            "active_ids_limit": 20000,
            "max_file_upload_size": 134217728,
            "home_action_id": false,
            "currencies": {"1": {"symbol": "$", "position": "before", "digits": [69, 2]}},
            "user_companies": {
                "current_company": company,
                "allowed_companies": {company.to_string(): {"id": company, "name": self.store.display_name("res.company", company), "sequence": 0, "child_ids": [], "parent_id": false}},
                "disallowed_ancestor_companies": {},
            },
        })
    }

    /// `/web/session/authenticate`: an interactive login (the password, not an API key).
    pub fn web_login(&mut self, db: &str, login: &str, password: &str) -> Result<(String, i64)> {
        if db != self.db_name {
            return Err(OdooException::new(
                ExceptionKind::AccessError,
                "Database not found.",
            ));
        }
        let uid = self
            .users
            .iter()
            .find(|u| u.login == login && !password.is_empty() && u.password == password)
            .map(|u| u.uid)
            .ok_or_else(OdooException::access_denied)?;
        let sid = crate::rpc::http::new_session_id();
        self.sessions.insert(sid.clone(), uid);
        Ok((sid, uid))
    }

    /// Counts an `object` call against the `fail_after` knob.
    fn injected_fault(&mut self) -> Result<()> {
        match &mut self.fail_after {
            Some(0) => Err(OdooException::new(
                ExceptionKind::OperationalError,
                "server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally\n\tbefore or while processing the request.\n",
            )),
            Some(n) => {
                *n -= 1;
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Runs one ORM call as `uid` in its own transaction.
    pub fn call(
        &mut self,
        uid: i64,
        model: &str,
        method: &str,
        args: &[Value],
        kwargs: &Map<String, Value>,
    ) -> Result<Outcome> {
        self.injected_fault()?;
        self.store.uid = uid;
        self.store.begin();
        self.store.snapshot();
        let result = call_kw(&mut self.store, model, method, args, kwargs);
        if result.is_err() {
            self.store.restore();
        } else {
            self.store.commit();
        }
        result
    }
}
