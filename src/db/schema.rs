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

diesel::table! {
    marketplaces (id) {
        id -> BigInt,
        kind -> Text,
        name -> Text,
        enabled -> Integer,
        settings -> Text,
        credentials -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    listings (id) {
        id -> BigInt,
        marketplace_id -> BigInt,
        product_id -> Nullable<BigInt>,
        sku -> Text,
        external_id -> Nullable<Text>,
        external_ref -> Nullable<Text>,
        status -> Text,
        last_quantity -> Nullable<BigInt>,
        last_price -> Nullable<Double>,
        last_pushed_at -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
        dirty -> Integer,
    }
}

diesel::table! {
    orders (id) {
        id -> BigInt,
        marketplace_id -> BigInt,
        external_id -> Text,
        state -> Text,
        external_status -> Nullable<Text>,
        buyer_name -> Nullable<Text>,
        buyer_email -> Nullable<Text>,
        currency -> Text,
        amount_untaxed -> Double,
        amount_tax -> Double,
        amount_shipping -> Double,
        amount_total -> Double,
        shipping_address -> Nullable<Text>,
        billing_address -> Nullable<Text>,
        raw -> Nullable<Text>,
        odoo_order_id -> Nullable<BigInt>,
        odoo_order_name -> Nullable<Text>,
        failure_reason -> Nullable<Text>,
        ordered_at -> Nullable<BigInt>,
        created_at -> BigInt,
        updated_at -> BigInt,
        reference -> Nullable<Text>,
        market_status -> Text,
        external_updated_at -> BigInt,
        details -> Nullable<Text>,
        odoo_amount_total -> Nullable<Double>,
        amount_difference -> Nullable<Double>,
        claim_owner -> Nullable<Text>,
        claim_until -> Nullable<BigInt>,
        attempts -> Integer,
        next_attempt_at -> BigInt,
        cancel_state -> Nullable<Text>,
    }
}

diesel::table! {
    order_cursors (marketplace_id) {
        marketplace_id -> BigInt,
        updated_after -> BigInt,
        last_poll_at -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        orders_seen -> BigInt,
    }
}

diesel::table! {
    webhook_deliveries (marketplace_id, delivery_id) {
        marketplace_id -> BigInt,
        delivery_id -> Text,
        topic -> Text,
        received_at -> BigInt,
    }
}

diesel::table! {
    order_events (id) {
        id -> BigInt,
        order_id -> BigInt,
        at -> BigInt,
        kind -> Text,
        message -> Text,
    }
}

diesel::table! {
    order_lines (id) {
        id -> BigInt,
        order_id -> BigInt,
        external_id -> Nullable<Text>,
        sku -> Nullable<Text>,
        product_id -> Nullable<BigInt>,
        title -> Text,
        quantity -> Double,
        unit_price -> Double,
        discount -> Double,
        tax -> Double,
    }
}

diesel::table! {
    stock_levels (odoo_product_id, scope) {
        odoo_product_id -> BigInt,
        scope -> Text,
        on_hand -> Double,
        free -> Double,
        forecast -> Double,
        updated_at -> BigInt,
    }
}

diesel::table! {
    stock_outbox (listing_id) {
        listing_id -> BigInt,
        marketplace_id -> BigInt,
        quantity -> BigInt,
        version -> BigInt,
        queued_at -> BigInt,
        not_before -> BigInt,
        attempts -> Integer,
        claim_owner -> Nullable<Text>,
        claim_until -> Nullable<BigInt>,
    }
}

diesel::table! {
    pushes (id) {
        id -> BigInt,
        marketplace_id -> BigInt,
        kind -> Text,
        state -> Text,
        items -> Integer,
        accepted -> Integer,
        rejected -> Integer,
        handle -> Nullable<Text>,
        error -> Nullable<Text>,
        exchanges -> Nullable<Text>,
        started_at -> BigInt,
        finished_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    push_items (id) {
        id -> BigInt,
        push_id -> BigInt,
        listing_id -> Nullable<BigInt>,
        sku -> Text,
        quantity -> Nullable<BigInt>,
        state -> Text,
        code -> Nullable<Text>,
        message -> Nullable<Text>,
    }
}

diesel::joinable!(listings -> marketplaces (marketplace_id));
diesel::joinable!(stock_outbox -> listings (listing_id));
diesel::joinable!(pushes -> marketplaces (marketplace_id));
diesel::joinable!(push_items -> pushes (push_id));
diesel::joinable!(listings -> products (product_id));
diesel::joinable!(orders -> marketplaces (marketplace_id));
diesel::joinable!(order_lines -> orders (order_id));
diesel::joinable!(order_events -> orders (order_id));
diesel::joinable!(order_cursors -> marketplaces (marketplace_id));
diesel::joinable!(order_lines -> products (product_id));

diesel::allow_tables_to_appear_in_same_query!(
    order_cursors,
    webhook_deliveries,
    order_events,
    jobs,
    schedules,
    products,
    product_conflicts,
    api_keys,
    sync_state,
    marketplaces,
    listings,
    orders,
    order_lines,
    stock_levels,
    stock_outbox,
    pushes,
    push_items
);
