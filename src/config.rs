//! Typed settings: embedded defaults, then an optional TOML file, then `ADLERDO_*` environment
//! variables (`__` separates nesting levels: `ADLERDO_SERVER__PORT=8080`).
//!
//! Every field has a serde default, so an empty configuration is a complete one: the service runs
//! in sandbox mode on SQLite in `./adlerdo-data`. `validate()` collects every problem at once and
//! names the setting each one is about.

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Prefix of the environment variables that override settings.
pub const ENV_PREFIX: &str = "ADLERDO_";
/// Environment variable naming the config file (it is not itself a setting).
pub const CONFIG_FILE_ENV: &str = "ADLERDO_CONFIG";
/// The config file read from the working directory when none is named.
pub const DEFAULT_CONFIG_FILE: &str = "adlerdo.toml";

/// A string that never shows up in `Debug` output or logs.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The secret itself: call only where it is sent or compared.
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("\"\"")
        } else {
            f.write_str("\"***\"")
        }
    }
}

/// What the hub talks to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// No Odoo and no marketplace credentials: simulators on loopback stand in for them.
    #[default]
    Sandbox,
    /// A real Odoo (and the marketplace accounts configured through it).
    Live,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sandbox => "sandbox",
            Self::Live => "live",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// `sandbox` (the default: simulators, no credentials) or `live`.
    pub mode: Mode,
    /// Where the hub keeps its files (the default SQLite database among them).
    pub data_dir: PathBuf,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub jobs: JobSettings,
    pub schedule: ScheduleSettings,
    pub odoo: OdooSettings,
    pub facade: FacadeSettings,
    pub stock: StockSettings,
    pub orders: OrderSettings,
    pub marketplaces: MarketplaceSettings,
    pub log: LogSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            mode: Mode::default(),
            data_dir: PathBuf::from("adlerdo-data"),
            server: ServerSettings::default(),
            database: DatabaseSettings::default(),
            jobs: JobSettings::default(),
            schedule: ScheduleSettings::default(),
            odoo: OdooSettings::default(),
            facade: FacadeSettings::default(),
            stock: StockSettings::default(),
            orders: OrderSettings::default(),
            marketplaces: MarketplaceSettings::default(),
            log: LogSettings::default(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    pub host: String,
    /// 0 picks a free port (tests).
    pub port: u16,
    /// HTTP worker threads; 0 means one per CPU core.
    pub workers: usize,
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// How long in-flight requests get to finish on shutdown.
    pub shutdown_timeout_secs: u64,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8070,
            workers: 0,
            body_limit_bytes: 4 * 1024 * 1024,
            shutdown_timeout_secs: 10,
        }
    }
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://PATH` or `postgres://USER:PASSWORD@HOST:PORT/DB`; empty means
    /// `sqlite://<data_dir>/adlerdo.db`.
    pub url: String,
    pub pool_size: u32,
    pub connect_timeout_secs: u64,
    /// SQLite only: how long a writer waits for the lock before failing.
    pub sqlite_busy_timeout_ms: u32,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: String::new(),
            pool_size: 8,
            connect_timeout_secs: 5,
            sqlite_busy_timeout_ms: 5000,
        }
    }
}

impl fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &crate::db::url::redact(&self.url))
            .field("pool_size", &self.pool_size)
            .field("connect_timeout_secs", &self.connect_timeout_secs)
            .field("sqlite_busy_timeout_ms", &self.sqlite_busy_timeout_ms)
            .finish()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobSettings {
    /// Worker tasks on this replica; 0 runs no jobs here (a web-only replica).
    pub workers: usize,
    /// How often an idle worker looks for due jobs.
    pub poll_interval_ms: u64,
    /// How long a claimed job stays leased; the worker renews it while the job runs.
    pub lease_secs: u64,
    /// Attempts before a job is dead-lettered.
    pub max_attempts: i32,
    /// First retry delay; it doubles with every attempt, with jitter.
    pub backoff_base_ms: u64,
    /// Longest retry delay.
    pub backoff_max_secs: u64,
    /// An attempt running longer than this is stopped and counts as failed.
    pub timeout_secs: u64,
    /// On shutdown, how long running jobs get to finish before they are released.
    pub shutdown_grace_secs: u64,
    /// How long finished jobs are kept before the cleanup job deletes them.
    pub keep_done_secs: u64,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            workers: 2,
            poll_interval_ms: 500,
            lease_secs: 60,
            max_attempts: 8,
            backoff_base_ms: 1000,
            backoff_max_secs: 3600,
            timeout_secs: 900,
            shutdown_grace_secs: 10,
            keep_done_secs: 24 * 3600,
        }
    }
}

