#!/bin/sh
# Runs once, when the PostgreSQL volume is first initialised: creates the hub's role and database
# beside Odoo's.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v pw="$ADLERDO_DB_PASSWORD" <<'SQL'
CREATE ROLE adlerdo LOGIN PASSWORD :'pw';
CREATE DATABASE adlerdo OWNER adlerdo;
SQL
