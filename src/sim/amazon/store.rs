//! The simulated seller account: listings (with changes applied after a processing delay),
//! LWA tokens, feed documents and feeds, orders (`super::orders`). Plain data behind one mutex;
//! every method takes the current model time so the state machine is driven by the simulator's
//! clock.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Map, Value, json};

use crate::marketplaces::amazon::model::{
    ListingsFeed, PatchOperation, ProcessingReport, ProcessingReportHeader, ReportIssue,
    ReportItemSummary, ReportSummary,
};

/// Most messages one `JSON_LISTINGS_FEED` may hold.
pub const MAX_FEED_MESSAGES: usize = 25_000;
/// How long a presigned document URL stays valid (model seconds).
pub const URL_LIFETIME: f64 = 300.0;
/// Access tokens live one hour (model seconds).
pub const TOKEN_LIFETIME: u64 = 3600;

/// Timings of the asynchronous parts (model seconds).
#[derive(Debug, Clone)]
pub struct Timings {
    /// From `ACCEPTED` (or a feed's end) until the change is visible on the listing.
    pub processing_delay: f64,
    /// How long a feed stays `IN_QUEUE`.
    pub feed_queue: f64,
    /// How long a feed stays `IN_PROGRESS`.
    pub feed_processing: f64,
    /// Whether processing reports are stored GZIP-compressed.
    pub gzip_reports: bool,
}

impl Default for Timings {
    fn default() -> Self {
        Self {
            processing_delay: 1.0,
            feed_queue: 2.0,
            feed_processing: 3.0,
            gzip_reports: true,
        }
    }
}

/// A listing as stored: its attributes are the truth, quantity and price are read from them.
#[derive(Debug, Clone)]
pub struct Listing {
    pub sku: String,
    pub asin: String,
    pub product_type: String,
    pub attributes: Map<String, Value>,
    pub created: f64,
    pub updated: f64,
}

impl Listing {
    /// The merchant-fulfilled quantity.
    pub fn quantity(&self) -> Option<i64> {
        self.attributes
            .get("fulfillment_availability")?
            .as_array()?
            .iter()
            .find(|f| f.get("fulfillment_channel_code").and_then(Value::as_str) == Some("DEFAULT"))?
            .get("quantity")?
            .as_i64()
    }

    /// The price with tax of the first schedule of the `ALL` audience.
    pub fn price(&self) -> Option<f64> {
        self.attributes
            .get("purchasable_offer")?
            .as_array()?
            .first()?
            .pointer("/our_price/0/schedule/0/value_with_tax")?
            .as_f64()
    }

    pub fn title(&self) -> Option<&str> {
        self.attributes
            .get("item_name")?
            .pointer("/0/value")?
            .as_str()
    }
}

/// A change waiting for its processing delay.
#[derive(Debug, Clone)]
pub enum Change {
    Put {
        product_type: String,
        attributes: Map<String, Value>,
    },
    Patch(Vec<PatchOperation>),
    Delete,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    Input,
    Result,
}

/// A feed document behind a presigned URL.
#[derive(Debug, Clone)]
pub struct Document {
    pub kind: DocKind,
    pub content_type: String,
    /// The secret part of its URL.
    pub signature: String,
    /// Model time until which the URL works.
    pub url_expires: f64,
    pub data: Option<Vec<u8>>,
    pub gzip: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedStatus {
    InQueue,
    InProgress,
    Done,
    Fatal,
    Cancelled,
}

impl FeedStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedStatus::InQueue => "IN_QUEUE",
            FeedStatus::InProgress => "IN_PROGRESS",
            FeedStatus::Done => "DONE",
            FeedStatus::Fatal => "FATAL",
            FeedStatus::Cancelled => "CANCELLED",
        }
    }
}

#[derive(Debug, Clone)]
pub struct FeedState {
    pub feed_id: String,
    pub feed_type: String,
    pub marketplace_ids: Vec<String>,
    pub input_document: String,
    pub created: f64,
    /// Set when the feed has finished (processed, failed or cancelled).
    pub finished: Option<(FeedStatus, f64)>,
    pub result_document: Option<String>,
}

