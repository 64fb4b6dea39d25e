//! Rows whose columns are only known at run time: each value is decoded by the type the database
//! reports for it (PostgreSQL's type oid, SQLite's storage class).

use diesel::deserialize::{self, FromSql, QueryableByName};
use diesel::pg::{Pg, PgValue};
use diesel::row::{Field, NamedRow, Row};
use diesel::sql_types::{BigInt, Bool, Double, Float, Integer, SmallInt, Text};
use diesel::sqlite::{Sqlite, SqliteType, SqliteValue};

use super::Raw;

/// The columns of one result row, in select order.
pub(super) struct DynRow(pub(super) Vec<Raw>);

impl QueryableByName<Pg> for DynRow {
    fn build<'a>(row: &impl NamedRow<'a, Pg>) -> deserialize::Result<Self> {
        let n = row.field_count();
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let field = Row::get(row, i).ok_or(diesel::result::UnexpectedEndOfRow)?;
            out.push(match field.value() {
                None => Raw::Null,
                Some(value) => pg_value(value)?,
            });
        }
        Ok(Self(out))
    }
}

impl QueryableByName<Sqlite> for DynRow {
    fn build<'a>(row: &impl NamedRow<'a, Sqlite>) -> deserialize::Result<Self> {
        let n = row.field_count();
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let field = Row::get(row, i).ok_or(diesel::result::UnexpectedEndOfRow)?;
            out.push(match field.value() {
                None => Raw::Null,
                Some(value) => sqlite_value(value)?,
            });
        }
        Ok(Self(out))
    }
}

// PostgreSQL type oids (`pg_type.oid`) of the values the facade's queries select.
const BOOL: u32 = 16;
const NAME: u32 = 19;
const INT8: u32 = 20;
const INT2: u32 = 21;
const INT4: u32 = 23;
const TEXT: u32 = 25;
const FLOAT4: u32 = 700;
const FLOAT8: u32 = 701;
const UNKNOWN: u32 = 705;
const BPCHAR: u32 = 1042;
const VARCHAR: u32 = 1043;

fn pg_value(value: PgValue<'_>) -> deserialize::Result<Raw> {
    Ok(match value.get_oid().get() {
        INT8 => Raw::Int(<i64 as FromSql<BigInt, Pg>>::from_sql(value)?),
        INT4 => Raw::Int(<i32 as FromSql<Integer, Pg>>::from_sql(value)?.into()),
        INT2 => Raw::Int(<i16 as FromSql<SmallInt, Pg>>::from_sql(value)?.into()),
        BOOL => Raw::Int(<bool as FromSql<Bool, Pg>>::from_sql(value)?.into()),
        FLOAT8 => Raw::Float(<f64 as FromSql<Double, Pg>>::from_sql(value)?),
        FLOAT4 => Raw::Float(<f32 as FromSql<Float, Pg>>::from_sql(value)?.into()),
        TEXT | VARCHAR | BPCHAR | NAME | UNKNOWN => {
            Raw::Text(<String as FromSql<Text, Pg>>::from_sql(value)?)
        }
        oid => return Err(format!("unexpected PostgreSQL column type (oid {oid})").into()),
    })
}

fn sqlite_value(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Raw> {
    Ok(match value.value_type() {
        None => Raw::Null,
        Some(SqliteType::Long | SqliteType::Integer | SqliteType::SmallInt) => {
            Raw::Int(<i64 as FromSql<BigInt, Sqlite>>::from_sql(value)?)
        }
        Some(SqliteType::Double | SqliteType::Float) => {
            Raw::Float(<f64 as FromSql<Double, Sqlite>>::from_sql(value)?)
        }
        Some(SqliteType::Text | SqliteType::Binary) => {
            Raw::Text(<String as FromSql<Text, Sqlite>>::from_sql(value)?)
        }
    })
}
