//! The simulator's HTTP face: one dispatcher that routes by method and path as the SP-API
//! does, checks the access token and the operation's usage plan, validates the request, and
//! answers in Amazon's shapes (error envelope, `x-amzn-RequestId` always,
//! `x-amzn-RateLimit-Limit` on everything but 429). Also the LWA token endpoint and the
//! presigned document URLs (what S3 does for the real feeds). The orders operations are in
//! `super::orders`.

use std::sync::{Arc, Mutex, MutexGuard};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use super::store::{
    Change, DocKind, Document, FeedState, FeedStatus, Found, Store, TOKEN_LIFETIME, URL_LIFETIME,
};
use crate::marketplaces::amazon::limits::{Limits, Op};
use crate::marketplaces::amazon::model::{LwaTokenRequest, PatchOperation};
use crate::marketplaces::http::percent_decode;
use crate::ratelimit::TimeSource;
use crate::sim::market::{Fault, garbage, lock};

/// Largest request body (a 25,000-message feed is a few MiB).
pub const MAX_BODY: usize = 64 << 20;

/// Shared by every request of one simulator.
pub struct Shared {
    pub store: Mutex<Store>,
    pub limits: Limits,
    /// The knobs, read per request (whether limits apply can change while it runs).
    pub knobs: crate::sim::market::Knobs,
    pub time: TimeSource,
    /// Wall-clock time at model time zero (for the dates the API shows).
    pub epoch: DateTime<Utc>,
    /// Base URL (for presigned links), set once the port is known.
    pub base_url: Mutex<String>,
}

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, Store> {
        lock(&self.store)
    }

    fn iso(&self, model: f64) -> String {
        let at = self.epoch + chrono::Duration::microseconds((model * 1e6) as i64);
        at.to_rfc3339_opts(SecondsFormat::Secs, true)
    }

    fn base(&self) -> String {
        lock(&self.base_url).clone()
    }
}

pub type Data = web::Data<Arc<Shared>>;

fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// An answer with Amazon's headers; `rate` is the applied usage plan (not sent on 429).
fn answer(status: StatusCode, body: &Value, rate: Option<f64>) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.insert_header(("x-amzn-RequestId", request_id()));
    if let Some(rate) = rate
        && status != StatusCode::TOO_MANY_REQUESTS
    {
        res.insert_header(("x-amzn-RateLimit-Limit", format!("{rate}")));
    }
    if body.is_null() {
        return res.finish();
    }
    res.content_type("application/json")
        .body(serde_json::to_vec(body).unwrap_or_default())
}

fn error_body(code: &str, message: &str, details: &str) -> Value {
    json!({ "errors": [{ "code": code, "message": message, "details": details }] })
}

/// A failed request, before or inside an operation.
pub(super) struct Failure {
    pub(super) status: StatusCode,
    pub(super) body: Value,
}

impl Failure {
    pub(super) fn invalid(details: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            body: error_body("InvalidInput", "Invalid input", &details.into()),
        }
    }

    pub(super) fn not_found(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            body: error_body("NotFound", &message.into(), ""),
        }
    }

    fn unauthorized(details: &str) -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            body: error_body(
                "Unauthorized",
                "Access to requested resource is denied.",
                details,
            ),
        }
    }
}

pub(super) type Outcome = Result<(StatusCode, Value), Failure>;

/// How faults look when Amazon sends them.
pub fn render_fault(fault: &Fault) -> HttpResponse {
    match fault {
        Fault::Status(code) => {
            let status = StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let (code, message) = match status.as_u16() {
                503 => ("ServiceUnavailable", "Service temporarily unavailable."),
                500 => (
                    "InternalFailure",
                    "We encountered an internal error. Please try again.",
                ),
                _ => ("InternalFailure", "The request failed."),
            };
            answer(status, &error_body(code, message, ""), None)
        }
        Fault::Throttle(wait) => {
            // Amazon itself sends no Retry-After; a scripted throttle states its wait this way
            // so the adapter's honouring of it can be tested.
            let mut res = answer(StatusCode::TOO_MANY_REQUESTS, &quota_exceeded(), None);
            if let Ok(v) = format!("{}", wait.as_secs_f64()).parse() {
                res.headers_mut()
                    .insert(actix_web::http::header::RETRY_AFTER, v);
            }
            res
        }
        Fault::Unauthorized => answer(
            StatusCode::FORBIDDEN,
            &error_body(
                "Unauthorized",
                "Access to requested resource is denied.",
                "The access token you provided has expired.",
            ),
            None,
        ),
        Fault::Garbage | Fault::Truncated | Fault::Delay(_) => garbage(),
    }
}

fn quota_exceeded() -> Value {
    error_body(
        "QuotaExceeded",
        "You exceeded your quota for the requested resource.",
        "",
    )
}

/// Percent-decodes one raw path segment (SKUs may hold `/`, spaces, `%`).
fn decode_segment(segment: &str) -> String {
    String::from_utf8_lossy(&percent_decode(segment, false)).into_owned()
}

