//! `prompt1 hook EVENT`: the only code that runs inside Claude Code's path.
//!
//! The client runs this on SessionStart, Stop, SubagentStop and SessionEnd with the event's JSON on
//! stdin. It must never delay or disturb the session, so it does as little as possible:
//!
//! * it streams stdin through a field picker that keeps only `session_id` (checked against a strict
//!   pattern) and SessionEnd's `reason`, skipping every other value without buffering it, so a
//!   20 MB payload costs no memory;
//! * it gives up on stdin after [`STDIN_BUDGET`] (a writer that never closes the pipe cannot hold
//!   it: each read first waits in `poll(2)` for the time left, so no thread is needed), and exits 0 with nothing on stdout whatever happens: the client injects a SessionStart
//!   hook's stdout into the model's context, and a non-zero exit is shown to the person;
//! * it forks a detached collector (its own session, no stdio) and returns without waiting: the
//!   child does what `prompt1 collect` does. Reading transcripts, aggregation and any network work
//!   happen there, outside the client's path.
//!
//! Panics are caught and treated like any other error.

use crate::errlog::{self, ErrorKind};
use crate::paths::DataDir;
use crate::store::valid_session_id;
use std::io::Read;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long the hook waits for its stdin to close before giving up on it.
pub const STDIN_BUDGET: Duration = Duration::from_millis(1500);

/// The most the hook reads from stdin before giving up on finding its fields (payloads carrying
/// whole files can be large; the fields it needs come first).
pub const STDIN_READ_LIMIT: u64 = 64 * 1024 * 1024;

/// What the hook keeps from its input.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct HookFields {
    /// The client's session id (validated).
    pub session_id: Option<String>,
    /// SessionEnd's reason.
    pub reason: Option<String>,
    /// The event name, if the payload says it.
    pub event: Option<String>,
}

/// Runs the hook. Always returns normally; the caller exits 0.
pub fn run(event_arg: Option<&str>) {
    let event_arg = event_arg.map(str::to_owned);
    let outcome = std::panic::catch_unwind(move || run_inner(event_arg.as_deref()));
    if outcome.is_err() {
        if let Some(data) = DataDir::resolve() {
            errlog::record(&data.error_log(), ErrorKind::HookInput);
        }
    }
}

fn run_inner(event_arg: Option<&str>) {
    let stdin = std::io::stdin();
    let mut input = Budgeted {
        fd: stdin.as_fd(),
        deadline: Instant::now() + STDIN_BUDGET,
        timed_out: false,
    };
    let read = read_fields((&mut input).take(STDIN_READ_LIMIT));
    // Resolved only when there is something to log: the common path never needs it.
    let log = |kind| {
        if let Some(d) = DataDir::resolve() {
            errlog::record(&d.error_log(), kind);
        }
    };
    if input.timed_out {
        log(ErrorKind::HookInputTimeout);
        return;
    }
    let fields = read.unwrap_or_else(|partial| {
        log(ErrorKind::HookInput);
        partial
    });
    let event = event_arg.or(fields.event.as_deref()).unwrap_or("");
    let Some(session_id) = fields.session_id.as_deref() else {
        log(ErrorKind::HookInput);
        return;
    };
    let end = (event == "SessionEnd")
        .then(|| prompt1_wire::EndReason::from_client(fields.reason.as_deref().unwrap_or("other")));
    let sweep = event == "SessionStart";
    match fork_detached() {
        Ok(Forked::Parent) => {}
        Ok(Forked::Child) => {
            // The collector, in the forked copy of this process: no `exec`, no second start-up.
            let _ = crate::collect_command(Some(session_id.to_owned()), end, sweep);
            std::process::exit(0);
        }
        Err(_) => log(ErrorKind::SpawnCollector),
    }
}

/// Which side of [`fork_detached`] this is.
enum Forked {
    Parent,
    Child,
}

