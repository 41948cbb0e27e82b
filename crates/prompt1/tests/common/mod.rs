//! Driving the real Claude Code client through `../shared/claude-harness` with prompt1's hooks
//! installed, and reading back what the hooks recorded.
//!
//! A [`Case`] is one test's temporary folder. [`Case::hooks_file`] runs the real `prompt1 install`
//! against a throwaway `CLAUDE_CONFIG_DIR` and hands its settings.json to `run-scenario --hooks`, so
//! every test exercises exactly what `install` writes. [`Case::run`] plays a scenario; the hooks then
//! run inside the client with the run's `HOME`, so prompt1's data lands in
//! `<run>/home/.local/share/prompt1` (unless the run passes `--env PROMPT1_HOME=...`).
//! [`Case::check`] waits for the detached collectors, reads the recorded summary and checks what
//! holds for every session: the summary file is valid and mirrored in the outbox, a further
//! `prompt1 collect` changes nothing, the session key is the keyed session id, the tokens equal the
//! harness's `inspect-run` de-duplicated sums, and feeding the run's transcript files straight into
//! the shared function ([`SessionAccumulator`]) gives the identical summary.

#![allow(dead_code)]

use hmac::{Hmac, Mac};
use prompt1_signals::clarity::{self, PromptAssessment};
use prompt1_signals::summary::{FileRole, SessionAccumulator, SummaryInputs};
use prompt1_wire::{
    ClientVersion, EditDecisions, EndReason, ModelId, ModelTokens, PermissionModeCounts, SessionKey,
    SessionSummary, ToolCounts, SCHEMA_V1,
};
use serde_json::Value;
use sha2::Sha256;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::RwLock;
use std::time::{Duration, Instant, SystemTime};

/// The prompt1 binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_prompt1");

/// How long the detached collectors of a run may take after the client exited.
pub const COLLECTOR_TIMEOUT: Duration = Duration::from_secs(60);

/// Client runs take a read lock; the interactive (`--tui`) run, whose keystrokes are timed by
/// sleeps, takes the write lock so that it has the machine to itself.
pub static MACHINE: RwLock<()> = RwLock::new(());

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// This crate's scenario files.
pub fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios")
        .join(name)
}

/// The real client and the harness, when both are there.
#[derive(Debug, Clone)]
pub struct Client {
    /// `../shared/claude-harness` (or `PROMPT1_HARNESS`).
    pub harness: PathBuf,
    /// The Claude Code binary (`CLAUDE_BIN`).
    pub claude: PathBuf,
}

impl Client {
    /// A file of the harness.
    pub fn harness_file(&self, rel: &str) -> PathBuf {
        self.harness.join(rel)
    }
}

/// Finds the client and the harness, or says why the test is skipped (a failure under
/// `PROMPT1_REQUIRE_ALL=1`, see `tests/skip/mod.rs`).
pub fn client() -> Option<Client> {
    let skip = |why: String| {
        crate::skip::skip(&why);
        None
    };
    let claude = match std::env::var_os("CLAUDE_BIN").filter(|v| !v.is_empty()) {
        Some(path) => PathBuf::from(path),
        None => return skip("CLAUDE_BIN not set (the real Claude Code client)".into()),
    };
    if !claude.is_file() {
        return skip(format!("CLAUDE_BIN={} is not a file", claude.display()));
    }
    let harness = std::env::var_os("PROMPT1_HARNESS")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("../shared/claude-harness"));
    if !harness.join("run-scenario").is_file() || !harness.join("inspect-run").is_file() {
        return skip(format!(
            "harness not found at {} (set PROMPT1_HARNESS)",
            harness.display()
        ));
    }
    Some(Client { harness, claude })
}

/// A program on PATH, if any.
pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// One test's temporary folder (kept, and its path printed, when the test fails).
pub struct Case {
    tmp: Option<tempfile::TempDir>,
    /// The folder.
    pub root: PathBuf,
    /// The client and harness.
    pub client: Client,
    /// When the test started.
    pub started: SystemTime,
}

impl Drop for Case {
    fn drop(&mut self) {
        if std::thread::panicking() {
            if let Some(tmp) = self.tmp.take() {
                eprintln!("kept the failed test's runs in {}", tmp.keep().display());
            }
        }
    }
}

