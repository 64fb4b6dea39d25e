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

// ---- Fulfillment API v1 (contract v1.20.7): getOrders, getOrder ----------------------------

/// `Address` of the Fulfillment API (an order's contact address).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderAddress {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_or_province: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub county: Option<String>,
}

/// `PhoneNumber`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneNumber {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
}

/// `ExtendedContact`: the buyer's registration contact, or the ship-to contact.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtendedContact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_phone: Option<PhoneNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_address: Option<OrderAddress>,
}

/// `TaxAddress`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaxAddress {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_or_province: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
}

/// `Buyer`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderBuyer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_registration_address: Option<ExtendedContact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_address: Option<TaxAddress>,
}

/// `PricingSummary` of an order. Discounts are stated as negative amounts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderPricingSummary {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_subtotal: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_discount: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_cost: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_discount: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjustment: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<Amount>,
}

/// `CancelStatus`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelStatus {
    /// `NONE_REQUESTED`, `IN_PROGRESS` or `CANCELED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_date: Option<String>,
    /// `CancelRequest`s, kept as received (the hub does not act on them).
    #[serde(default)]
    pub cancel_requests: Vec<serde_json::Value>,
}

/// `ShippingStep`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippingStep {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_carrier_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_service_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_to: Option<ExtendedContact>,
}

/// `FulfillmentStartInstruction`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FulfillmentStartInstruction {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfillment_instructions_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ebay_supported_fulfillment: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_estimated_delivery_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_estimated_delivery_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_step: Option<ShippingStep>,
}

/// `Tax`: one tax of a line item.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tax {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_type: Option<String>,
}

/// `AppliedPromotion`: a promotion on a line item (a positive discount amount).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppliedPromotion {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_amount: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion_id: Option<String>,
}

/// `DeliveryCost` of a line item.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryCost {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_cost: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_amount: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handling_cost: Option<Amount>,
}

/// `LineItem`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineItem {
    pub line_item_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy_item_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub quantity: i64,
    /// Unit price × quantity, before discounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_item_cost: Option<Amount>,
    /// The line's cost after its promotions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discounted_line_item_cost: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_cost: Option<DeliveryCost>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub taxes: Vec<Tax>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applied_promotions: Vec<AppliedPromotion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_item_fulfillment_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sold_format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing_marketplace_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase_marketplace_id: Option<String>,
}

/// `Order`. Dates are ISO 8601 UTC with milliseconds (`2026-11-27T10:00:00.000Z`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub order_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified_date: Option<String>,
    /// `NOT_STARTED`, `IN_PROGRESS` or `FULFILLED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_fulfillment_status: Option<String>,
    /// `PENDING`, `PAID`, `FAILED`, `PARTIALLY_REFUNDED` or `FULLY_REFUNDED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_payment_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer: Option<OrderBuyer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pricing_summary: Option<OrderPricingSummary>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_status: Option<CancelStatus>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fulfillment_start_instructions: Vec<FulfillmentStartInstruction>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fulfillment_hrefs: Vec<String>,
    #[serde(default)]
    pub line_items: Vec<LineItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sales_record_reference: Option<String>,
}

/// `OrderSearchPagedCollection`: a page of getOrders. The orders stay raw JSON here, so that
/// one order the adapter cannot read does not make the whole page unreadable.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderSearchPagedCollection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
    pub limit: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    pub offset: i64,
    #[serde(default)]
    pub orders: Vec<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
    pub total: i64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<ErrorDetail>,
}

/// Order states.
pub mod order_states {
    pub const PAID: &str = "PAID";
    pub const PENDING: &str = "PENDING";
    pub const FAILED: &str = "FAILED";
    pub const PARTIALLY_REFUNDED: &str = "PARTIALLY_REFUNDED";
    pub const FULLY_REFUNDED: &str = "FULLY_REFUNDED";
    pub const NOT_STARTED: &str = "NOT_STARTED";
    pub const IN_PROGRESS: &str = "IN_PROGRESS";
    pub const FULFILLED: &str = "FULFILLED";
    pub const NONE_REQUESTED: &str = "NONE_REQUESTED";
    pub const CANCELED: &str = "CANCELED";
}

/// errorIds of the Fulfillment API's getOrders / getOrder (domain `API_FULFILLMENT`).
pub mod order_codes {
    pub const INVALID_FILTER_NAME: i64 = 30700;
    pub const INVALID_FILTER_VALUE: i64 = 30800;
    pub const INVALID_DATE_FORMAT: i64 = 30810;
    pub const START_DATE_MISSING: i64 = 30820;
    pub const RANGE_TOO_LONG: i64 = 30830;
    pub const START_AFTER_END: i64 = 30840;
    pub const DATES_IN_FUTURE: i64 = 30850;
    pub const TOO_MANY_ORDER_IDS: i64 = 30900;
    pub const INVALID_OFFSET: i64 = 31000;
    pub const INVALID_LIMIT: i64 = 31100;
    pub const INVALID_ORDER_ID: i64 = 32100;
    pub const INVALID_FIELD_GROUP: i64 = 32800;
    pub const SYSTEM_ERROR: i64 = 30500;
}
