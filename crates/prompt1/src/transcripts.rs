//! Finding a session's transcript files and reading them from an offset.
//!
//! The collector is told only a session id. It looks for `<config>/projects/*/<id>.jsonl` and the
//! sub-agent files `<config>/projects/*/<id>/subagents/*.jsonl` under every Claude Code config
//! folder, every time: the path (which names the project) is never stored. Clients 2.0.x wrote a
//! sub-agent's file beside the main one instead, as `agent-<agent id>.jsonl`, naming its session
//! only inside (`sessionId` on its lines): those files belong to that session, never a session of
//! their own.

use crate::paths::claude_config_dirs;
use prompt1_signals::summary::{FileRole, SessionAccumulator};
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
    if session_id.starts_with("agent-") {
        // A 2.0.x sub-agent file's name, never a session's.
        return found;
    }
    for config in config_dirs {
        let Ok(projects) = std::fs::read_dir(config.join("projects")) else {
            continue;
        };
        for project in projects.flatten() {
            let dir = project.path();
            let main = dir.join(&main_name);
            if main.is_file() && !found.iter().any(|f: &TranscriptFile| f.role == FileRole::Main) {
                found.push(TranscriptFile {
                    key: "main".into(),
                    role: FileRole::Main,
                    path: main,
                });
                for path in top_level_agent_files(&dir) {
                    let key = subagent_key(&path);
                    if agent_file_session(&path).as_deref() == Some(session_id)
                        && !found.iter().any(|f| f.key == key)
                    {
                        found.push(TranscriptFile {
                            key,
                            role: FileRole::Subagent,
                            path,
                        });
                    }
                }
            }
            let Ok(subs) = std::fs::read_dir(dir.join(session_id).join("subagents")) else {
                continue;
            };
            for sub in subs.flatten() {
                let path = sub.path();
                // Regular files only (`is_file` follows links): opening a FIFO would block forever.
                if path.extension().is_some_and(|e| e == "jsonl") && path.is_file() {
                    let key = subagent_key(&path);
                    if !found.iter().any(|f| f.key == key) {
                        found.push(TranscriptFile {
                            key,
                            role: FileRole::Subagent,
                            path,
                        });
                    }
                }
            }
        }
    }
    found
}

/// The `agent-*.jsonl` files directly in a project folder (the 2.0.x sub-agent layout).
pub fn top_level_agent_files(project_dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(project_dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| is_top_level_agent_file(p) && p.is_file())
        .collect()
}

/// Whether a file beside the main transcripts is a 2.0.x sub-agent file (`agent-<id>.jsonl`).
pub fn is_top_level_agent_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "jsonl")
        && path
            .file_stem()
            .is_some_and(|s| s.to_string_lossy().starts_with("agent-"))
}

/// The session a 2.0.x sub-agent file belongs to: the `sessionId` of its first line, looked for in
/// the file's first 4 KiB (the client writes it among a line's first keys). The collector asks
/// this of every such file beside a session's main file, at every collection: it stays a small
/// read per file.
pub fn agent_file_session(path: &Path) -> Option<String> {
    const KEY: &[u8] = b"\"sessionId\":\"";
    let file = crate::store::open_regular(std::fs::OpenOptions::new().read(true), path).ok()?;
    let mut head = Vec::new();
    file.take(4 * 1024).read_to_end(&mut head).ok()?;
    let at = memchr::memmem::find(&head, KEY)? + KEY.len();
    let end = at + memchr::memchr(b'"', &head[at..])?;
    let id = std::str::from_utf8(&head[at..end]).ok()?;
    crate::store::valid_session_id(id).then(|| id.to_owned())
}

/// The offset key of a sub-agent file: its stem when it is a plain id, else a hash of it.
pub fn subagent_key(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !stem.is_empty()
        && stem.len() <= 80
        && stem
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        stem
    } else {
        format!("sub-{:016x}", prompt1_signals::summary::id_hash(&[&stem]))
    }
}

/// Lines up to this size are parsed from memory; longer ones are parsed while streaming, so memory
/// stays bounded by this, not by the longest line (a tool result can carry a whole file).
pub const MAX_BUFFERED_LINE: usize = 4 << 20;

const READ_CHUNK: usize = 1 << 20;

/// How much of a main transcript's start is read to tell a forked session from an ordinary one:
/// a fork's copied history begins within its first few lines.
const FORK_PROBE: u64 = 1 << 20;

