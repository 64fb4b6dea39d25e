-- Quantities read from Odoo per variant (product.product id), on every basis the stock flow
-- can allocate from. Rewritten whenever Odoo reports a change (the addon) or the poll runs.
CREATE TABLE stock_levels (
    odoo_product_id BIGINT PRIMARY KEY,
    on_hand         REAL NOT NULL,
    free            REAL NOT NULL,
    forecast        REAL NOT NULL,
    updated_at      BIGINT NOT NULL
);
