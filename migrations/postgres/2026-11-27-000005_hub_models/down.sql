DROP INDEX IF EXISTS products_display_name_idx;
DROP TABLE order_lines;
DROP TABLE orders;
DROP TABLE listings;
DROP TABLE marketplaces;
