//! The Odoo emulator driven by a client library written by others: Python's `xmlrpc.client`.

use std::net::TcpListener;
use std::process::Command;

use adlerdo::sim::odoo::OdooSim;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_xmlrpc_client_works_against_the_emulator() {
    let sim = OdooSim::new(18)
        .start(TcpListener::bind("127.0.0.1:0").unwrap())
        .unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/xmlrpc_client.py");
    let url = sim.url.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .args([script, &url, "odoo", "admin", "admin"])
            .output()
    })
    .await
    .unwrap()
    .expect("python3 is needed for this test");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("all checks passed"), "{stdout}");
    sim.stop().await;
}
