//! The summary function on real transcripts of the real client (fixtures made with
//! `../shared/claude-harness`; see `fixtures/real/MANIFEST.md` for how each was made and what the
//! person and the client did). Tokens are checked against the harness's own de-duplicated sums.

#![allow(clippy::unwrap_used)] // helpers of a test: a failure should panic with its cause

use prompt1_signals::summary::{is_inherited_line, FileRole, SessionAccumulator, SummaryInputs};
use prompt1_wire::{ClientVersion, EditDecisions, EndReason, SessionKey, SessionSummary};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/real")
        .join(name)
}

fn jsonl_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            jsonl_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "jsonl") {
            out.push(p);
        }
    }
}

fn summarize(name: &str) -> SessionSummary {
    summarize_as(name, None)
}

/// [`summarize`]; with `fork`, the main file is read as the collector reads session `fork`'s
/// (a forked session's copied start as inherited context).
fn summarize_as(name: &str, fork: Option<&str>) -> SessionSummary {
    let mut files = Vec::new();
    jsonl_files(&fixture_dir(name), &mut files);
    files.sort();
    let mut acc = SessionAccumulator::new();
    for f in &files {
        let role = if f.to_string_lossy().contains("/subagents/") {
            FileRole::Subagent
        } else {
            FileRole::Main
        };
        let bytes = std::fs::read(f).unwrap();
        let inherited = match fork {
            Some(session) if role == FileRole::Main => inherited_len(&bytes, session),
            _ => 0,
        };
        acc.feed_chunk(&bytes[..inherited], FileRole::Inherited);
        assert_eq!(
            acc.feed_chunk(&bytes[inherited..], role),
            bytes.len() - inherited,
            "{name}: every line complete"
        );
    }
    assert_eq!(acc.malformed_lines(), 0, "{name}");
    acc.summary(SummaryInputs {
        session_key: SessionKey([0; 16]),
        revision: 1,
        end_reason: EndReason::Open,
        client_version: ClientVersion {
            major: 0,
            minor: 1,
            patch: 0,
        },
    })
}

/// Bytes up to the end of the last line that `is_inherited_line` marks as copied by a fork.
fn inherited_len(bytes: &[u8], session: &str) -> usize {
    let mut end = 0;
    let mut at = 0;
    for line in bytes.split_inclusive(|b| *b == b'\n') {
        at += line.len();
        if is_inherited_line(line.strip_suffix(b"\n").unwrap_or(line), session) {
            end = at;
        }
    }
    end
}

/// The harness's `usage_total_per_message_id`, summed over every transcript of the last run.
fn harness_tokens(name: &str) -> [u64; 4] {
    let dir = fixture_dir(name);
    let mut runs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("inspect-run")
        })
        .collect();
    runs.sort();
    let last: Value = serde_json::from_slice(&std::fs::read(runs.last().unwrap()).unwrap()).unwrap();
    let mut total = [0u64; 4];
    for t in last["transcripts"].as_array().unwrap() {
        let u = &t["usage_total_per_message_id"];
        for (i, k) in [
            "input_tokens",
            "output_tokens",
            "cache_creation_input_tokens",
            "cache_read_input_tokens",
        ]
        .iter()
        .enumerate()
        {
            total[i] += u[k].as_u64().unwrap_or(0);
        }
    }
    total
}

fn our_tokens(s: &SessionSummary) -> [u64; 4] {
    s.tokens.iter().fold([0; 4], |a, t| {
        [
            a[0] + t.input,
            a[1] + t.output,
            a[2] + t.cache_creation,
            a[3] + t.cache_read,
        ]
    })
}

fn edits(user_accepted: u32, user_rejected: u32, auto_allowed: u32, auto_denied: u32) -> EditDecisions {
    EditDecisions {
        user_accepted,
        user_rejected,
        auto_allowed,
        auto_denied,
    }
}

