//! End to end against the real Claude Code client (`CLAUDE_BIN`) through `../shared/claude-harness`
//! (`PROMPT1_HARNESS`): prompt1's hooks, as `prompt1 install` writes them, run inside real sessions
//! played against the harness's scripted API, and the summaries the detached collectors record are
//! asserted field by field.
//!
//! Every test also checks, through [`common::Case::check`], that the summary is mirrored in the
//! outbox, that collecting again changes nothing, that its tokens equal the harness's `inspect-run`
//! de-duplicated sums (sub-agent files included), and that the same transcript files fed straight
//! into the shared function give the identical summary.
//!
//! Without the client or the harness each test prints `skipped: ...` and passes
//! (`PROMPT1_REQUIRE_ALL=1` turns that into a failure).

mod common;
mod skip;

use common::{assert_summary, base, walk, with_prompts, Case, Run, Typed, BIN};
use prompt1_wire::{
    EditDecisions, EndReason, ModelId, ModelTokens, PermissionModeCounts, SessionSummary, ToolCounts,
};
use std::path::{Path, PathBuf};

const EDITS_PROMPT: &str = "Make the edits.";

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

impl Case {
    /// The expectation's starting point for `recorded`, with the run's tokens per `inspect-run`.
    fn expected(&self, run: &Run, recorded: &SessionSummary) -> SessionSummary {
        let ids = run.session_ids();
        let id = ids
            .iter()
            .find(|id| run.session_key(id) == recorded.session_key)
            .expect("the session's id");
        SessionSummary {
            tokens: self.inspect_tokens(run, id),
            ..base(recorded, run.started_minute(id), run.active_s_one_process(id))
        }
    }

    fn sample_project(&self) -> PathBuf {
        self.client.harness_file("projects/sample")
    }
}

fn modes(f: impl FnOnce(&mut PermissionModeCounts)) -> PermissionModeCounts {
    let mut m = PermissionModeCounts::default();
    f(&mut m);
    m
}

/// `scenarios/edits.json` (Write new.txt, Edit existing.txt, `echo from-bash > bash.txt`) with `-p`
/// in one permission mode.
fn edits_in_mode(mode: &str) -> Option<(Case, Run, SessionSummary)> {
    let case = Case::new(&format!("mode-{mode}"))?;
    let hooks = case.hooks_file();
    let scenario = case.client.harness_file("scenarios/edits.json");
    let project = case.sample_project();
    let run = case.run(
        "run",
        &scenario,
        &[
            "--hooks",
            s(&hooks),
            "--project",
            s(&project),
            "--permission-mode",
            mode,
            "--prompt",
            EDITS_PROMPT,
        ],
    );
    let got = case.check(&run);
    Some((case, run, got))
}

#[test]
fn print_default_mode_denies_the_edits_automatically() {
    let Some((case, run, got)) = edits_in_mode("default") else {
        return;
    };
    // `-p` cannot ask: the client denies both edits and the command; nobody was asked.
    let want = SessionSummary {
        tools: ToolCounts {
            edit: 2,
            shell: 1,
            ..Default::default()
        },
        edits: EditDecisions {
            auto_denied: 2,
            ..Default::default()
        },
        permission_modes: modes(|m| m.default = 1),
        claude_md_project: true,
        ..with_prompts(case.expected(&run, &got), &[Typed::Scored(EDITS_PROMPT, 0)])
    };
    assert_summary(&got, &want, "-p, default mode");
    assert!(!run.project.join("new.txt").exists());
}

#[test]
fn print_accept_edits_mode_allows_the_edits_automatically() {
    let Some((case, run, got)) = edits_in_mode("acceptEdits") else {
        return;
    };
    let want = SessionSummary {
        tools: ToolCounts {
            edit: 2,
            shell: 1,
            ..Default::default()
        },
        edits: EditDecisions {
            auto_allowed: 2,
            ..Default::default()
        },
        edit_batches: 1,
        permission_modes: modes(|m| m.accept_edits = 1),
        claude_md_project: true,
        // `echo from-bash > bash.txt`: no test, lint or build run
        ..with_prompts(case.expected(&run, &got), &[Typed::Scored(EDITS_PROMPT, 0)])
    };
    assert_summary(&got, &want, "-p, acceptEdits mode");
    assert!(run.project.join("new.txt").exists() && run.project.join("bash.txt").exists());
}

