//! The prompt1 client: Claude Code hooks, local collection, install/uninstall and local reports.
//!
//! `prompt1 hook` is on the client's path and is dispatched before anything else is set up (no
//! argument parser, no allocation beyond reading stdin), so it costs about as much as starting any
//! process. Every other command is for the person or runs detached from the session.

mod collect;
mod errlog;
mod hook;
mod import;
mod install;
mod local_coach;
mod paths;
mod pricing;
mod remote;
mod report;
mod store;
mod timefmt;
mod tokens;
mod transcripts;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use paths::DataDir;
use prompt1_wire::EndReason;
use std::io::{Read, Write};

#[derive(Parser)]
#[command(
    name = "prompt1",
    version,
    about = "Coaching signals from your Claude Code sessions, computed on your machine."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run as a Claude Code hook (reads the event on stdin; prints nothing, always exits 0).
    Hook {
        /// The hook event (SessionStart, Stop, SubagentStop, SessionEnd).
        event: Option<String>,
    },
    /// Read a session's transcript from where it was left and update its summary.
    Collect {
        /// The client's session id.
        #[arg(long)]
        session: Option<String>,
        /// The session ended, for this reason.
        #[arg(long, value_parser = parse_end_reason)]
        end: Option<EndReason>,
        /// Also finalize sessions idle for longer than the idle time.
        #[arg(long)]
        sweep: bool,
    },
    /// Register prompt1's hooks in Claude Code's settings.json.
    Install,
    /// Remove prompt1's hooks and all of its local data.
    Uninstall,
    /// Show whether hooks are installed, where data lives, what is pending, and the last errors.
    Status,
    /// Your recent sessions, your proficiency score over the last 14 days and coaching tips
    /// (computed locally, no server needed).
    Report {
        /// Print one JSON object: `sessions`, `proficiency` and `coaching`.
        #[arg(long)]
        json: bool,
        /// How many sessions to show.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Show the recorded sessions' token usage and estimated cost instead, grouped by the
        /// sessions' start day, by model or by session.
        #[arg(long, value_enum)]
        tokens: Option<tokens::GroupBy>,
    },
    /// Print the exact session summaries that would be uploaded, byte for byte.
    Audit {
        /// Print them as one JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Backfill sessions from the transcripts already on this machine (default: the last 30 days).
    Import {
        /// First UTC day to include (YYYY-MM-DD): sessions active on or after it.
        #[arg(long, value_parser = tokens::parse_day)]
        since: Option<i32>,
        /// Last UTC day to include (YYYY-MM-DD): sessions started on or before it.
        #[arg(long, value_parser = tokens::parse_day)]
        until: Option<i32>,
        /// Folders to read (Claude config folders or `projects` folders); default: the client's.
        dirs: Vec<std::path::PathBuf>,
    },
    /// Connect this machine to a prompt1 server: shows a code to approve in the browser.
    Login {
        /// The server's address.
        #[arg(default_value = "http://127.0.0.1:8080")]
        server_url: String,
    },
    /// Upload pending session summaries to the server (only what `prompt1 audit` shows).
    Sync {
        /// Started by the collector: give up at once if another upload is running.
        #[arg(long, hide = true)]
        background: bool,
    },
    /// Revoke this machine's server token and forget it (local data is kept).
    Logout,
    /// Token usage and estimated cost, read straight from Claude Code's transcripts.
    Tokens {
        /// Group rows by day, model or session.
        #[arg(long, value_enum, default_value_t = tokens::GroupBy::Day)]
        by: tokens::GroupBy,
        /// First UTC day to include (YYYY-MM-DD).
        #[arg(long, value_parser = tokens::parse_day)]
        since: Option<i32>,
        /// Last UTC day to include (YYYY-MM-DD).
        #[arg(long, value_parser = tokens::parse_day)]
        until: Option<i32>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// A JSON pricing table overriding the built-in one (dollars per million tokens).
        #[arg(long)]
        pricing: Option<std::path::PathBuf>,
        /// Folders to read (Claude config folders or `projects` folders); default: the client's.
        dirs: Vec<std::path::PathBuf>,
    },
    /// Score one prompt (read on stdin) with the clarity rubric.
    Clarity {
        /// Print `{"score": N, "parts": {...}}`.
        #[arg(long)]
        json: bool,
    },
}

fn parse_end_reason(text: &str) -> Result<EndReason, String> {
    EndReason::from_name(text).ok_or_else(|| "unknown end reason".to_owned())
}

fn main() {
    // The hook path: no parser, no setup, exit 0 whatever happens.
    let mut args = std::env::args_os();
    if args.nth(1).is_some_and(|a| a == "hook") {
        let event = args.next().and_then(|e| e.into_string().ok());
        hook::run(event.as_deref());
        std::process::exit(0);
    }
    let cli = Cli::parse();
    if let Err(e) = run(cli.command) {
        eprintln!("prompt1: {e:#}");
        std::process::exit(1);
    }
}

