//! The part of the Admin GraphQL schema the simulator serves, spelled exactly as Shopify's
//! published schema (2025-01 introspection in `shared/specs/shopify`), with the documented
//! per-version differences applied. Requests are parsed and validated against it with
//! `apollo-compiler`, so a field, argument or input field the real API does not have is refused
//! the way the real API refuses it (HTTP 200 with `errors[]`).
//!
//! Only the types the hub uses are here (products, inventory, and the orders the hub polls): a
//! query for a field outside this subset is refused as an unknown field, which the real API would
//! accept. Extend the subset by adding the types to [`BASE`] with the same spelling as the
//! official schema.

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
  order(id: ID!): Order
  orders(first: Int, after: String, last: Int, before: String, reverse: Boolean = false, sortKey: OrderSortKeys = PROCESSED_AT, query: String, savedSearchId: ID): OrderConnection!
  shop: Shop!
}

type Mutation {
  inventorySetQuantities(input: InventorySetQuantitiesInput!): InventorySetQuantitiesPayload
  productSet(input: ProductSetInput!, synchronous: Boolean = true): ProductSetPayload
}

enum ProductVariantSortKeys { FULL_TITLE ID INVENTORY_LEVELS_AVAILABLE INVENTORY_MANAGEMENT INVENTORY_POLICY INVENTORY_QUANTITY NAME POPULAR POSITION RELEVANCE SKU TITLE }
enum ProductStatus { ACTIVE ARCHIVED DRAFT }
enum ProductVariantInventoryPolicy { DENY CONTINUE }

enum OrderSortKeys { CREATED_AT CUSTOMER_NAME DESTINATION FINANCIAL_STATUS FULFILLMENT_STATUS ID ORDER_NUMBER PO_NUMBER PROCESSED_AT RELEVANCE TOTAL_ITEMS_QUANTITY TOTAL_PRICE UPDATED_AT }
enum OrderDisplayFinancialStatus { PENDING AUTHORIZED PARTIALLY_PAID PARTIALLY_REFUNDED VOIDED PAID REFUNDED EXPIRED }
enum OrderDisplayFulfillmentStatus { UNFULFILLED PARTIALLY_FULFILLED FULFILLED RESTOCKED PENDING_FULFILLMENT OPEN IN_PROGRESS ON_HOLD SCHEDULED REQUEST_DECLINED }
enum OrderCancelReason { CUSTOMER DECLINED FRAUD INVENTORY STAFF OTHER }
enum CurrencyCode {
  USD EUR GBP CAD AFN ALL DZD AOA ARS AMD AWG AUD BBD AZN BDT BSD BHD BIF BYN BZD BMD BTN BAM BRL
  BOB BWP BND BGN MMK KHR CVE KYD XAF CLP CNY COP KMF CDF CRC HRK CZK DKK DJF DOP XCD EGP ERN ETB
  FKP XPF FJD GIP GMD GHS GTQ GYD GEL GNF HTG HNL HKD HUF ISK INR IDR ILS IRR IQD JMD JPY JEP JOD
  KZT KES KID KWD KGS LAK LVL LBP LSL LRD LYD LTL MGA MKD MOP MWK MVR MRU MXN MYR MUR MDL MAD MNT
  MZN NAD NPR ANG NZD NIO NGN NOK OMR PAB PKR PGK PYG PEN PHP PLN QAR RON RUB RWF WST SHP SAR RSD
  SCR SLL SGD SDG SOS SYP ZAR KRW SSP SBD LKR SRD SZL SEK CHF TWD THB TJS TZS TOP TTD TND TRY TMT
  UGX UAH AED UYU UZS VUV VES VND XOF YER ZMW BYR STD STN VED VEF XXX
}
enum CountryCode {
  AF AX AL DZ AD AO AI AG AR AM AW AC AU AT AZ BS BH BD BB BY BE BZ BJ BM BT BO BA BW BV BR IO BN BG
  BF BI KH CA CV BQ KY CF TD CL CN CX CC CO KM CG CD CK CR HR CU CW CY CZ CI DK DJ DM DO EC EG SV GQ
  ER EE SZ ET FK FO FJ FI FR GF PF TF GA GM GE DE GH GI GR GL GD GP GT GG GN GW GY HT HM VA HN HK HU
  IS IN ID IR IQ IE IM IL IT JM JP JE JO KZ KE KI KP XK KW KG LA LV LB LS LR LY LI LT LU MO MG MW MY
  MV ML MT MQ MR MU YT MX MD MC MN ME MS MA MZ MM NA NR NP NL AN NC NZ NI NE NG NU NF MK NO OM PK PS
  PA PG PY PE PH PN PL PT QA CM RE RO RU RW BL SH KN LC MF PM WS SM ST SA SN RS SC SL SG SX SK SI SB
  SO ZA GS KR SS ES LK VC SD SR SJ SE CH SY TW TJ TZ TH TL TG TK TO TT TA TN TR TM TC TV UG UA AE GB
  US UM UY UZ VU VE VN VG WF EH YE ZM ZW ZZ
}

