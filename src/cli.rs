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
    /// The job queue: what waits, runs or died, and retrying dead jobs.
    Jobs {
        #[command(subcommand)]
        action: JobsAction,
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
    /// Stock Odoo -> marketplaces: every quantity read again, allocated and pushed.
    Stock,
    /// Orders marketplaces -> Odoo: every enabled account polled, then sent to Odoo.
    Orders,
    /// Listings: the offers that changed, sent to every enabled account.
    Listings,
    /// Products hub -> Odoo: the changes made in the hub.
    Push,
}

#[derive(Debug, Subcommand)]
pub enum JobsAction {
    /// List jobs, newest first.
    List {
        /// Only jobs in this state: queued, running, done or dead.
        #[arg(long)]
        state: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Put dead jobs back in the queue (by id; --all for every dead job).
    Retry {
        ids: Vec<i64>,
        #[arg(long)]
        all: bool,
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
        Command::Sync { flow } => sync_flow(settings, flow),
        Command::Jobs { action } => jobs(&settings, action),
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
             hub:      {base}/ (the status page: open it in a browser)\n  \
             health:   {base}/health\n  \
             metrics:  {base}/metrics\n  \
             database: {db}\n  \
             Odoo emulator (Odoo 18): {odoo} (database {odoo_db}, login admin, password admin)\n  \
             Odoo-compatible facade: {base}/jsonrpc, /xmlrpc/2/..., /json/2/... (database {facade_db}, login {key_name}, API key {key})\n  \
             Marketplace simulators: {sims} (the catalog is listed on their sandbox accounts after the first import; stock follows)\n  \
             Simulated buyers: {buyers} (their orders become confirmed sales orders in the Odoo emulator)\n\
             Stop it with Ctrl-C. Set mode = \"live\" and the [odoo] settings to connect a real Odoo.\n",
                env!("CARGO_PKG_VERSION"),
                odoo = s.odoo.url,
                odoo_db = s.odoo.database,
                facade_db = s.facade.database,
                key_name = crate::startup::SANDBOX_KEY_NAME,
                key = crate::startup::SANDBOX_FACADE_KEY,
                buyers = match s.orders.sandbox_order_secs {
                    0 => "off ([orders] sandbox_order_secs = 0)".to_string(),
                    n => format!("an order every {n} s on one of the simulators"),
                },
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

/// A connection to the hub's database, its schema up to date.
fn database(
    settings: &Settings,
) -> Result<diesel::r2d2::PooledConnection<crate::db::Manager>, ExitCode> {
    let url = DatabaseUrl::parse(&settings.database_url())
        .map_err(|e| fail(&[format!("database.url: {e}")]))?;
    let db =
        Db::connect(url, &settings.database).map_err(|e| fail(&[format!("database.url: {e}")]))?;
    let mut conn = db
        .get()
        .map_err(|e| fail(&[format!("database.url: {e}")]))?;
    migrations::run_pending(&mut conn).map_err(|e| {
        fail(&[format!(
            "database.url: migrations failed on {}: {e}",
            db.url()
        )])
    })?;
    Ok(conn)
}

/// `adlerdo jobs list|retry`.
fn jobs(settings: &Settings, action: JobsAction) -> ExitCode {
    let mut conn = match database(settings) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let now = crate::jobs::now_ms();
    match action {
        JobsAction::List { state, limit } => {
            if let Some(st) = &state
                && !["queued", "running", "done", "dead"].contains(&st.as_str())
            {
                return fail(&[format!(
                    "--state: {st:?} is not one of queued, running, done, dead"
                )]);
            }
            match crate::jobs::queue::list(&mut conn, state.as_deref(), limit.max(1)) {
                Ok(rows) if rows.is_empty() => say("no jobs"),
                Ok(rows) => say(&rows
                    .iter()
                    .map(|j| {
                        format!(
                            "{:>6}  {:<8} {:<26} attempts {}/{}{}",
                            j.id,
                            j.state,
                            j.kind,
                            j.attempts,
                            j.max_attempts,
                            j.last_error
                                .as_deref()
                                .map(|e| format!(
                                    "  last error: {}",
                                    e.lines().next().unwrap_or("")
                                ))
                                .unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")),
                Err(e) => fail(&[format!("database error: {e}")]),
            }
        }
        JobsAction::Retry { ids, all } => {
            let ids = if all {
                match crate::jobs::queue::list(&mut conn, Some("dead"), i64::MAX) {
                    Ok(rows) => rows.iter().map(|j| j.id).collect(),
                    Err(e) => return fail(&[format!("database error: {e}")]),
                }
            } else {
                ids
            };
            if ids.is_empty() {
                return fail(&["no job to retry: give job ids, or --all".to_string()]);
            }
            let mut problems = Vec::new();
            let mut retried = 0;
            for id in ids {
                match crate::jobs::queue::retry_dead(&mut conn, id, now) {
                    Ok(Some(_)) => retried += 1,
                    Ok(None) => problems.push(format!("job {id} is not a dead job")),
                    Err(e) => problems.push(format!("job {id}: database error: {e}")),
                }
            }
            if problems.is_empty() {
                say(&format!("{retried} job(s) back in the queue"))
            } else {
                fail(&problems)
            }
        }
    }
}

/// `adlerdo sync stock|orders|listings|push`: the flow's jobs run now in this process (with the
/// work they lead to), with a progress line, until nothing is left to do now.
fn sync_flow(mut settings: Settings, flow: SyncFlow) -> ExitCode {
    crate::telemetry::init(&settings.log.level);
    settings.schedule = crate::config::ScheduleSettings {
        cleanup_secs: 0,
        product_sync_secs: 0,
    };
    settings.stock.poll_secs = 0;
    settings.orders.poll_secs = 0;
    settings.orders.sandbox_order_secs = 0;
    settings.server.port = 0;
    settings.jobs.workers = settings.jobs.workers.max(1);
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
        let shutdown = app.shutdown_token();
        let server = tokio::spawn(app.run_until_stopped());
        let started = std::time::Instant::now();
        let queued = match enqueue_flow(&state, &flow).await {
            Ok(n) => n,
            Err(e) => {
                shutdown.cancel();
                let _ = server.await;
                return fail(&[format!("{e:#}")]);
            }
        };
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {elapsed} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        // Done when no job is due now (later retries, a rate limit's wait, stay queued for the
        // hub itself).
        let outcome = loop {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            let now = crate::jobs::now_ms();
            let busy = state
                .db
                .run(move |c| {
                    use crate::db::schema::jobs as j;
                    use diesel::prelude::*;
                    j::table
                        .filter(
                            j::state
                                .eq("running")
                                .or(j::state.eq("queued").and(j::run_after.le(now))),
                        )
                        .select((j::kind, j::state))
                        .load::<(String, String)>(c)
                })
                .await;
            match busy {
                Ok(rows) if rows.is_empty() => break Ok(()),
                Ok(rows) => {
                    let mut kinds: Vec<&str> = rows.iter().map(|(k, _)| k.as_str()).collect();
                    kinds.sort_unstable();
                    kinds.dedup();
                    bar.set_message(format!(
                        "{} job(s) at work: {}",
                        rows.len(),
                        kinds.join(", ")
                    ));
                    bar.tick();
                }
                Err(e) => break Err(e),
            }
        };
        bar.finish_and_clear();
        let summary = flow_summary(&state, &flow).await;
        shutdown.cancel();
        let _ = server.await;
        match outcome {
            Ok(()) => say(&format!(
                "{} done in {:.1} s ({queued} job(s) started): {summary}",
                flow_name(&flow),
                started.elapsed().as_secs_f64()
            )),
            Err(e) => fail(&[format!("database error: {e}")]),
        }
    })
}

fn flow_name(flow: &SyncFlow) -> &'static str {
    match flow {
        SyncFlow::Products { .. } => "products",
        SyncFlow::Stock => "stock",
        SyncFlow::Orders => "orders",
        SyncFlow::Listings => "listings",
        SyncFlow::Push => "push",
    }
}

/// Queues the flow's first jobs; answers how many.
async fn enqueue_flow(state: &crate::state::AppState, flow: &SyncFlow) -> anyhow::Result<usize> {
    let accounts: Vec<i64> = state
        .db
        .run(|c| {
            Ok(crate::sync::accounts::load_all(c)?
                .into_iter()
                .filter(|a| a.enabled)
                .map(|a| a.id)
                .collect())
        })
        .await?;
    let q = &state.queue;
    Ok(match flow {
        SyncFlow::Products { full } => {
            q.enqueue(&crate::sync::products::SyncProducts { full: *full })
                .await?;
            1
        }
        SyncFlow::Stock => {
            q.enqueue(&crate::sync::stock::PollStock {}).await?;
            1
        }
        SyncFlow::Push => {
            q.enqueue(&crate::sync::push::PushProducts {}).await?;
            1
        }
        SyncFlow::Orders => {
            for id in &accounts {
                q.enqueue(&crate::sync::orders::PollOrders::new(*id))
                    .await?;
            }
            q.enqueue(&crate::sync::orders::SendOrders::default())
                .await?;
            accounts.len() + 1
        }
        SyncFlow::Listings => {
            for id in &accounts {
                q.enqueue(&crate::sync::listings::PushListings {
                    marketplace_id: *id,
                })
                .await?;
            }
            accounts.len()
        }
    })
}

/// The flow's figures after the run, from `status()`.
async fn flow_summary(state: &crate::state::AppState, flow: &SyncFlow) -> String {
    let now = crate::jobs::now_ms();
    let st = state.clone();
    let status = state
        .db
        .run(move |c| Ok(crate::facade::sync::hub_status(c, &st, now)))
        .await;
    let Ok(Ok(status)) = status else {
        return "no figures".into();
    };
    let key = match flow {
        SyncFlow::Products { .. } => "products",
        SyncFlow::Stock | SyncFlow::Listings => "stock",
        SyncFlow::Orders => "orders",
        SyncFlow::Push => "push",
    };
    status["flows"][key].to_string()
}

/// `adlerdo keys create|list|revoke`.
fn keys(settings: &Settings, action: KeysAction) -> ExitCode {
    let mut conn = match database(settings) {
        Ok(c) => c,
        Err(code) => return code,
    };
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
