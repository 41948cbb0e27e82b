//! `prompt1 report` shows the proficiency score and coaching tips computed locally by the coach
//! crate: the JSON shape, and a crafted set of local summaries giving a hand-computed score.

#![allow(clippy::unwrap_used)] // helpers of a test: a failure should panic with its cause

use prompt1_wire::{
    ClientVersion, EditDecisions, EndReason, PermissionModeCounts, SessionKey, SessionSummary, ToolCounts,
    SCHEMA_V1,
};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_prompt1");

/// 10 prompts (2 follow-ups), clarity 50 over 8 scored, 2 prompts naming a file, 5 edit batches
/// (1 verified), 1 test run, no edit decision, default mode, no CLAUDE.md, no tokens.
fn summary(key: u8, started_minute: i64) -> SessionSummary {
    SessionSummary {
        schema: SCHEMA_V1,
        session_key: SessionKey([key; 16]),
        revision: 1,
        is_final: true,
        end_reason: EndReason::PromptInputExit,
        started_minute,
        active_s: 600,
        interactive: true,
        prompts: 10,
        follow_ups: 2,
        clarity_sum: 400,
        clarity_scored: 8,
        file_refs: 2,
        prompts_with_file_refs: 2,
        tools: ToolCounts::default(),
        tool_failures: 0,
        subagents: 0,
        compactions: 0,
        test_runs: 1,
        lint_runs: 0,
        build_runs: 0,
        edit_batches: 5,
        verified_batches: 1,
        edits: EditDecisions::default(),
        permission_modes: PermissionModeCounts {
            default: 10,
            ..PermissionModeCounts::default()
        },
        claude_md_project: false,
        claude_md_user: false,
        tokens: Vec::new(),
        client_version: ClientVersion {
            major: 0,
            minor: 1,
            patch: 0,
        },
    }
}

fn now_minute() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    i64::try_from(secs / 60).unwrap()
}

fn write(home: &Path, name: &str, s: &SessionSummary) {
    let dir = home.join("summaries");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.json")), serde_json::to_vec(s).unwrap()).unwrap();
}

fn report(home: &Path, args: &[&str]) -> std::process::Output {
    let out = Command::new(BIN)
        .arg("report")
        .args(args)
        .env("PROMPT1_HOME", home)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out
}

/// Three interactive sessions within the last days (one twice: an older revision under another
/// file name), a scripted one with many prompts, and one 20 days ago (outside the window).
fn crafted_home() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let now = now_minute();
    // Started within the last 3 days: inside the 14 days ending today whatever the hour.
    let a = summary(1, now - 30);
    let b = summary(2, now - 1440);
    let c = summary(3, now - 3 * 1440);
    let mut c_old = c.clone();
    c_old.revision = 1;
    let mut c_new = c;
    c_new.revision = 2;
    c_old.verified_batches = 5;
    let mut scripted = summary(4, now - 60);
    scripted.interactive = false;
    scripted.prompts = 500;
    scripted.clarity_scored = 400;
    scripted.clarity_sum = 40_000;
    let outside = summary(5, now - 20 * 1440);
    for (name, s) in [
        ("a", &a),
        ("b", &b),
        ("c-rev1", &c_old),
        ("c-rev2", &c_new),
        ("scripted", &scripted),
        ("outside", &outside),
    ] {
        write(tmp.path(), name, s);
    }
    tmp
}

