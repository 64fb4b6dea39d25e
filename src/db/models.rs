//! Storage rows. Times are Unix epoch milliseconds.

use diesel::prelude::*;

use super::schema::jobs;

/// States a job row can be in.
pub mod job_state {
    /// Waiting for `run_after` (new, or retrying after a failure).
    pub const QUEUED: &str = "queued";
    /// Claimed by a worker that holds the lease.
    pub const RUNNING: &str = "running";
    pub const DONE: &str = "done";
    /// Failed `max_attempts` times; kept with its last error until retried by hand.
    pub const DEAD: &str = "dead";
    pub const ALL: [&str; 4] = [QUEUED, RUNNING, DONE, DEAD];
}

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = jobs)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub dedup_key: Option<String>,
    pub priority: i32,
    pub state: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_after: i64,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub finished_at: Option<i64>,
}

/// A job to enqueue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewJob {
    pub kind: String,
    /// JSON text.
    pub payload: String,
    /// While a queued job of the same kind has this key, enqueueing another is a no-op.
    pub dedup_key: Option<String>,
    /// Higher runs first.
    pub priority: i32,
    pub run_after: i64,
    pub max_attempts: i32,
}

#[derive(Insertable)]
#[diesel(table_name = jobs)]
pub(crate) struct InsertJob<'a> {
    pub kind: &'a str,
    pub payload: &'a str,
    pub dedup_key: Option<&'a str>,
    pub priority: i32,
    pub state: &'a str,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_after: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl<'a> InsertJob<'a> {
    pub fn new(job: &'a NewJob, now: i64) -> Self {
        Self {
            kind: &job.kind,
            payload: &job.payload,
            dedup_key: job.dedup_key.as_deref(),
            priority: job.priority,
            state: job_state::QUEUED,
            attempts: 0,
            max_attempts: job.max_attempts,
            run_after: job.run_after,
            created_at: now,
            updated_at: now,
        }
    }
}

/// The job states as SQL literals that still leave a statement cacheable. The partial indexes
/// (`WHERE state = 'queued'`, ...) serve only queries whose condition visibly matches them, which a
/// bound parameter does not (SQLite never, PostgreSQL not with a generic plan); diesel's own
/// `sql()` literal would make every statement holding it be prepared anew each time.
pub mod state_sql {
    macro_rules! literal_states {
        ($($name:ident = $sql:literal),* $(,)?) => {$(
            #[derive(Debug, Clone, Copy, diesel::query_builder::QueryId)]
            pub struct $name;

            impl diesel::expression::Expression for $name {
                type SqlType = diesel::sql_types::Text;
            }

            impl<DB: diesel::backend::Backend> diesel::query_builder::QueryFragment<DB> for $name {
                fn walk_ast<'b>(
                    &'b self,
                    mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
                ) -> diesel::QueryResult<()> {
                    out.push_sql($sql);
                    Ok(())
                }
            }

            impl<QS> diesel::expression::SelectableExpression<QS> for $name {}
            impl<QS> diesel::expression::AppearsOnTable<QS> for $name {}
            impl<GB> diesel::expression::ValidGrouping<GB> for $name {
                type IsAggregate = diesel::expression::is_aggregate::Never;
            }
        )*};
    }

    literal_states!(
        Queued = "'queued'",
        Running = "'running'",
        Done = "'done'",
        Dead = "'dead'"
    );
}

/// A product of the hub's catalog (one sellable variant).
#[derive(Clone, Debug, PartialEq, Queryable, Selectable)]
#[diesel(table_name = super::schema::products)]
pub struct ProductRow {
    pub id: i64,
    pub odoo_id: Option<i64>,
    pub odoo_template_id: Option<i64>,
    pub sku: Option<String>,
    pub barcode: Option<String>,
    pub name: String,
    pub display_name: String,
    pub description: Option<String>,
    pub list_price: f64,
    pub cost: f64,
    pub currency: String,
    /// JSON list of `{attribute, value, price_extra}`.
    pub attributes: String,
    pub storable: i32,
    pub active: i32,
    pub odoo_write_date: Option<String>,
    pub odoo_template_write_date: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// JSON object of the hub's changes waiting to go to Odoo.
    pub pending: Option<String>,
    pub push_error: Option<String>,
}

/// A product as read from Odoo, to insert or update by `odoo_id` (empty values are written as
/// NULL, so that a value cleared in Odoo is cleared here too).
#[derive(Clone, Debug, PartialEq, Insertable)]
#[diesel(table_name = super::schema::products, treat_none_as_default_value = false)]
pub struct OdooProduct {
    pub odoo_id: Option<i64>,
    pub odoo_template_id: Option<i64>,
    pub sku: Option<String>,
    pub barcode: Option<String>,
    pub name: String,
    pub display_name: String,
    pub description: Option<String>,
    pub list_price: f64,
    pub cost: f64,
    pub currency: String,
    pub attributes: String,
    pub storable: i32,
    pub active: i32,
    pub odoo_write_date: Option<String>,
    pub odoo_template_write_date: Option<String>,
    pub updated_at: i64,
}
