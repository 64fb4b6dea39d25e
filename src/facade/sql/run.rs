//! Running the statements the compiler builds: diesel's query builder writes each backend's
//! placeholders and collects the bound values, and the prepared form of a statement is kept on
//! the connection for a bounded set of statement texts.
//!
//! (`diesel::sql_query` would re-prepare every statement on every call: its queries are never
//! cached. Caching every text would not do either: domains are client input, and each shape of
//! domain is a statement text, so the per-connection caches would grow without bound.)

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Mutex, OnceLock, PoisonError};

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Double, Nullable, Text, Untyped};
use diesel::sqlite::{Sqlite, SqliteConnection};
use diesel::{Connection, QueryResult, QueryableByName, RunQueryDsl};

use super::SqlError;
use super::compile::{CASEFOLD, NullType, Param, Sql};
use super::values;
use crate::db::DbConnection;

/// Statement texts whose prepared form connections keep. Each connection caches at most this
/// many of the facade's statements.
const MAX_CACHED: usize = 256;
/// Statement texts seen once, remembered to tell repeated shapes from one-off ones.
const MAX_SEEN: usize = 4096;

#[derive(Default)]
struct Shapes {
    cached: HashSet<u64>,
    seen: HashSet<u64>,
}

/// Whether the statement's prepared form may be kept: a text run before (the second time it is
/// seen), while there is room.
fn cacheable(text: &str) -> bool {
    static SHAPES: OnceLock<Mutex<Shapes>> = OnceLock::new();
    let mut hasher = DefaultHasher::new();
    text.hash(&mut hasher);
    let key = hasher.finish();
    let mut shapes = SHAPES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if shapes.cached.contains(&key) {
        return true;
    }
    if shapes.seen.remove(&key) && shapes.cached.len() < MAX_CACHED {
        shapes.cached.insert(key);
        return true;
    }
    if shapes.seen.len() >= MAX_SEEN {
        shapes.seen.clear();
    }
    shapes.seen.insert(key);
    false
}

/// A built statement, as a diesel query.
struct Stmt<'a> {
    sql: &'a Sql,
    cache: bool,
}

impl QueryId for Stmt<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for Stmt<'_> {
    type SqlType = Untyped;
}

impl<Conn: Connection> RunQueryDsl<Conn> for Stmt<'_> {}

impl Stmt<'_> {
    /// The text between the parameters, and each parameter in its place.
    fn walk<'b, DB: diesel::backend::Backend>(
        &'b self,
        out: &mut AstPass<'_, 'b, DB>,
        mut bind: impl FnMut(&mut AstPass<'_, 'b, DB>, &'b Param) -> QueryResult<()>,
    ) -> QueryResult<()> {
        if !self.cache {
            out.unsafe_to_cache_prepared();
        }
        let text = &self.sql.text;
        let mut at = 0;
        for (&mark, param) in self.sql.marks.iter().zip(&self.sql.params) {
            out.push_sql(&text[at..mark]);
            bind(out, param)?;
            at = mark;
        }
        out.push_sql(&text[at..]);
        Ok(())
    }
}

impl QueryFragment<Pg> for Stmt<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.walk(&mut out, |out, param| match param {
            Param::Int(v) => out.push_bind_param::<BigInt, _>(v),
            Param::Float(v) => out.push_bind_param::<Double, _>(v),
            Param::Text(v) => out.push_bind_param::<Text, _>(v),
            Param::Null(NullType::Int) => out.push_bind_param::<Nullable<BigInt>, _>(&None::<i64>),
            Param::Null(NullType::Float) => {
                out.push_bind_param::<Nullable<Double>, _>(&None::<f64>)
            }
            Param::Null(NullType::Text) => {
                out.push_bind_param::<Nullable<Text>, _>(&None::<String>)
            }
            Param::Ints(v) => out.push_bind_param::<Array<BigInt>, _>(v),
            Param::Floats(v) => out.push_bind_param::<Array<Double>, _>(v),
            Param::Texts(v) => out.push_bind_param::<Array<Text>, _>(v),
        })
    }
}

impl QueryFragment<Sqlite> for Stmt<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.walk(&mut out, |out, param| match param {
            Param::Int(v) => out.push_bind_param::<BigInt, _>(v),
            Param::Float(v) => out.push_bind_param::<Double, _>(v),
            Param::Text(v) => out.push_bind_param::<Text, _>(v),
            Param::Null(_) => out.push_bind_param::<Nullable<Text>, _>(&None::<String>),
            // The compiler writes lists as JSON text for SQLite.
            Param::Ints(_) | Param::Floats(_) | Param::Texts(_) => {
                Err(diesel::result::Error::QueryBuilderError(
                    "array parameter in a SQLite statement".into(),
                ))
            }
        })
    }
}

diesel::define_sql_function! {
    /// Unicode lower-casing as the domain engine folds text for `ilike` (SQLite, registered on a
    /// connection the first time a statement needs it).
    fn adlerdo_casefold(text: Nullable<Text>) -> Nullable<Text>;
}

/// Registers [`CASEFOLD`] on the connection unless it is there.
fn ensure_casefold(conn: &mut SqliteConnection) -> QueryResult<()> {
    let probe = format!("SELECT {CASEFOLD}('') AS x");
    if diesel::sql_query(probe).execute(conn).is_ok() {
        return Ok(());
    }
    adlerdo_casefold_utils::register_impl(conn, |text: Option<String>| {
        text.map(|t| values::fold(&t))
    })
}

/// Runs a query; its rows.
pub(super) fn load<T>(conn: &mut DbConnection, sql: &Sql) -> Result<Vec<T>, SqlError>
where
    T: QueryableByName<Pg> + QueryableByName<Sqlite> + 'static,
{
    let stmt = Stmt {
        sql,
        cache: cacheable(&sql.text),
    };
    Ok(match conn {
        DbConnection::Postgresql(c) => stmt.load::<T>(c)?,
        DbConnection::Sqlite(c) => {
            if sql.casefold {
                ensure_casefold(c)?;
            }
            stmt.load::<T>(c)?
        }
    })
}

/// Runs a statement; the number of rows it changed.
pub(super) fn execute(conn: &mut DbConnection, sql: &Sql) -> Result<usize, SqlError> {
    let stmt = Stmt {
        sql,
        cache: cacheable(&sql.text),
    };
    Ok(match conn {
        DbConnection::Postgresql(c) => stmt.execute(c)?,
        DbConnection::Sqlite(c) => {
            if sql.casefold {
                ensure_casefold(c)?;
            }
            stmt.execute(c)?
        }
    })
}
