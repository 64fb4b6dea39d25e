//! The simulated seller account: inventory items, offers, listings, OAuth tokens and the
//! per-listing revision counts, with the Inventory API's rules applied to them. The HTTP layer
//! ([`super::http`]) parses requests and renders answers; everything that decides an answer
//! lives here, so it is one mutex away and fast (benchmarks push 100,000 SKUs through it).
//!
//! Orders (the Fulfillment API) will be one more section of [`Store`] with its own module.

// Refusals are answers here, not rare failures: they carry eBay's whole error (or the response
// itself) by value, and boxing them on every path would only add noise to a simulator.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::marketplaces::ebay::model::{
    Amount, Availability, ErrorDetail, ErrorParameter, FIXED_PRICE, InventoryItemRecord,
    InventoryItemWithSkuLocale, ListingDetails, OfferDetails, OfferPriceQuantity, PUBLISHED,
    PriceQuantity, PriceQuantityResponse, Product, ShipToLocationAvailability, UNPUBLISHED, codes,
};

/// eBay's cap on revisions of one listing per calendar day.
pub const REVISIONS_PER_DAY: u32 = 250;
/// A user access token's life, in seconds.
pub const TOKEN_LIFE: u64 = 7200;
/// Seconds in a (model) day.
const DAY: f64 = 86_400.0;

/// One refused request or item: HTTP status and eBay errors.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub errors: Vec<ErrorDetail>,
}

impl ApiError {
    pub fn new(status: u16, error: ErrorDetail) -> Self {
        Self {
            status,
            errors: vec![error],
        }
    }
}

/// An error of the Inventory API's domain.
pub fn inventory_error(id: i64, category: &str, message: impl Into<String>) -> ErrorDetail {
    ErrorDetail {
        error_id: id,
        domain: "API_INVENTORY".into(),
        category: category.into(),
        message: message.into(),
        ..ErrorDetail::default()
    }
}

/// `25709 Invalid value for {fieldName}` on a request error.
pub fn invalid_value(field: &str, why: &str) -> ErrorDetail {
    let mut e = inventory_error(
        codes::INVALID_VALUE,
        "REQUEST",
        format!("Invalid value for {field}. {why}")
            .trim_end()
            .to_string(),
    );
    e.parameters = vec![ErrorParameter {
        name: "fieldName".into(),
        value: field.into(),
    }];
    e
}

/// An offer's details as stored: without what the offer record keeps itself (id, SKU,
/// marketplace, format, status, listing).
fn stored_details(mut details: OfferDetails) -> OfferDetails {
    details.offer_id = None;
    details.sku = None;
    details.marketplace_id = None;
    details.format = None;
    details.status = None;
    details.listing = None;
    details
}

fn bad_sku(sku: &str) -> ErrorDetail {
    let mut e = inventory_error(
        codes::INVALID_SKU,
        "REQUEST",
        "This is an invalid value for a SKU. Only alphanumeric characters can be used for SKUs, \
         and their length must not exceed 50 characters",
    );
    e.parameters = vec![ErrorParameter {
        name: "sku".into(),
        value: sku.into(),
    }];
    e
}

/// Whether eBay takes `sku`: 1 to 50 characters, letters, digits and a few separators (eBay
/// says "alphanumeric", sellers use `-`, `_`, `.` and `/` daily).
pub fn valid_sku(sku: &str) -> bool {
    let n = sku.chars().count();
    (1..=50).contains(&n)
        && sku
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ' '))
}

/// An inventory item.
#[derive(Debug, Clone)]
pub struct Item {
    pub locale: Option<String>,
    pub condition: Option<String>,
    pub product: Option<Product>,
    /// `shipToLocationAvailability.quantity`: total sellable across marketplaces.
    pub quantity: Option<i64>,
}

/// An offer and its listing.
#[derive(Debug, Clone)]
pub struct OfferRec {
    pub offer_id: String,
    pub sku: String,
    pub marketplace_id: String,
    pub format: String,
    /// The writable fields as last sent (keys and read-only fields are not kept here).
    pub details: OfferDetails,
    pub published: bool,
    pub listing_id: Option<String>,
}

impl OfferRec {
    /// `EbayOfferDetailsWithAll`.
    pub fn view(&self) -> OfferDetails {
        let mut d = self.details.clone();
        d.offer_id = Some(self.offer_id.clone());
        d.sku = Some(self.sku.clone());
        d.marketplace_id = Some(self.marketplace_id.clone());
        d.format = Some(self.format.clone());
        d.status = Some(
            if self.published {
                PUBLISHED
            } else {
                UNPUBLISHED
            }
            .to_string(),
        );
        d.listing = self.listing_id.as_ref().map(|id| ListingDetails {
            listing_id: Some(id.clone()),
            listing_status: Some(if self.published { "ACTIVE" } else { "ENDED" }.into()),
            sold_quantity: Some(0),
            listing_on_hold: Some(false),
        });
        d
    }
}

