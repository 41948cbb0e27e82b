//! `prompt1 collect`: turns a session's transcript into its summary, outside the client's path.
//!
//! The hook starts it detached. It takes the session's lock (so concurrent runs queue instead of
//! racing), reloads the saved [`SessionAccumulator`] and per-file offsets, feeds only the lines
//! written since, and writes a new summary revision when anything changed. Running it twice, or at
//! the same time, changes nothing: offsets only move past lines already counted, a summary equal
//! to the last one is not written again, and a collection that reads nothing new writes nothing.
//!
//! A session that never got a SessionEnd (the client was killed, the terminal closed) is finalized,
//! once it has been idle for [`IDLE_FINALIZE_SECS`], by the sweep that every SessionStart triggers
//! and that every other collection and every command reading the data runs at most every
//! [`SWEEP_EVERY_SECS`] ([`sweep_if_due`]).

use crate::errlog::{self, ErrorKind};
use crate::paths::DataDir;
use crate::store::{self, ensure_private_dir, open_regular, read_regular, write_atomic_with, Durability};
use crate::transcripts::{feed_file_from, feed_main_file_from, find_session_files, TranscriptFile};
use prompt1_signals::summary::{FileRole, SessionAccumulator, SummaryInputs};
use prompt1_wire::{ClientVersion, EndReason, SessionKey, SessionSummary};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

/// A session idle this long (no new transcript line) without a SessionEnd is finalized: 4 hours.
pub const IDLE_FINALIZE_SECS: i64 = 4 * 3600;

/// How long a collector waits for another one holding the same session's lock. Sessions are
/// locked in 256 stripes (by the first byte of their key), so the lock files stay few; two
/// sessions of one stripe simply take turns.
pub const LOCK_WAIT: Duration = Duration::from_secs(60);

const STATE_VERSION: u32 = 1;

/// Everything saved between two collections of one session. Numbers, flags, hashes and the
/// client's random session id (needed to find the transcript again); never a path or any text.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionState {
    version: u32,
    /// The client's session id (a random UUID).
    pub session_id: String,
    /// [`EndReason::Open`] until the session ends.
    pub end_reason: EndReason,
    /// Revision of the last summary written (0: none yet).
    pub revision: u32,
    /// Saved read offset per transcript file key.
    offsets: BTreeMap<String, u64>,
    /// The running signals.
    acc: SessionAccumulator,
    /// The last summary written.
    pub last_summary: Option<SessionSummary>,
    /// When this state was last saved (seconds since the epoch).
    pub saved_at: i64,
}

impl SessionState {
    fn new(session_id: &str) -> Self {
        Self {
            version: STATE_VERSION,
            session_id: session_id.to_owned(),
            end_reason: EndReason::Open,
            revision: 0,
            offsets: BTreeMap::new(),
            acc: SessionAccumulator::new(),
            last_summary: None,
            saved_at: 0,
        }
    }

    /// Transcript lines of this session that could not be read (malformed or truncated), skipped.
    pub fn malformed_lines(&self) -> u64 {
        self.acc.malformed_lines()
    }

    /// Seconds since the epoch of the session's last activity.
    pub fn last_activity_secs(&self) -> i64 {
        self.acc
            .last_activity_ms()
            .map_or(self.saved_at, |ms| ms.div_euclid(1000))
    }
}

/// prompt1's own version, as the wire carries it.
pub fn client_version() -> ClientVersion {
    let num = |s: &str| s.parse::<u16>().unwrap_or(0);
    ClientVersion {
        major: num(env!("CARGO_PKG_VERSION_MAJOR")),
        minor: num(env!("CARGO_PKG_VERSION_MINOR")),
        patch: num(env!("CARGO_PKG_VERSION_PATCH")),
    }
}

/// What one collection did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collected {
    /// A new summary revision was written.
    NewRevision(u32),
    /// Nothing changed.
    Unchanged,
    /// No transcript and no saved state: nothing to do.
    NoTranscript,
}

/// An exclusive lock on a file, released when dropped.
pub struct FileLock(File);