#[test]
fn report_json_has_sessions_proficiency_and_coaching_with_the_hand_computed_score() {
    let home = crafted_home();
    let out = report(home.path(), &["--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["sessions", "proficiency", "coaching"]);
    // `sessions` is the list as before: every local summary, newest first.
    let sessions = v["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 6);
    assert!(serde_json::from_value::<Vec<SessionSummary>>(v["sessions"].clone()).is_ok());

    // Counted: a, b and c at revision 2 (the scripted one and the one 20 days ago are not).
    // Clarity 1200/24 = 50. Context 6 of 24 substantive prompts = 25% -> 100*0.25/0.5 = 50.
    // Verification: 3 of 15 batches verified, 3 test runs / 15 batches:
    // 100*(0.7*0.2 + 0.3*0.2) = 20. Safety: all prompts in default mode (100), no CLAUDE.md (0):
    // 0.7*100 = 70. Judgement and efficiency: no evidence (no edit decided, no tokens).
    // Score: (25*50 + 15*50 + 25*20 + 15*70) / (25+15+25+15) = 3550 / 80 = 44.375 -> 44.
    let p = &v["proficiency"];
    assert_eq!(p["score"], 44);
    assert_eq!(p["shortfall"], Value::Null);
    let components: Vec<(&str, Value, u64)> = p["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap(),
                c["value"].clone(),
                c["weight"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        components,
        vec![
            ("clarity", 50.into(), 25),
            ("context", 50.into(), 15),
            ("verification", 20.into(), 25),
            ("safety", 70.into(), 15),
            ("judgement", Value::Null, 10),
            ("efficiency", Value::Null, 10),
        ]
    );
    for c in p["components"].as_array().unwrap() {
        assert!(c["evidence"]["text"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(c["evidence"]["figures"].is_array());
        assert!(c["to_raise"].as_str().is_some_and(|t| !t.is_empty()));
    }
    // Tips against the reference values (no organization locally): verification 20% < 60% - 10%,
    // and 0 of 3 sessions with a project CLAUDE.md.
    let tips = v["coaching"].as_array().unwrap();
    let rules: Vec<&str> = tips.iter().map(|t| t["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["verify_edits", "add_claude_md"]);
    assert_eq!(
        tips[0]["evidence"]["text"],
        "you ran tests after 20% of your edit batches this period; prompt1's reference value is 60% \
         (no organization to compare with)"
    );
    assert!(tips[0]["next_step"].as_str().is_some_and(|t| !t.is_empty()));

    // --limit shortens the list, not the window the score is computed over.
    let limited: Value =
        serde_json::from_slice(&report(home.path(), &["--json", "--limit", "1"]).stdout).unwrap();
    assert_eq!(limited["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(limited["proficiency"], v["proficiency"]);
}

#[test]
fn report_table_shows_the_score_components_and_tips() {
    let home = crafted_home();
    let text = String::from_utf8(report(home.path(), &[]).stdout).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("Proficiency (last 14 days, "))
        .expect("a proficiency line");
    assert!(line.ends_with("): 44/100"), "{line}");
    assert!(
        text.contains("  verification     20  weight 25  tests ran after 3 of 15 edit batches (20%)"),
        "{text}"
    );
    assert!(
        text.contains("  judgement         -  weight 10  0 edits decided by you"),
        "{text}"
    );
    assert!(text.contains("Coaching:\n  1. you ran tests after 20% of your edit batches this period"));
    assert!(text.contains("     next step: "));
    // "to raise it" stands under the evidence column (14-character labels + 18).
    assert!(text.contains(&format!(
        "\n{}to raise it: end each change with a test run",
        " ".repeat(34)
    )));
}

#[test]
fn too_little_data_is_not_a_number() {
    let tmp = tempfile::tempdir().unwrap();
    let now = now_minute();
    write(tmp.path(), "a", &summary(1, now - 30));
    write(tmp.path(), "b", &summary(2, now - 90));
    let v: Value = serde_json::from_slice(&report(tmp.path(), &["--json"]).stdout).unwrap();
    assert_eq!(v["proficiency"]["score"], Value::Null);
    assert_eq!(
        v["proficiency"]["shortfall"],
        serde_json::json!({"sessions": 2, "sessions_needed": 3, "prompts": 20, "prompts_needed": 20})
    );
    assert_eq!(v["proficiency"]["components"], serde_json::json!([]));
    assert_eq!(v["coaching"], serde_json::json!([]));
    let text = String::from_utf8(report(tmp.path(), &[]).stdout).unwrap();
    assert!(
        text.contains("not enough data yet: 2 of 3 interactive sessions and 20 of 20 prompts in the window")
    );

    // No local data at all: still one JSON object.
    let empty = tempfile::tempdir().unwrap();
    let v: Value = serde_json::from_slice(&report(empty.path(), &["--json"]).stdout).unwrap();
    assert_eq!(v["sessions"], serde_json::json!([]));
    assert_eq!(v["proficiency"]["score"], Value::Null);
}