/// One client run (`run-scenario`).
#[derive(Debug, Clone)]
pub struct Run {
    /// The run folder (`--out`).
    pub dir: PathBuf,
    /// The client's HOME (the first run's, with `--reuse`).
    pub home: PathBuf,
    /// The client's working directory.
    pub project: PathBuf,
    /// prompt1's data folder for this run.
    pub data: PathBuf,
}

impl Case {
    /// A new case, or `None` (with a "skipped" line) when the client or harness is missing.
    pub fn new(name: &str) -> Option<Self> {
        let client = client()?;
        let tmp = tempfile::Builder::new()
            .prefix(&format!("prompt1-e2e-{name}-"))
            .tempdir()
            .expect("temp dir");
        let root = tmp.path().to_path_buf();
        Some(Self {
            tmp: Some(tmp),
            root,
            client,
            started: SystemTime::now(),
        })
    }

    /// Runs the real `prompt1 install` with `CLAUDE_CONFIG_DIR` pointing into this case, and returns
    /// the settings.json it wrote (the hooks file for `run-scenario --hooks`).
    pub fn hooks_file(&self) -> PathBuf {
        self.hooks_file_for(Path::new(BIN), "install-config")
    }

    /// [`Case::hooks_file`] with `prompt1 install` run from the binary at `exe`, its settings.json
    /// in `<root>/<config_name>`.
    pub fn hooks_file_for(&self, exe: &Path, config_name: &str) -> PathBuf {
        let config = self.root.join(config_name);
        let exe_text = exe.to_str().expect("UTF-8 path");
        let out = Command::new(exe)
            .arg("install")
            .env("CLAUDE_CONFIG_DIR", &config)
            .env("PROMPT1_HOME", self.root.join("install-data"))
            .output()
            .expect("run prompt1 install");
        assert!(
            out.status.success(),
            "prompt1 install failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let settings = config.join("settings.json");
        let v: Value = serde_json::from_slice(&std::fs::read(&settings).expect("settings.json written"))
            .expect("settings.json is JSON");
        for event in ["SessionStart", "Stop", "SubagentStop", "SessionEnd"] {
            let command = v["hooks"][event][0]["hooks"][0]["command"].as_str().unwrap_or("");
            assert_eq!(
                command,
                format!("command -v '{exe_text}' >/dev/null 2>&1 && exec '{exe_text}' hook {event}; exit 0"),
                "{event}"
            );
        }
        settings
    }

    /// A hooks file derived from `install`'s, with every prompt1 hook `async` (`true`) or none.
    pub fn hooks_file_all_async(&self, is_async: bool) -> PathBuf {
        let mut v: Value =
            serde_json::from_slice(&std::fs::read(self.hooks_file()).expect("read")).expect("json");
        for groups in v["hooks"].as_object_mut().expect("hooks").values_mut() {
            for group in groups.as_array_mut().expect("groups") {
                for hook in group["hooks"].as_array_mut().expect("hooks list") {
                    let hook = hook.as_object_mut().expect("hook");
                    if is_async {
                        hook.insert("async".into(), Value::Bool(true));
                    } else {
                        hook.remove("async");
                    }
                }
            }
        }
        let path = self.root.join(if is_async {
            "hooks-all-async.json"
        } else {
            "hooks-none-async.json"
        });
        std::fs::write(&path, serde_json::to_vec_pretty(&v).expect("json")).expect("write hooks");
        path
    }

    /// A folder of stand-in `cargo`/`npm`/`npx`/`make`... programs that print a line and succeed,
    /// and the PATH value that puts them first (the model's commands then run, and pass).
    pub fn stub_path(&self) -> String {
        let dir = self.root.join("stub-bin");
        std::fs::create_dir_all(&dir).expect("stub dir");
        for name in [
            "cargo", "npm", "npx", "pnpm", "yarn", "make", "pytest", "eslint", "tsc", "go",
        ] {
            let p = dir.join(name);
            std::fs::write(&p, format!("#!/bin/sh\necho \"{name} (stub) ok\"\nexit 0\n")).expect("stub");
            let mut perms = std::fs::metadata(&p).expect("meta").permissions();
            std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
            std::fs::set_permissions(&p, perms).expect("chmod");
        }
        format!("{}:{}", dir.display(), std::env::var("PATH").unwrap_or_default())
    }

    /// Plays `scenario` with `run-scenario --out <root>/<name> ARGS` and checks the client exited 0.
    /// `--reuse DIR` in `args` makes the run continue in that run's home and project.
    pub fn run(&self, name: &str, scenario: &Path, args: &[&str]) -> Run {
        let dir = self.root.join(name);
        self.run_in(&dir, scenario, args)
    }

    /// [`Case::run`] with an explicit run folder.
    pub fn run_in(&self, dir: &Path, scenario: &Path, args: &[&str]) -> Run {
        let tui = args.contains(&"--tui");
        let _machine = if tui {
            Err(MACHINE.write().unwrap_or_else(|e| e.into_inner()))
        } else {
            Ok(MACHINE.read().unwrap_or_else(|e| e.into_inner()))
        };
        let base = match args.iter().position(|a| *a == "--reuse") {
            Some(i) => PathBuf::from(args[i + 1]),
            None => dir.to_path_buf(),
        };
        let home = base.join("home");
        let data = args
            .iter()
            .find_map(|a| a.strip_prefix("PROMPT1_HOME="))
            .map_or_else(|| home.join(".local/share/prompt1"), PathBuf::from);
        let started = Instant::now();
        let out = Command::new(self.client.harness_file("run-scenario"))
            .arg(scenario)
            .arg("--out")
            .arg(dir)
            .arg("--claude")
            .arg(&self.client.claude)
            .args(["--timeout", "150"])
            .args(args)
            .env_remove("PROMPT1_HOME")
            .env_remove("CLAUDE_CONFIG_DIR")
            .output()
            .expect("run-scenario");
        let run = Run {
            dir: dir.to_path_buf(),
            home,
            project: base.join("project"),
            data,
        };
        eprintln!(
            "run {} took {:.1}s",
            dir.display(),
            started.elapsed().as_secs_f64()
        );
        if !out.status.success() {
            panic!(
                "run-scenario {} failed ({}):\n{}\n--- client stderr:\n{}\n--- screen:\n{}",
                dir.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr),
                read_lossy(&dir.join("stderr")),
                tail(&read_lossy(&dir.join("screen.txt")), 60),
            );
        }
        run
    }