/// The query, parsed.
pub(super) struct Query(Vec<(String, String)>);

impl Query {
    fn parse(req: &HttpRequest) -> Result<Self, Failure> {
        web::Query::<Vec<(String, String)>>::from_query(req.query_string())
            .map(|q| Self(q.into_inner()))
            .map_err(|e| Failure::invalid(format!("cannot parse the query: {e}")))
    }

    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn list(&self, name: &str) -> Option<Vec<String>> {
        self.get(name).map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
    }

    /// A comma list whose values must come from `allowed`.
    pub(super) fn enums(
        &self,
        name: &str,
        allowed: &[&str],
    ) -> Result<Option<Vec<String>>, Failure> {
        let Some(values) = self.list(name) else {
            return Ok(None);
        };
        if let Some(bad) = values.iter().find(|v| !allowed.contains(&v.as_str())) {
            return Err(Failure::invalid(format!(
                "'{bad}' is not a valid value for {name}"
            )));
        }
        Ok(Some(values))
    }

    /// `marketplaceIds`, required, at most `max`, and ours.
    fn marketplaces(&self, ours: &str, max: usize) -> Result<(), Failure> {
        let ids = self
            .list("marketplaceIds")
            .filter(|l| !l.is_empty())
            .ok_or_else(|| Failure::invalid("marketplaceIds is required"))?;
        if ids.len() > max {
            return Err(Failure::invalid(format!(
                "marketplaceIds takes at most {max} value(s)"
            )));
        }
        if let Some(bad) = ids.iter().find(|id| *id != ours) {
            return Err(Failure::invalid(format!(
                "marketplace {bad} is not one this seller sells in"
            )));
        }
        Ok(())
    }
}

fn json_body(req: &HttpRequest, body: &[u8]) -> Result<Value, Failure> {
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.is_empty() && !content_type.contains("json") {
        return Err(Failure {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            body: error_body(
                "UnsupportedMediaType",
                "The request's Content-Type is not supported.",
                content_type,
            ),
        });
    }
    serde_json::from_slice(body)
        .map_err(|e| Failure::invalid(format!("the body is not valid JSON: {e}")))
}

fn required_str<'a>(body: &'a Value, name: &str) -> Result<&'a str, Failure> {
    match body.get(name) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(_) => Err(Failure::invalid(format!(
            "{name} must be a non-empty string"
        ))),
        None => Err(Failure::invalid(format!("{name} is required"))),
    }
}

