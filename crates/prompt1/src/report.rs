//! The person-facing commands: install, uninstall, status, report, audit and clarity.
//!
//! Everything here reads prompt1's own data folder (or Claude Code's settings.json for install and
//! uninstall) and prints for a person; nothing here runs inside a Claude Code session.

use crate::collect::load_states;
use crate::errlog;
use crate::install;
use crate::local_coach;
use crate::paths::{claude_config_dirs, claude_settings_file, DataDir};
use crate::timefmt;
use anyhow::{Context, Result};
use prompt1_signals::clarity;
use prompt1_wire::SessionSummary;
use std::io::Write;
use std::path::Path;

/// `prompt1 install`.
pub fn install() -> Result<()> {
    let settings_path = claude_settings_file().context("cannot find Claude Code's settings folder")?;
    let exe = std::env::current_exe().context("cannot find the prompt1 binary's own path")?;
    let mut settings = install::read_settings(&settings_path)?;
    let changed = install::add_hooks(&mut settings, &exe)?;
    if changed {
        install::write_settings(&settings_path, &settings)?;
    }
    let data = DataDir::resolve().context("cannot find a data folder: set PROMPT1_HOME or HOME")?;
    crate::store::ensure_private_dir(data.root())?;
    crate::store::install_key(&data.install_key())?;
    let mut out = std::io::stdout().lock();
    if changed {
        writeln!(out, "prompt1 hooks registered in {}", settings_path.display())?;
        writeln!(
            out,
            "previous settings kept in {}",
            install::backup_path(&settings_path).display()
        )?;
    } else {
        writeln!(
            out,
            "prompt1 hooks already registered in {}",
            settings_path.display()
        )?;
    }
    writeln!(out, "local data: {}", data.root().display())?;
    writeln!(
        out,
        "new Claude Code sessions are now counted; `prompt1 report` shows them"
    )?;
    Ok(())
}

/// `prompt1 uninstall`.
pub fn uninstall() -> Result<()> {
    let mut out = std::io::stdout().lock();
    if let Some(settings_path) = claude_settings_file() {
        let mut settings = install::read_settings(&settings_path)?;
        if install::remove_hooks(&mut settings)? {
            install::write_settings(&settings_path, &settings)?;
            writeln!(out, "prompt1 hooks removed from {}", settings_path.display())?;
        } else {
            writeln!(out, "no prompt1 hooks in {}", settings_path.display())?;
        }
    }
    for config in claude_config_dirs() {
        for dir in install::plugin_data_dirs(&config) {
            std::fs::remove_dir_all(&dir).with_context(|| format!("cannot remove {}", dir.display()))?;
            writeln!(out, "removed plugin data {}", dir.display())?;
        }
    }
    if let Some(data) = DataDir::resolve() {
        if data.device().exists() {
            match crate::remote::revoke_device(data.root()) {
                Ok(()) => writeln!(out, "revoked this machine's server token")?,
                Err(e) => writeln!(
                    out,
                    "could not revoke the server token ({e:#}); revoke it from the web page"
                )?,
            }
        }
        match std::fs::remove_dir_all(data.root()) {
            Ok(()) => writeln!(out, "removed all local data in {}", data.root().display())?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                writeln!(out, "no local data at {}", data.root().display())?
            }
            Err(e) => return Err(e).with_context(|| format!("cannot remove {}", data.root().display())),
        }
    }
    Ok(())
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
        Some(path) => {
            let installed = install::read_settings(&path).map(|s| install::hooks_installed(&s));
            let state = match installed {
                Ok(true) => "installed",
                Ok(false) => "not installed (run `prompt1 install`)",
                Err(_) => "unknown (settings.json is not valid JSON)",
            };
            writeln!(out, "hooks:        {state} in {}", path.display())?;
        }
        None => writeln!(out, "hooks:        no Claude Code settings folder found")?,
    }
    writeln!(out, "data folder:  {}", data.root().display())?;
    let states = load_states(data);
    let open = states
        .iter()
        .filter(|s| s.end_reason == prompt1_wire::EndReason::Open)
        .count();
    writeln!(
        out,
        "sessions:     {} recorded ({} still open)",
        states.len(),
        open
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
    let server = if data.device().exists() {
        "logged in (`prompt1 sync` uploads)"
    } else {
        "not logged in (local only)"
    };
    writeln!(out, "server:       {server}")?;
    let errors = errlog::tail(&data.error_log(), 10);
    if errors.is_empty() {
        writeln!(out, "last errors:  none")?;
    } else {
        writeln!(out, "last errors:")?;
        for line in errors {
            writeln!(out, "  {line}")?;
        }
    }
    Ok(())
}

/// Every recorded summary, newest first.
pub fn load_summaries(data: &DataDir) -> Vec<SessionSummary> {
    let mut all: Vec<SessionSummary> = std::fs::read_dir(data.summaries())
        .map(|d| {
            d.flatten()
                .filter_map(|e| std::fs::read(e.path()).ok())
                .filter_map(|b| serde_json::from_slice(&b).ok())
                .collect()
        })
        .unwrap_or_default();
    all.sort_by(|a, b| {
        b.started_minute
            .cmp(&a.started_minute)
            .then(a.session_key.cmp(&b.session_key))
    });
    all
}