fn data_dir() -> Result<DataDir> {
    DataDir::resolve().context("cannot find a data folder: set PROMPT1_HOME or HOME")
}

fn run(command: Command) -> Result<()> {
    match command {
        Command::Hook { event } => {
            hook::run(event.as_deref());
            Ok(())
        }
        Command::Collect { session, end, sweep } => {
            let data = data_dir()?;
            let mut finished = 0;
            if let Some(id) = session {
                match collect::collect_session(&data, &id, end) {
                    Ok(_) => finished += usize::from(end.is_some()),
                    Err(e) => {
                        errlog::record(&data.error_log(), errlog::ErrorKind::DataDir);
                        return Err(e).context("collect failed");
                    }
                }
            }
            if sweep {
                finished += collect::sweep_idle(&data, timefmt::now_secs(), collect::IDLE_FINALIZE_SECS);
            }
            // A session ended: upload in the background when this machine is logged in. The
            // upload never runs on the client's path and its failures only stay in the outbox.
            if finished > 0
                && data.device().exists()
                && hook::spawn_detached(&["sync".to_owned(), "--background".to_owned()]).is_err()
            {
                errlog::record(&data.error_log(), errlog::ErrorKind::Sync);
            }
            Ok(())
        }
        Command::Install => report::install(),
        Command::Uninstall => report::uninstall(),
        Command::Status => report::status(&data_dir()?),
        Command::Report {
            json,
            tokens: Some(by),
            ..
        } => report::token_report(&data_dir()?, by, json),
        Command::Report {
            json,
            limit,
            tokens: None,
        } => report::report(&data_dir()?, json, limit, timefmt::now_secs().div_euclid(86_400)),
        Command::Audit { json } => report::audit(&data_dir()?, json),
        Command::Login { server_url } => {
            let data = data_dir()?;
            store::ensure_private_dir(data.root())?;
            remote::login(data.root(), &server_url)
        }
        Command::Sync { background } => {
            let data = data_dir()?;
            store::ensure_private_dir(data.root())?;
            store::ensure_private_dir(&data.locks())?;
            // One upload at a time: a second would race the first over the same outbox items.
            let wait = if background {
                std::time::Duration::ZERO
            } else {
                collect::LOCK_WAIT
            };
            let _lock = match collect::FileLock::acquire(&data.locks().join("sync.lock"), wait) {
                Ok(lock) => lock,
                Err(_) if background => return Ok(()),
                Err(e) => return Err(e).context("another `prompt1 sync` is still running"),
            };
            let report = remote::sync(data.root())?;
            writeln!(std::io::stdout().lock(), "{report}")?;
            Ok(())
        }
        Command::Logout => {
            remote::revoke_device(data_dir()?.root())?;
            writeln!(
                std::io::stdout().lock(),
                "logged out: this machine's server token is revoked"
            )?;
            Ok(())
        }
        Command::Import { since, until, dirs } => {
            let data = data_dir()?;
            let roots = if dirs.is_empty() {
                paths::claude_config_dirs()
            } else {
                dirs
            };
            let now = timefmt::now_secs();
            let since_secs = since.map_or(now - 30 * 86_400, |d| i64::from(d) * 86_400);
            let until_secs = until.map(|d| (i64::from(d) + 1) * 86_400 - 1);
            let r = import::import(&data, &roots, since_secs, until_secs)?;
            writeln!(
                std::io::stdout().lock(),
                "imported {} sessions: {} updated, {} already up to date, {} unreadable",
                r.sessions,
                r.updated,
                r.unchanged,
                r.failed
            )?;
            Ok(())
        }
        Command::Tokens {
            by,
            since,
            until,
            json,
            pricing,
            dirs,
        } => {
            let pricing = match pricing {
                Some(path) => pricing::Pricing::from_file(&path)?,
                None => pricing::Pricing::default(),
            };
            let roots = if dirs.is_empty() {
                paths::claude_config_dirs()
            } else {
                dirs
            };
            let sessions = tokens::discover(&roots);
            let results = tokens::parallel_map(&sessions, |s| s.bytes, tokens::session_tokens, |_| {});
            let skipped = results.iter().map(|(_, s)| s).sum();
            let rows: Vec<(String, Vec<_>)> = sessions
                .iter()
                .map(|s| s.session_id.clone())
                .zip(results.into_iter().map(|(r, _)| r))
                .collect();
            let report = tokens::build_report(&rows, by, since, until, &pricing, skipped);
            let mut out = std::io::stdout().lock();
            if json {
                serde_json::to_writer_pretty(&mut out, &report)?;
                writeln!(out)?;
            } else {
                tokens::print_table(&report, by, &mut out)?;
            }
            Ok(())
        }
        Command::Clarity { json } => {
            let mut text = String::new();
            std::io::stdin()
                .take(1024 * 1024)
                .read_to_string(&mut text)
                .context("stdin is not UTF-8 text")?;
            report::clarity(&text, json)
        }
    }
}
