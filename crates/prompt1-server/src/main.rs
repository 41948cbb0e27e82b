//! `prompt1-server`: parses the layered configuration, starts logging, opens and migrates the
//! database, prints the one-time setup link on a fresh install, and serves until SIGINT/SIGTERM,
//! finishing in-flight requests before it exits.

use anyhow::Context;
use clap::Parser;
use prompt1_server::config::{Cli, LogFormat};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let cfg = cli.resolve()?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("PROMPT1_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    match cfg.log_format {
        LogFormat::Json => tracing_subscriber::fmt().json().with_env_filter(filter).init(),
        LogFormat::Text => tracing_subscriber::fmt().with_env_filter(filter).init(),
    }
    let listen = cfg.listen;
    let print_setup = cfg.print_setup_link && !cli.demo;
    // Demo mode: the temporary folder lives (and the database with it) until the server stops.
    let (state, _demo_dir, demo) = if cli.demo {
        let (state, dir, demo) = prompt1_server::demo::start(cfg, prompt1_server::app)
            .await
            .context("starting prompt1-server --demo")?;
        (state, Some(dir), Some(demo))
    } else {
        let state = prompt1_server::build_state(cfg)
            .await
            .context("starting prompt1-server")?;
        (state, None, None)
    };
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    tracing::info!(addr = %listener.local_addr()?, backend = ?state.db.backend(), "listening");
    if let Some(demo) = &demo {
        // Printed to stdout once the port is bound: `ROLE EMAIL PASSWORD`, one account a line.
        tracing::info!(
            sessions = demo.sessions,
            members = demo.members,
            "demo organization seeded on a temporary database"
        );
        for account in &demo.accounts {
            println!("{}", account.line());
        }
    }
    if print_setup {
        if let Some(link) = prompt1_server::setup_link(&state).await? {
            // Printed once to stdout (not the log): whoever runs the server sets up the first admin.
            println!("prompt1-server: no organization yet. Open this one-time link to create it:\n  {link}");
        }
    }
    prompt1_server::serve(listener, state, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing in-flight requests");
}
