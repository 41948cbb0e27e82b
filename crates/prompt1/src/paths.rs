//! Where prompt1 keeps its data and where Claude Code keeps its transcripts.
//!
//! prompt1's own data lives in one folder (the platform data directory, `$XDG_DATA_HOME/prompt1` on
//! Linux, or `PROMPT1_HOME`), so that uninstalling can remove all of it with one call. Claude Code's
//! folders are only ever read (transcripts) or edited in place (settings.json, by install/uninstall).

use std::path::{Path, PathBuf};

/// The environment variable that overrides prompt1's data folder.
pub const HOME_ENV: &str = "PROMPT1_HOME";

/// prompt1's data folder and the files in it.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// Resolves the data folder: `PROMPT1_HOME`, else the platform data directory.
    pub fn resolve() -> Option<Self> {
        if let Some(dir) = std::env::var_os(HOME_ENV).filter(|v| !v.is_empty()) {
            return Some(Self {
                root: PathBuf::from(dir),
            });
        }
        let dirs = directories::ProjectDirs::from("", "", "prompt1")?;
        Some(Self {
            root: dirs.data_dir().to_path_buf(),
        })
    }

    /// A data folder at an explicit place (tests).
    #[cfg(test)]
    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The folder itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Per-session collector state (offsets and running counts).
    pub fn sessions(&self) -> PathBuf {
        self.root.join("sessions")
    }

    /// The latest summary of each session (what `report` and `audit` show).
    pub fn summaries(&self) -> PathBuf {
        self.root.join("summaries")
    }

    /// Summaries waiting to be uploaded.
    pub fn outbox(&self) -> PathBuf {
        self.root.join("outbox")
    }

    /// Summaries the server refused (kept, not retried).
    pub fn quarantine(&self) -> PathBuf {
        self.root.join("quarantine")
    }

    /// Lock files.
    pub fn locks(&self) -> PathBuf {
        self.root.join("locks")
    }

    /// The per-install secret that keys session ids.
    pub fn install_key(&self) -> PathBuf {
        self.root.join("install.key")
    }

    /// The size-capped error log.
    pub fn error_log(&self) -> PathBuf {
        self.root.join("errors.log")
    }

    /// The device credentials from `prompt1 login`.
    pub fn device(&self) -> PathBuf {
        self.root.join("device.json")
    }
}

/// The user's home folder, if known.
pub fn home_dir() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf())
}

/// Claude Code's configuration folders, in order: each entry of `CLAUDE_CONFIG_DIR` (a list
/// separated by commas or the platform's path separator), else `~/.claude`.
pub fn claude_config_dirs() -> Vec<PathBuf> {
    if let Some(value) = std::env::var_os("CLAUDE_CONFIG_DIR").filter(|v| !v.is_empty()) {
        let text = value.to_string_lossy().into_owned();
        let dirs: Vec<PathBuf> = text
            .split([',', ':'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
            .collect();
        if !dirs.is_empty() {
            return dirs;
        }
    }
    home_dir().map(|h| vec![h.join(".claude")]).unwrap_or_default()
}

/// The settings file `install` edits: the first config folder's `settings.json`.
pub fn claude_settings_file() -> Option<PathBuf> {
    claude_config_dirs()
        .into_iter()
        .next()
        .map(|d| d.join("settings.json"))
}
