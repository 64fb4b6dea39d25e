use std::collections::BTreeSet;
use std::path::Path;

use adlerdo::db::migrations;

use crate::both_backends;
use crate::helpers::{Backend, TestDb};

fn versions(dir: &str) -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dir);
    std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|entry| {
            let entry = entry.expect("dir entry");
            let name = entry.file_name().to_string_lossy().to_string();
            for file in ["up.sql", "down.sql"] {
                assert!(
                    entry.path().join(file).is_file(),
                    "{dir}/{name} lacks {file}"
                );
            }
            name
        })
        .collect()
}

#[test]
fn both_backends_have_the_same_migration_versions() {
    let pg = versions("postgres");
    let sqlite = versions("sqlite");
    assert!(!pg.is_empty());
    assert_eq!(
        pg, sqlite,
        "migrations/postgres and migrations/sqlite must hold the same versions"
    );
}

both_backends!(migrations_run_up_down_up);

async fn migrations_run_up_down_up(backend: Backend) {
    let test_db = TestDb::new(backend);
    let db = test_db.connect(); // applies everything
    let mut conn = db.get().expect("conn");
    let applied = migrations::applied(&mut conn).expect("applied");
    let expected: Vec<String> = versions(match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    })
    .iter()
    .map(|name| name.split('_').next().unwrap_or_default().replace('-', ""))
    .collect();
    assert_eq!(applied, expected);

    let reverted = migrations::revert_all(&mut conn).expect("down");
    assert_eq!(reverted.len(), expected.len());
    assert!(migrations::applied(&mut conn).expect("applied").is_empty());

    let again = migrations::run_pending(&mut conn).expect("up again");
    assert_eq!(again.len(), expected.len());
    assert!(
        migrations::run_pending(&mut conn)
            .expect("idempotent")
            .is_empty()
    );
    // The schema works after the round trip.
    let counts = adlerdo::jobs::queue::counts(&mut conn).expect("jobs table usable");
    assert!(counts.is_empty());
}
