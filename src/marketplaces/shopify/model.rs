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