impl FileLock {
    /// Takes the lock on `path`, waiting up to `wait`. The wait between tries starts at 1 ms and
    /// doubles up to 20 ms: a lock held by another session of the same stripe (an import collects
    /// on every core) is usually free again within a millisecond.
    pub fn acquire(path: &Path, wait: Duration) -> io::Result<Self> {
        let file = open_regular(OpenOptions::new().create(true).truncate(false).write(true), path)?;
        let deadline = Instant::now() + wait;
        let mut pause = Duration::from_millis(1);
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Self(file)),
                Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(20));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "lock busy"))
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(e),
            }
        }
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

/// How one collection treats the session's end and its writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CollectMode {
    /// A SessionEnd was seen (or the sweep finalizes the session) with this reason.
    pub end: Option<EndReason>,
    /// Finalize as [`EndReason::IdleTimeout`] when, after reading, the session's last activity is
    /// at or before this time (seconds since the epoch) and it is still open.
    pub finalize_idle_before: Option<i64>,
    /// Whether each file is flushed at once (the hook path) or by the caller in one go (import).
    pub durability: Durability,
}

impl CollectMode {
    /// The hook path's collection: flushed at once, ending the session if `end` says so.
    pub fn hook(end: Option<EndReason>) -> Self {
        Self {
            end,
            finalize_idle_before: None,
            durability: Durability::Now,
        }
    }
}

/// Creates the data folders and reads the install key, once per process and data folder (an
/// import collects thousands of sessions; each would otherwise redo both).
fn prepare(data: &DataDir) -> io::Result<[u8; 32]> {
    static READY: std::sync::Mutex<Option<(std::path::PathBuf, [u8; 32])>> = std::sync::Mutex::new(None);
    let mut ready = READY.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((root, key)) = ready.as_ref() {
        if root == data.root() {
            return Ok(*key);
        }
    }
    for dir in [
        data.root().to_path_buf(),
        data.sessions(),
        data.summaries(),
        data.outbox(),
        data.locks(),
    ] {
        ensure_private_dir(&dir)?;
    }
    let key = store::install_key(&data.install_key())?;
    *ready = Some((data.root().to_path_buf(), key));
    Ok(key)
}

/// Collects one session. `end` records a SessionEnd (or the idle finalization).
pub fn collect_session(data: &DataDir, session_id: &str, end: Option<EndReason>) -> io::Result<Collected> {
    collect_session_with(data, session_id, CollectMode::hook(end), find_session_files)
}

/// [`collect_session`] with an explicit mode and way of finding the transcript files (tests, `import`).
pub fn collect_session_with(
    data: &DataDir,
    session_id: &str,
    mode: CollectMode,
    find: impl Fn(&str) -> Vec<TranscriptFile>,
) -> io::Result<Collected> {
    let end = mode.end;
    if !store::valid_session_id(session_id) {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "bad session id"));
    }
    let key = store::session_key(&prepare(data)?, session_id);
    let hex = key.to_hex();
    let _lock = FileLock::acquire(
        &data.locks().join(format!("{}.lock", &hex.as_str()[..2])),
        LOCK_WAIT,
    )
    .inspect_err(|_| {
        errlog::record(&data.error_log(), ErrorKind::LockTimeout);
    })?;
    let state_path = data.sessions().join(format!("{hex}.json"));
    let mut state = match read_regular(&state_path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => SessionState::new(session_id),
        // Garbage, another version, another session's state, or not a readable file: count again.
        read => match read
            .as_deref()
            .ok()
            .and_then(|b| serde_json::from_slice::<SessionState>(b).ok())
        {
            Some(s) if s.version == STATE_VERSION && s.session_id == session_id => s,
            _ => {
                errlog::record(&data.error_log(), ErrorKind::StateCorrupt);
                recount_from_scratch(data, hex.as_str(), session_id, read.ok().as_deref())
            }
        },
    };

    let files = find(session_id);
    if files.is_empty() {
        // At SessionStart the transcript does not exist yet; later it is an error worth showing.
        if state.last_summary.is_some() || end.is_some() {
            errlog::record(&data.error_log(), ErrorKind::TranscriptMissing);
        }
        if state.last_summary.is_none() {
            return Ok(Collected::NoTranscript);
        }
    }
    let activity_before = state.acc.last_activity_ms();
    // A collection that reads nothing new and ends nothing writes nothing: an import over
    // thousands of sessions already up to date only reads.
    let (offsets_before, end_before) = (state.offsets.clone(), state.end_reason);
    // A file shorter than its saved offset was rewritten: count everything again.
    let shrunk = files.iter().any(|f| {
        let len = std::fs::metadata(&f.path).map(|m| m.len()).unwrap_or(0);
        state.offsets.get(&f.key).is_some_and(|off| *off > len)
    });
    if shrunk {
        state.acc = SessionAccumulator::new();
        state.offsets.clear();
    }
    for file in &files {
        let offset = state.offsets.get(&file.key).copied().unwrap_or(0);
        let fed = match file.role {
            FileRole::Main => feed_main_file_from(&mut state.acc, &file.path, offset, session_id),
            role => feed_file_from(&mut state.acc, &file.path, offset, role),
        };
        match fed {
            Ok(next) => {
                state.offsets.insert(file.key.clone(), next);
            }
            Err(_) => errlog::record(&data.error_log(), ErrorKind::TranscriptUnreadable),
        }
    }
    // The session went on after it ended (resumed) when its conversation has newer lines. Lines
    // without a time do not count: the client appends bookkeeping (`cost-state`, `last-prompt`...)
    // after it ran the SessionEnd hook, e.g. on `/clear`, and that is no resumption.
    let resumed = state.acc.last_activity_ms() > activity_before;
    match end {
        Some(reason) => state.end_reason = reason,
        None if resumed && state.end_reason != EndReason::Open => state.end_reason = EndReason::Open,
        None => {}
    }
    if state.end_reason == EndReason::Open
        && mode
            .finalize_idle_before
            .is_some_and(|before| state.last_activity_secs() <= before)
    {
        state.end_reason = EndReason::IdleTimeout;
    }
    let outcome = write_summary_if_changed(data, key, &mut state, mode.durability)?;
    let nothing_new = outcome == Collected::Unchanged
        && state.saved_at != 0
        && state.offsets == offsets_before
        && state.end_reason == end_before;
    if nothing_new {
        return Ok(outcome);
    }
    state.saved_at = crate::timefmt::now_secs();
    write_atomic_with(
        &state_path,
        &serde_json::to_vec(&state).map_err(io::Error::other)?,
        mode.durability,
    )?;
    Ok(outcome)
}