/// The business data eBay checks offers against.
#[derive(Debug, Clone)]
pub struct Account {
    pub client_id: String,
    pub client_secret: String,
    /// The seller's refresh token, and whether it still works.
    pub refresh_token: String,
    pub refresh_revoked: bool,
    /// Scopes the seller consented to.
    pub scopes: HashSet<String>,
    pub locations: HashSet<String>,
    pub fulfillment_policies: HashSet<String>,
    pub payment_policies: HashSet<String>,
    pub return_policies: HashSet<String>,
    /// Marketplace -> currency.
    pub currencies: HashMap<String, String>,
}

/// An issued access token.
#[derive(Debug, Clone)]
pub struct Token {
    /// Model time at which it stops working.
    pub expires_at: f64,
    /// A user token (Inventory calls); an application token only reads public data.
    pub user: bool,
    /// The scopes asked for in the grant; empty when the grant named none (then it carries
    /// every scope the seller consented to).
    pub scopes: Vec<String>,
}

/// Everything the simulated eBay knows.
#[derive(Debug)]
pub struct Store {
    pub account: Account,
    pub items: BTreeMap<String, Item>,
    pub offers: HashMap<String, OfferRec>,
    /// SKU -> offerIds.
    pub offers_by_sku: HashMap<String, Vec<String>>,
    pub tokens: HashMap<String, Token>,
    /// listingId -> (model day, revisions that day).
    pub revisions: HashMap<String, (i64, u32)>,
    pub revision_limit: u32,
    /// Whether the 250-revision cap applies.
    pub enforce_revisions: bool,
    /// The strict reading of bulkUpdatePriceQuantity: one SKU per call.
    pub one_sku_per_call: bool,
    next_offer: u64,
    next_listing: u64,
}

impl Store {
    pub fn new(account: Account, enforce_revisions: bool) -> Self {
        Self {
            account,
            items: BTreeMap::new(),
            offers: HashMap::new(),
            offers_by_sku: HashMap::new(),
            tokens: HashMap::new(),
            revisions: HashMap::new(),
            revision_limit: REVISIONS_PER_DAY,
            enforce_revisions,
            one_sku_per_call: false,
            next_offer: 5_000_000_000,
            next_listing: 110_000_000_000,
        }
    }

    // ---- OAuth ------------------------------------------------------------------------------

    /// Whether `token` is a live user token.
    pub fn check_token(&self, token: &str, now: f64) -> Result<(), ApiError> {
        match self.tokens.get(token) {
            Some(t) if t.expires_at > now && t.user => Ok(()),
            Some(t) if t.expires_at > now => Err(ApiError::new(
                403,
                ErrorDetail {
                    error_id: codes::ACCESS_DENIED,
                    domain: "API_INVENTORY".into(),
                    category: "REQUEST".into(),
                    message: "Access denied".into(),
                    long_message: Some("Insufficient permissions to fulfill the request.".into()),
                    ..ErrorDetail::default()
                },
            )),
            _ => Err(invalid_token()),
        }
    }

    /// Whether the live user token `token` carries one of `any_of` (403 errorId 1100
    /// "Insufficient permissions" otherwise, as eBay answers a token without the API's scope).
    pub fn check_scope(&self, token: &str, any_of: &[&str]) -> Result<(), ApiError> {
        let ok = self.tokens.get(token).is_some_and(|t| {
            if t.scopes.is_empty() {
                any_of.iter().any(|s| self.account.scopes.contains(*s))
            } else {
                t.scopes.iter().any(|s| any_of.contains(&s.as_str()))
            }
        });
        if ok {
            Ok(())
        } else {
            Err(ApiError::new(
                403,
                ErrorDetail {
                    error_id: codes::ACCESS_DENIED,
                    domain: "OAuth".into(),
                    category: "REQUEST".into(),
                    message: "Access denied".into(),
                    long_message: Some("Insufficient permissions to fulfill the request.".into()),
                    ..ErrorDetail::default()
                },
            ))
        }
    }

    /// Issues a token valid for [`TOKEN_LIFE`] seconds of model time.
    pub fn issue_token(&mut self, user: bool, now: f64) -> String {
        let token = format!(
            "v^1.1#i^1#p^3#r^{}#t^{}",
            u8::from(user),
            uuid::Uuid::new_v4()
        );
        // Forget long-dead tokens so a long benchmark does not grow the map.
        if self.tokens.len() > 1024 {
            self.tokens.retain(|_, t| t.expires_at > now);
        }
        self.tokens.insert(
            token.clone(),
            Token {
                expires_at: now + TOKEN_LIFE as f64,
                user,
                scopes: Vec::new(),
            },
        );
        token
    }