    /// Waits for the run's collectors, then checks everything that holds for every session (see the
    /// module doc) and returns the summary the hooks recorded for the run's one session.
    pub fn check(&self, run: &Run) -> SessionSummary {
        let ids = run.session_ids();
        assert_eq!(
            ids.len(),
            1,
            "one session expected in {}: {ids:?}",
            run.dir.display()
        );
        self.check_session(run, &ids[0])
    }

    /// [`Case::check`] for one session of the run.
    pub fn check_session(&self, run: &Run, session_id: &str) -> SessionSummary {
        wait_for_collectors(&run.project);
        let recorded = run.recorded(session_id);
        // one summary per session: nothing was counted twice under another key
        let sessions_in_home = run.session_ids_in_home();
        assert_eq!(
            count_files(&run.data.join("summaries")),
            sessions_in_home,
            "summaries vs sessions in {}",
            run.home.display()
        );
        run.assert_hooks_silent_and_successful(session_id);
        // the tokens are the harness's de-duplicated sums (sub-agent files included)
        assert_eq!(
            recorded.tokens,
            self.inspect_tokens(run, session_id),
            "tokens vs inspect-run"
        );
        // the hook path and the shared function agree
        let direct = run.direct_summary(session_id, &recorded);
        assert_summary(
            &direct,
            &recorded,
            "transcript fed directly vs recorded by the hooks",
        );
        // time fields, from the times the client wrote (not the test's clock): the start is the
        // first conversation line's minute, the active time at most the conversation's span
        let times = run.conversation_times_ms(session_id);
        let (first, last) = (times.iter().min().copied(), times.iter().max().copied());
        let (first, last) = (first.expect("timed lines"), last.expect("timed lines"));
        assert_eq!(
            recorded.started_minute,
            run.started_minute(session_id),
            "started_minute"
        );
        assert!(
            i64::from(recorded.active_s) <= (last - first) / 1000,
            "active_s {} > the conversation's span of {} ms",
            recorded.active_s,
            last - first
        );
        assert!(recorded.revision >= 1);
        recorded
    }

