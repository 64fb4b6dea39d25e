-- API keys of the hub's Odoo-compatible facade. Only a hash is kept; the key itself is shown once.
CREATE TABLE api_keys (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT   NOT NULL,
    -- The first 8 characters of the key, to find its row without scanning every hash.
    prefix      TEXT   NOT NULL,
    -- Hex SHA-256 of the key (keys are 160 random bits: a slow hash adds nothing).
    hash        TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at  BIGINT
);
CREATE INDEX api_keys_prefix_idx ON api_keys (prefix);
