//! Finding a session's transcript files and reading them from an offset.
//!
//! The collector is told only a session id. It looks for `<config>/projects/*/<id>.jsonl` and the
//! sub-agent files `<config>/projects/*/<id>/subagents/*.jsonl` under every Claude Code config
//! folder, every time: the path (which names the project) is never stored.

use crate::paths::claude_config_dirs;
use prompt1_signals::summary::{FileRole, SessionAccumulator};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// One transcript file of a session.
#[derive(Debug, Clone)]
pub struct TranscriptFile {
    /// A stable name for the file's saved offset: `main`, or the sub-agent file's stem when it is a
    /// plain id (`agent-1a2b3c`), else a hash of it.
    pub key: String,
    /// Main conversation or sub-agent.
    pub role: FileRole,
    /// Where it is (used at once, never stored).
    pub path: PathBuf,
}

/// Every transcript file of `session_id` under the client's config folders.
pub fn find_session_files(session_id: &str) -> Vec<TranscriptFile> {
    find_session_files_in(&claude_config_dirs(), session_id)
}

/// [`find_session_files`] under explicit config folders.
pub fn find_session_files_in(config_dirs: &[PathBuf], session_id: &str) -> Vec<TranscriptFile> {
    let main_name = format!("{session_id}.jsonl");
    let mut found = Vec::new();
    for config in config_dirs {
        let Ok(projects) = std::fs::read_dir(config.join("projects")) else { continue };
        for project in projects.flatten() {
            let dir = project.path();
            let main = dir.join(&main_name);
            if main.is_file() && !found.iter().any(|f: &TranscriptFile| f.role == FileRole::Main) {
                found.push(TranscriptFile { key: "main".into(), role: FileRole::Main, path: main });
            }
            let Ok(subs) = std::fs::read_dir(dir.join(session_id).join("subagents")) else { continue };
            for sub in subs.flatten() {
                let path = sub.path();
                if path.extension().is_some_and(|e| e == "jsonl") {
                    let key = subagent_key(&path);
                    if !found.iter().any(|f| f.key == key) {
                        found.push(TranscriptFile { key, role: FileRole::Subagent, path });
                    }
                }
            }
        }
    }
    found
}

fn subagent_key(path: &Path) -> String {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    if !stem.is_empty()
        && stem.len() <= 80
        && stem.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        stem
    } else {
        format!("sub-{:016x}", prompt1_signals::summary::id_hash(&[&stem]))
    }
}

/// Feeds the complete lines of `path` from byte `offset` on; returns the new offset (just past the
/// last complete line). A partly written last line is left for the next call.
pub fn feed_file_from(
    acc: &mut SessionAccumulator,
    path: &Path,
    offset: u64,
    role: FileRole,
) -> io::Result<u64> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(offset))?;
    let mut buf: Vec<u8> = Vec::with_capacity(256 * 1024);
    let mut chunk = vec![0u8; 256 * 1024];
    let mut consumed_total = offset;
    loop {
        let n = file.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        let used = acc.feed_chunk(&buf, role);
        consumed_total += used as u64;
        buf.drain(..used);
    }
    Ok(consumed_total)
}
