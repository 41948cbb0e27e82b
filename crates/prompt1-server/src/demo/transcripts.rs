//! A deterministic generator of Claude Code transcripts, and their summaries through the real
//! summary code.
//!
//! Why generate transcripts rather than summaries: the demo must show what prompt1 computes, not
//! what the demo believes it computes. Each generated session is written as the JSONL lines the
//! client writes (typed prompts with their permission mode and entry point, assistant `tool_use`
//! blocks for Read, Edit and Bash with their results and permission decisions, the CLAUDE.md
//! `instructions` attachment, per-message usage) and then read by
//! [`prompt1_signals::SessionAccumulator`], the one function the client uses. Clarity, file
//! references, verified edit batches, test/lint/build runs and edit decisions are therefore the
//! real rubric's and the real classifier's answers.
//!
//! The generator is seeded ([`Rng`], SplitMix64), so the same seed gives byte-identical transcripts.

use prompt1_signals::summary::FileRole;
use prompt1_signals::{SessionAccumulator, SummaryInputs};
use prompt1_wire::{ClientVersion, EndReason, SessionKey, SessionSummary};
use serde_json::{json, Value};

/// A small seeded pseudo-random generator (SplitMix64): deterministic across platforms and builds,
/// which is all the demo needs (nothing here is a secret).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }

    /// True with probability `p` (0.0 to 1.0).
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p && p > 0.0
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// How one developer works with Claude Code: every field is a probability per prompt, per edit
/// batch or per session, so the same habits give different but typical sessions.
#[derive(Debug, Clone, PartialEq)]
pub struct Habits {
    /// A scored prompt is a clear one (goal, references, constraints) rather than a vague one.
    pub clear_prompts: f64,
    /// A clear prompt names one or more files.
    pub file_refs: f64,
    /// An edit batch is followed by a test run before the next prompt.
    pub verify: f64,
    /// A lint or build run follows an edit batch.
    pub lint: f64,
    /// The person refuses an edit at its permission prompt (in the default mode).
    pub reject: f64,
    /// A session runs in `bypassPermissions` (edits then decided by the mode, not the person).
    pub bypass: f64,
    /// A session runs in `acceptEdits`.
    pub accept_edits: f64,
    /// A prompt is a short follow-up ("yes, go on").
    pub follow_ups: f64,
    /// A session is scripted (`claude -p`): kept, not scored.
    pub scripted: f64,
    /// A session uses Opus rather than Sonnet.
    pub opus: f64,
    /// The user-level CLAUDE.md is loaded.
    pub claude_md_user: bool,
    /// Prompts per session (inclusive range).
    pub prompts: (u64, u64),
}

/// One session to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPlan {
    /// Unix milliseconds of the first line.
    pub start_ms: i64,
    /// Whether the project's CLAUDE.md is loaded.
    pub claude_md_project: bool,
    /// A distinct number for the session (ids in the transcript are made from it).
    pub serial: u64,
}

const CLEAR_PROMPTS: &[&str] = &[
    "Add a `retry_after` field to the 429 response in {f} and make sure the existing tests still pass; do not change the public API.",
    "Fix the off-by-one in `paginate()` in {f}: the last page must contain exactly the remaining items. Add a test for 0, 1 and 21 items.",
    "Rename `UserStore::fetch_all` to `list_users` in {f} and {g}, keeping the old name as a deprecated alias.",
    "The build fails with E0502 in {f} at line 88; borrow the config before the loop instead of cloning it, so that `cargo test` passes.",
    "Explain why `refresh_token()` in {f} returns 401 after 15 minutes, then change the expiry to the value of `ACCESS_TTL_S` only.",
    "Write unit tests for `parse_duration` in {f} covering `30s`, `2m`, empty input and overflow; never panic on bad input.",
    "Move the SQL in {f} into `queries::list_open_invites` and keep the ordering by `created_at` descending.",
    "Replace the hand-written JSON escaping in {f} with serde_json; the output must stay byte-identical for ASCII input.",
];

const VAGUE_PROMPTS: &[&str] = &[
    "fix it",
    "make this better",
    "the login thing is broken again, can you look",
    "clean up the code",
    "why doesn't this work",
    "do the refactor we talked about",
    "add some tests",
    "it's slow, speed it up",
];

const FOLLOW_UPS: &[&str] = &[
    "yes",
    "go on",
    "ok",
    "continue",
    "sounds good",
    "yes please, go ahead",
];