    /// Token usage per model family from `inspect-run RUN --json`: every assistant message of the
    /// session's transcripts (main and sub-agent) counted once per message id. Also checks that it
    /// adds up to the harness's own `usage_total_per_message_id` sums.
    pub fn inspect_tokens(&self, run: &Run, session_id: &str) -> Vec<ModelTokens> {
        let out = Command::new(self.client.harness_file("inspect-run"))
            .arg(&run.dir)
            .arg("--json")
            .output()
            .expect("inspect-run");
        assert!(
            out.status.success(),
            "inspect-run: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: Value = serde_json::from_slice(&out.stdout).expect("inspect-run JSON");
        let mut rows: BTreeMap<ModelId, ModelTokens> = BTreeMap::new();
        let mut totals = [0u64; 4];
        let mut files = 0;
        const KEYS: [&str; 4] = [
            "input_tokens",
            "output_tokens",
            "cache_creation_input_tokens",
            "cache_read_input_tokens",
        ];
        for t in report["transcripts"].as_array().expect("transcripts") {
            let name = Path::new(t["path"].as_str().expect("path"))
                .file_name()
                .expect("name")
                .to_string_lossy();
            if !name.contains(session_id) {
                continue;
            }
            files += 1;
            for (i, k) in KEYS.iter().enumerate() {
                totals[i] += t["usage_total_per_message_id"][k].as_u64().unwrap_or(0);
            }
            for m in t["assistant_messages"].as_array().expect("messages") {
                let u = KEYS.map(|k| m["usage"][k].as_u64().unwrap_or(0));
                let model = m["model"].as_str().unwrap_or("");
                if model == "<synthetic>" {
                    // client-side error lines: no usage (prompt1 skips them)
                    assert_eq!(u, [0; 4], "a <synthetic> message with usage");
                    continue;
                }
                let id = ModelId::from_api_name(model);
                let row = rows.entry(id).or_insert(ModelTokens {
                    model: id,
                    input: 0,
                    output: 0,
                    cache_creation: 0,
                    cache_read: 0,
                });
                row.input += u[0];
                row.output += u[1];
                row.cache_creation += u[2];
                row.cache_read += u[3];
            }
        }
        assert!(files >= 1, "inspect-run saw no transcript of {session_id}");
        let sum = rows.values().fold([0u64; 4], |a, r| {
            [
                a[0] + r.input,
                a[1] + r.output,
                a[2] + r.cache_creation,
                a[3] + r.cache_read,
            ]
        });
        assert_eq!(sum, totals, "inspect-run's per-message sums");
        // A compaction request of this run (`compact#N` in the fake API's log) is answered with the
        // fake API's default usage, 1,000 input and 50 output tokens (`DEFAULT_USAGE` in
        // `fake_anthropic_api.py`), which the client writes on no assistant line; prompt1 counts it
        // under the model of the session's replies (the fake API answers as Sonnet 4.5).
        let compactions = report["api_requests"].as_array().map_or(0, |r| {
            r.iter()
                .filter(|r| r[3].as_str().is_some_and(|d| d.starts_with("compact#")))
                .count()
        }) as u64;
        if compactions > 0 {
            let id = ModelId::Sonnet4_5;
            let row = rows.entry(id).or_insert(ModelTokens {
                model: id,
                input: 0,
                output: 0,
                cache_creation: 0,
                cache_read: 0,
            });
            row.input += 1_000 * compactions;
            row.output += 50 * compactions;
        }
        rows.into_values().collect()
    }
}

impl Run {
    /// Session ids of the run's transcripts (the `transcripts/` copies: `<project>__<id>.jsonl`).
    pub fn session_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = list(&self.dir.join("transcripts"))
            .iter()
            .filter_map(|p| {
                let name = p.file_name()?.to_str()?.strip_suffix(".jsonl")?;
                let parts: Vec<&str> = name.split("__").collect();
                (parts.len() == 2).then(|| parts[1].to_owned())
            })
            .collect();
        ids.sort();
        ids
    }

    /// How many sessions (main transcripts) the client's HOME holds.
    pub fn session_ids_in_home(&self) -> usize {
        list(&self.home.join(".claude/projects"))
            .iter()
            .flat_map(|d| list(d))
            .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
            .count()
    }

    /// prompt1's keyed id of a session: HMAC-SHA-256(install key, session id), first 16 bytes.
    pub fn session_key(&self, session_id: &str) -> SessionKey {
        let key = std::fs::read(self.data.join("install.key")).expect("install.key");
        assert_eq!(key.len(), 32);
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).expect("hmac");
        mac.update(session_id.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut out = [0u8; 16];
        out.copy_from_slice(&digest[..16]);
        SessionKey(out)
    }