    // ---- revisions --------------------------------------------------------------------------

    /// Counts one revision of `listing_id` today, or refuses it past the daily cap.
    fn revise(&mut self, listing_id: &str, now: f64) -> Result<(), ErrorDetail> {
        if !self.enforce_revisions {
            return Ok(());
        }
        let today = (now / DAY).floor() as i64;
        let entry = self
            .revisions
            .entry(listing_id.to_string())
            .or_insert((today, 0));
        if entry.0 != today {
            *entry = (today, 0);
        }
        if entry.1 >= self.revision_limit {
            let mut e = inventory_error(
                codes::USER_ERROR,
                "REQUEST",
                "A user error has occurred. This listing has reached the maximum number of \
                 revisions for today.",
            );
            e.long_message = Some(format!(
                "Each listing can be revised up to {} times in one calendar day; revisions are \
                 blocked until the next calendar day.",
                self.revision_limit
            ));
            e.parameters = vec![ErrorParameter {
                name: "listingId".into(),
                value: listing_id.into(),
            }];
            return Err(e);
        }
        entry.1 += 1;
        Ok(())
    }

    /// Revisions of `listing_id` counted today.
    pub fn revisions_today(&self, listing_id: &str, now: f64) -> u32 {
        let today = (now / DAY).floor() as i64;
        match self.revisions.get(listing_id) {
            Some((day, n)) if *day == today => *n,
            _ => 0,
        }
    }

    /// The listings of `sku` that a change of the inventory item revises.
    fn live_listings(&self, sku: &str) -> Vec<String> {
        self.offers_by_sku
            .get(sku)
            .into_iter()
            .flatten()
            .filter_map(|id| self.offers.get(id))
            .filter(|o| o.published)
            .filter_map(|o| o.listing_id.clone())
            .collect()
    }

    fn revise_all(&mut self, listings: &[String], now: f64) -> Result<(), ErrorDetail> {
        // Check first so a refused item changes no count.
        if self.enforce_revisions {
            let today = (now / DAY).floor() as i64;
            for l in listings {
                if let Some((day, n)) = self.revisions.get(l)
                    && *day == today
                    && *n >= self.revision_limit
                {
                    return self.revise(l, now);
                }
            }
        }
        for l in listings {
            self.revise(l, now)?;
        }
        Ok(())
    }

    // ---- inventory items --------------------------------------------------------------------

    /// Checks one inventory item body (SKU, quantity, title).
    fn check_item(
        sku: &str,
        availability: Option<&Availability>,
        product: Option<&Product>,
    ) -> Result<(), ErrorDetail> {
        if !valid_sku(sku) {
            return Err(bad_sku(sku));
        }
        if let Some(q) = availability
            .and_then(|a| a.ship_to_location_availability.as_ref())
            .and_then(|s| s.quantity)
            && !(0..=i64::from(i32::MAX)).contains(&q)
        {
            return Err(inventory_error(
                codes::INVALID_QUANTITY,
                "REQUEST",
                "Invalid quantity. The quantity must be 0 or more.",
            ));
        }
        if let Some(title) = product.and_then(|p| p.title.as_ref())
            && title.chars().count() > 80
        {
            return Err(invalid_value(
                "title",
                "The title may have up to 80 characters.",
            ));
        }
        Ok(())
    }

    /// createOrReplaceInventoryItem for one SKU (also one request of the bulk call).
    pub fn put_item(
        &mut self,
        sku: &str,
        locale: Option<String>,
        condition: Option<String>,
        product: Option<Product>,
        availability: Option<Availability>,
        now: f64,
    ) -> Result<(), ApiError> {
        Self::check_item(sku, availability.as_ref(), product.as_ref())
            .map_err(|e| ApiError::new(400, e))?;
        let listings = self.live_listings(sku);
        self.revise_all(&listings, now)
            .map_err(|e| ApiError::new(400, e))?;
        let quantity = availability
            .and_then(|a| a.ship_to_location_availability)
            .and_then(|s| s.quantity);
        // A full replacement: what the body leaves out is gone.
        self.items.insert(
            sku.to_string(),
            Item {
                locale,
                condition,
                product,
                quantity,
            },
        );
        Ok(())
    }

    /// bulkCreateOrReplaceInventoryItem's per-item answers (whole-request checks are done by
    /// the caller).
    pub fn bulk_put_items(
        &mut self,
        requests: Vec<InventoryItemWithSkuLocale>,
        now: f64,
    ) -> Vec<(String, Option<String>, Result<(), ApiError>)> {
        requests
            .into_iter()
            .map(|r| {
                let locale = r.locale.clone();
                let result = self.put_item(
                    &r.sku,
                    r.locale,
                    r.condition,
                    r.product,
                    r.availability,
                    now,
                );
                (r.sku, locale, result)
            })
            .collect()
    }

