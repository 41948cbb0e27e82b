//! Configuration, layered: built-in defaults, then a TOML file (`--config`), then `PROMPT1_*`
//! environment variables (and the conventional `DATABASE_URL`), then command-line flags.
//!
//! Every option has a flag documented in `--help`, a TOML key of the same name (snake_case) and an
//! environment variable `PROMPT1_<NAME>`. Secrets are wrapped in [`Secret`], whose `Debug` prints
//! `[redacted]`, so logging the config never leaks the database password or the signing key.

use clap::Parser;
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;

/// A secret string: shown as `[redacted]` by `Debug`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl Secret {
    /// The secret value.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// The server's effective configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Folder for the embedded SQLite database (default: the platform data directory).
    pub data_dir: Option<PathBuf>,
    /// `postgres://...` selects PostgreSQL instead of SQLite.
    pub database_url: Option<Secret>,
    /// Maximum PostgreSQL connections per server.
    pub pg_max_connections: u32,
    /// Base URL people and clients reach this server at (links, device login); default
    /// `http://<listen>`.
    pub public_url: Option<String>,
    /// Access-token signing key (at least 32 bytes, hex); default: generated once, kept in the
    /// database so replicas share it.
    pub jwt_secret: Option<Secret>,
    /// Access-token lifetime in seconds (at most 900).
    pub access_token_ttl_s: u64,
    /// Largest accepted request body in bytes (larger: 413).
    pub max_body_bytes: usize,
    /// How long a device login code stays valid, in seconds.
    pub device_code_ttl_s: i64,
    /// How often a client should poll for device approval, in seconds.
    pub device_poll_interval_s: i64,
    /// How long an invite link stays valid, in seconds.
    pub invite_ttl_s: i64,
    /// Log format.
    pub log_format: LogFormat,
    /// Print the one-time setup link when no admin exists.
    pub print_setup_link: bool,
    /// How often the server applies data retention, in seconds (0: never; tests call it directly).
    pub retention_interval_s: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: None,
            database_url: None,
            pg_max_connections: 10,
            public_url: None,
            jwt_secret: None,
            access_token_ttl_s: 900,
            max_body_bytes: 1024 * 1024,
            device_code_ttl_s: 600,
            device_poll_interval_s: 5,
            invite_ttl_s: 7 * 24 * 3600,
            log_format: LogFormat::Text,
            print_setup_link: true,
            retention_interval_s: 3600,
        }
    }
}

impl Config {
    /// The base URL for links, without a trailing slash.
    pub fn base_url(&self) -> String {
        match &self.public_url {
            Some(u) => u.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.listen),
        }
    }
}

/// prompt1-server: accounts, organizations, device login and session-summary ingest.
///
/// Runs with no arguments: listens on 127.0.0.1:8080 with a SQLite database in the platform data
/// directory, created and migrated on start. Set DATABASE_URL=postgres://... for PostgreSQL.
/// Every option can also come from the TOML file given by --config (same names, snake_case) or
/// from PROMPT1_<NAME> environment variables; precedence: flag > environment > file > default.
#[derive(Debug, Parser)]
#[command(name = "prompt1-server", version)]
pub struct Cli {
    /// TOML configuration file.
    #[arg(long, env = "PROMPT1_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Folder for the SQLite database [default: the platform data directory, e.g.
    /// ~/.local/share/prompt1-server].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// PostgreSQL URL (also read from DATABASE_URL); unset: SQLite. Use sslmode=verify-full in
    /// production.
    #[arg(long, value_name = "URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Maximum PostgreSQL connections [default: 10].
    #[arg(long, value_name = "N")]
    pub pg_max_connections: Option<u32>,
    /// Public base URL used in links and device login [default: http://<listen>].
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// Access-token signing key, hex, at least 32 bytes [default: generated and stored in the
    /// database]. Prefer PROMPT1_JWT_SECRET over the flag.
    #[arg(long, value_name = "HEX", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Access-token lifetime in seconds, at most 900 [default: 900].
    #[arg(long, value_name = "SECONDS")]
    pub access_token_ttl_s: Option<u64>,
    /// Largest accepted request body in bytes [default: 1048576].
    #[arg(long, value_name = "BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Device login code lifetime in seconds [default: 600].
    #[arg(long, value_name = "SECONDS")]
    pub device_code_ttl_s: Option<i64>,
    /// Device login polling interval in seconds [default: 5].
    #[arg(long, value_name = "SECONDS")]
    pub device_poll_interval_s: Option<i64>,
    /// Invite link lifetime in seconds [default: 604800].
    #[arg(long, value_name = "SECONDS")]
    pub invite_ttl_s: Option<i64>,
    /// Log format [default: text].
    #[arg(long, value_enum)]
    pub log_format: Option<LogFormat>,
    /// Print the one-time setup link on start while no organization exists [default: true].
    #[arg(long, value_name = "BOOL")]
    pub print_setup_link: Option<bool>,
    /// How often data retention runs, in seconds; 0 turns it off [default: 3600].
    #[arg(long, value_name = "SECONDS")]
    pub retention_interval_s: Option<u64>,
    /// Try the product: start on a fresh temporary SQLite database seeded with a demo organization
    /// (three teams, 25 people, 60 days of sessions) and print a member, a manager and an admin
    /// account as `ROLE EMAIL PASSWORD`. Loopback only; refuses a database URL or data folder.
    #[arg(long)]
    pub demo: bool,
}