impl FeedState {
    pub fn started(&self, timings: &Timings) -> f64 {
        self.created + timings.feed_queue
    }

    pub fn ends(&self, timings: &Timings) -> f64 {
        self.started(timings) + timings.feed_processing
    }

    pub fn status(&self, now: f64, timings: &Timings) -> FeedStatus {
        match self.finished {
            Some((s, _)) => s,
            None if now < self.started(timings) => FeedStatus::InQueue,
            None => FeedStatus::InProgress,
        }
    }
}

/// One issue found in a submission (`Issue` of the Listings API, or a report issue).
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub code: &'static str,
    pub message: String,
    pub attribute: Option<String>,
    pub category: &'static str,
    pub enforcement: Option<&'static str>,
}

impl Found {
    fn missing(attribute: &str) -> Self {
        Self {
            code: "90220",
            message: format!("'{attribute}' is required but not supplied."),
            attribute: Some(attribute.into()),
            category: "MISSING_ATTRIBUTE",
            enforcement: None,
        }
    }

    fn invalid(attribute: &str, message: String, category: &'static str) -> Self {
        Self {
            code: "90000900",
            message,
            attribute: Some(attribute.into()),
            category,
            enforcement: None,
        }
    }

    /// The Listings API `Issue` object.
    pub fn to_issue(&self, marketplace_id: &str) -> Value {
        let mut issue = json!({
            "code": self.code,
            "message": self.message,
            "severity": "ERROR",
            "categories": [self.category],
            "marketplaceIds": [marketplace_id],
        });
        if let Some(a) = &self.attribute {
            issue["attributeNames"] = json!([a]);
        }
        if let Some(action) = self.enforcement {
            issue["enforcements"] = json!({
                "actions": [{ "action": action }],
                "exemption": { "status": "NOT_EXEMPT" },
            });
        }
        issue
    }
}

/// The account.
#[derive(Debug)]
pub struct Store {
    pub seller_id: String,
    pub marketplace_id: String,
    pub currency: String,
    pub client_id: String,
    pub client_secret: String,
    pub refresh_tokens: HashSet<String>,
    /// Access token → model time it expires.
    pub access_tokens: HashMap<String, f64>,
    pub timings: Timings,
    pub listings: BTreeMap<String, Listing>,
    /// (apply at, sequence) → (sku, change).
    pub pending: BTreeMap<(u64, u64), (String, Change)>,
    /// SKUs whose pending creation is queued (PATCH of them is accepted).
    pub pending_skus: HashMap<String, usize>,
    pub restricted: HashSet<String>,
    pub documents: HashMap<String, Document>,
    pub feeds: BTreeMap<u64, FeedState>,
    seq: u64,
    /// Operation and status of every SP-API call answered (faults aside).
    pub calls: Vec<(String, u16)>,
    pub token_grants: u64,
    /// Orders by order id.
    pub orders: BTreeMap<String, super::orders::StoredOrder>,
    /// Whether the app holds the roles that show buyers' names, addresses and phones
    /// (Orders 2026-01-01 has no RDT: PII access is role-based).
    pub pii_role: bool,
}

fn micros(t: f64) -> u64 {
    if t.is_finite() && t > 0.0 {
        (t * 1e6) as u64
    } else {
        0
    }
}

