//! The deployment files, read as carefully as Docker would (no Docker engine runs here).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use adlerdo::config::Settings;
use yaml_rust2::{Yaml, YamlLoader};

fn repo(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn compose() -> Yaml {
    let text = std::fs::read_to_string(repo("docker-compose.yml")).unwrap();
    YamlLoader::load_from_str(&text)
        .expect("docker-compose.yml is YAML")
        .remove(0)
}

/// KEY=VALUE lines of .env.example.
fn env_example() -> BTreeMap<String, String> {
    std::fs::read_to_string(repo(".env.example"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|l| {
            let (k, v) = l
                .split_once('=')
                .unwrap_or_else(|| panic!(".env.example: bad line {l:?}"));
            (k.trim().to_string(), v.trim().to_string())
        })
        .collect()
}

/// Compose's `${VAR}` / `${VAR:-default}` interpolation, from .env.example; every variable used
/// must be listed there, with the same default.
fn interpolate(value: &str, env: &BTreeMap<String, String>, used: &mut BTreeSet<String>) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').expect("unclosed ${") + start;
        let expr = &rest[start + 2..end];
        let (name, default) = match expr.split_once(":-") {
            Some((n, d)) => (n, Some(d)),
            None => (expr, None),
        };
        used.insert(name.to_string());
        let value = env
            .get(name)
            .unwrap_or_else(|| panic!("${{{name}}} is not in .env.example"));
        if let Some(default) = default {
            assert_eq!(
                value, default,
                "{name}: .env.example and docker-compose.yml disagree on the default"
            );
        }
        out.push_str(value);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

fn as_str(y: &Yaml) -> String {
    match y {
        Yaml::String(s) => s.clone(),
        Yaml::Integer(i) => i.to_string(),
        Yaml::Boolean(b) => b.to_string(),
        other => panic!("not a scalar: {other:?}"),
    }
}

#[test]
fn compose_services_volumes_and_files_exist() {
    let doc = compose();
    let services = doc["services"].as_hash().expect("services");
    let names: BTreeSet<String> = services.keys().map(as_str).collect();
    assert_eq!(names, ["adlerdo", "db", "odoo"].map(String::from).into());
    let declared: BTreeSet<String> = doc["volumes"]
        .as_hash()
        .expect("volumes")
        .keys()
        .map(as_str)
        .collect();
    assert_eq!(doc["services"]["odoo"]["image"].as_str(), Some("odoo:18"));

    for (name, service) in services {
        let name = as_str(name);
        assert!(
            !service["healthcheck"]["test"].is_badvalue(),
            "{name} has no health check"
        );
        if let Some(deps) = service["depends_on"].as_hash() {
            for dep in deps.keys().map(as_str) {
                assert!(
                    names.contains(&dep),
                    "{name} depends on unknown service {dep}"
                );
            }
        }
        for volume in service["volumes"].as_vec().cloned().unwrap_or_default() {
            let spec = as_str(&volume);
            let source = spec.split(':').next().unwrap();
            if source.starts_with("./") {
                assert!(repo(source).exists(), "{name} mounts missing {source}");
            } else {
                assert!(
                    declared.contains(source),
                    "{name} uses undeclared volume {source}"
                );
            }
        }
    }
    let build = doc["services"]["adlerdo"]["build"].as_str().unwrap();
    assert!(repo(build).join("Dockerfile").is_file());
    assert!(repo("odoo_addon").is_dir());
}

#[test]
fn compose_environment_is_a_valid_adlerdo_configuration() {
    let doc = compose();
    let env = env_example();
    let mut used = BTreeSet::new();
    let mut vars = Vec::new();
    for service in doc["services"].as_hash().unwrap().values() {
        for (k, v) in service["environment"]
            .as_hash()
            .cloned()
            .unwrap_or_default()
        {
            let value = interpolate(&as_str(&v), &env, &mut used);
            if as_str(&k).starts_with("ADLERDO_") {
                vars.push((as_str(&k), value));
            }
        }
    }
    let adlerdo_vars: Vec<_> = doc["services"]["adlerdo"]["environment"]
        .as_hash()
        .unwrap()
        .keys()
        .map(as_str)
        .collect();
    assert!(adlerdo_vars.contains(&"ADLERDO_DATABASE__URL".to_string()));
    assert_eq!(
        used,
        env.keys().cloned().collect(),
        ".env.example lists exactly the variables compose uses"
    );

    // The hub's variables must load and validate as settings (unknown keys are errors).
    figment::Jail::expect_with(|jail| {
        for (k, v) in &vars {
            if adlerdo_vars.contains(k) {
                jail.set_env(k, v);
            }
        }
        let (settings, _) = Settings::load(None).map_err(|e| e.to_string())?;
        assert_eq!(settings.validate(), Vec::<String>::new());
        assert_eq!(settings.mode, adlerdo::config::Mode::Live);
        assert!(settings.database_url().starts_with("postgres://adlerdo:"));
        let port = settings.server.port.to_string();
        let mapping = doc["services"]["adlerdo"]["ports"][0]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(mapping, format!("{port}:{port}"));
        Ok(())
    });
}

#[test]
fn dockerfile_builds_the_binary_it_runs() {
    let text = std::fs::read_to_string(repo("Dockerfile")).unwrap();
    let froms: Vec<&str> = text.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert!(froms.len() >= 2, "multi-stage: {froms:?}");
    assert!(froms[0].ends_with(" AS build"));
    for line in text
        .lines()
        .filter(|l| l.starts_with("COPY ") && !l.contains("--from"))
    {
        for source in line
            .split_whitespace()
            .skip(1)
            .collect::<Vec<_>>()
            .split_last()
            .unwrap()
            .1
        {
            assert!(repo(source).exists(), "Dockerfile copies missing {source}");
        }
    }
    assert!(text.contains("COPY --from=build /src/target/release/adlerdo /usr/local/bin/adlerdo"));
    assert!(text.contains("ENTRYPOINT [\"adlerdo\"]"));
    assert!(text.contains(&format!("EXPOSE {}", Settings::default().server.port)));
    // Every [[bench]] target's file exists in the dependency-caching stage too.
    let manifest = std::fs::read_to_string(repo("Cargo.toml")).unwrap();
    let manifest: toml::Value = toml::from_str(&manifest).unwrap();
    for bench in manifest["bench"].as_array().unwrap() {
        let name = bench["name"].as_str().unwrap();
        assert!(
            text.contains(&format!("benches/{name}.rs")),
            "Dockerfile lacks a stub for bench {name}"
        );
    }
}
