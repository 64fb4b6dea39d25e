-- Flow 4, products hub -> Odoo: changes made in the hub wait here until they reach Odoo.
-- JSON object of the fields changed in the hub (NULL: nothing to send).
ALTER TABLE products ADD COLUMN pending TEXT;
-- Why the last push did not go through (a conflict, Odoo's refusal).
ALTER TABLE products ADD COLUMN push_error TEXT;

-- A hub change that met a change made in Odoo meanwhile: both versions are kept, nothing is
-- overwritten, until someone resolves it.
CREATE TABLE product_conflicts (
    id              BIGSERIAL PRIMARY KEY,
    product_id      BIGINT NOT NULL REFERENCES products (id),
    hub_values      TEXT   NOT NULL,
    odoo_values     TEXT   NOT NULL,
    base_write_date TEXT,
    odoo_write_date TEXT,
    detected_at     BIGINT NOT NULL,
    resolved_at     BIGINT
);
CREATE INDEX product_conflicts_product_idx ON product_conflicts (product_id);