#[test]
fn print_plan_mode_denies_the_edits_automatically() {
    let Some((case, run, got)) = edits_in_mode("plan") else {
        return;
    };
    let want = SessionSummary {
        tools: ToolCounts {
            edit: 2,
            shell: 1,
            ..Default::default()
        },
        edits: EditDecisions {
            auto_denied: 2,
            ..Default::default()
        },
        permission_modes: modes(|m| m.plan = 1),
        claude_md_project: true,
        ..with_prompts(case.expected(&run, &got), &[Typed::Scored(EDITS_PROMPT, 0)])
    };
    assert_summary(&got, &want, "-p, plan mode");
    assert!(!run.project.join("new.txt").exists() && !run.project.join("bash.txt").exists());
}

#[test]
fn print_bypass_permissions_mode_allows_the_edits_automatically() {
    let Some((case, run, got)) = edits_in_mode("bypassPermissions") else {
        return;
    };
    let want = SessionSummary {
        tools: ToolCounts {
            edit: 2,
            shell: 1,
            ..Default::default()
        },
        edits: EditDecisions {
            auto_allowed: 2,
            ..Default::default()
        },
        edit_batches: 1,
        permission_modes: modes(|m| m.bypass_permissions = 1),
        claude_md_project: true,
        // `echo from-bash > bash.txt`: no test, lint or build run
        ..with_prompts(case.expected(&run, &got), &[Typed::Scored(EDITS_PROMPT, 0)])
    };
    assert_summary(&got, &want, "-p, bypassPermissions mode");
}

#[test]
fn tui_person_rejects_one_edit_and_accepts_another() {
    let Some(case) = Case::new("tui") else { return };
    if common::which("tmux").is_none() {
        skip::skip("tmux not found (needed for --tui)");
        return;
    }
    let hooks = case.hooks_file();
    let scenario = case.client.harness_file("scenarios/edits.json");
    let project = case.sample_project();
    // The screens are in the harness's samples/interactive-screen.txt. Session 1: the person answers
    // No (3) to the Write, types a second prompt, answers Yes (1) to the Edit, cancels the command's
    // prompt (Esc), switches to acceptEdits (shift+tab), types a third prompt, then `/clear`s.
    // Session 2: "yes" replays the scenario in acceptEdits: the Write is allowed by the mode, the Edit
    // fails (its text was already changed), the command runs; then `/exit`.
    let steps = "sleep 10; key 3; sleep 5; type go on with the edit; key Enter; sleep 6; key 1; sleep 6; \
                 key Escape; sleep 4; key BTab; sleep 3; type thanks, that is all; key Enter; sleep 6; \
                 type /clear; key Enter; sleep 5; type yes; key Enter; sleep 7; type /exit; key Enter; sleep 5";
    let run = case.run(
        "run",
        &scenario,
        &[
            "--hooks",
            s(&hooks),
            "--project",
            s(&project),
            "--permission-mode",
            "default",
            "--prompt",
            EDITS_PROMPT,
            "--tui",
            steps,
        ],
    );
    let screen = common::read_lossy(&run.dir.join("screen.txt"));
    let ids = run.session_ids();
    assert_eq!(ids.len(), 2, "/clear starts a second session; screen:\n{screen}");
    let mut sessions: Vec<SessionSummary> = ids.iter().map(|id| case.check_session(&run, id)).collect();
    sessions.sort_by_key(|s| s.end_reason != EndReason::Clear);
    let (first, second) = (&sessions[0], &sessions[1]);

    let want_first = SessionSummary {
        interactive: true,
        end_reason: EndReason::Clear,
        tools: ToolCounts {
            edit: 2,
            shell: 1,
            ..Default::default()
        },
        edits: EditDecisions {
            user_accepted: 1,
            user_rejected: 1,
            ..Default::default()
        },
        edit_batches: 1,
        permission_modes: modes(|m| {
            m.default = 2;
            m.accept_edits = 1;
        }),
        claude_md_project: true,
        // "edit" and "is" are no follow-up words: all three are scored
        ..with_prompts(
            case.expected(&run, first),
            &[
                Typed::Scored(EDITS_PROMPT, 0),
                Typed::Scored("go on with the edit", 0),
                Typed::Scored("thanks, that is all", 0),
            ],
        )
    };
    assert_summary(
        first,
        &want_first,
        "interactive session ended by /clear (screen.txt in the run folder)",
    );
    let want_second = SessionSummary {
        interactive: true,
        end_reason: EndReason::PromptInputExit,
        tools: ToolCounts {
            edit: 2,
            shell: 1,
            ..Default::default()
        },
        tool_failures: 1,
        edits: EditDecisions {
            auto_allowed: 1,
            ..Default::default()
        },
        edit_batches: 1,
        permission_modes: modes(|m| m.accept_edits = 1),
        claude_md_project: true,
        ..with_prompts(case.expected(&run, second), &[Typed::FollowUp("yes")])
    };
    assert_summary(second, &want_second, "interactive session after /clear");
    assert!(common::read_lossy(&run.project.join("existing.txt")).contains("line 2"));
}

