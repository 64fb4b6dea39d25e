//! Shopify's wire types, spelled as the Admin GraphQL API spells them (camelCase on the wire).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ratelimit::ThrottleStatus;

/// The body of `POST /admin/api/{version}/graphql.json`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphQlRequest {
    pub query: String,
    pub variables: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_name: Option<String>,
}

/// Every GraphQL answer: `data`, top-level `errors`, and `extensions.cost`.
#[derive(Debug, Clone, Deserialize)]
pub struct GraphQlResponse {
    #[serde(default)]
    pub data: Option<Value>,
    #[serde(default)]
    pub errors: Option<Vec<GraphQlError>>,
    #[serde(default)]
    pub extensions: Option<Extensions>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GraphQlError {
    pub message: String,
    #[serde(default)]
    pub extensions: Option<ErrorExtensions>,
}

impl GraphQlError {
    pub fn code(&self) -> Option<&str> {
        self.extensions.as_ref()?.code.as_deref()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ErrorExtensions {
    #[serde(default)]
    pub code: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Extensions {
    #[serde(default)]
    pub cost: Option<QueryCost>,
}

/// `extensions.cost`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryCost {
    pub requested_query_cost: f64,
    #[serde(default)]
    pub actual_query_cost: Option<f64>,
    pub throttle_status: ThrottleStatus,
}

/// The answer of `POST /admin/oauth/access_token`.
#[derive(Debug, Clone, Deserialize)]
pub struct AccessTokenResponse {
    pub access_token: String,
    #[serde(default)]
    pub scope: Option<String>,
    /// Seconds; absent for tokens that do not expire.
    #[serde(default)]
    pub expires_in: Option<f64>,
}

/// An OAuth error body (`{"error": "invalid_client", "error_description": "..."}`).
#[derive(Debug, Clone, Deserialize)]
pub struct OAuthError {
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub error_description: Option<String>,
}

/// A `userErrors` entry (`InventorySetQuantitiesUserError`, `ProductSetUserError`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UserError {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub field: Option<Vec<String>>,
    pub message: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Gid {
    pub id: String,
}

/// `InventorySetQuantitiesPayload` as the hub selects it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InventorySetQuantitiesPayload {
    #[serde(default)]
    pub inventory_adjustment_group: Option<Gid>,
    pub user_errors: Vec<UserError>,
}

/// `ProductSetPayload` as the hub selects it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductSetPayload {
    #[serde(default)]
    pub product: Option<ProductNode>,
    pub user_errors: Vec<UserError>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ProductNode {
    pub id: String,
    pub variants: Connection<VariantNode>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection<T> {
    pub nodes: Vec<T>,
    #[serde(default)]
    pub page_info: Option<PageInfo>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    pub has_next_page: bool,
    #[serde(default)]
    pub end_cursor: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VariantNode {
    pub id: String,
    #[serde(default)]
    pub sku: Option<String>,
    #[serde(default)]
    pub product: Option<Gid>,
    #[serde(default)]
    pub inventory_item: Option<InventoryItemNode>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryItemNode {
    pub id: String,
    #[serde(default)]
    pub inventory_level: Option<InventoryLevelNode>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct InventoryLevelNode {
    pub quantities: Vec<InventoryQuantity>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct InventoryQuantity {
    pub name: String,
    pub quantity: i64,
}

/// A `MoneyBag` as the hub selects it (`shopMoney { amount currencyCode }`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MoneyBag {
    pub shop_money: MoneyV2,
}

/// `MoneyV2`: `amount` is a `Decimal` (a string on the wire).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MoneyV2 {
    pub amount: String,
    pub currency_code: String,
}

/// `TaxLine { priceSet }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaxLineNode {
    pub price_set: MoneyBag,
}

/// `Customer` as the hub selects it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerNode {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

/// `MailingAddress` as the hub selects it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MailingAddressNode {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub company: Option<String>,
    #[serde(default)]
    pub address1: Option<String>,
    #[serde(default)]
    pub address2: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub province: Option<String>,
    #[serde(default)]
    pub province_code: Option<String>,
    #[serde(default)]
    pub zip: Option<String>,
    #[serde(default)]
    pub country_code_v2: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

/// `LineItem` as the hub selects it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineItemNode {
    pub id: String,
    #[serde(default)]
    pub sku: Option<String>,
    pub title: String,
    pub quantity: i64,
    pub current_quantity: i64,
    pub original_unit_price_set: MoneyBag,
    pub total_discount_set: MoneyBag,
    pub tax_lines: Vec<TaxLineNode>,
}

/// `ShippingLine` as the hub selects it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippingLineNode {
    pub tax_lines: Vec<TaxLineNode>,
}

/// `Order` as the hub selects it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderNode {
    pub id: String,
    pub name: String,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default)]
    pub cancelled_at: Option<String>,
    #[serde(default)]
    pub display_financial_status: Option<String>,
    pub display_fulfillment_status: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    pub currency_code: String,
    pub taxes_included: bool,
    #[serde(default)]
    pub customer: Option<CustomerNode>,
    pub current_total_price_set: MoneyBag,
    pub current_total_tax_set: MoneyBag,
    pub current_shipping_price_set: MoneyBag,
    pub current_total_discounts_set: MoneyBag,
    #[serde(default)]
    pub shipping_address: Option<MailingAddressNode>,
    #[serde(default)]
    pub billing_address: Option<MailingAddressNode>,
    pub shipping_lines: Connection<ShippingLineNode>,
    pub line_items: Connection<LineItemNode>,
}

