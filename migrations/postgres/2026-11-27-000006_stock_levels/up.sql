-- Quantities read from Odoo per variant (product.product id), on every basis the stock flow
-- can allocate from. Rewritten whenever Odoo reports a change (the addon) or the poll runs.
CREATE TABLE stock_levels (
    odoo_product_id BIGINT PRIMARY KEY,
    on_hand         DOUBLE PRECISION NOT NULL,
    free            DOUBLE PRECISION NOT NULL,
    forecast        DOUBLE PRECISION NOT NULL,
    updated_at      BIGINT NOT NULL
);