/// The configuration could not be assembled.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(#[from] Box<figment::Error>);

impl Cli {
    /// Merges defaults, the file, the environment and these flags.
    pub fn resolve(&self) -> Result<Config, ConfigError> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = &self.config {
            fig = fig.merge(Toml::file_exact(path));
        }
        fig = fig
            .merge(Env::raw().only(&["DATABASE_URL"]).map(|_| "database_url".into()))
            .merge(Env::prefixed("PROMPT1_").ignore(&["CONFIG", "HOME"]));
        let mut flags = serde_json::Map::new();
        let mut put = |k: &str, v: Option<serde_json::Value>| {
            if let Some(v) = v {
                flags.insert(k.to_owned(), v);
            }
        };
        put("listen", self.listen.map(|v| v.to_string().into()));
        put(
            "data_dir",
            self.data_dir
                .as_ref()
                .map(|v| v.to_string_lossy().into_owned().into()),
        );
        put("database_url", self.database_url.clone().map(Into::into));
        put("pg_max_connections", self.pg_max_connections.map(Into::into));
        put("public_url", self.public_url.clone().map(Into::into));
        put("jwt_secret", self.jwt_secret.clone().map(Into::into));
        put("access_token_ttl_s", self.access_token_ttl_s.map(Into::into));
        put("max_body_bytes", self.max_body_bytes.map(Into::into));
        put("retention_interval_s", self.retention_interval_s.map(Into::into));
        put("device_code_ttl_s", self.device_code_ttl_s.map(Into::into));
        put(
            "device_poll_interval_s",
            self.device_poll_interval_s.map(Into::into),
        );
        put("invite_ttl_s", self.invite_ttl_s.map(Into::into));
        put("print_setup_link", self.print_setup_link.map(Into::into));
        put(
            "log_format",
            self.log_format.map(|f| match f {
                LogFormat::Text => "text".into(),
                LogFormat::Json => "json".into(),
            }),
        );
        fig = fig.merge(Serialized::defaults(serde_json::Value::Object(flags)));
        fig.extract().map_err(|e| ConfigError(Box::new(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_in_debug() {
        let c = Config {
            database_url: Some(Secret("postgres://u:hunter2@db/x".into())),
            jwt_secret: Some(Secret("00ff".repeat(16))),
            ..Config::default()
        };
        let text = format!("{c:?}");
        assert!(!text.contains("hunter2"));
        assert!(!text.contains("00ff00ff"));
        assert!(text.contains("[redacted]"));
    }

    #[test]
    #[allow(clippy::result_large_err)]
    fn layers_apply_in_order() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "p1.toml",
                "listen = \"127.0.0.1:9000\"\nmax_body_bytes = 10\ninvite_ttl_s = 5\n",
            )?;
            jail.set_env("PROMPT1_MAX_BODY_BYTES", "20");
            jail.set_env("PROMPT1_HOME", "/ignored");
            let cli = Cli::parse_from(["prompt1-server", "--config", "p1.toml", "--invite-ttl-s", "7"]);
            let c = cli.resolve().map_err(|e| e.to_string())?;
            assert_eq!(c.listen.port(), 9000, "file over default");
            assert_eq!(c.max_body_bytes, 20, "env over file");
            assert_eq!(c.invite_ttl_s, 7, "flag over file");
            assert_eq!(c.access_token_ttl_s, 900, "default");
            Ok(())
        });
    }
}