/// Every request: LWA, presigned documents, or an SP-API operation.
pub async fn dispatch(req: HttpRequest, payload: web::Payload, sim: Data) -> HttpResponse {
    // Presigned URLs are checked against the time the request arrived, as S3 does, not the
    // time its (possibly large) body finished uploading.
    let arrived = sim.time.model_now();
    let body = match payload.to_bytes_limited(MAX_BODY).await {
        Ok(Ok(body)) => body,
        Ok(Err(e)) => {
            return answer(
                StatusCode::BAD_REQUEST,
                &error_body(
                    "InvalidInput",
                    "The request body could not be read.",
                    &e.to_string(),
                ),
                None,
            );
        }
        Err(_) => {
            return answer(
                StatusCode::PAYLOAD_TOO_LARGE,
                &error_body(
                    "RequestEntityTooLarge",
                    "The request is larger than the service accepts.",
                    "",
                ),
                None,
            );
        }
    };
    let path = req.path().to_string();
    let segments: Vec<String> = path
        .trim_matches('/')
        .split('/')
        .map(decode_segment)
        .collect();
    let seg: Vec<&str> = segments.iter().map(String::as_str).collect();
    let method = req.method().as_str().to_string();

    match (method.as_str(), seg.as_slice()) {
        ("POST", ["auth", "o2", "token"]) => return lwa_token(&req, &body, &sim),
        (m, ["_documents", id]) => return document_url(m, id, &req, &body, &sim, arrived),
        _ => {}
    }

    let route = match (method.as_str(), seg.as_slice()) {
        ("GET", ["listings", "2021-08-01", "items", seller]) => {
            Some((Op::SearchListingsItems, *seller, None))
        }
        ("GET", ["listings", "2021-08-01", "items", seller, sku]) => {
            Some((Op::GetListingsItem, *seller, Some(*sku)))
        }
        ("PUT", ["listings", "2021-08-01", "items", seller, sku]) => {
            Some((Op::PutListingsItem, *seller, Some(*sku)))
        }
        ("PATCH", ["listings", "2021-08-01", "items", seller, sku]) => {
            Some((Op::PatchListingsItem, *seller, Some(*sku)))
        }
        ("DELETE", ["listings", "2021-08-01", "items", seller, sku]) => {
            Some((Op::DeleteListingsItem, *seller, Some(*sku)))
        }
        ("POST", ["feeds", "2021-06-30", "documents"]) => Some((Op::CreateFeedDocument, "", None)),
        ("GET", ["feeds", "2021-06-30", "documents", id]) => {
            Some((Op::GetFeedDocument, "", Some(*id)))
        }
        ("POST", ["feeds", "2021-06-30", "feeds"]) => Some((Op::CreateFeed, "", None)),
        ("GET", ["feeds", "2021-06-30", "feeds"]) => Some((Op::GetFeeds, "", None)),
        ("GET", ["feeds", "2021-06-30", "feeds", id]) => Some((Op::GetFeed, "", Some(*id))),
        ("DELETE", ["feeds", "2021-06-30", "feeds", id]) => Some((Op::CancelFeed, "", Some(*id))),
        ("GET", ["orders", "2026-01-01", "orders"]) => Some((Op::SearchOrders, "", None)),
        ("GET", ["orders", "2026-01-01", "orders", id]) => Some((Op::GetOrder, "", Some(*id))),
        _ => None,
    };
    let Some((op, seller, key)) = route else {
        return answer(
            StatusCode::NOT_FOUND,
            &error_body("NotFound", "Resource not found.", &path),
            None,
        );
    };
    let name = op.name();
    let rate = sim.limits.bucket(op).rate_per_sec();

    let response = match authorize(&req, &sim) {
        Err(f) => {
            sim.lock().calls.push((name.to_string(), f.status.as_u16()));
            Err(f)
        }
        Ok(()) => {
            if sim.knobs.enforce_limits() && sim.limits.bucket(op).try_take(1.0).is_err() {
                sim.lock().calls.push((name.to_string(), 429));
                Err(Failure {
                    status: StatusCode::TOO_MANY_REQUESTS,
                    body: quota_exceeded(),
                })
            } else {
                let now = sim.time.model_now();
                let mut store = sim.lock();
                store.advance(now);
                if !seller.is_empty() && seller != store.seller_id {
                    Err(Failure::unauthorized(
                        "The access token does not grant access to this seller.",
                    ))
                } else {
                    let mut run = || -> Outcome {
                        let query = Query::parse(&req)?;
                        let key = key.unwrap_or("");
                        match op {
                            Op::SearchListingsItems => search(&store, &sim, &query),
                            Op::GetListingsItem => get_item(&store, &sim, key, &query),
                            Op::PutListingsItem => {
                                put_item(&mut store, now, key, &query, json_body(&req, &body)?)
                            }
                            Op::PatchListingsItem => {
                                patch_item(&mut store, now, key, &query, json_body(&req, &body)?)
                            }
                            Op::DeleteListingsItem => delete_item(&mut store, now, key, &query),
                            Op::CreateFeedDocument => {
                                create_document(&mut store, &sim, now, json_body(&req, &body)?)
                            }
                            Op::GetFeedDocument => get_document(&mut store, &sim, now, key),
                            Op::CreateFeed => {
                                create_feed(&mut store, &sim, now, json_body(&req, &body)?)
                            }
                            Op::GetFeeds => get_feeds(&store, &sim, now, &query),
                            Op::GetFeed => get_feed(&store, &sim, now, key),
                            Op::CancelFeed => cancel_feed(&mut store, now, key),
                            Op::SearchOrders => super::orders::search(&store, &sim, &query),
                            Op::GetOrder => super::orders::get(&store, key, &query),
                        }
                    };
                    let result = run();
                    let status = match &result {
                        Ok((s, _)) => s.as_u16(),
                        Err(f) => f.status.as_u16(),
                    };
                    store.calls.push((name.to_string(), status));
                    result
                }
            }
        }
    };
    match response {
        Ok((status, body)) => answer(status, &body, Some(rate)),
        Err(f) => answer(f.status, &f.body, Some(rate)),
    }
}

fn authorize(req: &HttpRequest, sim: &Shared) -> Result<(), Failure> {
    let Some(token) = req
        .headers()
        .get("x-amz-access-token")
        .and_then(|v| v.to_str().ok())
    else {
        return Err(Failure::unauthorized(
            "Access token is missing in the request header.",
        ));
    };
    let store = sim.lock();
    match store.access_tokens.get(token) {
        None => Err(Failure::unauthorized(
            "The access token you provided is revoked, malformed or invalid.",
        )),
        Some(expires) if *expires <= sim.time.model_now() => Err(Failure::unauthorized(
            "The access token you provided has expired.",
        )),
        Some(_) => Ok(()),
    }
}

fn lwa_error(status: StatusCode, error: &str, description: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/json;charset=UTF-8")
        .insert_header(("x-amzn-RequestId", request_id()))
        .body(json!({ "error": error, "error_description": description }).to_string())
}