    pub fn item_record(&self, sku: &str) -> Option<InventoryItemRecord> {
        self.items.get(sku).map(|i| InventoryItemRecord {
            sku: sku.to_string(),
            locale: i.locale.clone(),
            condition: i.condition.clone(),
            product: i.product.clone(),
            availability: Some(Availability {
                ship_to_location_availability: Some(ShipToLocationAvailability {
                    quantity: Some(i.quantity.unwrap_or(0)),
                }),
            }),
        })
    }

    // ---- offers -----------------------------------------------------------------------------

    fn check_offer_fields(&self, d: &OfferDetails, marketplace: &str) -> Result<(), ErrorDetail> {
        if let Some(q) = d.available_quantity
            && !(0..=i64::from(i32::MAX)).contains(&q)
        {
            return Err(inventory_error(
                codes::INVALID_QUANTITY,
                "REQUEST",
                "Invalid quantity. availableQuantity must be 0 or more.",
            ));
        }
        if let Some(price) = d.pricing_summary.as_ref().and_then(|p| p.price.as_ref()) {
            self.check_price(price, marketplace)?;
        }
        if let Some(c) = &d.category_id
            && (c.is_empty() || !c.chars().all(|c| c.is_ascii_digit()))
        {
            return Err(inventory_error(
                codes::INVALID_CATEGORY,
                "REQUEST",
                "Invalid category. categoryId must be an eBay leaf category id.",
            ));
        }
        Ok(())
    }

    fn check_price(&self, price: &Amount, marketplace: &str) -> Result<(), ErrorDetail> {
        let value_ok = price
            .value
            .parse::<f64>()
            .is_ok_and(|v| v > 0.0 && v.is_finite())
            && price.value.split('.').nth(1).is_none_or(|d| d.len() <= 2);
        let currency_ok = self
            .account
            .currencies
            .get(marketplace)
            .is_none_or(|c| *c == price.currency);
        if value_ok && currency_ok {
            Ok(())
        } else {
            Err(inventory_error(
                codes::INVALID_PRICE,
                "REQUEST",
                format!(
                    "Invalid price. {} {} is not a valid price on {marketplace}.",
                    price.value, price.currency
                ),
            ))
        }
    }

    /// createOffer.
    pub fn create_offer(&mut self, body: OfferDetails) -> Result<String, ApiError> {
        let bad = |e: ErrorDetail| ApiError::new(400, e);
        let sku = body.sku.clone().unwrap_or_default();
        if sku.is_empty() {
            return Err(bad(invalid_value("sku", "")));
        }
        if !valid_sku(&sku) {
            return Err(bad(bad_sku(&sku)));
        }
        let marketplace = body.marketplace_id.clone().unwrap_or_default();
        if !self.account.currencies.contains_key(&marketplace) {
            return Err(bad(invalid_value("marketplaceId", "")));
        }
        let format = body.format.clone().unwrap_or_default();
        if !matches!(format.as_str(), FIXED_PRICE | "AUCTION") {
            return Err(bad(invalid_value("format", "")));
        }
        if !self.items.contains_key(&sku) {
            return Err(bad(inventory_error(
                codes::SKU_NOT_FOUND,
                "REQUEST",
                format!("{sku} could not be found or is not available in the system."),
            )));
        }
        if let Some(existing) = self.offer_of(&sku, &marketplace, &format) {
            let mut e = inventory_error(
                codes::USER_ERROR,
                "REQUEST",
                "A user error has occurred. Offer entity already exists.",
            );
            e.parameters = vec![ErrorParameter {
                name: "offerId".into(),
                value: existing.offer_id.clone(),
            }];
            return Err(bad(e));
        }
        self.check_offer_fields(&body, &marketplace).map_err(bad)?;
        self.next_offer += 1;
        let offer_id = self.next_offer.to_string();
        let details = stored_details(body);
        self.offers.insert(
            offer_id.clone(),
            OfferRec {
                offer_id: offer_id.clone(),
                sku: sku.clone(),
                marketplace_id: marketplace,
                format,
                details,
                published: false,
                listing_id: None,
            },
        );
        self.offers_by_sku
            .entry(sku)
            .or_default()
            .push(offer_id.clone());
        Ok(offer_id)
    }

    fn offer_of(&self, sku: &str, marketplace: &str, format: &str) -> Option<&OfferRec> {
        self.offers_by_sku
            .get(sku)?
            .iter()
            .filter_map(|id| self.offers.get(id))
            .find(|o| o.marketplace_id == marketplace && o.format == format)
    }