/// Bytes at the start of `session_id`'s main transcript `path` that a fork copied from its parent
/// session (0 for an ordinary session): up to the end of the last copied line
/// ([`prompt1_signals::summary::is_inherited_line`]). Only a file whose first megabyte holds a
/// copied line is read further.
pub fn inherited_prefix_len(path: &Path, session_id: &str) -> io::Result<u64> {
    use io::BufRead;
    use prompt1_signals::summary::{is_inherited_line, REQUEST_SESSION_KEY};
    let file = crate::store::open_regular(std::fs::OpenOptions::new().read(true), path)?;
    let mut head = Vec::new();
    (&file).take(FORK_PROBE).read_to_end(&mut head)?;
    if memchr::memmem::find(&head, REQUEST_SESSION_KEY).is_none() {
        return Ok(0);
    }
    let mut reader = io::BufReader::new(&file);
    reader.seek(SeekFrom::Start(0))?;
    let (mut line, mut at, mut end) = (Vec::new(), 0u64, 0u64);
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line)?;
        if n == 0 || line.last() != Some(&b'\n') {
            return Ok(end);
        }
        at += n as u64;
        if is_inherited_line(&line[..n - 1], session_id) {
            end = at;
        }
    }
}

/// Feeds a session's main transcript from `offset` on, as [`feed_file_from`] does; on the first
/// read of a forked session's file, its copied start is fed as [`FileRole::Inherited`] (context,
/// no counts) and the rest as the main conversation.
pub fn feed_main_file_from(
    acc: &mut SessionAccumulator,
    path: &Path,
    offset: u64,
    session_id: &str,
) -> io::Result<u64> {
    let inherited = if offset == 0 {
        inherited_prefix_len(path, session_id)?
    } else {
        0
    };
    if inherited > 0 {
        let mut file = crate::store::open_regular(std::fs::OpenOptions::new().read(true), path)?;
        let mut buf = vec![0u8; READ_CHUNK];
        let read = feed_with(
            acc,
            &mut (&mut file).take(inherited),
            0,
            FileRole::Inherited,
            &mut buf,
        )?;
        if read < inherited {
            return Ok(read);
        }
    }
    feed_file_from(acc, path, offset.max(inherited), FileRole::Main)
}

/// Feeds the complete lines of `path` from byte `offset` on; returns the new offset (just past the
/// last complete line). A partly written last line is left for the next call. Memory use is bounded
/// by [`MAX_BUFFERED_LINE`] plus one read chunk, whatever the file or line size.
pub fn feed_file_from(
    acc: &mut SessionAccumulator,
    path: &Path,
    offset: u64,
    role: FileRole,
) -> io::Result<u64> {
    let mut file = crate::store::open_regular(std::fs::OpenOptions::new().read(true), path)?;
    if offset > 0 {
        file.seek(SeekFrom::Start(offset))?;
    }
    // One buffer per thread, reused from file to file: a bulk read (`tokens`, `import`) opens
    // thousands of files, and a fresh zeroed megabyte for each costs more than reading small ones.
    thread_local! {
        static BUFFER: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
    }
    let mut buf = BUFFER.take();
    buf.resize(READ_CHUNK, 0);
    let result = feed_with(acc, &mut file, offset, role, &mut buf);
    buf.truncate(READ_CHUNK);
    BUFFER.set(buf);
    result
}

/// [`feed_file_from`] on the opened file, with a buffer of [`READ_CHUNK`] bytes to grow as needed.
fn feed_with<R: Read>(
    acc: &mut SessionAccumulator,
    file: &mut R,
    offset: u64,
    role: FileRole,
    buf: &mut Vec<u8>,
) -> io::Result<u64> {
    let mut filled = 0usize;
    let mut consumed = offset;
    loop {
        if filled == buf.len() {
            if buf.len() < MAX_BUFFERED_LINE {
                buf.resize((buf.len() * 2).min(MAX_BUFFERED_LINE), 0);
            } else {
                // One line fills the whole buffer: parse the rest of it as it streams in.
                let mut tail = LineTail::new(&buf[..filled], file);
                let _ = acc.feed_line_reader(io::BufReader::with_capacity(64 * 1024, &mut tail), role);
                let complete = tail.drain_to_newline()?;
                let (line_len, leftover) = (tail.line_len, tail.leftover().to_vec());
                if !complete {
                    // The line is still being written: come back to it next time.
                    return Ok(consumed);
                }
                consumed += line_len;
                buf.truncate(READ_CHUNK.max(leftover.len()));
                buf[..leftover.len()].copy_from_slice(&leftover);
                filled = leftover.len();
                let used = acc.feed_chunk(&buf[..filled], role);
                buf.copy_within(used..filled, 0);
                filled -= used;
                consumed += used as u64;
                continue;
            }
        }
        let n = file.read(&mut buf[filled..])?;
        if n == 0 {
            break;
        }
        let start = filled;
        filled += n;
        // Only look for complete lines when this read brought a newline.
        if memchr::memchr(b'\n', &buf[start..filled]).is_none() {
            continue;
        }
        let used = acc.feed_chunk(&buf[..filled], role);
        buf.copy_within(used..filled, 0);
        filled -= used;
        consumed += used as u64;
    }
    Ok(consumed)
}

/// A reader over one long line: first the part already buffered, then the file up to the newline.
struct LineTail<'a, R: Read> {
    head: &'a [u8],
    file: &'a mut R,
    chunk: Vec<u8>,
    chunk_pos: usize,
    chunk_len: usize,
    hit_newline: bool,
    eof: bool,
    /// Bytes of the line so far, its newline included once seen.
    line_len: u64,
}