/// Forks this process; the child is detached: its own session (no signal of the client's process
/// group or terminal reaches it), `/dev/null` as stdin, stdout and stderr (so that the client, which
/// reads the hook's output until every writer closed it, never waits for the collector).
///
/// A fork rather than starting `prompt1 collect` (`posix_spawn` + `exec`): the hook is suspended
/// until the new program is loaded, and the collector would pay the dynamic loading and the
/// runtime's start-up again. A forked child only copies the hook's few pages.
#[allow(unsafe_code)]
fn fork_detached() -> std::io::Result<Forked> {
    // SAFETY: the hook runs on one thread (stdin is read on this one with `poll(2)`; nothing
    // starts a thread before this point), so the child gets a consistent copy of the whole
    // process, allocator and locks included, and may go on running ordinary Rust code.
    match unsafe { libc::fork() } {
        -1 => Err(std::io::Error::last_os_error()),
        0 => {
            if let Ok(null) = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open("/dev/null")
            {
                let _ = rustix::stdio::dup2_stdin(&null);
                let _ = rustix::stdio::dup2_stdout(&null);
                let _ = rustix::stdio::dup2_stderr(&null);
            }
            let _ = rustix::process::setsid();
            Ok(Forked::Child)
        }
        _ => Ok(Forked::Parent),
    }
}

/// Standard input read straight from its descriptor, each read waiting at most until the
/// deadline (`poll(2)`): a writer that never closes the pipe cannot hold the hook. No thread and no
/// buffering of its own (the scanner has its buffer).
struct Budgeted<'a> {
    fd: BorrowedFd<'a>,
    deadline: Instant,
    /// The deadline passed before the input ended.
    timed_out: bool,
}

impl Read for Budgeted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use rustix::event::{poll, PollFd, PollFlags, Timespec};
        loop {
            let left = self.deadline.saturating_duration_since(Instant::now());
            let timeout = Timespec {
                tv_sec: i64::try_from(left.as_secs()).unwrap_or(i64::MAX),
                tv_nsec: i64::from(left.subsec_nanos()),
            };
            let mut fds = [PollFd::new(&self.fd, PollFlags::IN)];
            match poll(&mut fds, Some(&timeout)) {
                Ok(0) => {
                    self.timed_out = true;
                    return Err(std::io::ErrorKind::TimedOut.into());
                }
                Ok(_) => break,
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        loop {
            match rustix::io::read(self.fd, &mut *buf) {
                Err(rustix::io::Errno::INTR) => continue,
                done => return done.map_err(Into::into),
            }
        }
    }
}

/// Starts `prompt1 ARGS` in its own process group with no stdio, and does not wait for it: for a
/// caller that exits right after (a long-lived caller would collect zombies).
pub fn spawn_detached(args: &[String]) -> std::io::Result<()> {
    let exe = std::env::current_exe()?;
    // Not waited for: the hook exits right after this, and the collector, orphaned, is reaped by
    // init (or the nearest subreaper).
    #[allow(clippy::zombie_processes)]
    let _child = Command::new(exe)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()?;
    Ok(())
}

/// Streams a hook payload, keeping only the fields prompt1 needs. On malformed or truncated input
/// the fields read so far are returned as the error value.
///
/// This is a small JSON scanner rather than a general parser, because a general parser buffers
/// every string it hands out (a 20 MB key or `session_id` would cost 20 MB). Here memory is one
/// read buffer plus at most [`KEEP`] bytes per kept string, whatever the input: top-level keys and
/// the three wanted values are kept only when at most [`KEEP`] bytes long, every other value is
/// skipped as it streams by, checked loosely (brackets must match, nesting is limited to
/// [`MAX_DEPTH`], escapes are decoded and checked only in kept strings). It stops reading at the top-level object's closing brace, so a writer
/// that sends a complete payload but keeps the pipe open does not hold it.
pub fn read_fields<R: Read>(reader: R) -> Result<HookFields, HookFields> {
    let mut fields = HookFields::default();
    let mut scanner = Scanner {
        reader,
        buf: vec![0u8; 64 * 1024].into_boxed_slice(),
        pos: 0,
        len: 0,
    };
    match scanner.payload(&mut fields) {
        Ok(()) => Ok(fields),
        Err(Malformed) => Err(fields),
    }
}

/// The longest key or wanted value the scanner keeps (session ids are at most 64 bytes).
pub const KEEP: usize = 64;

/// The deepest nesting the scanner follows (as serde_json's default recursion limit).
pub const MAX_DEPTH: u32 = 128;

/// The input is not a (complete) JSON object.
struct Malformed;

type Step<T> = Result<T, Malformed>;

struct Scanner<R> {
    reader: R,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
}

impl<R: Read> Scanner<R> {
    /// Makes at least one byte available; false at end of input.
    fn fill(&mut self) -> Step<bool> {
        while self.pos == self.len {
            match self.reader.read(&mut self.buf) {
                Ok(0) => return Ok(false),
                Ok(n) => (self.pos, self.len) = (0, n),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return Err(Malformed),
            }
        }
        Ok(true)
    }

