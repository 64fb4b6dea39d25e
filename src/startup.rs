//! Building and running the application: database, migrations, HTTP server, job workers and
//! scheduler, and their orderly shutdown.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::{Context, anyhow};
use tokio_util::sync::CancellationToken;

use crate::config::{Mode, Settings};
use crate::db::{DatabaseUrl, Db, migrations};
use crate::error::AppError;
use crate::facade::Facade;
use crate::facade::crypto::SecretBox;
use crate::jobs::cleanup::Cleanup;
use crate::jobs::{Periodic, Queue, Registry, Runner, Scheduler};
use crate::metrics::Metrics;
use crate::odoo::{OdooConfig, OdooConnector};
use crate::ratelimit::TimeSource;
use crate::routes;
use crate::sim::market::{RunningMarketSim, SimOptions};
use crate::sim::{self, odoo::OdooSim};
use crate::state::AppState;
use crate::sync::accounts::Markets;
use crate::sync::products::{SyncProductIds, SyncProducts};
use crate::sync::push::PushProducts;

pub struct Application {
    listener: TcpListener,
    port: u16,
    state: AppState,
    facade: web::Data<Facade>,
    shutdown: CancellationToken,
}

/// Sandbox mode: the facade key every new user can try (the sandbox serves on loopback only by
/// default and holds no real data). Login `sandbox`, database `adlerdo`.
pub const SANDBOX_FACADE_KEY: &str = "0ad1e4d05a4db0c55a4db0c55a4db0c55a4db0c5";
pub const SANDBOX_KEY_NAME: &str = "sandbox";

/// The job kinds this build runs.
pub fn job_registry() -> Registry<AppState> {
    Registry::default()
        .register::<Cleanup>()
        .register::<SyncProducts>()
        .register::<SyncProductIds>()
        .register::<PushProducts>()
        .register::<crate::sync::stock::SyncStockIds>()
        .register::<crate::sync::stock::PollStock>()
        .register::<crate::sync::stock_push::PushStock>()
        .register::<crate::sync::stock_push::CheckPush>()
        .register::<crate::sync::listings::PushListings>()
        .register::<crate::sync::orders::PollOrders>()
        .register::<crate::sync::orders::PollAllOrders>()
        .register::<crate::sync::orders::SendOrders>()
        .register::<crate::sync::orders::CancelOrders>()
        .register::<crate::sync::orders::sandbox::SandboxBuyer>()
}

/// The periodic jobs, at the intervals the settings give (0 disables one).
pub fn schedules(state: &AppState) -> Vec<Periodic> {
    let s = &state.settings.schedule;
    vec![
        Periodic::new(&state.queue, s.cleanup_secs, Cleanup {}),
        Periodic::new(
            &state.queue,
            s.product_sync_secs,
            SyncProducts { full: false },
        ),
        Periodic::new(
            &state.queue,
            state.settings.stock.poll_secs,
            crate::sync::stock::PollStock {},
        ),
        // Each account has its own interval; this only looks for the accounts that are due.
        Periodic::new(
            &state.queue,
            if state.settings.orders.poll_secs == 0 {
                0
            } else {
                state
                    .settings
                    .orders
                    .poll_secs
                    .clamp(1, ORDER_POLL_TICK_SECS)
            },
            crate::sync::orders::PollAllOrders {},
        ),
        // Sandbox mode: simulated buyers order from the listed catalog now and then.
        Periodic::new(
            &state.queue,
            if state.settings.mode == Mode::Sandbox {
                state.settings.orders.sandbox_order_secs
            } else {
                0
            },
            crate::sync::orders::sandbox::SandboxBuyer {},
        ),
    ]
}

/// How often the hub looks for accounts whose order poll is due (each account's own interval
/// can be shorter than the default's).
const ORDER_POLL_TICK_SECS: u64 = 15;

/// How often the sandbox's accounts are polled for orders.
const SANDBOX_ORDER_POLL_SECS: u64 = 15;

/// The name of the sandbox account of a marketplace.
pub fn sandbox_account_name(label: &str) -> String {
    format!("Sandbox {label}")
}

