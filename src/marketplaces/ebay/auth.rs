//! eBay user access tokens: one refresh-token grant per ~2 hours, shared by every call of the
//! account. eBay caps refresh grants at 50,000 a day per application, so a token is never
//! fetched per request; it is cached until shortly before `expires_in` runs out, or until eBay
//! answers 401 (revoked or expired early), which drops it.

use std::time::Duration;

use reqwest::StatusCode;

use super::model::{TokenError, TokenResponse};
use crate::marketplaces::MarketError;
use crate::marketplaces::http::{classify, json};
use crate::marketplaces::token::{self, Granted};
use crate::ratelimit::TimeSource;

/// The scope of the Inventory API (read and write).
pub const INVENTORY_SCOPE: &str = "https://api.ebay.com/oauth/api_scope/sell.inventory";
/// The scope of the Fulfillment API (orders).
pub const FULFILLMENT_SCOPE: &str = "https://api.ebay.com/oauth/api_scope/sell.fulfillment";
/// What the adapter asks for by default: both APIs with one token.
pub const DEFAULT_SCOPES: &str = "https://api.ebay.com/oauth/api_scope/sell.inventory \
                                  https://api.ebay.com/oauth/api_scope/sell.fulfillment";

/// What the refresh-token grant needs.
#[derive(Clone)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: String,
    pub refresh_token: String,
    /// Space-separated scopes, a subset of those the seller consented to.
    pub scope: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// The account's token cache. Refreshes are serialized: callers arriving during a refresh wait
/// for it and share its token.
pub struct TokenCache {
    http: reqwest::Client,
    token_url: String,
    credentials: Credentials,
    time: TimeSource,
    cached: token::TokenCache,
}

/// How long before its announced expiry a token stops being used: clock skew and the time a
/// call spends in flight.
pub fn margin(expires_in: u64) -> Duration {
    Duration::from_secs((expires_in / 10).min(300))
}

impl TokenCache {
    pub fn new(
        http: reqwest::Client,
        token_url: String,
        credentials: Credentials,
        time: TimeSource,
    ) -> Self {
        Self {
            http,
            token_url,
            credentials,
            cached: token::TokenCache::new(time.clone()),
            time,
        }
    }

    /// A valid access token, from the cache or a fresh grant.
    pub async fn token(&self) -> Result<String, MarketError> {
        // No retry loop here: the call that needs the token runs in the account's retry policy
        // and asks again.
        self.cached
            .get(async {
                let fresh = self.grant().await?;
                let life = fresh
                    .expires_in
                    .saturating_sub(margin(fresh.expires_in).as_secs());
                log::debug!("eBay access token refreshed, valid {life} s");
                Ok(Granted {
                    token: fresh.access_token,
                    use_until: Some(self.time.model_now() + life as f64),
                })
            })
            .await
    }

    /// Drops `token` if it is still the cached one (eBay refused it).
    pub async fn invalidate(&self, token: &str) {
        self.cached.invalidate(token).await;
    }

    async fn grant(&self) -> Result<TokenResponse, MarketError> {
        let c = &self.credentials;
        let resp = self
            .http
            .post(&self.token_url)
            .basic_auth(&c.client_id, Some(&c.client_secret))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", c.refresh_token.as_str()),
                ("scope", c.scope.as_str()),
            ])
            .send()
            .await?;
        let status = resp.status();
        if status.is_success() {
            return json(resp).await;
        }
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await?;
        if matches!(status, StatusCode::BAD_REQUEST | StatusCode::UNAUTHORIZED)
            && let Ok(e) = serde_json::from_slice::<TokenError>(&bytes)
        {
            // invalid_grant (refresh token revoked, expired or of another app), invalid_client
            // (wrong id or secret), invalid_scope: no retry can help, the seller must act.
            log::warn!("eBay refused the refresh-token grant: {}", e.error);
            return Err(MarketError::Unauthorized(format!(
                "eBay token endpoint: {} ({})",
                e.error, e.error_description
            )));
        }
        Err(classify(status, &headers, &String::from_utf8_lossy(&bytes)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margin_is_a_tenth_capped_at_five_minutes() {
        assert_eq!(margin(7200), Duration::from_secs(300));
        assert_eq!(margin(600), Duration::from_secs(60));
        assert_eq!(margin(0), Duration::ZERO);
    }

    #[test]
    fn credentials_debug_hides_secrets() {
        let c = Credentials {
            client_id: "app".into(),
            client_secret: "s3cret".into(),
            refresh_token: "v^1.1#r".into(),
            scope: INVENTORY_SCOPE.into(),
        };
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cret") && !shown.contains("v^1.1#r"));
    }
}
