//! HTTP to the SP-API for one account: the operation's limiter, the LWA token, retries of
//! throttling and server trouble with the same request, one token refresh when Amazon says the
//! token expired, and the error envelope read into [`MarketError`].

use std::io::Read;

use reqwest::header::{CONTENT_TYPE, HeaderMap};
use reqwest::{Method, StatusCode, Url};
use serde_json::Value;

use super::auth::Lwa;
use super::limits::{Limits, Op};
use super::model::ErrorList;
use crate::marketplaces::http::{admit, classify, json, retry_after};
use crate::marketplaces::{MarketError, RetryPolicy};

/// The content type of feed documents (the same on createFeedDocument and the upload).
pub const FEED_CONTENT_TYPE: &str = "application/json; charset=UTF-8";

/// A successful (or 404) answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

/// One account's connection to the SP-API.
pub struct Client {
    http: reqwest::Client,
    endpoint: Url,
    lwa: Lwa,
    limits: Limits,
    retry: RetryPolicy,
}

impl Client {
    pub fn new(
        http: reqwest::Client,
        endpoint: Url,
        lwa: Lwa,
        limits: Limits,
        retry: RetryPolicy,
    ) -> Self {
        Self {
            http,
            endpoint,
            lwa,
            limits,
            retry,
        }
    }

    /// The URL of `segments` (each one percent-encoded, so SKUs with `/` or spaces stay one
    /// segment) under the endpoint, with `query`.
    pub fn url(&self, segments: &[&str], query: &[(&str, String)]) -> Result<Url, MarketError> {
        let mut url = self.endpoint.clone();
        url.path_segments_mut()
            .map_err(|()| MarketError::Config("`endpoint` cannot be a base URL".into()))?
            .pop_if_empty()
            .extend(segments);
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
        }
        Ok(url)
    }

    /// Calls one SP-API operation: waits for its bucket (or hands a long wait back), retries
    /// 429/5xx/timeouts with the same request, refreshes the token once on 403 `Unauthorized`.
    /// 2xx and 404 answers come back; other statuses are errors.
    pub async fn call(
        &self,
        op: Op,
        method: Method,
        url: Url,
        body: Option<&Value>,
    ) -> Result<Answer, MarketError> {
        let payload = body.map(serde_json::to_vec).transpose().map_err(|e| {
            MarketError::Config(format!("cannot encode the {} body: {e}", op.name()))
        })?;
        let bucket = self.limits.bucket(op);
        self.retry
            .run(|_| {
                let url = url.clone();
                let method = method.clone();
                let payload = payload.clone();
                async move {
                    let mut token = self.lwa.token().await?;
                    let mut refreshed = false;
                    loop {
                        // Every request sent takes a token, the one after a refresh included.
                        admit(|| bucket.try_take(1.0), self.retry.max_wait).await?;
                        let mut req = self
                            .http
                            .request(method.clone(), url.clone())
                            .header("x-amz-access-token", &token)
                            .header("accept", "application/json");
                        if let Some(p) = &payload {
                            req = req.header(CONTENT_TYPE, "application/json").body(p.clone());
                        }
                        let resp = req.send().await?;
                        let status = resp.status();
                        if status.is_success() || status == StatusCode::NOT_FOUND {
                            let body = if status == StatusCode::NO_CONTENT {
                                Value::Null
                            } else {
                                json::<Value>(resp).await?
                            };
                            return Ok(Answer {
                                status: status.as_u16(),
                                body,
                            });
                        }
                        let headers = resp.headers().clone();
                        let text = resp.text().await?;
                        let error = sp_error(status, &headers, &text);
                        if status == StatusCode::FORBIDDEN
                            && matches!(error, MarketError::Unauthorized(_))
                            && !refreshed
                        {
                            log::info!(
                                "SP-API refused the access token on {}; refreshing",
                                op.name()
                            );
                            token = self.lwa.refresh_after(&token).await?;
                            refreshed = true;
                            continue;
                        }
                        if let MarketError::RateLimited { .. } = error {
                            log::debug!("SP-API throttled {}", op.name());
                            // A 429 means our bucket is fuller than Amazon's (the quota is
                            // shared with the seller's other apps, or a raised plan is not in
                            // force): empty it so the calls after this one are paced too. Amazon
                            // gives no wait, so the retry policy backs off exponentially.
                            let level = bucket.available();
                            let _ = bucket.try_take(level);
                        }
                        return Err(error);
                    }
                }
            })
            .await
    }

    /// Uploads a feed document to its presigned URL (no SP-API token; the URL is the
    /// authorization).
    pub async fn upload(&self, url: &str, bytes: Vec<u8>) -> Result<u16, MarketError> {
        self.retry
            .run(|_| {
                let bytes = bytes.clone();
                async move {
                    let resp = self
                        .http
                        .put(url)
                        .header(CONTENT_TYPE, FEED_CONTENT_TYPE)
                        .body(bytes)
                        .send()
                        .await?;
                    let status = resp.status();
                    if status.is_success() {
                        return Ok(status.as_u16());
                    }
                    let headers = resp.headers().clone();
                    let text = resp.text().await.unwrap_or_default();
                    Err(classify(status, &headers, &text))
                }
            })
            .await
    }

    /// Downloads a document from its presigned URL and gunzips it when Amazon says it is
    /// compressed.
    pub async fn download(&self, url: &str, gzip: bool) -> Result<Vec<u8>, MarketError> {
        let raw = self
            .retry
            .run(|_| async move {
                let resp = self.http.get(url).send().await?;
                let status = resp.status();
                if status.is_success() {
                    return Ok(resp.bytes().await?.to_vec());
                }
                let headers = resp.headers().clone();
                let text = resp.text().await.unwrap_or_default();
                Err(classify(status, &headers, &text))
            })
            .await?;
        if !gzip {
            return Ok(raw);
        }
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(raw.as_slice())
            .read_to_end(&mut out)
            .map_err(|e| MarketError::Decode(format!("cannot gunzip the document: {e}")))?;
        Ok(out)
    }
}