/// `POST /auth/o2/token`: the refresh-token grant, form-encoded or JSON.
fn lwa_token(req: &HttpRequest, body: &[u8], sim: &Shared) -> HttpResponse {
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let parsed: Result<LwaTokenRequest, String> = if content_type.contains("json") {
        serde_json::from_slice(body).map_err(|e| e.to_string())
    } else {
        std::str::from_utf8(body)
            .map_err(|e| e.to_string())
            .and_then(|text| {
                web::Query::<LwaTokenRequest>::from_query(text)
                    .map(web::Query::into_inner)
                    .map_err(|e| e.to_string())
            })
    };
    let Ok(grant) = parsed else {
        return lwa_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The request is missing a required parameter or is otherwise malformed.",
        );
    };
    let mut store = sim.lock();
    if grant.client_id != store.client_id || grant.client_secret != store.client_secret {
        return lwa_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed",
        );
    }
    if grant.grant_type != "refresh_token" {
        return lwa_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Only the refresh_token grant is simulated.",
        );
    }
    let refresh = grant.refresh_token.unwrap_or_default();
    if !store.refresh_tokens.contains(&refresh) {
        return lwa_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "The request has an invalid grant parameter : refresh_token",
        );
    }
    let token = format!("Atza|{}", uuid::Uuid::new_v4().simple());
    let expires = sim.time.model_now() + TOKEN_LIFETIME as f64;
    store.access_tokens.insert(token.clone(), expires);
    store.token_grants += 1;
    HttpResponse::Ok()
        .content_type("application/json;charset=UTF-8")
        .insert_header(("x-amzn-RequestId", request_id()))
        .body(
            json!({ "access_token": token, "token_type": "bearer", "expires_in": TOKEN_LIFETIME })
                .to_string(),
        )
}

fn s3_error(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/xml")
        .body(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>"
        ))
}

/// The presigned URL of a document: PUT uploads a feed, GET downloads a report, while the
/// signature matches and the link has not expired.
fn document_url(
    method: &str,
    id: &str,
    req: &HttpRequest,
    body: &[u8],
    sim: &Shared,
    now: f64,
) -> HttpResponse {
    let query = Query::parse(req).ok();
    let signature = query
        .as_ref()
        .and_then(|q| q.get("X-Amz-Signature"))
        .unwrap_or("")
        .to_string();
    let mut store = sim.lock();
    let Some(doc) = store.documents.get_mut(id) else {
        return s3_error(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
        );
    };
    if doc.signature != signature {
        return s3_error(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        );
    }
    if now > doc.url_expires {
        return s3_error(StatusCode::FORBIDDEN, "AccessDenied", "Request has expired");
    }
    match (method, doc.kind) {
        ("PUT", DocKind::Input) => {
            doc.data = Some(body.to_vec());
            HttpResponse::Ok().finish()
        }
        ("GET", DocKind::Result) => {
            let data = doc.data.clone().unwrap_or_default();
            HttpResponse::Ok()
                .content_type(doc.content_type.clone())
                .body(data)
        }
        _ => s3_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "The URL was not signed for this method.",
        ),
    }
}

fn presigned(sim: &Shared, id: &str, doc: &Document) -> String {
    format!(
        "{}/_documents/{id}?X-Amz-Expires={}&X-Amz-Signature={}",
        sim.base(),
        URL_LIFETIME as u64,
        doc.signature
    )
}

// ---- Listings Items ----

const ITEM_DATA: &[&str] = &[
    "summaries",
    "attributes",
    "issues",
    "offers",
    "fulfillmentAvailability",
    "procurement",
    "relationships",
    "productTypes",
];

fn item_json(store: &Store, sim: &Shared, sku: &str, included: &[String]) -> Value {
    let Some(l) = store.listings.get(sku) else {
        return json!({ "sku": sku });
    };
    let mp = store.marketplace_id.as_str();
    let quantity = l.quantity();
    let mut item = Map::new();
    item.insert("sku".into(), json!(l.sku));
    for part in included {
        match part.as_str() {
            "summaries" => {
                let mut status = vec!["DISCOVERABLE"];
                if quantity.unwrap_or(0) > 0 && l.price().is_some() {
                    status.insert(0, "BUYABLE");
                }
                let mut summary = json!({
                    "marketplaceId": mp,
                    "asin": l.asin,
                    "productType": l.product_type,
                    "conditionType": "new_new",
                    "status": status,
                    "createdDate": sim.iso(l.created),
                    "lastUpdatedDate": sim.iso(l.updated),
                });
                if let Some(t) = l.title() {
                    summary["itemName"] = json!(t);
                }
                item.insert("summaries".into(), json!([summary]));
            }
            "attributes" => {
                item.insert("attributes".into(), Value::Object(l.attributes.clone()));
            }
            "issues" => {
                item.insert("issues".into(), json!([]));
            }
            "offers" => {
                let offers: Vec<Value> = l
                    .price()
                    .map(|p| {
                        json!({
                            "marketplaceId": mp,
                            "offerType": "B2C",
                            "price": { "currencyCode": store.currency, "amount": format!("{p:.2}") },
                            "audience": { "value": "ALL", "displayName": "Sell on Amazon" },
                        })
                    })
                    .into_iter()
                    .collect();
                item.insert("offers".into(), json!(offers));
            }
            "fulfillmentAvailability" => {
                let mut fa = json!({ "fulfillmentChannelCode": "DEFAULT" });
                if let Some(q) = quantity {
                    fa["quantity"] = json!(q);
                }
                item.insert("fulfillmentAvailability".into(), json!([fa]));
            }
            "productTypes" => {
                item.insert(
                    "productTypes".into(),
                    json!([{ "marketplaceId": mp, "productType": l.product_type }]),
                );
            }
            "relationships" => {
                item.insert(
                    "relationships".into(),
                    json!([{ "marketplaceId": mp, "relationships": [] }]),
                );
            }
            // Vendor-only data: sellers get none.
            _ => {}
        }
    }
    Value::Object(item)
}