const ALL: [&str; 17] = [
    "basic",
    "compact",
    "edits-acceptEdits",
    "edits-auto",
    "edits-bypassPermissions",
    "edits-default",
    "edits-deny-tool",
    "edits-dontAsk",
    "edits-hook-decisions",
    "edits-plan",
    "edits-rules",
    "hook-feedback",
    "subagent",
    "tool-failures",
    "tui-reject-accept",
    "user-claude-md",
    "verify-edits",
];

#[test]
fn tokens_equal_the_harness_deduplicated_sums_on_every_fixture() {
    for name in ALL
        .iter()
        .chain(["tui-esc-switch", "tui-always-allow", "tui-compact"].iter())
    {
        if !fixture_dir(name).is_dir() {
            continue;
        }
        let s = summarize(name);
        let mut expected = harness_tokens(name);
        if name.ends_with("compact") {
            // The compaction's own request: the fake API answers it with its default usage
            // (1,000 input, 50 output; `fake_anthropic_api.py`), written on no assistant line.
            expected[0] += 1000;
            expected[1] += 50;
        }
        assert_eq!(our_tokens(&s), expected, "{name}");
        assert_eq!(s.validate(), Ok(()), "{name}");
        assert_eq!(
            s.follow_ups + s.clarity_scored,
            s.prompts,
            "{name}: every prompt scored or a follow-up"
        );
    }
}

#[test]
fn permission_modes_and_automatic_edit_decisions_in_print_mode() {
    for (name, mode_counts, decisions, batches) in [
        ("edits-default", [1, 0, 0, 0, 0, 0], edits(0, 0, 0, 2), 0),
        ("edits-acceptEdits", [0, 1, 0, 0, 0, 0], edits(0, 0, 2, 0), 1),
        ("edits-plan", [0, 0, 1, 0, 0, 0], edits(0, 0, 0, 2), 0),
        ("edits-dontAsk", [0, 0, 0, 1, 0, 0], edits(0, 0, 0, 2), 0),
        ("edits-auto", [0, 0, 0, 0, 1, 0], edits(0, 0, 2, 0), 1),
        (
            "edits-bypassPermissions",
            [0, 0, 0, 0, 0, 1],
            edits(0, 0, 2, 0),
            1,
        ),
        // a settings rule allows the Write and denies the Edit (recorded under user_* sources)
        ("edits-rules", [1, 0, 0, 0, 0, 0], edits(0, 0, 1, 1), 1),
        // a PermissionRequest hook allows the Write and denies the Edit
        ("edits-hook-decisions", [1, 0, 0, 0, 0, 0], edits(0, 0, 1, 1), 1),
    ] {
        let s = summarize(name);
        let m = s.permission_modes;
        assert_eq!(
            [
                m.default,
                m.accept_edits,
                m.plan,
                m.dont_ask,
                m.auto,
                m.bypass_permissions
            ],
            mode_counts,
            "{name}"
        );
        assert_eq!(s.edits, decisions, "{name}");
        assert_eq!(
            (s.prompts, s.interactive, s.edit_batches, s.verified_batches),
            (1, false, batches, 0),
            "{name}"
        );
        assert_eq!(
            (s.tools.edit, s.tools.shell, s.tools.total()),
            (2, 1, 3),
            "{name}"
        );
        assert!(s.claude_md_project && !s.claude_md_user, "{name}");
    }
}

#[test]
fn a_person_rejecting_and_accepting_edits_in_the_terminal() {
    let s = summarize("tui-reject-accept");
    assert!(s.interactive);
    assert_eq!(s.edits, edits(1, 1, 0, 0));
    assert_eq!(
        s.prompts, 3,
        "three typed prompts; the interruption note is not one"
    );
    assert_eq!(
        (s.permission_modes.default, s.permission_modes.accept_edits),
        (2, 1)
    );
    assert_eq!(s.tool_failures, 0, "a rejection is not a failure");
    if fixture_dir("tui-esc-switch").is_dir() {
        let s = summarize("tui-esc-switch");
        assert_eq!(
            s.edits,
            edits(1, 1, 0, 0),
            "Esc rejects like No; 'Yes, and switch' accepts"
        );
    }
    if fixture_dir("tui-always-allow").is_dir() {
        let s = summarize("tui-always-allow");
        assert_eq!(
            s.edits,
            edits(1, 0, 1, 0),
            "the second Edit is allowed by the mode switched to"
        );
    }
}

