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
             database: {db}\n\
             Stop it with Ctrl-C. Set mode = \"live\" and the [odoo] settings to connect a real Odoo.\n",
                env!("CARGO_PKG_VERSION")
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