    /// The summary the hooks recorded for `session_id`. Checks that it is valid, stored under its
    /// key, mirrored byte for byte in the outbox, and that one more `prompt1 collect` (idempotent)
    /// leaves it exactly as it is.
    pub fn recorded(&self, session_id: &str) -> SessionSummary {
        let key = self.session_key(session_id);
        let name = format!("{}.json", key.to_hex());
        let path = self.data.join("summaries").join(&name);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "no summary recorded by the hooks at {} ({e}); data folder has {:?}; errors.log: {}",
                path.display(),
                walk(&self.data),
                read_lossy(&self.data.join("errors.log"))
            )
        });
        let summary: SessionSummary = serde_json::from_slice(&bytes).expect("a valid SessionSummary");
        summary.validate().expect("summary passes the wire's validation");
        assert_eq!(summary.session_key, key);
        assert_eq!(summary.schema, SCHEMA_V1);
        assert_eq!(
            std::fs::read(self.data.join("outbox").join(&name)).expect("outbox copy"),
            bytes
        );
        let out = self.prompt1(&["collect", "--session", session_id]);
        assert!(
            out.status.success(),
            "collect: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            std::fs::read(&path).expect("summary"),
            bytes,
            "collect again changed the summary"
        );
        summary
    }

    /// Runs `prompt1 ARGS` as the run's user (its HOME, its data folder).
    pub fn prompt1(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .env("HOME", &self.home)
            .env("PROMPT1_HOME", &self.data)
            .env("CLAUDE_CONFIG_DIR", self.home.join(".claude"))
            .env_remove("XDG_DATA_HOME")
            .output()
            .expect("run prompt1")
    }

    /// prompt1's hooks printed nothing the client passed on to the model (no request the client sent
    /// carries hook output) and never failed (no hook error recorded in the session's transcript).
    pub fn assert_hooks_silent_and_successful(&self, session_id: &str) {
        for request in list(&self.dir.join("api"))
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
        {
            let body = read_lossy(request);
            for marker in ["hook success", "hook additional context", "hook error"] {
                assert!(
                    !body.contains(marker),
                    "{marker:?} in the request {}",
                    request.display()
                );
            }
        }
        let (main, subs) = self.transcript_files(session_id);
        for file in std::iter::once(&main).chain(&subs) {
            for line in read_lossy(file).lines() {
                assert!(!line.contains("hook_non_blocking_error"), "a hook failed: {line}");
                let Ok(v) = serde_json::from_str::<Value>(line) else {
                    continue;
                };
                if v["subtype"] == "stop_hook_summary" {
                    assert_eq!(
                        v["hookErrors"],
                        Value::Array(Vec::new()),
                        "a Stop hook failed: {line}"
                    );
                    assert_eq!(v["hookAdditionalContext"], Value::Array(Vec::new()), "{line}");
                    assert_eq!(v["hasOutput"], Value::Bool(false), "a Stop hook printed: {line}");
                    assert_eq!(v["preventedContinuation"], Value::Bool(false), "{line}");
                }
            }
        }
    }

    /// The commands of the Stop hooks the client ran in the session (from its `stop_hook_summary`
    /// lines), each once.
    pub fn stop_hook_commands(&self, session_id: &str) -> Vec<String> {
        let (main, _) = self.transcript_files(session_id);
        let mut commands: Vec<String> = read_lossy(&main)
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|v| v["subtype"] == "stop_hook_summary")
            .flat_map(|v| v["hookInfos"].as_array().cloned().unwrap_or_default())
            .filter_map(|info| info["command"].as_str().map(str::to_owned))
            .collect();
        commands.sort();
        commands.dedup();
        commands
    }

    /// The run's transcript copies of `session_id`: the main file, then the sub-agent files.
    pub fn transcript_files(&self, session_id: &str) -> (PathBuf, Vec<PathBuf>) {
        let files = list(&self.dir.join("transcripts"));
        let main_suffix = format!("__{session_id}.jsonl");
        let sub_marker = format!("__{session_id}__subagents__");
        let main = files
            .iter()
            .find(|p| p.to_string_lossy().ends_with(&main_suffix))
            .unwrap_or_else(|| panic!("no main transcript of {session_id} in {}", self.dir.display()))
            .clone();
        let mut subs: Vec<PathBuf> = files
            .iter()
            .filter(|p| {
                let n = p.file_name().unwrap_or_default().to_string_lossy();
                n.contains(&sub_marker) && n.ends_with(".jsonl")
            })
            .cloned()
            .collect();
        subs.sort();
        (main, subs)
    }

    /// When the session's conversation happened, as the client wrote it: the times (milliseconds
    /// since the epoch) of the `user`, `assistant` and `system` lines of its main transcript, read
    /// here without the library (the expectation must not come from the code under test).
    pub fn conversation_times_ms(&self, session_id: &str) -> Vec<i64> {
        let (main, _) = self.transcript_files(session_id);
        read_lossy(&main)
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|v| matches!(v["type"].as_str(), Some("user" | "assistant" | "system")))
            .filter_map(|v| v["timestamp"].as_str().and_then(rfc3339_ms))
            .collect()
    }

    /// The session's active time, by hand, for a session one client process wrote: the gaps
    /// between its conversation lines in the order written, each counted when it is at most 30
    /// minutes (the documented definition), in whole seconds. (Across processes, `--continue`,
    /// the gap between them is no active time: not this function's case.)
    pub fn active_s_one_process(&self, session_id: &str) -> u32 {
        let mut last: Option<i64> = None;
        let mut active_ms = 0;
        for t in self.conversation_times_ms(session_id) {
            match last {
                Some(l) if t > l => {
                    if t - l <= 30 * 60 * 1000 {
                        active_ms += t - l;
                    }
                    last = Some(t);
                }
                Some(_) => {}
                None => last = Some(t),
            }
        }
        u32::try_from(active_ms / 1000).expect("a short session")
    }

    /// The session's start minute, by hand: the minute of its first conversation line.
    pub fn started_minute(&self, session_id: &str) -> i64 {
        let first = self
            .conversation_times_ms(session_id)
            .into_iter()
            .min()
            .expect("a timed conversation line");
        first.div_euclid(60_000)
    }

    /// The session's transcript files fed straight into the shared function, with the recorded
    /// summary's non-transcript inputs (key, revision, end reason, version).
    pub fn direct_summary(&self, session_id: &str, recorded: &SessionSummary) -> SessionSummary {
        let (main, subs) = self.transcript_files(session_id);
        let mut acc = SessionAccumulator::new();
        for (path, role) in
            std::iter::once((main, FileRole::Main)).chain(subs.into_iter().map(|s| (s, FileRole::Subagent)))
        {
            let bytes = std::fs::read(&path).expect("read transcript");
            assert_eq!(
                acc.feed_chunk(&bytes, role),
                bytes.len(),
                "{} ends with a partial line",
                path.display()
            );
        }
        assert_eq!(acc.malformed_lines(), 0);
        acc.summary(SummaryInputs {
            session_key: recorded.session_key,
            revision: recorded.revision,
            end_reason: recorded.end_reason,
            client_version: recorded.client_version,
        })
    }
}