#[test]
fn failures_subagents_compactions_and_instructions() {
    let s = summarize("tool-failures");
    assert_eq!(s.tool_failures, 3);
    assert_eq!(
        s.edits,
        edits(0, 0, 0, 0),
        "an Edit failing before any permission check is no decision"
    );
    assert_eq!((s.tools.shell, s.tools.read, s.tools.edit), (1, 1, 1));

    let s = summarize("edits-deny-tool");
    assert_eq!(s.tool_failures, 1, "a tool removed by a deny rule fails");
    assert_eq!(s.edits, edits(0, 0, 1, 0));

    let s = summarize("subagent");
    assert_eq!(
        (s.subagents, s.tools.agent, s.tools.shell),
        (1, 1, 1),
        "the sub-agent's own ls counts"
    );
    assert_eq!(s.prompts, 1, "the sub-agent's prompt is not the person's");

    let s = summarize("compact");
    assert_eq!(s.compactions, 1);
    assert_eq!(s.prompts, 2, "`/compact` is a command, not a prompt");

    let s = summarize("hook-feedback");
    assert_eq!(s.prompts, 1, "Stop hook feedback is not a prompt");
    assert_eq!(s.edits, edits(0, 0, 1, 0));

    let s = summarize("user-claude-md");
    assert!(s.claude_md_user && s.claude_md_project);
    let s = summarize("basic");
    assert!(
        !s.claude_md_user && !s.claude_md_project,
        "empty project, no CLAUDE.md"
    );
    assert_eq!((s.tools.shell, s.tools.edit, s.tools.read), (1, 1, 1));
}

#[test]
fn verified_and_unverified_edit_batches_and_command_runs() {
    let s = summarize("verify-edits");
    assert_eq!(
        (s.edit_batches, s.verified_batches),
        (2, 1),
        "tested batch, then an untested Write"
    );
    let runs = [
        "cargo test",
        "cargo clippy --all-targets -- -D warnings",
        "cargo build --release",
    ]
    .map(prompt1_signals::commands::classify_command_line);
    assert_eq!(s.test_runs, runs.iter().map(|r| r.test).sum::<u32>());
    assert_eq!(s.lint_runs, runs.iter().map(|r| r.lint).sum::<u32>());
    assert_eq!(s.build_runs, runs.iter().map(|r| r.build).sum::<u32>());
    assert_eq!(s.prompts, 2);
}

#[test]
fn start_and_active_time_come_from_line_times() {
    let s = summarize("tui-reject-accept");
    assert!(s.started_minute > 29_000_000);
    assert!(s.active_s > 10 && s.active_s < 600, "{}", s.active_s);
}

#[test]
fn gaps_between_client_processes_are_not_active_time() {
    // `compact`: three `claude -p` processes on one session (`--continue`). Conversation line
    // times, from the file: process 1 from 02:02:44.800 to 02:02:45.025 (225 ms); process 2 from
    // 02:02:46.216 to 02:02:46.337 (121 ms; its earlier-stamped lines add nothing); process 3 from
    // 02:02:53.019 to 02:02:53.088 (69 ms). The 1.2 s and 6.7 s between processes are not work:
    // 415 ms in all, 0 whole seconds (8 s when the gaps counted).
    let s = summarize("compact");
    assert_eq!(s.active_s, 0);
    // `verify-edits`: two processes; the first from 02:03:21.380 to 02:03:21.731 (351 ms), the
    // second from 02:03:22.916 to 02:03:23.045 (129 ms): 480 ms, 0 s (1 s with the gap).
    let s = summarize("verify-edits");
    assert_eq!(s.active_s, 0);
}

