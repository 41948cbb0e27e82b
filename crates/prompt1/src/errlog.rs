//! The local error log: one line per error, a time and a category, never a message.
//!
//! Error messages quote their input (a parser quotes the line it choked on, an I/O error names the
//! path), and inputs here are prompts and paths. So prompt1 logs only a closed set of categories, and
//! the log is capped in size so that a broken setup cannot fill a disk.
//!
//! The faults worth showing most are the ones that stop the log itself from being written: a
//! read-only data folder, a full disk. So when the data folder's log cannot be written, the line
//! goes to a fallback log in the system's temporary folder (`$TMPDIR/prompt1-<uid>/errors.log`,
//! another file system more often than not), and `prompt1 status` reads both.

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
    /// The data folder is on a read-only file system.
    DataDirReadOnly,
    /// The disk (or quota) holding the data folder is full.
    DiskFull,
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
            Self::DataDirReadOnly => "data_dir_read_only",
            Self::DiskFull => "disk_full",
            Self::TranscriptUnreadable => "transcript_unreadable",
            Self::TranscriptMissing => "transcript_missing",
            Self::StateCorrupt => "state_corrupt_recounted",
            Self::LockTimeout => "lock_timeout",
            Self::SummaryInvalid => "summary_invalid",
            Self::Sync => "sync_failed",
        }
    }
}

impl ErrorKind {
    /// The category of a failed write to the data folder.
    pub fn of_write(error: &std::io::Error) -> Self {
        match error.kind() {
            std::io::ErrorKind::ReadOnlyFilesystem => Self::DataDirReadOnly,
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => Self::DiskFull,
            _ => Self::DataDir,
        }
    }

    /// What the category means, for a person.
    pub fn describe(name: &str) -> &'static str {
        match name {
            "hook_input_malformed" => "a hook got input it could not read",
            "hook_input_timeout" => "a hook's input did not arrive in time",
            "spawn_collector_failed" => "a hook could not start the collector",
            "data_dir_unwritable" => "the data folder could not be written",
            "data_dir_read_only" => "the data folder is read-only",
            "disk_full" => "the disk holding the data folder is full",
            "transcript_unreadable" => "a transcript could not be read",
            "transcript_missing" => "a session's transcript was not found",
            "state_corrupt_recounted" => "saved state was unreadable; the session was counted again",
            "lock_timeout" => "a collector waited too long for another one",
            "summary_invalid" => "a summary failed validation and was not queued",
            "sync_failed" => "an upload failed",
            _ => "",
        }
    }
}

/// Appends one line to the log, rotating it past [`MAX_LOG_BYTES`]; when the log cannot be
/// written (read-only data folder, full disk), to the [`fallback_log`]. Never fails loudly:
/// logging is the last resort of error handling.
pub fn record(log: &Path, kind: ErrorKind) {
    if try_record(log, kind).is_err() {
        if let Some(fallback) = fallback_log() {
            if try_private_fallback_dir(&fallback).is_ok() {
                let _ = try_record(&fallback, kind);
            }
        }
    }
}

/// The log used when the data folder's cannot be written: `$TMPDIR/prompt1-<uid>/errors.log`.
pub fn fallback_log() -> Option<std::path::PathBuf> {
    use std::os::unix::fs::MetadataExt;
    // The process's own user owns `/proc/self`: its uid without a system call binding.
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    Some(
        std::env::temp_dir()
            .join(format!("prompt1-{uid}"))
            .join("errors.log"),
    )
}

/// Creates the fallback log's folder, refusing one that is a link or belongs to someone else (the
/// temporary folder is shared).
fn try_private_fallback_dir(log: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let dir = log.parent().ok_or_else(|| std::io::Error::other("no folder"))?;
    let _ = std::fs::create_dir(dir);
    let meta = std::fs::symlink_metadata(dir)?;
    let me = std::fs::metadata("/proc/self")?.uid();
    if !meta.is_dir() || meta.uid() != me {
        return Err(std::io::Error::other("not our folder"));
    }
    crate::store::ensure_private_dir(dir)
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

/// The last `n` lines of the data folder's log and the fallback log together, oldest first (each
/// line starts with its RFC 3339 time, so they sort as text).
pub fn tail_all(log: &Path, n: usize) -> Vec<String> {
    let mut lines = tail(log, n);
    if let Some(fallback) = fallback_log() {
        lines.extend(tail(&fallback, n));
    }
    lines.sort();
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
