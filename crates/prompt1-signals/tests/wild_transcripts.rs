//! The summary function on real sessions written by other client versions (1.0.98 to 2.1.39),
//! nobody on this project wrote: `../shared/wild-transcripts` (see its `SOURCES.md`). The corpus is
//! third-party data and lives outside the repository; set `PROMPT1_WILD_TRANSCRIPTS` to read it
//! from elsewhere. Missing, the tests skip, and fail under `PROMPT1_REQUIRE_ALL=1`.
//!
//! Every expected number below is a hand count from `SOURCES.md` ("Ground truth"), not a value
//! this crate computed.

#![allow(clippy::unwrap_used)] // helpers of a test: a failure should panic with its cause

use prompt1_signals::summary::{FileRole, SessionAccumulator, SummaryInputs};
use prompt1_wire::{ClientVersion, EndReason, SessionKey, SessionSummary};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("PROMPT1_WILD_TRANSCRIPTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/wild-transcripts"));
    if dir.join("projects").is_dir() {
        return Some(dir.join("projects"));
    }
    assert!(
        std::env::var("PROMPT1_REQUIRE_ALL").as_deref() != Ok("1"),
        "wild transcripts not found at {} (PROMPT1_REQUIRE_ALL=1)",
        dir.display()
    );
    eprintln!("SKIPPED: wild transcripts not found at {}", dir.display());
    None
}

/// Each session's files, grouped by the test's own reading of the layout: `<project>/<id>.jsonl`
/// is a main file; `<project>/<id>/subagents/*.jsonl` and `<project>/agent-*.jsonl` are sub-agent
/// files of the session their first line names.
fn sessions(projects: &Path) -> BTreeMap<String, Vec<(PathBuf, FileRole)>> {
    let mut out: BTreeMap<String, Vec<(PathBuf, FileRole)>> = BTreeMap::new();
    let first_session_id = |p: &Path| -> String {
        let text = std::fs::read_to_string(p).unwrap();
        let v: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        v["sessionId"].as_str().unwrap().to_owned()
    };
    for project in std::fs::read_dir(projects).unwrap().flatten() {
        for entry in std::fs::read_dir(project.path()).unwrap().flatten() {
            let p = entry.path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if p.is_dir() {
                for sub in std::fs::read_dir(p.join("subagents")).unwrap().flatten() {
                    out.entry(name.clone())
                        .or_default()
                        .push((sub.path(), FileRole::Subagent));
                }
            } else if name.starts_with("agent-") {
                out.entry(first_session_id(&p))
                    .or_default()
                    .push((p, FileRole::Subagent));
            } else if let Some(id) = name.strip_suffix(".jsonl") {
                out.entry(id.to_owned()).or_default().push((p, FileRole::Main));
            }
        }
    }
    for files in out.values_mut() {
        // The main file first, as the collector reads it.
        files.sort_by_key(|(p, role)| (*role != FileRole::Main, p.clone()));
    }
    out
}

