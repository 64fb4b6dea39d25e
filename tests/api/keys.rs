//! Facade API keys: created once, stored hashed, verified, revoked; on both backends and from
//! the command line.

use adlerdo::auth::{create_key, list_keys, revoke_key, verify_key};

use crate::both_backends;
use crate::helpers::{Backend, TestDb};

both_backends!(keys_are_verified_by_hash_and_can_be_revoked);

async fn keys_are_verified_by_hash_and_can_be_revoked(backend: Backend) {
    let t = TestDb::new(backend);
    let db = t.connect();
    let mut c = db.get().unwrap();
    let (id, key) = create_key(&mut c, "Odoo addon").unwrap();
    let (_, other) = create_key(&mut c, "script").unwrap();
    assert_eq!(verify_key(&mut c, &key).unwrap().map(|k| k.id), Some(id));
    assert!(verify_key(&mut c, &other).unwrap().is_some());
    // Wrong, truncated, same-prefix and empty keys are refused.
    let mut forged = key.clone();
    forged.replace_range(39.., if key.ends_with('0') { "1" } else { "0" });
    for bad in [
        forged.as_str(),
        &key[..39],
        "",
        "not a key at all, not 40 chars long.....",
    ] {
        assert!(
            verify_key(&mut c, bad).unwrap().is_none(),
            "{bad:?} accepted"
        );
    }
    let listed = list_keys(&mut c).unwrap();
    assert_eq!(listed.len(), 2);
    assert!(
        listed
            .iter()
            .all(|k| k.prefix.len() == 8 && !key.eq(&k.prefix))
    );
    assert!(
        listed
            .iter()
            .find(|k| k.id == id)
            .unwrap()
            .last_used_at
            .is_some()
    );

    assert!(revoke_key(&mut c, id).unwrap());
    assert!(!revoke_key(&mut c, id).unwrap(), "only once");
    assert!(
        verify_key(&mut c, &key).unwrap().is_none(),
        "a revoked key is refused"
    );
    assert!(verify_key(&mut c, &other).unwrap().is_some());
}

#[test]
fn keys_from_the_command_line() {
    let db = TestDb::new(Backend::Sqlite);
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_adlerdo"))
            .args(args)
            .env("ADLERDO_DATABASE__URL", &db.url)
            .output()
            .unwrap()
    };
    let out = run(&["keys", "create", "--name", "Odoo addon"]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let key = text.lines().last().unwrap().trim().to_string();
    assert_eq!(key.len(), 40, "{text}");
    let listed = String::from_utf8_lossy(&run(&["keys", "list"]).stdout).to_string();
    assert!(
        listed.contains("Odoo addon") && listed.contains(&key[..8]) && !listed.contains(&key),
        "{listed}"
    );
    assert!(run(&["keys", "revoke", "1"]).status.success());
    let again = run(&["keys", "revoke", "1"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("error: no such active key"));
}
