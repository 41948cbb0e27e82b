//! Fail-open, shown by fault injection on the real binary.
//!
//! `prompt1 hook EVENT` runs inside Claude Code's path on every session event. Whatever its input
//! and whatever state the machine is in, it must exit 0, print nothing (the client injects a
//! SessionStart hook's stdout into the model's context), return by itself (never wait on a writer
//! that keeps its stdin open), and keep its memory small. Each test below injects one fault and
//! asserts exactly that, and the child's peak RSS. No assertion is on a duration: a hook that
//! waits for what it must not wait for shows as the event it waited for (a timeout logged, no
//! collector started) or, if it hung, as a child still running when the watchdog gives up
//! ([`HANG_WATCHDOG`], far beyond any budget: hang detection, not a speed claim). Speed is measured
//! in `scripts/bench-hook`.
//!
//! Peak RSS comes from `/usr/bin/time -f %M` when it is installed: a child started straight from
//! this (large) test process inherits the test's high-water mark in its `ru_maxrss` (Linux records
//! the old address space's peak at `exec`), so the hook is started from a small process instead.
//! Without it, the hook's `VmHWM` is sampled from `/proc` while it runs.
//!
//! The detached collector the hook starts is checked too: on broken local data it finishes
//! (never hangs), recovers what it can by counting again, never counts twice, and logs a category,
//! never a message that could quote a prompt or a path.
//!
//! Every test runs in its own sandbox (`PROMPT1_HOME`, `CLAUDE_CONFIG_DIR` and `HOME` in a temporary
//! folder, everything else in the environment cleared) and waits for the collectors it started.
//! The full-disk test mounts a 64 KiB tmpfs (root only; it skips itself otherwise); the read-only
//! test remounts one read-only as root, and uses a mode-0500 folder otherwise.

// `waitpid` (polling a child's exit while it is timed, with a kill after 30 s) and `geteuid` come
// from libc; nothing else is unsafe here, and each call says why it is sound.
#![allow(unsafe_code)]
// A test helper that cannot set up its fault should fail the test on the spot.
#![allow(clippy::unwrap_used)]

mod skip;

use serde_json::Value;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_prompt1");

/// How long a child may run before it is taken for hung and killed (the hook's own stdin budget
/// is 1.5 s; the largest collection here takes a fraction of a second).
const HANG_WATCHDOG: Duration = Duration::from_secs(60);

/// Peak memory the hook may use, in KiB.
const MAX_RSS_KIB: i64 = 10 * 1024;

/// The error log's cap (`errlog::MAX_LOG_BYTES`), and how far past it a file may go: the size check
/// and the append are two steps, so each writer running at the same time may add one line (~45
/// bytes) after the check.
const LOG_CAP: u64 = 64 * 1024;
const LOG_SLACK: u64 = 4 * 1024;

/// Every category the error log may hold.
const CATEGORIES: [&str; 12] = [
    "hook_input_malformed",
    "hook_input_timeout",
    "spawn_collector_failed",
    "data_dir_unwritable",
    "data_dir_read_only",
    "disk_full",
    "transcript_unreadable",
    "transcript_missing",
    "state_corrupt_recounted",
    "lock_timeout",
    "summary_invalid",
    "sync_failed",
];

/// The session of the real sub-agent transcript fixture (a main file and one sub-agent file).
const SID: &str = "bd63554e-fca7-4588-8682-374237e44687";

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../prompt1-signals/tests/fixtures/real/subagent")
}

/// A real Stop payload (client 2.1.332) for `sid`.
fn stop_payload(sid: &str) -> String {
    format!(
        r#"{{"session_id":"{sid}","transcript_path":"/home/dev/runs/basic/home/.claude/projects/-home-dev-runs-basic-project/{sid}.jsonl","cwd":"/home/dev/runs/basic/project","prompt_id":"2b87c50d-81e9-4b37-8a02-e46f9d1c8933","permission_mode":"bypassPermissions","effort":{{"level":"medium"}},"hook_event_name":"Stop","stop_hook_active":false,"last_assistant_message":"All done: ran echo, wrote notes.txt and read it back.","background_tasks":[],"session_crons":[]}}"#
    )
}

