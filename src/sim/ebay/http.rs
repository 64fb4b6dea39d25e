//! The simulator's HTTP face: eBay's paths, OAuth, headers, request checks, paging and error
//! envelopes. Decisions about the data are in [`super::store`].

// Refusals are answers here, not rare failures: they carry eBay's whole error (or the response
// itself) by value, and boxing them on every path would only add noise to a simulator.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::store::{ApiError, Store, invalid_token, invalid_value, inventory_error};
use crate::marketplaces::ebay::model::{
    BulkInventoryItem, BulkInventoryItemResponse, BulkPriceQuantity, BulkPriceQuantityResponse,
    ErrorBody, ErrorDetail, InventoryItemRecord, InventoryItemResponse, InventoryItems,
    OfferDetails, OfferResponse, Offers, Product, PublishResponse, TokenError, TokenResponse,
    codes,
};
use crate::marketplaces::http::percent_encode;
use crate::ratelimit::{DailyQuota, Wait};
use crate::sim::market::{Fault, Knobs, form_decode, garbage};

/// The Inventory API's base path.
pub const BASE: &str = "/sell/inventory/v1";
/// Most requests of one bulk call.
pub const MAX_BULK: usize = 25;

/// `Content-Language` values eBay's marketplaces take.
const LANGUAGES: [&str; 20] = [
    "en-US", "en-GB", "en-AU", "en-CA", "fr-CA", "de-DE", "de-AT", "de-CH", "fr-FR", "fr-BE",
    "nl-BE", "nl-NL", "it-IT", "es-ES", "pl-PL", "en-IE", "zh-HK", "en-SG", "en-MY", "en-PH",
];

/// The state every handler shares.
pub struct Shared {
    pub store: Mutex<Store>,
    pub knobs: Knobs,
    /// The Inventory API's daily call limit (replaceable by tests).
    pub quota: Mutex<DailyQuota>,
    /// The Fulfillment API's daily call limit, counted apart from the Inventory API's.
    pub fulfillment_quota: Mutex<DailyQuota>,
    /// The seller's orders (Fulfillment API).
    pub orders: Mutex<super::orders::OrderBook>,
    /// `http://127.0.0.1:<port>`, for `href`/`next` links.
    pub base_url: String,
    /// Operations served (after auth), in order.
    pub calls: Mutex<Vec<&'static str>>,
}

impl Shared {
    pub fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.store)
    }

    fn now(&self) -> f64 {
        self.knobs.time().model_now()
    }
}

pub use crate::sim::market::lock;

/// Routes, as `App::configure` takes them.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/identity/v1/oauth2/token", web::post().to(token))
        .service(
            web::scope(BASE)
                .route(
                    "/bulk_create_or_replace_inventory_item",
                    web::post().to(bulk_create_items),
                )
                .route(
                    "/bulk_update_price_quantity",
                    web::post().to(bulk_update_price_quantity),
                )
                .route("/inventory_item", web::get().to(get_items))
                .route("/inventory_item/{sku}", web::get().to(get_item))
                .route("/inventory_item/{sku}", web::put().to(put_item))
                .route("/offer", web::get().to(get_offers))
                .route("/offer", web::post().to(create_offer))
                .route("/offer/{offerId}", web::get().to(get_offer))
                .route("/offer/{offerId}", web::put().to(update_offer))
                .route("/offer/{offerId}/publish", web::post().to(publish_offer))
                .route("/offer/{offerId}/withdraw", web::post().to(withdraw_offer)),
        )
        .service(
            web::scope(super::orders::BASE)
                .route("/order", web::get().to(super::orders::get_orders))
                .route("/order/{orderId}", web::get().to(super::orders::get_order)),
        )
        .default_service(web::to(not_found));
}

// ---- rendering ----------------------------------------------------------------------------

pub(super) fn json<T: Serialize>(status: u16, body: &T) -> HttpResponse {
    HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
        .content_type("application/json")
        .json(body)
}

pub(super) fn error(e: ApiError) -> HttpResponse {
    json(
        e.status,
        &ErrorBody {
            errors: e.errors,
            warnings: Vec::new(),
        },
    )
}

fn request_error(status: u16, e: ErrorDetail) -> HttpResponse {
    error(ApiError::new(status, e))
}

fn unreadable(why: &str) -> HttpResponse {
    request_error(
        400,
        ErrorDetail {
            error_id: codes::INVALID_REQUEST,
            domain: "ACCESS".into(),
            category: "REQUEST".into(),
            message: "Invalid request".into(),
            long_message: Some(format!(
                "The request has errors. For help, see the documentation for this API. {why}"
            )),
            ..ErrorDetail::default()
        },
    )
}