#[test]
fn tool_failures_are_counted_and_a_failed_edit_is_no_decision() {
    let Some(case) = Case::new("failures") else { return };
    let hooks = case.hooks_file();
    let scenario = case.client.harness_file("scenarios/tool-failures.json");
    let project = case.sample_project();
    let prompt = "Fail a few tools.";
    let run = case.run(
        "run",
        &scenario,
        &["--hooks", s(&hooks), "--project", s(&project), "--prompt", prompt],
    );
    let got = case.check(&run);
    // Bash exiting 3, Read of a missing file, Edit of absent text (refused before any permission
    // check: a failure, not a decision, and no edit batch).
    let want = SessionSummary {
        tools: ToolCounts {
            edit: 1,
            read: 1,
            shell: 1,
            ..Default::default()
        },
        tool_failures: 3,
        permission_modes: modes(|m| m.bypass_permissions = 1),
        claude_md_project: true,
        // `echo failing; exit 3`: no test, lint or build run
        ..with_prompts(case.expected(&run, &got), &[Typed::Scored(prompt, 0)])
    };
    assert_summary(&got, &want, "tool failures");
}

/// What `scenarios/subagent.json` in projects/sample gives with `-p` in bypassPermissions mode.
fn subagent_expected(case: &Case, run: &Run, got: &SessionSummary) -> SessionSummary {
    SessionSummary {
        tools: ToolCounts {
            agent: 1,
            shell: 1,
            ..Default::default()
        },
        subagents: 1,
        permission_modes: modes(|m| m.bypass_permissions = 1),
        claude_md_project: true,
        // `ls`: no test, lint or build run
        ..with_prompts(case.expected(run, got), &[Typed::Scored("Use a sub-agent.", 0)])
    }
}

fn subagent_args<'a>(hooks: Option<&'a str>, project: &'a str) -> Vec<&'a str> {
    let mut args = vec!["--project", project, "--prompt", "Use a sub-agent."];
    if let Some(h) = hooks {
        args.extend(["--hooks", h]);
    }
    args
}

#[test]
fn subagent_calls_and_tokens_are_included() {
    let Some(case) = Case::new("subagent") else { return };
    let hooks = case.hooks_file();
    let scenario = case.client.harness_file("scenarios/subagent.json");
    let project = case.sample_project();
    let run = case.run("run", &scenario, &subagent_args(Some(s(&hooks)), s(&project)));
    let got = case.check(&run);
    let id = &run.session_ids()[0];
    assert_eq!(run.transcript_files(id).1.len(), 1, "one sub-agent transcript");
    assert_summary(&got, &subagent_expected(&case, &run, &got), "sub-agent");
    // The scenario's usage, main (2 replies) plus sub-agent (2 replies): the sub-agent's tokens are in.
    let scripted = ModelTokens {
        model: ModelId::Sonnet4_5,
        input: 7 + 4 + 2 + 2,
        output: 180 + 12 + 30 + 15,
        cache_creation: 6000 + 400 + 3000 + 100,
        cache_read: 11000 + 17000 + 3000,
    };
    assert_eq!(got.tokens, vec![scripted]);
}

