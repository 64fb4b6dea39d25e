-- The hub's catalog: one row per sellable variant, as read from Odoo (or created in the hub).
CREATE TABLE products (
    id                       INTEGER PRIMARY KEY AUTOINCREMENT,
    -- product.product id in Odoo; NULL for a product created in the hub and not yet in Odoo.
    odoo_id                  BIGINT UNIQUE,
    odoo_template_id         BIGINT,
    sku                      TEXT,
    barcode                  TEXT,
    name                     TEXT    NOT NULL,
    display_name             TEXT    NOT NULL,
    description              TEXT,
    list_price               REAL NOT NULL DEFAULT 0,
    cost                     REAL NOT NULL DEFAULT 0,
    currency                 TEXT    NOT NULL DEFAULT '',
    -- JSON: [{"attribute": "Color", "value": "White", "price_extra": 0.0}, ...]
    attributes               TEXT    NOT NULL DEFAULT '[]',
    storable                 INTEGER NOT NULL DEFAULT 0,
    -- 0 when archived (or deleted) in Odoo: kept, never deleted.
    active                   INTEGER NOT NULL DEFAULT 1,
    -- Odoo's write_date of the variant and of its template, as Odoo gave them (UTC, seconds).
    odoo_write_date          TEXT,
    odoo_template_write_date TEXT,
    created_at               BIGINT  NOT NULL,
    updated_at               BIGINT  NOT NULL
);
CREATE INDEX products_sku_idx ON products (sku);
CREATE INDEX products_template_idx ON products (odoo_template_id);

-- Cursors and other small state of the sync flows, one JSON value per name.
CREATE TABLE sync_state (
    name       TEXT   PRIMARY KEY,
    value      TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);