fn too_many_requests() -> HttpResponse {
    request_error(
        429,
        ErrorDetail {
            error_id: codes::TOO_MANY_REQUESTS,
            domain: "ACCESS".into(),
            category: "REQUEST".into(),
            message: "Too many requests.".into(),
            long_message: Some("The request limit has been reached for the resource.".into()),
            ..ErrorDetail::default()
        },
    )
}

/// eBay's shape for the faults tests script.
pub fn render_fault(fault: &Fault) -> HttpResponse {
    match fault {
        Fault::Status(status) => {
            let e = if *status >= 500 {
                inventory_error(
                    codes::SYSTEM_ERROR,
                    "APPLICATION",
                    "A system error has occurred.",
                )
            } else {
                inventory_error(codes::USER_ERROR, "REQUEST", "A user error has occurred.")
            };
            request_error(*status, e)
        }
        Fault::Throttle(wait) => {
            // eBay itself sends no Retry-After; the gateways in front of it do when they shed
            // load, and that is the wait this fault asks for.
            let mut res = too_many_requests();
            if let Ok(v) =
                actix_web::http::header::HeaderValue::from_str(&format!("{}", wait.as_secs_f64()))
            {
                res.headers_mut()
                    .insert(actix_web::http::header::RETRY_AFTER, v);
            }
            res
        }
        Fault::Unauthorized => error(invalid_token()),
        Fault::Garbage => garbage(),
        // Applied by the middleware itself.
        Fault::Truncated | Fault::Delay(_) => HttpResponse::InternalServerError().finish(),
    }
}

async fn not_found(req: HttpRequest) -> HttpResponse {
    let _ = req;
    request_error(
        404,
        inventory_error(
            25710,
            "REQUEST",
            "We didn't find the resource/entity you are requesting. Please verify the request",
        ),
    )
}

// ---- request checks -----------------------------------------------------------------------

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// A path parameter of the route (empty if absent).
fn path_param<'a>(req: &'a HttpRequest, name: &str) -> &'a str {
    req.match_info().get(name).unwrap_or_default()
}

/// Bearer token, daily quota, call log. Every Inventory call goes through here first.
fn admit(req: &HttpRequest, sim: &Shared, operation: &'static str) -> Result<(), HttpResponse> {
    admit_with(req, sim, operation, &sim.quota, &INVENTORY_SCOPES)
}

/// Scopes that open the Inventory API.
const INVENTORY_SCOPES: [&str; 2] = [
    "https://api.ebay.com/oauth/api_scope/sell.inventory",
    "https://api.ebay.com/oauth/api_scope/sell.inventory.readonly",
];
/// Scopes that open the Fulfillment API's order reads.
const FULFILLMENT_SCOPES: [&str; 2] = [
    "https://api.ebay.com/oauth/api_scope/sell.fulfillment",
    "https://api.ebay.com/oauth/api_scope/sell.fulfillment.readonly",
];

/// [`admit`] for the Fulfillment API, whose daily call limit is its own.
pub(super) fn admit_orders(
    req: &HttpRequest,
    sim: &Shared,
    operation: &'static str,
) -> Result<(), HttpResponse> {
    admit_with(
        req,
        sim,
        operation,
        &sim.fulfillment_quota,
        &FULFILLMENT_SCOPES,
    )
}

fn admit_with(
    req: &HttpRequest,
    sim: &Shared,
    operation: &'static str,
    quota: &Mutex<DailyQuota>,
    scopes: &[&str],
) -> Result<(), HttpResponse> {
    let token = header(req, "authorization")
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(str::trim)
        .unwrap_or_default();
    sim.store().check_token(token, sim.now()).map_err(error)?;
    sim.store().check_scope(token, scopes).map_err(error)?;
    // The knobs say, per request, whether limits apply (benchmarks set up without them).
    let enforce = sim.knobs.enforce_limits();
    sim.store().enforce_revisions = enforce;
    if enforce {
        match lock(quota).try_call() {
            Ok(_) => {}
            Err(Wait::After(_)) | Err(Wait::Never) => return Err(too_many_requests()),
        }
    }
    lock(&sim.calls).push(operation);
    Ok(())
}