impl<'a, R: Read> LineTail<'a, R> {
    fn new(head: &'a [u8], file: &'a mut R) -> Self {
        let line_len = head.len() as u64;
        Self {
            head,
            file,
            chunk: vec![0u8; 256 * 1024],
            chunk_pos: 0,
            chunk_len: 0,
            hit_newline: false,
            eof: false,
            line_len,
        }
    }

    /// Reads and drops the rest of the line; true when its newline was found (false at end of file).
    fn drain_to_newline(&mut self) -> io::Result<bool> {
        self.head = &[];
        let mut sink = [0u8; 64 * 1024];
        while self.read(&mut sink)? > 0 {}
        Ok(self.hit_newline)
    }

    /// Bytes read from the file past the line's newline.
    fn leftover(&self) -> &[u8] {
        &self.chunk[self.chunk_pos..self.chunk_len]
    }
}

impl<R: Read> Read for LineTail<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if !self.head.is_empty() {
            let n = self.head.len().min(out.len());
            out[..n].copy_from_slice(&self.head[..n]);
            self.head = &self.head[n..];
            return Ok(n);
        }
        if self.hit_newline || self.eof || out.is_empty() {
            return Ok(0);
        }
        if self.chunk_pos == self.chunk_len {
            let n = self.file.read(&mut self.chunk)?;
            if n == 0 {
                self.eof = true;
                return Ok(0);
            }
            self.chunk_pos = 0;
            self.chunk_len = n;
        }
        let avail = &self.chunk[self.chunk_pos..self.chunk_len];
        // Look for the newline only in what this call can hand out.
        let window = avail.len().min(out.len());
        let (take, newline) = match memchr::memchr(b'\n', &avail[..window]) {
            Some(i) => (i, true),
            None => (window, false),
        };
        out[..take].copy_from_slice(&avail[..take]);
        self.chunk_pos += take;
        self.line_len += take as u64;
        if newline {
            self.chunk_pos += 1;
            self.line_len += 1;
            self.hit_newline = true;
        }
        Ok(take)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_level_agent_files_belong_to_the_session_they_name() {
        let config = tempfile::tempdir().unwrap();
        let project = config.path().join("projects").join("-Users-x-app");
        std::fs::create_dir_all(&project).unwrap();
        let sid = "7f2abd2d-7cfc-4447-9ddd-3ca8d14e02e9";
        let other = "11111111-2222-4333-8444-555555555555";
        let line = |session: &str| {
            format!(
                r#"{{"parentUuid":null,"isSidechain":true,"sessionId":"{session}","agentId":"0c4c3cf8","type":"user","message":{{"role":"user","content":"Warmup"}}}}"#
            ) + "\n"
        };
        std::fs::write(project.join(format!("{sid}.jsonl")), line(sid)).unwrap();
        std::fs::write(project.join("agent-0c4c3cf8.jsonl"), line(sid)).unwrap();
        std::fs::write(project.join("agent-90fa40b6.jsonl"), line(sid)).unwrap();
        std::fs::write(project.join("agent-deadbeef.jsonl"), line(other)).unwrap();
        let files = find_session_files_in(&[config.path().to_path_buf()], sid);
        let mut keys: Vec<(&str, FileRole)> = files.iter().map(|f| (f.key.as_str(), f.role)).collect();
        keys.sort_by_key(|k| k.0);
        assert_eq!(
            keys,
            [
                ("agent-0c4c3cf8", FileRole::Subagent),
                ("agent-90fa40b6", FileRole::Subagent),
                ("main", FileRole::Main),
            ]
        );
        // The agent file of another session is not this one's, and no agent file is a session.
        assert!(find_session_files_in(&[config.path().to_path_buf()], "agent-deadbeef").is_empty());
    }

    #[test]
    fn a_forks_copied_start_is_found_and_an_ordinary_file_has_none() {
        let fixtures =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../prompt1-signals/tests/fixtures/real/fork");
        let child = fixtures.join("child/1f24b5be-ecd4-4744-9390-d123f87defdd.jsonl");
        let parent = fixtures.join("parent/639a6df4-4345-44a9-9d7b-bfb138e2efee.jsonl");
        let text = std::fs::read(&child).unwrap();
        let len = inherited_prefix_len(&child, "1f24b5be-ecd4-4744-9390-d123f87defdd").unwrap();
        // By hand: the copied part ends with the parent's last reply (line 26 of the file, the
        // 5th line carrying `requestSessionId`); the fork's own lines follow from line 27.
        let lines_before = text[..len as usize].iter().filter(|b| **b == b'\n').count();
        assert_eq!(lines_before, 26);
        assert_eq!(
            inherited_prefix_len(&parent, "639a6df4-4345-44a9-9d7b-bfb138e2efee").unwrap(),
            0
        );
    }
}
