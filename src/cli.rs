//! The `adlerdo` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Mode, Settings, Source};
use crate::db::{DatabaseUrl, Db, migrations};
use crate::startup::Application;

#[derive(Debug, Parser)]
#[command(
    name = "adlerdo",
    version,
    about = "Keeps Odoo and online marketplaces in sync"
)]
pub struct Cli {
    /// Config file (TOML); defaults to $ADLERDO_CONFIG, then ./adlerdo.toml when it exists.
    #[arg(long, short, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the hub: HTTP server, job workers and scheduler (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Check the configuration and print every problem found.
    CheckConfig,
    /// Print the version.
    Version,
    /// Run one sync flow now, with progress.
    Sync {
        #[command(subcommand)]
        flow: SyncFlow,
    },
    /// API keys of the hub's Odoo-compatible facade.
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Run a simulator on its own (sandbox, tests, benchmarks).
    Sim {
        #[command(subcommand)]
        system: SimSystem,
    },
}

#[derive(Debug, Subcommand)]
pub enum SyncFlow {
    /// Products Odoo -> hub: changes since the last sync, or everything with --full.
    Products {
        /// Read the whole catalog (and mark products Odoo no longer has as inactive).
        #[arg(long)]
        full: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// Create a key; it is printed once and only its hash is kept.
    Create {
        /// What the key is for ("Odoo addon", "reporting script", ...).
        #[arg(long)]
        name: String,
    },
    /// List the keys (never their secret).
    List,
    /// Revoke a key by id.
    Revoke { id: i64 },
}

#[derive(Debug, Subcommand)]
pub enum SimSystem {
    /// The Odoo emulator (database `odoo`, login admin / admin).
    Odoo {
        /// Odoo version to emulate (16 to 19).
        #[arg(long, default_value_t = 18)]
        version: u32,
        /// Generated products to add to the demo catalog.
        #[arg(long, default_value_t = 0)]
        catalog: usize,
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// 0 picks a free port.
        #[arg(long, default_value_t = 8069)]
        port: u16,
    },
}

/// Parses the command line and runs the command; errors are printed as one line each.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Version = command {
        return say(&format!("adlerdo {}", env!("CARGO_PKG_VERSION")));
    }
    let (settings, source) = match Settings::load(cli.config.as_deref()) {
        Ok(loaded) => loaded,
        Err(e) => return fail(&[e.to_string()]),
    };
    let problems = settings.validate();
    if !problems.is_empty() {
        return fail(&problems);
    }
    match command {
        Command::CheckConfig => check_config(&settings, &source),
        Command::Migrate => migrate(&settings),
        Command::Sync {
            flow: SyncFlow::Products { full },
        } => sync_products(settings, full),
        Command::Keys { action } => keys(&settings, action),
        Command::Sim {
            system:
                SimSystem::Odoo {
                    version,
                    catalog,
                    host,
                    port,
                },
        } => sim_odoo(version, catalog, &host, port),
        Command::Serve | Command::Version => serve(settings),
    }
}

fn check_config(settings: &Settings, source: &Source) -> ExitCode {
    let url = DatabaseUrl::parse(&settings.database_url())
        .map(|u| u.to_string())
        .unwrap_or_default();
    let file = source.file.as_ref().map_or_else(
        || "no config file".to_string(),
        |f| format!("config file {}", f.display()),
    );
    say(&format!(
        "configuration ok: {} mode, listening on {}:{}, database {url} ({file} + {}* environment)",
        settings.mode.as_str(),
        settings.server.host,
        settings.server.port,
        crate::config::ENV_PREFIX,
    ))
}

