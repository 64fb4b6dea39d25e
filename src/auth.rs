//! API keys of the hub's Odoo-compatible facade: created by `adlerdo keys create`, stored as a
//! SHA-256 hash (found by an 8-character prefix, compared in constant time), revocable.

use diesel::prelude::*;
use rand::Rng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::db::DbConnection;
use crate::db::schema::api_keys;
use crate::jobs::now_ms;

/// Length of a key: 40 lowercase hex characters (160 random bits), like Odoo's own API keys, so
/// that Odoo client libraries and the addon's settings take it as they take an Odoo key.
pub const KEY_LEN: usize = 40;
const PREFIX_LEN: usize = 8;

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A new random key.
pub fn generate_key() -> String {
    let mut rng = rand::rng();
    (0..KEY_LEN)
        .map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap_or('0'))
        .collect()
}

/// A stored key, without its secret.
#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = api_keys)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// Creates a key named `name`; returns its id and the key, which is not stored and cannot be
/// shown again.
pub fn create_key(conn: &mut DbConnection, name: &str) -> QueryResult<(i64, String)> {
    let key = generate_key();
    let id = diesel::insert_into(api_keys::table)
        .values((
            api_keys::name.eq(name),
            api_keys::prefix.eq(&key[..PREFIX_LEN]),
            api_keys::hash.eq(sha256_hex(&key)),
            api_keys::created_at.eq(now_ms()),
        ))
        .returning(api_keys::id)
        .get_result(conn)?;
    Ok((id, key))
}

/// Makes sure the live key `key` exists under `name` (sandbox mode's well-known key); returns
/// its id.
pub fn ensure_key(conn: &mut DbConnection, name: &str, key: &str) -> QueryResult<i64> {
    let hash = sha256_hex(key);
    let found: Option<i64> = api_keys::table
        .filter(api_keys::hash.eq(&hash))
        .filter(api_keys::revoked_at.is_null())
        .select(api_keys::id)
        .first(conn)
        .optional()?;
    if let Some(id) = found {
        return Ok(id);
    }
    diesel::insert_into(api_keys::table)
        .values((
            api_keys::name.eq(name),
            api_keys::prefix.eq(&key[..PREFIX_LEN.min(key.len())]),
            api_keys::hash.eq(hash),
            api_keys::created_at.eq(now_ms()),
        ))
        .returning(api_keys::id)
        .get_result(conn)
}

/// The live key matching `presented`, if any (and notes its use).
pub fn verify_key(conn: &mut DbConnection, presented: &str) -> QueryResult<Option<ApiKey>> {
    if presented.len() != KEY_LEN || !presented.is_char_boundary(PREFIX_LEN) {
        return Ok(None);
    }
    let wanted = sha256_hex(presented);
    let candidates: Vec<(String, ApiKey)> = api_keys::table
        .filter(api_keys::prefix.eq(&presented[..PREFIX_LEN]))
        .filter(api_keys::revoked_at.is_null())
        .select((api_keys::hash, ApiKey::as_select()))
        .load(conn)?;
    let found = candidates
        .into_iter()
        .find(|(hash, _)| bool::from(hash.as_bytes().ct_eq(wanted.as_bytes())))
        .map(|(_, key)| key);
    if let Some(key) = &found {
        diesel::update(api_keys::table.find(key.id))
            .set(api_keys::last_used_at.eq(now_ms()))
            .execute(conn)?;
    }
    Ok(found)
}

/// Every key, newest first.
pub fn list_keys(conn: &mut DbConnection) -> QueryResult<Vec<ApiKey>> {
    api_keys::table
        .order(api_keys::id.desc())
        .select(ApiKey::as_select())
        .load(conn)
}

/// Revokes a key; false when there is no such live key.
pub fn revoke_key(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
    diesel::update(
        api_keys::table
            .find(id)
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::revoked_at.eq(now_ms()))
    .execute(conn)
    .map(|n| n == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_look_like_odoo_keys() {
        let a = generate_key();
        assert_eq!(a.len(), KEY_LEN);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(a, generate_key());
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
