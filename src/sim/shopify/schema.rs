//! The part of the Admin GraphQL schema the simulator serves, spelled exactly as Shopify's
//! published schema (2025-01 introspection in `shared/specs/shopify`), with the documented
//! per-version differences applied. Requests are parsed and validated against it with
//! `apollo-compiler`, so a field, argument or input field the real API does not have is refused
//! the way the real API refuses it (HTTP 200 with `errors[]`).
//!
//! Only the types the hub uses are here: a query for a field outside this subset is refused as
//! an unknown field, which the real API would accept. Extend the subset (orders, webhooks) by
//! adding the types to [`BASE`] with the same spelling as the official schema.

use apollo_compiler::Schema;
use apollo_compiler::validation::Valid;

/// An Admin API version as `(year, month)`; ordered.
pub type ApiVersion = (u16, u8);

/// Versions the simulator serves, oldest first (each is supported for a year; 2025-01 and
/// 2025-04 are listed so older hub settings still get answers).
pub const SUPPORTED: &[&str] = &[
    "2025-01", "2025-04", "2025-07", "2025-10", "2026-01", "2026-04", "2026-07", "2026-10",
];

/// `changeFromQuantity` and the `@idempotent` directive appeared in 2026-01 (changelog
/// "Improved compare and swap inventory updates for the inventorySetQuantities mutation").
pub const CHANGE_FROM: ApiVersion = (2026, 1);
/// From 2026-04 `changeFromQuantity` is mandatory, `compareQuantity`/`ignoreCompareQuantity`
/// are gone and idempotency keys are mandatory (changelog "Making changeFromQuantity field
/// required", "Making idempotency mandatory for inventory adjustments and refund mutations").
pub const STRICT_CAS: ApiVersion = (2026, 4);
/// `productSet` has a dynamic cost from 2025-10 (changelog "Dynamic complexity cost for
/// productSet mutation"); before that it was a flat 50 points.
pub const DYNAMIC_PRODUCT_SET_COST: ApiVersion = (2025, 10);

/// Parses `YYYY-MM` into a version.
pub fn parse_version(text: &str) -> Option<ApiVersion> {
    let (y, m) = text.split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    let y: u16 = y.parse().ok()?;
    let m: u8 = m.parse().ok()?;
    matches!(m, 1 | 4 | 7 | 10).then_some((y, m))
}

/// The three schema variants that differ for the hub, built once per simulator.
pub struct Schemas {
    /// 2025-01 to 2025-10: `compareQuantity` and `ignoreCompareQuantity`.
    pub v2025: Valid<Schema>,
    /// 2026-01: `changeFromQuantity` added, old fields still there, `@idempotent` available.
    pub v2026_01: Valid<Schema>,
    /// 2026-04 and later: the old CAS fields removed.
    pub v2026_04: Valid<Schema>,
}

impl Schemas {
    pub fn build() -> Result<Self, String> {
        Ok(Self {
            v2025: build(&[]).map_err(|e| format!("2025 schema: {e}"))?,
            v2026_01: build(&[EXT_2026_01, EXT_OLD_CAS])
                .map_err(|e| format!("2026-01 schema: {e}"))?,
            v2026_04: build(&[EXT_2026_01]).map_err(|e| format!("2026-04 schema: {e}"))?,
        })
    }

    pub fn for_version(&self, v: ApiVersion) -> &Valid<Schema> {
        if v >= STRICT_CAS {
            &self.v2026_04
        } else if v >= CHANGE_FROM {
            &self.v2026_01
        } else {
            &self.v2025
        }
    }
}

fn build(extensions: &[&str]) -> Result<Valid<Schema>, String> {
    let mut sdl = String::from(BASE);
    let old_cas = extensions.is_empty() || extensions.contains(&EXT_OLD_CAS);
    if old_cas {
        sdl.push_str(EXT_OLD_CAS);
    }
    for ext in extensions {
        if *ext != EXT_OLD_CAS {
            sdl.push_str(ext);
        }
    }
    Schema::parse_and_validate(sdl, "shopify-admin-subset.graphql")
        .map_err(|e| e.errors.to_string())
}

/// Fields removed in 2026-04.
const EXT_OLD_CAS: &str = r#"
extend input InventorySetQuantitiesInput { ignoreCompareQuantity: Boolean }
extend input InventoryQuantityInput { compareQuantity: Int }
"#;

/// Added in 2026-01 (see the constants above for the sources). The error codes are those of the
/// current `InventorySetQuantitiesUserErrorCode` reference page (2026-10).
const EXT_2026_01: &str = r#"
directive @idempotent(key: String!) on FIELD
extend input InventoryQuantityInput { changeFromQuantity: Int }
extend enum InventorySetQuantitiesUserErrorCode {
  CHANGE_FROM_QUANTITY_STALE
  IDEMPOTENCY_CONCURRENT_REQUEST
  IDEMPOTENCY_KEY_PARAMETER_MISMATCH
  IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED
}
"#;

