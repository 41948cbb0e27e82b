//! `prompt1 import`: backfills sessions from the transcripts already on the machine.
//!
//! Each session is collected exactly as the hook path collects it (`collect::collect_session_with`,
//! the same state files, offsets and lock), so importing twice, or importing sessions the hooks
//! already recorded, counts nothing twice: the saved offsets say what was read. Sessions idle for
//! longer than the finalization time are finalized in the same pass, as the sweep would have.
//!
//! Every file still appears whole or not at all (written aside, then renamed into place), so a
//! crash mid-import leaves no half-written summary; but files are flushed once at the end (one
//! `syncfs`, a single barrier before the import reports success) rather than one `fdatasync` each,
//! which would cost more than all the reading. After a power loss before that barrier a file may be
//! empty: an unreadable state is counted again from the start by the next collection or import,
//! and `sync` sets an unreadable outbox entry aside. Sessions already up to date are only read.
//!
//! Sessions are read in parallel on every core; a progress bar (files, bytes, ETA) shows on a
//! terminal, nothing otherwise.

use crate::collect::{self, Collected, IDLE_FINALIZE_SECS};
use crate::paths::DataDir;
use crate::store::Durability;
use crate::timefmt;
use crate::tokens::{discover, parallel_map, SessionFiles};
use crate::transcripts::TranscriptFile;
use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use prompt1_signals::summary::FileRole;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::UNIX_EPOCH;

/// What an import did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ImportReport {
    /// Sessions found in the date range.
    pub sessions: usize,
    /// Sessions that got a new summary revision.
    pub updated: usize,
    /// Sessions already up to date.
    pub unchanged: usize,
    /// Sessions that could not be read.
    pub failed: usize,
}

/// Imports every session under `roots` whose files changed on or after `since` (seconds since the
/// epoch) and that started on or before the end of `until`.
pub fn import(
    data: &DataDir,
    roots: &[PathBuf],
    since_secs: i64,
    until_secs: Option<i64>,
) -> Result<ImportReport> {
    let modified_since = |s: &SessionFiles| {
        s.files().any(|(p, _)| {
            std::fs::metadata(p)
                .and_then(|m| m.modified())
                .map(|t| t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64) >= since_secs)
                .unwrap_or(false)
        })
    };
    let sessions: Vec<SessionFiles> = discover(roots)
        .into_iter()
        .filter(|s| s.main.is_some() && crate::store::valid_session_id(&s.session_id) && modified_since(s))
        .filter(|s| {
            match (
                until_secs,
                until_secs.and(s.main.as_deref()).and_then(first_timestamp_secs),
            ) {
                (Some(until), Some(start)) => start <= until,
                _ => true,
            }
        })
        .collect();
    let total_bytes: u64 = sessions.iter().map(|s| s.bytes).sum();
    let bar = ProgressBar::with_draw_target(
        Some(total_bytes),
        if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} importing [{bar:30}] {bytes}/{total_bytes} {msg} ({bytes_per_sec}, ETA {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let files_done = std::sync::atomic::AtomicUsize::new(0);
    let now = timefmt::now_secs();
    let outcomes = parallel_map(
        &sessions,
        |s| s.bytes,
        |s| import_one(data, s, now),
        |bytes| {
            let done = files_done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            bar.set_message(format!("{done}/{} sessions", sessions.len()));
            bar.inc(bytes);
        },
    );
    bar.finish_and_clear();
    // Every file was written without its own flush: one flush of the file system makes them all
    // durable before the import reports success.
    if !sessions.is_empty() {
        crate::store::sync_filesystem(data.root())?;
    }
    let mut report = ImportReport {
        sessions: sessions.len(),
        ..ImportReport::default()
    };
    for o in outcomes {
        match o {
            Ok(Collected::NewRevision(_)) => report.updated += 1,
            Ok(_) => report.unchanged += 1,
            Err(_) => report.failed += 1,
        }
    }
    Ok(report)
}

fn import_one(data: &DataDir, s: &SessionFiles, now: i64) -> std::io::Result<Collected> {
    let files: Vec<TranscriptFile> = s
        .files()
        .map(|(path, role)| TranscriptFile {
            key: match role {
                FileRole::Main | FileRole::Inherited => "main".to_owned(),
                FileRole::Subagent => crate::transcripts::subagent_key(path),
            },
            role,
            path: path.to_path_buf(),
        })
        .collect();
    let find = |_: &str| files.clone();
    let mode = collect::CollectMode {
        end: None,
        finalize_idle_before: Some(now - IDLE_FINALIZE_SECS),
        durability: Durability::Deferred,
    };
    collect::collect_session_with(data, &s.session_id, mode, find)
}

/// Seconds since the epoch of the first timestamp in the first 64 KiB of a transcript.
fn first_timestamp_secs(path: &std::path::Path) -> Option<i64> {
    use std::io::Read;
    let mut head = Vec::with_capacity(64 * 1024);
    std::fs::File::open(path)
        .ok()?
        .take(64 * 1024)
        .read_to_end(&mut head)
        .ok()?;
    let key = b"\"timestamp\":\"";
    let at = memchr::memmem::find(&head, key)? + key.len();
    let end = at + memchr::memchr(b'"', &head[at..])?;
    let text = std::str::from_utf8(&head[at..end]).ok()?;
    prompt1_signals::transcript::parse_timestamp_ms(text).map(|ms| ms.div_euclid(1000))
}