    /// The offers of `sku`, filtered.
    pub fn offers_of(
        &self,
        sku: &str,
        marketplace: Option<&str>,
        format: Option<&str>,
    ) -> Vec<&OfferRec> {
        self.offers_by_sku
            .get(sku)
            .into_iter()
            .flatten()
            .filter_map(|id| self.offers.get(id))
            .filter(|o| marketplace.is_none_or(|m| o.marketplace_id == m))
            .filter(|o| format.is_none_or(|f| o.format == f))
            .collect()
    }

    fn offer_not_available(offer_id: &str) -> ApiError {
        ApiError::new(
            404,
            inventory_error(
                codes::OFFER_NOT_AVAILABLE,
                "REQUEST",
                format!("This Offer is not available : {offer_id}."),
            ),
        )
    }

    /// updateOffer: a full replacement of the writable fields.
    pub fn update_offer(
        &mut self,
        offer_id: &str,
        body: OfferDetails,
        now: f64,
    ) -> Result<(), ApiError> {
        let Some(offer) = self.offers.get(offer_id) else {
            return Err(Self::offer_not_available(offer_id));
        };
        let marketplace = offer.marketplace_id.clone();
        self.check_offer_fields(&body, &marketplace)
            .map_err(|e| ApiError::new(400, e))?;
        if offer.published
            && let Some(listing) = offer.listing_id.clone()
        {
            self.revise(&listing, now)
                .map_err(|e| ApiError::new(400, e))?;
        }
        if let Some(offer) = self.offers.get_mut(offer_id) {
            let details = stored_details(body);
            offer.details = details;
        }
        Ok(())
    }

    /// publishOffer: checks what a live listing needs, then lists (or revises) it.
    pub fn publish(&mut self, offer_id: &str, now: f64) -> Result<String, ApiError> {
        let Some(offer) = self.offers.get(offer_id) else {
            return Err(Self::offer_not_available(offer_id));
        };
        let bad = |id: i64, msg: &str| Err(ApiError::new(400, inventory_error(id, "REQUEST", msg)));
        let d = &offer.details;
        let item = self.items.get(&offer.sku);
        if item
            .and_then(|i| i.product.as_ref())
            .and_then(|p| p.title.as_ref())
            .is_none_or(|t| t.trim().is_empty())
        {
            return bad(
                codes::USER_ERROR,
                "A user error has occurred. The title of the inventory item is missing.",
            );
        }
        if d.category_id.is_none() {
            return bad(
                codes::INVALID_CATEGORY,
                "Invalid category. categoryId is missing.",
            );
        }
        if d.pricing_summary
            .as_ref()
            .and_then(|p| p.price.as_ref())
            .is_none()
        {
            return bad(
                codes::INVALID_PRICE,
                "Invalid price. The offer has no price.",
            );
        }
        if d.available_quantity.is_none() && item.and_then(|i| i.quantity).is_none() {
            return bad(
                codes::INVALID_QUANTITY,
                "Invalid quantity. No quantity is set.",
            );
        }
        if !d
            .merchant_location_key
            .as_ref()
            .is_some_and(|k| self.account.locations.contains(k))
        {
            return bad(
                codes::INVALID_LOCATION,
                "Invalid inventory location. merchantLocationKey is missing or unknown.",
            );
        }
        let policies = d.listing_policies.clone().unwrap_or_default();
        let known = |id: &Option<String>, set: &HashSet<String>| {
            id.as_ref().is_some_and(|id| set.contains(id))
        };
        if !known(
            &policies.fulfillment_policy_id,
            &self.account.fulfillment_policies,
        ) {
            return bad(
                codes::INVALID_FULFILLMENT_POLICY,
                "Invalid Shipping policy information. fulfillmentPolicyId is missing or unknown.",
            );
        }
        if !known(&policies.payment_policy_id, &self.account.payment_policies) {
            return bad(
                codes::INVALID_PAYMENT_POLICY,
                "Invalid Payment policy information. paymentPolicyId is missing or unknown.",
            );
        }
        if !known(&policies.return_policy_id, &self.account.return_policies) {
            return bad(
                codes::INVALID_RETURN_POLICY,
                "Invalid Return policy information. returnPolicyId is missing or unknown.",
            );
        }
        if offer.published
            && let Some(listing) = offer.listing_id.clone()
        {
            // Publishing a live offer revises its listing.
            self.revise(&listing, now)
                .map_err(|e| ApiError::new(400, e))?;
            return Ok(listing);
        }
        self.next_listing += 1;
        let listing = self.next_listing.to_string();
        if let Some(offer) = self.offers.get_mut(offer_id) {
            offer.published = true;
            offer.listing_id = Some(listing.clone());
        }
        Ok(listing)
    }