const BASE: &str = r#"
schema { query: QueryRoot mutation: Mutation }

scalar DateTime
scalar Decimal
scalar HTML
scalar Money
scalar URL

interface Node { id: ID! }

type QueryRoot {
  inventoryItem(id: ID!): InventoryItem
  inventoryItems(first: Int, after: String, last: Int, before: String, reverse: Boolean = false, query: String): InventoryItemConnection!
  location(id: ID): Location
  node(id: ID!): Node
  nodes(ids: [ID!]!): [Node]!
  product(id: ID!): Product
  productVariant(id: ID!): ProductVariant
  productVariants(first: Int, after: String, last: Int, before: String, reverse: Boolean = false, sortKey: ProductVariantSortKeys = ID, query: String, savedSearchId: ID): ProductVariantConnection!
  shop: Shop!
}

type Mutation {
  inventorySetQuantities(input: InventorySetQuantitiesInput!): InventorySetQuantitiesPayload
  productSet(input: ProductSetInput!, synchronous: Boolean = true): ProductSetPayload
}

enum ProductVariantSortKeys { FULL_TITLE ID INVENTORY_LEVELS_AVAILABLE INVENTORY_MANAGEMENT INVENTORY_POLICY INVENTORY_QUANTITY NAME POPULAR POSITION RELEVANCE SKU TITLE }
enum ProductStatus { ACTIVE ARCHIVED DRAFT }
enum ProductVariantInventoryPolicy { DENY CONTINUE }

type PageInfo {
  endCursor: String
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
}

type Shop implements Node {
  id: ID!
  myshopifyDomain: String!
  name: String!
}

type Location implements Node {
  createdAt: DateTime!
  id: ID!
  isActive: Boolean!
  isPrimary: Boolean!
  name: String!
  updatedAt: DateTime!
}

type Product implements Node {
  createdAt: DateTime!
  descriptionHtml: HTML!
  handle: String!
  id: ID!
  status: ProductStatus!
  title: String!
  totalInventory: Int!
  updatedAt: DateTime!
  variants(first: Int, after: String, last: Int, before: String, reverse: Boolean = false, sortKey: ProductVariantSortKeys = POSITION): ProductVariantConnection!
  vendor: String!
}

type ProductVariant implements Node {
  barcode: String
  createdAt: DateTime!
  displayName: String!
  id: ID!
  inventoryItem: InventoryItem!
  inventoryPolicy: ProductVariantInventoryPolicy!
  inventoryQuantity: Int
  position: Int!
  price: Money!
  product: Product!
  sku: String
  title: String!
  updatedAt: DateTime!
}

type ProductVariantConnection {
  edges: [ProductVariantEdge!]!
  nodes: [ProductVariant!]!
  pageInfo: PageInfo!
}

type ProductVariantEdge {
  cursor: String!
  node: ProductVariant!
}

type InventoryItem implements Node {
  createdAt: DateTime!
  id: ID!
  inventoryLevel(locationId: ID!): InventoryLevel
  inventoryLevels(first: Int, after: String, last: Int, before: String, reverse: Boolean = false, query: String): InventoryLevelConnection!
  sku: String
  tracked: Boolean!
  updatedAt: DateTime!
  variant: ProductVariant!
}

type InventoryItemConnection {
  edges: [InventoryItemEdge!]!
  nodes: [InventoryItem!]!
  pageInfo: PageInfo!
}

type InventoryItemEdge {
  cursor: String!
  node: InventoryItem!
}

type InventoryLevel implements Node {
  createdAt: DateTime!
  id: ID!
  item: InventoryItem!
  location: Location!
  quantities(names: [String!]!): [InventoryQuantity!]!
  updatedAt: DateTime!
}

type InventoryLevelConnection {
  edges: [InventoryLevelEdge!]!
  nodes: [InventoryLevel!]!
  pageInfo: PageInfo!
}

type InventoryLevelEdge {
  cursor: String!
  node: InventoryLevel!
}

type InventoryQuantity implements Node {
  id: ID!
  name: String!
  quantity: Int!
  updatedAt: DateTime
}

input InventorySetQuantitiesInput {
  reason: String!
  name: String!
  referenceDocumentUri: String
  quantities: [InventoryQuantityInput!]!
}

input InventoryQuantityInput {
  inventoryItemId: ID!
  locationId: ID!
  quantity: Int!
}

type InventorySetQuantitiesPayload {
  inventoryAdjustmentGroup: InventoryAdjustmentGroup
  userErrors: [InventorySetQuantitiesUserError!]!
}