impl Store {
    pub fn new(
        seller_id: String,
        marketplace_id: String,
        currency: String,
        client_id: String,
        client_secret: String,
        refresh_token: String,
    ) -> Self {
        Self {
            seller_id,
            marketplace_id,
            currency,
            client_id,
            client_secret,
            refresh_tokens: HashSet::from([refresh_token]),
            access_tokens: HashMap::new(),
            timings: Timings::default(),
            listings: BTreeMap::new(),
            pending: BTreeMap::new(),
            pending_skus: HashMap::new(),
            restricted: HashSet::new(),
            documents: HashMap::new(),
            feeds: BTreeMap::new(),
            seq: 0,
            calls: Vec::new(),
            token_grants: 0,
            orders: BTreeMap::new(),
            pii_role: true,
        }
    }

    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// A stable pseudo-ASIN for a SKU or identifier.
    pub fn asin_for(seed: &str) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in seed.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        let mut out = String::from("B0");
        for _ in 0..8 {
            out.push(char::from(DIGITS[(h % 36) as usize]));
            h /= 36;
        }
        out
    }

    /// Whether a SKU exists now or will once its queued creation is processed.
    pub fn known(&self, sku: &str) -> bool {
        self.listings.contains_key(sku) || self.pending_skus.contains_key(sku)
    }

    /// Queues `change` for `sku`, visible after the processing delay from `at`.
    pub fn enqueue(&mut self, sku: &str, change: Change, at: f64) {
        let seq = self.next_seq();
        if matches!(change, Change::Put { .. }) {
            *self.pending_skus.entry(sku.to_string()).or_default() += 1;
        }
        let when = micros(at + self.timings.processing_delay);
        self.pending.insert((when, seq), (sku.to_string(), change));
    }

    /// Brings everything up to `now`: feeds that have finished are processed, due changes are
    /// applied in the order they were accepted.
    pub fn advance(&mut self, now: f64) {
        let due: Vec<u64> = self
            .feeds
            .iter()
            .filter(|(_, f)| f.finished.is_none() && f.ends(&self.timings) <= now)
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            self.process_feed(id);
        }
        let limit = micros(now);
        while let Some(entry) = self.pending.first_entry() {
            if entry.key().0 > limit {
                break;
            }
            let ((when, _), (sku, change)) = entry.remove_entry();
            self.apply(&sku, change, when as f64 / 1e6);
        }
    }

    /// Applies every queued change and finishes every feed at once (tests).
    pub fn settle(&mut self) {
        let ids: Vec<u64> = self
            .feeds
            .iter()
            .filter(|(_, f)| f.finished.is_none())
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            self.process_feed(id);
        }
        while let Some(((when, _), (sku, change))) = self.pending.pop_first() {
            self.apply(&sku, change, when as f64 / 1e6);
        }
    }

    fn apply(&mut self, sku: &str, change: Change, at: f64) {
        match change {
            Change::Put {
                product_type,
                attributes,
            } => {
                if let Some(n) = self.pending_skus.get_mut(sku) {
                    *n -= 1;
                    if *n == 0 {
                        self.pending_skus.remove(sku);
                    }
                }
                let asin = attributes
                    .get("merchant_suggested_asin")
                    .and_then(|v| v.pointer("/0/value"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .or_else(|| self.listings.get(sku).map(|l| l.asin.clone()))
                    .unwrap_or_else(|| {
                        let seed = attributes
                            .get("externally_assigned_product_identifier")
                            .and_then(|v| v.pointer("/0/value"))
                            .and_then(Value::as_str)
                            .unwrap_or(sku);
                        Self::asin_for(seed)
                    });
                let created = self.listings.get(sku).map_or(at, |l| l.created);
                self.listings.insert(
                    sku.to_string(),
                    Listing {
                        sku: sku.to_string(),
                        asin,
                        product_type,
                        attributes,
                        created,
                        updated: at,
                    },
                );
            }
            Change::Patch(patches) => {
                if let Some(listing) = self.listings.get_mut(sku) {
                    for p in patches {
                        apply_patch(&mut listing.attributes, &p);
                    }
                    listing.updated = at;
                }
            }
            Change::Delete => {
                self.listings.remove(sku);
            }
        }
    }

    /// What is wrong with setting `attributes` (a PUT with `requirements`, or the values of
    /// PATCH operations when `requirements` is `None`) on `sku`.
    pub fn check_attributes(
        &self,
        sku: &str,
        requirements: Option<&str>,
        attributes: &Map<String, Value>,
    ) -> Vec<Found> {
        let mut found = Vec::new();
        if self.restricted.contains(sku) {
            found.push(Found {
                code: "18742",
                message: "Restricted Products Policy Violation".into(),
                attribute: None,
                category: "QUALIFICATION_REQUIRED",
                enforcement: Some("CATALOG_ITEM_REMOVED"),
            });
        }
        let has = |name: &str| {
            attributes
                .get(name)
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty())
        };
        match requirements {
            Some("LISTING" | "LISTING_PRODUCT_ONLY") => {
                if !has("item_name") {
                    found.push(Found::missing("item_name"));
                }
                if !has("externally_assigned_product_identifier")
                    && !has("merchant_suggested_asin")
                    && !self.known(sku)
                {
                    found.push(Found::missing("externally_assigned_product_identifier"));
                }
            }
            Some(_)
                if !has("merchant_suggested_asin")
                    && !has("externally_assigned_product_identifier")
                    && !self.known(sku) =>
            {
                found.push(Found::missing("merchant_suggested_asin"));
            }
            _ => {}
        }
        if matches!(requirements, Some("LISTING" | "LISTING_OFFER_ONLY")) && !has("condition_type")
        {
            found.push(Found::missing("condition_type"));
        }
        if let Some(offers) = attributes
            .get("purchasable_offer")
            .and_then(Value::as_array)
        {
            for offer in offers {
                let price = offer.pointer("/our_price/0/schedule/0/value_with_tax");
                if !price.and_then(Value::as_f64).is_some_and(|p| p >= 0.0) {
                    found.push(Found::invalid(
                        "purchasable_offer",
                        "The value for 'value_with_tax' must be a number of at least 0.".into(),
                        "INVALID_PRICE",
                    ));
                }
                if offer.get("currency").and_then(Value::as_str) != Some(self.currency.as_str()) {
                    found.push(Found::invalid(
                        "purchasable_offer",
                        format!(
                            "The value for 'currency' must be '{}' in this marketplace.",
                            self.currency
                        ),
                        "INVALID_ATTRIBUTE",
                    ));
                }
            }
        }
        if let Some(entries) = attributes
            .get("fulfillment_availability")
            .and_then(Value::as_array)
        {
            for entry in entries {
                let channel = entry
                    .get("fulfillment_channel_code")
                    .and_then(Value::as_str);
                let quantity = entry.get("quantity");
                if channel.is_none() {
                    found.push(Found::missing("fulfillment_channel_code"));
                } else if channel == Some("DEFAULT")
                    && quantity.and_then(Value::as_i64).is_none_or(|q| q < 0)
                {
                    found.push(Found::invalid(
                        "fulfillment_availability",
                        format!(
                            "The value for 'quantity' must be an integer of at least 0; got {}.",
                            quantity.unwrap_or(&Value::Null)
                        ),
                        "INVALID_ATTRIBUTE",
                    ));
                }
            }
        }
        found
    }

    /// What is wrong with patching `sku` with `patches`.
    pub fn check_patch(&self, sku: &str, patches: &[PatchOperation]) -> Vec<Found> {
        if !self.known(sku) {
            return vec![Found {
                code: "NOT_FOUND",
                message: format!(
                    "SKU '{sku}' is not listed for this seller; create it with PUT first."
                ),
                attribute: None,
                category: "INVALID_ATTRIBUTE",
                enforcement: None,
            }];
        }
        let mut values = Map::new();
        for p in patches {
            if p.op != "delete"
                && let (Some(name), Some(v)) = (p.path.strip_prefix("/attributes/"), &p.value)
            {
                values.insert(name.to_string(), Value::Array(v.clone()));
            }
        }
        self.check_attributes(sku, None, &values)
    }

    /// Processes a feed whose processing time has come: validates the document, checks each
    /// message like the Listings API would, queues the accepted changes and stores the report.
    pub fn process_feed(&mut self, id: u64) {
        let Some(feed) = self.feeds.get(&id).cloned() else {
            return;
        };
        let ends = feed.ends(&self.timings);
        let data = self
            .documents
            .get(&feed.input_document)
            .and_then(|d| d.data.clone());
        let mut issues: Vec<ReportIssue> = Vec::new();
        let mut summary = ReportSummary::default();
        let mut items: Option<Vec<Value>> = None;
        let mut report_options = None;
        let feed_issue = |message: String| ReportIssue {
            message_id: None,
            sku: None,
            code: Some("4000001".into()),
            severity: "ERROR".into(),
            message,
            attribute_name: None,
        };
        let status = if feed.feed_type != "JSON_LISTINGS_FEED" {
            issues.push(feed_issue(format!(
                "Feed type {} is no longer supported; use JSON_LISTINGS_FEED.",
                feed.feed_type
            )));
            FeedStatus::Fatal
        } else {
            match data.as_deref().map(parse_feed) {
                None => {
                    issues.push(feed_issue("The feed document was never uploaded.".into()));
                    FeedStatus::Fatal
                }
                Some(Err(message)) => {
                    issues.push(feed_issue(message));
                    FeedStatus::Fatal
                }
                Some(Ok(doc)) if doc.messages.len() > MAX_FEED_MESSAGES => {
                    issues.push(feed_issue(format!(
                        "The feed has {} messages; at most {MAX_FEED_MESSAGES} are allowed.",
                        doc.messages.len()
                    )));
                    FeedStatus::Fatal
                }
                Some(Ok(doc)) if doc.header.seller_id != self.seller_id => {
                    issues.push(feed_issue(
                        "The sellerId of the feed header does not match the submitter.".into(),
                    ));
                    FeedStatus::Fatal
                }
                Some(Ok(doc)) => {
                    report_options = doc.header.report.clone();
                    let want_items = report_options.is_some();
                    let mut listed = Vec::new();
                    let mut seen_ids = HashSet::new();
                    for m in &doc.messages {
                        summary.messages_processed += 1;
                        let mut found = Vec::new();
                        if !seen_ids.insert(m.message_id) {
                            found.push(Found::invalid(
                                "messageId",
                                format!("messageId {} is used twice in the feed.", m.message_id),
                                "INVALID_ATTRIBUTE",
                            ));
                        }
                        let change = match m.operation_type.as_str() {
                            "PATCH" => {
                                let patches = m.patches.clone().unwrap_or_default();
                                found.extend(self.check_patch(&m.sku, &patches));
                                Change::Patch(patches)
                            }
                            "PARTIAL_UPDATE" => {
                                let attributes = m.attributes.clone().unwrap_or_default();
                                let patches: Vec<PatchOperation> = attributes
                                    .into_iter()
                                    .map(|(k, v)| PatchOperation {
                                        op: "replace".into(),
                                        path: format!("/attributes/{k}"),
                                        value: v.as_array().cloned(),
                                    })
                                    .collect();
                                found.extend(self.check_patch(&m.sku, &patches));
                                Change::Patch(patches)
                            }
                            "UPDATE" => {
                                let attributes = m.attributes.clone().unwrap_or_default();
                                let requirements = m.requirements.as_deref().unwrap_or("LISTING");
                                found.extend(self.check_attributes(
                                    &m.sku,
                                    Some(requirements),
                                    &attributes,
                                ));
                                Change::Put {
                                    product_type: m.product_type.clone().unwrap_or_default(),
                                    attributes,
                                }
                            }
                            _ => {
                                if !self.known(&m.sku) {
                                    found.extend(self.check_patch(&m.sku, &[]));
                                }
                                Change::Delete
                            }
                        };
                        if found.is_empty() {
                            summary.messages_accepted += 1;
                            if want_items {
                                listed.push((m.sku.clone(), change.clone()));
                            }
                            self.enqueue(&m.sku, change, ends);
                        } else {
                            summary.messages_invalid += 1;
                            summary.errors += found.len() as u64;
                            issues.extend(found.into_iter().map(|f| ReportIssue {
                                message_id: Some(m.message_id),
                                sku: Some(m.sku.clone()),
                                code: Some(f.code.into()),
                                severity: "ERROR".into(),
                                message: f.message,
                                attribute_name: f.attribute,
                            }));
                        }
                    }
                    if want_items {
                        let list: Vec<Value> = listed
                            .into_iter()
                            .map(|(sku, change)| self.report_item(&sku, &change))
                            .collect();
                        summary.item_summary = Some(ReportItemSummary {
                            items: list.len() as u64,
                            errors: 0,
                            warnings: 0,
                        });
                        items = Some(list);
                    }
                    FeedStatus::Done
                }
            }
        };
        if status == FeedStatus::Fatal {
            summary.errors = issues.len() as u64;
        }
        let report = ProcessingReport {
            header: ProcessingReportHeader {
                seller_id: self.seller_id.clone(),
                version: "2.0".into(),
                feed_id: feed.feed_id.clone(),
                report: report_options,
            },
            issues,
            summary,
            items,
        };
        let bytes = serde_json::to_vec(&report).unwrap_or_default();
        let gzip = self.timings.gzip_reports;
        let data = if gzip { gzip_bytes(&bytes) } else { bytes };
        let doc_id = format!("amzn1.tortuga.4.na.{}", uuid::Uuid::new_v4());
        self.documents.insert(
            doc_id.clone(),
            Document {
                kind: DocKind::Result,
                content_type: "application/json".into(),
                signature: uuid::Uuid::new_v4().simple().to_string(),
                url_expires: 0.0,
                data: Some(data),
                gzip,
            },
        );
        if let Some(f) = self.feeds.get_mut(&id) {
            f.finished = Some((status, ends));
            f.result_document = Some(doc_id);
        }
    }

    /// A listing as a processing report's `items` shows it: the message's effect on what is
    /// stored.
    fn report_item(&self, sku: &str, change: &Change) -> Value {
        let mut attributes = self
            .listings
            .get(sku)
            .map(|l| l.attributes.clone())
            .unwrap_or_default();
        match change {
            Change::Put { attributes: a, .. } => attributes = a.clone(),
            Change::Patch(patches) => {
                for p in patches {
                    apply_patch(&mut attributes, p);
                }
            }
            Change::Delete => attributes.clear(),
        }
        let listing = Listing {
            sku: sku.into(),
            asin: String::new(),
            product_type: String::new(),
            attributes,
            created: 0.0,
            updated: 0.0,
        };
        let mut item = json!({ "sku": sku });
        if let Some(q) = listing.quantity() {
            item["fulfillmentAvailability"] =
                json!([{ "fulfillmentChannelCode": "DEFAULT", "quantity": q }]);
        }
        item
    }
}

