-- Flow 3 (orders marketplaces -> hub -> Odoo). Times are Unix epoch milliseconds.

ALTER TABLE orders ADD COLUMN reference TEXT;
-- The marketplace's status in the hub's words: 'pending' (not paid), 'open', 'shipped', 'cancelled'.
ALTER TABLE orders ADD COLUMN market_status TEXT NOT NULL DEFAULT 'open';
-- The marketplace's last-update time of the stored version: an older copy (a late webhook, an
-- overlapping poll) never overwrites a newer one.
ALTER TABLE orders ADD COLUMN external_updated_at BIGINT NOT NULL DEFAULT 0;
-- What the hub also keeps of the order, as JSON: buyer_phone, discount (order level),
-- shipping_tax, prices_include_tax, odoo_partner_id.
ALTER TABLE orders ADD COLUMN details TEXT;
-- Odoo's total after creation, and Odoo minus the marketplace (with the why in failure_reason).
ALTER TABLE orders ADD COLUMN odoo_amount_total REAL;
ALTER TABLE orders ADD COLUMN amount_difference REAL;
-- A worker sending the order to Odoo holds it until claim_until (crash-safe: the lease expires).
ALTER TABLE orders ADD COLUMN claim_owner TEXT;
ALTER TABLE orders ADD COLUMN claim_until BIGINT;
ALTER TABLE orders ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
-- When the order may be tried again (Odoo down, a refusal worth retrying).
ALTER TABLE orders ADD COLUMN next_attempt_at BIGINT NOT NULL DEFAULT 0;
-- The marketplace cancelled it; cancel_state: 'requested' (to do in Odoo), 'done', 'refused'.
ALTER TABLE orders ADD COLUMN cancel_state TEXT;
CREATE INDEX orders_todo_idx ON orders (state, next_attempt_at);

-- Per account: orders are asked for from updated_after (moved back by an overlap window).
CREATE TABLE order_cursors (
    marketplace_id  BIGINT  PRIMARY KEY REFERENCES marketplaces (id) ON DELETE CASCADE,
    updated_after   BIGINT  NOT NULL,
    last_poll_at    BIGINT,
    last_error      TEXT,
    orders_seen     BIGINT  NOT NULL DEFAULT 0
);

-- Webhook deliveries already taken (replays and duplicates are answered 200 and ignored).
CREATE TABLE webhook_deliveries (
    marketplace_id  BIGINT  NOT NULL,
    delivery_id     TEXT    NOT NULL,
    topic           TEXT    NOT NULL,
    received_at     BIGINT  NOT NULL,
    PRIMARY KEY (marketplace_id, delivery_id)
);
CREATE INDEX webhook_deliveries_at_idx ON webhook_deliveries (received_at);

-- What happened to an order: imported, updated, waiting, sent, confirmed, cancelled, failed.
CREATE TABLE order_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id   BIGINT  NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    at         BIGINT  NOT NULL,
    kind       TEXT    NOT NULL,
    message    TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX order_events_order_idx ON order_events (order_id, id);