#[test]
fn compaction_tokens_come_from_the_clients_running_totals() {
    // `tui-compact`: /compact typed in the terminal. The client's totals at exit (`cost-state`):
    // input 1,033, output 411, cache write 6,080, cache read 115,860. The seven responses written
    // as assistant lines add up to input 33, output 361 (harness `inspect-run.json`): the
    // compaction request spent the other 1,000 input and 50 output tokens.
    let s = summarize("tui-compact");
    let [input, output, write, read] = our_tokens(&s);
    assert_eq!((input, output, write, read), (1_033, 411, 6_080, 115_860));
    assert_eq!(s.compactions, 1);
    // Without a compaction, running totals are never read as extra usage.
    let s = summarize("basic");
    assert_eq!(our_tokens(&s), harness_tokens("basic"));
}

#[test]
fn a_forked_session_does_not_count_its_parents_history_again() {
    // `fork/parent`: `run-scenario basic.json` ("Run echo, write notes.txt, read it back."):
    // 1 prompt, Bash + Write + Read, 4 responses. `fork/child`: then
    // `run-scenario text-only.json --reuse RUN1 --prompt "Is there anything left in notes.txt to
    // fix?" -- --resume <parent> --fork-session`: the client copied the parent's lines (same
    // uuids, message and request ids) into the new session's file and added 1 prompt and 1
    // text-only response (input 1,000, output 50: the fake API's default usage).
    let parent = summarize("fork/parent");
    assert_eq!(parent.prompts, 1);
    assert_eq!(parent.tools.shell + parent.tools.edit + parent.tools.read, 3);
    let child = summarize_as("fork/child", Some("1f24b5be-ecd4-4744-9390-d123f87defdd"));
    assert_eq!(child.prompts, 1, "only the fork's own prompt");
    assert_eq!(
        child.tools,
        Default::default(),
        "the parent's tool calls are the parent's"
    );
    assert_eq!(our_tokens(&child), [1_000, 50, 0, 0]);
    assert_eq!(child.edit_batches, 0);
    // The fork's own line times only: it started at 17:00:26 (its first own line, 26.746).
    assert_eq!(child.started_minute, parent.started_minute);
    assert_eq!(child.active_s, 0);
    // Read as an ordinary session, the copy would count the parent's history twice.
    let naive = summarize("fork/child");
    assert_eq!(naive.prompts, 2);
}

#[test]
fn the_tokens_only_reader_counts_what_the_full_reader_counts() {
    // `prompt1 tokens` reads with `SessionAccumulator::tokens_only`, which skips lines without
    // usage unparsed: it must still see compactions, the client's totals and forks.
    let mut names: Vec<&str> = ALL.to_vec();
    names.extend(["tui-compact", "tui-esc-switch", "tui-always-allow", "fork/child"]);
    for name in names {
        let mut files = Vec::new();
        jsonl_files(&fixture_dir(name), &mut files);
        files.sort();
        let (mut full, mut fast) = (SessionAccumulator::new(), SessionAccumulator::tokens_only());
        for f in &files {
            let role = if f.to_string_lossy().contains("/subagents/") {
                FileRole::Subagent
            } else {
                FileRole::Main
            };
            let bytes = std::fs::read(f).unwrap();
            let inherited = if name == "fork/child" && role == FileRole::Main {
                inherited_len(&bytes, "1f24b5be-ecd4-4744-9390-d123f87defdd")
            } else {
                0
            };
            for acc in [&mut full, &mut fast] {
                acc.feed_chunk(&bytes[..inherited], FileRole::Inherited);
                acc.feed_chunk(&bytes[inherited..], role);
            }
        }
        assert_eq!(full.token_rows(), fast.token_rows(), "{name}");
    }
}