/// What a write with a JSON body goes through: [`admit`], then `Content-Language`, then the
/// body itself.
fn admit_body<T: DeserializeOwned>(
    req: &HttpRequest,
    sim: &Shared,
    operation: &'static str,
    bytes: &[u8],
) -> Result<T, HttpResponse> {
    admit(req, sim, operation)?;
    content_language(req)?;
    body(req, bytes)
}

fn content_language(req: &HttpRequest) -> Result<(), HttpResponse> {
    match header(req, "content-language") {
        Some(l) if LANGUAGES.iter().any(|k| k.eq_ignore_ascii_case(l.trim())) => Ok(()),
        _ => Err(request_error(
            400,
            invalid_value(
                "header Content-Language",
                "Content-Language is required, e.g. en-US.",
            ),
        )),
    }
}

/// A JSON body of type `T`: unreadable JSON is eBay's 2004, a value of the wrong type 25709.
fn body<T: DeserializeOwned>(req: &HttpRequest, bytes: &[u8]) -> Result<T, HttpResponse> {
    let json_type = header(req, "content-type").is_some_and(|c| {
        c.trim()
            .to_ascii_lowercase()
            .starts_with("application/json")
    });
    if !json_type {
        return Err(request_error(
            400,
            invalid_value(
                "header Content-Type",
                "Content-Type must be application/json.",
            ),
        ));
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| unreadable(&e.to_string()))?;
    if !value.is_object() {
        return Err(unreadable("The body must be a JSON object."));
    }
    serde_json::from_value(value)
        .map_err(|e| request_error(400, invalid_value("field", &e.to_string())))
}

pub(super) fn query(req: &HttpRequest) -> HashMap<String, String> {
    parse_form(req.query_string())
}

/// `a=1&b=x%20y` (form encoding: `+` is a space).
pub fn parse_form(text: &str) -> HashMap<String, String> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (form_decode(k), form_decode(v))
        })
        .collect()
}

/// `limit` and `offset` as the contract describes them: `offset` is a page index (0 the first
/// page), `limit` the page size.
fn paging(
    q: &HashMap<String, String>,
    default_limit: usize,
    max_limit: usize,
) -> Result<(usize, usize), HttpResponse> {
    let bad = |what: &str| {
        request_error(
            400,
            inventory_error(
                codes::INVALID_PAGINATION,
                "REQUEST",
                format!("You have provided invalid pagination values. {what}."),
            ),
        )
    };
    let limit = match q.get("limit") {
        None => default_limit,
        Some(l) => match l.parse::<usize>() {
            Ok(n) if (1..=max_limit).contains(&n) => n,
            _ => return Err(bad("limit")),
        },
    };
    let page = match q.get("offset") {
        None => 0,
        Some(o) => o.parse::<usize>().map_err(|_| bad("offset"))?,
    };
    Ok((limit, page))
}

// ---- OAuth --------------------------------------------------------------------------------

fn token_error(status: u16, error: &str, description: &str) -> HttpResponse {
    json(
        status,
        &TokenError {
            error: error.into(),
            error_description: description.into(),
        },
    )
}

