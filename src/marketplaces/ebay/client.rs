//! One eBay account's HTTP client: base URL, token cache, daily call quota, retries.
//!
//! Every call goes through [`Client::send`], which counts it against the daily quota of its API
//! ([`Api`]: eBay's Inventory API allows 2,000,000 calls a day per application, the Fulfillment
//! API 100,000, each counted on its own; there is no per-second limit), adds the bearer token, refreshes the token once on a 401, and retries
//! 429/5xx/timeouts with the same request. eBay has no idempotency-key header: the calls the
//! adapter retries are either absolute (PUT, bulkUpdatePriceQuantity) or made safe by the 25002
//! "already exists" answer (createOffer).

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::auth::TokenCache;
use super::mapping::shorten;
use super::model::{ErrorBody, codes};
use crate::marketplaces::http::{admit, classify, retry_after};
use crate::marketplaces::{Exchange, MarketError, RetryPolicy};
use crate::ratelimit::DailyQuota;

/// How many items of a bulk body an [`Exchange`] record keeps.
pub const RECORD_ITEMS: usize = 50;

/// Which of eBay's APIs a call is for: each has its own base path and its own daily quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// Sell Inventory API v1.
    Inventory,
    /// Sell Fulfillment API v1 (orders).
    Fulfillment,
}

/// The account's daily call quotas, one per API.
pub struct Quotas {
    pub inventory: DailyQuota,
    pub fulfillment: DailyQuota,
}

/// One call as the adapter describes it.
#[derive(Debug, Clone)]
pub struct Call {
    pub api: Api,
    /// eBay's operation name, for records and logs.
    pub operation: &'static str,
    pub method: Method,
    /// Below the base of its API (`/offer`, `/bulk_update_price_quantity`, `/order`), or an
    /// absolute URL (a `next` href).
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    /// Whether the operation requires `Content-Language`.
    pub content_language: bool,
}

/// An answer the caller reads: a success, or a refusal in eBay's error envelope (400, 404...).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The error envelope of a refusal (empty if the body has none).
    pub fn errors(&self) -> ErrorBody {
        serde_json::from_value(self.body.clone()).unwrap_or_default()
    }

    /// The refusal as an error of the whole request.
    pub fn rejected(&self) -> MarketError {
        let errors = self.errors().errors;
        match errors.first() {
            Some(e) => MarketError::Rejected {
                code: e.error_id.to_string(),
                message: e.message.clone(),
            },
            None => MarketError::Rejected {
                code: self.status.to_string(),
                message: format!("HTTP {}", self.status),
            },
        }
    }

    /// Parses the body as `T`.
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, MarketError> {
        serde_json::from_value(self.body.clone())
            .map_err(|e| MarketError::Decode(format!("unexpected answer shape: {e}")))
    }
}

/// The account's connection to eBay.
pub struct Client {
    http: reqwest::Client,
    /// `https://api.ebay.com/sell/inventory/v1`.
    base: String,
    /// `https://api.ebay.com/sell/fulfillment/v1`.
    fulfillment_base: String,
    auth: TokenCache,
    quota: DailyQuota,
    fulfillment_quota: DailyQuota,
    retry: RetryPolicy,
    content_language: String,
    marketplace_id: String,
}

impl Client {
    pub fn new(
        http: reqwest::Client,
        api_url: &str,
        auth: TokenCache,
        quotas: Quotas,
        retry: RetryPolicy,
        content_language: String,
        marketplace_id: String,
    ) -> Self {
        let api_url = api_url.trim_end_matches('/');
        Self {
            http,
            base: format!("{api_url}/sell/inventory/v1"),
            fulfillment_base: format!("{api_url}/sell/fulfillment/v1"),
            auth,
            quota: quotas.inventory,
            fulfillment_quota: quotas.fulfillment,
            retry,
            content_language,
            marketplace_id,
        }
    }

    /// Calls left in the account's daily quota, as the adapter counts them.
    pub fn calls_remaining(&self) -> u64 {
        self.quota.remaining()
    }

    /// Calls left in the account's daily Fulfillment API quota, as the adapter counts them.
    pub fn order_calls_remaining(&self) -> u64 {
        self.fulfillment_quota.remaining()
    }

    fn quota_of(&self, api: Api) -> &DailyQuota {
        match api {
            Api::Inventory => &self.quota,
            Api::Fulfillment => &self.fulfillment_quota,
        }
    }

    /// Sends `call`, retrying what can succeed within the retry policy.
    pub async fn send(&self, call: &Call) -> Result<Reply, MarketError> {
        self.retry.run(|_| self.attempt(call)).await
    }