const FILES: &[&str] = &[
    "src/auth/session.rs",
    "src/api/invites.rs",
    "web/src/components/Login.tsx",
    "src/billing/invoice.py",
    "lib/pagination.ts",
    "src/config.rs",
    "cmd/server/main.go",
    "tests/test_api.py",
];

const TEST_COMMANDS: &[&str] = &[
    "cargo test",
    "npm test",
    "pytest -q",
    "go test ./...",
    "npx vitest run",
];

const CHECK_COMMANDS: &[&str] = &[
    "npm run lint",
    "cargo clippy --all-targets",
    "ruff check .",
    "cargo build",
    "tsc --noEmit",
];

/// Writes transcript lines for one session.
struct Writer<'a> {
    lines: Vec<String>,
    now_ms: i64,
    serial: u64,
    next_id: u64,
    rng: &'a mut Rng,
    model: &'static str,
    entrypoint: &'static str,
    session_id: String,
}

fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| String::from("1970-01-01T00:00:00Z"))
}

impl Writer<'_> {
    fn id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}_{:x}_{}", self.serial, self.next_id)
    }

    fn tick(&mut self, lo_s: u64, hi_s: u64) -> String {
        self.now_ms += (self.rng.range(lo_s, hi_s) * 1000) as i64;
        rfc3339(self.now_ms)
    }

    fn push(&mut self, v: Value) {
        self.lines.push(v.to_string());
    }

    /// A typed (or scripted) prompt; the first one is written at the session's start.
    fn prompt(&mut self, text: &str, mode: &str, scripted: bool, first: bool) {
        let ts = if first {
            rfc3339(self.now_ms)
        } else {
            self.tick(20, 240)
        };
        let uuid = self.id("u");
        self.push(json!({
            "parentUuid": null, "isSidechain": false, "type": "user",
            "message": {"role": "user", "content": text},
            "uuid": uuid, "timestamp": ts, "permissionMode": mode,
            "origin": {"kind": "human"}, "promptSource": if scripted { "sdk" } else { "typed" },
            "entrypoint": self.entrypoint, "sessionId": self.session_id, "version": "2.1.332",
        }));
    }

    /// One assistant message calling `tool` with `input`; returns the call id.
    fn tool_use(&mut self, tool: &str, input: Value, cache_reuse: bool) -> String {
        let ts = self.tick(3, 25);
        let call = self.id("toolu");
        let msg = self.id("msg");
        let req = self.id("req");
        let input_tokens = self.rng.range(5, 400);
        let output_tokens = self.rng.range(40, 1500);
        let (creation, read) = if cache_reuse {
            (self.rng.range(0, 2_000), self.rng.range(20_000, 90_000))
        } else {
            (self.rng.range(10_000, 40_000), self.rng.range(0, 5_000))
        };
        self.push(json!({
            "type": "assistant", "timestamp": ts, "requestId": req, "sessionId": self.session_id,
            "message": {
                "id": msg, "model": self.model, "role": "assistant",
                "content": [{"type": "tool_use", "id": call, "name": tool, "input": input}],
                "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens,
                          "cache_creation_input_tokens": creation, "cache_read_input_tokens": read},
            },
        }));
        call
    }

    /// The result of call `id`: `decision` is the recorded permission decision (if any),
    /// `rejected_by_person` writes the client's "No" at the prompt.
    fn tool_result(&mut self, id: &str, decision: Option<Value>, rejected_by_person: bool) {
        let ts = self.tick(1, 8);
        let mut line = json!({
            "type": "user", "timestamp": ts, "sessionId": self.session_id, "entrypoint": self.entrypoint,
            "message": {"role": "user", "content": [{
                "type": "tool_result", "tool_use_id": id,
                "content": if rejected_by_person { "The user doesn't want to proceed with this tool use." } else { "ok" },
                "is_error": rejected_by_person,
            }]},
        });
        if let Some(d) = decision {
            line["permissionDecision"] = d;
        }
        if rejected_by_person {
            line["toolDenialKind"] = json!("user-rejected");
            line["toolDenialBeforeRun"] = json!(true);
        }
        self.push(line);
    }

    fn closing_text(&mut self) {
        let ts = self.tick(2, 20);
        let msg = self.id("msg");
        let req = self.id("req");
        let out = self.rng.range(50, 600);
        self.push(json!({
            "type": "assistant", "timestamp": ts, "requestId": req, "sessionId": self.session_id,
            "message": {"id": msg, "model": self.model, "role": "assistant",
                "content": [{"type": "text", "text": "Done."}],
                "usage": {"input_tokens": 4, "output_tokens": out,
                          "cache_creation_input_tokens": 0, "cache_read_input_tokens": 30_000}},
        }));
    }
}