    /// withdrawOffer: ends the listing, keeps the offer.
    pub fn withdraw(&mut self, offer_id: &str) -> Result<Option<String>, ApiError> {
        let Some(offer) = self.offers.get_mut(offer_id) else {
            return Err(Self::offer_not_available(offer_id));
        };
        offer.published = false;
        Ok(offer.listing_id.clone())
    }

    // ---- price and quantity -----------------------------------------------------------------

    /// One request of bulkUpdatePriceQuantity: all its parts apply, or none. Answers one
    /// response per offer (one for the SKU alone when no offer is given).
    pub fn price_quantity(
        &mut self,
        request: &PriceQuantity,
        now: f64,
    ) -> Vec<PriceQuantityResponse> {
        let sku = request.sku.clone();
        let answer = |status: u16, offer_id: Option<String>, errors: Vec<ErrorDetail>| {
            PriceQuantityResponse {
                status_code: status,
                sku: sku.clone(),
                offer_id,
                errors,
                warnings: Vec::new(),
            }
        };
        let offer_ids: Vec<Option<String>> = if request.offers.is_empty() {
            vec![None]
        } else {
            request
                .offers
                .iter()
                .map(|o| Some(o.offer_id.clone()))
                .collect()
        };
        match self.check_price_quantity(request) {
            Err(e) => offer_ids
                .into_iter()
                .map(|id| answer(e.status, id, e.errors.clone()))
                .collect(),
            Ok(listings) => {
                if let Err(e) = self.revise_all(&listings, now) {
                    return offer_ids
                        .into_iter()
                        .map(|id| answer(400, id, vec![e.clone()]))
                        .collect();
                }
                if let Some(q) = request
                    .ship_to_location_availability
                    .as_ref()
                    .and_then(|s| s.quantity)
                    && let Some(item) = self.items.get_mut(&sku)
                {
                    item.quantity = Some(q);
                }
                for o in &request.offers {
                    if let Some(rec) = self.offers.get_mut(&o.offer_id) {
                        if let Some(q) = o.available_quantity {
                            rec.details.available_quantity = Some(q);
                        }
                        if let Some(p) = &o.price {
                            rec.details
                                .pricing_summary
                                .get_or_insert_with(Default::default)
                                .price = Some(p.clone());
                        }
                    }
                }
                offer_ids
                    .into_iter()
                    .map(|id| answer(200, id, Vec::new()))
                    .collect()
            }
        }
    }

    /// The listings one request revises, or why it is refused.
    fn check_price_quantity(&self, request: &PriceQuantity) -> Result<Vec<String>, ApiError> {
        let bad = |e: ErrorDetail| ApiError::new(400, e);
        if request.sku.is_empty() {
            return Err(bad(invalid_value("sku", "")));
        }
        if !valid_sku(&request.sku) {
            return Err(bad(bad_sku(&request.sku)));
        }
        if !self.items.contains_key(&request.sku) {
            return Err(bad(inventory_error(
                codes::SKU_NOT_FOUND,
                "REQUEST",
                format!(
                    "{} could not be found or is not available in the system.",
                    request.sku
                ),
            )));
        }
        if request.ship_to_location_availability.is_none() && request.offers.is_empty() {
            return Err(bad(invalid_value(
                "requests",
                "Give shipToLocationAvailability or offers.",
            )));
        }
        if let Some(q) = request
            .ship_to_location_availability
            .as_ref()
            .and_then(|s| s.quantity)
            && q < 0
        {
            return Err(bad(inventory_error(
                codes::INVALID_QUANTITY,
                "REQUEST",
                "Invalid quantity. shipToLocationAvailability.quantity must be 0 or more.",
            )));
        }
        let mut seen = HashSet::new();
        let mut listings = Vec::new();
        for o in &request.offers {
            self.check_offer_update(o, &request.sku, &mut seen)?;
            if let Some(l) = self
                .offers
                .get(&o.offer_id)
                .and_then(|r| r.listing_id.clone())
            {
                listings.push(l);
            }
        }
        if request.offers.is_empty() {
            listings = self.live_listings(&request.sku);
        }
        Ok(listings)
    }

