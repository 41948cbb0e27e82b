//! `prompt1 status`: is prompt1 working, and if not, why.
//!
//! The person runs it when numbers look wrong, so it must tell the truth about every fault that
//! stops counting: which install route registered the hooks (settings.json or the plugin), whether
//! the data folder can still be written (a read-only file system or a full disk stop the collector,
//! and also stop it from logging there: those faults are probed here directly and read from the
//! fallback log), the last errors with their time, how many transcript lines could not be read,
//! and where this machine is signed in. Running it also finalizes sessions idle past the
//! documented time, as every command does.

use crate::collect::{load_states, IDLE_FINALIZE_SECS};
use crate::errlog::{self, ErrorKind};
use crate::install;
use crate::paths::{claude_settings_file, DataDir};
use anyhow::Result;
use prompt1_wire::EndReason;
use std::io::Write;
use std::path::Path;

/// How the hooks are registered in the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routes {
    /// `prompt1 install`'s entries in settings.json.
    pub settings_hooks: bool,
    /// The plugin, enabled in settings.json under this name (`prompt1@<marketplace>`).
    pub plugin: Option<String>,
}

/// The install routes found in a settings value.
pub fn routes(settings: &serde_json::Value) -> Routes {
    let plugin = settings["enabledPlugins"].as_object().and_then(|plugins| {
        plugins
            .iter()
            .find(|(name, on)| {
                (name.as_str() == "prompt1" || name.starts_with("prompt1@")) && on.as_bool() == Some(true)
            })
            .map(|(name, _)| name.clone())
    });
    Routes {
        settings_hooks: install::hooks_installed(settings),
        plugin,
    }
}

/// Whether `data`'s folder can be written now: `Err` with the failure's category when not.
pub fn probe_writable(data: &DataDir) -> Result<(), ErrorKind> {
    let write = || -> std::io::Result<()> {
        crate::store::ensure_private_dir(data.root())?;
        let probe = data.root().join(format!(".status-probe.{}", std::process::id()));
        let result = std::fs::write(&probe, b"probe\n");
        let _ = std::fs::remove_file(&probe);
        result
    };
    write().map_err(|e| ErrorKind::of_write(&e))
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| {
            std::fs::metadata(dir.join(program)).is_ok_and(|m| {
                m.is_file() && std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o111 != 0
            })
        })
    })
}

fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
                .count()
        })
        .unwrap_or(0)
}

/// `prompt1 status`.
pub fn status(data: &DataDir) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match claude_settings_file() {
        Some(path) => match install::read_settings(&path).map(|s| routes(&s)) {
            Ok(r) => {
                let mut found = Vec::new();
                if r.settings_hooks {
                    found.push(format!("installed in {} (`prompt1 install`)", path.display()));
                }
                if let Some(name) = &r.plugin {
                    let binary = if on_path("prompt1") {
                        String::new()
                    } else {
                        "; but `prompt1` is not on PATH, so its hooks do nothing".to_owned()
                    };
                    found.push(format!("installed as the Claude Code plugin {name}{binary}"));
                }
                if found.is_empty() {
                    writeln!(
                        out,
                        "hooks:        not installed in {} (run `prompt1 install`, or install the plugin)",
                        path.display()
                    )?;
                }
                for line in found {
                    writeln!(out, "hooks:        {line}")?;
                }
            }
            Err(_) => writeln!(
                out,
                "hooks:        unknown ({} is not valid JSON)",
                path.display()
            )?,
        },
        None => writeln!(out, "hooks:        no Claude Code settings folder found")?,
    }
    let exists = data.root().exists();
    // A folder not created yet is not probed (that would create it): nothing ran here yet.
    let writable = if exists { probe_writable(data) } else { Ok(()) };
    match writable {
        Ok(()) if !exists => writeln!(
            out,
            "data folder:  {} (not created yet: nothing recorded)",
            data.root().display()
        )?,
        Ok(()) => writeln!(out, "data folder:  {}", data.root().display())?,
        Err(kind) => writeln!(
            out,
            "data folder:  {} -- CANNOT BE WRITTEN: {}; nothing is counted until this is fixed",
            data.root().display(),
            ErrorKind::describe(kind.as_str())
        )?,
    }
    let finalized = if exists && writable.is_ok() {
        crate::collect::sweep_idle(data, crate::timefmt::now_secs(), IDLE_FINALIZE_SECS)
    } else {
        0
    };
    let states = load_states(data);
    let open = states.iter().filter(|s| s.end_reason == EndReason::Open).count();
    writeln!(
        out,
        "sessions:     {} recorded ({} still open; {} idle over {} h finalized now)",
        states.len(),
        open,
        finalized,
        IDLE_FINALIZE_SECS / 3600
    )?;
    let skipped: u64 = states.iter().map(|s| s.malformed_lines()).sum();
    let in_sessions = states.iter().filter(|s| s.malformed_lines() > 0).count();
    writeln!(
        out,
        "skipped:      {skipped} malformed transcript lines (in {in_sessions} sessions)"
    )?;
    writeln!(
        out,
        "pending:      {} summaries waiting for upload",
        count_files(&data.outbox())
    )?;
    let quarantined = count_files(&data.quarantine());
    if quarantined > 0 {
        writeln!(
            out,
            "quarantined:  {quarantined} summaries refused by the server (kept, not retried)"
        )?;
    }
    match crate::remote::signed_in(data.root()) {
        Some(who) => writeln!(out, "server:       signed in to {who} (`prompt1 sync` uploads)")?,
        None if data.device().exists() => writeln!(
            out,
            "server:       device.json is damaged; run `prompt1 login URL` again"
        )?,
        None => writeln!(
            out,
            "server:       not signed in (local only; `prompt1 login URL`)"
        )?,
    }
    let errors = errlog::tail_all(&data.error_log(), 10);
    if errors.is_empty() {
        writeln!(out, "last errors:  none")?;
    } else {
        writeln!(out, "last errors (UTC):")?;
        for line in errors {
            let (time, kind) = line.split_once(' ').unwrap_or(("", line.as_str()));
            let what = ErrorKind::describe(kind);
            writeln!(
                out,
                "  {} {kind}: {what}",
                time.replace('T', " ").trim_end_matches('Z')
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_install_routes_are_recognised() {
        let none = routes(&json!({"enabledPlugins": {"prompt1@prompt1": false, "other@x": true}}));
        assert_eq!(
            none,
            Routes {
                settings_hooks: false,
                plugin: None
            }
        );
        let plugin = routes(&json!({"enabledPlugins": {"prompt1@team-market": true}}));
        assert_eq!(plugin.plugin.as_deref(), Some("prompt1@team-market"));
        assert!(!plugin.settings_hooks);
        let mut both = json!({"enabledPlugins": {"prompt1@prompt1": true}});
        install::add_hooks(&mut both, Path::new("/usr/bin/prompt1")).unwrap();
        let r = routes(&both);
        assert!(r.settings_hooks);
        assert_eq!(r.plugin.as_deref(), Some("prompt1@prompt1"));
    }
}