/// Waits until no prompt1 process (hook or detached collector) works in `project` any more: the
/// hooks run with the project as their working directory and the collectors inherit it.
pub fn wait_for_collectors(project: &Path) {
    let deadline = Instant::now() + COLLECTOR_TIMEOUT;
    let mut quiet = 0;
    while quiet < 3 {
        if prompt1_processes_in(project).is_empty() {
            quiet += 1;
        } else {
            quiet = 0;
            assert!(
                Instant::now() < deadline,
                "prompt1 collectors still running after {COLLECTOR_TIMEOUT:?}"
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn prompt1_processes_in(dir: &Path) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
            let is_ours = exe
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("prompt1"));
            is_ours && std::fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|cwd| cwd.starts_with(dir))
        })
        .collect()
}

/// Milliseconds since the epoch of an RFC 3339 UTC time as the client writes it
/// (`2026-12-04T17:20:01.123Z`), computed here by hand (days from the civil date, H. Hinnant's
/// algorithm), not by the library under test.
pub fn rfc3339_ms(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || !text.ends_with('Z') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let frac = text[19..text.len() - 1].strip_prefix('.').unwrap_or("");
    let millis = format!("{frac:0<3}").get(..3)?.parse::<i64>().ok()?;
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + hh) * 60 + mm) * 60_000 + ss * 1000 + millis)
}

