//! Wire types of the SP-API operations the hub uses, spelled as Amazon spells them (camelCase
//! on the API, snake_case inside listing attributes), plus the Login with Amazon token exchange
//! and the `JSON_LISTINGS_FEED` document and processing report. Shared with the simulator.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The SP-API error envelope (`ErrorList`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorList {
    pub errors: Vec<Error>,
}

/// One entry of [`ErrorList`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Error {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

/// The LWA refresh-token grant, as form fields (or JSON, as Amazon's Java client sends it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LwaTokenRequest {
    #[serde(default)]
    pub grant_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub client_id: String,
    #[serde(default)]
    pub client_secret: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// LWA's answer to a successful grant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LwaTokenResponse {
    pub access_token: String,
    pub token_type: String,
    /// Seconds.
    pub expires_in: u64,
    /// Rarely echoed on the refresh grant; the hub never relies on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// LWA's OAuth2-style error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LwaError {
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

/// `ListingsItemPutRequest`: a full replacement of a listing's attributes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListingsItemPutRequest {
    pub product_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirements: Option<String>,
    pub attributes: Map<String, Value>,
}

/// `ListingsItemPatchRequest`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListingsItemPatchRequest {
    pub product_type: String,
    pub patches: Vec<PatchOperation>,
}

/// One JSON Patch operation on a top-level attribute (`/attributes/<name>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchOperation {
    pub op: String,
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Vec<Value>>,
}

/// The answer to PUT and PATCH: HTTP 200 even when the submission is `INVALID`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListingsItemSubmissionResponse {
    pub sku: String,
    /// `ACCEPTED`, `INVALID` or `VALID` (validation preview only).
    pub status: String,
    pub submission_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issues: Option<Vec<Issue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifiers: Option<Vec<ItemIdentifiersByMarketplace>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemIdentifiersByMarketplace {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marketplace_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asin: Option<String>,
}

/// A listing issue (`Issue`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Issue {
    pub code: String,
    pub message: String,
    /// `ERROR`, `WARNING` or `INFO`.
    pub severity: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute_names: Option<Vec<String>>,
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforcements: Option<IssueEnforcements>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssueEnforcements {
    pub actions: Vec<IssueEnforcementAction>,
    pub exemption: IssueExemption,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssueEnforcementAction {
    pub action: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssueExemption {
    pub status: String,
}

/// A listings item as `getListingsItem` and `searchListingsItems` return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    pub sku: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summaries: Option<Vec<ItemSummaryByMarketplace>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issues: Option<Vec<Issue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offers: Option<Vec<ItemOfferByMarketplace>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfillment_availability: Option<Vec<FulfillmentAvailability>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemSummaryByMarketplace {
    pub marketplace_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asin: Option<String>,
    pub product_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition_type: Option<String>,
    /// `BUYABLE`, `DISCOVERABLE`.
    #[serde(default)]
    pub status: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_name: Option<String>,
    pub created_date: String,
    pub last_updated_date: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemOfferByMarketplace {
    pub marketplace_id: String,
    /// `B2C` or `B2B`.
    pub offer_type: String,
    pub price: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<Audience>,
}

/// Read-side money: the amount is a decimal string.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Money {
    pub currency_code: String,
    pub amount: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Audience {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// Read-side stock (`fulfillmentAvailability`); FBA channels read back without a quantity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FulfillmentAvailability {
    pub fulfillment_channel_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<i64>,
}

/// `ItemSearchResults`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemSearchResults {
    pub number_of_results: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagination: Option<Pagination>,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_token: Option<String>,
}

/// `CreateFeedDocumentSpecification`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateFeedDocumentSpecification {
    pub content_type: String,
}

/// `CreateFeedDocumentResponse`: where to upload, valid five minutes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateFeedDocumentResponse {
    pub feed_document_id: String,
    pub url: String,
}

/// `CreateFeedSpecification`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateFeedSpecification {
    pub feed_type: String,
    pub marketplace_ids: Vec<String>,
    pub input_feed_document_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feed_options: Option<Map<String, Value>>,
}

/// `CreateFeedResponse`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateFeedResponse {
    pub feed_id: String,
}

/// `Feed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Feed {
    pub feed_id: String,
    pub feed_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marketplace_ids: Option<Vec<String>>,
    pub created_time: String,
    /// `IN_QUEUE`, `IN_PROGRESS`, `DONE`, `FATAL`, `CANCELLED`.
    pub processing_status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing_start_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing_end_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_feed_document_id: Option<String>,
}

/// `FeedDocument`: where to download a document from (a processing report).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeedDocument {
    pub feed_document_id: String,
    pub url: String,
    /// `GZIP` when the document is compressed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compression_algorithm: Option<String>,
}

/// A `JSON_LISTINGS_FEED` document (listings-feed-schema-v2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListingsFeed {
    pub header: ListingsFeedHeader,
    pub messages: Vec<ListingsFeedMessage>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListingsFeedHeader {
    pub seller_id: String,
    /// Always `2.0`.
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue_locale: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<FeedReportOptions>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeedReportOptions {
    pub included_data: Vec<String>,
    pub api_version: String,
}

/// One message of a listings feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListingsFeedMessage {
    pub message_id: u64,
    pub sku: String,
    /// `UPDATE`, `PARTIAL_UPDATE`, `PATCH`, `DELETE`.
    pub operation_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirements: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patches: Option<Vec<PatchOperation>>,
}