    fn peek(&mut self) -> Step<Option<u8>> {
        Ok(self.fill()?.then(|| self.buf[self.pos]))
    }

    fn next(&mut self) -> Step<u8> {
        if !self.fill()? {
            return Err(Malformed);
        }
        self.pos += 1;
        Ok(self.buf[self.pos - 1])
    }

    fn next_token(&mut self) -> Step<u8> {
        loop {
            let b = self.next()?;
            if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                return Ok(b);
            }
        }
    }

    /// `{ "key": value, ... }`, keeping the wanted fields as they go by.
    fn payload(&mut self, out: &mut HookFields) -> Step<()> {
        if self.next_token()? != b'{' {
            return Err(Malformed);
        }
        let mut b = self.next_token()?;
        if b == b'}' {
            return Ok(());
        }
        loop {
            if b != b'"' {
                return Err(Malformed);
            }
            let key = self.string(KEEP)?;
            if self.next_token()? != b':' {
                return Err(Malformed);
            }
            let first = self.next_token()?;
            let slot = match key.as_deref() {
                Some("session_id") => Some(&mut out.session_id),
                Some("reason") => Some(&mut out.reason),
                Some("hook_event_name") => Some(&mut out.event),
                _ => None,
            };
            match slot {
                Some(slot) if first == b'"' => *slot = self.string(KEEP)?,
                Some(slot) => {
                    *slot = None;
                    self.skip_value(first)?;
                }
                None => self.skip_value(first)?,
            }
            // Checked at once: a truncated payload's fields are used too.
            out.session_id = out.session_id.take().filter(|s| valid_session_id(s));
            match self.next_token()? {
                b',' => b = self.next_token()?,
                b'}' => return Ok(()),
                _ => return Err(Malformed),
            }
        }
    }

    /// The rest of a string whose opening quote was read. Its text is returned when it is valid
    /// UTF-8 of at most `keep` bytes with no control character (raw or escaped); other strings
    /// stream past without being kept.
    fn string(&mut self, keep: usize) -> Step<Option<String>> {
        let mut text: Option<Vec<u8>> = (keep > 0).then(Vec::new);
        let push = |text: &mut Option<Vec<u8>>, bytes: &[u8]| {
            if let Some(t) = text {
                if t.len() + bytes.len() > keep || bytes.iter().any(|&b| b < 0x20) {
                    *text = None;
                } else {
                    t.extend_from_slice(bytes);
                }
            }
        };
        loop {
            if text.is_none() {
                // Not kept (any more): only its end matters.
                return self.skip_string().map(|()| None);
            }
            if !self.fill()? {
                return Err(Malformed);
            }
            let avail = &self.buf[self.pos..self.len];
            let Some(i) = memchr::memchr2(b'"', b'\\', avail) else {
                push(&mut text, avail);
                self.pos = self.len;
                continue;
            };
            push(&mut text, &avail[..i]);
            let end = avail[i] == b'"';
            self.pos += i + 1;
            if end {
                return Ok(text.and_then(|t| String::from_utf8(t).ok()));
            }
            let unescaped = match self.next()? {
                c @ (b'"' | b'\\' | b'/') => char::from(c),
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => {
                    let unit = self.hex4()?;
                    let code = if (0xD800..0xDC00).contains(&unit) {
                        if self.next()? != b'\\' || self.next()? != b'u' {
                            return Err(Malformed);
                        }
                        let low = self.hex4()?;
                        if !(0xDC00..0xE000).contains(&low) {
                            return Err(Malformed);
                        }
                        0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        unit
                    };
                    match char::from_u32(code) {
                        Some(c) => c,
                        None => {
                            // A lone low surrogate is not a character: the string is not kept.
                            text = None;
                            continue;
                        }
                    }
                }
                _ => return Err(Malformed),
            };
            push(&mut text, unescaped.encode_utf8(&mut [0u8; 4]).as_bytes());
        }
    }

    /// Skips the rest of a string, to just past its closing quote: the first quote that is not
    /// preceded by an odd run of backslashes (the digits of `\uXXXX` are no quote). Jumping from
    /// quote to quote is much faster than stopping at every escape (a file's text has a `\n` on
    /// every line).
    fn skip_string(&mut self) -> Step<()> {
        // Whether the bytes before the current buffer end with an odd run of backslashes.
        let mut odd_before = false;
        let odd_run = |bytes: &[u8], odd_before: bool| {
            let run = bytes.iter().rev().take_while(|&&b| b == b'\\').count();
            (run % 2 == 1) != (run == bytes.len() && odd_before)
        };
        loop {
            if !self.fill()? {
                return Err(Malformed);
            }
            let avail = &self.buf[self.pos..self.len];
            if let Some(q) = memchr::memchr_iter(b'"', avail).find(|&q| !odd_run(&avail[..q], odd_before)) {
                self.pos += q + 1;
                return Ok(());
            }
            odd_before = odd_run(avail, odd_before);
            self.pos = self.len;
        }
    }

    fn hex4(&mut self) -> Step<u32> {
        let mut value = 0;
        for _ in 0..4 {
            let digit = char::from(self.next()?).to_digit(16).ok_or(Malformed)?;
            value = value * 16 + digit;
        }
        Ok(value)
    }

    /// Skips a value whose first byte was read.
    fn skip_value(&mut self, first: u8) -> Step<()> {
        match first {
            b'"' => self.string(0).map(drop),
            b'{' | b'[' => self.skip_nested(first),
            b't' => self.literal(b"rue"),
            b'f' => self.literal(b"alse"),
            b'n' => self.literal(b"ull"),
            b'-' | b'0'..=b'9' => self.skip_number(),
            _ => Err(Malformed),
        }
    }

    /// Skips an object or array whose opening bracket was read: brackets must match (a bit per
    /// level says which one is open), strings and scalars are skipped.
    fn skip_nested(&mut self, first: u8) -> Step<()> {
        let mut objects: u128 = u128::from(first == b'{');
        let mut depth = 1;
        loop {
            match self.next_token()? {
                open @ (b'{' | b'[') => {
                    if depth == MAX_DEPTH {
                        return Err(Malformed);
                    }
                    objects = objects << 1 | u128::from(open == b'{');
                    depth += 1;
                }
                close @ (b'}' | b']') => {
                    if (objects & 1 == 1) != (close == b'}') {
                        return Err(Malformed);
                    }
                    objects >>= 1;
                    depth -= 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                b',' | b':' => {}
                other => self.skip_value(other)?,
            }
        }
    }

    fn literal(&mut self, rest: &[u8]) -> Step<()> {
        for &want in rest {
            if self.next()? != want {
                return Err(Malformed);
            }
        }
        Ok(())
    }

    fn skip_number(&mut self) -> Step<()> {
        while let Some(b) = self.peek()? {
            if !matches!(b, b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') {
                break;
            }
            self.pos += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_fields_from_real_payloads() {
        let stop = br#"{"session_id":"15160ddf-a5c8-48f6-b561-767c1256652b","transcript_path":"/x","hook_event_name":"Stop","stop_hook_active":false,"background_tasks":[]}"#;
        let f = read_fields(&stop[..]).unwrap();
        assert_eq!(
            f.session_id.as_deref(),
            Some("15160ddf-a5c8-48f6-b561-767c1256652b")
        );
        assert_eq!(f.event.as_deref(), Some("Stop"));
        let end = br#"{"session_id":"15160ddf-a5c8-48f6-b561-767c1256652b","hook_event_name":"SessionEnd","reason":"prompt_input_exit"}"#;
        assert_eq!(
            read_fields(&end[..]).unwrap().reason.as_deref(),
            Some("prompt_input_exit")
        );
    }

    #[test]
    fn truncated_input_keeps_what_was_read_and_hostile_ids_are_dropped() {
        let cut = br#"{"session_id":"15160ddf-a5c8-48f6-b561-767c1256652b","tool_input":{"content":"abc"#;
        let f = read_fields(&cut[..]).unwrap_err();
        assert!(f.session_id.is_some());
        let bad = br#"{"session_id":"../../../etc/passwd"}"#;
        assert_eq!(read_fields(&bad[..]).unwrap().session_id, None);
        assert!(read_fields(&b"not json"[..]).is_err());
        assert!(read_fields(&b"[1,2,3]"[..]).is_err());
        assert_eq!(read_fields(&br#"{"session_id":5}"#[..]).unwrap().session_id, None);
    }

    #[test]
    fn agrees_with_a_json_parser_on_the_real_samples_and_on_escapes() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/claude-harness/samples/hook-input");
        let mut payloads: Vec<Vec<u8>> = std::fs::read_dir(&dir)
            .map(|d| d.flatten().filter_map(|e| std::fs::read(e.path()).ok()).collect())
            .unwrap_or_default();
        payloads.push(br#" { "x" : [1, -2.5e+3, {"a": [true, false, null]}, "\"}"], "session\u005fid" : "ab\u0063d-1234", "reason": "a\ud83d\ude00" } "#.to_vec());
        payloads.push(br#"{"session_id":"abcd-1234\n","hook_event_name":7,"reason":null}"#.to_vec());
        for bytes in payloads {
            let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            let short = |k: &str| {
                v[k].as_str()
                    .filter(|s| s.len() <= KEEP && !s.chars().any(char::is_control))
                    .map(str::to_owned)
            };
            let f = read_fields(&bytes[..]).unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&bytes)));
            assert_eq!(f.session_id, short("session_id").filter(|s| valid_session_id(s)));
            assert_eq!(f.event, short("hook_event_name"));
            assert_eq!(f.reason, short("reason"));
        }
        // A lone low surrogate is no character: the string is skipped, not kept.
        let lone = read_fields(&br#"{"reason":"\udc00x","session_id":"abcd-1234"}"#[..]).unwrap();
        assert_eq!(
            (lone.reason, lone.session_id.as_deref()),
            (None, Some("abcd-1234"))
        );
    }

    #[test]
    fn long_strings_and_deep_nesting_are_skipped_without_being_kept() {
        let id = "15160ddf-a5c8-48f6-b561-767c1256652b";
        let huge_key = format!(r#"{{"{}":1,"session_id":"{id}"}}"#, "k".repeat(1 << 20));
        assert_eq!(
            read_fields(huge_key.as_bytes()).unwrap().session_id.as_deref(),
            Some(id)
        );
        let huge_id = format!(r#"{{"session_id":"{}"}}"#, "a".repeat(1 << 20));
        assert_eq!(read_fields(huge_id.as_bytes()).unwrap().session_id, None);
        let deep = format!(
            r#"{{"session_id":"{id}","x":{}{}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        );
        assert_eq!(
            read_fields(deep.as_bytes()).unwrap_err().session_id.as_deref(),
            Some(id)
        );
        let ok = format!(
            r#"{{"x":{}{},"session_id":"{id}"}}"#,
            "[{\"a\":".repeat(60),
            "}]".repeat(60)
        );
        assert_eq!(
            read_fields(ok.as_bytes()).unwrap().session_id.as_deref(),
            Some(id)
        );
        for bad in [
            &br#"{"x":[}"#[..],
            br#"{"x":tru}"#,
            br#"{"x" 1}"#,
            br#"{"x":1 "y":2}"#,
            b"{\"session_id\":\"\\q\"}",
            b"\xef\xbb\xbf{}",
        ] {
            assert!(read_fields(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn skipped_strings_end_at_the_first_unescaped_quote_across_any_read_boundary() {
        /// Hands out the input in pieces of 1 to 7 bytes.
        struct Pieces<'a>(&'a [u8], usize);
        impl Read for Pieces<'_> {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                self.1 = self.1 % 7 + 1;
                let n = self.0.len().min(out.len()).min(self.1);
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for round in 0..2000 {
            let text: String = (0..round % 40)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    ['a', '"', '\\', '\n', 'é', '\u{1}'][(x % 6) as usize]
                })
                .collect();
            let skipped = serde_json::to_string(&text).unwrap();
            let key = serde_json::to_string(&format!("k{text}")).unwrap();
            let payload = format!(r#"{{{key}:{skipped},"session_id":"abcd-1234","n":[{skipped}]}}"#);
            for f in [
                read_fields(payload.as_bytes()),
                read_fields(Pieces(payload.as_bytes(), round)),
            ] {
                assert_eq!(
                    f.map(|f| f.session_id),
                    Ok(Some("abcd-1234".to_owned())),
                    "{payload}"
                );
            }
        }
    }

    #[test]
    fn stops_reading_at_the_closing_brace() {
        struct ThenFail<'a>(&'a [u8]);
        impl Read for ThenFail<'_> {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                if self.0.is_empty() {
                    panic!("read past the payload");
                }
                let n = self.0.len().min(out.len()).min(7);
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let f = read_fields(ThenFail(br#"{"session_id":"15160ddf-a5c8-48f6","n":-1}"#)).unwrap();
        assert_eq!(f.session_id.as_deref(), Some("15160ddf-a5c8-48f6"));
    }
}
