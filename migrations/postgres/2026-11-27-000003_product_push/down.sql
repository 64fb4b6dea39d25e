DROP TABLE product_conflicts;
ALTER TABLE products DROP COLUMN push_error;
ALTER TABLE products DROP COLUMN pending;