/// Intervals of the periodic jobs, in seconds; 0 disables one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScheduleSettings {
    /// Deletes finished jobs older than `jobs.keep_done_secs`.
    pub cleanup_secs: u64,
    /// Incremental product sync from Odoo (the safety net behind the addon's notifications).
    pub product_sync_secs: u64,
}

impl Default for ScheduleSettings {
    fn default() -> Self {
        Self {
            cleanup_secs: 600,
            product_sync_secs: 300,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OdooSettings {
    /// Base URL of the Odoo server, e.g. `http://odoo:8069` (live mode).
    pub url: String,
    /// Odoo database name.
    pub database: String,
    pub login: String,
    /// API key (or password) of `login`.
    pub api_key: Secret,
    /// Records per RPC page.
    pub page_size: usize,
    /// Seconds an RPC call may take.
    pub timeout_secs: u64,
    /// Incremental product syncs start this many seconds before the last `write_date` seen, so
    /// that rows committed late by long Odoo transactions are not missed.
    pub overlap_secs: u64,
}

impl Default for OdooSettings {
    fn default() -> Self {
        Self {
            url: String::new(),
            database: String::new(),
            login: String::new(),
            api_key: Secret::default(),
            page_size: 500,
            timeout_secs: 60,
            overlap_secs: 300,
        }
    }
}

/// The Odoo-compatible RPC facade (`/jsonrpc`, `/xmlrpc/2`, JSON-2, web sessions).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FacadeSettings {
    /// The database name clients pass as `db` (checked on every call).
    pub database: String,
    /// Failed logins from one client address before further attempts are refused...
    pub login_cooldown_after: u32,
    /// ...for this many seconds (0 for `login_cooldown_after` disables the throttle).
    pub login_cooldown_secs: u64,
    /// How long a checked API key is remembered (a revoked key stops working within this).
    pub key_cache_secs: u64,
    /// How long answers of read-only calls are kept (ms; 0: not at all). Changes made through
    /// this process are seen at once; changes made by another replica within this.
    pub read_cache_ms: u64,
    /// Key sealing marketplace credentials at rest: 32 bytes, base64. Empty: a key generated on
    /// first start and kept in `<data_dir>/secret.key` (give every replica the same key).
    pub secret_key: Secret,
}

impl Default for FacadeSettings {
    fn default() -> Self {
        Self {
            database: "adlerdo".into(),
            login_cooldown_after: 5,
            login_cooldown_secs: 60,
            key_cache_secs: 10,
            read_cache_ms: 1000,
            secret_key: Secret::default(),
        }
    }
}

/// Flow 2: stock Odoo -> marketplaces.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StockSettings {
    /// How long a changed quantity waits before it is pushed (ms), so that a burst of changes to
    /// the same SKUs goes out as one batch with only the newest values. 0 pushes at once.
    pub debounce_ms: u64,
    /// Full stock poll from Odoo, the safety net behind the addon's notifications (seconds; 0
    /// disables it).
    pub poll_secs: u64,
    /// Variants read from Odoo per call.
    pub read_batch: usize,
    /// How long a push may hold its listings before another worker may take them over (seconds).
    pub claim_secs: u64,
}

impl Default for StockSettings {
    fn default() -> Self {
        Self {
            debounce_ms: 500,
            poll_secs: 900,
            read_batch: 1000,
            claim_secs: 300,
        }
    }
}

/// Flow 3: orders marketplaces -> hub -> Odoo (every account; per-account settings such as the
/// tax policy and the delivery product live with the account).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrderSettings {
    /// How often each enabled account is asked for new and changed orders (seconds; an account's
    /// `order_poll_secs` setting overrides it; 0 disables polling).
    pub poll_secs: u64,
    /// Each poll asks again for this much time before the last complete poll (seconds), so
    /// that orders the marketplace indexes late, or stamps with a skewed clock, are not missed.
    pub overlap_secs: u64,
    /// How far back the first poll of a new account looks (days).
    pub lookback_days: u64,
    /// Orders sent to Odoo per batch (one partner search, one create and one confirmation per
    /// batch).
    pub batch: usize,
    /// How long a worker may hold orders it is sending before another may take them over
    /// (seconds; longer than any Odoo call).
    pub claim_secs: u64,
    /// Sandbox mode: a simulated buyer places an order on one of the simulators this often
    /// (seconds; 0: never), so that the whole cycle runs without anyone doing anything.
    pub sandbox_order_secs: u64,
}