fn included(query: &Query) -> Result<Vec<String>, Failure> {
    Ok(query
        .enums("includedData", ITEM_DATA)?
        .unwrap_or_else(|| vec!["summaries".into()]))
}

fn get_item(store: &Store, sim: &Shared, sku: &str, query: &Query) -> Outcome {
    query.marketplaces(&store.marketplace_id, usize::MAX)?;
    let included = included(query)?;
    if !store.listings.contains_key(sku) {
        return Err(Failure::not_found(format!(
            "SKU '{sku}' not found in marketplace {}",
            store.marketplace_id
        )));
    }
    Ok((StatusCode::OK, item_json(store, sim, sku, &included)))
}

/// Page tokens are the offset, opaque to clients.
fn page_token(offset: usize) -> String {
    format!("{offset:x}").chars().rev().collect::<String>() + "p"
}

fn parse_page_token(token: &str) -> Option<usize> {
    let digits: String = token.strip_suffix('p')?.chars().rev().collect();
    usize::from_str_radix(&digits, 16).ok()
}

/// At most this many results can be paged through.
const SEARCH_WINDOW: usize = 1000;

fn search(store: &Store, sim: &Shared, query: &Query) -> Outcome {
    query.marketplaces(&store.marketplace_id, usize::MAX)?;
    let included = included(query)?;
    let page_size = match query.get("pageSize") {
        None => 10,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=20).contains(&n) => n,
            _ => return Err(Failure::invalid("pageSize must be an integer from 1 to 20")),
        },
    };
    let identifiers = query.list("identifiers");
    let id_type = query.enums(
        "identifiersType",
        &[
            "ASIN", "EAN", "FNSKU", "GTIN", "ISBN", "JAN", "MINSAN", "SKU", "UPC",
        ],
    )?;
    let sort_by = query
        .enums("sortBy", &["sku", "createdDate", "lastUpdatedDate"])?
        .and_then(|v| v.into_iter().next())
        .unwrap_or_else(|| "lastUpdatedDate".into());
    let descending = query
        .enums("sortOrder", &["ASC", "DESC"])?
        .and_then(|v| v.into_iter().next())
        .is_none_or(|o| o == "DESC");
    let mut matched: Vec<&super::store::Listing> = match &identifiers {
        Some(ids) => {
            if ids.len() > 20 {
                return Err(Failure::invalid("identifiers takes at most 20 values"));
            }
            let Some(kind) = id_type.and_then(|t| t.into_iter().next()) else {
                return Err(Failure::invalid(
                    "identifiersType is required with identifiers",
                ));
            };
            match kind.as_str() {
                "SKU" => ids.iter().filter_map(|s| store.listings.get(s)).collect(),
                "ASIN" => store
                    .listings
                    .values()
                    .filter(|l| ids.contains(&l.asin))
                    .collect(),
                _ => store
                    .listings
                    .values()
                    .filter(|l| {
                        l.attributes
                            .get("externally_assigned_product_identifier")
                            .and_then(|v| v.pointer("/0/value"))
                            .and_then(Value::as_str)
                            .is_some_and(|code| ids.iter().any(|i| i == code))
                    })
                    .collect(),
            }
        }
        None => store.listings.values().collect(),
    };
    match sort_by.as_str() {
        "sku" => matched.sort_by(|a, b| a.sku.cmp(&b.sku)),
        "createdDate" => {
            matched.sort_by(|a, b| a.created.total_cmp(&b.created).then(a.sku.cmp(&b.sku)))
        }
        _ => matched.sort_by(|a, b| a.updated.total_cmp(&b.updated).then(a.sku.cmp(&b.sku))),
    }
    if descending {
        matched.reverse();
    }
    let offset = match query.get("pageToken") {
        None => 0,
        Some(t) => parse_page_token(t).ok_or_else(|| Failure::invalid("pageToken is invalid"))?,
    };
    let reachable = matched.len().min(SEARCH_WINDOW);
    let end = (offset + page_size).min(reachable);
    let items: Vec<Value> = matched
        .get(offset.min(end)..end)
        .unwrap_or_default()
        .iter()
        .map(|l| item_json(store, sim, &l.sku, &included))
        .collect();
    let mut pagination = Map::new();
    if end < reachable {
        pagination.insert("nextToken".into(), json!(page_token(end)));
    }
    if offset > 0 {
        pagination.insert(
            "previousToken".into(),
            json!(page_token(offset.saturating_sub(page_size))),
        );
    }
    let mut body = json!({ "numberOfResults": matched.len(), "items": items });
    if !pagination.is_empty() {
        body["pagination"] = Value::Object(pagination);
    }
    Ok((StatusCode::OK, body))
}

