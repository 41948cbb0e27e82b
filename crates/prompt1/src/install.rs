//! `prompt1 install` / `prompt1 uninstall`: prompt1's hook entries in Claude Code's settings.json.
//!
//! The settings file belongs to the person: it holds their other hooks, permissions, and often
//! secrets in `env`. So both commands edit it surgically: parse it (refusing to touch a file that is
//! not valid JSON), add or remove exactly the entries whose command is `<path>/prompt1 hook EVENT`,
//! keep every other key in its order, write it atomically with its permissions unchanged, and leave a
//! backup of the previous version beside it (never in prompt1's data folder, which uninstall deletes).
//! Both are idempotent: running either twice gives the same file as running it once.

use anyhow::{bail, Context, Result};
use serde_json::{json, Map, Value};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The events prompt1 registers, and whether each is registered `async`.
///
/// Stop, SubagentStop and SessionStart run async: the client does not even wait the millisecond the
/// hook takes. SessionEnd runs synchronously: the client cancels async hooks still running when a
/// session ends, and this hook only starts the collector, so waiting for it costs ~1 ms at exit.
/// Nothing depends on a hook completing: the collector reads the transcript, so a cancelled or
/// reordered hook only delays counting until the next trigger (or the idle sweep).
pub const EVENTS: [(&str, bool); 4] = [
    ("SessionStart", true),
    ("Stop", true),
    ("SubagentStop", true),
    ("SessionEnd", false),
];

/// The hook's timeout in the client, seconds (the hook itself returns in milliseconds).
pub const HOOK_TIMEOUT_S: u64 = 10;

/// Name of the backup written beside settings.json before each change.
pub const BACKUP_SUFFIX: &str = "prompt1-backup";

/// Whether a hook command is one of prompt1's: `<path>/prompt1 hook EVENT` (what older versions
/// wrote), or the guarded form [`hook_command`] writes and the plugin uses,
/// `command -v <path>/prompt1 ... && exec <path>/prompt1 hook EVENT; exit 0`. The words are read as
/// the shell reads them, so a path with spaces or quotes is recognized too.
pub fn is_prompt1_command(command: &str) -> bool {
    let words = shell_words(command, 12);
    let is_prompt1 =
        |w: Option<&String>| w.is_some_and(|w| Path::new(w).file_name().is_some_and(|n| n == "prompt1"));
    let is_hook = |w: Option<&String>| w.is_some_and(|w| w == "hook");
    if is_prompt1(words.first()) && is_hook(words.get(1)) {
        return true;
    }
    let guarded = words.first().is_some_and(|w| w == "command")
        && words.get(1).is_some_and(|w| w == "-v")
        && is_prompt1(words.get(2));
    guarded
        && words
            .iter()
            .position(|w| w == "exec")
            .is_some_and(|i| is_prompt1(words.get(i + 1)) && is_hook(words.get(i + 2)))
}

