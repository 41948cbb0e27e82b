//! The state every request shares, and how it is built from the configuration.
//!
//! Why a module of its own: every layer above (auth extractors, flows, routers) reads the state,
//! so it must sit below them all and depend only on storage, keys, the clock and the config;
//! nothing here imports from the routers or the crate root.

use crate::clock::Clock;
use crate::config::Config;
use crate::db::{Db, DbError};
use crate::keys::{self, Keys};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::{Arc, OnceLock};

/// Shared state of every request.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// Signing keys.
    pub keys: Keys,
    /// Effective configuration.
    pub cfg: Arc<Config>,
    /// Prometheus exposition.
    pub metrics: PrometheusHandle,
    /// The time every rule reads (system clock in production, fixed in tests and the demo).
    pub clock: Clock,
}

impl AppState {
    /// Seconds since the Unix epoch, by this state's clock.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }
}

/// The server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Database failure.
    #[error(transparent)]
    Db(#[from] DbError),
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

/// Opens and migrates the database named by `cfg` and loads the keys, on the system clock.
pub async fn build_state(cfg: Config) -> Result<AppState, StartError> {
    build_state_with_clock(cfg, Clock::system()).await
}

/// Like [`build_state`] with a given clock (tests and the demo fix the time).
pub async fn build_state_with_clock(cfg: Config, clock: Clock) -> Result<AppState, StartError> {
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
        None => keys::stored_secret(&db).await?,
    };
    let keys = Keys::new(&secret, &cfg.base_url(), cfg.access_token_ttl_s)
        .map_err(|_| StartError::Config("jwt_secret must be at least 32 bytes".into()))?;
    crate::password::warm_up_dummy_hash();
    Ok(AppState {
        db,
        keys,
        cfg: Arc::new(cfg),
        metrics: metrics_handle(),
        clock,
    })
}