#[test]
fn compaction_is_counted_in_the_continued_session() {
    let Some(case) = Case::new("compact") else { return };
    let hooks = case.hooks_file();
    let scenario = case.client.harness_file("scenarios/basic.json");
    let prompt = "Run echo, write notes.txt, read it back.";
    let first = case.run("first", &scenario, &["--hooks", s(&hooks), "--prompt", prompt]);
    let before = case.check(&first);
    let reuse = first.dir.clone();
    let second = case.run(
        "second",
        &scenario,
        &["--reuse", s(&reuse), "--prompt", "/compact", "--", "--continue"],
    );
    let got = case.check(&second);
    assert_eq!(
        got.session_key, before.session_key,
        "--continue goes on with the same session"
    );
    assert!(got.revision > before.revision);
    // No CLAUDE.md anywhere (empty project, no user file); `/compact` is no prompt.
    let expected = |run: &Run, got: &SessionSummary, compactions| SessionSummary {
        tools: ToolCounts {
            edit: 1,
            read: 1,
            shell: 1,
            ..Default::default()
        },
        compactions,
        edit_batches: 1,
        edits: EditDecisions {
            auto_allowed: 1,
            ..Default::default()
        },
        permission_modes: modes(|m| m.bypass_permissions = 1),
        // "Run echo, write notes.txt, read it back.": one file named; `echo hi` is no test run
        ..with_prompts(case.expected(run, got), &[Typed::Scored(prompt, 1)])
    };
    assert_summary(&before, &expected(&first, &before, 0), "before /compact");
    // Two client processes wrote this session: how the gap between them counts is issue 11's
    // point 7 (its own change and test); here the active time is only bounded by the span.
    let after = SessionSummary {
        active_s: got.active_s,
        ..expected(&second, &got, 1)
    };
    assert_summary(&got, &after, "after /compact");
}

const CLEAR_PROMPT: &str = "In `existing.txt`, rename \"line two\" to \"line 2\" so it matches the style of \
     @CLAUDE.md; then run `cargo test`, `cargo clippy --all-targets -- -D warnings` and \
     `cargo build --release`, and stop once all three pass.";

#[test]
fn verified_batch_runs_file_refs_clarity_follow_up_and_both_claude_md() {
    let Some(case) = Case::new("verified") else { return };
    let hooks = case.hooks_file();
    let scenario = common::scenario("verified-edits.json");
    let project = case.sample_project();
    let path = case.stub_path();
    let env_path = format!("PATH={path}");
    // a user-level CLAUDE.md in the run's HOME (projects/sample has the project-level one)
    let first_dir = case.root.join("first");
    std::fs::create_dir_all(first_dir.join("home/.claude")).expect("home");
    std::fs::write(
        first_dir.join("home/.claude/CLAUDE.md"),
        "# My user-level notes\nPrefer small diffs.\n",
    )
    .expect("user CLAUDE.md");
    let first = case.run_in(
        &first_dir,
        &scenario,
        &[
            "--hooks",
            s(&hooks),
            "--project",
            s(&project),
            "--env",
            &env_path,
            "--prompt",
            CLEAR_PROMPT,
        ],
    );
    let got = case.check(&first);
    let want_first = SessionSummary {
        tools: ToolCounts {
            edit: 1,
            shell: 3,
            ..Default::default()
        },
        edits: EditDecisions {
            auto_allowed: 1,
            ..Default::default()
        },
        edit_batches: 1,
        // `cargo test` after the edit: the batch is verified
        verified_batches: 1,
        // `cargo test`, `cargo clippy --all-targets -- -D warnings`, `cargo build --release`
        test_runs: 1,
        lint_runs: 1,
        build_runs: 1,
        permission_modes: modes(|m| m.bypass_permissions = 1),
        claude_md_project: true,
        claude_md_user: true,
        // `existing.txt` and `@CLAUDE.md`: two files named
        ..with_prompts(case.expected(&first, &got), &[Typed::Scored(CLEAR_PROMPT, 2)])
    };
    assert_summary(&got, &want_first, "first prompt");

    // The person answers the model's question with a follow-up; the model writes one more file and
    // runs nothing: a second batch, not verified.
    let reuse = first.dir.clone();
    let second = case.run(
        "second",
        &scenario,
        &["--reuse", s(&reuse), "--prompt", "yes", "--", "--continue"],
    );
    let got = case.check(&second);
    assert_eq!(got.session_key, want_first.session_key);
    let want = SessionSummary {
        tools: ToolCounts {
            edit: 2,
            shell: 3,
            ..Default::default()
        },
        edits: EditDecisions {
            auto_allowed: 2,
            ..Default::default()
        },
        edit_batches: 2,
        verified_batches: 1,
        test_runs: 1,
        lint_runs: 1,
        build_runs: 1,
        permission_modes: modes(|m| m.bypass_permissions = 2),
        claude_md_project: true,
        claude_md_user: true,
        // two client processes (`--continue`): see the compaction test
        active_s: got.active_s,
        ..with_prompts(
            case.expected(&second, &got),
            &[Typed::Scored(CLEAR_PROMPT, 2), Typed::FollowUp("yes")],
        )
    };
    assert_summary(&got, &want, "after the follow-up");
}