type InventorySetQuantitiesUserError {
  code: InventorySetQuantitiesUserErrorCode
  field: [String!]
  message: String!
}

enum InventorySetQuantitiesUserErrorCode {
  INVALID_INVENTORY_ITEM
  INVALID_LOCATION
  INVALID_QUANTITY_NEGATIVE
  INVALID_REASON
  INVALID_REFERENCE_DOCUMENT
  ITEM_NOT_STOCKED_AT_LOCATION
  INVALID_QUANTITY_TOO_HIGH
  INVALID_QUANTITY_TOO_LOW
  COMPARE_QUANTITY_REQUIRED
  COMPARE_QUANTITY_STALE
  INVALID_NAME
  NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR
  NON_MUTABLE_INVENTORY_ITEM
}

type InventoryAdjustmentGroup implements Node {
  changes(inventoryItemIds: [ID!], locationIds: [ID!], quantityNames: [String!]): [InventoryChange!]!
  createdAt: DateTime!
  id: ID!
  reason: String!
  referenceDocumentUri: String
}

type InventoryChange {
  delta: Int!
  item: InventoryItem
  ledgerDocumentUri: String
  location: Location
  name: String!
  quantityAfterChange: Int
}

input ProductSetInput {
  descriptionHtml: String
  handle: String
  productType: String
  tags: [String!]
  title: String
  vendor: String
  id: ID
  variants: [ProductVariantSetInput!]
  status: ProductStatus
  productOptions: [OptionSetInput!]
}

input ProductVariantSetInput {
  barcode: String
  compareAtPrice: Money
  id: ID
  inventoryPolicy: ProductVariantInventoryPolicy
  inventoryQuantities: [ProductSetInventoryInput!]
  inventoryItem: InventoryItemInput
  optionValues: [VariantOptionValueInput!]!
  position: Int
  price: Money
  sku: String
  taxable: Boolean
}

input ProductSetInventoryInput {
  locationId: ID!
  name: String!
  quantity: Int!
}

input InventoryItemInput {
  sku: String
  cost: Decimal
  tracked: Boolean
  requiresShipping: Boolean
}

input OptionSetInput {
  id: ID
  name: String
  position: Int
  values: [OptionValueSetInput!]
}

input OptionValueSetInput {
  id: ID
  name: String
}

input VariantOptionValueInput {
  id: ID
  name: String
  optionId: ID
  optionName: String
}

type ProductSetPayload {
  product: Product
  userErrors: [ProductSetUserError!]!
}

type ProductSetUserError {
  code: ProductSetUserErrorCode
  field: [String!]
  message: String!
}

enum ProductSetUserErrorCode {
  GENERIC_ERROR
  INVALID_METAFIELD
  INVALID_VARIANT
  PRODUCT_DOES_NOT_EXIST
  PRODUCT_VARIANT_DOES_NOT_EXIST
  OPTION_DOES_NOT_EXIST
  OPTION_VALUE_DOES_NOT_EXIST
  OPTIONS_OVER_LIMIT
  OPTION_VALUES_OVER_LIMIT
  OPTION_VALUES_MISSING
  DUPLICATED_OPTION_NAME
  DUPLICATED_OPTION_VALUE
  VARIANTS_OVER_LIMIT
  PRODUCT_OPTIONS_INPUT_MISSING
  VARIANTS_INPUT_MISSING
  INVALID_PRODUCT
  INVALID_INPUT
  DUPLICATED_VALUE
  HANDLE_NOT_UNIQUE
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_builds() {
        let s = Schemas::build().unwrap();
        let input = |s: &Valid<Schema>| {
            s.get_input_object("InventoryQuantityInput")
                .unwrap()
                .fields
                .keys()
                .map(|k| k.to_string())
                .collect::<Vec<_>>()
        };
        assert!(input(&s.v2025).contains(&"compareQuantity".to_string()));
        assert!(!input(&s.v2025).contains(&"changeFromQuantity".to_string()));
        assert!(input(&s.v2026_01).contains(&"compareQuantity".to_string()));
        assert!(input(&s.v2026_01).contains(&"changeFromQuantity".to_string()));
        assert!(!input(&s.v2026_04).contains(&"compareQuantity".to_string()));
        assert!(s.v2026_04.directive_definitions.contains_key("idempotent"));
        assert!(!s.v2025.directive_definitions.contains_key("idempotent"));
    }

    #[test]
    fn versions_parse_and_order() {
        assert_eq!(parse_version("2026-04"), Some((2026, 4)));
        assert_eq!(parse_version("2026-05"), None);
        assert_eq!(parse_version("latest"), None);
        assert!(parse_version("2026-10").unwrap() >= STRICT_CAS);
    }
}