/// Sandbox mode: every marketplace's simulator on loopback, and one account for each (created
/// on first start, pointed at this run's simulator on every start).
async fn start_market_sims(
    db: &Db,
    secrets: &SecretBox,
    time: &TimeSource,
    hub_port: u16,
) -> anyhow::Result<Vec<Box<dyn RunningMarketSim>>> {
    let mut sims = Vec::new();
    for driver in crate::marketplaces::DRIVERS {
        let options = SimOptions {
            time: time.clone(),
            ..SimOptions::default()
        };
        let sim = match (driver.simulator)(options).await {
            Ok(sim) => sim,
            Err(e) => {
                log::warn!("sandbox: the {} simulator did not start: {e}", driver.label);
                continue;
            }
        };
        let name = sandbox_account_name(driver.label);
        let mut settings = sim.account_settings();
        // The sandbox's orders show up quickly (a real account keeps `[orders] poll_secs`).
        settings.insert(
            "order_poll_secs".into(),
            serde_json::json!(SANDBOX_ORDER_POLL_SECS),
        );
        let settings = serde_json::Value::Object(settings).to_string();
        let credentials = secrets
            .seal(&serde_json::Value::Object(sim.account_credentials()).to_string())
            .map_err(|e| anyhow!("cannot seal the sandbox credentials: {e}"))?;
        let kind = driver.kind;
        let ensured = db
            .write(move |c| {
                crate::sync::accounts::ensure_sandbox(c, kind, &name, &settings, &credentials)
            })
            .await
            .with_context(|| format!("cannot set up the sandbox {kind} account"))?;
        // Marketplaces with webhooks deliver the account's order events to the hub at once.
        let id = ensured;
        sim.deliver_webhooks_to(Some(&format!("http://127.0.0.1:{hub_port}/webhooks/{id}")));
        sims.push(sim);
    }
    Ok(sims)
}

/// The Odoo client's configuration from the settings.
pub fn odoo_config(settings: &Settings) -> OdooConfig {
    let o = &settings.odoo;
    let mut config = OdooConfig::new(
        o.url.trim_end_matches('/'),
        &o.database,
        &o.login,
        o.api_key.expose(),
    );
    config.page_size = o.page_size;
    config.timeout = Duration::from_secs(o.timeout_secs);
    config
}

/// Connects to the database and brings its schema up to date; the error names the setting.
pub async fn connect_database(settings: &Settings) -> anyhow::Result<Db> {
    let url =
        DatabaseUrl::parse(&settings.database_url()).map_err(|e| anyhow!("database.url: {e}"))?;
    let db_settings = settings.database.clone();
    tokio::task::spawn_blocking(move || -> anyhow::Result<Db> {
        let db = Db::connect(url, &db_settings).map_err(|e| anyhow!("database.url: {e}"))?;
        let mut conn = db.get().map_err(|e| anyhow!("database.url: {e}"))?;
        let applied = migrations::run_pending(&mut conn)
            .map_err(|e| anyhow!("database.url: migrations failed on {}: {e}", db.url()))?;
        for version in applied {
            log::info!("database migration {version} applied");
        }
        Ok(db)
    })
    .await
    .context("database set-up task failed")?
}

