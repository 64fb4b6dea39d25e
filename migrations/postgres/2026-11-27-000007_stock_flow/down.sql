DROP TABLE push_items;
DROP TABLE pushes;
DROP TABLE stock_outbox;
DROP INDEX listings_dirty_idx;
ALTER TABLE listings DROP COLUMN dirty;
DROP TABLE stock_levels;
CREATE TABLE stock_levels (
    odoo_product_id BIGINT PRIMARY KEY,
    on_hand         DOUBLE PRECISION NOT NULL,
    free            DOUBLE PRECISION NOT NULL,
    forecast        DOUBLE PRECISION NOT NULL,
    updated_at      BIGINT NOT NULL
);