/// The query of PUT and PATCH: marketplace, `includedData`, `mode`.
struct WriteOptions {
    preview: bool,
    issues: bool,
    identifiers: bool,
}

fn write_options(
    store: &Store,
    query: &Query,
    max_marketplaces: usize,
) -> Result<WriteOptions, Failure> {
    query.marketplaces(&store.marketplace_id, max_marketplaces)?;
    let included = query
        .enums("includedData", &["identifiers", "issues"])?
        .unwrap_or_else(|| vec!["issues".into()]);
    let preview = match query.get("mode") {
        None => false,
        Some("VALIDATION_PREVIEW") => true,
        Some(other) => return Err(Failure::invalid(format!("'{other}' is not a valid mode"))),
    };
    let identifiers = included.iter().any(|i| i == "identifiers");
    if identifiers && !preview {
        return Err(Failure::invalid(
            "includedData=identifiers can only be requested with mode=VALIDATION_PREVIEW",
        ));
    }
    Ok(WriteOptions {
        preview,
        issues: included.iter().any(|i| i == "issues"),
        identifiers,
    })
}

fn submission(
    store: &Store,
    sku: &str,
    found: &[Found],
    options: &WriteOptions,
    asin: Option<String>,
) -> Value {
    let status = match (found.is_empty(), options.preview) {
        (false, _) => "INVALID",
        (true, true) => "VALID",
        (true, false) => "ACCEPTED",
    };
    let mut body = json!({
        "sku": sku,
        "status": status,
        "submissionId": uuid::Uuid::new_v4().simple().to_string(),
    });
    if options.issues {
        body["issues"] = Value::Array(
            found
                .iter()
                .map(|f| f.to_issue(&store.marketplace_id))
                .collect(),
        );
    }
    if options.identifiers {
        body["identifiers"] = json!([{ "marketplaceId": store.marketplace_id, "asin": asin }]);
    }
    body
}