    fn check_offer_update<'a>(
        &self,
        o: &'a OfferPriceQuantity,
        sku: &str,
        seen: &mut HashSet<&'a str>,
    ) -> Result<(), ApiError> {
        let bad = |e: ErrorDetail| ApiError::new(400, e);
        if !seen.insert(o.offer_id.as_str()) {
            return Err(bad(invalid_value(
                "offerId",
                "The same offerId is given twice.",
            )));
        }
        let Some(rec) = self.offers.get(&o.offer_id) else {
            return Err(bad(inventory_error(
                codes::OFFER_NOT_AVAILABLE,
                "REQUEST",
                format!("This Offer is not available : {}.", o.offer_id),
            )));
        };
        if rec.sku != sku {
            return Err(bad(invalid_value(
                "offerId",
                "The offer belongs to another SKU.",
            )));
        }
        if !rec.published {
            return Err(bad(inventory_error(
                codes::USER_ERROR,
                "REQUEST",
                "A user error has occurred. The offer is not published; use updateOffer.",
            )));
        }
        if let Some(q) = o.available_quantity
            && !(0..=i64::from(i32::MAX)).contains(&q)
        {
            return Err(bad(inventory_error(
                codes::INVALID_QUANTITY,
                "REQUEST",
                "Invalid quantity. availableQuantity must be 0 or more.",
            )));
        }
        if let Some(p) = &o.price {
            self.check_price(p, &rec.marketplace_id).map_err(bad)?;
        }
        Ok(())
    }

    // ---- what buyers see --------------------------------------------------------------------

    /// The quantity a live fixed-price listing of `sku` shows: the offer's availableQuantity,
    /// capped by the item's total.
    pub fn visible_quantity(&self, sku: &str) -> Option<i64> {
        let item = self.items.get(sku)?;
        let offer = self
            .offers_of(sku, None, Some(FIXED_PRICE))
            .into_iter()
            .find(|o| o.published)?;
        let total = item.quantity.unwrap_or(0);
        Some(
            offer
                .details
                .available_quantity
                .map_or(total, |q| q.min(total)),
        )
    }

    /// A listing made by the seller elsewhere (to be linked by SKU).
    pub fn seed(
        &mut self,
        sku: &str,
        title: &str,
        price: f64,
        quantity: i64,
        marketplace: &str,
        defaults: &OfferDetails,
    ) -> Option<(String, String)> {
        self.items.insert(
            sku.to_string(),
            Item {
                locale: Some("en_US".into()),
                condition: Some("NEW".into()),
                product: Some(Product {
                    title: Some(title.to_string()),
                    ..Product::default()
                }),
                quantity: Some(quantity.max(0)),
            },
        );
        let currency = self
            .account
            .currencies
            .get(marketplace)
            .cloned()
            .unwrap_or_else(|| "USD".into());
        let mut body = defaults.clone();
        body.sku = Some(sku.to_string());
        body.marketplace_id = Some(marketplace.to_string());
        body.format = Some(FIXED_PRICE.to_string());
        body.available_quantity = Some(quantity.max(0));
        body.pricing_summary = Some(crate::marketplaces::ebay::model::PricingSummary {
            price: Some(Amount {
                value: format!("{price:.2}"),
                currency,
            }),
        });
        let offer_id = match self.create_offer(body) {
            Ok(id) => id,
            Err(_) => self
                .offer_of(sku, marketplace, FIXED_PRICE)?
                .offer_id
                .clone(),
        };
        let listing = self.publish(&offer_id, 0.0).ok()?;
        Some((offer_id, listing))
    }
}