impl Default for OrderSettings {
    fn default() -> Self {
        Self {
            poll_secs: 120,
            overlap_secs: 600,
            lookback_days: 7,
            batch: 100,
            claim_secs: 300,
            sandbox_order_secs: 30,
        }
    }
}

/// How the hub calls the marketplaces (every account; per-account settings live with the
/// account in the hub's database).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MarketplaceSettings {
    /// Seconds one HTTP call may take.
    pub timeout_secs: u64,
    /// Attempts of one call (429, 5xx, timeouts) before the job retries later.
    pub max_attempts: u32,
    /// The longest a call waits in place for a rate limit (seconds); longer waits go back to
    /// the job queue.
    pub max_wait_secs: u64,
    /// Sandbox mode: the simulators' time scale (1.0 is real time; 60.0 runs a minute of
    /// rate-limit time per second).
    pub sandbox_time_scale: f64,
}

impl Default for MarketplaceSettings {
    fn default() -> Self {
        Self {
            timeout_secs: 30,
            max_attempts: 4,
            max_wait_secs: 30,
            sandbox_time_scale: 1.0,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// `env_logger` filter: a level, optionally with per-module levels
    /// (`info,adlerdo::jobs=debug`). `RUST_LOG` overrides it.
    pub level: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            level: "info,actix_server=warn".into(),
        }
    }
}

/// Where the configuration came from, for messages.
#[derive(Clone, Debug, Default)]
pub struct Source {
    pub file: Option<PathBuf>,
}

/// A configuration that could not be read: names the setting and where it came from.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LoadError(String);

