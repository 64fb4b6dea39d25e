-- Flow 2 (stock Odoo -> marketplaces) and listings. Times are Unix epoch milliseconds.

-- Quantities per variant and per stock scope: '' is Odoo's default (every internal location of
-- the company), 'location:8,12' or 'warehouse:1' an account's own scope. A cache of Odoo's
-- figures: rebuilt from Odoo whenever needed, so the old table is dropped rather than migrated.
DROP TABLE stock_levels;
CREATE TABLE stock_levels (
    odoo_product_id BIGINT NOT NULL,
    scope           TEXT   NOT NULL DEFAULT '',
    on_hand         DOUBLE PRECISION NOT NULL,
    free            DOUBLE PRECISION NOT NULL,
    forecast        DOUBLE PRECISION NOT NULL,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (odoo_product_id, scope)
);

-- A listing whose offer (title, description, price, barcode) must be sent again.
ALTER TABLE listings ADD COLUMN dirty INTEGER NOT NULL DEFAULT 1;
CREATE INDEX listings_dirty_idx ON listings (marketplace_id, dirty);

-- The newest quantity waiting to go out, one row per listing: a newer value replaces the older
-- one (coalescing), and bumps `version` so that a push in flight removes only what it sent.
-- A push claims its rows, so two workers never send the same listing out of order.
CREATE TABLE stock_outbox (
    listing_id     BIGINT  PRIMARY KEY REFERENCES listings (id) ON DELETE CASCADE,
    marketplace_id BIGINT  NOT NULL,
    quantity       BIGINT  NOT NULL,
    version        BIGINT  NOT NULL,
    queued_at      BIGINT  NOT NULL,
    -- Retryable per-item refusals wait until then.
    not_before     BIGINT  NOT NULL DEFAULT 0,
    attempts       INTEGER NOT NULL DEFAULT 0,
    claim_owner    TEXT,
    claim_until    BIGINT
);
CREATE INDEX stock_outbox_account_idx ON stock_outbox (marketplace_id, queued_at);

-- Every push to a marketplace: what was sent, when, and the marketplace's answer.
CREATE TABLE pushes (
    id             BIGSERIAL PRIMARY KEY,
    marketplace_id BIGINT  NOT NULL REFERENCES marketplaces (id) ON DELETE CASCADE,
    -- 'stock' | 'listing'
    kind           TEXT    NOT NULL,
    -- 'done' | 'partial' (some items refused) | 'failed' | 'pending' (processed later)
    state          TEXT    NOT NULL,
    items          INTEGER NOT NULL,
    accepted       INTEGER NOT NULL DEFAULT 0,
    rejected       INTEGER NOT NULL DEFAULT 0,
    -- The marketplace's handle of a push it processes later (an Amazon feed).
    handle         TEXT,
    error          TEXT,
    -- JSON array of the HTTP exchanges: operation, request, status, response.
    exchanges      TEXT,
    started_at     BIGINT  NOT NULL,
    finished_at    BIGINT
);
CREATE INDEX pushes_account_idx ON pushes (marketplace_id, started_at);

-- What each push said about each item.
CREATE TABLE push_items (
    id         BIGSERIAL PRIMARY KEY,
    push_id    BIGINT  NOT NULL REFERENCES pushes (id) ON DELETE CASCADE,
    listing_id BIGINT,
    sku        TEXT    NOT NULL,
    quantity   BIGINT,
    -- 'pending' | 'accepted' | 'rejected'
    state      TEXT    NOT NULL,
    code       TEXT,
    message    TEXT
);
CREATE INDEX push_items_push_idx ON push_items (push_id);
CREATE INDEX push_items_listing_idx ON push_items (listing_id);
