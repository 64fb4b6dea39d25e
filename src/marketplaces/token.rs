//! The access-token cache every adapter keeps per account: one token, used until a deadline on
//! the account's clock (so a time-scaled sandbox sees tokens expire as fast as its limits
//! refill), dropped when the marketplace refuses it. Grants are serialized: callers arriving
//! during one wait for it and share its token.

use std::future::Future;

use tokio::sync::Mutex;

use super::MarketError;
use crate::ratelimit::TimeSource;

/// A token a grant yielded.
pub struct Granted {
    pub token: String,
    /// Model time from which the token is not used any more (`None`: it never expires).
    pub use_until: Option<f64>,
}

impl Granted {
    fn usable(&self, now: f64) -> bool {
        self.use_until.is_none_or(|until| now < until)
    }
}

/// The token of one account.
pub struct TokenCache {
    time: TimeSource,
    cached: Mutex<Option<Granted>>,
}

impl TokenCache {
    pub fn new(time: TimeSource) -> Self {
        Self {
            time,
            cached: Mutex::new(None),
        }
    }

    /// The cached token if still usable, else the one `grant` yields (kept for the next calls).
    /// `grant` only runs when needed.
    pub async fn get(
        &self,
        grant: impl Future<Output = Result<Granted, MarketError>>,
    ) -> Result<String, MarketError> {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref()
            && c.usable(self.time.model_now())
        {
            return Ok(c.token.clone());
        }
        Self::store(&mut cached, grant).await
    }

    /// A token other than `stale` (which the marketplace refused): the cached one if another
    /// call already replaced `stale`, else the one `grant` yields.
    pub async fn replace(
        &self,
        stale: &str,
        grant: impl Future<Output = Result<Granted, MarketError>>,
    ) -> Result<String, MarketError> {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref()
            && c.token != stale
            && c.usable(self.time.model_now())
        {
            return Ok(c.token.clone());
        }
        *cached = None;
        Self::store(&mut cached, grant).await
    }

    /// Drops `refused` if it is still the cached token.
    pub async fn invalidate(&self, refused: &str) {
        let mut cached = self.cached.lock().await;
        if cached.as_ref().is_some_and(|c| c.token == refused) {
            *cached = None;
        }
    }

    async fn store(
        cached: &mut Option<Granted>,
        grant: impl Future<Output = Result<Granted, MarketError>>,
    ) -> Result<String, MarketError> {
        let fresh = grant.await?;
        let token = fresh.token.clone();
        *cached = Some(fresh);
        Ok(token)
    }
}
