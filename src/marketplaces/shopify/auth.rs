//! The access token: a permanent one from the credentials (legacy custom apps, `shpat_...`), or
//! one obtained with the client credentials grant (`POST {shop}/admin/oauth/access_token`,
//! valid 24 hours), cached and asked for again before it expires and after a 401.

use reqwest::StatusCode;

use super::model::{AccessTokenResponse, OAuthError};
use crate::marketplaces::token::{Granted, TokenCache};
use crate::marketplaces::{MarketError, http};
use crate::ratelimit::TimeSource;

/// A token is asked for again this long (model seconds) before Shopify says it expires.
const REFRESH_MARGIN_SECS: f64 = 300.0;

#[derive(Clone)]
pub enum TokenSource {
    /// A permanent Admin API access token.
    Static(String),
    /// The client credentials grant.
    ClientCredentials {
        client_id: String,
        client_secret: String,
        url: String,
    },
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Static(_) => f.write_str("Static(<token>)"),
            Self::ClientCredentials { client_id, url, .. } => f
                .debug_struct("ClientCredentials")
                .field("client_id", client_id)
                .field("url", url)
                .finish_non_exhaustive(),
        }
    }
}

/// The token cache of one account.
pub struct Auth {
    source: TokenSource,
    time: TimeSource,
    cached: TokenCache,
}

impl Auth {
    pub fn new(source: TokenSource, time: TimeSource) -> Self {
        Self {
            source,
            cached: TokenCache::new(time.clone()),
            time,
        }
    }

    /// Whether a refused token can be replaced by asking again.
    pub fn can_refresh(&self) -> bool {
        matches!(self.source, TokenSource::ClientCredentials { .. })
    }

    /// A token valid now (from the cache, or a new one).
    pub async fn token(&self, http: &reqwest::Client) -> Result<String, MarketError> {
        self.cached.get(self.fetch(http)).await
    }

    /// Drops `refused` from the cache (after a 401) unless another call already replaced it.
    /// A permanent token cannot be replaced: that is `Unauthorized`.
    pub async fn invalidate(&self, refused: &str) -> Result<(), MarketError> {
        if !self.can_refresh() {
            return Err(MarketError::Unauthorized(
                "Shopify refused the access token (revoked, or the app was uninstalled)".into(),
            ));
        }
        self.cached.invalidate(refused).await;
        Ok(())
    }

    async fn fetch(&self, http: &reqwest::Client) -> Result<Granted, MarketError> {
        let (client_id, client_secret, url) = match &self.source {
            TokenSource::Static(token) => {
                return Ok(Granted {
                    token: token.clone(),
                    use_until: None,
                });
            }
            TokenSource::ClientCredentials {
                client_id,
                client_secret,
                url,
            } => (client_id, client_secret, url),
        };
        log::debug!("shopify: requesting an access token for client {client_id}");
        let resp = http
            .post(url)
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", client_id.as_str()),
                ("client_secret", client_secret.as_str()),
            ])
            .send()
            .await?;
        let status = resp.status();
        if status.is_success() {
            let body: AccessTokenResponse = http::json(resp).await?;
            if body.access_token.is_empty() {
                return Err(MarketError::Decode(
                    "the token answer has no access_token".into(),
                ));
            }
            let refresh_at = body
                .expires_in
                .map(|secs| self.time.model_now() + (secs - REFRESH_MARGIN_SECS).max(secs / 2.0));
            return Ok(Granted {
                token: body.access_token,
                use_until: refresh_at,
            });
        }
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        if status.is_client_error() && status != StatusCode::TOO_MANY_REQUESTS {
            // The OAuth error code says why (invalid_client: wrong or rotated secret,
            // uninstalled app); the description carries no secret.
            let why = serde_json::from_str::<OAuthError>(&text)
                .ok()
                .map(|e| {
                    format!(
                        "{}: {}",
                        e.error.unwrap_or_default(),
                        e.error_description.unwrap_or_default()
                    )
                })
                .unwrap_or_else(|| format!("HTTP {status}"));
            return Err(MarketError::Unauthorized(format!(
                "Shopify refused the client credentials ({why})"
            )));
        }
        Err(http::classify(status, &headers, &text))
    }
}
