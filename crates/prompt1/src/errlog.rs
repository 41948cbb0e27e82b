//! The local error log: one line per error, a time and a category, never a message.
//!
//! Error messages quote their input (a parser quotes the line it choked on, an I/O error names the
//! path), and inputs here are prompts and paths. So prompt1 logs only a closed set of categories, and
//! the log is capped in size so that a broken setup cannot fill a disk.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Largest size of the log before it is rotated (one old generation is kept).
pub const MAX_LOG_BYTES: u64 = 64 * 1024;

/// What went wrong, as a closed set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The hook's standard input was not a readable hook payload.
    HookInput,
    /// The hook's standard input did not arrive in time.
    HookInputTimeout,
    /// The hook could not start the collector.
    SpawnCollector,
    /// The data folder could not be created or written.
    DataDir,
    /// A transcript file could not be read.
    TranscriptUnreadable,
    /// No transcript was found for a session.
    TranscriptMissing,
    /// Saved collector state was unreadable; the session was recounted from the start.
    StateCorrupt,
    /// A lock could not be taken in time.
    LockTimeout,
    /// A summary failed its own validation and was not queued.
    SummaryInvalid,
    /// Upload failed.
    Sync,
}

impl ErrorKind {
    /// The category's name in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HookInput => "hook_input_malformed",
            Self::HookInputTimeout => "hook_input_timeout",
            Self::SpawnCollector => "spawn_collector_failed",
            Self::DataDir => "data_dir_unwritable",
            Self::TranscriptUnreadable => "transcript_unreadable",
            Self::TranscriptMissing => "transcript_missing",
            Self::StateCorrupt => "state_corrupt_recounted",
            Self::LockTimeout => "lock_timeout",
            Self::SummaryInvalid => "summary_invalid",
            Self::Sync => "sync_failed",
        }
    }
}

/// Appends one line to the log, rotating it past [`MAX_LOG_BYTES`]. Never fails loudly: logging
/// is the last resort of error handling.
pub fn record(log: &Path, kind: ErrorKind) {
    let _ = try_record(log, kind);
}

fn try_record(log: &Path, kind: ErrorKind) -> std::io::Result<()> {
    if let Some(dir) = log.parent() {
        crate::store::ensure_private_dir(dir)?;
    }
    if std::fs::metadata(log)
        .map(|m| m.len() > MAX_LOG_BYTES)
        .unwrap_or(false)
    {
        let _ = std::fs::rename(log, log.with_extension("log.1"));
    }
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    // Non-blocking open, regular files only: a FIFO (or device) in the log's place must not hold the
    // hook, whose time is bounded.
    let mut f = crate::store::open_regular(OpenOptions::new().create(true).append(true).mode(0o600), log)?;
    // One write per line: with O_APPEND it lands whole even when many processes log at once
    // (`writeln!` on a file writes each piece separately, and the pieces interleave).
    let line = format!("{} {}\n", crate::timefmt::rfc3339(secs as i64), kind.as_str());
    f.write_all(line.as_bytes())
}

/// The last `n` lines of the log.
pub fn tail(log: &Path, n: usize) -> Vec<String> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[lines.len().saturating_sub(n)..].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_is_capped_and_holds_categories_only() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("errors.log");
        for _ in 0..5000 {
            record(&log, ErrorKind::TranscriptUnreadable);
        }
        let size = std::fs::metadata(&log).unwrap().len();
        assert!(size <= MAX_LOG_BYTES + 64, "log grew to {size}");
        let last = tail(&log, 1);
        assert!(last[0].ends_with(" transcript_unreadable"));
    }
}