#[test]
fn both_install_routes_at_once_count_nothing_twice() {
    let Some(case) = Case::new("routes") else { return };
    let hooks = case.hooks_file();
    let scenario = case.client.harness_file("scenarios/subagent.json");
    let project = case.sample_project();
    let plugin = common::workspace().join("plugin");
    let bin_dir = Path::new(BIN).parent().expect("bin dir");
    let env_path = format!(
        "PATH={}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );

    // the plugin alone (prompt1 found on PATH) records the session...
    let mut args = subagent_args(None, s(&project));
    args.extend(["--plugin-dir", s(&plugin), "--env", &env_path]);
    let plugin_only = case.run("plugin-only", &scenario, &args);
    let got = case.check(&plugin_only);
    let plugin_stop = "command -v prompt1 >/dev/null 2>&1 && exec prompt1 hook Stop; exit 0";
    let fired = plugin_only.stop_hook_commands(&plugin_only.session_ids()[0]);
    assert_eq!(fired, [plugin_stop], "the plugin's Stop hook ran");
    assert_summary(
        &got,
        &subagent_expected(&case, &plugin_only, &got),
        "plugin route alone",
    );

    // ...and with the settings hooks too, every hook fires twice, yet the summary is the same
    let mut args = subagent_args(Some(s(&hooks)), s(&project));
    args.extend(["--plugin-dir", s(&plugin), "--env", &env_path]);
    let both = case.run("both", &scenario, &args);
    let got = case.check(&both);
    let fired = both.stop_hook_commands(&both.session_ids()[0]);
    assert_eq!(fired.len(), 2, "both routes' Stop hooks ran: {fired:?}");
    assert!(fired.iter().any(|c| c == plugin_stop) && fired.iter().any(|c| c.contains(BIN)));
    assert_summary(
        &got,
        &subagent_expected(&case, &both, &got),
        "settings hooks and plugin together",
    );
}

#[test]
fn installed_hooks_stay_silent_and_succeed_when_the_binary_is_gone() {
    let Some(case) = Case::new("binary-gone") else {
        return;
    };
    // `prompt1 install` run from a copy of the binary, which is then deleted (as a person who
    // removes prompt1 without `prompt1 uninstall` would).
    let bin_dir = case.root.join("gone-bin");
    std::fs::create_dir_all(&bin_dir).expect("bin dir");
    let exe = bin_dir.join("prompt1");
    std::fs::copy(BIN, &exe).expect("copy prompt1");
    let hooks = case.hooks_file_for(&exe, "gone-config");
    std::fs::remove_file(&exe).expect("remove the copy");
    let scenario = case.client.harness_file("scenarios/basic.json");
    let run = case.run(
        "gone",
        &scenario,
        &[
            "--hooks",
            s(&hooks),
            "--prompt",
            "Run echo, write notes.txt, read it back.",
        ],
    );
    let ids = run.session_ids();
    assert_eq!(ids.len(), 1, "{ids:?}");
    // Every hook ran (the Stop summary names the guarded command), none failed or printed.
    let fired = run.stop_hook_commands(&ids[0]);
    assert_eq!(fired.len(), 1, "{fired:?}");
    assert!(fired[0].starts_with("command -v '"), "{fired:?}");
    run.assert_hooks_silent_and_successful(&ids[0]);
    // What the unguarded command gave: the client printing `SessionEnd hook [...] failed:
    // /bin/sh: 1: ...: not found`, and async hook responses with exit code 127 in the transcript.
    let stderr = common::read_lossy(&run.dir.join("stderr"));
    assert!(!stderr.contains("not found"), "client stderr: {stderr}");
    let (main, _) = run.transcript_files(&ids[0]);
    for line in common::read_lossy(&main).lines() {
        assert!(!line.contains("not found"), "{line}");
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(line) {
            if v["attachment"]["type"] == "async_hook_response" {
                assert_eq!(v["attachment"]["exitCode"], 0, "{line}");
            }
        }
    }
    assert!(!run.data.exists(), "no prompt1 ran, so no data folder");
}

#[test]
fn async_or_sync_hooks_lose_no_signal() {
    let Some(case) = Case::new("async") else { return };
    let scenario = case.client.harness_file("scenarios/subagent.json");
    let project = case.sample_project();
    for is_async in [true, false] {
        let hooks = case.hooks_file_all_async(is_async);
        let name = if is_async { "all-async" } else { "none-async" };
        let run = case.run(name, &scenario, &subagent_args(Some(s(&hooks)), s(&project)));
        let got = case.check(&run);
        let mut want = subagent_expected(&case, &run, &got);
        if is_async && !got.is_final {
            // The client may cancel an async SessionEnd hook at exit (why `install` registers it
            // synchronously): then only the end is missing, until the idle sweep finalizes it.
            eprintln!("note: the async SessionEnd hook was cancelled; the session stays open");
            want.is_final = false;
            want.end_reason = EndReason::Open;
        }
        assert_summary(&got, &want, name);
    }
}

#[test]
fn privacy_canaries_never_reach_prompt1_data_or_output() {
    let Some(case) = Case::new("canary") else { return };
    if common::which("git").is_none() {
        skip::skip("git not found");
        return;
    }
    let tag = common::random_hex(6);
    let canary = |kind: &str| format!("zqcanary{kind}{tag}");
    let [prompt, file, dir, repo, env, content, command, commit] = [
        "prompt", "file", "dir", "repo", "env", "content", "command", "commit",
    ]
    .map(canary);
    let canaries = [&prompt, &file, &dir, &repo, &env, &content, &command, &commit];

    // The run (and so the project folder and its transcript folder) lives under <dir>/<repo>; the
    // project holds a file named and filled with canaries; the model commits with a canary message.
    let hooks = case.hooks_file();
    let src = case.root.join("src-project");
    std::fs::create_dir_all(&src).expect("project");
    std::fs::write(src.join(format!("{file}.txt")), format!("{content}\n")).expect("canary file");
    let template = common::read_lossy(&common::scenario("canary.json"));
    let scenario_text = template
        .replace("@CANARY_FILE@", &file)
        .replace("@CANARY_CONTENT@", &content)
        .replace("@CANARY_COMMAND@", &command)
        .replace("@CANARY_REPO@", &repo)
        .replace("@CANARY_COMMIT@", &commit);
    let scenario = case.root.join("canary-scenario.json");
    std::fs::write(&scenario, scenario_text).expect("scenario");
    let data = case.root.join("prompt1-data");
    let run_dir = case.root.join(&dir).join(&repo);
    let prompt_text = format!("Please fix {prompt} in the file and commit it.");
    let run = case.run_in(
        &run_dir,
        &scenario,
        &[
            "--hooks",
            s(&hooks),
            "--project",
            s(&src),
            "--git",
            "--env",
            &format!("CANARY_ENV={env}"),
            "--env",
            &format!("PROMPT1_HOME={}", data.display()),
            "--prompt",
            &prompt_text,
        ],
    );
    let got = case.check(&run);
    let want = SessionSummary {
        tools: ToolCounts {
            edit: 1,
            read: 1,
            shell: 2,
            ..Default::default()
        },
        edits: EditDecisions {
            auto_allowed: 1,
            ..Default::default()
        },
        edit_batches: 1,
        permission_modes: modes(|m| m.bypass_permissions = 1),
        // `echo ... && printenv ...` and the `git` commands: no test, lint or build run
        ..with_prompts(case.expected(&run, &got), &[Typed::Scored(&prompt_text, 0)])
    };
    assert_summary(&got, &want, "canary session");

    // Every canary reached what prompt1 reads (the session's transcript), so each was a real test.
    let (main, _) = run.transcript_files(&run.session_ids()[0]);
    let transcript = common::read_lossy(&main);
    for c in canaries {
        assert!(
            transcript.contains(c.as_str()),
            "canary {c} never reached the transcript"
        );
    }
    let log = std::process::Command::new("git")
        .args(["log", "-1", "--format=%s"])
        .current_dir(&run.project)
        .output()
        .expect("git log");
    assert_eq!(
        String::from_utf8_lossy(&log.stdout).trim(),
        commit,
        "the commit was made"
    );

    // Not one byte of prompt1's data, file names included, nor of what it prints, carries a canary.
    let lower: Vec<String> = canaries.iter().map(|c| c.to_ascii_lowercase()).collect();
    let leaks = |what: &str, bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes).to_ascii_lowercase();
        for c in &lower {
            assert!(!text.contains(c.as_str()), "canary {c} leaked into {what}");
        }
    };
    let files = walk(&data);
    assert!(
        files.iter().any(|p| p.starts_with(data.join("summaries"))),
        "data folder was written"
    );
    for path in files.iter().chain(walk(&case.root.join("install-data")).iter()) {
        leaks(
            &format!("the file name {}", path.display()),
            path.strip_prefix(&case.root)
                .unwrap_or(path)
                .as_os_str()
                .as_encoded_bytes(),
        );
        if path.is_file() {
            leaks(
                &path.display().to_string(),
                &std::fs::read(path).expect("read data file"),
            );
        }
    }
    assert!(
        !run.home.join(".local/share/prompt1").exists(),
        "PROMPT1_HOME was not honoured"
    );
    for args in [
        &["audit"][..],
        &["audit", "--json"],
        &["report", "--json"],
        &["report"],
        &["status"],
    ] {
        let out = std::process::Command::new(BIN)
            .args(args)
            .env("PROMPT1_HOME", &data)
            .env("HOME", case.root.join("plain-home"))
            .env("CLAUDE_CONFIG_DIR", case.root.join("install-config"))
            .output()
            .expect("prompt1");
        assert!(
            out.status.success(),
            "prompt1 {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        leaks(&format!("`prompt1 {}` stdout", args.join(" ")), &out.stdout);
        leaks(&format!("`prompt1 {}` stderr", args.join(" ")), &out.stderr);
        if args[0] == "audit" {
            assert!(!out.stdout.is_empty());
        }
    }
}