/// A `JSON_LISTINGS_FEED` processing report (listings-feed-processing-report-schema-v2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessingReport {
    pub header: ProcessingReportHeader,
    #[serde(default)]
    pub issues: Vec<ReportIssue>,
    pub summary: ReportSummary,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<Value>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessingReportHeader {
    pub seller_id: String,
    pub version: String,
    pub feed_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<FeedReportOptions>,
}

/// An issue of a processing report; without `messageId` it concerns the whole feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportIssue {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub severity: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute_name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportSummary {
    pub errors: u64,
    pub warnings: u64,
    pub messages_processed: u64,
    pub messages_accepted: u64,
    pub messages_invalid: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_summary: Option<ReportItemSummary>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportItemSummary {
    pub items: u64,
    pub errors: u64,
    pub warnings: u64,
}

// ---- Orders API v2026-01-01 (`orders_2026-01-01.json`) ----
//
// Answers have no `payload` wrapper. Money reuses [`Money`] (`amount` is a decimal string, as
// in the listings); every part an `includedData` value controls is optional, since Amazon only
// sends the datasets asked for.

/// `SearchOrdersResponse`. The orders stay raw JSON so that one order that does not decode
/// does not make the whole page unreadable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchOrdersResponse {
    pub orders: Vec<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagination: Option<Pagination>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated_before: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_before: Option<String>,
}

/// `GetOrderResponse`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GetOrderResponse {
    pub order: Value,
}

/// `Order`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    /// 3-7-7 digits, e.g. `113-4567890-1234567`.
    pub order_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_aliases: Option<Vec<Alias>>,
    pub created_time: String,
    pub last_updated_time: String,
    /// `PRIME`, `AMAZON_BUSINESS`, `PREORDER`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub programs: Option<Vec<String>>,
    pub sales_channel: SalesChannel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer: Option<OrderBuyer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<Recipient>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proceeds: Option<OrderProceeds>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfillment: Option<OrderFulfillment>,
    pub order_items: Vec<OrderItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packages: Option<Vec<Value>>,
}

/// `Alias`: another id of the order (`SELLER_ORDER_ID`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alias {
    pub alias_id: String,
    pub alias_type: String,
}

/// `SalesChannel`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SalesChannel {
    /// `AMAZON` or `NON_AMAZON`.
    pub channel_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marketplace_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marketplace_name: Option<String>,
}

/// `Buyer` (dataset `BUYER`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderBuyer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_name: Option<String>,
    /// Amazon's anonymized relay address (merchant-fulfilled orders only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_company_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_purchase_order_number: Option<String>,
}

/// `Recipient` (dataset `RECIPIENT`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recipient {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_address: Option<CustomerAddress>,
}

/// `CustomerAddress`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerAddress {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line3: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district_or_county: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_or_region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub municipality: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// `RESIDENTIAL`, `COMMERCIAL`, `PICKUP_POINT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_type: Option<String>,
}

/// `OrderProceeds` (dataset `PROCEEDS`): what the order brings, by category.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderProceeds {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grand_total: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breakdowns: Option<Vec<ProceedsBreakdown>>,
}

/// `OrderProceedsBreakdown` / `ItemProceedsBreakdown`: `ITEM`, `SHIPPING`, `GIFT_WRAP`,
/// `COD_FEE`, `TAX`, `DISCOUNT` (negative), `DELIVERY_TIP` (order only), `OTHER`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProceedsBreakdown {
    #[serde(rename = "type")]
    pub kind: String,
    /// Order level only: `PENDING` or `FINALIZED` for charges made after checkout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    pub subtotal: Money,
    /// Item level, `TAX` and `DISCOUNT` only: what the amount applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detailed_breakdowns: Option<Vec<DetailedBreakdown>>,
}

/// `ItemProceedsDetailedBreakdown`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DetailedBreakdown {
    /// `ITEM`, `SHIPPING`, `GIFT_WRAP`, `COD_FEE`, `OTHER`, `DISCOUNT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Money>,
}

/// `OrderFulfillment` (dataset `FULFILLMENT`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderFulfillment {
    /// `PENDING_AVAILABILITY`, `PENDING`, `UNSHIPPED`, `PARTIALLY_SHIPPED`, `SHIPPED`,
    /// `CANCELLED`, `UNFULFILLABLE`.
    pub fulfillment_status: String,
    /// `AMAZON` or `MERCHANT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfilled_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfillment_service_level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_by_window: Option<DateTimeRange>,
}

/// `DateTimeRange`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DateTimeRange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earliest_date_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_date_time: Option<String>,
}

/// `OrderItem`: always present, whatever `includedData` says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderItem {
    pub order_item_id: String,
    pub quantity_ordered: i64,
    pub product: ItemProduct,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proceeds: Option<ItemProceeds>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion: Option<ItemPromotion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfillment: Option<ItemFulfillment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax: Option<Value>,
}

/// `ItemProduct`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemProduct {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller_sku: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<ItemCondition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<ItemPrice>,
}

/// `ItemCondition`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemCondition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition_subtype: Option<String>,
}

/// `ItemPrice`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemPrice {
    /// One unit, before quantity and promotions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_designation: Option<String>,
}

/// `ItemProceeds` (dataset `PROCEEDS`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemProceeds {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proceeds_total: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breakdowns: Option<Vec<ProceedsBreakdown>>,
}

/// `ItemPromotion` (dataset `PROMOTION`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemPromotion {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breakdowns: Option<Vec<ItemPromotionBreakdown>>,
}

/// `ItemPromotionBreakdown`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemPromotionBreakdown {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion_id: Option<String>,
}

/// `ItemFulfillment` (dataset `FULFILLMENT`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemFulfillment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity_fulfilled: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity_unfulfilled: Option<i64>,
}