/// The JSONL transcript of one session of a developer with `habits`.
pub fn transcript(rng: &mut Rng, habits: &Habits, plan: SessionPlan) -> String {
    let scripted = rng.chance(habits.scripted);
    let mode = if rng.chance(habits.bypass) {
        "bypassPermissions"
    } else if rng.chance(habits.accept_edits) {
        "acceptEdits"
    } else {
        "default"
    };
    let model = if rng.chance(habits.opus) {
        "claude-opus-4-1-20250805"
    } else {
        "claude-sonnet-4-5-20250929"
    };
    let mut w = Writer {
        lines: Vec::new(),
        now_ms: plan.start_ms,
        serial: plan.serial,
        next_id: 0,
        rng,
        model,
        entrypoint: if scripted { "sdk-cli" } else { "cli" },
        session_id: format!("demo-{:016x}", plan.serial),
    };
    let sid = w.session_id.clone();
    w.push(json!({"type": "permission-mode", "permissionMode": mode, "sessionId": sid}));
    let mut files = Vec::new();
    if plan.claude_md_project {
        files.push(json!({"path": "/home/dev/project/CLAUDE.md", "type": "Project", "content": "# notes"}));
    }
    if habits.claude_md_user {
        files.push(json!({"path": "/home/dev/.claude/CLAUDE.md", "type": "User", "content": "# me"}));
    }
    if !files.is_empty() {
        let ts = rfc3339(plan.start_ms);
        w.push(json!({"type": "attachment", "timestamp": ts, "sessionId": sid,
            "attachment": {"type": "instructions", "files": files}}));
    }
    // With CLAUDE.md the assistant needs fewer rounds: fewer rejected edits below.
    let reject = if plan.claude_md_project {
        habits.reject * 0.4
    } else {
        habits.reject
    };
    let prompts = w.rng.range(habits.prompts.0, habits.prompts.1);
    for k in 0..prompts {
        let text = if k > 0 && w.rng.chance(habits.follow_ups) {
            (*w.rng.pick(FOLLOW_UPS)).to_owned()
        } else if w.rng.chance(habits.clear_prompts) {
            let t = *w.rng.pick(CLEAR_PROMPTS);
            if w.rng.chance(habits.file_refs) {
                let f = *w.rng.pick(FILES);
                let g = *w.rng.pick(FILES);
                t.replace("{f}", &format!("`{f}`")).replace("{g}", g)
            } else {
                t.replace("{f}", "the handler").replace("{g}", "its caller")
            }
        } else {
            (*w.rng.pick(VAGUE_PROMPTS)).to_owned()
        };
        w.prompt(&text, mode, scripted, k == 0);
        // Look around first.
        for _ in 0..w.rng.range(0, 3) {
            let f = *w.rng.pick(FILES);
            let id = w.tool_use("Read", json!({"file_path": f}), k > 0);
            w.tool_result(&id, None, false);
        }
        // Most turns edit.
        if w.rng.chance(0.8) {
            for _ in 0..w.rng.range(1, 3) {
                let f = *w.rng.pick(FILES);
                let id = w.tool_use(
                    "Edit",
                    json!({"file_path": f, "old_string": "a", "new_string": "b"}),
                    k > 0,
                );
                match mode {
                    "default" if !scripted && w.rng.chance(reject) => w.tool_result(&id, None, true),
                    "default" if !scripted => w.tool_result(
                        &id,
                        Some(json!({"decision": "accept", "source": "user_temporary"})),
                        false,
                    ),
                    _ => w.tool_result(
                        &id,
                        Some(json!({"decision": "accept", "source": "config", "reasonType": "mode"})),
                        false,
                    ),
                }
            }
            if w.rng.chance(habits.lint) {
                let c = *w.rng.pick(CHECK_COMMANDS);
                let id = w.tool_use("Bash", json!({"command": c}), true);
                w.tool_result(&id, None, false);
            }
            if w.rng.chance(habits.verify) {
                let c = *w.rng.pick(TEST_COMMANDS);
                let id = w.tool_use("Bash", json!({"command": c}), true);
                w.tool_result(&id, None, false);
            }
        }
        w.closing_text();
    }
    let mut out = w.lines.join("\n");
    out.push('\n');
    out
}

