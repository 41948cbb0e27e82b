//! The person-facing commands tell the truth (issue 11, points 4, 6 and 9): `status` shows stale
//! sessions finalized, skipped transcript lines, the install route and the server account;
//! `install`/`uninstall`/`logout` say only what they did; `hook --help` helps; `tokens` finds
//! transcripts in any kind of folder and says when there are none; an impossible date is refused.
//!
//! Each test runs the real binary in a throwaway data folder, Claude config folder and HOME, on
//! transcripts written here by hand, so every expected value below is read off the lines written.

#![allow(clippy::unwrap_used)] // a test: a failure should panic with its cause

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_prompt1");

/// A throwaway data folder, Claude config folder and HOME.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["home", "tmp", "claude/projects/-home-dev-project"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        Self { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn data(&self) -> PathBuf {
        self.path("data")
    }

    fn project(&self) -> PathBuf {
        self.path("claude/projects/-home-dev-project")
    }

    /// `prompt1 ARGS` with only this sandbox's environment (prompt1's folder first on PATH).
    fn run(&self, args: &[&str]) -> Output {
        let bin_dir = Path::new(BIN).parent().unwrap();
        Command::new(BIN)
            .args(args)
            .env_clear()
            .env("PATH", format!("{}:/usr/bin:/bin", bin_dir.display()))
            .env("HOME", self.path("home"))
            .env("PROMPT1_HOME", self.data())
            .env("CLAUDE_CONFIG_DIR", self.path("claude"))
            .env("TMPDIR", self.path("tmp"))
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// `prompt1 ARGS`, which must succeed; its stdout.
    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "prompt1 {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    }

    /// The recorded summaries: the `sessions` of `report --json`.
    fn summaries(&self) -> Vec<Value> {
        serde_json::from_str::<Value>(&self.ok(&["report", "--json"])).unwrap()["sessions"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// Sets the last idle sweep to `age_secs` ago (creating the stamp).
    fn sweep_stamp(&self, age_secs: u64) {
        let locks = self.data().join("locks");
        std::fs::create_dir_all(&locks).unwrap();
        let stamp = std::fs::File::create(locks.join("sweep.stamp")).unwrap();
        let when = std::time::SystemTime::now() - std::time::Duration::from_secs(age_secs);
        stamp.set_modified(when).unwrap();
    }
}

/// A typed prompt at `ts`.
fn prompt(ts: &str, text: &str) -> String {
    format!(
        r#"{{"type":"user","timestamp":"{ts}","promptSource":"typed","entrypoint":"cli","message":{{"role":"user","content":"{text}"}}}}"#
    )
}

/// An assistant reply at `ts` with the given usage.
fn reply(ts: &str, id: &str, usage: [u64; 4]) -> String {
    let [input, output, write, read] = usage;
    format!(
        r#"{{"type":"assistant","timestamp":"{ts}","requestId":"req_{id}","message":{{"id":"msg_{id}","model":"claude-sonnet-4-5-20250929","role":"assistant","content":[{{"type":"text","text":"ok"}}],"usage":{{"input_tokens":{input},"output_tokens":{output},"cache_creation_input_tokens":{write},"cache_read_input_tokens":{read}}}}}}}"#
    )
}

fn write_lines(path: &Path, lines: &[String]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

const A: &str = "aaaaaaaa-0000-4000-8000-000000000001";
const B: &str = "bbbbbbbb-0000-4000-8000-000000000002";
const C: &str = "cccccccc-0000-4000-8000-000000000003";

/// A session of one prompt and one reply on 2026-01-05, long before any run of this test: idle for
/// far more than the 4 hours after which a session without SessionEnd is finalized.
fn old_session(sb: &Sandbox, sid: &str) {
    write_lines(
        &sb.project().join(format!("{sid}.jsonl")),
        &[
            prompt("2026-01-05T10:00:00.000Z", "fix the parser in src/lib.rs"),
            reply("2026-01-05T10:00:05.000Z", sid, [3, 7, 11, 13]),
        ],
    );
}

fn end_of(summaries: &[Value], prompts_and_state: fn(&Value) -> bool) -> Vec<(bool, String)> {
    summaries
        .iter()
        .filter(|s| prompts_and_state(s))
        .map(|s| {
            (
                s["final"].as_bool().unwrap(),
                s["end_reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_session_whose_end_was_lost_is_finalized_by_the_next_command_or_collector() {
    let sb = Sandbox::new();
    old_session(&sb, A);
    // A sweep just ran: collecting A leaves it open (its SessionEnd never came).
    sb.sweep_stamp(0);
    sb.ok(&["collect", "--session", A]);
    let all = |_: &Value| true;
    assert_eq!(
        end_of(
            &serde_json::from_str::<Vec<Value>>(&sb.ok(&["audit", "--json"])).unwrap(),
            all
        ),
        [(false, "open".to_owned())]
    );
    // `status`, the next command, finalizes it and says so.
    let status = sb.ok(&["status"]);
    assert!(
        status.contains("sessions:     1 recorded (0 still open; 1 idle over 4 h finalized now)"),
        "{status}"
    );
    assert_eq!(end_of(&sb.summaries(), all), [(true, "idle_timeout".to_owned())]);

    // The next collector of another session does it too, once the last sweep is old enough.
    old_session(&sb, B);
    sb.sweep_stamp(0);
    sb.ok(&["collect", "--session", B]);
    let open = |s: &Value| s["end_reason"] == "open";
    assert_eq!(end_of(&sb.summaries(), open).len(), 1, "B recorded open");
    write_lines(
        &sb.project().join(format!("{C}.jsonl")),
        &[prompt("2026-01-05T11:00:00.000Z", "and the lexer")],
    );
    sb.sweep_stamp(10 * 60);
    sb.ok(&["collect", "--session", C]);
    let finalized = end_of(&sb.summaries(), |s| s["end_reason"] == "idle_timeout");
    assert_eq!(finalized.len(), 3, "A, B and C (also long idle) all finalized");
}

#[test]
fn status_counts_the_transcript_lines_it_could_not_read() {
    let sb = Sandbox::new();
    write_lines(
        &sb.project().join(format!("{A}.jsonl")),
        &[
            prompt("2026-01-05T10:00:00.000Z", "fix the parser"),
            r#"{"type":"assistant","timestamp":"2026-01-05T10:00:01.000Z","message":{"id":"#.to_owned(),
            reply("2026-01-05T10:00:05.000Z", "a1", [1, 2, 3, 4]),
            r#"{"type":"user","timestamp":"2026-01-05T10:01:00.000Z","message":[1,2"#.to_owned(),
        ],
    );
    write_lines(
        &sb.project().join(format!("{B}.jsonl")),
        &[prompt("2026-01-05T10:00:00.000Z", "fix the lexer")],
    );
    sb.sweep_stamp(0);
    sb.ok(&["collect", "--session", A]);
    sb.ok(&["collect", "--session", B]);
    let status = sb.ok(&["status"]);
    assert!(
        status.contains("skipped:      2 malformed transcript lines (in 1 sessions)"),
        "{status}"
    );
}

#[test]
fn status_names_the_plugin_route_and_the_server_account() {
    let sb = Sandbox::new();
    let status = sb.ok(&["status"]);
    assert!(status.contains("hooks:        not installed in "), "{status}");
    assert!(status.contains("(not created yet: nothing recorded)"), "{status}");
    assert!(!sb.data().exists(), "status creates nothing");
    assert!(
        status.contains("server:       not signed in (local only; `prompt1 login URL`)"),
        "{status}"
    );
    std::fs::write(
        sb.path("claude/settings.json"),
        r#"{"enabledPlugins": {"prompt1@prompt1": true}}"#,
    )
    .unwrap();
    std::fs::create_dir_all(sb.data()).unwrap();
    std::fs::write(
        sb.data().join("device.json"),
        r#"{"server_url":"https://prompt1.example.test","device_token":"p1d_x","device_id":"d-42","account":"dev@example.test"}"#,
    )
    .unwrap();
    let status = sb.ok(&["status"]);
    assert!(
        status.contains("hooks:        installed as the Claude Code plugin prompt1@prompt1\n"),
        "{status}"
    );
    assert!(
        status.contains("server:       signed in to https://prompt1.example.test as dev@example.test"),
        "{status}"
    );
    assert!(!status.contains("installed in "), "no settings hooks: {status}");
    // Both routes at once are both named.
    sb.ok(&["install"]);
    let status = sb.ok(&["status"]);
    assert!(status.contains("(`prompt1 install`)") && status.contains("plugin prompt1@prompt1"));
}

#[test]
fn logout_when_never_signed_in_says_so() {
    let sb = Sandbox::new();
    assert_eq!(
        sb.ok(&["logout"]),
        "not signed in: there was no server token to revoke\n"
    );
}

#[test]
fn install_mentions_a_backup_only_when_there_was_a_file_and_uninstall_removes_the_file_it_created() {
    let sb = Sandbox::new();
    let settings = sb.path("claude/settings.json");
    let out = sb.ok(&["install"]);
    assert!(!out.contains("previous settings"), "{out}");
    assert!(!sb.path("claude/settings.json.prompt1-backup").exists());
    assert!(settings.exists());
    sb.ok(&["uninstall"]);
    assert!(!settings.exists(), "the file install created is gone");

    std::fs::write(&settings, "{\"env\": {}}\n").unwrap();
    let out = sb.ok(&["install"]);
    assert!(
        out.contains(&format!(
            "previous settings kept in {}.prompt1-backup",
            settings.display()
        )),
        "{out}"
    );
    sb.ok(&["uninstall"]);
    let left: Value = serde_json::from_slice(&std::fs::read(&settings).unwrap()).unwrap();
    assert_eq!(left, serde_json::json!({"env": {}}));
}

#[test]
fn hook_help_prints_help_and_logs_nothing() {
    let sb = Sandbox::new();
    for flag in ["--help", "-h"] {
        let out = sb.ok(&["hook", flag]);
        assert!(out.contains("Usage: prompt1 hook"), "{out}");
    }
    assert!(!sb.data().exists(), "no data folder, so no error logged");
}

/// The token totals `tokens --json DIR` reports: (input, output, cache write, cache read).
fn totals(report: &str) -> [u64; 4] {
    let v: Value = serde_json::from_str(report).unwrap();
    let t = &v["totals"];
    [
        "input_tokens",
        "output_tokens",
        "cache_creation_input_tokens",
        "cache_read_input_tokens",
    ]
    .map(|k| t[k].as_u64().unwrap())
}

#[test]
fn tokens_finds_transcripts_in_any_folder_and_says_when_there_are_none() {
    let sb = Sandbox::new();
    let project = sb.project();
    write_lines(
        &project.join(format!("{A}.jsonl")),
        &[
            prompt("2026-01-05T10:00:00.000Z", "go"),
            reply("2026-01-05T10:00:05.000Z", "a1", [3, 7, 11, 13]),
        ],
    );
    write_lines(
        &project.join(A).join("subagents/agent-1.jsonl"),
        &[reply("2026-01-05T10:00:03.000Z", "s1", [100, 200, 300, 400])],
    );
    let want = [103, 207, 311, 413];
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    for root in [sb.path("claude"), sb.path("claude/projects"), project.clone()] {
        assert_eq!(
            totals(&sb.ok(&["tokens", "--json", &s(&root)])),
            want,
            "{}",
            root.display()
        );
    }
    // A flat folder of copied transcripts.
    let flat = sb.path("flat");
    std::fs::create_dir_all(&flat).unwrap();
    std::fs::copy(
        project.join(format!("{A}.jsonl")),
        flat.join(format!("{B}.jsonl")),
    )
    .unwrap();
    assert_eq!(totals(&sb.ok(&["tokens", "--json", &s(&flat)])), [3, 7, 11, 13]);

    // An empty folder: an empty report, and a line on stderr saying why.
    let empty = sb.path("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let o = sb.run(&["tokens", &s(&empty)]);
    assert!(o.status.success());
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        format!(
            "prompt1: no Claude Code transcripts (*.jsonl) under {}\n",
            empty.display()
        )
    );
    // A missing path: an error.
    let missing = sb.path("no-such-folder");
    let o = sb.run(&["tokens", &s(&missing)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        format!("prompt1: {} does not exist\n", missing.display())
    );
}

#[test]
fn an_impossible_date_is_refused() {
    let sb = Sandbox::new();
    for args in [
        ["tokens", "--since", "2026-02-30"],
        ["tokens", "--until", "2026-02-30"],
        ["import", "--since", "2026-02-30"],
    ] {
        let o = sb.run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("`2026-02-30` is not a valid date: 2026-02 has 28 days"),
            "{err}"
        );
    }
}

#[test]
fn report_tokens_accepts_the_pricing_it_suggests() {
    let sb = Sandbox::new();
    write_lines(
        &sb.project().join(format!("{A}.jsonl")),
        &[
            prompt("2026-01-05T10:00:00.000Z", "go"),
            reply("2026-01-05T10:00:05.000Z", "a1", [1_000_000, 1_000_000, 0, 0]),
        ],
    );
    sb.sweep_stamp(0);
    sb.ok(&["collect", "--session", A]);
    let table = sb.ok(&["report", "--tokens", "model"]);
    assert!(table.contains("(see `--pricing`)"), "{table}");
    let pricing = sb.path("pricing.json");
    std::fs::write(
        &pricing,
        r#"{"claude-sonnet-4-5": {"input": 1.0, "output": 2.0, "cache_creation": 0.0, "cache_read": 0.0}}"#,
    )
    .unwrap();
    let json = sb.ok(&[
        "report",
        "--tokens",
        "model",
        "--json",
        "--pricing",
        pricing.to_str().unwrap(),
    ]);
    let v: Value = serde_json::from_str(&json).unwrap();
    // 1 M input at $1 + 1 M output at $2.
    assert_eq!(v["totals"]["cost_usd"].as_f64(), Some(3.0));
}
