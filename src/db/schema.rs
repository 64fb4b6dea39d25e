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

diesel::allow_tables_to_appear_in_same_query!(jobs, schedules);