fn migrate(settings: &Settings) -> ExitCode {
    crate::telemetry::init(&settings.log.level);
    let url = match DatabaseUrl::parse(&settings.database_url()) {
        Ok(url) => url,
        Err(e) => return fail(&[format!("database.url: {e}")]),
    };
    let db = match Db::connect(url, &settings.database) {
        Ok(db) => db,
        Err(e) => return fail(&[format!("database.url: {e}")]),
    };
    let result = db
        .get()
        .map_err(|e| e.to_string())
        .and_then(|mut conn| migrations::run_pending(&mut conn).map_err(|e| e.to_string()));
    match result {
        Ok(applied) if applied.is_empty() => say(&format!("{}: schema up to date", db.url())),
        Ok(applied) => say(&format!("{}: applied {}", db.url(), applied.join(", "))),
        Err(e) => fail(&[format!(
            "database.url: migrations failed on {}: {e}",
            db.url()
        )]),
    }
}

fn serve(settings: Settings) -> ExitCode {
    crate::telemetry::init(&settings.log.level);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&[format!("cannot start the async runtime: {e}")]),
    };
    runtime.block_on(async move {
        let app = match Application::build(settings).await {
            Ok(app) => app,
            Err(e) => return fail(&[format!("{e:#}")]),
        };
        banner(&app);
        match app.run_until_stopped().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&[format!("{e:#}")]),
        }
    })
}

/// In sandbox mode, tells a new user where to look. A closed stdout is no reason to stop.
fn banner(app: &Application) {
    use std::io::Write;
    let s = &app.state().settings;
    let base = format!("http://{}:{}", s.server.host, app.port());
    let db = app.state().db.url();
    match s.mode {
        Mode::Sandbox => {
            let text = format!(
                "AdlerDo {} is running in SANDBOX mode: no Odoo and no marketplace is contacted, and no credentials are needed.\n  \
             hub:      {base}/\n  \
             health:   {base}/health\n  \
             metrics:  {base}/metrics\n  \
             database: {db}\n  \
             Odoo emulator (Odoo 18): {odoo} (database {odoo_db}, login admin, password admin)\n  \
             Odoo-compatible facade: {base}/jsonrpc, /xmlrpc/2/..., /json/2/... (database {facade_db}, login {key_name}, API key {key})\n  \
             Marketplace simulators: {sims} (the catalog is listed on their sandbox accounts after the first import; stock follows)\n\
             Stop it with Ctrl-C. Set mode = \"live\" and the [odoo] settings to connect a real Odoo.\n",
                env!("CARGO_PKG_VERSION"),
                odoo = s.odoo.url,
                odoo_db = s.odoo.database,
                facade_db = s.facade.database,
                key_name = crate::startup::SANDBOX_KEY_NAME,
                key = crate::startup::SANDBOX_FACADE_KEY,
                sims = app
                    .state()
                    .market_sims
                    .iter()
                    .map(|m| format!("{} {}", m.kind(), m.url()))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
        }
        Mode::Live => log::info!(
            "AdlerDo {} serving on {base} (database {db}, Odoo {})",
            env!("CARGO_PKG_VERSION"),
            s.odoo.url
        ),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(&[format!("cannot start the async runtime: {e}")]))
}

/// `adlerdo sync products [--full]`: the flow once, in this process, with a progress bar.
fn sync_products(mut settings: Settings, full: bool) -> ExitCode {
    crate::telemetry::init(&settings.log.level);
    settings.jobs.workers = 0;
    settings.schedule = crate::config::ScheduleSettings {
        cleanup_secs: 0,
        product_sync_secs: 0,
    };
    settings.server.port = 0;
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    runtime.block_on(async move {
        let app = match Application::build(settings).await {
            Ok(app) => app,
            Err(e) => return fail(&[format!("{e:#}")]),
        };
        let state = app.state().clone();
        let client = match state.odoo.client().await {
            Ok(c) => c,
            Err(e) => return fail(&[format!("odoo.url: cannot use Odoo at {}: {e}", state.settings.odoo.url)]),
        };
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {elapsed} {pos} variants stored ({per_sec})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        let progress = |n: usize| bar.set_position(n as u64);
        let result = crate::sync::products::sync_products(&state.db, client, state.settings.odoo.overlap_secs, full, &progress).await;
        bar.finish_and_clear();
        if let Some(sim) = &state.odoo_sim {
            sim.stop().await;
        }
        match result {
            Ok(r) => say(&format!(
                "products synced ({}): {} variants read in {} pages, {} stored, {} templates changed, {} deactivated; {} RPC calls, {} bytes sent, {} bytes received",
                if full { "full" } else { "incremental" },
                r.variants_read,
                r.pages,
                r.upserted,
                r.templates_changed,
                r.deactivated,
                r.rpc_calls,
                r.request_bytes,
                r.response_bytes
            )),
            Err(e) => fail(&[format!("product sync failed: {e:#}")]),
        }
    })
}

/// `adlerdo keys create|list|revoke`.
fn keys(settings: &Settings, action: KeysAction) -> ExitCode {
    let url = match DatabaseUrl::parse(&settings.database_url()) {
        Ok(url) => url,
        Err(e) => return fail(&[format!("database.url: {e}")]),
    };
    let db = match Db::connect(url, &settings.database) {
        Ok(db) => db,
        Err(e) => return fail(&[format!("database.url: {e}")]),
    };
    let mut conn = match db.get() {
        Ok(c) => c,
        Err(e) => return fail(&[format!("database.url: {e}")]),
    };
    if let Err(e) = migrations::run_pending(&mut conn) {
        return fail(&[format!(
            "database.url: migrations failed on {}: {e}",
            db.url()
        )]);
    }
    let result = match action {
        KeysAction::Create { name } => {
            crate::auth::create_key(&mut conn, name.trim()).map(|(id, key)| {
                format!(
                    "key {id} ({}) created; it is shown only now:\n{key}",
                    name.trim()
                )
            })
        }
        KeysAction::List => crate::auth::list_keys(&mut conn).map(|keys| {
            if keys.is_empty() {
                return "no keys".to_string();
            }
            keys.iter()
                .map(|k| {
                    let state = if k.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "active"
                    };
                    format!("{:>4}  {}…  {state:<7}  {}", k.id, k.prefix, k.name)
                })
                .collect::<Vec<_>>()
                .join("\n")
        }),
        KeysAction::Revoke { id } => crate::auth::revoke_key(&mut conn, id).map(|done| {
            if done {
                format!("key {id} revoked")
            } else {
                String::new()
            }
        }),
    };
    match result {
        Ok(text) if text.is_empty() => fail(&["no such active key".to_string()]),
        Ok(text) => say(&text),
        Err(e) => fail(&[format!("database error: {e}")]),
    }
}

