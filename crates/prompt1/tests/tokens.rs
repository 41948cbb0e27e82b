//! Token accounting and import, checked against transcripts whose exact totals are known: the
//! shared generator (`../shared/bench/gen-transcripts.py`, which prints the expected figures), real
//! transcripts of the real client (fixtures, with the harness's de-duplicated sums), and a 2 GB file
//! for the memory bound.

#![allow(clippy::unwrap_used)] // helpers of a test: a failure should panic with its cause

use prompt1_wire::ModelId;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_prompt1");

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn generator() -> Option<PathBuf> {
    let p = workspace().join("../shared/bench/gen-transcripts.py");
    p.is_file().then_some(p)
}

fn run_json(args: &[&str], home: &Path) -> Value {
    let out = Command::new(BIN)
        .args(args)
        .env("PROMPT1_HOME", home)
        .env("TZ", "UTC")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn four(v: &Value, names: [&str; 4]) -> [u64; 4] {
    names.map(|n| v[n].as_u64().unwrap_or_else(|| panic!("missing {n} in {v}")))
}

const OURS: [&str; 4] = [
    "input_tokens",
    "output_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
];
const THEIRS: [&str; 4] = [
    "inputTokens",
    "outputTokens",
    "cacheCreationTokens",
    "cacheReadTokens",
];

fn generate(dir: &Path, sessions: u32) -> Option<Value> {
    let gen = generator()?;
    let out = Command::new("python3")
        .arg(gen)
        .args([
            "--seed",
            "7",
            "--sessions",
            &sessions.to_string(),
            "--lines-per-session",
            "120",
            "--quiet",
            "--out",
        ])
        .arg(dir)
        .output()
        .ok()?;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Some(serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap())
}

fn add(a: &mut [u64; 4], b: [u64; 4]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

#[test]
fn generated_transcripts_are_counted_to_the_token_by_day_model_and_session() {
    let tmp = tempfile::tempdir().unwrap();
    let tx = tmp.path().join("tx");
    let Some(expected) = generate(&tx, 40) else {
        eprintln!("skipped: ../shared/bench/gen-transcripts.py not found");
        return;
    };
    let home = tmp.path().join("home");
    let tx_arg = tx.to_str().unwrap();

    let by_day = run_json(&["tokens", "--json", "--by", "day", tx_arg], &home);
    assert_eq!(four(&by_day["totals"], OURS), four(&expected["totals"], THEIRS));
    assert_eq!(
        by_day["skipped_lines"].as_u64(),
        expected["lineKinds"]["malformed"].as_u64()
    );
    let rows: BTreeMap<String, &Value> = by_day["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["key"].as_str().unwrap().to_owned(), r))
        .collect();
    let days = expected["daily"].as_array().unwrap();
    assert_eq!(rows.len(), days.len());
    for day in days {
        let date = day["date"].as_str().unwrap();
        let got = rows[date];
        assert_eq!(four(got, OURS), four(day, THEIRS), "day {date}");
        // per model family within the day
        let mut want: BTreeMap<&str, [u64; 4]> = BTreeMap::new();
        for (name, m) in day["models"].as_object().unwrap() {
            add(
                want.entry(ModelId::from_api_name(name).as_str()).or_default(),
                four(m, THEIRS),
            );
        }
        let got_models: BTreeMap<&str, [u64; 4]> = got["models"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["model"].as_str().unwrap(), four(m, OURS)))
            .collect();
        assert_eq!(got_models, want, "models of {date}");
    }

    let by_session = run_json(&["tokens", "--json", "--by", "session", tx_arg], &home);
    let got: BTreeMap<&str, [u64; 4]> = by_session["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["key"].as_str().unwrap(), four(r, OURS)))
        .collect();
    let want: BTreeMap<&str, [u64; 4]> = expected["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["sessionId"].as_str().unwrap(), four(s, THEIRS)))
        .collect();
    assert_eq!(got, want);

    let by_model = run_json(&["tokens", "--json", "--by", "model", tx_arg], &home);
    let mut want: BTreeMap<&str, [u64; 4]> = BTreeMap::new();
    for (name, m) in expected["models"].as_object().unwrap() {
        add(
            want.entry(ModelId::from_api_name(name).as_str()).or_default(),
            four(m, THEIRS),
        );
    }
    let got: BTreeMap<&str, [u64; 4]> = by_model["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["key"].as_str().unwrap(), four(r, OURS)))
        .collect();
    assert_eq!(got, want);
    assert!(by_model["totals"]["cost_usd"].as_f64().unwrap() > 0.0);
    assert_eq!(by_model["cost_is_estimate"], true);

    // Date filters keep exactly the days asked for.
    let first = days[0]["date"].as_str().unwrap();
    let filtered = run_json(
        &["tokens", "--json", "--since", first, "--until", first, tx_arg],
        &home,
    );
    assert_eq!(four(&filtered["totals"], OURS), four(&days[0], THEIRS));
}

#[test]
fn import_twice_counts_once_and_matches_the_generator() {
    let tmp = tempfile::tempdir().unwrap();
    let tx = tmp.path().join("tx");
    let Some(expected) = generate(&tx, 12) else {
        eprintln!("skipped: ../shared/bench/gen-transcripts.py not found");
        return;
    };
    let home = tmp.path().join("home");
    let tx_arg = tx.to_str().unwrap();
    let run = |home: &Path| {
        let out = Command::new(BIN)
            .args(["import", "--since", "2000-01-01", tx_arg])
            .env("PROMPT1_HOME", home)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(out.stderr.is_empty(), "no progress bar off a terminal");
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(run(&home).contains("12 sessions: 12 updated"));
    let first = run_json(&["report", "--json", "--limit", "1000"], &home);
    assert!(run(&home).contains("0 updated, 12 already up to date"));
    let second = run_json(&["report", "--json", "--limit", "1000"], &home);
    assert_eq!(first, second, "a second import changes nothing");
    let mut total = [0u64; 4];
    for s in first["sessions"].as_array().unwrap() {
        assert_eq!(s["final"], true, "old sessions are finalized");
        for t in s["tokens"].as_array().unwrap() {
            add(
                &mut total,
                four(t, ["input", "output", "cache_creation", "cache_read"]),
            );
        }
    }
    assert_eq!(total, four(&expected["totals"], THEIRS));

    // `prompt1 report --tokens` shows the same views over the recorded sessions.
    let recorded = run_json(&["report", "--tokens", "model", "--json"], &home);
    let direct = run_json(&["tokens", "--json", "--by", "model", tx_arg], &home);
    assert_eq!(four(&recorded["totals"], OURS), four(&direct["totals"], OURS));
    let (a, b) = (
        recorded["rows"].as_array().unwrap(),
        direct["rows"].as_array().unwrap(),
    );
    assert_eq!(a.len(), b.len());
    for (r, d) in a.iter().zip(b) {
        assert_eq!((&r["key"], four(r, OURS)), (&d["key"], four(d, OURS)));
        let (rc, dc) = (r["cost_usd"].as_f64().unwrap(), d["cost_usd"].as_f64().unwrap());
        assert!((rc - dc).abs() < 1e-6, "same estimated cost: {rc} vs {dc}");
    }
    let by_session = run_json(&["report", "--tokens", "session", "--json"], &home);
    assert_eq!(by_session["rows"].as_array().unwrap().len(), 12);
}

#[test]
fn import_merges_with_a_session_the_hook_already_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let tx = tmp.path().join("tx");
    let Some(_) = generate(&tx, 3) else {
        eprintln!("skipped: ../shared/bench/gen-transcripts.py not found");
        return;
    };
    // The same sessions, imported fresh, are the reference.
    let reference = tmp.path().join("ref");
    let tx_arg = tx.to_str().unwrap();
    let import = |home: &Path| {
        let st = Command::new(BIN)
            .args(["import", "--since", "2000-01-01", tx_arg])
            .env("PROMPT1_HOME", home)
            .output()
            .unwrap();
        assert!(st.status.success());
    };
    import(&reference);
    // The hook saw the first half of one session, as `collect` does, before the import.
    let main = walk(&tx)
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "jsonl") && !p.to_string_lossy().contains("subagents"))
        .unwrap();
    let session_id = main.file_stem().unwrap().to_str().unwrap().to_owned();
    let full = std::fs::read(&main).unwrap();
    let half = &full[..full.len() / 2];
    std::fs::write(&main, half).unwrap();
    let home = tmp.path().join("home");
    let st = Command::new(BIN)
        .args(["collect", "--session", &session_id])
        .env("PROMPT1_HOME", &home)
        .env("CLAUDE_CONFIG_DIR", &tx)
        .output()
        .unwrap();
    assert!(st.status.success(), "{}", String::from_utf8_lossy(&st.stderr));
    std::fs::write(&main, &full).unwrap();
    import(&home);
    let strip = |v: Value| -> Vec<Value> {
        v["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let mut s = s.clone();
                let o = s.as_object_mut().unwrap();
                o.remove("session_key");
                o.remove("revision");
                s
            })
            .collect()
    };
    let mut got = strip(run_json(&["report", "--json"], &home));
    let mut want = strip(run_json(&["report", "--json"], &reference));
    got.sort_by_key(|v| v.to_string());
    want.sort_by_key(|v| v.to_string());
    assert_eq!(got, want);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// A 2 GB transcript (with a few 64 MB lines) is read with peak memory under 64 MB, and counted
/// exactly.
#[test]
fn two_gigabyte_transcript_stays_under_64_mb() {
    if !Path::new("/usr/bin/time").exists() {
        eprintln!("skipped: /usr/bin/time not installed (Debian package `time`)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("projects/-p");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("5e55a1d0-0000-4000-8000-000000000001.jsonl");
    let mut f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&path).unwrap());
    let filler = "x".repeat(4000);
    let huge = "y".repeat(64 << 20);
    let mut written: u64 = 0;
    let mut expected = [0u64; 4];
    let mut i: u64 = 0;
    while written < 2 << 30 {
        let line = if i % 10_000 == 5 {
            // a tool result carrying a whole file, then the same response's lines again
            format!(
                r#"{{"type":"user","timestamp":"2026-01-02T03:04:05.000Z","message":{{"role":"user","content":[{{"type":"tool_result","tool_use_id":"t{i}","content":"{huge}"}}]}}}}"#
            )
        } else if i.is_multiple_of(3) {
            // one response written twice: a partial streaming count, then the final (largest) one
            let (inp, out) = (i % 7 + 1, i % 11 + 2);
            add(&mut expected, [inp, out, 2, 3]);
            let line = |o: u64| {
                format!(
                    r#"{{"type":"assistant","timestamp":"2026-01-02T03:04:05.000Z","requestId":"r{i}","message":{{"id":"m{i}","model":"claude-sonnet-4-5-20250929","role":"assistant","content":[{{"type":"text","text":"{filler}"}}],"usage":{{"input_tokens":{inp},"output_tokens":{o},"cache_creation_input_tokens":2,"cache_read_input_tokens":3}}}}}}"#
                )
            };
            format!("{}\n{}", line(out / 2), line(out))
        } else {
            format!(
                r#"{{"type":"user","timestamp":"2026-01-02T03:04:05.000Z","message":{{"role":"user","content":"{filler}"}}}}"#
            )
        };
        f.write_all(line.as_bytes()).unwrap();
        f.write_all(b"\n").unwrap();
        written += line.len() as u64 + 1;
        i += 1;
    }
    f.flush().unwrap();
    drop(f);
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(BIN)
        .args(["tokens", "--json"])
        .arg(tmp.path())
        .env("PROMPT1_HOME", tmp.path().join("home"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(four(&report["totals"], OURS), expected);
    let peak_kb: u64 = String::from_utf8_lossy(&out.stderr)
        .trim()
        .lines()
        .last()
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        peak_kb < 64 * 1024,
        "peak RSS {peak_kb} KiB for a 2 GB transcript"
    );
    eprintln!("2 GB transcript: peak RSS {peak_kb} KiB");

    // The full collector (the hook path and import) is bounded the same way.
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(BIN)
        .args(["import", "--since", "2000-01-01"])
        .arg(tmp.path())
        .env("PROMPT1_HOME", tmp.path().join("home"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let peak_kb: u64 = String::from_utf8_lossy(&out.stderr)
        .trim()
        .lines()
        .last()
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        peak_kb < 64 * 1024,
        "import peak RSS {peak_kb} KiB for a 2 GB transcript"
    );
    eprintln!("2 GB transcript import: peak RSS {peak_kb} KiB");
}