fn recount_from_scratch(data: &DataDir, hex: &str, session_id: &str, old: Option<&[u8]>) -> SessionState {
    // The server keeps only a higher revision, so the recount goes on from the last revision written:
    // the old state's if it can still be read, else the last summary's on disk.
    let name = format!("{hex}.json");
    let revision_in = |bytes: Option<&[u8]>| {
        bytes
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
            .and_then(|v| v.get("revision").and_then(serde_json::Value::as_u64))
            .and_then(|r| u32::try_from(r).ok())
            .unwrap_or(0)
    };
    let on_disk = [data.summaries(), data.outbox()]
        .map(|dir| revision_in(read_regular(&dir.join(&name)).ok().as_deref()));
    let revision = on_disk.into_iter().fold(revision_in(old), u32::max);
    SessionState {
        revision,
        ..SessionState::new(session_id)
    }
}

fn write_summary_if_changed(
    data: &DataDir,
    session_key: SessionKey,
    state: &mut SessionState,
    durability: Durability,
) -> io::Result<Collected> {
    let candidate = state.acc.summary(SummaryInputs {
        session_key,
        revision: state.revision.max(1),
        end_reason: state.end_reason,
        client_version: client_version(),
    });
    let worth_sending =
        candidate.started_minute > 0 && (candidate.prompts > 0 || !candidate.tokens.is_empty());
    if !worth_sending {
        return Ok(Collected::Unchanged);
    }
    if let Some(last) = &state.last_summary {
        let mut same = candidate.clone();
        same.revision = last.revision;
        if &same == last {
            return Ok(Collected::Unchanged);
        }
    }
    let revision = state.revision + 1;
    let summary = SessionSummary {
        revision,
        ..candidate
    };
    if summary.validate().is_err() {
        errlog::record(&data.error_log(), ErrorKind::SummaryInvalid);
        return Ok(Collected::Unchanged);
    }
    let bytes = serde_json::to_vec(&summary).map_err(io::Error::other)?;
    let name = format!("{}.json", summary.session_key.to_hex());
    let summary_path = data.summaries().join(&name);
    write_atomic_with(&summary_path, &bytes, durability)?;
    // The outbox entry is the same bytes: a second name for the same file (files here are only
    // ever replaced, never changed in place, so the two names cannot drift apart).
    store::link_atomic(&summary_path, &data.outbox().join(&name))?;
    state.revision = revision;
    state.last_summary = Some(summary);
    Ok(Collected::NewRevision(revision))
}

