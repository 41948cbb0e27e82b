//! prompt1-server: accounts, organizations and teams, device login, and idempotent ingest of
//! session summaries, on SQLite (embedded default) or PostgreSQL (production).
//!
//! The server keeps no state outside the database (the signing key too lives there unless given in
//! the config), so identical replicas can run behind a load balancer on one PostgreSQL.
//! See DESIGN.md for the promises this crate makes true and `schema` for the tables.

pub mod api;
pub mod auth;
pub mod config;
pub mod db;
pub mod error;
pub mod ingest;
pub mod orgs;
pub mod schema;
pub mod web;

use crate::config::Config;
use crate::db::Db;
use axum::Router;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::{Arc, OnceLock};

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Shared state of every request.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// Signing keys.
    pub keys: auth::Keys,
    /// Effective configuration.
    pub cfg: Arc<Config>,
    /// Prometheus exposition.
    pub metrics: PrometheusHandle,
}

/// The server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Database failure.
    #[error(transparent)]
    Db(#[from] db::DbError),
    /// Bad configuration.
    #[error("{0}")]
    Config(String),
    /// Filesystem failure.
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
}

fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // A second install (another server in the same test process) keeps the first recorder.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// The default data folder of the server (platform data directory).
pub fn default_data_dir() -> Option<std::path::PathBuf> {
    directories::ProjectDirs::from("", "", "prompt1-server").map(|d| d.data_dir().to_path_buf())
}

/// Opens and migrates the database named by `cfg`, loads the keys, and prints the setup link if no
/// admin exists yet.
pub async fn build_state(cfg: Config) -> Result<AppState, StartError> {
    let db = match cfg.database_url.as_ref().map(|s| s.expose().to_owned()) {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Db::open_postgres(&url, cfg.pg_max_connections).await?
        }
        Some(url) if url.starts_with("sqlite:") => {
            let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
            Db::open_sqlite(std::path::Path::new(path)).await?
        }
        Some(_) => {
            return Err(StartError::Config(
                "database_url must be postgres://... or sqlite:PATH".into(),
            ))
        }
        None => {
            let dir = cfg
                .data_dir
                .clone()
                .or_else(default_data_dir)
                .ok_or_else(|| StartError::Config("no data directory; pass --data-dir".into()))?;
            std::fs::create_dir_all(&dir).map_err(|e| StartError::Io(dir.display().to_string(), e))?;
            Db::open_sqlite(&dir.join("prompt1.db")).await?
        }
    };
    db.migrate().await?;
    let secret = match &cfg.jwt_secret {
        Some(s) => {
            hex::decode(s.expose()).map_err(|_| StartError::Config("jwt_secret must be hex".into()))?
        }
        None => orgs::stored_secret(&db).await?,
    };
    let keys = auth::Keys::new(&secret, &cfg.base_url(), cfg.access_token_ttl_s)
        .map_err(|_| StartError::Config("jwt_secret must be at least 32 bytes".into()))?;
    auth::warm_up();
    Ok(AppState {
        db,
        keys,
        cfg: Arc::new(cfg),
        metrics: metrics_handle(),
    })
}

/// If no organization has been set up yet, makes a fresh one-time setup link (any older one stops
/// working) and returns it.
pub async fn setup_link(state: &AppState) -> Result<Option<String>, StartError> {
    Ok(orgs::new_setup_token(&state.db)
        .await?
        .map(|t| format!("{}/setup?token={t}", state.cfg.base_url())))
}

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(web::routes())
        .nest("/api/v1", api::routes())
        .merge(api::ops_routes())
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(axum::middleware::from_fn(api::track))
        .layer(axum::extract::DefaultBodyLimit::max(state.cfg.max_body_bytes))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves until `shutdown` resolves, then finishes in-flight requests and closes the pool.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let db = state.db.clone();
    let result = axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await;
    db.close().await;
    result
}