fn parse_feed(bytes: &[u8]) -> Result<ListingsFeed, String> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| format!("The feed document is not valid JSON: {e}"))?;
    if value.pointer("/header/version").and_then(Value::as_str) != Some("2.0") {
        return Err("The feed header must have version \"2.0\".".into());
    }
    let messages = value.get("messages").and_then(Value::as_array);
    if messages.is_none_or(|m| m.is_empty()) {
        return Err("The feed must contain at least one message.".into());
    }
    serde_json::from_value(value)
        .map_err(|e| format!("The feed document does not match the schema: {e}"))
}

/// Applies one JSON Patch operation to a top-level attribute.
pub fn apply_patch(attributes: &mut Map<String, Value>, patch: &PatchOperation) {
    let Some(name) = patch.path.strip_prefix("/attributes/") else {
        return;
    };
    let value = Value::Array(patch.value.clone().unwrap_or_default());
    match patch.op.as_str() {
        "delete" => {
            attributes.remove(name);
        }
        "merge" => match (attributes.get_mut(name), value) {
            (Some(Value::Array(old)), Value::Array(new)) => {
                for (i, v) in new.into_iter().enumerate() {
                    match (old.get_mut(i), v) {
                        (Some(Value::Object(o)), Value::Object(n)) => o.extend(n),
                        (_, v) => old.push(v),
                    }
                }
            }
            (_, v) => {
                attributes.insert(name.to_string(), v);
            }
        },
        _ => {
            attributes.insert(name.to_string(), value);
        }
    }
}

