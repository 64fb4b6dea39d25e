//! Login with Amazon: the refresh-token grant and a cache of the access token it yields.
//!
//! The access token is kept until `expires_in` (less a margin) has passed on the account's
//! clock, so a time-scaled sandbox sees tokens expire as fast as its limits refill. When the
//! SP-API says a token it was sent is expired or revoked, [`Lwa::refresh_after`] gets a new one
//! once, and concurrent callers that saw the same stale token share that refresh.

use reqwest::StatusCode;

use super::model::{LwaError, LwaTokenRequest, LwaTokenResponse};
use crate::marketplaces::http::{classify, json};
use crate::marketplaces::token::{Granted, TokenCache};
use crate::marketplaces::{MarketError, RetryPolicy};
use crate::ratelimit::TimeSource;

/// Tokens are renewed this long (model seconds) before LWA says they expire, at most a tenth
/// of their lifetime, so a call never leaves with a token about to die on the way.
const MARGIN_SECS: f64 = 60.0;

/// LWA's OAuth2 error codes that mean the credentials themselves are refused.
const REFUSED: &[&str] = &[
    "invalid_grant",
    "invalid_client",
    "unauthorized_client",
    "access_denied",
    "invalid_scope",
];

/// The LWA client of one account.
pub struct Lwa {
    http: reqwest::Client,
    url: String,
    client_id: String,
    client_secret: String,
    refresh_token: String,
    time: TimeSource,
    retry: RetryPolicy,
    cached: TokenCache,
}

impl Lwa {
    pub fn new(
        http: reqwest::Client,
        url: String,
        client_id: String,
        client_secret: String,
        refresh_token: String,
        time: TimeSource,
        retry: RetryPolicy,
    ) -> Self {
        Self {
            http,
            url,
            client_id,
            client_secret,
            refresh_token,
            cached: TokenCache::new(time.clone()),
            time,
            retry,
        }
    }

    /// A valid access token, from the cache or a new grant.
    pub async fn token(&self) -> Result<String, MarketError> {
        self.cached.get(self.grant()).await
    }

    /// A new token after the SP-API refused `stale`; if another call already replaced it, that
    /// replacement is used instead of asking LWA again.
    pub async fn refresh_after(&self, stale: &str) -> Result<String, MarketError> {
        self.cached.replace(stale, self.grant()).await
    }

    async fn grant(&self) -> Result<Granted, MarketError> {
        let form = LwaTokenRequest {
            grant_type: "refresh_token".into(),
            refresh_token: Some(self.refresh_token.clone()),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            scope: None,
        };
        let started = self.time.model_now();
        let resp: LwaTokenResponse = self
            .retry
            .run(|_| async {
                let resp = self
                    .http
                    .post(&self.url)
                    .header(
                        reqwest::header::CONTENT_TYPE,
                        "application/x-www-form-urlencoded;charset=UTF-8",
                    )
                    .form(&form)
                    .send()
                    .await?;
                let status = resp.status();
                if status.is_success() {
                    return json::<LwaTokenResponse>(resp).await;
                }
                let headers = resp.headers().clone();
                let body = resp.text().await.unwrap_or_default();
                Err(lwa_error(status, &headers, &body))
            })
            .await?;
        if resp.access_token.is_empty() {
            return Err(MarketError::Decode(
                "LWA answered without an access token".into(),
            ));
        }
        let lifetime = resp.expires_in as f64;
        let margin = MARGIN_SECS.min(lifetime / 10.0);
        log::debug!("LWA granted an access token for {lifetime} s");
        Ok(Granted {
            token: resp.access_token,
            use_until: Some(started + lifetime - margin),
        })
    }
}

/// Reads an LWA failure: refused credentials are `Unauthorized` (no retry can help), LWA's own
/// trouble is transient.
fn lwa_error(status: StatusCode, headers: &reqwest::header::HeaderMap, body: &str) -> MarketError {
    match serde_json::from_str::<LwaError>(body) {
        Ok(e) if REFUSED.contains(&e.error.as_str()) => MarketError::Unauthorized(format!(
            "LWA refused the refresh token: {} ({})",
            e.error,
            e.error_description.unwrap_or_default()
        )),
        Ok(e) if e.error == "server_error" || e.error == "temporarily_unavailable" => {
            MarketError::Transient(format!("LWA: {}", e.error))
        }
        Ok(e) if status.is_client_error() && status != StatusCode::TOO_MANY_REQUESTS => {
            MarketError::Rejected {
                code: e.error,
                message: e.error_description.unwrap_or_default(),
            }
        }
        _ => match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                MarketError::Unauthorized(format!("LWA answered HTTP {status}"))
            }
            _ => classify(status, headers, ""),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderMap;

    #[test]
    fn lwa_errors_are_classified() {
        let h = HeaderMap::new();
        let e = lwa_error(
            StatusCode::BAD_REQUEST,
            &h,
            r#"{"error":"invalid_grant","error_description":"revoked"}"#,
        );
        assert!(matches!(e, MarketError::Unauthorized(_)));
        let e = lwa_error(
            StatusCode::SERVICE_UNAVAILABLE,
            &h,
            r#"{"error":"server_error"}"#,
        );
        assert!(e.is_retryable());
        let e = lwa_error(StatusCode::BAD_GATEWAY, &h, "<html>");
        assert!(e.is_retryable());
        let e = lwa_error(StatusCode::UNAUTHORIZED, &h, "nope");
        assert!(matches!(e, MarketError::Unauthorized(_)));
        let e = lwa_error(
            StatusCode::BAD_REQUEST,
            &h,
            r#"{"error":"invalid_request"}"#,
        );
        assert!(matches!(e, MarketError::Rejected { .. }));
    }
}