fn put_item(store: &mut Store, now: f64, sku: &str, query: &Query, body: Value) -> Outcome {
    let options = write_options(store, query, 1)?;
    let product_type = required_str(&body, "productType")?.to_string();
    let requirements = match body.get("requirements") {
        None => "LISTING".to_string(),
        Some(Value::String(r))
            if ["LISTING", "LISTING_PRODUCT_ONLY", "LISTING_OFFER_ONLY"].contains(&r.as_str()) =>
        {
            r.clone()
        }
        Some(other) => {
            return Err(Failure::invalid(format!(
                "{other} is not a valid requirements"
            )));
        }
    };
    let Some(Value::Object(attributes)) = body.get("attributes") else {
        return Err(Failure::invalid(
            "attributes is required and must be an object",
        ));
    };
    let found = store.check_attributes(sku, Some(&requirements), attributes);
    let asin = attributes
        .get("merchant_suggested_asin")
        .and_then(|v| v.pointer("/0/value"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| store.listings.get(sku).map(|l| l.asin.clone()))
        .or_else(|| Some(Store::asin_for(sku)));
    let answer = submission(store, sku, &found, &options, asin);
    if found.is_empty() && !options.preview {
        store.enqueue(
            sku,
            Change::Put {
                product_type,
                attributes: attributes.clone(),
            },
            now,
        );
    }
    Ok((StatusCode::OK, answer))
}

fn patch_item(store: &mut Store, now: f64, sku: &str, query: &Query, body: Value) -> Outcome {
    let options = write_options(store, query, usize::MAX)?;
    required_str(&body, "productType")?;
    let Some(Value::Array(raw)) = body.get("patches") else {
        return Err(Failure::invalid("patches is required and must be an array"));
    };
    if raw.is_empty() {
        return Err(Failure::invalid(
            "patches must contain at least one operation",
        ));
    }
    let mut patches = Vec::with_capacity(raw.len());
    for (i, p) in raw.iter().enumerate() {
        let patch: PatchOperation = serde_json::from_value(p.clone())
            .map_err(|e| Failure::invalid(format!("patches[{i}]: {e}")))?;
        if !["add", "replace", "merge", "delete"].contains(&patch.op.as_str()) {
            return Err(Failure::invalid(format!(
                "patches[{i}].op '{}' is not valid",
                patch.op
            )));
        }
        let name = patch.path.strip_prefix("/attributes/").unwrap_or("");
        if name.is_empty() || name.contains('/') {
            return Err(Failure::invalid(format!(
                "patches[{i}].path must name a top-level attribute (/attributes/<name>)"
            )));
        }
        if patch.op != "delete" && patch.value.is_none() {
            return Err(Failure::invalid(format!("patches[{i}].value is required")));
        }
        if patch.value.iter().flatten().any(|v| !v.is_object()) {
            return Err(Failure::invalid(format!(
                "patches[{i}].value must hold objects"
            )));
        }
        patches.push(patch);
    }
    let found = store.check_patch(sku, &patches);
    let asin = store.listings.get(sku).map(|l| l.asin.clone());
    let answer = submission(store, sku, &found, &options, asin);
    if found.is_empty() && !options.preview {
        store.enqueue(sku, Change::Patch(patches), now);
    }
    Ok((StatusCode::OK, answer))
}

fn delete_item(store: &mut Store, now: f64, sku: &str, query: &Query) -> Outcome {
    query.marketplaces(&store.marketplace_id, 1)?;
    let options = WriteOptions {
        preview: false,
        issues: true,
        identifiers: false,
    };
    let found = if store.known(sku) {
        Vec::new()
    } else {
        store.check_patch(sku, &[])
    };
    let answer = submission(store, sku, &found, &options, None);
    if found.is_empty() {
        store.enqueue(sku, Change::Delete, now);
    }
    Ok((StatusCode::OK, answer))
}

// ---- Feeds ----

fn create_document(store: &mut Store, sim: &Shared, now: f64, body: Value) -> Outcome {
    let content_type = required_str(&body, "contentType")?.to_string();
    let id = format!("amzn1.tortuga.4.na.{}", uuid::Uuid::new_v4());
    let doc = Document {
        kind: DocKind::Input,
        content_type,
        signature: uuid::Uuid::new_v4().simple().to_string(),
        url_expires: now + URL_LIFETIME,
        data: None,
        gzip: false,
    };
    let url = presigned(sim, &id, &doc);
    store.documents.insert(id.clone(), doc);
    Ok((
        StatusCode::CREATED,
        json!({ "feedDocumentId": id, "url": url }),
    ))
}

fn get_document(store: &mut Store, sim: &Shared, now: f64, id: &str) -> Outcome {
    let Some(doc) = store.documents.get_mut(id) else {
        return Err(Failure::not_found(
            "The requested feed document was not found.",
        ));
    };
    if doc.kind != DocKind::Result {
        return Err(Failure::not_found(
            "The requested feed document was not found.",
        ));
    }
    doc.url_expires = now + URL_LIFETIME;
    let doc = doc.clone();
    let mut body = json!({ "feedDocumentId": id, "url": presigned(sim, id, &doc) });
    if doc.gzip {
        body["compressionAlgorithm"] = json!("GZIP");
    }
    Ok((StatusCode::OK, body))
}

/// `createFeed`'s own rate (0.0083 / 15) for the feed types other than JSON_LISTINGS_FEED is
/// not modelled: those types end FATAL since 2025-07-31 anyway.
fn create_feed(store: &mut Store, _sim: &Shared, now: f64, body: Value) -> Outcome {
    let feed_type = required_str(&body, "feedType")?.to_string();
    let document = required_str(&body, "inputFeedDocumentId")?.to_string();
    let Some(Value::Array(ids)) = body.get("marketplaceIds") else {
        return Err(Failure::invalid("marketplaceIds is required"));
    };
    if ids.is_empty() || ids.len() > 25 {
        return Err(Failure::invalid("marketplaceIds takes 1 to 25 values"));
    }
    let ids: Vec<String> = ids
        .iter()
        .map(|v| v.as_str().map(str::to_string))
        .collect::<Option<_>>()
        .ok_or_else(|| Failure::invalid("marketplaceIds must be strings"))?;
    if let Some(bad) = ids.iter().find(|id| **id != store.marketplace_id) {
        return Err(Failure::invalid(format!(
            "marketplace {bad} is not one this seller sells in"
        )));
    }
    if let Some(options) = body.get("feedOptions")
        && !options
            .as_object()
            .is_some_and(|o| o.values().all(Value::is_string))
    {
        return Err(Failure::invalid("feedOptions must map names to strings"));
    }
    if !store
        .documents
        .get(&document)
        .is_some_and(|d| d.kind == DocKind::Input)
    {
        return Err(Failure::invalid(
            "inputFeedDocumentId does not name a feed document",
        ));
    }
    if !feed_type.starts_with("JSON_") && !feed_type.starts_with("POST_") {
        return Err(Failure::invalid(format!(
            "feedType {feed_type} is not valid"
        )));
    }
    let id = 50_000_000_000 + store.next_seq();
    store.feeds.insert(
        id,
        FeedState {
            feed_id: id.to_string(),
            feed_type,
            marketplace_ids: ids,
            input_document: document,
            created: now,
            finished: None,
            result_document: None,
        },
    );
    Ok((StatusCode::ACCEPTED, json!({ "feedId": id.to_string() })))
}

fn feed_of<'a>(store: &'a Store, id: &str) -> Result<&'a FeedState, Failure> {
    id.parse::<u64>()
        .ok()
        .and_then(|n| store.feeds.get(&n))
        .ok_or_else(|| Failure::not_found("The requested feed was not found."))
}