/// Finalizes every open session idle for at least `idle_secs`. Returns how many were finalized.
pub fn sweep_idle(data: &DataDir, now_secs: i64, idle_secs: i64) -> usize {
    let Ok(entries) = std::fs::read_dir(data.sessions()) else {
        return 0;
    };
    let mut finalized = 0;
    for entry in entries.flatten() {
        let Ok(bytes) = read_regular(&entry.path()) else {
            continue;
        };
        let Ok(state) = serde_json::from_slice::<SessionState>(&bytes) else {
            continue;
        };
        if state.end_reason == EndReason::Open && now_secs - state.last_activity_secs() >= idle_secs {
            // Reads any last lines, then closes it.
            if collect_session(data, &state.session_id, Some(EndReason::IdleTimeout)).is_ok() {
                finalized += 1;
            }
        }
    }
    finalized
}

/// How often commands and collectors look for idle sessions to finalize (each looks when the last
/// look is at least this old): reading every saved state on every hook would cost more than the
/// collection itself.
pub const SWEEP_EVERY_SECS: i64 = 5 * 60;

/// [`sweep_idle`] with [`IDLE_FINALIZE_SECS`], when the last sweep (any process's) is at least
/// [`SWEEP_EVERY_SECS`] old. Every collector and every command that reads the data runs it, so a
/// session whose SessionEnd was lost is finalized by the next one that runs after its idle time.
pub fn sweep_if_due(data: &DataDir, now_secs: i64) -> usize {
    let stamp = data.locks().join("sweep.stamp");
    let last = std::fs::metadata(&stamp)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs() as i64);
    if last.is_some_and(|last| now_secs - last < SWEEP_EVERY_SECS && last <= now_secs) {
        return 0;
    }
    if !data.sessions().is_dir() {
        return 0;
    }
    // Stamped first: a second process starting meanwhile skips instead of sweeping too.
    let stamped = ensure_private_dir(&data.locks()).and_then(|()| {
        let _ = std::fs::remove_file(&stamp);
        open_regular(OpenOptions::new().create_new(true).write(true), &stamp).map(drop)
    });
    if stamped.is_err() {
        return 0;
    }
    sweep_idle(data, now_secs, IDLE_FINALIZE_SECS)
}

