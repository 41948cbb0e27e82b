//! Crafted inputs for the coach's tests. Every expected value in the tests is worked out by hand
//! from these numbers, never computed by the code under test.

#![allow(dead_code)]

use prompt1_coach::Tally;
use prompt1_wire::{
    ClientVersion, EditDecisions, EndReason, ModelId, ModelTokens, PermissionModeCounts, SessionKey,
    SessionSummary, ToolCounts, SCHEMA_V1,
};

/// Minute 29_376_000 is 2025-11-08T00:00Z, day 20_400.
pub const DAY0: i64 = 20_400;

/// An interactive session started `day` days after [`DAY0`] at 10:00, keyed by `key`.
///
/// 10 prompts (2 follow-ups), mean clarity 60 over 8 scored, 4 prompts naming 6 files, 4 edit
/// batches (2 verified), 2 test and 1 lint run, 4 edits accepted and 1 rejected by the person,
/// all prompts in default mode, a project CLAUDE.md, 1k input, 2k output, 3k cache-write and 24k
/// cache-read tokens.
pub fn session(key: u8, day: i64) -> SessionSummary {
    SessionSummary {
        schema: SCHEMA_V1,
        session_key: SessionKey([key; 16]),
        revision: 1,
        is_final: true,
        end_reason: EndReason::PromptInputExit,
        started_minute: (DAY0 + day) * 1440 + 600,
        active_s: 1_800,
        interactive: true,
        prompts: 10,
        follow_ups: 2,
        clarity_sum: 480,
        clarity_scored: 8,
        file_refs: 6,
        prompts_with_file_refs: 4,
        tools: ToolCounts {
            edit: 5,
            shell: 3,
            ..ToolCounts::default()
        },
        tool_failures: 0,
        subagents: 0,
        compactions: 0,
        test_runs: 2,
        lint_runs: 1,
        build_runs: 0,
        edit_batches: 4,
        verified_batches: 2,
        edits: EditDecisions {
            user_accepted: 4,
            user_rejected: 1,
            auto_allowed: 3,
            auto_denied: 0,
        },
        permission_modes: PermissionModeCounts {
            default: 10,
            ..PermissionModeCounts::default()
        },
        claude_md_project: true,
        claude_md_user: false,
        tokens: vec![ModelTokens {
            model: ModelId::Sonnet4_5,
            input: 1_000,
            output: 2_000,
            cache_creation: 3_000,
            cache_read: 24_000,
        }],
        client_version: ClientVersion {
            major: 0,
            minor: 1,
            patch: 0,
        },
    }
}

/// The hand-worked tally (see `score.rs`, `hand_worked_score`):
///
/// - clarity: 2_080 / 32 = 65
/// - context: 12 of 32 substantive prompts = 37.5%; 100 * 0.375 / 0.5 = 75
/// - verification: 10 of 20 batches verified, 16 checks / 20 = 0.8;
///   100 * (0.7 * 0.5 + 0.3 * 0.8) = 59
/// - safety: modes (30 * 100 + 10 * 80) / 40 = 95; CLAUDE.md 100 * (0.75 * 2/4 + 0.25 * 4/4) = 62.5;
///   0.7 * 95 + 0.3 * 62.5 = 85.25 -> 85
/// - judgement: 2 of 20 rejected = 10%, inside 5%-30%: 100
/// - efficiency: cache 1_800_000 / 2_000_000 = 0.9 >= 0.8: 100; fresh (40_000 + 160_000 +
///   1_160_000) / 40 = 34_000 per prompt: 100 * 30_000 / 34_000 = 88.24; 0.5 * 100 + 0.5 * 88.24 = 94.12 -> 94
/// - score: (25*65 + 15*75 + 25*59 + 15*85 + 10*100 + 10*94) / 100 = 7440 / 100 = 74.4 -> 74
pub fn hand_worked() -> Tally {
    Tally {
        sessions: 4,
        prompts: 40,
        follow_ups: 8,
        clarity_sum: 2_080,
        clarity_scored: 32,
        file_refs: 20,
        prompts_with_file_refs: 12,
        test_runs: 10,
        lint_runs: 4,
        build_runs: 2,
        edit_batches: 20,
        verified_batches: 10,
        edits_user_accepted: 18,
        edits_user_rejected: 2,
        prompts_mode_default: 30,
        prompts_mode_accept_edits: 10,
        sessions_claude_md_project: 2,
        sessions_claude_md_user: 4,
        input_tokens: 40_000,
        output_tokens: 1_160_000,
        cache_creation_tokens: 160_000,
        cache_read_tokens: 1_800_000,
        ..Tally::default()
    }
}

/// A tally no coaching rule fires on with prompt1's reference values: the hand-worked one with 14
/// of 20 batches verified (70% >= 60% - 10%) and 3 of 4 sessions with a project CLAUDE.md (75% >= 50%).
pub fn clean() -> Tally {
    Tally {
        verified_batches: 14,
        sessions_claude_md_project: 3,
        ..hand_worked()
    }
}
