//! Table definitions, written by hand with portable types only (BigInt, Integer, Text):
//! the same schema compiles for SQLite and PostgreSQL.

diesel::table! {
    jobs (id) {
        id -> BigInt,
        kind -> Text,
        payload -> Text,
        dedup_key -> Nullable<Text>,
        priority -> Integer,
        state -> Text,
        attempts -> Integer,
        max_attempts -> Integer,
        run_after -> BigInt,
        lease_owner -> Nullable<Text>,
        lease_expires_at -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
        finished_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    schedules (name) {
        name -> Text,
        interval_secs -> BigInt,
        next_run_at -> BigInt,
        last_run_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    products (id) {
        id -> BigInt,
        odoo_id -> Nullable<BigInt>,
        odoo_template_id -> Nullable<BigInt>,
        sku -> Nullable<Text>,
        barcode -> Nullable<Text>,
        name -> Text,
        display_name -> Text,
        description -> Nullable<Text>,
        list_price -> Double,
        cost -> Double,
        currency -> Text,
        attributes -> Text,
        storable -> Integer,
        active -> Integer,
        odoo_write_date -> Nullable<Text>,
        odoo_template_write_date -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
        pending -> Nullable<Text>,
        push_error -> Nullable<Text>,
    }
}

diesel::table! {
    product_conflicts (id) {
        id -> BigInt,
        product_id -> BigInt,
        hub_values -> Text,
        odoo_values -> Text,
        base_write_date -> Nullable<Text>,
        odoo_write_date -> Nullable<Text>,
        detected_at -> BigInt,
        resolved_at -> Nullable<BigInt>,
    }
}

diesel::joinable!(product_conflicts -> products (product_id));

diesel::table! {
    api_keys (id) {
        id -> BigInt,
        name -> Text,
        prefix -> Text,
        hash -> Text,
        created_at -> BigInt,
        last_used_at -> Nullable<BigInt>,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    sync_state (name) {
        name -> Text,
        value -> Text,
        updated_at -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    jobs,
    schedules,
    products,
    product_conflicts,
    api_keys,
    sync_state
);