impl Settings {
    /// Defaults, then `file` (or `$ADLERDO_CONFIG`, or `./adlerdo.toml` when it exists), then the
    /// `ADLERDO_*` environment variables.
    pub fn load(file: Option<&Path>) -> Result<(Self, Source), LoadError> {
        let file = match file {
            Some(f) => Some(f.to_path_buf()),
            None => match std::env::var_os(CONFIG_FILE_ENV) {
                Some(f) if !f.is_empty() => Some(PathBuf::from(f)),
                _ => Some(PathBuf::from(DEFAULT_CONFIG_FILE)).filter(|p| p.exists()),
            },
        };
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(path) = &file {
            if !path.is_file() {
                return Err(LoadError(format!(
                    "config file {}: not found (named by --config or {CONFIG_FILE_ENV})",
                    path.display()
                )));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        figment = figment.merge(Self::env_provider());
        let settings = figment.extract().map_err(|e| LoadError(describe(e)))?;
        Ok((settings, Source { file }))
    }

    /// Parses a TOML document over the defaults (no environment): for tests and tooling.
    pub fn from_toml_str(text: &str) -> Result<Self, LoadError> {
        Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::string(text))
            .extract()
            .map_err(|e| LoadError(describe(e)))
    }

    fn env_provider() -> Env {
        Env::prefixed(ENV_PREFIX).ignore(&["config"]).split("__")
    }

    /// The database URL in effect (the empty default resolves to a file in `data_dir`).
    pub fn database_url(&self) -> String {
        if self.database.url.trim().is_empty() {
            format!("sqlite://{}", self.data_dir.join("adlerdo.db").display())
        } else {
            self.database.url.trim().to_string()
        }
    }

    /// Every problem with these settings, each naming its setting; empty when all is well.
    pub fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut check = |ok: bool, msg: String| {
            if !ok {
                problems.push(msg);
            }
        };
        check(
            !self.data_dir.as_os_str().is_empty(),
            "data_dir: must not be empty".into(),
        );
        let s = &self.server;
        check(
            s.host.parse::<IpAddr>().is_ok() || is_hostname(&s.host),
            format!(
                "server.host: {:?} is neither an IP address nor a host name",
                s.host
            ),
        );
        check(
            s.body_limit_bytes >= 1024,
            format!(
                "server.body_limit_bytes: {} is below the minimum of 1024",
                s.body_limit_bytes
            ),
        );
        check(
            s.workers <= 256,
            format!("server.workers: {} is more than 256", s.workers),
        );
        if let Err(e) = crate::db::url::DatabaseUrl::parse(&self.database_url()) {
            check(false, format!("database.url: {e}"));
        }
        check(
            self.stock.read_batch >= 1,
            "stock.read_batch: must be at least 1".into(),
        );
        check(
            self.stock.claim_secs >= 10,
            format!(
                "stock.claim_secs: {} is below the minimum of 10",
                self.stock.claim_secs
            ),
        );
        let o = &self.orders;
        check(
            (1..=500).contains(&o.batch),
            format!("orders.batch: {} is not between 1 and 500", o.batch),
        );
        check(
            o.claim_secs >= 5,
            format!(
                "orders.claim_secs: {} is below the minimum of 5",
                o.claim_secs
            ),
        );
        let m = &self.marketplaces;
        check(
            m.timeout_secs >= 1,
            "marketplaces.timeout_secs: must be at least 1".into(),
        );
        check(
            m.max_attempts >= 1,
            "marketplaces.max_attempts: must be at least 1".into(),
        );
        check(
            m.sandbox_time_scale.is_finite() && m.sandbox_time_scale > 0.0,
            format!(
                "marketplaces.sandbox_time_scale: {} must be a positive number",
                m.sandbox_time_scale
            ),
        );
        let d = &self.database;
        check(
            (1..=1000).contains(&d.pool_size),
            format!(
                "database.pool_size: {} is not between 1 and 1000",
                d.pool_size
            ),
        );
        check(
            d.connect_timeout_secs >= 1,
            "database.connect_timeout_secs: must be at least 1".into(),
        );
        let j = &self.jobs;
        check(
            j.workers <= 256,
            format!("jobs.workers: {} is more than 256", j.workers),
        );
        check(
            j.poll_interval_ms >= 10,
            format!(
                "jobs.poll_interval_ms: {} is below the minimum of 10",
                j.poll_interval_ms
            ),
        );
        check(
            j.lease_secs >= 1,
            "jobs.lease_secs: must be at least 1".into(),
        );
        check(
            j.timeout_secs >= 1,
            "jobs.timeout_secs: must be at least 1".into(),
        );
        check(
            (1..=1000).contains(&j.max_attempts),
            format!(
                "jobs.max_attempts: {} is not between 1 and 1000",
                j.max_attempts
            ),
        );
        check(
            j.backoff_base_ms >= 1,
            "jobs.backoff_base_ms: must be at least 1".into(),
        );
        check(
            j.backoff_max_secs.saturating_mul(1000) >= j.backoff_base_ms,
            format!(
                "jobs.backoff_max_secs: {} s is shorter than jobs.backoff_base_ms ({} ms)",
                j.backoff_max_secs, j.backoff_base_ms
            ),
        );
        check(
            (1..=10_000).contains(&self.odoo.page_size),
            format!(
                "odoo.page_size: {} is not between 1 and 10000",
                self.odoo.page_size
            ),
        );
        check(
            self.odoo.timeout_secs >= 1,
            "odoo.timeout_secs: must be at least 1".into(),
        );
        check(
            !self.facade.database.trim().is_empty(),
            "facade.database: must not be empty".into(),
        );
        if !self.facade.secret_key.is_empty()
            && let Err(e) = crate::facade::crypto::parse_key(self.facade.secret_key.expose())
        {
            check(false, format!("facade.secret_key: {e}"));
        }
        if self.mode == Mode::Live {
            let o = &self.odoo;
            check(
                o.url.starts_with("http://") || o.url.starts_with("https://"),
                format!(
                    "odoo.url: live mode needs the Odoo URL (http:// or https://), got {:?}",
                    o.url
                ),
            );
            check(
                !o.database.is_empty(),
                "odoo.database: live mode needs the Odoo database name".into(),
            );
            check(
                !o.login.is_empty(),
                "odoo.login: live mode needs the Odoo login".into(),
            );
            check(
                !o.api_key.is_empty(),
                "odoo.api_key: live mode needs the API key (or password) of odoo.login".into(),
            );
        }
        if let Err(e) = crate::telemetry::parse_filter(&self.log.level) {
            check(false, format!("log.level: {e}"));
        }
        problems
    }
}