fn summarize(files: &[(PathBuf, FileRole)]) -> SessionSummary {
    let mut acc = SessionAccumulator::new();
    for (path, role) in files {
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(acc.feed_chunk(&bytes, *role), bytes.len());
    }
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

fn tokens(s: &SessionSummary) -> [u64; 4] {
    s.tokens.iter().fold([0; 4], |a, t| {
        [
            a[0] + t.input,
            a[1] + t.output,
            a[2] + t.cache_creation,
            a[3] + t.cache_read,
        ]
    })
}

/// `SOURCES.md`, "Prompts typed by a person": 22 in 18 sessions.
const PROMPTS: [(&str, u32); 18] = [
    ("36d9e1bc-63bf-4e97-8a3e-2b20ba8583f2", 3),
    ("7f2abd2d-7cfc-4447-9ddd-3ca8d14e02e9", 2),
    ("258c7280-ae70-4798-800f-63464d01a85d", 2),
    ("ae4a77f8-aedd-4bc1-888f-c94edc91af04", 2),
    ("d6e0bada-1959-4eec-a9d2-0bfade768d8f", 2),
    ("8f079ffe-995f-42ba-b089-84de56817b6f", 1),
    ("491e126e-1e71-469c-ade2-fcc8af567c74", 1),
    ("55604662-cf2a-4331-851a-ec234028f8ca", 1),
    ("fe5e1c67-53e7-4862-81ae-d0e013e3270b", 1),
    ("c64cc478-3430-40fe-8e9c-4ee9986e9754", 1),
    ("de3b8b19-5bc0-4a2a-934a-1b6806567e25", 1),
    ("c7d3d95c-57f0-4359-8f4b-926a9bef5a3f", 1),
    ("063004b7-9c12-446a-a977-ca545d9e3cac", 1),
    ("cb88ae13-898d-4076-aeb5-bc37191c5d2e", 1),
    ("645d338e-a844-495b-bcc0-8b12ad5c0bc1", 1),
    ("e4743781-d0f5-4f75-b17c-6d22d30c5885", 1),
    ("1af7fc5e-8455-4414-9ccd-011d40f70b2a", 0),
    ("5c0375b4-57a5-4f26-b12d-d022ee4e51b7", 0),
];

#[test]
fn prompts_typed_by_a_person_in_every_client_version() {
    let Some(projects) = corpus() else { return };
    let all = sessions(&projects);
    assert_eq!(
        all.len(),
        18,
        "18 sessions; the agent-*.jsonl files are not sessions"
    );
    let mut total = 0;
    for (id, expected) in PROMPTS {
        let s = summarize(&all[id]);
        assert_eq!(s.prompts, expected, "{id}");
        assert_eq!(s.follow_ups + s.clarity_scored, s.prompts, "{id}");
        total += s.prompts;
    }
    assert_eq!(total, 22);
}

#[test]
fn interactive_sessions_are_told_from_what_every_version_writes() {
    let Some(projects) = corpus() else { return };
    let all = sessions(&projects);
    // The seven claude-reliability snapshot tests ran `claude -p` in temporary folders (a
    // `queue-operation` first, no checkpoints, no typed slash command); every other session was
    // typed at the terminal (checkpoints, `thinkingMetadata` on prompts, slash commands).
    let scripted = [
        "c64cc478-3430-40fe-8e9c-4ee9986e9754",
        "de3b8b19-5bc0-4a2a-934a-1b6806567e25",
        "c7d3d95c-57f0-4359-8f4b-926a9bef5a3f",
        "063004b7-9c12-446a-a977-ca545d9e3cac",
        "cb88ae13-898d-4076-aeb5-bc37191c5d2e",
        "645d338e-a844-495b-bcc0-8b12ad5c0bc1",
        "e4743781-d0f5-4f75-b17c-6d22d30c5885",
    ];
    for (id, files) in &all {
        let s = summarize(files);
        assert_eq!(s.interactive, !scripted.contains(&id.as_str()), "{id}");
    }
}

#[test]
fn tokens_of_every_response_once_sub_agents_and_progress_copies_included() {
    let Some(projects) = corpus() else { return };
    let all = sessions(&projects);
    let mut total = [0u64; 4];
    for files in all.values() {
        let t = tokens(&summarize(files));
        for i in 0..4 {
            total[i] += t[i];
        }
    }
    // "correct (all 719 responses)".
    assert_eq!(total, [7_586, 161_565, 1_159_346, 39_426_393]);

    // Checked line by line in SOURCES.md.
    let s = summarize(&all["7f2abd2d-7cfc-4447-9ddd-3ca8d14e02e9"]);
    let [input, output, ..] = tokens(&s);
    assert_eq!(
        (input, output),
        (74 + 487 + 476, 844 + 130 + 137),
        "with its two top-level agent files"
    );
    assert_eq!(
        tokens(&summarize(&all["de3b8b19-5bc0-4a2a-934a-1b6806567e25"])),
        [3, 29, 3_539, 71_036]
    );
    assert_eq!(
        tokens(&summarize(&all["8f079ffe-995f-42ba-b089-84de56817b6f"])),
        [47, 8, 8_399, 64_787]
    );
}

#[test]
fn sub_agent_replies_only_in_progress_lines_count_once() {
    let Some(projects) = corpus() else { return };
    let all = sessions(&projects);
    let files = &all["491e126e-1e71-469c-ade2-fcc8af567c74"];
    assert_eq!(files.len(), 1, "its sub-agent file is not in the source");
    let with = tokens(&summarize(files));
    // The same session with its `progress` lines removed: what the assistant lines alone hold.
    let bytes = std::fs::read(&files[0].0).unwrap();
    let kept: Vec<u8> = bytes
        .split_inclusive(|b| *b == b'\n')
        .filter(|l| !l.windows(16).any(|w| w == b"\"agent_progress\""))
        .flatten()
        .copied()
        .collect();
    let mut acc = SessionAccumulator::new();
    acc.feed_chunk(&kept, FileRole::Main);
    let s = acc.summary(SummaryInputs {
        session_key: SessionKey([0; 16]),
        revision: 1,
        end_reason: EndReason::Open,
        client_version: ClientVersion {
            major: 0,
            minor: 1,
            patch: 0,
        },
    });
    let without = tokens(&s);
    // "491e126e (2.1.38), progress-only responses": input 24, output 7, cache write 14,285,
    // cache read 95,343.
    let diff: Vec<u64> = (0..4).map(|i| with[i] - without[i]).collect();
    assert_eq!(diff, [24, 7, 14_285, 95_343]);
    // That these copies and the sub-agent files' own lines are one response each (258c7280 and
    // ae4a77f8 echo their sub-agents' replies with the same ids and usage) is shown by the corpus
    // total in `tokens_of_every_response_once_sub_agents_and_progress_copies_included`.
}