/// The 401 of a missing, unknown or expired access token.
pub fn invalid_token() -> ApiError {
    ApiError::new(
        401,
        ErrorDetail {
            error_id: codes::INVALID_TOKEN,
            domain: "OAuth".into(),
            category: "REQUEST".into(),
            message: "Invalid access token".into(),
            long_message: Some(
                "Invalid access token. Check the value of the Authorization HTTP request header."
                    .into(),
            ),
            ..ErrorDetail::default()
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::marketplaces::ebay::model::{ListingPolicies, PricingSummary};

    fn store() -> Store {
        let set = |v: &str| HashSet::from([v.to_string()]);
        Store::new(
            Account {
                client_id: "c".into(),
                client_secret: "s".into(),
                refresh_token: "r".into(),
                refresh_revoked: false,
                scopes: HashSet::new(),
                locations: set("WH1"),
                fulfillment_policies: set("F"),
                payment_policies: set("P"),
                return_policies: set("R"),
                currencies: HashMap::from([("EBAY_US".to_string(), "USD".to_string())]),
            },
            true,
        )
    }

    fn defaults() -> OfferDetails {
        OfferDetails {
            category_id: Some("30120".into()),
            merchant_location_key: Some("WH1".into()),
            listing_policies: Some(ListingPolicies {
                fulfillment_policy_id: Some("F".into()),
                payment_policy_id: Some("P".into()),
                return_policy_id: Some("R".into()),
            }),
            ..OfferDetails::default()
        }
    }

    fn pq(sku: &str, offer: &str, q: i64) -> PriceQuantity {
        PriceQuantity {
            sku: sku.into(),
            ship_to_location_availability: Some(ShipToLocationAvailability { quantity: Some(q) }),
            offers: vec![OfferPriceQuantity {
                offer_id: offer.into(),
                available_quantity: Some(q),
                price: None,
            }],
        }
    }

    #[test]
    fn skus_are_checked() {
        assert!(valid_sku("SKU-1_a.b/2"));
        assert!(!valid_sku(""));
        assert!(!valid_sku(&"a".repeat(51)));
        assert!(!valid_sku("a\u{0}b"));
    }

    #[test]
    fn duplicate_offer_answers_25002_with_the_offer_id() {
        let mut s = store();
        let (offer, listing) = s.seed("A", "Bag", 9.5, 3, "EBAY_US", &defaults()).unwrap();
        assert_eq!(s.visible_quantity("A"), Some(3));
        let mut body = defaults();
        body.sku = Some("A".into());
        body.marketplace_id = Some("EBAY_US".into());
        body.format = Some(FIXED_PRICE.into());
        let err = s.create_offer(body).unwrap_err();
        assert_eq!(err.errors[0].error_id, 25002);
        assert_eq!(err.errors[0].parameters[0].value, offer);
        assert!(listing.starts_with("11"));
    }

    #[test]
    fn price_quantity_applies_and_refuses_per_item() {
        let mut s = store();
        let (offer, _) = s.seed("A", "Bag", 9.5, 3, "EBAY_US", &defaults()).unwrap();
        let ok = s.price_quantity(&pq("A", &offer, 8), 0.0);
        assert_eq!(ok[0].status_code, 200);
        assert_eq!(s.visible_quantity("A"), Some(8));
        let unknown = s.price_quantity(&pq("A", "999", 1), 0.0);
        assert_eq!(unknown[0].errors[0].error_id, 25713);
        let neg = s.price_quantity(&pq("A", &offer, -1), 0.0);
        assert_eq!(neg[0].errors[0].error_id, 25004);
        assert_eq!(
            s.visible_quantity("A"),
            Some(8),
            "refused items change nothing"
        );
        let mut priced = pq("A", &offer, 2);
        priced.offers[0].price = Some(Amount {
            value: "1.999".into(),
            currency: "USD".into(),
        });
        assert_eq!(s.price_quantity(&priced, 0.0)[0].errors[0].error_id, 25003);
    }

    #[test]
    fn revisions_are_capped_per_calendar_day() {
        let mut s = store();
        s.revision_limit = 3;
        let (offer, listing) = s.seed("A", "Bag", 9.5, 3, "EBAY_US", &defaults()).unwrap();
        for q in 0..3 {
            assert_eq!(
                s.price_quantity(&pq("A", &offer, q), 10.0)[0].status_code,
                200
            );
        }
        let refused = s.price_quantity(&pq("A", &offer, 9), 10.0);
        assert_eq!(refused[0].status_code, 400);
        assert_eq!(s.visible_quantity("A"), Some(2));
        assert_eq!(s.revisions_today(&listing, 10.0), 3);
        // The next calendar day.
        assert_eq!(
            s.price_quantity(&pq("A", &offer, 9), DAY)[0].status_code,
            200
        );
        assert_eq!(s.visible_quantity("A"), Some(9));
        // The offer's quantity is capped by the item's total.
        let mut offer_only = pq("A", &offer, 20);
        offer_only.ship_to_location_availability = None;
        assert_eq!(s.price_quantity(&offer_only, DAY)[0].status_code, 200);
        assert_eq!(s.visible_quantity("A"), Some(9));
    }

    #[test]
    fn publish_needs_location_and_policies() {
        let mut s = store();
        s.put_item(
            "B",
            None,
            None,
            Some(Product {
                title: Some("t".into()),
                ..Product::default()
            }),
            None,
            0.0,
        )
        .unwrap();
        let mut body = defaults();
        body.sku = Some("B".into());
        body.marketplace_id = Some("EBAY_US".into());
        body.format = Some(FIXED_PRICE.into());
        body.merchant_location_key = Some("NOPE".into());
        body.pricing_summary = Some(PricingSummary {
            price: Some(Amount {
                value: "5.00".into(),
                currency: "USD".into(),
            }),
        });
        body.available_quantity = Some(1);
        let id = s.create_offer(body.clone()).unwrap();
        assert_eq!(s.publish(&id, 0.0).unwrap_err().errors[0].error_id, 25012);
        body.merchant_location_key = Some("WH1".into());
        s.update_offer(&id, body, 0.0).unwrap();
        assert!(s.publish(&id, 0.0).is_ok());
        assert_eq!(s.publish("nope", 0.0).unwrap_err().status, 404);
    }
}