/// The summary every test starts its expectation from: the key and revision taken from `recorded`
/// (checked elsewhere), the start minute and active time as given (by hand, see
/// [`Run::started_minute`] and [`Run::active_s_one_process`]), every signal zero, a `-p` session
/// that ended (`other`), this build's version.
pub fn base(recorded: &SessionSummary, started_minute: i64, active_s: u32) -> SessionSummary {
    let num = |s: &str| s.parse::<u16>().expect("version number");
    SessionSummary {
        schema: SCHEMA_V1,
        session_key: recorded.session_key,
        revision: recorded.revision,
        is_final: true,
        end_reason: EndReason::Other,
        started_minute,
        active_s,
        interactive: false,
        prompts: 0,
        follow_ups: 0,
        clarity_sum: 0,
        clarity_scored: 0,
        file_refs: 0,
        prompts_with_file_refs: 0,
        tools: ToolCounts::default(),
        tool_failures: 0,
        subagents: 0,
        compactions: 0,
        test_runs: 0,
        lint_runs: 0,
        build_runs: 0,
        edit_batches: 0,
        verified_batches: 0,
        edits: EditDecisions::default(),
        permission_modes: PermissionModeCounts::default(),
        claude_md_project: false,
        claude_md_user: false,
        tokens: Vec::new(),
        client_version: ClientVersion {
            major: num(env!("CARGO_PKG_VERSION_MAJOR")),
            minor: num(env!("CARGO_PKG_VERSION_MINOR")),
            patch: num(env!("CARGO_PKG_VERSION_PATCH")),
        },
    }
}

/// A prompt the person typed, with what it is, told by hand: a short follow-up (counted, not
/// scored), or a scored prompt and how many files it names.
#[derive(Debug, Clone, Copy)]
pub enum Typed<'a> {
    /// "yes", "go on"...: every word a follow-up word (the rubric's list).
    FollowUp(&'a str),
    /// Scored, naming this many files.
    Scored(&'a str, u32),
}

/// Adds the prompt signals of the prompts the person typed: the counts as told by hand in
/// `prompts`. The clarity score of a scored prompt is the one value taken from the library (the
/// rubric has its own tests, one per rule, in prompt1-signals); that the library also calls it a
/// scored prompt (not a follow-up) is checked here.
pub fn with_prompts(mut s: SessionSummary, prompts: &[Typed]) -> SessionSummary {
    for p in prompts {
        s.prompts += 1;
        match *p {
            Typed::FollowUp(text) => {
                assert!(
                    matches!(clarity::assess(text), PromptAssessment::FollowUp),
                    "{text:?} is no follow-up for the rubric"
                );
                s.follow_ups += 1;
            }
            Typed::Scored(text, files) => {
                let PromptAssessment::Scored { score, .. } = clarity::assess(text) else {
                    panic!("{text:?} is a follow-up for the rubric");
                };
                s.clarity_scored += 1;
                s.clarity_sum += u32::from(score.min(100));
                s.file_refs += files;
                s.prompts_with_file_refs += u32::from(files > 0);
            }
        }
    }
    s
}

/// Asserts two summaries are equal, naming the fields that differ.
pub fn assert_summary(actual: &SessionSummary, expected: &SessionSummary, what: &str) {
    if actual == expected {
        return;
    }
    let a = serde_json::to_value(actual).expect("json");
    let e = serde_json::to_value(expected).expect("json");
    let mut diffs = Vec::new();
    for (k, ev) in e.as_object().expect("object") {
        if a.get(k) != Some(ev) {
            diffs.push(format!(
                "  {k}: got {}, expected {ev}",
                a.get(k).unwrap_or(&Value::Null)
            ));
        }
    }
    panic!(
        "{what}: summaries differ\n{}\ngot:      {a}\nexpected: {e}",
        diffs.join("\n")
    );
}

/// Every file and folder under `dir`, recursively.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for p in list(&d) {
            if p.is_dir() && !p.is_symlink() {
                stack.push(p.clone());
            }
            out.push(p);
        }
    }
    out.sort();
    out
}

/// The entries of a folder (empty when it does not exist).
pub fn list(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

fn count_files(dir: &Path) -> usize {
    list(dir)
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .count()
}

/// A file's text, or an empty string.
pub fn read_lossy(path: &Path) -> String {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Random lowercase hex, for canaries.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("randomness");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}