/// `getFeeds`: newest first, filtered by type, marketplace, status and creation window;
/// `nextToken` carries the filters, so it is given alone.
fn get_feeds(store: &Store, sim: &Shared, now: f64, query: &Query) -> Outcome {
    let (types, offset, page_size, statuses, since) = match query.get("nextToken") {
        Some(token) => {
            let mut parts = token.splitn(5, '~');
            let mut next = || parts.next().unwrap_or("");
            let offset = parse_page_token(next());
            let page_size = next().parse::<usize>().ok();
            let since = next().parse::<f64>().ok();
            let statuses = next().to_string();
            let types = next().to_string();
            match (offset, page_size, since) {
                (Some(o), Some(p), Some(s)) => (
                    split(&types),
                    o,
                    p,
                    (!statuses.is_empty()).then(|| split(&statuses)),
                    s,
                ),
                _ => return Err(Failure::invalid("nextToken is invalid")),
            }
        }
        None => {
            let Some(types) = query.list("feedTypes").filter(|t| !t.is_empty()) else {
                return Err(Failure::invalid("feedTypes or nextToken is required"));
            };
            if types.len() > 10 {
                return Err(Failure::invalid("feedTypes takes at most 10 values"));
            }
            if let Some(ids) = query.list("marketplaceIds")
                && (ids.is_empty() || ids.len() > 10)
            {
                return Err(Failure::invalid("marketplaceIds takes 1 to 10 values"));
            }
            let page_size = match query.get("pageSize") {
                None => 10,
                Some(v) => match v.parse::<usize>() {
                    Ok(n) if (1..=100).contains(&n) => n,
                    _ => {
                        return Err(Failure::invalid(
                            "pageSize must be an integer from 1 to 100",
                        ));
                    }
                },
            };
            let statuses = query.enums(
                "processingStatuses",
                &["CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE"],
            )?;
            let since = match query.get("createdSince") {
                None => now - 90.0 * 86_400.0,
                Some(v) => model_time(sim, v).ok_or_else(|| {
                    Failure::invalid("createdSince must be an ISO 8601 date-time")
                })?,
            };
            (types, 0, page_size, statuses, since)
        }
    };
    let matched: Vec<&FeedState> = store
        .feeds
        .values()
        .rev()
        .filter(|f| types.contains(&f.feed_type) && f.created >= since)
        .filter(|f| {
            statuses.as_ref().is_none_or(|s| {
                s.iter()
                    .any(|st| st == f.status(now, &store.timings).as_str())
            })
        })
        .collect();
    let end = (offset + page_size).min(matched.len());
    let feeds: Vec<Value> = matched
        .get(offset.min(end)..end)
        .unwrap_or_default()
        .iter()
        .map(|f| feed_json(store, sim, now, f))
        .collect();
    let mut body = json!({ "feeds": feeds });
    if end < matched.len() {
        body["nextToken"] = json!(format!(
            "{}~{page_size}~{since}~{}~{}",
            page_token(end),
            statuses.map(|s| s.join(",")).unwrap_or_default(),
            types.join(",")
        ));
    }
    Ok((StatusCode::OK, body))
}

fn split(list: &str) -> Vec<String> {
    list.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn model_time(sim: &Shared, iso: &str) -> Option<f64> {
    let at = DateTime::parse_from_rfc3339(iso).ok()?.with_timezone(&Utc);
    Some((at - sim.epoch).num_microseconds()? as f64 / 1e6)
}

fn get_feed(store: &Store, sim: &Shared, now: f64, id: &str) -> Outcome {
    let feed = feed_of(store, id)?;
    Ok((StatusCode::OK, feed_json(store, sim, now, feed)))
}

fn feed_json(store: &Store, sim: &Shared, now: f64, feed: &FeedState) -> Value {
    let t = &store.timings;
    let status = feed.status(now, t);
    let mut body = json!({
        "feedId": feed.feed_id,
        "feedType": feed.feed_type,
        "marketplaceIds": feed.marketplace_ids,
        "createdTime": sim.iso(feed.created),
        "processingStatus": status.as_str(),
    });
    if status != FeedStatus::InQueue && status != FeedStatus::Cancelled {
        body["processingStartTime"] = json!(sim.iso(feed.started(t)));
    }
    if let Some((_, ended)) = feed.finished {
        body["processingEndTime"] = json!(sim.iso(ended));
    }
    if let Some(doc) = &feed.result_document {
        body["resultFeedDocumentId"] = json!(doc);
    }
    body
}

fn cancel_feed(store: &mut Store, now: f64, id: &str) -> Outcome {
    let feed = feed_of(store, id)?;
    if feed.status(now, &store.timings) != FeedStatus::InQueue {
        return Err(Failure::invalid(
            "The feed cannot be cancelled: it is no longer IN_QUEUE.",
        ));
    }
    let key = feed.feed_id.parse::<u64>().unwrap_or_default();
    if let Some(f) = store.feeds.get_mut(&key) {
        f.finished = Some((FeedStatus::Cancelled, now));
    }
    Ok((StatusCode::OK, Value::Null))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip() {
        for n in [0, 1, 20, 999, 4096] {
            assert_eq!(parse_page_token(&page_token(n)), Some(n));
        }
        assert_eq!(parse_page_token("zz"), None);
    }

    #[test]
    fn segments_are_decoded() {
        assert_eq!(decode_segment("A%2FB%20C"), "A/B C");
        assert_eq!(decode_segment("100%"), "100%");
    }
}
