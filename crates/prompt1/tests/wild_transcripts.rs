//! `prompt1 tokens` and `prompt1 import` on real sessions of other client versions (1.0.98 to
//! 2.1.39): `../shared/wild-transcripts`, laid out as a Claude config folder (see its
//! `SOURCES.md`). Third-party data, kept outside the repository (`PROMPT1_WILD_TRANSCRIPTS` names
//! another place); missing, the tests skip, and fail under `PROMPT1_REQUIRE_ALL=1`.
//!
//! Expected numbers are hand counts from `SOURCES.md` or worked out by hand below from list prices.

#![allow(clippy::unwrap_used)] // helpers of a test: a failure should panic with its cause

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_prompt1");

fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("PROMPT1_WILD_TRANSCRIPTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/wild-transcripts"));
    if dir.join("projects").is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("PROMPT1_REQUIRE_ALL").as_deref() != Ok("1"),
        "wild transcripts not found at {} (PROMPT1_REQUIRE_ALL=1)",
        dir.display()
    );
    eprintln!("SKIPPED: wild transcripts not found at {}", dir.display());
    None
}

fn run(args: &[&str], home: &Path) -> std::process::Output {
    let out = Command::new(BIN)
        .args(args)
        .env("PROMPT1_HOME", home)
        .env("TZ", "UTC")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn four(v: &Value) -> [u64; 4] {
    [
        "input_tokens",
        "output_tokens",
        "cache_creation_input_tokens",
        "cache_read_input_tokens",
    ]
    .map(|k| v[k].as_u64().unwrap())
}

#[test]
fn tokens_finds_18_sessions_and_counts_every_response_once() {
    let Some(dir) = corpus() else { return };
    let home = tempfile::tempdir().unwrap();
    let out = run(
        &["tokens", "--by", "session", "--json", dir.to_str().unwrap()],
        home.path(),
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = report["rows"].as_array().unwrap();
    // 18 sessions; the two top-level `agent-*.jsonl` files are 7f2abd2d's sub-agents.
    assert_eq!(rows.len(), 18, "{rows:#?}");
    assert!(rows
        .iter()
        .all(|r| !r["key"].as_str().unwrap().starts_with("agent-")));
    assert_eq!(four(&report["totals"]), [7_586, 161_565, 1_159_346, 39_426_393]);
    let row = |id: &str| rows.iter().find(|r| r["key"] == id).unwrap();
    let s7f = four(row("7f2abd2d-7cfc-4447-9ddd-3ca8d14e02e9"));
    assert_eq!((s7f[0], s7f[1]), (74 + 487 + 476, 844 + 130 + 137));
    assert_eq!(
        four(row("de3b8b19-5bc0-4a2a-934a-1b6806567e25")),
        [3, 29, 3_539, 71_036]
    );
}

#[test]
fn one_hour_cache_writes_are_priced_at_the_one_hour_rate() {
    let Some(dir) = corpus() else { return };
    let home = tempfile::tempdir().unwrap();
    let out = run(
        &["tokens", "--by", "session", "--json", dir.to_str().unwrap()],
        home.path(),
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "258c7280-ae70-4798-800f-63464d01a85d")
        .unwrap()
        .clone();
    // 258c7280 (2.1.39), its main file and its two sub-agent files, each response once, read with
    // `jq`-like care by hand: every cache write is a 1-hour write.
    //   claude-opus-4-6:   input 183, output 38,905, 1-hour writes 351,961, reads 14,938,375
    //   claude-sonnet-4-5: input 15,  output 3,      1-hour writes 42,176,  reads 34,159
    // List prices per million: Opus 4.6 $5 / $25 / 1-hour write $10 / read $0.50;
    // Sonnet 4.5 $3 / $15 / 1-hour write $6 / read $0.30.
    //   Opus:   915 + 972,625 + 3,519,610 + 7,469,187.5 = 11,962,337.5  -> $11.9623375
    //   Sonnet: 45 + 45 + 253,056 + 10,247.7            =    263,393.7  -> $0.2633937
    // At the 5-minute rate (x1.25 input) it would be $10.81098145, 11.6% low.
    assert_eq!(four(&row), [198, 38_908, 394_137, 14_972_534]);
    let cost = row["cost_usd"].as_f64().unwrap();
    assert!((cost - 12.225_731_2).abs() < 1e-6, "{cost}");
}

#[test]
fn import_makes_one_summary_per_session_not_per_agent_file() {
    let Some(dir) = corpus() else { return };
    let home = tempfile::tempdir().unwrap();
    let out = run(
        &["import", "--since", "2000-01-01", dir.to_str().unwrap()],
        home.path(),
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let summaries = std::fs::read_dir(home.path().join("summaries"))
        .map(|d| d.count())
        .unwrap_or_else(|_| panic!("no summaries folder: {text}"));
    // 18 sessions, each with tokens, so each gets a summary; no agent file gets one.
    assert_eq!(summaries, 18, "{text}");
    let mut prompts = 0;
    for e in std::fs::read_dir(home.path().join("summaries"))
        .unwrap()
        .flatten()
    {
        let s: Value = serde_json::from_slice(&std::fs::read(e.path()).unwrap()).unwrap();
        prompts += s["prompts"].as_u64().unwrap();
    }
    assert_eq!(prompts, 22, "the 22 typed prompts of SOURCES.md");
}