/// The session summary of `jsonl`, computed by the client's own summary function.
pub fn summarize(jsonl: &str, session_key: SessionKey) -> SessionSummary {
    let mut acc = SessionAccumulator::new();
    acc.feed_chunk(jsonl.as_bytes(), FileRole::Main);
    acc.summary(SummaryInputs {
        session_key,
        revision: 1,
        end_reason: EndReason::PromptInputExit,
        client_version: ClientVersion {
            major: 0,
            minor: 1,
            patch: 0,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn habits() -> Habits {
        Habits {
            clear_prompts: 1.0,
            file_refs: 1.0,
            verify: 1.0,
            lint: 0.0,
            reject: 0.0,
            bypass: 0.0,
            accept_edits: 0.0,
            follow_ups: 0.0,
            scripted: 0.0,
            opus: 0.0,
            claude_md_user: false,
            prompts: (4, 4),
        }
    }

    const START: i64 = 1_790_000_000_000;

    #[test]
    fn same_seed_same_bytes() {
        let plan = SessionPlan {
            start_ms: START,
            claude_md_project: true,
            serial: 7,
        };
        let a = transcript(&mut Rng::new(3), &habits(), plan);
        let b = transcript(&mut Rng::new(3), &habits(), plan);
        assert_eq!(a, b);
        assert_ne!(a, transcript(&mut Rng::new(4), &habits(), plan));
    }

    #[test]
    fn a_careful_developer_reads_as_careful() {
        let plan = SessionPlan {
            start_ms: START,
            claude_md_project: true,
            serial: 1,
        };
        let s = summarize(
            &transcript(&mut Rng::new(1), &habits(), plan),
            SessionKey([1; 16]),
        );
        assert_eq!(s.prompts, 4);
        assert_eq!(s.follow_ups, 0);
        assert_eq!(s.clarity_scored, 4);
        assert!(s.interactive);
        assert!(s.claude_md_project);
        assert!(!s.claude_md_user);
        assert_eq!(s.permission_modes.default, 4);
        // Every batch is followed by a test run, so every batch is verified.
        assert_eq!(s.verified_batches, s.edit_batches);
        assert_eq!(s.test_runs, s.edit_batches);
        assert!(s.edit_batches >= 1);
        assert_eq!(s.edits.user_rejected, 0);
        assert_eq!(s.edits.auto_allowed, 0);
        assert_eq!(s.edits.user_accepted, s.tools.edit);
        assert!(s.prompts_with_file_refs == 4 && s.file_refs >= 4);
        assert!(
            s.clarity_sum / s.clarity_scored >= 50,
            "clear prompts score {}",
            s.clarity_sum / s.clarity_scored
        );
        assert_eq!(s.started_minute, START / 60_000);
    }

    #[test]
    fn a_hasty_developer_reads_as_hasty() {
        let h = Habits {
            clear_prompts: 0.0,
            verify: 0.0,
            bypass: 1.0,
            claude_md_user: true,
            ..habits()
        };
        let plan = SessionPlan {
            start_ms: START,
            claude_md_project: false,
            serial: 2,
        };
        let s = summarize(&transcript(&mut Rng::new(1), &h, plan), SessionKey([2; 16]));
        assert_eq!(s.prompts, 4);
        assert_eq!(s.verified_batches, 0);
        assert_eq!(s.test_runs, 0);
        assert_eq!(s.permission_modes.bypass_permissions, 4);
        assert_eq!(s.edits.user_accepted + s.edits.user_rejected, 0);
        assert_eq!(s.edits.auto_allowed, s.tools.edit);
        assert_eq!(s.file_refs, 0);
        assert!(!s.claude_md_project && s.claude_md_user);
        assert!(s.clarity_sum / s.clarity_scored.max(1) < 30);
    }

    #[test]
    fn scripted_sessions_are_not_interactive() {
        let h = Habits {
            scripted: 1.0,
            ..habits()
        };
        let plan = SessionPlan {
            start_ms: START,
            claude_md_project: false,
            serial: 3,
        };
        let s = summarize(&transcript(&mut Rng::new(5), &h, plan), SessionKey([3; 16]));
        assert!(!s.interactive);
        assert_eq!(s.prompts, 4);
    }

    #[test]
    fn rejections_are_the_persons() {
        let h = Habits {
            reject: 1.0,
            ..habits()
        };
        let plan = SessionPlan {
            start_ms: START,
            claude_md_project: false,
            serial: 4,
        };
        let s = summarize(&transcript(&mut Rng::new(9), &h, plan), SessionKey([4; 16]));
        assert!(s.tools.edit > 0);
        assert_eq!(s.edits.user_rejected, s.tools.edit);
        assert_eq!(s.edit_batches, 0, "no edit ran, so no batch");
    }
}