pub fn gzip_bytes(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    if enc.write_all(bytes).is_err() {
        return Vec::new();
    }
    enc.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Store {
        Store::new(
            "SELLER".into(),
            "ATVPDKIKX0DER".into(),
            "USD".into(),
            "id".into(),
            "secret".into(),
            "Atzr|r".into(),
        )
    }

    fn qty(q: i64) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert(
            "fulfillment_availability".into(),
            json!([{"fulfillment_channel_code": "DEFAULT", "quantity": q}]),
        );
        m
    }

    #[test]
    fn changes_apply_after_the_delay_in_order() {
        let mut s = store();
        let mut attrs = qty(3);
        attrs.insert("item_name".into(), json!([{"value": "Mug"}]));
        s.enqueue(
            "A",
            Change::Put {
                product_type: "PRODUCT".into(),
                attributes: attrs,
            },
            0.0,
        );
        assert!(s.known("A"));
        s.enqueue(
            "A",
            Change::Patch(vec![PatchOperation {
                op: "replace".into(),
                path: "/attributes/fulfillment_availability".into(),
                value: qty(9)["fulfillment_availability"].as_array().cloned(),
            }]),
            0.5,
        );
        s.advance(0.9);
        assert!(!s.listings.contains_key("A"));
        s.advance(1.0);
        assert_eq!(s.listings["A"].quantity(), Some(3));
        s.advance(1.5);
        assert_eq!(s.listings["A"].quantity(), Some(9));
        assert_eq!(s.listings["A"].title(), Some("Mug"));
        assert!(s.pending_skus.is_empty());
    }

    #[test]
    fn checks_find_realistic_issues() {
        let mut s = store();
        assert_eq!(s.check_patch("X", &[])[0].code, "NOT_FOUND");
        s.listings.insert(
            "X".into(),
            Listing {
                sku: "X".into(),
                asin: "B0".into(),
                product_type: "P".into(),
                attributes: qty(1),
                created: 0.0,
                updated: 0.0,
            },
        );
        assert!(s.check_attributes("X", None, &qty(0)).is_empty());
        assert_eq!(s.check_attributes("X", None, &qty(-1))[0].code, "90000900");
        s.restricted.insert("X".into());
        assert_eq!(s.check_attributes("X", None, &qty(1))[0].code, "18742");
        let missing = s.check_attributes("NEW", Some("LISTING"), &qty(1));
        let codes: Vec<_> = missing
            .iter()
            .map(|f| f.attribute.clone().unwrap_or_default())
            .collect();
        assert_eq!(
            codes,
            vec![
                "item_name",
                "externally_assigned_product_identifier",
                "condition_type"
            ]
        );
    }

    #[test]
    fn merge_updates_inside_entries() {
        let mut a = Map::new();
        a.insert(
            "fulfillment_availability".into(),
            json!([{"fulfillment_channel_code": "DEFAULT", "quantity": 1, "lead_time_to_ship_max_days": 3}]),
        );
        apply_patch(
            &mut a,
            &PatchOperation {
                op: "merge".into(),
                path: "/attributes/fulfillment_availability".into(),
                value: Some(vec![json!({"quantity": 5})]),
            },
        );
        assert_eq!(a["fulfillment_availability"][0]["quantity"], 5);
        assert_eq!(
            a["fulfillment_availability"][0]["lead_time_to_ship_max_days"],
            3
        );
    }

    #[test]
    fn asins_are_stable() {
        assert_eq!(Store::asin_for("x"), Store::asin_for("x"));
        assert_ne!(Store::asin_for("x"), Store::asin_for("y"));
        assert_eq!(Store::asin_for("x").len(), 10);
    }
}
