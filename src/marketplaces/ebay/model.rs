//! eBay's wire types, spelled as eBay spells them (Sell Inventory API v1, contract 1.18.4, and the
//! OAuth token endpoint). Shared by the adapter and the simulator, so both read and write the
//! same shapes. Only the fields the hub uses are modelled; unknown fields are ignored on input.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The OAuth token endpoint's answer to a refresh-token grant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    /// Seconds (7200 for a user token).
    pub expires_in: u64,
    pub token_type: String,
    /// Only on the authorization-code grant; a refresh grant does not rotate the refresh token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token_expires_in: Option<u64>,
}

/// The OAuth token endpoint's error (`invalid_grant`, `invalid_client`, `invalid_scope`...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenError {
    pub error: String,
    #[serde(default)]
    pub error_description: String,
}

/// `ErrorParameter`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorParameter {
    pub name: String,
    pub value: String,
}

/// `Error`: one error or warning of eBay's envelope.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetail {
    pub error_id: i64,
    #[serde(default)]
    pub domain: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdomain: Option<String>,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long_message: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub input_ref_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub output_ref_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<ErrorParameter>,
}

/// The error envelope of every failed call: `{"errors": [...], "warnings": [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub errors: Vec<ErrorDetail>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<ErrorDetail>,
}

/// `Amount`: a decimal string and an ISO 4217 code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Amount {
    pub value: String,
    pub currency: String,
}

/// `ShipToLocationAvailability` (only the total; distributions are not used by the hub).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShipToLocationAvailability {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<i64>,
}

/// `Availability` / `AvailabilityWithAll`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Availability {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_to_location_availability: Option<ShipToLocationAvailability>,
}

/// `Product`. `aspects` is an object of name -> values, although the contract calls it a string.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub aspects: BTreeMap<String, Vec<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ean: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upc: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_urls: Vec<String>,
}

/// `InventoryItemWithSkuLocale`: one request of `bulkCreateOrReplaceInventoryItem`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryItemWithSkuLocale {
    pub sku: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<Product>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<Availability>,
}

/// `BulkInventoryItem`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BulkInventoryItem {
    pub requests: Vec<InventoryItemWithSkuLocale>,
}

/// `InventoryItemResponse`: one answer of `bulkCreateOrReplaceInventoryItem`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryItemResponse {
    pub status_code: u16,
    #[serde(default)]
    pub sku: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ErrorDetail>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<ErrorDetail>,
}

/// `BulkInventoryItemResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BulkInventoryItemResponse {
    #[serde(default)]
    pub responses: Vec<InventoryItemResponse>,
}

/// `InventoryItemWithSkuLocaleGroupid`: one record of `getInventoryItems`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryItemRecord {
    pub sku: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<Product>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<Availability>,
}

/// `InventoryItems`: a page of `getInventoryItems`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryItems {
    pub href: String,
    pub limit: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
    pub size: i64,
    pub total: i64,
    #[serde(default)]
    pub inventory_items: Vec<InventoryItemRecord>,
}

/// `OfferPriceQuantity`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfferPriceQuantity {
    pub offer_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_quantity: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Amount>,
}

/// `PriceQuantity`: one request of `bulkUpdatePriceQuantity`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PriceQuantity {
    pub sku: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_to_location_availability: Option<ShipToLocationAvailability>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offers: Vec<OfferPriceQuantity>,
}

/// `BulkPriceQuantity`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BulkPriceQuantity {
    pub requests: Vec<PriceQuantity>,
}

/// `PriceQuantityResponse`: one answer of `bulkUpdatePriceQuantity` (one per offer, or one per
/// SKU when only the SKU's total was set).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PriceQuantityResponse {
    pub status_code: u16,
    #[serde(default)]
    pub sku: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ErrorDetail>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<ErrorDetail>,
}

/// `BulkPriceQuantityResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BulkPriceQuantityResponse {
    #[serde(default)]
    pub responses: Vec<PriceQuantityResponse>,
}

/// `ListingPolicies` (the three business policies the hub sets).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListingPolicies {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfillment_policy_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_policy_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_policy_id: Option<String>,
}

/// `PricingSummary` (fixed price only).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PricingSummary {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Amount>,
}

/// `ListingDetails`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListingDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sold_quantity: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing_on_hold: Option<bool>,
}

/// The offer fields the hub writes. Serialized with `sku`, `marketplaceId` and `format` it is an
/// `EbayOfferDetailsWithKeys` (createOffer); without them an `EbayOfferDetailsWithId`
/// (updateOffer), which has no such fields. Read back (getOffers), the extra fields of
/// `EbayOfferDetailsWithAll` are filled in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfferDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marketplace_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_quantity: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing_description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing_policies: Option<ListingPolicies>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_location_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pricing_summary: Option<PricingSummary>,
    /// `PUBLISHED` or `UNPUBLISHED` (read only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Read only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing: Option<ListingDetails>,
}

/// `Offers`: a page of `getOffers`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Offers {
    pub href: String,
    pub limit: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
    pub size: i64,
    pub total: i64,
    #[serde(default)]
    pub offers: Vec<OfferDetails>,
}

/// `OfferResponse` (createOffer, updateOffer).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfferResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<ErrorDetail>,
}

/// `PublishResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<ErrorDetail>,
}

/// Listing formats.
pub const FIXED_PRICE: &str = "FIXED_PRICE";
/// Offer status of a live listing.
pub const PUBLISHED: &str = "PUBLISHED";
pub const UNPUBLISHED: &str = "UNPUBLISHED";

/// errorIds the hub reacts to.
pub mod codes {
    /// OAuth: invalid access token (401).
    pub const INVALID_TOKEN: i64 = 1001;
    /// OAuth: insufficient permissions (403).
    pub const ACCESS_DENIED: i64 = 1100;
    /// ACCESS: too many requests (429), the daily call limit.
    pub const TOO_MANY_REQUESTS: i64 = 2001;
    /// ACCESS: the request could not be read.
    pub const INVALID_REQUEST: i64 = 2004;
    /// A system error (500).
    pub const SYSTEM_ERROR: i64 = 25001;
    /// A user error; on createOffer "Offer entity already exists" with `offerId` in `parameters`.
    pub const USER_ERROR: i64 = 25002;
    pub const INVALID_PRICE: i64 = 25003;
    pub const INVALID_QUANTITY: i64 = 25004;
    pub const INVALID_CATEGORY: i64 = 25005;
    pub const INVALID_FULFILLMENT_POLICY: i64 = 25007;
    pub const INVALID_PAYMENT_POLICY: i64 = 25008;
    pub const INVALID_RETURN_POLICY: i64 = 25009;
    pub const INVALID_LOCATION: i64 = 25012;
    /// Concurrent access of the same inventory object (500): try again later.
    pub const CONCURRENT_ACCESS: i64 = 25025;
    /// SKU not found.
    pub const SKU_NOT_FOUND: i64 = 25702;
    /// Invalid pagination values.
    pub const INVALID_PAGINATION: i64 = 25706;
    /// SKU not alphanumeric or longer than 50.
    pub const INVALID_SKU: i64 = 25707;
    /// Invalid value for a field.
    pub const INVALID_VALUE: i64 = 25709;
    /// Offer not available.
    pub const OFFER_NOT_AVAILABLE: i64 = 25713;
    /// Too many items in a bulk request.
    pub const TOO_MANY_ITEMS: i64 = 25727;
    /// Items of a bulk request must be unique.
    pub const DUPLICATE_ITEMS: i64 = 25728;
}