/// `adlerdo sim odoo`: the Odoo emulator alone, until Ctrl-C.
fn sim_odoo(version: u32, catalog: usize, host: &str, port: u16) -> ExitCode {
    let listener = match std::net::TcpListener::bind((host, port)) {
        Ok(l) => l,
        Err(e) => return fail(&[format!("--port: cannot listen on {host}:{port}: {e}")]),
    };
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    runtime.block_on(async move {
        let sim = match crate::sim::odoo::OdooSim::new(version)
            .with_catalog(catalog)
            .start(listener)
        {
            Ok(sim) => sim,
            Err(e) => return fail(&[format!("cannot start the Odoo emulator: {e}")]),
        };
        say(&format!(
            "Odoo {version} emulator on {} (database {}, login admin, password admin, API key {})",
            sim.url,
            if version >= 19 {
                "odoo19"
            } else {
                crate::sim::odoo::SANDBOX_DB
            },
            crate::sim::odoo::SANDBOX_API_KEY
        ));
        let _ = tokio::signal::ctrl_c().await;
        sim.stop().await;
        ExitCode::SUCCESS
    })
}

#[allow(clippy::print_stdout)]
fn say(line: &str) -> ExitCode {
    println!("{line}");
    ExitCode::SUCCESS
}

#[allow(clippy::print_stderr)]
fn fail(problems: &[String]) -> ExitCode {
    for p in problems {
        eprintln!("error: {p}");
    }
    ExitCode::FAILURE
}