    /// The record of an answered call.
    pub fn exchange(call: &Call, reply: &Reply) -> Exchange {
        Exchange {
            operation: call.operation.to_string(),
            request: call
                .body
                .as_ref()
                .map(|b| shorten(b, RECORD_ITEMS))
                .unwrap_or(Value::Null),
            status: reply.status,
            response: shorten(&reply.body, RECORD_ITEMS),
        }
    }

    /// One attempt: quota, token, request; on a 401 the token is refreshed once and the same
    /// request sent again.
    async fn attempt(&self, call: &Call) -> Result<Reply, MarketError> {
        let mut token = self.auth.token().await?;
        for refreshed in [false, true] {
            let quota = self.quota_of(call.api);
            admit(|| quota.try_call().map(|_| ()), self.retry.max_wait).await?;
            match self.once(call, &token).await {
                Err(MarketError::Unauthorized(why)) if !refreshed => {
                    log::info!("eBay {}: access token refused, refreshing", call.operation);
                    self.auth.invalidate(&token).await;
                    token = self.auth.token().await.map_err(|e| match e {
                        MarketError::Unauthorized(r) => {
                            MarketError::Unauthorized(format!("{why}; refresh: {r}"))
                        }
                        other => other,
                    })?;
                }
                other => return other,
            }
        }
        Err(MarketError::Unauthorized(
            "eBay refused a freshly refreshed access token".into(),
        ))
    }

    async fn once(&self, call: &Call, token: &str) -> Result<Reply, MarketError> {
        let url = if call.path.starts_with("http://") || call.path.starts_with("https://") {
            call.path.clone()
        } else {
            let base = match call.api {
                Api::Inventory => &self.base,
                Api::Fulfillment => &self.fulfillment_base,
            };
            format!("{base}{}", call.path)
        };
        let mut req = self
            .http
            .request(call.method.clone(), &url)
            .bearer_auth(token)
            .header("X-EBAY-C-MARKETPLACE-ID", &self.marketplace_id)
            .header("Accept", "application/json");
        if !call.query.is_empty() {
            req = req.query(&call.query);
        }
        if call.content_language {
            req = req.header("Content-Language", &self.content_language);
        }
        if let Some(body) = &call.body {
            req = req.json(body);
        }
        let resp = req.send().await?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await?;
        let parsed = if bytes.iter().all(u8::is_ascii_whitespace) {
            Ok(Value::Null)
        } else {
            serde_json::from_slice::<Value>(&bytes)
        };
        if status.is_success() {
            let body = parsed.map_err(|e| {
                let excerpt: String = String::from_utf8_lossy(&bytes).chars().take(120).collect();
                MarketError::Decode(format!("{} answer: {e} in {excerpt:?}", call.operation))
            })?;
            // A success must be a JSON object (or empty): a proxy's page is not an answer.
            if !(body.is_object() || body.is_null()) {
                return Err(MarketError::Decode(format!(
                    "{} answer is not a JSON object",
                    call.operation
                )));
            }
            return Ok(Reply {
                status: status.as_u16(),
                body,
            });
        }
        let text = String::from_utf8_lossy(&bytes);
        let errors: Option<ErrorBody> = parsed
            .as_ref()
            .ok()
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .filter(|e: &ErrorBody| !e.errors.is_empty());
        match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                let id = errors
                    .as_ref()
                    .and_then(|e| e.errors.first())
                    .map_or(0, |e| e.error_id);
                Err(MarketError::Unauthorized(format!(
                    "{} HTTP {status}, errorId {id}",
                    call.operation
                )))
            }
            StatusCode::TOO_MANY_REQUESTS => {
                let wait =
                    retry_after(&headers).or_else(|| self.quota_wait(call.api, errors.as_ref()));
                log::info!("eBay {} throttled, wait {wait:?}", call.operation);
                Err(MarketError::RateLimited { retry_after: wait })
            }
            s if s.is_server_error() || s == StatusCode::REQUEST_TIMEOUT => {
                Err(classify(status, &headers, &text))
            }
            _ => match (errors, parsed) {
                (Some(_), Ok(body)) => Ok(Reply {
                    status: status.as_u16(),
                    body,
                }),
                _ => Err(classify(status, &headers, &text)),
            },
        }
    }

    /// eBay's 429 carries no `Retry-After`. When it is the daily limit (errorId 2001) and our
    /// own count agrees the quota is spent, the wait is until our window resets; otherwise the
    /// retry policy's backoff applies.
    fn quota_wait(&self, api: Api, errors: Option<&ErrorBody>) -> Option<Duration> {
        let daily = errors
            .and_then(|e| e.errors.first())
            .is_some_and(|e| e.error_id == codes::TOO_MANY_REQUESTS);
        let quota = self.quota_of(api);
        (daily && quota.remaining() == 0).then(|| quota.reset_in())
    }
}
