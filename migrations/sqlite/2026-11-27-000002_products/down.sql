DROP TABLE sync_state;
DROP TABLE products;
