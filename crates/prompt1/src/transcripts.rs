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
fn feed_with(
    acc: &mut SessionAccumulator,
    file: &mut File,
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
struct LineTail<'a> {
    head: &'a [u8],
    file: &'a mut File,
    chunk: Vec<u8>,
    chunk_pos: usize,
    chunk_len: usize,
    hit_newline: bool,
    eof: bool,
    /// Bytes of the line so far, its newline included once seen.
    line_len: u64,
}

impl<'a> LineTail<'a> {
    fn new(head: &'a [u8], file: &'a mut File) -> Self {
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

impl Read for LineTail<'_> {
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