impl Application {
    /// Everything short of serving: database ready, port bound (port 0 picks a free one).
    pub async fn build(mut settings: Settings) -> anyhow::Result<Self> {
        let db = connect_database(&settings).await?;
        // Sandbox mode: an Odoo emulator on loopback stands in for Odoo.
        let odoo_sim = if settings.mode == Mode::Sandbox {
            // Loopback only, whatever `server.host` is: the emulator is the hub's own.
            let listener = TcpListener::bind("127.0.0.1:0")
                .context("cannot bind the sandbox Odoo emulator on 127.0.0.1")?;
            let sim = OdooSim::new(18)
                .start(listener)
                .context("cannot start the sandbox Odoo emulator")?;
            settings.odoo.url = sim.url.clone();
            settings.odoo.database = sim::odoo::SANDBOX_DB.to_string();
            settings.odoo.login = "admin".to_string();
            settings.odoo.api_key = crate::config::Secret::new(sim::odoo::SANDBOX_API_KEY);
            Some(Arc::new(sim))
        } else {
            None
        };
        let odoo = Arc::new(OdooConnector::new(odoo_config(&settings)));
        let address = format!("{}:{}", settings.server.host, settings.server.port);
        let listener = TcpListener::bind(&address)
            .map_err(|e| anyhow!("server.port: cannot listen on {address}: {e}"))?;
        let port = listener
            .local_addr()
            .context("bound socket has no address")?
            .port();
        let secrets = SecretBox::from_settings(&settings).map_err(|e| anyhow!(e))?;
        if settings.mode == Mode::Sandbox {
            let key = db
                .write(|c| crate::auth::ensure_key(c, SANDBOX_KEY_NAME, SANDBOX_FACADE_KEY))
                .await
                .context("cannot create the sandbox facade key")?;
            log::debug!("sandbox facade key {SANDBOX_KEY_NAME}: uid {key}");
        }
        let time = if settings.mode == Mode::Sandbox {
            TimeSource::scaled(settings.marketplaces.sandbox_time_scale)
        } else {
            TimeSource::real()
        };
        let markets = Arc::new(Markets::new(
            secrets.clone(),
            settings.marketplaces.clone(),
            time.clone(),
        ));
        let market_sims = if settings.mode == Mode::Sandbox {
            start_market_sims(&db, &secrets, &time, port).await?
        } else {
            Vec::new()
        };
        let state = AppState {
            markets,
            market_sims: Arc::new(market_sims),
            metrics: Arc::new(Metrics::new(db.backend())),
            queue: Queue::new(db.clone(), &settings.jobs),
            settings: Arc::new(settings),
            db,
            odoo,
            odoo_sim,
        };
        let facade = web::Data::new(Facade::new(state.clone(), secrets));
        Ok(Self {
            listener,
            port,
            state,
            facade,
            shutdown: CancellationToken::new(),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The Odoo-compatible RPC facade this application serves.
    pub fn facade(&self) -> &web::Data<Facade> {
        &self.facade
    }

    /// Cancelling it stops the application as SIGTERM does.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Serves until SIGTERM/SIGINT or the shutdown token: then stops accepting, lets in-flight
    /// requests finish, and gives running jobs their grace period before releasing them.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let Self {
            listener,
            state,
            facade,
            shutdown,
            ..
        } = self;
        // Listening for signals before the first request is served: a SIGTERM that arrives as soon
        // as the hub answers must stop it cleanly, not kill it.
        let signals = Signals::listen();
        let settings = Arc::clone(&state.settings);
        let data = web::Data::new(state.clone());
        let limit = settings.server.body_limit_bytes;
        let workers = match settings.server.workers {
            0 => std::thread::available_parallelism().map_or(2, usize::from),
            n => n,
        };
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(limit))
                .app_data(
                    web::JsonConfig::default()
                        .limit(limit)
                        .error_handler(|err, _| {
                            AppError::BadRequest(format!("invalid JSON body: {err}")).into()
                        }),
                )
                .wrap(from_fn(routes::body_limit))
                .wrap(from_fn(routes::record_metrics))
                .configure(routes::configure)
                .configure(|cfg| Facade::configure(&facade, cfg))
                .default_service(web::to(routes::not_found))
        })
        .workers(workers)
        .disable_signals()
        .shutdown_timeout(settings.server.shutdown_timeout_secs)
        .listen(listener)
        .context("server.port: cannot serve on the bound socket")?
        .run();
        let server_handle = server.handle();
        let mut server_task = tokio::spawn(server);

        let runner = Runner::new(
            state.queue.clone(),
            job_registry(),
            state.clone(),
            settings.jobs.clone(),
            Arc::clone(&state.metrics),
        )
        .start(shutdown.clone());
        let scheduler =
            Scheduler::new(state.queue.clone(), schedules(&state)).start(shutdown.clone());

        let signals = tokio::spawn(stop_on_signal(signals, shutdown.clone()));
        let served = tokio::select! {
            _ = shutdown.cancelled() => None,
            result = &mut server_task => Some(result),
        };
        shutdown.cancel();
        signals.abort();
        log::info!("shutting down: finishing requests and jobs");
        let stopped = async {
            if served.is_none() {
                server_handle.stop(true).await;
                let _ = server_task.await;
            }
        };
        tokio::join!(stopped, runner.join(), async {
            let _ = scheduler.await;
        });
        if let Some(sim) = &state.odoo_sim {
            sim.stop().await;
        }
        for sim in state.market_sims.iter() {
            sim.stop().await;
        }
        log::info!("stopped");
        match served {
            Some(Ok(Err(e))) => Err(anyhow!("HTTP server failed: {e}")),
            Some(Err(e)) => Err(anyhow!("HTTP server task failed: {e}")),
            _ => Ok(()),
        }
    }
}

/// The stop signals, listened to from the moment this is made.
struct Signals {
    #[cfg(unix)]
    streams: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Signals {
    fn listen() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let streams = match (
                signal(SignalKind::terminate()),
                signal(SignalKind::interrupt()),
            ) {
                (Ok(term), Ok(int)) => Some((term, int)),
                _ => {
                    log::error!("cannot listen for SIGTERM/SIGINT; stop the hub with SIGKILL");
                    None
                }
            };
            Self { streams }
        }
        #[cfg(not(unix))]
        Self {}
    }
}

async fn stop_on_signal(signals: Signals, shutdown: CancellationToken) {
    #[cfg(unix)]
    {
        let Some((mut term, mut int)) = signals.streams else {
            return;
        };
        tokio::select! {
            _ = term.recv() => log::info!("SIGTERM received"),
            _ = int.recv() => log::info!("SIGINT received"),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = signals;
        let _ = tokio::signal::ctrl_c().await;
        log::info!("Ctrl-C received");
    }
    shutdown.cancel();
    // A second signal while shutting down is answered by the grace periods, not by waiting more.
    tokio::time::sleep(Duration::from_secs(3600)).await;
}