/// Loads every saved session state (for `status` and `report`).
pub fn load_states(data: &DataDir) -> Vec<SessionState> {
    let Ok(entries) = std::fs::read_dir(data.sessions()) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| read_regular(&e.path()).ok())
        .filter_map(|b| serde_json::from_slice(&b).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// The saved state of one session, if any.
    fn load_state(data: &DataDir, session_id: &str) -> Option<SessionState> {
        let key = store::session_key(&store::install_key(&data.install_key()).ok()?, session_id);
        let bytes = std::fs::read(data.sessions().join(format!("{}.json", key.to_hex()))).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// A transcript finder that answers `path` as the session's one (main) file.
    fn only_main_file(path: &Path) -> impl Fn(&str) -> Vec<TranscriptFile> + Copy + '_ {
        move |_| {
            vec![TranscriptFile {
                key: "main".into(),
                role: FileRole::Main,
                path: path.to_path_buf(),
            }]
        }
    }

    fn append(path: &Path, line: &str) {
        let mut f = OpenOptions::new().append(true).open(path).unwrap();
        writeln!(f, "{line}").unwrap();
    }

    #[test]
    fn lines_appended_after_the_end_reopen_a_session_only_when_it_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let data = DataDir::at(dir.path().join("data"));
        let path = dir.path().join("session.jsonl");
        let sid = "0123abcd-0000-4000-8000-000000000001";
        let prompt = |ts: &str, text: &str| {
            format!(
                r#"{{"type":"user","timestamp":"{ts}","promptSource":"typed","entrypoint":"cli","message":{{"role":"user","content":"{text}"}}}}"#
            )
        };
        std::fs::write(&path, prompt("2026-11-29T10:00:00.000Z", "hello") + "\n").unwrap();
        let find = only_main_file(&path);
        assert_eq!(
            collect_session_with(&data, sid, CollectMode::hook(Some(EndReason::Clear)), find).unwrap(),
            Collected::NewRevision(1)
        );
        // What the client appends after running the SessionEnd hook (seen on `/clear`): no time, no
        // conversation. The session stays ended.
        append(&path, r#"{"type":"cost-state","modelUsage":{}}"#);
        append(&path, r#"{"type":"last-prompt","lastPrompt":"hello"}"#);
        assert_eq!(
            collect_session_with(&data, sid, CollectMode::hook(None), find).unwrap(),
            Collected::Unchanged
        );
        assert_eq!(load_state(&data, sid).unwrap().end_reason, EndReason::Clear);
        // A resumed session writes new conversation: it is open again.
        append(&path, &prompt("2026-11-29T10:05:00.000Z", "go on"));
        assert_eq!(
            collect_session_with(&data, sid, CollectMode::hook(None), find).unwrap(),
            Collected::NewRevision(2)
        );
        let state = load_state(&data, sid).unwrap();
        assert_eq!(state.end_reason, EndReason::Open);
        assert!(!state.last_summary.unwrap().is_final);
    }

    #[test]
    fn a_forked_session_is_collected_without_its_parents_history() {
        // Fixture made with the real client: `claude --resume <parent> --fork-session` (see the
        // signals crate's `fixtures/real/fork`): the parent had 1 prompt, 3 tool calls and 4
        // replies; the fork copied them and added 1 prompt and 1 reply (1,000 in, 50 out).
        let dir = tempfile::tempdir().unwrap();
        let data = DataDir::at(dir.path().join("data"));
        let sid = "1f24b5be-ecd4-4744-9390-d123f87defdd";
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../prompt1-signals/tests/fixtures/real/fork/child")
            .join(format!("{sid}.jsonl"));
        let find = only_main_file(&path);
        assert_eq!(
            collect_session_with(&data, sid, CollectMode::hook(None), find).unwrap(),
            Collected::NewRevision(1)
        );
        let s = load_state(&data, sid).unwrap().last_summary.unwrap();
        assert_eq!(s.prompts, 1);
        assert_eq!(s.tools, Default::default());
        assert_eq!(s.tokens.len(), 1);
        assert_eq!((s.tokens[0].input, s.tokens[0].output), (1_000, 50));
    }

    #[test]
    fn a_collection_that_finds_nothing_new_writes_nothing() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let data = DataDir::at(dir.path().join("data"));
        let path = dir.path().join("session.jsonl");
        let sid = "0123abcd-0000-4000-8000-000000000002";
        let prompt = r#"{"type":"user","timestamp":"2026-11-29T10:00:00.000Z","promptSource":"typed","entrypoint":"cli","message":{"role":"user","content":"fix the parser"}}"#;
        std::fs::write(&path, format!("{prompt}\n")).unwrap();
        let find = only_main_file(&path);
        let deferred = CollectMode {
            end: None,
            finalize_idle_before: None,
            durability: Durability::Deferred,
        };
        assert_eq!(
            collect_session_with(&data, sid, deferred, find).unwrap(),
            Collected::NewRevision(1)
        );
        // Files are only ever replaced, so an unchanged inode means the file was not written.
        let inodes = || {
            let state = std::fs::read_dir(data.sessions())
                .unwrap()
                .next()
                .unwrap()
                .unwrap();
            let summary = std::fs::read_dir(data.summaries())
                .unwrap()
                .next()
                .unwrap()
                .unwrap();
            [state.metadata().unwrap().ino(), summary.metadata().unwrap().ino()]
        };
        let before = inodes();
        assert_eq!(
            collect_session_with(&data, sid, deferred, find).unwrap(),
            Collected::Unchanged
        );
        assert_eq!(inodes(), before, "nothing new read, nothing written");
        // Finalizing changes the state and the summary even without a new line.
        let finalize = CollectMode {
            finalize_idle_before: Some(i64::MAX),
            ..deferred
        };
        assert_eq!(
            collect_session_with(&data, sid, finalize, find).unwrap(),
            Collected::NewRevision(2)
        );
        let after = inodes();
        assert!(after[0] != before[0] && after[1] != before[1]);
        assert_eq!(load_state(&data, sid).unwrap().end_reason, EndReason::IdleTimeout);
        assert_eq!(
            std::fs::read_dir(data.outbox()).unwrap().count(),
            1,
            "one outbox entry, replaced in place, no temporary name left"
        );
    }
}