/// A `tax_lines[]` element of the REST representation (webhook bodies).
#[derive(Debug, Clone, Deserialize)]
pub struct RestTaxLine {
    pub price: String,
}

/// A `line_items[]` element of the REST representation.
#[derive(Debug, Clone, Deserialize)]
pub struct RestLineItem {
    pub id: u64,
    #[serde(default)]
    pub admin_graphql_api_id: Option<String>,
    #[serde(default)]
    pub sku: Option<String>,
    pub title: String,
    pub quantity: i64,
    #[serde(default)]
    pub current_quantity: Option<i64>,
    pub price: String,
    #[serde(default)]
    pub total_discount: Option<String>,
    #[serde(default)]
    pub tax_lines: Vec<RestTaxLine>,
}

/// A `shipping_lines[]` element of the REST representation.
#[derive(Debug, Clone, Deserialize)]
pub struct RestShippingLine {
    pub price: String,
    #[serde(default)]
    pub discounted_price: Option<String>,
    #[serde(default)]
    pub tax_lines: Vec<RestTaxLine>,
}

/// A REST customer.
#[derive(Debug, Clone, Deserialize)]
pub struct RestCustomer {
    pub id: u64,
    #[serde(default)]
    pub admin_graphql_api_id: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

/// A REST address.
#[derive(Debug, Clone, Deserialize)]
pub struct RestAddress {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub company: Option<String>,
    #[serde(default)]
    pub address1: Option<String>,
    #[serde(default)]
    pub address2: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub province: Option<String>,
    #[serde(default)]
    pub province_code: Option<String>,
    #[serde(default)]
    pub zip: Option<String>,
    #[serde(default)]
    pub country_code: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

/// An order in the REST representation, as `orders/create` and `orders/updated` webhooks
/// carry it (snake_case; money as decimal strings).
#[derive(Debug, Clone, Deserialize)]
pub struct RestOrder {
    pub id: u64,
    #[serde(default)]
    pub admin_graphql_api_id: Option<String>,
    pub name: String,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default)]
    pub cancelled_at: Option<String>,
    #[serde(default)]
    pub financial_status: Option<String>,
    #[serde(default)]
    pub fulfillment_status: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    pub currency: String,
    #[serde(default)]
    pub taxes_included: Option<bool>,
    pub total_price: String,
    #[serde(default)]
    pub current_total_price: Option<String>,
    #[serde(default)]
    pub total_tax: Option<String>,
    #[serde(default)]
    pub current_total_tax: Option<String>,
    #[serde(default)]
    pub total_discounts: Option<String>,
    #[serde(default)]
    pub current_total_discounts: Option<String>,
    #[serde(default)]
    pub customer: Option<RestCustomer>,
    #[serde(default)]
    pub shipping_address: Option<RestAddress>,
    #[serde(default)]
    pub billing_address: Option<RestAddress>,
    pub line_items: Vec<RestLineItem>,
    #[serde(default)]
    pub shipping_lines: Vec<RestShippingLine>,
}