fn is_hostname(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// One line per figment error, naming the setting (dotted path) and where its value came from
/// (the environment variable or the file).
fn describe(err: figment::Error) -> String {
    err.into_iter()
        .map(|e| {
            let file = e
                .metadata
                .as_ref()
                .and_then(|m| m.source.as_ref())
                .map(|s| s.to_string());
            let key = match (e.path.is_empty(), file) {
                (false, _) => e.path.join("."),
                (true, Some(file)) => format!("config file {file}"),
                (true, None) => "configuration".to_string(),
            };
            let origin = match &e.metadata {
                Some(m) if m.name.contains("environment") && !e.path.is_empty() => {
                    format!(
                        " (from {ENV_PREFIX}{})",
                        e.path.join("__").to_ascii_uppercase()
                    )
                }
                Some(m) => match &m.source {
                    Some(src) => format!(" (from {} {src})", m.name),
                    None => format!(" (from {})", m.name),
                },
                None => String::new(),
            };
            // Parser messages span lines (with a caret under the spot); errors are one line.
            let kind = e
                .kind
                .to_string()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            format!("{key}: {kind}{origin}")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's closures return figment::Error
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_sandboxed() {
        let s = Settings::default();
        assert_eq!(s.validate(), Vec::<String>::new());
        assert_eq!(s.mode, Mode::Sandbox);
        assert!(s.database_url().starts_with("sqlite://"));
        assert!(s.database_url().ends_with("adlerdo.db"));
    }

    #[test]
    fn secrets_are_masked_in_debug() {
        let mut s = Settings::default();
        s.odoo.api_key = Secret::new("hunter2-api-key");
        s.database.url = "postgres://hub:pgsecret@db:5432/hub".into();
        let shown = format!("{s:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("pgsecret"), "{shown}");
        assert!(shown.contains("***"));
        assert!(
            shown.contains("db:5432/hub"),
            "the rest of the URL stays readable: {shown}"
        );
    }

    #[test]
    fn validate_collects_every_problem() {
        let mut s = Settings {
            mode: Mode::Live,
            ..Settings::default()
        };
        s.server.host = "bad host!".into();
        s.database.url = "mysql://x".into();
        s.jobs.max_attempts = 0;
        s.log.level = "loud".into();
        let problems = s.validate();
        for key in [
            "server.host",
            "database.url",
            "jobs.max_attempts",
            "odoo.url",
            "odoo.database",
            "odoo.login",
            "odoo.api_key",
            "log.level",
        ] {
            assert!(
                problems.iter().any(|p| p.starts_with(key)),
                "no problem reported for {key}: {problems:?}"
            );
        }
    }

    #[test]
    fn file_then_env_with_nesting() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "adlerdo.toml",
                "mode = \"live\"\n[server]\nport = 9000\nhost = \"0.0.0.0\"\n[odoo]\nurl = \"http://odoo:8069\"\n",
            )?;
            jail.set_env("ADLERDO_SERVER__PORT", "9100");
            jail.set_env("ADLERDO_ODOO__API_KEY", "k-123");
            jail.set_env("ADLERDO_JOBS__WORKERS", "0");
            let (s, source) = Settings::load(None).map_err(|e| e.to_string())?;
            assert_eq!(source.file.as_deref(), Some(Path::new("adlerdo.toml")));
            assert_eq!(s.mode, Mode::Live);
            assert_eq!(s.server.host, "0.0.0.0");
            assert_eq!(s.server.port, 9100, "env overrides the file");
            assert_eq!(s.odoo.url, "http://odoo:8069");
            assert_eq!(s.odoo.api_key.expose(), "k-123");
            assert_eq!(s.jobs.workers, 0);
            Ok(())
        });
    }

    #[test]
    fn bad_values_name_the_setting() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("ADLERDO_SERVER__PORT", "eighty");
            let err = Settings::load(None).expect_err("a port must be a number");
            let msg = err.to_string();
            assert!(msg.starts_with("server.port:"), "{msg}");
            assert!(msg.contains("ADLERDO_SERVER__PORT"), "{msg}");
            Ok(())
        });
        figment::Jail::expect_with(|jail| {
            jail.set_env("ADLERDO_SERVER__PROT", "80");
            let msg = Settings::load(None).expect_err("typo").to_string();
            assert!(msg.contains("prot"), "an unknown setting is named: {msg}");
            Ok(())
        });
    }

    #[test]
    fn missing_named_file_is_an_error() {
        let err =
            Settings::load(Some(Path::new("/nonexistent/adlerdo.toml"))).expect_err("missing");
        assert!(err.to_string().contains("/nonexistent/adlerdo.toml"));
    }

    /// `adlerdo.example.toml` lists every setting with its default value.
    #[test]
    fn example_file_matches_the_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("adlerdo.example.toml");
        let text = std::fs::read_to_string(&path).expect("adlerdo.example.toml");
        let example: toml::Value = toml::from_str(&text).expect("example parses as TOML");
        let defaults = toml::Value::try_from(Settings::default()).expect("defaults serialize");
        assert_eq!(
            example,
            defaults,
            "adlerdo.example.toml has drifted from Settings::default(); expected:\n{}",
            toml::to_string_pretty(&Settings::default()).unwrap_or_default()
        );
        assert_eq!(
            Settings::from_toml_str(&text).expect("example loads"),
            Settings::default()
        );
    }
}