async fn token(req: HttpRequest, bytes: web::Bytes, sim: web::Data<Shared>) -> HttpResponse {
    let form_type = header(&req, "content-type").is_some_and(|c| {
        c.trim()
            .to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
    });
    if !form_type {
        return token_error(
            400,
            "invalid_request",
            "request is missing a required parameter or malformed",
        );
    }
    let basic = header(&req, "authorization")
        .and_then(|h| h.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok());
    let mut store = sim.store();
    let account = &store.account;
    let client_ok = basic
        .as_deref()
        .and_then(|b| b.split_once(':'))
        .is_some_and(|(id, secret)| id == account.client_id && secret == account.client_secret);
    if !client_ok {
        return token_error(401, "invalid_client", "client authentication failed");
    }
    let form = parse_form(&String::from_utf8_lossy(&bytes));
    let now = sim.now();
    match form.get("grant_type").map(String::as_str) {
        Some("refresh_token") => {
            let given = form.get("refresh_token").map(String::as_str).unwrap_or("");
            if account.refresh_revoked || given != account.refresh_token {
                return token_error(
                    400,
                    "invalid_grant",
                    "the provided authorization refresh token is invalid or was issued to \
                     another client",
                );
            }
            if let Some(scope) = form.get("scope")
                && !scope.split_whitespace().all(|s| account.scopes.contains(s))
            {
                return token_error(
                    400,
                    "invalid_scope",
                    "The requested scope is invalid, unknown, malformed, or exceeds the scope \
                     granted to the client",
                );
            }
            let access_token = store.issue_token(true, now);
            let scopes: Vec<String> = form
                .get("scope")
                .map(|s| s.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default();
            if let Some(t) = store.tokens.get_mut(&access_token) {
                t.scopes = scopes;
            }
            json(
                200,
                &TokenResponse {
                    access_token,
                    expires_in: super::store::TOKEN_LIFE,
                    token_type: "User Access Token".into(),
                    refresh_token: None,
                    refresh_token_expires_in: None,
                },
            )
        }
        Some("client_credentials") => {
            let access_token = store.issue_token(false, now);
            json(
                200,
                &TokenResponse {
                    access_token,
                    expires_in: super::store::TOKEN_LIFE,
                    token_type: "Application Access Token".into(),
                    refresh_token: None,
                    refresh_token_expires_in: None,
                },
            )
        }
        _ => token_error(
            400,
            "unsupported_grant_type",
            "grant type in request is not supported by the authorization server",
        ),
    }
}

// ---- inventory items ----------------------------------------------------------------------

/// A bulk request's size: 1 to 25 (or 1 in the strict reading), SKUs unique.
fn bulk_size_ok(len: usize, max: usize, skus: &[&str]) -> Result<(), HttpResponse> {
    if len == 0 {
        return Err(request_error(
            400,
            invalid_value("requests", "At least one request is required."),
        ));
    }
    if len > max {
        return Err(request_error(
            400,
            inventory_error(
                codes::TOO_MANY_ITEMS,
                "REQUEST",
                format!("The number of InventoryItems in the request cannot exceed {max}."),
            ),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    if skus.iter().any(|s| !seen.insert(*s)) {
        return Err(request_error(
            400,
            inventory_error(
                codes::DUPLICATE_ITEMS,
                "REQUEST",
                "InventoryItems should be unique in the request.",
            ),
        ));
    }
    Ok(())
}

async fn bulk_create_items(
    req: HttpRequest,
    bytes: web::Bytes,
    sim: web::Data<Shared>,
) -> HttpResponse {
    let bulk: BulkInventoryItem =
        match admit_body(&req, &sim, "bulkCreateOrReplaceInventoryItem", &bytes) {
            Ok(b) => b,
            Err(r) => return r,
        };
    let skus: Vec<&str> = bulk.requests.iter().map(|r| r.sku.as_str()).collect();
    if let Err(r) = bulk_size_ok(bulk.requests.len(), MAX_BULK, &skus) {
        return r;
    }
    if bulk
        .requests
        .iter()
        .any(|r| r.sku.is_empty() || r.locale.as_deref().is_none_or(str::is_empty))
    {
        return request_error(
            400,
            inventory_error(
                25733,
                "REQUEST",
                "Valid SKU and locale information are required for all the InventoryItems in \
                 the request.",
            ),
        );
    }
    let now = sim.now();
    let results = sim.store().bulk_put_items(bulk.requests, now);
    let mut all_ok = true;
    let responses = results
        .into_iter()
        .map(|(sku, locale, result)| match result {
            Ok(()) => InventoryItemResponse {
                status_code: 200,
                sku,
                locale,
                ..Default::default()
            },
            Err(e) => {
                all_ok = false;
                InventoryItemResponse {
                    status_code: e.status,
                    sku,
                    locale,
                    errors: e.errors,
                    warnings: Vec::new(),
                }
            }
        })
        .collect();
    json(
        if all_ok { 200 } else { 207 },
        &BulkInventoryItemResponse { responses },
    )
}

/// The body of createOrReplaceInventoryItem (`InventoryItem`).
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct InventoryItemBody {
    #[serde(default)]
    locale: Option<String>,
    #[serde(default)]
    condition: Option<String>,
    #[serde(default)]
    product: Option<Product>,
    #[serde(default)]
    availability: Option<crate::marketplaces::ebay::model::Availability>,
}

async fn put_item(req: HttpRequest, bytes: web::Bytes, sim: web::Data<Shared>) -> HttpResponse {
    let item: InventoryItemBody =
        match admit_body(&req, &sim, "createOrReplaceInventoryItem", &bytes) {
            Ok(b) => b,
            Err(r) => return r,
        };
    let sku = path_param(&req, "sku").to_string();
    let now = sim.now();
    let locale = item
        .locale
        .or_else(|| header(&req, "content-language").map(|l| l.replace('-', "_")));
    match sim.store().put_item(
        &sku,
        locale,
        item.condition,
        item.product,
        item.availability,
        now,
    ) {
        Ok(()) => HttpResponse::NoContent().finish(),
        Err(e) => error(e),
    }
}

async fn get_item(req: HttpRequest, sim: web::Data<Shared>) -> HttpResponse {
    if let Err(r) = admit(&req, &sim, "getInventoryItem") {
        return r;
    }
    let sku = path_param(&req, "sku");
    match sim.store().item_record(sku) {
        Some(record) => json(200, &record),
        None => request_error(
            404,
            inventory_error(
                codes::SKU_NOT_FOUND,
                "REQUEST",
                format!("{sku} could not be found or is not available in the system."),
            ),
        ),
    }
}

async fn get_items(req: HttpRequest, sim: web::Data<Shared>) -> HttpResponse {
    if let Err(r) = admit(&req, &sim, "getInventoryItems") {
        return r;
    }
    let (limit, page) = match paging(&query(&req), 25, 200) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let store = sim.store();
    let total = store.items.len();
    let items: Vec<InventoryItemRecord> = store
        .items
        .keys()
        .skip(page.saturating_mul(limit))
        .take(limit)
        .filter_map(|sku| store.item_record(sku))
        .collect();
    let link = |p: usize| {
        format!(
            "{}{BASE}/inventory_item?limit={limit}&offset={p}",
            sim.base_url
        )
    };
    let page_body = InventoryItems {
        href: link(page),
        limit: limit as i64,
        next: ((page + 1).saturating_mul(limit) < total).then(|| link(page + 1)),
        prev: (page > 0).then(|| link(page - 1)),
        size: items.len() as i64,
        total: total as i64,
        inventory_items: items,
    };
    json(200, &page_body)
}

// ---- offers -------------------------------------------------------------------------------

async fn create_offer(req: HttpRequest, bytes: web::Bytes, sim: web::Data<Shared>) -> HttpResponse {
    let offer: OfferDetails = match admit_body(&req, &sim, "createOffer", &bytes) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if offer.offer_id.is_some() || offer.status.is_some() || offer.listing.is_some() {
        return request_error(
            400,
            invalid_value("offerId", "Read-only fields cannot be set."),
        );
    }
    match sim.store().create_offer(offer) {
        Ok(offer_id) => json(
            201,
            &OfferResponse {
                offer_id: Some(offer_id),
                warnings: Vec::new(),
            },
        ),
        Err(e) => error(e),
    }
}

async fn get_offers(req: HttpRequest, sim: web::Data<Shared>) -> HttpResponse {
    if let Err(r) = admit(&req, &sim, "getOffers") {
        return r;
    }
    let q = query(&req);
    let (limit, page) = match paging(&q, 100, 200) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let sku = match q.get("sku") {
        Some(s) if super::store::valid_sku(s) => s.clone(),
        _ => return request_error(400, invalid_value("sku", "")),
    };
    let format = q.get("format").map(String::as_str);
    if format.is_some_and(|f| !matches!(f, "FIXED_PRICE" | "AUCTION")) {
        return request_error(400, invalid_value("format", ""));
    }
    let marketplace = q.get("marketplace_id").map(String::as_str);
    let store = sim.store();
    let mut offers: Vec<OfferDetails> = store
        .offers_of(&sku, marketplace, format)
        .into_iter()
        .map(|o| o.view())
        .collect();
    if offers.is_empty() {
        return request_error(
            404,
            inventory_error(
                codes::OFFER_NOT_AVAILABLE,
                "REQUEST",
                format!("This Offer is not available : {sku}."),
            ),
        );
    }
    offers.sort_by(|a, b| a.offer_id.cmp(&b.offer_id));
    let total = offers.len();
    let shown: Vec<OfferDetails> = offers
        .into_iter()
        .skip(page.saturating_mul(limit))
        .take(limit)
        .collect();
    let mut filters = format!("sku={}", percent_encode(&sku));
    if let Some(m) = marketplace {
        filters.push_str(&format!("&marketplace_id={}", percent_encode(m)));
    }
    if let Some(f) = format {
        filters.push_str(&format!("&format={}", percent_encode(f)));
    }
    let link = |p: usize| {
        format!(
            "{}{BASE}/offer?{filters}&limit={limit}&offset={p}",
            sim.base_url
        )
    };
    json(
        200,
        &Offers {
            href: link(page),
            limit: limit as i64,
            next: ((page + 1).saturating_mul(limit) < total).then(|| link(page + 1)),
            prev: (page > 0).then(|| link(page - 1)),
            size: shown.len() as i64,
            total: total as i64,
            offers: shown,
        },
    )
}

async fn get_offer(req: HttpRequest, sim: web::Data<Shared>) -> HttpResponse {
    if let Err(r) = admit(&req, &sim, "getOffer") {
        return r;
    }
    let id = path_param(&req, "offerId");
    match sim.store().offers.get(id) {
        Some(o) => json(200, &o.view()),
        None => request_error(
            404,
            inventory_error(
                codes::OFFER_NOT_AVAILABLE,
                "REQUEST",
                format!("This Offer is not available : {id}."),
            ),
        ),
    }
}

async fn update_offer(req: HttpRequest, bytes: web::Bytes, sim: web::Data<Shared>) -> HttpResponse {
    let offer: OfferDetails = match admit_body(&req, &sim, "updateOffer", &bytes) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let id = path_param(&req, "offerId").to_string();
    let now = sim.now();
    match sim.store().update_offer(&id, offer, now) {
        Ok(()) => HttpResponse::NoContent().finish(),
        Err(e) => error(e),
    }
}

async fn publish_offer(req: HttpRequest, sim: web::Data<Shared>) -> HttpResponse {
    if let Err(r) = admit(&req, &sim, "publishOffer") {
        return r;
    }
    let id = path_param(&req, "offerId").to_string();
    let now = sim.now();
    match sim.store().publish(&id, now) {
        Ok(listing) => json(
            200,
            &PublishResponse {
                listing_id: Some(listing),
                warnings: Vec::new(),
            },
        ),
        Err(e) => error(e),
    }
}

async fn withdraw_offer(req: HttpRequest, sim: web::Data<Shared>) -> HttpResponse {
    if let Err(r) = admit(&req, &sim, "withdrawOffer") {
        return r;
    }
    let id = path_param(&req, "offerId").to_string();
    match sim.store().withdraw(&id) {
        Ok(listing) => json(200, &serde_json::json!({ "listingId": listing })),
        Err(e) => error(e),
    }
}

// ---- price and quantity -------------------------------------------------------------------

async fn bulk_update_price_quantity(
    req: HttpRequest,
    bytes: web::Bytes,
    sim: web::Data<Shared>,
) -> HttpResponse {
    if let Err(r) = admit(&req, &sim, "bulkUpdatePriceQuantity") {
        return r;
    }
    let bulk: BulkPriceQuantity = match body(&req, &bytes) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let strict = sim.store().one_sku_per_call;
    let max = if strict { 1 } else { MAX_BULK };
    let skus: Vec<&str> = bulk.requests.iter().map(|r| r.sku.as_str()).collect();
    if let Err(r) = bulk_size_ok(bulk.requests.len(), max, &skus) {
        return r;
    }
    if bulk.requests.iter().any(|r| r.offers.len() > MAX_BULK) {
        return request_error(
            400,
            invalid_value("offers", "Up to 25 offers can be updated per call."),
        );
    }
    let now = sim.now();
    let mut store = sim.store();
    let responses: Vec<_> = bulk
        .requests
        .iter()
        .flat_map(|r| store.price_quantity(r, now))
        .collect();
    drop(store);
    let all_ok = responses.iter().all(|r| r.status_code == 200);
    json(
        if all_ok { 200 } else { 207 },
        &BulkPriceQuantityResponse { responses },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_decoded_and_values_encoded() {
        let f = parse_form("grant_type=refresh_token&scope=a%20b+c&x");
        assert_eq!(f["grant_type"], "refresh_token");
        assert_eq!(f["scope"], "a b c");
        assert_eq!(f["x"], "");
        assert_eq!(form_decode("100%"), "100%");
        assert_eq!(form_decode("%4"), "%4");
        assert_eq!(form_decode("%41"), "A");
        assert_eq!(percent_encode("a b/é"), "a%20b%2F%C3%A9");
    }

    #[test]
    fn paging_follows_the_contract() {
        let q = |s: &str| parse_form(s);
        assert_eq!(paging(&q(""), 25, 200).ok(), Some((25, 0)));
        assert_eq!(
            paging(&q("limit=200&offset=3"), 25, 200).ok(),
            Some((200, 3))
        );
        assert!(paging(&q("limit=0"), 25, 200).is_err());
        assert!(paging(&q("limit=201"), 25, 200).is_err());
        assert!(paging(&q("offset=-1"), 25, 200).is_err());
    }
}