/// Reads an SP-API failure: 403 `Unauthorized` is an auth problem, 429 throttling, 5xx
/// transient, other 4xx a refusal of the whole request with Amazon's error code.
pub fn sp_error(status: StatusCode, headers: &HeaderMap, body: &str) -> MarketError {
    let first = serde_json::from_str::<ErrorList>(body)
        .ok()
        .and_then(|l| l.errors.into_iter().next());
    match (status.as_u16(), first) {
        (401 | 403, Some(e)) if e.code == "Unauthorized" || e.code == "InvalidToken" => {
            MarketError::Unauthorized(format!("{}: {}", e.message, e.details.unwrap_or_default()))
        }
        (401, _) => MarketError::Unauthorized(format!("HTTP {status}")),
        (429, _) => MarketError::RateLimited {
            retry_after: retry_after(headers),
        },
        (408 | 500..=599, _) => classify(status, headers, body),
        (_, Some(e)) => MarketError::Rejected {
            code: e.code,
            message: match e.details.filter(|d| !d.is_empty()) {
                Some(d) => format!("{}: {d}", e.message),
                None => e.message,
            },
        },
        _ => classify(status, headers, body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sp_errors_are_classified() {
        let h = HeaderMap::new();
        let unauthorized = r#"{"errors":[{"code":"Unauthorized","message":"Access to requested resource is denied.","details":"The access token you provided has expired."}]}"#;
        assert!(matches!(
            sp_error(StatusCode::FORBIDDEN, &h, unauthorized),
            MarketError::Unauthorized(_)
        ));
        let quota = r#"{"errors":[{"code":"QuotaExceeded","message":"You exceeded your quota for the requested resource.","details":""}]}"#;
        assert!(matches!(
            sp_error(StatusCode::TOO_MANY_REQUESTS, &h, quota),
            MarketError::RateLimited { retry_after: None }
        ));
        let bad = r#"{"errors":[{"code":"InvalidInput","message":"Invalid input","details":"pageSize"}]}"#;
        match sp_error(StatusCode::BAD_REQUEST, &h, bad) {
            MarketError::Rejected { code, message } => {
                assert_eq!(code, "InvalidInput");
                assert_eq!(message, "Invalid input: pageSize");
            }
            other => panic!("{other:?}"),
        }
        assert!(sp_error(StatusCode::SERVICE_UNAVAILABLE, &h, "<html>").is_retryable());
        let denied = r#"{"errors":[{"code":"AccessDenied","message":"no role"}]}"#;
        assert!(matches!(
            sp_error(StatusCode::FORBIDDEN, &h, denied),
            MarketError::Rejected { .. }
        ));
    }
}