/// Issue 11, point 1: `claude --resume ID --fork-session` starts a new session whose file begins
/// with a copy of the parent's lines (same message ids). The fork's summary counts only its own
/// turn; the parent's history stays the parent's.
#[test]
fn a_forked_session_counts_only_its_own_turns() {
    let Some(case) = Case::new("fork") else { return };
    let hooks = case.hooks_file();
    let scenario = case.client.harness_file("scenarios/basic.json");
    let prompt = "Run echo, write notes.txt, read it back.";
    let first = case.run("first", &scenario, &["--hooks", s(&hooks), "--prompt", prompt]);
    let parent = case.check(&first);
    let parent_id = first.session_ids().remove(0);
    // A single text answer, at the fake API's default usage (the scenario has no turn for a
    // request that already holds four replies): 1,000 input and 50 output tokens.
    let text_only = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../prompt1-signals/tests/fixtures/scenarios/text-only.json");
    let reuse = first.dir.clone();
    let second = case.run(
        "second",
        &text_only,
        &[
            "--reuse",
            s(&reuse),
            "--prompt",
            "Is there anything left in notes.txt to fix?",
            "--",
            "--resume",
            &parent_id,
            "--fork-session",
        ],
    );
    common::wait_for_collectors(&second.project);
    let ids = second.session_ids();
    let fork_id = ids
        .iter()
        .find(|id| **id != parent_id)
        .expect("the fork's session id");
    let fork = second.recorded(fork_id);
    assert_ne!(fork.session_key, parent.session_key);
    assert_eq!(fork.prompts, 1, "the fork's own prompt only");
    assert_eq!(
        fork.tools,
        ToolCounts::default(),
        "the parent's Bash, Write and Read are the parent's"
    );
    assert_eq!(fork.edit_batches, 0);
    assert_eq!(
        fork.tokens,
        vec![ModelTokens {
            model: ModelId::Sonnet4_5,
            input: 1_000,
            output: 50,
            cache_creation: 0,
            cache_read: 0,
        }]
    );
    // The parent's summary is unchanged by the fork.
    assert_eq!(second.recorded(&parent_id), parent);
}

#[test]
fn transcript_times_are_read_by_hand() {
    assert_eq!(common::rfc3339_ms("1970-01-01T00:00:00.000Z"), Some(0));
    assert_eq!(
        common::rfc3339_ms("2026-11-29T00:00:52Z"),
        Some(1_795_910_452_000)
    );
    assert_eq!(
        common::rfc3339_ms("2024-02-29T23:59:59.5Z"),
        Some(1_709_251_199_500)
    );
    assert_eq!(common::rfc3339_ms("2026-11-29 00:00:52"), None);
}
