//! Marketplace accounts as the flows use them: the rows of `marketplaces` with their settings
//! parsed and their credentials unsealed, and one adapter per account kept while the account is
//! unchanged (its HTTP client, token cache and limiter live as long as it does).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::anyhow;
use diesel::prelude::*;
use serde_json::{Map, Value};

use super::allocation::StockPolicy;
use crate::config::MarketplaceSettings;
use crate::db::schema::marketplaces as m;
use crate::db::{Db, DbConnection};
use crate::facade::crypto::SecretBox;
use crate::marketplaces::{self, AccountConfig, Marketplace, RetryPolicy};
use crate::ratelimit::TimeSource;

/// One account's row, parsed.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub enabled: bool,
    pub settings: Map<String, Value>,
    /// `Err` names the bad setting; the account's stock is not pushed until it is fixed.
    pub policy: Result<StockPolicy, String>,
    sealed: Option<String>,
    updated_at: i64,
}

type Row = (i64, String, String, i32, String, Option<String>, i64);

fn parse(row: Row) -> Account {
    let (id, kind, name, enabled, settings, sealed, updated_at) = row;
    let settings = serde_json::from_str::<Value>(&settings)
        .ok()
        .and_then(|v| match v {
            Value::Object(o) => Some(o),
            _ => None,
        })
        .unwrap_or_default();
    Account {
        id,
        kind,
        name,
        enabled: enabled != 0,
        policy: StockPolicy::from_settings(&settings),
        settings,
        sealed,
        updated_at,
    }
}

const COLUMNS: (
    m::id,
    m::kind,
    m::name,
    m::enabled,
    m::settings,
    m::credentials,
    m::updated_at,
) = (
    m::id,
    m::kind,
    m::name,
    m::enabled,
    m::settings,
    m::credentials,
    m::updated_at,
);

/// Every account, enabled or not, by id.
pub fn load_all(conn: &mut DbConnection) -> QueryResult<Vec<Account>> {
    let rows: Vec<Row> = m::table.select(COLUMNS).order(m::id).load(conn)?;
    Ok(rows.into_iter().map(parse).collect())
}

/// One account.
pub fn load(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Account>> {
    let row: Option<Row> = m::table
        .filter(m::id.eq(id))
        .select(COLUMNS)
        .first(conn)
        .optional()?;
    Ok(row.map(parse))
}

type Built = (i64, Arc<dyn Marketplace>);

/// Builds and keeps the adapters of the accounts.
pub struct Markets {
    secrets: SecretBox,
    settings: MarketplaceSettings,
    time: TimeSource,
    /// By account id: the account's `updated_at` when built, and the adapter.
    adapters: Mutex<HashMap<i64, Built>>,
}

impl Markets {
    /// `time` is the clock and scale of the adapters' limiters (scaled in sandbox mode so that
    /// they match the simulators).
    pub fn new(secrets: SecretBox, settings: MarketplaceSettings, time: TimeSource) -> Self {
        Self {
            secrets,
            settings,
            time,
            adapters: Mutex::new(HashMap::new()),
        }
    }

    pub fn secrets(&self) -> &SecretBox {
        &self.secrets
    }

    /// The clock and scale of the adapters' limiters.
    pub fn time(&self) -> &TimeSource {
        &self.time
    }

    /// The adapter of `account`, built again when the account changed since.
    pub fn adapter(&self, account: &Account) -> anyhow::Result<Arc<dyn Marketplace>> {
        let mut cache = self.adapters.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((at, adapter)) = cache.get(&account.id)
            && *at == account.updated_at
        {
            return Ok(Arc::clone(adapter));
        }
        let driver = marketplaces::driver(&account.kind).ok_or_else(|| {
            anyhow!(
                "account {} ({}): unknown marketplace kind {:?}; known: {}",
                account.id,
                account.name,
                account.kind,
                marketplaces::DRIVERS
                    .iter()
                    .map(|d| d.kind)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        let credentials = match &account.sealed {
            None => Map::new(),
            Some(sealed) => {
                let plain = self.secrets.open(sealed).map_err(|e| {
                    crate::jobs::runner::permanent(format!(
                        "account {} ({}): credentials: {e}",
                        account.id, account.name
                    ))
                })?;
                match serde_json::from_str::<Value>(&plain) {
                    Ok(Value::Object(o)) => o,
                    _ => {
                        return Err(crate::jobs::runner::permanent(format!(
                            "account {} ({}): credentials are not a JSON object",
                            account.id, account.name
                        )));
                    }
                }
            }
        };
        let config = AccountConfig {
            id: account.id,
            name: account.name.clone(),
            settings: account.settings.clone(),
            credentials,
            time: self.time.clone(),
            retry: RetryPolicy {
                max_attempts: self.settings.max_attempts.max(1),
                max_wait: Duration::from_secs(self.settings.max_wait_secs),
                ..RetryPolicy::default()
            },
            timeout: Duration::from_secs(self.settings.timeout_secs.max(1)),
        };
        // Settings and credentials do not fix themselves: the job gives up at once, and saving
        // the account queues its pushes again.
        let adapter = (driver.build)(config).map_err(|e| {
            crate::jobs::runner::permanent(format!(
                "account {} ({}): {e}",
                account.id, account.name
            ))
        })?;
        cache.insert(account.id, (account.updated_at, Arc::clone(&adapter)));
        Ok(adapter)
    }

    /// The account `id` and its adapter.
    pub async fn get(&self, db: &Db, id: i64) -> anyhow::Result<(Account, Arc<dyn Marketplace>)> {
        let account = db
            .run(move |c| load(c, id))
            .await?
            .ok_or_else(|| anyhow!("marketplace account {id} does not exist"))?;
        let adapter = self.adapter(&account)?;
        Ok((account, adapter))
    }
}

/// Creates the sandbox account of `kind` named `name`, or points the existing one at this run's
/// simulator (its port changes on every start). Returns its id.
pub fn ensure_sandbox(
    conn: &mut DbConnection,
    kind: &str,
    name: &str,
    settings: &str,
    sealed_credentials: &str,
) -> QueryResult<i64> {
    let now = crate::jobs::now_ms();
    let existing: Option<(i64, String)> = m::table
        .filter(m::kind.eq(kind))
        .filter(m::name.eq(name))
        .select((m::id, m::settings))
        .first(conn)
        .optional()?;
    match existing {
        Some((id, old)) => {
            // Keep what the user set (stock rules...), replace what points at the simulator.
            let mut merged: Map<String, Value> = serde_json::from_str(&old).unwrap_or_default();
            if let Ok(Value::Object(new)) = serde_json::from_str::<Value>(settings) {
                merged.extend(new);
            }
            diesel::update(m::table.filter(m::id.eq(id)))
                .set((
                    m::settings.eq(Value::Object(merged).to_string()),
                    m::credentials.eq(sealed_credentials),
                    m::updated_at.eq(now),
                ))
                .execute(conn)?;
            Ok(id)
        }
        None => crate::with_backend!(&mut *conn, |c| diesel::insert_into(m::table)
            .values((
                m::kind.eq(kind),
                m::name.eq(name),
                m::enabled.eq(1),
                m::settings.eq(settings),
                m::credentials.eq(sealed_credentials),
                m::created_at.eq(now),
                m::updated_at.eq(now),
            ))
            .returning(m::id)
            .get_result(c)),
    }
}
