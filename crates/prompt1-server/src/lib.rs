//! prompt1-server: accounts, organizations and teams, device login, and idempotent ingest of
//! session summaries, on SQLite (embedded default) or PostgreSQL (production).
//!
//! The server keeps no state outside the database (the signing key too lives there unless given in
//! the config), so identical replicas can run behind a load balancer on one PostgreSQL.
//! See DESIGN.md for the promises this crate makes true and `schema` for the tables.
//!
//! This root only declares the modules and wires the application together. The modules read
//! top-down, each importing only from those listed after it:
//! `demo` (seeds a demo organization through the application it is handed) ->
//! routers (`web`, `api`) -> flows and views (`orgs`, `ingest`, `org_settings`, `retention`, `me`,
//! `team_overview`, `account`, `admin_views`, `lookups`, over `tallies` and `pricing`) ->
//! `policy` (every access decision) -> `auth` (verified principals) -> `state` (shared state) ->
//! `keys`, `password`, `audit` -> `db` (storage, the `run!`/`exec!` query macros), `schema` ->
//! `ids`, `clock`, `config`, `error`, `extract`.

pub mod account;
pub mod admin_views;
pub mod api;
pub mod audit;
pub mod auth;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod extract;
pub mod ids;
pub mod ingest;
pub mod keys;
pub mod lookups;
pub mod me;
pub mod org_settings;
pub mod orgs;
pub mod password;
pub mod policy;
pub mod pricing;
pub mod retention;
pub mod schema;
pub mod state;
pub mod tallies;
pub mod team_overview;
pub mod web;

pub use orgs::setup_link;
pub use state::{build_state, build_state_with_clock, AppState, StartError};

use axum::Router;

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(web::routes())
        .nest("/api/v1", api::routes())
        .merge(api::ops_routes())
        .fallback(web::errors::fallback)
        .method_not_allowed_fallback(web::errors::method_not_allowed)
        .layer(axum::middleware::from_fn(api::track))
        .layer(axum::middleware::from_fn(audit::with_address))
        .layer(axum::extract::DefaultBodyLimit::max(state.cfg.max_body_bytes))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .layer(axum::middleware::from_fn(web::errors::html_errors))
        .with_state(state)
}

/// Serves until `shutdown` resolves, then finishes in-flight requests and closes the pool. Data
/// retention runs alongside, every `retention_interval_s` (unless 0).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let db = state.db.clone();
    let retention = (state.cfg.retention_interval_s > 0).then(|| {
        retention::spawn(
            state.clone(),
            std::time::Duration::from_secs(state.cfg.retention_interval_s),
        )
    });
    let service = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let result = axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await;
    if let Some(task) = retention {
        task.abort();
    }
    db.close().await;
    result
}