/// `prompt1 report --tokens BY`: the token views of `prompt1 tokens`, over the recorded sessions
/// (each dated by its start day, keyed by its session key).
pub fn token_report(data: &DataDir, by: crate::tokens::GroupBy, json: bool) -> Result<()> {
    let sessions: Vec<(String, Vec<prompt1_signals::summary::TokenRow>)> = load_summaries(data)
        .iter()
        .map(|s| {
            let day = i32::try_from(s.started_minute.div_euclid(24 * 60)).unwrap_or(0);
            let rows = s
                .tokens
                .iter()
                .map(|t| prompt1_signals::summary::TokenRow {
                    day,
                    model: t.model,
                    input: t.input,
                    output: t.output,
                    cache_creation: t.cache_creation,
                    cache_read: t.cache_read,
                })
                .collect();
            (s.session_key.to_hex().to_string(), rows)
        })
        .collect();
    let report =
        crate::tokens::build_report(&sessions, by, None, None, &crate::pricing::Pricing::default(), 0);
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        crate::tokens::print_table(&report, by, &mut out)?;
    }
    Ok(())
}

/// What `prompt1 report --json` prints: the recent sessions, the local score and the tips.
#[derive(serde::Serialize)]
struct ReportJson<'a> {
    /// The most recent sessions, newest first (at most `--limit`).
    sessions: &'a [SessionSummary],
    /// The score over the last 14 days.
    proficiency: &'a prompt1_coach::Proficiency,
    /// At most three tips.
    coaching: &'a [prompt1_coach::Tip],
}

/// `prompt1 report`: the recent sessions, then the proficiency score and coaching tips over the
/// last 14 days ending `today` (a UTC day number), computed here with the coach crate.
pub fn report(data: &DataDir, json: bool, limit: usize, today: i64) -> Result<()> {
    let all = load_summaries(data);
    let coach = local_coach::local_coaching(&all, today);
    let sessions: Vec<SessionSummary> = all.into_iter().take(limit).collect();
    let mut out = std::io::stdout().lock();
    if json {
        let body = ReportJson {
            sessions: &sessions,
            proficiency: &coach.proficiency,
            coaching: &coach.coaching,
        };
        serde_json::to_writer_pretty(&mut out, &body)?;
        writeln!(out)?;
        return Ok(());
    }
    if sessions.is_empty() {
        writeln!(
            out,
            "No sessions recorded yet. Run `prompt1 install`, then use Claude Code as usual."
        )?;
        return Ok(());
    }
    let header = [
        "started (UTC)",
        "active",
        "prompts",
        "clarity",
        "file refs",
        "tools",
        "test/lint/build",
        "verified",
        "edits +/-/auto",
        "tokens in/out",
        "state",
    ];
    let rows: Vec<[String; 11]> = sessions.iter().map(row).collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
    };
    writeln!(out, "{}", line(header.to_vec()).trim_end())?;
    writeln!(
        out,
        "{}",
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("  ")
    )?;
    for r in &rows {
        writeln!(out, "{}", line(r.iter().map(String::as_str).collect()).trim_end())?;
    }
    let prompts: u32 = sessions.iter().map(|s| s.prompts).sum();
    let scored: u32 = sessions.iter().map(|s| s.clarity_scored).sum();
    let sum: u32 = sessions.iter().map(|s| s.clarity_sum).sum();
    writeln!(out)?;
    writeln!(
        out,
        "{} sessions, {} prompts, mean clarity {}",
        sessions.len(),
        prompts,
        if scored > 0 {
            format!("{:.0}", f64::from(sum) / f64::from(scored))
        } else {
            "-".into()
        }
    )?;
    writeln!(out)?;
    local_coach::print(&coach, &mut out)?;
    Ok(())
}

fn row(s: &SessionSummary) -> [String; 11] {
    let clarity = if s.clarity_scored > 0 {
        format!("{:.0}", f64::from(s.clarity_sum) / f64::from(s.clarity_scored))
    } else {
        "-".into()
    };
    let (tin, tout) = s.tokens.iter().fold((0u64, 0u64), |(i, o), t| {
        (i + t.input + t.cache_creation + t.cache_read, o + t.output)
    });
    let e = &s.edits;
    [
        timefmt::minute(s.started_minute),
        format!("{}m{:02}s", s.active_s / 60, s.active_s % 60),
        format!("{} ({} follow-up)", s.prompts, s.follow_ups),
        clarity,
        s.file_refs.to_string(),
        s.tools.total().to_string(),
        format!("{}/{}/{}", s.test_runs, s.lint_runs, s.build_runs),
        format!("{}/{}", s.verified_batches, s.edit_batches),
        format!(
            "{}/{}/{}",
            e.user_accepted,
            e.user_rejected,
            e.auto_allowed + e.auto_denied
        ),
        format!("{}/{}", human(tin), human(tout)),
        if s.is_final {
            s.end_reason.as_str().replace('_', " ")
        } else {
            "open".into()
        },
    ]
}

fn human(n: u64) -> String {
    match n {
        0..=9_999 => n.to_string(),
        10_000..=9_999_999 => format!("{:.1}k", n as f64 / 1e3),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
}

/// `prompt1 audit`: the outbox, byte for byte.
pub fn audit(data: &DataDir, json: bool) -> Result<()> {
    let mut files: Vec<_> = std::fs::read_dir(data.outbox())
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut out = std::io::stdout().lock();
    let bodies: Vec<Vec<u8>> = files.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    if json {
        out.write_all(b"[")?;
        for (i, b) in bodies.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            out.write_all(b)?;
        }
        out.write_all(b"]\n")?;
    } else {
        for b in &bodies {
            out.write_all(b)?;
            out.write_all(b"\n")?;
        }
    }
    Ok(())
}

/// `prompt1 clarity`.
pub fn clarity(prompt: &str, json: bool) -> Result<()> {
    let assessment = clarity::assess(prompt);
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer(&mut out, &assessment)?;
        writeln!(out)?;
    } else {
        writeln!(out, "{}", clarity::describe(&assessment))?;
    }
    Ok(())
}