type Order implements Node {
  billingAddress: MailingAddress
  cancelReason: OrderCancelReason
  cancelledAt: DateTime
  closed: Boolean!
  createdAt: DateTime!
  currencyCode: CurrencyCode!
  currentShippingPriceSet: MoneyBag!
  currentSubtotalPriceSet: MoneyBag!
  currentTotalDiscountsSet: MoneyBag!
  currentTotalPriceSet: MoneyBag!
  currentTotalTaxSet: MoneyBag!
  customer: Customer
  displayFinancialStatus: OrderDisplayFinancialStatus
  displayFulfillmentStatus: OrderDisplayFulfillmentStatus!
  email: String
  id: ID!
  lineItems(first: Int, after: String, last: Int, before: String, reverse: Boolean = false): LineItemConnection!
  name: String!
  phone: String
  processedAt: DateTime!
  shippingAddress: MailingAddress
  shippingLines(includeRemovals: Boolean = false, first: Int, after: String, last: Int, before: String, reverse: Boolean = false): ShippingLineConnection!
  taxesIncluded: Boolean!
  test: Boolean!
  totalPriceSet: MoneyBag!
  totalShippingPriceSet: MoneyBag!
  totalTaxSet: MoneyBag
  updatedAt: DateTime!
}

type OrderConnection {
  edges: [OrderEdge!]!
  nodes: [Order!]!
  pageInfo: PageInfo!
}

type OrderEdge {
  cursor: String!
  node: Order!
}

type MoneyBag {
  presentmentMoney: MoneyV2!
  shopMoney: MoneyV2!
}

type MoneyV2 {
  amount: Decimal!
  currencyCode: CurrencyCode!
}

type Customer implements Node {
  displayName: String!
  email: String
  firstName: String
  id: ID!
  lastName: String
  phone: String
}

type MailingAddress implements Node {
  address1: String
  address2: String
  city: String
  company: String
  country: String
  countryCodeV2: CountryCode
  firstName: String
  id: ID!
  lastName: String
  name: String
  phone: String
  province: String
  provinceCode: String
  zip: String
}

type LineItem implements Node {
  currentQuantity: Int!
  discountedUnitPriceSet: MoneyBag!
  id: ID!
  name: String!
  originalUnitPriceSet: MoneyBag!
  quantity: Int!
  sku: String
  taxLines(first: Int): [TaxLine!]!
  title: String!
  totalDiscountSet: MoneyBag!
  variant: ProductVariant
}

type LineItemConnection {
  edges: [LineItemEdge!]!
  nodes: [LineItem!]!
  pageInfo: PageInfo!
}

type LineItemEdge {
  cursor: String!
  node: LineItem!
}

type TaxLine {
  priceSet: MoneyBag!
  rate: Float
  ratePercentage: Float
  title: String!
}

type ShippingLine {
  code: String
  currentDiscountedPriceSet: MoneyBag!
  discountedPriceSet: MoneyBag!
  id: ID
  originalPriceSet: MoneyBag!
  taxLines: [TaxLine!]!
  title: String!
}

type ShippingLineConnection {
  edges: [ShippingLineEdge!]!
  nodes: [ShippingLine!]!
  pageInfo: PageInfo!
}

type ShippingLineEdge {
  cursor: String!
  node: ShippingLine!
}

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