/// A real PreToolUse payload for Edit, with `new_string` of `size` bytes.
fn edit_payload(sid: &str, size: usize) -> Vec<u8> {
    let mut p = format!(
        r#"{{"session_id":"{sid}","transcript_path":"/home/dev/runs/default/home/.claude/projects/-home-dev-runs-default-project/{sid}.jsonl","cwd":"/home/dev/runs/default/project","prompt_id":"44185adf-685b-427b-b01d-c4e430c31ec9","permission_mode":"default","effort":{{"level":"medium"}},"hook_event_name":"PreToolUse","tool_name":"Edit","tool_input":{{"file_path":"/home/dev/runs/default/project/existing.txt","old_string":"line two","new_string":""#
    )
    .into_bytes();
    let line = b"    let x = \\\"escaped \\u00e9\\\"; // \\\\ path\\n";
    while p.len() < size {
        p.extend_from_slice(line);
    }
    p.extend_from_slice(br#"","replace_all":false},"tool_use_id":"toolu_01a3070ba6fbd27ed2d2022a9c"}"#);
    p
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// A throwaway data folder, Claude config folder and HOME.
struct Sandbox {
    dir: tempfile::TempDir,
    data: PathBuf,
    config: PathBuf,
}

impl Sandbox {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let config = dir.path().join("claude");
        std::fs::create_dir_all(config.join("projects/-home-dev-project")).unwrap();
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        std::fs::create_dir_all(dir.path().join("tmp")).unwrap();
        Self { dir, data, config }
    }

    fn project(&self) -> PathBuf {
        self.config.join("projects/-home-dev-project")
    }

    /// Puts the fixture's transcript (main and sub-agent files) in place as session `sid`.
    fn with_transcript(self, sid: &str) -> Self {
        let src = fixture_dir();
        std::fs::copy(
            src.join(format!("{SID}.jsonl")),
            self.project().join(format!("{sid}.jsonl")),
        )
        .unwrap();
        let subs = self.project().join(sid).join("subagents");
        std::fs::create_dir_all(&subs).unwrap();
        for e in std::fs::read_dir(src.join(SID).join("subagents"))
            .unwrap()
            .flatten()
        {
            std::fs::copy(e.path(), subs.join(e.file_name())).unwrap();
        }
        self
    }

    /// Marks the idle sweep as just done, so that no collector of the next minutes finalizes the
    /// fixture's session (its lines are long past the idle time): for tests that compare a
    /// summary with another collection's, which must not depend on which process swept first.
    fn without_idle_sweep(self) -> Self {
        std::fs::create_dir_all(self.data.join("locks")).unwrap();
        std::fs::write(self.data.join("locks/sweep.stamp"), b"").unwrap();
        self
    }

    /// `prompt1 ARGS` with only this sandbox's environment.
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = measured(BIN);
        c.args(args);
        self.env(&mut c);
        c
    }

    fn env(&self, c: &mut Command) {
        c.env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", self.dir.path().join("home"))
            .env("PROMPT1_HOME", &self.data)
            .env("CLAUDE_CONFIG_DIR", &self.config)
            .env("TMPDIR", self.dir.path().join("tmp"))
            .env("TZ", "UTC");
    }

    /// `prompt1 status`'s output (it must succeed whatever is broken).
    fn status(&self) -> String {
        let o = run(self.cmd(&["status"]), Input::Null);
        assert_eq!(o.code, Some(0), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    }

    /// The lines of the fallback error log (`$TMPDIR/prompt1-<uid>/errors.log`).
    fn fallback_log(&self) -> Vec<String> {
        // SAFETY: geteuid has no preconditions.
        let uid = unsafe { libc::geteuid() };
        let path = self.dir.path().join(format!("tmp/prompt1-{uid}/errors.log"));
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn hook(&self, event: &str) -> Command {
        self.cmd(&["hook", event])
    }

    /// Runs `prompt1 collect --session sid` to its end, within the bound.
    fn collect(&self, sid: &str, extra: &[&str]) -> Outcome {
        let mut args = vec!["collect", "--session", sid];
        args.extend_from_slice(extra);
        run(self.cmd(&args), Input::Null)
    }

    /// Waits until no process started with this sandbox's data folder is left (the detached
    /// collectors), so that each test sees their effects and none outlives its folder.
    fn wait_collectors(&self) {
        let needle = format!("PROMPT1_HOME={}\0", self.data.display()).into_bytes();
        let deadline = Instant::now() + HANG_WATCHDOG;
        loop {
            let me = std::process::id().to_string();
            let running = std::fs::read_dir("/proc")
                .map(|d| {
                    d.flatten().any(|e| {
                        let name = e.file_name();
                        let name = name.to_string_lossy();
                        name.bytes().all(|b| b.is_ascii_digit())
                            && name != me
                            && std::fs::read(e.path().join("environ"))
                                .is_ok_and(|env| env.windows(needle.len()).any(|w| w == needle.as_slice()))
                    })
                })
                .unwrap_or(false);
            if !running {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "collectors hung (still running after {HANG_WATCHDOG:?})"
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    fn summaries(&self) -> Vec<Value> {
        let Ok(dir) = std::fs::read_dir(self.data.join("summaries")) else {
            return Vec::new();
        };
        dir.flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
            .map(|e| serde_json::from_slice(&std::fs::read(e.path()).unwrap()).unwrap())
            .collect()
    }

    fn only_summary(&self) -> Value {
        let all = self.summaries();
        assert_eq!(all.len(), 1, "summaries: {all:?}");
        all.into_iter().next().unwrap()
    }

    /// The summary a single collector computes for `sid` from the full fixture in a fresh sandbox
    /// sharing this one's install key (so the session key is the same).
    fn reference_summary(&self, sid: &str) -> Value {
        let fresh = Sandbox::new().with_transcript(sid).without_idle_sweep();
        std::fs::create_dir_all(&fresh.data).unwrap();
        std::fs::copy(self.data.join("install.key"), fresh.data.join("install.key")).unwrap();
        assert_eq!(fresh.collect(sid, &[]).code, Some(0));
        fresh.only_summary()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if !thread::panicking() {
            self.wait_collectors();
        }
    }
}

/// `program`, started through `/usr/bin/time` when it is there, to measure its peak memory.
fn measured(program: impl AsRef<std::ffi::OsStr>) -> Command {
    if Path::new("/usr/bin/time").is_file() {
        let mut c = Command::new("/usr/bin/time");
        c.args(["-f", "@@maxrss %M", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

/// The peak RSS (KiB) of a running process, if it is the prompt1 binary by now.
fn vm_hwm(pid: libc::pid_t) -> Option<i64> {
    let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok()?;
    if exe.file_name()? != "prompt1" {
        return None;
    }
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// What the child's stdin is.
enum Input {
    /// These bytes, then end of file.
    Bytes(Vec<u8>),
    /// These bytes, and the pipe held open until the child has exited.
    HeldOpen(Vec<u8>),
    /// `/dev/null`.
    Null,
}

#[derive(Debug)]
struct Outcome {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    /// Spawn to the later of exit and end of stdout.
    elapsed: Duration,
    /// Peak RSS of the program (not of `/usr/bin/time`), when measured.
    max_rss_kib: Option<i64>,
}

/// Runs a child to its end: exit status, output, wall time and peak RSS (see [`measured`]). A
/// child that hangs is killed after 30 s and fails the test.
fn run(mut cmd: Command, input: Input) -> Outcome {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.stdin(match input {
        Input::Null => Stdio::null(),
        _ => Stdio::piped(),
    });
    let start = Instant::now();
    // Reaped below with `waitpid`, which `Child::wait` would not allow (no `WNOHANG` polling).
    #[allow(clippy::zombie_processes)]
    let mut child: Child = cmd.spawn().unwrap();
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    let writer = child.stdin.take().map(|mut pipe: ChildStdin| {
        let (bytes, hold) = match input {
            Input::Bytes(b) => (b, false),
            Input::HeldOpen(b) => (b, true),
            Input::Null => (Vec::new(), false),
        };
        thread::spawn(move || {
            // The hook may stop reading early (malformed input): a broken pipe is expected.
            let _ = pipe.write_all(&bytes);
            hold.then_some(pipe)
        })
    });
    let reader = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            (buf, Instant::now())
        })
    };
    let out = reader(Box::new(child.stdout.take().unwrap()));
    let err = reader(Box::new(child.stderr.take().unwrap()));
    let deadline = start + HANG_WATCHDOG;
    let mut sampled = None;
    let (status, exited) = loop {
        let mut status = 0;
        // SAFETY: `pid` is this test's own child, not reaped yet (std's `Child` is never waited
        // on); the pointer is to a live local.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if r == pid {
            break (status, Instant::now());
        }
        sampled = vm_hwm(pid).max(sampled);
        assert_eq!(r, 0, "wait4 failed: {}", std::io::Error::last_os_error());
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("child hung (still running after {HANG_WATCHDOG:?}): {cmd:?}");
        }
        thread::sleep(Duration::from_millis(1));
    };
    let (stdout, stdout_end) = out.join().unwrap();
    let (stderr, _) = err.join().unwrap();
    drop(writer.map(|w| w.join()));
    // /usr/bin/time's own lines go last on stderr: take them out.
    let text = String::from_utf8_lossy(&stderr).into_owned();
    let mut max_rss_kib = sampled;
    let mut kept = String::new();
    for line in text.split_inclusive('\n') {
        if let Some(kib) = line.strip_prefix("@@maxrss ") {
            max_rss_kib = kib.trim().parse().ok();
        } else if !line.starts_with("Command exited with non-zero status") {
            kept.push_str(line);
        }
    }
    Outcome {
        code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        stdout,
        stderr: kept.into_bytes(),
        elapsed: exited.max(stdout_end) - start,
        max_rss_kib,
    }
}

/// Exit 0 (by itself: see [`run`]'s watchdog), nothing on stdout or stderr, under the memory cap.
#[track_caller]
fn assert_fail_open(case: &str, o: &Outcome) {
    assert_eq!(
        o.code,
        Some(0),
        "{case}: exit status (stderr: {})",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        o.stdout.is_empty(),
        "{case}: printed {:?}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(
        o.stderr.is_empty(),
        "{case}: printed on stderr {:?}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        o.max_rss_kib.unwrap_or(0) < MAX_RSS_KIB,
        "{case}: peak memory {:?} KiB",
        o.max_rss_kib
    );
}

fn hook(sb: &Sandbox, event: &str, input: Input) -> Outcome {
    run(sb.hook(event), input)
}

/// The error log (and its previous generation): each line a time and a known category, no
/// line carrying any of `canaries`, each file under its cap. Returns the categories in order.
#[track_caller]
fn log_categories(data: &Path, canaries: &[&str]) -> Vec<String> {
    let mut kinds = Vec::new();
    for name in ["errors.log.1", "errors.log"] {
        let Ok(bytes) = std::fs::read(data.join(name)) else {
            continue;
        };
        assert!(
            bytes.len() as u64 <= LOG_CAP + LOG_SLACK,
            "{name} is {} bytes",
            bytes.len()
        );
        let text = String::from_utf8(bytes).expect("log is text");
        for c in canaries {
            assert!(!text.contains(c), "{name} holds {c:?}");
        }
        for line in text.lines() {
            let (time, kind) = line
                .split_once(' ')
                .unwrap_or_else(|| panic!("bad line {line:?}"));
            let t = time.as_bytes();
            assert!(
                t.len() == 20 && t[4] == b'-' && t[10] == b'T' && t[19] == b'Z',
                "bad time in {line:?}"
            );
            assert!(CATEGORIES.contains(&kind), "unknown category in {line:?}");
            kinds.push(kind.to_owned());
        }
    }
    kinds
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap().success();
    assert!(ok, "mkfifo {}", path.display());
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn without(mut v: Value, fields: &[&str]) -> Value {
    for f in fields {
        v.as_object_mut().unwrap().remove(*f);
    }
    v
}

// ---------------------------------------------------------------------------------------------
// Hook input
// ---------------------------------------------------------------------------------------------

#[test]
fn malformed_json() {
    let sb = Sandbox::new().with_transcript(SID);
    let canary = "CANARY-malformed-7f3a";
    let cases: Vec<Vec<u8>> = vec![
        format!(r#"{{"session_id": {canary}"#).into_bytes(),
        format!(r#"{{session_id: "{SID}", "p": "{canary}"}}"#).into_bytes(),
        format!(r#"{{"a":1,,"b":"{canary}"}}"#).into_bytes(),
        format!(r#"["{SID}", "{canary}"]"#).into_bytes(),
        format!(r#""{canary}""#).into_bytes(),
        format!(r#"{{"session_id":"../../etc/{canary}","hook_event_name":"Stop"}}"#).into_bytes(),
        format!(r#"{{"session_id":"{SID}" "x":"{canary}"}}"#).into_bytes(),
        format!(r#"{{"x":[1,2}},"session_id":"{canary}"}}"#).into_bytes(),
        format!("{}{canary}", "[".repeat(100_000)).into_bytes(),
        b"nul".to_vec(),
    ];
    for (i, bytes) in cases.into_iter().enumerate() {
        assert_fail_open(
            &format!("malformed #{i}"),
            &hook(&sb, "Stop", Input::Bytes(bytes)),
        );
    }
    sb.wait_collectors();
    let kinds = log_categories(&sb.data, &[canary]);
    assert!(kinds.iter().any(|k| k == "hook_input_malformed"), "{kinds:?}");
}

#[test]
fn empty_stdin() {
    let sb = Sandbox::new();
    assert_fail_open("empty pipe", &hook(&sb, "Stop", Input::Bytes(Vec::new())));
    assert_fail_open("/dev/null", &hook(&sb, "SessionStart", Input::Null));
    // No stdin at all: descriptor 0 closed.
    let mut closed = measured("/bin/sh");
    closed.args(["-c", r#"exec "$0" hook Stop <&-"#, BIN]);
    sb.env(&mut closed);
    assert_fail_open("closed stdin", &run(closed, Input::Null));
    // No event argument either.
    assert_fail_open("no event", &run(sb.cmd(&["hook"]), Input::Null));
    sb.wait_collectors();
    assert!(log_categories(&sb.data, &[])
        .iter()
        .all(|k| k == "hook_input_malformed"));
}

#[test]
fn truncated_json() {
    let payload = stop_payload(SID).into_bytes();
    let id_end = payload
        .windows(SID.len())
        .position(|w| w == SID.as_bytes())
        .unwrap()
        + SID.len()
        + 1;
    for (i, cut) in [
        1,
        10,
        id_end - 5,
        id_end,
        id_end + 1,
        payload.len() / 2,
        payload.len() - 1,
    ]
    .into_iter()
    .enumerate()
    {
        let sb = Sandbox::new().with_transcript(SID);
        assert_fail_open(
            &format!("cut at {cut}"),
            &hook(&sb, "Stop", Input::Bytes(payload[..cut].to_vec())),
        );
        sb.wait_collectors();
        // Once the session id has been read whole, the collector is started all the same.
        let collected = sb.summaries().len();
        assert_eq!(collected, usize::from(cut >= id_end), "case {i}: cut at {cut}");
        log_categories(&sb.data, &[]);
    }
}

#[test]
fn huge_payload_20_mb_edit_stays_under_10_mb() {
    let sb = Sandbox::new();
    let mb20 = 20 << 20;
    let edit = edit_payload(SID, mb20);
    assert!(edit.len() >= mb20);
    let o = hook(&sb, "PreToolUse", Input::Bytes(edit));
    assert_fail_open("20 MB Edit", &o);
    assert!(o.max_rss_kib.is_some(), "peak memory not measured");
    eprintln!(
        "20 MB Edit payload: {:?}, peak {:?} KiB",
        o.elapsed, o.max_rss_kib
    );

    // The same size where a general parser would buffer it: a key, the session id, the event name.
    let big = "k".repeat(mb20);
    let cases = [
        (
            "20 MB key",
            format!(r#"{{"{big}":1,"session_id":"{SID}","hook_event_name":"Stop"}}"#),
        ),
        (
            "20 MB session id",
            format!(r#"{{"session_id":"{big}","hook_event_name":"Stop"}}"#),
        ),
        (
            "20 MB event name",
            format!(r#"{{"session_id":"{SID}","hook_event_name":"{big}"}}"#),
        ),
        (
            "20 MB nested array",
            format!(r#"{{"session_id":"{SID}","x":[{}0]}}"#, "0,".repeat(mb20 / 2)),
        ),
        ("20 MB truncated", format!(r#"{{"session_id":"{SID}","x":"{big}"#)),
    ];
    for (case, payload) in cases {
        let o = hook(&sb, "Stop", Input::Bytes(payload.into_bytes()));
        assert_fail_open(case, &o);
        eprintln!("{case}: {:?}, peak {:?} KiB", o.elapsed, o.max_rss_kib);
    }
}

#[test]
fn stdin_never_closes() {
    let sb = Sandbox::new().with_transcript(SID);
    // Nothing ever written: the hook gives up after its stdin budget.
    let o = hook(&sb, "Stop", Input::HeldOpen(Vec::new()));
    // It returned by itself while the pipe was still open (the watchdog did not fire), and says
    // why it gave up.
    assert_fail_open("silent open pipe", &o);
    assert_eq!(log_categories(&sb.data, &[]), ["hook_input_timeout"]);
    // Half a payload, then silence.
    let half = stop_payload(SID).into_bytes()[..100].to_vec();
    assert_fail_open(
        "half a payload, open pipe",
        &hook(&sb, "Stop", Input::HeldOpen(half)),
    );
    sb.wait_collectors();
    assert!(
        sb.summaries().is_empty(),
        "an unfinished payload started a collector"
    );
    let kinds = log_categories(&sb.data, &[]);
    assert_eq!(kinds, ["hook_input_timeout", "hook_input_timeout"]);
    // A whole payload and the pipe left open: no waiting for the end of file.
    let o = hook(&sb, "Stop", Input::HeldOpen(stop_payload(SID).into_bytes()));
    assert_fail_open("whole payload, open pipe", &o);
    sb.wait_collectors();
    // Had it waited for the pipe to close, it would have run out of time: a third timeout logged
    // and no collector started.
    assert_eq!(sb.summaries().len(), 1, "the collector ran");
    assert_eq!(
        log_categories(&sb.data, &[]),
        ["hook_input_timeout", "hook_input_timeout"],
        "no timeout for a whole payload"
    );
}

#[test]
fn binary_garbage_and_invalid_utf8() {
    let sb = Sandbox::new().with_transcript(SID);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let random: Vec<u8> = (0..1 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let utf16: Vec<u8> = stop_payload(SID)
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        ("random bytes", random),
        ("NULs", vec![0; 4096]),
        ("UTF-16", [&[0xFF, 0xFE][..], &utf16].concat()),
        (
            "invalid UTF-8 session id",
            b"{\"session_id\":\"\xff\xfe\xfd\xfc-1234-5678\",\"hook_event_name\":\"Stop\"}".to_vec(),
        ),
        ("invalid UTF-8 key", b"{\"\xc3\x28\":1}".to_vec()),
    ];
    let mut bad_field = stop_payload(SID).into_bytes();
    let at = bad_field.windows(8).position(|w| w == b"All done").unwrap();
    bad_field[at..at + 4].copy_from_slice(b"\xed\xa0\x80\xff");
    cases.push(("invalid UTF-8 in a skipped field", bad_field));
    for (case, bytes) in cases {
        assert_fail_open(case, &hook(&sb, "Stop", Input::Bytes(bytes)));
    }
    sb.wait_collectors();
    log_categories(&sb.data, &[]);
    // The payload with a bad byte in a field it skips still names its session.
    assert_eq!(sb.summaries().len(), 1);
}

#[test]
fn hook_never_touches_the_network() {
    if Command::new("strace").arg("-V").output().is_err() {
        skip::skip("strace not installed (Debian package `strace`)");
        return;
    }
    let sb = Sandbox::new().with_transcript(SID);
    let trace = sb.dir.path().join("trace");
    for event in ["SessionStart", "Stop", "SubagentStop", "SessionEnd"] {
        let mut c = Command::new("strace");
        c.args(["-f", "-qq", "-e", "trace=%network", "-e", "signal=none", "-o"])
            .arg(&trace)
            .args([BIN, "hook", event]);
        sb.env(&mut c);
        let o = run(c, Input::Bytes(stop_payload(SID).into_bytes()));
        if o.code != Some(0) && String::from_utf8_lossy(&o.stderr).contains("strace:") {
            skip::skip(&format!(
                "strace cannot trace here: {}",
                String::from_utf8_lossy(&o.stderr)
            ));
            return;
        }
        assert_eq!(o.code, Some(0));
        assert!(o.stdout.is_empty());
        // Only system calls (not `+++ exited +++` or `--- SIG ---` notes) count.
        let calls: String = std::fs::read_to_string(&trace)
            .unwrap()
            .lines()
            .filter(|l| l.contains('(') && !l.contains("+++") && !l.contains("---"))
            .collect();
        assert!(
            calls.is_empty(),
            "{event}: network calls (hook and collector):\n{calls}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Local data
// ---------------------------------------------------------------------------------------------

#[test]
fn data_dir_is_a_file() {
    let sb = Sandbox::new().with_transcript(SID);
    std::fs::write(&sb.data, b"in the way").unwrap();
    assert_fail_open(
        "data dir is a file",
        &hook(&sb, "Stop", Input::Bytes(stop_payload(SID).into_bytes())),
    );
    assert_fail_open("and bad input", &hook(&sb, "Stop", Input::Bytes(b"{".to_vec())));
    sb.wait_collectors();
    assert_eq!(std::fs::read(&sb.data).unwrap(), b"in the way");
    let c = sb.collect(SID, &[]);
    assert_eq!(c.code, Some(1), "collect reports it to a person");
    assert!(c.stdout.is_empty());
}

#[test]
fn install_key_unreadable() {
    let sb = Sandbox::new().with_transcript(SID);
    std::fs::create_dir_all(&sb.data).unwrap();
    let key = sb.data.join("install.key");
    let payload = stop_payload(SID).into_bytes();
    let variants: [(&str, &dyn Fn()); 3] = [
        ("a directory", &|| std::fs::create_dir(&key).unwrap()),
        ("too short", &|| std::fs::write(&key, b"short").unwrap()),
        ("a FIFO", &|| mkfifo(&key)),
    ];
    for (case, make) in variants {
        let _ = std::fs::remove_dir(&key);
        let _ = std::fs::remove_file(&key);
        make();
        assert_fail_open(case, &hook(&sb, "Stop", Input::Bytes(payload.clone())));
        sb.wait_collectors();
        // The collector gives up at once (it must not pick a new key: the sessions it already
        // keyed would be counted again under new keys) and logs a category.
        let c = sb.collect(SID, &[]);
        assert_eq!(c.code, Some(1), "{case}");
        assert!(sb.summaries().is_empty());
    }
    if !is_root() {
        let _ = std::fs::remove_file(&key);
        std::fs::write(&key, [7u8; 32]).unwrap();
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o000)).unwrap();
        assert_fail_open("mode 000", &hook(&sb, "Stop", Input::Bytes(payload.clone())));
        sb.wait_collectors();
    }
    let kinds = log_categories(&sb.data, &[]);
    assert!(kinds.iter().all(|k| k == "data_dir_unwritable"), "{kinds:?}");
}

#[test]
fn outbox_not_writable() {
    let sb = Sandbox::new().with_transcript(SID).without_idle_sweep();
    std::fs::create_dir_all(&sb.data).unwrap();
    std::fs::write(sb.data.join("outbox"), b"a file where the folder goes").unwrap();
    assert_fail_open(
        "outbox is a file",
        &hook(&sb, "Stop", Input::Bytes(stop_payload(SID).into_bytes())),
    );
    sb.wait_collectors();
    assert_eq!(sb.collect(SID, &[]).code, Some(1));
    assert!(log_categories(&sb.data, &[])
        .iter()
        .all(|k| k == "data_dir_unwritable"));
    // Once it is fixed, the session is counted once, as if nothing had happened.
    std::fs::remove_file(sb.data.join("outbox")).unwrap();
    assert_eq!(sb.collect(SID, &[]).code, Some(0));
    assert_eq!(sb.only_summary(), sb.reference_summary(SID));
}

#[test]
fn error_log_is_a_fifo_or_a_directory() {
    for kind in ["fifo", "dir"] {
        let sb = Sandbox::new();
        std::fs::create_dir_all(&sb.data).unwrap();
        let log = sb.data.join("errors.log");
        if kind == "fifo" {
            mkfifo(&log);
        } else {
            std::fs::create_dir(&log).unwrap();
        }
        // Malformed input makes the hook write to its log.
        assert_fail_open(kind, &hook(&sb, "Stop", Input::Bytes(b"{oops".to_vec())));
        assert_fail_open(kind, &hook(&sb, "Stop", Input::HeldOpen(Vec::new())));
    }
}

#[test]
fn data_files_are_fifos() {
    // A FIFO where a state, lock or sub-agent transcript file should be: nothing may block on it.
    let sb = Sandbox::new().with_transcript(SID);
    assert_eq!(sb.collect(SID, &[]).code, Some(0));
    let reference = sb.only_summary();
    for dir in ["sessions", "locks"] {
        for f in files_under(&sb.data.join(dir)) {
            std::fs::remove_file(&f).unwrap();
            mkfifo(&f);
        }
    }
    let sub = sb.project().join(SID).join("subagents").join("agent-fifo.jsonl");
    mkfifo(&sub);
    assert_fail_open(
        "FIFOs",
        &hook(&sb, "SessionStart", Input::Bytes(stop_payload(SID).into_bytes())),
    );
    assert_fail_open(
        "FIFOs",
        &hook(&sb, "Stop", Input::Bytes(stop_payload(SID).into_bytes())),
    );
    sb.wait_collectors();
    let c = sb.collect(SID, &[]);
    assert_eq!(c.code, Some(1), "the lock file cannot be taken");
    for f in files_under(&sb.data.join("locks")) {
        std::fs::remove_file(f).unwrap();
    }
    // With the lock file back, the state FIFO is treated as corrupt state: counted again.
    assert_eq!(sb.collect(SID, &[]).code, Some(0));
    assert_eq!(
        without(sb.only_summary(), &["revision"]),
        without(reference, &["revision"])
    );
    assert!(log_categories(&sb.data, &[])
        .iter()
        .any(|k| k == "state_corrupt_recounted"));
}

#[test]
fn collector_recounts_corrupt_state_and_logs_only_a_category() {
    let canary = "CANARY-state-9b1e";
    let corruptions: Vec<(&str, Vec<u8>)> = vec![
        ("garbage", format!("\u{0}\u{1}not json {canary}").into_bytes()),
        (
            "truncated",
            format!(r#"{{"version":1,"session_id":"{SID}","revision":"#).into_bytes(),
        ),
        (
            "wrong shape",
            format!(r#"{{"version":1,"session_id":"{canary}","offsets":[]}}"#).into_bytes(),
        ),
        ("another session", Vec::new()),
        ("empty", Vec::new()),
    ];
    for (case, bytes) in corruptions {
        let sb = Sandbox::new().with_transcript(SID).without_idle_sweep();
        // Count the first half of the transcript, then corrupt the state, then the rest arrives.
        let main = sb.project().join(format!("{SID}.jsonl"));
        let full = std::fs::read(&main).unwrap();
        let lines: Vec<&[u8]> = full.split_inclusive(|&b| b == b'\n').collect();
        std::fs::write(&main, lines[..lines.len() / 2].concat()).unwrap();
        assert_eq!(sb.collect(SID, &[]).code, Some(0));
        assert_eq!(sb.collect(SID, &[]).code, Some(0));
        let first = sb.only_summary();
        let states = files_under(&sb.data.join("sessions"));
        assert_eq!(states.len(), 1);
        let corrupt = if case == "another session" {
            let other = Sandbox::new().with_transcript("aaaaaaaa-0000-4000-8000-000000000000");
            std::fs::create_dir_all(&other.data).unwrap();
            std::fs::copy(sb.data.join("install.key"), other.data.join("install.key")).unwrap();
            assert_eq!(
                other.collect("aaaaaaaa-0000-4000-8000-000000000000", &[]).code,
                Some(0)
            );
            std::fs::read(&files_under(&other.data.join("sessions"))[0]).unwrap()
        } else {
            bytes
        };
        std::fs::write(&states[0], corrupt).unwrap();
        std::fs::write(&main, &full).unwrap();
        assert_fail_open(
            case,
            &hook(&sb, "Stop", Input::Bytes(stop_payload(SID).into_bytes())),
        );
        sb.wait_collectors();
        assert_eq!(sb.collect(SID, &[]).code, Some(0), "{case}");
        let after = sb.only_summary();
        // Counted again from the start: exactly what one collection of the whole transcript gives,
        // under a higher revision than the last one sent (the server keeps only a higher one).
        assert_eq!(
            without(after.clone(), &["revision"]),
            without(sb.reference_summary(SID), &["revision"]),
            "{case}"
        );
        assert!(
            after["revision"].as_u64() > first["revision"].as_u64(),
            "{case}: {after} after {first}"
        );
        let kinds = log_categories(&sb.data, &[canary, SID, "aaaaaaaa"]);
        assert_eq!(kinds, ["state_corrupt_recounted"], "{case}");
    }
}

#[test]
fn unreadable_transcript() {
    // Not a file: the main transcript is a directory. It is not there, as far as prompt1 goes.
    let sb = Sandbox::new().with_transcript(SID).without_idle_sweep();
    std::fs::remove_dir_all(sb.project().join(SID)).unwrap();
    let main = sb.project().join(format!("{SID}.jsonl"));
    std::fs::remove_file(&main).unwrap();
    std::fs::create_dir(&main).unwrap();
    assert_fail_open(
        "main is a directory",
        &hook(&sb, "Stop", Input::Bytes(stop_payload(SID).into_bytes())),
    );
    sb.wait_collectors();
    assert_eq!(sb.collect(SID, &["--end", "other"]).code, Some(0));
    assert_eq!(log_categories(&sb.data, &[]), ["transcript_missing"]);
    assert!(sb.summaries().is_empty());

    // A file whose reads fail, even for root: a link to /proc/self/mem (EIO at offset 0); a
    // directory and a FIFO named like sub-agent files; and (not root) a file of mode 000. The
    // readable files are counted as if the others were not there.
    let sb = Sandbox::new().with_transcript(SID).without_idle_sweep();
    let subs = sb.project().join(SID).join("subagents");
    std::os::unix::fs::symlink("/proc/self/mem", subs.join("agent-eio.jsonl")).unwrap();
    std::fs::create_dir(subs.join("agent-dir.jsonl")).unwrap();
    mkfifo(&subs.join("agent-fifo.jsonl"));
    if !is_root() {
        let locked = subs.join("agent-locked.jsonl");
        std::fs::write(&locked, b"{}\n").unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    }
    assert_fail_open(
        "sub-agent unreadable",
        &hook(&sb, "Stop", Input::Bytes(stop_payload(SID).into_bytes())),
    );
    sb.wait_collectors();
    assert_eq!(sb.only_summary(), sb.reference_summary(SID));
    let kinds = log_categories(&sb.data, &[]);
    assert!(
        !kinds.is_empty() && kinds.iter().all(|k| k == "transcript_unreadable"),
        "{kinds:?}"
    );
}

/// A tmpfs mounted for one test, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, options: &str) -> Option<Self> {
        std::fs::create_dir_all(at).unwrap();
        let ok = is_root()
            && Command::new("mount")
                .args(["-t", "tmpfs", "-o", options, "tmpfs"])
                .arg(at)
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
        ok.then(|| Self(at.to_path_buf()))
    }

    fn remount(&self, options: &str) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(ok.success());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[test]
fn full_disk() {
    let sb = Sandbox::new().with_transcript(SID);
    let Some(fs) = Tmpfs::mount(&sb.data, "size=64k,mode=0700") else {
        skip::skip("cannot mount a tmpfs (needs root)");
        return;
    };
    let sb = sb.without_idle_sweep();
    // Fill it to the last byte.
    let mut filler = std::fs::File::create(sb.data.join("filler")).unwrap();
    while filler.write_all(&[0u8; 4096]).is_ok() {}
    while filler.write_all(&[0u8; 1]).is_ok() {}
    drop(filler);
    for event in ["SessionStart", "Stop", "SubagentStop", "SessionEnd"] {
        assert_fail_open(
            event,
            &hook(&sb, event, Input::Bytes(stop_payload(SID).into_bytes())),
        );
        assert_fail_open("bad input", &hook(&sb, event, Input::Bytes(b"[".to_vec())));
    }
    sb.wait_collectors();
    let c = sb.collect(SID, &[]);
    assert_eq!(c.code, Some(1));
    // The fault is recorded where it can be (the data folder's log cannot be written), with its
    // time, and `status` says what is wrong.
    let fallback = sb.fallback_log();
    assert!(
        fallback.iter().any(|l| is_logged(l, "disk_full")),
        "fallback log: {fallback:?}"
    );
    let status = sb.status();
    assert!(
        status.contains("CANNOT BE WRITTEN: the disk holding the data folder is full"),
        "{status}"
    );
    assert!(status.contains(" disk_full: "), "{status}");
    // Nothing half written: no temporary file, no empty or partial state or summary.
    for f in files_under(&sb.data) {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        assert!(!name.ends_with(".tmp"), "left behind: {name}");
        if name.ends_with(".json") {
            serde_json::from_slice::<Value>(&std::fs::read(&f).unwrap()).expect("a whole file");
        }
        if name == "install.key" {
            assert_eq!(std::fs::metadata(&f).unwrap().len(), 32, "a whole key or none");
        }
    }
    // Room again: counted once, correctly.
    std::fs::remove_file(sb.data.join("filler")).unwrap();
    assert_eq!(sb.collect(SID, &[]).code, Some(0));
    assert_eq!(
        without(sb.only_summary(), &["revision"]),
        without(sb.reference_summary(SID), &["revision"])
    );
    drop(fs);
}

#[test]
fn read_only_data_dir() {
    let sb = Sandbox::new().with_transcript(SID);
    if let Some(fs) = Tmpfs::mount(&sb.data, "size=1m,mode=0700") {
        fs.remount("ro");
        run_read_only(&sb);
        drop(fs);
    } else if !is_root() {
        std::fs::create_dir_all(&sb.data).unwrap();
        std::fs::set_permissions(&sb.data, std::fs::Permissions::from_mode(0o500)).unwrap();
        run_read_only(&sb);
        std::fs::set_permissions(&sb.data, std::fs::Permissions::from_mode(0o700)).unwrap();
    } else {
        skip::skip("root without mount permission cannot make a folder read-only");
    }
}

fn run_read_only(sb: &Sandbox) {
    for event in ["SessionStart", "Stop", "SessionEnd"] {
        assert_fail_open(
            event,
            &hook(sb, event, Input::Bytes(stop_payload(SID).into_bytes())),
        );
        assert_fail_open("bad input", &hook(sb, event, Input::Bytes(b"\xff".to_vec())));
    }
    sb.wait_collectors();
    assert_eq!(sb.collect(SID, &[]).code, Some(1));
    assert!(files_under(&sb.data).is_empty());
    // Recorded where it can be, with its time; `status` (which cannot write either) says so.
    let (kind, says) = if is_root() {
        (
            "data_dir_read_only",
            "CANNOT BE WRITTEN: the data folder is read-only",
        )
    } else {
        (
            "data_dir_unwritable",
            "CANNOT BE WRITTEN: the data folder could not be written",
        )
    };
    let fallback = sb.fallback_log();
    assert!(
        fallback.iter().any(|l| is_logged(l, kind)),
        "fallback log: {fallback:?}"
    );
    let status = sb.status();
    assert!(status.contains(says), "{status}");
    assert!(status.contains(&format!(" {kind}: ")), "{status}");
    assert!(files_under(&sb.data).is_empty(), "status wrote nothing there");
}

/// Whether a log line is `<RFC 3339 time> <kind>`.
fn is_logged(line: &str, kind: &str) -> bool {
    line.split_once(' ').is_some_and(|(time, k)| {
        k == kind && time.len() == 20 && time.ends_with('Z') && time.as_bytes()[10] == b'T'
    })
}

#[test]
fn missing_home() {
    // No HOME, no PROMPT1_HOME, no XDG folders. As root, also no password-file entry (an unknown
    // uid), so there is no home folder to fall back on at all.
    let tmp = tempfile::tempdir().unwrap();
    let payload = stop_payload(SID).into_bytes();
    if is_root() {
        // The binary must be reachable by that uid: a copy in a world-readable folder.
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let bin = tmp.path().join("prompt1");
        std::fs::copy(BIN, &bin).unwrap();
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
        for event in ["SessionStart", "Stop", "SessionEnd"] {
            let mut c = measured(&bin);
            c.args(["hook", event]).env_clear().env("PATH", "/usr/bin:/bin");
            std::os::unix::process::CommandExt::uid(&mut c, 54_321);
            std::os::unix::process::CommandExt::gid(&mut c, 54_321);
            assert_fail_open(event, &run(c, Input::Bytes(payload.clone())));
            let mut c = measured(&bin);
            c.args(["hook", event]).env_clear();
            std::os::unix::process::CommandExt::uid(&mut c, 54_321);
            assert_fail_open("bad input", &run(c, Input::Bytes(b"{".to_vec())));
        }
        // The collectors (which fail at once: no data folder) are gone before the copy goes.
        wait_for_processes_of(&bin);
    } else {
        let xdg = tmp.path().join("xdg");
        for event in ["SessionStart", "Stop", "SessionEnd"] {
            let mut c = measured(BIN);
            c.args(["hook", event]).env_clear().env("XDG_DATA_HOME", &xdg);
            assert_fail_open(event, &run(c, Input::Bytes(b"{".to_vec())));
        }
    }
}

/// Waits until no process runs the program at `exe` (hang detection: [`HANG_WATCHDOG`]).
fn wait_for_processes_of(exe: &Path) {
    let deadline = Instant::now() + HANG_WATCHDOG;
    let running = || {
        std::fs::read_dir("/proc").is_ok_and(|d| {
            d.flatten()
                .any(|e| std::fs::read_link(e.path().join("exe")).is_ok_and(|p| p == exe))
        })
    };
    while running() {
        assert!(Instant::now() < deadline, "{} still running", exe.display());
        thread::yield_now();
    }
}

// ---------------------------------------------------------------------------------------------
// Many sessions at once
// ---------------------------------------------------------------------------------------------

fn session_id(i: usize) -> String {
    format!("{i:08x}-1111-4222-8333-444455556666")
}

#[test]
fn many_sessions_at_once() {
    const N: usize = 50;
    let mut sb = Sandbox::new().without_idle_sweep();
    let ids: Vec<String> = (0..N).map(session_id).collect();
    for id in &ids {
        sb = sb.with_transcript(id);
    }
    // 50 sessions' hooks, and 50 more for one session, all at the same time.
    let events = ["Stop", "SubagentStop"];
    let outcomes: Vec<Outcome> = thread::scope(|s| {
        let sb = &sb;
        let mut handles = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let payload = stop_payload(id).into_bytes();
            handles.push(s.spawn(move || hook(sb, events[i % 2], Input::Bytes(payload))));
        }
        for i in 0..N {
            let payload = stop_payload(&ids[0]).into_bytes();
            handles.push(s.spawn(move || hook(sb, events[i % 2], Input::Bytes(payload))));
        }
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (i, o) in outcomes.iter().enumerate() {
        assert_fail_open(&format!("hook #{i}"), o);
    }
    let slowest = outcomes.iter().map(|o| o.elapsed).max().unwrap();
    eprintln!("{} concurrent hooks, slowest {slowest:?}", outcomes.len());
    sb.wait_collectors();
    // Every session has one consistent state and summary: revision 1 (counted once, even the
    // session whose 51 collectors ran together), equal to what one collection computes.
    let summaries = sb.summaries();
    assert_eq!(summaries.len(), N);
    assert_eq!(files_under(&sb.data.join("sessions")).len(), N);
    let reference = without(sb.reference_summary(&ids[0]), &["session_key"]);
    for s in &summaries {
        assert_eq!(s["revision"], 1, "{s}");
        assert_eq!(without(s.clone(), &["session_key"]), reference);
    }
    for f in files_under(&sb.data.join("sessions")) {
        let state: Value = serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap();
        assert_eq!(state["revision"], 1);
        assert!(ids.iter().any(|id| state["session_id"] == id.as_str()));
    }
    assert!(log_categories(&sb.data, &[]).is_empty());
}

#[test]
fn concurrent_collects_on_one_session_never_double_count() {
    const N: usize = 50;
    let sb = Sandbox::new().with_transcript(SID).without_idle_sweep();
    let main = sb.project().join(format!("{SID}.jsonl"));
    let full = std::fs::read(&main).unwrap();
    let lines: Vec<&[u8]> = full.split_inclusive(|&b| b == b'\n').collect();
    let (a, b) = (lines.len() / 3, 2 * lines.len() / 3);
    std::fs::write(&main, lines[..a].concat()).unwrap();
    let append = |part: &[&[u8]]| {
        let mut f = std::fs::OpenOptions::new().append(true).open(&main).unwrap();
        f.write_all(&part.concat()).unwrap();
    };
    // 50 collectors at once, while the client appends to the transcript under them.
    let codes: Vec<Option<i32>> = thread::scope(|s| {
        let sb = &sb;
        let handles: Vec<_> = (0..N)
            .map(|i| {
                let h = s.spawn(move || run(sb.cmd(&["collect", "--session", SID]), Input::Null).code);
                if i == N / 3 {
                    append(&lines[a..b]);
                } else if i == 2 * N / 3 {
                    append(&lines[b..]);
                }
                h
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(codes.iter().all(|c| *c == Some(0)), "{codes:?}");
    assert_eq!(sb.collect(SID, &[]).code, Some(0));
    let got = sb.only_summary();
    assert_eq!(
        without(got.clone(), &["revision"]),
        without(sb.reference_summary(SID), &["revision"])
    );
    // The outbox holds that same summary, once.
    let outbox = files_under(&sb.data.join("outbox"));
    assert_eq!(outbox.len(), 1);
    assert_eq!(
        serde_json::from_slice::<Value>(&std::fs::read(&outbox[0]).unwrap()).unwrap(),
        got
    );
    assert!(log_categories(&sb.data, &[]).is_empty());
}

#[test]
fn error_log_stays_under_its_cap() {
    let sb = Sandbox::new();
    std::fs::create_dir_all(&sb.data).unwrap();
    // Start just under the cap, then 200 failing hooks, 20 at a time.
    let line = "2026-11-29T00:00:00Z hook_input_malformed\n";
    let fill = line.repeat((LOG_CAP as usize - 100) / line.len());
    std::fs::write(sb.data.join("errors.log"), &fill).unwrap();
    for _ in 0..10 {
        thread::scope(|s| {
            let sb = &sb;
            let hs: Vec<_> = (0..20)
                .map(|_| s.spawn(move || hook(sb, "Stop", Input::Bytes(b"{x".to_vec()))))
                .collect();
            for h in hs {
                assert_fail_open("bad input", &h.join().unwrap());
            }
        });
    }
    let kinds = log_categories(&sb.data, &[]);
    assert!(sb.data.join("errors.log.1").is_file(), "rotated");
    let total: u64 = ["errors.log", "errors.log.1"]
        .iter()
        .map(|n| std::fs::metadata(sb.data.join(n)).map_or(0, |m| m.len()))
        .sum();
    assert!(total <= 2 * (LOG_CAP + LOG_SLACK), "{total} bytes");
    assert!(kinds.len() > 200);
}
