-- Marketplace accounts, their listings and the orders imported from them. Times are Unix epoch
-- milliseconds; booleans are 0/1 integers (portable across backends).

CREATE TABLE marketplaces (
    id          BIGSERIAL PRIMARY KEY,
    -- 'ebay' | 'amazon' | 'shopify'
    kind        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    enabled     INTEGER NOT NULL DEFAULT 1,
    -- JSON object of the account's non-secret settings (stock buffer, share, ...).
    settings    TEXT    NOT NULL DEFAULT '{}',
    -- The account's credentials, sealed with the hub's secret key (never returned by the facade).
    credentials TEXT,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);

-- A hub product offered on one marketplace account.
CREATE TABLE listings (
    id               BIGSERIAL PRIMARY KEY,
    marketplace_id   BIGINT  NOT NULL REFERENCES marketplaces (id) ON DELETE CASCADE,
    -- NULL while a listing found on the marketplace is not linked to a hub product.
    product_id       BIGINT  REFERENCES products (id) ON DELETE SET NULL,
    sku              TEXT    NOT NULL,
    -- The marketplace's own ids (eBay offer/listing, Amazon ASIN, Shopify variant/inventory item).
    external_id      TEXT,
    external_ref     TEXT,
    -- 'draft' | 'pending' | 'active' | 'error' | 'ended'
    status           TEXT    NOT NULL DEFAULT 'draft',
    last_quantity    BIGINT,
    last_price       DOUBLE PRECISION,
    last_pushed_at   BIGINT,
    last_error       TEXT,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL
);
CREATE UNIQUE INDEX listings_account_sku_idx ON listings (marketplace_id, sku);
CREATE INDEX listings_product_idx ON listings (product_id);

-- Orders imported from the marketplaces.
CREATE TABLE orders (
    id               BIGSERIAL PRIMARY KEY,
    marketplace_id   BIGINT  NOT NULL REFERENCES marketplaces (id),
    external_id      TEXT    NOT NULL,
    -- 'received' | 'unmapped' | 'sent' | 'confirmed' | 'cancelled' | 'failed'
    state            TEXT    NOT NULL DEFAULT 'received',
    -- The marketplace's own status text.
    external_status  TEXT,
    buyer_name       TEXT,
    buyer_email      TEXT,
    currency         TEXT    NOT NULL DEFAULT '',
    amount_untaxed   DOUBLE PRECISION NOT NULL DEFAULT 0,
    amount_tax       DOUBLE PRECISION NOT NULL DEFAULT 0,
    amount_shipping  DOUBLE PRECISION NOT NULL DEFAULT 0,
    amount_total     DOUBLE PRECISION NOT NULL DEFAULT 0,
    -- JSON objects.
    shipping_address TEXT,
    billing_address  TEXT,
    -- The order as the marketplace sent it.
    raw              TEXT,
    odoo_order_id    BIGINT,
    odoo_order_name  TEXT,
    -- Why the order is waiting or failed; the Odoo/marketplace total difference and its reason.
    failure_reason   TEXT,
    ordered_at       BIGINT,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL
);
CREATE UNIQUE INDEX orders_external_idx ON orders (marketplace_id, external_id);
CREATE INDEX orders_state_idx ON orders (state);

CREATE TABLE order_lines (
    id               BIGSERIAL PRIMARY KEY,
    order_id         BIGINT  NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    external_id      TEXT,
    sku              TEXT,
    product_id       BIGINT  REFERENCES products (id) ON DELETE SET NULL,
    title            TEXT    NOT NULL DEFAULT '',
    quantity         DOUBLE PRECISION NOT NULL DEFAULT 0,
    unit_price       DOUBLE PRECISION NOT NULL DEFAULT 0,
    discount         DOUBLE PRECISION NOT NULL DEFAULT 0,
    tax              DOUBLE PRECISION NOT NULL DEFAULT 0
);
CREATE INDEX order_lines_order_idx ON order_lines (order_id);
CREATE INDEX order_lines_sku_idx ON order_lines (sku);

-- The facade's default orders (adlerdo.product: display_name, id; adlerdo.order: newest first),
-- so that a page of them walks an index instead of sorting the table.
CREATE INDEX products_display_name_idx ON products (display_name COLLATE "C", id);
CREATE INDEX orders_ordered_at_idx ON orders (ordered_at DESC, id DESC);