/// The first `max` words of a shell command line, unquoted as a POSIX shell does it (single quotes,
/// double quotes, backslashes; no expansions).
fn shell_words(command: &str, max: usize) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if let Some(w) = word.take() {
                    words.push(w);
                    if words.len() == max {
                        return words;
                    }
                }
            }
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                w.extend(chars.by_ref().take_while(|&c| c != '\''));
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some(n @ ('"' | '\\' | '$' | '`')) => w.push(n),
                            Some(n) => {
                                w.push('\\');
                                w.push(n);
                            }
                            None => w.push('\\'),
                        },
                        c => w.push(c),
                    }
                }
            }
            '\\' => {
                let w = word.get_or_insert_with(String::new);
                if let Some(n) = chars.next() {
                    w.push(n);
                }
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

/// The command line registered for `event`, running the binary at `exe`. Guarded like the
/// plugin's hooks: when the binary is gone (removed without `prompt1 uninstall`), the command does
/// nothing, prints nothing and exits 0, so the client shows no "not found" at every event.
pub fn hook_command(exe: &Path, event: &str) -> String {
    let path = exe.to_string_lossy().replace('\'', r"'\''");
    format!("command -v '{path}' >/dev/null 2>&1 && exec '{path}' hook {event}; exit 0")
}

/// Adds prompt1's hooks to `settings` (replacing older entries of ours). Returns whether it changed.
pub fn add_hooks(settings: &mut Value, exe: &Path) -> Result<bool> {
    let before = settings.clone();
    // Only our hook entries: the plugin route, if enabled, stays enabled.
    remove_hook_entries(settings)?;
    let root = settings
        .as_object_mut()
        .context("settings.json is not a JSON object")?;
    let hooks = root.entry("hooks").or_insert_with(|| Value::Object(Map::new()));
    let hooks = hooks
        .as_object_mut()
        .context("`hooks` in settings.json is not an object")?;
    for (event, is_async) in EVENTS {
        let mut entry =
            json!({"type": "command", "command": hook_command(exe, event), "timeout": HOOK_TIMEOUT_S});
        if is_async {
            entry["async"] = Value::Bool(true);
        }
        let groups = hooks.entry(event).or_insert_with(|| Value::Array(Vec::new()));
        let groups = groups
            .as_array_mut()
            .with_context(|| format!("`hooks.{event}` is not a list"))?;
        groups.push(json!({"hooks": [entry]}));
    }
    Ok(*settings != before)
}

/// Removes every prompt1 hook and the plugin's `enabledPlugins` entry from `settings`, keeping
/// everything else. Returns whether it changed.
pub fn remove_hooks(settings: &mut Value) -> Result<bool> {
    let mut changed = remove_hook_entries(settings)?;
    let root = settings
        .as_object_mut()
        .context("settings.json is not a JSON object")?;
    if let Some(plugins) = root.get_mut("enabledPlugins").and_then(Value::as_object_mut) {
        let len = plugins.len();
        plugins.retain(|name, _| !is_prompt1_plugin(name));
        changed |= plugins.len() != len;
        if plugins.is_empty() && len > 0 {
            root.remove("enabledPlugins");
        }
    }
    Ok(changed)
}

/// Removes prompt1's entries from `hooks` (not the plugin). Returns whether it changed.
fn remove_hook_entries(settings: &mut Value) -> Result<bool> {
    let root = settings
        .as_object_mut()
        .context("settings.json is not a JSON object")?;
    let mut changed = false;
    if let Some(hooks) = root.get_mut("hooks").and_then(Value::as_object_mut) {
        for groups in hooks.values_mut() {
            let Some(groups) = groups.as_array_mut() else {
                continue;
            };
            for group in groups.iter_mut() {
                let Some(list) = group.get_mut("hooks").and_then(Value::as_array_mut) else {
                    continue;
                };
                let len = list.len();
                list.retain(|h| {
                    !h.get("command")
                        .and_then(Value::as_str)
                        .is_some_and(is_prompt1_command)
                });
                changed |= list.len() != len;
            }
            let len = groups.len();
            groups.retain(|g| {
                g.get("hooks")
                    .and_then(Value::as_array)
                    .is_none_or(|l| !l.is_empty())
            });
            changed |= groups.len() != len;
        }
        let len = hooks.len();
        hooks.retain(|_, groups| groups.as_array().is_none_or(|g| !g.is_empty()));
        changed |= hooks.len() != len;
        if hooks.is_empty() && changed {
            root.remove("hooks");
        }
    }
    Ok(changed)
}

/// `prompt1@<marketplace>`, the plugin route's key in `enabledPlugins`.
fn is_prompt1_plugin(name: &str) -> bool {
    name == "prompt1" || name.starts_with("prompt1@")
}

/// Reads settings.json (an absent or empty file is `{}`); refuses a file that is not a JSON object.
pub fn read_settings(path: &Path) -> Result<Value> {
    match std::fs::read(path) {
        Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Ok(json!({})),
        Ok(bytes) => {
            let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
                anyhow::anyhow!(
                    "{} is not valid JSON (line {}, column {}); fix it first, prompt1 will not overwrite it",
                    path.display(),
                    e.line(),
                    e.column()
                )
            })?;
            if !value.is_object() {
                bail!(
                    "{} is not a JSON object; prompt1 will not overwrite it",
                    path.display()
                );
            }
            Ok(value)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(json!({})),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Writes settings.json atomically, keeping its permissions, after copying the old file to the
/// backup beside it (with the same permissions). Returns the backup's path, or `None` when there
/// was no file to back up.
pub fn write_settings(path: &Path, value: &Value) -> Result<Option<PathBuf>> {
    let dir = path.parent().context("settings.json has no folder")?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mode = std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o777)
        .ok();
    let backup = match mode {
        Some(mode) => {
            let backup = backup_path(path);
            std::fs::copy(path, &backup).with_context(|| format!("cannot write {}", backup.display()))?;
            std::fs::set_permissions(&backup, std::fs::Permissions::from_mode(mode))?;
            Some(backup)
        }
        None => None,
    };
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    crate::store::write_atomic_mode(path, text.as_bytes(), mode.unwrap_or(0o644))
        .with_context(|| format!("cannot write {}", path.display()))?;
    if let Some(mode) = mode {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    Ok(backup)
}

/// Whether uninstall should delete the settings file rather than leave `after` (the file without
/// prompt1's hooks) in its place: `after` is empty and the file was prompt1's own, that is there is
/// no backup (install created it) or the backup holds nothing but prompt1's hooks.
pub fn created_by_install(settings: &Path, after: &Value) -> bool {
    if after.as_object().is_none_or(|o| !o.is_empty()) {
        return false;
    }
    match read_settings(&backup_path(settings)) {
        Err(_) => false,
        Ok(mut backup) if std::fs::exists(backup_path(settings)).unwrap_or(false) => {
            remove_hooks(&mut backup).unwrap_or(false) && backup.as_object().is_some_and(|o| o.is_empty())
        }
        Ok(_) => true,
    }
}

/// Where the backup of `settings` goes.
pub fn backup_path(settings: &Path) -> PathBuf {
    let mut name = settings.file_name().unwrap_or_default().to_os_string();
    name.push(".");
    name.push(BACKUP_SUFFIX);
    settings.with_file_name(name)
}

/// Whether prompt1's hooks are registered in `settings` (all four events).
pub fn hooks_installed(settings: &Value) -> bool {
    EVENTS.iter().all(|(event, _)| {
        settings["hooks"][event].as_array().is_some_and(|groups| {
            groups.iter().any(|g| {
                g["hooks"].as_array().is_some_and(|l| {
                    l.iter()
                        .any(|h| h["command"].as_str().is_some_and(is_prompt1_command))
                })
            })
        })
    })
}

/// The plugin route's data folders (`<config>/plugins/data/prompt1*`).
pub fn plugin_data_dirs(config_dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(config_dir.join("plugins").join("data")) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name == "prompt1" || name.starts_with("prompt1-") || name.starts_with("prompt1@")
        })
        .map(|e| e.path())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn foreign() -> Value {
        json!({
            "env": {"SECRET_TOKEN": "s3cr3t"},
            "permissions": {"allow": ["Bash(ls)"]},
            "hooks": {
                "Stop": [{"matcher": "", "hooks": [{"type": "command", "command": "/usr/bin/notify-send done"}]}],
                "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "~/bin/guard"}]}]
            },
            "enabledPlugins": {"other@market": true, "prompt1@prompt1": true}
        })
    }

    #[test]
    fn install_is_idempotent_and_keeps_foreign_hooks() {
        let exe = Path::new("/opt/it's here/prompt1");
        let mut s = foreign();
        assert!(add_hooks(&mut s, exe).unwrap());
        let once = s.clone();
        assert!(!add_hooks(&mut s, exe).unwrap());
        assert_eq!(s, once);
        assert!(hooks_installed(&s));
        assert_eq!(s["hooks"]["Stop"].as_array().unwrap().len(), 2);
        assert_eq!(
            s["hooks"]["Stop"][0]["hooks"][0]["command"],
            "/usr/bin/notify-send done"
        );
        assert_eq!(
            s["hooks"]["SessionEnd"][0]["hooks"][0]["command"],
            "command -v '/opt/it'\\''s here/prompt1' >/dev/null 2>&1 && exec '/opt/it'\\''s here/prompt1' hook SessionEnd; exit 0"
        );
        assert!(s["hooks"]["SessionEnd"][0]["hooks"][0].get("async").is_none());
        assert_eq!(s["hooks"]["Stop"][1]["hooks"][0]["async"], true);
        assert_eq!(s["env"]["SECRET_TOKEN"], "s3cr3t");
        assert_eq!(
            s["enabledPlugins"]["prompt1@prompt1"], true,
            "the plugin route stays"
        );
    }

    #[test]
    fn uninstall_removes_exactly_ours() {
        let mut s = foreign();
        add_hooks(&mut s, Path::new("/usr/local/bin/prompt1")).unwrap();
        assert!(remove_hooks(&mut s).unwrap());
        let mut want = foreign();
        want["enabledPlugins"]
            .as_object_mut()
            .unwrap()
            .remove("prompt1@prompt1");
        assert_eq!(s, want);
        assert!(!remove_hooks(&mut s).unwrap());
        assert!(!hooks_installed(&s));
    }

    #[test]
    fn the_hook_command_is_silent_and_succeeds_when_the_binary_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("it's gone/prompt1");
        let sh = |command: &str| {
            std::process::Command::new("sh")
                .args(["-c", command])
                .stdin(std::process::Stdio::null())
                .output()
                .unwrap()
        };
        for (event, _) in EVENTS {
            let command = hook_command(&exe, event);
            assert!(is_prompt1_command(&command), "{command}");
            let out = sh(&command);
            assert_eq!(out.status.code(), Some(0), "{command}");
            assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{out:?}");
        }
        // With the binary there, the command runs it with exactly `hook EVENT`.
        std::fs::create_dir_all(exe.parent().unwrap()).unwrap();
        let seen = dir.path().join("argv");
        std::fs::write(&exe, format!("#!/bin/sh\necho \"$@\" > '{}'\n", seen.display())).unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        let out = sh(&hook_command(&exe, "Stop"));
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(std::fs::read_to_string(&seen).unwrap(), "hook Stop\n");
    }

    #[test]
    fn recognizes_only_our_commands() {
        assert!(is_prompt1_command("'/home/u/.cargo/bin/prompt1' hook Stop"));
        assert!(is_prompt1_command("prompt1 hook SessionEnd"));
        assert!(!is_prompt1_command("/usr/bin/prompt1-other hook Stop"));
        assert!(!is_prompt1_command("echo prompt1 hook"));
        assert!(!is_prompt1_command("/bin/prompt1 status"));
        // what `hook_command` writes for a path with spaces and quotes, and other shell spellings
        let odd = Path::new("/Users/Jo O'Brien/my tools/prompt1");
        assert!(is_prompt1_command(&hook_command(odd, "Stop")));
        assert!(is_prompt1_command(r#""/opt/my tools/prompt1" hook Stop"#));
        assert!(is_prompt1_command(r"/opt/my\ tools/prompt1 hook Stop"));
        assert!(!is_prompt1_command("'/opt/my tools/prompt1 hook' Stop"));
        // the guarded form (install's, the plugin's), and guards around something else
        assert!(is_prompt1_command(
            "command -v prompt1 >/dev/null 2>&1 && exec prompt1 hook Stop; exit 0"
        ));
        assert!(!is_prompt1_command(
            "command -v prompt1 >/dev/null 2>&1 && exec other hook Stop; exit 0"
        ));
        assert!(!is_prompt1_command(
            "command -v prompt1 >/dev/null 2>&1 && exec prompt1 status; exit 0"
        ));
        assert_eq!(shell_words(r#"a'b c'"d\"e" f\ g h"#, 9), ["ab cd\"e", "f g", "h"]);
    }

    #[test]
    fn refuses_to_edit_invalid_settings_and_backs_up_with_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("settings.json");
        std::fs::write(&p, "{ not json").unwrap();
        assert!(read_settings(&p).is_err());
        std::fs::write(&p, r#"{"env":{"K":"v"}}"#).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        let mut v = read_settings(&p).unwrap();
        add_hooks(&mut v, Path::new("/bin/prompt1")).unwrap();
        write_settings(&p, &v).unwrap();
        let backup = backup_path(&p);
        assert_eq!(std::fs::read_to_string(&backup).unwrap(), r#"{"env":{"K":"v"}}"#);
        assert_eq!(
            std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        assert!(hooks_installed(&read_settings(&p).unwrap()));
    }
}
